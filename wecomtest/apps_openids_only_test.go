package wecomtest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A corp token issued through a third-party suite sends and receives only open IDs: userids as
// open_userids, customers as the provider's external_userids, in query parameters, bodies and
// answers at any depth; an open ID it does not own is unknown; the corp's internal app keeps
// the plain IDs.
func TestThirdPartyTokenSeesOnlyOpenIDs(t *testing.T) {
	t.Parallel()
	l := newLicSim(t) // the trial runs: no licence check
	srv := l.srv
	srv.AddUsers(licSimCorp, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"}, wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊"})
	srv.AddExternalContacts(licSimCorp, wecomtest.SeedExternalContact{ExternalUserID: "wmOnly01", Name: "Customer",
		FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", AddWay: 1, CreateTime: 1700000000}}})
	srv.AddGroupChat(licSimCorp, wecomtest.SeedGroupChat{ChatID: "wrOnly", Name: "Li's", Owner: "li.na", CreateTime: 1700000000,
		Members: []wecomtest.SeedGroupMember{{UserID: "li.na", Type: 1, JoinScene: 1, Invitor: "zhao.lei"}, {UserID: "wmOnly01", Type: 2, JoinScene: 3}}})
	li, zhao := l.open("li.na"), l.open("zhao.lei")
	customer := srv.OpenExternalUserID(licSimSuite, licSimCorp, "wmOnly01")

	u, c := l.corpCall(t, http.MethodGet, "/cgi-bin/user/get", url.Values{"userid": {li}}, nil)
	if c != 0 || u["userid"] != li || u["name"] != "李娜" {
		t.Errorf("user/get by open_userid: %d %v", c, u)
	}
	// Another provider's open_userid of the same member is unknown here.
	other := srv.OpenUserID("wwotherprovider", licSimCorp, "li.na")
	if _, c := l.corpCall(t, http.MethodGet, "/cgi-bin/user/get", url.Values{"userid": {other}}, nil); c != client.CodeUserIDNotFound {
		t.Errorf("user/get by a foreign open_userid: errcode %d, want %d", c, client.CodeUserIDNotFound)
	}

	x, c := l.corpCall(t, http.MethodGet, "/cgi-bin/externalcontact/get", url.Values{"external_userid": {customer}}, nil)
	follows, _ := x["follow_user"].([]any)
	if c != 0 || x["external_contact"].(map[string]any)["external_userid"] != customer || len(follows) != 1 || follows[0].(map[string]any)["userid"] != li {
		t.Errorf("externalcontact/get: %d %v", c, x)
	}
	g, c := l.corpCall(t, http.MethodPost, "/cgi-bin/externalcontact/groupchat/get", nil, map[string]any{"chat_id": "wrOnly"})
	chat, _ := g["group_chat"].(map[string]any)
	members, _ := chat["member_list"].([]any)
	if c != 0 || chat["owner"] != li || len(members) != 2 {
		t.Fatalf("groupchat/get: %d %v", c, g)
	}
	for _, m := range members {
		m := m.(map[string]any)
		want := li
		if m["type"] == 2.0 {
			want = customer // a customer member's userid is an external_userid
		} else if inv := m["invitor"].(map[string]any); inv["userid"] != zhao {
			t.Errorf("invitor %v, want %s", inv, zhao)
		}
		if m["userid"] != want {
			t.Errorf("member %v, want userid %s", m, want)
		}
	}

	out, c := l.corpCall(t, http.MethodPost, "/cgi-bin/message/send", nil, map[string]any{"touser": li + "|" + zhao + "|woGhost", "msgtype": "text",
		"agentid": licSimAgent, "text": map[string]string{"content": "hi"}})
	if c != 0 || !strings.EqualFold(out["invaliduser"].(string), "woGhost") || len(srv.Received("li.na")) != 1 || len(srv.Received("zhao.lei")) != 1 {
		t.Errorf("message/send to open_userids: %d %v", c, out)
	}

	// An internal app sees the plain IDs.
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"})
	var plain map[string]any
	if err := srv.NewClient(t).Do(t.Context(), http.MethodGet, "/cgi-bin/user/get", url.Values{"userid": {"li.na"}}, nil, &plain); err != nil {
		t.Fatal(err)
	}
	if plain["userid"] != "li.na" {
		t.Errorf("the default corp's app sees %v", plain)
	}
}
