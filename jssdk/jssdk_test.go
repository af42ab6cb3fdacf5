package jssdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/jssdk"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	corpTicketPath  = "/cgi-bin/get_jsapi_ticket"
	agentTicketPath = "/cgi-bin/ticket/get"
	page            = "https://oa.example.com/approve?id=42&from=card"
)

// The example of the official page (JS-SDK 签名算法), byte for byte.
func TestSignDocExample(t *testing.T) {
	t.Parallel()
	const (
		ticket    = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
		nonce     = "Wm3WZYTPz0wzccnW"
		timestamp = 1414587457
		pageURL   = "http://mp.weixin.qq.com?params=value"
		want      = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
	)
	if got := jssdk.Sign(ticket, nonce, timestamp, pageURL); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if got := jssdk.Sign(ticket, nonce, timestamp, pageURL+"#section-2"); got != want {
		t.Fatalf("the #fragment was signed: %s", got)
	}
	if got := jssdk.Sign(ticket, nonce, timestamp, "http://mp.weixin.qq.com?params=value2"); got == want {
		t.Fatal("a different URL gave the same signature")
	}
}

func newSigner(t *testing.T, opts ...jssdk.Option) (*wecomtest.Server, *jssdk.Signer) {
	t.Helper()
	srv := wecomtest.Start(t)
	return srv, jssdk.New(srv.NewClient(t), append([]jssdk.Option{jssdk.WithAgentID(wecomtest.AgentID)}, opts...)...)
}

// What the signer makes is what the JS-SDK accepts: the simulator checks it as the WeCom client
// does, against the tickets it issued.
func TestConfigsAcceptedByJSSDK(t *testing.T) {
	t.Parallel()
	srv, s := newSigner(t)
	ctx := context.Background()
	cfg, err := s.Config(ctx, page+"#/detail")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AppID != wecomtest.CorpID || cfg.URL != page || len(cfg.NonceStr) != 16 || cfg.Timestamp == 0 {
		t.Fatalf("config %+v", cfg)
	}
	if err := srv.CheckJSSignature(wecomtest.JSSignature{CorpID: cfg.AppID, URL: page + "#/other", NonceStr: cfg.NonceStr, Timestamp: cfg.Timestamp, Signature: cfg.Signature}); err != nil {
		t.Fatalf("wx.config refused: %v", err)
	}
	ac, err := s.AgentConfig(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	if ac.CorpID != wecomtest.CorpID || ac.AgentID != wecomtest.AgentID || ac.URL != page {
		t.Fatalf("agent config %+v", ac)
	}
	if err := srv.CheckJSSignature(wecomtest.JSSignature{CorpID: ac.CorpID, AgentID: ac.AgentID, URL: page, NonceStr: ac.NonceStr, Timestamp: ac.Timestamp, Signature: ac.Signature}); err != nil {
		t.Fatalf("wx.agentConfig refused: %v", err)
	}
	// The corp signature is no app signature, and the page URL is part of it.
	if err := srv.CheckJSSignature(wecomtest.JSSignature{CorpID: cfg.AppID, AgentID: wecomtest.AgentID, URL: page, NonceStr: cfg.NonceStr, Timestamp: cfg.Timestamp, Signature: cfg.Signature}); err == nil {
		t.Fatalf("corp signature accepted for the app: %v", err)
	}
	if err := srv.CheckJSSignature(wecomtest.JSSignature{CorpID: cfg.AppID, URL: "https://oa.example.com/other", NonceStr: cfg.NonceStr, Timestamp: cfg.Timestamp, Signature: cfg.Signature}); err == nil {
		t.Fatal("signature accepted for another page")
	}
	// Many pages, one ticket of each kind.
	for range 20 {
		if _, err := s.Config(ctx, page); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AgentConfig(ctx, page); err != nil {
			t.Fatal(err)
		}
	}
	if a, b := srv.Calls(corpTicketPath), srv.Calls(agentTicketPath); a != 1 || b != 1 {
		t.Fatalf("ticket fetches %d and %d, want 1 and 1", a, b)
	}
}

// The JSON is what the JS-SDK reads: wx.config's appId/nonceStr, wx.agentConfig's corpid/agentid.
func TestConfigJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(jssdk.Config{AppID: "ww1", Timestamp: 1414587457, NonceStr: "n", Signature: "s", URL: "https://a/"})
	if err != nil || string(b) != `{"appId":"ww1","timestamp":1414587457,"nonceStr":"n","signature":"s","url":"https://a/"}` {
		t.Errorf("Config JSON %s, %v", b, err)
	}
	b, err = json.Marshal(jssdk.AgentConfig{CorpID: "ww1", AgentID: 1000002, Timestamp: 1, NonceStr: "n", Signature: "s", URL: "https://a/"})
	if err != nil || string(b) != `{"corpid":"ww1","agentid":1000002,"timestamp":1,"nonceStr":"n","signature":"s","url":"https://a/"}` {
		t.Errorf("AgentConfig JSON %s, %v", b, err)
	}
}

// An ISV signs each authorised corp's pages with that corp's tickets.
func TestISVAuthorisedCorps(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	const suiteID, suiteSecret = "wwsuite0001", "sim-suite-secret"
	srv.AddSuite(wecomtest.Suite{ID: suiteID, Secret: suiteSecret})
	st := store.NewMemory()
	ctx := context.Background()
	if err := client.StoreSuiteTicket(ctx, st, suiteID, srv.IssueSuiteTicket(suiteID)); err != nil {
		t.Fatal(err)
	}
	suite, err := client.New(client.Suite{SuiteID: suiteID, Secret: suiteSecret}, client.WithBaseURL(srv.URL()), client.WithStore(st), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jssdk.New(suite).Config(ctx, page); !errors.Is(err, client.ErrWrongKind) {
		t.Fatalf("suite client: %v, want ErrWrongKind", err)
	}
	for i, corp := range []string{"wwcorpA", "wwcorpB"} {
		agentID := 1000100 + i
		code, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: suiteID, CorpID: corp, AgentID: agentID})
		if err != nil {
			t.Fatal(err)
		}
		var perm struct {
			PermanentCode string `json:"permanent_code"`
		}
		if err := suite.Do(ctx, http.MethodPost, "/cgi-bin/service/get_permanent_code", nil, map[string]string{"auth_code": code}, &perm); err != nil {
			t.Fatal(err)
		}
		c, err := suite.AuthCorp(corp, perm.PermanentCode)
		if err != nil {
			t.Fatal(err)
		}
		s := jssdk.New(c, jssdk.WithAgentID(agentID))
		cfg, err := s.Config(ctx, page)
		if err != nil || cfg.AppID != corp {
			t.Fatalf("%s: %+v, %v", corp, cfg, err)
		}
		ac, err := s.AgentConfig(ctx, page)
		if err != nil || ac.CorpID != corp || ac.AgentID != agentID {
			t.Fatalf("%s: %+v, %v", corp, ac, err)
		}
		for _, sig := range []wecomtest.JSSignature{
			{CorpID: corp, URL: page, NonceStr: cfg.NonceStr, Timestamp: cfg.Timestamp, Signature: cfg.Signature},
			{CorpID: corp, AgentID: agentID, URL: page, NonceStr: ac.NonceStr, Timestamp: ac.Timestamp, Signature: ac.Signature},
		} {
			if err := srv.CheckJSSignature(sig); err != nil {
				t.Fatalf("%s agent %d: %v", corp, sig.AgentID, err)
			}
		}
		// Another corp's page does not accept it.
		if err := srv.CheckJSSignature(wecomtest.JSSignature{CorpID: wecomtest.CorpID, URL: page, NonceStr: cfg.NonceStr, Timestamp: cfg.Timestamp, Signature: cfg.Signature}); err == nil {
			t.Fatal("signature accepted by another corp")
		}
	}
}

// A page that reports 42012 gets a new ticket, once; a failure the signer did not make, or made
// with an older ticket, changes nothing.
func TestConfigFailedRefreshesTicket(t *testing.T) {
	t.Parallel()
	srv, s := newSigner(t)
	ctx := context.Background()
	cfg, err := s.Config(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	srv.ExpireJSAPITickets()
	check := func(c *jssdk.Config) error {
		return srv.CheckJSSignature(wecomtest.JSSignature{CorpID: c.AppID, URL: c.URL, NonceStr: c.NonceStr, Timestamp: c.Timestamp, Signature: c.Signature})
	}
	if e, ok := errors.AsType[*wecomtest.Error](check(cfg)); !ok || e.Code != client.CodeJSAPITicketUnusable {
		t.Fatalf("page check: %v, want 42012", e)
	}
	forged := *cfg
	forged.Signature = strings.Repeat("0", 40)
	if s.ConfigFailed(ctx, forged) {
		t.Fatal("a signature the signer did not make dropped the ticket")
	}
	if !s.ConfigFailed(ctx, *cfg) {
		t.Fatal("the failed ticket was not dropped")
	}
	again, err := s.Config(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	if err := check(again); err != nil {
		t.Fatalf("after the refresh the page still fails: %v", err)
	}
	if s.ConfigFailed(ctx, *cfg) {
		t.Fatal("a report about the old ticket dropped the new one")
	}
	if n := srv.Calls(corpTicketPath); n != 2 {
		t.Fatalf("get_jsapi_ticket called %d times, want 2", n)
	}
	ac, err := s.AgentConfig(ctx, page)
	if err != nil {
		t.Fatal(err)
	}
	srv.ExpireJSAPITickets()
	if !s.AgentConfigFailed(ctx, *ac) {
		t.Fatal("the failed app ticket was not dropped")
	}
	if _, err := s.AgentConfig(ctx, page); err != nil || srv.Calls(agentTicketPath) != 2 {
		t.Fatalf("app ticket not refetched: %v, %d fetches", err, srv.Calls(agentTicketPath))
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	srv, s := newSigner(t)
	ctx := context.Background()
	for _, u := range []string{"", "/approve?id=1", "oa.example.com/approve", "ftp://oa.example.com/", "https://oa.example.com/a\nb", "#only-fragment"} {
		_, err := s.Config(ctx, u)
		wecomtest.WantInvalid(t, err, "url")
		_, err = s.AgentConfig(ctx, u)
		wecomtest.WantInvalid(t, err, "url")
	}
	_, err := jssdk.New(srv.NewClient(t)).AgentConfig(ctx, page)
	wecomtest.WantInvalid(t, err, "agentid")
	ts, err := client.New(client.FromTokenSource(srv.NewClient(t).TokenSource()), client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = jssdk.New(ts).Config(ctx, page)
	wecomtest.WantInvalid(t, err, "corpid")
	if cfg, err := jssdk.New(ts, jssdk.WithCorpID(wecomtest.CorpID)).Config(ctx, page); err != nil || cfg.AppID != wecomtest.CorpID {
		t.Fatalf("token-source client with WithCorpID: %+v, %v", cfg, err)
	}
	if n := srv.Calls(agentTicketPath); n != 0 {
		t.Errorf("%d app ticket fetches for invalid input", n)
	}
}

func TestNonceStr(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		n := jssdk.NonceStr()
		if len(n) != 16 || strings.Trim(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" || seen[n] {
			t.Fatalf("nonce %q", n)
		}
		seen[n] = true
	}
}

// The fault matrix: success, token expiry mid-session, -1 busy (a GET: retried) and a
// permission errcode, for each ticket kind.
func TestMatrix(t *testing.T) {
	t.Parallel()
	for _, ep := range []struct {
		name string
		path string
		call func(ctx context.Context, s *jssdk.Signer) error
	}{
		{"config", corpTicketPath, func(ctx context.Context, s *jssdk.Signer) error { _, err := s.Config(ctx, page); return err }},
		{"agent_config", agentTicketPath, func(ctx context.Context, s *jssdk.Signer) error { _, err := s.AgentConfig(ctx, page); return err }},
	} {
		for _, tc := range []struct {
			name   string
			inject func(srv *wecomtest.Server)
			check  func(t *testing.T, srv *wecomtest.Server, err error)
		}{
			{"ok", nil, func(t *testing.T, _ *wecomtest.Server, err error) {
				if err != nil {
					t.Fatal(err)
				}
			}},
			{"token expired", func(srv *wecomtest.Server) { srv.ExpireTokens() }, func(t *testing.T, srv *wecomtest.Server, err error) {
				if err != nil || srv.Calls("/cgi-bin/gettoken") != 2 {
					t.Fatalf("err = %v, gettoken calls %d: want one refresh and success", err, srv.Calls("/cgi-bin/gettoken"))
				}
			}},
			{"busy", func(srv *wecomtest.Server) { srv.FailNext(ep.path, -1, 1) }, func(t *testing.T, srv *wecomtest.Server, err error) {
				if err != nil || srv.Calls(ep.path) != 2 {
					t.Fatalf("err = %v, calls %d: want a retry and success", err, srv.Calls(ep.path))
				}
			}},
			{"permission", func(srv *wecomtest.Server) { srv.FailNext(ep.path, 60011, 1) }, func(t *testing.T, _ *wecomtest.Server, err error) {
				var ae *client.APIError
				if !errors.As(err, &ae) || ae.Code != 60011 || ae.Path != ep.path || !errors.Is(err, client.ErrPermission) {
					t.Fatalf("err = %v, want errcode 60011 on %s", err, ep.path)
				}
			}},
		} {
			t.Run(ep.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := wecomtest.Start(t)
				c := srv.NewClient(t)
				// A token is cached before the fault, as in a running service.
				if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, nil); err != nil {
					t.Fatal(err)
				}
				s := jssdk.New(c, jssdk.WithAgentID(wecomtest.AgentID))
				if tc.inject != nil {
					tc.inject(srv)
				}
				tc.check(t, srv, ep.call(context.Background(), s))
			})
		}
	}
}
