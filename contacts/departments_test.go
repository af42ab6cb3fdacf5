package contacts

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestDepartmentsMatrix(t *testing.T) {
	t.Parallel()
	withDept := func(t *testing.T, _ *wecomtest.Server, s *Service) {
		if _, err := s.CreateDepartment(context.Background(), CreateDepartmentParams{Name: "Production", ParentID: 1, ID: 12}); err != nil {
			t.Fatal(err)
		}
	}
	runMatrix(t, []endpoint{
		{name: "create", path: "/cgi-bin/department/create", call: func(ctx context.Context, s *Service) error {
			id, err := s.CreateDepartment(ctx, CreateDepartmentParams{Name: "Sewing", ParentID: 1})
			if err == nil && id < 2 {
				return fmt.Errorf("id %d", id)
			}
			return err
		}},
		{name: "update", path: "/cgi-bin/department/update", prepare: withDept, call: func(ctx context.Context, s *Service) error {
			return s.UpdateDepartment(ctx, UpdateDepartmentParams{ID: 12, Name: "Prod"})
		}},
		{name: "delete", path: "/cgi-bin/department/delete", retried: true, prepare: withDept, call: func(ctx context.Context, s *Service) error {
			return s.DeleteDepartment(ctx, 12)
		}},
		{name: "list", path: "/cgi-bin/department/list", retried: true, prepare: withDept, call: func(ctx context.Context, s *Service) error {
			ds, err := s.ListDepartments(ctx, 0)
			if err == nil && len(ds) != 2 {
				return fmt.Errorf("%d departments", len(ds))
			}
			return err
		}},
		{name: "simplelist", path: "/cgi-bin/department/simplelist", retried: true, prepare: withDept, call: func(ctx context.Context, s *Service) error {
			_, err := s.ListDepartmentIDs(ctx, 12)
			return err
		}},
		{name: "get", path: "/cgi-bin/department/get", retried: true, prepare: withDept, call: func(ctx context.Context, s *Service) error {
			d, err := s.GetDepartment(ctx, 12)
			if err == nil && d.Name != "Production" {
				return fmt.Errorf("name %q", d.Name)
			}
			return err
		}},
	})
}

func TestDepartmentTree(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	prod, err := s.CreateDepartment(ctx, CreateDepartmentParams{Name: "生产部", NameEn: "Production", ParentID: 1, Order: 100})
	if err != nil {
		t.Fatal(err)
	}
	sew, err := s.CreateDepartment(ctx, CreateDepartmentParams{Name: "缝制二车间", ParentID: prod, Order: 10})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDepartment(ctx, CreateDepartmentParams{Name: "缝制二车间", ParentID: prod}); wecomtest.ErrCode(err) != 60008 {
		t.Errorf("sibling with the same name: %v, want 60008", err)
	}
	if _, err := s.CreateDepartment(ctx, CreateDepartmentParams{Name: "x", ParentID: 999}); wecomtest.ErrCode(err) != 60004 {
		t.Errorf("unknown parent: %v, want 60004", err)
	}
	refs, err := s.ListDepartmentIDs(ctx, prod)
	if err != nil || len(refs) != 2 || refs[1].ID != sew || refs[1].ParentID != prod || refs[1].Order != 10 {
		t.Errorf("simplelist = %+v, %v", refs, err)
	}
	if err := s.UpdateDepartment(ctx, UpdateDepartmentParams{ID: prod, ParentID: sew}); wecomtest.ErrCode(err) != 60010 {
		t.Errorf("cycle: %v, want 60010", err)
	}
	if err := s.UpdateDepartment(ctx, UpdateDepartmentParams{ID: sew, Order: client.Ptr(uint32(0))}); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.GetDepartment(ctx, sew); d.Order != 0 {
		t.Errorf("order = %d after update to 0", d.Order)
	}
	seedUser(t, s, "worker", sew)
	for _, tc := range []struct {
		id, code int
	}{{1, 60007}, {prod, 60006}, {sew, 60005}, {4242, 60003}} {
		if err := s.DeleteDepartment(ctx, tc.id); wecomtest.ErrCode(err) != tc.code {
			t.Errorf("delete %d: %v, want %d", tc.id, err, tc.code)
		}
	}
	if err := s.DeleteUser(ctx, "worker"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDepartment(ctx, sew); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetDepartment(ctx, sew); wecomtest.ErrCode(err) != 60003 {
		t.Errorf("get after delete: %v, want 60003", err)
	}
}

func TestDepartmentValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	for _, tc := range []struct {
		p     CreateDepartmentParams
		field string
	}{
		{CreateDepartmentParams{ParentID: 1}, "name"},
		{CreateDepartmentParams{Name: "a|b", ParentID: 1}, "name"},
		{CreateDepartmentParams{Name: "a", NameEn: "a<b", ParentID: 1}, "name_en"},
		{CreateDepartmentParams{Name: "a"}, "parentid"},
		{CreateDepartmentParams{Name: "a", ParentID: 1, ID: 1}, "id"},
	} {
		_, err := s.CreateDepartment(ctx, tc.p)
		var ve *client.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%+v: %v, want a ValidationError on %s", tc.p, err, tc.field)
		}
	}
}

func TestDepartmentEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/department/update", `{"errcode":0,"errmsg":"updated"}`)
	if err := s.UpdateDepartment(context.Background(), UpdateDepartmentParams{ID: 31, Order: client.Ptr(uint32(0))}); err != nil {
		t.Fatal(err)
	}
	if raw := (*got)[0].raw; raw != `{"id":31,"order":0}` {
		t.Errorf("body = %s, want only id and the explicit order 0", raw)
	}
	list := captureJSON(mt, "GET", "/cgi-bin/department/list", `{"errcode":0,"department":[{"id":12,"parentid":1,"order":4294967295}]}`)
	ds, err := s.ListDepartments(context.Background(), 0)
	if err != nil || ds[0].Order != 4294967295 {
		t.Errorf("departments %+v, %v (order up to 2^32-1)", ds, err)
	}
	if _, ok := (*list)[0].query["id"]; ok {
		t.Errorf("id 0 must not be sent: %v", (*list)[0].query)
	}
}
