package customerservice

import (
	"context"
	"fmt"
	"net/http"

	"github.com/wecom-connector/wecom/client"
)

// ServiceState is the state of a customer's session with a kf account (service_state).
// 会话状态
type ServiceState int

// Session states.
const (
	// Untreated: the customer wrote and nobody took the session yet (未处理).
	Untreated ServiceState = 0
	// SmartAssistant: the app answers through the API (由智能助手接待).
	SmartAssistant ServiceState = 1
	// Queued: waiting in the pending pool for a servicer (待接入池排队中).
	Queued ServiceState = 2
	// Human: a servicer serves the customer in the WeCom client (由人工接待).
	Human ServiceState = 3
	// Ended: ended, or the customer entered but has not written yet (已结束/未开始).
	Ended ServiceState = 4
)

// String names the state.
func (s ServiceState) String() string {
	switch s {
	case Untreated:
		return "untreated"
	case SmartAssistant:
		return "smart_assistant"
	case Queued:
		return "queued"
	case Human:
		return "human"
	case Ended:
		return "ended"
	}
	return fmt.Sprintf("ServiceState(%d)", int(s))
}

// Valid reports whether s is one of the five documented states.
func (s ServiceState) Valid() bool { return s >= Untreated && s <= Ended }

// CanTransition reports whether service_state/trans may move a session from s to to. It
// refuses the moves the platform documents as impossible: requesting Untreated, leaving Ended,
// and going back (Queued → SmartAssistant, Human → SmartAssistant or Queued). The moves the
// vendor leaves undocumented (Untreated → Ended, Queued → Ended, SmartAssistant → Ended,
// same-state requests of SmartAssistant and Queued) are passed to the platform to decide.
func (s ServiceState) CanTransition(to ServiceState) bool {
	if !s.Valid() || !to.Valid() || to == Untreated || s == Ended {
		return false
	}
	switch s {
	case Queued:
		return to != SmartAssistant
	case Human:
		return to == Human || to == Ended
	}
	return true
}

// TransitionError is a session move refused before sending: the session is in From and cannot
// go to To. It matches [ErrTransitionNotAllowed] with errors.Is, like the platform's 95016.
type TransitionError struct {
	From, To ServiceState
}

// Error names both states.
func (e *TransitionError) Error() string {
	return fmt.Sprintf("customerservice: session cannot move from %s to %s", e.From, e.To)
}

// Is makes errors.Is(err, ErrTransitionNotAllowed) true.
func (e *TransitionError) Is(target error) bool { return target == ErrTransitionNotAllowed }

// Session identifies one customer's session with one kf account.
type Session struct {
	OpenKfID       string `json:"open_kfid"`
	ExternalUserID string `json:"external_userid"`
}

// SessionState is a session's state and, in state Human, its servicer.
type SessionState struct {
	State          ServiceState `json:"service_state"`
	ServicerUserID string       `json:"servicer_userid"` // meaningful only in state Human
}

// GetState reads the state of a customer's session with a kf account.
// 获取会话状态
//
// https://developer.work.weixin.qq.com/document/path/94669
//
//wecom:api POST /cgi-bin/kf/service_state/get
func (s *Service) GetState(ctx context.Context, sess Session) (SessionState, error) {
	var out SessionState
	if err := required("open_kfid", sess.OpenKfID, "external_userid", sess.ExternalUserID); err != nil {
		return out, err
	}
	err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/service_state/get", nil, client.Idempotent(sess), &out)
	return out, err
}

// TransParams asks for a session to move to another state.
type TransParams struct {
	OpenKfID       string       `json:"open_kfid"`
	ExternalUserID string       `json:"external_userid"`
	State          ServiceState `json:"service_state"`
	// ServicerUserID is the member to assign; required when State is Human, where it must be
	// a servicer of the account that is receiving.
	ServicerUserID string `json:"servicer_userid,omitempty"`
	// From is the state the caller knows the session to be in. When nil, Trans reads the state
	// first with GetState. Either way a move CanTransition refuses is never sent.
	From *ServiceState `json:"-"`
}

// TransResult holds the one-shot code the move produced, if any: the first move into Queued or
// Human yields a prompt code (48 hours), a move into Ended an ending code (20 seconds), for
// [Service.SendOnEvent].
type TransResult struct {
	MsgCode string `json:"msg_code"`
}

// Trans moves a session to another state (分配客服会话): to the smart assistant, the queue, a
// servicer (also to transfer between servicers) or the end. Moves the platform does not allow
// come back as a [*TransitionError] before any request is sent; API moves produce no
// session_status_change event.
// 变更会话状态
//
// https://developer.work.weixin.qq.com/document/path/94669
//
//wecom:api POST /cgi-bin/kf/service_state/trans
func (s *Service) Trans(ctx context.Context, p TransParams) (TransResult, error) {
	var out TransResult
	if err := required("open_kfid", p.OpenKfID, "external_userid", p.ExternalUserID); err != nil {
		return out, err
	}
	if !p.State.Valid() {
		return out, invalid("service_state", "want 1 to 4, have %d", int(p.State))
	}
	if p.State == Human && p.ServicerUserID == "" {
		return out, invalid("servicer_userid", "required when moving a session to %s", Human)
	}
	from := p.From
	if from == nil {
		cur, err := s.GetState(ctx, Session{p.OpenKfID, p.ExternalUserID})
		if err != nil {
			return out, err
		}
		from = &cur.State
	}
	if !from.CanTransition(p.State) {
		return out, &TransitionError{From: *from, To: p.State}
	}
	err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/service_state/trans", nil, p, &out)
	return out, err
}
