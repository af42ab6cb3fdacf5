package webhook

import (
	"strings"
	"time"

	"github.com/wecom-connector/wecom/internal/xmlscan"
)

// Event is one decoded callback: a pointer to one of this package's event structs (user
// messages, app events, contacts changes, customer-contact changes, kf notices, ISV commands) or
// *Unknown. Type-switch on it, or register typed functions with [On].
// 回调事件
type Event interface {
	// EventHeader returns the fields every callback shares.
	EventHeader() *Header
	// Kind names the callback for logs and metrics: "text", "event:click",
	// "event:change_contact:create_user", "info:suite_ticket", "info:change_contact:update_user".
	Kind() string
	// Raw returns a copy of the plaintext XML, with every element, typed or not.
	Raw() []byte
	isEvent()
}

// Header holds the elements shared by callbacks: the corp-app header (ToUserName,
// FromUserName, CreateTime, MsgType, Event, AgentID) and the ISV command header (SuiteId,
// InfoType, TimeStamp, AuthCorpId). Absent elements are zero.
// 回调公共字段
type Header struct {
	// ToUserName is the receiving corp ID (corp-app callbacks).
	ToUserName string `wecom:"ToUserName" xml:"ToUserName"`
	// FromUserName is the acting member's UserID, or "sys" for system events.
	FromUserName string `wecom:"FromUserName" xml:"FromUserName"`
	// CreateTime is the event time in Unix seconds (corp-app callbacks); see Time.
	CreateTime int64 `wecom:"CreateTime" xml:"CreateTime"`
	// MsgType is "event" for events, else the user message type ("text", "image", …).
	MsgType string `wecom:"MsgType" xml:"MsgType"`
	// Event is the event name when MsgType is "event".
	Event string `wecom:"Event" xml:"Event"`
	// ChangeType selects the kind of change_contact, change_external_*, change_chain events.
	ChangeType string `wecom:"ChangeType" xml:"ChangeType"`
	// AgentID is the app ID (AgentID; AgentId in ISV share events).
	AgentID int `wecom:"AgentID|AgentId" xml:"AgentID"`
	// MsgID is the message ID of user messages, unique per message (the dedupe key).
	MsgID int64 `wecom:"MsgId" xml:"MsgId"`
	// SuiteID is the suite or template ID of ISV command callbacks (指令回调).
	SuiteID string `wecom:"SuiteId" xml:"SuiteId"`
	// InfoType is the command name of ISV command callbacks.
	InfoType string `wecom:"InfoType" xml:"InfoType"`
	// TimeStamp is the ISV command time in Unix seconds; see Time.
	TimeStamp int64 `wecom:"TimeStamp" xml:"TimeStamp"`
	// AuthCorpID is the authorizing corp of ISV command callbacks.
	AuthCorpID string `wecom:"AuthCorpId" xml:"AuthCorpId"`
	// ServiceCorpID is the service provider's corp ID of provider system events (服务商系统事件).
	ServiceCorpID string `wecom:"ServiceCorpId" xml:"ServiceCorpId"`

	// raw is the plaintext XML; behind a pointer so that printing an event shows an address,
	// not the plaintext (which may hold a suite ticket or an access token).
	raw *string
}

// EventHeader returns h; every event embeds a Header.
func (h *Header) EventHeader() *Header { return h }

// Time returns CreateTime, or TimeStamp for ISV commands, as a time.Time (zero if neither).
func (h *Header) Time() time.Time {
	switch {
	case h.CreateTime != 0:
		return time.Unix(h.CreateTime, 0)
	case h.TimeStamp != 0:
		return time.Unix(h.TimeStamp, 0)
	}
	return time.Time{}
}

// IsISV reports whether the callback is an ISV command callback (it has an InfoType); those
// are answered "success" and carry SuiteID and AuthCorpID instead of ToUserName.
func (h *Header) IsISV() bool { return h.InfoType != "" }

// Kind names the callback; see Event.
func (h *Header) Kind() string {
	var parts []string
	switch {
	case h.InfoType != "":
		parts = []string{"info", h.InfoType}
	case h.MsgType == "event":
		parts = []string{"event", h.Event}
	default:
		return h.MsgType
	}
	if h.ChangeType != "" {
		parts = append(parts, h.ChangeType)
	}
	return strings.Join(parts, ":")
}

// Raw returns a copy of the plaintext XML the event was decoded from.
func (h *Header) Raw() []byte {
	if h.raw == nil {
		return nil
	}
	return []byte(*h.raw)
}

// Lookup returns the text of the element at path (names joined by ">", e.g.
// "BatchJob>JobId"), the way to read an element this package does not type. Its second
// result reports whether the element exists.
func (h *Header) Lookup(path string) (string, bool) {
	if h.raw == nil {
		return "", false
	}
	t, ok := xmlscan.Scan([]byte(*h.raw), *h.raw)
	if !ok {
		return "", false
	}
	n := xmlscan.Root
	for name := range strings.SplitSeq(path, ">") {
		if n = t.Child(n, name); n < 0 {
			return "", false
		}
	}
	return t.Text(n), true
}

func (h *Header) isEvent() {}

// Unknown is a callback this package has no type for. Nothing is dropped: the header holds its
// MsgType, Event, ChangeType or InfoType, Raw the whole XML and Lookup any element.
// 未知回调
type Unknown struct {
	Header
}
