package contacts

import (
	"context"
	"iter"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
)

// ServedContactsParams pages the external contacts the corp has served. Limit 0 sends nothing
// (WeCom's default, 1000). A cursor is valid for 4 hours: walk the list in one go, never store
// it.
type ServedContactsParams struct {
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// ServedContact is one external contact the corp has served (已服务的外部联系人), once per member
// who added them and once per group they are in. TmpOpenID identifies the person within one
// walk of the list (a walk from an empty cursor gets new ids): use it to count people. A
// customer (IsCustomer) has ExternalUserID; anyone else a masked Name. FollowUserID is the
// member who added them, or the group's owner; ChatID is set for customer groups, ChatName for
// other groups.
type ServedContact struct {
	IsCustomer     bool   `json:"is_customer"`
	TmpOpenID      string `json:"tmp_openid"`
	ExternalUserID string `json:"external_userid,omitempty"`
	Name           string `json:"name,omitempty"`
	FollowUserID   string `json:"follow_userid,omitempty"`
	ChatID         string `json:"chat_id,omitempty"`
	ChatName       string `json:"chat_name,omitempty"`
	AddTime        int64  `json:"add_time"` // first added or joined
}

// ServedContactPage is one page of served contacts.
type ServedContactPage struct {
	Contacts   []ServedContact `json:"info_list"`
	NextCursor string          `json:"next_cursor"`
}

// ListServedContactsPage reads one page of the external contacts the corp has served (internal
// apps only).
// 获取已服务的外部联系人
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/99434
//
//wecom:api POST /cgi-bin/externalcontact/contact_list
func (s *Service) ListServedContactsPage(ctx context.Context, p ServedContactsParams) (*ServedContactPage, error) {
	if p.Limit < 0 {
		return nil, check.Invalid("limit", "%d, negative", p.Limit)
	}
	var out ServedContactPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/contact_list", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListServedContacts walks every served external contact, one page in memory at a time.
func (s *Service) ListServedContacts(ctx context.Context, p ServedContactsParams) iter.Seq2[ServedContact, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]ServedContact, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListServedContactsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Contacts, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// OpenGIDToChatID converts the opengid a mini program got in a WeChat group (wx.getGroupEnterInfo)
// into the chat_id of the corp's customer group, for groups created by the corp's members.
// 客户群opengid转换
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94822
//
//wecom:api POST /cgi-bin/externalcontact/opengid_to_chatid
func (s *Service) OpenGIDToChatID(ctx context.Context, openGID string) (string, error) {
	if err := check.Required("opengid", openGID); err != nil {
		return "", err
	}
	in := struct {
		OpenGID string `json:"opengid"`
	}{openGID}
	var out struct {
		ChatID string `json:"chat_id"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/opengid_to_chatid", nil, client.Idempotent(in), &out); err != nil {
		return "", err
	}
	return out.ChatID, nil
}
