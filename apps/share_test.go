package apps_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func addFactories(srv *wecomtest.Server, n int) {
	for i := range n {
		srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: fmt.Sprintf("wwfactory%04d", i),
			CorpName: fmt.Sprintf("Factory %d", i), AgentID: 1000100 + i, BusinessType: 1})
	}
}

// The garment maker lists the factories its production-progress app is shared with, gets a
// token for each of the 30 concurrently (one fetch each) and acts as each factory.
func TestSharedAppThirtyFactories(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	addFactories(srv, 30)
	up := srv.NewClient(t)
	ctx := t.Context()

	var corps []apps.SharedCorp
	for c, err := range apps.New(up).ListAppShareInfo(ctx, apps.ShareInfoParams{AgentID: wecomtest.AgentID, BusinessType: apps.BusinessChain, Limit: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		corps = append(corps, c)
	}
	if len(corps) != 30 {
		t.Fatalf("listed %d shared corps, want 30", len(corps))
	}
	if n := srv.Calls("/cgi-bin/corpgroup/corp/list_app_share_info"); n != 5 {
		t.Errorf("list_app_share_info called %d times, want 5 pages of 7", n)
	}

	var wg sync.WaitGroup
	for _, c := range corps {
		dc, err := up.Downstream(c.CorpID, c.AgentID)
		if err != nil {
			t.Fatal(err)
		}
		factory := apps.New(dc)
		for range 3 {
			wg.Go(func() {
				a, err := factory.GetAgent(ctx, c.AgentID)
				if err != nil || a.AgentID != c.AgentID {
					t.Errorf("%s: agent %+v, %v", c.CorpID, a, err)
				}
				if ips, err := factory.GetCallbackIPs(ctx); err != nil || len(ips) == 0 {
					t.Errorf("%s: callback IPs %v, %v", c.CorpID, ips, err)
				}
			})
		}
	}
	wg.Wait()
	if n := srv.Calls("/cgi-bin/corpgroup/corp/gettoken"); n != 30 {
		t.Errorf("corpgroup/corp/gettoken called %d times, want 30", n)
	}
	if n := srv.Calls("/cgi-bin/gettoken"); n != 1 {
		t.Errorf("upstream gettoken called %d times, want 1", n)
	}
}

func TestListAppShareInfoErrors(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	addFactories(srv, 3)
	s := corpService(t, srv)
	ctx := t.Context()

	page, err := s.ListAppShareInfoPage(ctx, apps.ShareInfoParams{AgentID: wecomtest.AgentID, BusinessType: apps.BusinessChain, CorpID: "wwfactory0001"})
	if err != nil || len(page.Corps) != 1 || page.Corps[0].AgentID != 1000101 || !bool(page.Ending) {
		t.Fatalf("filtered page: %+v, %v", page, err)
	}
	_, err = s.ListAppShareInfoPage(ctx, apps.ShareInfoParams{AgentID: wecomtest.AgentID, Limit: 101})
	wecomtest.WantInvalid(t, err, "limit")

	other := wecomtest.App{CorpID: wecomtest.CorpID, Secret: "unshared", AgentID: 1000003}
	srv.AddApp(other)
	c, _ := client.New(client.CorpApp{CorpID: other.CorpID, Secret: other.Secret}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	for _, err := range apps.New(c).ListAppShareInfo(ctx, apps.ShareInfoParams{AgentID: 1000003}) {
		wecomtest.WantCode(t, err, 670001)
	}

	// A server that repeats its cursor ends the iteration with client.ErrCursorLoop, not a loop.
	srv.HandleFunc("POST", "/cgi-bin/corpgroup/corp/list_app_share_info", wecomtest.TokenCorp, func(*wecomtest.Call) (any, error) {
		return wecomtest.J{"ending": 0, "next_cursor": "same", "corp_list": []wecomtest.J{{"corpid": "wwx", "agentid": 1}}}, nil
	})
	var n int
	var last error
	for _, err := range s.ListAppShareInfo(ctx, apps.ShareInfoParams{AgentID: wecomtest.AgentID}) {
		n++
		last = err
		if n > 10 {
			t.Fatal("iterator loops on a repeated cursor")
		}
	}
	if !errors.Is(last, client.ErrCursorLoop) {
		t.Errorf("repeated cursor: last error %v", last)
	}
}
