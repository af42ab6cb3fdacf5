package messages

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Per-call recipient limits of message/send; larger lists are split into several calls.
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
		return invalid("touser", "no recipients: set Users, Departments, Tags or All")
	}
	for _, u := range r.Users {
		if u == "" || strings.ContainsAny(u, "| ") || u == "@all" {
			return invalid("touser", "invalid UserID %q", u)
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
		return invalid("safe", "%d is not accepted for msgtype %s", s, m)
	}
	return nil
}

// checkSafeNoCorpOnly is checkSafe for appchat/send and linkedcorp/message/send, which document
// safe 0 and 1 only: SafeCorpOnly exists on message/send alone.
func checkSafeNoCorpOnly(m MsgType, s Safe) error {
	if s == SafeCorpOnly {
		return invalid("safe", "%d is accepted by message/send only", s)
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

// SendResult merges the answers of the calls one send took (one per 1000 users, 100
// departments or 100 tags).
type SendResult struct {
	// MsgIDs are the message IDs for [Service.Recall], one per call, in order.
	MsgIDs []string
	// ResponseCodes are the response codes of an interactive card, one per call (matching
	// MsgIDs), for [Service.UpdateTemplateCard]; empty strings for other messages.
	ResponseCodes []string
	// InvalidUsers, InvalidDepartments and InvalidTags were not delivered to (not in the app's
	// visible range, unknown); WeCom lower-cases UserIDs here.
	InvalidUsers       []string
	InvalidDepartments []string
	InvalidTags        []string
	// UnlicensedUsers are visible but have no basic API licence (基础接口许可).
	UnlicensedUsers []string
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

// wire is a request body whose message object sits under a key named after its msgtype. It is
// encoded once per call, so every retry sends the same bytes (the duplicate check compares
// them).
type wire struct {
	head any
	key  MsgType
	body any
	idem bool
}

// MarshalJSON writes head's fields followed by "key": body, leaving <, > and & unescaped:
// WeCom may refuse \uXXXX escapes (40033) and texts carry <a href> and <font> tags.
func (w wire) MarshalJSON() ([]byte, error) {
	h, err := marshalRaw(w.head)
	if err != nil {
		return nil, err
	}
	b, err := marshalRaw(w.body)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(h[:len(h)-1])
	if len(h) > 2 {
		buf.WriteByte(',')
	}
	buf.WriteString(strconv.Quote(string(w.key)))
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

// Idempotent reports whether WeCom's duplicate check makes a repeat harmless.
func (w wire) Idempotent() bool { return w.idem }

// Send sends an app message (发送应用消息). Lists longer than one call allows are split into
// compliant calls whose answers are merged; every member is addressed once even when listed
// twice; a template card with a TaskID (unique per call) is refused when it would need more
// than one call. The message is checked before any request: an invalid or oversize message returns a
// [*ValidationError] (texts over the limit can be split with [SplitText]).
//
// When one of several calls fails, Send returns the result of the calls made so far with the
// error, so no msgid is lost. A call whose recipients were all invalid (81013) only adds them
// to the invalid lists, unless every call was.
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
	parts := splitRecipients(p.To)
	if len(parts) > 1 && taskID(p.Message) != "" {
		return nil, invalid("template_card.task_id", "a task_id is good for one call: address at most %d users, %d departments and %d tags",
			MaxUsersPerCall, MaxDepartmentsPerCall, MaxTagsPerCall)
	}
	res := &SendResult{}
	var allInvalid error
	for i, to := range parts {
		h := head
		h.ToUser, h.ToParty, h.ToTag = to.encode()
		var out sendAnswer
		err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/message/send", nil, wire{h, p.Message.MsgType(), p.Message, h.EnableDuplicateCheck == 1}, &out)
		var apiErr *client.APIError
		if len(parts) > 1 && errors.As(err, &apiErr) && apiErr.Code == CodeAllRecipientsInvalid {
			allInvalid = err
			res.InvalidUsers = append(res.InvalidUsers, to.Users...)
			res.InvalidDepartments = append(res.InvalidDepartments, itoas(to.Departments)...)
			res.InvalidTags = append(res.InvalidTags, itoas(to.Tags)...)
			continue
		}
		if err != nil {
			if len(parts) == 1 {
				return nil, err
			}
			return res, fmt.Errorf("messages: message/send part %d of %d: %w", i+1, len(parts), err)
		}
		res.add(out)
	}
	if len(res.MsgIDs) == 0 && allInvalid != nil {
		return res, allInvalid
	}
	return res, nil
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
		return sendHead{}, invalid("msgtype", "no Message")
	}
	mt := p.Message.MsgType()
	if err := firstErr(p.Message.check(toApp), p.To.check(), checkSafe(mt, p.Safe)); err != nil {
		return sendHead{}, err
	}
	switch {
	case p.AgentID <= 0 && mt != MsgMiniProgramNotice:
		return sendHead{}, invalid("agentid", "required")
	case p.To.All && mt == MsgMiniProgramNotice:
		return sendHead{}, invalid("touser", "@all is not allowed for miniprogram_notice")
	case p.EnableIDTrans && !slices.Contains(idTrans, mt):
		return sendHead{}, invalid("enable_id_trans", "not supported for msgtype %s", mt)
	case p.DuplicateCheckInterval < 0 || p.DuplicateCheckInterval > MaxDuplicateCheckInterval || p.DuplicateCheckInterval%time.Second != 0:
		return sendHead{}, invalid("duplicate_check_interval", "%v: want whole seconds up to 4h", p.DuplicateCheckInterval)
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

func (r *SendResult) add(a sendAnswer) {
	r.MsgIDs = append(r.MsgIDs, a.MsgID)
	r.ResponseCodes = append(r.ResponseCodes, a.ResponseCode)
	r.InvalidUsers = append(r.InvalidUsers, splitBar(a.InvalidUser)...)
	r.InvalidDepartments = append(r.InvalidDepartments, splitBar(a.InvalidParty)...)
	r.InvalidTags = append(r.InvalidTags, splitBar(a.InvalidTag)...)
	r.UnlicensedUsers = append(r.UnlicensedUsers, splitBar(a.UnlicensedUser)...)
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

// splitRecipients removes repeated IDs and cuts the lists into as few calls as the per-call
// limits allow: call i takes the i-th slice of each list.
func splitRecipients(r Recipients) []Recipients {
	if r.All {
		return []Recipients{{All: true}}
	}
	users, deps, tags := dedupe(r.Users), dedupe(r.Departments), dedupe(r.Tags)
	n := max(chunks(len(users), MaxUsersPerCall), chunks(len(deps), MaxDepartmentsPerCall), chunks(len(tags), MaxTagsPerCall))
	parts := make([]Recipients, n)
	for i := range parts {
		parts[i] = Recipients{
			Users:       window(users, i, MaxUsersPerCall),
			Departments: window(deps, i, MaxDepartmentsPerCall),
			Tags:        window(tags, i, MaxTagsPerCall),
		}
	}
	return parts
}

func chunks(n, size int) int { return (n + size - 1) / size }

func window[T any](s []T, i, size int) []T {
	lo := i * size
	if lo >= len(s) {
		return nil
	}
	return s[lo:min(lo+size, len(s))]
}

func dedupe[T comparable](s []T) []T {
	seen := make(map[T]bool, len(s))
	out := make([]T, 0, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Errcodes of the message APIs (应用消息错误码) that callers branch on.
const (
	CodeInvalidMediaID        = 40007 // invalid or expired media_id (3 days)
	CodeEmptyContent          = 44004 // empty text content
	CodeContentTooLarge       = 45002 // content too large
	CodeTooManyArticles       = 45008 // more than 8 articles
	CodeInvalidResponseCode   = 60140 // response_code invalid, expired (72 h) or already used
	CodeAllRecipientsInvalid  = 81013 // every user, department and tag invalid or not permitted
	CodeNoRecipients          = 82001 // touser, toparty and totag all empty
	CodeMsgIDExpired          = 42052 // recall after 24 h
	CodeUpdateAppMismatch     = 42015 // the updating app is not the sending app
	CodeUpdateTargetEmpty     = 82101 // update target empty
	CodeRobotInvalidWebhook   = 93000 // robot key invalid, or robot removed from its group
	CodeRobotImageTooLarge    = 93018 // robot image over 2 MB
	CodeCallbackURLRequired   = 43012 // interactive cards need the app's callback URL
	CodeChatNotFound          = 86003 // appchat chatid does not exist
	CodeChatNotCreatedByApp   = 86008 // appchat created by another app
	CodeInvalidMediaFileType  = 40004 // invalid media file type
	CodeInvalidMediaTypeParam = 40005 // invalid media type parameter
	CodeMediaTooLarge         = 45001 // media file too large
)
