package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	corpgroupTokPath = "/cgi-bin/corpgroup/corp/gettoken"
	agentGetPath     = "/cgi-bin/agent/get"
)

type agentAnswer struct {
	AgentID int    `json:"agentid"`
	Name    string `json:"name"`
}

// addFactories shares the default app with n downstream corps (上下游), agentids 1000100+i.
func addFactories(srv *wecomtest.Server, n int) []wecomtest.DownstreamCorp {
	var fs []wecomtest.DownstreamCorp
	for i := range n {
		d := wecomtest.DownstreamCorp{CorpID: fmt.Sprintf("wwfactory%04d", i), CorpName: fmt.Sprintf("Factory %d", i),
			AgentID: 1000100 + i, BusinessType: 1}
		srv.AddDownstreamCorp(d)
		fs = append(fs, d)
	}
	return fs
}

func getAgent(ctx context.Context, c *client.Client, agentID int) (agentAnswer, error) {
	var out agentAnswer
	err := c.Do(ctx, http.MethodGet, agentGetPath, url.Values{"agentid": {strconv.Itoa(agentID)}}, nil, &out)
	return out, err
}

func TestDownstreamThirtyFactoriesConcurrently(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	factories := addFactories(srv, 30)
	st := store.NewMemory()
	up := newClient(t, srv, client.WithStore(st))
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, 30*4)
	for _, f := range factories {
		dc, err := up.Downstream(f.CorpID, f.AgentID)
		if err != nil {
			t.Fatal(err)
		}
		for range 4 { // several calls per factory share its one token fetch
			wg.Go(func() {
				a, err := getAgent(ctx, dc, f.AgentID)
				if err == nil && a.AgentID != f.AgentID {
					err = fmt.Errorf("%s: got agent %d", f.CorpID, a.AgentID)
				}
				if err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := srv.Calls(corpgroupTokPath); got != 30 {
		t.Errorf("corpgroup/corp/gettoken called %d times, want 30 (one per factory)", got)
	}
	if got := srv.Calls(tokPath); got != 1 {
		t.Errorf("upstream gettoken called %d times, want 1", got)
	}

	// A downstream token acts for its own corp only: another factory's agent is not its app.
	dc0, _ := up.Downstream(factories[0].CorpID, factories[0].AgentID)
	_, err := getAgent(ctx, dc0, factories[1].AgentID)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || (apiErr.Code != 40056 && apiErr.Code != 301002) {
		t.Errorf("factory 0 token reading factory 1's agent: %v, want 40056/301002", err)
	}

	// A restarted process with the same store reuses the cached downstream tokens.
	up2 := newClient(t, srv, client.WithStore(st))
	for _, f := range factories {
		dc, err := up2.Downstream(f.CorpID, f.AgentID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := getAgent(ctx, dc, f.AgentID); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Calls(corpgroupTokPath); got != 30 {
		t.Errorf("after restart corpgroup/corp/gettoken called %d times in all, want still 30", got)
	}
}

func TestDownstreamTokenRefreshedAfterExpiry(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	f := addFactories(srv, 1)[0]
	up := newClient(t, srv)
	dc, err := up.Downstream(f.CorpID, f.AgentID)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := getAgent(ctx, dc, f.AgentID); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens() // both the upstream and the downstream token now answer 42001
	if _, err := getAgent(ctx, dc, f.AgentID); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if got, want := srv.Calls(corpgroupTokPath), 3; got != want {
		// first fetch, then the refetch that meets the expired upstream token (42001) and is
		// retried once with a fresh upstream token
		t.Errorf("corpgroup/corp/gettoken called %d times, want %d", got, want)
	}
	if got := srv.Calls(tokPath); got != 2 {
		t.Errorf("upstream gettoken called %d times, want 2", got)
	}
}

func TestDownstreamErrorsDoNotLoop(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	f := addFactories(srv, 1)[0]
	up := newClient(t, srv)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		corpID  string
		agentID int
		code    int
	}{
		{"corp outside the share scope", "wwstranger000001", 1000001, 670001},
		{"wrong downstream agentid", f.CorpID, f.AgentID + 1000, 40056},
	} {
		before := srv.Calls(corpgroupTokPath)
		dc, err := up.Downstream(tc.corpID, tc.agentID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = getAgent(ctx, dc, tc.agentID)
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != tc.code {
			t.Errorf("%s: got %v, want errcode %d", tc.name, err, tc.code)
		}
		if got := srv.Calls(corpgroupTokPath) - before; got != 1 {
			t.Errorf("%s: corpgroup/corp/gettoken called %d times, want 1 (no loop)", tc.name, got)
		}
	}
	// Linked corps (企业互联) are a different network: the chain share is not found there.
	lc, err := up.LinkedCorp(f.CorpID, f.AgentID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := getAgent(ctx, lc, f.AgentID); !errors.Is(err, &client.APIError{Code: 670001}) {
		t.Errorf("linked-corp token for a chain share: %v, want 670001", err)
	}
}

func TestDownstreamBadInput(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	up := newClient(t, srv)
	if _, err := up.Downstream("", 1000002); err == nil {
		t.Error("empty corp ID accepted")
	}
	if _, err := up.Downstream("wwx", 0); err == nil {
		t.Error("agentid 0 accepted")
	}
	suite, err := client.New(client.Suite{SuiteID: "wwsuite", Secret: "s"}, client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := suite.Downstream("wwx", 1000002); err == nil || !strings.Contains(err.Error(), "corp app") {
		t.Errorf("Downstream on a suite client: %v", err)
	}
	if srv.Calls(corpgroupTokPath) != 0 {
		t.Error("bad input reached the server")
	}
}
