package wecomtest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// handoverServer has li.na (two customers, one group) and wang.wei as members, and chen.jie,
// who left, with one customer; u builds a URL with a corp token.
func handoverServer(t *testing.T) (*wecomtest.Server, func(path string) string) {
	t.Helper()
	srv := wecomtest.Start(t)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na"}, wecomtest.SeedUser{UserID: "wang.wei"}, wecomtest.SeedUser{UserID: "chen.jie"})
	srv.AddExternalContacts(wecomtest.CorpID,
		wecomtest.SeedExternalContact{ExternalUserID: "wm1", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wm2", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wm3", FollowUsers: []wecomtest.SeedFollow{{UserID: "chen.jie"}}})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrA", Owner: "li.na"})
	srv.ResignUser(wecomtest.CorpID, "chen.jie")
	tok := corpToken(t, srv)
	return srv, func(path string) string { return srv.URL() + path + "?access_token=" + tok }
}

func TestTransferRawAnswers(t *testing.T) {
	t.Parallel()
	srv, u := handoverServer(t)
	many := `"` + strings.Repeat(`wm1","`, 100) + `wm1"`
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/cgi-bin/externalcontact/transfer_customer", `{"takeover_userid":"wang.wei","external_userid":["wm1"]}`, client.CodeMissingUserID},
		{"/cgi-bin/externalcontact/transfer_customer", `{"handover_userid":"li.na","takeover_userid":"wang.wei"}`, client.CodeMissingExternalUserID},
		{"/cgi-bin/externalcontact/transfer_customer", `{"handover_userid":"li.na","takeover_userid":"wang.wei","external_userid":[` + many + `]}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/transfer_customer", `{"handover_userid":"li.na","takeover_userid":"LI.NA","external_userid":["wm1"]}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/transfer_customer", `{"handover_userid":"li.na","takeover_userid":"wang.wei","external_userid":["wm1"],"transfer_success_msg":"` + strings.Repeat("好", 201) + `"}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/transfer_customer", `{"handover_userid":"li.na","takeover_userid":"ghost","external_userid":["wm1"]}`, client.CodeInvalidUserID},
		{"/cgi-bin/externalcontact/transfer_customer", `{"handover_userid":"chen.jie","takeover_userid":"wang.wei","external_userid":["wm3"]}`, client.CodeInvalidUserID},
		{"/cgi-bin/externalcontact/transfer_customer", `{"handover_userid":"li.na","takeover_userid":"wang.wei","external_userid":"wm1"}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/resigned/transfer_customer", `{"handover_userid":"li.na","takeover_userid":"wang.wei","external_userid":["wm1"]}`, client.CodeMemberNotResigned},
		{"/cgi-bin/externalcontact/transfer_result", `{"handover_userid":"li.na"}`, client.CodeMissingUserID},
		{"/cgi-bin/externalcontact/transfer_result", `{"handover_userid":"li.na","takeover_userid":"wang.wei","cursor":"forged"}`, client.CodeInvalidCursor},
		{"/cgi-bin/externalcontact/get_unassigned_list", `{"page_size":0}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/get_unassigned_list", `{"page_size":1001}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/transfer", `{"chat_id_list":[],"new_owner":"wang.wei"}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/transfer", `{"chat_id_list":["wrA"]}`, client.CodeMissingUserID},
		{"/cgi-bin/externalcontact/groupchat/onjob_transfer", `{"chat_id_list":["wrA"],"new_owner":"chen.jie"}`, client.CodeInvalidUserID},
	} {
		if got := code(call(t, "POST", u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	// The documented answer shapes.
	a := call(t, "POST", u("/cgi-bin/externalcontact/transfer_customer"), `{"handover_userid":"li.na","takeover_userid":"wang.wei","external_userid":["wm1","wm1"]}`)
	cs := a["customer"].([]any)
	if code(a) != 0 || len(cs) != 2 || code(cs[0].(map[string]any)) != 0 || code(cs[1].(map[string]any)) != 40129 {
		t.Errorf("a customer listed twice: %v (the second is already under way: 40129)", a)
	}
	a = call(t, "POST", u("/cgi-bin/externalcontact/transfer_result"), `{"handover_userid":"LI.NA","takeover_userid":"wang.wei"}`)
	if r := a["customer"].([]any); len(r) != 1 || r[0].(map[string]any)["status"] != 2.0 || a["next_cursor"] != "" {
		t.Errorf("transfer_result %v", a)
	}
	a = call(t, "POST", u("/cgi-bin/externalcontact/get_unassigned_list"), `{}`)
	if info := a["info"].([]any); len(info) != 1 || a["is_last"] != true || a["next_cursor"] != "" ||
		info[0].(map[string]any)["handover_userid"] != "chen.jie" || info[0].(map[string]any)["dimission_time"].(float64) < float64(time.Now().Unix()-60) {
		t.Errorf("get_unassigned_list %v", a)
	}
	a = call(t, "POST", u("/cgi-bin/externalcontact/groupchat/onjob_transfer"), `{"chat_id_list":["wrA","wrB"],"new_owner":"wang.wei"}`)
	if f := a["failed_chat_list"].([]any); code(a) != 0 || len(f) != 1 || f[0].(map[string]any)["chat_id"] != "wrB" || code(f[0].(map[string]any)) != 90501 || f[0].(map[string]any)["errmsg"] == "" {
		t.Errorf("onjob_transfer %v", a)
	}
	if o := srv.GroupChatOwner(wecomtest.CorpID, "wrA"); o != "wang.wei" {
		t.Errorf("owner %q", o)
	}
}

// TestTransferClockAndCallbacks: a handover completes when the corp's clock passes its 24
// hours, and failures reach the callback URL as signed transfer_fail events.
func TestTransferClockAndCallbacks(t *testing.T) {
	t.Parallel()
	srv, u := handoverServer(t)
	cfg := wecomtest.CallbackConfig{Token: "tok", EncodingAESKey: strings.Repeat("a", 43)}
	crypto, err := webhook.NewCrypto(cfg.Token, cfg.EncodingAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var received []webhook.Event
	events := func() []webhook.Event {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(received)
	}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		body, _ := io.ReadAll(r.Body)
		plain, err := crypto.Decrypt(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ev, _ := webhook.Parse(plain)
		mu.Lock()
		received = append(received, ev) // deliveries from AdvanceTransferClock and RefuseTransfer are synchronous
		mu.Unlock()
	}))
	defer recv.Close()
	srv.SetCallbackURL(wecomtest.CorpID, recv.URL, cfg)
	a := call(t, "POST", u("/cgi-bin/externalcontact/transfer_customer"), `{"handover_userid":"li.na","takeover_userid":"wang.wei","external_userid":["wm1","wm2"]}`)
	if code(a) != 0 {
		t.Fatal(a)
	}
	if !srv.RefuseTransfer(wecomtest.CorpID, "wm2") {
		t.Fatal("nothing to refuse")
	}
	srv.AdvanceTransferClock(wecomtest.CorpID, 23*time.Hour)
	if n := len(events()); n != 1 {
		t.Fatalf("%d callbacks after 23 h, want only the refusal", n)
	}
	srv.AdvanceTransferClock(wecomtest.CorpID, time.Hour)
	got := events()
	if len(got) != 2 {
		t.Fatalf("%d callbacks, want 2", len(got))
	}
	if f, ok := got[0].(*webhook.ExternalTransferFailed); !ok || f.FailReason != "customer_refused" || f.UserID != "wang.wei" || f.ExternalUserID != "wm2" || f.FromUserName != "sys" {
		t.Errorf("first callback %#v", got[0])
	}
	if a, ok := got[1].(*webhook.ExternalContactAdded); !ok || a.UserID != "wang.wei" || a.ExternalUserID != "wm1" {
		t.Errorf("second callback %#v", got[1])
	}
	res := call(t, "POST", u("/cgi-bin/externalcontact/transfer_result"), `{"handover_userid":"li.na","takeover_userid":"wang.wei"}`)
	st := map[string]float64{}
	for _, c := range res["customer"].([]any) {
		st[c.(map[string]any)["external_userid"].(string)] = c.(map[string]any)["status"].(float64)
	}
	if st["wm1"] != 1 || st["wm2"] != 3 {
		t.Errorf("statuses %v, want wm1 1 and wm2 3", st)
	}
	list := call(t, "GET", u("/cgi-bin/externalcontact/list")+"&userid=wang.wei", "")
	if ids := list["external_userid"].([]any); len(ids) != 1 || ids[0] != "wm1" {
		t.Errorf("wang.wei's customers %v", list)
	}
}

// TestTransferStateZeroValue: a corp first touched by a handover call, and one seeded without
// members (everyone counts as a member, nobody has left), work without setup.
func TestTransferStateZeroValue(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wm1", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}})
	tok := corpToken(t, srv)
	u := func(p string) string { return srv.URL() + p + "?access_token=" + tok }
	if a := call(t, "POST", u("/cgi-bin/externalcontact/get_unassigned_list"), `{"cursor":""}`); code(a) != 0 || len(a["info"].([]any)) != 0 {
		t.Errorf("unassigned in a corp without members: %v", a)
	}
	a := call(t, "POST", u("/cgi-bin/externalcontact/transfer_customer"), `{"handover_userid":"li.na","takeover_userid":"anyone","external_userid":["wm1"]}`)
	if code(a) != 0 || code(a["customer"].([]any)[0].(map[string]any)) != 0 {
		t.Errorf("handover in a corp without members: %v", a)
	}
	srv.AdvanceTransferClock("wwother", time.Hour) // another corp's clock: nothing happens here
	if a := call(t, "POST", u("/cgi-bin/externalcontact/transfer_result"), `{"handover_userid":"li.na","takeover_userid":"anyone"}`); a["customer"].([]any)[0].(map[string]any)["status"] != 2.0 {
		t.Errorf("status %v", a)
	}
}

func TestJoinWayRawAnswers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	for i := range 6 {
		srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: fmt.Sprintf("wr%d", i), Owner: "li.na"})
	}
	tok := corpToken(t, srv)
	u := func(p string) string { return srv.URL() + p + "?access_token=" + tok }
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/cgi-bin/externalcontact/groupchat/add_join_way", `{"chat_id_list":["wr1"]}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/add_join_way", `{"scene":3,"chat_id_list":["wr1"]}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/add_join_way", `{"scene":2}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/add_join_way", `{"scene":2,"chat_id_list":["wr0","wr1","wr2","wr3","wr4","wr5"]}`, 41091},
		{"/cgi-bin/externalcontact/groupchat/add_join_way", `{"scene":2,"chat_id_list":["wrX"]}`, client.CodeChatNotFound},
		{"/cgi-bin/externalcontact/groupchat/add_join_way", `{"scene":2,"chat_id_list":["wr1"],"state":"` + strings.Repeat("s", 31) + `"}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/add_join_way", `{"scene":2,"chat_id_list":["wr1"],"room_base_name":"` + strings.Repeat("群", 41) + `"}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/add_join_way", `{"scene":"2","chat_id_list":["wr1"]}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/get_join_way", `{}`, client.CodeMissingConfigID},
		{"/cgi-bin/externalcontact/groupchat/get_join_way", `{"config_id":"nope"}`, client.CodeInvalidConfigID},
		{"/cgi-bin/externalcontact/groupchat/del_join_way", `{"config_id":"nope"}`, client.CodeInvalidConfigID},
	} {
		if got := code(call(t, "POST", u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	// auto_create_room is a flag WeCom takes as 0/1; the answer has the documented shape.
	a := call(t, "POST", u("/cgi-bin/externalcontact/groupchat/add_join_way"), `{"scene":2,"chat_id_list":["wr1"],"auto_create_room":"0","remark":"`+strings.Repeat("r", 40)+`"}`)
	id, _ := a["config_id"].(string)
	if code(a) != 0 || len(id) != 32 {
		t.Fatalf("add %v", a)
	}
	w := call(t, "POST", u("/cgi-bin/externalcontact/groupchat/get_join_way"), `{"config_id":"`+id+`"}`)["join_way"].(map[string]any)
	if w["auto_create_room"] != 0.0 || w["mark_source"] != true || w["scene"] != 2.0 || len(w["remark"].(string)) != 30 || !strings.HasPrefix(w["qr_code"].(string), "https://") {
		t.Errorf("join_way %v", w)
	}
	if j := srv.JoinWay(wecomtest.CorpID, id); j["config_id"] != id {
		t.Errorf("JoinWay %v", j)
	}
}

func TestGroupWelcomeTemplateRawAnswers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	tok := corpToken(t, srv)
	u := func(p string) string { return srv.URL() + p + "?access_token=" + tok }
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/cgi-bin/externalcontact/group_welcome_template/add", `{}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/group_welcome_template/add", `{"text":{"content":""}}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/group_welcome_template/add", `{"text":{"content":"` + strings.Repeat("a", 3001) + `"}}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/group_welcome_template/add", `{"image":{}}`, client.CodeMissingMediaID},
		{"/cgi-bin/externalcontact/group_welcome_template/add", `{"link":{"url":"https://e.com"}}`, client.CodeMissingTitle},
		{"/cgi-bin/externalcontact/group_welcome_template/add", `{"link":{"title":"t"}}`, 41010},
		{"/cgi-bin/externalcontact/group_welcome_template/add", `{"miniprogram":{"title":"t","appid":"wx"}}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/group_welcome_template/add", `{"video":{"media_id":""}}`, client.CodeMissingMediaID},
		{"/cgi-bin/externalcontact/group_welcome_template/add", `{"text":"hello"}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/group_welcome_template/get", `{"template_id":"nope"}`, 40037},
		{"/cgi-bin/externalcontact/group_welcome_template/get", `{}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/group_welcome_template/del", `{"template_id":"nope"}`, 40037},
	} {
		if got := code(call(t, "POST", u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	// agentid as a string and notify as "0" are taken, as WeCom is lenient with numbers.
	a := call(t, "POST", u("/cgi-bin/externalcontact/group_welcome_template/add"), `{"file":{"media_id":"F1"},"video":{"media_id":"V1"},"agentid":"1000014","notify":"0"}`)
	id, _ := a["template_id"].(string)
	if code(a) != 0 || id == "" {
		t.Fatalf("add %v", a)
	}
	if st := srv.GroupWelcomeTemplate(wecomtest.CorpID, id); st["notify"] != 0 || st["file"] == nil || st["video"] != nil {
		t.Errorf("stored %v: want the file only (it comes before video) and notify 0", st)
	}
	g := call(t, "POST", u("/cgi-bin/externalcontact/group_welcome_template/get"), `{"template_id":"`+id+`"}`)
	if code(g) != 0 || g["file"].(map[string]any)["media_id"] != "F1" || g["text"] != nil {
		t.Errorf("get %v", g)
	}
}
