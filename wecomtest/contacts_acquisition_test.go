package wecomtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// TestAcquisitionRawAnswers checks the errcodes the simulator answers for what the SDK refuses
// before sending, and the documented answer shapes.
func TestAcquisitionRawAnswers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{12}})
	tok := corpToken(t, srv)
	u := func(path string) string { return srv.URL() + path + "?access_token=" + tok }
	const acq = "/cgi-bin/externalcontact/customer_acquisition/"

	a := call(t, "POST", u(acq+"create_link"), `{"link_name":"获客链接1号","range":{"user_list":["li.na"],"department_list":[12]}}`)
	link, _ := a["link"].(map[string]any)
	id, _ := link["link_id"].(string)
	if code(a) != 0 || !strings.HasPrefix(id, "ca") || link["url"] == "" || link["create_time"] == nil {
		t.Fatalf("create_link: %v", a)
	}
	a = call(t, "POST", u(acq+"get"), `{"link_id":"`+id+`"}`)
	got := fmt.Sprint(a["link"], a["range"], a["priority_option"])
	if want := "map[create_time:" + fmt.Sprint(link["create_time"]) + " link_name:获客链接1号 mark_source:true skip_verify:true url:" + fmt.Sprint(link["url"]) +
		"] map[department_list:[12] user_list:[li.na]] <nil>"; got != want {
		t.Errorf("get:\n got %s\nwant %s", got, want)
	}
	long := strings.Repeat("名", 31)
	many := `"` + strings.Repeat(`u","`, 500) + `u"`
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", acq + "create_link", `{"range":{"user_list":["li.na"]}}`, client.CodeInvalidParameter},
		{"POST", acq + "create_link", `{"link_name":"","range":{"user_list":["li.na"]}}`, client.CodeInvalidParameter},
		{"POST", acq + "create_link", `{"link_name":"` + long + `","range":{"user_list":["li.na"]}}`, client.CodeInvalidParameter},
		{"POST", acq + "create_link", `{"link_name":"x"}`, client.CodeInvalidParameter},
		{"POST", acq + "create_link", `{"link_name":"x","range":{}}`, client.CodeInvalidParameter},
		{"POST", acq + "create_link", `{"link_name":"x","range":{"user_list":[` + many + `]}}`, client.CodeInvalidParameter},
		{"POST", acq + "create_link", `{"link_name":"x","range":{"user_list":["ghost"]}}`, client.CodeInvalidUserID},
		{"POST", acq + "create_link", `{"link_name":"x","range":{"department_list":[77]}}`, client.CodeInvalidDepartmentID},
		{"POST", acq + "create_link", `{"link_name":"x","range":{"user_list":["li.na"]},"priority_option":{"priority_type":3}}`, client.CodeInvalidParameter},
		{"POST", acq + "create_link", `{"link_name":"x","range":{"user_list":["li.na"]},"priority_option":{"priority_type":2}}`, client.CodeInvalidParameter},
		{"POST", acq + "create_link", `{"link_name":7,"range":{"user_list":["li.na"]}}`, client.CodeInvalidParameter}, // wrong JSON type
		{"GET", acq + "create_link", ``, client.CodeInvalidParameter},                                                 // wrong method
		{"POST", acq + "update_link", `{"link_name":"x"}`, client.CodeInvalidParameter},
		{"POST", acq + "update_link", `{"link_id":"` + id + `","range":{"user_list":[]}}`, client.CodeInvalidParameter},
		{"POST", acq + "delete_link", `{"link_id":"cawcde0000ffffffff"}`, client.CodeInvalidParameter},
		{"POST", acq + "list_link", `{"limit":101}`, client.CodeInvalidParameter},
		{"POST", acq + "list_link", `{"limit":10,"cursor":"forged"}`, client.CodeInvalidCursor},
		{"POST", acq + "customer", `{"limit":10}`, client.CodeInvalidParameter},
		{"POST", acq + "customer", `{"link_id":"` + id + `","limit":1001}`, client.CodeInvalidParameter},
		{"POST", acq + "customer", `{"link_id":"` + id + `","cursor":"forged"}`, client.CodeInvalidCursor},
		{"POST", acq + "statistic", `{"start_time":1,"end_time":2}`, client.CodeInvalidParameter},
		{"POST", acq + "get_chat_info", `{}`, client.CodeInvalidParameter},
		{"POST", acq + "get_chat_info", `{"chat_key":"CHATKEY"}`, 41201},
	} {
		if got := code(call(t, tc.method, u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %s %s: errcode %d, want %d", tc.method, tc.path, tc.body, got, tc.want)
		}
	}
	now := time.Now().Unix()
	for _, tc := range []struct {
		name       string
		start, end int64
		want       int
	}{
		{"today", now, now, 0},
		{"30 days apart", now - 30*86400, now, 0},
		{"31 days apart", now - 31*86400, now, client.CodeInvalidParameter},
		{"end first", now, now - 86400, client.CodeInvalidParameter},
		{"181 days ago", now - 181*86400, now - 175*86400, client.CodeInvalidParameter},
		{"no end", now, 0, client.CodeInvalidParameter},
	} {
		body := fmt.Sprintf(`{"link_id":%q,"start_time":%d,"end_time":%d}`, id, tc.start, tc.end)
		if a := call(t, "POST", u(acq+"statistic"), body); code(a) != tc.want || (tc.want == 0 && a["new_customer_cnt"] != 0.0) {
			t.Errorf("statistic %s: %v, want errcode %d", tc.name, a, tc.want)
		}
	}
	a = call(t, "GET", u("/cgi-bin/externalcontact/customer_acquisition_quota"), "")
	list, _ := a["quota_list"].([]any)
	if code(a) != 0 || a["total"] != 1000.0 || a["balance"] != 1000.0 || len(list) != 1 {
		t.Errorf("quota: %v", a)
	}
}

func TestStatisticsRawAnswers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"})
	tok := corpToken(t, srv)
	u := func(path string) string { return srv.URL() + path + "?access_token=" + tok }
	now := time.Now().Unix()
	yesterday := now - 86400
	hundred := `"` + strings.Repeat(`u","`, 100) + `u"`
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/cgi-bin/externalcontact/get_user_behavior_data", fmt.Sprintf(`{"userid":["li.na"],"start_time":%d,"end_time":%d}`, now, now), 0},
		{"/cgi-bin/externalcontact/get_user_behavior_data", fmt.Sprintf(`{"start_time":%d,"end_time":%d}`, now, now), client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/get_user_behavior_data", fmt.Sprintf(`{"userid":[%s],"start_time":%d,"end_time":%d}`, hundred, now, now), client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/get_user_behavior_data", fmt.Sprintf(`{"partyid":[42],"start_time":%d,"end_time":%d}`, now, now), client.CodeInvalidDepartmentID},
		{"/cgi-bin/externalcontact/get_user_behavior_data", fmt.Sprintf(`{"userid":["li.na"],"start_time":%d}`, now), client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/get_user_behavior_data", fmt.Sprintf(`{"userid":["li.na"],"start_time":%d,"end_time":%d}`, now-40*86400, now), client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/statistic", fmt.Sprintf(`{"day_begin_time":%d}`, yesterday), 0},
		{"/cgi-bin/externalcontact/groupchat/statistic", fmt.Sprintf(`{"day_begin_time":%d}`, now), client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/statistic", fmt.Sprintf(`{"day_begin_time":%d,"limit":0}`, yesterday), client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/statistic", fmt.Sprintf(`{"day_begin_time":%d,"order_by":5}`, yesterday), client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/statistic", fmt.Sprintf(`{"day_begin_time":%d,"owner_filter":{"userid_list":[%s]}}`, yesterday, hundred), client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/statistic", `{"day_end_time":1}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/statistic_group_by_day", fmt.Sprintf(`{"day_begin_time":%d,"day_end_time":%d}`, yesterday-86400, yesterday), 0},
		{"/cgi-bin/externalcontact/groupchat/statistic_group_by_day", fmt.Sprintf(`{"day_begin_time":%d,"day_end_time":%d}`, yesterday, now), client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/groupchat/statistic_group_by_day", fmt.Sprintf(`{"day_begin_time":%d}`, now-200*86400), client.CodeInvalidParameter},
	} {
		if got := code(call(t, "POST", u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	// Without an owner filter, a visible range over 1000 members is refused.
	users := make([]wecomtest.SeedUser, 1001)
	for i := range users {
		users[i] = wecomtest.SeedUser{UserID: fmt.Sprintf("m%04d", i), Name: "m"}
	}
	srv.AddUsers(wecomtest.CorpID, users...)
	if got := code(call(t, "POST", u("/cgi-bin/externalcontact/groupchat/statistic"), fmt.Sprintf(`{"day_begin_time":%d}`, yesterday))); got != client.CodeRequestTooLarge {
		t.Errorf("no owner filter, 1002 members: %d, want 81017", got)
	}
	// A day without activity still has its entry, with zeros and no reply fields.
	a := call(t, "POST", u("/cgi-bin/externalcontact/get_user_behavior_data"), fmt.Sprintf(`{"userid":["li.na"],"start_time":%d,"end_time":%d}`, yesterday, now))
	data, _ := a["behavior_data"].([]any)
	if len(data) != 2 {
		t.Fatalf("behavior data %v", a)
	}
	first := data[0].(map[string]any)
	if _, ok := first["reply_percentage"]; ok || first["new_contact_cnt"] != 0.0 || first["stat_time"] == nil {
		t.Errorf("quiet day %v", first)
	}
}

// upload posts a multipart file of size bytes to url (upload_attachment with its query).
func upload(t *testing.T, url, filename string, size int) map[string]any {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("media", filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(bytes.Repeat([]byte{'x'}, size))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", url, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestUploadAttachmentRawAnswers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	tok := corpToken(t, srv)
	u := func(q string) string {
		return srv.URL() + "/cgi-bin/media/upload_attachment?access_token=" + tok + "&" + q
	}
	a := upload(t, u("media_type=image&attachment_type=1"), "a.png", 100)
	if code(a) != 0 || a["type"] != "image" || a["media_id"] == "" {
		t.Fatalf("upload: %v", a)
	}
	if _, ok := a["created_at"].(float64); !ok {
		t.Errorf("created_at %T, want a number as documented", a["created_at"])
	}
	if data, ok := srv.MediaData(a["media_id"].(string)); !ok || len(data) != 100 {
		t.Errorf("stored %d bytes, %v", len(data), ok)
	}
	for _, tc := range []struct {
		query, name string
		size, want  int
	}{
		{"media_type=file&attachment_type=1", "a.pdf", 100, 41072},
		{"media_type=video&attachment_type=2", "a.mp4", 100, 41072},
		{"media_type=voice&attachment_type=1", "a.amr", 100, client.CodeInvalidMediaTypeParam},
		{"media_type=image&attachment_type=3", "a.png", 100, client.CodeInvalidParameter},
		{"media_type=image&attachment_type=1", "a.gif", 100, client.CodeInvalidMediaFileType},
		{"media_type=image&attachment_type=1", "a.png", 5, client.CodeInvalidFileSize},
		{"media_type=video&attachment_type=1", "a.mp4", 10<<20 + 1, 41080},
		{"media_type=file&attachment_type=2", "a.txt", 100, 41072},
	} {
		if got := code(upload(t, u(tc.query), tc.name, tc.size)); got != tc.want {
			t.Errorf("%s %s (%d bytes): errcode %d, want %d", tc.query, tc.name, tc.size, got, tc.want)
		}
	}
}

func TestServedContactsAndOpenGIDRaw(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wm1", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", CreateTime: 1694418699}}})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrChat", Owner: "li.na", CreateTime: 1694000000,
		Members: []wecomtest.SeedGroupMember{{UserID: "wmOther", Type: 2, Name: "王开"}, {UserID: "li.na", Type: 1}}})
	tok := corpToken(t, srv)
	u := func(path string) string { return srv.URL() + path + "?access_token=" + tok }
	a := call(t, "POST", u("/cgi-bin/externalcontact/contact_list"), `{}`)
	list, _ := a["info_list"].([]any)
	if code(a) != 0 || len(list) != 2 || a["next_cursor"] != "" {
		t.Fatalf("contact_list: %v", a)
	}
	other := list[1].(map[string]any)
	if other["is_customer"] != false || other["name"] != "***开" || other["chat_id"] != "wrChat" || other["add_time"] != 1694000000.0 || other["external_userid"] != nil {
		t.Errorf("non-customer %v", other)
	}
	a = call(t, "POST", u("/cgi-bin/externalcontact/opengid_to_chatid"), `{"opengid":"`+srv.GroupChatOpenGID(wecomtest.CorpID, "wrChat")+`"}`)
	if code(a) != 0 || a["chat_id"] != "wrChat" {
		t.Errorf("opengid_to_chatid %v", a)
	}
	if srv.GroupChatOpenGID("wwother", "wrChat") == srv.GroupChatOpenGID(wecomtest.CorpID, "wrChat") {
		t.Error("opengids of two corps' groups collide")
	}
	if got := code(call(t, "POST", u("/cgi-bin/externalcontact/opengid_to_chatid"), `{}`)); got != client.CodeInvalidParameter {
		t.Errorf("no opengid: %d", got)
	}
}

// TestAcquisitionCallbacksReachReceiver delivers the link's and the chat's callbacks, signed
// and encrypted, to a webhook handler, and DeleteFollowUser's del_follow_user after them.
func TestAcquisitionCallbacksReachReceiver(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	tok := corpToken(t, srv)
	a := call(t, "POST", srv.URL()+"/cgi-bin/externalcontact/customer_acquisition/create_link?access_token="+tok,
		`{"link_name":"ads","range":{"user_list":["li.na"]}}`)
	id := a["link"].(map[string]any)["link_id"].(string)
	h := newReceiver(t, wecomtest.CorpID)
	kinds := make(chan string, 10)
	h.OnAny(func(_ context.Context, ev webhook.Event) (webhook.Reply, error) {
		kinds <- ev.EventHeader().Kind()
		return nil, nil
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	srv.SetCallbackURL(wecomtest.CorpID, ts.URL, cbConfig())
	ctx := context.Background()
	add, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, Channel: "ads"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddSingleChat(ctx, wecomtest.CorpID, wecomtest.SingleChat{UserID: "li.na", ExternalUserID: add.ExternalUserID, CustomerMessages: 3}); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteFollowUser(ctx, wecomtest.CorpID, add.ExternalUserID, "li.na", time.Time{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"event:change_external_contact:add_external_contact", "event:customer_acquisition:customer_start_chat",
		"event:customer_acquisition:message_from_customer", "event:change_external_contact:del_follow_user"}
	for i, w := range want {
		if got := <-kinds; got != w {
			t.Errorf("callback %d: %s, want %s", i, got, w)
		}
	}
	for _, d := range srv.Callbacks() {
		if !d.Acked {
			t.Errorf("delivery not acknowledged: %s", d.Plaintext)
		}
	}
	if srv.CustomerRemark(wecomtest.CorpID, "li.na", add.ExternalUserID) != nil {
		t.Error("the relation survived DeleteFollowUser")
	}
}
