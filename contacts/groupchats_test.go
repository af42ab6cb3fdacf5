package contacts

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func seedChats(t *testing.T, srv *wecomtest.Server, _ *Service) {
	t.Helper()
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", Name: "Grace & Acme", Owner: "li.na",
		Notice: "Orders ship Fridays", CreateTime: 1695000000, Members: []wecomtest.SeedGroupMember{
			{UserID: "li.na", Type: 1, JoinScene: 1, Name: "李娜"},
			{UserID: "wmAbc123", Type: 2, UnionID: "o7xYZunion001", JoinScene: 1, Invitor: "li.na", Name: "Grace"}}})
	for i := range 5 {
		srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: fmt.Sprintf("wrZhao%02d", i), Owner: "zhao.lei", Status: i % 2})
	}
}

func TestGroupChatsMatrix(t *testing.T) {
	t.Parallel()
	runMatrix(t, []endpoint{
		{name: "groupchat/list", path: "/cgi-bin/externalcontact/groupchat/list", retried: true, prepare: seedChats, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListGroupChatsPage(ctx, GroupChatListParams{OwnerUserIDs: []string{"li.na"}})
			if err == nil && (len(pg.Chats) != 1 || pg.NextCursor != "") {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "groupchat/get", path: "/cgi-bin/externalcontact/groupchat/get", retried: true, prepare: seedChats, call: func(ctx context.Context, s *Service) error {
			g, err := s.GetGroupChat(ctx, "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", true)
			if err == nil && (g.Owner != "li.na" || len(g.Members) != 2 || g.Members[1].Invitor.UserID != "li.na" || g.Members[1].Name != "Grace") {
				return fmt.Errorf("chat %+v", g)
			}
			return err
		}},
	})
}

func TestGroupChatPagingAndErrors(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedChats(t, srv, s)
	ctx := context.Background()
	var ids []string
	for c, err := range s.ListGroupChats(ctx, GroupChatListParams{OwnerUserIDs: []string{"zhao.lei"}, Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ChatID)
	}
	if len(ids) != 5 || srv.Served("/cgi-bin/externalcontact/groupchat/list") != 3 {
		t.Errorf("walked %v in %d pages", ids, srv.Served("/cgi-bin/externalcontact/groupchat/list"))
	}
	left := 0
	for c, err := range s.ListGroupChats(ctx, GroupChatListParams{StatusFilter: GroupChatOwnerLeft}) {
		if err != nil || c.Status != GroupChatOwnerLeft {
			t.Fatalf("%+v, %v", c, err)
		}
		left++
	}
	if left != 2 {
		t.Errorf("status filter: %d chats, want 2", left)
	}
	g, err := s.GetGroupChat(ctx, "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", false)
	if err != nil || g.Members[0].Name != "" {
		t.Errorf("names without need_name: %+v, %v", g, err)
	}
	if _, err := s.GetGroupChat(ctx, "wrNope", false); wecomtest.ErrCode(err) != 86003 {
		t.Errorf("unknown chat: %v, want 86003", err)
	}
	if _, err := s.ListGroupChatsPage(ctx, GroupChatListParams{Limit: 1001}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("limit 1001: %v", err)
	}
	if _, err := s.ListGroupChatsPage(ctx, GroupChatListParams{OwnerUserIDs: make([]string, 101)}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("101 owners: %v", err)
	}
}

func TestGroupChatEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/externalcontact/groupchat/list", `{"errcode":0,"group_chat_list":[],"next_cursor":""}`)
	if _, err := s.ListGroupChatsPage(context.Background(), GroupChatListParams{OwnerUserIDs: []string{"li.na"}}); err != nil {
		t.Fatal(err)
	}
	if raw := (*got)[0].raw; raw != `{"owner_filter":{"userid_list":["li.na"]},"limit":100}` {
		t.Errorf("body %s", raw)
	}
	get := captureJSON(mt, "POST", "/cgi-bin/externalcontact/groupchat/get", `{"errcode":0,"group_chat":{"chat_id":"wr1"}}`)
	if _, err := s.GetGroupChat(context.Background(), "wr1", true); err != nil {
		t.Fatal(err)
	}
	if raw := (*get)[0].raw; raw != `{"chat_id":"wr1","need_name":1}` {
		t.Errorf("need_name must be the int 1: %s", raw)
	}
}

func TestGroupChatIteratorSplitsOwners(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	owners := make([]string, 150)
	for i := range owners {
		owners[i] = fmt.Sprintf("owner%03d", i)
		srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: fmt.Sprintf("wr%03d", i), Owner: owners[i]})
	}
	n := 0
	for _, err := range s.ListGroupChats(context.Background(), GroupChatListParams{OwnerUserIDs: owners, Limit: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 150 || srv.Served("/cgi-bin/externalcontact/groupchat/list") != 2 {
		t.Errorf("%d chats in %d calls, want 150 in 2", n, srv.Served("/cgi-bin/externalcontact/groupchat/list"))
	}
}
