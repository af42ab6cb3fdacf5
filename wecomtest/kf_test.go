package wecomtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// kfAPI calls the simulator's kf endpoints with raw JSON, as any client would.
type kfAPI struct {
	t     *testing.T
	srv   *wecomtest.Server
	token string
}

func newKfAPI(t *testing.T, opts ...wecomtest.Option) *kfAPI {
	t.Helper()
	srv := wecomtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	k := &kfAPI{t: t, srv: srv}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	k.do(http.MethodGet, "/cgi-bin/gettoken?"+url.Values{"corpid": {wecomtest.CorpID}, "corpsecret": {wecomtest.Secret}}.Encode(), "", &tok)
	k.token = tok.AccessToken
	return k
}

// do sends one request and decodes the answer into out (when non-nil); it returns errcode.
func (k *kfAPI) do(method, path, body string, out any) int {
	k.t.Helper()
	u := k.srv.URL() + path
	if k.token != "" {
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		u += sep + "access_token=" + k.token
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		k.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		k.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		k.t.Fatal(err)
	}
	var env struct {
		ErrCode int `json:"errcode"`
	}
	if err := json.Unmarshal(buf.Bytes(), &env); err != nil {
		k.t.Fatalf("%s: not JSON: %s", path, buf.String())
	}
	if out != nil {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			k.t.Fatal(err)
		}
	}
	return env.ErrCode
}

func (k *kfAPI) post(path string, body any, out any) int {
	k.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		k.t.Fatal(err)
	}
	return k.do(http.MethodPost, "/cgi-bin/kf/"+path, string(b), out)
}

func (k *kfAPI) want(code int, path string, body any) {
	k.t.Helper()
	if got := k.post(path, body, nil); got != code {
		k.t.Fatalf("%s %v: errcode %d, want %d", path, body, got, code)
	}
}

func kfText(kf, to, msgid, text string) map[string]any {
	m := map[string]any{"open_kfid": kf, "touser": to, "msgtype": "text", "text": map[string]any{"content": text}}
	if msgid != "" {
		m["msgid"] = msgid
	}
	return m
}

func TestKfStateMachine(t *testing.T) {
	t.Parallel()
	k := newKfAPI(t)
	kf := k.srv.AddKfAccount("Desk", "zhangsan", "lisi")
	c := map[string]any{"open_kfid": kf, "external_userid": "wmA"}
	trans := func(state int, servicer string) map[string]any {
		m := map[string]any{"open_kfid": kf, "external_userid": "wmA", "service_state": state}
		if servicer != "" {
			m["servicer_userid"] = servicer
		}
		return m
	}
	state := func() (int, string) {
		var out struct {
			State    int    `json:"service_state"`
			Servicer string `json:"servicer_userid"`
		}
		if code := k.post("service_state/get", c, &out); code != 0 {
			t.Fatalf("get: %d", code)
		}
		return out.State, out.Servicer
	}
	if s, _ := state(); s != 4 {
		t.Fatalf("new customer in state %d, want 4", s)
	}
	k.want(client.CodeTransitionNotAllowed, "service_state/trans", trans(1, "")) // not started: nothing allowed
	if _, err := k.srv.CustomerSays(kf, "wmA", "hi"); err != nil {
		t.Fatal(err)
	}
	if s, _ := state(); s != 0 {
		t.Fatalf("after a message: %d", s)
	}
	k.want(client.CodeTransitionNotAllowed, "service_state/trans", trans(4, "")) // 0→4 refused by default
	k.want(client.CodeTransitionNotAllowed, "service_state/trans", trans(0, ""))
	k.want(client.CodeInvalidParameter, "service_state/trans", trans(9, ""))
	k.want(client.CodeInvalidParameter, "service_state/trans", trans(3, ""))
	k.want(client.CodeNotServicer, "service_state/trans", trans(3, "wangwu"))
	if err := k.srv.SetKfServicerStatus(kf, "lisi", 1, 0); err != nil {
		t.Fatal(err)
	}
	k.want(client.CodeServicerNotReceiving, "service_state/trans", trans(3, "lisi"))

	var code struct {
		MsgCode string `json:"msg_code"`
	}
	for _, step := range []struct {
		to       int
		servicer string
		code     bool
	}{{1, "", false}, {2, "", true}, {2, "", false}, {3, "zhangsan", true}, {3, "zhangsan", false}, {4, "", true}} {
		code.MsgCode = ""
		if got := k.post("service_state/trans", trans(step.to, step.servicer), &code); got != 0 {
			t.Fatalf("→%d: errcode %d", step.to, got)
		}
		if (code.MsgCode != "") != step.code {
			t.Errorf("→%d: msg_code %q", step.to, code.MsgCode)
		}
		if s, sv := state(); s != step.to || sv != step.servicer {
			t.Fatalf("→%d: state %d %q", step.to, s, sv)
		}
	}
	k.want(client.CodeTransitionNotAllowed, "service_state/trans", trans(3, "zhangsan")) // ended
	k.want(client.CodeTransitionNotAllowed, "service_state/trans", trans(2, ""))
	k.want(client.CodeAccountNotFound, "service_state/get", map[string]any{"open_kfid": "wkNONE", "external_userid": "x"})
	k.want(client.CodeInvalidOpenKfID, "service_state/get", map[string]any{"open_kfid": "", "external_userid": "x"})
	if code := k.do(http.MethodPost, "/cgi-bin/kf/service_state/get", "", nil); code != client.CodeEmptyParameter {
		t.Fatalf("empty body: %d", code)
	}
}

func TestKfSendRules(t *testing.T) {
	t.Parallel()
	k := newKfAPI(t)
	kf := k.srv.AddKfAccount("Desk", "zhangsan")
	k.want(client.CodeNoConsultation, "send_msg", kfText(kf, "wmS", "", "cold"))
	if _, err := k.srv.CustomerSays(kf, "wmS", "hi"); err != nil {
		t.Fatal(err)
	}
	var out struct {
		MsgID string `json:"msgid"`
	}
	if k.post("send_msg", kfText(kf, "wmS", "", "one"), &out) != 0 || out.MsgID == "" {
		t.Fatalf("generated msgid %q", out.MsgID)
	}
	if sess, _ := k.srv.KfSessionOf(kf, "wmS"); sess.State != 1 || sess.Sent != 1 {
		t.Fatalf("after the first reply: %+v", sess)
	}
	k.want(0, "send_msg", kfText(kf, "wmS", "own-id-1", "two"))
	k.want(client.CodeDuplicateMsgID, "send_msg", kfText(kf, "wmS", "own-id-1", "two again"))
	k.want(client.CodeInvalidParameter, "send_msg", kfText(kf, "wmS", "bad id!", "x"))
	k.want(client.CodeInvalidParameter, "send_msg", kfText(kf, "wmS", "", strings.Repeat("x", 2049)))
	k.want(client.CodeInvalidMsgType, "send_msg", map[string]any{"open_kfid": kf, "touser": "wmS", "msgtype": "business_card", "business_card": map[string]any{"userid": "a"}})
	items := make([]map[string]any, 11)
	for i := range items {
		items[i] = map[string]any{"type": "click", "click": map[string]any{"content": "c"}}
	}
	k.want(client.CodeTooManyMenuItems, "send_msg", map[string]any{"open_kfid": kf, "touser": "wmS", "msgtype": "msgmenu", "msgmenu": map[string]any{"list": items}})
	k.want(client.CodeInvalidMenuItemType, "send_msg", map[string]any{"open_kfid": kf, "touser": "wmS", "msgtype": "msgmenu", "msgmenu": map[string]any{"list": []any{map[string]any{"type": "button"}}}})
	for i := range 3 {
		k.want(0, "send_msg", kfText(kf, "wmS", "", fmt.Sprint(i)))
	}
	k.want(client.CodeSendQuotaExceeded, "send_msg", kfText(kf, "wmS", "", "sixth"))
	if got := k.srv.KfReceived(kf, "wmS"); len(got) != 5 || got[1].MsgID != "own-id-1" || got[1].Text != "two" {
		t.Fatalf("received %+v", got)
	}
	if _, err := k.srv.CustomerSays(kf, "wmS", "again"); err != nil {
		t.Fatal(err)
	}
	k.want(0, "send_msg", kfText(kf, "wmS", "", "quota restored"))
	k.want(0, "service_state/trans", map[string]any{"open_kfid": kf, "external_userid": "wmS", "service_state": 2})
	k.want(client.CodeSessionStateNoSend, "send_msg", kfText(kf, "wmS", "", "queued"))
	k.srv.AdvanceKfClock(48*time.Hour + time.Second)
	k.want(client.CodeSendWindowExceeded, "send_msg", kfText(kf, "wmS", "", "late"))
	k.want(client.CodeAccountNotFound, "send_msg", kfText("wkNONE", "wmS", "", "x"))
}

func TestKfSendOnEvent(t *testing.T) {
	t.Parallel()
	k := newKfAPI(t)
	kf := k.srv.AddKfAccount("Desk", "zhangsan")
	welcome := func(ext string) string {
		if err := k.srv.CustomerEnters(kf, ext, "scene1"); err != nil {
			t.Fatal(err)
		}
		var out struct {
			MsgList []struct {
				Event struct {
					WelcomeCode string `json:"welcome_code"`
					Ext         string `json:"external_userid"`
				} `json:"event"`
			} `json:"msg_list"`
		}
		k.post("sync_msg", map[string]any{"open_kfid": kf, "token": k.srv.KfSyncToken(kf)}, &out)
		for i := len(out.MsgList) - 1; i >= 0; i-- {
			if e := out.MsgList[i].Event; e.Ext == ext {
				return e.WelcomeCode
			}
		}
		return ""
	}
	on := func(code, msgid string) map[string]any {
		m := map[string]any{"code": code, "msgtype": "text", "text": map[string]any{"content": "Welcome"}}
		if msgid != "" {
			m["msgid"] = msgid
		}
		return m
	}
	w := welcome("wmW1")
	if w == "" {
		t.Fatal("no welcome code")
	}
	k.want(0, "send_msg_on_event", on(w, "w-1"))
	k.want(client.CodeDuplicateMsgID, "send_msg_on_event", on(w, "w-1")) // a retry with the same msgid
	k.want(client.CodeOAuthCodeUsed, "send_msg_on_event", on(w, "w-2"))
	if got := k.srv.KfReceived(kf, "wmW1"); len(got) != 1 || got[0].Via != "send_msg_on_event" {
		t.Fatalf("received %+v", got)
	}
	if w := welcome("wmW1"); w != "" {
		t.Fatal("a second welcome code within 48 hours")
	}
	w = welcome("wmW2")
	k.srv.AdvanceKfClock(21 * time.Second)
	k.want(client.CodeOAuthCodeExpired, "send_msg_on_event", on(w, ""))
	k.want(client.CodeOAuthCodeExpired, "send_msg_on_event", on("MSGCODE_nope", ""))
	w = welcome("wmW3")
	k.want(client.CodeInvalidMsgType, "send_msg_on_event", map[string]any{"code": w, "msgtype": "image", "image": map[string]any{"media_id": "m"}})
	items := make([]map[string]any, 11)
	for i := range items {
		items[i] = map[string]any{"type": "text", "text": map[string]any{"content": "t"}}
	}
	k.want(client.CodeTooManyMenuItems, "send_msg_on_event", map[string]any{"code": w, "msgtype": "msgmenu", "msgmenu": map[string]any{"list": items}})
}

func TestKfSyncCursorsAndTokens(t *testing.T) {
	t.Parallel()
	k := newKfAPI(t, wecomtest.WithKfSyncPageSize(4), wecomtest.WithKfNoTokenLimit(1))
	kf := k.srv.AddKfAccount("Desk")
	other := k.srv.AddKfAccount("Other")
	notified := make(chan string, 20)
	k.srv.OnCallback(wecomtest.CorpID, func(_ context.Context, pt []byte) error {
		if ev, err := webhook.Parse(pt); err == nil {
			if n, ok := ev.(*webhook.KfMsgOrEvent); ok {
				notified <- n.OpenKfID + " " + n.Token
			}
		}
		return nil
	})
	for i := range 10 {
		if _, err := k.srv.CustomerSays(kf, "wmC", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	tok := k.srv.KfSyncToken(kf)
	select {
	case n := <-notified:
		if !strings.HasPrefix(n, kf+" ENC") {
			t.Fatalf("notice %q", n)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no notice")
	}
	type page struct {
		Next    string `json:"next_cursor"`
		HasMore int    `json:"has_more"`
		List    []struct {
			MsgID    string `json:"msgid"`
			OpenKfID string `json:"open_kfid"`
			Origin   int    `json:"origin"`
			Text     struct {
				Content string `json:"content"`
			} `json:"text"`
		} `json:"msg_list"`
	}
	var texts []string
	cursor := ""
	for {
		var p page
		body := map[string]any{"open_kfid": kf, "token": tok, "limit": 1000}
		if cursor != "" {
			body["cursor"] = cursor
		}
		if code := k.post("sync_msg", body, &p); code != 0 {
			t.Fatalf("sync: %d", code)
		}
		for _, m := range p.List {
			texts = append(texts, m.Text.Content)
			if m.OpenKfID != kf || m.Origin != 3 {
				t.Fatalf("element %+v", m)
			}
		}
		cursor = p.Next
		if p.HasMore == 0 {
			break
		}
	}
	if fmt.Sprint(texts) != "[0 1 2 3 4 5 6 7 8 9]" {
		t.Fatalf("texts %v", texts)
	}
	var p page
	k.post("sync_msg", map[string]any{"open_kfid": kf, "token": tok, "cursor": cursor}, &p)
	if len(p.List) != 0 || p.HasMore != 0 || p.Next != cursor {
		t.Fatalf("caught up: %+v", p)
	}
	k.want(client.CodeInvalidParameter, "sync_msg", map[string]any{"open_kfid": kf, "token": tok, "cursor": "CURbogus"})
	k.want(client.CodeInvalidParameter, "sync_msg", map[string]any{"open_kfid": other, "cursor": cursor}) // another account's cursor
	k.want(client.CodeInvalidSyncToken, "sync_msg", map[string]any{"open_kfid": other, "token": tok})     // another account's token
	k.want(client.CodeInvalidParameter, "sync_msg", map[string]any{"token": tok})
	k.want(0, "sync_msg", map[string]any{"open_kfid": kf})
	k.want(client.CodeFrequencyLimit, "sync_msg", map[string]any{"open_kfid": kf}) // no-token limit: 1 per minute and account
	k.srv.AdvanceKfClock(11 * time.Minute)
	k.want(client.CodeInvalidSyncToken, "sync_msg", map[string]any{"open_kfid": kf, "token": tok})
	k.want(0, "sync_msg", map[string]any{"open_kfid": kf}) // the minute has passed
	// After 3 days the history is gone.
	k.srv.AdvanceKfClock(72 * time.Hour)
	if _, err := k.srv.CustomerSays(kf, "wmC", "new"); err != nil {
		t.Fatal(err)
	}
	p = page{}
	k.post("sync_msg", map[string]any{"open_kfid": kf, "token": k.srv.KfSyncToken(kf)}, &p)
	if len(p.List) != 1 || p.List[0].Text.Content != "new" {
		t.Fatalf("after 3 days: %+v", p.List)
	}
}

func TestKfAccountsServicersCustomers(t *testing.T) {
	t.Parallel()
	k := newKfAPI(t)
	var add struct {
		OpenKfID string `json:"open_kfid"`
	}
	if k.post("account/add", map[string]any{"name": "Pre-sales", "media_id": "m"}, &add) != 0 || add.OpenKfID == "" {
		t.Fatal("add")
	}
	k.want(client.CodeInvalidAccountName, "account/add", map[string]any{"name": strings.Repeat("名", 17), "media_id": "m"})
	k.want(client.CodeInvalidMediaID, "account/add", map[string]any{"name": "x"})
	k.want(0, "account/update", map[string]any{"open_kfid": add.OpenKfID, "name": "After-sales"})
	var list struct {
		Accounts []struct {
			Name string `json:"name"`
		} `json:"account_list"`
	}
	k.post("account/list", map[string]any{"offset": 0, "limit": 100}, &list)
	if len(list.Accounts) != 1 || list.Accounts[0].Name != "After-sales" {
		t.Fatalf("list %+v", list)
	}
	k.want(client.CodeInvalidParameter, "account/list", map[string]any{"limit": 101})
	k.want(0, "servicer/add", map[string]any{"open_kfid": add.OpenKfID, "userid_list": []string{"a", "b"}})
	k.want(client.CodeInvalidParameter, "servicer/add", map[string]any{"open_kfid": add.OpenKfID})
	k.want(client.CodeInvalidParameter, "servicer/add", map[string]any{"open_kfid": add.OpenKfID, "department_id_list": make([]int, 21)})
	var sl struct {
		List []map[string]any `json:"servicer_list"`
	}
	if k.do(http.MethodGet, "/cgi-bin/kf/servicer/list?open_kfid="+add.OpenKfID, "", &sl) != 0 || len(sl.List) != 2 {
		t.Fatalf("servicers %+v", sl)
	}
	if err := k.srv.CustomerEnters(add.OpenKfID, "wmZ", "s"); err != nil {
		t.Fatal(err)
	}
	var cust struct {
		List    []map[string]any `json:"customer_list"`
		Invalid []string         `json:"invalid_external_userid"`
	}
	k.post("customer/batchget", map[string]any{"external_userid_list": []string{"wmZ", "wmNobody"}}, &cust)
	if len(cust.List) != 1 || len(cust.Invalid) != 1 {
		t.Fatalf("batchget %+v", cust)
	}
	k.want(client.CodeInvalidParameter, "customer/batchget", map[string]any{"external_userid_list": make([]string, 101)})
	k.want(0, "account/del", map[string]any{"open_kfid": add.OpenKfID})
	k.want(client.CodeAccountNotFound, "account/del", map[string]any{"open_kfid": add.OpenKfID})
	if err := k.srv.CustomerEnters(add.OpenKfID, "wmZ", ""); err == nil {
		t.Fatal("helper accepted a deleted account")
	}
	if _, err := k.srv.CustomerSays("wkNONE", "wmZ", "x"); err == nil {
		t.Fatal("helper accepted an unknown account")
	}
	if err := k.srv.SetKfServicerStatus("wkNONE", "a", 1, 0); err == nil {
		t.Fatal("helper accepted an unknown account")
	}
}

// TestKfCallbackDelivery: a customer message makes the simulator post a kf_msg_or_event
// callback that a webhook.Handler verifies and decrypts.
func TestKfCallbackDelivery(t *testing.T) {
	t.Parallel()
	k := newKfAPI(t)
	kf := k.srv.AddKfAccount("Desk")
	const token, aesKey = "kfTok", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	cr, err := webhook.NewCrypto(token, aesKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *webhook.KfMsgOrEvent, 1)
	h := webhook.NewHandler(cr)
	webhook.On(h, func(_ context.Context, ev *webhook.KfMsgOrEvent) (webhook.Reply, error) {
		got <- ev
		return nil, nil
	})
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	k.srv.SetCallbackURL(wecomtest.CorpID, hs.URL, wecomtest.CallbackConfig{Token: token, EncodingAESKey: aesKey})
	if _, err := k.srv.CustomerSays(kf, "wmCb", "hello"); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-got:
		if ev.OpenKfID != kf || ev.Token != k.srv.KfSyncToken(kf) || ev.ToUserName != wecomtest.CorpID {
			t.Fatalf("callback %+v", ev)
		}
		k.want(0, "sync_msg", map[string]any{"open_kfid": kf, "token": ev.Token})
	case <-time.After(5 * time.Second):
		t.Fatal("no callback")
	}
}
