package customerservice

import (
	"encoding/json"
	"fmt"

	"github.com/wecom-connector/wecom/internal/wire"
)

// EventType is the event_type of a msgtype "event" element of sync_msg.
type EventType string

// Event types of sync_msg.
const (
	EventEnterSession            EventType = "enter_session"
	EventMsgSendFail             EventType = "msg_send_fail"
	EventServicerStatusChange    EventType = "servicer_status_change"
	EventSessionStatusChange     EventType = "session_status_change"
	EventUserRecallMsg           EventType = "user_recall_msg"
	EventServicerRecallMsg       EventType = "servicer_recall_msg"
	EventRejectCustomerMsgSwitch EventType = "reject_customer_msg_switch_change"
)

// WechatChannels tells from where in WeChat Channels (视频号) a customer came. Scene: 1 profile
// page, 2 live-room product list, 3 product showcase, 4 shop product page, 5 shop order page.
type WechatChannels struct {
	Nickname     string   `json:"nickname"`
	ShopNickname string   `json:"shop_nickname"`
	Scene        wire.Int `json:"scene"`
}

// EnterSessionEvent: the customer opened the chat (用户进入会话事件). WelcomeCode, when set,
// allows one welcome message through SendOnEvent within 20 seconds. The session state does not
// change until the customer writes.
type EnterSessionEvent struct {
	MessageHeader  `json:"-"`
	EventType      EventType       `json:"event_type"`
	Scene          string          `json:"scene"`
	SceneParam     string          `json:"scene_param"`
	WelcomeCode    string          `json:"welcome_code"`
	WechatChannels *WechatChannels `json:"wechat_channels"`
}

// FailType is why a sent message was not delivered (msg_send_fail fail_type).
type FailType uint32

// Failure reasons of msg_send_fail.
const (
	FailUnknown            FailType = 0  // unknown reason
	FailAccountDeleted     FailType = 1  // kf account deleted
	FailAppClosed          FailType = 2  // app closed
	FailSessionExpired     FailType = 4  // session older than 48 hours
	FailSessionClosed      FailType = 5  // session closed
	FailQuotaExceeded      FailType = 6  // more than 5 messages
	FailNoChannels         FailType = 7  // no Channels account bound (older revisions)
	FailUnverifiedCorp     FailType = 8  // corp identity not verified
	FailNoChannelsVerified FailType = 9  // neither bound nor verified (older revisions)
	FailCustomerRefuses    FailType = 10 // customer refuses messages
	FailNoMobileLogin      FailType = 11 // no member ever logged in to the mobile app
	FailTypeForbidden      FailType = 12 // type forbidden by the kf component's settings
	FailSecurity           FailType = 13 // security restriction
)

// MsgSendFailEvent: a message accepted by send_msg could not be delivered (消息发送失败事件).
type MsgSendFailEvent struct {
	MessageHeader `json:"-"`
	EventType     EventType `json:"event_type"`
	FailMsgID     string    `json:"fail_msgid"`
	FailType      FailType  `json:"fail_type"`
}

// ServicerStatus is whether a servicer receives new sessions. servicer/list and the
// servicer_status_change event encode it differently; both decode to these values.
type ServicerStatus int

// Servicer statuses.
const (
	Receiving ServicerStatus = 1 // 接待中
	Stopped   ServicerStatus = 2 // 停止接待
)

// StopType says how a stopped servicer stopped.
type StopType uint32

// Stop types.
const (
	StopStopped   StopType = 0 // 停止接待
	StopSuspended StopType = 1 // 暂时挂起
)

// ServicerStatusChangeEvent: a servicer switched receiving on or off in the WeCom client
// (接待人员接待状态变更事件).
type ServicerStatusChangeEvent struct {
	MessageHeader `json:"-"`
	EventType     EventType      `json:"event_type"`
	Status        ServicerStatus `json:"status"` // the event's encoding is Receiving=1, Stopped=2
	StopType      StopType       `json:"stop_type"`
}

// ChangeType is how a servicer changed a session in the WeCom client.
type ChangeType uint32

// Session change types.
const (
	PickedFromQueue ChangeType = 1 // picked up from the queue (2 → 3)
	Transferred     ChangeType = 2 // transferred to another servicer (3 → 3)
	SessionEnded    ChangeType = 3 // ended (3 → 4)
	Reengaged       ChangeType = 4 // servicer wrote in an ended or transferred session (→ 3)
)

// SessionStatusChangeEvent: a servicer changed the session from the WeCom client (会话状态变更
// 事件); API moves produce none. MsgCode (change types 1 and 3) allows one SendOnEvent message.
type SessionStatusChangeEvent struct {
	MessageHeader     `json:"-"`
	EventType         EventType  `json:"event_type"`
	ChangeType        ChangeType `json:"change_type"`
	OldServicerUserID string     `json:"old_servicer_userid"`
	NewServicerUserID string     `json:"new_servicer_userid"`
	MsgCode           string     `json:"msg_code"`
}

// UserRecallMsgEvent: the customer recalled a message (用户撤回消息事件); hide RecallMsgID.
type UserRecallMsgEvent struct {
	MessageHeader `json:"-"`
	EventType     EventType `json:"event_type"`
	RecallMsgID   string    `json:"recall_msgid"`
}

// ServicerRecallMsgEvent: a servicer recalled a message (接待人员撤回消息事件).
type ServicerRecallMsgEvent struct {
	MessageHeader `json:"-"`
	EventType     EventType `json:"event_type"`
	RecallMsgID   string    `json:"recall_msgid"`
}

// RejectCustomerMsgSwitchEvent: a servicer turned rejection of this customer's messages on
// (RejectSwitch 1) or off (0) (拒收客户消息变更事件).
type RejectCustomerMsgSwitchEvent struct {
	MessageHeader `json:"-"`
	EventType     EventType `json:"event_type"`
	RejectSwitch  uint32    `json:"reject_switch"`
}

// UnknownEvent is an event_type this package does not know; Raw holds the whole element.
type UnknownEvent struct {
	MessageHeader `json:"-"`
	EventType     EventType `json:"event_type"`
}

var eventTypes = map[EventType]func() Message{
	EventEnterSession:            func() Message { return new(EnterSessionEvent) },
	EventMsgSendFail:             func() Message { return new(MsgSendFailEvent) },
	EventServicerStatusChange:    func() Message { return new(ServicerStatusChangeEvent) },
	EventSessionStatusChange:     func() Message { return new(SessionStatusChangeEvent) },
	EventUserRecallMsg:           func() Message { return new(UserRecallMsgEvent) },
	EventServicerRecallMsg:       func() Message { return new(ServicerRecallMsgEvent) },
	EventRejectCustomerMsgSwitch: func() Message { return new(RejectCustomerMsgSwitchEvent) },
}

// eventCommon holds the event-object fields that belong in the header.
type eventCommon struct {
	EventType      EventType `json:"event_type"`
	OpenKfID       string    `json:"open_kfid"`
	ExternalUserID string    `json:"external_userid"`
	ServicerUserID string    `json:"servicer_userid"`
}

func decodeEvent(h MessageHeader) (Message, error) {
	var wrap struct {
		Event json.RawMessage `json:"event"`
	}
	var ec eventCommon
	if err := json.Unmarshal(h.raw, &wrap); err != nil || len(wrap.Event) == 0 || json.Unmarshal(wrap.Event, &ec) != nil {
		return &UnknownEvent{MessageHeader: h}, fmt.Errorf("wecom: kf event %s has no event object", h.MsgID)
	}
	if h.OpenKfID == "" {
		h.OpenKfID = ec.OpenKfID
	}
	if h.ExternalUserID == "" {
		h.ExternalUserID = ec.ExternalUserID
	}
	if h.ServicerUserID == "" {
		h.ServicerUserID = ec.ServicerUserID
	}
	mk, ok := eventTypes[ec.EventType]
	if !ok {
		return &UnknownEvent{MessageHeader: h, EventType: ec.EventType}, nil
	}
	m := mk()
	if err := json.Unmarshal(wrap.Event, m); err != nil {
		return &UnknownEvent{MessageHeader: h, EventType: ec.EventType},
			fmt.Errorf("wecom: decode kf %s event %s: %w", ec.EventType, h.MsgID, err)
	}
	*m.Header() = h
	return m, nil
}
