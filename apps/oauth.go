package apps

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/wire"
	"github.com/wecom-connector/wecom/store"
)

// Browser URLs of member login and app install; they are not API calls, so client.WithBaseURL
// does not change them.
const (
	authorizeURL = "https://open.weixin.qq.com/connect/oauth2/authorize"
	webLoginURL  = "https://login.work.weixin.qq.com/wwlogin/sso/login"
	installURL   = "https://open.work.weixin.qq.com/3rdapp/install"
)

// StateTTL is how long a generated state value stays valid for [Service.CheckState]: longer
// than an OAuth code (5 minutes) or an install auth_code (10 minutes) takes to come back.
const StateTTL = 15 * time.Minute

// ErrUnknownState means a state value coming back from a login or install redirect was not
// issued by this service, has expired, or was already checked once: treat the request as
// forged (CSRF) or replayed.
var ErrUnknownState = errors.New("wecom: apps: state unknown, expired or already used")

// Scope is the OAuth scope of an in-client authorize URL.
type Scope string

// OAuth scopes (应用授权作用域).
const (
	ScopeBase Scope = "snsapi_base" // silent; yields the member's identity only
	// ScopePrivateInfo asks the member's consent and also yields a user_ticket for
	// GetUserDetail; AgentID is required with it for corp apps.
	ScopePrivateInfo Scope = "snsapi_privateinfo"
)

// BrowserURL is a URL to send the browser to and the state value it carries, which comes back
// on the redirect.
type BrowserURL struct {
	URL   string
	State string
}

// AuthorizeParams builds an in-client OAuth authorize URL (构造网页授权链接).
type AuthorizeParams struct {
	// AppID is the corp ID for internal and 代开发 apps, the suite ID for third-party apps.
	AppID string
	// RedirectURI is the callback; give it plain: it is URL-encoded exactly once here. Its
	// domain must be a trusted domain (可信域名) of the app.
	RedirectURI string
	Scope       Scope // default ScopeBase
	// State is echoed back; leave it empty to have one generated and remembered for
	// [Service.CheckState]. [a-zA-Z0-9], at most 128 bytes.
	State string
	// AgentID is the app's agentid for internal and 代开发 apps; 0 for third-party apps.
	AgentID int
}

// AuthorizeURL builds the OAuth URL for a page of an internal or 代开发 app opened inside WeCom.
// 构造网页授权链接
//
// WeCom then sends the browser to RedirectURI?code=CODE&state=STATE. Check the state with
// [Service.CheckState] and exchange the code with [Service.GetUserInfo]. Third-party apps use
// [SuiteService.AuthorizeURL].
//
// https://developer.work.weixin.qq.com/document/path/91022
func (s *Service) AuthorizeURL(ctx context.Context, p AuthorizeParams) (*BrowserURL, error) {
	return authorize(ctx, s.c.Store(), p)
}

// AuthorizeURL builds the OAuth URL for a third-party app's page opened inside WeCom: AppID is
// the suite ID and AgentID is 0.
// 构造第三方应用网页授权链接
//
// Check the state with [SuiteService.CheckState] and exchange the code with
// [SuiteService.GetUserInfo3rd].
//
// https://developer.work.weixin.qq.com/document/path/91120
func (s *SuiteService) AuthorizeURL(ctx context.Context, p AuthorizeParams) (*BrowserURL, error) {
	return authorize(ctx, s.c.Store(), p)
}

func authorize(ctx context.Context, st store.Store, p AuthorizeParams) (*BrowserURL, error) {
	scope := p.Scope
	if scope == "" {
		scope = ScopeBase
	}
	switch {
	case p.AppID == "":
		return nil, check.Invalid("appid", "required")
	case scope != ScopeBase && scope != ScopePrivateInfo:
		return nil, check.Invalid("scope", "%q is not snsapi_base or snsapi_privateinfo", scope)
	}
	q := []kv{{"appid", p.AppID}, {"redirect_uri", ""}, {"response_type", "code"}, {"scope", string(scope)}, {"state", ""}}
	if p.AgentID != 0 {
		q = append(q, kv{"agentid", fmt.Sprint(p.AgentID)})
	}
	return browserURL(ctx, st, authorizeURL, p.RedirectURI, p.State, q, "#wechat_redirect")
}

// LoginType tells the web login which kind of app signs the member in.
type LoginType string

// Web login types.
const (
	LoginCorpApp    LoginType = "CorpApp"    // internal and 代开发 apps (appid = corp ID)
	LoginServiceApp LoginType = "ServiceApp" // a provider's login-authorisation app (appid = suite ID)
)

// WebLoginParams builds a web (QR code) login URL.
type WebLoginParams struct {
	LoginType   LoginType // default LoginCorpApp
	AppID       string    // corp ID (CorpApp) or suite ID (ServiceApp)
	AgentID     int       // CorpApp: the app's agentid
	RedirectURI string    // plain, URL-encoded once here
	State       string    // empty: generated and remembered for CheckState
	Lang        string    // "zh" or "en", optional
}

// WebLoginURL builds the web (QR code) login URL of an internal or 代开发 app (LoginCorpApp), for
// pages opened in an ordinary browser.
// 构造企业微信登录链接（扫码登录）
//
// WeCom redirects to RedirectURI?code=CODE&state=STATE. Check the state with
// [Service.CheckState] and exchange the code with [Service.GetUserInfo].
//
// https://developer.work.weixin.qq.com/document/path/98152
func (s *Service) WebLoginURL(ctx context.Context, p WebLoginParams) (*BrowserURL, error) {
	return webLogin(ctx, s.c.Store(), p)
}

// WebLoginURL builds the web (QR code) login URL of a provider's login-authorisation app
// (LoginServiceApp, AppID the suite ID), for pages opened in an ordinary browser.
// 构造企业微信登录链接（扫码登录）
//
// Check the state with [SuiteService.CheckState] and exchange the code with
// [SuiteService.GetUserInfo3rd].
//
// https://developer.work.weixin.qq.com/document/path/98152
func (s *SuiteService) WebLoginURL(ctx context.Context, p WebLoginParams) (*BrowserURL, error) {
	return webLogin(ctx, s.c.Store(), p)
}

func webLogin(ctx context.Context, st store.Store, p WebLoginParams) (*BrowserURL, error) {
	lt := p.LoginType
	if lt == "" {
		lt = LoginCorpApp
	}
	switch {
	case lt != LoginCorpApp && lt != LoginServiceApp:
		return nil, check.Invalid("login_type", "%q is not CorpApp or ServiceApp", lt)
	case p.AppID == "":
		return nil, check.Invalid("appid", "required")
	case p.Lang != "" && p.Lang != "zh" && p.Lang != "en":
		return nil, check.Invalid("lang", "zh or en")
	}
	q := []kv{{"login_type", string(lt)}, {"appid", p.AppID}}
	if p.AgentID != 0 && lt == LoginCorpApp {
		q = append(q, kv{"agentid", fmt.Sprint(p.AgentID)})
	}
	q = append(q, kv{"redirect_uri", ""}, kv{"state", ""})
	if p.Lang != "" {
		q = append(q, kv{"lang", p.Lang})
	}
	return browserURL(ctx, st, webLoginURL, p.RedirectURI, p.State, q, "")
}

type kv struct{ k, v string }

// browserURL fills the redirect_uri and state slots of q, in q's documented order, and
// remembers a generated state.
func browserURL(ctx context.Context, st store.Store, base, redirect, state string, q []kv, fragment string) (*BrowserURL, error) {
	redirect, err := redirectURI(redirect)
	if err != nil {
		return nil, err
	}
	if state == "" {
		if state, err = newState(ctx, st); err != nil {
			return nil, err
		}
	} else if err := checkStateFormat(state); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(base)
	for i, p := range q {
		switch p.k {
		case "redirect_uri":
			p.v = redirect
		case "state":
			p.v = state
		}
		b.WriteByte("?&"[min(i, 1)])
		b.WriteString(p.k + "=" + url.QueryEscape(p.v))
	}
	b.WriteString(fragment)
	return &BrowserURL{URL: b.String(), State: state}, nil
}

// redirectURI checks a callback URL and returns it plain. A caller who already URL-encoded it
// gets it decoded once, so it is never encoded twice.
func redirectURI(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if l := strings.ToLower(raw); strings.HasPrefix(l, "http%3a") || strings.HasPrefix(l, "https%3a") {
		dec, err := url.QueryUnescape(raw)
		if err != nil {
			return "", check.Invalid("redirect_uri", "bad percent-encoding")
		}
		raw = dec
	}
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "", check.Invalid("redirect_uri", "required")
	case err != nil:
		return "", check.Invalid("redirect_uri", "not a URL")
	case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return "", check.Invalid("redirect_uri", "must be an absolute http(s) URL")
	case u.Fragment != "":
		return "", check.Invalid("redirect_uri", "must not have a #fragment: WeCom appends the code to the query")
	}
	return raw, nil
}

func checkStateFormat(state string) error {
	if len(state) > 128 {
		return check.Invalid("state", "at most 128 bytes")
	}
	for _, r := range state {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return check.Invalid("state", "only letters and digits")
		}
	}
	return nil
}

func stateKey(state string) string { return "wecom:v1:state:" + state }

// NewState generates a random state value (26 letters and digits) and remembers it in the
// client's store for [StateTTL], for a login or install URL built elsewhere.
func (s *Service) NewState(ctx context.Context) (string, error) { return newState(ctx, s.c.Store()) }

// NewState generates a random state value and remembers it in the client's store for
// [StateTTL], for a login or install URL built elsewhere.
func (s *SuiteService) NewState(ctx context.Context) (string, error) {
	return newState(ctx, s.c.Store())
}

// NewState generates a random state value and remembers it in the client's store for
// [StateTTL], for a provider-site login URL (3rd_qrConnect) built elsewhere.
func (s *ProviderService) NewState(ctx context.Context) (string, error) {
	return newState(ctx, s.c.Store())
}

func newState(ctx context.Context, st store.Store) (string, error) {
	state := rand.Text()
	if err := st.Set(ctx, stateKey(state), []byte{1}, StateTTL); err != nil {
		return "", fmt.Errorf("wecom: apps: remember state: %w", err)
	}
	return state, nil
}

// CheckState accepts a state value from a redirect once: it must be one this service generated
// (in any process sharing the store) within [StateTTL]. Otherwise it returns [ErrUnknownState].
//
// It proves the state came from this service, not from this browser: to stop login CSRF, also
// keep the BrowserURL's State in the user's session (a cookie set before redirecting) and
// compare it with the returned state before calling CheckState.
func (s *Service) CheckState(ctx context.Context, state string) error {
	return checkState(ctx, s.c.Store(), state)
}

// CheckState accepts a state value from a redirect once, as [Service.CheckState] does.
func (s *SuiteService) CheckState(ctx context.Context, state string) error {
	return checkState(ctx, s.c.Store(), state)
}

// CheckState accepts a state value from a redirect once, as [Service.CheckState] does.
func (s *ProviderService) CheckState(ctx context.Context, state string) error {
	return checkState(ctx, s.c.Store(), state)
}

func checkState(ctx context.Context, st store.Store, state string) error {
	if state == "" || checkStateFormat(state) != nil {
		return ErrUnknownState
	}
	ok, err := store.CompareAndDelete(ctx, st, stateKey(state), []byte{1})
	if err != nil {
		return fmt.Errorf("wecom: apps: check state: %w", err)
	}
	if !ok {
		return ErrUnknownState
	}
	return nil
}

// Gender is a member's gender as the OAuth detail calls report it (sent as 1 or "1");
// GenderUndefined unless the member consented. It is the SDK's one gender type.
type Gender = wire.Gender

// Genders.
const (
	GenderUndefined = wire.GenderUndefined // 未定义 (or not consented)
	GenderMale      = wire.GenderMale      // 男性
	GenderFemale    = wire.GenderFemale    // 女性
)

// UserIdentity is who an OAuth code belongs to: a member (UserID) or a visitor (OpenID).
type UserIdentity struct {
	// UserID is the member; "CorpId/userid" for linked-corp and chain members.
	UserID string `json:"userid"`
	// UserTicket is set with ScopePrivateInfo for members in the app's visible range; valid
	// 1800 s, for GetUserDetail.
	UserTicket     string `json:"user_ticket"`
	OpenID         string `json:"openid"`          // a non-member visitor
	ExternalUserID string `json:"external_userid"` // a visitor who is a customer of the corp
}

func checkCode(code string) error {
	if code == "" || len(code) > 512 {
		return check.Invalid("code", "1 to 512 bytes")
	}
	return nil
}

// GetUserInfo exchanges an OAuth or web-login code for the visitor's identity.
// 获取访问用户身份
//
// A code is single use and lives 5 minutes. Errcodes: 40029 invalid or used code, 42003
// expired, 50001 untrusted redirect domain.
//
// https://developer.work.weixin.qq.com/document/path/91023
//
//wecom:api GET /cgi-bin/auth/getuserinfo
func (s *Service) GetUserInfo(ctx context.Context, code string) (*UserIdentity, error) {
	if err := checkCode(code); err != nil {
		return nil, err
	}
	var out UserIdentity
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/auth/getuserinfo", url.Values{"code": {code}}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UserDetail is a member's sensitive information, each field only with the member's consent.
type UserDetail struct {
	UserID  string `json:"userid"`
	Gender  Gender `json:"gender"`
	Avatar  string `json:"avatar"`
	QRCode  string `json:"qr_code"`
	Mobile  string `json:"mobile"`
	Email   string `json:"email"`
	BizMail string `json:"biz_mail"`
	Address string `json:"address"`
}

// GetUserDetail reads a member's sensitive information with the user_ticket from GetUserInfo.
// 获取访问用户敏感信息
//
// Errcodes 84014 (ticket expired), 84015 (invalid).
//
// https://developer.work.weixin.qq.com/document/path/95833
//
//wecom:api POST /cgi-bin/auth/getuserdetail
func (s *Service) GetUserDetail(ctx context.Context, userTicket string) (*UserDetail, error) {
	var out UserDetail
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/auth/getuserdetail", nil, client.Idempotent(ticketBody{userTicket}), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

type ticketBody struct {
	UserTicket string `json:"user_ticket"`
}

// UserIdentity3rd is who a third-party OAuth code belongs to.
type UserIdentity3rd struct {
	CorpID     string `json:"corpid"`
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid"`
	UserTicket string `json:"user_ticket"`
	ExpiresIn  int    `json:"expires_in"`
	OpenID     string `json:"openid"` // a visitor in no corp
}

// GetUserInfo3rd exchanges a third-party app's OAuth or web-login code for the visitor's identity.
// 获取访问用户身份（第三方）
//
// 代开发 apps use [Service.GetUserInfo].
//
// https://developer.work.weixin.qq.com/document/path/91121
//
//wecom:api GET /cgi-bin/service/auth/getuserinfo3rd
func (s *SuiteService) GetUserInfo3rd(ctx context.Context, code string) (*UserIdentity3rd, error) {
	if err := checkCode(code); err != nil {
		return nil, err
	}
	var out UserIdentity3rd
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/service/auth/getuserinfo3rd", url.Values{"code": {code}}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UserDetail3rd is what a third-party app may read of a member (never mobile or e-mail). Name
// carries the userid, not the real name.
type UserDetail3rd struct {
	CorpID     string `json:"corpid"`
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid"`
	Name       string `json:"name"`
	Gender     Gender `json:"gender"`
	Avatar     string `json:"avatar"`
	QRCode     string `json:"qr_code"`
}

// GetUserDetail3rd reads a member's details with the user_ticket from GetUserInfo3rd.
// 获取访问用户敏感信息（第三方）
//
// https://developer.work.weixin.qq.com/document/path/91122
//
//wecom:api POST /cgi-bin/service/auth/getuserdetail3rd
func (s *SuiteService) GetUserDetail3rd(ctx context.Context, userTicket string) (*UserDetail3rd, error) {
	var out UserDetail3rd
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/auth/getuserdetail3rd", nil, client.Idempotent(ticketBody{userTicket}), &out); err != nil {
		return nil, err
	}
	return &out, nil
}
