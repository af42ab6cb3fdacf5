package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	suiteID         = "wwsuite0001"
	suiteSecret     = "sim-suite-secret-XYZ"
	suiteTokPath    = "/cgi-bin/service/get_suite_token"
	corpTokPath     = "/cgi-bin/service/get_corp_token"
	preAuthPath     = "/cgi-bin/service/get_pre_auth_code"
	permCodePath    = "/cgi-bin/service/get_permanent_code"
	providerTokPath = "/cgi-bin/service/get_provider_token"
)

// newSuite starts a simulator with a suite and returns a suite client whose store holds a
// freshly pushed suite_ticket.
func newSuite(t *testing.T, st store.Store) (*wecomtest.Server, *client.Client) {
	t.Helper()
	srv := newSim(t)
	srv.AddSuite(wecomtest.Suite{ID: suiteID, Secret: suiteSecret})
	if err := client.StoreSuiteTicket(context.Background(), st, suiteID, srv.IssueSuiteTicket(suiteID)); err != nil {
		t.Fatal(err)
	}
	return srv, suiteClient(t, srv, st)
}

func suiteClient(t *testing.T, srv *wecomtest.Server, st store.Store) *client.Client {
	t.Helper()
	c, err := client.New(client.Suite{SuiteID: suiteID, Secret: suiteSecret}, client.WithBaseURL(srv.URL()), client.WithStore(st), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// install runs the authorisation flow for corpID and returns its permanent code.
func install(t *testing.T, srv *wecomtest.Server, suite *client.Client, corpID string) string {
	t.Helper()
	ctx := context.Background()
	var pac struct {
		PreAuthCode string `json:"pre_auth_code"`
	}
	if err := suite.Do(ctx, http.MethodGet, preAuthPath, nil, nil, &pac); err != nil {
		t.Fatal(err)
	}
	code, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: suiteID, PreAuthCode: pac.PreAuthCode, CorpID: corpID, AgentID: 1000200})
	if err != nil {
		t.Fatal(err)
	}
	var perm struct {
		PermanentCode string `json:"permanent_code"`
	}
	if err := suite.Do(ctx, http.MethodPost, permCodePath, nil, map[string]string{"auth_code": code}, &perm); err != nil {
		t.Fatal(err)
	}
	return perm.PermanentCode
}

func TestSuiteMissingTicket(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	srv.AddSuite(wecomtest.Suite{ID: suiteID, Secret: suiteSecret})
	c := suiteClient(t, srv, store.NewMemory())
	err := c.Do(context.Background(), http.MethodGet, preAuthPath, nil, nil, nil)
	if !errors.Is(err, client.ErrNoSuiteTicket) {
		t.Fatalf("got %v, want ErrNoSuiteTicket", err)
	}
	if !strings.Contains(err.Error(), "callback has not arrived") || !strings.Contains(err.Error(), suiteID) {
		t.Errorf("error does not explain the missing callback: %v", err)
	}
	if n := srv.Calls(suiteTokPath) + srv.Calls(preAuthPath); n != 0 {
		t.Errorf("%d requests sent without a ticket", n)
	}
}

func TestSuiteTokenOnceSharedThroughStore(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	srv, suite := newSuite(t, st)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if err := suite.Do(ctx, http.MethodGet, preAuthPath, nil, nil, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := srv.Calls(suiteTokPath); got != 1 {
		t.Errorf("get_suite_token called %d times, want 1", got)
	}
	// A new ticket replaces the old one; the cached token keeps working without a refetch.
	if err := client.StoreSuiteTicket(ctx, st, suiteID, srv.IssueSuiteTicket(suiteID)); err != nil {
		t.Fatal(err)
	}
	if err := suiteClient(t, srv, st).Do(ctx, http.MethodGet, preAuthPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls(suiteTokPath); got != 1 {
		t.Errorf("a second client on the same store fetched the suite token again (%d calls)", got)
	}
}

func TestSuiteTokenErrcodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("expired ticket is permanent", func(t *testing.T) {
		t.Parallel()
		srv, suite := newSuite(t, store.NewMemory())
		srv.ExpireSuiteTickets(suiteID)
		for i := 1; i <= 2; i++ {
			err := suite.Do(ctx, http.MethodGet, preAuthPath, nil, nil, nil)
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != client.CodeInvalidSuiteTicket || apiErr.Path != suiteTokPath {
				t.Fatalf("got %v, want errcode 40085 from get_suite_token", err)
			}
			if !errors.Is(err, client.ErrBadCredential) {
				t.Error("40085 is not classified as a bad credential")
			}
			if got := srv.Calls(suiteTokPath); got != i {
				t.Errorf("call %d: get_suite_token called %d times in all (a loop?)", i, got)
			}
		}
	})
	t.Run("invalid suite token refreshed once", func(t *testing.T) {
		t.Parallel()
		srv, suite := newSuite(t, store.NewMemory())
		srv.FailNext(preAuthPath, client.CodeInvalidSuiteToken, 1)
		if err := suite.Do(ctx, http.MethodGet, preAuthPath, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		if got := srv.Calls(suiteTokPath); got != 2 {
			t.Errorf("get_suite_token called %d times, want 2", got)
		}
	})
	t.Run("expired suite token twice is returned", func(t *testing.T) {
		t.Parallel()
		srv, suite := newSuite(t, store.NewMemory())
		srv.FailNext(preAuthPath, client.CodeSuiteTokenExpired, 5)
		err := suite.Do(ctx, http.MethodGet, preAuthPath, nil, nil, nil)
		if !errors.Is(err, client.ErrTokenInvalid) {
			t.Fatalf("got %v, want 42009", err)
		}
		if got := srv.Calls(preAuthPath); got != 2 {
			t.Errorf("call sent %d times, want 2 (one refresh, no loop)", got)
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		srv, _ := newSuite(t, store.NewMemory())
		st := store.NewMemory()
		_ = client.StoreSuiteTicket(ctx, st, suiteID, srv.IssueSuiteTicket(suiteID))
		c, _ := client.New(client.Suite{SuiteID: suiteID, Secret: "wrong"}, client.WithBaseURL(srv.URL()), client.WithStore(st), fastRetry)
		err := c.Do(ctx, http.MethodGet, preAuthPath, nil, nil, nil)
		if !errors.Is(err, &client.APIError{Code: client.CodeInvalidSuiteSecret}) || srv.Calls(suiteTokPath) != 1 {
			t.Errorf("got %v after %d fetches, want one 40080", err, srv.Calls(suiteTokPath))
		}
	})
}

func TestAuthCorp(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	srv, suite := newSuite(t, st)
	ctx := context.Background()
	perm := install(t, srv, suite, "wwcust0000000001")

	corp, err := suite.AuthCorp("wwcust0000000001", perm)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if a, err := getAgent(ctx, corp, 1000200); err != nil || a.AgentID != 1000200 {
				t.Errorf("agent/get as the authorised corp: %+v, %v", a, err)
			}
		})
	}
	wg.Wait()
	if got := srv.Calls(corpTokPath); got != 1 {
		t.Errorf("get_corp_token called %d times, want 1", got)
	}
	// A restart (new suite and corp clients, same store) fetches no token at all.
	suite2 := suiteClient(t, srv, st)
	corp2, _ := suite2.AuthCorp("wwcust0000000001", perm)
	if _, err := getAgent(ctx, corp2, 1000200); err != nil {
		t.Fatal(err)
	}
	if s, c := srv.Calls(suiteTokPath), srv.Calls(corpTokPath); s != 1 || c != 1 {
		t.Errorf("after restart: get_suite_token %d, get_corp_token %d calls; want 1 and 1", s, c)
	}

	t.Run("wrong permanent code", func(t *testing.T) {
		before := srv.Calls(corpTokPath)
		bad, _ := suite.AuthCorp("wwcust0000000001", "not-the-code")
		_, err := getAgent(ctx, bad, 1000200)
		if !errors.Is(err, &client.APIError{Code: client.CodeInvalidPermanentCode}) {
			t.Errorf("got %v, want 40084", err)
		}
		if got := srv.Calls(corpTokPath) - before; got != 1 {
			t.Errorf("get_corp_token called %d times, want 1", got)
		}
	})
	t.Run("revoked authorisation", func(t *testing.T) {
		srv.RevokeAuthorization(suiteID, "wwcust0000000001")
		before := srv.Calls(corpTokPath)
		_, err := getAgent(ctx, corp, 1000200)
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 48004 {
			t.Errorf("got %v, want 48004", err)
		}
		if got := srv.Calls(corpTokPath) - before; got != 1 {
			t.Errorf("get_corp_token called %d times after revocation, want 1 (no loop)", got)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		if _, err := suite.AuthCorp("", perm); err == nil {
			t.Error("empty corp accepted")
		}
		if _, err := suite.AuthCorp("wwc", ""); err == nil {
			t.Error("empty permanent code accepted")
		}
		if _, err := newClient(t, srv).AuthCorp("wwc", perm); err == nil {
			t.Error("AuthCorp on a corp app client accepted")
		}
	})
}

func TestProvider(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	ctx := context.Background()
	const path = "/cgi-bin/service/corpid_to_opencorpid"
	p, err := client.New(client.Provider{CorpID: "wwprov0000000001", ProviderSecret: "sim-provider-secret"}, client.WithBaseURL(srv.URL()), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		var out struct {
			OpenCorpID string `json:"open_corpid"`
		}
		if err := p.Do(ctx, http.MethodPost, path, nil, map[string]string{"corpid": "wwcust01"}, &out); err != nil || out.OpenCorpID == "" {
			t.Fatalf("%+v, %v", out, err)
		}
	}
	if got := srv.Calls(providerTokPath); got != 1 {
		t.Errorf("get_provider_token called %d times, want 1", got)
	}
	bad, _ := client.New(client.Provider{CorpID: "wwprov0000000001", ProviderSecret: "wrong"}, client.WithBaseURL(srv.URL()), fastRetry)
	err = bad.Do(ctx, http.MethodPost, path, nil, map[string]string{"corpid": "wwcust01"}, nil)
	if !errors.Is(err, client.ErrBadCredential) || srv.Calls(providerTokPath) != 2 {
		t.Errorf("wrong provider secret: %v after %d fetches, want one 40001", err, srv.Calls(providerTokPath))
	}
}

func TestISVCredentialsHideSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st := store.NewMemory()
	srv, suite := newSuite(t, st)
	perm := install(t, srv, suite, "wwcust0000000002")
	s := client.Suite{SuiteID: suiteID, Secret: suiteSecret}
	p := client.Provider{CorpID: "wwprov", ProviderSecret: "sim-provider-secret"}
	c, _ := client.New(s, client.WithBaseURL(srv.URL()), client.WithStore(st), client.WithLogger(log))
	corp, _ := c.AuthCorp("wwcust0000000002", perm)
	_, _ = getAgent(context.Background(), corp, 1000200)
	srv.RevokeAuthorization(suiteID, "wwcust0000000002")
	srv.ExpireTokens()
	_, err := getAgent(context.Background(), corp, 1000200)
	log.Info("credentials", "suite", s, "provider", p)
	out := fmt.Sprintf("%v %+v %#v %v %#v %v %v", s, s, s, p, p, corp, err) + logs.String()
	for _, secret := range []string{suiteSecret, "sim-provider-secret", perm} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q leaked in %s", secret, out)
		}
	}
	if strings.Contains(out, "sim-access_token") || strings.Contains(out, "sim-suite_access_token") {
		t.Errorf("a token leaked in %s", out)
	}
}

func TestStoreSuiteTicketBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		st            store.Store
		suite, ticket string
	}{{nil, "s", "t"}, {store.NewMemory(), "", "t"}, {store.NewMemory(), "s", ""}} {
		if err := client.StoreSuiteTicket(ctx, tc.st, tc.suite, tc.ticket); err == nil {
			t.Errorf("StoreSuiteTicket(%v, %q, %q) accepted", tc.st, tc.suite, tc.ticket)
		}
	}
	if _, err := client.New(client.Suite{SuiteID: "s"}); err == nil {
		t.Error("Suite without secret accepted")
	}
	if _, err := client.New(client.Provider{CorpID: "p"}); err == nil {
		t.Error("Provider without secret accepted")
	}
}

// BenchmarkAuthCorp measures deriving an authorised corp's client from a suite client (what an
// ISV does per corp) against building a client from scratch with New, in the same run.
func BenchmarkAuthCorp(b *testing.B) {
	suite, err := client.New(client.Suite{SuiteID: suiteID, Secret: suiteSecret})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("derive", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := suite.AuthCorp("wwcorp"+fmt.Sprint(i), "perm"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-new", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := client.New(client.CorpApp{CorpID: "wwcorp" + fmt.Sprint(i), Secret: "perm"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// A late redelivery of an older suite_ticket callback does not replace the newer ticket: the
// suite token is fetched with the newer one, whatever order the pushes were saved in.
func TestStoreSuiteTicketAtKeepsNewest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.NewMemory()
	srv := newSim(t)
	srv.AddSuite(wecomtest.Suite{ID: suiteID, Secret: suiteSecret})
	pushed := time.Unix(1_700_000_000, 0)
	if err := client.StoreSuiteTicketAt(ctx, st, suiteID, "ticket-from-a-bad-push", pushed.Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	newer := srv.IssueSuiteTicket(suiteID)
	if err := client.StoreSuiteTicketAt(ctx, st, suiteID, newer, pushed); err != nil {
		t.Fatal(err)
	}
	// The older push arrives again, late; and a concurrent duplicate of the newer one.
	if err := client.StoreSuiteTicketAt(ctx, st, suiteID, "ticket-from-a-bad-push", pushed.Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := client.StoreSuiteTicketAt(ctx, st, suiteID, newer, pushed); err != nil {
		t.Fatal(err)
	}
	c := suiteClient(t, srv, st)
	if _, err := c.TokenSource().Token(); err != nil {
		t.Fatalf("suite token with the newest ticket: %v", err)
	}
	// A plain StoreSuiteTicket is older than any timestamped push.
	if err := client.StoreSuiteTicket(ctx, st, suiteID, "untimed"); err != nil {
		t.Fatal(err)
	}
	if err := client.StoreSuiteTicketAt(ctx, st, suiteID, newer, pushed.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	v, err := st.Get(ctx, "wecom:v1:suite_ticket:"+suiteID)
	if err != nil || !strings.HasSuffix(string(v), "\x00"+newer) {
		t.Fatalf("stored %q, %v; want the timestamped ticket over the untimed one", v, err)
	}
}

// Concurrent pushes, each saved by a different process: the newest survives.
func TestStoreSuiteTicketAtConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.NewMemory()
	base := time.Unix(1_700_000_000, 0)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := client.StoreSuiteTicketAt(ctx, st, "s", fmt.Sprintf("t%02d", i), base.Add(time.Duration(i)*time.Second)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	v, err := st.Get(ctx, "wecom:v1:suite_ticket:s")
	if err != nil || !strings.HasSuffix(string(v), "\x00t49") {
		t.Fatalf("stored %q, %v; want t49", v, err)
	}
}
