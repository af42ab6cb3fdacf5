package apps

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
)

// SuiteService calls the third-party (ISV) APIs that take a suite_access_token: install
// links, permanent codes, authorisation info and third-party OAuth.
type SuiteService struct{ c *client.Client }

// NewSuite returns the suite service on c, which must be a client.Suite client; any other kind
// returns an error matching client.ErrWrongKind, and nothing is sent.
func NewSuite(c *client.Client) (*SuiteService, error) {
	c, err := c.Require(client.KindSuite)
	if err != nil {
		return nil, err
	}
	return &SuiteService{c: c}, nil
}

// Format prints the service and its client's credential tag whatever the verb, never a secret.
func (s *SuiteService) Format(f fmt.State, _ rune) {
	io.WriteString(f, "apps.SuiteService("+s.c.String()+")")
}

// PreAuthCode is a pre-authorisation code (预授权码) for an install link.
type PreAuthCode struct {
	Code      string `json:"pre_auth_code"`
	ExpiresIn int    `json:"expires_in"` // seconds (1200)
}

// GetPreAuthCode obtains a pre-authorisation code for an install link.
// 获取预授权码
//
// Pass it to [SuiteService.InstallURL].
//
// https://developer.work.weixin.qq.com/document/path/90601
//
//wecom:api GET /cgi-bin/service/get_pre_auth_code
func (s *SuiteService) GetPreAuthCode(ctx context.Context) (*PreAuthCode, error) {
	var out PreAuthCode
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/service/get_pre_auth_code", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AuthType is the kind of an authorisation session.
type AuthType int

// Authorisation kinds.
const (
	AuthFormal AuthType = 0 // formal authorisation (the only one once the app is published)
	AuthTest   AuthType = 1 // test authorisation
)

// SessionInfo configures one authorisation session.
type SessionInfo struct {
	AppIDs   []int    `json:"appid,omitempty"` // legacy multi-app suites only
	AuthType AuthType `json:"auth_type"`
}

// SetSessionInfo configures the authorisation session of a pre-authorisation code.
// 设置授权配置
//
// Use it for example for a test install before the app is published.
//
// https://developer.work.weixin.qq.com/document/path/90602
//
//wecom:api POST /cgi-bin/service/set_session_info
func (s *SuiteService) SetSessionInfo(ctx context.Context, preAuthCode string, info SessionInfo) error {
	in := struct {
		PreAuthCode string      `json:"pre_auth_code"`
		SessionInfo SessionInfo `json:"session_info"`
	}{preAuthCode, info}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/set_session_info", nil, in, nil)
}

// AuthCorpInfo describes an authorising corp.
type AuthCorpInfo struct {
	CorpID            string `json:"corpid"` // per-ISV encrypted for corps authorised since 2021-11-17
	CorpName          string `json:"corp_name"`
	CorpType          string `json:"corp_type"` // verified, unverified
	CorpSquareLogoURL string `json:"corp_square_logo_url"`
	CorpUserMax       int    `json:"corp_user_max"`
	CorpFullName      string `json:"corp_full_name"`
	VerifiedEndTime   int64  `json:"verified_end_time"`
	SubjectType       int    `json:"subject_type"` // 1 company, 2 public institution, 3 other, 4 team
	CorpWxQRCode      string `json:"corp_wxqrcode"`
	CorpScale         string `json:"corp_scale"`
	CorpIndustry      string `json:"corp_industry"`
	CorpSubIndustry   string `json:"corp_sub_industry"`
}

// AuthInfo is the authorised apps of a corp.
type AuthInfo struct {
	Agents []AuthAgent `json:"agent"`
}

// AuthAgent is one authorised app in a corp and its permissions.
type AuthAgent struct {
	AgentID          int    `json:"agentid"`
	Name             string `json:"name"`
	RoundLogoURL     string `json:"round_logo_url"`
	SquareLogoURL    string `json:"square_logo_url"`
	AuthMode         int    `json:"auth_mode"` // 0 admin authorisation, 1 member authorisation
	IsCustomizedApp  bool   `json:"is_customized_app"`
	AuthFromThirdApp bool   `json:"auth_from_thirdapp"`
	Privilege        struct {
		Level      int      `json:"level"`
		AllowParty []int    `json:"allow_party"`
		AllowUser  []string `json:"allow_user"`
		AllowTag   []int    `json:"allow_tag"`
		ExtraParty []int    `json:"extra_party"`
		ExtraUser  []string `json:"extra_user"`
		ExtraTag   []int    `json:"extra_tag"`
	} `json:"privilege"`
	SharedFrom *struct {
		CorpID    string       `json:"corpid"`
		ShareType BusinessType `json:"share_type"`
	} `json:"shared_from,omitempty"`
}

// AuthUser is the admin who installed the app.
type AuthUser struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid"`
	Name       string `json:"name"`
	Avatar     string `json:"avatar"`
}

// PermanentCode is the result of exchanging an install's auth_code. PermanentCode (永久授权码)
// is secret material: store it securely; String and LogValue never show it or AccessToken.
type PermanentCode struct {
	PermanentCode string       `json:"permanent_code"`
	AuthCorpInfo  AuthCorpInfo `json:"auth_corp_info"`
	AuthUserInfo  *AuthUser    `json:"auth_user_info,omitempty"`
	AuthInfo      *AuthInfo    `json:"auth_info,omitempty"` // v1 only
	State         string       `json:"state"`
	// AccessToken and ExpiresIn are a first corp token (v1 only, not for 代开发 installs).
	AccessToken      string       `json:"access_token,omitempty"`
	ExpiresIn        int          `json:"expires_in,omitempty"`
	DealerCorpInfo   *DealerCorp  `json:"dealer_corp_info,omitempty"`
	EditionInfo      *EditionInfo `json:"edition_info,omitempty"`
	RegisterCodeInfo *struct {
		RegisterCode string `json:"register_code"`
		TemplateID   string `json:"template_id"`
		State        string `json:"state"`
	} `json:"register_code_info,omitempty"`
}

// String names the corp, never the permanent code or token.
func (p PermanentCode) String() string { return "PermanentCode(" + p.AuthCorpInfo.CorpID + ")" }

// GoString is String, so %#v prints no secret either.
func (p PermanentCode) GoString() string { return p.String() }

// Format prints String whatever the verb, so no verb (%d, %x, …) reaches the code or token.
func (p PermanentCode) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue keeps the permanent code out of slog output.
func (p PermanentCode) LogValue() slog.Value { return slog.StringValue(p.String()) }

// GetPermanentCode exchanges an install's auth_code for the corp's permanent code.
// 获取企业永久授权码
//
// The auth_code comes from the install redirect or the create_auth callback (single use, 10
// minutes; 40078 when invalid or used). The answer also holds the corp info, the authorised
// apps and a first corp token.
//
// https://developer.work.weixin.qq.com/document/path/90603
//
//wecom:api POST /cgi-bin/service/get_permanent_code
func (s *SuiteService) GetPermanentCode(ctx context.Context, authCode string) (*PermanentCode, error) {
	return s.permanentCode(ctx, "/cgi-bin/service/get_permanent_code", authCode)
}

// GetPermanentCodeV2 is the faster auth_code exchange WeCom recommends.
// 获取企业永久授权码（新）
//
// It returns the permanent code, corp ID and name, installing admin and state only; read the
// rest with [SuiteService.GetAuthInfo] and get a corp token with client.AuthCorp.
//
// https://developer.work.weixin.qq.com/document/path/100776
//
//wecom:api POST /cgi-bin/service/v2/get_permanent_code
func (s *SuiteService) GetPermanentCodeV2(ctx context.Context, authCode string) (*PermanentCode, error) {
	return s.permanentCode(ctx, "/cgi-bin/service/v2/get_permanent_code", authCode)
}

func (s *SuiteService) permanentCode(ctx context.Context, path, authCode string) (*PermanentCode, error) {
	if err := check.Required("auth_code", authCode); err != nil {
		return nil, err
	}
	in := struct {
		AuthCode string `json:"auth_code"`
	}{authCode}
	var out PermanentCode
	if err := s.c.Do(ctx, http.MethodPost, path, nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CorpAuthInfo is a corp's authorisation as get_auth_info reports it.
type CorpAuthInfo struct {
	AuthCorpInfo   AuthCorpInfo `json:"auth_corp_info"`
	AuthInfo       AuthInfo     `json:"auth_info"`
	DealerCorpInfo *DealerCorp  `json:"dealer_corp_info,omitempty"`
	EditionInfo    *EditionInfo `json:"edition_info,omitempty"`
}

// DealerCorp is the reseller (代理服务商) an app was sold through.
type DealerCorp struct {
	CorpID   string `json:"corpid"`
	CorpName string `json:"corp_name"`
}

// EditionInfo is the paid editions of a corp's authorised apps (付费版本信息).
type EditionInfo struct {
	Agents []Edition `json:"agent"`
}

// Edition is one app's paid edition and licence state.
type Edition struct {
	AgentID     int    `json:"agentid"`
	EditionID   string `json:"edition_id"`
	EditionName string `json:"edition_name"`
	// AppStatus: 0 not paid, 1 trial, 2 trial expired, 3 paid, 4 paid but expired, 5 unlimited
	// trial, 6 over the seat count for less than 7 days, 7 for 7 days or more.
	AppStatus             int   `json:"app_status"`
	UserLimit             int   `json:"user_limit"`
	ExpiredTime           int64 `json:"expired_time"`
	IsVirtualVersion      bool  `json:"is_virtual_version"`
	IsSharedFromOtherCorp bool  `json:"is_shared_from_other_corp"`
}

// GetAuthInfo reads a corp's current authorisation (visible range, permissions).
// 获取企业授权信息
//
// Call it for example after a change_auth callback. Errcodes 40084 (wrong
// permanent code) and 48004 (authorisation cancelled).
//
// https://developer.work.weixin.qq.com/document/path/90604
//
//wecom:api POST /cgi-bin/service/get_auth_info
func (s *SuiteService) GetAuthInfo(ctx context.Context, corpID, permanentCode string) (*CorpAuthInfo, error) {
	return s.authInfo(ctx, "/cgi-bin/service/get_auth_info", corpID, permanentCode)
}

// GetAuthInfoV2 is the faster authorisation read WeCom recommends (no corp_wxqrcode).
// 获取企业授权信息（新）
//
// Same errcodes as [SuiteService.GetAuthInfo].
//
// https://developer.work.weixin.qq.com/document/path/100779
//
//wecom:api POST /cgi-bin/service/v2/get_auth_info
func (s *SuiteService) GetAuthInfoV2(ctx context.Context, corpID, permanentCode string) (*CorpAuthInfo, error) {
	return s.authInfo(ctx, "/cgi-bin/service/v2/get_auth_info", corpID, permanentCode)
}

func (s *SuiteService) authInfo(ctx context.Context, path, corpID, permanentCode string) (*CorpAuthInfo, error) {
	in := struct {
		CorpID        string `json:"auth_corpid"`
		PermanentCode string `json:"permanent_code"`
	}{corpID, permanentCode}
	var out CorpAuthInfo
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetSuiteAdminList is the legacy admin list read with the suite token.
// 获取应用的管理员列表（旧）
//
// It lists the admins of the suite's app (agentID) in corpID; WeCom no longer maintains it.
// [Service.GetAdminList] on the authorised corp's client is the current call.
//
// https://developer.work.weixin.qq.com/document/path/90606
//
//wecom:api POST /cgi-bin/service/get_admin_list
func (s *SuiteService) GetSuiteAdminList(ctx context.Context, corpID string, agentID int) ([]Admin, error) {
	in := struct {
		CorpID  string `json:"auth_corpid"`
		AgentID int    `json:"agentid"`
	}{corpID, agentID}
	var out struct {
		Admin []Admin `json:"admin"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/get_admin_list", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return out.Admin, nil
}

// InstallParams builds an install link (授权链接) started from the ISV's website.
type InstallParams struct {
	SuiteID     string
	PreAuthCode string // from GetPreAuthCode
	// RedirectURI receives auth_code, expires_in and state; give it plain (not URL-encoded).
	RedirectURI string
	// State is echoed back; leave it empty to have a fresh one generated and remembered for
	// [SuiteService.CheckState].
	State string
}

// InstallURL builds the browser URL that installs the suite's app in a corp.
// 从服务商网站发起授权
//
// After the admin confirms, the browser goes to RedirectURI?auth_code=…&expires_in=600&state=…;
// check the state with [SuiteService.CheckState] and exchange the auth_code with
// [SuiteService.GetPermanentCode].
//
// https://developer.work.weixin.qq.com/document/path/90597
func (s *SuiteService) InstallURL(ctx context.Context, p InstallParams) (*BrowserURL, error) {
	if err := check.RequiredAll("suite_id", p.SuiteID, "pre_auth_code", p.PreAuthCode); err != nil {
		return nil, err
	}
	q := []kv{{"suite_id", p.SuiteID}, {"pre_auth_code", p.PreAuthCode}, {"redirect_uri", ""}, {"state", ""}}
	return browserURL(ctx, s.c.Store(), installURL, p.RedirectURI, p.State, q, "")
}

// HandleSuiteTickets registers on h, the handler of a suite's instruction callback URL
// (指令回调), a function that saves every pushed suite_ticket into st with
// client.StoreSuiteTicketAt, where the client.Suite clients sharing st read it; a late
// redelivery of an older ticket never replaces a newer one. A failed save answers an error,
// so WeCom delivers the ticket again.
// 接收 suite_ticket 推送
func HandleSuiteTickets(h *webhook.Handler, st store.Store) {
	webhook.On(h, func(ctx context.Context, ev *webhook.SuiteTicket) (webhook.Reply, error) {
		return nil, client.StoreSuiteTicketAt(ctx, st, ev.SuiteID, ev.Ticket, time.Unix(ev.TimeStamp, 0))
	})
}
