package contacts

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestServedContactsMatrix(t *testing.T) {
	t.Parallel()
	// The opengid is the same on every simulator: read it once, before the parallel cases.
	srv0, s0 := newSim(t)
	seedChats(t, srv0, s0)
	opengid := srv0.GroupChatOpenGID(wecomtest.CorpID, "wrZhao03")
	runMatrix(t, []endpoint{
		{name: "contact_list", path: "/cgi-bin/externalcontact/contact_list", retried: true, prepare: seedCustomers, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListServedContactsPage(ctx, ServedContactsParams{})
			if err == nil && (len(pg.Contacts) != 2 || pg.Contacts[0].ExternalUserID != "wmAbc123" || !pg.Contacts[0].IsCustomer || pg.NextCursor != "") {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "opengid_to_chatid", path: "/cgi-bin/externalcontact/opengid_to_chatid", retried: true, prepare: seedChats, call: func(ctx context.Context, s *Service) error {
			id, err := s.OpenGIDToChatID(ctx, opengid)
			if err == nil && id != "wrZhao03" {
				return fmt.Errorf("chat id %q", id)
			}
			return err
		}},
	})
}

// TestServedContactsWalk lists relations then group members, with one tmp_openid per person
// within a walk and new ones in the next walk.
func TestServedContactsWalk(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedCustomers(t, srv, s)
	seedChats(t, srv, s) // wrOgQ… holds customer wmAbc123
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrStranger", Owner: "zhao.lei", CreateTime: 1695000000,
		Members: []wecomtest.SeedGroupMember{{UserID: "wmOther", Type: 2, Name: "王小开", JoinTime: 1695000100}}})
	ctx := context.Background()
	walk := func() []ServedContact {
		var out []ServedContact
		for c, err := range s.ListServedContacts(ctx, ServedContactsParams{Limit: 1}) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
		}
		return out
	}
	first := walk()
	if len(first) != 4 {
		t.Fatalf("walked %+v; want 2 relations and 2 group members", first)
	}
	rel, inGroup, stranger := first[0], first[2], first[3]
	if rel.FollowUserID != "li.na" || first[1].FollowUserID != "zhao.lei" || rel.TmpOpenID != first[1].TmpOpenID {
		t.Errorf("relations %+v: one person, one tmp_openid", first[:2])
	}
	if !inGroup.IsCustomer || inGroup.ExternalUserID != "wmAbc123" || inGroup.ChatID != "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA" || inGroup.TmpOpenID != rel.TmpOpenID || inGroup.FollowUserID != "li.na" {
		t.Errorf("customer in a group %+v", inGroup)
	}
	if stranger.IsCustomer || stranger.ExternalUserID != "" || stranger.Name != "***开" || stranger.ChatID != "wrStranger" || stranger.AddTime != 1695000100 {
		t.Errorf("non-customer %+v", stranger)
	}
	if second := walk(); second[0].TmpOpenID == rel.TmpOpenID {
		t.Error("a new walk kept the tmp_openid")
	}
	if _, err := s.ListServedContactsPage(ctx, ServedContactsParams{Cursor: "forged"}); wecomtest.ErrCode(err) != client.CodeInvalidCursor {
		t.Errorf("forged cursor: %v, want 50100", err)
	}
	if _, err := s.ListServedContactsPage(ctx, ServedContactsParams{Limit: -1}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("negative limit: %v", err)
	}
	if _, err := s.OpenGIDToChatID(ctx, "oGunknown"); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("unknown opengid: %v, want 40058", err)
	}
	if _, err := s.OpenGIDToChatID(ctx, ""); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("empty opengid: %v", err)
	}
}

// TestServedContactsIteratorMemoryIndependentOfTotal walks 1,000 and 10,000 served contacts
// (pages of 100) and compares the live heap halfway through: one page is held at a time, so
// the growth must not scale with the total.
func TestServedContactsIteratorMemoryIndependentOfTotal(t *testing.T) {
	live := map[int]uint64{}
	for _, n := range []int{1000, 10000} {
		srv, s := newSim(t)
		srv.SeedCustomers(wecomtest.CorpID, "li.na", n)
		p := ServedContactsParams{Limit: 100}
		if _, err := s.ListServedContactsPage(context.Background(), p); err != nil { // warm up
			t.Fatal(err)
		}
		var before, mid runtime.MemStats
		runtime.GC()
		runtime.GC() // the second frees what the first left to finalizers and pools
		runtime.ReadMemStats(&before)
		i := 0
		prev := ""
		for c, err := range s.ListServedContacts(context.Background(), p) {
			if err != nil {
				t.Fatal(err)
			}
			if c.ExternalUserID <= prev {
				t.Fatalf("out of order or repeated: %s after %s", c.ExternalUserID, prev)
			}
			prev = c.ExternalUserID
			if i++; i == n/2 {
				runtime.GC()
				runtime.GC()
				runtime.ReadMemStats(&mid)
			}
		}
		if i != n {
			t.Fatalf("walked %d of %d", i, n)
		}
		if pages := srv.Served("/cgi-bin/externalcontact/contact_list"); pages != n/100+1 {
			t.Errorf("pages = %d, want %d and the warm-up", pages, n/100)
		}
		live[n] = max(mid.HeapAlloc, before.HeapAlloc) - before.HeapAlloc
		t.Logf("live heap growth halfway through %d contacts: %d B", n, live[n])
	}
	const budget = 256 << 10 // a page or two plus GC noise
	if live[10000] > budget || live[10000] > live[1000]+128<<10 {
		t.Errorf("live heap: %d B over 10,000 contacts vs %d B over 1,000; want flat and < %d", live[10000], live[1000], budget)
	}
}

func TestServedContactsEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	got := captureJSON(mt, "POST", "/cgi-bin/externalcontact/contact_list", `{"errcode":0,"errmsg":"ok","info_list":[`+
		`{"is_customer":false,"name":"***开","tmp_openid":"TMP_ID","follow_userid":"USER_ID","chat_name":"外联群1","add_time":1694418699},`+
		`{"is_customer":true,"tmp_openid":"TMP_ID","external_userid":"woAJ2GCAAAXtWyujaWJHDDGi0mACHAAA","chat_id":"CHATID","add_time":1694418699}],"next_cursor":"NEXT_CURSOR"}`)
	pg, err := s.ListServedContactsPage(ctx, ServedContactsParams{Cursor: "CURSOR", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Contacts) != 2 || pg.Contacts[0].ChatName != "外联群1" || pg.Contacts[1].ChatID != "CHATID" || !pg.Contacts[1].IsCustomer || pg.NextCursor != "NEXT_CURSOR" {
		t.Errorf("decoded %+v", pg)
	}
	if raw := (*got)[0].raw; raw != `{"cursor":"CURSOR","limit":1000}` {
		t.Errorf("contact_list body %s", raw)
	}
	if _, err := s.ListServedContactsPage(ctx, ServedContactsParams{}); err != nil {
		t.Fatal(err)
	}
	if raw := (*got)[1].raw; raw != `{}` {
		t.Errorf("first page without limit: body %s, want {} (WeCom's default limit)", raw)
	}
	conv := captureJSON(mt, "POST", "/cgi-bin/externalcontact/opengid_to_chatid", `{"errcode":0,"errmsg":"ok","chat_id":"ooAAAAAAAAAAA"}`)
	id, err := s.OpenGIDToChatID(ctx, "oAAAAAAA")
	if err != nil || id != "ooAAAAAAAAAAA" || (*conv)[0].raw != `{"opengid":"oAAAAAAA"}` {
		t.Errorf("opengid_to_chatid: %q, %v, body %s", id, err, (*conv)[0].raw)
	}
	if strings.Contains((*conv)[0].raw, "access_token") {
		t.Error("token in the body")
	}
}
