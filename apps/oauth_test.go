package apps_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// redirected reads code and state from the URL WeCom redirected the browser to.
func redirected(t *testing.T, to string) (code, state string) {
	t.Helper()
	u, err := url.Parse(to)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("code"), u.Query().Get("state")
}

func TestOAuthMemberLogin(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	s := corpService(t, srv)
	ctx := t.Context()
	// The caller passes the callback plain, with its own query: it is encoded exactly once.
	const cb = "https://progress.example.com/oauth/cb?next=/orders&x=1"
	au, err := s.AuthorizeURL(ctx, apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: cb, Scope: apps.ScopePrivateInfo, AgentID: wecomtest.AgentID})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(au.URL, "https://open.weixin.qq.com/connect/oauth2/authorize?appid="+wecomtest.CorpID+"&redirect_uri=https%3A%2F%2F") ||
		!strings.HasSuffix(au.URL, "#wechat_redirect") || !strings.Contains(au.URL, "&response_type=code&scope=snsapi_privateinfo&state="+au.State+"&agentid=1000002") {
		t.Errorf("authorize URL %s", au.URL)
	}
	u, _ := url.Parse(au.URL)
	if got := u.Query().Get("redirect_uri"); got != cb {
		t.Errorf("redirect_uri decodes to %q, want %q", got, cb)
	}

	to, err := srv.MemberLogin(au.URL, wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "li.na", PrivateInfo: true,
		Gender: "2", Mobile: "13900001111", Email: "li.na@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	code, state := redirected(t, to)
	if !strings.HasPrefix(to, "https://progress.example.com/oauth/cb?") || !strings.Contains(to, "next=%2Forders") {
		t.Errorf("redirected to %s", to)
	}
	if err := s.CheckState(ctx, state); err != nil {
		t.Fatal(err)
	}
	if err := s.CheckState(ctx, state); !errors.Is(err, apps.ErrUnknownState) {
		t.Errorf("state accepted twice: %v", err)
	}
	id, err := s.GetUserInfo(ctx, code)
	if err != nil || id.UserID != "li.na" || id.UserTicket == "" {
		t.Fatalf("identity %+v, %v", id, err)
	}
	d, err := s.GetUserDetail(ctx, id.UserTicket)
	if err != nil || d.Gender != apps.GenderFemale || d.Mobile != "13900001111" {
		t.Errorf("detail %+v, %v", d, err)
	}
	_, err = s.GetUserDetail(ctx, "forged-ticket")
	wecomtest.WantCode(t, err, 84015)

	// The code was used: reuse answers 40029. An expired code answers 42003.
	_, err = s.GetUserInfo(ctx, code)
	wecomtest.WantCode(t, err, 40029)
	old := srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "li.na"})
	srv.ExpireOAuthCode(old)
	_, err = s.GetUserInfo(ctx, old)
	wecomtest.WantCode(t, err, 42003)
	_, err = s.GetUserInfo(ctx, "")
	wecomtest.WantInvalid(t, err, "code")
	if n := srv.Calls("/cgi-bin/auth/getuserinfo"); n != 3 {
		t.Errorf("getuserinfo called %d times, want 3 (no retry on code errors)", n)
	}

	// A visitor who is not a member.
	v, err := s.GetUserInfo(ctx, srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: wecomtest.CorpID, OpenID: "oVisitor77", ExternalUserID: "wmAbc123"}))
	if err != nil || v.UserID != "" || v.OpenID != "oVisitor77" || v.ExternalUserID != "wmAbc123" {
		t.Errorf("visitor %+v, %v", v, err)
	}
}

func TestRedirectURIAndState(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	s := corpService(t, srv)
	ctx := t.Context()
	const plain = "https://progress.example.com/cb?a=1&b=2"
	for _, in := range []string{plain, url.QueryEscape(plain), "  " + plain} {
		au, err := s.AuthorizeURL(ctx, apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: in, State: "abc123"})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		u, _ := url.Parse(au.URL)
		if got := u.Query().Get("redirect_uri"); got != plain {
			t.Errorf("%q: redirect_uri decodes to %q (encoded twice or not at all)", in, got)
		}
		if _, err := srv.MemberLogin(au.URL, wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "u"}); err != nil {
			t.Errorf("%q: WeCom would refuse %s: %v", in, au.URL, err)
		}
	}
	for _, tc := range []struct {
		p     apps.AuthorizeParams
		field string
	}{
		{apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: "progress.example.com/cb"}, "redirect_uri"},
		{apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: "/cb"}, "redirect_uri"},
		{apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: ""}, "redirect_uri"},
		{apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: "https://x.example.com/#/spa"}, "redirect_uri"},
		{apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: "https%3A%2F%2Fx%zz"}, "redirect_uri"},
		{apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: plain, State: "has space"}, "state"},
		{apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: plain, State: strings.Repeat("a", 129)}, "state"},
		{apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: plain, Scope: "snsapi_userinfo"}, "scope"},
		{apps.AuthorizeParams{RedirectURI: plain}, "appid"},
	} {
		_, err := s.AuthorizeURL(ctx, tc.p)
		wecomtest.WantInvalid(t, err, tc.field)
	}
	// States are shared through the store: another process may check a state this one issued,
	// an unknown or malformed one is refused.
	st := store.NewMemory()
	c1, _ := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()), client.WithStore(st))
	c2, _ := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()), client.WithStore(st))
	state, err := apps.New(c1).NewState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := apps.New(c2).CheckState(ctx, state); err != nil {
		t.Errorf("state from another process: %v", err)
	}
	for _, bad := range []string{"", "never-issued", "abc123", "x&y"} {
		if err := s.CheckState(ctx, bad); !errors.Is(err, apps.ErrUnknownState) {
			t.Errorf("CheckState(%q) = %v", bad, err)
		}
	}
}

func TestWebLoginURL(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	s := corpService(t, srv)
	ctx := t.Context()
	wl, err := s.WebLoginURL(ctx, apps.WebLoginParams{AppID: wecomtest.CorpID, AgentID: wecomtest.AgentID, RedirectURI: "https://progress.example.com/login", Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	want := "https://login.work.weixin.qq.com/wwlogin/sso/login?login_type=CorpApp&appid=" + wecomtest.CorpID +
		"&agentid=1000002&redirect_uri=https%3A%2F%2Fprogress.example.com%2Flogin&state=" + wl.State + "&lang=en"
	if wl.URL != want {
		t.Errorf("web login URL\n got %s\nwant %s", wl.URL, want)
	}
	to, err := srv.MemberLogin(wl.URL, wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "zhangsan"})
	if err != nil {
		t.Fatal(err)
	}
	code, state := redirected(t, to)
	if err := s.CheckState(ctx, state); err != nil {
		t.Fatal(err)
	}
	if id, err := s.GetUserInfo(ctx, code); err != nil || id.UserID != "zhangsan" || id.UserTicket != "" {
		t.Errorf("identity %+v, %v", id, err)
	}
	// ServiceApp logins carry no agentid.
	sl, err := s.WebLoginURL(ctx, apps.WebLoginParams{LoginType: apps.LoginServiceApp, AppID: testSuiteID, AgentID: 5, RedirectURI: "https://isv.example.com/"})
	if err != nil || strings.Contains(sl.URL, "agentid") || !strings.Contains(sl.URL, "login_type=ServiceApp") {
		t.Errorf("service app login URL %v, %v", sl, err)
	}
	_, err = s.WebLoginURL(ctx, apps.WebLoginParams{LoginType: "Other", AppID: "x", RedirectURI: "https://x.example.com/"})
	wecomtest.WantInvalid(t, err, "login_type")
	_, err = s.WebLoginURL(ctx, apps.WebLoginParams{AppID: "x", RedirectURI: "https://x.example.com/", Lang: "fr"})
	wecomtest.WantInvalid(t, err, "lang")
}

func TestOAuthThirdParty(t *testing.T) {
	t.Parallel()
	x := newSuiteSetup(t)
	srv, ctx := x.srv, t.Context()
	isv := x.isv
	au, err := isv.AuthorizeURL(ctx, apps.AuthorizeParams{AppID: testSuiteID, RedirectURI: "https://isv.example.com/cb", Scope: apps.ScopePrivateInfo})
	if err != nil || strings.Contains(au.URL, "agentid") {
		t.Fatalf("third-party authorize URL %v, %v", au, err)
	}
	to, err := srv.MemberLogin(au.URL, wecomtest.OAuthCode{SuiteID: testSuiteID, CorpID: custCorp, UserID: "zhangsan",
		OpenUserID: "woZhangsan01", PrivateInfo: true, Gender: "1", Avatar: "https://example.invalid/av/0"})
	if err != nil {
		t.Fatal(err)
	}
	code, state := redirected(t, to)
	if err := isv.CheckState(ctx, state); err != nil {
		t.Fatal(err)
	}
	id, err := isv.GetUserInfo3rd(ctx, code)
	if err != nil || id.CorpID != custCorp || id.OpenUserID != "woZhangsan01" || id.UserTicket == "" || id.ExpiresIn == 0 {
		t.Fatalf("identity %+v, %v", id, err)
	}
	d, err := isv.GetUserDetail3rd(ctx, id.UserTicket)
	if err != nil || d.UserID != "zhangsan" || d.Gender != apps.GenderMale || d.Avatar == "" {
		t.Errorf("detail %+v, %v", d, err)
	}
	_, err = isv.GetUserInfo3rd(ctx, code)
	wecomtest.WantCode(t, err, 40029)
	// A corp app's code is not the suite's, and the suite's is not the corp app's.
	_, err = isv.GetUserInfo3rd(ctx, srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "u"}))
	wecomtest.WantCode(t, err, 40029)
	_, err = corpService(t, srv).GetUserInfo(ctx, srv.NewOAuthCode(wecomtest.OAuthCode{SuiteID: testSuiteID, CorpID: wecomtest.CorpID, UserID: "u"}))
	wecomtest.WantCode(t, err, 40029)
	// The suite token expires mid-session: refreshed once with the stored ticket.
	srv.FailNext("/cgi-bin/service/auth/getuserinfo3rd", client.CodeSuiteTokenExpired, 1)
	if _, err := isv.GetUserInfo3rd(ctx, srv.NewOAuthCode(wecomtest.OAuthCode{SuiteID: testSuiteID, OpenID: "oOutsider"})); err != nil {
		t.Errorf("after 42009: %v", err)
	}
}

// FuzzAuthorizeURL feeds arbitrary redirect URIs and states: no panic, and an accepted URL
// always carries the redirect URI encoded exactly once.
func FuzzAuthorizeURL(f *testing.F) {
	for _, seed := range []string{"https://a.example.com/cb?x=1&y=2", "https%3A%2F%2Fa.example.com%2F", "/rel", "%zz", "https://a.example.com/#f", "https://[::1]:80/"} {
		f.Add(seed, "abc")
	}
	c, err := client.New(client.CorpApp{CorpID: "ww1", Secret: "s"})
	if err != nil {
		f.Fatal(err)
	}
	s := apps.New(c)
	f.Fuzz(func(t *testing.T, redirect, state string) {
		au, err := s.AuthorizeURL(t.Context(), apps.AuthorizeParams{AppID: "ww1", RedirectURI: redirect, State: state})
		if err != nil {
			var v *client.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		u, err := url.Parse(au.URL)
		if err != nil {
			t.Fatalf("built an unparsable URL %q", au.URL)
		}
		r, err := url.Parse(u.Query().Get("redirect_uri"))
		if err != nil || (r.Scheme != "http" && r.Scheme != "https") || r.Host == "" {
			t.Fatalf("redirect_uri in %q does not decode to an absolute URL", au.URL)
		}
	})
}
