package wecomtest_test

import (
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The two-factor endpoints answer the documented shape and errcodes.
func TestTFAEndpoints(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"})
	tok := corpToken(t, srv)
	u := func(path string) string { return srv.URL() + path + "?access_token=" + tok }
	code1, err := srv.StartTFA(wecomtest.CorpID, "li.na")
	if err != nil {
		t.Fatal(err)
	}
	info := call(t, "POST", u("/cgi-bin/auth/get_tfa_info"), `{"code":"`+code1+`"}`)
	tfa, _ := info["tfa_code"].(string)
	if code(info) != 0 || info["userid"] != "li.na" || tfa == "" {
		t.Fatalf("get_tfa_info: %v", info)
	}
	for body, want := range map[string]int{
		`{"code":""}`:              41008,
		`{"code":"nope"}`:          client.CodeInvalidOAuthCode,
		`{"code":"` + code1 + `"}`: client.CodeInvalidOAuthCode, // used
		``:                         client.CodeEmptyParameter,
	} {
		if got := code(call(t, "POST", u("/cgi-bin/auth/get_tfa_info"), body)); got != want {
			t.Errorf("get_tfa_info %s: errcode %d, want %d", body, got, want)
		}
	}
	for body, want := range map[string]int{
		`{"userid":"li.na"}`:                          client.CodeEmptyParameter,
		`{"userid":"ghost","tfa_code":"` + tfa + `"}`: client.CodeUserIDNotFound,
		`{"userid":"li.na","tfa_code":"wrong"}`:       40207,
	} {
		if got := code(call(t, "POST", u("/cgi-bin/user/tfa_succ"), body)); got != want {
			t.Errorf("tfa_succ %s: errcode %d, want %d", body, got, want)
		}
	}
	if got := code(call(t, "POST", u("/cgi-bin/user/tfa_succ"), `{"userid":"LI.NA","tfa_code":"`+tfa+`"}`)); got != 0 || srv.TFAPassed(wecomtest.CorpID, "li.na") != 1 {
		t.Fatalf("tfa_succ: errcode %d, passed %d", got, srv.TFAPassed(wecomtest.CorpID, "li.na"))
	}
	if got := code(call(t, "GET", u("/cgi-bin/user/authsucc"), "")); got != client.CodeMissingUserID {
		t.Errorf("authsucc without userid: errcode %d", got)
	}
	if got := code(call(t, "GET", u("/cgi-bin/user/authsucc")+"&userid=li.na", "")); got != 0 || !srv.LoginConfirmed(wecomtest.CorpID, "li.na") {
		t.Errorf("authsucc: errcode %d", got)
	}
}
