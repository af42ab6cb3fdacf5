package apps

// Register codes (推广二维码 / 注册定制化): a provider's registration template (推广包) lets a
// visitor register a new WeCom corp with the provider's apps preinstalled. The provider gets a
// register code for a link, asks for the registration's result, and, when the template opens
// the address book for migration (通讯录迁移), fills it with the contact-sync token before
// unlocking it.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// Limits of the register-code calls.
const (
	maxTemplateIDBytes   = 128
	maxRegisterState     = 128
	maxRegisterCodeBytes = 512
)

// registerLink is the page a register code opens (注册按钮链接).
const registerLink = "https://open.work.weixin.qq.com/3rdservice/wework/register"

// isAlnum reports whether s is only ASCII letters and digits, as the state parameters require.
func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// checkAlnumState validates a state value: letters and digits, at most limit bytes.
func checkAlnumState(field, state string, limit int) error {
	switch {
	case len(state) > limit:
		return &client.ValidationError{Field: field, Reason: fmt.Sprintf("%d bytes, limit %d", len(state), limit), TooLong: true}
	case !isAlnum(state):
		return check.Invalid(field, "only letters and digits (a-zA-Z0-9)")
	}
	return nil
}

// RegisterCodeParams asks for a register code of a registration template. The corp and admin
// fields prefill the registration form.
type RegisterCodeParams struct {
	// TemplateID is the registration template (推广包ID, at most 128 bytes; provider admin
	// console: 应用管理 → 推广二维码). Required.
	TemplateID  string `json:"template_id"`
	CorpName    string `json:"corp_name,omitempty"`
	AdminName   string `json:"admin_name,omitempty"`
	AdminMobile string `json:"admin_mobile,omitempty"`
	// State comes back in the registration's result and callback: letters and digits, at most
	// 128 bytes.
	State string `json:"state,omitempty"`
	// FollowUser is a member of the provider's corp marked as the follow-up person of the new
	// corp's record in the provider console.
	FollowUser string `json:"follow_user,omitempty"`
}

func (p RegisterCodeParams) check() error {
	if err := check.Required("template_id", p.TemplateID); err != nil {
		return err
	}
	if n := len(p.TemplateID); n > maxTemplateIDBytes {
		return &client.ValidationError{Field: "template_id", Reason: fmt.Sprintf("%d bytes, limit %d", n, maxTemplateIDBytes), TooLong: true}
	}
	return checkAlnumState("state", p.State, maxRegisterState)
}

// RegisterCode is a register code (注册码): single use, consumed when the visitor opens its
// link within ExpiresIn seconds; its registration can be read for 24 hours.
type RegisterCode struct {
	Code      string `json:"register_code"`
	ExpiresIn int    `json:"expires_in"` // seconds to open the link (600)
}

// URL is the register link (注册链接) to put behind a button on the provider's site.
func (c RegisterCode) URL() string {
	return registerLink + "?" + url.Values{"register_code": {c.Code}}.Encode()
}

// GetRegisterCode obtains a register code for a registration template. Call it with the
// provider's client.
// 获取注册码
//
// Errcodes: 84019 missing template_id, 84020 unknown template, 84025 bad state.
//
// https://developer.work.weixin.qq.com/document/path/90581
//
//wecom:api POST /cgi-bin/service/get_register_code
func (s *ProviderService) GetRegisterCode(ctx context.Context, p RegisterCodeParams) (*RegisterCode, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	out := new(RegisterCode)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/get_register_code", nil, p, out); err != nil {
		return nil, err
	}
	return out, nil
}

// ContactSync is the contact-sync token (通讯录迁移凭证) of a new corp: a corp access_token
// with read-write rights on the whole address book, valid ExpiresIn seconds (1800) or until
// [Service.ContactSyncSuccess]. It is secret: String, Format and LogValue never show it.
type ContactSync struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// String names the kind, never the token.
func (c ContactSync) String() string { return "ContactSync(token redacted)" }

// GoString is String, so %#v prints no token either.
func (c ContactSync) GoString() string { return c.String() }

// Format prints String whatever the verb.
func (c ContactSync) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue keeps the token out of slog output.
func (c ContactSync) LogValue() slog.Value { return slog.StringValue(c.String()) }

// Client returns a corp client that sends the contact-sync token, for [Service.SetScope],
// [Service.ContactSyncSuccess] and the contacts package's address-book calls. opts are the
// usual client options (WithBaseURL, WithHTTPClient, …). The token is never refreshed: once it
// expires or the sync is marked done, calls answer an invalid-token errcode.
func (c ContactSync) Client(opts ...client.Option) (*client.Client, error) {
	if c.AccessToken == "" {
		return nil, errors.New("wecom: ContactSync.Client: no contact-sync token (the template has no address-book migration)")
	}
	return client.New(client.FromTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: c.AccessToken})), opts...)
}

// RegisterInfo is the result of a registration through a register code (注册信息).
type RegisterInfo struct {
	CorpID string `json:"corpid"` // the new corp
	// ContactSync is set when the template opens the address book for migration.
	ContactSync *ContactSync `json:"contact_sync,omitempty"`
	AuthUser    struct {
		UserID string `json:"userid"` // the admin who registered
	} `json:"auth_user_info"`
	State      string `json:"state"` // the register code's state, if it had one
	TemplateID string `json:"template_id"`
}

// String names the corp and template, never the contact-sync token.
func (r RegisterInfo) String() string {
	return "RegisterInfo(" + r.CorpID + ", template " + r.TemplateID + ")"
}

// GoString is String, so %#v prints no token either.
func (r RegisterInfo) GoString() string { return r.String() }

// Format prints String whatever the verb.
func (r RegisterInfo) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// LogValue keeps the contact-sync token out of slog output.
func (r RegisterInfo) LogValue() slog.Value { return slog.StringValue(r.String()) }

// GetRegisterInfo reads the result of a registration through a register code, for 24 hours
// after the code was made. Call it with the provider's client.
// 查询注册状态
//
// Errcodes: 84021 missing code, 84022 invalid code, 84024 no registration (not finished, older
// than 24 hours, or the corp existed before).
//
// https://developer.work.weixin.qq.com/document/path/90582
//
//wecom:api POST /cgi-bin/service/get_register_info
func (s *ProviderService) GetRegisterInfo(ctx context.Context, registerCode string) (*RegisterInfo, error) {
	if err := check.Required("register_code", registerCode); err != nil {
		return nil, err
	}
	if n := len(registerCode); n > maxRegisterCodeBytes {
		return nil, &client.ValidationError{Field: "register_code", Reason: fmt.Sprintf("%d bytes, limit %d", n, maxRegisterCodeBytes), TooLong: true}
	}
	in := struct {
		Code string `json:"register_code"`
	}{registerCode}
	out := new(RegisterInfo)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/get_register_info", nil, client.Idempotent(in), out); err != nil {
		return nil, err
	}
	return out, nil
}

// SetScopeParams sets the visible range of an app a registration installed. An empty list
// clears that part of the range.
type SetScopeParams struct {
	AgentID int      `json:"agentid"` // required
	Users   []string `json:"allow_user,omitempty"`
	Parties []int    `json:"allow_party,omitempty"`
	Tags    []int    `json:"allow_tag,omitempty"`
}

// SetScopeResult lists what set_scope did not accept.
type SetScopeResult struct {
	InvalidUsers   []string `json:"invaliduser"`
	InvalidParties []int    `json:"invalidparty"`
	InvalidTags    []int    `json:"invalidtag"`
}

// SetScope sets the visible range of an app a registration installed (the default is the root
// department). Call it with the contact-sync token's client ([ContactSync.Client]) after the
// install notice, before [Service.ContactSyncSuccess] and within the token's 30 minutes.
// 设置授权应用可见范围
//
// https://developer.work.weixin.qq.com/document/path/90583
//
//wecom:api POST /cgi-bin/agent/set_scope
func (s *Service) SetScope(ctx context.Context, p SetScopeParams) (*SetScopeResult, error) {
	if p.AgentID <= 0 {
		return nil, check.Invalid("agentid", "required: the installed app's agentid")
	}
	out := new(SetScopeResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/set_scope", nil, client.Idempotent(p), out); err != nil {
		return nil, err
	}
	return out, nil
}

// ContactSyncSuccess marks the address-book migration of a registered corp done: the address
// book unlocks and the contact-sync token stops working. Call it with the contact-sync token's
// client ([ContactSync.Client]); 84023 means the call is not allowed with that token.
// 设置通讯录同步完成
//
// https://developer.work.weixin.qq.com/document/path/90584
//
//wecom:api GET /cgi-bin/sync/contact_sync_success
func (s *Service) ContactSyncSuccess(ctx context.Context) error {
	return s.c.Do(ctx, http.MethodGet, "/cgi-bin/sync/contact_sync_success", nil, nil, nil)
}
