package contacts

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wecom-connector/wecom/internal/check"
)

// TFAInfo is the member a two-factor verification (二次验证) is about and the one-time code
// that lets them through.
type TFAInfo struct {
	UserID string `json:"userid"`
	// TFACode (二次验证授权码) is for [Service.PassTFA]: valid 5 minutes, once.
	TFACode string `json:"tfa_code"`
}

// GetTFAInfo trades the code WeCom appended to the corp's verification page URL (code=CODE;
// valid 5 minutes, once) for the member and a tfa_code. Only the contacts-sync secret or an
// internal app may call it; with an app, the member must be in the app's visible range and the
// page must be the app's OAuth link. WeCom allows 20 concurrent calls.
// 获取用户二次验证信息
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/99499
//
//wecom:api POST /cgi-bin/auth/get_tfa_info
func (s *Service) GetTFAInfo(ctx context.Context, code string) (*TFAInfo, error) {
	if err := check.Required("code", code); err != nil {
		return nil, err
	}
	var out TFAInfo
	body := struct {
		Code string `json:"code"`
	}{code}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/auth/get_tfa_info", nil, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PassTFA lets a member through the usage verification (使用二次验证) after the corp checked
// them: the tfa_code comes from [Service.GetTFAInfo]. WeCom answers 40207 for a wrong, used or
// expired tfa_code. Same callers and concurrency limit as GetTFAInfo.
// 通过二次验证
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/99500
//
//wecom:api POST /cgi-bin/user/tfa_succ
func (s *Service) PassTFA(ctx context.Context, userID, tfaCode string) error {
	if err := check.RequiredAll("userid", userID, "tfa_code", tfaCode); err != nil {
		return err
	}
	body := struct {
		UserID  string `json:"userid"`
		TFACode string `json:"tfa_code"`
	}{userID, tfaCode}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/user/tfa_succ", nil, body, nil)
}

// PassLoginTFA confirms a member's login verification (登录二次验证) once the corp verified them
// (the member's userid comes from auth/getuserinfo with the page's code): a member joining for
// the first time then joins the corp.
// 登录二次验证
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90203
//
//wecom:api GET /cgi-bin/user/authsucc
func (s *Service) PassLoginTFA(ctx context.Context, userID string) error {
	if err := checkUserID("userid", userID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodGet, "/cgi-bin/user/authsucc", url.Values{"userid": {userID}}, nil, nil)
}
