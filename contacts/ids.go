package contacts

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// EmailType says which mailbox user/get_userid_by_email searches.
type EmailType int

// Mailbox kinds.
const (
	EmailCorporate EmailType = 1 // 企业邮箱 (WeCom's default)
	EmailPersonal  EmailType = 2 // 个人邮箱
)

// ConvertToOpenID turns a member's userid into the openid used by WeChat Pay flows. The member
// must be activated and bound to WeChat (43004 otherwise).
// userid转openid
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90202
//
//wecom:api POST /cgi-bin/user/convert_to_openid
func (s *Service) ConvertToOpenID(ctx context.Context, userID string) (string, error) {
	if err := check.Required("userid", userID); err != nil {
		return "", err
	}
	var out struct {
		OpenID string `json:"openid"`
	}
	in := struct {
		UserID string `json:"userid"`
	}{userID}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/user/convert_to_openid", nil, client.Idempotent(in), &out); err != nil {
		return "", err
	}
	return out.OpenID, nil
}

// ConvertToUserID turns a WeChat Pay openid back into a member's userid.
// openid转userid
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90202
//
//wecom:api POST /cgi-bin/user/convert_to_userid
func (s *Service) ConvertToUserID(ctx context.Context, openID string) (string, error) {
	if err := check.Required("openid", openID); err != nil {
		return "", err
	}
	in := struct {
		OpenID string `json:"openid"`
	}{openID}
	return s.userIDCall(ctx, "/cgi-bin/user/convert_to_userid", in)
}

// GetUserIDByMobile finds a member by the mobile number stored in the address book.
// 手机号获取userid
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95402
//
//wecom:api POST /cgi-bin/user/getuserid
func (s *Service) GetUserIDByMobile(ctx context.Context, mobile string) (string, error) {
	if len(mobile) < 5 || len(mobile) > 32 {
		return "", check.Invalid("mobile", "%d bytes, want 5–32", len(mobile))
	}
	in := struct {
		Mobile string `json:"mobile"`
	}{mobile}
	return s.userIDCall(ctx, "/cgi-bin/user/getuserid", in)
}

// GetUserIDByEmail finds a member by e-mail; typ 0 searches the corporate mailbox.
// 邮箱获取userid
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95895
//
//wecom:api POST /cgi-bin/user/get_userid_by_email
func (s *Service) GetUserIDByEmail(ctx context.Context, email string, typ EmailType) (string, error) {
	if err := check.Required("email", email); err != nil {
		return "", err
	}
	in := struct {
		Email string    `json:"email"`
		Type  EmailType `json:"email_type,omitempty"`
	}{email, typ}
	return s.userIDCall(ctx, "/cgi-bin/user/get_userid_by_email", in)
}

func (s *Service) userIDCall(ctx context.Context, path string, in any) (string, error) {
	var out struct {
		UserID string `json:"userid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(in), &out); err != nil {
		return "", err
	}
	return out.UserID, nil
}
