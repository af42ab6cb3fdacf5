package wecomtest_test

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func simErrCode(err error) int {
	if e, ok := errors.AsType[*wecomtest.Error](err); ok {
		return e.Code
	}
	return 0
}

func jsSign(ticket, nonce string, ts int64, url string) string {
	sum := sha1.Sum([]byte("jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + strconv.FormatInt(ts, 10) + "&url=" + url))
	return hex.EncodeToString(sum[:])
}

// Tickets come per corp (get_jsapi_ticket) and per app (ticket/get?type=agent_config), in the
// documented shape, and the page check accepts exactly the signatures made with them.
func TestJSAPITickets(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	tok := corpToken(t, srv)
	corp := call(t, "GET", srv.URL()+"/cgi-bin/get_jsapi_ticket?access_token="+tok, "")
	agent := call(t, "GET", srv.URL()+"/cgi-bin/ticket/get?type=agent_config&access_token="+tok, "")
	ct, _ := corp["ticket"].(string)
	at, _ := agent["ticket"].(string)
	if code(corp) != 0 || code(agent) != 0 || ct == "" || at == "" || ct == at || corp["expires_in"] != 7200.0 || agent["expires_in"] != 7200.0 {
		t.Fatalf("answers %v %v", corp, agent)
	}
	for q, want := range map[string]int{"": client.CodeEmptyParameter, "type=wx_card&": client.CodeInvalidParameter} {
		if got := code(call(t, "GET", srv.URL()+"/cgi-bin/ticket/get?"+q+"access_token="+tok, "")); got != want {
			t.Errorf("ticket/get?%s: errcode %d, want %d", q, got, want)
		}
	}
	const url, nonce, ts = "https://oa.example.com/a?b=1", "Wm3WZYTPz0wzccnW", int64(1414587457)
	ok := []wecomtest.JSSignature{
		{CorpID: wecomtest.CorpID, URL: url + "#frag", NonceStr: nonce, Timestamp: ts, Signature: jsSign(ct, nonce, ts, url)},
		{CorpID: wecomtest.CorpID, AgentID: wecomtest.AgentID, URL: url, NonceStr: nonce, Timestamp: ts, Signature: jsSign(at, nonce, ts, url)},
	}
	for _, sig := range ok {
		if err := srv.CheckJSSignature(sig); err != nil {
			t.Errorf("%+v: %v", sig, err)
		}
	}
	for _, tc := range []struct {
		sig  wecomtest.JSSignature
		want int
	}{
		{wecomtest.JSSignature{CorpID: wecomtest.CorpID, URL: url, NonceStr: nonce, Timestamp: ts, Signature: jsSign(at, nonce, ts, url)}, client.CodeJSAPISignatureError},
		{wecomtest.JSSignature{CorpID: wecomtest.CorpID, URL: url, NonceStr: nonce, Timestamp: ts + 1, Signature: jsSign(ct, nonce, ts, url)}, client.CodeJSAPISignatureError},
		{wecomtest.JSSignature{CorpID: wecomtest.CorpID, AgentID: 1000099, URL: url, NonceStr: nonce, Timestamp: ts, Signature: jsSign(at, nonce, ts, url)}, client.CodeJSAPITicketUnusable},
		{wecomtest.JSSignature{CorpID: "wwother", URL: url, NonceStr: nonce, Timestamp: ts, Signature: jsSign(ct, nonce, ts, url)}, client.CodeJSAPITicketUnusable},
	} {
		if got := simErrCode(srv.CheckJSSignature(tc.sig)); got != tc.want {
			t.Errorf("%+v: errcode %d, want %d", tc.sig, got, tc.want)
		}
	}
	srv.ExpireJSAPITickets()
	if got := simErrCode(srv.CheckJSSignature(ok[0])); got != client.CodeJSAPITicketUnusable {
		t.Errorf("after ExpireJSAPITickets: errcode %d, want 42012", got)
	}
}

// One app may fetch 100 tickets an hour (both kinds together), a corp 400: the 101st fetch of
// an app answers 45009 while another app of the corp still gets its tickets.
func TestJSAPITicketFrequencyLimit(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer(wecomtest.WithApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "second-app", AgentID: 1000003}))
	defer srv.Close()
	tok := corpToken(t, srv)
	for i := range 100 {
		path := "/cgi-bin/get_jsapi_ticket?"
		if i%2 == 1 {
			path = "/cgi-bin/ticket/get?type=agent_config&"
		}
		if a := call(t, "GET", srv.URL()+path+"access_token="+tok, ""); code(a) != 0 {
			t.Fatalf("fetch %d: %v", i+1, a)
		}
	}
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/get_jsapi_ticket?access_token="+tok, "")); got != client.CodeFrequencyLimit {
		t.Fatalf("101st fetch of one app: errcode %d, want 45009", got)
	}
	a, _ := get(t, srv.URL()+"/cgi-bin/gettoken?corpid="+wecomtest.CorpID+"&corpsecret=second-app")
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/get_jsapi_ticket?access_token="+a.AccessToken, "")); got != 0 {
		t.Fatalf("another app of the corp: errcode %d, want 0", got)
	}
}
