package contacts

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/fanout"
	"github.com/wecom-connector/wecom/internal/pager"
)

// Customer and group chat handover: 在职继承 moves an active member's customers and customer
// groups to another member, 离职继承 those of a member who left. A customer handover starts per
// customer and completes after 24 hours unless the customer refuses; the ...Results calls
// report where each one stands. WeCom allows each customer (and each customer group) of an
// active member two handovers in 90 days.

// maxTransfer is the most customers or group chats one handover call carries.
const maxTransfer = 100

// TransferStatus is where a customer handover stands (接替状态).
type TransferStatus int

// Handover states. WeCom's current pages list 1–4; TransferNoRecord comes from the retired
// get_transfer_result page and is kept so that such an answer is named.
const (
	TransferDone          TransferStatus = 1 // 接替完毕
	TransferWaiting       TransferStatus = 2 // 等待接替 (TakeoverTime is when it will complete)
	TransferRefused       TransferStatus = 3 // 客户拒绝
	TransferLimitExceeded TransferStatus = 4 // 接替成员客户达到上限
	TransferNoRecord      TransferStatus = 5 // 无接替记录
)

// String names the state ("done", "waiting", …); unknown values print as their number.
func (s TransferStatus) String() string {
	switch s {
	case TransferDone:
		return "done"
	case TransferWaiting:
		return "waiting"
	case TransferRefused:
		return "refused"
	case TransferLimitExceeded:
		return "limit exceeded"
	case TransferNoRecord:
		return "no record"
	}
	return "TransferStatus(" + strconv.Itoa(int(s)) + ")"
}

// TransferCustomersParams hands 1–100 customers of HandoverUserID to TakeoverUserID; the
// ...InParts helpers take any number. SuccessMessage (at most 200 characters; empty: WeCom's
// default text) is sent to each customer once the handover completes; only on-job handovers
// ([Service.TransferCustomers]) take one.
type TransferCustomersParams struct {
	HandoverUserID  string   `json:"handover_userid"`
	TakeoverUserID  string   `json:"takeover_userid"`
	ExternalUserIDs []string `json:"external_userid"`
	SuccessMessage  string   `json:"transfer_success_msg,omitempty"`
}

func (p *TransferCustomersParams) validate(resigned bool) error {
	if err := check.RequiredAll("handover_userid", p.HandoverUserID, "takeover_userid", p.TakeoverUserID); err != nil {
		return err
	}
	switch n := len(p.ExternalUserIDs); {
	case n == 0 || n > maxTransfer:
		return check.Invalid("external_userid", "%d customers, want 1–100 (the InParts helpers take more)", n)
	case resigned && p.SuccessMessage != "":
		return check.Invalid("transfer_success_msg", "only on-job handovers send a message")
	case utf8.RuneCountInString(p.SuccessMessage) > 200:
		return check.Invalid("transfer_success_msg", "%d characters, at most 200", utf8.RuneCountInString(p.SuccessMessage))
	}
	return nil
}

// CustomerTransfer is the outcome of one customer of a handover call. Code 0 means the
// handover started and completes in 24 hours unless the customer refuses; any other value is
// a WeCom errcode for this customer, such as 40096 (no such customer), 84061 (not a customer
// of the handing-over member), 40128 (handed over twice in 90 days), 40129 (a handover is
// already under way) or 40099 (the taking-over member has too many customers).
type CustomerTransfer struct {
	ExternalUserID string `json:"external_userid"`
	Code           int    `json:"errcode"`
}

// TransferCustomersResult is the answer of a handover call: one outcome per customer.
type TransferCustomersResult struct {
	Customers []CustomerTransfer `json:"customer"`
}

// Failed returns the customers whose handover did not start.
func (r *TransferCustomersResult) Failed() []CustomerTransfer {
	var out []CustomerTransfer
	for _, c := range r.Customers {
		if c.Code != 0 {
			out = append(out, c)
		}
	}
	return out
}

// TransferCustomers hands 1–100 customers of an active member to another member (在职继承);
// [Service.TransferCustomersInParts] takes more. The answer has one outcome per customer.
// Both members must have logged in within a year; the taking-over member must have the
// customer-contact feature, be activated and verified, and be visible to the app.
// 分配在职成员的客户
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92125
//
//wecom:api POST /cgi-bin/externalcontact/transfer_customer
func (s *Service) TransferCustomers(ctx context.Context, p TransferCustomersParams) (*TransferCustomersResult, error) {
	return s.transferCustomers(ctx, "/cgi-bin/externalcontact/transfer_customer", p, false)
}

// TransferResignedCustomers hands 1–100 customers of a member who left (离职继承) to another
// member; [Service.TransferResignedCustomersInParts] takes more. HandoverUserID must have
// left within a year (40097 otherwise: not yet left); SuccessMessage must be empty. The answer
// has one outcome per customer.
// 分配离职成员的客户
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94081
//
//wecom:api POST /cgi-bin/externalcontact/resigned/transfer_customer
func (s *Service) TransferResignedCustomers(ctx context.Context, p TransferCustomersParams) (*TransferCustomersResult, error) {
	return s.transferCustomers(ctx, "/cgi-bin/externalcontact/resigned/transfer_customer", p, true)
}

func (s *Service) transferCustomers(ctx context.Context, path string, p TransferCustomersParams, resigned bool) (*TransferCustomersResult, error) {
	if err := p.validate(resigned); err != nil {
		return nil, err
	}
	var out TransferCustomersResult
	if err := s.c.Do(ctx, http.MethodPost, path, nil, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TransferCustomersInParts is [Service.TransferCustomers] for any number of customers: one
// call per 100 (a customer listed twice is sent once), one part per call made, with the
// failure policy of [client.Part]. Per-customer refusals are outcomes of a call that went
// through; [TransferOutcomes] merges them.
func (s *Service) TransferCustomersInParts(ctx context.Context, p TransferCustomersParams) ([]client.Part[TransferCustomersParams, TransferCustomersResult], error) {
	return transferInParts(ctx, p, s.TransferCustomers)
}

// TransferResignedCustomersInParts is [Service.TransferResignedCustomers] for any number of
// customers, split and reported like [Service.TransferCustomersInParts].
func (s *Service) TransferResignedCustomersInParts(ctx context.Context, p TransferCustomersParams) ([]client.Part[TransferCustomersParams, TransferCustomersResult], error) {
	return transferInParts(ctx, p, s.TransferResignedCustomers)
}

func transferInParts(ctx context.Context, p TransferCustomersParams, call func(context.Context, TransferCustomersParams) (*TransferCustomersResult, error)) ([]client.Part[TransferCustomersParams, TransferCustomersResult], error) {
	if len(p.ExternalUserIDs) == 0 {
		return nil, check.Invalid("external_userid", "required")
	}
	ids := unique(p.ExternalUserIDs)
	calls := make([]TransferCustomersParams, fanout.Calls(len(ids), maxTransfer))
	for i := range calls {
		calls[i] = p
		calls[i].ExternalUserIDs = fanout.Window(ids, i, maxTransfer)
	}
	return fanout.Run(ctx, calls, call, nil)
}

// unique returns ids without repeats, in first-seen order.
func unique(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// TransferOutcomes merges the per-customer outcomes of the calls of a handover fan-out that
// went through, in order.
func TransferOutcomes(parts []client.Part[TransferCustomersParams, TransferCustomersResult]) []CustomerTransfer {
	var out []CustomerTransfer
	for _, p := range parts {
		if p.Out != nil {
			out = append(out, p.Out.Customers...)
		}
	}
	return out
}

// TransferResultsParams selects the handovers from HandoverUserID to TakeoverUserID; Cursor
// is empty for the first page.
type TransferResultsParams struct {
	HandoverUserID string `json:"handover_userid"`
	TakeoverUserID string `json:"takeover_userid"`
	Cursor         string `json:"cursor,omitempty"`
}

// CustomerTransferStatus is where one customer's handover stands. TakeoverTime (Unix
// seconds) is when it completed, or for TransferWaiting when it will; 0 when it failed.
type CustomerTransferStatus struct {
	ExternalUserID string         `json:"external_userid"`
	Status         TransferStatus `json:"status"`
	TakeoverTime   int64          `json:"takeover_time"`
}

// TransferResultsPage is one page (at most 1000) of handover states; NextCursor is empty on
// the last page.
type TransferResultsPage struct {
	Customers  []CustomerTransferStatus `json:"customer"`
	NextCursor string                   `json:"next_cursor"`
}

// ListTransferResultsPage reads one page of the states of on-job handovers between two
// members.
// 查询客户接替状态 (在职继承)
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94088
//
//wecom:api POST /cgi-bin/externalcontact/transfer_result
func (s *Service) ListTransferResultsPage(ctx context.Context, p TransferResultsParams) (*TransferResultsPage, error) {
	return s.transferResults(ctx, "/cgi-bin/externalcontact/transfer_result", p)
}

// ListTransferResults walks the states of every on-job handover between two members.
func (s *Service) ListTransferResults(ctx context.Context, p TransferResultsParams) iter.Seq2[CustomerTransferStatus, error] {
	return s.walkTransferResults(ctx, p, s.ListTransferResultsPage)
}

// ListResignedTransferResultsPage reads one page of the states of handovers from a member who
// left to another member.
// 查询客户接替状态 (离职继承)
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94082
//
//wecom:api POST /cgi-bin/externalcontact/resigned/transfer_result
func (s *Service) ListResignedTransferResultsPage(ctx context.Context, p TransferResultsParams) (*TransferResultsPage, error) {
	return s.transferResults(ctx, "/cgi-bin/externalcontact/resigned/transfer_result", p)
}

// ListResignedTransferResults walks the states of every handover from a member who left to
// another member.
func (s *Service) ListResignedTransferResults(ctx context.Context, p TransferResultsParams) iter.Seq2[CustomerTransferStatus, error] {
	return s.walkTransferResults(ctx, p, s.ListResignedTransferResultsPage)
}

func (s *Service) transferResults(ctx context.Context, path string, p TransferResultsParams) (*TransferResultsPage, error) {
	if err := check.RequiredAll("handover_userid", p.HandoverUserID, "takeover_userid", p.TakeoverUserID); err != nil {
		return nil, err
	}
	var out TransferResultsPage
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *Service) walkTransferResults(ctx context.Context, p TransferResultsParams, page func(context.Context, TransferResultsParams) (*TransferResultsPage, error)) iter.Seq2[CustomerTransferStatus, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]CustomerTransferStatus, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := page(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Customers, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// UnassignedParams pages the customers of members who left. PageSize is 1–1000; 0 leaves it
// to WeCom (1000).
type UnassignedParams struct {
	Cursor   string `json:"cursor,omitempty"`
	PageSize int    `json:"page_size,omitempty"`
}

// UnassignedCustomer is a customer of a member who left, waiting to be handed over.
// DimissionTime is when the member left (Unix seconds).
type UnassignedCustomer struct {
	HandoverUserID string `json:"handover_userid"`
	ExternalUserID string `json:"external_userid"`
	DimissionTime  int64  `json:"dimission_time"`
}

// UnassignedPage is one page of customers waiting to be handed over; NextCursor is empty (and
// IsLast true) on the last page.
type UnassignedPage struct {
	Customers  []UnassignedCustomer `json:"info"`
	IsLast     bool                 `json:"is_last"`
	NextCursor string               `json:"next_cursor"`
}

// ListUnassignedCustomersPage reads one page of the customers of members who left that are
// still to be handed over ([Service.TransferResignedCustomers]).
// 获取待分配的离职成员列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92124
//
//wecom:api POST /cgi-bin/externalcontact/get_unassigned_list
func (s *Service) ListUnassignedCustomersPage(ctx context.Context, p UnassignedParams) (*UnassignedPage, error) {
	if p.PageSize < 0 || p.PageSize > 1000 {
		return nil, check.Invalid("page_size", "%d, want 1–1000 (0: WeCom's default)", p.PageSize)
	}
	var out UnassignedPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_unassigned_list", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListUnassignedCustomers walks the customers of members who left that are still to be
// handed over, one page at a time.
func (s *Service) ListUnassignedCustomers(ctx context.Context, p UnassignedParams) iter.Seq2[UnassignedCustomer, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]UnassignedCustomer, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListUnassignedCustomersPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Customers, pg.NextCursor, pg.NextCursor != "", nil // next_cursor is empty once done; is_last serves page_id paging too
	})
}

// TransferGroupChatsParams hands 1–100 customer groups to NewOwner; the ...InParts helpers
// take any number. NewOwner must have the customer-contact feature, be verified and
// activated, and have logged in within a year; WeCom hands over at most 300 groups of one
// owner a day.
type TransferGroupChatsParams struct {
	ChatIDs  []string `json:"chat_id_list"`
	NewOwner string   `json:"new_owner"`
}

func (p *TransferGroupChatsParams) validate() error {
	if n := len(p.ChatIDs); n == 0 || n > maxTransfer {
		return check.Invalid("chat_id_list", "%d group chats, want 1–100 (the InParts helpers take more)", n)
	}
	return check.Required("new_owner", p.NewOwner)
}

// FailedChat is a customer group a handover call could not hand over, with WeCom's errcode:
// 90500 (the owner has not left), 90501 (not a customer group), 90502 (the owner has left:
// use the resigned call), 90504 (already the owner), 90507/90508 (being or already taken over
// after the owner left), among others.
type FailedChat struct {
	ChatID  string `json:"chat_id"`
	Code    int    `json:"errcode"`
	Message string `json:"errmsg"`
}

// TransferGroupChatsResult lists the groups that were not handed over; the others were.
type TransferGroupChatsResult struct {
	Failed []FailedChat `json:"failed_chat_list"`
}

// TransferGroupChats hands customer groups owned by active members to a new owner (在职继承);
// [Service.TransferGroupChatsInParts] takes more than 100.
// 分配在职成员的客户群
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95703
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/onjob_transfer
func (s *Service) TransferGroupChats(ctx context.Context, p TransferGroupChatsParams) (*TransferGroupChatsResult, error) {
	return s.transferGroupChats(ctx, "/cgi-bin/externalcontact/groupchat/onjob_transfer", p)
}

// TransferResignedGroupChats hands customer groups whose owner left to a new owner
// (离职继承); [Service.TransferResignedGroupChatsInParts] takes more than 100.
// 分配离职成员的客户群
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92127
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/transfer
func (s *Service) TransferResignedGroupChats(ctx context.Context, p TransferGroupChatsParams) (*TransferGroupChatsResult, error) {
	return s.transferGroupChats(ctx, "/cgi-bin/externalcontact/groupchat/transfer", p)
}

func (s *Service) transferGroupChats(ctx context.Context, path string, p TransferGroupChatsParams) (*TransferGroupChatsResult, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var out TransferGroupChatsResult
	if err := s.c.Do(ctx, http.MethodPost, path, nil, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TransferGroupChatsInParts is [Service.TransferGroupChats] for any number of groups: one
// call per 100 (a group listed twice is sent once), one part per call made, with the failure
// policy of [client.Part]. [FailedChats] merges the groups the calls could not hand over.
func (s *Service) TransferGroupChatsInParts(ctx context.Context, p TransferGroupChatsParams) ([]client.Part[TransferGroupChatsParams, TransferGroupChatsResult], error) {
	return chatsInParts(ctx, p, s.TransferGroupChats)
}

// TransferResignedGroupChatsInParts is [Service.TransferResignedGroupChats] for any number of
// groups, split and reported like [Service.TransferGroupChatsInParts].
func (s *Service) TransferResignedGroupChatsInParts(ctx context.Context, p TransferGroupChatsParams) ([]client.Part[TransferGroupChatsParams, TransferGroupChatsResult], error) {
	return chatsInParts(ctx, p, s.TransferResignedGroupChats)
}

func chatsInParts(ctx context.Context, p TransferGroupChatsParams, call func(context.Context, TransferGroupChatsParams) (*TransferGroupChatsResult, error)) ([]client.Part[TransferGroupChatsParams, TransferGroupChatsResult], error) {
	if len(p.ChatIDs) == 0 {
		return nil, check.Invalid("chat_id_list", "required")
	}
	ids := unique(p.ChatIDs)
	calls := make([]TransferGroupChatsParams, fanout.Calls(len(ids), maxTransfer))
	for i := range calls {
		calls[i] = TransferGroupChatsParams{ChatIDs: fanout.Window(ids, i, maxTransfer), NewOwner: p.NewOwner}
	}
	return fanout.Run(ctx, calls, call, nil)
}

// FailedChats merges the groups that the calls of a group chat handover fan-out which went
// through could not hand over, in order.
func FailedChats(parts []client.Part[TransferGroupChatsParams, TransferGroupChatsResult]) []FailedChat {
	var out []FailedChat
	for _, p := range parts {
		if p.Out != nil {
			out = append(out, p.Out.Failed...)
		}
	}
	return out
}
