package contacts

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func seedUser(t *testing.T, s *Service, id string, depts ...int) {
	t.Helper()
	if _, err := s.CreateUser(context.Background(), CreateUserParams{UserID: id, Name: "N " + id, Mobile: "139" + id, Department: depts}); err != nil {
		t.Fatalf("create %s: %v", id, err)
	}
}

func TestUsersMatrix(t *testing.T) {
	t.Parallel()
	withLiNa := func(t *testing.T, _ *wecomtest.Server, s *Service) { seedUser(t, s, "li.na", 1) }
	runMatrix(t, []endpoint{
		{name: "create", path: "/cgi-bin/user/create", call: func(ctx context.Context, s *Service) error {
			_, err := s.CreateUser(ctx, CreateUserParams{UserID: "zhao.lei", Name: "赵磊", Email: "z@example.com"})
			return err
		}},
		{name: "get", path: "/cgi-bin/user/get", retried: true, prepare: withLiNa, call: func(ctx context.Context, s *Service) error {
			u, err := s.GetUser(ctx, "li.na")
			if err == nil && u.Name != "N li.na" {
				return fmt.Errorf("name %q", u.Name)
			}
			return err
		}},
		{name: "update", path: "/cgi-bin/user/update", prepare: withLiNa, call: func(ctx context.Context, s *Service) error {
			return s.UpdateUser(ctx, UpdateUserParams{UserID: "li.na", Position: client.Ptr("QA")})
		}},
		{name: "delete", path: "/cgi-bin/user/delete", retried: true, prepare: withLiNa, call: func(ctx context.Context, s *Service) error {
			return s.DeleteUser(ctx, "li.na")
		}},
		{name: "batchdelete", path: "/cgi-bin/user/batchdelete", prepare: withLiNa, call: func(ctx context.Context, s *Service) error {
			return s.DeleteUsers(ctx, []string{"li.na"})
		}},
		{name: "simplelist", path: "/cgi-bin/user/simplelist", retried: true, prepare: withLiNa, call: func(ctx context.Context, s *Service) error {
			us, err := s.ListUsersSimple(ctx, 1)
			if err == nil && len(us) != 1 {
				return fmt.Errorf("%d users", len(us))
			}
			return err
		}},
		{name: "list", path: "/cgi-bin/user/list", retried: true, prepare: withLiNa, call: func(ctx context.Context, s *Service) error {
			us, err := s.ListUsers(ctx, 1)
			if err == nil && (len(us) != 1 || us[0].UserID != "li.na") {
				return fmt.Errorf("users %+v", us)
			}
			return err
		}},
		{name: "list_id", path: "/cgi-bin/user/list_id", retried: true, prepare: withLiNa, call: func(ctx context.Context, s *Service) error {
			_, err := s.ListUserIDsPage(ctx, ListUserIDsParams{Limit: 10})
			return err
		}},
		{name: "convert_to_openid", path: "/cgi-bin/user/convert_to_openid", retried: true, prepare: withLiNa, call: func(ctx context.Context, s *Service) error {
			_, err := s.ConvertToOpenID(ctx, "li.na")
			return err
		}},
		{name: "getuserid", path: "/cgi-bin/user/getuserid", retried: true, prepare: withLiNa, call: func(ctx context.Context, s *Service) error {
			id, err := s.GetUserIDByMobile(ctx, "139li.na")
			if err == nil && id != "li.na" {
				return fmt.Errorf("id %q", id)
			}
			return err
		}},
	})
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	dept, err := s.CreateDepartment(ctx, CreateDepartmentParams{Name: "缝制二车间", ParentID: 1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.CreateUser(ctx, CreateUserParams{
		UserID: "li.na", Name: "李娜", Mobile: "+86 13900001111", Department: []int{1, dept, 77},
		Order: []uint32{0, 5, 0}, IsLeaderInDept: []int{0, 1, 0}, Gender: GenderFemale, ToInvite: client.Ptr(false),
		ExtAttr: &ExtAttr{Attrs: []Attr{{Type: AttrText, Name: "Plant", Text: &TextAttr{Value: "Suzhou-2"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CreatedDepartments) != 1 || res.CreatedDepartments[0].ID != 77 {
		t.Errorf("created departments = %+v, want 77", res.CreatedDepartments)
	}
	u, err := s.GetUser(ctx, "LI.NA") // plaintext userids are case-insensitive
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "李娜" || u.Gender != GenderFemale || len(u.Department) != 3 || u.Status != UserActive ||
		u.ExtAttr == nil || u.ExtAttr.Attrs[0].Text.Value != "Suzhou-2" {
		t.Errorf("user = %+v", u)
	}
	d, err := s.GetDepartment(ctx, dept)
	if err != nil || len(d.Leaders) != 1 || d.Leaders[0] != "li.na" {
		t.Errorf("department leaders = %+v, %v", d, err)
	}

	if _, err := s.CreateUser(ctx, CreateUserParams{UserID: "li.na", Name: "x", Email: "x@example.com"}); wecomtest.ErrCode(err) != 60102 {
		t.Errorf("duplicate create: %v, want 60102", err)
	}
	if _, err := s.CreateUser(ctx, CreateUserParams{UserID: "other", Name: "x", Mobile: "+86 13900001111"}); wecomtest.ErrCode(err) != 60104 {
		t.Errorf("duplicate mobile: %v, want 60104", err)
	}
	if err := s.UpdateUser(ctx, UpdateUserParams{UserID: "li.na", Position: client.Ptr("QA manager"), Enable: client.Ptr(0)}); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.GetUser(ctx, "li.na"); u.Position != "QA manager" || u.Status != UserDisabled || u.Name != "李娜" {
		t.Errorf("after update: %+v", u)
	}
	if err := s.UpdateUser(ctx, UpdateUserParams{UserID: "ghost", Name: "x"}); wecomtest.ErrCode(err) != 60111 {
		t.Errorf("update unknown: %v, want 60111", err)
	}
	if err := s.DeleteUser(ctx, "li.na"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetUser(ctx, "li.na"); wecomtest.ErrCode(err) != 60111 {
		t.Errorf("get after delete: %v, want 60111", err)
	}
	if err := s.DeleteUser(ctx, "li.na"); wecomtest.ErrCode(err) != 60111 {
		t.Errorf("delete twice: %v, want 60111", err)
	}
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ok := CreateUserParams{UserID: "a.b", Name: "A", Mobile: "13900001111"}
	tests := []struct {
		field string
		edit  func(p *CreateUserParams)
	}{
		{"userid", func(p *CreateUserParams) { p.UserID = "" }},
		{"userid", func(p *CreateUserParams) { p.UserID = strings.Repeat("a", 65) }},
		{"userid", func(p *CreateUserParams) { p.UserID = "li na" }},
		{"userid", func(p *CreateUserParams) { p.UserID = "_li" }},
		{"name", func(p *CreateUserParams) { p.Name = "" }},
		{"name", func(p *CreateUserParams) { p.Name = strings.Repeat("名", 65) }},
		{"mobile", func(p *CreateUserParams) { p.Mobile = "" }},
		{"department", func(p *CreateUserParams) { p.Department = make([]int, 101) }},
		{"order", func(p *CreateUserParams) { p.Department, p.Order = []int{1, 2}, []uint32{1} }},
		{"is_leader_in_dept", func(p *CreateUserParams) { p.Department, p.IsLeaderInDept = []int{1}, []int{1, 0} }},
		{"direct_leader", func(p *CreateUserParams) { p.DirectLeader = []string{"a", "b"} }},
	}
	for _, tc := range tests {
		p := ok
		tc.edit(&p)
		_, err := s.CreateUser(context.Background(), p)
		var ve *client.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s: err = %v, want a ValidationError on %s", tc.field, err, tc.field)
		}
	}
	if _, err := s.CreateUser(context.Background(), CreateUserParams{UserID: "a@b.c-d_e", Name: "A", Email: "a@b.c"}); err != nil {
		t.Errorf("valid user refused: %v", err)
	}
}

func TestDeleteUsersInPartsSplitsAt200(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	ids := make([]string, 450)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%03d", i)
		seedUser(t, s, ids[i])
	}
	if err := s.DeleteUsers(ctx, ids); !errors.Is(err, client.ErrInvalidParams) || srv.Calls("/cgi-bin/user/batchdelete") != 0 {
		t.Errorf("DeleteUsers with 450 ids: %v, want a validation error and no call (one call takes 200)", err)
	}
	parts, err := s.DeleteUsersInParts(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 || len(parts[0].In) != 200 || len(parts[2].In) != 50 || parts[2].In[0] != "u400" {
		t.Errorf("parts %d: %v", len(parts), parts)
	}
	if n := srv.Served("/cgi-bin/user/batchdelete"); n != 3 {
		t.Errorf("batchdelete calls = %d, want 3", n)
	}
	if us, _ := s.ListUsersSimple(ctx, 1); len(us) != 0 {
		t.Errorf("%d users left", len(us))
	}
	// A failing call stops the split: the parts done before it come back, the failed one last
	// with the error.
	more := make([]string, 250)
	for i := range more {
		more[i] = fmt.Sprintf("v%03d", i)
		seedUser(t, s, more[i])
	}
	more[210] = "ghost"
	parts, err = s.DeleteUsersInParts(ctx, more)
	if wecomtest.ErrCode(err) != 40031 || len(parts) != 2 || !strings.Contains(err.Error(), "call 2 of 2") {
		t.Errorf("parts %d, err %v; want 2 parts and 40031 from call 2 of 2", len(parts), err)
	}
	if len(parts) == 2 && (parts[0].Err != nil || parts[0].Out == nil || len(parts[0].In) != 200 || wecomtest.ErrCode(parts[1].Err) != 40031 || parts[1].Out != nil) {
		t.Errorf("parts %+v: want 200 deleted, then the failed call", parts)
	}
	if _, err := s.GetUser(ctx, "v249"); err != nil {
		t.Errorf("a failed call deleted a member: %v", err)
	}
	if _, err := s.DeleteUsersInParts(ctx, nil); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("empty list: %v", err)
	}
}

func TestListUserIDsWalksPages(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	for i := range 25 {
		seedUser(t, s, fmt.Sprintf("m%02d", i), 1)
	}
	seen := map[string]int{}
	for du, err := range s.ListUserIDs(ctx, ListUserIDsParams{Limit: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[du.UserID]++
	}
	if len(seen) != 25 {
		t.Errorf("saw %d members, want 25", len(seen))
	}
	if n := srv.Served("/cgi-bin/user/list_id"); n != 3 {
		t.Errorf("pages = %d, want 3", n)
	}
	if _, err := s.ListUserIDsPage(ctx, ListUserIDsParams{Cursor: "garbage!", Limit: 10}); wecomtest.ErrCode(err) != 50100 {
		t.Errorf("bad cursor: %v, want 50100", err)
	}
	if _, err := s.ListUserIDsPage(ctx, ListUserIDsParams{Limit: 10001}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("limit 10001: %v", err)
	}
}

func TestIDConversions(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	if _, err := s.CreateUser(ctx, CreateUserParams{UserID: "li.na", Name: "李娜", Mobile: "13900001111", Email: "li.na@example.com"}); err != nil {
		t.Fatal(err)
	}
	open, err := s.ConvertToOpenID(ctx, "li.na")
	if err != nil || open == "" {
		t.Fatalf("openid %q, %v", open, err)
	}
	if id, err := s.ConvertToUserID(ctx, open); err != nil || id != "li.na" {
		t.Errorf("back to userid: %q, %v", id, err)
	}
	if _, err := s.ConvertToUserID(ctx, "nonsense"); wecomtest.ErrCode(err) != 40073 {
		t.Errorf("bad openid: %v, want 40073", err)
	}
	if id, err := s.GetUserIDByEmail(ctx, "li.na@example.com", EmailPersonal); err != nil || id != "li.na" {
		t.Errorf("by email: %q, %v", id, err)
	}
	if _, err := s.GetUserIDByEmail(ctx, "nobody@example.com", 0); wecomtest.ErrCode(err) != 60147 {
		t.Errorf("unknown email: %v, want 60147", err)
	}
	if _, err := s.GetUserIDByMobile(ctx, "13900009999"); wecomtest.ErrCode(err) != 46004 {
		t.Errorf("unknown mobile: %v, want 46004", err)
	}
	if _, err := s.GetUserIDByMobile(ctx, "12"); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("short mobile: %v", err)
	}
}

func TestUserEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/user/update", `{"errcode":0,"errmsg":"updated"}`)
	ctx := context.Background()
	// Zero values that matter are sent; unset optionals are omitted.
	err := s.UpdateUser(ctx, UpdateUserParams{UserID: "li.na", Enable: client.Ptr(0), Department: []int{12}, Order: []uint32{0}})
	if err != nil {
		t.Fatal(err)
	}
	f := (*got)[0].fields(t)
	if string(f["enable"]) != "0" || string(f["order"]) != "[0]" || string(f["department"]) != "[12]" {
		t.Errorf("body %s", (*got)[0].raw)
	}
	for _, absent := range []string{"name", "mobile", "email", "gender", "to_invite", "main_department", "extattr"} {
		if _, ok := f[absent]; ok {
			t.Errorf("%s sent though unset: %s", absent, (*got)[0].raw)
		}
	}
	create := captureJSON(mt, "POST", "/cgi-bin/user/create", `{"errcode":0,"errmsg":"created"}`)
	if _, err := s.CreateUser(ctx, CreateUserParams{UserID: "a", Name: "A", Mobile: "1", Gender: GenderMale, ToInvite: client.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	f = (*create)[0].fields(t)
	if string(f["gender"]) != `"1"` || string(f["to_invite"]) != "false" {
		t.Errorf("gender must be a JSON string and to_invite false must be sent: %s", (*create)[0].raw)
	}
	get := captureJSON(mt, "GET", "/cgi-bin/user/simplelist", `{"errcode":0,"userlist":[]}`)
	if _, err := s.ListUsersSimple(ctx, 31); err != nil {
		t.Fatal(err)
	}
	q := (*get)[0].query
	if q["department_id"][0] != "31" || q["fetch_child"] != nil {
		t.Errorf("query %v", q)
	}
}

// TestUserIDIteratorMemoryIndependentOfTotal walks 1,000 and 10,000 members (pages of 500) and
// compares the live heap halfway through: one page is held at a time, so the growth must not
// scale with the total (holding 10,000 pairs would add about 0.5 MB).
func TestUserIDIteratorMemoryIndependentOfTotal(t *testing.T) {
	checkFlatHeap(t, "members", func(n int) iter.Seq2[DeptUser, error] {
		srv, s := newSim(t)
		users := make([]wecomtest.SeedUser, n)
		for i := range users {
			users[i] = wecomtest.SeedUser{UserID: fmt.Sprintf("w%05d", i), Name: "w"}
		}
		srv.AddUsers(wecomtest.CorpID, users...)
		p := ListUserIDsParams{Limit: 500}
		if _, err := s.ListUserIDsPage(context.Background(), p); err != nil { // warm up
			t.Fatal(err)
		}
		return s.ListUserIDs(context.Background(), p)
	}, nil)
}

func TestListUserIDsWalks10000(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	users := make([]wecomtest.SeedUser, 10000)
	for i := range users {
		users[i] = wecomtest.SeedUser{UserID: fmt.Sprintf("w%05d", i), Name: "w", Department: []int{1, 2}}
	}
	srv.AddUsers(wecomtest.CorpID, users...)
	seen := make(map[string]int, 10000)
	for du, err := range s.ListUserIDs(context.Background(), ListUserIDsParams{Limit: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[du.UserID]++
	}
	if len(seen) != 10000 || seen["w00042"] != 2 {
		t.Errorf("%d members, w00042 seen %d times; want 10000 and 2 (one per department)", len(seen), seen["w00042"])
	}
	if pages := srv.Served("/cgi-bin/user/list_id"); pages != 20 {
		t.Errorf("pages = %d, want 20", pages)
	}
}

// TestUpdateUserEncodesClearingValues checks the two documented "clear" values on user/update:
// an empty biz_mail_alias item list and an empty external_corp_name.
func TestUpdateUserEncodesClearingValues(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/user/update", `{"errcode":0,"errmsg":"updated"}`)
	err := s.UpdateUser(context.Background(), UpdateUserParams{UserID: "li.na", BizMailAlias: &BizMailAlias{}})
	if err != nil {
		t.Fatal(err)
	}
	if f := (*got)[0].fields(t); string(f["biz_mail_alias"]) != `{"item":[]}` {
		t.Errorf("biz_mail_alias = %s, want {\"item\":[]} (null is not an empty list): %s", f["biz_mail_alias"], (*got)[0].raw)
	}
	err = s.UpdateUser(context.Background(), UpdateUserParams{UserID: "li.na", ExternalProfile: &ExternalProfile{ExternalCorpName: client.Ptr("")}})
	if err != nil {
		t.Fatal(err)
	}
	if raw := (*got)[1].raw; !strings.Contains(raw, `"external_profile":{"external_corp_name":""}`) {
		t.Errorf("external_corp_name \"\" (reset) must be sent: %s", raw)
	}
	// a free-text field set to "" clears it; an unset one is left out
	err = s.UpdateUser(context.Background(), UpdateUserParams{UserID: "li.na", Position: client.Ptr("")})
	if err != nil {
		t.Fatal(err)
	}
	if raw := (*got)[2].raw; raw != `{"userid":"li.na","position":""}` {
		t.Errorf("clearing position sent %s", raw)
	}
}
