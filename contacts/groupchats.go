package contacts

import (
	"context"
	"iter"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
	"github.com/wecom-connector/wecom/internal/wire"
)

// GroupChatStatus is a customer group's ownership state.
type GroupChatStatus int

// Customer group states (also the status_filter values; 0 in a filter means all).
const (
	GroupChatNormal       GroupChatStatus = 0 // 跟进人正常
	GroupChatOwnerLeft    GroupChatStatus = 1 // 跟进人离职
	GroupChatTransferring GroupChatStatus = 2 // 离职继承中
	GroupChatTransferred  GroupChatStatus = 3 // 离职继承完成
)

const maxOwners = 100

// GroupChatListParams pages customer groups. Limit is 1–1000 (0 sends 100); pass OwnerUserIDs
// (at most 100) for corps whose visible range exceeds 1000 members (81017 otherwise).
type GroupChatListParams struct {
	StatusFilter GroupChatStatus
	OwnerUserIDs []string
	Cursor       string
	Limit        int
}

type groupChatListBody struct {
	StatusFilter GroupChatStatus `json:"status_filter,omitempty"`
	OwnerFilter  *ownerFilter    `json:"owner_filter,omitempty"`
	Cursor       string          `json:"cursor,omitempty"`
	Limit        int             `json:"limit"`
}

type ownerFilter struct {
	UserIDs []string `json:"userid_list"`
}

// GroupChatRef is a customer group id with its state.
type GroupChatRef struct {
	ChatID string          `json:"chat_id"`
	Status GroupChatStatus `json:"status"`
}

// GroupChatPage is one page of customer groups.
type GroupChatPage struct {
	Chats      []GroupChatRef `json:"group_chat_list"`
	NextCursor string         `json:"next_cursor"`
}

// ListGroupChatsPage reads one page of customer groups.
// 获取客户群列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92120
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/list
func (s *Service) ListGroupChatsPage(ctx context.Context, p GroupChatListParams) (*GroupChatPage, error) {
	if p.Limit == 0 {
		p.Limit = 100
	}
	switch {
	case p.Limit < 1 || p.Limit > 1000:
		return nil, check.Invalid("limit", "%d, want 1–1000", p.Limit)
	case len(p.OwnerUserIDs) > maxOwners:
		return nil, check.Invalid("owner_filter.userid_list", "%d owners, at most 100 (the iterator takes any number)", len(p.OwnerUserIDs))
	}
	body := groupChatListBody{StatusFilter: p.StatusFilter, Cursor: p.Cursor, Limit: p.Limit}
	if len(p.OwnerUserIDs) > 0 {
		body.OwnerFilter = &ownerFilter{p.OwnerUserIDs}
	}
	var out GroupChatPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/groupchat/list", nil, client.Idempotent(body), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListGroupChats walks every customer group matching p. More than 100 owners are walked 100
// at a time (p.Cursor applies to the first hundred).
func (s *Service) ListGroupChats(ctx context.Context, p GroupChatListParams) iter.Seq2[GroupChatRef, error] {
	return chunkedCursor(ctx, p.OwnerUserIDs, maxOwners, p.Cursor, func(owners []string) pager.CursorPage[GroupChatRef] {
		q := p
		q.OwnerUserIDs = owners
		return func(ctx context.Context, cursor string) ([]GroupChatRef, string, bool, error) {
			q.Cursor = cursor
			pg, err := s.ListGroupChatsPage(ctx, q)
			if err != nil {
				return nil, "", false, err
			}
			return pg.Chats, pg.NextCursor, pg.NextCursor != "", nil
		}
	})
}

// GroupChat is a customer group (客户群) with its members.
type GroupChat struct {
	ChatID        string        `json:"chat_id"`
	Name          string        `json:"name"`
	Owner         string        `json:"owner"`
	CreateTime    int64         `json:"create_time"`
	Notice        string        `json:"notice"`
	Members       []GroupMember `json:"member_list"`
	Admins        []UserRef     `json:"admin_list"`
	MemberVersion string        `json:"member_version"`
}

// UserRef is an object holding only a userid.
type UserRef struct {
	UserID string `json:"userid"`
}

// GroupMember is a member of a customer group: a corp member (Type 1) or a customer (Type 2).
type GroupMember struct {
	UserID        string   `json:"userid"`
	Type          int      `json:"type"`
	UnionID       string   `json:"unionid,omitempty"`
	JoinTime      int64    `json:"join_time"`
	JoinScene     int      `json:"join_scene"` // 1 direct invite, 2 invite link, 3 group QR code
	Invitor       *UserRef `json:"invitor,omitempty"`
	GroupNickname string   `json:"group_nickname,omitempty"`
	Name          string   `json:"name,omitempty"`
	State         string   `json:"state,omitempty"` // not in the 2026 docs; decoded when present
}

// GetGroupChat reads a customer group; needName asks for member names.
// 获取客户群详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92122
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/get
func (s *Service) GetGroupChat(ctx context.Context, chatID string, needName bool) (*GroupChat, error) {
	if err := check.Required("chat_id", chatID); err != nil {
		return nil, err
	}
	in := struct {
		ChatID   string    `json:"chat_id"`
		NeedName wire.Flag `json:"need_name,omitempty"`
	}{chatID, wire.Flag(needName)}
	var out struct {
		Chat GroupChat `json:"group_chat"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/groupchat/get", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out.Chat, nil
}
