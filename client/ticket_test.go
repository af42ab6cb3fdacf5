package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/secret"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	corpTicketPath  = "/cgi-bin/get_jsapi_ticket"
	agentTicketPath = "/cgi-bin/ticket/get"
)

func TestTicketSingleFlight(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv)
	for _, tc := range []struct {
		kind client.TicketKind
		path string
	}{{client.TicketCorp, corpTicketPath}, {client.TicketAgent, agentTicketPath}} {
		var wg sync.WaitGroup
		var failed atomic.Int32
		values := make([]string, 1000)
		for i := range values {
			wg.Go(func() {
				tk, err := c.JSAPITicket(context.Background(), tc.kind)
				if err != nil {
					failed.Add(1)
					return
				}
				values[i] = tk.Value
			})
		}
		wg.Wait()
		if n := failed.Load(); n != 0 {
			t.Fatalf("%s: %d calls failed", tc.kind, n)
		}
		if n := srv.Calls(tc.path); n != 1 {
			t.Fatalf("%s: %s called %d times for 1000 callers, want 1", tc.kind, tc.path, n)
		}
		for _, v := range values {
			if v != values[0] || v == "" {
				t.Fatalf("%s: callers got different tickets %q and %q", tc.kind, v, values[0])
			}
		}
	}
	corp, _ := c.JSAPITicket(context.Background(), client.TicketCorp)
	agent, _ := c.JSAPITicket(context.Background(), client.TicketAgent)
	if corp.Value == agent.Value {
		t.Fatal("the corp and the app ticket share one cache entry")
	}
	if n := srv.Calls(tokPath); n != 1 {
		t.Errorf("gettoken called %d times, want 1 (tickets reuse the cached token)", n)
	}
}

// Two clients on one store stand for two processes: the second reads the first's ticket, under
// a key that holds no secret.
func TestTicketSharedThroughStore(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	st := store.NewMemory()
	a, b := newClient(t, srv, client.WithStore(st)), newClient(t, srv, client.WithStore(st))
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]string, 100)
	for i := range got {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			tk, err := c.JSAPITicket(ctx, client.TicketAgent)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = tk.Value
		})
	}
	wg.Wait()
	if n := srv.Calls(agentTicketPath); n != 1 {
		t.Fatalf("ticket/get called %d times across two clients, want 1", n)
	}
	for _, v := range got {
		if v != got[0] {
			t.Fatalf("clients got different tickets")
		}
	}
	key := "wecom:v1:ticket:agent_config:corp:" + wecomtest.CorpID + ":" + secret.Hash(wecomtest.Secret)
	raw, err := st.Get(ctx, key)
	if err != nil {
		t.Fatalf("ticket not stored under %s: %v", key, err)
	}
	if !bytes.Contains(raw, []byte(got[0])) || strings.Contains(key, wecomtest.Secret) {
		t.Fatalf("stored %q under %q", raw, key)
	}
}

// A ticket is refreshed a little before it expires (WeCom answers expires_in), never on every
// call and never after the old one lapsed.
func TestTicketRefreshedBeforeExpiry(t *testing.T) {
	t.Parallel()
	srv := newSim(t, wecomtest.WithJSAPITicketTTL(2*time.Second))
	c := newClient(t, srv)
	ctx := context.Background()
	fetched := time.Now()
	first, err := c.JSAPITicket(ctx, client.TicketCorp)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(first.Expiry); d > 2*time.Second || d < time.Second {
		t.Fatalf("expiry in %v, want about 2s (expires_in)", d)
	}
	safety := time.Now().Add(30 * time.Second) // ends a broken loop; the asserts below are the test
	for {
		// When the call that brings the new ticket started counts, not when it ended: a loaded
		// machine may take a while to fetch, but a cache that waited for expiry would still
		// answer the old ticket to every call started before it.
		now := time.Now()
		tk, err := c.JSAPITicket(ctx, client.TicketCorp)
		if err != nil {
			t.Fatal(err)
		}
		if tk.Value != first.Value {
			if !now.Before(first.Expiry) {
				t.Fatalf("refreshed by a call started at %v, after the old ticket expired (%v)", now, first.Expiry)
			}
			if now.Sub(fetched) < time.Second {
				t.Fatalf("refreshed %v after the fetch: far too early for a 2s ticket", now.Sub(fetched))
			}
			break
		}
		if now.After(safety) {
			t.Fatal("ticket never refreshed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := srv.Calls(corpTicketPath); n != 2 {
		t.Fatalf("get_jsapi_ticket called %d times, want 2", n)
	}
}

func TestTicketInvalidate(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	st := store.NewMemory()
	a, b := newClient(t, srv, client.WithStore(st)), newClient(t, srv, client.WithStore(st))
	ctx := context.Background()
	t1, err := a.JSAPITicket(ctx, client.TicketCorp)
	if err != nil {
		t.Fatal(err)
	}
	if tb, err := b.JSAPITicket(ctx, client.TicketCorp); err != nil || tb.Value != t1.Value {
		t.Fatalf("b: %v, %v", tb, err)
	}
	if a.InvalidateJSAPITicket(ctx, client.TicketCorp, "not-the-ticket") || a.InvalidateJSAPITicket(ctx, client.TicketAgent, t1.Value) {
		t.Fatal("dropped a ticket that is not the cached one")
	}
	if !a.InvalidateJSAPITicket(ctx, client.TicketCorp, t1.Value) {
		t.Fatal("the cached ticket was not dropped")
	}
	t2, err := a.JSAPITicket(ctx, client.TicketCorp)
	if err != nil || t2.Value == t1.Value {
		t.Fatalf("after invalidation: %v, %v", t2, err)
	}
	// b still holds t1 in process; its report drops it and reads a's new ticket from the store.
	if !b.InvalidateJSAPITicket(ctx, client.TicketCorp, t1.Value) {
		t.Fatal("b did not drop t1")
	}
	if tb, err := b.JSAPITicket(ctx, client.TicketCorp); err != nil || tb.Value != t2.Value {
		t.Fatalf("b after invalidation: %v, %v, want a's new ticket", tb, err)
	}
	if n := srv.Calls(corpTicketPath); n != 2 {
		t.Fatalf("get_jsapi_ticket called %d times, want 2 (one forced refresh for the fleet)", n)
	}
	// A second forced refresh within a minute is refused: fetches are limited per hour.
	if a.InvalidateJSAPITicket(ctx, client.TicketCorp, t2.Value) {
		t.Fatal("a second forced refresh within a minute went through")
	}
	if tk, _ := a.JSAPITicket(ctx, client.TicketCorp); tk.Value != t2.Value || srv.Calls(corpTicketPath) != 2 {
		t.Fatal("a refused invalidation still refetched")
	}
}

// A token that expires mid-session is refreshed once on the ticket call, as on any call.
func TestTicketAfterTokenExpiry(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv)
	ctx := context.Background()
	if err := c.Do(ctx, "GET", ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if _, err := c.JSAPITicket(ctx, client.TicketAgent); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(tokPath); n != 2 {
		t.Fatalf("gettoken called %d times, want 2", n)
	}
}

// An ISV signs pages for each authorised corp with that corp's tickets.
func TestTicketAuthCorp(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	srv, suite := newSuite(t, st)
	ctx := context.Background()
	var clients []*client.Client
	for _, corp := range []string{"wwcorpA", "wwcorpB"} {
		c, err := suite.AuthCorp(corp, install(t, srv, suite, corp))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	seen := map[string]bool{}
	for _, c := range clients {
		for _, kind := range []client.TicketKind{client.TicketCorp, client.TicketAgent} {
			tk, err := c.JSAPITicket(ctx, kind)
			if err != nil {
				t.Fatalf("%s %s: %v", c, kind, err)
			}
			if seen[tk.Value] {
				t.Fatalf("%s %s: a ticket shared between corps or kinds", c, kind)
			}
			seen[tk.Value] = true
		}
	}
	if n := srv.Calls(corpTicketPath) + srv.Calls(agentTicketPath); n != 4 {
		t.Fatalf("%d ticket fetches, want 4", n)
	}
}

func TestTicketWrongKind(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	srv.AddSuite(wecomtest.Suite{ID: suiteID, Secret: suiteSecret})
	suite := suiteClient(t, srv, store.NewMemory())
	robot, err := client.New(client.WebhookKey("robot-key-1"), client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Client{suite, robot} {
		if _, err := c.JSAPITicket(context.Background(), client.TicketCorp); !errors.Is(err, client.ErrWrongKind) {
			t.Errorf("%s: %v, want ErrWrongKind", c, err)
		}
	}
	if _, err := newClient(t, srv).JSAPITicket(context.Background(), "wx_card"); err == nil {
		t.Error("an unknown ticket kind was accepted")
	}
	if n := srv.Calls(corpTicketPath) + srv.Calls(suiteTokPath); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// A tool secret (contacts sync, customer contact) has no app, so no app ticket: WeCom refuses.
func TestTicketToolSecretHasNoAgentTicket(t *testing.T) {
	t.Parallel()
	srv := newSim(t, wecomtest.WithApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "contacts-sync-secret"}))
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: "contacts-sync-secret"}, client.WithBaseURL(srv.URL()), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.JSAPITicket(context.Background(), client.TicketAgent); wecomtest.ErrCode(err) != client.CodeAPIForbidden {
		t.Fatalf("got %v, want 48002", err)
	}
	if _, err := c.JSAPITicket(context.Background(), client.TicketCorp); err != nil {
		t.Fatalf("corp ticket: %v", err)
	}
}

// A ticket is a secret: no log line, hook, error or print of a Ticket shows it.
func TestTicketNeverPrinted(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	var buf bytes.Buffer
	var refreshes atomic.Int32
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv, client.WithLogger(log), client.WithHooks(client.Hooks{
		OnTokenRefresh: func(context.Context, client.TokenRefreshInfo) { refreshes.Add(1) },
	}))
	ctx := context.Background()
	srv.FailNext(corpTicketPath, client.CodeBusy, 1)
	tk, err := c.JSAPITicket(ctx, client.TicketCorp)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("ticket", "t", tk)
	printed := fmt.Sprintf("%v %+v %#v %s %q %x %d", tk, tk, tk, tk, tk, tk, tk) + buf.String()
	if strings.Contains(printed, tk.Value) || !strings.Contains(buf.String(), corpTicketPath) {
		t.Fatalf("ticket printed or call not logged:\n%s", printed)
	}
	if n := refreshes.Load(); n != 1 {
		t.Errorf("OnTokenRefresh called %d times, want 1 (the token, not the ticket)", n)
	}
	srv.FailNext(agentTicketPath, client.CodeNoPrivilege, 1)
	if _, err := c.JSAPITicket(ctx, client.TicketAgent); err == nil || strings.Contains(err.Error(), "sim-access_token") {
		t.Fatalf("err = %v", err)
	}
}

// Golden requests: the two ticket endpoints as the page documents them (GET, the app ticket with
// type=agent_config), and their answers read leniently (no expires_in: 7200 s).
func TestTicketRequests(t *testing.T) {
	t.Parallel()
	var queries []string
	var mu sync.Mutex
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/gettoken", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"errcode":0,"access_token":"tok-1","expires_in":7200}`)
	})
	answer := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Path == corpTicketPath {
			fmt.Fprint(w, `{"errcode":0,"errmsg":"ok","ticket":"bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA","expires_in":7200}`)
			return
		}
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok","ticket":"app-ticket"}`)
	}
	mux.HandleFunc(corpTicketPath, answer)
	mux.HandleFunc(agentTicketPath, answer)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	c, err := client.New(client.CorpApp{CorpID: "wwmock", Secret: "s"}, client.WithBaseURL(hs.URL), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	corp, err := c.JSAPITicket(ctx, client.TicketCorp)
	if err != nil || corp.Value != "bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA" {
		t.Fatalf("corp ticket: %v", err)
	}
	app, err := c.JSAPITicket(ctx, client.TicketAgent)
	if err != nil || app.Value != "app-ticket" || time.Until(app.Expiry) < 7100*time.Second {
		t.Fatalf("app ticket: %v, expires %v", err, app.Expiry)
	}
	want := []string{"GET " + corpTicketPath + "?access_token=tok-1", "GET " + agentTicketPath + "?access_token=tok-1&type=agent_config"}
	if !slices.Equal(queries, want) {
		t.Fatalf("requests %q, want %q", queries, want)
	}
}
