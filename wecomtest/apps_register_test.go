package wecomtest_test

import (
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestRegisterCodesWire(t *testing.T) {
	t.Parallel()
	x := newISVSim(t, true)
	srv := x.srv
	srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tpl1", ProviderCorpID: "wwprov", SuiteIDs: []string{"wwsuite", "wwsuite2"}, ContactSync: true})
	const p = "provider_access_token"
	for body, want := range map[string]int{
		`{}`:                                   84019,
		`{"template_id":"tplNope"}`:            84020,
		`{"template_id":"tpl1","state":"a b"}`: 84025,
		`{"template_id":"tpl1","state":"` + strings.Repeat("s", 129) + `"}`: 84025,
	} {
		if got := code(x.post(t, "/cgi-bin/service/get_register_code", p, x.p, body)); got != want {
			t.Errorf("get_register_code %s: errcode %d, want %d", body, got, want)
		}
	}
	rc := x.post(t, "/cgi-bin/service/get_register_code", p, x.p, `{"template_id":"tpl1","corp_name":"Knitting","state":"s1"}`)
	codeV, _ := rc["register_code"].(string)
	if code(rc) != 0 || codeV == "" || rc["expires_in"] != 600.0 {
		t.Fatalf("register code %v", rc)
	}
	for body, want := range map[string]int{`{}`: 84021, `{"register_code":"nope"}`: 84022, `{"register_code":"` + codeV + `"}`: 84024} {
		if got := code(x.post(t, "/cgi-bin/service/get_register_info", p, x.p, body)); got != want {
			t.Errorf("get_register_info %s: errcode %d, want %d", body, got, want)
		}
	}
	// A template naming a suite the server does not know fails the registration's install.
	if _, err := srv.RegisterCorp(wecomtest.Registration{RegisterCode: codeV, CorpID: "wwnew1"}); err == nil || !strings.Contains(err.Error(), "wwsuite2") {
		t.Errorf("unknown suite in the template: %v", err)
	}
	for _, r := range []wecomtest.Registration{{RegisterCode: codeV, CorpID: "wwnew2"}, {RegisterCode: "nope", CorpID: "wwnew3"}, {RegisterCode: codeV}} {
		if _, err := srv.RegisterCorp(r); err == nil {
			t.Errorf("registration %+v accepted", r)
		}
	}

	srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tpl2", ProviderCorpID: "wwprov", SuiteIDs: []string{"wwsuite"}, ContactSync: true})
	c2 := x.post(t, "/cgi-bin/service/get_register_code", p, x.p, `{"template_id":"tpl2"}`)["register_code"].(string)
	reg, err := srv.RegisterCorp(wecomtest.Registration{RegisterCode: c2, CorpID: "wwnew4", CorpName: "New Four"})
	if err != nil {
		t.Fatal(err)
	}
	info := x.post(t, "/cgi-bin/service/get_register_info", p, x.p, `{"register_code":"`+c2+`"}`)
	sync, _ := info["contact_sync"].(map[string]any)
	if code(info) != 0 || info["corpid"] != "wwnew4" || info["state"] != nil || info["template_id"] != "tpl2" ||
		sync["access_token"] != reg.ContactSyncToken || sync["expires_in"].(float64) > 1800 {
		t.Fatalf("register info %v", info)
	}
	if u := info["auth_user_info"].(map[string]any); u["userid"] != "admin01" {
		t.Errorf("admin %v", u)
	}
	// The contact-sync token works on the address book of the new corp.
	if r := call(t, "GET", srv.URL()+"/cgi-bin/department/list?access_token="+reg.ContactSyncToken, ""); code(r) != 0 {
		t.Errorf("address book with the contact-sync token: %v", r)
	}
	// set_scope before the app's install is exchanged: no such agent yet.
	if got := code(x.post(t, "/cgi-bin/agent/set_scope", "access_token", reg.ContactSyncToken, `{"agentid":1000100}`)); got != client.CodeInvalidAgentID {
		t.Errorf("set_scope before the install: errcode %d", got)
	}
	// Another provider cannot read this registration.
	srv.AddProvider("wwprov2", "psec2")
	p2 := call(t, "POST", srv.URL()+"/cgi-bin/service/get_provider_token", `{"corpid":"wwprov2","provider_secret":"psec2"}`)["provider_access_token"].(string)
	if got := code(x.post(t, "/cgi-bin/service/get_register_info", p, p2, `{"register_code":"`+c2+`"}`)); got != 84022 {
		t.Errorf("another provider's code: errcode %d", got)
	}
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/sync/contact_sync_success?access_token="+reg.ContactSyncToken, "")); got != 0 {
		t.Errorf("contact_sync_success: errcode %d", got)
	}
	if !srv.ContactSynced(c2) || srv.ContactSynced(codeV) {
		t.Error("sync state")
	}
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/sync/contact_sync_success?access_token="+reg.ContactSyncToken, "")); got != client.CodeInvalidAccessToken {
		t.Errorf("the token after the sync: errcode %d", got)
	}
}
