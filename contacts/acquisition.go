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

// Customer acquisition (获客助手): links that hand the WeChat users who open them to members,
// the customers they brought, the quota they use and their statistics. Every call needs an app
// configured for customer contact (客户联系 可调用应用) or an ISV/customised app with the
// 获客助手 permission; the customer contact system app may not call them.

// Limits of customer acquisition links.
const (
	MaxAcquisitionLinkName      = 30   // characters of link_name
	MaxAcquisitionRangeUsers    = 500  // members a link's range covers, departments expanded
	MaxAcquisitionPriorityUsers = 1000 // priority_userid_list entries
	MaxAcquisitionLinksPage     = 100  // limit of list_link
	MaxAcquisitionCustomerPage  = 1000 // limit of customer_acquisition/customer
)

// AcquisitionRange is who a customer acquisition link hands customers to: members and
// departments (with their members). Both empty is refused; together they may cover at most
// [MaxAcquisitionRangeUsers] members.
type AcquisitionRange struct {
	Users       []string `json:"user_list,omitempty"`
	Departments []int    `json:"department_list,omitempty"`
}

// PriorityType says which members a link prefers for a customer who is already their friend
// (客户与成员关系绑定); only corps of some business categories may set it (41200 otherwise).
type PriorityType int

// Priority types.
const (
	PriorityCorpWide PriorityType = 1 // 全企业范围内优先分配给有好友关系的成员
	PriorityListed   PriorityType = 2 // 指定范围内优先分配有好友关系的成员 (UserIDs)
)

// PriorityOption is a link's preference for members the customer already knows. UserIDs (at
// most [MaxAcquisitionPriorityUsers]) is required with PriorityListed.
type PriorityOption struct {
	Type    PriorityType `json:"priority_type"`
	UserIDs []string     `json:"priority_userid_list,omitempty"`
}

func (o *PriorityOption) validate() error {
	switch {
	case o == nil:
		return nil
	case o.Type != PriorityCorpWide && o.Type != PriorityListed:
		return check.Invalid("priority_option.priority_type", "%d, want 1 (corp-wide) or 2 (listed members)", o.Type)
	case o.Type == PriorityListed && len(o.UserIDs) == 0:
		return check.Invalid("priority_option.priority_userid_list", "required with priority_type 2")
	case len(o.UserIDs) > MaxAcquisitionPriorityUsers:
		return check.Invalid("priority_option.priority_userid_list", "%d members, at most %d", len(o.UserIDs), MaxAcquisitionPriorityUsers)
	}
	return nil
}

func checkLinkName(name string, required bool) error {
	n := utf8.RuneCountInString(name)
	switch {
	case required && n == 0:
		return check.Invalid("link_name", "required")
	case n > MaxAcquisitionLinkName:
		return check.Invalid("link_name", "%d characters, at most %d", n, MaxAcquisitionLinkName)
	}
	return nil
}

func (r *AcquisitionRange) validate() error {
	switch {
	case len(r.Users)+len(r.Departments) == 0:
		return check.Invalid("range", "user_list and department_list are both empty")
	case len(r.Users) > MaxAcquisitionRangeUsers:
		return check.Invalid("range.user_list", "%d members, at most %d", len(r.Users), MaxAcquisitionRangeUsers)
	}
	return nil
}

// CreateAcquisitionLinkParams is a new customer acquisition link. SkipVerify and MarkSource
// default to true on WeCom's side, so nil leaves them at the default; MarkSource only matters
// to 「营销获客」 apps.
type CreateAcquisitionLinkParams struct {
	Name           string           `json:"link_name"`
	Range          AcquisitionRange `json:"range"`
	SkipVerify     *bool            `json:"skip_verify,omitempty"`
	PriorityOption *PriorityOption  `json:"priority_option,omitempty"`
	MarkSource     *bool            `json:"mark_source,omitempty"`
}

// AcquisitionLink is a customer acquisition link (获客链接). Append customer_channel=STATE to
// URL to tell channels apart: STATE (at most 64 bytes) comes back as the state of the customers
// it brings. SkipVerify and MarkSource are answered by get only.
type AcquisitionLink struct {
	LinkID     string `json:"link_id,omitempty"`
	Name       string `json:"link_name"`
	URL        string `json:"url"`
	CreateTime int64  `json:"create_time"`
	SkipVerify bool   `json:"skip_verify"`
	MarkSource bool   `json:"mark_source"`
}

// CreateAcquisitionLink creates a customer acquisition link and returns it with its id and URL.
// 创建获客链接
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97297
//
//wecom:api POST /cgi-bin/externalcontact/customer_acquisition/create_link
func (s *Service) CreateAcquisitionLink(ctx context.Context, p CreateAcquisitionLinkParams) (*AcquisitionLink, error) {
	if err := firstErr(checkLinkName(p.Name, true), p.Range.validate(), p.PriorityOption.validate()); err != nil {
		return nil, err
	}
	var out struct {
		Link AcquisitionLink `json:"link"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/customer_acquisition/create_link", nil, p, &out); err != nil {
		return nil, err
	}
	return &out.Link, nil
}

// UpdateAcquisitionLinkParams changes a link created by this app: LinkID plus what changes.
// Range and PriorityOption, when set, replace the stored ones whole.
type UpdateAcquisitionLinkParams struct {
	LinkID         string            `json:"link_id"`
	Name           string            `json:"link_name,omitempty"`
	Range          *AcquisitionRange `json:"range,omitempty"`
	SkipVerify     *bool             `json:"skip_verify,omitempty"`
	PriorityOption *PriorityOption   `json:"priority_option,omitempty"`
	MarkSource     *bool             `json:"mark_source,omitempty"`
}

// UpdateAcquisitionLink changes a link's name, range or options.
// 编辑获客链接
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97297
//
//wecom:api POST /cgi-bin/externalcontact/customer_acquisition/update_link
func (s *Service) UpdateAcquisitionLink(ctx context.Context, p UpdateAcquisitionLinkParams) error {
	err := firstErr(check.Required("link_id", p.LinkID), checkLinkName(p.Name, false), p.PriorityOption.validate())
	if err == nil && p.Range != nil {
		err = p.Range.validate()
	}
	if err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/customer_acquisition/update_link", nil, p, nil)
}

type linkBody struct {
	LinkID string `json:"link_id"`
}

// DeleteAcquisitionLink deletes a link created by this app; it stops working at once.
// 删除获客链接
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97297
//
//wecom:api POST /cgi-bin/externalcontact/customer_acquisition/delete_link
func (s *Service) DeleteAcquisitionLink(ctx context.Context, linkID string) error {
	if err := check.Required("link_id", linkID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/customer_acquisition/delete_link", nil, linkBody{linkID}, nil)
}

// AcquisitionLinkDetail is a link with its range and priority option.
type AcquisitionLinkDetail struct {
	Link           AcquisitionLink  `json:"link"`
	Range          AcquisitionRange `json:"range"`
	PriorityOption *PriorityOption  `json:"priority_option,omitempty"`
}

// GetAcquisitionLink reads a link created by this app (the answer carries no link_id: the
// result's Link.LinkID is set from the argument).
// 获取获客链接详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97297
//
//wecom:api POST /cgi-bin/externalcontact/customer_acquisition/get
func (s *Service) GetAcquisitionLink(ctx context.Context, linkID string) (*AcquisitionLinkDetail, error) {
	if err := check.Required("link_id", linkID); err != nil {
		return nil, err
	}
	var out AcquisitionLinkDetail
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/customer_acquisition/get", nil, client.Idempotent(linkBody{linkID}), &out); err != nil {
		return nil, err
	}
	if out.Link.LinkID == "" {
		out.Link.LinkID = linkID
	}
	return &out, nil
}

// ListAcquisitionLinksParams pages the valid links this app created. Limit is at most
// [MaxAcquisitionLinksPage]; 0 sends the maximum.
type ListAcquisitionLinksParams struct {
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit"`
}

// AcquisitionLinkPage is one page of link ids.
type AcquisitionLinkPage struct {
	LinkIDs    []string `json:"link_id_list"`
	NextCursor string   `json:"next_cursor"`
}

// ListAcquisitionLinksPage reads one page of the ids of the valid links this app created.
// 获取获客链接列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97297
//
//wecom:api POST /cgi-bin/externalcontact/customer_acquisition/list_link
func (s *Service) ListAcquisitionLinksPage(ctx context.Context, p ListAcquisitionLinksParams) (*AcquisitionLinkPage, error) {
	if p.Limit == 0 {
		p.Limit = MaxAcquisitionLinksPage
	}
	if p.Limit < 1 || p.Limit > MaxAcquisitionLinksPage {
		return nil, check.Invalid("limit", "%d, want 1–%d", p.Limit, MaxAcquisitionLinksPage)
	}
	var out AcquisitionLinkPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/customer_acquisition/list_link", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAcquisitionLinks walks the ids of every valid link this app created.
func (s *Service) ListAcquisitionLinks(ctx context.Context, p ListAcquisitionLinksParams) iter.Seq2[string, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]string, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListAcquisitionLinksPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.LinkIDs, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// ChatStatus says whether a customer brought by a link has written to the member.
type ChatStatus int

// Chat states of an acquired customer.
const (
	ChatNoMessage ChatStatus = 0 // 客户未发消息
	ChatMessaged  ChatStatus = 1 // 客户已发送消息
	ChatUnknown   ChatStatus = 2 // 客户发送消息状态未知
)

// AcquisitionCustomersParams pages the customers one link brought. Limit is at most
// [MaxAcquisitionCustomerPage]; 0 sends the maximum.
type AcquisitionCustomersParams struct {
	LinkID string `json:"link_id"`
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit"`
}

// AcquisitionCustomer is a customer a link brought to a member. State is the customer_channel
// of the URL the customer opened.
type AcquisitionCustomer struct {
	ExternalUserID string     `json:"external_userid"`
	UserID         string     `json:"userid"`
	ChatStatus     ChatStatus `json:"chat_status"`
	State          string     `json:"state"`
}

// AcquisitionCustomerPage is one page of a link's customers.
type AcquisitionCustomerPage struct {
	Customers  []AcquisitionCustomer `json:"customer_list"`
	NextCursor string                `json:"next_cursor"`
}

// ListAcquisitionCustomersPage reads one page of the customers a link brought.
// 获取获客客户列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97298
//
//wecom:api POST /cgi-bin/externalcontact/customer_acquisition/customer
func (s *Service) ListAcquisitionCustomersPage(ctx context.Context, p AcquisitionCustomersParams) (*AcquisitionCustomerPage, error) {
	if p.Limit == 0 {
		p.Limit = MaxAcquisitionCustomerPage
	}
	switch {
	case p.LinkID == "":
		return nil, check.Invalid("link_id", "required")
	case p.Limit < 1 || p.Limit > MaxAcquisitionCustomerPage:
		return nil, check.Invalid("limit", "%d, want 1–%d", p.Limit, MaxAcquisitionCustomerPage)
	}
	var out AcquisitionCustomerPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/customer_acquisition/customer", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListAcquisitionCustomers walks every customer a link brought, one page in memory at a time.
func (s *Service) ListAcquisitionCustomers(ctx context.Context, p AcquisitionCustomersParams) iter.Seq2[AcquisitionCustomer, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]AcquisitionCustomer, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListAcquisitionCustomersPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Customers, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// AcquisitionQuota is the corp's customer acquisition usage quota (使用量): Total is the
// historical total (历史累计使用量), Balance what is left, Expiring the batches of the balance
// by expiry date.
type AcquisitionQuota struct {
	Total    int          `json:"total"`
	Balance  int          `json:"balance"`
	Expiring []QuotaBatch `json:"quota_list"`
}

// QuotaBatch is part of the balance that expires on ExpireDate (Unix seconds of midnight of the
// expiry day; the real expiry depends on when the quota was bought).
type QuotaBatch struct {
	ExpireDate int64 `json:"expire_date"`
	Balance    int   `json:"balance"`
}

// GetAcquisitionQuota reads the corp's remaining acquisition quota.
// 查询剩余使用量
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97375
//
//wecom:api GET /cgi-bin/externalcontact/customer_acquisition_quota
func (s *Service) GetAcquisitionQuota(ctx context.Context) (*AcquisitionQuota, error) {
	var out AcquisitionQuota
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/externalcontact/customer_acquisition_quota", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AcquisitionStatisticParams asks for a link's use between two days (Unix seconds; each is
// taken as its whole day, China time, both included). Only the last 180 days can be queried,
// and the days may be at most 30 days apart.
type AcquisitionStatisticParams struct {
	LinkID    string `json:"link_id"`
	StartTime int64  `json:"start_time"`
	EndTime   int64  `json:"end_time"`
}

// AcquisitionStatistic is a link's use over a period.
type AcquisitionStatistic struct {
	ClickCount       int `json:"click_link_customer_cnt"` // customers who opened the link (点击链接客户数)
	NewCustomerCount int `json:"new_customer_cnt"`        // customers it added (新增客户数)
}

// GetAcquisitionStatistic reads how many customers opened a link and how many it added.
// 查询链接使用详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97375
//
//wecom:api POST /cgi-bin/externalcontact/customer_acquisition/statistic
func (s *Service) GetAcquisitionStatistic(ctx context.Context, p AcquisitionStatisticParams) (*AcquisitionStatistic, error) {
	if err := firstErr(check.Required("link_id", p.LinkID), checkStatDays("start_time", "end_time", p.StartTime, p.EndTime, true)); err != nil {
		return nil, err
	}
	var out AcquisitionStatistic
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/customer_acquisition/statistic", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AcquisitionChatInfo is what a member received from a customer a link brought, as of the
// message_from_customer event that carried the chat key.
type AcquisitionChatInfo struct {
	UserID         string          `json:"userid"`
	ExternalUserID string          `json:"external_userid"`
	Chat           AcquisitionChat `json:"chat_info"`
}

// AcquisitionChat counts what a member received from a customer and names the link and state
// that brought the customer.
type AcquisitionChat struct {
	ReceivedCount int    `json:"recv_msg_cnt"` // messages the member received from the customer
	LinkID        string `json:"link_id"`
	State         string `json:"state"`
}

// GetAcquisitionChatInfo reads the chat behind the ChatKey of a message_from_customer event
// (成员多次收消息事件); a key is valid for 30 minutes after the event (41201 after).
// 获取成员多次收消息详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/100130
//
//wecom:api POST /cgi-bin/externalcontact/customer_acquisition/get_chat_info
func (s *Service) GetAcquisitionChatInfo(ctx context.Context, chatKey string) (*AcquisitionChatInfo, error) {
	if err := check.Required("chat_key", chatKey); err != nil {
		return nil, err
	}
	in := struct {
		ChatKey string `json:"chat_key"`
	}{chatKey}
	var out AcquisitionChatInfo
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/customer_acquisition/get_chat_info", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
