package contacts

import (
	"context"
	"iter"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
)

// Rule groups (规则组): customer-contact rule groups (客户联系规则组) set what the members in their
// management range may do with customers; moment rule groups (客户朋友圈规则组) do the same for
// customer moments. Both APIs have one wire shape apart from the privileges, so they share the
// list, range and id types and one unexported implementation; each has its own methods. An app
// sees and manages only the rule groups it created.

// StrategyRangeType is the kind of a node in a rule group's management range.
type StrategyRangeType int

// Management range node kinds.
const (
	StrategyRangeUser       StrategyRangeType = 1 // 成员
	StrategyRangeDepartment StrategyRangeType = 2 // 部门
)

// StrategyRangeNode is one member or department of a rule group's management range (管理范围节点).
// Build it with [StrategyUser] or [StrategyDepartment].
type StrategyRangeNode struct {
	Type    StrategyRangeType `json:"type"`
	UserID  string            `json:"userid,omitempty"`  // type 1
	PartyID int               `json:"partyid,omitempty"` // type 2
}

// StrategyUser is the range node of one member.
func StrategyUser(userID string) StrategyRangeNode {
	return StrategyRangeNode{Type: StrategyRangeUser, UserID: userID}
}

// StrategyDepartment is the range node of one department (with its sub-departments).
func StrategyDepartment(id int) StrategyRangeNode {
	return StrategyRangeNode{Type: StrategyRangeDepartment, PartyID: id}
}

// CustomerStrategyPrivilege is what the members of a customer-contact rule group may do. It is
// always sent whole: on edit it replaces the stored configuration. The first five are base
// privileges (基础权限) WeCom does not let a rule group turn off; start from
// [DefaultCustomerStrategyPrivilege] and switch off what the group may not do.
type CustomerStrategyPrivilege struct {
	ViewCustomerList        bool `json:"view_customer_list"`         // 查看客户列表 (base)
	ViewCustomerData        bool `json:"view_customer_data"`         // 查看客户统计数据 (base)
	ViewGroupChatList       bool `json:"view_room_list"`             // 查看群聊列表 (base)
	UseContactMe            bool `json:"contact_me"`                 // 可使用联系我 (base)
	JoinGroupChat           bool `json:"join_room"`                  // 可加入群聊 (base)
	ShareCustomers          bool `json:"share_customer"`             // 允许分享客户给其他成员
	AssignResignedCustomers bool `json:"oper_resign_customer"`       // 允许分配离职成员客户
	AssignResignedGroups    bool `json:"oper_resign_group"`          // 允许分配离职成员客户群
	SendCustomerMessages    bool `json:"send_customer_msg"`          // 允许给企业客户发送消息
	EditWelcomeMessage      bool `json:"edit_welcome_msg"`           // 允许配置欢迎语
	ViewBehaviorData        bool `json:"view_behavior_data"`         // 允许查看成员联系客户统计
	ViewGroupChatData       bool `json:"view_room_data"`             // 允许查看群聊数据统计
	SendGroupChatMessages   bool `json:"send_group_msg"`             // 允许发送消息到企业的客户群
	DeduplicateGroupChats   bool `json:"room_deduplication"`         // 允许对企业客户群进行去重
	QuickReplies            bool `json:"rapid_reply"`                // 配置快捷回复
	TransferCustomers       bool `json:"onjob_customer_transfer"`    // 转接在职成员的客户
	EditAntiSpamRules       bool `json:"edit_anti_spam_rule"`        // 编辑企业成员防骚扰规则
	ExportCustomerList      bool `json:"export_customer_list"`       // 导出客户列表
	ExportCustomerData      bool `json:"export_customer_data"`       // 导出成员客户统计
	ExportGroupChatList     bool `json:"export_customer_group_list"` // 导出客户群列表
	ManageCustomerTags      bool `json:"manage_customer_tag"`        // 配置企业客户标签
}

// DefaultCustomerStrategyPrivilege is WeCom's default configuration: every privilege on.
func DefaultCustomerStrategyPrivilege() CustomerStrategyPrivilege {
	return CustomerStrategyPrivilege{true, true, true, true, true, true, true, true, true, true, true,
		true, true, true, true, true, true, true, true, true, true}
}

func (p *CustomerStrategyPrivilege) validate() error {
	if p == nil {
		return nil
	}
	for _, b := range []struct {
		on    bool
		field string
	}{
		{p.ViewCustomerList, "view_customer_list"}, {p.ViewCustomerData, "view_customer_data"},
		{p.ViewGroupChatList, "view_room_list"}, {p.UseContactMe, "contact_me"}, {p.JoinGroupChat, "join_room"},
	} {
		if !b.on {
			return check.Invalid("privilege."+b.field, "a base privilege (基础权限) cannot be turned off")
		}
	}
	return nil
}

// MomentStrategyPrivilege is what the members of a moment rule group may do; like
// [CustomerStrategyPrivilege] it is sent whole. Start from [DefaultMomentStrategyPrivilege].
type MomentStrategyPrivilege struct {
	ViewAllMoments          bool `json:"view_moment_list"`             // 允许查看成员的全部客户朋友圈发表
	PostMoments             bool `json:"send_moment"`                  // 允许成员发表客户朋友圈
	ManageCoverAndSignature bool `json:"manage_moment_cover_and_sign"` // 配置封面和签名
}

// DefaultMomentStrategyPrivilege is WeCom's default configuration: every privilege on.
func DefaultMomentStrategyPrivilege() MomentStrategyPrivilege {
	return MomentStrategyPrivilege{true, true, true}
}

// CustomerStrategy is a customer-contact rule group (客户联系规则组). A group with a parent
// inherits the parent's privileges, and its range is a subset of the parent's.
type CustomerStrategy struct {
	StrategyID int                       `json:"strategy_id"`
	ParentID   int                       `json:"parent_id"` // 0 for a top-level group
	Name       string                    `json:"strategy_name"`
	CreateTime int64                     `json:"create_time"`
	Admins     []string                  `json:"admin_list"` // 负责人 userids
	Privilege  CustomerStrategyPrivilege `json:"privilege"`
}

// MomentStrategy is a moment rule group (客户朋友圈规则组).
type MomentStrategy struct {
	StrategyID int                     `json:"strategy_id"`
	ParentID   int                     `json:"parent_id"`
	Name       string                  `json:"strategy_name"`
	CreateTime int64                   `json:"create_time"`
	Admins     []string                `json:"admin_list"`
	Privilege  MomentStrategyPrivilege `json:"privilege"`
}

// Rule group limits.
const (
	// MaxStrategyAdmins is the most admins (负责人) a rule group has.
	MaxStrategyAdmins = 20
	// MaxStrategyNodesPerCall is the most range nodes one customer_strategy create or edit
	// configures (单次最多可配置100个管理节点).
	MaxStrategyNodesPerCall = 100
	// MaxStrategyRange is the most nodes a rule group's management range holds.
	MaxStrategyRange = 3000
	// MaxStrategyDepth is the deepest nesting of rule groups (最大层级为5层).
	MaxStrategyDepth = 5
)

// StrategyListParams pages the rule groups; Limit is at most 1000 (0: WeCom's default, 1000).
type StrategyListParams struct {
	Cursor string `json:"cursor,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// StrategyPage is one page of rule group ids; NextCursor is empty on the last page.
type StrategyPage struct {
	StrategyIDs []int
	NextCursor  string
}

// StrategyRangeParams pages the management range of the rule group StrategyID; Limit is at
// most 1000 (0: WeCom's default, 1000).
type StrategyRangeParams struct {
	StrategyID int    `json:"strategy_id"`
	Cursor     string `json:"cursor,omitempty"`
	Limit      int    `json:"limit,omitempty"`
}

// StrategyRangePage is one page of a rule group's management range.
type StrategyRangePage struct {
	Nodes      []StrategyRangeNode `json:"range"`
	NextCursor string              `json:"next_cursor"`
}

// CreateCustomerStrategyParams is a new customer-contact rule group. Nil Privilege keeps
// WeCom's defaults (all on); under a parent it is ignored (inherited).
type CreateCustomerStrategyParams struct {
	ParentID  int                        `json:"parent_id,omitempty"`
	Name      string                     `json:"strategy_name"`
	Admins    []string                   `json:"admin_list"` // 1–20, no super admin
	Privilege *CustomerStrategyPrivilege `json:"privilege,omitempty"`
	Range     []StrategyRangeNode        `json:"range,omitempty"` // ≤ 100 a call
}

// CreateMomentStrategyParams is a new moment rule group; Privilege as in
// [CreateCustomerStrategyParams].
type CreateMomentStrategyParams struct {
	ParentID  int                      `json:"parent_id,omitempty"`
	Name      string                   `json:"strategy_name"`
	Admins    []string                 `json:"admin_list"` // 1–20, no super admin
	Privilege *MomentStrategyPrivilege `json:"privilege,omitempty"`
	Range     []StrategyRangeNode      `json:"range,omitempty"` // ≤ 3000
}

// EditCustomerStrategyParams changes a customer-contact rule group: empty Name, Admins and nil
// Privilege leave those as they are, non-empty Admins and Privilege replace them; RangeAdd and
// RangeDel add nodes to and remove nodes from the range (together ≤ 100 a call).
type EditCustomerStrategyParams struct {
	StrategyID int                        `json:"strategy_id"`
	Name       string                     `json:"strategy_name,omitempty"`
	Admins     []string                   `json:"admin_list,omitempty"`
	Privilege  *CustomerStrategyPrivilege `json:"privilege,omitempty"`
	RangeAdd   []StrategyRangeNode        `json:"range_add,omitempty"`
	RangeDel   []StrategyRangeNode        `json:"range_del,omitempty"`
}

// EditMomentStrategyParams changes a moment rule group, as [EditCustomerStrategyParams] does.
type EditMomentStrategyParams struct {
	StrategyID int                      `json:"strategy_id"`
	Name       string                   `json:"strategy_name,omitempty"`
	Admins     []string                 `json:"admin_list,omitempty"`
	Privilege  *MomentStrategyPrivilege `json:"privilege,omitempty"`
	RangeAdd   []StrategyRangeNode      `json:"range_add,omitempty"`
	RangeDel   []StrategyRangeNode      `json:"range_del,omitempty"`
}

// ---- customer-contact rule groups ----

// ListCustomerStrategiesPage reads one page of the app's customer-contact rule group ids.
// 获取规则组列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94883
//
//wecom:api POST /cgi-bin/externalcontact/customer_strategy/list
func (s *Service) ListCustomerStrategiesPage(ctx context.Context, p StrategyListParams) (*StrategyPage, error) {
	return s.strategyListPage(ctx, "/cgi-bin/externalcontact/customer_strategy/list", p)
}

// ListCustomerStrategies walks the ids of every customer-contact rule group of the app.
func (s *Service) ListCustomerStrategies(ctx context.Context, p StrategyListParams) iter.Seq2[int, error] {
	return s.strategyList(ctx, p, s.ListCustomerStrategiesPage)
}

// GetCustomerStrategy reads a customer-contact rule group.
// 获取规则组详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94883
//
//wecom:api POST /cgi-bin/externalcontact/customer_strategy/get
func (s *Service) GetCustomerStrategy(ctx context.Context, strategyID int) (*CustomerStrategy, error) {
	return strategyGet[CustomerStrategy](ctx, s, "/cgi-bin/externalcontact/customer_strategy/get", strategyID)
}

// ListCustomerStrategyRangePage reads one page of a customer-contact rule group's management
// range.
// 获取规则组管理范围
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94883
//
//wecom:api POST /cgi-bin/externalcontact/customer_strategy/get_range
func (s *Service) ListCustomerStrategyRangePage(ctx context.Context, p StrategyRangeParams) (*StrategyRangePage, error) {
	return s.strategyRangePage(ctx, "/cgi-bin/externalcontact/customer_strategy/get_range", p)
}

// ListCustomerStrategyRange walks the management range of a customer-contact rule group.
func (s *Service) ListCustomerStrategyRange(ctx context.Context, p StrategyRangeParams) iter.Seq2[StrategyRangeNode, error] {
	return s.strategyRange(ctx, p, s.ListCustomerStrategyRangePage)
}

// CreateCustomerStrategy creates a customer-contact rule group and returns its id. WeCom asks
// for serial calls: do not create rule groups concurrently.
// 创建新的规则组
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94883
//
//wecom:api POST /cgi-bin/externalcontact/customer_strategy/create
func (s *Service) CreateCustomerStrategy(ctx context.Context, p CreateCustomerStrategyParams) (int, error) {
	if err := checkStrategyCreate(p.Name, p.Admins, p.Range, MaxStrategyNodesPerCall); err != nil {
		return 0, err
	}
	if err := p.Privilege.validate(); err != nil {
		return 0, err
	}
	return s.strategyCreate(ctx, "/cgi-bin/externalcontact/customer_strategy/create", p)
}

// EditCustomerStrategy changes a customer-contact rule group and its range. WeCom asks for
// serial calls: do not edit rule groups concurrently.
// 编辑规则组及其管理范围
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94883
//
//wecom:api POST /cgi-bin/externalcontact/customer_strategy/edit
func (s *Service) EditCustomerStrategy(ctx context.Context, p EditCustomerStrategyParams) error {
	if err := checkStrategyEdit(p.StrategyID, p.Admins, p.RangeAdd, p.RangeDel, MaxStrategyNodesPerCall); err != nil {
		return err
	}
	if err := p.Privilege.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/customer_strategy/edit", nil, p, nil)
}

// DeleteCustomerStrategy deletes a customer-contact rule group.
// 删除规则组
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94883
//
//wecom:api POST /cgi-bin/externalcontact/customer_strategy/del
func (s *Service) DeleteCustomerStrategy(ctx context.Context, strategyID int) error {
	return s.strategyDelete(ctx, "/cgi-bin/externalcontact/customer_strategy/del", strategyID)
}

// ---- moment rule groups ----

// ListMomentStrategiesPage reads one page of the app's moment rule group ids.
// 获取规则组列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94890
//
//wecom:api POST /cgi-bin/externalcontact/moment_strategy/list
func (s *Service) ListMomentStrategiesPage(ctx context.Context, p StrategyListParams) (*StrategyPage, error) {
	return s.strategyListPage(ctx, "/cgi-bin/externalcontact/moment_strategy/list", p)
}

// ListMomentStrategies walks the ids of every moment rule group of the app.
func (s *Service) ListMomentStrategies(ctx context.Context, p StrategyListParams) iter.Seq2[int, error] {
	return s.strategyList(ctx, p, s.ListMomentStrategiesPage)
}

// GetMomentStrategy reads a moment rule group.
// 获取规则组详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94890
//
//wecom:api POST /cgi-bin/externalcontact/moment_strategy/get
func (s *Service) GetMomentStrategy(ctx context.Context, strategyID int) (*MomentStrategy, error) {
	return strategyGet[MomentStrategy](ctx, s, "/cgi-bin/externalcontact/moment_strategy/get", strategyID)
}

// ListMomentStrategyRangePage reads one page of a moment rule group's management range.
// 获取规则组管理范围
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94890
//
//wecom:api POST /cgi-bin/externalcontact/moment_strategy/get_range
func (s *Service) ListMomentStrategyRangePage(ctx context.Context, p StrategyRangeParams) (*StrategyRangePage, error) {
	return s.strategyRangePage(ctx, "/cgi-bin/externalcontact/moment_strategy/get_range", p)
}

// ListMomentStrategyRange walks the management range of a moment rule group.
func (s *Service) ListMomentStrategyRange(ctx context.Context, p StrategyRangeParams) iter.Seq2[StrategyRangeNode, error] {
	return s.strategyRange(ctx, p, s.ListMomentStrategyRangePage)
}

// CreateMomentStrategy creates a moment rule group and returns its id. WeCom asks for serial
// calls: do not create rule groups concurrently.
// 创建新的规则组
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94890
//
//wecom:api POST /cgi-bin/externalcontact/moment_strategy/create
func (s *Service) CreateMomentStrategy(ctx context.Context, p CreateMomentStrategyParams) (int, error) {
	if err := checkStrategyCreate(p.Name, p.Admins, p.Range, MaxStrategyRange); err != nil {
		return 0, err
	}
	return s.strategyCreate(ctx, "/cgi-bin/externalcontact/moment_strategy/create", p)
}

// EditMomentStrategy changes a moment rule group and its range. WeCom asks for serial calls:
// do not edit rule groups concurrently.
// 编辑规则组及其管理范围
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94890
//
//wecom:api POST /cgi-bin/externalcontact/moment_strategy/edit
func (s *Service) EditMomentStrategy(ctx context.Context, p EditMomentStrategyParams) error {
	if err := checkStrategyEdit(p.StrategyID, p.Admins, p.RangeAdd, p.RangeDel, MaxStrategyRange); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/moment_strategy/edit", nil, p, nil)
}

// DeleteMomentStrategy deletes a moment rule group.
// 删除规则组
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94890
//
//wecom:api POST /cgi-bin/externalcontact/moment_strategy/del
func (s *Service) DeleteMomentStrategy(ctx context.Context, strategyID int) error {
	return s.strategyDelete(ctx, "/cgi-bin/externalcontact/moment_strategy/del", strategyID)
}

// ---- the shared implementation ----

type strategyIDBody struct {
	StrategyID int `json:"strategy_id"`
}

func checkStrategyID(id int) error {
	if id <= 0 {
		return check.Invalid("strategy_id", "required (a positive rule group id)")
	}
	return nil
}

func checkStrategyLimit(limit int) error {
	if limit < 0 || limit > 1000 {
		return check.Invalid("limit", "%d, want 1–1000 (0 for the default)", limit)
	}
	return nil
}

func checkStrategyAdmins(admins []string) error {
	if len(admins) > MaxStrategyAdmins {
		return check.Invalid("admin_list", "%d admins, at most %d", len(admins), MaxStrategyAdmins)
	}
	for _, a := range admins {
		if a == "" {
			return check.Invalid("admin_list", "empty userid")
		}
	}
	return nil
}

func checkStrategyNodes(field string, nodes []StrategyRangeNode) error {
	for _, n := range nodes {
		switch {
		case n.Type == StrategyRangeUser && n.UserID == "":
			return check.Invalid(field+".userid", "required for a member node (type 1)")
		case n.Type == StrategyRangeDepartment && n.PartyID <= 0:
			return check.Invalid(field+".partyid", "required for a department node (type 2)")
		case n.Type != StrategyRangeUser && n.Type != StrategyRangeDepartment:
			return check.Invalid(field+".type", "%d, want 1 (member) or 2 (department)", n.Type)
		}
	}
	return nil
}

func checkStrategyCreate(name string, admins []string, nodes []StrategyRangeNode, maxNodes int) error {
	if err := check.Required("strategy_name", name); err != nil {
		return err
	}
	if len(admins) == 0 {
		return check.Invalid("admin_list", "required (at least one admin)")
	}
	if err := checkStrategyAdmins(admins); err != nil {
		return err
	}
	if len(nodes) > maxNodes {
		return check.Invalid("range", "%d nodes, at most %d", len(nodes), maxNodes)
	}
	return checkStrategyNodes("range", nodes)
}

func checkStrategyEdit(id int, admins []string, add, del []StrategyRangeNode, maxNodes int) error {
	if err := checkStrategyID(id); err != nil {
		return err
	}
	if err := checkStrategyAdmins(admins); err != nil {
		return err
	}
	if n := len(add) + len(del); n > maxNodes {
		return check.Invalid("range_add", "%d nodes added and removed, at most %d a call", n, maxNodes)
	}
	if err := checkStrategyNodes("range_add", add); err != nil {
		return err
	}
	return checkStrategyNodes("range_del", del)
}

func (s *Service) strategyListPage(ctx context.Context, path string, p StrategyListParams) (*StrategyPage, error) {
	if err := checkStrategyLimit(p.Limit); err != nil {
		return nil, err
	}
	var out struct {
		Strategies []strategyIDBody `json:"strategy"`
		NextCursor string           `json:"next_cursor"`
	}
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	pg := &StrategyPage{StrategyIDs: make([]int, len(out.Strategies)), NextCursor: out.NextCursor}
	for i, v := range out.Strategies {
		pg.StrategyIDs[i] = v.StrategyID
	}
	return pg, nil
}

func (s *Service) strategyList(ctx context.Context, p StrategyListParams, page func(context.Context, StrategyListParams) (*StrategyPage, error)) iter.Seq2[int, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]int, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := page(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.StrategyIDs, pg.NextCursor, pg.NextCursor != "", nil
	})
}

func strategyGet[T any](ctx context.Context, s *Service, path string, id int) (*T, error) {
	if err := checkStrategyID(id); err != nil {
		return nil, err
	}
	var out struct {
		Strategy T `json:"strategy"`
	}
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(strategyIDBody{id}), &out); err != nil {
		return nil, err
	}
	return &out.Strategy, nil
}

func (s *Service) strategyRangePage(ctx context.Context, path string, p StrategyRangeParams) (*StrategyRangePage, error) {
	if err := checkStrategyID(p.StrategyID); err != nil {
		return nil, err
	}
	if err := checkStrategyLimit(p.Limit); err != nil {
		return nil, err
	}
	var out StrategyRangePage
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) strategyRange(ctx context.Context, p StrategyRangeParams, page func(context.Context, StrategyRangeParams) (*StrategyRangePage, error)) iter.Seq2[StrategyRangeNode, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]StrategyRangeNode, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := page(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Nodes, pg.NextCursor, pg.NextCursor != "", nil
	})
}

func (s *Service) strategyCreate(ctx context.Context, path string, body any) (int, error) {
	var out strategyIDBody
	if err := s.c.Do(ctx, http.MethodPost, path, nil, body, &out); err != nil {
		return 0, err
	}
	return out.StrategyID, nil
}

func (s *Service) strategyDelete(ctx context.Context, path string, id int) error {
	if err := checkStrategyID(id); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, path, nil, strategyIDBody{id}, nil)
}
