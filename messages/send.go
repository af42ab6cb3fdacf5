package messages

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/fanout"
)

// Per-call recipient limits of message/send and linkedcorp/message/send; the fan-out helpers
// split larger lists into several calls.
const (
	MaxUsersPerCall       = 1000
	MaxDepartmentsPerCall = 100
	MaxTagsPerCall        = 100
)

// MaxDuplicateCheckInterval is the longest duplicate-check window WeCom accepts (4 hours).
const MaxDuplicateCheckInterval = 4 * time.Hour

// Recipients are who receives an app message: members (UserIDs), departments and tags, or every
// member in the app's visible range (All; not for mini program notices). At least one must be
// set.
type Recipients struct {
	Users       []string
	Departments []int
	Tags        []int
	All         bool
}

// ToUsers addresses members by UserID.
func ToUsers(userIDs ...string) Recipients { return Recipients{Users: userIDs} }

// ToDepartments addresses every member of the departments.
func ToDepartments(ids ...int) Recipients { return Recipients{Departments: ids} }

// ToTags addresses every member with the tags.
func ToTags(ids ...int) Recipients { return Recipients{Tags: ids} }

// ToAll addresses every member in the app's visible range (@all).
func ToAll() Recipients { return Recipients{All: true} }

func (r Recipients) empty() bool {
	return !r.All && len(r.Users) == 0 && len(r.Departments) == 0 && len(r.Tags) == 0
}

// check refuses empty or malformed IDs: an empty ID or one holding the list separator would
// change the list WeCom reads.
func (r Recipients) check() error {
	if r.empty() {
		return check.Invalid("touser", "no recipients: set Users, Departments, Tags or All")
	}
	for _, u := range r.Users {
		if u == "" || strings.ContainsAny(u, "| ") || u == "@all" {
			return check.Invalid("touser", "invalid UserID %q", u)
		}
	}
	return nil
}

// Safe is the confidentiality of a message (保密消息).
type Safe int

// Safe values; SafeCorpOnly is accepted by mpnews only.
const (
	SafeOff          Safe = 0 // may be shared (default)
	SafeConfidential Safe = 1 // not shareable, shown with a watermark
	SafeCorpOnly     Safe = 2 // shareable inside the corp only (mpnews)
)

// safeMax is the highest safe value each msgtype accepts on message/send; types that are
// absent do not document safe at all.
var safeMax = map[MsgType]Safe{MsgText: 1, MsgImage: 1, MsgVideo: 1, MsgFile: 1, MsgMPNews: 2}

// idTrans lists the msgtypes that support ID translation (id转译).
var idTrans = []MsgType{MsgText, MsgTextCard, MsgNews, MsgMPNews, MsgMiniProgramNotice, MsgTemplateCard}

func checkSafe(m MsgType, s Safe) error {
	if s != SafeOff && s > safeMax[m] || s < 0 {
		return check.Invalid("safe", "%d is not accepted for msgtype %s", s, m)
	}
	return nil
}

// checkSafeNoCorpOnly is checkSafe for appchat/send and linkedcorp/message/send, which document
// safe 0 and 1 only: SafeCorpOnly exists on message/send alone.
func checkSafeNoCorpOnly(m MsgType, s Safe) error {
	if s == SafeCorpOnly {
		return check.Invalid("safe", "%d is accepted by message/send only", s)
	}
	return checkSafe(m, s)
}

// SendParams is one app message (应用消息) to send.
type SendParams struct {
	To      Recipients
	AgentID int // the sending app; may be 0 only for mini program notices
	Message Message
	Safe    Safe
	// EnableIDTrans turns on ID translation of $userName=…$ and similar placeholders.
	EnableIDTrans bool
	// NoDuplicateCheck turns WeCom's duplicate check off. By default the SDK sends
	// enable_duplicate_check=1, so an identical request within DuplicateCheckInterval is
	// delivered once: that is what makes retrying a send after a lost answer safe, and the
	// client retries only sends that carry it. With the check off a send is never retried once
	// it may have reached WeCom; identical messages sent on purpose within the window need a
	// difference in content, or this flag.
	NoDuplicateCheck bool
	// DuplicateCheckInterval is the duplicate-check window, whole seconds up to 4 h; zero means
	// WeCom's default of 1800 s.
	DuplicateCheckInterval time.Duration
}

// SendResult is the answer to one message/send call.
type SendResult struct {
	// MsgID identifies the message for [Service.Recall].
	MsgID string
	// ResponseCode is the response code of an interactive card, for
	// [Service.UpdateTemplateCard]; empty for other messages.
	ResponseCode string
	// InvalidUsers, InvalidDepartments and InvalidTags were not delivered to (not in the app's
	// visible range, unknown); WeCom lower-cases UserIDs here.
	InvalidUsers       []string
	InvalidDepartments []int
	InvalidTags        []int
	// UnlicensedUsers are visible but have no basic API licence (基础接口许可).
	UnlicensedUsers []string
}

// MsgIDs returns the message IDs of the calls of [Service.SendInParts] that went through, in
// order, for [Service.Recall].
func MsgIDs(parts []client.Part[Recipients, SendResult]) []string {
	var ids []string
	for _, p := range parts {
		if p.Out != nil {
			ids = append(ids, p.Out.MsgID)
		}
	}
	return ids
}

type sendHead struct {
	ToUser                 string  `json:"touser,omitempty"`
	ToParty                string  `json:"toparty,omitempty"`
	ToTag                  string  `json:"totag,omitempty"`
	MsgType                MsgType `json:"msgtype"`
	AgentID                int     `json:"agentid,omitempty"`
	Safe                   Safe    `json:"safe,omitempty"`
	EnableIDTrans          int     `json:"enable_id_trans,omitempty"`
	EnableDuplicateCheck   int     `json:"enable_duplicate_check,omitempty"`
	DuplicateCheckInterval int     `json:"duplicate_check_interval,omitempty"`
}

type sendAnswer struct {
	InvalidUser    string `json:"invaliduser"`
	InvalidParty   string `json:"invalidparty"`
	InvalidTag     string `json:"invalidtag"`
	UnlicensedUser string `json:"unlicenseduser"`
	MsgID          string `json:"msgid"`
	ResponseCode   string `json:"response_code"`
}

// envelope is a request body whose message object sits under a key named after its msgtype.
// The client encodes it once per call, so every retry sends the same bytes (the duplicate check
// compares them).
type envelope struct {
	head any
	key  MsgType
	body any
}

// MarshalJSON writes head's fields followed by "key": body, leaving <, > and & unescaped:
// WeCom may refuse \uXXXX escapes (40033) and texts carry <a href> and <font> tags.
func (e envelope) MarshalJSON() ([]byte, error) {
	h, err := marshalRaw(e.head)
	if err != nil {
		return nil, err
	}
	b, err := marshalRaw(e.body)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(h[:len(h)-1])
	if len(h) > 2 {
		buf.WriteByte(',')
	}
	buf.WriteString(strconv.Quote(string(e.key)))
	buf.WriteByte(':')
	buf.Write(b)
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func marshalRaw(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Send sends an app message (发送应用消息) in exactly one message/send call. Every member is
// addressed once even when listed twice. Recipients that one call cannot carry (more than
// [MaxUsersPerCall] users, [MaxDepartmentsPerCall] departments or [MaxTagsPerCall] tags) are
// refused with a [*client.ValidationError] before sending: [Service.SendInParts] splits them.
// The message is checked before any request too: an invalid or oversize message returns a
// [*client.ValidationError] (texts over the limit can be split with [SplitText]).
// 发送应用消息
//
// https://developer.work.weixin.qq.com/document/path/90236
//
//wecom:api POST /cgi-bin/message/send
func (s *Service) Send(ctx context.Context, p SendParams) (*SendResult, error) {
	head, err := p.head()
	if err != nil {
		return nil, err
	}
	calls := p.To.split()
	if len(calls) > 1 {
		return nil, tooMany(calls[1].Users, calls[1].Departments, calls[1].Tags, "SendInParts")
	}
	return s.send(ctx, head, calls[0], p.Message)
}

// SendInParts sends an app message to recipients of any number in as few message/send calls
// as the per-call limits allow, one after another, and returns one part per call made, with the
// failure policy of [client.Part]: the recipients it carried, its [SendResult] or its error. Every member is addressed once even when
// listed twice. A template card with a TaskID (good for one call only) is refused when it would
// need more than one call.
//
// A call whose recipients were all invalid (81013) is kept as a part with that error and the
// fan-out goes on; the error returned is nil unless every call failed so. Any other failure
// ends the fan-out: the parts made so far come back, the last one holding the error, which is
// also returned. Nothing sent is lost, and with the duplicate check on (the default) calling
// SendInParts again with the same params within the window delivers only what was not.
func (s *Service) SendInParts(ctx context.Context, p SendParams) ([]client.Part[Recipients, SendResult], error) {
	head, err := p.head()
	if err != nil {
		return nil, err
	}
	calls := p.To.split()
	if len(calls) > 1 && taskID(p.Message) != "" {
		return nil, check.Invalid("template_card.task_id", "a task_id is good for one call: address at most %d users, %d departments and %d tags",
			MaxUsersPerCall, MaxDepartmentsPerCall, MaxTagsPerCall)
	}
	return fanout.Run(ctx, calls, func(ctx context.Context, to Recipients) (*SendResult, error) {
		return s.send(ctx, head, to, p.Message)
	}, allInvalid)
}

// send makes one message/send call to recipients that fit it. Only a body with the duplicate
// check on is marked idempotent, so only such a send is retried after it may have reached WeCom.
func (s *Service) send(ctx context.Context, h sendHead, to Recipients, m Message) (*SendResult, error) {
	h.ToUser, h.ToParty, h.ToTag = to.encode()
	var body any = envelope{h, m.MsgType(), m}
	if h.EnableDuplicateCheck == 1 {
		body = client.Idempotent(body)
	}
	var out sendAnswer
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/message/send", nil, body, &out); err != nil {
		return nil, err
	}
	return &SendResult{
		MsgID:              out.MsgID,
		ResponseCode:       out.ResponseCode,
		InvalidUsers:       splitBar(out.InvalidUser),
		InvalidDepartments: splitBarInts(out.InvalidParty),
		InvalidTags:        splitBarInts(out.InvalidTag),
		UnlicensedUsers:    splitBar(out.UnlicensedUser),
	}, nil
}

// taskID is the task_id of a template card message, "" for other messages.
func taskID(m Message) string {
	switch c := m.(type) {
	case TemplateCard:
		return c.TaskID
	case *TemplateCard:
		return c.TaskID
	}
	return ""
}

func (p SendParams) head() (sendHead, error) {
	if isNil(p.Message) {
		return sendHead{}, check.Invalid("msgtype", "no Message")
	}
	mt := p.Message.MsgType()
	if err := firstErr(p.Message.check(toApp), p.To.check(), checkSafe(mt, p.Safe)); err != nil {
		return sendHead{}, err
	}
	switch {
	case p.AgentID <= 0 && mt != MsgMiniProgramNotice:
		return sendHead{}, check.Invalid("agentid", "required")
	case p.To.All && mt == MsgMiniProgramNotice:
		return sendHead{}, check.Invalid("touser", "@all is not allowed for miniprogram_notice")
	case p.EnableIDTrans && !slices.Contains(idTrans, mt):
		return sendHead{}, check.Invalid("enable_id_trans", "not supported for msgtype %s", mt)
	case p.DuplicateCheckInterval < 0 || p.DuplicateCheckInterval > MaxDuplicateCheckInterval || p.DuplicateCheckInterval%time.Second != 0:
		return sendHead{}, check.Invalid("duplicate_check_interval", "%v: want whole seconds up to 4h", p.DuplicateCheckInterval)
	}
	h := sendHead{MsgType: mt, AgentID: p.AgentID, Safe: p.Safe}
	if p.EnableIDTrans {
		h.EnableIDTrans = 1
	}
	if !p.NoDuplicateCheck {
		h.EnableDuplicateCheck = 1
		h.DuplicateCheckInterval = int(p.DuplicateCheckInterval / time.Second)
	}
	return h, nil
}

// splitBar splits a bar-joined answer list, tolerating spaces around the bars.
func splitBar(s string) []string {
	var out []string
	for _, v := range strings.Split(s, "|") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// splitBarInts splits a bar-joined list of IDs; an entry that is not a number (never seen from
// WeCom) is dropped rather than failing a send that went through.
func splitBarInts(s string) []int {
	var out []int
	for _, v := range splitBar(s) {
		if n, err := strconv.Atoi(v); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func itoas(ids []int) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.Itoa(id)
	}
	return out
}

func joinInts(ids []int) string { return strings.Join(itoas(ids), "|") }

// encode gives the message/send touser, toparty and totag values.
func (r Recipients) encode() (users, parties, tags string) {
	if r.All {
		return "@all", "", ""
	}
	return strings.Join(r.Users, "|"), joinInts(r.Departments), joinInts(r.Tags)
}

// split removes repeated IDs and cuts the lists into the calls of a fan-out.
func (r Recipients) split() []Recipients {
	if r.All {
		return []Recipients{{All: true}}
	}
	return split(r.Users, r.Departments, r.Tags, func(users []string, deps, tags []int) Recipients {
		return Recipients{Users: users, Departments: deps, Tags: tags}
	})
}
