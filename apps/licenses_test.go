package apps_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// Licence tests run a provider (wwprov0000000001) and a corp (licCorp) that installed the test
// suite, on a fresh simulator each.
const (
	licCorp       = "wwlic0000000001"
	licDownstream = "wwlicdown000001"
	licBuyer      = "buyer.admin"
)

type licenseSetup struct {
	srv  *wecomtest.Server
	p    *apps.ProviderService
	corp *client.Client // licCorp's client through the suite
	vals map[string]string
}

// licInstallSuite installs the test suite in corpID and returns the corp's client.
func licInstallSuite(t *testing.T, x *suiteSetup, corpID string) *client.Client {
	t.Helper()
	code, err := x.srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: testSuiteID, CorpID: corpID})
	if err != nil {
		t.Fatal(err)
	}
	perm, err := x.isv.GetPermanentCodeV2(t.Context(), code)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x.suite.AuthCorp(corpID, perm.PermanentCode)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newLicenseSetup(t *testing.T) *licenseSetup {
	t.Helper()
	x := newSuiteSetup(t)
	x.srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	return &licenseSetup{srv: x.srv, p: providerService(t, x.srv), corp: licInstallSuite(t, x, licCorp), vals: map[string]string{}}
}

// order creates a purchase for licCorp and returns its ID.
func (ls *licenseSetup) order(t *testing.T, base, ext int) string {
	t.Helper()
	id, err := ls.p.CreateLicenseOrder(t.Context(), apps.CreateLicenseOrderParams{CorpID: licCorp, BuyerUserID: licBuyer,
		Count: apps.LicenseCount{Base: base, ExternalContact: ext}, Duration: apps.LicenseDuration{Months: 12}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// codes buys and pays base and 互通 accounts for licCorp and returns their active codes.
func (ls *licenseSetup) codes(t *testing.T, base, ext int) []string {
	t.Helper()
	id := ls.order(t, base, ext)
	if err := ls.srv.PayLicenseOrder(id); err != nil {
		t.Fatal(err)
	}
	ls.vals["order"] = id
	var codes []string
	for a, err := range ls.p.ListLicenseOrderAccounts(t.Context(), apps.ListLicenseOrderAccountsParams{OrderID: id}) {
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, a.ActiveCode)
	}
	if len(codes) != base+ext {
		t.Fatalf("order %s has %d codes, want %d", id, len(codes), base+ext)
	}
	return codes
}

// activate binds a fresh code of typ to userID.
func (ls *licenseSetup) activate(t *testing.T, userID string, typ apps.LicenseType) string {
	t.Helper()
	base, ext := 1, 0
	if typ == apps.LicenseExternalContact {
		base, ext = 0, 1
	}
	code := ls.codes(t, base, ext)[0]
	if err := ls.p.ActivateLicense(t.Context(), apps.ActivateLicenseParams{ActiveCode: code, CorpID: licCorp, UserID: userID}); err != nil {
		t.Fatal(err)
	}
	ls.vals["code"] = code
	return code
}

// licenseEndpoint is one row of the licence fault matrix: prepare builds the state (values the
// call needs go in ls.vals), call runs the endpoint.
type licenseEndpoint struct {
	name    string
	retried bool // reads and idempotent writes survive a -1 busy answer
	prepare func(t *testing.T, ls *licenseSetup)
	call    func(ctx context.Context, ls *licenseSetup) error
}

func (e licenseEndpoint) path() string {
	if e.name == "get_account_balance" {
		return "/cgi-bin/service/" + e.name
	}
	return "/cgi-bin/license/" + e.name
}

// runLicenseMatrix runs every endpoint through success, provider token expiry, -1 busy and a
// permission errcode, each on a fresh simulator.
func runLicenseMatrix(t *testing.T, eps []licenseEndpoint) {
	t.Helper()
	cases := []struct {
		name   string
		inject func(srv *wecomtest.Server, path string)
		check  func(t *testing.T, ep licenseEndpoint, srv *wecomtest.Server, tokens int, err error)
	}{
		{"ok", nil, func(t *testing.T, _ licenseEndpoint, _ *wecomtest.Server, _ int, err error) {
			if err != nil {
				t.Fatalf("err = %v", err)
			}
		}},
		{"token expired", func(srv *wecomtest.Server, _ string) { srv.ExpireTokens() }, func(t *testing.T, _ licenseEndpoint, srv *wecomtest.Server, tokens int, err error) {
			if err != nil {
				t.Fatalf("err = %v, want a new provider token and success", err)
			}
			if n := srv.Calls("/cgi-bin/service/get_provider_token"); n != tokens+1 {
				t.Errorf("get_provider_token calls = %d, want %d", n, tokens+1)
			}
		}},
		{"busy", func(srv *wecomtest.Server, path string) { srv.FailNext(path, client.CodeBusy, 1) }, func(t *testing.T, ep licenseEndpoint, srv *wecomtest.Server, _ int, err error) {
			if ep.retried {
				if err != nil || srv.Calls(ep.path()) < 2 {
					t.Fatalf("err = %v after %d calls, want success after a retry", err, srv.Calls(ep.path()))
				}
				return
			}
			if wecomtest.ErrCode(err) != client.CodeBusy || !errors.Is(err, client.ErrRetryable) {
				t.Fatalf("err = %v, want errcode -1 (a write is not retried)", err)
			}
			if n := srv.Served(ep.path()); n != 0 {
				t.Errorf("served = %d, want 0", n)
			}
		}},
		{"permission", func(srv *wecomtest.Server, path string) { srv.FailNext(path, client.CodeNoPrivilege, 1) }, func(t *testing.T, ep licenseEndpoint, _ *wecomtest.Server, _ int, err error) {
			if wecomtest.ErrCode(err) != client.CodeNoPrivilege || !errors.Is(err, client.ErrPermission) {
				t.Fatalf("err = %v, want errcode 60011", err)
			}
			if ae, ok := errors.AsType[*client.APIError](err); !ok || ae.Path != ep.path() {
				t.Errorf("APIError %+v, want Path %s", ae, ep.path())
			}
		}},
	}
	for _, ep := range eps {
		for _, tc := range cases {
			t.Run(ep.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				ls := newLicenseSetup(t)
				ctx := t.Context()
				if ep.prepare != nil {
					ep.prepare(t, ls)
				}
				if _, err := ls.p.GetAccountBalance(ctx); err != nil { // a provider token is cached
					t.Fatal(err)
				}
				tokens := ls.srv.Calls("/cgi-bin/service/get_provider_token")
				if tc.inject != nil {
					tc.inject(ls.srv, ep.path())
				}
				tc.check(t, ep, ls.srv, tokens, ep.call(ctx, ls))
			})
		}
	}
}

// licWant turns a result check into the call's error.
func licWant(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

func TestLicenseMatrix(t *testing.T) {
	t.Parallel()
	activated := func(t *testing.T, ls *licenseSetup) { ls.activate(t, "li.na", apps.LicenseBase) }
	renewJob := func(t *testing.T, ls *licenseSetup) {
		activated(t, ls)
		job, err := ls.p.CreateLicenseRenewJob(t.Context(), apps.LicenseRenewJobParams{CorpID: licCorp, Accounts: []apps.LicenseAccountRef{{UserID: "li.na", Type: apps.LicenseBase}}})
		if err != nil {
			t.Fatal(err)
		}
		ls.vals["job"] = job.JobID
	}
	pending := func(t *testing.T, ls *licenseSetup) { ls.vals["order"] = ls.order(t, 2, 1) }
	multiJob := func(t *testing.T, ls *licenseSetup) {
		job, err := ls.p.CreateLicenseMultiCorpJob(t.Context(), apps.LicenseMultiCorpJobParams{BuyList: []apps.LicenseBuyInfo{
			{CorpID: licCorp, Count: apps.LicenseCount{Base: 3}, Duration: apps.LicenseDuration{Months: 1}}}})
		if err != nil || len(job.Invalid) != 0 {
			t.Fatalf("%+v, %v", job, err)
		}
		ls.vals["job"] = job.JobID
	}
	multiOrder := func(t *testing.T, ls *licenseSetup) {
		multiJob(t, ls)
		if err := ls.p.SubmitLicenseMultiCorpJob(t.Context(), ls.vals["job"], licBuyer); err != nil {
			t.Fatal(err)
		}
		r, err := ls.p.WaitLicenseMultiCorpJob(t.Context(), ls.vals["job"])
		if err != nil || r.Status != apps.LicenseJobDone {
			t.Fatalf("%+v, %v", r, err)
		}
		ls.vals["order"] = r.OrderID
	}
	payJob := func(t *testing.T, ls *licenseSetup) {
		pending(t, ls)
		ls.srv.SetProviderBalance("wwprov0000000001", 1_000_000)
		id, err := ls.p.SubmitLicensePayJob(t.Context(), licBuyer, ls.vals["order"])
		if err != nil {
			t.Fatal(err)
		}
		ls.vals["job"] = id
	}
	bought := func(t *testing.T, ls *licenseSetup) { ls.codes(t, 1, 0) }
	runLicenseMatrix(t, []licenseEndpoint{
		{name: "create_new_order", call: func(ctx context.Context, ls *licenseSetup) error {
			id, err := ls.p.CreateLicenseOrder(ctx, apps.CreateLicenseOrderParams{CorpID: licCorp, BuyerUserID: licBuyer,
				Count: apps.LicenseCount{Base: 10, ExternalContact: 2}, Duration: apps.LicenseDuration{Months: 2, Days: 20}})
			return errors.Join(err, licWant(err != nil || id != "", "no order id"))
		}},
		{name: "create_renew_order_job", prepare: activated, call: func(ctx context.Context, ls *licenseSetup) error {
			job, err := ls.p.CreateLicenseRenewJob(ctx, apps.LicenseRenewJobParams{CorpID: licCorp, Accounts: []apps.LicenseAccountRef{
				{UserID: "li.na", Type: apps.LicenseBase}, {UserID: "li.na", Type: apps.LicenseExternalContact}}})
			return errors.Join(err, licWant(err != nil || (job.JobID != "" && len(job.Invalid) == 1 && job.Invalid[0].ErrCode == 701004), "job %+v", job))
		}},
		{name: "submit_order_job", prepare: renewJob, call: func(ctx context.Context, ls *licenseSetup) error {
			id, err := ls.p.SubmitLicenseRenewJob(ctx, apps.SubmitLicenseRenewParams{JobID: ls.vals["job"], BuyerUserID: licBuyer, Duration: apps.LicenseDuration{Months: 12}})
			return errors.Join(err, licWant(err != nil || id != "", "no order id"))
		}},
		{name: "list_order", retried: true, prepare: pending, call: func(ctx context.Context, ls *licenseSetup) error {
			pg, err := ls.p.ListLicenseOrdersPage(ctx, apps.ListLicenseOrdersParams{})
			return errors.Join(err, licWant(err != nil || (len(pg.Orders) == 1 && pg.Orders[0].OrderID == ls.vals["order"]), "page %+v", pg))
		}},
		{name: "get_order", retried: true, prepare: pending, call: func(ctx context.Context, ls *licenseSetup) error {
			o, err := ls.p.GetLicenseOrder(ctx, ls.vals["order"])
			return errors.Join(err, licWant(err != nil || (o.OrderStatus == apps.LicenseOrderPending && o.Count.Base == 2 && o.CorpID == licCorp), "order %+v", o))
		}},
		{name: "list_order_account", retried: true, prepare: bought, call: func(ctx context.Context, ls *licenseSetup) error {
			pg, err := ls.p.ListLicenseOrderAccountsPage(ctx, apps.ListLicenseOrderAccountsParams{OrderID: ls.vals["order"]})
			return errors.Join(err, licWant(err != nil || (len(pg.Accounts) == 1 && pg.Accounts[0].ActiveCode != ""), "page %+v", pg))
		}},
		{name: "cancel_order", prepare: pending, call: func(ctx context.Context, ls *licenseSetup) error {
			return ls.p.CancelLicenseOrder(ctx, licCorp, ls.vals["order"])
		}},
		{name: "create_new_order_job", call: func(ctx context.Context, ls *licenseSetup) error {
			job, err := ls.p.CreateLicenseMultiCorpJob(ctx, apps.LicenseMultiCorpJobParams{BuyList: []apps.LicenseBuyInfo{
				{CorpID: licCorp, Count: apps.LicenseCount{Base: 1}, Duration: apps.LicenseDuration{Days: 31}},
				{CorpID: "wwnotinstalled1", Count: apps.LicenseCount{Base: 1}, Duration: apps.LicenseDuration{Days: 31}}}})
			return errors.Join(err, licWant(err != nil || (len(job.Invalid) == 1 && job.Invalid[0].ErrCode == 701015), "job %+v", job))
		}},
		{name: "submit_new_order_job", prepare: multiJob, call: func(ctx context.Context, ls *licenseSetup) error {
			return ls.p.SubmitLicenseMultiCorpJob(ctx, ls.vals["job"], licBuyer)
		}},
		{name: "new_order_job_result", retried: true, prepare: multiOrder, call: func(ctx context.Context, ls *licenseSetup) error {
			r, err := ls.p.GetLicenseMultiCorpJobResult(ctx, ls.vals["job"])
			return errors.Join(err, licWant(err != nil || (r.Status == apps.LicenseJobDone && r.OrderID == ls.vals["order"]), "result %+v", r))
		}},
		{name: "get_union_order", retried: true, prepare: multiOrder, call: func(ctx context.Context, ls *licenseSetup) error {
			pg, err := ls.p.GetLicenseUnionOrder(ctx, apps.LicenseUnionOrderParams{OrderID: ls.vals["order"]})
			return errors.Join(err, licWant(err != nil || (pg.Order.OrderType == apps.LicenseOrderMultiCorp && len(pg.BuyList) == 1 && pg.BuyList[0].Count.Base == 3), "page %+v", pg))
		}},
		{name: "submit_pay_job", prepare: func(t *testing.T, ls *licenseSetup) {
			pending(t, ls)
			ls.srv.SetProviderBalance("wwprov0000000001", 1_000_000)
		},
			call: func(ctx context.Context, ls *licenseSetup) error {
				id, err := ls.p.SubmitLicensePayJob(ctx, licBuyer, ls.vals["order"])
				return errors.Join(err, licWant(err != nil || id != "", "no job id"))
			}},
		{name: "pay_job_result", retried: true, prepare: payJob, call: func(ctx context.Context, ls *licenseSetup) error {
			r, err := ls.p.WaitLicensePayJob(ctx, ls.vals["job"])
			return errors.Join(err, licWant(err != nil || (r.Status == apps.LicenseJobDone && r.Failure == nil), "result %+v", r))
		}},
		{name: "get_account_balance", retried: true, prepare: func(_ *testing.T, ls *licenseSetup) { ls.srv.SetProviderBalance("wwprov0000000001", 4200) },
			call: func(ctx context.Context, ls *licenseSetup) error {
				b, err := ls.p.GetAccountBalance(ctx)
				return errors.Join(err, licWant(err != nil || b == 4200, "balance %d", b))
			}},
		{name: "active_account", prepare: bought, call: func(ctx context.Context, ls *licenseSetup) error {
			return ls.p.ActivateLicense(ctx, apps.ActivateLicenseParams{ActiveCode: ls.firstCode(ctx), CorpID: licCorp, UserID: "li.na"})
		}},
		{name: "batch_active_account", prepare: bought, call: func(ctx context.Context, ls *licenseSetup) error {
			res, err := ls.p.BatchActivateLicenses(ctx, licCorp, []apps.LicenseActivation{{ActiveCode: ls.firstCode(ctx), UserID: "li.na"}})
			return errors.Join(err, licWant(err != nil || (len(res) == 1 && res[0].ErrCode == 0), "results %+v", res))
		}},
		{name: "active_account_by_type", prepare: bought, call: func(ctx context.Context, ls *licenseSetup) error {
			return ls.p.ActivateLicenseByType(ctx, apps.ActivateLicenseByTypeParams{Type: apps.LicenseBase, CorpID: licCorp, UserID: "li.na"})
		}},
		{name: "get_active_info_by_code", retried: true, prepare: activated, call: func(ctx context.Context, ls *licenseSetup) error {
			i, err := ls.p.GetLicenseCode(ctx, licCorp, ls.vals["code"])
			return errors.Join(err, licWant(err != nil || (i.Status == apps.LicenseCodeBound && i.UserID == "li.na"), "info %+v", i))
		}},
		{name: "batch_get_active_info_by_code", retried: true, prepare: activated, call: func(ctx context.Context, ls *licenseSetup) error {
			b, err := ls.p.BatchGetLicenseCodes(ctx, licCorp, []string{ls.vals["code"], "nope"})
			return errors.Join(err, licWant(err != nil || (len(b.Codes) == 1 && slices.Equal(b.Invalid, []string{"nope"})), "batch %+v", b))
		}},
		{name: "list_actived_account", retried: true, prepare: activated, call: func(ctx context.Context, ls *licenseSetup) error {
			pg, err := ls.p.ListActivatedLicensesPage(ctx, apps.ListActivatedLicensesParams{CorpID: licCorp})
			return errors.Join(err, licWant(err != nil || (len(pg.Accounts) == 1 && pg.Accounts[0].UserID == "li.na"), "page %+v", pg))
		}},
		{name: "get_active_info_by_user", retried: true, prepare: activated, call: func(ctx context.Context, ls *licenseSetup) error {
			m, err := ls.p.GetMemberLicenses(ctx, licCorp, "li.na")
			return errors.Join(err, licWant(err != nil || (bool(m.Active) && len(m.Accounts) == 1), "member %+v", m))
		}},
		{name: "batch_transfer_license", prepare: activated, call: func(ctx context.Context, ls *licenseSetup) error {
			res, err := ls.p.TransferLicenses(ctx, licCorp, []apps.LicenseTransfer{{HandoverUserID: "li.na", TakeoverUserID: "zhao.lei"}})
			return errors.Join(err, licWant(err != nil || (len(res) == 1 && res[0].ErrCode == 0), "results %+v", res))
		}},
		{name: "batch_share_active_code", prepare: func(t *testing.T, ls *licenseSetup) { ls.chain(t); bought(t, ls) }, call: func(ctx context.Context, ls *licenseSetup) error {
			res, err := ls.p.ShareLicenseCodes(ctx, apps.ShareLicenseCodesParams{FromCorpID: licCorp, ToCorpID: licDownstream, ActiveCodes: []string{ls.firstCode(ctx)}})
			return errors.Join(err, licWant(err != nil || len(res) == 0, "failures %+v", res))
		}},
		{name: "get_app_license_info", retried: true, call: func(ctx context.Context, ls *licenseSetup) error {
			i, err := ls.p.GetAppLicenseInfo(ctx, apps.AppLicenseInfoParams{CorpID: licCorp, SuiteID: testSuiteID})
			return errors.Join(err, licWant(err != nil || (i.LicenseStatus == 1 && i.Trial != nil && i.Trial.EndTime-i.Trial.StartTime == 90*86400), "info %+v", i))
		}},
		{name: "set_auto_active_status", retried: true, prepare: bought, call: func(ctx context.Context, ls *licenseSetup) error {
			return ls.p.SetLicenseAutoActive(ctx, licCorp, apps.AutoActiveOn)
		}},
		{name: "get_auto_active_status", retried: true, prepare: bought, call: func(ctx context.Context, ls *licenseSetup) error {
			st, err := ls.p.GetLicenseAutoActive(ctx, licCorp)
			return errors.Join(err, licWant(err != nil || st == apps.AutoActiveOff, "status %d", st))
		}},
		{name: "support_policy_query", call: func(ctx context.Context, ls *licenseSetup) error {
			// The policy ended on 2023-03-31: WeCom answers 701112, the "success" of today.
			_, err := ls.p.QueryLicenseSupportPolicy(ctx, licCorp)
			if wecomtest.ErrCode(err) == 701112 {
				return nil
			}
			return errors.Join(err, licWant(err != nil, "answered without 701112"))
		}},
	})
}

// firstCode is the first active code of the order in ls.vals (read through the simulator's
// list, not the path under test).
func (ls *licenseSetup) firstCode(ctx context.Context) string {
	for a, err := range ls.p.ListLicenseOrderAccounts(ctx, apps.ListLicenseOrderAccountsParams{OrderID: ls.vals["order"]}) {
		if err == nil {
			return a.ActiveCode
		}
		break
	}
	return "missing"
}

// chain installs the suite in licDownstream and shares the app from licCorp with it (上下游).
func (ls *licenseSetup) chain(t *testing.T) {
	t.Helper()
	code, err := ls.srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: testSuiteID, CorpID: licDownstream})
	if err != nil {
		t.Fatal(err)
	}
	_ = code // the downstream installed the app; its permanent code is not needed here
	ls.srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: licDownstream, AgentID: 1000200, UpstreamCorpID: licCorp, UpstreamAgentID: 1000100, BusinessType: 1})
}

// licenseMock is a provider service whose HTTP goes to an httpmock transport.
func licenseMock(t *testing.T) (*apps.ProviderService, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, "https://sim.test/cgi-bin/service/get_provider_token",
		httpmock.NewStringResponder(200, `{"provider_access_token":"ptok-1","expires_in":7200}`))
	c, err := client.New(client.Provider{CorpID: "wwprov", ProviderSecret: "s"}, client.WithBaseURL("https://sim.test"),
		client.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		t.Fatal(err)
	}
	p, err := apps.NewProvider(c)
	if err != nil {
		t.Fatal(err)
	}
	return p, mt
}

// The request bodies are the official pages' examples, byte for byte in the documented field
// order, with the provider token in the query; the answers are the pages' examples too and
// decode into the result types.
func TestLicenseGoldenRequests(t *testing.T) {
	t.Parallel()
	auto := apps.AutoActiveOn
	for _, tc := range []struct {
		path, body, answer string
		call               func(ctx context.Context, p *apps.ProviderService) (any, error)
		check              func(v any) bool
	}{
		{"/cgi-bin/license/create_new_order",
			`{"corpid":"wwxxx","buyer_userid":"xxxx","account_count":{"base_count":100,"external_contact_count":100},"account_duration":{"months":2,"days":20}}`,
			`{"errcode":0,"errmsg":"ok","order_id":"xxxx"}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.CreateLicenseOrder(ctx, apps.CreateLicenseOrderParams{CorpID: "wwxxx", BuyerUserID: "xxxx",
					Count: apps.LicenseCount{Base: 100, ExternalContact: 100}, Duration: apps.LicenseDuration{Months: 2, Days: 20}})
			}, func(v any) bool { return v == "xxxx" }},
		{"/cgi-bin/license/create_renew_order_job",
			`{"corpid":"wwxxx","account_list":[{"userid":"userid1","type":1}],"jobid":"JOBID"}`,
			`{"errcode":0,"errmsg":"ok","jobid":"xxxx","invalid_account_list":[{"errcode":1,"errmsg":"xxx","userid":"userid1","type":1}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.CreateLicenseRenewJob(ctx, apps.LicenseRenewJobParams{CorpID: "wwxxx", JobID: "JOBID", Accounts: []apps.LicenseAccountRef{{UserID: "userid1", Type: apps.LicenseBase}}})
			}, func(v any) bool {
				j := v.(*apps.LicenseRenewJob)
				return j.JobID == "xxxx" && j.Invalid[0] == apps.LicenseInvalidAccount{ErrCode: 1, ErrMsg: "xxx", UserID: "userid1", Type: apps.LicenseBase}
			}},
		{"/cgi-bin/license/submit_order_job",
			`{"jobid":"wwxxx","buyer_userid":"xxxx","account_duration":{"months":2}}`,
			`{"errcode":0,"errmsg":"ok","order_id":"xxxx"}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.SubmitLicenseRenewJob(ctx, apps.SubmitLicenseRenewParams{JobID: "wwxxx", BuyerUserID: "xxxx", Duration: apps.LicenseDuration{Months: 2}})
			}, func(v any) bool { return v == "xxxx" }},
		{"/cgi-bin/license/list_order",
			`{"corpid":"xxxxx","start_time":1500000000,"end_time":1502000000,"cursor":"xxx","limit":10}`,
			`{"errcode":0,"errmsg":"ok","next_cursor":"xxx","has_more":1,"order_list":[{"order_id":"xxx","order_type":1}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.ListLicenseOrdersPage(ctx, apps.ListLicenseOrdersParams{CorpID: "xxxxx", StartTime: 1500000000, EndTime: 1502000000, Cursor: "xxx", Limit: 10})
			}, func(v any) bool {
				pg := v.(*apps.LicenseOrderPage)
				return bool(pg.HasMore) && pg.NextCursor == "xxx" && pg.Orders[0] == apps.LicenseOrderRef{OrderID: "xxx", OrderType: apps.LicenseOrderNew}
			}},
		{"/cgi-bin/license/get_order", `{"order_id":"xxxxx"}`,
			`{"errcode":0,"errmsg":"ok","order":{"order_id":"xxxxx","order_type":1,"order_status":1,"corpid":"wpxxxx","price":10000,"account_count":{"base_count":100,"external_contact_count":100},"account_duration":{"months":2,"days":20,"new_expire_time":1700000000},"create_time":150000000,"pay_time":1550000000}}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.GetLicenseOrder(ctx, "xxxxx")
			},
			func(v any) bool {
				return *v.(*apps.LicenseOrder) == apps.LicenseOrder{OrderID: "xxxxx", OrderType: 1, OrderStatus: apps.LicenseOrderPaid, CorpID: "wpxxxx", Price: 10000,
					Count: apps.LicenseCount{Base: 100, ExternalContact: 100}, Duration: apps.LicenseDuration{Months: 2, Days: 20, NewExpireTime: 1700000000}, CreateTime: 150000000, PayTime: 1550000000}
			}},
		{"/cgi-bin/license/list_order_account", `{"order_id":"XXXXXXXX","limit":1000,"cursor":"xxxx"}`,
			`{"errcode":0,"errmsg":"ok","next_cursor":"xxxx","has_more":1,"account_list":[{"active_code":"code1","userid":"XXX","type":1},{"active_code":"code2","userid":"XXX","type":2}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.ListLicenseOrderAccountsPage(ctx, apps.ListLicenseOrderAccountsParams{OrderID: "XXXXXXXX", Limit: 1000, Cursor: "xxxx"})
			}, func(v any) bool {
				pg := v.(*apps.LicenseOrderAccountPage)
				return len(pg.Accounts) == 2 && pg.Accounts[1] == apps.LicenseOrderAccount{ActiveCode: "code2", UserID: "XXX", Type: apps.LicenseExternalContact}
			}},
		{"/cgi-bin/license/cancel_order", `{"order_id":"xxxxx","corpid":"CORPID"}`, `{"errcode":0,"errmsg":"ok"}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return nil, p.CancelLicenseOrder(ctx, "CORPID", "xxxxx")
			},
			func(any) bool { return true }},
		{"/cgi-bin/license/create_new_order_job",
			`{"buy_list":[{"corpid":"CORPID","account_count":{"base_count":100,"external_contact_count":100},"account_duration":{"months":2,"days":20},"auto_active_status":1}],"jobid":"JOBID"}`,
			`{"errcode":0,"errmsg":"ok","jobid":"BUYJOBID","invalid_list":[{"corpid":"CORPID","errcode":1,"errmsg":"xxx"}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.CreateLicenseMultiCorpJob(ctx, apps.LicenseMultiCorpJobParams{JobID: "JOBID", BuyList: []apps.LicenseBuyInfo{{CorpID: "CORPID",
					Count: apps.LicenseCount{Base: 100, ExternalContact: 100}, Duration: apps.LicenseDuration{Months: 2, Days: 20}, AutoActive: &auto}}})
			}, func(v any) bool {
				j := v.(*apps.LicenseMultiCorpJob)
				return j.JobID == "BUYJOBID" && j.Invalid[0] == apps.LicenseCorpError{CorpID: "CORPID", ErrCode: 1, ErrMsg: "xxx"}
			}},
		{"/cgi-bin/license/submit_new_order_job", `{"jobid":"BUYJOBID","buyer_userid":"xxxx"}`, `{"errcode":0,"errmsg":"ok"}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return nil, p.SubmitLicenseMultiCorpJob(ctx, "BUYJOBID", "xxxx")
			}, func(any) bool { return true }},
		{"/cgi-bin/license/new_order_job_result", `{"jobid":"BUYJOBID"}`,
			`{"errcode":0,"errmsg":"ok","status":1,"order_id":"xxxx","fail_list":[{"corpid":"CORPID","errcode":700400,"errmsg":"xxx"}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.GetLicenseMultiCorpJobResult(ctx, "BUYJOBID")
			},
			func(v any) bool {
				r := v.(*apps.LicenseMultiCorpJobResult)
				return r.Status == apps.LicenseJobDone && r.OrderID == "xxxx" && r.Failed[0].ErrCode == 700400
			}},
		{"/cgi-bin/license/get_union_order", `{"order_id":"ORDERID","limit":1000,"cursor":"CURSOR"}`,
			`{"errcode":0,"errmsg":"ok","order":{"order_id":"ORDERID","order_type":1,"order_status":1,"price":10000,"create_time":150000000,"pay_time":1550000000},"has_more":1,"next_cursor":"CURSOR","buy_list":[{"sub_order_id":"SUBORDERID","corpid":"CORPID","account_count":{"base_count":100,"external_contact_count":100},"account_duration":{"months":2,"days":20}}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.GetLicenseUnionOrder(ctx, apps.LicenseUnionOrderParams{OrderID: "ORDERID", Limit: 1000, Cursor: "CURSOR"})
			}, func(v any) bool {
				pg := v.(*apps.LicenseUnionOrderPage)
				return pg.Order.Price == 10000 && pg.Order.PayTime == 1550000000 && bool(pg.HasMore) &&
					pg.BuyList[0] == apps.LicenseUnionBuy{SubOrderID: "SUBORDERID", CorpID: "CORPID", Count: apps.LicenseCount{Base: 100, ExternalContact: 100}, Duration: apps.LicenseDuration{Months: 2, Days: 20}}
			}},
		{"/cgi-bin/license/submit_pay_job", `{"payer_userid":"USERID","order_id":"ORDERID"}`, `{"errcode":0,"errmsg":"ok","jobid":"JOBID"}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.SubmitLicensePayJob(ctx, "USERID", "ORDERID")
			},
			func(v any) bool { return v == "JOBID" }},
		{"/cgi-bin/license/pay_job_result", `{"jobid":"JOBID"}`,
			`{"errcode":0,"errmsg":"ok","status":3,"pay_job_result":{"errcode":700001,"errmsg":"xxx","fail_corp_list":[{"corpid":"wwxxx","errcode":700002,"errmsg":"xxx"}]}}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.GetLicensePayJobResult(ctx, "JOBID")
			},
			func(v any) bool {
				r := v.(*apps.LicensePayJobResult)
				return r.Status == apps.LicenseJobFailed && r.Failure.ErrCode == 700001 && r.Failure.FailedCorps[0].CorpID == "wwxxx"
			}},
		{"/cgi-bin/license/active_account", `{"active_code":"XXXXXXXX","corpid":"CORPID","userid":"USERID"}`, `{"errcode":0,"errmsg":"ok"}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return nil, p.ActivateLicense(ctx, apps.ActivateLicenseParams{ActiveCode: "XXXXXXXX", CorpID: "CORPID", UserID: "USERID"})
			}, func(any) bool { return true }},
		{"/cgi-bin/license/batch_active_account",
			`{"corpid":"CORPID","active_list":[{"active_code":"XXXXXXXX","userid":"USERID"},{"active_code":"YYYYYYYY","userid":"USERID2"}]}`,
			`{"errcode":0,"errmsg":"ok","active_result":[{"active_code":"XXXXXXXX","userid":"USERID","errcode":0},{"active_code":"YYYYYYYY","userid":"USERID2","errcode":701003}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.BatchActivateLicenses(ctx, "CORPID", []apps.LicenseActivation{{ActiveCode: "XXXXXXXX", UserID: "USERID"}, {ActiveCode: "YYYYYYYY", UserID: "USERID2"}})
			}, func(v any) bool {
				r := v.([]apps.LicenseActivationResult)
				return len(r) == 2 && r[1] == apps.LicenseActivationResult{ActiveCode: "YYYYYYYY", UserID: "USERID2", ErrCode: 701003}
			}},
		{"/cgi-bin/license/active_account_by_type", `{"type":1,"corpid":"CORPID","userid":"USERID"}`, `{"errcode":0,"errmsg":"ok"}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return nil, p.ActivateLicenseByType(ctx, apps.ActivateLicenseByTypeParams{Type: apps.LicenseBase, CorpID: "CORPID", UserID: "USERID"})
			}, func(any) bool { return true }},
		{"/cgi-bin/license/get_active_info_by_code", `{"corpid":"xxx","active_code":"XXXXXXXX"}`,
			`{"errcode":0,"errmsg":"ok","active_info":{"active_code":"code1","type":1,"status":1,"userid":"USERID","create_time":1640966400,"active_time":1640966400,"expire_time":1640966400,"merge_info":{"to_active_code":"code_new","from_active_code":"code_old"},"share_info":{"to_corpid":"CORPID","from_corpid":"CORPID"}}}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.GetLicenseCode(ctx, "xxx", "XXXXXXXX")
			},
			func(v any) bool {
				i := v.(*apps.LicenseCodeInfo)
				return i.Status == apps.LicenseCodeUnbound && i.MergeInfo.FromActiveCode == "code_old" && i.ShareInfo.ToCorpID == "CORPID" && i.ExpireTime == 1640966400
			}},
		{"/cgi-bin/license/batch_get_active_info_by_code", `{"corpid":"xxx","active_code_list":["XXXXXXXX","YYYYYYYY","ZZZZZZZZ"]}`,
			`{"errcode":0,"errmsg":"ok","active_info_list":[{"active_code":"XXXXXXXX","type":1,"status":1,"userid":"USERID1","create_time":1640966400},{"active_code":"YYYYYYYY","type":2,"status":1,"userid":"USERID2","create_time":1640966400}],"invalid_active_code_list":["ZZZZZZZZ"]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.BatchGetLicenseCodes(ctx, "xxx", []string{"XXXXXXXX", "YYYYYYYY", "ZZZZZZZZ"})
			}, func(v any) bool {
				b := v.(*apps.LicenseCodeBatch)
				return len(b.Codes) == 2 && b.Codes[1].Type == apps.LicenseExternalContact && slices.Equal(b.Invalid, []string{"ZZZZZZZZ"})
			}},
		{"/cgi-bin/license/list_actived_account", `{"corpid":"CORPID","limit":500,"cursor":"xxxx"}`,
			`{"errcode":0,"errmsg":"ok","next_cursor":"xxx","has_more":1,"account_list":[{"userid":"user1","type":1,"expire_time":1500000000,"active_time":1500000000},{"userid":"user2","type":1,"expire_time":1500000000,"active_time":1500000000}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.ListActivatedLicensesPage(ctx, apps.ListActivatedLicensesParams{CorpID: "CORPID", Limit: 500, Cursor: "xxxx"})
			}, func(v any) bool {
				pg := v.(*apps.ActivatedLicensePage)
				return len(pg.Accounts) == 2 && pg.Accounts[1] == apps.ActivatedLicense{UserID: "user2", Type: 1, ExpireTime: 1500000000, ActiveTime: 1500000000}
			}},
		{"/cgi-bin/license/get_active_info_by_user", `{"corpid":"CORPID","userid":"USERID"}`,
			`{"errcode":0,"errmsg":"ok","active_status":1,"active_info_list":[{"active_code":"code1","type":1,"userid":"USERID","active_time":1640966400,"expire_time":1640966400},{"active_code":"code1","type":2,"userid":"USERID","active_time":1640966400,"expire_time":1640966400}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.GetMemberLicenses(ctx, "CORPID", "USERID")
			},
			func(v any) bool {
				m := v.(*apps.MemberLicenses)
				return bool(m.Active) && len(m.Accounts) == 2 && m.Accounts[1].Type == apps.LicenseExternalContact
			}},
		{"/cgi-bin/license/batch_transfer_license",
			`{"corpid":"CORPID","transfer_list":[{"handover_userid":"USERID","takeover_userid":"USERID2"},{"handover_userid":"USERID3","takeover_userid":"USERID4"}]}`,
			`{"errcode":0,"errmsg":"ok","transfer_result":[{"handover_userid":"USERID","takeover_userid":"USERID2","errcode":0}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.TransferLicenses(ctx, "CORPID", []apps.LicenseTransfer{{HandoverUserID: "USERID", TakeoverUserID: "USERID2"}, {HandoverUserID: "USERID3", TakeoverUserID: "USERID4"}})
			}, func(v any) bool {
				r := v.([]apps.LicenseTransferResult)
				return len(r) == 1 && r[0].TakeoverUserID == "USERID2"
			}},
		{"/cgi-bin/license/batch_share_active_code",
			`{"from_corpid":"FROMCORPID","to_corpid":"ToCORPID","share_list":[{"active_code":"ACTIVE_CODE1"},{"active_code":"ACTIVE_CODE2"}],"corp_link_type":0}`,
			`{"errcode":0,"errmsg":"ok","share_result":[{"active_code":"ACTIVE_CODE","errcode":700100,"errmsg":"error"}]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.ShareLicenseCodes(ctx, apps.ShareLicenseCodesParams{FromCorpID: "FROMCORPID", ToCorpID: "ToCORPID", ActiveCodes: []string{"ACTIVE_CODE1", "ACTIVE_CODE2"}})
			}, func(v any) bool {
				r := v.([]apps.LicenseShareFailure)
				return len(r) == 1 && r[0] == apps.LicenseShareFailure{ActiveCode: "ACTIVE_CODE", ErrCode: 700100, ErrMsg: "error"}
			}},
		{"/cgi-bin/license/get_app_license_info", `{"corpid":"xxxx","suite_id":"xxxx","appid":1}`,
			`{"errcode":0,"errmsg":"ok","license_status":1,"trail_info":{"start_time":1651752000,"end_time":1659700800},"license_check_time":1684166400}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.GetAppLicenseInfo(ctx, apps.AppLicenseInfoParams{CorpID: "xxxx", SuiteID: "xxxx", AppID: 1})
			}, func(v any) bool {
				i := v.(*apps.AppLicenseInfo)
				return i.LicenseStatus == 1 && *i.Trial == apps.LicenseTrial{StartTime: 1651752000, EndTime: 1659700800} && i.LicenseCheckTime == 1684166400
			}},
		{"/cgi-bin/license/set_auto_active_status", `{"corpid":"CORPID1","auto_active_status":1}`, `{"errcode":0,"errmsg":"ok"}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return nil, p.SetLicenseAutoActive(ctx, "CORPID1", apps.AutoActiveOn)
			}, func(any) bool { return true }},
		{"/cgi-bin/license/get_auto_active_status", `{"corpid":"CORPID1"}`, `{"errcode":0,"errmsg":"ok","auto_active_status":1}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.GetLicenseAutoActive(ctx, "CORPID1")
			},
			func(v any) bool { return v == apps.AutoActiveOn }},
		{"/cgi-bin/license/support_policy_query", `{"corpid":"wwxxx"}`, `{"errcode":0,"errmsg":"ok","query_result":1,"unsatisfied_reason":[701090,701091]}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) {
				return p.QueryLicenseSupportPolicy(ctx, "wwxxx")
			},
			func(v any) bool {
				r := v.(*apps.LicenseSupportPolicy)
				return r.QueryResult == 1 && slices.Equal(r.UnsatisfiedReasons, []int{701090, 701091})
			}},
		{"/cgi-bin/service/get_account_balance", "", `{"errcode":0,"errmsg":"ok","balance":1000090}`,
			func(ctx context.Context, p *apps.ProviderService) (any, error) { return p.GetAccountBalance(ctx) },
			func(v any) bool { return v == int64(1000090) }},
	} {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			p, mt := licenseMock(t)
			method := http.MethodPost
			if tc.body == "" {
				method = http.MethodGet
			}
			var body, token string
			sent := 0
			mt.RegisterResponder(method, "https://sim.test"+tc.path, func(r *http.Request) (*http.Response, error) {
				sent++
				token = r.URL.Query().Get("provider_access_token")
				if r.Body != nil {
					b, _ := io.ReadAll(r.Body)
					body = string(b)
				}
				return httpmock.NewStringResponse(200, tc.answer), nil
			})
			v, err := tc.call(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			if sent != 1 || body != tc.body || token != "ptok-1" {
				t.Errorf("sent %d× with token %q:\n got %s\nwant %s", sent, token, body, tc.body)
			}
			// Dereference pointers for the check's messages.
			if !tc.check(v) {
				t.Errorf("decoded %s", strings.TrimPrefix(fmt.Sprintf("%+v", v), "&"))
			}
		})
	}
}

// Every documented limit is refused before sending, naming the wire field.
func TestLicenseValidation(t *testing.T) {
	t.Parallel()
	p, mt := licenseMock(t)
	ctx := t.Context()
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("c%d", i)
		}
		return out
	}
	order := func(c apps.LicenseCount, d apps.LicenseDuration) error {
		_, err := p.CreateLicenseOrder(ctx, apps.CreateLicenseOrderParams{CorpID: "ww", BuyerUserID: "b", Count: c, Duration: d})
		return err
	}
	one := apps.LicenseCount{Base: 1}
	year := apps.LicenseDuration{Months: 12}
	renew := func(d apps.LicenseDuration) error {
		_, err := p.SubmitLicenseRenewJob(ctx, apps.SubmitLicenseRenewParams{JobID: "j", BuyerUserID: "b", Duration: d})
		return err
	}
	activations := make([]apps.LicenseActivation, 1001)
	for i := range activations {
		activations[i] = apps.LicenseActivation{ActiveCode: fmt.Sprint(i), UserID: fmt.Sprint(i)}
	}
	transfers := make([]apps.LicenseTransfer, 1001)
	for i := range transfers {
		transfers[i] = apps.LicenseTransfer{HandoverUserID: fmt.Sprint("a", i), TakeoverUserID: fmt.Sprint("b", i)}
	}
	accounts := make([]apps.LicenseAccountRef, 1001)
	for i := range accounts {
		accounts[i] = apps.LicenseAccountRef{UserID: fmt.Sprint(i), Type: apps.LicenseBase}
	}
	buy := func(n int) []apps.LicenseBuyInfo {
		out := make([]apps.LicenseBuyInfo, n)
		for i := range out {
			out[i] = apps.LicenseBuyInfo{CorpID: fmt.Sprint("ww", i), Count: one, Duration: year}
		}
		return out
	}
	bad := apps.AutoActiveStatus(2)
	for _, tc := range []struct {
		err   error
		field string
	}{
		{order(apps.LicenseCount{}, year), "account_count"},
		{order(apps.LicenseCount{Base: 1000001}, year), "account_count.base_count"},
		{order(apps.LicenseCount{ExternalContact: -1, Base: 1}, year), "account_count.external_contact_count"},
		{order(one, apps.LicenseDuration{Days: 30}), "account_duration"},
		{order(one, apps.LicenseDuration{Months: 60, Days: 1}), "account_duration"},
		{order(one, apps.LicenseDuration{Months: 1, NewExpireTime: 1700000000}), "account_duration.new_expire_time"},
		{func() error {
			_, err := p.CreateLicenseOrder(ctx, apps.CreateLicenseOrderParams{CorpID: "ww", Count: one, Duration: year})
			return err
		}(), "buyer_userid"},
		{renew(apps.LicenseDuration{}), "account_duration"},
		{renew(apps.LicenseDuration{Months: 1, NewExpireTime: 1700000000}), "account_duration"},
		{renew(apps.LicenseDuration{Months: 61}), "account_duration.months"},
		{renew(apps.LicenseDuration{Months: 1, Days: 3}), "account_duration.days"},
		{func() error {
			_, err := p.CreateLicenseRenewJob(ctx, apps.LicenseRenewJobParams{CorpID: "ww", Accounts: accounts})
			return err
		}(), "account_list"},
		{func() error {
			_, err := p.CreateLicenseRenewJob(ctx, apps.LicenseRenewJobParams{CorpID: "ww", Accounts: []apps.LicenseAccountRef{{UserID: "u", Type: 3}}})
			return err
		}(), "account_list.type"},
		{func() error {
			_, err := p.ListLicenseOrdersPage(ctx, apps.ListLicenseOrdersParams{StartTime: 1500000000})
			return err
		}(), "start_time"},
		{func() error {
			_, err := p.ListLicenseOrdersPage(ctx, apps.ListLicenseOrdersParams{StartTime: 1500000000, EndTime: 1500000000 + 31*86400 + 1})
			return err
		}(), "end_time"},
		{func() error {
			_, err := p.ListLicenseOrderAccountsPage(ctx, apps.ListLicenseOrderAccountsParams{OrderID: "o", Limit: 1001})
			return err
		}(), "limit"},
		{func() error {
			_, err := p.CreateLicenseMultiCorpJob(ctx, apps.LicenseMultiCorpJobParams{BuyList: buy(11)})
			return err
		}(), "buy_list"},
		{func() error {
			b := buy(1)
			b[0].AutoActive = &bad
			_, err := p.CreateLicenseMultiCorpJob(ctx, apps.LicenseMultiCorpJobParams{BuyList: b})
			return err
		}(), "buy_list.auto_active_status"},
		{func() error {
			_, err := p.BatchActivateLicenses(ctx, "ww", activations)
			return err
		}(), "active_list"},
		{func() error {
			_, err := p.BatchGetLicenseCodes(ctx, "ww", many(1001))
			return err
		}(), "active_code_list"},
		{func() error {
			_, err := p.TransferLicenses(ctx, "ww", transfers)
			return err
		}(), "transfer_list"},
		{func() error {
			_, err := p.TransferLicenses(ctx, "ww", []apps.LicenseTransfer{{HandoverUserID: "a", TakeoverUserID: "A"}})
			return err
		}(), "takeover_userid"},
		{func() error {
			_, err := p.ShareLicenseCodes(ctx, apps.ShareLicenseCodesParams{FromCorpID: "a", ToCorpID: "b", ActiveCodes: many(1001)})
			return err
		}(), "share_list"},
		{func() error {
			_, err := p.ShareLicenseCodes(ctx, apps.ShareLicenseCodesParams{FromCorpID: "a", ToCorpID: "b", ActiveCodes: []string{"c"}, LinkType: 2})
			return err
		}(), "corp_link_type"},
		{p.ActivateLicenseByType(ctx, apps.ActivateLicenseByTypeParams{CorpID: "ww", UserID: "u"}), "type"},
		{p.ActivateLicense(ctx, apps.ActivateLicenseParams{CorpID: "ww", UserID: "u"}), "active_code"},
		{p.SetLicenseAutoActive(ctx, "ww", 2), "auto_active_status"},
		{func() error {
			_, err := p.GetAppLicenseInfo(ctx, apps.AppLicenseInfoParams{CorpID: "ww"})
			return err
		}(), "suite_id"},
		{func() error {
			_, err := p.SubmitLicensePayJob(ctx, "", "o")
			return err
		}(), "payer_userid"},
	} {
		wecomtest.WantInvalid(t, tc.err, tc.field)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for refused calls", n)
	}
}
