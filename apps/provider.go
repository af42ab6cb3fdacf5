package apps

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// ProviderService calls the service-provider (服务商) APIs that take a provider_access_token.
type ProviderService struct{ c *client.Client }

// NewProvider returns the provider service on c, which must be a client.Provider client; any
// other kind returns an error matching client.ErrWrongKind, and nothing is sent.
func NewProvider(c *client.Client) (*ProviderService, error) {
	c, err := c.Require(client.KindProvider)
	if err != nil {
		return nil, err
	}
	return &ProviderService{c: c}, nil
}

// Format prints the service and its client's credential tag whatever the verb, never a secret.
func (s *ProviderService) Format(f fmt.State, _ rune) {
	io.WriteString(f, "apps.ProviderService("+s.c.String()+")")
}

// CorpIDToOpenCorpID converts a plaintext corp ID to the provider's encrypted corp ID.
// 明文corpid转换为加密corpid
//
// https://developer.work.weixin.qq.com/document/path/95604
//
//wecom:api POST /cgi-bin/service/corpid_to_opencorpid
func (s *ProviderService) CorpIDToOpenCorpID(ctx context.Context, corpID string) (string, error) {
	in := struct {
		CorpID string `json:"corpid"`
	}{corpID}
	var out struct {
		OpenCorpID string `json:"open_corpid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/corpid_to_opencorpid", nil, client.Idempotent(in), &out); err != nil {
		return "", err
	}
	return out.OpenCorpID, nil
}

// LoginInfo is who signed in to the provider's website with WeCom (服务商网站登录): the member,
// their corp, and for admins the apps and departments they manage.
type LoginInfo struct {
	UserType LoginUserType `json:"usertype"`
	User     LoginUser     `json:"user_info"`
	Corp     struct {
		CorpID string `json:"corpid"`
	} `json:"corp_info"`
	Agents   []LoginAgent `json:"agent"`
	AuthInfo struct {
		Departments []LoginDepartment `json:"department"`
	} `json:"auth_info"`
}

// LoginUserType is the role of a member signing in to the provider's website.
type LoginUserType int

// Login roles (登录用户类型).
const (
	LoginCreator       LoginUserType = 1 // 创建者
	LoginInternalAdmin LoginUserType = 2 // 内部系统管理员
	LoginExternalAdmin LoginUserType = 3 // 外部系统管理员
	LoginDelegateAdmin LoginUserType = 4 // 分级管理员
	LoginMember        LoginUserType = 5 // 成员
)

// LoginUser is the member who signed in.
type LoginUser struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid"`
	Name       string `json:"name"`
	Avatar     string `json:"avatar"`
}

// LoginAgent is an app an admin manages: AuthType 0 use, 1 manage.
type LoginAgent struct {
	AgentID  int `json:"agentid"`
	AuthType int `json:"auth_type"`
}

// LoginDepartment is a department in an admin's scope.
type LoginDepartment struct {
	ID       int  `json:"id"`
	Writable bool `json:"writable"`
}

// GetLoginInfo exchanges the auth_code of a provider-site login (3rd_qrConnect redirect or the
// admin console's single sign-on) for who signed in.
// 获取登录用户信息
//
// WeCom wants the provider token under the name access_token here; the client sends it so.
//
// https://developer.work.weixin.qq.com/document/path/91125
//
//wecom:api POST /cgi-bin/service/get_login_info
func (s *ProviderService) GetLoginInfo(ctx context.Context, authCode string) (*LoginInfo, error) {
	if err := check.Required("auth_code", authCode); err != nil {
		return nil, err
	}
	var out LoginInfo
	in := map[string]string{"auth_code": authCode}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/get_login_info", nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
