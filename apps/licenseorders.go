package apps

import (
	"context"
	"iter"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/ctxtime"
	"github.com/wecom-connector/wecom/internal/pager"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Licence orders (接口调用许可 · 订单管理). An order is paid by the buyer in the provider admin
// console or from the recharge balance ([ProviderService.SubmitLicensePayJob]); only then does
// a purchase get its active codes ([ProviderService.ListLicenseOrderAccounts]) and a renewal
// extend its members' accounts.

// LicenseOrderType is the kind of a licence order (订单类型).
type LicenseOrderType int

// Order types.
const (
	LicenseOrderNew       LicenseOrderType = 1 // 购买账号
	LicenseOrderRenew     LicenseOrderType = 2 // 续期账号
	LicenseOrderMigrated  LicenseOrderType = 5 // 历史企业迁移订单 / 应用版本付费迁移订单
	LicenseOrderContract  LicenseOrderType = 6 // 历史合同迁移订单
	LicenseOrderMultiCorp LicenseOrderType = 8 // 多企业新购订单
)

// LicenseOrderStatus is the state of a licence order (订单状态).
type LicenseOrderStatus int

// Order states.
const (
	LicenseOrderPending        LicenseOrderStatus = 0 // 待支付
	LicenseOrderPaid           LicenseOrderStatus = 1 // 已支付
	LicenseOrderCancelled      LicenseOrderStatus = 2 // 已取消（未支付，订单已关闭）
	LicenseOrderExpired        LicenseOrderStatus = 3 // 未支付，订单已过期
	LicenseOrderRefunding      LicenseOrderStatus = 4 // 申请退款中
	LicenseOrderRefunded       LicenseOrderStatus = 5 // 退款成功
	LicenseOrderRefundRejected LicenseOrderStatus = 6 // 退款被拒绝
	LicenseOrderInvalid        LicenseOrderStatus = 7 // 订单已失效 (test corp removed)
)

// LicenseJobStatus is the state of an asynchronous licence job: a multi-corp order being created
// or a balance payment.
type LicenseJobStatus int

// Job states.
const (
	LicenseJobDone    LicenseJobStatus = 1 // 创建完成 / 支付成功
	LicenseJobRunning LicenseJobStatus = 2 // 创建中 / 支付任务执行中，稍后再试
	LicenseJobFailed  LicenseJobStatus = 3 // 创建失败 / 支付失败
)

// CreateLicenseOrderParams orders new accounts for one corp. BuyerUserID is a member of the
// provider's corp (plain userid) with the 购买接口许可 permission.
type CreateLicenseOrderParams struct {
	CorpID      string          `json:"corpid"`
	BuyerUserID string          `json:"buyer_userid"`
	Count       LicenseCount    `json:"account_count"`
	Duration    LicenseDuration `json:"account_duration"`
}

func (p *CreateLicenseOrderParams) validate() error {
	if err := check.RequiredAll("corpid", p.CorpID, "buyer_userid", p.BuyerUserID); err != nil {
		return err
	}
	if err := p.Count.validate("account_count"); err != nil {
		return err
	}
	return p.Duration.validatePurchase("account_duration")
}

type licenseOrderID struct {
	OrderID string `json:"order_id"`
}

// CreateLicenseOrder orders new base and/or 互通 accounts for a corp and returns the order ID.
// 下单购买账号
//
// The order takes effect once paid. WeCom checks the corp's app orders first; a failed check
// answers an errmsg containing "WARNING".
//
// https://developer.work.weixin.qq.com/document/path/95644
//
//wecom:api POST /cgi-bin/license/create_new_order
func (s *ProviderService) CreateLicenseOrder(ctx context.Context, p CreateLicenseOrderParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	var out licenseOrderID
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/create_new_order", nil, p, &out); err != nil {
		return "", err
	}
	return out.OrderID, nil
}

// LicenseAccountRef is a member's account of one type.
type LicenseAccountRef struct {
	UserID string      `json:"userid"`
	Type   LicenseType `json:"type"`
}

// LicenseRenewJobParams adds members' accounts to a renewal job: JobID empty starts a new job,
// a JobID from an earlier call adds to it. At most 1000 accounts a call.
type LicenseRenewJobParams struct {
	CorpID   string              `json:"corpid"`
	Accounts []LicenseAccountRef `json:"account_list"`
	JobID    string              `json:"jobid,omitempty"`
}

func (p *LicenseRenewJobParams) validate() error {
	if err := check.Required("corpid", p.CorpID); err != nil {
		return err
	}
	if err := checkLicenseBatch("account_list", len(p.Accounts), licenseMaxBatch); err != nil {
		return err
	}
	for _, a := range p.Accounts {
		if err := checkLicenseAccount("account_list.", a.UserID, a.Type); err != nil {
			return err
		}
	}
	return nil
}

// checkLicenseAccount checks a member's account of a type; prefix names the list it is in.
func checkLicenseAccount(prefix, userID string, typ LicenseType) error {
	switch {
	case userID == "":
		return check.Invalid(prefix+"userid", "required")
	case typ != LicenseBase && typ != LicenseExternalContact:
		return check.Invalid(prefix+"type", "%d, want 1 (base) or 2 (互通)", typ)
	}
	return nil
}

// LicenseInvalidAccount is an account a renewal job refused, with WeCom's reason.
type LicenseInvalidAccount struct {
	ErrCode int         `json:"errcode"`
	ErrMsg  string      `json:"errmsg"`
	UserID  string      `json:"userid"`
	Type    LicenseType `json:"type"`
}

// LicenseRenewJob is a renewal job and the accounts it refused.
type LicenseRenewJob struct {
	JobID   string                  `json:"jobid"`
	Invalid []LicenseInvalidAccount `json:"invalid_account_list"`
}

// CreateLicenseRenewJob creates a renewal job for activated accounts, or adds to one; submit it
// with [ProviderService.SubmitLicenseRenewJob]. A job holds up to 1000000 accounts of each type.
// 创建续期任务
//
// https://developer.work.weixin.qq.com/document/path/95646
//
//wecom:api POST /cgi-bin/license/create_renew_order_job
func (s *ProviderService) CreateLicenseRenewJob(ctx context.Context, p LicenseRenewJobParams) (*LicenseRenewJob, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var out LicenseRenewJob
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/create_renew_order_job", nil, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SubmitLicenseRenewParams submits a renewal job as an order. Duration gives Months (1–60) or
// NewExpireTime (after today, within 1860 days), one of them.
type SubmitLicenseRenewParams struct {
	JobID       string          `json:"jobid"`
	BuyerUserID string          `json:"buyer_userid"`
	Duration    LicenseDuration `json:"account_duration"`
}

// SubmitLicenseRenewJob submits a renewal job and returns the order ID; the order takes effect
// once paid.
// 提交续期订单
//
// https://developer.work.weixin.qq.com/document/path/95646
//
//wecom:api POST /cgi-bin/license/submit_order_job
func (s *ProviderService) SubmitLicenseRenewJob(ctx context.Context, p SubmitLicenseRenewParams) (string, error) {
	if err := check.RequiredAll("jobid", p.JobID, "buyer_userid", p.BuyerUserID); err != nil {
		return "", err
	}
	if err := p.Duration.validateRenewal("account_duration"); err != nil {
		return "", err
	}
	var out licenseOrderID
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/submit_order_job", nil, p, &out); err != nil {
		return "", err
	}
	return out.OrderID, nil
}

// ListLicenseOrdersParams filters the provider's orders. CorpID narrows to one corp (a test
// corp's test orders); StartTime and EndTime (Unix seconds, order time) go together, at most 31
// days apart. Limit is 1–1000 (0: WeCom's default 500).
type ListLicenseOrdersParams struct {
	CorpID    string `json:"corpid,omitempty"`
	StartTime int64  `json:"start_time,omitempty"`
	EndTime   int64  `json:"end_time,omitempty"`
	Cursor    string `json:"cursor,omitempty"`
	Limit     int    `json:"limit,omitempty"`
}

func (p *ListLicenseOrdersParams) validate() error {
	switch {
	case (p.StartTime == 0) != (p.EndTime == 0):
		return check.Invalid("start_time", "start_time and end_time go together")
	case p.StartTime > p.EndTime:
		return check.Invalid("start_time", "after end_time")
	case p.EndTime-p.StartTime > licenseMaxRange:
		return check.Invalid("end_time", "more than 31 days after start_time")
	}
	return checkLicenseLimit(p.Limit)
}

// LicenseOrderRef is an order in a list.
type LicenseOrderRef struct {
	OrderID   string           `json:"order_id"`
	OrderType LicenseOrderType `json:"order_type"`
}

// LicenseOrderPage is one page of the order list.
type LicenseOrderPage struct {
	Orders     []LicenseOrderRef `json:"order_list"`
	NextCursor string            `json:"next_cursor"`
	HasMore    wire.Flag         `json:"has_more"`
}

// ListLicenseOrdersPage reads one page of the provider's licence orders. Multi-corp orders are
// listed (type 8, the parent order only) when CorpID is empty.
// 获取订单列表
//
// https://developer.work.weixin.qq.com/document/path/95647
//
//wecom:api POST /cgi-bin/license/list_order
func (s *ProviderService) ListLicenseOrdersPage(ctx context.Context, p ListLicenseOrdersParams) (*LicenseOrderPage, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var out LicenseOrderPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/list_order", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListLicenseOrders walks every order matching p, page by page from p.Cursor.
func (s *ProviderService) ListLicenseOrders(ctx context.Context, p ListLicenseOrdersParams) iter.Seq2[LicenseOrderRef, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]LicenseOrderRef, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListLicenseOrdersPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Orders, pg.NextCursor, bool(pg.HasMore), nil
	})
}

// LicenseOrder is the detail of a licence order. Duration holds Months and Days of a purchase,
// or Months or NewExpireTime of a renewal. PayTime is 0 until paid (and for migrated orders).
type LicenseOrder struct {
	OrderID     string             `json:"order_id"`
	OrderType   LicenseOrderType   `json:"order_type"`
	OrderStatus LicenseOrderStatus `json:"order_status"`
	CorpID      string             `json:"corpid"` // encrypted corp ID
	Price       int64              `json:"price"`  // fen
	Count       LicenseCount       `json:"account_count"`
	Duration    LicenseDuration    `json:"account_duration"`
	CreateTime  int64              `json:"create_time"`
	PayTime     int64              `json:"pay_time"`
}

// GetLicenseOrder reads an order's state, counts and duration (not its accounts: see
// [ProviderService.ListLicenseOrderAccounts]). For a multi-corp order use
// [ProviderService.GetLicenseUnionOrder].
// 获取订单详情
//
// https://developer.work.weixin.qq.com/document/path/95648
//
//wecom:api POST /cgi-bin/license/get_order
func (s *ProviderService) GetLicenseOrder(ctx context.Context, orderID string) (*LicenseOrder, error) {
	if err := check.Required("order_id", orderID); err != nil {
		return nil, err
	}
	var out struct {
		Order LicenseOrder `json:"order"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/get_order", nil, client.Idempotent(licenseOrderID{orderID}), &out); err != nil {
		return nil, err
	}
	return &out.Order, nil
}

// ListLicenseOrderAccountsParams pages the accounts of an order (of a multi-corp order: of one
// sub_order_id). Limit is 1–1000 (0: WeCom's default 500).
type ListLicenseOrderAccountsParams struct {
	OrderID string `json:"order_id"`
	Limit   int    `json:"limit,omitempty"`
	Cursor  string `json:"cursor,omitempty"`
}

// LicenseOrderAccount is an account of an order: the active code of a purchase, or the member of
// a renewal (encrypted userid).
type LicenseOrderAccount struct {
	ActiveCode string      `json:"active_code,omitempty"`
	UserID     string      `json:"userid,omitempty"`
	Type       LicenseType `json:"type"`
}

// LicenseOrderAccountPage is one page of an order's accounts.
type LicenseOrderAccountPage struct {
	Accounts   []LicenseOrderAccount `json:"account_list"`
	NextCursor string                `json:"next_cursor"`
	HasMore    wire.Flag             `json:"has_more"`
}

// ListLicenseOrderAccountsPage reads one page of an order's accounts. A purchase lists no code
// before it is paid.
// 获取订单中的账号列表
//
// https://developer.work.weixin.qq.com/document/path/95649
//
//wecom:api POST /cgi-bin/license/list_order_account
func (s *ProviderService) ListLicenseOrderAccountsPage(ctx context.Context, p ListLicenseOrderAccountsParams) (*LicenseOrderAccountPage, error) {
	if err := check.Required("order_id", p.OrderID); err != nil {
		return nil, err
	}
	if err := checkLicenseLimit(p.Limit); err != nil {
		return nil, err
	}
	var out LicenseOrderAccountPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/list_order_account", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListLicenseOrderAccounts walks every account of an order, page by page from p.Cursor.
func (s *ProviderService) ListLicenseOrderAccounts(ctx context.Context, p ListLicenseOrderAccountsParams) iter.Seq2[LicenseOrderAccount, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]LicenseOrderAccount, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListLicenseOrderAccountsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Accounts, pg.NextCursor, bool(pg.HasMore), nil
	})
}

// CancelLicenseOrder cancels an unpaid purchase or renewal order of corpID; leave corpID empty
// for a multi-corp order.
// 取消订单
//
// https://developer.work.weixin.qq.com/document/path/96106
//
//wecom:api POST /cgi-bin/license/cancel_order
func (s *ProviderService) CancelLicenseOrder(ctx context.Context, corpID, orderID string) error {
	if err := check.Required("order_id", orderID); err != nil {
		return err
	}
	in := struct {
		OrderID string `json:"order_id"`
		CorpID  string `json:"corpid,omitempty"`
	}{orderID, corpID}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/cancel_order", nil, in, nil)
}

// LicenseBuyInfo is one corp of a multi-corp purchase. AutoActive nil leaves WeCom's default
// (on); client.Ptr(apps.AutoActiveOff) turns it off.
type LicenseBuyInfo struct {
	CorpID     string            `json:"corpid"`
	Count      LicenseCount      `json:"account_count"`
	Duration   LicenseDuration   `json:"account_duration"`
	AutoActive *AutoActiveStatus `json:"auto_active_status,omitempty"`
}

// LicenseMultiCorpJobParams adds corps to a multi-corp purchase job: JobID empty starts a new
// job. At most 10 corps a call, 100000 a job; test corps cannot take part.
type LicenseMultiCorpJobParams struct {
	BuyList []LicenseBuyInfo `json:"buy_list"`
	JobID   string           `json:"jobid,omitempty"`
}

func (p *LicenseMultiCorpJobParams) validate() error {
	if err := checkLicenseBatch("buy_list", len(p.BuyList), licenseMaxBuyList); err != nil {
		return err
	}
	for _, b := range p.BuyList {
		if err := check.Required("buy_list.corpid", b.CorpID); err != nil {
			return err
		}
		if err := b.Count.validate("buy_list.account_count"); err != nil {
			return err
		}
		if err := b.Duration.validatePurchase("buy_list.account_duration"); err != nil {
			return err
		}
		if b.AutoActive != nil && *b.AutoActive != AutoActiveOff && *b.AutoActive != AutoActiveOn {
			return check.Invalid("buy_list.auto_active_status", "%d, want 0 or 1", *b.AutoActive)
		}
	}
	return nil
}

// LicenseCorpError is a corp WeCom refused or failed in a multi-corp job or a payment.
type LicenseCorpError struct {
	CorpID  string `json:"corpid"`
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// LicenseMultiCorpJob is a multi-corp purchase job and the corps it refused.
type LicenseMultiCorpJob struct {
	JobID   string             `json:"jobid"`
	Invalid []LicenseCorpError `json:"invalid_list"`
}

// CreateLicenseMultiCorpJob creates a multi-corp purchase job, or adds corps to one; submit it
// with [ProviderService.SubmitLicenseMultiCorpJob].
// 创建多企业新购任务
//
// https://developer.work.weixin.qq.com/document/path/98892
//
//wecom:api POST /cgi-bin/license/create_new_order_job
func (s *ProviderService) CreateLicenseMultiCorpJob(ctx context.Context, p LicenseMultiCorpJobParams) (*LicenseMultiCorpJob, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var out LicenseMultiCorpJob
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/create_new_order_job", nil, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// SubmitLicenseMultiCorpJob submits a multi-corp purchase job. WeCom creates the order
// asynchronously: read it with [ProviderService.GetLicenseMultiCorpJobResult] or
// [ProviderService.WaitLicenseMultiCorpJob].
// 提交多企业新购订单
//
// https://developer.work.weixin.qq.com/document/path/98892
//
//wecom:api POST /cgi-bin/license/submit_new_order_job
func (s *ProviderService) SubmitLicenseMultiCorpJob(ctx context.Context, jobID, buyerUserID string) error {
	if err := check.RequiredAll("jobid", jobID, "buyer_userid", buyerUserID); err != nil {
		return err
	}
	in := struct {
		JobID string `json:"jobid"`
		Buyer string `json:"buyer_userid"`
	}{jobID, buyerUserID}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/submit_new_order_job", nil, in, nil)
}

// LicenseMultiCorpJobResult is the outcome of a submitted multi-corp job: the order once
// Status is LicenseJobDone, and the corps that could not be ordered for.
type LicenseMultiCorpJobResult struct {
	Status  LicenseJobStatus   `json:"status"`
	OrderID string             `json:"order_id"`
	Failed  []LicenseCorpError `json:"fail_list"`
}

type licenseJobID struct {
	JobID string `json:"jobid"`
}

// GetLicenseMultiCorpJobResult reads the outcome of a submitted multi-corp job (readable 7 days
// after submitting).
// 获取多企业新购订单提交结果
//
// https://developer.work.weixin.qq.com/document/path/98892
//
//wecom:api POST /cgi-bin/license/new_order_job_result
func (s *ProviderService) GetLicenseMultiCorpJobResult(ctx context.Context, jobID string) (*LicenseMultiCorpJobResult, error) {
	if err := check.Required("jobid", jobID); err != nil {
		return nil, err
	}
	var out LicenseMultiCorpJobResult
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/new_order_job_result", nil, client.Idempotent(licenseJobID{jobID}), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitLicenseMultiCorpJob polls a submitted multi-corp job with backoff (100 ms doubling to 5 s)
// until it is no longer running, an error occurs or ctx ends; check the result's Status.
func (s *ProviderService) WaitLicenseMultiCorpJob(ctx context.Context, jobID string) (*LicenseMultiCorpJobResult, error) {
	return ctxtime.Poll(ctx, func(ctx context.Context) (*LicenseMultiCorpJobResult, bool, error) {
		r, err := s.GetLicenseMultiCorpJobResult(ctx, jobID)
		return r, err == nil && r.Status != LicenseJobRunning, err
	})
}

// LicenseUnionOrderParams pages the corps of a multi-corp order. Limit is 1–1000 (0: WeCom's
// default 500).
type LicenseUnionOrderParams struct {
	OrderID string `json:"order_id"`
	Limit   int    `json:"limit,omitempty"`
	Cursor  string `json:"cursor,omitempty"`
}

// LicenseUnionOrder is a multi-corp order (type 8). PayTime is 0 until paid.
type LicenseUnionOrder struct {
	OrderID     string             `json:"order_id"`
	OrderType   LicenseOrderType   `json:"order_type"`
	OrderStatus LicenseOrderStatus `json:"order_status"`
	Price       int64              `json:"price"` // fen
	CreateTime  int64              `json:"create_time"`
	PayTime     int64              `json:"pay_time"`
}

// LicenseUnionBuy is one corp of a multi-corp order: list its accounts with SubOrderID and
// [ProviderService.ListLicenseOrderAccounts].
type LicenseUnionBuy struct {
	SubOrderID string          `json:"sub_order_id"`
	CorpID     string          `json:"corpid"` // encrypted corp ID
	Count      LicenseCount    `json:"account_count"`
	Duration   LicenseDuration `json:"account_duration"`
}

// LicenseUnionOrderPage is a multi-corp order and one page of its corps.
type LicenseUnionOrderPage struct {
	Order      LicenseUnionOrder `json:"order"`
	BuyList    []LicenseUnionBuy `json:"buy_list"`
	NextCursor string            `json:"next_cursor"`
	HasMore    wire.Flag         `json:"has_more"`
}

// GetLicenseUnionOrder reads a multi-corp order and one page of its corps.
// 获取多企业订单详情
//
// https://developer.work.weixin.qq.com/document/path/98893
//
//wecom:api POST /cgi-bin/license/get_union_order
func (s *ProviderService) GetLicenseUnionOrder(ctx context.Context, p LicenseUnionOrderParams) (*LicenseUnionOrderPage, error) {
	if err := check.Required("order_id", p.OrderID); err != nil {
		return nil, err
	}
	if err := checkLicenseLimit(p.Limit); err != nil {
		return nil, err
	}
	var out LicenseUnionOrderPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/get_union_order", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListLicenseUnionOrderCorps walks every corp of a multi-corp order, page by page from p.Cursor.
func (s *ProviderService) ListLicenseUnionOrderCorps(ctx context.Context, p LicenseUnionOrderParams) iter.Seq2[LicenseUnionBuy, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]LicenseUnionBuy, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.GetLicenseUnionOrder(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.BuyList, pg.NextCursor, bool(pg.HasMore), nil
	})
}

// SubmitLicensePayJob pays an order (single-corp purchase or renewal, or multi-corp purchase)
// from the recharge balance and returns the payment job's ID. The order can no longer be paid
// another way. The payer is a member of the provider's corp with the 购买接口许可 permission.
// 提交余额支付订单任务
//
// The payment runs asynchronously: read it with [ProviderService.GetLicensePayJobResult] or
// [ProviderService.WaitLicensePayJob].
//
// https://developer.work.weixin.qq.com/document/path/99415
//
//wecom:api POST /cgi-bin/license/submit_pay_job
func (s *ProviderService) SubmitLicensePayJob(ctx context.Context, payerUserID, orderID string) (string, error) {
	if err := check.RequiredAll("payer_userid", payerUserID, "order_id", orderID); err != nil {
		return "", err
	}
	in := struct {
		Payer   string `json:"payer_userid"`
		OrderID string `json:"order_id"`
	}{payerUserID, orderID}
	var out licenseJobID
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/submit_pay_job", nil, in, &out); err != nil {
		return "", err
	}
	return out.JobID, nil
}

// LicensePayFailure is why a balance payment failed: an account reason (90432 no recharge
// account, 90433 balance too low, 701161 bank payment chosen), a corp reason (701160, with the
// corps in FailedCorps: 701129 no app order, 701130 app orders expired) or another (48001 payer
// without permission, 701005 unknown order, 701084 not pending, 701147 over the single-payment
// limit).
type LicensePayFailure struct {
	ErrCode     int                `json:"errcode"`
	ErrMsg      string             `json:"errmsg"`
	FailedCorps []LicenseCorpError `json:"fail_corp_list"`
}

// LicensePayJobResult is the outcome of a balance payment; Failure is set when Status is
// LicenseJobFailed.
type LicensePayJobResult struct {
	Status  LicenseJobStatus   `json:"status"`
	Failure *LicensePayFailure `json:"pay_job_result,omitempty"`
}

// GetLicensePayJobResult reads the outcome of a balance payment (readable 7 days after
// submitting). A failed payment is a result, not an error.
// 获取订单支付结果
//
// https://developer.work.weixin.qq.com/document/path/99415
//
//wecom:api POST /cgi-bin/license/pay_job_result
func (s *ProviderService) GetLicensePayJobResult(ctx context.Context, jobID string) (*LicensePayJobResult, error) {
	if err := check.Required("jobid", jobID); err != nil {
		return nil, err
	}
	var out LicensePayJobResult
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/pay_job_result", nil, client.Idempotent(licenseJobID{jobID}), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitLicensePayJob polls a balance payment with backoff (100 ms doubling to 5 s) until it is no
// longer running, an error occurs or ctx ends; check the result's Status.
func (s *ProviderService) WaitLicensePayJob(ctx context.Context, jobID string) (*LicensePayJobResult, error) {
	return ctxtime.Poll(ctx, func(ctx context.Context) (*LicensePayJobResult, bool, error) {
		r, err := s.GetLicensePayJobResult(ctx, jobID)
		return r, err == nil && r.Status != LicenseJobRunning, err
	})
}
