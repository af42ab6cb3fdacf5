package wecomtest

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Licence orders (订单管理): purchase, renewal, multi-corp purchase, listing, detail, cancel, and
// payment from the provider's balance. Every route takes the provider_access_token.

func (s *Server) licenseOrderRoutes() []route {
	return []route{
		{post, "/cgi-bin/license/create_new_order", TokenProvider, s.licCreateNewOrder},
		{post, "/cgi-bin/license/create_renew_order_job", TokenProvider, s.licCreateRenewJob},
		{post, "/cgi-bin/license/submit_order_job", TokenProvider, s.licSubmitRenewJob},
		{post, "/cgi-bin/license/list_order", TokenProvider, s.licListOrder},
		{post, "/cgi-bin/license/get_order", TokenProvider, s.licGetOrder},
		{post, "/cgi-bin/license/list_order_account", TokenProvider, s.licListOrderAccount},
		{post, "/cgi-bin/license/cancel_order", TokenProvider, s.licCancelOrder},
		{post, "/cgi-bin/license/create_new_order_job", TokenProvider, s.licCreateBuyJob},
		{post, "/cgi-bin/license/submit_new_order_job", TokenProvider, s.licSubmitBuyJob},
		{post, "/cgi-bin/license/new_order_job_result", TokenProvider, s.licBuyJobResult},
		{post, "/cgi-bin/license/get_union_order", TokenProvider, s.licGetUnionOrder},
		{post, "/cgi-bin/license/submit_pay_job", TokenProvider, s.licSubmitPayJob},
		{post, "/cgi-bin/license/pay_job_result", TokenProvider, s.licPayJobResult},
		{get, "/cgi-bin/service/get_account_balance", TokenProvider, s.licBalance},
	}
}

type licCountIn struct {
	Base int `json:"base_count"`
	Ext  int `json:"external_contact_count"`
}

type licDurationIn struct {
	Months        int   `json:"months"`
	Days          int   `json:"days"`
	NewExpireTime int64 `json:"new_expire_time"`
}

// licCheckPurchase checks a purchase for corp (95644, 98892): an installed corp; 0–1000000
// accounts of each type, not both 0 (1000 for a test corp); 31–1860 days (exactly one month for
// a test corp).
func (s *Server) licCheckPurchase(corp string, n *licCountIn, d *licDurationIn) error {
	if corp == "" {
		return errc(client.CodeMissingCorpID, "corpid missing")
	}
	if n == nil || d == nil {
		return errc(client.CodeEmptyParameter, "account_count and account_duration are required")
	}
	if !s.licAuthorised(corp) {
		return errc(licCorpNotAuthorised, "no third-party or 代开发 authorisation, cannot order")
	}
	test := s.licenses.corp(corp).test
	days := d.Months*licMonthDays + d.Days
	switch {
	case n.Base < 0 || n.Ext < 0 || n.Base+n.Ext == 0 || n.Base > licMaxCount || n.Ext > licMaxCount:
		return errc(licBadCount, "invalid account_count")
	case test && (n.Base > licTestMaxCount || n.Ext > licTestMaxCount):
		return errc(licTestCorpCount, "a test corp buys at most 1000 accounts")
	case test && (d.Months != 1 || d.Days != 0):
		return errc(licTestCorpMonths, "a test corp buys exactly one month")
	case d.Months < 0 || d.Days < 0 || days < licMonthDays || days > licMaxDays || d.NewExpireTime != 0:
		return errc(client.CodeInvalidParameterValue, "account_duration must be 31–1860 days")
	}
	return nil
}

// licNewOrder records an order of provider for corp; a test corp's order costs 0 and is paid at
// once (95652 FAQ 3).
func (s *Server) licNewOrder(provider, corp string, typ int, n licCountIn, d licDurationIn) *licOrder {
	st := &s.licenses
	st.init()
	lc := st.corp(corp)
	o := &licOrder{id: st.next("SIMOI"), provider: provider, corp: corp, typ: typ, base: n.Base, ext: n.Ext,
		months: d.Months, days: d.Days, newExpire: d.NewExpireTime, created: st.now(), test: lc.test}
	days := d.Months*licMonthDays + d.Days
	if d.NewExpireTime != 0 {
		days = int(time.Unix(d.NewExpireTime, 0).Sub(o.created) / licDay)
	}
	if !lc.test {
		o.price = licPrice(n.Base, n.Ext, days)
	}
	st.orders[o.id] = o
	return o
}

func (s *Server) licCreateNewOrder(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID   string         `json:"corpid"`
		Buyer    string         `json:"buyer_userid"`
		Count    *licCountIn    `json:"account_count"`
		Duration *licDurationIn `json:"account_duration"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	if err := s.licCheckPurchase(corp, in.Count, in.Duration); err != nil {
		return nil, err
	}
	if in.Buyer == "" {
		return nil, errc(client.CodeEmptyParameter, "buyer_userid missing")
	}
	o := s.licNewOrder(c.Token.CorpID, corp, 1, *in.Count, *in.Duration)
	o.buyer = in.Buyer
	if o.test {
		s.licPayLater(o)
	}
	return J{"order_id": o.id}, nil
}

type licAccountIn struct {
	UserID string `json:"userid"`
	Type   int    `json:"type"`
}

// licCreateRenewJob creates or extends a renewal job (95646): at most 1000 accounts a call, each
// an activated account of its type (701004 otherwise, in invalid_account_list).
func (s *Server) licCreateRenewJob(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID   string         `json:"corpid"`
		Accounts []licAccountIn `json:"account_list"`
		JobID    string         `json:"jobid"`
	}](c)
	if err != nil {
		return nil, err
	}
	st := &s.licenses
	st.init()
	corp := licCorpID(in.CorpID)
	switch {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case len(in.Accounts) == 0:
		return nil, errc(licEmptyList, "account_list is empty")
	case len(in.Accounts) > 1000:
		return nil, errc(licListTooLong, "account_list over 1000")
	case !s.licAuthorised(corp):
		return nil, errc(licCorpNotAuthorised, "no third-party or 代开发 authorisation, cannot order")
	}
	job := st.renew[in.JobID]
	switch {
	case in.JobID == "":
		job = &licRenewJob{id: st.next("SIMRJ"), provider: c.Token.CorpID, corp: corp}
		st.renew[job.id] = job
	case job == nil || job.provider != c.Token.CorpID || job.corp != corp:
		return nil, errc(licBadJob, "invalid jobid")
	case job.submitted:
		return nil, errc(licJobSubmitted, "jobid already submitted")
	}
	per := map[int]int{}
	for _, a := range job.accounts {
		per[a.typ]++
	}
	invalid := []J{}
	for _, a := range in.Accounts {
		code, msg := 0, ""
		switch {
		case a.Type != licBase && a.Type != licExternal:
			code, msg = licInvalidAccountType, "invalid account type"
		case a.UserID == "" || st.licBound(corp, a.UserID, a.Type) == nil:
			code, msg = licNotActivated, "the member has no activated account of this type"
		case per[a.Type] >= licMaxCount:
			code, msg = licJobTooLarge, "a job holds at most 1000000 accounts of a type"
		}
		if code != 0 {
			invalid = append(invalid, J{"errcode": code, "errmsg": msg, "userid": a.UserID, "type": a.Type})
			continue
		}
		ref := licAccountRef{user: a.UserID, typ: a.Type}
		if !slices.ContainsFunc(job.accounts, func(r licAccountRef) bool { return r.typ == ref.typ && strings.EqualFold(r.user, ref.user) }) {
			job.accounts = append(job.accounts, ref)
			per[a.Type]++
		}
	}
	return J{"jobid": job.id, "invalid_account_list": invalid}, nil
}

// licSubmitRenewJob turns a renewal job into an order (95646): months 1–60 or a new expiry
// (tomorrow at the earliest, at most 1860 days ahead, moved to 24:00 of its day), one of them.
func (s *Server) licSubmitRenewJob(c *Call) (any, error) {
	in, err := decode[struct {
		JobID    string         `json:"jobid"`
		Buyer    string         `json:"buyer_userid"`
		Duration *licDurationIn `json:"account_duration"`
	}](c)
	if err != nil {
		return nil, err
	}
	st := &s.licenses
	st.init()
	job := st.renew[in.JobID]
	switch {
	case in.JobID == "" || in.Buyer == "" || in.Duration == nil:
		return nil, errc(client.CodeEmptyParameter, "jobid, buyer_userid and account_duration are required")
	case job == nil || job.provider != c.Token.CorpID:
		return nil, errc(licBadJob, "invalid jobid")
	case job.submitted:
		return nil, errc(licJobSubmitted, "jobid already submitted")
	case len(job.accounts) == 0:
		return nil, errc(licEmptyList, "the job has no account to renew")
	}
	d := *in.Duration
	test := st.corp(job.corp).test
	now := st.now()
	switch {
	case d.Days != 0 || (d.Months == 0) == (d.NewExpireTime == 0):
		return nil, errc(client.CodeInvalidParameterValue, "give months or new_expire_time, one of them")
	case test && (d.Months != 1 || d.NewExpireTime != 0):
		return nil, errc(licTestCorpMonths, "a test corp renews one month at a time")
	case d.Months < 0 || d.Months > 60:
		return nil, errc(client.CodeInvalidParameterValue, "months must be 1–60")
	case d.NewExpireTime != 0:
		t := time.Unix(d.NewExpireTime, 0).In(licZone)
		if y, m, dd := t.Date(); !t.Equal(time.Date(y, m, dd, 0, 0, 0, 0, licZone)) {
			t = time.Date(y, m, dd+1, 0, 0, 0, 0, licZone) // 24:00 of that day
		}
		y, m, dd := now.In(licZone).Date()
		if !t.After(time.Date(y, m, dd+1, 0, 0, 0, 0, licZone)) || t.After(licExpiry(now, licMaxDays)) {
			return nil, errc(licBadTime, "new_expire_time must be after today and within 1860 days")
		}
		d.NewExpireTime = t.Unix()
	}
	var n licCountIn
	for _, a := range job.accounts {
		if a.typ == licBase {
			n.Base++
		} else {
			n.Ext++
		}
	}
	job.submitted = true
	o := s.licNewOrder(job.provider, job.corp, 2, n, d)
	o.accounts, o.buyer = job.accounts, in.Buyer
	if o.test {
		s.licPayLater(o)
	}
	return J{"order_id": o.id}, nil
}

// licListOrder lists the provider's orders (95647): by creation time within 31 days (both
// bounds or none); without corpid the formal orders with multi-corp parents, with a corpid the
// corp's orders (its test orders for a test corp).
func (s *Server) licListOrder(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
		Start  int64  `json:"start_time"`
		End    int64  `json:"end_time"`
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	limit, err := licLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	if (in.Start == 0) != (in.End == 0) || in.Start > in.End || in.End-in.Start > 31*24*3600 {
		return nil, errc(licBadTime, "start_time and end_time go together, at most 31 days apart")
	}
	st := &s.licenses
	st.init()
	corp := licCorpID(in.CorpID)
	var keys []string
	for _, id := range licSortedKeys(st.orders) {
		o := st.orders[id]
		t := o.created.Unix()
		switch {
		case o.provider != c.Token.CorpID:
		case in.Start != 0 && (t < in.Start || t > in.End):
		case corp == "" && (o.test || o.parent != ""):
		case corp != "" && (o.typ == 8 || o.corp != corp):
		default:
			keys = append(keys, id)
		}
	}
	page, next, err := pageOf(keys, in.Cursor, limit)
	if err != nil {
		return nil, err
	}
	list := []J{}
	for _, id := range page {
		list = append(list, J{"order_id": id, "order_type": st.orders[id].typ})
	}
	return J{"next_cursor": next, "has_more": licBoolInt(next != ""), "order_list": list}, nil
}

func licBoolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// licOrderOf finds an order of the calling provider: 701005 otherwise.
func (s *Server) licOrderOf(c *Call, id string) (*licOrder, error) {
	s.licenses.init()
	o := s.licenses.orders[id]
	switch {
	case id == "":
		return nil, errc(client.CodeEmptyParameter, "order_id missing")
	case o == nil || o.provider != c.Token.CorpID:
		return nil, errc(licInvalidOrder, "invalid order_id")
	}
	return o, nil
}

func licDurationOut(o *licOrder) J {
	d := J{}
	if o.months != 0 {
		d["months"] = o.months
	}
	if o.days != 0 {
		d["days"] = o.days
	}
	if o.newExpire != 0 {
		d["new_expire_time"] = o.newExpire
	}
	return d
}

func (s *Server) licGetOrder(c *Call) (any, error) {
	in, err := decode[struct {
		OrderID string `json:"order_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	o, err := s.licOrderOf(c, in.OrderID)
	if err != nil {
		return nil, err
	}
	if o.typ == 8 {
		return nil, errc(licParentOrder, "a multi-corp order: use get_union_order")
	}
	out := J{"order_id": o.id, "order_type": o.typ, "order_status": o.status, "corpid": o.corp, "price": o.price,
		"account_count":    J{"base_count": o.base, "external_contact_count": o.ext},
		"account_duration": licDurationOut(o), "create_time": o.created.Unix()}
	if !o.paid.IsZero() {
		out["pay_time"] = o.paid.Unix()
	}
	return J{"order": out}, nil
}

// licListOrderAccount lists a purchase's codes (once paid) or a renewal's members (95649).
func (s *Server) licListOrderAccount(c *Call) (any, error) {
	in, err := decode[struct {
		OrderID string `json:"order_id"`
		Limit   int    `json:"limit"`
		Cursor  string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	o, err := s.licOrderOf(c, in.OrderID)
	if err != nil {
		return nil, err
	}
	if o.typ == 8 {
		return nil, errc(licParentOrder, "a multi-corp order: use the sub_order_id of get_union_order")
	}
	limit, err := licLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	rows := map[string]J{}
	for _, code := range o.codes {
		rows[code] = J{"active_code": code, "type": s.licenses.codes[code].typ}
	}
	for i, a := range o.accounts {
		rows[strconv.Itoa(100000000+i)] = J{"userid": a.user, "type": a.typ}
	}
	page, next, err := pageOf(licSortedKeys(rows), in.Cursor, limit)
	if err != nil {
		return nil, err
	}
	list := []J{}
	for _, k := range page {
		list = append(list, rows[k])
	}
	return J{"next_cursor": next, "has_more": licBoolInt(next != ""), "account_list": list}, nil
}

// licCancelOrder cancels a pending order (96106): corpid names its corp, except for a
// multi-corp order.
func (s *Server) licCancelOrder(c *Call) (any, error) {
	in, err := decode[struct {
		OrderID string `json:"order_id"`
		CorpID  string `json:"corpid"`
	}](c)
	if err != nil {
		return nil, err
	}
	o, err := s.licOrderOf(c, in.OrderID)
	if err != nil {
		return nil, err
	}
	switch corp := licCorpID(in.CorpID); {
	case o.parent != "":
		return nil, errc(licOrderTypeNotAllowed, "cancel the multi-corp order, not its part")
	case o.typ != 8 && corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case o.typ != 8 && corp != o.corp:
		return nil, errc(licOrderOtherCorp, "the order is not of this corp")
	case o.status != licPending:
		return nil, errc(licCancelPaid, "only an unpaid order can be cancelled")
	}
	o.status = licCancelled
	for _, id := range o.subs {
		s.licenses.orders[id].status = licCancelled
	}
	return J{}, nil
}

type licBuyIn struct {
	CorpID     string         `json:"corpid"`
	Count      *licCountIn    `json:"account_count"`
	Duration   *licDurationIn `json:"account_duration"`
	AutoActive *int           `json:"auto_active_status"`
}

// licCreateBuyJob creates or extends a multi-corp purchase job (98892): at most 10 corps a call
// and 100000 a job; invalid corps come back in invalid_list.
func (s *Server) licCreateBuyJob(c *Call) (any, error) {
	in, err := decode[struct {
		BuyList []licBuyIn `json:"buy_list"`
		JobID   string     `json:"jobid"`
	}](c)
	if err != nil {
		return nil, err
	}
	st := &s.licenses
	st.init()
	switch {
	case len(in.BuyList) == 0:
		return nil, errc(licEmptyList, "buy_list is empty")
	case len(in.BuyList) > 10:
		return nil, errc(licListTooLong, "buy_list over 10")
	}
	job := st.buy[in.JobID]
	switch {
	case in.JobID == "":
		job = &licBuyJob{id: st.next("SIMBJ"), provider: c.Token.CorpID}
		st.buy[job.id] = job
	case job == nil || job.provider != c.Token.CorpID:
		return nil, errc(licBadJob, "invalid jobid")
	case !job.submitted.IsZero():
		return nil, errc(licJobSubmitted, "jobid already submitted")
	}
	invalid := []J{}
	for _, b := range in.BuyList {
		corp := licCorpID(b.CorpID)
		var err error
		if lc := st.licCorpOf(corp); lc != nil && lc.test {
			err = errc(licTestCorpMultiOrder, "a test corp cannot be in a multi-corp order")
		} else {
			err = s.licCheckPurchase(corp, b.Count, b.Duration)
		}
		switch {
		case err != nil:
		case b.AutoActive != nil && *b.AutoActive != 0 && *b.AutoActive != 1:
			err = errc(licBadAutoActive, "invalid auto_active_status")
		case slices.ContainsFunc(job.items, func(it licBuyItem) bool { return it.corp == corp }):
			err = errc(licDuplicateCorp, "corpid repeated")
		case len(job.items) >= 100000:
			err = errc(licMultiJobTooLarge, "a job holds at most 100000 corps")
		}
		if e, ok := err.(*Error); ok {
			invalid = append(invalid, J{"corpid": b.CorpID, "errcode": e.Code, "errmsg": e.Msg})
			continue
		}
		auto := 1 // on unless given (98892)
		if b.AutoActive != nil {
			auto = *b.AutoActive
		}
		job.items = append(job.items, licBuyItem{corp: corp, base: b.Count.Base, ext: b.Count.Ext,
			months: b.Duration.Months, days: b.Duration.Days, autoActive: auto})
	}
	return J{"jobid": job.id, "invalid_list": invalid}, nil
}

// licSubmitBuyJob submits a multi-corp job; the order is created asynchronously: its result
// answers "creating" once (98892).
func (s *Server) licSubmitBuyJob(c *Call) (any, error) {
	in, err := decode[struct {
		JobID string `json:"jobid"`
		Buyer string `json:"buyer_userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	st := &s.licenses
	st.init()
	job := st.buy[in.JobID]
	switch {
	case in.JobID == "" || in.Buyer == "":
		return nil, errc(client.CodeEmptyParameter, "jobid and buyer_userid are required")
	case job == nil || job.provider != c.Token.CorpID:
		return nil, errc(licBadJob, "invalid jobid")
	case !job.submitted.IsZero():
		return nil, errc(licJobSubmitted, "jobid already submitted")
	case len(job.items) == 0:
		return nil, errc(licAllCorpsInvalid, "no valid corp in the job")
	}
	job.submitted, job.polls = st.now(), 1
	var subs []string
	for _, it := range job.items {
		if !s.licAuthorised(it.corp) { // uninstalled since the job was created
			job.fails = append(job.fails, J{"corpid": it.corp, "errcode": licCorpNotAuthorised, "errmsg": "no authorisation"})
			continue
		}
		sub := s.licNewOrder(job.provider, it.corp, 1, licCountIn{Base: it.base, Ext: it.ext}, licDurationIn{Months: it.months, Days: it.days})
		sub.autoActive, sub.buyer = it.autoActive, in.Buyer
		subs = append(subs, sub.id)
	}
	if len(subs) > 0 {
		parent := &licOrder{id: st.next("SIMOI"), provider: job.provider, typ: 8, created: st.now(), subs: subs, buyer: in.Buyer}
		for _, id := range subs {
			st.orders[id].parent = parent.id
			parent.price += st.orders[id].price
		}
		st.orders[parent.id] = parent
		job.orderID = parent.id
	}
	return J{}, nil
}

// licJobAlive reports whether a job submitted at t may still be read (7 days).
func (st *licenseState) licJobAlive(t time.Time) bool {
	return st.now().Before(t.Add(licJobKeepDays * licDay))
}

func (s *Server) licBuyJobResult(c *Call) (any, error) {
	in, err := decode[struct {
		JobID string `json:"jobid"`
	}](c)
	if err != nil {
		return nil, err
	}
	st := &s.licenses
	st.init()
	job := st.buy[in.JobID]
	switch {
	case in.JobID == "":
		return nil, errc(client.CodeEmptyParameter, "jobid missing")
	case job == nil || job.provider != c.Token.CorpID:
		return nil, errc(licBadJob, "invalid jobid")
	case job.submitted.IsZero():
		return nil, errc(licJobNotSubmitted, "jobid not submitted")
	case !st.licJobAlive(job.submitted):
		return nil, errc(licBadJob, "job result expired")
	case job.polls > 0:
		job.polls--
		return J{"status": 2}, nil
	case job.orderID == "":
		return J{"status": 3, "fail_list": job.fails}, nil
	}
	out := J{"status": 1, "order_id": job.orderID}
	if len(job.fails) > 0 {
		out["fail_list"] = job.fails
	}
	return out, nil
}

// licGetUnionOrder answers a multi-corp order and a page of its corps (98893).
func (s *Server) licGetUnionOrder(c *Call) (any, error) {
	in, err := decode[struct {
		OrderID string `json:"order_id"`
		Limit   int    `json:"limit"`
		Cursor  string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	o, err := s.licOrderOf(c, in.OrderID)
	if err != nil {
		return nil, err
	}
	if o.typ != 8 {
		return nil, errc(licOrderTypeNotAllowed, "not a multi-corp order")
	}
	limit, err := licLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(o.subs, in.Cursor, limit)
	if err != nil {
		return nil, err
	}
	buys := []J{}
	for _, id := range page {
		sub := s.licenses.orders[id]
		buys = append(buys, J{"sub_order_id": id, "corpid": sub.corp,
			"account_count":    J{"base_count": sub.base, "external_contact_count": sub.ext},
			"account_duration": licDurationOut(sub)})
	}
	order := J{"order_id": o.id, "order_type": 8, "order_status": o.status, "price": o.price, "create_time": o.created.Unix()}
	if !o.paid.IsZero() {
		order["pay_time"] = o.paid.Unix()
	}
	return J{"order": order, "has_more": licBoolInt(next != ""), "next_cursor": next, "buy_list": buys}, nil
}

// licSubmitPayJob pays an order from the provider's balance (99415). The payment is made at once
// and its result answers "running" to the first query; failures (unknown order 701005, not
// pending 701084, no balance account 90432, short balance 90433) show in the result.
func (s *Server) licSubmitPayJob(c *Call) (any, error) {
	in, err := decode[struct {
		Payer   string `json:"payer_userid"`
		OrderID string `json:"order_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.Payer == "" || in.OrderID == "" {
		return nil, errc(client.CodeEmptyParameter, "payer_userid and order_id are required")
	}
	st := &s.licenses
	st.init()
	job := &licPayJob{id: st.next("SIMPJ"), provider: c.Token.CorpID, submitted: st.now(), polls: 1}
	st.pay[job.id] = job
	o := st.orders[in.OrderID]
	balance, opened := st.balances[job.provider]
	switch {
	case o == nil || o.provider != job.provider || o.parent != "":
		job.code, job.msg = licInvalidOrder, "invalid order id"
	case o.status != licPending:
		job.code, job.msg = licOrderNotPending, "order is not pending payment"
	case !opened:
		job.code, job.msg = licNoPayAccount, "recharge account not opened"
	case balance < o.price:
		job.code, job.msg = licLowBalance, "balance not enough"
	default:
		st.balances[job.provider] -= o.price
		s.licPayLater(o)
	}
	return J{"jobid": job.id}, nil
}

func (s *Server) licPayJobResult(c *Call) (any, error) {
	in, err := decode[struct {
		JobID string `json:"jobid"`
	}](c)
	if err != nil {
		return nil, err
	}
	st := &s.licenses
	st.init()
	job := st.pay[in.JobID]
	switch {
	case in.JobID == "":
		return nil, errc(client.CodeEmptyParameter, "jobid missing")
	case job == nil || job.provider != c.Token.CorpID || !st.licJobAlive(job.submitted):
		return nil, errc(licBadJob, "invalid jobid")
	case job.polls > 0:
		job.polls--
		return J{"status": 2}, nil
	case job.code == 0:
		return J{"status": 1}, nil
	}
	return J{"status": 3, "pay_job_result": J{"errcode": job.code, "errmsg": job.msg, "fail_corp_list": []J{}}}, nil
}

// licBalance answers the provider's recharge balance in fen (100137); 0 when never opened.
func (s *Server) licBalance(c *Call) (any, error) {
	s.licenses.init()
	return J{"balance": s.licenses.balances[c.Token.CorpID]}, nil
}
