package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// seedStrategies adds the advisors (li.na, zhao.lei in department 12) and one top-level rule
// group of each kind: admin li.na, range zhao.lei and department 12.
func seedStrategies(t *testing.T, srv *wecomtest.Server, s *Service) {
	t.Helper()
	seedAdvisors(t, srv, s)
	ctx := context.Background()
	rng := []StrategyRangeNode{StrategyUser("zhao.lei"), StrategyDepartment(12)}
	if _, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{Name: "East sales", Admins: []string{"li.na"}, Range: rng}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateMomentStrategy(ctx, CreateMomentStrategyParams{Name: "East moments", Admins: []string{"li.na"}, Range: rng}); err != nil {
		t.Fatal(err)
	}
}

// firstStrategy finds the first rule group through its list call, not the path under test.
func firstStrategy(ctx context.Context, page func(context.Context, StrategyListParams) (*StrategyPage, error)) int {
	pg, err := page(ctx, StrategyListParams{})
	if err != nil || len(pg.StrategyIDs) == 0 {
		return 999
	}
	return pg.StrategyIDs[0]
}

func TestStrategiesMatrix(t *testing.T) {
	t.Parallel()
	customer := func(ctx context.Context, s *Service) int { return firstStrategy(ctx, s.ListCustomerStrategiesPage) }
	moment := func(ctx context.Context, s *Service) int { return firstStrategy(ctx, s.ListMomentStrategiesPage) }
	runMatrix(t, []endpoint{
		{name: "customer_strategy/list", path: "/cgi-bin/externalcontact/customer_strategy/list", retried: true, prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListCustomerStrategiesPage(ctx, StrategyListParams{Limit: 10})
			if err == nil && (len(pg.StrategyIDs) != 1 || pg.NextCursor != "") {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "customer_strategy/get", path: "/cgi-bin/externalcontact/customer_strategy/get", retried: true, prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			g, err := s.GetCustomerStrategy(ctx, customer(ctx, s))
			if err == nil && (g.Name != "East sales" || g.Privilege != DefaultCustomerStrategyPrivilege() || !slices.Equal(g.Admins, []string{"li.na"})) {
				return fmt.Errorf("group %+v", g)
			}
			return err
		}},
		{name: "customer_strategy/get_range", path: "/cgi-bin/externalcontact/customer_strategy/get_range", retried: true, prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListCustomerStrategyRangePage(ctx, StrategyRangeParams{StrategyID: customer(ctx, s)})
			if err == nil && len(pg.Nodes) != 2 {
				return fmt.Errorf("range %+v", pg)
			}
			return err
		}},
		{name: "customer_strategy/create", path: "/cgi-bin/externalcontact/customer_strategy/create", prepare: seedAdvisors, call: func(ctx context.Context, s *Service) error {
			id, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{Name: "North", Admins: []string{"li.na"}})
			if err == nil && id <= 0 {
				return fmt.Errorf("id %d", id)
			}
			return err
		}},
		{name: "customer_strategy/edit", path: "/cgi-bin/externalcontact/customer_strategy/edit", prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			return s.EditCustomerStrategy(ctx, EditCustomerStrategyParams{StrategyID: customer(ctx, s), Name: "East key accounts", RangeDel: []StrategyRangeNode{StrategyUser("zhao.lei")}})
		}},
		{name: "customer_strategy/del", path: "/cgi-bin/externalcontact/customer_strategy/del", prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			return s.DeleteCustomerStrategy(ctx, customer(ctx, s))
		}},
		{name: "moment_strategy/list", path: "/cgi-bin/externalcontact/moment_strategy/list", retried: true, prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListMomentStrategiesPage(ctx, StrategyListParams{})
			if err == nil && len(pg.StrategyIDs) != 1 {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "moment_strategy/get", path: "/cgi-bin/externalcontact/moment_strategy/get", retried: true, prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			g, err := s.GetMomentStrategy(ctx, moment(ctx, s))
			if err == nil && (g.Name != "East moments" || g.Privilege != DefaultMomentStrategyPrivilege()) {
				return fmt.Errorf("group %+v", g)
			}
			return err
		}},
		{name: "moment_strategy/get_range", path: "/cgi-bin/externalcontact/moment_strategy/get_range", retried: true, prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListMomentStrategyRangePage(ctx, StrategyRangeParams{StrategyID: moment(ctx, s), Limit: 1})
			if err == nil && (len(pg.Nodes) != 1 || pg.NextCursor == "") {
				return fmt.Errorf("range %+v", pg)
			}
			return err
		}},
		{name: "moment_strategy/create", path: "/cgi-bin/externalcontact/moment_strategy/create", prepare: seedAdvisors, call: func(ctx context.Context, s *Service) error {
			_, err := s.CreateMomentStrategy(ctx, CreateMomentStrategyParams{Name: "North", Admins: []string{"li.na"}, Privilege: &MomentStrategyPrivilege{PostMoments: true}})
			return err
		}},
		{name: "moment_strategy/edit", path: "/cgi-bin/externalcontact/moment_strategy/edit", prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			return s.EditMomentStrategy(ctx, EditMomentStrategyParams{StrategyID: moment(ctx, s), Admins: []string{"zhao.lei"}})
		}},
		{name: "moment_strategy/del", path: "/cgi-bin/externalcontact/moment_strategy/del", prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			return s.DeleteMomentStrategy(ctx, moment(ctx, s))
		}},
	})
}

func TestCustomerStrategyLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedAdvisors(t, srv, s)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "wu.fang", Name: "吴芳", Department: []int{13}})
	ctx := context.Background()
	priv := DefaultCustomerStrategyPrivilege()
	priv.ShareCustomers, priv.ExportCustomerData = false, false
	top, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{Name: "East", Admins: []string{"li.na"}, Privilege: &priv,
		Range: []StrategyRangeNode{StrategyDepartment(12), StrategyUser("wu.fang")}})
	if err != nil {
		t.Fatal(err)
	}
	// A child's range must sit inside its parent's: zhao.lei is in department 12.
	child, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{ParentID: top, Name: "East key accounts", Admins: []string{"zhao.lei"},
		Range: []StrategyRangeNode{StrategyUser("zhao.lei")}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.GetCustomerStrategy(ctx, child)
	if err != nil || g.ParentID != top || g.Privilege != priv {
		t.Errorf("child %+v, %v: want the parent's privileges", g, err)
	}
	if _, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{ParentID: child, Name: "x", Admins: []string{"li.na"},
		Range: []StrategyRangeNode{StrategyUser("wu.fang")}}); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("range outside the parent's: %v, want 40058", err)
	}
	if err := s.EditCustomerStrategy(ctx, EditCustomerStrategyParams{StrategyID: child, RangeAdd: []StrategyRangeNode{StrategyDepartment(13)}}); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("adding outside the parent's range: %v, want 40058", err)
	}
	// Edit: the name and admins change, an empty admin list and nil privilege leave them.
	if err := s.EditCustomerStrategy(ctx, EditCustomerStrategyParams{StrategyID: top, Name: "East China",
		RangeAdd: []StrategyRangeNode{StrategyUser("li.na")}, RangeDel: []StrategyRangeNode{StrategyUser("wu.fang")}}); err != nil {
		t.Fatal(err)
	}
	g, err = s.GetCustomerStrategy(ctx, top)
	if err != nil || g.Name != "East China" || !slices.Equal(g.Admins, []string{"li.na"}) || g.Privilege != priv {
		t.Errorf("after edit %+v, %v", g, err)
	}
	var nodes []StrategyRangeNode
	for n, err := range s.ListCustomerStrategyRange(ctx, StrategyRangeParams{StrategyID: top, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, n)
	}
	if len(nodes) != 2 || !slices.Contains(nodes, StrategyUser("li.na")) || !slices.Contains(nodes, StrategyDepartment(12)) {
		t.Errorf("range %+v", nodes)
	}
	// Nesting stops at five levels.
	parent := child
	for range 3 {
		if parent, err = s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{ParentID: parent, Name: "deeper", Admins: []string{"li.na"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{ParentID: parent, Name: "sixth", Admins: []string{"li.na"}}); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("a sixth level: %v, want 40058", err)
	}
	// Deleting a group deletes its sub-groups.
	if err := s.DeleteCustomerStrategy(ctx, top); err != nil {
		t.Fatal(err)
	}
	if ids := srv.CustomerStrategies(wecomtest.CorpID); len(ids) != 0 {
		t.Errorf("left after deleting the top group: %v", ids)
	}
	if _, err := s.GetCustomerStrategy(ctx, child); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("get a deleted sub-group: %v, want 40058", err)
	}
	if _, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{Name: "x", Admins: []string{"ghost"}}); wecomtest.ErrCode(err) != client.CodeInvalidUserID {
		t.Errorf("unknown admin: %v, want 40003", err)
	}
	if _, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{Name: "x", Admins: []string{"li.na"}, Range: []StrategyRangeNode{StrategyDepartment(99)}}); wecomtest.ErrCode(err) != client.CodeInvalidDepartmentID {
		t.Errorf("unknown department: %v, want 60123", err)
	}
}

// TestStrategiesBelongToTheirApp: an app lists and reaches only the rule groups it created.
func TestStrategiesBelongToTheirApp(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedStrategies(t, srv, s)
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "crm-secret", AgentID: 1000003})
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: "crm-secret"}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	other := New(c)
	ctx := context.Background()
	pg, err := other.ListCustomerStrategiesPage(ctx, StrategyListParams{})
	if err != nil || len(pg.StrategyIDs) != 0 {
		t.Errorf("other app's list: %+v, %v", pg, err)
	}
	mine := firstStrategy(ctx, s.ListCustomerStrategiesPage)
	if err := other.DeleteCustomerStrategy(ctx, mine); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("delete another app's group: %v, want 40058", err)
	}
	if len(srv.CustomerStrategies(wecomtest.CorpID)) != 1 {
		t.Error("the group was deleted by another app")
	}
}

func TestStrategyValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	admins := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("a%02d", i)
		}
		return out
	}
	users := func(n int) []StrategyRangeNode {
		out := make([]StrategyRangeNode, n)
		for i := range out {
			out[i] = StrategyUser(fmt.Sprintf("u%04d", i))
		}
		return out
	}
	noBase := DefaultCustomerStrategyPrivilege()
	noBase.JoinGroupChat = false
	createC := func(p CreateCustomerStrategyParams) error { _, err := s.CreateCustomerStrategy(ctx, p); return err }
	createM := func(p CreateMomentStrategyParams) error { _, err := s.CreateMomentStrategy(ctx, p); return err }
	for _, tc := range []struct {
		err   error
		field string
	}{
		{createC(CreateCustomerStrategyParams{Admins: []string{"a"}}), "strategy_name"},
		{createC(CreateCustomerStrategyParams{Name: "n"}), "admin_list"},
		{createC(CreateCustomerStrategyParams{Name: "n", Admins: admins(21)}), "admin_list"},
		{createC(CreateCustomerStrategyParams{Name: "n", Admins: []string{"a"}, Range: users(101)}), "range"},
		{createC(CreateCustomerStrategyParams{Name: "n", Admins: []string{"a"}, Range: []StrategyRangeNode{{Type: 1}}}), "range.userid"},
		{createC(CreateCustomerStrategyParams{Name: "n", Admins: []string{"a"}, Range: []StrategyRangeNode{{Type: 2}}}), "range.partyid"},
		{createC(CreateCustomerStrategyParams{Name: "n", Admins: []string{"a"}, Range: []StrategyRangeNode{{Type: 3, UserID: "x"}}}), "range.type"},
		{createC(CreateCustomerStrategyParams{Name: "n", Admins: []string{"a"}, Privilege: &noBase}), "privilege.join_room"},
		{createC(CreateCustomerStrategyParams{Name: "n", Admins: []string{"a"}, Privilege: &CustomerStrategyPrivilege{}}), "privilege.view_customer_list"},
		{createM(CreateMomentStrategyParams{Name: "n", Admins: []string{"a"}, Range: users(3001)}), "range"},
		{s.EditCustomerStrategy(ctx, EditCustomerStrategyParams{Name: "n"}), "strategy_id"},
		{s.EditCustomerStrategy(ctx, EditCustomerStrategyParams{StrategyID: 1, RangeAdd: users(60), RangeDel: users(41)}), "range_add"},
		{s.EditCustomerStrategy(ctx, EditCustomerStrategyParams{StrategyID: 1, Privilege: &noBase}), "privilege.join_room"},
		{s.EditMomentStrategy(ctx, EditMomentStrategyParams{StrategyID: 1, Admins: admins(21)}), "admin_list"},
		{s.EditMomentStrategy(ctx, EditMomentStrategyParams{StrategyID: 1, RangeDel: []StrategyRangeNode{{Type: 2, PartyID: -1}}}), "range_del.partyid"},
		{s.DeleteMomentStrategy(ctx, 0), "strategy_id"},
		{func() error { _, err := s.GetCustomerStrategy(ctx, 0); return err }(), "strategy_id"},
		{func() error { _, err := s.ListMomentStrategiesPage(ctx, StrategyListParams{Limit: 1001}); return err }(), "limit"},
		{func() error {
			_, err := s.ListCustomerStrategyRangePage(ctx, StrategyRangeParams{StrategyID: 1, Limit: -1})
			return err
		}(), "limit"},
	} {
		var ve *client.ValidationError
		if !errors.As(tc.err, &ve) || ve.Field != tc.field {
			t.Errorf("want a validation error on %s, got %v", tc.field, tc.err)
		}
	}
	if err := createM(CreateMomentStrategyParams{Name: "n", Admins: []string{"a"}, Range: users(101)}); errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("101 nodes refused (%v): only customer_strategy documents the 100-node cap a call", err)
	}
}

// TestStrategyEncoding is the golden request of create and edit: the whole privilege, range
// nodes with only their type's id, and no empty lists.
func TestStrategyEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	create := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_strategy/create", `{"errcode":0,"errmsg":"ok","strategy_id":7}`)
	priv := DefaultCustomerStrategyPrivilege()
	priv.ShareCustomers = false
	id, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{Name: "NAME", Admins: []string{"zhangsan", "lisi"}, Privilege: &priv,
		Range: []StrategyRangeNode{StrategyUser("zhangsan"), StrategyDepartment(1)}})
	if err != nil || id != 7 {
		t.Fatalf("%d, %v", id, err)
	}
	want := `{"strategy_name":"NAME","admin_list":["zhangsan","lisi"],"privilege":{"view_customer_list":true,"view_customer_data":true,` +
		`"view_room_list":true,"contact_me":true,"join_room":true,"share_customer":false,"oper_resign_customer":true,"oper_resign_group":true,` +
		`"send_customer_msg":true,"edit_welcome_msg":true,"view_behavior_data":true,"view_room_data":true,"send_group_msg":true,` +
		`"room_deduplication":true,"rapid_reply":true,"onjob_customer_transfer":true,"edit_anti_spam_rule":true,"export_customer_list":true,` +
		`"export_customer_data":true,"export_customer_group_list":true,"manage_customer_tag":true},` +
		`"range":[{"type":1,"userid":"zhangsan"},{"type":2,"partyid":1}]}`
	if raw := (*create)[0].raw; raw != want {
		t.Errorf("create body\n%s\nwant\n%s", raw, want)
	}
	edit := captureJSON(mt, "POST", "/cgi-bin/externalcontact/moment_strategy/edit", `{"errcode":0,"errmsg":"ok"}`)
	if err := s.EditMomentStrategy(ctx, EditMomentStrategyParams{StrategyID: 1, Privilege: &MomentStrategyPrivilege{ViewAllMoments: true},
		RangeAdd: []StrategyRangeNode{StrategyUser("zhangsan")}, RangeDel: []StrategyRangeNode{StrategyDepartment(2)}}); err != nil {
		t.Fatal(err)
	}
	want = `{"strategy_id":1,"privilege":{"view_moment_list":true,"send_moment":false,"manage_moment_cover_and_sign":false},` +
		`"range_add":[{"type":1,"userid":"zhangsan"}],"range_del":[{"type":2,"partyid":2}]}`
	if raw := (*edit)[0].raw; raw != want {
		t.Errorf("edit body\n%s\nwant\n%s", raw, want)
	}
	list := captureJSON(mt, "POST", "/cgi-bin/externalcontact/customer_strategy/list", `{"errcode":0,"strategy":[{"strategy_id":1},{"strategy_id":2}]}`)
	pg, err := s.ListCustomerStrategiesPage(ctx, StrategyListParams{})
	if err != nil || !slices.Equal(pg.StrategyIDs, []int{1, 2}) || pg.NextCursor != "" || (*list)[0].raw != `{}` {
		t.Errorf("list %+v, %v, body %s", pg, err, (*list)[0].raw)
	}
}

// TestStrategyIteratorStopsOnRepeatedCursor: a server answering the cursor it was given ends
// the walk with ErrCursorLoop.
func TestStrategyIteratorStopsOnRepeatedCursor(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	captureJSON(mt, "POST", "/cgi-bin/externalcontact/moment_strategy/get_range", `{"errcode":0,"range":[{"type":1,"userid":"a"}],"next_cursor":"C1"}`)
	n, loops := 0, 0
	for _, err := range s.ListMomentStrategyRange(context.Background(), StrategyRangeParams{StrategyID: 1, Cursor: "C0"}) {
		if errors.Is(err, client.ErrCursorLoop) {
			loops++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 || loops != 1 {
		t.Errorf("%d nodes, %d loop errors; want 2 and 1", n, loops)
	}
}

func TestStrategyListWalksPages(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedAdvisors(t, srv, s)
	ctx := context.Background()
	for i := range 25 {
		if _, err := s.CreateMomentStrategy(ctx, CreateMomentStrategyParams{Name: fmt.Sprintf("g%02d", i), Admins: []string{"li.na"}}); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int
	for id, err := range s.ListMomentStrategies(ctx, StrategyListParams{Limit: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) != 25 || !slices.IsSorted(ids) || ids[0] != 1 || srv.Served("/cgi-bin/externalcontact/moment_strategy/list") != 3 {
		t.Errorf("ids %v in %d pages, want 1-25 in 3", ids, srv.Served("/cgi-bin/externalcontact/moment_strategy/list"))
	}
}
