package customerservice

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
)

// DefaultSafetyInterval is how often [Service.SafetyPull] pulls each account: every few minutes,
// as the spec recommends, since a pull without a callback token has a strict rate limit.
const DefaultSafetyInterval = 5 * time.Minute

// tokenTTL keeps a callback's sync_msg token a little under its 10 minutes.
const tokenTTL = 9 * time.Minute

// CallbackParams configures [Service.HandleKfCallbacks] and [Service.SafetyPull].
type CallbackParams struct {
	// Handle receives each new message or event through [Service.Pull]: it is marked done when
	// Handle returns nil. An error releases it and stops the pull before the cursor moves past
	// it; the callback is answered with the error, so WeCom redelivers it, and the next pull
	// hands the message to Handle again. Handle runs at least once per message, and once when no
	// process dies between its return and the done mark: make a reply idempotent with
	// [ReplyMsgID]. Required.
	Handle func(ctx context.Context, m Message) error
	// VoiceFormat 1 asks for SILK voice media instead of AMR.
	VoiceFormat int
	// CorpID and Lease are passed on in [SyncParams].
	CorpID string
	Lease  time.Duration
	// CursorKey returns the store key of an account's cursor; nil uses Sync's default.
	CursorKey func(openKfID string) string
	// SafetyInterval is how often SafetyPull pulls each account (default
	// DefaultSafetyInterval).
	SafetyInterval time.Duration
	// OpenKfIDs are the accounts SafetyPull pulls; empty: every account kf/account/list returns
	// that the app manages, listed again each round.
	OpenKfIDs []string
}

func (p CallbackParams) syncParams(openKfID, token string) SyncParams {
	sp := SyncParams{OpenKfID: openKfID, Token: token, VoiceFormat: p.VoiceFormat, CorpID: p.CorpID,
		Lease: p.Lease, RetryWithoutToken: true}
	if p.CursorKey != nil {
		sp.CursorKey = p.CursorKey(openKfID)
	}
	return sp
}

// HandleKfCallbacks registers on h a function for kf_msg_or_event callbacks (接收消息和事件):
// for the account named in the callback it runs [Service.Pull] with the callback's token (and,
// if the token is refused, once without it) and hands each message not yet done to p.Handle.
// The pull holds the account with a lease in the client's store, so callbacks to several
// processes sharing a store pull one after the other, and a pull that meets a message another
// pull still holds waits for it. The webhook Handler acknowledges WeCom within its budget and
// lets a long pull finish afterwards. The callback's token is kept in the store for
// SafetyPull.
//
// A process that dies mid-pull may have acknowledged the callback: run [Service.SafetyPull] in
// every process too, so its messages are pulled after its lease expires without waiting for a
// new callback, whichever process the callbacks reach.
func (s *Service) HandleKfCallbacks(h *webhook.Handler, p CallbackParams) error {
	if h == nil || p.Handle == nil {
		return check.Invalid("handle", "a webhook.Handler and a Handle function are required")
	}
	var locks sync.Map // open_kfid → *sync.Mutex: waiters in one process queue here, not on the store
	webhook.On(h, func(ctx context.Context, ev *webhook.KfMsgOrEvent) (webhook.Reply, error) {
		if ev.OpenKfID == "" {
			return nil, errors.New("wecom: kf_msg_or_event without OpenKfId")
		}
		sp := p.syncParams(ev.OpenKfID, ev.Token)
		if ev.Token != "" {
			_ = s.c.Store().Set(ctx, s.cursorKey(sp)+":token", []byte(ev.Token), tokenTTL) // a help only
		}
		mu, _ := locks.LoadOrStore(ev.OpenKfID, new(sync.Mutex))
		mu.(*sync.Mutex).Lock()
		defer mu.(*sync.Mutex).Unlock()
		return nil, s.handleAll(ctx, sp, p.Handle, true)
	})
	return nil
}

// SafetyPull pulls every account of p (p.OpenKfIDs, or all the corp's) at once and then every
// p.SafetyInterval until ctx ends, handing new messages to p.Handle as [Service.HandleKfCallbacks]
// does, so no message waits for a callback that was lost, acknowledged by a process that died,
// or routed to another process. It returns ctx's error.
//
// Processes sharing a store share the work: each interval, one of them pulls an account, and
// an account another live pull holds is skipped until the next round. A pull uses the latest
// callback token HandleKfCallbacks kept, or none (sync_msg then applies its strict rate limit).
// Failures are logged on the client's logger and retried next round.
func (s *Service) SafetyPull(ctx context.Context, p CallbackParams) error {
	every := p.SafetyInterval
	switch {
	case p.Handle == nil:
		return check.Required("handle", "")
	case every < 0:
		return check.Invalid("safety_interval", "want a positive duration, have %v", every)
	case every == 0:
		every = DefaultSafetyInterval
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		s.safetyRound(ctx, p, every)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (s *Service) safetyRound(ctx context.Context, p CallbackParams, every time.Duration) {
	log := s.c.Logger()
	ids := p.OpenKfIDs
	if len(ids) == 0 {
		for a, err := range s.ListAccounts(ctx, ListAccountsParams{}) {
			if err != nil {
				log.WarnContext(ctx, "wecom: kf safety pull: list accounts", "err", err)
				return
			}
			if a.ManagePrivilege { // the others' sync_msg would only fail
				ids = append(ids, a.OpenKfID)
			}
		}
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		sp := p.syncParams(id, "")
		key := s.cursorKey(sp)
		// One round per account and interval across the fleet; a little under the interval, so
		// the process that took it last time finds it free again.
		if ok, err := s.c.Store().SetNX(ctx, key+":safety", []byte{1}, every*9/10); err != nil || !ok {
			if err != nil {
				log.WarnContext(ctx, "wecom: kf safety pull", "open_kfid", id, "err", err)
			}
			continue
		}
		if tok, err := s.c.Store().Get(ctx, key+":token"); err == nil {
			sp.Token = string(tok)
		} else if !errors.Is(err, store.ErrNotFound) {
			log.WarnContext(ctx, "wecom: kf safety pull: load token", "open_kfid", id, "err", err)
		}
		if err := s.handleAll(ctx, sp, p.Handle, false); err != nil && !errors.Is(err, errBusy) && ctx.Err() == nil {
			log.WarnContext(ctx, "wecom: kf safety pull", "open_kfid", id, "err", err)
		}
	}
}

// handleAll runs one Pull, handing each claimed message to handle; wait as in pull.
func (s *Service) handleAll(ctx context.Context, sp SyncParams, handle func(context.Context, Message) error, wait bool) error {
	for c, err := range s.pull(ctx, sp, wait) {
		if err != nil {
			return err
		}
		if err := handle(ctx, c.Message); err != nil {
			h := c.Message.Header()
			return errors.Join(fmt.Errorf("wecom: handle kf %s %s: %w", h.MsgType, h.MsgID, err), c.Release(ctx))
		}
		if err := c.Done(ctx); err != nil {
			return err
		}
	}
	return nil
}
