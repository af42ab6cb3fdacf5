package customerservice

import (
	"context"
	"fmt"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
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
	return fmt.Sprintf("wecom: kf session cannot move from %s to %s", e.From, e.To)
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
func (s *Service) GetState(ctx context.Context, sess Session) (*SessionState, error) {
	if err := check.RequiredAll("open_kfid", sess.OpenKfID, "external_userid", sess.ExternalUserID); err != nil {
		return nil, err
	}
	out := new(SessionState)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/service_state/get", nil, client.Idempotent(sess), out); err != nil {
		return nil, err
	}
	return out, nil
}

// TransParams asks for a session to move to another state.
type TransParams struct {
	OpenKfID       string       `json:"open_kfid"`
	ExternalUserID string       `json:"external_userid"`
	State          ServiceState `json:"service_state"`
	// ServicerUserID is the member to assign; required when State is Human, where it must be
	// a servicer of the account that is receiving.
	ServicerUserID string `json:"servicer_userid,omitempty"`
	// From is the state the caller knows the session to be in: when set, a move
	// CanTransition refuses is never sent. When nil the platform decides (95016 for a move it
	// refuses). [Service.Transition] reads it for you, at the cost of a call.
	From *ServiceState `json:"-"`
}

func (p TransParams) check() error {
	if err := check.RequiredAll("open_kfid", p.OpenKfID, "external_userid", p.ExternalUserID); err != nil {
		return err
	}
	if !p.State.Valid() || p.State == Untreated { // no session can be moved back to untreated
		return check.Invalid("service_state", "want 1 to 4, have %d", int(p.State))
	}
	if p.State == Human && p.ServicerUserID == "" {
		return check.Invalid("servicer_userid", "required when moving a session to %s", Human)
	}
	if p.From != nil && !p.From.CanTransition(p.State) {
		return &TransitionError{From: *p.From, To: p.State}
	}
	return nil
}

// TransResult holds the one-shot code the move produced, if any: the first move into Queued or
// Human yields a prompt code (48 hours), a move into Ended an ending code (20 seconds), for
// [Service.SendOnEvent].
type TransResult struct {
	MsgCode string `json:"msg_code"`
}

// Trans moves a session to another state (分配客服会话) in one call: to the smart assistant, the
// queue, a servicer (also to transfer between servicers) or the end. With p.From set, a move
// the platform does not allow comes back as a [*TransitionError] before any request is sent;
// without it the platform refuses it (matching [ErrTransitionNotAllowed] too). API moves
// produce no session_status_change event.
// 变更会话状态
//
// https://developer.work.weixin.qq.com/document/path/94669
//
//wecom:api POST /cgi-bin/kf/service_state/trans
func (s *Service) Trans(ctx context.Context, p TransParams) (*TransResult, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	out := new(TransResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/service_state/trans", nil, p, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Transition makes two calls: it reads the session's state with [Service.GetState]
// (service_state/get), then moves the session with [Service.Trans] (service_state/trans) from
// that state, so a move CanTransition refuses comes back as a [*TransitionError] without the
// second call. p.From is ignored. The state can change between the two calls; the platform
// still has the last word.
func (s *Service) Transition(ctx context.Context, p TransParams) (*TransResult, error) {
	p.From = nil
	if err := p.check(); err != nil {
		return nil, err
	}
	cur, err := s.GetState(ctx, Session{p.OpenKfID, p.ExternalUserID})
	if err != nil {
		return nil, err
	}
	p.From = &cur.State
	return s.Trans(ctx, p)
}
