package wecomtest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

type answer struct {
	ErrCode     int    `json:"errcode"`
	ErrMsg      string `json:"errmsg"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

func get(t *testing.T, url string) (answer, *http.Response) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatal(err)
	}
	return a, resp
}

func TestGetTokenErrcodes(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer(wecomtest.WithApp(wecomtest.App{CorpID: "wwother", Secret: "other-secret", AgentID: 5}),
		wecomtest.WithApp(wecomtest.App{CorpID: "wwother", Secret: "off", AgentID: 6, Disabled: true}))
	defer srv.Close()
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"corpid=" + wecomtest.CorpID + "&corpsecret=" + wecomtest.Secret, 0},
		{"corpid=wwnope&corpsecret=x", client.CodeInvalidCorpID},
		{"corpid=" + wecomtest.CorpID + "&corpsecret=wrong", client.CodeInvalidCredential},
		{"corpid=" + wecomtest.CorpID + "&corpsecret=other-secret", client.CodeSecretInvalid},
		{"corpid=wwother&corpsecret=off", client.CodeInvalidCredential},
		{"corpsecret=x", client.CodeMissingCorpID},
		{"corpid=" + wecomtest.CorpID, client.CodeMissingSecret},
	} {
		a, resp := get(t, srv.URL()+"/cgi-bin/gettoken?"+tc.query)
		if a.ErrCode != tc.code || resp.Header.Get("error-code") == "" {
			t.Errorf("%s: errcode %d (%s), want %d", tc.query, a.ErrCode, a.ErrMsg, tc.code)
		}
		if tc.code == 0 && (a.AccessToken == "" || a.ExpiresIn != 7200) {
			t.Errorf("token answer %+v", a)
		}
	}
	if n := srv.Calls("/cgi-bin/gettoken"); n != 7 {
		t.Errorf("Calls = %d, want 7", n)
	}
}

func TestTokenChecks(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	tok, _ := get(t, srv.URL()+"/cgi-bin/gettoken?corpid="+wecomtest.CorpID+"&corpsecret="+wecomtest.Secret)
	for _, tc := range []struct {
		query string
		code  int
	}{
		{"access_token=" + tok.AccessToken, 0},
		{"", client.CodeMissingAccessToken},
		{"access_token=garbage", client.CodeInvalidAccessToken},
	} {
		if a, _ := get(t, srv.URL()+"/cgi-bin/getcallbackip?"+tc.query); a.ErrCode != tc.code {
			t.Errorf("%q: errcode %d, want %d", tc.query, a.ErrCode, tc.code)
		}
	}
	srv.ExpireTokens()
	if a, _ := get(t, srv.URL()+"/cgi-bin/getcallbackip?access_token="+tok.AccessToken); a.ErrCode != client.CodeAccessTokenExpired {
		t.Errorf("expired token: errcode %d, want 42001", a.ErrCode)
	}
	if srv.Served("/cgi-bin/getcallbackip") != 1 {
		t.Errorf("Served = %d, want 1 (only the valid token reached the handler)", srv.Served("/cgi-bin/getcallbackip"))
	}
}

func TestTokenReuse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reuse wecomtest.Reuse
		same  bool
	}{{wecomtest.ReuseExtend, true}, {wecomtest.ReuseRemaining, true}, {wecomtest.ReuseNever, false}} {
		srv := wecomtest.NewServer(wecomtest.WithTokenReuse(tc.reuse), wecomtest.WithTokenTTL(time.Hour))
		u := srv.URL() + "/cgi-bin/gettoken?corpid=" + wecomtest.CorpID + "&corpsecret=" + wecomtest.Secret
		a, _ := get(t, u)
		b, _ := get(t, u)
		if (a.AccessToken == b.AccessToken) != tc.same || b.ExpiresIn > 3600 {
			t.Errorf("reuse %d: %q then %q (expires_in %d)", tc.reuse, a.AccessToken, b.AccessToken, b.ExpiresIn)
		}
		srv.ExpireTokens()
		if c, _ := get(t, u); c.AccessToken == b.AccessToken {
			t.Errorf("reuse %d: expired token handed out again", tc.reuse)
		}
		srv.Close()
	}
}

// callbackIPURL is a getcallbackip URL with a fresh token of the default app.
func callbackIPURL(t *testing.T, srv *wecomtest.Server) string {
	t.Helper()
	tok, _ := get(t, srv.URL()+"/cgi-bin/gettoken?corpid="+wecomtest.CorpID+"&corpsecret="+wecomtest.Secret)
	return srv.URL() + "/cgi-bin/getcallbackip?access_token=" + tok.AccessToken
}

func TestFaults(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	u := callbackIPURL(t, srv)

	srv.FailNext("/cgi-bin/getcallbackip", client.CodeBusy, 2)
	for range 2 {
		if a, _ := get(t, u); a.ErrCode != client.CodeBusy {
			t.Fatalf("errcode %d, want -1", a.ErrCode)
		}
	}
	if a, _ := get(t, u); a.ErrCode != 0 {
		t.Fatalf("fault outlived its count: %d", a.ErrCode)
	}

	srv.FailNextHTTP("/cgi-bin/getcallbackip", http.StatusBadGateway, 1)
	resp, err := http.Get(u)
	if err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("HTTP fault: %v %v", resp, err)
	}
	resp.Body.Close()

	srv.DropNext("/cgi-bin/getcallbackip", 1)
	if resp, err := http.Get(u); err == nil {
		resp.Body.Close()
		t.Fatal("dropped connection answered")
	}

	srv.DelayNext("/cgi-bin/getcallbackip", 300*time.Millisecond, 1)
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	if resp, err := hc.Get(u); err == nil {
		resp.Body.Close()
		t.Fatal("delayed answer arrived before the client timeout")
	} else if ne, ok := errors.AsType[net.Error](err); !ok || !ne.Timeout() {
		t.Fatalf("got %v, want a client timeout", err)
	}

	served := srv.Served("/cgi-bin/getcallbackip")
	srv.Inject("/cgi-bin/getcallbackip", wecomtest.Fault{Drop: true, AfterHandler: true}, 1)
	if resp, err := http.Get(u); err == nil {
		resp.Body.Close()
		t.Fatal("lost answer arrived")
	}
	if srv.Served("/cgi-bin/getcallbackip") != served+1 {
		t.Fatal("AfterHandler fault did not run the handler")
	}
}

// TestFailAfter: a deferred fault lets its passes through, strikes n times, and holds back the
// faults queued behind it until it is done.
func TestFailAfter(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	u := callbackIPURL(t, srv)

	srv.FailAfter("/cgi-bin/getcallbackip", 2, client.CodeNoPrivilege, 2)
	srv.FailNext("/cgi-bin/getcallbackip", client.CodeBusy, 1)
	want := []int{client.CodeOK, client.CodeOK, client.CodeNoPrivilege, client.CodeNoPrivilege, client.CodeBusy, client.CodeOK}
	for i, w := range want {
		if a, _ := get(t, u); a.ErrCode != w {
			t.Fatalf("call %d: errcode %d, want %d", i+1, a.ErrCode, w)
		}
	}

	srv.Inject("/cgi-bin/getcallbackip", wecomtest.Fault{Status: http.StatusBadGateway, After: 1}, 1)
	if a, _ := get(t, u); a.ErrCode != client.CodeOK {
		t.Fatalf("first call: errcode %d, want 0", a.ErrCode)
	}
	resp, err := http.Get(u)
	if err != nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("second call: %v %v, want 502", resp, err)
	}
	resp.Body.Close()
}

func TestHandleFuncAndUnknownPath(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.HandleFunc(http.MethodGet, "/cgi-bin/custom", wecomtest.TokenNone, func(c *wecomtest.Call) (any, error) {
		if c.Query("x") == "" {
			return nil, wecomtest.NewError(client.CodeInvalidParameter, "x missing")
		}
		return wecomtest.J{"x": c.Query("x")}, nil
	})
	if a, _ := get(t, srv.URL()+"/cgi-bin/custom"); a.ErrCode != client.CodeInvalidParameter {
		t.Fatalf("errcode %d", a.ErrCode)
	}
	resp, err := http.Get(srv.URL() + "/cgi-bin/custom?x=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != `{"errcode":0,"errmsg":"ok","x":"1"}` {
		t.Fatalf("answer %s", b)
	}
	resp, err = http.Post(srv.URL()+"/cgi-bin/custom?x=1", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var a answer
	_ = json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if a.ErrCode != client.CodeInvalidParameter {
		t.Fatalf("wrong method: errcode %d, want 40058", a.ErrCode)
	}
	resp, _ = http.Get(srv.URL() + "/cgi-bin/nowhere")
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown path: %d", resp.StatusCode)
	}
}
