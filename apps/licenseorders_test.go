package apps_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A purchase: pending without codes, paid in the console, then its codes; listing, cancelling.
func TestLicenseOrderLifecycle(t *testing.T) {
	t.Parallel()
	ls := newLicenseSetup(t)
	ctx := t.Context()
	id := ls.order(t, 2, 1)
	o, err := ls.p.GetLicenseOrder(ctx, id)
	if err != nil || o.OrderType != apps.LicenseOrderNew || o.OrderStatus != apps.LicenseOrderPending || o.PayTime != 0 ||
		o.Count != (apps.LicenseCount{Base: 2, ExternalContact: 1}) || o.Duration != (apps.LicenseDuration{Months: 12}) || o.Price <= 0 {
		t.Fatalf("new order %+v, %v", o, err)
	}
	if pg, err := ls.p.ListLicenseOrderAccountsPage(ctx, apps.ListLicenseOrderAccountsParams{OrderID: id}); err != nil || len(pg.Accounts) != 0 {
		t.Errorf("codes before payment: %+v, %v", pg, err)
	}
	if err := ls.srv.PayLicenseOrder(id); err != nil {
		t.Fatal(err)
	}
	if err := ls.srv.PayLicenseOrder(id); err == nil {
		t.Error("paid twice")
	}
	if o, err := ls.p.GetLicenseOrder(ctx, id); err != nil || o.OrderStatus != apps.LicenseOrderPaid || o.PayTime == 0 {
		t.Errorf("paid order %+v, %v", o, err)
	}
	var types []apps.LicenseType
	for a, err := range ls.p.ListLicenseOrderAccounts(ctx, apps.ListLicenseOrderAccountsParams{OrderID: id, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		if a.ActiveCode == "" || a.UserID != "" {
			t.Errorf("account %+v", a)
		}
		types = append(types, a.Type)
	}
	if !slices.Equal(types, []apps.LicenseType{1, 1, 2}) {
		t.Errorf("code types %v", types)
	}
	wecomtest.WantCode(t, ls.p.CancelLicenseOrder(ctx, licCorp, id), 701169)

	second, third := ls.order(t, 1, 0), ls.order(t, 0, 5)
	wecomtest.WantCode(t, ls.p.CancelLicenseOrder(ctx, "wwother", second), 701086)
	if err := ls.p.CancelLicenseOrder(ctx, licCorp, second); err != nil {
		t.Fatal(err)
	}
	if o, _ := ls.p.GetLicenseOrder(ctx, second); o.OrderStatus != apps.LicenseOrderCancelled {
		t.Errorf("cancelled order %+v", o)
	}
	var ids []string
	for o, err := range ls.p.ListLicenseOrders(ctx, apps.ListLicenseOrdersParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.OrderID)
	}
	if !slices.Equal(ids, []string{id, second, third}) {
		t.Errorf("orders %v", ids)
	}
	now := ls.srv.LicenseClock().Unix()
	if pg, err := ls.p.ListLicenseOrdersPage(ctx, apps.ListLicenseOrdersParams{StartTime: now - 3*86400, EndTime: now - 86400}); err != nil || len(pg.Orders) != 0 {
		t.Errorf("orders of last week: %+v, %v", pg, err)
	}
	_, err = ls.p.GetLicenseOrder(ctx, "nope")
	wecomtest.WantCode(t, err, 701005)
	_, err = ls.p.CreateLicenseOrder(ctx, apps.CreateLicenseOrderParams{CorpID: "wwnotinstalled1", BuyerUserID: licBuyer, Count: apps.LicenseCount{Base: 1}, Duration: apps.LicenseDuration{Months: 1}})
	wecomtest.WantCode(t, err, 701015)
}

// A renewal: a job collects activated accounts over several calls, its order extends them once
// paid, by months or to a new expiry day.
func TestLicenseRenewal(t *testing.T) {
	t.Parallel()
	ls := newLicenseSetup(t)
	ctx := t.Context()
	ls.activate(t, "li.na", apps.LicenseBase)
	ls.activate(t, "zhao.lei", apps.LicenseBase)
	before, _ := ls.p.GetMemberLicenses(ctx, licCorp, "li.na")

	job, err := ls.p.CreateLicenseRenewJob(ctx, apps.LicenseRenewJobParams{CorpID: licCorp, Accounts: []apps.LicenseAccountRef{
		{UserID: "li.na", Type: apps.LicenseBase}, {UserID: "nobody", Type: apps.LicenseBase}}})
	if err != nil || len(job.Invalid) != 1 || job.Invalid[0].UserID != "nobody" || job.Invalid[0].ErrCode != 701004 {
		t.Fatalf("job %+v, %v", job, err)
	}
	more, err := ls.p.CreateLicenseRenewJob(ctx, apps.LicenseRenewJobParams{CorpID: licCorp, JobID: job.JobID, Accounts: []apps.LicenseAccountRef{{UserID: "zhao.lei", Type: apps.LicenseBase}}})
	if err != nil || more.JobID != job.JobID || len(more.Invalid) != 0 {
		t.Fatalf("added to job: %+v, %v", more, err)
	}
	id, err := ls.p.SubmitLicenseRenewJob(ctx, apps.SubmitLicenseRenewParams{JobID: job.JobID, BuyerUserID: licBuyer, Duration: apps.LicenseDuration{Months: 2}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ls.p.SubmitLicenseRenewJob(ctx, apps.SubmitLicenseRenewParams{JobID: job.JobID, BuyerUserID: licBuyer, Duration: apps.LicenseDuration{Months: 2}})
	wecomtest.WantCode(t, err, 701126)
	_, err = ls.p.CreateLicenseRenewJob(ctx, apps.LicenseRenewJobParams{CorpID: licCorp, JobID: job.JobID, Accounts: []apps.LicenseAccountRef{{UserID: "li.na", Type: apps.LicenseBase}}})
	wecomtest.WantCode(t, err, 701126)
	o, err := ls.p.GetLicenseOrder(ctx, id)
	if err != nil || o.OrderType != apps.LicenseOrderRenew || o.Count.Base != 2 || o.Duration.Months != 2 {
		t.Fatalf("renewal %+v, %v", o, err)
	}
	var members []string
	for a, err := range ls.p.ListLicenseOrderAccounts(ctx, apps.ListLicenseOrderAccountsParams{OrderID: id}) {
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, a.UserID)
	}
	if !slices.Equal(members, []string{"li.na", "zhao.lei"}) {
		t.Errorf("renewed members %v", members)
	}
	if err := ls.srv.PayLicenseOrder(id); err != nil {
		t.Fatal(err)
	}
	after, _ := ls.p.GetMemberLicenses(ctx, licCorp, "li.na")
	if got := after.Accounts[0].ExpireTime - before.Accounts[0].ExpireTime; got != 62*86400 {
		t.Errorf("renewed by %d s, want 62 days", got)
	}

	// To a new expiry: WeCom moves the time to 24:00 of its day.
	job2, err := ls.p.CreateLicenseRenewJob(ctx, apps.LicenseRenewJobParams{CorpID: licCorp, Accounts: []apps.LicenseAccountRef{{UserID: "li.na", Type: apps.LicenseBase}}})
	if err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	y, m, d := ls.srv.LicenseClock().In(cst).Date()
	noon := time.Date(y, m, d+500, 12, 0, 0, 0, cst)
	id2, err := ls.p.SubmitLicenseRenewJob(ctx, apps.SubmitLicenseRenewParams{JobID: job2.JobID, BuyerUserID: licBuyer, Duration: apps.LicenseDuration{NewExpireTime: noon.Unix()}})
	if err != nil {
		t.Fatal(err)
	}
	midnight := time.Date(y, m, d+501, 0, 0, 0, 0, cst).Unix()
	if o, _ := ls.p.GetLicenseOrder(ctx, id2); o.Duration != (apps.LicenseDuration{NewExpireTime: midnight}) {
		t.Errorf("renewal to a date: %+v", o.Duration)
	}
	if err := ls.srv.PayLicenseOrder(id2); err != nil {
		t.Fatal(err)
	}
	if m, _ := ls.p.GetMemberLicenses(ctx, licCorp, "li.na"); m.Accounts[0].ExpireTime != midnight {
		t.Errorf("expiry %d, want %d", m.Accounts[0].ExpireTime, midnight)
	}
	job3, _ := ls.p.CreateLicenseRenewJob(ctx, apps.LicenseRenewJobParams{CorpID: licCorp, Accounts: []apps.LicenseAccountRef{{UserID: "li.na", Type: apps.LicenseBase}}})
	_, err = ls.p.SubmitLicenseRenewJob(ctx, apps.SubmitLicenseRenewParams{JobID: job3.JobID, BuyerUserID: licBuyer, Duration: apps.LicenseDuration{NewExpireTime: ls.srv.LicenseClock().Unix()}})
	wecomtest.WantCode(t, err, 701100)
}

// A multi-corp purchase: a job over several calls, submitted, created asynchronously, read as a
// union order page by page; its parts are paid with it and get codes.
func TestLicenseMultiCorpOrder(t *testing.T) {
	t.Parallel()
	x := newSuiteSetup(t)
	x.srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	ls := &licenseSetup{srv: x.srv, p: providerService(t, x.srv), corp: licInstallSuite(t, x, licCorp), vals: map[string]string{}}
	licInstallSuite(t, x, "wwlicsecond0001")
	licInstallSuite(t, x, "wwlictest000001")
	ls.srv.SetLicenseTestCorp("wwlictest000001")
	ctx := t.Context()
	off := apps.AutoActiveOff
	year := apps.LicenseDuration{Months: 12}
	job, err := ls.p.CreateLicenseMultiCorpJob(ctx, apps.LicenseMultiCorpJobParams{BuyList: []apps.LicenseBuyInfo{
		{CorpID: licCorp, Count: apps.LicenseCount{Base: 2}, Duration: year},
		{CorpID: "wwlictest000001", Count: apps.LicenseCount{Base: 2}, Duration: year}}})
	if err != nil || len(job.Invalid) != 1 || job.Invalid[0].ErrCode != 701121 {
		t.Fatalf("job %+v, %v", job, err)
	}
	more, err := ls.p.CreateLicenseMultiCorpJob(ctx, apps.LicenseMultiCorpJobParams{JobID: job.JobID, BuyList: []apps.LicenseBuyInfo{
		{CorpID: "wwlicsecond0001", Count: apps.LicenseCount{ExternalContact: 1}, Duration: year, AutoActive: &off},
		{CorpID: licCorp, Count: apps.LicenseCount{Base: 1}, Duration: year}}})
	if err != nil || len(more.Invalid) != 1 || more.Invalid[0].ErrCode != 701124 {
		t.Fatalf("added %+v, %v", more, err)
	}
	_, err = ls.p.GetLicenseMultiCorpJobResult(ctx, job.JobID)
	wecomtest.WantCode(t, err, 701125)
	if err := ls.p.SubmitLicenseMultiCorpJob(ctx, job.JobID, licBuyer); err != nil {
		t.Fatal(err)
	}
	if r, err := ls.p.GetLicenseMultiCorpJobResult(ctx, job.JobID); err != nil || r.Status != apps.LicenseJobRunning {
		t.Errorf("first result %+v, %v: want running", r, err)
	}
	r, err := ls.p.WaitLicenseMultiCorpJob(ctx, job.JobID)
	if err != nil || r.Status != apps.LicenseJobDone || r.OrderID == "" || len(r.Failed) != 0 {
		t.Fatalf("result %+v, %v", r, err)
	}
	_, err = ls.p.GetLicenseOrder(ctx, r.OrderID)
	wecomtest.WantCode(t, err, 701120)
	var subs []apps.LicenseUnionBuy
	for b, err := range ls.p.ListLicenseUnionOrderCorps(ctx, apps.LicenseUnionOrderParams{OrderID: r.OrderID, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, b)
	}
	if len(subs) != 2 || subs[0].CorpID != licCorp || subs[1].Count.ExternalContact != 1 {
		t.Fatalf("corps %+v", subs)
	}
	// Listed: the parent without a corp filter, the corp's part with it.
	all, _ := ls.p.ListLicenseOrdersPage(ctx, apps.ListLicenseOrdersParams{})
	mine, _ := ls.p.ListLicenseOrdersPage(ctx, apps.ListLicenseOrdersParams{CorpID: licCorp})
	if len(all.Orders) != 1 || all.Orders[0].OrderType != apps.LicenseOrderMultiCorp || len(mine.Orders) != 1 || mine.Orders[0].OrderID != subs[0].SubOrderID {
		t.Errorf("listed %+v and %+v", all.Orders, mine.Orders)
	}
	if err := ls.srv.PayLicenseOrder(r.OrderID); err != nil {
		t.Fatal(err)
	}
	pg, err := ls.p.GetLicenseUnionOrder(ctx, apps.LicenseUnionOrderParams{OrderID: r.OrderID})
	if err != nil || pg.Order.OrderStatus != apps.LicenseOrderPaid || pg.Order.PayTime == 0 {
		t.Errorf("paid union order %+v, %v", pg, err)
	}
	codes, err := ls.p.ListLicenseOrderAccountsPage(ctx, apps.ListLicenseOrderAccountsParams{OrderID: subs[0].SubOrderID})
	if err != nil || len(codes.Accounts) != 2 {
		t.Errorf("codes of the first corp: %+v, %v", codes, err)
	}
	// Auto-activation is on unless the buy info turned it off.
	if st, err := ls.p.GetLicenseAutoActive(ctx, licCorp); err != nil || st != apps.AutoActiveOn {
		t.Errorf("auto-activation of %s: %d, %v", licCorp, st, err)
	}
	if st, err := ls.p.GetLicenseAutoActive(ctx, "wwlicsecond0001"); err != nil || st != apps.AutoActiveOff {
		t.Errorf("auto-activation of the second corp: %d, %v", st, err)
	}
}

// Paying from the balance: the job runs asynchronously; a failed payment is a result.
func TestLicensePayJob(t *testing.T) {
	t.Parallel()
	ls := newLicenseSetup(t)
	ctx := t.Context()
	id := ls.order(t, 10, 0)
	o, _ := ls.p.GetLicenseOrder(ctx, id)
	pay := func(order string) *apps.LicensePayJobResult {
		t.Helper()
		job, err := ls.p.SubmitLicensePayJob(ctx, licBuyer, order)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ls.p.WaitLicensePayJob(ctx, job)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	failed := func(r *apps.LicensePayJobResult, code int) {
		t.Helper()
		if r.Status != apps.LicenseJobFailed || r.Failure == nil || r.Failure.ErrCode != code {
			t.Errorf("result %+v, want failure %d", r, code)
		}
	}
	failed(pay(id), 90432)
	ls.srv.SetProviderBalance("wwprov0000000001", o.Price-1)
	failed(pay(id), 90433)
	ls.srv.SetProviderBalance("wwprov0000000001", o.Price+500)
	if r := pay(id); r.Status != apps.LicenseJobDone || r.Failure != nil {
		t.Errorf("payment %+v", r)
	}
	if b, err := ls.p.GetAccountBalance(ctx); err != nil || b != 500 {
		t.Errorf("balance %d, %v; want 500", b, err)
	}
	if o, _ := ls.p.GetLicenseOrder(ctx, id); o.OrderStatus != apps.LicenseOrderPaid {
		t.Errorf("order %+v", o)
	}
	failed(pay(id), 701084)
	failed(pay("nope"), 701005)
	_, err := ls.p.GetLicensePayJobResult(ctx, "nope")
	wecomtest.WantCode(t, err, 701151)
}

// The waits end with ctx.
func TestLicenseWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	p := providerService(t, srv)
	for _, tc := range []struct {
		path string
		wait func(ctx context.Context) error
	}{
		{"/cgi-bin/license/pay_job_result", func(ctx context.Context) error { _, err := p.WaitLicensePayJob(ctx, "j"); return err }},
		{"/cgi-bin/license/new_order_job_result", func(ctx context.Context) error { _, err := p.WaitLicenseMultiCorpJob(ctx, "j"); return err }},
	} {
		ctx, cancel := context.WithCancel(t.Context())
		srv.HandleFunc(http.MethodPost, tc.path, wecomtest.TokenProvider, func(*wecomtest.Call) (any, error) {
			cancel() // the caller gives up while the job still runs
			return map[string]any{"status": 2}, nil
		})
		if err := tc.wait(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v", tc.path, err)
		}
		cancel()
	}
}

// A test corp: no trial, orders of 0 paid at once, at most 1000 accounts and one month.
func TestLicenseTestCorp(t *testing.T) {
	t.Parallel()
	ls := newLicenseSetup(t)
	ls.srv.SetLicenseTestCorp(licCorp)
	ctx := t.Context()
	buy := func(n int, d apps.LicenseDuration) (string, error) {
		return ls.p.CreateLicenseOrder(ctx, apps.CreateLicenseOrderParams{CorpID: licCorp, BuyerUserID: licBuyer, Count: apps.LicenseCount{Base: n}, Duration: d})
	}
	_, err := buy(1001, apps.LicenseDuration{Months: 1})
	wecomtest.WantCode(t, err, 701027)
	_, err = buy(1, apps.LicenseDuration{Months: 2})
	wecomtest.WantCode(t, err, 701028)
	id, err := buy(3, apps.LicenseDuration{Months: 1})
	if err != nil {
		t.Fatal(err)
	}
	if o, err := ls.p.GetLicenseOrder(ctx, id); err != nil || o.Price != 0 || o.OrderStatus != apps.LicenseOrderPaid {
		t.Errorf("test order %+v, %v", o, err)
	}
	info, err := ls.p.GetAppLicenseInfo(ctx, apps.AppLicenseInfoParams{CorpID: licCorp, SuiteID: testSuiteID})
	if err != nil || info.Trial != nil || info.LicenseStatus != 1 {
		t.Errorf("test corp licence info %+v, %v", info, err)
	}
	// Without a trial, the corp's 互通 calls need an account at once.
	wecomtest.WantCode(t, ls.corp.Do(ctx, http.MethodGet, "/cgi-bin/externalcontact/list", map[string][]string{"userid": {"li.na"}}, nil, nil), client.CodeNoInterfaceLicense)
}
