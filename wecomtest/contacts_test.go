package wecomtest_test

import (
	"fmt"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestContactsRawAnswers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	tok := corpToken(t, srv)
	u := func(path string) string { return srv.URL() + path + "?access_token=" + tok }

	a := call(t, "POST", u("/cgi-bin/user/create"), `{"userid":"li.na","name":"李娜","mobile":"13900001111","department":[1,31]}`)
	if code(a) != 0 || a["errmsg"] != "created" {
		t.Fatalf("create: %v", a)
	}
	if info := a["created_department_list"].(map[string]any)["department_info"].([]any); len(info) != 1 {
		t.Errorf("created departments: %v", a)
	}
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/cgi-bin/user/create", `{"userid":"LI.NA","name":"x","email":"x@example.com"}`, client.CodeUserIDExists}, // case-insensitive ids
		{"POST", "/cgi-bin/user/create", `{"userid":"a b","name":"x","mobile":"1"}`, client.CodeInvalidUserID},
		{"POST", "/cgi-bin/user/create", `{"userid":"ab","name":"x"}`, client.CodeMissingMobileAndEmail},
		{"POST", "/cgi-bin/user/create", `{"userid":"ab","name":"x","mobile":"2","department":[1],"is_leader_in_dept":[1,0]}`, client.CodeLeaderListMismatch},
		{"POST", "/cgi-bin/user/create", `not json`, client.CodeInvalidParameter},
		{"GET", "/cgi-bin/user/create", ``, client.CodeInvalidParameter}, // wrong method
		{"POST", "/cgi-bin/user/batchdelete", `{"useridlist":["li.na","ghost"]}`, client.CodeInvalidUserIDList},
		{"GET", "/cgi-bin/department/delete", ``, client.CodeDepartmentNotFound},
		{"POST", "/cgi-bin/department/create", `{"name":"a*b","parentid":1}`, client.CodeDepartmentNameIllegal},
		{"POST", "/cgi-bin/user/list_id", `{"limit":0}`, client.CodeInvalidParameter},
		{"POST", "/cgi-bin/user/list_id", `{"limit":10,"cursor":"forged"}`, client.CodeInvalidCursor},
		{"POST", "/cgi-bin/tag/addtagusers", `{"tagid":1,"userlist":["li.na"]}`, client.CodeInvalidTagID},
	} {
		if got := code(call(t, tc.method, u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %s %s: errcode %d, want %d", tc.method, tc.path, tc.body, got, tc.want)
		}
	}
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/department/delete?id=31&access_token="+tok, "")); got != client.CodeDepartmentHasMembers {
		t.Errorf("delete a department with members: %d, want 60005", got)
	}
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/user/get?userid=li.na", "")); got != client.CodeMissingAccessToken {
		t.Errorf("no token: %d, want 41001", got)
	}
}

func TestContactsCursorsAreOpaqueAndComplete(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	users := make([]wecomtest.SeedUser, 25)
	for i := range users {
		users[i] = wecomtest.SeedUser{UserID: fmt.Sprintf("u%02d", i), Name: "u"}
	}
	srv.AddUsers(wecomtest.CorpID, users...)
	tok := corpToken(t, srv)
	cursor, seen, pages := "", map[string]bool{}, 0
	for {
		a := call(t, "POST", srv.URL()+"/cgi-bin/user/list_id?access_token="+tok, fmt.Sprintf(`{"limit":10,"cursor":%q}`, cursor))
		if code(a) != 0 {
			t.Fatal(a)
		}
		pages++
		for _, du := range a["dept_user"].([]any) {
			seen[du.(map[string]any)["userid"].(string)] = true
		}
		next, _ := a["next_cursor"].(string)
		if next == "" {
			break
		}
		if next == cursor || pages > 5 {
			t.Fatalf("cursor did not advance: %q", next)
		}
		cursor = next
	}
	if len(seen) != 25 || pages != 3 {
		t.Errorf("saw %d members in %d pages, want 25 in 3", len(seen), pages)
	}
	if got := srv.UserIDs(wecomtest.CorpID); len(got) != 25 || got[0] != "u00" {
		t.Errorf("UserIDs = %v", got)
	}
}

// A downstream corp's token (corpgroup/corp/gettoken) reads that corp's address book, not the
// upstream's.
func TestDownstreamTokenReadsDownstreamAddressBook(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: "wwf1", AgentID: 1000019, BusinessType: 1})
	srv.AddUsers("wwf1", wecomtest.SeedUser{UserID: "zhangsan", Name: "张三"})
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "wang.wei", Name: "王伟"})
	up := corpToken(t, srv)
	dn := call(t, "POST", srv.URL()+"/cgi-bin/corpgroup/corp/gettoken?access_token="+up, `{"corpid":"wwf1","agentid":1000019,"business_type":1}`)["access_token"].(string)
	if a := call(t, "GET", srv.URL()+"/cgi-bin/user/get?userid=zhangsan&access_token="+dn, ""); code(a) != 0 || a["name"] != "张三" {
		t.Errorf("downstream member: %v", a)
	}
	if got := code(call(t, "GET", srv.URL()+"/cgi-bin/user/get?userid=wang.wei&access_token="+dn, "")); got != client.CodeUserIDNotFound {
		t.Errorf("upstream member through the downstream token: %d, want 60111", got)
	}
}

func TestChainSeedHelpers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddChainCorp(wecomtest.CorpID, "ch1", wecomtest.ChainCorp{PendingCorpID: "p1", Name: "Factory 1"})
	if !srv.JoinChainCorp(wecomtest.CorpID, "ch1", "p1", "wwfac1") || srv.JoinChainCorp(wecomtest.CorpID, "ch1", "p1", "wwfac2") {
		t.Error("a pending corp joins exactly once")
	}
	tok := corpToken(t, srv)
	a := call(t, "POST", srv.URL()+"/cgi-bin/corpgroup/corp/get_chain_corpinfo_list?access_token="+tok, `{"chain_id":"ch1"}`)
	corps, _ := a["group_corps"].([]any)
	if len(corps) != 1 || corps[0].(map[string]any)["corpid"] != "wwfac1" || a["has_more"] != false {
		t.Errorf("corps of the root group: %v", a)
	}
}
