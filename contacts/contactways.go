package contacts

import (
	"context"
	"iter"
	"net/http"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
)

// ContactWayType says whether a contact way adds one member or one of several.
type ContactWayType int

// Contact way types.
const (
	ContactWaySingle ContactWayType = 1 // 单人
	ContactWayMulti  ContactWayType = 2 // 多人
)

// ContactWayScene is where a contact way is shown.
type ContactWayScene int

// Contact way scenes.
const (
	SceneMiniprogram ContactWayScene = 1 // 在小程序中联系
	SceneQRCode      ContactWayScene = 2 // 通过二维码联系
)

// Conclusions are the closing messages of a temporary-session way.
type Conclusions struct {
	Text        *Text                  `json:"text,omitempty"`
	Image       *ImageAttachment       `json:"image,omitempty"` // answers carry pic_url
	Link        *LinkAttachment        `json:"link,omitempty"`
	Miniprogram *MiniprogramAttachment `json:"miniprogram,omitempty"`
}

// ContactWayParams is the body of add_contact_way. Type 1 takes exactly one User; type 2 takes
// Users and/or Parties. SkipVerify and MarkSource default to true on WeCom's side, so nil
// leaves them at the default.
type ContactWayParams struct {
	Type          ContactWayType  `json:"type"`
	Scene         ContactWayScene `json:"scene"`
	Style         int             `json:"style,omitempty"`
	Remark        string          `json:"remark,omitempty"`
	SkipVerify    *bool           `json:"skip_verify,omitempty"`
	State         string          `json:"state,omitempty"`
	Users         []string        `json:"user,omitempty"`
	Parties       []int           `json:"party,omitempty"`
	IsTemp        bool            `json:"is_temp,omitempty"`
	ExpiresIn     int             `json:"expires_in,omitempty"`
	ChatExpiresIn int             `json:"chat_expires_in,omitempty"`
	UnionID       string          `json:"unionid,omitempty"`
	IsExclusive   bool            `json:"is_exclusive,omitempty"`
	MarkSource    *bool           `json:"mark_source,omitempty"`
	Conclusions   *Conclusions    `json:"conclusions,omitempty"`
}

const maxTempExpiry = 14 * 24 * 3600

func checkWayText(remark, state string, style int) error {
	switch {
	case utf8.RuneCountInString(remark) > 30:
		return check.Invalid("remark", "%d characters, at most 30", utf8.RuneCountInString(remark))
	case utf8.RuneCountInString(state) > 30:
		return check.Invalid("state", "%d characters, at most 30", utf8.RuneCountInString(state))
	case style < 0 || style > 3:
		return check.Invalid("style", "%d, want 1–3", style)
	}
	return nil
}

func (p *ContactWayParams) validate() error {
	switch {
	case p.Type != ContactWaySingle && p.Type != ContactWayMulti:
		return check.Invalid("type", "%d, want 1 (single) or 2 (multi)", p.Type)
	case p.Scene != SceneMiniprogram && p.Scene != SceneQRCode:
		return check.Invalid("scene", "%d, want 1 (mini program) or 2 (QR code)", p.Scene)
	case p.Type == ContactWaySingle && (len(p.Users) != 1 || len(p.Parties) > 0):
		return check.Invalid("user", "a single-member way takes exactly one user and no party")
	case p.Type == ContactWayMulti && len(p.Users)+len(p.Parties) == 0:
		return check.Invalid("user", "a multi-member way needs users or parties")
	case p.IsTemp && p.Type != ContactWaySingle:
		return check.Invalid("is_temp", "temporary sessions are for single-member ways only")
	case p.ExpiresIn < 0 || p.ExpiresIn > maxTempExpiry:
		return check.Invalid("expires_in", "%d s, at most 14 days", p.ExpiresIn)
	case p.ChatExpiresIn < 0 || p.ChatExpiresIn > maxTempExpiry:
		return check.Invalid("chat_expires_in", "%d s, at most 14 days", p.ChatExpiresIn)
	}
	if p.Conclusions != nil && p.Conclusions.Text != nil && len(p.Conclusions.Text.Content) > 4000 {
		return check.Invalid("conclusions.text.content", "%d bytes, at most 4000", len(p.Conclusions.Text.Content))
	}
	return checkWayText(p.Remark, p.State, p.Style)
}

// AddContactWayResult is a new contact way: persist ConfigID (ways made by API are not shown
// in the admin console). QRCode is the QR image URL for scene 2.
type AddContactWayResult struct {
	ConfigID string `json:"config_id"`
	QRCode   string `json:"qr_code"`
}

// AddContactWay creates a "contact me" way (QR code or mini-program button).
// 配置客户联系「联系我」方式
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92228
//
//wecom:api POST /cgi-bin/externalcontact/add_contact_way
func (s *Service) AddContactWay(ctx context.Context, p ContactWayParams) (*AddContactWayResult, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var out AddContactWayResult
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/add_contact_way", nil, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ContactWay is a configured "contact me" way.
type ContactWay struct {
	ConfigID      string          `json:"config_id"`
	Type          ContactWayType  `json:"type"`
	Scene         ContactWayScene `json:"scene"`
	Style         int             `json:"style"`
	Remark        string          `json:"remark"`
	SkipVerify    bool            `json:"skip_verify"`
	State         string          `json:"state"`
	QRCode        string          `json:"qr_code"`
	Users         []string        `json:"user"`
	Parties       []int           `json:"party"`
	IsTemp        bool            `json:"is_temp"`
	ExpiresIn     int             `json:"expires_in"`
	ChatExpiresIn int             `json:"chat_expires_in"`
	UnionID       string          `json:"unionid"`
	IsExclusive   bool            `json:"is_exclusive"`
	MarkSource    bool            `json:"mark_source"`
	Conclusions   *Conclusions    `json:"conclusions"`
}

type configBody struct {
	ConfigID string `json:"config_id"`
}

// GetContactWay reads a contact way.
// 获取企业已配置的「联系我」方式
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92228
//
//wecom:api POST /cgi-bin/externalcontact/get_contact_way
func (s *Service) GetContactWay(ctx context.Context, configID string) (*ContactWay, error) {
	if err := check.Required("config_id", configID); err != nil {
		return nil, err
	}
	var out struct {
		Way ContactWay `json:"contact_way"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_contact_way", nil, client.Idempotent(configBody{configID}), &out); err != nil {
		return nil, err
	}
	return &out.Way, nil
}

// ListContactWaysParams pages the contact ways created in [StartTime, EndTime] (Unix seconds;
// zero means WeCom's defaults: 90 days ago, now). Limit is at most 1000 (0 sends 100).
type ListContactWaysParams struct {
	StartTime int64  `json:"start_time,omitempty"`
	EndTime   int64  `json:"end_time,omitempty"`
	Cursor    string `json:"cursor,omitempty"`
	Limit     int    `json:"limit"`
}

// ContactWayPage is one page of contact way ids.
type ContactWayPage struct {
	ConfigIDs  []string
	NextCursor string
}

// ListContactWaysPage reads one page of contact way ids (temporary ways and ways created
// before 2021-07-10 are not listed).
// 获取企业已配置的「联系我」列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92228
//
//wecom:api POST /cgi-bin/externalcontact/list_contact_way
func (s *Service) ListContactWaysPage(ctx context.Context, p ListContactWaysParams) (*ContactWayPage, error) {
	if p.Limit == 0 {
		p.Limit = 100
	}
	switch {
	case p.Limit < 1 || p.Limit > 1000:
		return nil, check.Invalid("limit", "%d, want 1–1000", p.Limit)
	case p.EndTime != 0 && p.StartTime > p.EndTime:
		return nil, check.Invalid("start_time", "after end_time")
	}
	var out struct {
		Ways       []configBody `json:"contact_way"`
		NextCursor string       `json:"next_cursor"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/list_contact_way", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	pg := &ContactWayPage{ConfigIDs: make([]string, len(out.Ways)), NextCursor: out.NextCursor}
	for i, w := range out.Ways {
		pg.ConfigIDs[i] = w.ConfigID
	}
	return pg, nil
}

// ListContactWays walks the config ids of every contact way matching p.
func (s *Service) ListContactWays(ctx context.Context, p ListContactWaysParams) iter.Seq2[string, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]string, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListContactWaysPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.ConfigIDs, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// UpdateContactWayParams changes a contact way: ConfigID plus the fields to change. Lists
// replace the stored lists; type, scene and is_temp cannot change.
type UpdateContactWayParams struct {
	ConfigID      string       `json:"config_id"`
	Remark        string       `json:"remark,omitempty"`
	SkipVerify    *bool        `json:"skip_verify,omitempty"`
	Style         int          `json:"style,omitempty"`
	State         string       `json:"state,omitempty"`
	Users         []string     `json:"user,omitempty"`
	Parties       []int        `json:"party,omitempty"`
	ExpiresIn     int          `json:"expires_in,omitempty"`
	ChatExpiresIn int          `json:"chat_expires_in,omitempty"`
	UnionID       string       `json:"unionid,omitempty"`
	MarkSource    *bool        `json:"mark_source,omitempty"`
	Conclusions   *Conclusions `json:"conclusions,omitempty"`
}

// UpdateContactWay changes a contact way.
// 更新企业已配置的「联系我」方式
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92228
//
//wecom:api POST /cgi-bin/externalcontact/update_contact_way
func (s *Service) UpdateContactWay(ctx context.Context, p UpdateContactWayParams) error {
	if err := check.Required("config_id", p.ConfigID); err != nil {
		return err
	}
	if err := checkWayText(p.Remark, p.State, p.Style); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/update_contact_way", nil, p, nil)
}

// DeleteContactWay deletes a contact way.
// 删除企业已配置的「联系我」方式
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92228
//
//wecom:api POST /cgi-bin/externalcontact/del_contact_way
func (s *Service) DeleteContactWay(ctx context.Context, configID string) error {
	if err := check.Required("config_id", configID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/del_contact_way", nil, configBody{configID}, nil)
}

// CloseTempChat ends a temporary session and sends the way's closing messages.
// 结束临时会话
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92228
//
//wecom:api POST /cgi-bin/externalcontact/close_temp_chat
func (s *Service) CloseTempChat(ctx context.Context, userID, externalUserID string) error {
	if err := check.RequiredAll("userid", userID, "external_userid", externalUserID); err != nil {
		return err
	}
	in := struct {
		UserID         string `json:"userid"`
		ExternalUserID string `json:"external_userid"`
	}{userID, externalUserID}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/close_temp_chat", nil, in, nil)
}
