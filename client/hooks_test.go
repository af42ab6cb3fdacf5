package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// hookLog records every hook call.
type hookLog struct {
	mu       sync.Mutex
	attempts []client.AttemptInfo
	refresh  []client.TokenRefreshInfo
	waits    []client.LimiterWaitInfo
}

func (l *hookLog) hooks() client.Hooks {
	return client.Hooks{
		OnAttempt: func(_ context.Context, a client.AttemptInfo) {
			l.mu.Lock()
			l.attempts = append(l.attempts, a)
			l.mu.Unlock()
		},
		OnTokenRefresh: func(_ context.Context, t client.TokenRefreshInfo) {
			l.mu.Lock()
			l.refresh = append(l.refresh, t)
			l.mu.Unlock()
		},
		OnLimiterWait: func(_ context.Context, w client.LimiterWaitInfo) {
			l.mu.Lock()
			l.waits = append(l.waits, w)
			l.mu.Unlock()
		},
	}
}

// take returns what was recorded since the last take and clears it.
func (l *hookLog) take() ([]client.AttemptInfo, []client.TokenRefreshInfo, []client.LimiterWaitInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, r, w := l.attempts, l.refresh, l.waits
	l.attempts, l.refresh, l.waits = nil, nil, nil
	return a, r, w
}

// The hooks see each attempt's facts across a busy retry and a token refresh, the token
// fetch, and limiter waits; no token or secret ever reaches them.
func TestHooks(t *testing.T) {
	t.Parallel()
	const secret = "PLANTED-hook-secret-5d1e"
	srv := newSim(t, wecomtest.WithApp(wecomtest.App{CorpID: "wwhooks", Secret: secret, AgentID: 7}))
	var hl hookLog
	c, err := client.New(client.CorpApp{CorpID: "wwhooks", Secret: secret}, client.WithBaseURL(srv.URL()),
		fastRetry, client.WithHooks(hl.hooks()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var dump strings.Builder
	record := func(a []client.AttemptInfo, r []client.TokenRefreshInfo, w []client.LimiterWaitInfo) {
		fmt.Fprintf(&dump, "%+v\n%+v\n%+v\n", a, r, w)
	}

	srv.FailNext(ipPath, client.CodeBusy, 1)
	if err := c.Do(ctx, http.MethodGet, ipPath, url.Values{"userid": {"zhangsan"}}, nil, &ipList{}); err != nil {
		t.Fatal(err)
	}
	a, r, w := hl.take()
	record(a, r, w)
	if len(a) != 3 {
		t.Fatalf("want 3 attempts (gettoken, busy, success), got %+v", a)
	}
	if g := a[0]; g.Path != tokPath || g.Method != http.MethodGet || g.Attempt != 1 || g.ErrCode != 0 || g.HTTPStatus != 200 || g.Err != nil {
		t.Errorf("token fetch attempt: %+v", g)
	}
	if b := a[1]; b.Path != ipPath || b.Attempt != 1 || b.ErrCode != client.CodeBusy || b.HTTPStatus != 200 ||
		b.RetryReason != "busy" || !errors.Is(b.Err, client.ErrRetryable) || b.Duration <= 0 {
		t.Errorf("busy attempt: %+v", b)
	}
	if s := a[2]; s.Path != ipPath || s.Attempt != 2 || s.ErrCode != 0 || s.HTTPStatus != 200 || s.RetryReason != "" || s.Err != nil {
		t.Errorf("retried attempt: %+v", s)
	}
	if len(r) != 1 || r[0].Kind != client.KindCorp || r[0].CorpID != "wwhooks" || r[0].Err != nil || r[0].Duration <= 0 {
		t.Errorf("token refresh: %+v", r)
	}
	if len(w) != 0 {
		t.Errorf("no limiter wait expected, got %+v", w)
	}

	// An expired token: the call refreshes it and retries once.
	srv.ExpireTokens()
	if err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, &ipList{}); err != nil {
		t.Fatal(err)
	}
	a, r, w = hl.take()
	record(a, r, w)
	if len(a) != 3 || a[0].RetryReason != "token invalid" || a[0].ErrCode == 0 || a[1].Path != tokPath || a[2].Attempt != 2 || a[2].Err != nil {
		t.Errorf("token expiry attempts: %+v", a)
	}
	if len(r) != 1 || r[0].Err != nil {
		t.Errorf("token expiry refresh: %+v", r)
	}

	// An HTTP failure keeps its status.
	srv.FailNextHTTP(ipPath, http.StatusBadGateway, 10)
	if err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, &ipList{}); err == nil {
		t.Fatal("want an error after 502s")
	}
	srv.ClearFaults()
	a, r, w = hl.take()
	record(a, r, w)
	if len(a) != 1 || a[0].HTTPStatus != http.StatusBadGateway || a[0].Err == nil || a[0].RetryReason != "" {
		t.Errorf("502 attempt: %+v", a)
	}

	// A refused secret: the refresh reports the error, which names no secret.
	bad, err := client.New(client.CorpApp{CorpID: "wwhooks", Secret: secret + "x"}, client.WithBaseURL(srv.URL()),
		fastRetry, client.WithHooks(hl.hooks()))
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.Do(ctx, http.MethodGet, ipPath, nil, nil, &ipList{}); err == nil {
		t.Fatal("want a bad-secret error")
	}
	a, r, w = hl.take()
	record(a, r, w)
	if len(r) != 1 || r[0].Err == nil || len(a) != 1 || a[0].Path != tokPath || a[0].ErrCode == 0 {
		t.Errorf("refused secret: attempts %+v, refreshes %+v", a, r)
	}

	tok, err := c.TokenSource().Token()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{tok.AccessToken, secret, "Path:/cgi-bin/getcallbackip?", "Path:/cgi-bin/gettoken?"} {
		if strings.Contains(dump.String(), s) {
			t.Errorf("a hook saw %q:\n%s", s, dump.String())
		}
	}
}

// OnLimiterWait reports how long the limiter held a call, and a call it refused.
func TestHookLimiterWait(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	var hl hookLog
	c := newClient(t, srv, client.WithRateLimit(1, 0), client.WithHooks(hl.hooks()))
	fc := &fakeClock{t: limitT0}
	client.SetLimiterClock(c, fc.Now, fc.Sleep)
	ctx := context.Background()
	for range 2 {
		if err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, &ipList{}); err != nil {
			t.Fatal(err)
		}
	}
	_, _, w := hl.take()
	// The first call's token fetch and the call itself share no budget (different paths); the
	// second call to ipPath waits for the next minute, 30 s away.
	if len(w) != 1 || w[0].Path != ipPath || w[0].Wait != 30*time.Second || w[0].Err != nil {
		t.Fatalf("limiter waits: %+v", w)
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := c.Do(short, http.MethodGet, ipPath, nil, nil, &ipList{}); !errors.Is(err, client.ErrRateLimited) {
		t.Fatalf("want ErrRateLimited, got %v", err)
	}
	_, _, w = hl.take()
	if len(w) != 1 || w[0].Path != ipPath || w[0].Wait != 0 || !errors.Is(w[0].Err, client.ErrRateLimited) {
		t.Fatalf("refused wait: %+v", w)
	}
}

// A client without hooks works as before, and derived clients share the parent's hooks.
func TestHooksDerived(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	var hl hookLog
	c := newClient(t, srv, client.WithHooks(hl.hooks()))
	d, err := c.Derive(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Do(context.Background(), http.MethodGet, ipPath, nil, nil, &ipList{}); err != nil {
		t.Fatal(err)
	}
	if a, r, _ := hl.take(); len(a) != 2 || len(r) != 1 {
		t.Fatalf("derived client: attempts %+v, refreshes %+v", a, r)
	}
	plain := newClient(t, srv)
	if err := plain.Do(context.Background(), http.MethodGet, ipPath, nil, nil, &ipList{}); err != nil {
		t.Fatal(err)
	}
}
