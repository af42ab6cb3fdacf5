package apps

import (
	"context"
	"net/http"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Agent is an app (应用) as agent/get describes it. The visible-range lists hold only what the
// caller may see.
type Agent struct {
	AgentID        int          `json:"agentid"`
	Name           string       `json:"name"`
	SquareLogoURL  string       `json:"square_logo_url"`
	Description    string       `json:"description"`
	AllowUsers     AllowUsers   `json:"allow_userinfos"`
	AllowParties   AllowParties `json:"allow_partys"`
	AllowTags      AllowTags    `json:"allow_tags"`
	Closed         wire.Flag    `json:"close"`
	RedirectDomain string       `json:"redirect_domain"`
	ReportLocation wire.Flag    `json:"report_location_flag"`
	ReportEnter    wire.Flag    `json:"isreportenter"`
	HomeURL        string       `json:"home_url"`
	// CustomizedPublishStatus is for 代开发 apps only (0 awaiting development … 3 live with an
	// unpublished version).
	CustomizedPublishStatus int `json:"customized_publish_status"`
}

// AllowUsers is the members in an app's visible range (可见范围).
type AllowUsers struct {
	Users []AllowUser `json:"user"`
}

// AllowUser is one member in an app's visible range.
type AllowUser struct {
	UserID string `json:"userid"`
}

// AllowParties is the departments in an app's visible range.
type AllowParties struct {
	PartyIDs []int `json:"partyid"`
}

// AllowTags is the tags in an app's visible range.
type AllowTags struct {
	TagIDs []int `json:"tagid"`
}

// AgentSummary is one app in agent/list.
type AgentSummary struct {
	AgentID       int    `json:"agentid"`
	Name          string `json:"name"`
	SquareLogoURL string `json:"square_logo_url"`
}

// GetAgent reads an app's settings and visible range.
// 获取指定的应用详情
//
// A corp token reads only its own app; a downstream corp's token reads the shared app's agent
// in that corp.
//
// https://developer.work.weixin.qq.com/document/path/90227
//
//wecom:api GET /cgi-bin/agent/get
func (s *Service) GetAgent(ctx context.Context, agentID int) (*Agent, error) {
	var out Agent
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/agent/get", agentQuery(agentID), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAgents lists the apps the token may access (for an app's own token, that app).
// 获取access_token对应的应用列表
//
// https://developer.work.weixin.qq.com/document/path/90227
//
//wecom:api GET /cgi-bin/agent/list
func (s *Service) ListAgents(ctx context.Context) ([]AgentSummary, error) {
	var out struct {
		AgentList []AgentSummary `json:"agentlist"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/agent/list", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.AgentList, nil
}

// SetAgentParams changes an app's settings; nil fields are left as they are.
type SetAgentParams struct {
	AgentID        int     `json:"agentid"`
	ReportLocation *bool   `json:"report_location_flag,omitempty"` // sent as 0/1
	LogoMediaID    string  `json:"logo_mediaid,omitempty"`
	Name           *string `json:"name,omitempty"`        // 1–32 characters
	Description    *string `json:"description,omitempty"` // 4–120 characters
	RedirectDomain *string `json:"redirect_domain,omitempty"`
	ReportEnter    *bool   `json:"isreportenter,omitempty"` // sent as 0/1
	HomeURL        *string `json:"home_url,omitempty"`      // http:// or https://
}

// SetAgent changes an app's settings.
// 设置应用
//
// Only a corp's own apps may call it, not third-party or 代开发 apps.
//
// https://developer.work.weixin.qq.com/document/path/90228
//
//wecom:api POST /cgi-bin/agent/set
func (s *Service) SetAgent(ctx context.Context, p SetAgentParams) error {
	if p.Name != nil && (*p.Name == "" || utf8.RuneCountInString(*p.Name) > 32) {
		return check.Invalid("name", "must be 1 to 32 characters")
	}
	if p.Description != nil && (utf8.RuneCountInString(*p.Description) < 4 || utf8.RuneCountInString(*p.Description) > 120) {
		return check.Invalid("description", "must be 4 to 120 characters")
	}
	// The flags shadow the params' own, so they go as the 0/1 WeCom documents.
	in := struct {
		SetAgentParams
		ReportLocation *wire.Flag `json:"report_location_flag,omitempty"`
		ReportEnter    *wire.Flag `json:"isreportenter,omitempty"`
	}{p, (*wire.Flag)(p.ReportLocation), (*wire.Flag)(p.ReportEnter)}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/set", nil, in, nil)
}

// Admin is an admin of an authorised app.
type Admin struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid"`
	AuthType   int    `json:"auth_type"` // 0 may send messages, 1 management permission
}

// GetAdminList lists the admins of the app a corp token belongs to.
// 获取应用的管理员列表
//
// Use the authorised corp's client from client.AuthCorp, or a 代开发 app's. External admins are
// not listed.
//
// https://developer.work.weixin.qq.com/document/path/100073
//
//wecom:api POST /cgi-bin/agent/get_admin_list
func (s *Service) GetAdminList(ctx context.Context) ([]Admin, error) {
	var out struct {
		Admin []Admin `json:"admin"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/get_admin_list", nil, client.Idempotent(struct{}{}), &out); err != nil {
		return nil, err
	}
	return out.Admin, nil
}
