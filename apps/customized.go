package apps

// Customized apps (代开发应用): a provider builds an internal app for a corp from a template
// (代开发应用模板). The corp authorises templates by scanning a QR code; a link with a state
// value tells the provider which of its customers scanned.

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// Limits of get_customized_auth_url.
const (
	maxCustomizedState     = 32
	maxCustomizedTemplates = 9
)

// CustomizedAuthURLParams asks for an authorisation link of 代开发 templates.
type CustomizedAuthURLParams struct {
	// State comes back from get_permanent_code when a corp authorises through the link:
	// letters and digits, at most 32 bytes. Required.
	State string `json:"state"`
	// TemplateIDs are the 代开发 template IDs (1 to 9) the link authorises.
	TemplateIDs []string `json:"templateid_list"`
}

func (p CustomizedAuthURLParams) check() error {
	if err := check.Required("state", p.State); err != nil {
		return err
	}
	if err := checkAlnumState("state", p.State, maxCustomizedState); err != nil {
		return err
	}
	switch n := len(p.TemplateIDs); {
	case n == 0:
		return check.Invalid("templateid_list", "required: at least one template ID")
	case n > maxCustomizedTemplates:
		return check.Invalid("templateid_list", "%d templates, at most %d", n, maxCustomizedTemplates)
	}
	for i, id := range p.TemplateIDs {
		if id == "" {
			return check.Invalid("templateid_list", "template ID %d is empty", i)
		}
	}
	return nil
}

// CustomizedAuthURL is an authorisation link of 代开发 templates: render QRCodeURL as a QR code
// yourself. It is valid ExpiresIn seconds (ten days).
type CustomizedAuthURL struct {
	QRCodeURL string `json:"qrcode_url"`
	ExpiresIn int    `json:"expires_in"`
}

// GetCustomizedAuthURL makes an authorisation link (带参授权链接) for 代开发 templates that
// carries a state value, for a temporary QR code. Call it with the provider's client.
// 获取带参授权链接
//
// https://developer.work.weixin.qq.com/document/path/98744
//
//wecom:api POST /cgi-bin/service/get_customized_auth_url
func (s *ProviderService) GetCustomizedAuthURL(ctx context.Context, p CustomizedAuthURLParams) (*CustomizedAuthURL, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	out := new(CustomizedAuthURL)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/get_customized_auth_url", nil, p, out); err != nil {
		return nil, err
	}
	return out, nil
}

// AppPermission is a permission a corp granted a 代开发 or third-party app, in WeCom's
// "area:group:item" spelling (应用权限). The constants name common ones; the page lists all.
type AppPermission string

// Common app permissions.
const (
	PermContactBase             AppPermission = "contact:base:base"                         // address book, read basic info (third-party)
	PermContactSingleUser       AppPermission = "contact:base:single_user"                  // address book, read one member (third-party)
	PermContactEditAll          AppPermission = "contact:edit:all"                          // address book, read and write all (third-party)
	PermContactSensitiveAvatar  AppPermission = "contact:sensitive:avatar"                  // members' avatars
	PermContactSensitiveQRCode  AppPermission = "contact:sensitive:qrcode"                  // members' QR codes
	PermContactSensitiveGender  AppPermission = "contact:sensitive:gender"                  // members' genders
	PermContactSensitiveMobile  AppPermission = "contact:sensitive:mobile"                  // members' mobiles (代开发)
	PermContactSensitiveEmail   AppPermission = "contact:sensitive:email"                   // members' emails (代开发)
	PermCorpArch                AppPermission = "corp_arch:base:base"                       // the department structure
	PermCorpArchDirectLeader    AppPermission = "corp_arch:member:direct_leader"            // members' direct leaders
	PermExternalContactBase     AppPermission = "externalcontact:base:base"                 // customers and groups: lists, names, remarks, tags
	PermExternalContactTag      AppPermission = "externalcontact:contact:tag"               // manage customer tags
	PermExternalContactGroupMsg AppPermission = "externalcontact:contact:group_msg"         // mass messages to customers and groups
	PermExternalContactQRCode   AppPermission = "externalcontact:contact:qrcode"            // "contact me" QR codes
	PermCustomerAcquisition     AppPermission = "externalcontact:customer_acquisition:base" // customer acquisition links
	PermKfBase                  AppPermission = "customerservice:base:base"                 // WeChat Customer Service, basic info
	PermKfManage                AppPermission = "customerservice:chat:manage"               // kf accounts, servicers, sessions and messages
	PermCalendar                AppPermission = "calendar:base:base"                        // calendars
	PermMeeting                 AppPermission = "meeting:base:base"                         // meetings
	PermDoc                     AppPermission = "doc:base:base"                             // documents
	PermApproval                AppPermission = "approval:base:base"                        // approvals
	PermCheckin                 AppPermission = "checkin:app:base"                          // check-in data
)

// GetPermissions lists the permissions the corp granted the calling 代开发 or third-party app.
// Call it with the app's corp client.
// 获取应用权限详情
//
// https://developer.work.weixin.qq.com/document/path/99052
//
//wecom:api POST /cgi-bin/agent/get_permissions
func (s *Service) GetPermissions(ctx context.Context) ([]AppPermission, error) {
	var out struct {
		Permissions []AppPermission `json:"app_permissions"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/get_permissions", nil, client.Idempotent(struct{}{}), &out); err != nil {
		return nil, err
	}
	return out.Permissions, nil
}
