package wecomtest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// strategySim is a server with members li.na and zhao.lei in department 12 and a corp token.
func strategySim(t *testing.T) (*wecomtest.Server, func(path string) string) {
	t.Helper()
	srv := wecomtest.Start(t)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{12}},
		wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊", Department: []int{12}})
	tok := corpToken(t, srv)
	return srv, func(path string) string { return srv.URL() + path + "?access_token=" + tok }
}

func TestStrategyRawAnswers(t *testing.T) {
	t.Parallel()
	srv, u := strategySim(t)
	const cs = "/cgi-bin/externalcontact/customer_strategy/"
	a := call(t, "POST", u(cs+"create"), `{"strategy_name":"East","admin_list":["LI.NA"],"privilege":{"share_customer":false,"view_customer_list":false},`+
		`"range":[{"type":1,"userid":"zhao.lei"},{"type":2,"partyid":"12"}]}`)
	if code(a) != 0 || a["strategy_id"] != float64(1) {
		t.Fatalf("create: %v", a)
	}
	g := call(t, "POST", u(cs+"get"), `{"strategy_id":"1"}`)["strategy"].(map[string]any)
	priv := g["privilege"].(map[string]any)
	switch {
	case g["strategy_name"] != "East" || g["parent_id"] != float64(0) || g["create_time"].(float64) == 0:
		t.Errorf("get: %v", g)
	case fmt.Sprint(g["admin_list"]) != "[li.na]":
		t.Errorf("admins stored as the member's userid: %v", g["admin_list"])
	case len(priv) != 21 || priv["share_customer"] != false || priv["view_customer_list"] != true || priv["manage_customer_tag"] != true:
		t.Errorf("privilege: unsent default on, base stays on, sent off applied: %v", priv)
	}
	// The list and the range leave next_cursor out on their last page.
	l := call(t, "POST", u(cs+"list"), `{}`)
	if _, ok := l["next_cursor"]; ok || len(l["strategy"].([]any)) != 1 {
		t.Errorf("list: %v", l)
	}
	r := call(t, "POST", u(cs+"get_range"), `{"strategy_id":1,"limit":1}`)
	next, _ := r["next_cursor"].(string)
	if len(r["range"].([]any)) != 1 || next == "" {
		t.Fatalf("range page 1: %v", r)
	}
	r = call(t, "POST", u(cs+"get_range"), fmt.Sprintf(`{"strategy_id":1,"limit":1,"cursor":%q}`, next))
	if _, ok := r["next_cursor"]; ok || fmt.Sprint(r["range"]) != "[map[partyid:12 type:2]]" {
		t.Errorf("range page 2: %v", r)
	}
	hundred := make([]string, 101)
	for i := range hundred {
		hundred[i] = `{"type":1,"userid":"li.na"}`
	}
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{cs + "create", `{"admin_list":["li.na"]}`, client.CodeInvalidParameter},
		{cs + "create", `{"strategy_name":"x","admin_list":[]}`, client.CodeInvalidParameter},
		{cs + "create", `{"strategy_name":"x","admin_list":["ghost"]}`, client.CodeInvalidUserID},
		{cs + "create", `{"strategy_name":"x","admin_list":["li.na"],"range":[{"type":3}]}`, client.CodeInvalidParameter},
		{cs + "create", `{"strategy_name":"x","admin_list":["li.na"],"range":[{"type":2,"partyid":99}]}`, client.CodeInvalidDepartmentID},
		{cs + "create", `{"strategy_name":"x","admin_list":["li.na"],"range":[` + strings.Join(hundred, ",") + `]}`, client.CodeInvalidParameter},
		{cs + "create", `{"strategy_name":"x","admin_list":["li.na"],"parent_id":42}`, client.CodeInvalidParameter},
		{cs + "create", `{"strategy_name":"x","admin_list":"li.na"}`, client.CodeInvalidParameter},
		{cs + "get", `{"strategy_id":2}`, client.CodeInvalidParameter},
		{cs + "get", `{}`, client.CodeInvalidParameter},
		{cs + "get", ``, client.CodeEmptyParameter},
		{cs + "list", `{"limit":1001}`, client.CodeInvalidParameter},
		{cs + "list", `{"cursor":"forged"}`, client.CodeInvalidCursor},
		{cs + "edit", `{"strategy_id":1,"range_add":[` + strings.Join(hundred, ",") + `]}`, client.CodeInvalidParameter},
		{cs + "del", `{"strategy_id":9}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/moment_strategy/get", `{"strategy_id":1}`, client.CodeInvalidParameter}, // the kinds do not share ids
	} {
		if got := code(call(t, "POST", u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %.80s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	// A moment rule group takes more than 100 nodes a call; its privileges are its own.
	const ms = "/cgi-bin/externalcontact/moment_strategy/"
	if a := call(t, "POST", u(ms+"create"), `{"strategy_name":"M","admin_list":["li.na"],"privilege":{"send_moment":false},"range":[`+strings.Join(hundred, ",")+`]}`); code(a) != 0 {
		t.Fatalf("moment create: %v", a)
	}
	mp := call(t, "POST", u(ms+"get"), `{"strategy_id":1}`)["strategy"].(map[string]any)["privilege"]
	if fmt.Sprint(mp) != "map[manage_moment_cover_and_sign:true send_moment:false view_moment_list:true]" {
		t.Errorf("moment privilege %v", mp)
	}
	if ids := srv.MomentStrategies(wecomtest.CorpID); len(ids) != 1 {
		t.Errorf("moment groups %v", ids)
	}
}

func TestStrategyEditAndChildren(t *testing.T) {
	t.Parallel()
	srv, u := strategySim(t)
	const ms = "/cgi-bin/externalcontact/moment_strategy/"
	must := func(path, body string) map[string]any {
		t.Helper()
		a := call(t, "POST", u(path), body)
		if code(a) != 0 {
			t.Fatalf("%s %s: %v", path, body, a)
		}
		return a
	}
	must(ms+"create", `{"strategy_name":"Top","admin_list":["li.na"],"range":[{"type":2,"partyid":12}]}`)
	must(ms+"create", `{"parent_id":1,"strategy_name":"Child","admin_list":["zhao.lei"],"privilege":{"send_moment":false},"range":[{"type":1,"userid":"zhao.lei"}]}`)
	// The child inherits: its own privilege was ignored, and an edit of the parent's shows.
	must(ms+"edit", `{"strategy_id":1,"privilege":{"view_moment_list":false}}`)
	must(ms+"edit", `{"strategy_id":2,"privilege":{"manage_moment_cover_and_sign":false}}`)
	p := must(ms+"get", `{"strategy_id":2}`)["strategy"].(map[string]any)["privilege"]
	if fmt.Sprint(p) != "map[manage_moment_cover_and_sign:true send_moment:true view_moment_list:false]" {
		t.Errorf("child privilege %v: want the parent's", p)
	}
	// Edit: an empty admin list leaves the admins; a name and a range change.
	must(ms+"edit", `{"strategy_id":1,"strategy_name":"Top 2","admin_list":[],"range_add":[{"type":1,"userid":"li.na"}],"range_del":[{"type":2,"partyid":12}]}`)
	g := must(ms+"get", `{"strategy_id":1}`)["strategy"].(map[string]any)
	if g["strategy_name"] != "Top 2" || fmt.Sprint(g["admin_list"]) != "[li.na]" {
		t.Errorf("after edit %v", g)
	}
	if r := must(ms+"get_range", `{"strategy_id":1}`)["range"]; fmt.Sprint(r) != "[map[type:1 userid:li.na]]" {
		t.Errorf("range after edit %v", r)
	}
	if got := code(call(t, "POST", u(ms+"edit"), `{"strategy_id":2,"range_add":[{"type":2,"partyid":12}]}`)); got != client.CodeInvalidParameter {
		t.Errorf("child range beyond the parent's: %d, want 40058", got)
	}
	// Deleting the parent deletes the child.
	must(ms+"del", `{"strategy_id":1}`)
	if ids := srv.MomentStrategies(wecomtest.CorpID); len(ids) != 0 {
		t.Errorf("left %v", ids)
	}
}

// TestStrategiesPerCorpAndApp: another corp starts empty, another app of the corp sees none.
func TestStrategiesPerCorpAndApp(t *testing.T) {
	t.Parallel()
	srv, u := strategySim(t)
	if a := call(t, "POST", u("/cgi-bin/externalcontact/customer_strategy/create"), `{"strategy_name":"A","admin_list":["li.na"]}`); code(a) != 0 {
		t.Fatal(a)
	}
	srv.AddApp(wecomtest.App{CorpID: "wwother", Secret: "other-secret", AgentID: 1000002})
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "second-app", AgentID: 1000009})
	for _, cred := range [][2]string{{"wwother", "other-secret"}, {wecomtest.CorpID, "second-app"}} {
		tok := call(t, "GET", srv.URL()+"/cgi-bin/gettoken?corpid="+cred[0]+"&corpsecret="+cred[1], "")["access_token"].(string)
		l := call(t, "POST", srv.URL()+"/cgi-bin/externalcontact/customer_strategy/list?access_token="+tok, `{}`)
		if code(l) != 0 || len(l["strategy"].([]any)) != 0 {
			t.Errorf("%s/%s list: %v", cred[0], cred[1], l)
		}
	}
	if len(srv.CustomerStrategies("wwother")) != 0 || len(srv.CustomerStrategies(wecomtest.CorpID)) != 1 {
		t.Error("rule groups leaked between corps")
	}
}

func TestStrategyTagRawAnswers(t *testing.T) {
	t.Parallel()
	_, u := strategySim(t)
	if a := call(t, "POST", u("/cgi-bin/externalcontact/customer_strategy/create"), `{"strategy_name":"A","admin_list":["li.na"]}`); code(a) != 0 {
		t.Fatal(a)
	}
	a := call(t, "POST", u("/cgi-bin/externalcontact/add_strategy_tag"), `{"strategy_id":1,"group_name":"G","order":"4","tag":[{"name":"T1","order":1},{"name":"T2"}]}`)
	g, _ := a["tag_group"].(map[string]any)
	if code(a) != 0 || g["group_name"] != "G" || g["order"] != float64(4) || len(g["tag"].([]any)) != 2 {
		t.Fatalf("add: %v", a)
	}
	if _, ok := g["strategy_id"]; ok {
		t.Errorf("the add answer has no strategy_id: %v", g)
	}
	l := call(t, "POST", u("/cgi-bin/externalcontact/get_strategy_tag_list"), `{}`)
	lg := l["tag_group"].([]any)[0].(map[string]any)
	if lg["strategy_id"] != float64(1) || lg["group_id"] != g["group_id"] {
		t.Errorf("list: %v", l)
	}
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"/cgi-bin/externalcontact/add_strategy_tag", `{"group_name":"G","tag":[{"name":"x"}]}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/add_strategy_tag", `{"strategy_id":1,"group_name":"G","tag":[]}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/add_strategy_tag", `{"strategy_id":1,"group_name":"G","tag":[{"name":"T1"}]}`, client.CodeTagNameExists},
		{"/cgi-bin/externalcontact/add_strategy_tag", `{"strategy_id":1,"group_id":"etNope","tag":[{"name":"x"}]}`, client.CodeInvalidTagID},
		{"/cgi-bin/externalcontact/add_strategy_tag", `{"strategy_id":1,"group_name":"H","order":4294967296,"tag":[{"name":"x"}]}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/add_strategy_tag", `{"strategy_id":1,"group_name":"H","tag":[{"name":"` + strings.Repeat("签", 31) + `"}]}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/edit_strategy_tag", `{"name":"x"}`, client.CodeMissingTagID},
		{"/cgi-bin/externalcontact/edit_strategy_tag", `{"id":"etNope","name":"x"}`, client.CodeInvalidTagID},
		{"/cgi-bin/externalcontact/del_strategy_tag", `{}`, client.CodeInvalidParameter},
		{"/cgi-bin/externalcontact/del_strategy_tag", `{"group_id":["etNope"]}`, client.CodeInvalidTagID},
		{"/cgi-bin/externalcontact/get_strategy_tag_list", `{"strategy_id":5}`, client.CodeInvalidParameter},
	} {
		if got := code(call(t, "POST", u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
}
