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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/wecom-connector/wecom/internal/ctxtime"
	"github.com/wecom-connector/wecom/store"
)

// The cross-process fetch lock is a lease: its holder renews it while the fetch runs, and each
// renewal writes a new value, the heartbeat waiters watch. When the heartbeat stops for
// waitOthers (the holder died) a waiter takes the lock over and fetches; after waitAlive in all
// (the holder hangs), or half the caller's time left, a waiter fetches without it: WeCom
// answers the same token while it is valid, so an extra fetch is harmless.
const (
	lockTTL    = 3 * time.Second       // a killed holder frees the lock within this
	renewEvery = lockTTL / 10          // the heartbeat: 3 beats per waitOthers, so a busy holder is still seen
	waitOthers = time.Second           // heartbeat silence after which a waiter takes the lock over
	waitAlive  = 10 * time.Second      // longest wait on a live holder (or half the caller's time left)
	pollEvery  = 25 * time.Millisecond // how often a waiter looks
	lockSuffix = ":lock"               // store key suffix of the fetch lock
	// storeTimeout bounds each store call on the call path; after a failure or a timeout the
	// store is skipped for breakerFor (the in-process cache and direct fetches serve), then
	// tried again.
	storeTimeout = 300 * time.Millisecond
	breakerFor   = 5 * time.Second
	storeFailLog = "wecom: token store unavailable, using in-process cache"
	fetchTimeout = 45 * time.Second      // bounds a shared fetch nobody waits for any more
	maxMargin    = 5 * time.Minute       // refresh this long before expiry at most
	maxLifetime  = 2 * time.Hour         // WeCom's expires_in; caps a stored token's times
	storePrefix  = "wecom:v1:tok:"       // store key prefix of cached tokens
	jitterSpan   = 10 * time.Minute      // spreads refreshes of a fleet over this span (see refreshAt)
	minLifetime  = 10 * time.Millisecond // a token living less is treated as already stale
	// refusedFor is how long a credential WeCom refused (40001 bad secret, 40013, …) answers
	// with that refusal without asking again: repeated wrong-secret fetches get the server's IP
	// blocked for an hour. The refusal is kept under refusedSuffix beside the token (errcode,
	// errmsg and path only), so a fleet asks once per refusedFor, not once per process.
	refusedFor    = 30 * time.Second
	refusedSuffix = ":refused"
	// maxStored bounds what the cache accepts from the store: a larger value is not ours and
	// is ignored (the next fetch replaces it).
	maxStored   = 4 << 10
	maxTokenLen = 2 << 10
	maxFailed   = 8 // rejected token values kept for the next flight's store cleanup
)

// cachedToken is a token as the cache and the store hold it.
type cachedToken struct {
	Value  string    `json:"t"`
	Expiry time.Time `json:"e"`
	// Refresh is when the token counts as stale: a few minutes before Expiry, jittered.
	Refresh time.Time `json:"r"`
	// Life is expires_in in seconds: a reader caps Expiry at its own now+Life, so a writer's
	// clock running ahead cannot keep a token past its lifetime.
	Life int64 `json:"x,omitempty"`
}

func (t *cachedToken) fresh(now time.Time) bool { return t != nil && now.Before(t.Refresh) }

// refreshAt is when a token minted at now and living life turns stale: a margin before expiry
// (a fifth of its life, at most maxMargin), less a random jitter of up to a tenth of its life
// (jitterSpan at most), so the tokens of a fleet minted together are not refreshed together:
// a 2-hour token is refreshed 5 to 15 minutes before it expires. randN is rand.Int64N.
func refreshAt(now time.Time, life time.Duration, randN func(int64) int64) time.Time {
	margin := min(maxMargin, life/5)
	jitter := time.Duration(randN(int64(min(jitterSpan, life/10) + 1)))
	return now.Add(life - margin - jitter)
}

// refusal is a refused credential's mark in the store: what the APIError said, and until when
// it stands (Unix ms).
type refusal struct {
	Code    int    `json:"c"`
	Message string `json:"m"`
	Path    string `json:"p"`
	Until   int64  `json:"u"`
}

// tokenCache gives every caller of one credential the same token: in process under single
// flight, across processes through the store under a renewed lease.
type tokenCache struct {
	c     *Client
	key   string // store key; empty: in process only
	fetch func(ctx context.Context) (*oauth2.Token, error)

	mu        sync.Mutex
	cur       *cachedToken
	refused   error     // the last permanent refusal of the credential
	until     time.Time // refused stands until then
	failed    []string  // tokens WeCom rejected; the next flight drops them from the store
	skipUntil time.Time // the store breaker: skip the store until then
	sf        singleflight.Group

	hook    bool                        // report fetches to Hooks.OnTokenRefresh (tokens, not tickets)
	tickets map[TicketKind]*ticketCache // the credential's JS-SDK tickets (ticket.go), under mu
}

func newTokenCache(c *Client, b binding) *tokenCache {
	key := ""
	if b.cacheID != "" {
		key = storePrefix + b.cacheID
	}
	return newCache(c, key, b.fetch, true)
}

// newCache returns a cache of the values fetch obtains (a token, a JS-SDK ticket), shared
// through c's store under key (empty: in process only); hook reports fetches as token refreshes.
func newCache(c *Client, key string, fetch func(ctx context.Context) (*oauth2.Token, error), hook bool) *tokenCache {
	return &tokenCache{c: c, key: key, fetch: fetch, hook: hook}
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
	deadline, _ := ctx.Deadline()
	ch := tc.sf.DoChan("", func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		return tc.load(fctx, deadline)
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

// load runs once per flight: the in-process value, then the store, then the API under the
// lease. deadline is that of the caller who started the flight (zero: none): waiting on
// another process takes at most half of the time it leaves.
func (tc *tokenCache) load(ctx context.Context, deadline time.Time) (*cachedToken, error) {
	tc.mu.Lock()
	cur, failed := tc.cur, tc.failed
	tc.mu.Unlock()
	if cur.fresh(time.Now()) {
		return cur, nil
	}
	if tc.key == "" || !tc.storeUsable() {
		return tc.fetchAndKeep(ctx, false)
	}
	start := time.Now()
	silence, limit := waitOthers, waitAlive
	if !deadline.IsZero() {
		half := time.Until(deadline) / 2
		silence, limit = min(silence, half), min(limit, half)
	}
	owner := randomID()
	var seen string // the lock value last seen
	lastBeat := start
	for first := true; ; first = false {
		t, err := tc.fromStore(ctx, failed)
		if t != nil || err != nil {
			return tc.adopt(ctx, t, err)
		}
		if first {
			if err := tc.storedRefusal(ctx); err != nil {
				return tc.adopt(ctx, nil, err)
			}
		}
		var lock []byte
		err = tc.storeDo(ctx, func(ctx context.Context) (err error) {
			lock, err = tc.c.store.Get(ctx, tc.key+lockSuffix)
			return err
		})
		switch {
		case errors.Is(err, store.ErrNotFound):
			var won bool
			err = tc.storeDo(ctx, func(ctx context.Context) (err error) {
				won, err = tc.c.store.SetNX(ctx, tc.key+lockSuffix, []byte(owner+".0"), lockTTL)
				return err
			})
			if err != nil {
				return tc.adopt(ctx, nil, err)
			}
			if won {
				defer tc.lease(ctx, owner)()
				// Another process may have stored a token, or a refusal, before our lock.
				if t, err := tc.fromStore(ctx, failed); t != nil || err != nil {
					return tc.adopt(ctx, t, err)
				}
				if err := tc.storedRefusal(ctx); err != nil {
					return tc.adopt(ctx, nil, err)
				}
				return tc.fetchAndKeep(ctx, true)
			}
			lastBeat = time.Now() // another process took it just now
		case err != nil:
			return tc.adopt(ctx, nil, err)
		case string(lock) != seen:
			seen, lastBeat = string(lock), time.Now()
		}
		now := time.Now()
		if seen != "" && now.Sub(lastBeat) >= waitOthers {
			// The holder stopped renewing (it died): take its lock over, if it still holds the
			// value we saw; one waiter wins it, the others watch the new holder.
			err := tc.storeDo(ctx, func(ctx context.Context) error {
				_, err := store.CompareAndDelete(ctx, tc.c.store, tc.key+lockSuffix, []byte(seen))
				return err
			})
			if err != nil {
				return tc.adopt(ctx, nil, err)
			}
			seen = ""
			continue
		}
		if now.Sub(lastBeat) >= silence || now.Sub(start) >= limit {
			// The caller cannot wait longer, or the holder hangs: fetch ourselves, unless it
			// left a refusal.
			if err := tc.storedRefusal(ctx); err != nil {
				return tc.adopt(ctx, nil, err)
			}
			return tc.fetchAndKeep(ctx, true)
		}
		if err := ctxtime.Sleep(ctx, pollEvery); err != nil {
			return nil, err
		}
	}
}

// adopt ends a flight with what the store said: a token, a refusal, or a store failure (the
// breaker is open: the token is fetched without the store).
func (tc *tokenCache) adopt(ctx context.Context, t *cachedToken, err error) (*cachedToken, error) {
	var apiErr *APIError
	switch {
	case t != nil:
		tc.keep(t)
		return t, nil
	case errors.As(err, &apiErr):
		return nil, err
	}
	return tc.fetchAndKeep(ctx, false)
}

// errStoreSkipped is what store calls answer while the breaker is open.
var errStoreSkipped = errors.New("wecom: token store skipped after a failure")

// storeDo runs op on the call path: skipped while the breaker is open, bounded by storeTimeout,
// and a failure opens the breaker.
func (tc *tokenCache) storeDo(ctx context.Context, op func(ctx context.Context) error) error {
	if !tc.storeUsable() {
		return errStoreSkipped
	}
	err := tc.bounded(ctx, op)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		tc.storeFailed(ctx, err)
	}
	return err
}

// bounded runs op within storeTimeout even if the store ignores its ctx: the abandoned call
// ends whenever the store returns. The time counts from when op starts, so a busy CPU is not
// taken for a slow store. The in-process store never blocks and runs inline.
func (tc *tokenCache) bounded(ctx context.Context, op func(ctx context.Context) error) error {
	if _, ok := tc.c.store.(*store.Memory); ok {
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		return op(ctx)
	}
	started, done := make(chan struct{}), make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, storeTimeout)
		defer cancel()
		close(started)
		done <- op(ctx)
	}()
	select {
	case <-started:
	case <-ctx.Done():
		return ctx.Err()
	}
	t := time.NewTimer(storeTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		select {
		case err := <-done: // answered as the timer fired
			return err
		default:
			return fmt.Errorf("wecom: token store: no answer within %v", storeTimeout)
		}
	}
}

func (tc *tokenCache) storeUsable() bool {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return !time.Now().Before(tc.skipUntil)
}

// storeFailed opens the breaker, and warns once per opening.
func (tc *tokenCache) storeFailed(ctx context.Context, err error) {
	now := time.Now()
	tc.mu.Lock()
	closed := !now.Before(tc.skipUntil)
	tc.skipUntil = now.Add(breakerFor)
	tc.mu.Unlock()
	if closed {
		tc.c.log.LogAttrs(ctx, slog.LevelWarn, storeFailLog, slog.String("error", err.Error()), slog.Duration("retry_in", breakerFor))
	}
}

// fromStore reads the shared token. Garbage, oversized, stale and rejected values count as
// absent (a rejected one is deleted if it is still there); a store failure is an error.
func (tc *tokenCache) fromStore(ctx context.Context, failed []string) (*cachedToken, error) {
	var b []byte
	err := tc.storeDo(ctx, func(ctx context.Context) (err error) {
		b, err = tc.c.store.Get(ctx, tc.key)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var t cachedToken
	if len(b) > maxStored || json.Unmarshal(b, &t) != nil || !validToken(t.Value) {
		return nil, nil // not what we wrote: fetch, and our Set replaces it
	}
	if slices.Contains(failed, t.Value) {
		// The cleanup of a rejected token: once per flight, and only while it is the stored one.
		return nil, tc.storeDo(ctx, func(ctx context.Context) error {
			_, err := store.CompareAndDelete(ctx, tc.c.store, tc.key, b)
			return err
		})
	}
	now := time.Now()
	life := time.Duration(t.Life) * time.Second
	if life <= 0 || life > maxLifetime {
		life = maxLifetime
	}
	if limit := now.Add(life); t.Expiry.After(limit) {
		t.Expiry = limit // the writer's clock runs ahead, or the value is forged
	}
	if t.Refresh.After(t.Expiry) {
		t.Refresh = t.Expiry
	}
	if !t.fresh(now) {
		return nil, nil
	}
	return &t, nil
}

// validToken accepts what a token can be: printable ASCII, not too long.
func validToken(v string) bool {
	if v == "" || len(v) > maxTokenLen {
		return false
	}
	for i := range len(v) {
		if v[i] <= ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}

// storedRefusal returns the refusal another process stored for this credential, as an
// *APIError remembered in process until the mark ends; nil if there is none or it is not a
// refusal. A store failure is returned as is.
func (tc *tokenCache) storedRefusal(ctx context.Context) error {
	var b []byte
	err := tc.storeDo(ctx, func(ctx context.Context) (err error) {
		b, err = tc.c.store.Get(ctx, tc.key+refusedSuffix)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var r refusal
	if len(b) > maxStored || json.Unmarshal(b, &r) != nil {
		return nil
	}
	apiErr := &APIError{Code: r.Code, Message: Redact(truncate(r.Message, 256)), Path: truncate(r.Path, 128)}
	if _, ok := remembered(apiErr); !ok {
		return nil
	}
	now := time.Now()
	until := time.UnixMilli(r.Until)
	switch {
	case until.After(now.Add(refusedFor)):
		until = now.Add(refusedFor) // clock skew, or a forged mark
	case !until.After(now):
		until = now.Add(pollEvery) // the store's clock keeps it a moment longer
	}
	tc.refuse(apiErr, until)
	return apiErr
}

// truncate cuts s to at most n bytes of valid UTF-8.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

// remembered reports whether err is a refusal of the credential worth holding: not 40085, as
// a new suite_ticket can arrive at any moment.
func remembered(err error) (*APIError, bool) {
	var apiErr *APIError
	ok := errors.As(err, &apiErr) && apiErr.isBadCredential() && apiErr.Code != CodeInvalidSuiteTicket
	return apiErr, ok
}

func (tc *tokenCache) refuse(err error, until time.Time) {
	tc.mu.Lock()
	tc.refused, tc.until = err, until
	tc.mu.Unlock()
}

// fetchAndKeep asks WeCom (or the token source) and keeps the answer in process; with share it
// also stores the token, or the refusal, for the other processes.
func (tc *tokenCache) fetchAndKeep(ctx context.Context, share bool) (_ *cachedToken, err error) {
	if tc.hook && tc.c.hooks.OnTokenRefresh != nil {
		defer tc.c.refreshed(ctx, time.Now(), &err)
	}
	ot, err := tc.fetch(ctx)
	if err != nil {
		if apiErr, ok := remembered(err); ok {
			until := time.Now().Add(refusedFor)
			tc.refuse(err, until)
			if share {
				b, _ := json.Marshal(refusal{Code: apiErr.Code, Message: apiErr.Message, Path: apiErr.Path, Until: until.UnixMilli()})
				_ = tc.storeDo(ctx, func(ctx context.Context) error {
					return tc.c.store.Set(ctx, tc.key+refusedSuffix, b, refusedFor)
				})
			}
		}
		return nil, err
	}
	now := time.Now()
	life := time.Until(ot.Expiry)
	if ot.Expiry.IsZero() {
		life = maxLifetime
	}
	if life < minLifetime {
		return nil, errors.New("wecom: token source returned an expired token")
	}
	margin := min(maxMargin, life/5)
	t := &cachedToken{Value: ot.AccessToken, Expiry: now.Add(life), Refresh: refreshAt(now, life, rand.Int64N),
		Life: int64((life + time.Second - 1) / time.Second)}
	if share {
		b, _ := json.Marshal(t)
		_ = tc.storeDo(ctx, func(ctx context.Context) error { return tc.c.store.Set(ctx, tc.key, b, life-margin) })
	}
	tc.keep(t)
	return t, nil
}

// keep makes t the in-process token; the rejected tokens it replaces need no more cleanup.
func (tc *tokenCache) keep(t *cachedToken) {
	tc.mu.Lock()
	tc.cur, tc.failed = t, nil
	tc.mu.Unlock()
}

// lease renews the lock, which SetNX wrote as owner+".0", every renewEvery with a new value
// (owner.1, owner.2, …: the heartbeat) while the fetch runs, and returns the function that stops
// renewing and releases the lock: at once while the store answers, in the background once the
// breaker is open. Renewal is a Get then a Set if the lock is still ours: best effort, as the
// Store has no compare-and-set; a lease lost in between costs at most one extra fetch by
// another process, never a wrong token.
func (tc *tokenCache) lease(ctx context.Context, owner string) (release func()) {
	ctx = context.WithoutCancel(ctx)
	key, mine := tc.key+lockSuffix, owner+"."
	ours := func(ctx context.Context) ([]byte, error) {
		b, err := tc.c.store.Get(ctx, key)
		if err == nil && !strings.HasPrefix(string(b), mine) {
			err = store.ErrNotFound // expired, and maybe taken by another process
		}
		return b, err
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(renewEvery)
		defer tick.Stop()
		for beat := 1; ; beat++ {
			select {
			case <-stop:
				_ = tc.bounded(ctx, func(ctx context.Context) error {
					b, err := ours(ctx)
					if err == nil {
						_, err = store.CompareAndDelete(ctx, tc.c.store, key, b)
					}
					return err
				})
				return
			case <-tick.C:
				_ = tc.bounded(ctx, func(ctx context.Context) error {
					_, err := ours(ctx)
					if err == nil {
						err = tc.c.store.Set(ctx, key, []byte(mine+strconv.Itoa(beat)), lockTTL)
					}
					return err
				})
			}
		}
	}()
	return func() {
		close(stop)
		if tc.storeUsable() {
			<-done
		}
	}
}

// invalidate forgets failed, but only where it is still the cached token: a token another caller
// already refreshed is kept, so many callers failing at once cause one refresh. It does no store
// I/O: the next flight drops failed from the store, once, if it is still there.
func (tc *tokenCache) invalidate(_ context.Context, failed string) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.cur != nil && tc.cur.Value != failed {
		return
	}
	tc.cur = nil
	if tc.key == "" || slices.Contains(tc.failed, failed) {
		return
	}
	// A new slice each time: a running flight reads the old one without the lock.
	tc.failed = append(slices.Clip(tc.failed[max(0, len(tc.failed)-maxFailed+1):]), failed)
}

func randomID() string {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// fetchToken calls a token endpoint (gettoken, service/get_suite_token, …) through the client's
// request path without adding a token, and returns the token found in the answer's field and
// expires_in. It is the building block of credentials; ordinary calls use [Client.Do].
func (c *Client) fetchToken(ctx context.Context, method, path string, query url.Values, in any, field string, secrets ...string) (*oauth2.Token, error) {
	var raw map[string]json.RawMessage
	if err := c.call(ctx, &request{method: method, path: path, query: query, in: in, out: &raw, noAuth: true, secrets: secrets}); err != nil {
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
