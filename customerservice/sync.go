package customerservice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/wire"
	"github.com/wecom-connector/wecom/store"
)

// SyncParams selects the messages to pull for one kf account.
type SyncParams struct {
	// OpenKfID is the account, normally the OpenKfId of the kf_msg_or_event callback. Required.
	OpenKfID string `json:"open_kfid"`
	// Token is the Token of the latest callback (valid 10 minutes). Without it the platform
	// applies a strict rate limit.
	Token string `json:"token,omitempty"`
	// Cursor is the next_cursor of the previous page; empty starts at the oldest message of the
	// last 3 days. Sync ignores it and uses the stored cursor.
	Cursor string `json:"cursor,omitempty"`
	// Limit is the page size, at most 1000 (the default).
	Limit int `json:"limit,omitempty"`
	// VoiceFormat 1 asks for SILK voice media instead of AMR.
	VoiceFormat int `json:"voice_format,omitempty"`
	// CursorKey is the store key Sync keeps the account's cursor under; default
	// "wecom:v1:kf:cursor:" + OpenKfID. Set it when several corps share one store.
	CursorKey string `json:"-"`
	// RetryWithoutToken makes Sync, when the token is refused (95007), retry once without it
	// instead of failing; the platform's no-token rate limit then applies.
	RetryWithoutToken bool `json:"-"`
}

// SyncResult is one page of sync_msg.
type SyncResult struct {
	Messages   []Message
	NextCursor string
	// HasMore reports that more may follow; a page can be empty and still have more.
	HasMore bool
}

type syncWire struct {
	NextCursor string            `json:"next_cursor"`
	HasMore    wire.Bool         `json:"has_more"`
	MsgList    []json.RawMessage `json:"msg_list"`
}

// SyncPage reads one page of an account's messages and events (读取消息) from p.Cursor. Each
// element is decoded into its type; an element that fails to decode comes back as
// *UnknownMessage or *UnknownEvent with its raw JSON, never dropped.
// 读取消息
//
// https://developer.work.weixin.qq.com/document/path/94670
//
//wecom:api POST /cgi-bin/kf/sync_msg
func (s *Service) SyncPage(ctx context.Context, p SyncParams) (*SyncResult, error) {
	if err := check.Required("open_kfid", p.OpenKfID); err != nil {
		return nil, err
	}
	if p.Limit < 0 || p.Limit > 1000 {
		return nil, check.Invalid("limit", "want 1 to 1000, have %d", p.Limit)
	}
	var w syncWire
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/sync_msg", nil, client.Idempotent(p), &w); err != nil {
		return nil, err
	}
	out := &SyncResult{NextCursor: w.NextCursor, HasMore: bool(w.HasMore), Messages: make([]Message, len(w.MsgList))}
	for i, raw := range w.MsgList {
		out.Messages[i], _ = DecodeMessage(raw) // an undecodable element stays as Unknown*
	}
	return out, nil
}

// cursorKey is where Sync keeps an account's cursor.
func (p SyncParams) cursorKey() string {
	if p.CursorKey != "" {
		return p.CursorKey
	}
	return "wecom:v1:kf:cursor:" + p.OpenKfID
}

// Cursor returns the cursor Sync stored for the account of p ("" before the first page).
func (s *Service) Cursor(ctx context.Context, p SyncParams) (string, error) {
	b, err := s.c.Store().Get(ctx, p.cursorKey())
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("wecom: load kf cursor: %w", err)
	}
	return string(b), nil
}

// DropCursor forgets the cursor Sync stored for the account of p: the next Sync replays the
// last 3 days (FirstDelivery filters what was handled). Use it when an account is revoked
// (kf_account_auth_change) or on an operator's decision after a cursor error.
func (s *Service) DropCursor(ctx context.Context, p SyncParams) error {
	if err := s.c.Store().Delete(ctx, p.cursorKey()); err != nil {
		return fmt.Errorf("wecom: drop kf cursor: %w", err)
	}
	return nil
}

// Sync yields every new message and event of an account, page after page, until the platform
// says it is caught up. It starts at the cursor stored in the client's store (see
// [client.Client.Store]) and stores next_cursor once all messages of a page have been yielded,
// so a new process with the same store resumes where the last one stopped.
//
// Delivery is at least once: when the loop stops in the middle of a page (break, error, crash)
// that page is yielded again next time. Pass each message through [Service.FirstDelivery] to
// act on it once. An error is yielded last: an API error (errors.Is with
// [ErrInvalidSyncToken] for an expired callback token), a store failure, ctx's end, or
// [client.ErrCursorLoop] when sync_msg keeps saying has_more without a new cursor. Run at
// most one Sync per account at a time.
func (s *Service) Sync(ctx context.Context, p SyncParams) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		cur, err := s.Cursor(ctx, p)
		if err != nil {
			yield(nil, err)
			return
		}
		q := p
		stuck := 0 // pages in a row that said has_more without moving the cursor
		for {
			q.Cursor = cur
			page, err := s.SyncPage(ctx, q)
			if errors.Is(err, ErrInvalidSyncToken) && q.RetryWithoutToken && q.Token != "" {
				q.Token = ""
				continue
			}
			if err != nil {
				yield(nil, err)
				return
			}
			for i, m := range page.Messages {
				page.Messages[i] = nil // let each message go once yielded: memory stays one page
				if !yield(m, nil) {
					return
				}
			}
			// An empty next_cursor keeps the old one (undocumented case).
			if page.NextCursor != "" && page.NextCursor != cur {
				if err := s.c.Store().Set(ctx, q.cursorKey(), []byte(page.NextCursor), 0); err != nil {
					yield(nil, fmt.Errorf("wecom: save kf cursor: %w", err))
					return
				}
				cur = page.NextCursor
			}
			if !page.HasMore {
				return
			}
			if page.NextCursor == "" || page.NextCursor == q.Cursor {
				if stuck++; stuck > maxStuckPages {
					yield(nil, client.ErrCursorLoop)
					return
				}
			} else {
				stuck = 0
			}
		}
	}
}

// maxStuckPages bounds how often Sync follows has_more without a new cursor: an occasional
// empty page is normal, an endless run would spin, so it ends with [client.ErrCursorLoop] (a
// later Sync resumes from the stored cursor).
const maxStuckPages = 5

// DedupeTTL is how long FirstDelivery remembers a message: the 3 days sync_msg can replay, and
// a day more.
const DedupeTTL = 4 * 24 * time.Hour

// ClaimTTL is how long the callback glue ([Service.HandleKfCallbacks]) holds a message it is
// handling: if the process dies before the handler returns, the next pull after ClaimTTL
// delivers the message again instead of losing it.
const ClaimTTL = 10 * time.Minute

// FirstDelivery reports whether m is seen for the first time, remembering it in the client's
// store for [DedupeTTL]: call it on each message Sync yields and skip those it reports false
// for, and at-least-once delivery becomes once. The key is the msgid per account, or a hash of
// the raw element for an event without msgid.
func (s *Service) FirstDelivery(ctx context.Context, m Message) (bool, error) {
	ok, err := s.c.Store().SetNX(ctx, seenKey(m), []byte{1}, DedupeTTL)
	if err != nil {
		return false, fmt.Errorf("wecom: dedupe kf message: %w", err)
	}
	return ok, nil
}

// seenKey is the dedupe key of a message: its msgid per account, or a hash of an element
// without msgid.
func seenKey(m Message) string {
	h := m.Header()
	id := h.MsgID
	if id == "" {
		sum := sha256.Sum256(h.Raw())
		id = "sha:" + hex.EncodeToString(sum[:12])
	}
	return "wecom:v1:kf:seen:" + h.OpenKfID + ":" + id
}
