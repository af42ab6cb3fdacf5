package wecomtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
)

// messagesState records app messages, app chats, robot posts and media.
type messagesState struct {
	seq        int
	received   map[string][]*Message // lower-case recipient (UserID, "CorpID/UserID", "@all") → messages
	all        []*Message            // every message/send and linkedcorp send, in order
	sent       map[string]*msgSent   // msgid → send
	tasks      map[string]*msgSent   // corp|agentid|task_id → send of an interactive card
	dups       map[string]msgDup     // corp|agentid|request → earlier answer
	codes      map[string]*msgRespCode
	rejected   map[string]bool // lower-cased UserIDs answered as invalid
	unlicensed map[string]bool
	robots     map[string]*msgRobotState
	media      map[string]*msgMedia
	chats      map[string]*msgChatState
	jobs       map[string]*msgJob

	robotLimit   int
	robotWindow  time.Duration
	recallWindow time.Duration
	codeTTL      time.Duration
	mediaTTL     time.Duration
}

func newMessagesState() messagesState {
	return messagesState{
		received: make(map[string][]*Message), sent: make(map[string]*msgSent), tasks: make(map[string]*msgSent),
		dups: make(map[string]msgDup), codes: make(map[string]*msgRespCode), rejected: make(map[string]bool),
		unlicensed: make(map[string]bool), robots: make(map[string]*msgRobotState), media: make(map[string]*msgMedia),
		chats: make(map[string]*msgChatState), jobs: make(map[string]*msgJob), robotLimit: 20, robotWindow: time.Minute,
		recallWindow: 24 * time.Hour, codeTTL: 72 * time.Hour, mediaTTL: 72 * time.Hour,
	}
}

// Message is one message as a recipient (or a chat) received it.
type Message struct {
	MsgID   string          // "" for chat messages
	CorpID  string          // the corp whose token sent it (a downstream corp for a shared app)
	AgentID int             // the sending app
	MsgType string          // text, template_card, …
	Content json.RawMessage // the object under the msgtype key
	Request json.RawMessage // the whole request body
	Time    time.Time
	// Users, Departments and Tags are the recipients the request named (message/send and
	// linked-corp sends): the valid users, and every department and tag.
	Users, Departments, Tags []string
	// DeliveredTo lists who got a copy, departments (with their sub-departments) and tags
	// resolved to their members through the address book: UserIDs, "CorpID/UserID" for
	// linked-corp members, "@all" for a send to everyone.
	DeliveredTo []string
	Recalled    bool
	Updates     []CardUpdate // message/update_template_card calls for this copy
}

// CardUpdate is one message/update_template_card applied to a received card.
type CardUpdate struct {
	ReplaceName string          // button.replace_name, in button mode
	Card        json.RawMessage // the new template_card, in card mode
}

// CardEvent is what the template_card_event callback of a user's click carries.
type CardEvent struct {
	ToUserName   string // the corp ID
	FromUserName string // the clicking member
	EventKey     string
	TaskID       string
	CardType     webhook.CardType
	ResponseCode string // fresh, single use
	AgentID      int
}

type msgSent struct {
	id       string
	corpID   string // the corp whose token sent it
	agentID  int
	at       time.Time
	taskID   string
	cardType string
	copies   map[string]*Message // lower-case recipient → copy
}

type msgDup struct {
	answer J
	until  time.Time
}

type msgRespCode struct {
	msg    *msgSent
	used   bool
	expiry time.Time
}

// WithRecallWindow sets how long after sending a message can be recalled (default 24 h).
func WithRecallWindow(d time.Duration) Option { return func(s *Server) { s.messages.recallWindow = d } }

// WithResponseCodeTTL sets how long a card response code stays usable (default 72 h).
func WithResponseCodeTTL(d time.Duration) Option { return func(s *Server) { s.messages.codeTTL = d } }

// Received returns copies of the messages a recipient got, oldest first: recipient is a UserID
// (case-insensitive, as WeCom's plaintext UserIDs are), "CorpID/UserID" for linked-corp sends,
// or "@all". A message sent to a department or a tag reaches its members.
//
// While a corp has no members, its sends take every recipient as valid and deliver to users by
// the UserID sent, so tests that only send need no address book. Once it has members (seeded with
// [Server.AddUsers] or created through user/create), recipients are checked against the address
// book as WeCom does: unknown ones are answered in invaliduser, invalidparty and invalidtag, and
// a send with no valid recipient at all answers 81013.
func (s *Server) Received(recipient string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return msgCopies(s.messages.received[strings.ToLower(recipient)])
}

// SentMessages returns every message/send and linked-corp send request, one per call.
func (s *Server) SentMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return msgCopies(s.messages.all)
}

// RejectUsers makes message/send answer these UserIDs as invalid (not in the app's visible
// range); unlicensed ones are answered in unlicenseduser. Both are delivered nothing, also as
// members of a department or tag the message was sent to.
func (s *Server) RejectUsers(invalid, unlicensed []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range invalid {
		s.messages.rejected[strings.ToLower(u)] = true
	}
	for _, u := range unlicensed {
		s.messages.unlicensed[strings.ToLower(u)] = true
	}
}

func msgCopies(ms []*Message) []Message {
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = *m
		out[i].Updates = slices.Clone(m.Updates)
		out[i].DeliveredTo = slices.Clone(m.DeliveredTo)
	}
	return out
}

func (s *Server) msgNextID(prefix string) string {
	s.messages.seq++
	return fmt.Sprintf("sim%s%06d", prefix, s.messages.seq)
}

func (s *Server) msgNewCode(m *msgSent) string {
	code := s.msgNextID("rc")
	s.messages.codes[code] = &msgRespCode{msg: m, expiry: time.Now().Add(s.messages.codeTTL)}
	return code
}

var msgAppTypes = []string{"text", "image", "voice", "video", "file", "textcard", "news", "mpnews", "markdown", "miniprogram_notice", "template_card"}

var msgCardTypes = []string{"text_notice", "news_notice", "button_interaction", "vote_interaction", "multiple_interaction"}

// msgCheckBody applies the content checks WeCom makes on a message object.
func (s *Server) msgCheckBody(msgType string, body json.RawMessage, textMax int, robotKey string) error {
	var b struct {
		Content  *string           `json:"content"`
		MediaID  string            `json:"media_id"`
		Articles []json.RawMessage `json:"articles"`
	}
	if len(body) == 0 || string(body) == "null" {
		return errc(client.CodeInvalidParameter, "missing "+msgType+" object")
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return errc(client.CodeInvalidParameter, "Warning: wrong json format. "+err.Error())
	}
	switch msgType {
	case "text", "markdown", "markdown_v2":
		switch {
		case b.Content == nil || *b.Content == "":
			return errc(client.CodeEmptyContent, "empty content")
		case len(*b.Content) > textMax:
			return errc(client.CodeContentTooLarge, "content size out of limit")
		}
	case "image", "voice", "video", "file":
		if robotKey != "" && msgType == "image" {
			return nil
		}
		m := s.messages.media[b.MediaID]
		if m == nil || !time.Now().Before(m.expiry) || m.robotKey != robotKey {
			return errc(client.CodeInvalidMediaID, "invalid media_id")
		}
	case "news", "mpnews":
		switch {
		case len(b.Articles) > 8:
			return errc(client.CodeTooManyArticles, "article size out of limit")
		case len(b.Articles) == 0:
			return errc(client.CodeInvalidParameter, "articles empty")
		}
	}
	return nil
}

// msgBodies decodes the request into its top-level objects, to find the one under msgtype.
func msgBodies(c *Call) map[string]json.RawMessage {
	raw, _ := decode[map[string]json.RawMessage](c)
	return raw
}
