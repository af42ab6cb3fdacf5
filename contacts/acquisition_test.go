package contacts

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

var adsLink = CreateAcquisitionLinkParams{Name: "Spring sale ads", Range: AcquisitionRange{Users: []string{"li.na"}, Departments: []int{12}}}

// withLink seeds the advisors and creates adsLink.
func withLink(t *testing.T, srv *wecomtest.Server, s *Service) string {
	t.Helper()
	seedAdvisors(t, srv, s)
	l, err := s.CreateAcquisitionLink(context.Background(), adsLink)
	if err != nil {
		t.Fatal(err)
	}
	return l.LinkID
}

// linkID finds the first link of the app (through list_link, not the path under test).
func linkID(ctx context.Context, s *Service) string {
	pg, err := s.ListAcquisitionLinksPage(ctx, ListAcquisitionLinksParams{})
	if err != nil || len(pg.LinkIDs) == 0 {
		return "missing"
	}
	return pg.LinkIDs[0]
}

// events collects the plaintexts of the acquisition callbacks of the default corp, parsed.
type events struct {
	mu  sync.Mutex
	all []webhook.Event
}

func collectEvents(t *testing.T, srv *wecomtest.Server) *events {
	ev := &events{}
	srv.OnCallback(wecomtest.CorpID, func(_ context.Context, pt []byte) error {
		e, err := webhook.Parse(pt)
		if err != nil {
			t.Errorf("callback does not parse: %v\n%s", err, pt)
			return err
		}
		ev.mu.Lock()
		defer ev.mu.Unlock()
		ev.all = append(ev.all, e)
		return nil
	})
	return ev
}

// changes lists the ChangeType of every event so far.
func (ev *events) changes() []string {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	var out []string
	for _, e := range ev.all {
		out = append(out, e.EventHeader().ChangeType)
	}
	return out
}

func (ev *events) field(i int, name string) string {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	v, _ := ev.all[i].EventHeader().Lookup(name)
	return strings.TrimSpace(v)
}

func TestAcquisitionMatrix(t *testing.T) {
	t.Parallel()
	prepLink := func(t *testing.T, srv *wecomtest.Server, s *Service) { withLink(t, srv, s) }
	withCustomer := func(t *testing.T, srv *wecomtest.Server, s *Service) {
		id := withLink(t, srv, s)
		if _, err := srv.AddCustomerViaLink(context.Background(), wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, Channel: "moments"}); err != nil {
			t.Fatal(err)
		}
	}
	var keys sync.Map // *Service → chat key of its simulator
	withChatKey := func(t *testing.T, srv *wecomtest.Server, s *Service) {
		ev := collectEvents(t, srv)
		id := withLink(t, srv, s)
		add, err := srv.AddCustomerViaLink(context.Background(), wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, Channel: "moments"})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.AddSingleChat(context.Background(), wecomtest.CorpID, wecomtest.SingleChat{UserID: add.UserID, ExternalUserID: add.ExternalUserID, CustomerMessages: 3}); err != nil {
			t.Fatal(err)
		}
		keys.Store(s, ev.field(len(ev.all)-1, "ChatKey"))
	}
	today := time.Now().Unix()
	runMatrix(t, []endpoint{
		{name: "create_link", path: "/cgi-bin/externalcontact/customer_acquisition/create_link", prepare: seedAdvisors, call: func(ctx context.Context, s *Service) error {
			l, err := s.CreateAcquisitionLink(ctx, adsLink)
			if err == nil && (l.LinkID == "" || l.Name != adsLink.Name || !strings.HasPrefix(l.URL, "https://") || l.CreateTime == 0) {
				return fmt.Errorf("link %+v", l)
			}
			return err
		}},
		{name: "update_link", path: "/cgi-bin/externalcontact/customer_acquisition/update_link", prepare: prepLink, call: func(ctx context.Context, s *Service) error {
			return s.UpdateAcquisitionLink(ctx, UpdateAcquisitionLinkParams{LinkID: linkID(ctx, s), Name: "Summer sale ads"})
		}},
		{name: "delete_link", path: "/cgi-bin/externalcontact/customer_acquisition/delete_link", prepare: prepLink, call: func(ctx context.Context, s *Service) error {
			return s.DeleteAcquisitionLink(ctx, linkID(ctx, s))
		}},
		{name: "get", path: "/cgi-bin/externalcontact/customer_acquisition/get", retried: true, prepare: prepLink, call: func(ctx context.Context, s *Service) error {
			d, err := s.GetAcquisitionLink(ctx, linkID(ctx, s))
			if err == nil && (d.Link.Name != adsLink.Name || !d.Link.SkipVerify || !slices.Equal(d.Range.Departments, []int{12}) || d.PriorityOption != nil) {
				return fmt.Errorf("detail %+v", d)
			}
			return err
		}},
		{name: "list_link", path: "/cgi-bin/externalcontact/customer_acquisition/list_link", retried: true, prepare: prepLink, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListAcquisitionLinksPage(ctx, ListAcquisitionLinksParams{})
			if err == nil && (len(pg.LinkIDs) != 1 || pg.NextCursor != "") {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "customer", path: "/cgi-bin/externalcontact/customer_acquisition/customer", retried: true, prepare: withCustomer, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListAcquisitionCustomersPage(ctx, AcquisitionCustomersParams{LinkID: linkID(ctx, s)})
			if err == nil && (len(pg.Customers) != 1 || pg.Customers[0].State != "moments" || pg.Customers[0].UserID != "li.na") {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "statistic", path: "/cgi-bin/externalcontact/customer_acquisition/statistic", retried: true, prepare: withCustomer, call: func(ctx context.Context, s *Service) error {
			st, err := s.GetAcquisitionStatistic(ctx, AcquisitionStatisticParams{LinkID: linkID(ctx, s), StartTime: today, EndTime: today})
			if err == nil && (st.ClickCount != 1 || st.NewCustomerCount != 1) {
				return fmt.Errorf("statistic %+v", st)
			}
			return err
		}},
		{name: "get_chat_info", path: "/cgi-bin/externalcontact/customer_acquisition/get_chat_info", retried: true, prepare: withChatKey, call: func(ctx context.Context, s *Service) error {
			key, _ := keys.Load(s)
			info, err := s.GetAcquisitionChatInfo(ctx, key.(string))
			if err == nil && (info.Chat.ReceivedCount != 3 || info.Chat.State != "moments" || info.UserID != "li.na") {
				return fmt.Errorf("chat info %+v", info)
			}
			return err
		}},
		{name: "customer_acquisition_quota", path: "/cgi-bin/externalcontact/customer_acquisition_quota", retried: true, prepare: withCustomer, call: func(ctx context.Context, s *Service) error {
			q, err := s.GetAcquisitionQuota(ctx)
			if err == nil && (q.Total != wecomtest.DefaultAcquisitionQuota || q.Balance != wecomtest.DefaultAcquisitionQuota-1 || len(q.Expiring) != 1) {
				return fmt.Errorf("quota %+v", q)
			}
			return err
		}},
	})
}

func TestAcquisitionLinkLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	id := withLink(t, srv, s)
	ctx := context.Background()
	err := s.UpdateAcquisitionLink(ctx, UpdateAcquisitionLinkParams{LinkID: id, Range: &AcquisitionRange{Users: []string{"zhao.lei"}},
		SkipVerify: client.Ptr(false), PriorityOption: &PriorityOption{Type: PriorityListed, UserIDs: []string{"zhao.lei"}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.GetAcquisitionLink(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Link.LinkID != id || d.Link.Name != adsLink.Name || d.Link.SkipVerify || !d.Link.MarkSource ||
		!slices.Equal(d.Range.Users, []string{"zhao.lei"}) || len(d.Range.Departments) != 0 ||
		d.PriorityOption == nil || d.PriorityOption.Type != PriorityListed {
		t.Errorf("after update (range replaced whole, name kept): %+v", d)
	}
	for i := range 4 {
		if _, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: fmt.Sprintf("link %d", i), Range: AcquisitionRange{Users: []string{"li.na"}}}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for id, err := range s.ListAcquisitionLinks(ctx, ListAcquisitionLinksParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) != 5 || ids[0] != id || srv.Served("/cgi-bin/externalcontact/customer_acquisition/list_link") != 3 {
		t.Errorf("listed %v in %d pages; want 5 links, oldest first, in 3 pages", ids, srv.Served("/cgi-bin/externalcontact/customer_acquisition/list_link"))
	}
	if err := s.DeleteAcquisitionLink(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetAcquisitionLink(ctx, id); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("get a deleted link: %v, want 40058", err)
	}
	// The simulator checks what the client cannot: members, departments, the expanded range.
	if _, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: "x", Range: AcquisitionRange{Users: []string{"ghost"}}}); wecomtest.ErrCode(err) != client.CodeInvalidUserID {
		t.Errorf("unknown member: %v, want 40003", err)
	}
	if _, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: "x", Range: AcquisitionRange{Departments: []int{999}}}); wecomtest.ErrCode(err) != client.CodeInvalidDepartmentID {
		t.Errorf("unknown department: %v, want 60123", err)
	}
	many := make([]wecomtest.SeedUser, 501)
	for i := range many {
		many[i] = wecomtest.SeedUser{UserID: fmt.Sprintf("rep%03d", i), Name: "r", Department: []int{50}}
	}
	srv.AddUsers(wecomtest.CorpID, many...)
	if _, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: "x", Range: AcquisitionRange{Departments: []int{50}}}); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("501 members after expansion: %v, want 40058", err)
	}
}

// TestAcquisitionLinksBelongToTheirApp: links are listed, read and changed only by the app
// that created them.
func TestAcquisitionLinksBelongToTheirApp(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	id := withLink(t, srv, s)
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "crm-secret", AgentID: 1000007})
	c2, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: "crm-secret"}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	other := New(c2)
	ctx := context.Background()
	if pg, err := other.ListAcquisitionLinksPage(ctx, ListAcquisitionLinksParams{}); err != nil || len(pg.LinkIDs) != 0 {
		t.Errorf("another app's list: %+v, %v; want none", pg, err)
	}
	if _, err := other.GetAcquisitionLink(ctx, id); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("another app's get: %v, want 40058", err)
	}
	if err := other.DeleteAcquisitionLink(ctx, id); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("another app's delete: %v, want 40058", err)
	}
}

func TestAcquisitionValidation(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	long := strings.Repeat("获", 31)
	many := make([]string, 501)
	for _, tc := range []struct {
		name, field string
		err         error
	}{
		{"no name", "link_name", func() error {
			_, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Range: AcquisitionRange{Users: []string{"a"}}})
			return err
		}()},
		{"31-character name", "link_name", func() error {
			_, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: long, Range: AcquisitionRange{Users: []string{"a"}}})
			return err
		}()},
		{"empty range", "range", func() error {
			_, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: "x"})
			return err
		}()},
		{"501 members", "range.user_list", func() error {
			_, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: "x", Range: AcquisitionRange{Users: many}})
			return err
		}()},
		{"priority type", "priority_option.priority_type", func() error {
			_, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: "x", Range: AcquisitionRange{Users: []string{"a"}}, PriorityOption: &PriorityOption{Type: 3}})
			return err
		}()},
		{"listed priority without members", "priority_option.priority_userid_list", func() error {
			_, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: "x", Range: AcquisitionRange{Users: []string{"a"}}, PriorityOption: &PriorityOption{Type: PriorityListed}})
			return err
		}()},
		{"1001 priority members", "priority_option.priority_userid_list", func() error {
			_, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: "x", Range: AcquisitionRange{Users: []string{"a"}},
				PriorityOption: &PriorityOption{Type: PriorityCorpWide, UserIDs: make([]string, 1001)}})
			return err
		}()},
		{"update without id", "link_id", s.UpdateAcquisitionLink(ctx, UpdateAcquisitionLinkParams{Name: "x"})},
		{"update long name", "link_name", s.UpdateAcquisitionLink(ctx, UpdateAcquisitionLinkParams{LinkID: "ca1", Name: long})},
		{"update empty range", "range", s.UpdateAcquisitionLink(ctx, UpdateAcquisitionLinkParams{LinkID: "ca1", Range: &AcquisitionRange{}})},
		{"delete without id", "link_id", s.DeleteAcquisitionLink(ctx, "")},
		{"get without id", "link_id", func() error { _, err := s.GetAcquisitionLink(ctx, ""); return err }()},
		{"list limit", "limit", func() error {
			_, err := s.ListAcquisitionLinksPage(ctx, ListAcquisitionLinksParams{Limit: 101})
			return err
		}()},
		{"customers without link", "link_id", func() error {
			_, err := s.ListAcquisitionCustomersPage(ctx, AcquisitionCustomersParams{})
			return err
		}()},
		{"customers limit", "limit", func() error {
			_, err := s.ListAcquisitionCustomersPage(ctx, AcquisitionCustomersParams{LinkID: "ca1", Limit: 1001})
			return err
		}()},
		{"chat key", "chat_key", func() error { _, err := s.GetAcquisitionChatInfo(ctx, ""); return err }()},
		{"statistic without link", "link_id", func() error {
			_, err := s.GetAcquisitionStatistic(ctx, AcquisitionStatisticParams{StartTime: time.Now().Unix(), EndTime: time.Now().Unix()})
			return err
		}()},
		{"statistic over 30 days", "end_time", func() error {
			now := time.Now().Unix()
			_, err := s.GetAcquisitionStatistic(ctx, AcquisitionStatisticParams{LinkID: "ca1", StartTime: now - 31*86400, EndTime: now})
			return err
		}()},
		{"statistic older than 180 days", "start_time", func() error {
			now := time.Now().Unix()
			_, err := s.GetAcquisitionStatistic(ctx, AcquisitionStatisticParams{LinkID: "ca1", StartTime: now - 200*86400, EndTime: now - 190*86400})
			return err
		}()},
		{"statistic without end", "end_time", func() error {
			_, err := s.GetAcquisitionStatistic(ctx, AcquisitionStatisticParams{LinkID: "ca1", StartTime: time.Now().Unix()})
			return err
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) { wecomtest.WantInvalid(t, tc.err, tc.field) })
	}
	if calls := mt.GetTotalCallCount(); calls != 0 {
		t.Errorf("%d requests sent for invalid input", calls)
	}
	// 30 days apart is the limit, not past it; the day of 180 days ago is still kept.
	now := time.Now().Unix()
	got := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_acquisition/statistic", `{"errcode":0,"click_link_customer_cnt":3,"new_customer_cnt":2}`)
	for _, p := range []AcquisitionStatisticParams{
		{LinkID: "ca1", StartTime: now - 30*86400, EndTime: now},
		{LinkID: "ca1", StartTime: now - 180*86400, EndTime: now - 170*86400},
	} {
		if st, err := s.GetAcquisitionStatistic(ctx, p); err != nil || st.NewCustomerCount != 2 {
			t.Errorf("%+v: %+v, %v", p, st, err)
		}
	}
	if len(*got) != 2 {
		t.Errorf("%d requests, want 2", len(*got))
	}
}

// TestAcquisitionEncoding compares the bodies sent with the documented request examples.
func TestAcquisitionEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	create := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_acquisition/create_link",
		`{"errcode":0,"errmsg":"ok","link":{"link_id":"LINK_ID","link_name":"获客链接1号","url":"URL","create_time":1667232000}}`)
	l, err := s.CreateAcquisitionLink(ctx, CreateAcquisitionLinkParams{Name: "获客链接1号",
		Range: AcquisitionRange{Users: []string{"zhangsan", "lisi"}, Departments: []int{2, 3}}, SkipVerify: client.Ptr(true),
		PriorityOption: &PriorityOption{Type: PriorityListed, UserIDs: []string{"tom", "lisi"}}, MarkSource: client.Ptr(true)})
	if err != nil || l.LinkID != "LINK_ID" || l.CreateTime != 1667232000 {
		t.Fatalf("%+v, %v", l, err)
	}
	const doc = `{"link_name":"获客链接1号","range":{"user_list":["zhangsan","lisi"],"department_list":[2,3]},"skip_verify":true,` +
		`"priority_option":{"priority_type":2,"priority_userid_list":["tom","lisi"]},"mark_source":true}`
	if raw := (*create)[0].raw; raw != doc {
		t.Errorf("create_link body\n got %s\nwant %s", raw, doc)
	}
	update := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_acquisition/update_link", `{"errcode":0,"errmsg":"ok"}`)
	if err := s.UpdateAcquisitionLink(ctx, UpdateAcquisitionLinkParams{LinkID: "LINK_ID", SkipVerify: client.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if raw := (*update)[0].raw; raw != `{"link_id":"LINK_ID","skip_verify":false}` {
		t.Errorf("update_link body %s: skip_verify false must be sent, nothing else", raw)
	}
	list := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_acquisition/list_link",
		`{"errcode":0,"errmsg":"ok","link_id_list":["LINK_ID_AAA","LINK_ID_BBB"],"next_cursor":""}`)
	if pg, err := s.ListAcquisitionLinksPage(ctx, ListAcquisitionLinksParams{Cursor: "CURSOR"}); err != nil || len(pg.LinkIDs) != 2 {
		t.Fatalf("%+v, %v", pg, err)
	}
	if raw := (*list)[0].raw; raw != `{"cursor":"CURSOR","limit":100}` {
		t.Errorf("list_link body %s", raw)
	}
	get := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_acquisition/get",
		`{"errcode":0,"errmsg":"ok","link":{"link_name":"LINK_NAME","url":"https://work.weixin.qq.com/ca/xxxxxx","create_time":1672502400,"skip_verify":true,"mark_source":true},`+
			`"range":{"user_list":["rocky","sam"],"department_list":[1]},"priority_option":{"priority_type":2,"priority_userid_list":["tom","lisi"]}}`)
	d, err := s.GetAcquisitionLink(ctx, "LINK_ID_AAA")
	if err != nil || d.Link.LinkID != "LINK_ID_AAA" || d.PriorityOption.Type != PriorityListed || !slices.Equal(d.Range.Users, []string{"rocky", "sam"}) {
		t.Fatalf("%+v, %v", d, err)
	}
	if raw := (*get)[0].raw; raw != `{"link_id":"LINK_ID_AAA"}` {
		t.Errorf("get body %s", raw)
	}
	del := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_acquisition/delete_link", `{"errcode":0,"errmsg":"ok"}`)
	if err := s.DeleteAcquisitionLink(ctx, "LINK_ID"); err != nil || (*del)[0].raw != `{"link_id":"LINK_ID"}` {
		t.Errorf("delete_link: %v, body %s", err, (*del)[0].raw)
	}
	cust := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_acquisition/customer",
		`{"errcode":0,"errmsg":"ok","customer_list":[{"external_userid":"woAJ2GCAAAXtWyujaWJHDDGi0mACAAA","userid":"zhangsan","chat_status":0,"state":"CHANNEL_A"},`+
			`{"external_userid":"woAJ2GCAAAXtWyujaWJHDDGi0mBCBBB","userid":"rocky","chat_status":1,"state":"CHANNEL_A"}],"next_cursor":"CURSOR"}`)
	pg, err := s.ListAcquisitionCustomersPage(ctx, AcquisitionCustomersParams{LinkID: "LINK_ID", Cursor: "CURSOR", Limit: 1000})
	if err != nil || len(pg.Customers) != 2 || pg.Customers[1].ChatStatus != ChatMessaged || pg.NextCursor != "CURSOR" {
		t.Fatalf("%+v, %v", pg, err)
	}
	if raw := (*cust)[0].raw; raw != `{"link_id":"LINK_ID","cursor":"CURSOR","limit":1000}` {
		t.Errorf("customer body %s", raw)
	}
	stat := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_acquisition/statistic",
		`{"errcode":0,"errmsg":"ok","click_link_customer_cnt":1000,"new_customer_cnt":500}`)
	day := StatDay(time.Now().Unix()) - 86400
	st, err := s.GetAcquisitionStatistic(ctx, AcquisitionStatisticParams{LinkID: "caxxxxxxx", StartTime: day - 4*86400, EndTime: day})
	if err != nil || st.ClickCount != 1000 || st.NewCustomerCount != 500 {
		t.Fatalf("%+v, %v", st, err)
	}
	if raw, want := (*stat)[0].raw, fmt.Sprintf(`{"link_id":"caxxxxxxx","start_time":%d,"end_time":%d}`, day-4*86400, day); raw != want {
		t.Errorf("statistic body %s, want %s", raw, want)
	}
	quota := captureJSON(mt, "GET", "/cgi-bin/externalcontact/customer_acquisition_quota",
		`{"errcode":0,"errmsg":"ok","total":1000,"balance":500,"quota_list":[{"expire_date":1689350400,"balance":200},{"expire_date":1692028800,"balance":300}]}`)
	q, err := s.GetAcquisitionQuota(ctx)
	if err != nil || q.Total != 1000 || q.Balance != 500 || len(q.Expiring) != 2 || q.Expiring[1] != (QuotaBatch{1692028800, 300}) {
		t.Fatalf("%+v, %v", q, err)
	}
	if (*quota)[0].raw != "" {
		t.Errorf("quota is a GET without body: %q", (*quota)[0].raw)
	}
	chat := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_acquisition/get_chat_info",
		`{"errcode":0,"errmsg":"ok","userid":"zhangsan","external_userid":"woAJ2GCAAAXtWyujaWJHDDGi0mACAAA","chat_info":{"recv_msg_cnt":3,"link_id":"caXXXXXXX","state":"STATE"}}`)
	info, err := s.GetAcquisitionChatInfo(ctx, "CHAT_KEY")
	if err != nil || info.Chat.ReceivedCount != 3 || info.Chat.LinkID != "caXXXXXXX" || info.UserID != "zhangsan" {
		t.Fatalf("%+v, %v", info, err)
	}
	if raw := (*chat)[0].raw; raw != `{"chat_key":"CHAT_KEY"}` {
		t.Errorf("get_chat_info body %s", raw)
	}
}

// TestAddCustomerViaLink follows a customer through a link: the relation, the callback with
// its welcome code, the link's customer list and statistic, the quota, and the message events.
func TestAddCustomerViaLink(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ev := collectEvents(t, srv)
	id := withLink(t, srv, s)
	ctx := context.Background()
	if err := srv.OpenAcquisitionLink(wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, Customer: wecomtest.SeedExternalContact{ExternalUserID: "wmLooker"}}); err != nil {
		t.Fatal(err)
	}
	channel := strings.Repeat("c", 70)
	add, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, Channel: channel,
		Customer: wecomtest.SeedExternalContact{ExternalUserID: "wmGrace01", Name: "Grace", Gender: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if add.UserID != "li.na" || add.State != channel[:64] || add.WelcomeCode == "" {
		t.Errorf("add %+v: want li.na (first of the range) and the channel cut to 64 bytes", add)
	}
	if got := ev.changes(); !slices.Equal(got, []string{"add_external_contact"}) {
		t.Fatalf("events %v", got)
	}
	added, ok := ev.all[0].(*webhook.ExternalContactAdded)
	if !ok || added.UserID != "li.na" || added.ExternalUserID != "wmGrace01" || added.State != add.State || added.WelcomeCode != add.WelcomeCode {
		t.Fatalf("callback %#v", ev.all[0])
	}
	if err := s.SendWelcomeMessage(ctx, WelcomeMessageParams{WelcomeCode: added.WelcomeCode, Text: &Text{Content: "Hi Grace"}}); err != nil {
		t.Errorf("welcome code of the callback: %v", err)
	}
	d, err := s.GetExternalContact(ctx, "wmGrace01")
	if err != nil {
		t.Fatal(err)
	}
	if d.Contact.Name != "Grace" || len(d.FollowUsers) != 1 || d.FollowUsers[0].AddWay != AddWayAcquisition || d.FollowUsers[0].State != add.State {
		t.Errorf("customer %+v", d)
	}
	// The next customer goes to the next member of the range (the department's zhao.lei).
	second, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, Channel: "search"})
	if err != nil || second.UserID != "zhao.lei" {
		t.Fatalf("second add %+v, %v; want zhao.lei", second, err)
	}
	if _, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, UserID: "li.na",
		Customer: wecomtest.SeedExternalContact{ExternalUserID: "wmGrace01"}}); err == nil {
		t.Error("adding an existing relation again succeeded")
	}
	if _, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, UserID: "wang.wei"}); err == nil {
		t.Error("a member outside the range was added")
	}
	today := time.Now().Unix()
	st, err := s.GetAcquisitionStatistic(ctx, AcquisitionStatisticParams{LinkID: id, StartTime: today, EndTime: today})
	if err != nil || st.ClickCount != 3 || st.NewCustomerCount != 2 {
		t.Errorf("statistic %+v, %v; want 3 clicks (one without an add), 2 new", st, err)
	}
	q, err := s.GetAcquisitionQuota(ctx)
	if err != nil || q.Balance != wecomtest.DefaultAcquisitionQuota-2 || q.Total != wecomtest.DefaultAcquisitionQuota {
		t.Errorf("quota %+v, %v; two units used", q, err)
	}
	// The customer writes: chat_status turns 1, customer_start_chat, then message_from_customer
	// on the 3rd, 5th and 10th message, each with a chat key.
	for _, n := range []int{1, 4, 6} {
		if err := srv.AddSingleChat(ctx, wecomtest.CorpID, wecomtest.SingleChat{UserID: "li.na", ExternalUserID: "wmGrace01", CustomerMessages: n}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"add_external_contact", "add_external_contact", "customer_start_chat", "message_from_customer", "message_from_customer", "message_from_customer"}
	if got := ev.changes(); !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	if ev.field(2, "LinkId") != id || ev.field(2, "ExternalUserID") != "wmGrace01" {
		t.Errorf("customer_start_chat %s", ev.all[2].Raw())
	}
	for i, n := range map[int]int{3: 3, 4: 5, 5: 10} {
		info, err := s.GetAcquisitionChatInfo(ctx, ev.field(i, "ChatKey"))
		if err != nil || info.Chat.ReceivedCount != n || info.Chat.LinkID != id || info.ExternalUserID != "wmGrace01" {
			t.Errorf("chat key of event %d: %+v, %v; want %d messages", i, info, err, n)
		}
	}
	if _, err := s.GetAcquisitionChatInfo(ctx, "CKforged"); wecomtest.ErrCode(err) != 41201 {
		t.Errorf("forged chat key: %v, want 41201", err)
	}
	var states []ChatStatus
	for c, err := range s.ListAcquisitionCustomers(ctx, AcquisitionCustomersParams{LinkID: id, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, c.ChatStatus)
	}
	if !slices.Equal(states, []ChatStatus{ChatMessaged, ChatNoMessage}) {
		t.Errorf("chat states %v", states)
	}
	if err := srv.AddSingleChat(ctx, wecomtest.CorpID, wecomtest.SingleChat{UserID: "li.na", ExternalUserID: "wmNobody"}); err == nil {
		t.Error("a chat without a relation was recorded")
	}
}

// TestAcquisitionQuotaEvents runs a corp's quota down from 21: balance_low below 20,
// balance_exhausted at 0 (links stop adding), balance_increased when more is granted.
func TestAcquisitionQuotaEvents(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ev := collectEvents(t, srv)
	id := withLink(t, srv, s)
	ctx := context.Background()
	srv.ClearAcquisitionQuota(wecomtest.CorpID)
	if _, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id}); !errors.Is(err, wecomtest.ErrAcquisitionQuotaExhausted) {
		t.Fatalf("add without quota: %v", err)
	}
	soon, later := time.Now().AddDate(0, 0, 10), time.Now().AddDate(0, 2, 0)
	if err := srv.GrantAcquisitionQuota(ctx, wecomtest.CorpID, 20, later); err != nil {
		t.Fatal(err)
	}
	if err := srv.GrantAcquisitionQuota(ctx, wecomtest.CorpID, 1, soon); err != nil {
		t.Fatal(err)
	}
	q, err := s.GetAcquisitionQuota(ctx)
	if err != nil || q.Total != 21 || q.Balance != 21 || len(q.Expiring) != 2 || q.Expiring[0].Balance != 1 || q.Expiring[0].ExpireDate != StatDay(soon.Unix()) {
		t.Fatalf("quota %+v, %v", q, err)
	}
	for i := range 21 {
		users := []string{"li.na", "zhao.lei"}
		if _, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, UserID: users[i%2]}); err != nil {
			t.Fatal(err)
		}
	}
	q, err = s.GetAcquisitionQuota(ctx)
	if err != nil || q.Balance != 0 || q.Total != 21 || len(q.Expiring) != 0 {
		t.Errorf("quota after 21 adds %+v, %v", q, err)
	}
	var quotaEvents []string
	for _, c := range ev.changes() {
		if c != "add_external_contact" {
			quotaEvents = append(quotaEvents, c)
		}
	}
	if want := []string{"balance_increased", "balance_low", "balance_exhausted"}; !slices.Equal(quotaEvents, want) {
		t.Errorf("quota events %v, want %v", quotaEvents, want)
	}
	if _, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id}); !errors.Is(err, wecomtest.ErrAcquisitionQuotaExhausted) {
		t.Errorf("add after exhaustion: %v", err)
	}
}

// TestAcquisitionCallbacksDelivered sends the link's callbacks, signed and encrypted, to a
// webhook handler, which sends the welcome message with the code it received.
func TestAcquisitionCallbacksDelivered(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	id := withLink(t, srv, s)
	const token, key = "AcqToken01", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	crypto, err := webhook.NewCrypto(token, key, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	welcomed := make(chan error, 1)
	h := webhook.NewHandler(crypto)
	webhook.On(h, func(ctx context.Context, e *webhook.ExternalContactAdded) (webhook.Reply, error) {
		welcomed <- s.SendWelcomeMessage(ctx, WelcomeMessageParams{WelcomeCode: e.WelcomeCode, Text: &Text{Content: "Welcome, " + e.State}})
		return nil, nil
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	srv.SetCallbackURL(wecomtest.CorpID, ts.URL, wecomtest.CallbackConfig{Token: token, EncodingAESKey: key})
	if _, err := srv.AddCustomerViaLink(context.Background(), wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, Channel: "wechat_ads"}); err != nil {
		t.Fatal(err)
	}
	if err := <-welcomed; err != nil {
		t.Fatalf("welcome message: %v", err)
	}
	sent := srv.WelcomeMessages(wecomtest.CorpID)
	if len(sent) != 1 || sent[0]["userid"] != "li.na" {
		t.Errorf("welcome messages %v", sent)
	}
	if d := srv.Callbacks(); len(d) != 1 || !d[0].Acked {
		t.Errorf("deliveries %+v", d)
	}
}

// TestAcquisitionCustomersWalk walks 2,500 customers of one link in pages of 1000.
func TestAcquisitionCustomersWalk(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	id := withLink(t, srv, s)
	ctx := context.Background()
	if err := srv.GrantAcquisitionQuota(ctx, wecomtest.CorpID, 2000, time.Now().AddDate(0, 1, 0)); err != nil {
		t.Fatal(err)
	}
	for i := range 2500 {
		if _, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, Channel: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	for c, err := range s.ListAcquisitionCustomers(ctx, AcquisitionCustomersParams{LinkID: id}) {
		if err != nil {
			t.Fatal(err)
		}
		if c.State != fmt.Sprint(n) {
			t.Fatalf("customer %d has state %q: out of order", n, c.State)
		}
		n++
	}
	if n != 2500 || srv.Served("/cgi-bin/externalcontact/customer_acquisition/customer") != 3 {
		t.Errorf("%d customers in %d pages, want 2500 in 3", n, srv.Served("/cgi-bin/externalcontact/customer_acquisition/customer"))
	}
}
