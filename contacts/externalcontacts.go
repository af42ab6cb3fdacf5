package contacts

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
)

// ExternalType tells WeChat customers from WeCom users of other corps.
type ExternalType int

// Customer kinds.
const (
	ExternalWeChat ExternalType = 1 // 微信用户
	ExternalWeCom  ExternalType = 2 // 企业微信用户
)

// AddWay is how a customer was added (§3.12 of the spec lists 0–24, 201, 202); unknown values
// are kept as they come.
type AddWay int

// Common customer sources.
const (
	AddWayUnknown     AddWay = 0
	AddWayQRCode      AddWay = 1  // 扫描二维码
	AddWayMobile      AddWay = 2  // 搜索手机号
	AddWayCard        AddWay = 3  // 名片分享
	AddWayGroupChat   AddWay = 4  // 群聊
	AddWayChannels    AddWay = 10 // 视频号
	AddWayAcquisition AddWay = 16 // 获客链接
	AddWayShared      AddWay = 201
	AddWayAssigned    AddWay = 202
)

// CustomerTagType is the kind of a tag on a customer.
type CustomerTagType int

// Customer tag kinds.
const (
	CustomerTagCorp     CustomerTagType = 1 // 企业标签
	CustomerTagPersonal CustomerTagType = 2 // 个人标签 (no tag id)
	CustomerTagRule     CustomerTagType = 3 // 规则组标签
)

// ExternalContact is a customer (客户). Avatar, gender and unionid are withheld from third-party
// and 代开发 apps and from an upstream corp reading downstream customers.
type ExternalContact struct {
	ExternalUserID  string           `json:"external_userid"`
	Name            string           `json:"name"`
	Avatar          string           `json:"avatar,omitempty"`
	Type            ExternalType     `json:"type"`
	Gender          Gender           `json:"gender"`
	UnionID         string           `json:"unionid,omitempty"`
	Position        string           `json:"position,omitempty"`
	CorpName        string           `json:"corp_name,omitempty"`
	CorpFullName    string           `json:"corp_full_name,omitempty"`
	ExternalProfile *ExternalProfile `json:"external_profile,omitempty"`
}

// FollowUser is a member who follows a customer (跟进人) and what they recorded.
type FollowUser struct {
	UserID         string          `json:"userid"`
	Remark         string          `json:"remark"`
	Description    string          `json:"description"`
	CreateTime     int64           `json:"createtime"`
	Tags           []FollowTag     `json:"tags,omitempty"`
	RemarkCorpName string          `json:"remark_corp_name,omitempty"`
	RemarkMobiles  []string        `json:"remark_mobiles,omitempty"`
	OperUserID     string          `json:"oper_userid"`
	AddWay         AddWay          `json:"add_way"`
	State          string          `json:"state,omitempty"`
	WechatChannels *ChannelsSource `json:"wechat_channels,omitempty"`
}

// FollowTag is a tag a member put on a customer.
type FollowTag struct {
	GroupName string          `json:"group_name"`
	TagName   string          `json:"tag_name"`
	TagID     string          `json:"tag_id,omitempty"`
	Type      CustomerTagType `json:"type"`
}

// ChannelsSource is the video channel a customer came from (add_way 10).
type ChannelsSource struct {
	Nickname string `json:"nickname"`
	Source   int    `json:"source"` // 0 unknown, 1 profile page, 2 live room, 3 lead collection
}

// ExternalContactDetail is a customer with every follow-up member.
type ExternalContactDetail struct {
	Contact     ExternalContact `json:"external_contact"`
	FollowUsers []FollowUser    `json:"follow_user"`
}

// ListFollowUsers lists the members who have the customer-contact feature.
// 获取配置了客户联系功能的成员列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92571
//
//wecom:api GET /cgi-bin/externalcontact/get_follow_user_list
func (s *Service) ListFollowUsers(ctx context.Context) ([]string, error) {
	var out struct {
		Users []string `json:"follow_user"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/externalcontact/get_follow_user_list", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Users, nil
}

// ListExternalContacts lists the external_userids of one member's customers (84061 when the
// member has none).
// 获取客户列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92113
//
//wecom:api GET /cgi-bin/externalcontact/list
func (s *Service) ListExternalContacts(ctx context.Context, userID string) ([]string, error) {
	if err := check.Required("userid", userID); err != nil {
		return nil, err
	}
	var out struct {
		IDs []string `json:"external_userid"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/externalcontact/list", url.Values{"userid": {userID}}, nil, &out); err != nil {
		return nil, err
	}
	return out.IDs, nil
}

// GetExternalContactParams selects one page of a customer's follow-up members; Cursor is only
// needed past the first 500.
type GetExternalContactParams struct {
	ExternalUserID string
	Cursor         string
}

// ExternalContactPage is one answer of externalcontact/get: the customer and up to 500 of its
// follow-up members; NextCursor is empty on the last page.
type ExternalContactPage struct {
	Contact     ExternalContact `json:"external_contact"`
	FollowUsers []FollowUser    `json:"follow_user"`
	NextCursor  string          `json:"next_cursor"`
}

// GetExternalContactPage reads a customer and one page of its follow-up members.
// 获取客户详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92114
//
//wecom:api GET /cgi-bin/externalcontact/get
func (s *Service) GetExternalContactPage(ctx context.Context, p GetExternalContactParams) (*ExternalContactPage, error) {
	if err := check.Required("external_userid", p.ExternalUserID); err != nil {
		return nil, err
	}
	q := url.Values{"external_userid": {p.ExternalUserID}}
	if p.Cursor != "" {
		q.Set("cursor", p.Cursor)
	}
	var out ExternalContactPage
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/externalcontact/get", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetExternalContact reads a customer with all its follow-up members, one
// [Service.GetExternalContactPage] call per 500 of them.
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92114
func (s *Service) GetExternalContact(ctx context.Context, externalUserID string) (*ExternalContactDetail, error) {
	var d ExternalContactDetail
	follows := pager.Cursor(ctx, "", func(ctx context.Context, cursor string) ([]FollowUser, string, bool, error) {
		pg, err := s.GetExternalContactPage(ctx, GetExternalContactParams{ExternalUserID: externalUserID, Cursor: cursor})
		if err != nil {
			return nil, "", false, err
		}
		d.Contact = pg.Contact
		return pg.FollowUsers, pg.NextCursor, pg.NextCursor != "", nil
	})
	for f, err := range follows {
		if err != nil {
			return nil, err
		}
		d.FollowUsers = append(d.FollowUsers, f)
	}
	return &d, nil
}

const maxByUser = 100

// BatchGetByUserParams pages the customers of 1–100 members. Limit is at most 100 (larger
// values are clamped, as WeCom does); 0 sends 100.
type BatchGetByUserParams struct {
	UserIDs []string `json:"userid_list"`
	Cursor  string   `json:"cursor,omitempty"`
	Limit   int      `json:"limit"`
}

// FollowInfo is a follow-up member's record in batch answers: corporate and rule-group tags
// as ids only.
type FollowInfo struct {
	UserID         string          `json:"userid"`
	Remark         string          `json:"remark"`
	Description    string          `json:"description"`
	CreateTime     int64           `json:"createtime"`
	TagIDs         []string        `json:"tag_id,omitempty"`
	RemarkCorpName string          `json:"remark_corp_name,omitempty"`
	RemarkMobiles  []string        `json:"remark_mobiles,omitempty"`
	OperUserID     string          `json:"oper_userid"`
	AddWay         AddWay          `json:"add_way"`
	State          string          `json:"state,omitempty"`
	WechatChannels *ChannelsSource `json:"wechat_channels,omitempty"`
}

// CustomerRelation is one (customer, follow-up member) pair.
type CustomerRelation struct {
	Contact ExternalContact `json:"external_contact"`
	Follow  FollowInfo      `json:"follow_info"`
}

// CustomerPage is one page of batch/get_by_user. UnlicensedUserIDs lists requested members
// without an interface licence (their customers are missing).
type CustomerPage struct {
	Relations         []CustomerRelation
	NextCursor        string
	UnlicensedUserIDs []string
}

// GetCustomersByUserPage reads one page of the customers of several members.
// 批量获取客户详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92994
//
//wecom:api POST /cgi-bin/externalcontact/batch/get_by_user
func (s *Service) GetCustomersByUserPage(ctx context.Context, p BatchGetByUserParams) (*CustomerPage, error) {
	if n := len(p.UserIDs); n == 0 || n > maxByUser {
		return nil, check.Invalid("userid_list", "%d members, want 1–100 (the iterator takes any number)", n)
	}
	if p.Limit <= 0 || p.Limit > 100 {
		p.Limit = 100
	}
	var out struct {
		List       []CustomerRelation `json:"external_contact_list"`
		NextCursor string             `json:"next_cursor"`
		FailInfo   struct {
			Unlicensed []string `json:"unlicensed_userid_list"`
		} `json:"fail_info"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/batch/get_by_user", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &CustomerPage{Relations: out.List, NextCursor: out.NextCursor, UnlicensedUserIDs: out.FailInfo.Unlicensed}, nil
}

// GetCustomersByUser walks every (customer, follow-up member) pair of the members in p. More
// than 100 members are walked 100 at a time (p.Cursor applies to the first hundred). When WeCom
// left out the customers of members without an interface licence, the walk ends with an
// [*UnlicensedError] after the last pair.
func (s *Service) GetCustomersByUser(ctx context.Context, p BatchGetByUserParams) iter.Seq2[CustomerRelation, error] {
	return func(yield func(CustomerRelation, error) bool) {
		if len(p.UserIDs) == 0 {
			yield(CustomerRelation{}, check.Invalid("userid_list", "required"))
			return
		}
		var unlicensed []string
		seen := map[string]bool{}
		relations := chunkedCursor(ctx, p.UserIDs, maxByUser, p.Cursor, func(chunk []string) pager.CursorPage[CustomerRelation] {
			q := p
			q.UserIDs = chunk
			return func(ctx context.Context, cursor string) ([]CustomerRelation, string, bool, error) {
				q.Cursor = cursor
				pg, err := s.GetCustomersByUserPage(ctx, q)
				if err != nil {
					return nil, "", false, err
				}
				for _, id := range pg.UnlicensedUserIDs {
					if !seen[id] {
						seen[id] = true
						unlicensed = append(unlicensed, id)
					}
				}
				return pg.Relations, pg.NextCursor, pg.NextCursor != "", nil
			}
		})
		for r, err := range relations {
			if !yield(r, err) || err != nil {
				return
			}
		}
		if len(unlicensed) > 0 {
			yield(CustomerRelation{}, &UnlicensedError{UserIDs: unlicensed})
		}
	}
}

// UnlicensedError ends a [Service.GetCustomersByUser] walk whose answers left out the customers
// of members without an interface licence (接口许可); every other pair was yielded before it.
type UnlicensedError struct {
	UserIDs []string
}

// Error names the members whose customers are missing.
func (e *UnlicensedError) Error() string {
	return fmt.Sprintf("wecom: contacts: customers of %d members without an interface licence are missing: %s",
		len(e.UserIDs), strings.Join(e.UserIDs, ", "))
}

// RemarkParams edits a member's notes on a customer; at least one optional field must be set.
// RemarkMobiles replaces the stored numbers; []string{""} clears them.
type RemarkParams struct {
	UserID           string   `json:"userid"`
	ExternalUserID   string   `json:"external_userid"`
	Remark           string   `json:"remark,omitempty"`
	Description      string   `json:"description,omitempty"`
	RemarkCompany    string   `json:"remark_company,omitempty"`
	RemarkMobiles    []string `json:"remark_mobiles,omitempty"`
	RemarkPicMediaID string   `json:"remark_pic_mediaid,omitempty"`
}

func (p *RemarkParams) validate() error {
	if err := check.RequiredAll("userid", p.UserID, "external_userid", p.ExternalUserID); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"remark", p.Remark, 20}, {"description", p.Description, 150}, {"remark_company", p.RemarkCompany, 20}} {
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return check.Invalid(f.name, "%d characters, at most %d", n, f.max)
		}
	}
	if p.Remark == "" && p.Description == "" && p.RemarkCompany == "" && p.RemarkMobiles == nil && p.RemarkPicMediaID == "" {
		return check.Invalid("remark", "set at least one of remark, description, remark_company, remark_mobiles, remark_pic_mediaid")
	}
	return nil
}

// RemarkExternalContact edits a member's remark, description, company and phone numbers for a
// customer.
// 修改客户备注信息
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92115
//
//wecom:api POST /cgi-bin/externalcontact/remark
func (s *Service) RemarkExternalContact(ctx context.Context, p RemarkParams) error {
	if err := p.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/remark", nil, p, nil)
}
