package apps_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

const custCorp = "wwcust0000000001"

// The ISV flow end to end: suite_ticket → suite token → pre-auth code → install link → the
// admin authorises → permanent code → corp token → a call as that corp; then a restart on the
// same store fetches no token again.
func TestISVFlowEndToEnd(t *testing.T) {
	t.Parallel()
	srv, st, ctx := wecomtest.Start(t), store.NewMemory(), t.Context()
	srv.AddSuite(wecomtest.Suite{ID: testSuiteID, Secret: testSuiteSecret})
	target, cfg := ticketReceiver(t, st)
	if _, err := srv.DeliverCallback(ctx, target, cfg, wecomtest.SuiteTicketCallback(testSuiteID, srv.IssueSuiteTicket(testSuiteID))); err != nil {
		t.Fatal(err)
	}
	suite := suiteClientOn(t, srv, st)
	isv := suiteService(t, suite)

	pac, err := isv.GetPreAuthCode(ctx)
	if err != nil || pac.Code == "" || pac.ExpiresIn != 1200 {
		t.Fatalf("pre-auth code: %+v, %v", pac, err)
	}
	if err := isv.SetSessionInfo(ctx, pac.Code, apps.SessionInfo{AuthType: apps.AuthTest}); err != nil {
		t.Fatal(err)
	}
	link, err := isv.InstallURL(ctx, apps.InstallParams{SuiteID: testSuiteID, PreAuthCode: pac.Code, RedirectURI: "https://isv.example.com/installed?from=site"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link.URL)
	if q := u.Query(); q.Get("suite_id") != testSuiteID || q.Get("pre_auth_code") != pac.Code ||
		q.Get("redirect_uri") != "https://isv.example.com/installed?from=site" || q.Get("state") != link.State {
		t.Errorf("install URL %s", link.URL)
	}

	// The admin confirms; the redirect carries auth_code and our state.
	authCode, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: testSuiteID, PreAuthCode: pac.Code,
		CorpID: custCorp, CorpName: "Jinhua Knitting No.3", AgentID: 1000019, AdminUserID: "admin01", State: link.State})
	if err != nil {
		t.Fatal(err)
	}
	if err := isv.CheckState(ctx, link.State); err != nil {
		t.Fatal(err)
	}
	perm, err := isv.GetPermanentCode(ctx, authCode)
	if err != nil {
		t.Fatal(err)
	}
	// A third-party app sees the corp and its members by their encrypted IDs (密文corpid, open_userid).
	openCorp, openAdmin := srv.OpenCorpID(testSuiteID, custCorp), srv.OpenUserID(testSuiteID, custCorp, "admin01")
	if perm.PermanentCode == "" || perm.AuthCorpInfo.CorpID != openCorp || perm.AuthInfo == nil || perm.AuthInfo.Agents[0].AgentID != 1000019 ||
		perm.AuthUserInfo.UserID != openAdmin || perm.AuthUserInfo.OpenUserID != openAdmin || perm.State != link.State {
		t.Fatalf("permanent code answer: %+v", *perm)
	}
	// The permanent code and the first token never show when the result is printed or logged.
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("installed", "perm", perm)
	if s := fmt.Sprintf("%v %+v %#v", perm, *perm, perm) + logs.String(); strings.Contains(s, perm.PermanentCode) || strings.Contains(s, perm.AccessToken) {
		t.Errorf("permanent code or token printed: %s", s)
	}

	corp, err := suite.AuthCorp(perm.AuthCorpInfo.CorpID, perm.PermanentCode)
	if err != nil {
		t.Fatal(err)
	}
	as := apps.New(corp)
	a, err := as.GetAgent(ctx, 1000019)
	if err != nil || a.AgentID != 1000019 {
		t.Fatalf("agent as the authorised corp: %+v, %v", a, err)
	}
	admins, err := as.GetAdminList(ctx)
	if err != nil || len(admins) != 1 || admins[0].UserID != openAdmin || admins[0].AuthType != 1 {
		t.Errorf("admins: %+v, %v", admins, err)
	}
	legacy, err := isv.GetSuiteAdminList(ctx, custCorp, 1000019)
	if err != nil || len(legacy) != 1 || legacy[0].OpenUserID != openAdmin {
		t.Errorf("legacy admins: %+v, %v", legacy, err)
	}
	info, err := isv.GetAuthInfo(ctx, custCorp, perm.PermanentCode)
	if err != nil || info.AuthCorpInfo.CorpName != "Jinhua Knitting No.3" || info.AuthInfo.Agents[0].Privilege.Level != 1 {
		t.Errorf("auth info: %+v, %v", info, err)
	}
	if v2, err := isv.GetAuthInfoV2(ctx, custCorp, perm.PermanentCode); err != nil || v2.AuthCorpInfo.CorpID != openCorp || len(v2.AuthInfo.Agents) != 1 {
		t.Errorf("auth info v2: %+v, %v", v2, err)
	}
	// A third-party app may not change its menu.
	wecomtest.WantCode(t, as.CreateMenu(ctx, 1000019, apps.Menu{Buttons: []apps.Button{{Type: apps.ButtonClick, Name: "A", Key: "A"}}}), 48002)

	// Restart: new suite and corp clients on the same store fetch no token.
	suite2 := suiteClientOn(t, srv, st)
	corp2, err := suite2.AuthCorp(perm.AuthCorpInfo.CorpID, perm.PermanentCode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := apps.New(corp2).GetAgent(ctx, 1000019); err != nil {
		t.Fatal(err)
	}
	if _, err := suiteService(t, suite2).GetPreAuthCode(ctx); err != nil {
		t.Fatal(err)
	}
	if s, c := srv.Calls("/cgi-bin/service/get_suite_token"), srv.Calls("/cgi-bin/service/get_corp_token"); s != 1 || c != 1 {
		t.Errorf("get_suite_token %d, get_corp_token %d calls; want 1 and 1", s, c)
	}
}

func TestISVBadInput(t *testing.T) {
	t.Parallel()
	x := newSuiteSetup(t)
	srv, ctx, isv := x.srv, t.Context(), x.isv

	authCode, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: testSuiteID, CorpID: custCorp})
	if err != nil {
		t.Fatal(err)
	}
	perm, err := isv.GetPermanentCodeV2(ctx, authCode)
	if err != nil || perm.PermanentCode == "" || perm.AuthCorpInfo.CorpID != srv.OpenCorpID(testSuiteID, custCorp) || perm.AccessToken != "" {
		t.Fatalf("v2: %+v, %v", perm, err)
	}
	_, err = isv.GetPermanentCode(ctx, authCode) // an auth_code works once
	wecomtest.WantCode(t, err, 40078)
	_, err = isv.GetPermanentCode(ctx, "")
	wecomtest.WantInvalid(t, err, "auth_code")

	_, err = isv.GetAuthInfo(ctx, custCorp, "wrong-permanent-code")
	wecomtest.WantCode(t, err, client.CodeInvalidPermanentCode)
	err = isv.SetSessionInfo(ctx, "no-such-code", apps.SessionInfo{})
	wecomtest.WantCode(t, err, 40077)

	srv.RevokeAuthorization(testSuiteID, custCorp)
	_, err = isv.GetAuthInfo(ctx, custCorp, perm.PermanentCode)
	wecomtest.WantCode(t, err, 48004)
	corp, _ := x.suite.AuthCorp(custCorp, perm.PermanentCode)
	_, err = apps.New(corp).GetAgent(ctx, 1000100)
	wecomtest.WantCode(t, err, 48004)
	if n := srv.Calls("/cgi-bin/service/get_corp_token"); n != 1 {
		t.Errorf("get_corp_token called %d times after revocation, want 1", n)
	}

	// The suite_ticket expires (pushes missed) and the cached suite token is gone: 40085, once.
	srv.ExpireSuiteTickets(testSuiteID)
	srv.ExpireTokens()
	_, err = isv.GetPreAuthCode(ctx)
	wecomtest.WantCode(t, err, client.CodeInvalidSuiteTicket)
	if n := srv.Calls("/cgi-bin/service/get_suite_token"); n != 2 {
		t.Errorf("get_suite_token called %d times, want 2 (no loop on 40085)", n)
	}

	for _, p := range []apps.InstallParams{
		{PreAuthCode: "p", RedirectURI: "https://isv.example.com/"},
		{SuiteID: testSuiteID, RedirectURI: "https://isv.example.com/"},
		{SuiteID: testSuiteID, PreAuthCode: "p", RedirectURI: "/installed"},
	} {
		if _, err := isv.InstallURL(ctx, p); err == nil {
			t.Errorf("install URL %+v accepted", p)
		}
	}
}

func TestProviderCall(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	open, err := providerService(t, srv).CorpIDToOpenCorpID(t.Context(), "wwcust0000000001")
	if err != nil || open == "" || open == "wwcust0000000001" {
		t.Errorf("open corp ID %q, %v", open, err)
	}
}

func TestGetLoginInfo(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	svc := providerService(t, srv)
	code := srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "zhangsan", Name: "张三", UserType: 2})
	info, err := svc.GetLoginInfo(t.Context(), code)
	if err != nil {
		t.Fatal(err)
	}
	if info.UserType != apps.LoginInternalAdmin || info.User.UserID != "zhangsan" || info.Corp.CorpID != wecomtest.CorpID || len(info.AuthInfo.Departments) == 0 {
		t.Fatalf("login info %+v", info)
	}
	// single use
	_, err = svc.GetLoginInfo(t.Context(), code)
	wecomtest.WantCode(t, err, 40029)
	if _, err := svc.GetLoginInfo(t.Context(), ""); !errors.Is(err, client.ErrInvalidParams) {
		t.Fatalf("empty code: %v", err)
	}
}

// ticketReceiver serves a suite's instruction callback URL: a webhook.Handler that saves pushed
// suite_tickets into st.
func ticketReceiver(t *testing.T, st store.Store) (string, wecomtest.CallbackConfig) {
	t.Helper()
	cfg := wecomtest.CallbackConfig{Token: "cb-token", EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", Attempts: 1}
	crypto, err := webhook.NewCrypto(cfg.Token, cfg.EncodingAESKey, testSuiteID)
	if err != nil {
		t.Fatal(err)
	}
	h := webhook.NewHandler(crypto)
	apps.HandleSuiteTickets(h, st)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL + "/suite/callback", cfg
}

// The suite_ticket callback arrives at the webhook handler, which saves it; the suite client
// then gets its token. Before it arrives, the client says so instead of calling WeCom.
func TestSuiteTicketCallback(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddSuite(wecomtest.Suite{ID: testSuiteID, Secret: testSuiteSecret})
	st := store.NewMemory()
	suite := suiteService(t, suiteClientOn(t, srv, st))
	ctx := t.Context()
	_, err := suite.GetPreAuthCode(ctx)
	if !errors.Is(err, client.ErrNoSuiteTicket) || !strings.Contains(err.Error(), "callback has not arrived") {
		t.Fatalf("before the callback: %v", err)
	}
	if n := srv.Calls("/cgi-bin/service/get_suite_token"); n != 0 {
		t.Errorf("get_suite_token called %d times without a ticket", n)
	}

	target, cfg := ticketReceiver(t, st)
	d, err := srv.DeliverCallback(ctx, target, cfg, wecomtest.SuiteTicketCallback(testSuiteID, srv.IssueSuiteTicket(testSuiteID)))
	if err != nil || !d.Acked || string(d.Attempts[0].Body) != "success" {
		t.Fatalf("delivery %+v, %v", d, err)
	}
	if _, err := suite.GetPreAuthCode(ctx); err != nil {
		t.Fatalf("after the callback: %v", err)
	}
	if n := srv.Calls("/cgi-bin/service/get_suite_token"); n != 1 {
		t.Errorf("get_suite_token called %d times, want 1", n)
	}
}

func TestGetAuthInfoFaults(t *testing.T) {
	t.Parallel()
	const path = "/cgi-bin/service/get_auth_info"
	for _, tc := range []struct {
		name   string
		inject func(*wecomtest.Server)
		code   int
		sent   int // requests for path
	}{
		{"success", func(*wecomtest.Server) {}, 0, 1},
		{"suite token expired mid-call", func(s *wecomtest.Server) { s.FailNext(path, client.CodeSuiteTokenExpired, 1) }, 0, 2},
		{"busy, retried as a read", func(s *wecomtest.Server) { s.FailNext(path, client.CodeBusy, 2) }, 0, 3},
		{"authorisation cancelled", func(s *wecomtest.Server) { s.RevokeAuthorization(testSuiteID, custCorp) }, 48004, 1},
		{"calling IP not registered", func(s *wecomtest.Server) { s.FailNext(path, client.CodeInsecureIP, 1) }, client.CodeInsecureIP, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := newSuiteSetup(t)
			code, err := x.srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: testSuiteID, CorpID: custCorp})
			if err != nil {
				t.Fatal(err)
			}
			isv := x.isv
			perm, err := isv.GetPermanentCodeV2(t.Context(), code)
			if err != nil {
				t.Fatal(err)
			}
			tc.inject(x.srv)
			info, err := isv.GetAuthInfo(t.Context(), custCorp, perm.PermanentCode)
			if tc.code != 0 {
				wecomtest.WantCode(t, err, tc.code)
			} else if err != nil || info.AuthCorpInfo.CorpID != x.srv.OpenCorpID(testSuiteID, custCorp) {
				t.Fatalf("%+v, %v", info, err)
			}
			if n := x.srv.Calls(path); n != tc.sent {
				t.Errorf("%s sent %d times, want %d", path, n, tc.sent)
			}
		})
	}
}
