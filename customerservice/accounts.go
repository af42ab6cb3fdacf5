package customerservice

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
)

// AccountParams creates or changes a kf account.
type AccountParams struct {
	// OpenKfID is the account to change (UpdateAccount only).
	OpenKfID string `json:"open_kfid,omitempty"`
	// Name is shown to customers, at most 16 characters; required for AddAccount.
	Name string `json:"name,omitempty"`
	// MediaID is the avatar: a temporary media ID of an image; required for AddAccount.
	MediaID string `json:"media_id,omitempty"`
}

func checkName(name string) error {
	if utf8.RuneCountInString(name) > 16 {
		return check.Invalid("name", "at most 16 characters, have %d", utf8.RuneCountInString(name))
	}
	return nil
}

// AddAccount creates a kf account (添加客服账号), managed by the calling app, and returns its
// open_kfid. It is not retried after the request may have reached WeCom: a retry could create
// a second account.
// 添加客服账号
//
// https://developer.work.weixin.qq.com/document/path/94662
//
//wecom:api POST /cgi-bin/kf/account/add
func (s *Service) AddAccount(ctx context.Context, p AccountParams) (string, error) {
	if err := check.RequiredAll("name", p.Name, "media_id", p.MediaID); err != nil {
		return "", err
	}
	if err := checkName(p.Name); err != nil {
		return "", err
	}
	p.OpenKfID = ""
	var out struct {
		OpenKfID string `json:"open_kfid"`
	}
	err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/account/add", nil, p, &out)
	return out.OpenKfID, err
}

// DeleteAccount deletes a kf account (删除客服账号).
// 删除客服账号
//
// https://developer.work.weixin.qq.com/document/path/94663
//
//wecom:api POST /cgi-bin/kf/account/del
func (s *Service) DeleteAccount(ctx context.Context, openKfID string) error {
	if err := check.Required("open_kfid", openKfID); err != nil {
		return err
	}
	body := struct {
		OpenKfID string `json:"open_kfid"`
	}{openKfID}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/account/del", nil, body, nil)
}

// UpdateAccount renames a kf account or changes its avatar (修改客服账号); empty fields keep
// their value.
// 修改客服账号
//
// https://developer.work.weixin.qq.com/document/path/94664
//
//wecom:api POST /cgi-bin/kf/account/update
func (s *Service) UpdateAccount(ctx context.Context, p AccountParams) error {
	if err := check.Required("open_kfid", p.OpenKfID); err != nil {
		return err
	}
	if p.Name == "" && p.MediaID == "" {
		return check.Invalid("name", "nothing to change: give name or media_id")
	}
	if err := checkName(p.Name); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/account/update", nil, client.Idempotent(p), nil)
}

// Account is a kf account (客服账号).
type Account struct {
	OpenKfID string `json:"open_kfid"`
	Name     string `json:"name"`
	Avatar   string `json:"avatar"` // URL
	// ManagePrivilege reports whether the calling app may manage the account (edit, assign
	// sessions, send and receive).
	ManagePrivilege bool `json:"manage_privilege"`
}

// ListAccountsParams pages account/list.
type ListAccountsParams struct {
	Offset int `json:"offset"`
	// Limit is the page size, 1 to 100 (default 100).
	Limit int `json:"limit,omitempty"`
}

// ListAccountsPage returns one page of the corp's kf accounts (获取客服账号列表); a page shorter
// than the limit is the last.
// 获取客服账号列表
//
// https://developer.work.weixin.qq.com/document/path/94661
//
//wecom:api POST /cgi-bin/kf/account/list
func (s *Service) ListAccountsPage(ctx context.Context, p ListAccountsParams) ([]Account, error) {
	if p.Offset < 0 || p.Limit < 0 || p.Limit > 100 {
		return nil, check.Invalid("limit", "offset must be ≥ 0 and limit 1 to 100")
	}
	var out struct {
		List []Account `json:"account_list"`
	}
	err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/account/list", nil, client.Idempotent(p), &out)
	return out.List, err
}

// ListAccounts yields every kf account of the corp from p.Offset on, p.Limit accounts a call
// (default 100); a page shorter than the limit ends the walk.
func (s *Service) ListAccounts(ctx context.Context, p ListAccountsParams) iter.Seq2[Account, error] {
	if p.Limit == 0 {
		p.Limit = 100
	}
	return pager.Offset(ctx, p.Offset, p.Limit, func(ctx context.Context, offset, limit int) ([]Account, bool, error) {
		page, err := s.ListAccountsPage(ctx, ListAccountsParams{Offset: offset, Limit: limit})
		return page, len(page) == limit, err
	})
}

var sceneRe = regexp.MustCompile(`^[0-9a-zA-Z_-]{1,32}$`)

// ContactWayParams asks for an account's customer link.
type ContactWayParams struct {
	OpenKfID string `json:"open_kfid"`
	// Scene is your entry-point tag, ≤ 32 bytes of [0-9a-zA-Z_-]; it comes back in the
	// enter_session event.
	Scene string `json:"scene,omitempty"`
	// SceneParam, with a Scene, is appended URL-encoded to the link as scene_param (≤ 128
	// bytes) and comes back in enter_session: an order number, a campaign, a source page.
	SceneParam string `json:"-"`
}

// ContactWay returns the URL that opens a chat with the account (获取客服账号链接), for an H5
// page, a QR code or a mini program; ContactWayParams.SceneParam appends scene_param.
// 获取客服账号链接
//
// https://developer.work.weixin.qq.com/document/path/94665
//
//wecom:api POST /cgi-bin/kf/add_contact_way
func (s *Service) ContactWay(ctx context.Context, p ContactWayParams) (string, error) {
	if err := check.Required("open_kfid", p.OpenKfID); err != nil {
		return "", err
	}
	if p.Scene != "" && !sceneRe.MatchString(p.Scene) {
		return "", check.Invalid("scene", "want ≤ 32 bytes of [0-9a-zA-Z_-], have %q", p.Scene)
	}
	if p.SceneParam != "" && (p.Scene == "" || len(url.QueryEscape(p.SceneParam)) > 128) {
		return "", check.Invalid("scene_param", "needs a scene and ≤ 128 bytes once URL-encoded")
	}
	var out struct {
		URL string `json:"url"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/add_contact_way", nil, client.Idempotent(p), &out); err != nil {
		return "", err
	}
	if p.SceneParam != "" {
		sep := "&"
		if !strings.Contains(out.URL, "?") {
			sep = "?"
		}
		out.URL += sep + "scene_param=" + url.QueryEscape(p.SceneParam)
	}
	return out.URL, nil
}
