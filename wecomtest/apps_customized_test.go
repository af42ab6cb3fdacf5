package wecomtest_test

import (
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestCustomizedLinksWire(t *testing.T) {
	t.Parallel()
	x := newISVSim(t, true)
	srv := x.srv
	srv.AddSuite(wecomtest.Suite{ID: "dk1", Secret: "s"})
	srv.LinkSuite(wecomtest.ProviderSuite{ProviderCorpID: "wwprov", SuiteID: "dk1", Customized: true})
	const p = "provider_access_token"
	ten := `"dk1"` + strings.Repeat(`,"dk1"`, 9)
	for body, want := range map[string]int{
		`{"templateid_list":["dk1"]}`:                                           84025,
		`{"state":"` + strings.Repeat("s", 33) + `","templateid_list":["dk1"]}`: 84025,
		`{"state":"s","templateid_list":[]}`:                                    client.CodeInvalidParameter,
		`{"state":"s","templateid_list":[` + ten + `]}`:                         client.CodeInvalidParameter,
		`{"state":"s","templateid_list":["wwsuite"]}`:                           84020,
	} {
		if got := code(x.post(t, "/cgi-bin/service/get_customized_auth_url", p, x.p, body)); got != want {
			t.Errorf("%s: errcode %d, want %d", body, got, want)
		}
	}
	r := x.post(t, "/cgi-bin/service/get_customized_auth_url", p, x.p, `{"state":"s1","templateid_list":["dk1"]}`)
	link, _ := r["qrcode_url"].(string)
	if code(r) != 0 || r["expires_in"] != 864000.0 || link == "" {
		t.Fatalf("link %v", r)
	}
	codes, err := srv.ScanCustomizedAuthURL(link, wecomtest.Authorization{CorpID: "wwclinic", AgentID: 1000200})
	if err != nil || codes["dk1"] == "" {
		t.Fatalf("scan: %v, %v", codes, err)
	}
	for _, bad := range []string{"https://example.com/?code=x", link + "x"} {
		if _, err := srv.ScanCustomizedAuthURL(bad, wecomtest.Authorization{CorpID: "wwc"}); err == nil {
			t.Errorf("scan of %s accepted", bad)
		}
	}
	// Permissions of the third-party app: none until set.
	if l, _ := x.post(t, "/cgi-bin/agent/get_permissions", "access_token", x.authCorp, `{}`)["app_permissions"].([]any); l == nil || len(l) != 0 {
		t.Errorf("default permissions %v", l)
	}
	srv.SetAppPermissions("wwsuite", wecomtest.CorpID, "checkin:app:base")
	if l := x.post(t, "/cgi-bin/agent/get_permissions", "access_token", x.authCorp, ``)["app_permissions"].([]any); len(l) != 1 || l[0] != "checkin:app:base" {
		t.Errorf("permissions %v", l)
	}
}
