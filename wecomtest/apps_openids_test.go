package wecomtest_test

import (
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// isvSim is a simulator with a suite wwsuite installed by the default corp as agent 1000100,
// and raw tokens of each kind.
type isvSim struct {
	srv                          *wecomtest.Server
	suite, authCorp, internal, p string // suite, authorised-corp, internal-app and provider tokens
}

func newISVSim(t *testing.T, link bool) *isvSim {
	t.Helper()
	srv := wecomtest.Start(t)
	srv.AddSuite(wecomtest.Suite{ID: "wwsuite", Secret: "sec"})
	srv.AddProvider("wwprov", "psec")
	if link {
		srv.LinkSuite(wecomtest.ProviderSuite{ProviderCorpID: "wwprov", SuiteID: "wwsuite"})
	}
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na"}, wecomtest.SeedUser{UserID: "zhao.lei", Department: []int{3}})
	st := call(t, "POST", srv.URL()+"/cgi-bin/service/get_suite_token",
		`{"suite_id":"wwsuite","suite_secret":"sec","suite_ticket":"`+srv.IssueSuiteTicket("wwsuite")+`"}`)["suite_access_token"].(string)
	ac, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: "wwsuite", CorpID: wecomtest.CorpID, AgentID: 1000100})
	if err != nil {
		t.Fatal(err)
	}
	perm := call(t, "POST", srv.URL()+"/cgi-bin/service/v2/get_permanent_code?suite_access_token="+st, `{"auth_code":"`+ac+`"}`)["permanent_code"].(string)
	ct := call(t, "POST", srv.URL()+"/cgi-bin/service/get_corp_token?suite_access_token="+st,
		`{"auth_corpid":"`+wecomtest.CorpID+`","permanent_code":"`+perm+`"}`)["access_token"].(string)
	pt := call(t, "POST", srv.URL()+"/cgi-bin/service/get_provider_token", `{"corpid":"wwprov","provider_secret":"psec"}`)["provider_access_token"].(string)
	return &isvSim{srv: srv, suite: st, authCorp: ct, internal: corpToken(t, srv), p: pt}
}

func (x *isvSim) post(t *testing.T, path, param, token, body string) map[string]any {
	t.Helper()
	return call(t, "POST", x.srv.URL()+path+"?"+param+"="+token, body)
}

// Open IDs are deterministic per subject, differ between subjects, ignore the case of plaintext
// IDs and have the documented shapes.
func TestOpenIDDerivation(t *testing.T) {
	t.Parallel()
	a, b := wecomtest.Start(t), wecomtest.Start(t)
	for _, tc := range []struct {
		prefix string
		f      func(s *wecomtest.Server, subject string) string
	}{
		{"wp", func(s *wecomtest.Server, subject string) string { return s.OpenCorpID(subject, "wwCorp01") }},
		{"wo", func(s *wecomtest.Server, subject string) string { return s.OpenUserID(subject, "wwcorp01", "Li.Na") }},
		{"wm", func(s *wecomtest.Server, subject string) string {
			return s.OpenExternalUserID(subject, "wwcorp01", "wmAbc")
		}},
		{"wo", func(s *wecomtest.Server, subject string) string {
			return s.OpenExternalUserID(subject, "wwcorp01", "woAbc")
		}},
	} {
		x, y, z := tc.f(a, "wwprovA"), tc.f(b, "wwprovA"), tc.f(a, "wwprovB")
		if x != y || x == z || len(x) != 32 || !strings.HasPrefix(x, tc.prefix) || !strings.HasPrefix(z, tc.prefix) {
			t.Errorf("%s: %q (other server %q, other provider %q)", tc.prefix, x, y, z)
		}
	}
	if a.OpenUserID("p", "wwcorp01", "li.na") != a.OpenUserID("p", "WWCORP01", "LI.NA") {
		t.Error("plaintext userids and corp IDs ignore case")
	}
	if a.OpenExternalUserID("p", "wwcorp01", "wmAbc") == a.OpenExternalUserID("p", "wwcorp02", "wmAbc") {
		t.Error("the same customer in two corps has one external_userid")
	}
}

// The raw answers: lists only when non-empty, WeCom's errcodes for the wrong app, bad lists and
// lenient numbers; a suite no provider owns is its own subject.
func TestIDConversionWire(t *testing.T) {
	t.Parallel()
	x := newISVSim(t, false)
	const u2o = "/cgi-bin/batch/userid_to_openuserid"
	r := x.post(t, u2o, "access_token", x.authCorp, `{"userid_list":["li.na"]}`)
	items, _ := r["open_userid_list"].([]any)
	if code(r) != 0 || len(items) != 1 || r["invalid_userid_list"] != nil {
		t.Fatalf("answer %v", r)
	}
	open := items[0].(map[string]any)["open_userid"].(string)
	if open != x.srv.OpenUserID("wwsuite", wecomtest.CorpID, "li.na") {
		t.Errorf("an unlinked suite's open_userid %q, want the suite's own", open)
	}
	long := `{"userid_list":["a"` + strings.Repeat(`,"a"`, 1000) + `]}`
	for _, tc := range []struct {
		path, token, body string
		want              int
	}{
		{u2o, x.internal, `{"userid_list":["li.na"]}`, client.CodeAPIForbidden},
		{u2o, x.authCorp, `{"userid_list":[]}`, client.CodeInvalidParameter},
		{u2o, x.authCorp, long, client.CodeUserIDListTooLong},
		{u2o, x.authCorp, ``, client.CodeEmptyParameter},
		{"/cgi-bin/batch/openuserid_to_userid", x.authCorp, `{"open_userid_list":["x"],"source_agentid":1000100}`, client.CodeAPIForbidden},
		{"/cgi-bin/batch/openuserid_to_userid", x.internal, `{"open_userid_list":["x"],"source_agentid":4242}`, client.CodeInvalidAgentID},
		{"/cgi-bin/externalcontact/from_service_external_userid", x.internal, `{"source_agentid":1000100}`, client.CodeMissingExternalUserID},
		{"/cgi-bin/externalcontact/groupchat/get_new_external_userid", x.authCorp, `{"external_userid_list":["wm1"]}`, client.CodeInvalidParameter},
		{"/cgi-bin/idconvert/unionid_to_external_userid", x.authCorp, `{"openid":"o"}`, 610014},
		{"/cgi-bin/idconvert/unionid_to_external_userid", x.authCorp, `{"unionid":"u","openid":"o","subject_type":3}`, client.CodeInvalidParameter},
		{"/cgi-bin/idconvert/batch/external_userid_to_pending_id", x.authCorp, `{"external_userid":[]}`, client.CodeInvalidParameter},
		{"/cgi-bin/idconvert/batch/external_userid_to_pending_id", x.authCorp, `{"chat_id":"wrNope","external_userid":["wm1"]}`, client.CodeChatNotFound},
		{"/cgi-bin/idconvert/external_tagid", x.internal, `{"external_tagid_list":["et1"]}`, client.CodeAPIForbidden},
		{"/cgi-bin/idconvert/open_kfid", x.authCorp, `{"open_kfid_list":[]}`, client.CodeInvalidParameter},
		{"/cgi-bin/idconvert/convert_tmp_external_userid", x.internal, `{"business_type":4,"user_type":1,"tmp_external_userid_list":["ou1"]}`, client.CodeInvalidParameter},
		{"/cgi-bin/idconvert/convert_tmp_external_userid", x.internal, `{"business_type":1,"user_type":0,"tmp_external_userid_list":["ou1"]}`, client.CodeInvalidParameter},
		{"/cgi-bin/corp/get_openid_migration", x.internal, `{}`, client.CodeAPIForbidden},
		{"/cgi-bin/agent/get_permissions", x.internal, `{}`, client.CodeAPIForbidden},
	} {
		if got := code(x.post(t, tc.path, "access_token", tc.token, tc.body)); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	// source_agentid as a numeric string is accepted, as WeCom is lenient with agentids.
	r = x.post(t, "/cgi-bin/batch/openuserid_to_userid", "access_token", x.internal, `{"open_userid_list":["`+open+`","woForged"],"source_agentid":"1000100"}`)
	if l, _ := r["userid_list"].([]any); code(r) != 0 || len(l) != 1 || l[0].(map[string]any)["userid"] != "li.na" {
		t.Errorf("openuserid_to_userid: %v", r)
	}
	if inv, _ := r["invalid_open_userid_list"].([]any); len(inv) != 1 || inv[0] != "woForged" {
		t.Errorf("invalid list: %v", r)
	}
	// The legacy suite lookup and its errcode.
	if got := code(x.post(t, "/cgi-bin/service/externalcontact/unionid_to_external_userid_3rd", "suite_access_token", x.suite, `{"unionid":"u"}`)); got != 610014 {
		t.Errorf("3rd without openid: errcode %d", got)
	}
}

// Provider calls: the encrypted corp ID of a linked provider needs an authorisation, the
// migration calls check the corp and the ID families.
func TestProviderIDCallsWire(t *testing.T) {
	t.Parallel()
	x := newISVSim(t, true)
	const p = "provider_access_token"
	r := x.post(t, "/cgi-bin/service/corpid_to_opencorpid", p, x.p, `{"corpid":"`+wecomtest.CorpID+`"}`)
	if code(r) != 0 || r["open_corpid"] != x.srv.OpenCorpID("wwprov", wecomtest.CorpID) {
		t.Errorf("open corp ID %v", r)
	}
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/cgi-bin/service/corpid_to_opencorpid", `{"corpid":""}`, client.CodeInvalidCorpID},
		{"/cgi-bin/service/corpid_to_opencorpid", `{"corpid":"wwstranger"}`, client.CodeAuthInvalid},
		{"/cgi-bin/service/externalcontact/finish_external_userid_migration", `{}`, client.CodeMissingCorpID},
		{"/cgi-bin/service/externalcontact/finish_external_userid_migration", `{"corpid":"WWPROV"}`, 610022},
		{"/cgi-bin/service/finish_openid_migration", `{"corpid":"` + wecomtest.CorpID + `","openid_type":[2]}`, client.CodeInvalidParameter},
		{"/cgi-bin/service/finish_openid_migration", `{"corpid":"` + wecomtest.CorpID + `","openid_type":[]}`, client.CodeInvalidParameter},
		{"/cgi-bin/service/finish_openid_migration", `{"corpid":"` + wecomtest.CorpID + `","agentid":"1000100","openid_type":[1]}`, client.CodeInvalidAgentID},
		{"/cgi-bin/service/finish_openid_migration", `{"corpid":"wwstranger","openid_type":[1]}`, 610019},
	} {
		if got := code(x.post(t, tc.path, p, x.p, tc.body)); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	if got := code(x.post(t, "/cgi-bin/service/finish_openid_migration", p, x.p, `{"corpid":"`+wecomtest.CorpID+`","openid_type":["1",3]}`)); got != 0 {
		t.Errorf("finish_openid_migration: errcode %d", got)
	}
	m := x.post(t, "/cgi-bin/corp/get_openid_migration", "access_token", x.authCorp, `{}`)["migration_info"].([]any)
	for _, e := range m {
		if e.(map[string]any)["status"] != 1.0 {
			t.Errorf("migration info %v", m)
		}
	}
	// Without a provider, a provider-level call knows no owner: any corp converts.
	y := newISVSim(t, false)
	if r := y.post(t, "/cgi-bin/service/corpid_to_opencorpid", p, y.p, `{"corpid":"wwstranger"}`); code(r) != 0 {
		t.Errorf("unlinked provider: %v", r)
	}
}
