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
	// CorpID names the corp the account belongs to in the store keys of Sync and Pull. Default:
	// the corp of the client's credential (CorpApp, AuthCorp, Downstream, LinkedCorp); set it
	// when the client was built from a token source and several corps share one store.
	CorpID string `json:"-"`
	// CursorKey is the store key of the account's cursor; default "wecom:v1:kf:" + corp + ":"
	// + OpenKfID. Every other key of the account starts with it: the pull lock (":pull") and
	// the claims and done marks of its messages (":msg:" + msgid). Two consumers of one account
	// (two apps each handling every message) need two cursor keys.
	CursorKey string `json:"-"`
	// Lease is how long Pull's claims and account lock live without renewal (default
	// DefaultLease): a sibling takes over a dead process's work after it.
	Lease time.Duration `json:"-"`
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

// cursorKey is where Sync and Pull keep the account's cursor; the account's other keys hang
// off it.
func (s *Service) cursorKey(p SyncParams) string {
	if p.CursorKey != "" {
		return p.CursorKey
	}
	corp := p.CorpID
	if corp == "" {
		corp = s.corp
	}
	return "wecom:v1:kf:" + corp + ":" + p.OpenKfID
}

// Cursor returns the cursor Sync stored for the account of p ("" before the first page).
func (s *Service) Cursor(ctx context.Context, p SyncParams) (string, error) {
	b, err := s.c.Store().Get(ctx, s.cursorKey(p))
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("wecom: load kf cursor: %w", err)
	}
	return string(b), nil
}

// DropCursor forgets the cursor Sync stored for the account of p: the next Sync replays the
// last 3 days (Pull skips what was done). Use it when an account is revoked
// (kf_account_auth_change) or on an operator's decision after a cursor error.
func (s *Service) DropCursor(ctx context.Context, p SyncParams) error {
	if err := s.c.Store().Delete(ctx, s.cursorKey(p)); err != nil {
		return fmt.Errorf("wecom: drop kf cursor: %w", err)
	}
	return nil
}

// Sync yields every new message and event of an account, page after page, until the platform
// says it is caught up. It starts at the cursor stored in the client's store (see
// [client.Client.Store]) and stores next_cursor once all messages of a page have been yielded,
// so a new process with the same store resumes where the last one stopped.
//
// Sync does not know what the caller did with a message: it stores the cursor past a page once
// it has yielded it, and a loop that stops in the middle of a page (break, error, crash) gets
// that page again next time. To act on each message once, with nothing lost when an action
// fails or the process dies, use [Service.Pull]. An error is yielded last: an API error
// (errors.Is with [ErrInvalidSyncToken] for an expired callback token), a store failure, ctx's
// end, or [client.ErrCursorLoop] when sync_msg keeps saying has_more without a new cursor. Run
// at most one Sync per account at a time, and never alongside Pull on the same cursor key: Sync
// would move the cursor past messages Pull has not committed.
func (s *Service) Sync(ctx context.Context, p SyncParams) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		err := s.walk(ctx, p, func(ms []Message) (bool, error) {
			for i, m := range ms {
				ms[i] = nil // let each message go once yielded: memory stays one page
				if !yield(m, nil) {
					return false, nil
				}
			}
			return true, nil
		})
		if err != nil {
			yield(nil, err)
		}
	}
}

// walk reads the account's pages from the stored cursor and hands each to visit. When visit
// reports the page complete, walk stores next_cursor and goes on while the platform has more;
// otherwise (or on visit's error) it stops with the cursor where it was.
func (s *Service) walk(ctx context.Context, p SyncParams, visit func([]Message) (bool, error)) error {
	key := s.cursorKey(p)
	cur, err := s.Cursor(ctx, p)
	if err != nil {
		return err
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
			return err
		}
		if ok, err := visit(page.Messages); !ok || err != nil {
			return err
		}
		// An empty next_cursor keeps the old one (undocumented case).
		if page.NextCursor != "" && page.NextCursor != cur {
			if err := s.c.Store().Set(ctx, key, []byte(page.NextCursor), 0); err != nil {
				return fmt.Errorf("wecom: save kf cursor: %w", err)
			}
			cur = page.NextCursor
		}
		if !page.HasMore {
			return nil
		}
		if page.NextCursor == "" || page.NextCursor == q.Cursor {
			if stuck++; stuck > maxStuckPages {
				return client.ErrCursorLoop
			}
		} else {
			stuck = 0
		}
	}
}

// maxStuckPages bounds how often Sync follows has_more without a new cursor: an occasional
// empty page is normal, an endless run would spin, so it ends with [client.ErrCursorLoop] (a
// later Sync resumes from the stored cursor).
const maxStuckPages = 5

// messageID identifies a message in its account's keys: its msgid, or a hash of an element
// without msgid.
func messageID(m Message) string {
	h := m.Header()
	if h.MsgID != "" {
		return h.MsgID
	}
	sum := sha256.Sum256(h.Raw())
	return "sha:" + hex.EncodeToString(sum[:12])
}
