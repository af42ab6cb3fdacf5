package wecomtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// call sends a raw request and decodes the JSON answer.
func call(t *testing.T, method, url, body string) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: not JSON: %s", url, b)
	}
	return out
}

func code(a map[string]any) int {
	c, _ := a["errcode"].(float64)
	return int(c)
}

func corpToken(t *testing.T, srv *wecomtest.Server) string {
	t.Helper()
	a, _ := get(t, srv.URL()+"/cgi-bin/gettoken?corpid="+wecomtest.CorpID+"&corpsecret="+wecomtest.Secret)
	return a.AccessToken
}

func TestSuiteTokenAnswersWithoutErrcode(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddSuite(wecomtest.Suite{ID: "wwsuite", Secret: "sec"})
	ticket := srv.IssueSuiteTicket("wwsuite")
	if srv.IssueSuiteTicket("nosuite") != "" {
		t.Error("ticket issued for an unknown suite")
	}
	u := srv.URL() + "/cgi-bin/service/get_suite_token"
	ok := call(t, "POST", u, `{"suite_id":"wwsuite","suite_secret":"sec","suite_ticket":"`+ticket+`"}`)
	if _, has := ok["errcode"]; has || ok["suite_access_token"] == "" || ok["expires_in"] != 7200.0 {
		t.Errorf("success answer %v: want a token and no errcode", ok)
	}
	for body, want := range map[string]int{
		`{"suite_secret":"sec","suite_ticket":"t"}`:                          client.CodeMissingSuiteID,
		`{"suite_id":"wwsuite","suite_ticket":"t"}`:                          client.CodeMissingSuiteSecret,
		`{"suite_id":"wwsuite","suite_secret":"sec"}`:                        client.CodeMissingSuiteTicket,
		`{"suite_id":"wwnope","suite_secret":"sec","suite_ticket":"t"}`:      client.CodeInvalidSuiteID,
		`{"suite_id":"wwsuite","suite_secret":"bad","suite_ticket":"t"}`:     client.CodeInvalidSuiteSecret,
		`{"suite_id":"wwsuite","suite_secret":"sec","suite_ticket":"stale"}`: client.CodeInvalidSuiteTicket,
		`not json`: client.CodeInvalidParameter,
	} {
		if got := code(call(t, "POST", u, body)); got != want {
			t.Errorf("%s: errcode %d, want %d", body, got, want)
		}
	}
	srv.ExpireSuiteTickets("wwsuite")
	if got := code(call(t, "POST", u, `{"suite_id":"wwsuite","suite_secret":"sec","suite_ticket":"`+ticket+`"}`)); got != client.CodeInvalidSuiteTicket {
		t.Errorf("expired ticket: errcode %d, want 40085", got)
	}
}

func TestAuthorisationFlowRaw(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddSuite(wecomtest.Suite{ID: "wwsuite", Secret: "sec"})
	st := call(t, "POST", srv.URL()+"/cgi-bin/service/get_suite_token",
		`{"suite_id":"wwsuite","suite_secret":"sec","suite_ticket":"`+srv.IssueSuiteTicket("wwsuite")+`"}`)["suite_access_token"].(string)
	q := "?suite_access_token=" + st
	if _, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: "wwsuite", PreAuthCode: "forged", CorpID: "wwc"}); err == nil {
		t.Error("authorisation with a forged pre_auth_code accepted")
	}
	pac := call(t, "GET", srv.URL()+"/cgi-bin/service/get_pre_auth_code"+q, "")["pre_auth_code"].(string)
	ac, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: "wwsuite", PreAuthCode: pac, CorpID: "wwc"})
	if err != nil {
		t.Fatal(err)
	}
	perm := call(t, "POST", srv.URL()+"/cgi-bin/service/get_permanent_code"+q, `{"auth_code":"`+ac+`"}`)
	if _, has := perm["errcode"]; has || perm["permanent_code"] == nil || perm["access_token"] == nil {
		t.Fatalf("permanent code answer %v", perm)
	}
	if got := code(call(t, "POST", srv.URL()+"/cgi-bin/service/get_permanent_code"+q, `{"auth_code":"`+ac+`"}`)); got != client.CodeInvalidAuthCode {
		t.Errorf("auth_code reused: errcode %d, want 40078", got)
	}
	body := `{"auth_corpid":"wwc","permanent_code":"` + perm["permanent_code"].(string) + `"}`
	tok := call(t, "POST", srv.URL()+"/cgi-bin/service/get_corp_token"+q, body)
	if _, has := tok["errcode"]; has || tok["access_token"] == nil {
		t.Errorf("corp token answer %v", tok)
	}
	// A corp token is no suite token, and the suite token works only on suite paths.
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/service/get_pre_auth_code?suite_access_token="+tok["access_token"].(string), "")); got != client.CodeInvalidSuiteToken {
		t.Errorf("corp token on a suite path: errcode %d, want 40082", got)
	}
	if got := code(call(t, "POST", srv.URL()+"/cgi-bin/service/get_corp_token"+q, `{"auth_corpid":"wwc","permanent_code":"x"}`)); got != client.CodeInvalidPermanentCode {
		t.Errorf("wrong permanent code: errcode %d, want 40084", got)
	}
	srv.RevokeAuthorization("wwsuite", "wwc")
	if got := code(call(t, "POST", srv.URL()+"/cgi-bin/service/get_corp_token"+q, body)); got != client.CodeAuthInvalid {
		t.Errorf("revoked: errcode %d, want 48004", got)
	}
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/agent/get?agentid=1000100&access_token="+tok["access_token"].(string), "")); got != client.CodeInvalidAccessToken {
		t.Errorf("token of a revoked corp: errcode %d, want 40014", got)
	}
}

func TestDownstreamTokenScope(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: "wwf1", AgentID: 1000019, BusinessType: 1})
	srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: "wwf2", AgentID: 1000008, BusinessType: 1})
	up := corpToken(t, srv)
	u := srv.URL() + "/cgi-bin/corpgroup/corp/gettoken?access_token=" + up
	dn := call(t, "POST", u, `{"corpid":"wwf1","agentid":1000019,"business_type":1}`)["access_token"].(string)
	if a := call(t, "GET", srv.URL()+"/cgi-bin/agent/get?agentid=1000019&access_token="+dn, ""); code(a) != 0 || a["agentid"] != 1000019.0 {
		t.Errorf("downstream agent/get: %v", a)
	}
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/agent/get?agentid=1000008&access_token="+dn, "")); got != client.CodeInvalidAgentID {
		t.Errorf("wwf1 token reading wwf2's agent: errcode %d, want 40056", got)
	}
	for body, want := range map[string]int{
		`{"corpid":"wwnone","agentid":1000019,"business_type":1}`: client.CodeNotInShareScope,
		`{"corpid":"wwf1","agentid":1000019}`:                     client.CodeNotInShareScope, // a chain share, asked as linked corps
		`{"corpid":"wwf1","agentid":1,"business_type":1}`:         client.CodeInvalidAgentID,
		`{"agentid":1}`: client.CodeEmptyParameter,
	} {
		if got := code(call(t, "POST", u, body)); got != want {
			t.Errorf("%s: errcode %d, want %d", body, got, want)
		}
	}
	list := call(t, "POST", srv.URL()+"/cgi-bin/corpgroup/corp/list_app_share_info?access_token="+up, `{"agentid":1000002,"business_type":1,"limit":1}`)
	if list["ending"] != 0.0 || list["next_cursor"] != "cur-1" || len(list["corp_list"].([]any)) != 1 {
		t.Errorf("first page %v", list)
	}
	if got := code(call(t, "POST", srv.URL()+"/cgi-bin/corpgroup/corp/list_app_share_info?access_token="+up, `{"agentid":1000002,"cursor":"cur-99"}`)); got != client.CodeInvalidCursor {
		t.Errorf("bad cursor: errcode %d, want 50100", got)
	}
	srv.RemoveDownstreamCorp(wecomtest.CorpID, wecomtest.AgentID, "wwf1")
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/agent/get?agentid=1000019&access_token="+dn, "")); got != client.CodeInvalidAccessToken {
		t.Errorf("token after the share ended: errcode %d, want 40014", got)
	}
}

func TestOAuthCodesOnceWithinFiveMinutes(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	tok := corpToken(t, srv)
	u := srv.URL() + "/cgi-bin/auth/getuserinfo?access_token=" + tok + "&code="
	c := srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "li.na"})
	if a := call(t, "GET", u+c, ""); code(a) != 0 || a["userid"] != "li.na" {
		t.Errorf("first exchange %v", a)
	}
	if got := code(call(t, "GET", u+c, "")); got != client.CodeInvalidOAuthCode {
		t.Errorf("reused code: errcode %d, want 40029", got)
	}
	old := srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "li.na"})
	srv.ExpireOAuthCode(old)
	if got := code(call(t, "GET", u+old, "")); got != client.CodeOAuthCodeExpired {
		t.Errorf("expired code: errcode %d, want 42003", got)
	}
	other := srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: "wwother", UserID: "x"})
	if got := code(call(t, "GET", u+other, "")); got != client.CodeInvalidOAuthCode {
		t.Errorf("another corp's code: errcode %d, want 40029", got)
	}
}

func TestMemberLoginChecksTheURL(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	for _, bad := range []string{
		"https://open.weixin.qq.com/connect/oauth2/authorize?redirect_uri=https%3A%2F%2Fa.example.com%2F",                    // no appid
		"https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww&redirect_uri=https%253A%252F%252Fa.example.com%252F",   // encoded twice
		"https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww&redirect_uri=https%3A%2F%2Fa.example.com%2F&state=a-b", // bad state
		"%zz",
	} {
		if _, err := srv.MemberLogin(bad, wecomtest.OAuthCode{}); err == nil {
			t.Errorf("MemberLogin accepted %s", bad)
		}
	}
}

func TestAgentAndMenuChecks(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	q := "?access_token=" + corpToken(t, srv)
	for body, want := range map[string]int{
		`{"agentid":1000002,"name":""}`:                               client.CodeInvalidAppNameLength,
		`{"agentid":1000002,"description":"abc"}`:                     client.CodeInvalidAppDescriptionLength,
		`{"agentid":1000002,"home_url":"ftp://x"}`:                    client.CodeInvalidURL,
		`{"agentid":1000003}`:                                         client.CodeInvalidAgentID,
		`{"agentid":1000002,"name":"Progress","description":"ok ok"}`: 0,
	} {
		if got := code(call(t, "POST", srv.URL()+"/cgi-bin/agent/set"+q, body)); got != want {
			t.Errorf("agent/set %s: errcode %d, want %d", body, got, want)
		}
	}
	m := srv.URL() + "/cgi-bin/menu/create" + q + "&agentid=1000002"
	long := strings.Repeat("x", 17)
	for body, want := range map[string]int{
		`{"button":[]}`: client.CodeInvalidMenuButtonCount,
		`{"button":[{"type":"nope","name":"a"}]}`:                                                          client.CodeInvalidMenuButtonType,
		`{"button":[{"type":"click","name":"` + long + `"}]}`:                                              client.CodeMenuButtonNameTooLong,
		`{"button":[{"name":"m","sub_button":[{"type":"bad","name":"s"}]}]}`:                               40024, // no client constant (the spec gives 40024-40027 as a range)
		`{"button":[{"type":"click","name":""}]}`:                                                          client.CodeMissingMenuName,
		`{"button":[{"name":"m","sub_button":[{"name":"s","sub_button":[{"type":"click","name":"x"}]}]}]}`: client.CodeInvalidSubMenuDepth,
	} {
		if got := code(call(t, "POST", m, body)); got != want {
			t.Errorf("menu/create %s: errcode %d, want %d", body, got, want)
		}
	}
	four := `{"agentid":1000002,"type":"list","list":{"items":[{"title":"a"},{"title":"b"},{"title":"c"},{"title":"d"}]}}`
	if got := code(call(t, "POST", srv.URL()+"/cgi-bin/agent/set_workbench_template"+q, four)); got != client.CodeInvalidParameter {
		t.Errorf("4 list items: errcode %d, want 40058", got)
	}
}
