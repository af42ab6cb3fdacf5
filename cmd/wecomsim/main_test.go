package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/wecomtest"
)

// sim runs the simulator in process on a loopback port and returns its base URL and the lines
// it printed; the server stops when the test ends, and run must then return nil.
func sim(t *testing.T, args ...string) (string, <-chan string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw)
		pw.Close()
	}()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("run did not stop after cancel")
		}
	})
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("simulator exited before printing its base URL: %v", <-done)
			}
			if u, found := strings.CutPrefix(strings.TrimSpace(l), "base URL"); found {
				return strings.TrimSpace(u), lines
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no base URL printed")
		}
	}
}

// call sends body (nil for GET) as JSON and decodes the JSON answer; it returns the HTTP status.
func call(t *testing.T, method, url string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

type envelope struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

func TestScenarioOverPlainHTTP(t *testing.T) {
	seedFile := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seedFile, []byte(`{
		"users": [{"userid": "zhangsan", "name": "张三", "department": [1]}],
		"robots": ["robot-1"],
		"kf_accounts": [{"name": "Support", "servicers": ["zhangsan"]}]
	}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, lines := sim(t, "-seed", seedFile)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("base URL %q", base)
	}
	var banner []string
	for l := range lines {
		banner = append(banner, l)
		if strings.Contains(l, "admin API") {
			break
		}
	}
	for _, want := range []string{wecomtest.CorpID, wecomtest.Secret, "1000002", "Support"} {
		if !strings.Contains(strings.Join(banner, "\n"), want) {
			t.Errorf("banner lacks %q:\n%s", want, strings.Join(banner, "\n"))
		}
	}

	// gettoken with the printed defaults.
	var tok struct {
		envelope
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	call(t, "GET", base+"/cgi-bin/gettoken?corpid="+wecomtest.CorpID+"&corpsecret="+wecomtest.Secret, nil, &tok)
	if tok.Errcode != 0 || tok.AccessToken == "" || tok.ExpiresIn != 7200 {
		t.Fatalf("gettoken: %+v", tok)
	}
	q := "?access_token=" + tok.AccessToken

	// user/get of the seeded member.
	var user struct {
		envelope
		UserID string `json:"userid"`
		Name   string `json:"name"`
	}
	call(t, "GET", base+"/cgi-bin/user/get"+q+"&userid=zhangsan", nil, &user)
	if user.Errcode != 0 || user.Name != "张三" {
		t.Fatalf("user/get: %+v", user)
	}

	// message/send, then what the member received through the admin API.
	var sent struct {
		envelope
		MsgID string `json:"msgid"`
	}
	call(t, "POST", base+"/cgi-bin/message/send"+q, map[string]any{
		"touser": "zhangsan", "msgtype": "text", "agentid": wecomtest.AgentID, "text": map[string]string{"content": "hello"},
	}, &sent)
	if sent.Errcode != 0 || sent.MsgID == "" {
		t.Fatalf("message/send: %+v", sent)
	}
	var recv struct {
		Messages []struct {
			MsgID   string `json:"msgid"`
			MsgType string `json:"msgtype"`
			Content struct {
				Content string `json:"content"`
			} `json:"content"`
		} `json:"messages"`
	}
	call(t, "GET", base+"/_sim/received?userid=zhangsan", nil, &recv)
	if len(recv.Messages) != 1 || recv.Messages[0].MsgID != sent.MsgID || recv.Messages[0].Content.Content != "hello" {
		t.Fatalf("received: %+v", recv)
	}

	// An injected errcode answers the next call only; an HTTP status fault answers that status.
	if st := call(t, "POST", base+"/_sim/faults", map[string]any{"path": "/cgi-bin/user/get", "errcode": 45009}, nil); st != http.StatusOK {
		t.Fatalf("inject: HTTP %d", st)
	}
	var faulted envelope
	call(t, "GET", base+"/cgi-bin/user/get"+q+"&userid=zhangsan", nil, &faulted)
	if faulted.Errcode != 45009 {
		t.Fatalf("faulted user/get: %+v", faulted)
	}
	call(t, "POST", base+"/_sim/faults", map[string]any{"path": "/cgi-bin/user/get", "status": 502}, nil)
	if st := call(t, "GET", base+"/cgi-bin/user/get"+q+"&userid=zhangsan", nil, nil); st != http.StatusBadGateway {
		t.Fatalf("status fault: HTTP %d", st)
	}
	var again envelope
	call(t, "GET", base+"/cgi-bin/user/get"+q+"&userid=zhangsan", nil, &again)
	if again.Errcode != 0 {
		t.Fatalf("user/get after the faults: %+v", again)
	}
	var counts struct{ Calls, Served int }
	call(t, "GET", base+"/_sim/calls?path=/cgi-bin/user/get", nil, &counts)
	if counts.Calls != 4 || counts.Served != 2 {
		t.Fatalf("calls: %+v", counts)
	}

	// A customer writes to the seeded kf account; kf/sync_msg returns it.
	var info struct {
		KfAccounts []struct {
			Name     string `json:"name"`
			OpenKfID string `json:"open_kfid"`
		} `json:"kf_accounts"`
	}
	call(t, "GET", base+"/_sim/", nil, &info)
	if len(info.KfAccounts) != 1 || info.KfAccounts[0].OpenKfID == "" {
		t.Fatalf("info: %+v", info)
	}
	kfID := info.KfAccounts[0].OpenKfID
	var says struct {
		MsgID string `json:"msgid"`
	}
	call(t, "POST", base+"/_sim/kf/customer_says", map[string]string{"open_kfid": kfID, "external_userid": "wmcustomer1", "text": "where is my order?"}, &says)
	var synced struct {
		envelope
		MsgList []struct {
			MsgID          string `json:"msgid"`
			ExternalUserID string `json:"external_userid"`
			Text           struct {
				Content string `json:"content"`
			} `json:"text"`
		} `json:"msg_list"`
	}
	call(t, "POST", base+"/cgi-bin/kf/sync_msg"+q, map[string]any{"open_kfid": kfID, "limit": 10}, &synced)
	if synced.Errcode != 0 || len(synced.MsgList) != 1 || synced.MsgList[0].MsgID != says.MsgID ||
		synced.MsgList[0].Text.Content != "where is my order?" || synced.MsgList[0].ExternalUserID != "wmcustomer1" {
		t.Fatalf("kf/sync_msg: %+v (msgid %q)", synced, says.MsgID)
	}

	// Robot posts are readable.
	var robot envelope
	call(t, "POST", base+"/cgi-bin/webhook/send?key=robot-1", map[string]any{"msgtype": "text", "text": map[string]string{"content": "deploy done"}}, &robot)
	var posts struct {
		Posts []struct {
			MsgType string `json:"msgtype"`
		} `json:"posts"`
	}
	call(t, "GET", base+"/_sim/robot_posts?key=robot-1", nil, &posts)
	if robot.Errcode != 0 || len(posts.Posts) != 1 || posts.Posts[0].MsgType != "text" {
		t.Fatalf("robot: %+v, posts %+v", robot, posts)
	}

	// A callback delivered to a URL arrives signed, and the receiver's "success" acknowledges it.
	got := make(chan *http.Request, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r
		_, _ = w.Write([]byte("success"))
	}))
	defer receiver.Close()
	var d struct {
		Acked    bool `json:"acked"`
		Attempts []struct {
			Status int `json:"status"`
		} `json:"attempts"`
	}
	call(t, "POST", base+"/_sim/callbacks/deliver", map[string]any{
		"callback": map[string]any{"url": receiver.URL + "/cb", "token": "cbtoken", "encoding_aes_key": strings.Repeat("a", 43)},
		"xml":      string(wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, 1, "hi")),
	}, &d)
	if !d.Acked || len(d.Attempts) != 1 || d.Attempts[0].Status != http.StatusOK {
		t.Fatalf("deliver: %+v", d)
	}
	if r := <-got; r.Method != http.MethodPost || r.URL.Query().Get("msg_signature") == "" {
		t.Fatalf("callback request: %s %s", r.Method, r.URL)
	}

	// Expired tokens answer 42001.
	call(t, "POST", base+"/_sim/tokens/expire", nil, nil)
	var expired envelope
	call(t, "GET", base+"/cgi-bin/user/get"+q+"&userid=zhangsan", nil, &expired)
	if expired.Errcode != 42001 {
		t.Fatalf("after expiry: %+v", expired)
	}
}

func TestAdminErrors(t *testing.T) {
	base, _ := sim(t)
	for _, c := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", "/_sim/faults", map[string]any{"path": "/cgi-bin/user/get"}, http.StatusBadRequest},
		{"POST", "/_sim/faults", map[string]any{"path": "/x", "errcode": 1, "typo": 1}, http.StatusBadRequest},
		{"POST", "/_sim/suite_ticket", map[string]any{"suite_id": "nope"}, http.StatusNotFound},
		{"POST", "/_sim/cards/click", map[string]any{"userid": "u", "task_id": "t"}, http.StatusNotFound},
		{"GET", "/_sim/received", nil, http.StatusBadRequest},
		{"GET", "/_sim/nope", nil, http.StatusNotFound},
	} {
		var out struct {
			Error string `json:"error"`
		}
		if st := call(t, c.method, base+c.path, c.body, &out); st != c.status || out.Error == "" {
			t.Errorf("%s %s: HTTP %d %+v, want %d with an error", c.method, c.path, st, out, c.status)
		}
	}
}

func TestSuiteTicketSeeded(t *testing.T) {
	seedFile := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seedFile, []byte(`{"suites": [{"suite_id": "wwsuite1", "secret": "suite-secret"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := sim(t, "-seed", seedFile)
	var tk struct {
		SuiteTicket string `json:"suite_ticket"`
	}
	call(t, "POST", base+"/_sim/suite_ticket", map[string]any{"suite_id": "wwsuite1"}, &tk)
	var st struct {
		envelope
		SuiteAccessToken string `json:"suite_access_token"`
	}
	call(t, "POST", base+"/cgi-bin/service/get_suite_token", map[string]string{
		"suite_id": "wwsuite1", "suite_secret": "suite-secret", "suite_ticket": tk.SuiteTicket,
	}, &st)
	if tk.SuiteTicket == "" || st.Errcode != 0 || st.SuiteAccessToken == "" {
		t.Fatalf("ticket %q, get_suite_token %+v", tk.SuiteTicket, st)
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"userz": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		want error
	}{
		{[]string{"-nope"}, errUsage},
		{[]string{"extra"}, errUsage},
		{[]string{"-token-ttl", "0s"}, errUsage},
		{[]string{"-h"}, flag.ErrHelp},
	} {
		if err := run(ctx, c.args, io.Discard); !errors.Is(err, c.want) {
			t.Errorf("run %v = %v, want %v", c.args, err, c.want)
		}
	}
	if err := run(ctx, []string{"-addr", "127.0.0.1:0", "-seed", bad}, io.Discard); err == nil || !strings.Contains(err.Error(), "userz") {
		t.Errorf("bad seed: %v", err)
	}
}

func TestKfForwardDeliversCallback(t *testing.T) {
	seedFile := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seedFile, []byte(`{"kf_accounts": [{"name": "Support"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, _ := sim(t, "-seed", seedFile)
	got := make(chan *http.Request, 4)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r
		_, _ = w.Write([]byte("success"))
	}))
	defer receiver.Close()
	var info struct {
		KfAccounts []struct {
			OpenKfID string `json:"open_kfid"`
		} `json:"kf_accounts"`
	}
	call(t, "GET", base+"/_sim/", nil, &info)
	cb := map[string]any{"url": receiver.URL, "token": "cbtoken", "encoding_aes_key": strings.Repeat("b", 43)}
	if st := call(t, "POST", base+"/_sim/kf/forward", map[string]any{"callback": cb}, nil); st != http.StatusOK {
		t.Fatalf("kf/forward: HTTP %d", st)
	}
	call(t, "POST", base+"/_sim/kf/customer_says", map[string]string{"open_kfid": info.KfAccounts[0].OpenKfID, "external_userid": "wm1", "text": "hi"}, nil)
	select {
	case r := <-got:
		if r.URL.Query().Get("msg_signature") == "" {
			t.Fatalf("kf callback without a signature: %s", r.URL)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no kf_msg_or_event callback delivered")
	}
}
