package wecomtest_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// orgChart seeds a corp with department 2 (Production), its sub-department 3 (Sewing), and
// members in each plus one outside, and returns a token and a URL builder.
func orgChart(t *testing.T) (*wecomtest.Server, func(path string) string) {
	t.Helper()
	srv := wecomtest.NewServer()
	t.Cleanup(srv.Close)
	tok := corpToken(t, srv)
	u := func(path string) string { return srv.URL() + path + "?access_token=" + tok }
	for _, body := range []string{`{"name":"Production","parentid":1,"id":2}`, `{"name":"Sewing","parentid":2,"id":3}`} {
		if a := call(t, "POST", u("/cgi-bin/department/create"), body); code(a) != 0 {
			t.Fatalf("department/create %s: %v", body, a)
		}
	}
	srv.AddUsers(wecomtest.CorpID,
		wecomtest.SeedUser{UserID: "Wang.Wei", Name: "王伟", Department: []int{2}},
		wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊", Department: []int{3}},
		wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{1}},
	)
	return srv, u
}

func card(task string) map[string]any {
	return map[string]any{"card_type": "button_interaction", "task_id": task, "main_title": map[string]any{"title": "Behind plan"},
		"button_list": []map[string]any{{"text": "Extra shift", "key": "extra"}}}
}

// A card sent to a department reaches its members and those of its sub-departments, who can
// click it; the update of a department's card reaches them too.
func TestSendToDepartmentReachesMembers(t *testing.T) {
	t.Parallel()
	srv, u := orgChart(t)
	c := srv.NewClient(t)
	var out struct {
		MsgID        string `json:"msgid"`
		ResponseCode string `json:"response_code"`
		InvalidParty string `json:"invalidparty"`
	}
	body := msgText(mJ{"touser": "", "toparty": "2", "msgtype": "template_card", "template_card": card("late-7")})
	if err := msgPost(c, "/cgi-bin/message/send", body, &out); err != nil {
		t.Fatal(err)
	}
	if out.InvalidParty != "" {
		t.Errorf("invalidparty %q", out.InvalidParty)
	}
	for _, m := range []string{"wang.wei", "zhao.lei"} {
		if got := srv.Received(m); len(got) != 1 || got[0].MsgID != out.MsgID {
			t.Errorf("%s received %+v, want the card", m, got)
		}
	}
	if got := srv.Received("li.na"); len(got) != 0 {
		t.Errorf("a member outside the department received %d messages", len(got))
	}
	sent := srv.SentMessages()
	if len(sent) != 1 || !slices.Equal(sent[0].DeliveredTo, []string{"Wang.Wei", "zhao.lei"}) || !slices.Equal(sent[0].Departments, []string{"2"}) {
		t.Errorf("sent %+v", sent)
	}
	ev, err := srv.ClickCard("zhao.lei", "late-7", "extra")
	if err != nil || ev.ResponseCode == "" {
		t.Fatalf("member of the sub-department clicks: %+v, %v", ev, err)
	}
	if _, err := srv.ClickCard("li.na", "late-7", "extra"); err == nil {
		t.Error("a member outside the department clicked the card")
	}
	upd := mJ{"agentid": wecomtest.AgentID, "response_code": ev.ResponseCode, "partyids": []int{3}, "button": mJ{"replace_name": "Booked"}}
	if a := call(t, "POST", u("/cgi-bin/message/update_template_card"), mustJSON(t, upd)); code(a) != 0 {
		t.Fatalf("update by department: %v", a)
	}
	if got := srv.Received("zhao.lei")[0].Updates; len(got) != 1 || got[0].ReplaceName != "Booked" {
		t.Errorf("updates of the sub-department member: %+v", got)
	}
	if got := srv.Received("wang.wei")[0].Updates; len(got) != 0 {
		t.Errorf("updates of a member outside department 3: %+v", got)
	}
}

// A message sent to a tag reaches the tag's members and the members of its departments.
func TestSendToTagReachesMembersAndDepartments(t *testing.T) {
	t.Parallel()
	srv, u := orgChart(t)
	tag := call(t, "POST", u("/cgi-bin/tag/create"), `{"tagname":"Night shift"}`)
	id := int(tag["tagid"].(float64))
	if a := call(t, "POST", u("/cgi-bin/tag/addtagusers"), mustJSON(t, mJ{"tagid": id, "userlist": []string{"li.na"}, "partylist": []int{3}})); code(a) != 0 {
		t.Fatalf("addtagusers: %v", a)
	}
	a := call(t, "POST", u("/cgi-bin/message/send"), mustJSON(t, msgText(mJ{"touser": "", "totag": strconv.Itoa(id)})))
	if code(a) != 0 || a["invalidtag"] != "" {
		t.Fatalf("send to tag: %v", a)
	}
	for m, want := range map[string]int{"li.na": 1, "zhao.lei": 1, "wang.wei": 0} {
		if got := len(srv.Received(m)); got != want {
			t.Errorf("%s received %d, want %d", m, got, want)
		}
	}
}

// "@all" reaches every member of the address book, and stays recorded under "@all".
func TestSendToAllReachesEveryMember(t *testing.T) {
	t.Parallel()
	srv, u := orgChart(t)
	srv.RejectUsers([]string{"wang.wei"}, nil)
	if a := call(t, "POST", u("/cgi-bin/message/send"), mustJSON(t, msgText(mJ{"touser": "@all", "toparty": "99"}))); code(a) != 0 || a["invalidparty"] != "" {
		t.Fatalf("send to @all: %v", a)
	}
	for m, want := range map[string]int{"@all": 1, "li.na": 1, "ZHAO.LEI": 1, "wang.wei": 0} {
		if got := len(srv.Received(m)); got != want {
			t.Errorf("%s received %d, want %d", m, got, want)
		}
	}
}

// Unknown users, departments and tags are answered in invaliduser (lower-cased),
// invalidparty and invalidtag; a send with no valid recipient answers 81013.
func TestSendAnswersUnknownRecipients(t *testing.T) {
	t.Parallel()
	srv, u := orgChart(t)
	a := call(t, "POST", u("/cgi-bin/message/send"), mustJSON(t, msgText(mJ{"touser": "li.na|Ghost|nobody", "toparty": "3|99", "totag": "7|8"})))
	if code(a) != 0 || a["invaliduser"] != "ghost|nobody" || a["invalidparty"] != "99" || a["invalidtag"] != "7|8" {
		t.Errorf("answer %v", a)
	}
	if got := len(srv.Received("li.na")) + len(srv.Received("zhao.lei")); got != 2 {
		t.Errorf("valid recipients received %d messages, want 2", got)
	}
	if got := srv.Received("ghost"); len(got) != 0 {
		t.Errorf("an unknown user received %v", got)
	}
	a = call(t, "POST", u("/cgi-bin/message/send"), mustJSON(t, msgText(mJ{"touser": "ghost", "toparty": "99", "totag": "7"})))
	if code(a) != client.CodeAllRecipientsInvalid {
		t.Errorf("nobody valid: %v, want 81013", a)
	}
	if n := len(srv.SentMessages()); n != 1 {
		t.Errorf("%d sends recorded, want 1", n)
	}
}

// linkedcorp/message/send resolves "LinkedID/DepartmentID" through the linked corp's address
// book and answers unknown entries in arrays.
func TestLinkedSendResolvesLinkedDepartments(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	t.Cleanup(srv.Close)
	srv.LinkCorp(wecomtest.CorpID, "wwsupplier", "lk1")
	srv.AddUsers("wwsupplier", wecomtest.SeedUser{UserID: "zhangsan", Name: "张三", Department: []int{5}})
	u := srv.URL() + "/cgi-bin/linkedcorp/message/send?access_token=" + corpToken(t, srv)
	a := call(t, "POST", u, mustJSON(t, mJ{"toparty": []string{"lk1/5", "lk9/1"}, "totag": []int{4}, "agentid": wecomtest.AgentID,
		"msgtype": "text", "text": mJ{"content": "PO 4711 cut"}}))
	if code(a) != 0 || len(a["invalidparty"].([]any)) != 1 || a["invalidparty"].([]any)[0] != "lk9/1" {
		t.Errorf("answer %v", a)
	}
	if got := srv.Received("wwsupplier/zhangsan"); len(got) != 1 {
		t.Errorf("the linked member received %d messages, want 1", len(got))
	}
	a = call(t, "POST", u, mustJSON(t, mJ{"toparty": []string{"lk9/1"}, "agentid": wecomtest.AgentID, "msgtype": "text", "text": mJ{"content": "x"}}))
	if code(a) != client.CodeAllRecipientsInvalid {
		t.Errorf("nobody valid: %v, want 81013", a)
	}
}

// WeCom accepts an agentid sent as a numeric string wherever a body takes one.
func TestAgentIDAsNumericString(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	t.Cleanup(srv.Close)
	q := "?access_token=" + corpToken(t, srv)
	var rc string
	for _, tc := range []struct{ path, body string }{
		{"/cgi-bin/message/send", `{"touser":"zhangsan","msgtype":"template_card","agentid":"1000002","template_card":` + mustJSON(t, card("t-1")) + `}`},
		{"/cgi-bin/message/update_template_card", `{"userids":["zhangsan"],"agentid":"1000002","response_code":"RC","button":{"replace_name":"ok"}}`},
		{"/cgi-bin/linkedcorp/message/send", `{"touser":["wwother/zhangsan"],"msgtype":"text","agentid":"1000002","text":{"content":"x"}}`},
		{"/cgi-bin/agent/set", `{"agentid":"1000002","name":"Progress"}`},
		{"/cgi-bin/agent/set_workbench_template", `{"agentid":"1000002","type":"normal","replace_user_data":true}`},
		{"/cgi-bin/agent/set_workbench_data", `{"agentid":"1000002","userid":"zhangsan","type":"normal"}`},
		{"/cgi-bin/agent/batch_set_workbench_data", `{"agentid":"1000002","userid_list":["zhangsan"],"data":{"type":"normal"}}`},
		{"/cgi-bin/agent/get_workbench_template", `{"agentid":"1000002"}`},
		{"/cgi-bin/agent/get_workbench_data", `{"agentid":"1000002","userid":"zhangsan"}`},
	} {
		body := tc.body
		if rc != "" {
			body = replaceRC(body, rc)
		}
		a := call(t, "POST", srv.URL()+tc.path+q, body)
		if code(a) != 0 {
			t.Errorf("%s with agentid \"1000002\": %v", tc.path, a)
		}
		if r, ok := a["response_code"].(string); ok {
			rc = r
		}
	}
	if a := call(t, "POST", srv.URL()+"/cgi-bin/message/send"+q, `{"touser":"x","msgtype":"text","agentid":"10x","text":{"content":"x"}}`); code(a) != client.CodeInvalidParameter {
		t.Errorf("a non-numeric agentid: %v, want 40058", a)
	}
}

func replaceRC(body, rc string) string {
	return strings.Replace(body, `"RC"`, `"`+rc+`"`, 1)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
