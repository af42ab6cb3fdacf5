package wecomtest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// TestMomentsRawAnswers checks the customer-moment endpoints at the wire: the documented
// errcodes and errmsgs for bad input, the job's states and the answer shapes.
func TestMomentsRawAnswers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 2)
	tok := corpToken(t, srv)
	u := func(p string) string { return srv.URL() + "/cgi-bin/externalcontact/" + p + "?access_token=" + tok }
	img := `{"msgtype":"image","image":{"media_id":"m"}}`
	now := time.Now().Unix()
	const day = 24 * 3600
	for _, tc := range []struct {
		path, body string
		want       int
		msg        string
	}{
		{"add_moment_task", `{}`, 41089, ""},
		{"add_moment_task", `{"text":{"content":"` + strings.Repeat("a", 4001) + `"}}`, client.CodeInvalidParameter, "invalid text size"},
		{"add_moment_task", `{"attachments":[` + img + `,{"msgtype":"video","video":{"media_id":"v"}}]}`, client.CodeInvalidAttachmentType, "invalid attachments msgtype"},
		{"add_moment_task", `{"attachments":[` + strings.Repeat(img+",", 9) + img + `]}`, client.CodeTooManyAttachments, "invalid attachments size"},
		{"add_moment_task", `{"attachments":[{"msgtype":"link","link":{"url":"u","media_id":"c"}},{"msgtype":"link","link":{"url":"u","media_id":"c"}}]}`, client.CodeTooManyAttachments, "invalid attachments size"},
		{"add_moment_task", `{"attachments":[{"msgtype":"video","video":{}}]}`, client.CodeInvalidParameter, "invalid msg"},
		{"add_moment_task", `{"attachments":[{"msgtype":"file","file":{"media_id":"f"}}]}`, client.CodeInvalidAttachmentType, ""},
		{"add_moment_task", `{"attachments":[{"msgtype":"link","link":{"url":"u"}}]}`, client.CodeMissingMediaID, ""},
		{"get_moment_list", fmt.Sprintf(`{"start_time":%d,"end_time":%d}`, now-31*day, now), client.CodeInvalidParameter, ""}, // over 30 days
		{"get_moment_list", fmt.Sprintf(`{"start_time":%d}`, now), client.CodeInvalidParameter, ""},
		{"get_moment_list", fmt.Sprintf(`{"start_time":%d,"end_time":%d,"filter_type":5}`, now-day, now), client.CodeInvalidParameter, ""},
		{"get_moment_task", `{}`, 41059, ""},
		{"get_moment_task", `{"moment_id":"momNoSuch"}`, 41060, ""},
		{"get_moment_customer_list", `{"moment_id":"momNoSuch","userid":"li.na"}`, 41060, ""},
		{"get_moment_send_result", `{"moment_id":""}`, 41059, ""},
		{"get_moment_comments", `{"moment_id":"momNoSuch","userid":"li.na"}`, 41060, ""},
		{"cancel_moment_task", `{"moment_id":"momNoSuch"}`, 41060, ""},
	} {
		a := call(t, "POST", u(tc.path), tc.body)
		if got, _ := a["errmsg"].(string); code(a) != tc.want || !strings.HasPrefix(got, tc.msg) {
			t.Errorf("%s %.80s: %v, want errcode %d %q", tc.path, tc.body, a, tc.want, tc.msg)
		}
	}
	if got := code(call(t, "GET", u("get_moment_task_result"), "")); got != client.CodeEmptyParameter {
		t.Errorf("no jobid: %d", got)
	}
	if got := code(call(t, "GET", u("get_moment_task_result")+"&jobid=jobNoSuch", "")); got != client.CodeJobIDNotFound {
		t.Errorf("unknown jobid: %d", got)
	}

	add := call(t, "POST", u("add_moment_task"), `{"text":{"content":"hi"},"visible_range":{"sender_list":{"user_list":["li.na"],"department_list":[7]}}}`)
	job, _ := add["jobid"].(string)
	if code(add) != 0 || job == "" {
		t.Fatalf("add: %v", add)
	}
	first := call(t, "GET", u("get_moment_task_result")+"&jobid="+job, "")
	if first["status"] != 1.0 || first["type"] != "add_moment_task" || first["result"] != nil {
		t.Errorf("first poll %v: want started, no result", first)
	}
	done := call(t, "GET", u("get_moment_task_result")+"&jobid="+job, "")
	res, _ := done["result"].(map[string]any)
	momentID, _ := res["moment_id"].(string)
	if done["status"] != 3.0 || res["errcode"] != 0.0 || momentID == "" ||
		fmt.Sprint(res["invalid_sender_list"]) != "map[department_list:[7] user_list:[]]" {
		t.Fatalf("finished poll %v", done)
	}
	if again := call(t, "GET", u("get_moment_task_result")+"&jobid="+job, ""); fmt.Sprint(again) != fmt.Sprint(done) {
		t.Errorf("a finished job answered %v, then %v", done, again)
	}
	for _, p := range []string{"get_moment_customer_list", "get_moment_send_result", "get_moment_comments"} {
		if got := code(call(t, "POST", u(p), fmt.Sprintf(`{"moment_id":%q,"userid":"li.na"}`, momentID))); got != 41062 {
			t.Errorf("%s before publishing: %d, want 41062", p, got)
		}
		if got := code(call(t, "POST", u(p), fmt.Sprintf(`{"moment_id":%q}`, momentID))); got != client.CodeMissingUserID {
			t.Errorf("%s without userid: %d, want 41009", p, got)
		}
	}
	if err := srv.PublishMoment(wecomtest.CorpID, momentID, "li.na"); err != nil {
		t.Fatal(err)
	}
	list := call(t, "POST", u("get_moment_list"), fmt.Sprintf(`{"start_time":%d,"end_time":%d,"limit":50}`, now-day, now+60))
	ms, _ := list["moment_list"].([]any)
	if len(ms) != 1 {
		t.Fatalf("list %v", list)
	}
	if m := ms[0].(map[string]any); m["create_type"] != 0.0 || m["visible_type"] != 1.0 || m["creator"] != nil || fmt.Sprint(m["text"]) != "map[content:hi]" {
		t.Errorf("moment %v", m)
	}
	cl := call(t, "POST", u("get_moment_comments"), fmt.Sprintf(`{"moment_id":%q,"userid":"li.na"}`, momentID))
	if fmt.Sprint(cl["comment_list"]) != "[]" || fmt.Sprint(cl["like_list"]) != "[]" {
		t.Errorf("comments %v: want empty lists, not null", cl)
	}
	// A member's own moment: listed strictly inside (start_time, end_time), with its creator.
	own := srv.PostMemberMoment(wecomtest.CorpID, wecomtest.SeedMoment{Creator: "li.na", Text: "own", CreateTime: now - 100})
	for _, tc := range []struct {
		start, end int64
		want       int
	}{{now - 100, now + 60, 1}, {now - 101, now + 60, 2}} {
		l := call(t, "POST", u("get_moment_list"), fmt.Sprintf(`{"start_time":%d,"end_time":%d,"filter_type":2}`, tc.start, tc.end))
		if got := len(l["moment_list"].([]any)); got != tc.want {
			t.Errorf("(%d, %d): %d moments, want %d", tc.start-now, tc.end-now, got, tc.want)
		}
	}
	if got := code(call(t, "POST", u("get_moment_task"), fmt.Sprintf(`{"moment_id":%q}`, own))); got != 41067 {
		t.Errorf("tasks of a member's moment: %d, want 41067", got)
	}
}

// TestMomentSenders: the executors a visible range resolves to, as the doc's four cases say.
func TestMomentSenders(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddUsers(wecomtest.CorpID,
		wecomtest.SeedUser{UserID: "li.na", Name: "a", Department: []int{2}},
		wecomtest.SeedUser{UserID: "zhao.lei", Name: "b", Department: []int{2}},
		wecomtest.SeedUser{UserID: "wang.wei", Name: "c", Department: []int{3}},
	)
	srv.AddExternalContacts(wecomtest.CorpID,
		wecomtest.SeedExternalContact{ExternalUserID: "wmA", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmD", FollowUsers: []wecomtest.SeedFollow{{UserID: "wang.wei"}}},
	)
	tok := corpToken(t, srv)
	u := func(p string) string { return srv.URL() + "/cgi-bin/externalcontact/" + p + "?access_token=" + tok }
	tag := call(t, "POST", u("add_corp_tag"), `{"group_name":"Level","tag":[{"name":"VIP"}]}`)
	vip := tag["tag_group"].(map[string]any)["tag"].([]any)[0].(map[string]any)["id"].(string)
	if a := call(t, "POST", u("mark_tag"), fmt.Sprintf(`{"userid":"wang.wei","external_userid":"wmD","add_tag":[%q]}`, vip)); code(a) != 0 {
		t.Fatal(a)
	}
	senders := func(visibleRange string) string {
		t.Helper()
		body := `{"text":{"content":"hi"}` + visibleRange + `}`
		job := call(t, "POST", u("add_moment_task"), body)["jobid"].(string)
		call(t, "GET", u("get_moment_task_result")+"&jobid="+job, "")
		res := call(t, "GET", u("get_moment_task_result")+"&jobid="+job, "")["result"].(map[string]any)
		if res["errcode"] != 0.0 {
			return fmt.Sprintf("errcode %v", res["errcode"])
		}
		var out []string
		for _, task := range call(t, "POST", u("get_moment_task"), fmt.Sprintf(`{"moment_id":%q}`, res["moment_id"]))["task_list"].([]any) {
			out = append(out, task.(map[string]any)["userid"].(string))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct{ visibleRange, want string }{
		{``, "li.na wang.wei zhao.lei"}, // everyone in scope
		{`,"visible_range":{"sender_list":{"department_list":[2]}}`, "li.na zhao.lei"},
		{`,"visible_range":{"external_contact_list":{"tag_list":["` + vip + `"]}}`, "wang.wei"},
		{`,"visible_range":{"sender_list":{"department_list":[2]},"external_contact_list":{"tag_list":["` + vip + `"]}}`, "errcode 41048"},
		{`,"visible_range":{"sender_list":{"user_list":["ghost"]}}`, "errcode 41048"},
	} {
		if got := senders(tc.visibleRange); got != tc.want {
			t.Errorf("range %s: senders %q, want %q", tc.visibleRange, got, tc.want)
		}
	}
}

// TestMomentHelpers covers the test-side helpers' refusals.
func TestMomentHelpers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	if err := srv.PublishMoment(wecomtest.CorpID, "momNoSuch", "li.na"); err == nil {
		t.Error("published an unknown moment")
	}
	own := srv.PostMemberMoment(wecomtest.CorpID, wecomtest.SeedMoment{Creator: "li.na", Text: "hi", VisibleTo: []string{"wmA"}})
	for name, err := range map[string]error{
		"publish own":    srv.PublishMoment(wecomtest.CorpID, own, "li.na"),
		"neither id":     srv.AddMomentLike(wecomtest.CorpID, own, "li.na", wecomtest.MomentInteraction{}),
		"both ids":       srv.AddMomentLike(wecomtest.CorpID, own, "li.na", wecomtest.MomentInteraction{UserID: "a", ExternalUserID: "wmA"}),
		"not the poster": srv.AddMomentComment(wecomtest.CorpID, own, "zhao.lei", wecomtest.MomentInteraction{UserID: "a"}),
		"cannot see it":  srv.AddMomentComment(wecomtest.CorpID, own, "li.na", wecomtest.MomentInteraction{ExternalUserID: "wmB"}),
		"unknown moment": srv.AddMomentComment(wecomtest.CorpID, "momNoSuch", "li.na", wecomtest.MomentInteraction{UserID: "a"}),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := srv.AddMomentComment(wecomtest.CorpID, own, "LI.NA", wecomtest.MomentInteraction{ExternalUserID: "wmA"}); err != nil {
		t.Errorf("a customer the moment was posted to: %v", err)
	}
}
