package wecomtest_test

import (
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The legacy user/getuserinfo exchanges an OAuth code like auth/getuserinfo, with the old
// capitalised keys.
func TestLegacyUserGetUserInfo(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	u := srv.URL() + "/cgi-bin/user/getuserinfo?access_token=" + corpToken(t, srv) + "&code="

	member := srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "li.na", PrivateInfo: true})
	a := call(t, "GET", u+member, "")
	if code(a) != 0 || a["UserId"] != "li.na" || a["DeviceId"] == "" || a["user_ticket"] == "" || a["expires_in"] != 1800.0 {
		t.Errorf("member: %v", a)
	}
	if got := code(call(t, "GET", u+member, "")); got != client.CodeInvalidOAuthCode {
		t.Errorf("reused code: errcode %d, want 40029", got)
	}
	visitor := srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: wecomtest.CorpID, OpenID: "oVisitor77", ExternalUserID: "wmAbc123"})
	a = call(t, "GET", u+visitor, "")
	if code(a) != 0 || a["OpenId"] != "oVisitor77" || a["external_userid"] != "wmAbc123" || a["DeviceId"] == "" || a["UserId"] != nil {
		t.Errorf("visitor: %v", a)
	}
	old := srv.NewOAuthCode(wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "li.na"})
	srv.ExpireOAuthCode(old)
	if got := code(call(t, "GET", u+old, "")); got != client.CodeOAuthCodeExpired {
		t.Errorf("expired code: errcode %d, want 42003", got)
	}
	// 41008 has no client constant: the spec does not list it.
	if got := code(call(t, "GET", u, "")); got != 41008 {
		t.Errorf("no code: errcode %d, want 41008", got)
	}
}
