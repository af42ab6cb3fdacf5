package client_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestColdCacheOneGetToken(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 1000 {
		wg.Go(func() {
			var out ipList
			if err := c.Do(context.Background(), "GET", ipPath, nil, nil, &out); err != nil || len(out.IPList) == 0 {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d calls failed", n)
	}
	if n := srv.Calls(tokPath); n != 1 {
		t.Fatalf("gettoken called %d times, want 1", n)
	}
}

func TestExpiryMidBurstOneRefresh(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv)
	ctx := context.Background()
	if err := c.Do(ctx, "GET", ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var failed, done atomic.Int32
	start := make(chan struct{})
	for range 200 {
		wg.Go(func() {
			<-start
			for range 5 {
				if err := c.Do(ctx, "GET", ipPath, nil, nil, nil); err != nil {
					failed.Add(1)
					t.Log(err)
				}
				done.Add(1)
			}
		})
	}
	close(start)
	for done.Load() < 300 {
		time.Sleep(time.Millisecond) // let part of the burst through before the tokens expire
	}
	srv.ExpireTokens()
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d calls failed", n)
	}
	if n := srv.Calls(tokPath); n != 2 {
		t.Fatalf("gettoken called %d times, want 2 (1 refresh)", n)
	}
}

// Two clients on one store stand for two processes: the second reads the first's token.
func TestStoreSharesTokenAcrossClients(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	st := store.NewMemory()
	clients := []*client.Client{newClient(t, srv, client.WithStore(st)), newClient(t, srv, client.WithStore(st)), newClient(t, srv, client.WithStore(st))}
	var wg sync.WaitGroup
	for _, c := range clients {
		for range 50 {
			wg.Go(func() {
				if err := c.Do(context.Background(), "GET", ipPath, nil, nil, nil); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	if n := srv.Calls(tokPath); n != 1 {
		t.Fatalf("gettoken called %d times across clients, want 1", n)
	}
	srv.ExpireTokens()
	for _, c := range clients {
		if err := c.Do(context.Background(), "GET", ipPath, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Calls(tokPath); n != 2 {
		t.Fatalf("gettoken called %d times after expiry, want 2", n)
	}
}

func TestBadSecretFailsFast(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	for _, tc := range []struct {
		name string
		cred client.CorpApp
		code int
	}{
		{"bad secret", client.CorpApp{CorpID: wecomtest.CorpID, Secret: "wrong"}, 40001},
		{"bad corp", client.CorpApp{CorpID: "wwnosuchcorp", Secret: wecomtest.Secret}, 40013},
	} {
		before := srv.Calls(tokPath)
		c, err := client.New(tc.cred, client.WithBaseURL(srv.URL()), fastRetry)
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			err = c.Do(context.Background(), "GET", ipPath, nil, nil, nil)
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != tc.code || !errors.Is(err, client.ErrBadCredential) {
				t.Fatalf("%s: got %v, want errcode %d", tc.name, err, tc.code)
			}
		}
		if n := srv.Calls(tokPath) - before; n != 1 {
			t.Fatalf("%s: gettoken called %d times for 3 calls, want 1 (a refused credential is not asked again at once)", tc.name, n)
		}
	}
}

func TestTokenSourceCredential(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv)
	tok, err := c.TokenSource().Token()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	other, err := client.New(client.FromTokenSource(c.TokenSource()), client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Do(context.Background(), "GET", ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(tokPath); n != 1 {
		t.Fatalf("gettoken called %d times, want 1", n)
	}
}

func TestNewRejectsEmptyCredential(t *testing.T) {
	t.Parallel()
	for _, cred := range []client.Credential{client.CorpApp{Secret: "s"}, client.CorpApp{CorpID: "ww1"}, client.WebhookKey(""), nil, client.FromTokenSource(nil)} {
		if _, err := client.New(cred); err == nil {
			t.Errorf("New(%v) succeeded, want an error", cred)
		}
	}
	if _, err := client.New(client.CorpApp{CorpID: "ww1", Secret: "s"}, nil); err == nil {
		t.Error("New with a nil option succeeded")
	}
	if _, err := client.New(client.CorpApp{CorpID: "ww1", Secret: "s"}, client.WithBaseURL("not a url")); err == nil {
		t.Error("New with a bad base URL succeeded")
	}
}

// A 40001 from gettoken is a wrong secret, not a stale token: it must not match the token class
// that callers (and retry loops) treat as "refresh and try again".
func TestBadSecretIsNotTokenInvalid(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: "wrong"}, client.WithBaseURL(srv.URL()), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(context.Background(), "GET", ipPath, nil, nil, nil)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != client.CodeInvalidCredential {
		t.Fatalf("got %v, want errcode 40001", err)
	}
	if errors.Is(err, client.ErrTokenInvalid) || apiErr.IsTokenInvalid() {
		t.Fatalf("gettoken's 40001 (bad secret) classified as an invalid token: %v", err)
	}
	if !errors.Is(err, client.ErrBadCredential) {
		t.Fatalf("gettoken's 40001 is not ErrBadCredential: %v", err)
	}
	// The same code from a business call still means the token sent was bad.
	biz := &client.APIError{Code: client.CodeInvalidCredential, Path: ipPath}
	if !biz.IsTokenInvalid() {
		t.Fatal("40001 from a business call must stay a token error")
	}
}
