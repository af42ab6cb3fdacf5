package wecomtest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// licSim is a simulator with a provider and a corp (wwliccorp) that installed a suite, and
// raw clients for both.
type licSim struct {
	srv  *wecomtest.Server
	prov *client.Client
	corp *client.Client
}

const (
	licSimCorp  = "wwliccorp"
	licSimSuite = "wwlicsuite"
	licSimAgent = 1000100 // the suite app's agentid in the corp
)

func newLicSim(t *testing.T) *licSim {
	t.Helper()
	ctx := t.Context()
	srv := wecomtest.Start(t)
	srv.AddSuite(wecomtest.Suite{ID: licSimSuite, Secret: "suite-sec"})
	srv.AddProvider("wwlicprov", "prov-sec")
	st := store.NewMemory()
	if err := client.StoreSuiteTicket(ctx, st, licSimSuite, srv.IssueSuiteTicket(licSimSuite)); err != nil {
		t.Fatal(err)
	}
	suite, err := client.New(client.Suite{SuiteID: licSimSuite, Secret: "suite-sec"}, client.WithBaseURL(srv.URL()), client.WithStore(st), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	code, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: licSimSuite, CorpID: licSimCorp})
	if err != nil {
		t.Fatal(err)
	}
	var perm struct {
		Code string `json:"permanent_code"`
	}
	if err := suite.Do(ctx, http.MethodPost, "/cgi-bin/service/v2/get_permanent_code", nil, map[string]string{"auth_code": code}, &perm); err != nil {
		t.Fatal(err)
	}
	corp, err := suite.AuthCorp(licSimCorp, perm.Code)
	if err != nil {
		t.Fatal(err)
	}
	prov, err := client.New(client.Provider{CorpID: "wwlicprov", ProviderSecret: "prov-sec"}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	return &licSim{srv: srv, prov: prov, corp: corp}
}

// post sends a provider call and returns the answer and the errcode.
func (l *licSim) post(t *testing.T, path string, body any) (map[string]any, int) {
	t.Helper()
	var out map[string]any
	err := l.prov.Do(t.Context(), http.MethodPost, "/cgi-bin/license/"+path, nil, body, &out)
	if c := wecomtest.ErrCode(err); c == wecomtest.NotAPIError {
		t.Fatalf("%s: %v", path, err)
	}
	return out, wecomtest.ErrCode(err)
}

// ok sends a provider call that must succeed.
func (l *licSim) ok(t *testing.T, path string, body any) map[string]any {
	t.Helper()
	out, c := l.post(t, path, body)
	if c != 0 {
		t.Fatalf("%s %v: errcode %d", path, body, c)
	}
	return out
}

// codes buys and pays base and 互通 accounts and returns the codes.
func (l *licSim) codes(t *testing.T, base, ext int) []string {
	t.Helper()
	id := l.ok(t, "create_new_order", map[string]any{"corpid": licSimCorp, "buyer_userid": "buyer",
		"account_count": map[string]int{"base_count": base, "external_contact_count": ext}, "account_duration": map[string]int{"months": 12}})["order_id"].(string)
	if err := l.srv.PayLicenseOrder(id); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, a := range l.ok(t, "list_order_account", map[string]any{"order_id": id})["account_list"].([]any) {
		codes = append(codes, a.(map[string]any)["active_code"].(string))
	}
	return codes
}

func (l *licSim) activate(t *testing.T, user string, base, ext int) {
	t.Helper()
	for _, c := range l.codes(t, base, ext) {
		l.ok(t, "active_account", map[string]any{"corpid": licSimCorp, "active_code": c, "userid": user})
	}
}

// open returns the open_userids ("a|b") the suite's app sees for members of the corp.
func (l *licSim) open(ids string) string {
	parts := strings.Split(ids, "|")
	for i, id := range parts {
		parts[i] = l.srv.OpenUserID(licSimSuite, licSimCorp, id)
	}
	return strings.Join(parts, "|")
}

// corpCall sends a call as the corp (through the suite) and returns the answer and errcode.
func (l *licSim) corpCall(t *testing.T, method, path string, q url.Values, body any) (map[string]any, int) {
	t.Helper()
	var out map[string]any
	err := l.corp.Do(t.Context(), method, path, q, body, &out)
	if c := wecomtest.ErrCode(err); c == wecomtest.NotAPIError {
		t.Fatalf("%s: %v", path, err)
	}
	return out, wecomtest.ErrCode(err)
}

// The family needs no setup: a fresh server answers empty lists and a zero balance; the routes
// take only the provider token.
func TestLicenseSimFreshServerAndTokens(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddProvider("wwlicprov", "prov-sec")
	prov, err := client.New(client.Provider{CorpID: "wwlicprov", ProviderSecret: "prov-sec"}, client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	var list map[string]any
	if err := prov.Do(t.Context(), http.MethodPost, "/cgi-bin/license/list_order", nil, map[string]any{}, &list); err != nil ||
		len(list["order_list"].([]any)) != 0 || list["has_more"] != 0.0 || list["next_cursor"] != "" {
		t.Errorf("orders of a fresh server: %v, %v", list, err)
	}
	var bal map[string]any
	if err := prov.Do(t.Context(), http.MethodGet, "/cgi-bin/service/get_account_balance", nil, nil, &bal); err != nil || bal["balance"] != 0.0 {
		t.Errorf("balance %v, %v", bal, err)
	}
	corp := corpToken(t, srv)
	for _, tc := range []struct {
		method, url string
		want        int
	}{
		{"POST", "/cgi-bin/license/list_order?access_token=" + corp, client.CodeMissingAccessToken},
		{"POST", "/cgi-bin/license/list_order?provider_access_token=" + corp, client.CodeInvalidAccessToken},
		{"POST", "/cgi-bin/service/get_account_balance?provider_access_token=x", client.CodeInvalidParameter},
	} {
		if got := code(call(t, tc.method, srv.URL()+tc.url, "{}")); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.method, tc.url, got, tc.want)
		}
	}
}

// Answers carry the documented fields only when they apply: pay_time once paid, userid and
// times once a code is bound, the duration fields that were ordered.
func TestLicenseSimAnswerShapes(t *testing.T) {
	t.Parallel()
	l := newLicSim(t)
	id := l.ok(t, "create_new_order", map[string]any{"corpid": licSimCorp, "buyer_userid": "b",
		"account_count": map[string]int{"base_count": 1}, "account_duration": map[string]int{"months": 1, "days": 3}})["order_id"].(string)
	o := l.ok(t, "get_order", map[string]string{"order_id": id})["order"].(map[string]any)
	if _, has := o["pay_time"]; has || o["order_status"] != 0.0 || fmt.Sprint(o["account_duration"]) != "map[days:3 months:1]" ||
		fmt.Sprint(o["account_count"]) != "map[base_count:1 external_contact_count:0]" || o["corpid"] != licSimCorp {
		t.Errorf("pending order %v", o)
	}
	if err := l.srv.PayLicenseOrder(id); err != nil {
		t.Fatal(err)
	}
	o = l.ok(t, "get_order", map[string]string{"order_id": id})["order"].(map[string]any)
	if _, has := o["pay_time"]; !has || o["order_status"] != 1.0 {
		t.Errorf("paid order %v", o)
	}
	acc := l.ok(t, "list_order_account", map[string]any{"order_id": id})["account_list"].([]any)[0].(map[string]any)
	if _, has := acc["userid"]; has || acc["type"] != 1.0 {
		t.Errorf("order account %v", acc)
	}
	info := l.ok(t, "get_active_info_by_code", map[string]string{"corpid": licSimCorp, "active_code": acc["active_code"].(string)})["active_info"].(map[string]any)
	for _, k := range []string{"userid", "active_time", "expire_time", "merge_info", "share_info"} {
		if _, has := info[k]; has {
			t.Errorf("unbound code has %s: %v", k, info)
		}
	}
	if info["status"] != 1.0 || info["create_time"] == nil {
		t.Errorf("unbound code %v", info)
	}
	// The encrypted corp ID (service/corpid_to_opencorpid) names the corp too.
	open := "wpopen" + strings.TrimPrefix(licSimCorp, "ww")
	if _, c := l.post(t, "get_active_info_by_code", map[string]string{"corpid": open, "active_code": acc["active_code"].(string)}); c != 0 {
		t.Errorf("encrypted corp ID: errcode %d", c)
	}
}

// Bad input answers the documented errcodes.
func TestLicenseSimBadInput(t *testing.T) {
	t.Parallel()
	l := newLicSim(t)
	many := func(n int, f func(i int) any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	order := func(corp string, base, ext, months, days int) map[string]any {
		return map[string]any{"corpid": corp, "buyer_userid": "b", "account_count": map[string]int{"base_count": base, "external_contact_count": ext},
			"account_duration": map[string]int{"months": months, "days": days}}
	}
	for _, tc := range []struct {
		path string
		body any
		want int
	}{
		{"create_new_order", map[string]any{}, client.CodeMissingCorpID},
		{"create_new_order", order("wwnotinstalled", 1, 0, 1, 0), 701015},
		{"create_new_order", order(licSimCorp, 0, 0, 1, 0), 701159},
		{"create_new_order", order(licSimCorp, 1000001, 0, 1, 0), 701159},
		{"create_new_order", order(licSimCorp, 1, 0, 0, 30), client.CodeInvalidParameterValue},
		{"create_new_order", order(licSimCorp, 1, 0, 60, 1), client.CodeInvalidParameterValue},
		{"create_new_order", map[string]any{"corpid": licSimCorp, "account_count": map[string]int{"base_count": 1}, "account_duration": map[string]int{"months": 1}}, client.CodeEmptyParameter},
		{"create_renew_order_job", map[string]any{"corpid": licSimCorp, "account_list": []any{}}, 701025},
		{"create_renew_order_job", map[string]any{"corpid": licSimCorp, "account_list": many(1001, func(i int) any { return map[string]any{"userid": fmt.Sprint(i), "type": 1} })}, 701026},
		{"create_renew_order_job", map[string]any{"corpid": licSimCorp, "jobid": "nope", "account_list": []any{map[string]any{"userid": "u", "type": 1}}}, 701151},
		{"submit_order_job", map[string]any{"jobid": "nope", "buyer_userid": "b", "account_duration": map[string]int{"months": 1}}, 701151},
		{"list_order", map[string]any{"limit": 1001}, 701101},
		{"list_order", map[string]any{"start_time": 1700000000}, 701100},
		{"list_order", map[string]any{"start_time": 1700000000, "end_time": 1700000000 + 32*86400}, 701100},
		{"list_order", map[string]any{"cursor": "garbage"}, client.CodeInvalidCursor},
		{"get_order", map[string]any{"order_id": "nope"}, 701005},
		{"list_order_account", map[string]any{"order_id": "nope"}, 701005},
		{"cancel_order", map[string]any{"order_id": "nope", "corpid": licSimCorp}, 701005},
		{"get_union_order", map[string]any{"order_id": "nope"}, 701005},
		{"create_new_order_job", map[string]any{"buy_list": many(11, func(int) any { return order(licSimCorp, 1, 0, 1, 0) })}, 701026},
		{"submit_new_order_job", map[string]any{"jobid": "nope", "buyer_userid": "b"}, 701151},
		{"new_order_job_result", map[string]any{"jobid": "nope"}, 701151},
		{"submit_pay_job", map[string]any{"order_id": "o"}, client.CodeEmptyParameter},
		{"active_account", map[string]any{"corpid": licSimCorp, "active_code": "nope", "userid": "u"}, 701021},
		{"active_account_by_type", map[string]any{"corpid": licSimCorp, "userid": "u", "type": 3}, 701007},
		{"batch_active_account", map[string]any{"corpid": licSimCorp, "active_list": many(1001, func(i int) any { return map[string]any{"active_code": fmt.Sprint(i), "userid": fmt.Sprint(i)} })}, 701026},
		{"batch_get_active_info_by_code", map[string]any{"corpid": licSimCorp, "active_code_list": []string{}}, 701025},
		{"get_active_info_by_code", map[string]any{"corpid": licSimCorp, "active_code": "nope"}, 701021},
		{"list_actived_account", map[string]any{"corpid": licSimCorp, "limit": 1001}, 701101},
		{"batch_transfer_license", map[string]any{"corpid": licSimCorp, "transfer_list": []any{}}, 701025},
		{"batch_share_active_code", map[string]any{"from_corpid": licSimCorp, "to_corpid": "wwx", "share_list": []any{map[string]string{"active_code": "c"}}, "corp_link_type": 2}, client.CodeInvalidParameterValue},
		{"get_app_license_info", map[string]any{"corpid": licSimCorp, "suite_id": "nope"}, 701015},
		{"set_auto_active_status", map[string]any{"corpid": licSimCorp, "auto_active_status": 2}, 701070},
		{"set_auto_active_status", map[string]any{"corpid": licSimCorp, "auto_active_status": 1}, 701071},
		{"get_auto_active_status", map[string]any{"corpid": licSimCorp}, 701071},
		{"support_policy_query", map[string]any{"corpid": licSimCorp}, 701112},
	} {
		if _, got := l.post(t, tc.path, tc.body); got != tc.want {
			t.Errorf("%s %.80v: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
}

// After the trial, a message to members without a base account reaches only the licensed ones;
// the others are answered in unlicenseduser, also through a department. During the trial and
// for internal apps nothing changes.
func TestLicenseSimCheckOnMessages(t *testing.T) {
	t.Parallel()
	l := newLicSim(t)
	l.srv.AddUsers(licSimCorp, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"}, wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊"})
	send := func(to map[string]any) map[string]any {
		t.Helper()
		body := map[string]any{"msgtype": "text", "agentid": licSimAgent, "text": map[string]string{"content": "hi"}}
		for k, v := range to {
			body[k] = v
		}
		out, c := l.corpCall(t, http.MethodPost, "/cgi-bin/message/send", nil, body)
		if c != 0 {
			t.Fatalf("send: errcode %d", c)
		}
		return out
	}
	if out := send(map[string]any{"touser": l.open("li.na|zhao.lei")}); out["unlicenseduser"] != "" {
		t.Errorf("during the trial: %v", out)
	}
	l.srv.EndLicenseTrial(licSimCorp)
	l.activate(t, "li.na", 1, 0)
	if out := send(map[string]any{"touser": l.open("li.na|zhao.lei") + "|ghost"}); out["unlicenseduser"] != l.open("zhao.lei") || out["invaliduser"] != "ghost" {
		t.Errorf("after the trial: %v", out)
	}
	send(map[string]any{"toparty": "1"})
	if a, b := len(l.srv.Received("li.na")), len(l.srv.Received("zhao.lei")); a != 3 || b != 1 {
		t.Errorf("li.na got %d messages, zhao.lei %d; want 3 and 1 (the trial's only)", a, b)
	}
	// The check is per call: an internal app of another corp reaches a zhao.lei of its own.
	c := l.srv.NewClient(t)
	var out map[string]any
	if err := c.Do(t.Context(), http.MethodPost, "/cgi-bin/message/send", nil, map[string]any{"touser": "zhao.lei", "msgtype": "text", "agentid": wecomtest.AgentID, "text": map[string]string{"content": "x"}}, &out); err != nil || out["unlicenseduser"] != "" {
		t.Errorf("internal app: %v, %v", out, err)
	}
}

// After the trial, customer contact and kf calls need a 互通 account for the members they name.
func TestLicenseSimCheckOnCustomerContact(t *testing.T) {
	t.Parallel()
	l := newLicSim(t)
	l.srv.AddExternalContacts(licSimCorp, wecomtest.SeedExternalContact{ExternalUserID: "wmLic01", Name: "Customer",
		FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", AddWay: 1, CreateTime: 1700000000}, {UserID: "zhao.lei", AddWay: 1, CreateTime: 1700000000}}})
	l.srv.AddGroupChat(licSimCorp, wecomtest.SeedGroupChat{ChatID: "wrLi", Name: "Li's", Owner: "li.na", CreateTime: 1700000000})
	l.srv.AddGroupChat(licSimCorp, wecomtest.SeedGroupChat{ChatID: "wrZhao", Name: "Zhao's", Owner: "zhao.lei", CreateTime: 1700000000})
	l.srv.AdvanceLicenseClock(90*24*time.Hour + time.Second) // the trial is over
	l.activate(t, "li.na", 0, 1)
	l.activate(t, "zhao.lei", 1, 0) // a base account is not enough

	get, c := l.corpCall(t, http.MethodGet, "/cgi-bin/externalcontact/get", url.Values{"external_userid": {l.srv.OpenExternalUserID(licSimSuite, licSimCorp, "wmLic01")}}, nil)
	if follows := get["follow_user"].([]any); c != 0 || len(follows) != 1 || follows[0].(map[string]any)["userid"] != l.open("li.na") {
		t.Errorf("externalcontact/get: %d %v", c, get)
	}
	byUser, c := l.corpCall(t, http.MethodPost, "/cgi-bin/externalcontact/batch/get_by_user", nil, map[string]any{"userid_list": []string{l.open("li.na"), l.open("zhao.lei")}})
	if c != 0 || len(byUser["external_contact_list"].([]any)) != 1 || fmt.Sprint(byUser["fail_info"]) != "map[unlicensed_userid_list:["+l.open("zhao.lei")+"]]" {
		t.Errorf("batch/get_by_user: %d %v", c, byUser)
	}
	for _, tc := range []struct {
		method, path string
		q            url.Values
		body         any
		want         int
	}{
		{"GET", "/cgi-bin/externalcontact/list", url.Values{"userid": {"zhao.lei"}}, nil, 701008},
		{"GET", "/cgi-bin/externalcontact/list", url.Values{"userid": {"li.na"}}, nil, 0},
		{"POST", "/cgi-bin/externalcontact/batch/get_by_user", nil, map[string]any{"userid_list": []string{"zhao.lei"}}, 701008},
		{"POST", "/cgi-bin/externalcontact/groupchat/get", nil, map[string]any{"chat_id": "wrZhao"}, 701008},
		{"POST", "/cgi-bin/externalcontact/groupchat/get", nil, map[string]any{"chat_id": "wrLi"}, 0},
		{"POST", "/cgi-bin/externalcontact/groupchat/list", nil, map[string]any{"limit": 10, "owner_filter": map[string]any{"userid_list": []string{"zhao.lei"}}}, 701008},
		{"POST", "/cgi-bin/externalcontact/groupchat/list", nil, map[string]any{"limit": 10, "owner_filter": map[string]any{"userid_list": []string{"zhao.lei", "li.na"}}}, 0},
		{"POST", "/cgi-bin/kf/service_state/trans", nil, map[string]any{"open_kfid": "wk1", "external_userid": "wmLic01", "service_state": 3, "servicer_userid": "zhao.lei"}, 701008},
		{"POST", "/cgi-bin/kf/customer/upgrade_service", nil, map[string]any{"open_kfid": "wk1", "external_userid": "wmLic01", "type": 1, "member": map[string]string{"userid": "zhao.lei"}}, 701008},
	} {
		if _, got := l.corpCall(t, tc.method, tc.path, tc.q, tc.body); got != tc.want {
			t.Errorf("%s %v %v: errcode %d, want %d", tc.path, tc.q, tc.body, got, tc.want)
		}
	}
	add, c := l.corpCall(t, http.MethodPost, "/cgi-bin/kf/servicer/add", nil, map[string]any{"open_kfid": "wk1", "userid_list": []string{"zhao.lei"}})
	if r, _ := add["result_list"].([]any); c != 0 || len(r) != 1 || r[0].(map[string]any)["errcode"] != 701008.0 {
		t.Errorf("kf/servicer/add: %d %v", c, add)
	}
}

// With auto-activation on, a member named in a checked call gets the corp's free code of the
// needed type, once; a member whose account has 7 days or less left gets a new one stacked.
func TestLicenseSimAutoActivation(t *testing.T) {
	t.Parallel()
	l := newLicSim(t)
	l.srv.EndLicenseTrial(licSimCorp)
	free := l.codes(t, 2, 0)
	l.ok(t, "set_auto_active_status", map[string]any{"corpid": licSimCorp, "auto_active_status": 1})
	if st := l.ok(t, "get_auto_active_status", map[string]any{"corpid": licSimCorp}); st["auto_active_status"] != 1.0 {
		t.Errorf("status %v", st)
	}
	send := func(to string) map[string]any {
		out, c := l.corpCall(t, http.MethodPost, "/cgi-bin/message/send", nil, map[string]any{"touser": to, "msgtype": "text", "agentid": licSimAgent, "text": map[string]string{"content": "hi"}})
		if c != 0 {
			t.Fatalf("send: %d", c)
		}
		return out
	}
	if out := send("wang.fang"); out["unlicenseduser"] != "" {
		t.Errorf("auto-activated member reported unlicensed: %v", out)
	}
	info := l.ok(t, "get_active_info_by_code", map[string]string{"corpid": licSimCorp, "active_code": free[0]})["active_info"].(map[string]any)
	if info["userid"] != "wang.fang" || info["status"] != 2.0 {
		t.Fatalf("first free code %v", info)
	}
	send("wang.fang") // licensed: the second code stays free
	second := l.ok(t, "get_active_info_by_code", map[string]string{"corpid": licSimCorp, "active_code": free[1]})["active_info"].(map[string]any)
	if second["status"] != 1.0 {
		t.Errorf("second code used early: %v", second)
	}
	// Six days before the end, the next call renews with the free code.
	end := time.Unix(int64(info["expire_time"].(float64)), 0)
	l.srv.AdvanceLicenseClock(end.Sub(l.srv.LicenseClock()) - 6*24*time.Hour)
	send("wang.fang")
	second = l.ok(t, "get_active_info_by_code", map[string]string{"corpid": licSimCorp, "active_code": free[1]})["active_info"].(map[string]any)
	if second["userid"] != "wang.fang" || fmt.Sprint(second["merge_info"]) != "map[from_active_code:"+free[0]+"]" {
		t.Errorf("renewing code %v", second)
	}
	if out := send(l.open("chen.jie|wang.fang")); out["unlicenseduser"] != l.open("chen.jie") {
		t.Errorf("no free code left: %v", out)
	}
}

// EndLicenseTrial ends a running trial, and one not started yet (an app whose trial starts with
// the first call); get_app_license_info reports it.
func TestLicenseSimEndTrial(t *testing.T) {
	t.Parallel()
	l := newLicSim(t)
	info := l.ok(t, "get_app_license_info", map[string]any{"corpid": licSimCorp, "suite_id": licSimSuite})
	trial := info["trail_info"].(map[string]any)
	if d := trial["end_time"].(float64) - trial["start_time"].(float64); d != 90*86400 || info["license_check_time"] != trial["end_time"] {
		t.Errorf("trial %v", info)
	}
	l.srv.EndLicenseTrial(licSimCorp)
	now := float64(l.srv.LicenseClock().Unix())
	info = l.ok(t, "get_app_license_info", map[string]any{"corpid": licSimCorp, "suite_id": licSimSuite})
	if end := info["trail_info"].(map[string]any)["end_time"].(float64); end > now {
		t.Errorf("trial ends %v, after now %v", end, now)
	}
	if _, c := l.corpCall(t, http.MethodGet, "/cgi-bin/externalcontact/list", url.Values{"userid": {"li.na"}}, nil); c != 701008 {
		t.Errorf("after EndLicenseTrial: errcode %d", c)
	}

	fresh := newLicSim(t)
	fresh.srv.EndLicenseTrial(licSimCorp)
	trial = fresh.ok(t, "get_app_license_info", map[string]any{"corpid": licSimCorp, "suite_id": licSimSuite})["trail_info"].(map[string]any)
	if trial["end_time"] != trial["start_time"] {
		t.Errorf("trial of a corp whose trial was ended before its first call: %v", trial)
	}
}
