package contacts

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func seedCustomers(t *testing.T, srv *wecomtest.Server, _ *Service) {
	t.Helper()
	srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wmAbc123", Name: "Grace", Gender: 2, UnionID: "o7xYZunion001",
		FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", Remark: "Grace (Hangzhou shop)", AddWay: 1, State: "expo2024"}, {UserID: "zhao.lei"}}})
}

func TestExternalContactsMatrix(t *testing.T) {
	t.Parallel()
	runMatrix(t, []endpoint{
		{name: "get_follow_user_list", path: "/cgi-bin/externalcontact/get_follow_user_list", retried: true, prepare: seedCustomers, call: func(ctx context.Context, s *Service) error {
			us, err := s.ListFollowUsers(ctx)
			if err == nil && !slices.Equal(us, []string{"li.na", "zhao.lei"}) {
				return fmt.Errorf("follow users %v", us)
			}
			return err
		}},
		{name: "list", path: "/cgi-bin/externalcontact/list", retried: true, prepare: seedCustomers, call: func(ctx context.Context, s *Service) error {
			ids, err := s.ListExternalContacts(ctx, "li.na")
			if err == nil && !slices.Equal(ids, []string{"wmAbc123"}) {
				return fmt.Errorf("ids %v", ids)
			}
			return err
		}},
		{name: "get", path: "/cgi-bin/externalcontact/get", retried: true, prepare: seedCustomers, call: func(ctx context.Context, s *Service) error {
			d, err := s.GetExternalContactPage(ctx, GetExternalContactParams{ExternalUserID: "wmAbc123"})
			if err == nil && (d.Contact.Name != "Grace" || d.Contact.Gender != GenderFemale || len(d.FollowUsers) != 2 || d.FollowUsers[0].State != "expo2024" || d.NextCursor != "") {
				return fmt.Errorf("detail %+v", d)
			}
			return err
		}},
		{name: "batch/get_by_user", path: "/cgi-bin/externalcontact/batch/get_by_user", retried: true, prepare: seedCustomers, call: func(ctx context.Context, s *Service) error {
			pg, err := s.GetCustomersByUserPage(ctx, BatchGetByUserParams{UserIDs: []string{"li.na", "zhao.lei"}})
			if err == nil && len(pg.Relations) != 2 {
				return fmt.Errorf("relations %+v", pg.Relations)
			}
			return err
		}},
		{name: "remark", path: "/cgi-bin/externalcontact/remark", prepare: seedCustomers, call: func(ctx context.Context, s *Service) error {
			return s.RemarkExternalContact(ctx, RemarkParams{UserID: "li.na", ExternalUserID: "wmAbc123", Remark: "Grace-HZ"})
		}},
	})
}

func TestExternalContactErrorsAndRemark(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedCustomers(t, srv, s)
	ctx := context.Background()
	if _, err := s.GetExternalContact(ctx, "wmNobody"); wecomtest.ErrCode(err) != 40096 {
		t.Errorf("unknown customer: %v, want 40096", err)
	}
	if _, err := s.ListExternalContacts(ctx, "wang.wei"); wecomtest.ErrCode(err) != 84061 {
		t.Errorf("member without customers: %v, want 84061", err)
	}
	if err := s.RemarkExternalContact(ctx, RemarkParams{UserID: "wang.wei", ExternalUserID: "wmAbc123", Remark: "x"}); wecomtest.ErrCode(err) != 84061 {
		t.Errorf("remark without relationship: %v, want 84061", err)
	}
	if err := s.RemarkExternalContact(ctx, RemarkParams{UserID: "li.na", ExternalUserID: "wmAbc123"}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("no field: %v", err)
	}
	if err := s.RemarkExternalContact(ctx, RemarkParams{UserID: "li.na", ExternalUserID: "wmAbc123", Remark: "一二三四五六七八九十一二三四五六七八九十一"}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("21-character remark: %v", err)
	}
	if err := s.RemarkExternalContact(ctx, RemarkParams{UserID: "li.na", ExternalUserID: "wmAbc123", Description: "VIP", RemarkMobiles: []string{"13600003333"}}); err != nil {
		t.Fatal(err)
	}
	f := srv.CustomerRemark(wecomtest.CorpID, "li.na", "wmAbc123")
	if f.Remark != "Grace (Hangzhou shop)" || f.Description != "VIP" || !slices.Equal(f.RemarkMobiles, []string{"13600003333"}) {
		t.Errorf("after remark: %+v (an absent remark must stay)", f)
	}
	if err := s.RemarkExternalContact(ctx, RemarkParams{UserID: "li.na", ExternalUserID: "wmAbc123", RemarkMobiles: []string{""}}); err != nil {
		t.Fatal(err)
	}
	if f := srv.CustomerRemark(wecomtest.CorpID, "li.na", "wmAbc123"); len(f.RemarkMobiles) != 0 {
		t.Errorf(`[""] did not clear the mobiles: %v`, f.RemarkMobiles)
	}
	if _, err := s.GetCustomersByUserPage(ctx, BatchGetByUserParams{UserIDs: make([]string, 101)}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("101 members: %v", err)
	}
}

func TestGetExternalContactFollowsCursor(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	follows := make([]wecomtest.SeedFollow, 1200)
	for i := range follows {
		follows[i] = wecomtest.SeedFollow{UserID: fmt.Sprintf("rep%04d", i)}
	}
	srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wmBig", Name: "Big", FollowUsers: follows})
	pg, err := s.GetExternalContactPage(context.Background(), GetExternalContactParams{ExternalUserID: "wmBig"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.FollowUsers) != 500 || pg.NextCursor == "" || srv.Served("/cgi-bin/externalcontact/get") != 1 {
		t.Errorf("page: %d follow users, cursor %q, %d calls; want 500, a cursor, 1 call", len(pg.FollowUsers), pg.NextCursor, srv.Served("/cgi-bin/externalcontact/get"))
	}
	d, err := s.GetExternalContact(context.Background(), "wmBig")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.FollowUsers) != 1200 || d.Contact.Name != "Big" || srv.Served("/cgi-bin/externalcontact/get") != 4 {
		t.Errorf("%d follow users in %d calls, want 1200 in 3 more", len(d.FollowUsers), srv.Served("/cgi-bin/externalcontact/get")-1)
	}
}

// TestCustomerIteratorWalks10000 walks 10,000 customers in pages of 100, and checks that the
// heap in use after the walk does not grow with the number of items.
func TestCustomerIteratorWalks10000(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ids := srv.SeedCustomers(wecomtest.CorpID, "li.na", 10000)
	ctx := context.Background()
	n := 0
	var prev string
	for rel, err := range s.GetCustomersByUser(ctx, BatchGetByUserParams{UserIDs: []string{"li.na"}, Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		if rel.Contact.ExternalUserID <= prev {
			t.Fatalf("out of order or repeated: %s after %s", rel.Contact.ExternalUserID, prev)
		}
		prev = rel.Contact.ExternalUserID
		n++
	}
	if n != len(ids) {
		t.Fatalf("walked %d, want %d", n, len(ids))
	}
	if pages := srv.Served("/cgi-bin/externalcontact/batch/get_by_user"); pages != 100 {
		t.Errorf("pages = %d, want 100", pages)
	}
}

func TestIteratorStopsEarly(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 1000)
	n := 0
	for _, err := range s.GetCustomersByUser(context.Background(), BatchGetByUserParams{UserIDs: []string{"li.na"}, Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 150 {
			break
		}
	}
	if pages := srv.Served("/cgi-bin/externalcontact/batch/get_by_user"); pages != 2 {
		t.Errorf("fetched %d pages for 150 items, want 2 (no read-ahead after break)", pages)
	}
}

func TestIteratorSurfacesMidWalkErrorOnce(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 500)
	ctx := context.Background()
	path := "/cgi-bin/externalcontact/batch/get_by_user"
	n, errs := 0, 0
	var last error
	for _, err := range s.GetCustomersByUser(ctx, BatchGetByUserParams{UserIDs: []string{"li.na"}, Limit: 100}) {
		if err != nil {
			errs++
			last = err
			continue
		}
		n++
		if n == 200 {
			srv.FailNext(path, 84074, 1) // the third page fails with a permanent errcode
		}
	}
	if n != 200 || errs != 1 || wecomtest.ErrCode(last) != 84074 {
		t.Errorf("items %d, errors %d (%v); want 200 items then one 84074", n, errs, last)
	}
	// A busy answer mid-walk is retried by the client and the walk completes.
	n = 0
	srv.FailNext(path, -1, 1)
	for _, err := range s.GetCustomersByUser(ctx, BatchGetByUserParams{UserIDs: []string{"li.na"}, Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 500 {
		t.Errorf("after a retried -1: %d items, want 500", n)
	}
	// Token expiry mid-walk: the client refreshes once and the walk completes.
	n = 0
	for _, err := range s.GetCustomersByUser(ctx, BatchGetByUserParams{UserIDs: []string{"li.na"}, Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 250 {
			srv.ExpireTokens()
		}
	}
	if n != 500 {
		t.Errorf("after a token expiry: %d items, want 500", n)
	}
}

func TestIteratorStopsOnRepeatedCursor(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	captureJSON(mt, "POST", "/cgi-bin/externalcontact/batch/get_by_user",
		`{"errcode":0,"next_cursor":"same","external_contact_list":[{"external_contact":{"external_userid":"wm1"}}]}`)
	n, errs := 0, 0
	for _, err := range s.GetCustomersByUser(context.Background(), BatchGetByUserParams{UserIDs: []string{"u"}}) {
		if errors.Is(err, client.ErrCursorLoop) {
			errs++
		} else if err == nil {
			n++
		}
		if n > 10 {
			t.Fatal("looping")
		}
	}
	if n != 2 || errs != 1 {
		t.Errorf("items %d, loop errors %d; want 2 and 1", n, errs)
	}
}

func TestExternalContactEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/externalcontact/batch/get_by_user", `{"errcode":0,"next_cursor":"","fail_info":{"unlicensed_userid_list":["u2"]}}`)
	pg, err := s.GetCustomersByUserPage(context.Background(), BatchGetByUserParams{UserIDs: []string{"u1", "u2"}, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if raw := (*got)[0].raw; raw != `{"userid_list":["u1","u2"],"limit":100}` {
		t.Errorf("body %s: limit must be clamped to 100, no empty cursor", raw)
	}
	if !slices.Equal(pg.UnlicensedUserIDs, []string{"u2"}) {
		t.Errorf("fail_info %v", pg.UnlicensedUserIDs)
	}
	remark := captureJSON(mt, "POST", "/cgi-bin/externalcontact/remark", `{"errcode":0}`)
	if err := s.RemarkExternalContact(context.Background(), RemarkParams{UserID: "u", ExternalUserID: "wm", RemarkMobiles: []string{""}}); err != nil {
		t.Fatal(err)
	}
	if raw := (*remark)[0].raw; raw != `{"userid":"u","external_userid":"wm","remark_mobiles":[""]}` {
		t.Errorf("remark body %s", raw)
	}
}

// walkHeap walks userID's customers and returns the live heap growth sampled halfway through.
func walkHeap(tb testing.TB, s *Service, userID string, total int) uint64 {
	p := BatchGetByUserParams{UserIDs: []string{userID}, Limit: 100}
	if _, err := s.GetCustomersByUserPage(context.Background(), p); err != nil { // warm the simulator's caches
		tb.Fatal(err)
	}
	var before, mid runtime.MemStats
	runtime.GC()
	runtime.GC() // twice: the first leaves pooled buffers and finalizers
	runtime.ReadMemStats(&before)
	i := 0
	for _, err := range s.GetCustomersByUser(context.Background(), p) {
		if err != nil {
			tb.Fatal(err)
		}
		if i++; i == total/2 {
			runtime.GC()
			runtime.GC() // twice: the first leaves pooled buffers and finalizers
			runtime.ReadMemStats(&mid)
		}
	}
	if mid.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return mid.HeapAlloc - before.HeapAlloc
}

// BenchmarkCustomerIterator10000 walks 10,000 customers (100 pages); compare bytes/op with
// BenchmarkCustomerPage100, the baseline of fetching one page: the walk allocates about 100
// pages' worth in total but holds one page at a time (the heap-live metric).
func BenchmarkCustomerIterator10000(b *testing.B) {
	srv, s := newSim(b)
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 10000)
	b.ReportAllocs()
	var live uint64
	for b.Loop() {
		live = max(live, walkHeap(b, s, "li.na", 10000))
	}
	b.ReportMetric(float64(live), "heap-live-B")
	b.ReportMetric(float64(live)/10000, "heap-live-B/item")
}

// BenchmarkCustomerPage100 is the baseline: one page of 100 customers.
func BenchmarkCustomerPage100(b *testing.B) {
	srv, s := newSim(b)
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetCustomersByUserPage(context.Background(), BatchGetByUserParams{UserIDs: []string{"li.na"}, Limit: 100}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCustomerIteratorSplitsMembers(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	users := make([]string, 250)
	cs := make([]wecomtest.SeedExternalContact, 250)
	for i := range users {
		users[i] = fmt.Sprintf("rep%03d", i)
		cs[i] = wecomtest.SeedExternalContact{ExternalUserID: fmt.Sprintf("wm%03d", i), FollowUsers: []wecomtest.SeedFollow{{UserID: users[i]}}}
	}
	srv.AddExternalContacts(wecomtest.CorpID, cs...)
	n := 0
	for _, err := range s.GetCustomersByUser(context.Background(), BatchGetByUserParams{UserIDs: users, Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 250 || srv.Served("/cgi-bin/externalcontact/batch/get_by_user") != 3 {
		t.Errorf("%d relations in %d calls, want 250 in 3 (100-member chunks)", n, srv.Served("/cgi-bin/externalcontact/batch/get_by_user"))
	}
	for _, err := range s.GetCustomersByUser(context.Background(), BatchGetByUserParams{}) {
		if !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("no members: %v", err)
		}
	}
}

// TestGetExternalContactRepeatedCursorIsAnError checks that a server repeating next_cursor ends
// GetExternalContact with client.ErrCursorLoop instead of a silently truncated follow-user list.
func TestGetExternalContactRepeatedCursorIsAnError(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "GET", "/cgi-bin/externalcontact/get",
		`{"errcode":0,"external_contact":{"external_userid":"wm1"},"follow_user":[{"userid":"u1"}],"next_cursor":"same"}`)
	d, err := s.GetExternalContact(context.Background(), "wm1")
	if !errors.Is(err, client.ErrCursorLoop) {
		t.Fatalf("detail %+v, err %v; want client.ErrCursorLoop", d, err)
	}
	if len(*got) != 2 {
		t.Errorf("%d calls, want 2 (stop at the first repeat)", len(*got))
	}
}

// TestCustomerIteratorReportsUnlicensed: members without an interface licence have their
// customers left out of the answers; the walk yields the rest and then says so.
func TestCustomerIteratorReportsUnlicensed(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	captureJSON(mt, "POST", "/cgi-bin/externalcontact/batch/get_by_user",
		`{"errcode":0,"next_cursor":"","external_contact_list":[{"external_contact":{"external_userid":"wm1"}}],"fail_info":{"unlicensed_userid_list":["u2"]}}`)
	n := 0
	var last error
	for _, err := range s.GetCustomersByUser(context.Background(), BatchGetByUserParams{UserIDs: []string{"u1", "u2"}}) {
		if err != nil {
			last = err
			continue
		}
		n++
	}
	var ue *UnlicensedError
	if n != 1 || !errors.As(last, &ue) || !slices.Equal(ue.UserIDs, []string{"u2"}) || !strings.HasPrefix(last.Error(), "wecom: ") {
		t.Errorf("items %d, last error %v; want 1 item then an UnlicensedError for u2", n, last)
	}
}
