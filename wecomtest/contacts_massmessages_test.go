package wecomtest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// TestMassRecordsRawAnswers checks the mass-message record endpoints at the wire: documented
// errcodes for bad input and the documented answer shapes.
func TestMassRecordsRawAnswers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 2)
	tok := corpToken(t, srv)
	u := func(p string) string { return srv.URL() + "/cgi-bin/externalcontact/" + p + "?access_token=" + tok }
	add := call(t, "POST", u("add_msg_template"), `{"sender":"li.na","text":{"content":"hi"}}`)
	msgID, _ := add["msgid"].(string)
	if code(add) != 0 || msgID == "" {
		t.Fatalf("add_msg_template: %v", add)
	}
	now := time.Now().Unix()
	const day = 24 * 3600
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"get_groupmsg_list_v2", fmt.Sprintf(`{"start_time":%d,"end_time":%d}`, now-32*day, now), client.CodeInvalidParameter}, // over a month
		{"get_groupmsg_list_v2", fmt.Sprintf(`{"end_time":%d}`, now), client.CodeInvalidParameter},
		{"get_groupmsg_list_v2", fmt.Sprintf(`{"start_time":%d,"end_time":%d}`, now, now-1), client.CodeInvalidParameter},
		{"get_groupmsg_list_v2", fmt.Sprintf(`{"chat_type":"all","start_time":%d,"end_time":%d}`, now-day, now), client.CodeInvalidParameter},
		{"get_groupmsg_list_v2", fmt.Sprintf(`{"filter_type":3,"start_time":%d,"end_time":%d}`, now-day, now), client.CodeInvalidParameter},
		{"get_groupmsg_list_v2", fmt.Sprintf(`{"start_time":%d,"end_time":%d,"cursor":"forged"}`, now-day, now), client.CodeInvalidCursor},
		{"get_groupmsg_task", `{}`, 41046},
		{"get_groupmsg_task", `{"msgid":"msgNoSuch"}`, 41047},
		{"get_groupmsg_send_result", fmt.Sprintf(`{"msgid":%q}`, msgID), client.CodeMissingUserID},
		{"remind_groupmsg_send", `{"msgid":"msgNoSuch"}`, 41047},
		{"cancel_groupmsg_send", `{}`, 41046},
		{"add_msg_template", `{"chat_type":"all","sender":"li.na","text":{"content":"hi"}}`, client.CodeInvalidParameter},
		{"add_msg_template", `{"sender":"nobody","text":{"content":"hi"}}`, client.CodeNoCustomersToSend},
	} {
		if got := code(call(t, "POST", u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	list := call(t, "POST", u("get_groupmsg_list_v2"), fmt.Sprintf(`{"start_time":%d,"end_time":%d}`, now-31*day+60, now+60))
	recs, _ := list["group_msg_list"].([]any)
	if code(list) != 0 || len(recs) != 1 {
		t.Fatalf("list: %v", list)
	}
	rec := recs[0].(map[string]any)
	if _, isString := rec["create_time"].(string); !isString || rec["msgid"] != msgID || rec["create_type"] != 0.0 || rec["creator"] != nil {
		t.Errorf("record %v: want create_time as a string and no creator for an API task", rec)
	}
	res := call(t, "POST", u("get_groupmsg_send_result"), fmt.Sprintf(`{"msgid":%q,"userid":"li.na"}`, msgID))
	sends, _ := res["send_list"].([]any)
	if len(sends) != 2 {
		t.Fatalf("send result %v", res)
	}
	if r := sends[0].(map[string]any); r["status"] != 0.0 || r["send_time"] != nil || r["external_userid"] != "wmSim000001" || r["chat_id"] != nil {
		t.Errorf("unsent result %v", r)
	}
	if err := srv.ConfirmMassMessage(wecomtest.CorpID, msgID, "LI.NA"); err != nil { // userids are case-insensitive
		t.Fatal(err)
	}
	tasks := call(t, "POST", u("get_groupmsg_task"), fmt.Sprintf(`{"msgid":%q}`, msgID))
	if task := tasks["task_list"].([]any)[0].(map[string]any); task["status"] != 2.0 || task["send_time"] == nil {
		t.Errorf("task after sending %v", task)
	}
	for i := range 4 {
		want := 0
		if i == 3 {
			want = 41094 // three reminders in 24 hours
		}
		if got := code(call(t, "POST", u("remind_groupmsg_send"), fmt.Sprintf(`{"msgid":%q}`, msgID))); got != want {
			t.Errorf("reminder %d: errcode %d, want %d", i+1, got, want)
		}
	}
	if got := code(call(t, "POST", u("cancel_groupmsg_send"), fmt.Sprintf(`{"msgid":%q}`, msgID))); got != 0 {
		t.Errorf("cancel: %d", got)
	}
	if got := code(call(t, "POST", u("remind_groupmsg_send"), fmt.Sprintf(`{"msgid":%q}`, msgID))); got != 41093 {
		t.Errorf("remind a cancelled task: %d, want 41093", got)
	}
}

// TestMassMessageTargets: recipients resolve as documented — a tag filter ORs tags in a group
// and ANDs the groups, external_userid overrides it, and a sender alone means all of the
// sender's customers.
func TestMassMessageTargets(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddExternalContacts(wecomtest.CorpID,
		wecomtest.SeedExternalContact{ExternalUserID: "wmGoldNorth", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", TagIDs: []string{"etGold", "etNorth"}}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmSilverNorth", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", TagIDs: []string{"etSilver", "etNorth"}}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmGoldSouth", FollowUsers: []wecomtest.SeedFollow{{UserID: "zhao.lei", TagIDs: []string{"etGold", "etSouth"}}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmPlain", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}},
	)
	tok := corpToken(t, srv)
	u := func(p string) string { return srv.URL() + "/cgi-bin/externalcontact/" + p + "?access_token=" + tok }
	recipients := func(body string) map[string][]string {
		t.Helper()
		a := call(t, "POST", u("add_msg_template"), body)
		if code(a) != 0 {
			t.Fatalf("%s: %v", body, a)
		}
		out := map[string][]string{}
		tasks := call(t, "POST", u("get_groupmsg_task"), fmt.Sprintf(`{"msgid":%q}`, a["msgid"]))
		for _, task := range tasks["task_list"].([]any) {
			user := task.(map[string]any)["userid"].(string)
			res := call(t, "POST", u("get_groupmsg_send_result"), fmt.Sprintf(`{"msgid":%q,"userid":%q}`, a["msgid"], user))
			for _, r := range res["send_list"].([]any) {
				out[user] = append(out[user], r.(map[string]any)["external_userid"].(string))
			}
		}
		return out
	}
	got := recipients(`{"tag_filter":{"group_list":[{"tag_list":["etGold","etSilver"]},{"tag_list":["etNorth"]}]},"text":{"content":"hi"}}`)
	if fmt.Sprint(got) != "map[li.na:[wmGoldNorth wmSilverNorth]]" {
		t.Errorf("(gold or silver) and north: %v", got)
	}
	got = recipients(`{"tag_filter":{"group_list":[{"tag_list":["etGold"]}]},"text":{"content":"hi"}}`)
	if fmt.Sprint(got) != "map[li.na:[wmGoldNorth] zhao.lei:[wmGoldSouth]]" {
		t.Errorf("gold: %v", got)
	}
	got = recipients(`{"external_userid":["wmPlain"],"tag_filter":{"group_list":[{"tag_list":["etGold"]}]},"text":{"content":"hi"}}`)
	if fmt.Sprint(got) != "map[li.na:[wmPlain]]" {
		t.Errorf("external_userid with a tag filter: %v", got)
	}
	got = recipients(`{"sender":"li.na","text":{"content":"hi"}}`)
	if fmt.Sprint(got) != "map[li.na:[wmGoldNorth wmPlain wmSilverNorth]]" {
		t.Errorf("sender alone: %v", got)
	}
}

// TestMassMessageHelpers covers the test-side helpers' refusals.
func TestMassMessageHelpers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	if err := srv.ConfirmMassMessage(wecomtest.CorpID, "msgNoSuch", "li.na"); err == nil {
		t.Error("confirmed an unknown task")
	}
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 1)
	id := srv.AddMemberMassMessage(wecomtest.CorpID, wecomtest.SeedMassMessage{Creator: "li.na", Text: "hi", ExternalUserIDs: []string{"wmSim000001", "wmStranger"}})
	if err := srv.ConfirmMassMessage(wecomtest.CorpID, id, "li.na"); err == nil {
		t.Error("a member's own message was sent twice")
	}
	if err := srv.ConfirmMassMessage(wecomtest.CorpID, id, "zhao.lei"); err == nil {
		t.Error("a member without a part sent it")
	}
	tok := corpToken(t, srv)
	res := call(t, "POST", srv.URL()+"/cgi-bin/externalcontact/get_groupmsg_send_result?access_token="+tok, fmt.Sprintf(`{"msgid":%q,"userid":"li.na"}`, id))
	var statuses []float64
	for _, r := range res["send_list"].([]any) {
		statuses = append(statuses, r.(map[string]any)["status"].(float64))
	}
	if fmt.Sprint(statuses) != "[1 2]" {
		t.Errorf("statuses %v: want sent, then not a customer (2)", statuses)
	}
}
