package customerservice

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
)

// CallbackParams configures [Service.HandleKfCallbacks].
type CallbackParams struct {
	// Handle receives each new message or event once (deduplicated through the store with
	// FirstDelivery). An error stops the pull: the message is forgotten again, the callback is
	// answered with an error so WeCom redelivers it, and the next pull starts from the last
	// page fully handled. Required.
	Handle func(ctx context.Context, m Message) error
	// VoiceFormat 1 asks for SILK voice media instead of AMR.
	VoiceFormat int
	// CursorKey returns the store key of an account's cursor; nil uses Sync's default.
	CursorKey func(openKfID string) string
}

// HandleKfCallbacks registers on h a function for kf_msg_or_event callbacks (接收消息和事件):
// for the account named in the callback it runs [Service.Sync] with the callback's token (and,
// if the token is refused, once without it), hands each message seen for the first time to
// p.Handle, and stores the cursor page by page. Pulls of one account never overlap within the
// process; run one process per account, or accept that FirstDelivery sorts out what two
// processes pulled twice. A pull that meets a message another pull claimed and has not
// finished (or died handling, within ClaimTTL) stops with an error before its cursor moves.
// The webhook Handler acknowledges WeCom within its budget and lets a long pull finish
// afterwards.
func (s *Service) HandleKfCallbacks(h *webhook.Handler, p CallbackParams) error {
	if h == nil || p.Handle == nil {
		return check.Invalid("handle", "a webhook.Handler and a Handle function are required")
	}
	var locks sync.Map // open_kfid → *sync.Mutex
	webhook.On(h, func(ctx context.Context, ev *webhook.KfMsgOrEvent) (webhook.Reply, error) {
		if ev.OpenKfID == "" {
			return nil, errors.New("wecom: kf_msg_or_event without OpenKfId")
		}
		mu, _ := locks.LoadOrStore(ev.OpenKfID, new(sync.Mutex))
		mu.(*sync.Mutex).Lock()
		defer mu.(*sync.Mutex).Unlock()
		sp := SyncParams{OpenKfID: ev.OpenKfID, Token: ev.Token, VoiceFormat: p.VoiceFormat, RetryWithoutToken: true}
		if p.CursorKey != nil {
			sp.CursorKey = p.CursorKey(ev.OpenKfID)
		}
		return nil, s.pull(ctx, sp, p.Handle)
	})
	return nil
}

// claimed marks a message a pull is handling; a handled one holds another value.
const claimed = "claimed"

// pull runs one Sync, handing each first delivery to handle.
func (s *Service) pull(ctx context.Context, sp SyncParams, handle func(context.Context, Message) error) error {
	for m, err := range s.Sync(ctx, sp) {
		if err != nil {
			return err
		}
		// Claim for ClaimTTL only, and remember for DedupeTTL once handled: a process that dies
		// mid-handle blocks the message for minutes, not days, and a later pull delivers it.
		first, err := s.c.Store().SetNX(ctx, seenKey(m), []byte(claimed), ClaimTTL)
		if err != nil {
			return fmt.Errorf("wecom: dedupe kf message: %w", err)
		}
		if !first {
			// Skip only what was handled. A claim still held (a run that died mid-handle, or
			// one still handling) must stop the pull before Sync stores a cursor past it.
			v, err := s.c.Store().Get(ctx, seenKey(m))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("wecom: dedupe kf message: %w", err)
			}
			if err == nil && string(v) != claimed {
				continue
			}
			return fmt.Errorf("wecom: kf %s %s is claimed by another pull; try again later", m.Header().MsgType, m.Header().MsgID)
		}
		if err := handle(ctx, m); err != nil {
			if ferr := s.c.Store().Delete(ctx, seenKey(m)); ferr != nil {
				err = errors.Join(err, fmt.Errorf("wecom: forget failed kf message: %w", ferr))
			}
			return fmt.Errorf("wecom: handle kf %s %s: %w", m.Header().MsgType, m.Header().MsgID, err)
		}
		if err := s.c.Store().Set(ctx, seenKey(m), []byte{1}, DedupeTTL); err != nil {
			return fmt.Errorf("wecom: dedupe kf message: %w", err)
		}
	}
	return nil
}
