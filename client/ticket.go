package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// TicketKind names a JS-SDK ticket (jsapi_ticket) of a corp-token client.
type TicketKind string

// JS-SDK ticket kinds.
const (
	// TicketCorp is the corp's jsapi_ticket (企业 jsapi_ticket, get_jsapi_ticket). It signs the
	// corp identity of a page: wx.config, or getConfigSignature of ww.register.
	TicketCorp TicketKind = "corp"
	// TicketAgent is the app's jsapi_ticket (应用 jsapi_ticket, ticket/get?type=agent_config). It
	// signs the app identity of a page: wx.agentConfig, or getAgentConfigSignature of
	// ww.register. It belongs to the app whose token fetched it and is not valid for another
	// app (42012 on the page).
	TicketAgent TicketKind = "agent_config"
)

const (
	ticketPrefix = "wecom:v1:ticket:" // store key prefix of cached tickets
	// dropEvery bounds forced refreshes: WeCom allows a corp 400 ticket fetches an hour and an
	// app 100, so a page that keeps failing for another reason (a wrong URL) must not burn them.
	dropEvery = time.Minute
)

// Ticket is a JS-SDK ticket and the time it expires. The value is a secret like an access token:
// sign with it on the server and never send it to a page. String, Format and LogValue print a
// tag without it.
type Ticket struct {
	Value  string
	Expiry time.Time
}

// String names the ticket without its value.
func (t Ticket) String() string {
	return "Ticket(REDACTED, expires " + t.Expiry.UTC().Format(time.RFC3339) + ")"
}

// GoString is String, so %#v prints no ticket either.
func (t Ticket) GoString() string { return t.String() }

// Format prints String whatever the verb, so no verb (%d, %x, …) reaches the value.
func (t Ticket) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

// LogValue keeps the value out of slog output.
func (t Ticket) LogValue() slog.Value { return slog.StringValue(t.String()) }

// ticketCache is one JS-SDK ticket of a credential: the token cache's machinery (single flight,
// the store under a lease, early refresh with jitter, compare-before-drop invalidation) with a
// ticket endpoint as its fetch.
type ticketCache struct {
	*tokenCache

	dropMu  sync.Mutex
	dropped time.Time // the last forced refresh, under dropMu
}

// JSAPITicket returns the client's JS-SDK ticket of kind, fetched once and cached like the
// access token: one fetch in process under concurrency, shared across processes through the
// client's store (key wecom:v1:ticket:{kind}:{the token's key}, never the secret), and refreshed
// a few minutes (jittered) before it expires. c must be a corp-token client: an internal or
// customized app ([CorpApp]), an authorised corp of a suite ([Client.AuthCorp]), a downstream
// corp or a token source; other kinds get [ErrWrongKind]. An invalid access token on the
// ticket call is refreshed once, as on any call.
//
// Most programs sign through package jssdk instead of calling it.
// 获取企业的jsapi_ticket / 获取应用的jsapi_ticket
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90506
//
//wecom:api GET /cgi-bin/get_jsapi_ticket
//wecom:api GET /cgi-bin/ticket/get
func (c *Client) JSAPITicket(ctx context.Context, kind TicketKind) (Ticket, error) {
	if ctx == nil {
		return Ticket{}, fmt.Errorf("wecom: nil context")
	}
	tc, err := c.ticketCache(kind)
	if err != nil {
		return Ticket{}, err
	}
	t, err := tc.token(ctx)
	if err != nil {
		return Ticket{}, err
	}
	return Ticket{Value: t.Value, Expiry: t.Expiry}, nil
}

// InvalidateJSAPITicket drops ticket from the cache when a page reports it unusable (42012
// jsapi_ticket不可用, the JS-SDK's answer to a ticket WeCom no longer accepts), so the next
// [Client.JSAPITicket] fetches a new one. Like an invalid token it is dropped only while it is
// the cached ticket: many pages failing at once cause one fetch, and another process drops its
// stored copy on its next flight. A forced refresh happens at most once a minute per kind and
// client, to protect WeCom's hourly fetch limits from a page that fails for another reason (a
// wrong URL, a wrong agentid). It reports whether the ticket was dropped.
func (c *Client) InvalidateJSAPITicket(ctx context.Context, kind TicketKind, ticket string) bool {
	tc, err := c.ticketCache(kind)
	if err != nil || ticket == "" {
		return false
	}
	tc.mu.Lock()
	current := tc.cur != nil && tc.cur.Value == ticket
	tc.mu.Unlock()
	if !current {
		return false
	}
	tc.dropMu.Lock()
	defer tc.dropMu.Unlock()
	if now := time.Now(); !tc.dropped.IsZero() && now.Sub(tc.dropped) < dropEvery {
		return false
	}
	tc.dropped = time.Now()
	tc.invalidate(ctx, ticket)
	return true
}

// ticketCache returns the cache of kind for c's credential, making it on first use.
func (c *Client) ticketCache(kind TicketKind) (*ticketCache, error) {
	var path string
	var query url.Values
	switch kind {
	case TicketCorp:
		path = "/cgi-bin/get_jsapi_ticket"
	case TicketAgent:
		path, query = "/cgi-bin/ticket/get", url.Values{"type": {"agent_config"}}
	default:
		return nil, fmt.Errorf("wecom: unknown JS-SDK ticket kind %q", kind)
	}
	switch {
	case c.refused != nil:
		return nil, c.refused
	case c.auth.param != corpParam || c.tokens == nil:
		return nil, fmt.Errorf("%w: JS-SDK tickets need a corp-token client, not %s", ErrWrongKind, c.cred)
	}
	parent := c.tokens
	parent.mu.Lock()
	defer parent.mu.Unlock()
	if tc := parent.tickets[kind]; tc != nil {
		return tc, nil
	}
	key := ""
	if parent.key != "" {
		key = ticketPrefix + string(kind) + ":" + strings.TrimPrefix(parent.key, storePrefix)
	}
	owner := parent.c // the client the token belongs to
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		var raw map[string]json.RawMessage
		if err := owner.Do(ctx, http.MethodGet, path, query, nil, &raw); err != nil {
			return nil, err
		}
		return tokenFromAnswer(raw, "ticket")
	}
	tc := &ticketCache{tokenCache: newCache(owner, key, fetch, false)}
	if parent.tickets == nil {
		parent.tickets = make(map[TicketKind]*ticketCache)
	}
	parent.tickets[kind] = tc
	return tc, nil
}
