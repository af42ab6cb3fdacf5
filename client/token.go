package client

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/wecom-connector/wecom/store"
)

const (
	lockTTL      = 15 * time.Second      // how long one process may hold the fetch lock
	fetchTimeout = 45 * time.Second      // bounds a shared fetch nobody waits for any more
	pollEvery    = 25 * time.Millisecond // how often a process waiting on another's fetch looks
	maxMargin    = 5 * time.Minute       // refresh this long before expiry at most
	storePrefix  = "wecom:v1:tok:"       // store key prefix of cached tokens
	jitterSpan   = 30 * time.Second      // spreads refreshes of a fleet over this span
	minLifetime  = 10 * time.Millisecond // a token living less is treated as already stale
	lockSuffix   = ":lock"               // store key suffix of the cross-process fetch lock
	storeFailLog = "wecom: token store unavailable, using in-process cache"
	storeTimeout = 3 * time.Second // bounds each store call, so a hung store falls back fast
	// refusedFor is how long a credential WeCom refused (40001 bad secret, 40013, …) answers
	// with that refusal without asking again: repeated wrong-secret fetches get the server's IP
	// blocked for an hour.
	refusedFor = 30 * time.Second
)

// cachedToken is a token as the cache and the store hold it.
type cachedToken struct {
	Value  string    `json:"t"`
	Expiry time.Time `json:"e"`
	// Refresh is when the token counts as stale: a few minutes before Expiry, jittered.
	Refresh time.Time `json:"r"`
}

func (t *cachedToken) fresh(now time.Time) bool { return t != nil && now.Before(t.Refresh) }

// tokenCache gives every caller of one credential the same token: in process under single
// flight, across processes through the store with a short SetNX lock.
type tokenCache struct {
	c     *Client
	key   string // store key; empty: in process only
	fetch func(ctx context.Context) (*oauth2.Token, error)

	mu      sync.Mutex
	cur     *cachedToken
	refused error     // the last permanent refusal of the credential
	until   time.Time // refused stands until then
	sf      singleflight.Group
}

func newTokenCache(c *Client, b binding) *tokenCache {
	tc := &tokenCache{c: c, fetch: b.fetch}
	if b.cacheID != "" {
		tc.key = storePrefix + b.cacheID
	}
	return tc
}

// token returns a fresh token, fetching one if needed; ctx only bounds this caller's wait.
func (tc *tokenCache) token(ctx context.Context) (*cachedToken, error) {
	now := time.Now()
	tc.mu.Lock()
	cur, refused, until := tc.cur, tc.refused, tc.until
	tc.mu.Unlock()
	if cur.fresh(now) {
		return cur, nil
	}
	if refused != nil && now.Before(until) {
		return nil, refused
	}
	ch := tc.sf.DoChan("", func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		t, err := tc.load(fctx)
		// A new suite_ticket can arrive at any moment, so 40085 is not held back.
		if apiErr, ok := err.(*APIError); ok && apiErr.isBadCredential() && apiErr.Code != CodeInvalidSuiteTicket {
			tc.mu.Lock()
			tc.refused, tc.until = err, time.Now().Add(refusedFor)
			tc.mu.Unlock()
		}
		return t, err
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*cachedToken), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// load runs once per flight: the in-process value, then the store, then the API under a lock.
func (tc *tokenCache) load(ctx context.Context) (*cachedToken, error) {
	tc.mu.Lock()
	cur := tc.cur
	tc.mu.Unlock()
	if cur.fresh(time.Now()) {
		return cur, nil
	}
	if tc.key == "" {
		return tc.fetchAndKeep(ctx, false)
	}
	var owner string
	for {
		t, err := tc.fromStore(ctx)
		if err != nil {
			tc.c.log.LogAttrs(ctx, slog.LevelWarn, storeFailLog, slog.String("error", err.Error()))
			return tc.fetchAndKeep(ctx, false)
		}
		if t != nil {
			tc.keep(t)
			return t, nil
		}
		if owner == "" {
			owner = randomID()
		}
		sctx, cancel := context.WithTimeout(ctx, storeTimeout)
		ok, err := tc.c.store.SetNX(sctx, tc.key+lockSuffix, []byte(owner), lockTTL)
		cancel()
		if err != nil {
			tc.c.log.LogAttrs(ctx, slog.LevelWarn, storeFailLog, slog.String("error", err.Error()))
			return tc.fetchAndKeep(ctx, false)
		}
		if ok {
			defer func() {
				dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
				defer cancel()
				_, _ = store.CompareAndDelete(dctx, tc.c.store, tc.key+lockSuffix, []byte(owner))
			}()
			// Another process may have stored a token between our look and our lock.
			if t, err := tc.fromStore(ctx); err == nil && t != nil {
				tc.keep(t)
				return t, nil
			}
			return tc.fetchAndKeep(ctx, true)
		}
		// Another process is fetching: wait for its token rather than fetch our own.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

func (tc *tokenCache) fromStore(ctx context.Context) (*cachedToken, error) {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	b, err := tc.c.store.Get(ctx, tc.key)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var t cachedToken
	if err := json.Unmarshal(b, &t); err != nil || t.Value == "" {
		// Not what we wrote: ignore it and fetch; our Set replaces it.
		return nil, nil
	}
	if !t.fresh(time.Now()) {
		return nil, nil
	}
	return &t, nil
}

func (tc *tokenCache) fetchAndKeep(ctx context.Context, share bool) (*cachedToken, error) {
	ot, err := tc.fetch(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	life := time.Until(ot.Expiry)
	if ot.Expiry.IsZero() {
		life = 2 * time.Hour
	}
	if life < minLifetime {
		return nil, errors.New("wecom: token source returned an expired token")
	}
	margin := min(maxMargin, life/5)
	jitter := time.Duration(rand.Int64N(int64(min(jitterSpan, margin/2) + 1)))
	t := &cachedToken{Value: ot.AccessToken, Expiry: now.Add(life), Refresh: now.Add(life - margin - jitter)}
	if share {
		b, _ := json.Marshal(t)
		sctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		if err := tc.c.store.Set(sctx, tc.key, b, life-margin); err != nil {
			tc.c.log.LogAttrs(ctx, slog.LevelWarn, storeFailLog, slog.String("error", err.Error()))
		}
	}
	tc.keep(t)
	return t, nil
}

func (tc *tokenCache) keep(t *cachedToken) {
	tc.mu.Lock()
	tc.cur = t
	tc.mu.Unlock()
}

// invalidate forgets failed, but only where it is still the cached token: a token another caller
// already refreshed is kept, so many callers failing at once cause one refresh.
func (tc *tokenCache) invalidate(ctx context.Context, failed string) {
	// The store first: once the in-process token is gone, a load must not find it there.
	if tc.key != "" {
		tc.forgetStored(ctx, failed)
	}
	tc.mu.Lock()
	if tc.cur != nil && tc.cur.Value == failed {
		tc.cur = nil
	}
	tc.mu.Unlock()
}

func (tc *tokenCache) forgetStored(ctx context.Context, failed string) {
	ctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	b, err := tc.c.store.Get(ctx, tc.key)
	if err != nil {
		return
	}
	var t cachedToken
	if json.Unmarshal(b, &t) == nil && t.Value == failed {
		if _, err := store.CompareAndDelete(ctx, tc.c.store, tc.key, b); err != nil {
			tc.c.log.LogAttrs(ctx, slog.LevelWarn, storeFailLog, slog.String("error", err.Error()))
		}
	}
}

func randomID() string {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// fetchToken calls a token endpoint (gettoken, service/get_suite_token, …) through the client's
// request path without adding a token, and returns the token found in the answer's field and
// expires_in. It is the building block of credentials; ordinary calls use [Client.Do].
func (c *Client) fetchToken(ctx context.Context, method, path string, query url.Values, in any, field string) (*oauth2.Token, error) {
	var raw map[string]json.RawMessage
	if err := c.call(ctx, &request{method: method, path: path, query: query, in: in, out: &raw, noAuth: true}); err != nil {
		return nil, err
	}
	return tokenFromAnswer(raw, field)
}

// tokenFromAnswer reads a token and its expires_in from a decoded token answer.
func tokenFromAnswer(raw map[string]json.RawMessage, field string) (*oauth2.Token, error) {
	var tok string
	var exp int64
	if err := json.Unmarshal(raw[field], &tok); err != nil || tok == "" {
		return nil, fmt.Errorf("wecom: token answer has no %s", field)
	}
	if v, ok := raw["expires_in"]; ok {
		if err := json.Unmarshal(v, &exp); err != nil {
			return nil, fmt.Errorf("wecom: token answer has a bad expires_in: %w", err)
		}
	}
	if exp <= 0 {
		exp = 7200
	}
	return &oauth2.Token{AccessToken: tok, TokenType: field, Expiry: time.Now().Add(time.Duration(exp) * time.Second)}, nil
}

// TokenSource returns the client's cached token as an oauth2.TokenSource, for code that wants
// the raw access token (for example to build a JS-SDK signature). It shares the client's cache.
func (c *Client) TokenSource() oauth2.TokenSource { return clientSource{c} }

type clientSource struct{ c *Client }

func (s clientSource) Token() (*oauth2.Token, error) {
	if s.c.tokens == nil {
		return nil, errors.New("wecom: this credential has no token")
	}
	t, err := s.c.tokens.token(context.Background())
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: t.Value, Expiry: t.Expiry}, nil
}
