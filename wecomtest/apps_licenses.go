package wecomtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// The interface licence (接口调用许可) family: orders a provider places for the corps that
// installed its apps, payment (by the buyer in the admin console, [Server.PayLicenseOrder], or
// from the provider's balance through a pay job), the active codes a paid order creates,
// activation of members, inheritance, sharing with downstream corps, auto-activation, and the
// free trial that ends in a licence check on the corp's calls (apps_licenses_gate.go).
//
// Pages (https://developer.work.weixin.qq.com/document/path/…): 95652 overview, 95644 new order,
// 95646 renewal, 95647 order list, 95648 order detail, 95649 order accounts, 96106 cancel,
// 98892 multi-corp order, 98893 multi-corp order detail, 99415 balance payment, 95553
// activation, 95552 code detail, 95544 account list, 95555 member detail, 95673 inheritance,
// 96059 sharing, 95844 app licence state, 95873/95874 auto-activation, 100137 balance, 96515
// support policy.

// Licence errcodes of the global errcode table that the client has no constant for.
const (
	licInvalidAccountType  = client.CodeInvalidLicenseAccountType    // 不合法的账号类型
	licJobTooLarge         = client.CodeLicenseJobTooLarge           // jobid最多关联100w个userid
	licCorpNotAuthorised   = client.CodeLicenseCorpNotAuthorized     // 没有第三方或者代开发授权，不允许下单
	licAccountInactive     = client.CodeLicenseAccountInactive       // 账号未激活或者已经过期
	licTransferredRecently = client.CodeLicenseTransferredRecently   // 账号30天内迁移过
	licTakeoverHasAccount  = client.CodeLicenseTakeoverHasAccount    // 接收账号已有相同类型的账号且剩余有效时长超过20天
	licInvalidUser         = client.CodeInvalidLicenseUser           // 用户userid非法或者跨企业
	licDuplicateUser       = client.CodeDuplicateLicenseUser         // 有重复的userid
	licInvalidCode         = client.CodeInvalidActiveCode            // 非法的激活码
	licDuplicateCode       = client.CodeDuplicateActiveCode          // 有重复的激活码
	licEmptyList           = client.CodeLicenseEmptyList             // 批量操作传了空列表
	licListTooLong         = client.CodeLicenseListTooLong           // 列表数量超过最大值
	licTestCorpCount       = client.CodeTestCorpLicenseCount         // 测试企业购买账号个数超限
	licTestCorpMonths      = client.CodeTestCorpLicenseMonths        // 测试企业购买月份超限，最多只能购买一个月
	licOverFiveYears       = client.CodeLicenseOverFiveYears         // 新激活码有效期累加用户绑定的旧激活码有效期超过5年
	licCodeBound           = client.CodeActiveCodeBound              // 激活码已绑定
	licNotActivated        = client.CodeLicenseNotActivated          // 用户未激活该类型激活码，不允许续期
	licInvalidOrder        = client.CodeInvalidLicenseOrder          // 无效的license订单
	licUserBound           = client.CodeUserLicenseBound             // userid已经绑定
	licCodeFromUpstream    = client.CodeActiveCodeFromUpstream       // 激活码分享自上游企业
	licCodeSharedAway      = client.CodeActiveCodeSharedDownstream   // 激活码分享给了下游企业
	licShareOverTwice      = client.CodeLicenseShareLimit            // 总分享激活码数超上下游通讯录人数2倍
	licUpstreamNotAuth     = client.CodeLicenseUpstreamNotAuthorized // 服务商没有授权上游企业
	licNotLinked           = client.CodeLicenseCorpsNotLinked        // 来源企业和目标企业没有上下游关系
	licBadAutoActive       = client.CodeInvalidAutoActiveStatus      // 无效的自动激活状态
	licNeverBought         = client.CodeLicenseNeverBought           // 从未为授权企业购买过接口许可
	licNoFreeCode          = client.CodeNoFreeLicense                // 该企业没有有效的未激活许可
	licOldCodeTooLong      = client.CodeLicenseOldCodeTooLong        // 旧码剩余的时长不能超过20天
	licOrderNotPending     = client.CodeLicenseOrderNotPending       // 订单不是未支付
	licOrderOtherCorp      = client.CodeLicenseOrderOtherCorp        // 订单不属于该企业
	licBadTime             = client.CodeLicenseInvalidTime           // 时间戳不合法
	licLimitTooLarge       = client.CodeLicenseLimitTooLarge         // limit大小超过上限1000
	licPolicyExpired       = client.CodeLicensePolicyExpired         // 民生行业优惠政策已到期
	licParentOrder         = client.CodeLicenseParentOrder           // 该接口不支持传父订单id
	licTestCorpMultiOrder  = client.CodeTestCorpMultiOrder           // 测试企业不允许调用多企业下单接口
	licAllCorpsInvalid     = client.CodeLicenseAllCorpsInvalid       // 多企业下单接口全部企业无效
	licMultiJobTooLarge    = client.CodeLicenseMultiJobTooLarge      // 多企业下单接口每个jobid最多关联10万个企业
	licDuplicateCorp       = client.CodeLicenseDuplicateCorp         // corpid重复
	licJobNotSubmitted     = client.CodeLicenseJobNotSubmitted       // jobid未提交
	licJobSubmitted        = client.CodeLicenseJobSubmitted          // jobid已提交
	licTestCorpNoShare     = 701150                                  // 测试企业不支持分配许可
	licBadJob              = client.CodeInvalidLicenseJobID          // jobid不正确或者已失效
	licOrderTypeNotAllowed = 701158                                  // 不支持的订单类型
	licBadCount            = 701159                                  // 不合法的购买人数
	licCancelPaid          = client.CodeLicenseOrderNotCancellable   // 只允许取消未支付的订单
	licNoPayAccount        = client.CodeBalanceAccountNotOpened      // 充值账户未开通
	licLowBalance          = client.CodeInsufficientBalance          // 账户余额不足
)

// Account types (账号类型) and the documented time rules.
const (
	licBase     = 1 // 基础账号
	licExternal = 2 // 互通账号

	licDay          = 24 * time.Hour
	licMonthDays    = 31   // a month counts 31 days (95644)
	licMaxDays      = 1860 // 60 months, also the 5-year cap of stacked codes (95553)
	licTrialDays    = 90   // the free trial after the first install (95652, 95844)
	licStackDays    = 20   // an old code may be replaced when ≤ 20 days remain (95553, 95673)
	licRelockDays   = 30   // an in-service member's account moves again after 30 days (95673)
	licAutoRenewDay = 7    // auto-activation renews an account with ≤ 7 days left (97198)
	licJobKeepDays  = 7    // job results are readable 7 days (98892, 99415)
	licMaxCount     = 1000000
	licTestMaxCount = 1000
)

// licZone is the time zone WeCom's day boundaries are in: an account ends at 0:00 Beijing time
// (95652 FAQ 6).
var licZone = time.FixedZone("CST", 8*3600)

// licenseState is every provider's licence orders and jobs, the active codes, and per corp the
// members' accounts, trials and settings. The zero value is ready; maps are made on first use.
type licenseState struct {
	offset   time.Duration // AdvanceLicenseClock
	seq      int
	orders   map[string]*licOrder
	codes    map[string]*licCode
	corps    map[string]*licCorp
	renew    map[string]*licRenewJob
	buy      map[string]*licBuyJob
	pay      map[string]*licPayJob
	balances map[string]int64 // provider corp → balance in fen; absent: no balance account
	gate     *licGateCall     // the call being checked (apps_licenses_gate.go), nil between calls
}

func (st *licenseState) init() {
	if st.orders == nil {
		st.orders = make(map[string]*licOrder)
		st.codes = make(map[string]*licCode)
		st.corps = make(map[string]*licCorp)
		st.renew = make(map[string]*licRenewJob)
		st.buy = make(map[string]*licBuyJob)
		st.pay = make(map[string]*licPayJob)
		st.balances = make(map[string]int64)
	}
}

// now is the licence clock: the wall clock plus AdvanceLicenseClock.
func (st *licenseState) now() time.Time { return time.Now().Add(st.offset) }

func (st *licenseState) next(prefix string) string {
	st.seq++
	return fmt.Sprintf("%s%08d", prefix, st.seq)
}

// licCorp is one customer corp as the licence family sees it.
type licCorp struct {
	test       bool                      // a provider test corp (测试企业)
	noTrial    bool                      // EndLicenseTrial: trials start ended
	autoActive int                       // 许可自动激活状态 0/1
	bought     bool                      // a licence order of the corp was paid once
	trials     map[string]*licTrial      // suite → trial
	users      map[string]map[int]string // lower-case userid → account type → bound code
	sharedIn   int                       // codes shared to the corp by its upstream
}

type licTrial struct{ start, end time.Time }

func (st *licenseState) corp(id string) *licCorp {
	st.init()
	c := st.corps[id]
	if c == nil {
		c = &licCorp{trials: make(map[string]*licTrial), users: make(map[string]map[int]string)}
		st.corps[id] = c
	}
	return c
}

// trial returns the trial of suite in corp, started now if first seen: the trial runs 90 days
// from the first install and survives a reinstall (95652 FAQ 2); test corps have none.
func (st *licenseState) trial(suite, corp string) *licTrial {
	lc := st.corp(corp)
	t := lc.trials[suite]
	if t == nil {
		now := st.now()
		t = &licTrial{start: now, end: now.Add(licTrialDays * licDay)}
		if lc.test || lc.noTrial {
			t.end = now
		}
		lc.trials[suite] = t
	}
	return t
}

// licOrder is an order: a new purchase (type 1), a renewal (2), or a multi-corp purchase (8)
// whose per-corp parts are sub-orders of type 1.
type licOrder struct {
	id, provider, corp string
	buyer              string // buyer_userid: the provider's member who ordered
	typ, status        int
	price              int64
	base, ext          int
	months, days       int
	newExpire          int64
	created, paid      time.Time
	test               bool
	accounts           []licAccountRef // renewal: the members renewed
	codes              []string        // purchase: the codes created on payment
	parent             string          // a sub-order's multi-corp order
	subs               []string        // a multi-corp order's sub-orders
	autoActive         int             // a sub-order's auto_active_status, applied on payment
}

type licAccountRef struct {
	user string
	typ  int
}

// Order statuses (95648).
const (
	licPending   = 0
	licPaid      = 1
	licCancelled = 2
)

// licCode is an active code (账号激活码).
type licCode struct {
	code, owner, sharedTo string
	provider              string // the provider whose order created it
	typ, days             int
	created, activated    time.Time
	expire                time.Time
	user                  string
	merged                bool
	mergedTo, mergedFrom  string
	transferred           time.Time
}

// corp is the corp that may activate the code: the downstream it was shared to, or its owner.
func (k *licCode) corp() string {
	if k.sharedTo != "" {
		return k.sharedTo
	}
	return k.owner
}

// status is the code's status as viewer sees it (95552).
func (k *licCode) status(viewer string, now time.Time) int {
	switch {
	case k.merged:
		return 5
	case k.sharedTo != "" && viewer == k.owner:
		return 6
	case k.user == "":
		return 1
	case !now.Before(k.expire):
		return 3
	}
	return 2
}

func (k *licCode) valid(now time.Time) bool { return k.user != "" && !k.merged && now.Before(k.expire) }

// licExpiry is when an account activated at from for days ends: at 0:00 after the last day
// (95652 FAQ 6: activated 2022-05-17 12:30 for a year ends 2023-05-25 0:00).
func licExpiry(from time.Time, days int) time.Time {
	y, m, d := from.Add(time.Duration(days) * licDay).In(licZone).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, licZone)
}

type licRenewJob struct {
	id, provider, corp string
	accounts           []licAccountRef
	submitted          bool
}

type licBuyJob struct {
	id, provider string
	items        []licBuyItem
	submitted    time.Time
	polls        int
	orderID      string
	fails        []J
}

type licBuyItem struct {
	corp         string
	base, ext    int
	months, days int
	autoActive   int
}

type licPayJob struct {
	id        string
	provider  string
	submitted time.Time
	polls     int
	code      int
	msg       string
}

// licCorpID accepts a corp ID in the provider's encrypted form too (requests take both, 95652
// FAQ 8): the simulator's encrypted form is the one service/corpid_to_opencorpid answers.
func licCorpID(id string) string {
	if rest, ok := strings.CutPrefix(id, "wpopen"); ok {
		return "ww" + rest
	}
	return id
}

// licAuthorised reports whether corp has a live installation of any suite (an order needs a
// third-party or 代开发 authorisation, 701015).
func (s *Server) licAuthorised(corp string) bool {
	for k, a := range s.apps.auths {
		if strings.HasSuffix(k, "|"+corp) && !a.revoked {
			return true
		}
	}
	return false
}

// licMember reports whether userID is a member of corp: any ID while the corp has no address
// book in the simulator (like message sends), a member of the book once it has one. A member
// who left is not one (a departed handover member may move accounts at any time, 95673).
func (s *Server) licMember(corp, userID string) bool {
	if userID == "" {
		return false
	}
	b := s.contacts.books[corp]
	return b == nil || b.open() || b.users[strings.ToLower(userID)] != nil
}

// licBound returns the code bound to userID for typ in corp, expired or not.
func (st *licenseState) licBound(corp, userID string, typ int) *licCode {
	if st.corps == nil {
		return nil
	}
	lc := st.corps[corp]
	if lc == nil {
		return nil
	}
	return st.codes[lc.users[strings.ToLower(userID)][typ]]
}

// licensed reports whether userID has a valid account for need: a 互通 account includes the
// base account (95652).
func (st *licenseState) licensed(corp, userID string, need int) bool {
	now := st.now()
	if k := st.licBound(corp, userID, licExternal); k != nil && k.valid(now) {
		return true
	}
	k := st.licBound(corp, userID, licBase)
	return need == licBase && k != nil && k.valid(now)
}

// bind activates code k for userID in corp (95553): a member holds one code per type; a new code
// replaces an old one with at most 20 days left (701082), takes over its remaining time, and the
// old one becomes merged (status 5); the total may not pass 5 years (701030).
func (s *Server) licBind(corp string, k *licCode, userID string) error {
	st := &s.licenses
	now := st.now()
	lc := st.corp(corp)
	key := strings.ToLower(userID)
	exp := licExpiry(now, k.days)
	old := st.codes[lc.users[key][k.typ]]
	if old != nil {
		left := old.expire.Sub(now)
		if left > licStackDays*licDay {
			return errc(licOldCodeTooLong, "the member's current code has more than 20 days left")
		}
		if left > 0 {
			exp = exp.Add(left)
		}
		if exp.After(licExpiry(now, licMaxDays)) {
			return errc(licOverFiveYears, "stacked codes would last more than 5 years")
		}
		old.merged, old.mergedTo, k.mergedFrom = true, k.code, old.code
		if left > 0 {
			old.expire = now
		}
	}
	k.user, k.expire = userID, exp
	if k.activated.IsZero() {
		k.activated = now
	}
	if lc.users[key] == nil {
		lc.users[key] = make(map[int]string)
	}
	lc.users[key][k.typ] = k.code
	return nil
}

// freeCode is the unbound code of typ in corp that was created first (active_account_by_type
// takes the one whose activation deadline is earliest).
func (st *licenseState) freeCode(corp string, typ int) *licCode {
	var best *licCode
	for _, k := range st.codes {
		if k.corp() == corp && k.typ == typ && k.user == "" && !k.merged &&
			(best == nil || k.created.Before(best.created) || (k.created.Equal(best.created) && k.code < best.code)) {
			best = k
		}
	}
	return best
}

// ---- exported controls ----

// AdvanceLicenseClock moves the clock of the licence family forward by d: trials end, accounts
// expire and job results age on it. Tokens keep the wall clock. The trial of every current
// installation has started by then (a trial otherwise starts with the installation's first
// call or licence query).
func (s *Server) AdvanceLicenseClock(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.licStartTrials()
	s.licenses.offset += d
}

// licStartTrials starts the trial of every live installation not seen yet.
func (s *Server) licStartTrials() {
	for k, a := range s.apps.auths {
		if !a.revoked {
			suite, corp, _ := strings.Cut(k, "|")
			s.licenses.trial(suite, corp)
		}
	}
}

// LicenseClock returns the licence family's current time (the wall clock plus every
// [Server.AdvanceLicenseClock]).
func (s *Server) LicenseClock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.licenses.now()
}

// EndLicenseTrial ends the 90-day free trial (免费试用期) of every app installed in corpID (the
// corp's own ID or the encrypted one an app got), and of any app installed there later: from
// now on the corp's calls for a member without a valid account are refused as documented on
// the licence overview page (95652).
func (s *Server) EndLicenseTrial(corpID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	corpID = s.realCorp(corpID)
	st := &s.licenses
	lc := st.corp(corpID)
	lc.noTrial = true
	now := st.now()
	for k := range s.apps.auths {
		if suite, ok := strings.CutSuffix(k, "|"+corpID); ok {
			st.trial(suite, corpID)
		}
	}
	for _, t := range lc.trials {
		if t.end.After(now) {
			t.end = now
		}
	}
}

// SetLicenseTestCorp makes corpID (the corp's own ID or an encrypted one) one of the provider's
// test corps (测试企业, 95652): no trial, orders of 0 fen paid at once, at most 1000 accounts and
// exactly one month per order, no multi-corp orders, no sharing.
func (s *Server) SetLicenseTestCorp(corpID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lc := s.licenses.corp(s.realCorp(corpID))
	lc.test, lc.noTrial = true, true
	now := s.licenses.now()
	for _, t := range lc.trials {
		if t.end.After(now) {
			t.end = now
		}
	}
}

// SetProviderBalance opens the recharge account (充值账户) of a provider with balance fen, for
// service/get_account_balance and for paying orders with license/submit_pay_job.
func (s *Server) SetProviderBalance(providerCorpID string, fen int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.licenses.init()
	s.licenses.balances[providerCorpID] = fen
}

// PayLicenseOrder pays a pending order as its buyer does in the provider admin console: a
// purchase creates its active codes, a renewal extends its members' accounts, a multi-corp order
// pays every corp's part. It fails for an unknown order or one that is not pending. The
// license_pay_success callback of the order (one per corp's part of a multi-corp order) goes to
// the provider's system event URL (see [Server.SetProviderCallbackURL]) before it returns; an
// unacknowledged delivery is its error, the order staying paid.
func (s *Server) PayLicenseOrder(orderID string) error {
	s.mu.Lock()
	s.licenses.init()
	o := s.licenses.orders[orderID]
	if o == nil || o.parent != "" {
		s.mu.Unlock()
		return fmt.Errorf("wecomtest: no licence order %q to pay", orderID)
	}
	events, err := s.licPay(o)
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("wecomtest: %w", err)
	}
	return s.emit(context.Background(), events)
}

// licPayLater pays o for an API call and sends its callbacks in the background; s.mu held.
func (s *Server) licPayLater(o *licOrder) {
	events, _ := s.licPay(o)
	s.emitLater(events)
}

// licPay pays o (95644: the codes exist only once the order is paid) and returns the
// license_pay_success callbacks to send: one for o, or one per sub-order of a multi-corp
// order (whose OrderId is the sub-order's).
func (s *Server) licPay(o *licOrder) ([]cbEvent, error) {
	st := &s.licenses
	if o.status != licPending {
		return nil, errc(licOrderNotPending, "order is not pending payment")
	}
	now := st.now()
	o.status, o.paid = licPaid, now
	var events []cbEvent
	if o.typ != 8 {
		events = append(events, cbEvent{cbDest{cbProvider, o.provider}, licensePaySuccessCallback(o.provider, o.corp, o.id, o.buyer)})
	}
	switch o.typ {
	case 1:
		lc := st.corp(o.corp)
		lc.bought = true
		if o.parent != "" {
			lc.autoActive = o.autoActive
		}
		for _, n := range []struct{ typ, count int }{{licBase, o.base}, {licExternal, o.ext}} {
			for range n.count {
				k := &licCode{code: st.next("SIMAC"), owner: o.corp, provider: o.provider, typ: n.typ, days: o.months*licMonthDays + o.days, created: now}
				st.codes[k.code] = k
				o.codes = append(o.codes, k.code)
			}
		}
	case 2:
		st.corp(o.corp).bought = true
		for _, a := range o.accounts {
			k := st.licBound(o.corp, a.user, a.typ)
			if k == nil || k.merged {
				continue
			}
			base := k.expire
			if now.After(base) {
				base = now
			}
			if o.months > 0 {
				k.expire = base.Add(time.Duration(o.months*licMonthDays) * licDay)
			} else if t := time.Unix(o.newExpire, 0); t.After(k.expire) {
				k.expire = t
			}
		}
	case 8:
		for _, id := range o.subs {
			if sub := st.orders[id]; sub != nil {
				ev, _ := s.licPay(sub)
				events = append(events, ev...)
			}
		}
	}
	return events, nil
}

// licPrice is a made-up price in fen: 50 yuan a year for a base account, 150 for 互通.
func licPrice(base, ext, days int) int64 {
	return int64(days) * (int64(base)*5000 + int64(ext)*15000) / 372
}

// licCorpOf finds corp's licence record, for reads that must not create one.
func (st *licenseState) licCorpOf(corp string) *licCorp {
	if st.corps == nil {
		return nil
	}
	return st.corps[corp]
}

// licSortedKeys returns the keys of m in order.
func licSortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// licLimit reads a page size: default 500, at most 1000 (701101).
func licLimit(n int) (int, error) {
	switch {
	case n == 0:
		return 500, nil
	case n < 0:
		return 0, errc(client.CodeInvalidParameter, "invalid limit")
	case n > 1000:
		return 0, errc(licLimitTooLarge, "limit over 1000")
	}
	return n, nil
}

func (s *Server) licenseRoutes() []route {
	return append(s.licenseOrderRoutes(), s.licenseAccountRoutes()...)
}
