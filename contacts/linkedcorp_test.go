package contacts

import (
	"context"
	"fmt"
	"testing"

	"github.com/wecom-connector/wecom/wecomtest"
)

const linkedCorp = "wwlinkedcorp0001"

func seedLinked(t *testing.T, srv *wecomtest.Server, _ *Service) {
	t.Helper()
	srv.LinkCorp(wecomtest.CorpID, linkedCorp, "lk001")
	srv.AddUsers(linkedCorp, wecomtest.SeedUser{UserID: "zhangsan", Name: "张三", Mobile: "13800000000", Department: []int{7}},
		wecomtest.SeedUser{UserID: "lisi", Name: "李四"})
}

func TestLinkedCorpMatrix(t *testing.T) {
	t.Parallel()
	runMatrix(t, []endpoint{
		{name: "get_perm_list", path: "/cgi-bin/linkedcorp/agent/get_perm_list", retried: true, prepare: seedLinked, call: func(ctx context.Context, s *Service) error {
			p, err := s.GetLinkedPermList(ctx)
			if err == nil && (len(p.UserIDs) != 2 || p.UserIDs[1] != linkedCorp+"/zhangsan" || p.DepartmentIDs[0] != "lk001/1") {
				return fmt.Errorf("perm list %+v", p)
			}
			return err
		}},
		{name: "user/get", path: "/cgi-bin/linkedcorp/user/get", retried: true, prepare: seedLinked, call: func(ctx context.Context, s *Service) error {
			u, err := s.GetLinkedUser(ctx, linkedCorp+"/zhangsan")
			if err == nil && (u.UserID != "zhangsan" || u.CorpID != linkedCorp || u.Mobile != "13800000000" || u.Department[0] != "lk001/7") {
				return fmt.Errorf("user %+v", u)
			}
			return err
		}},
		{name: "user/simplelist", path: "/cgi-bin/linkedcorp/user/simplelist", retried: true, prepare: seedLinked, call: func(ctx context.Context, s *Service) error {
			us, err := s.ListLinkedUsersSimple(ctx, LinkedUsersParams{DepartmentID: "lk001/1", FetchChild: true})
			if err == nil && len(us) != 2 {
				return fmt.Errorf("users %+v", us)
			}
			return err
		}},
		{name: "user/list", path: "/cgi-bin/linkedcorp/user/list", retried: true, prepare: seedLinked, call: func(ctx context.Context, s *Service) error {
			us, err := s.ListLinkedUsers(ctx, LinkedUsersParams{DepartmentID: "lk001/7"})
			if err == nil && (len(us) != 1 || us[0].Name != "张三") {
				return fmt.Errorf("users %+v", us)
			}
			return err
		}},
		{name: "department/list", path: "/cgi-bin/linkedcorp/department/list", retried: true, prepare: seedLinked, call: func(ctx context.Context, s *Service) error {
			ds, err := s.ListLinkedDepartments(ctx, "lk001/1")
			if err == nil && (len(ds) != 2 || ds[1].ID != "7" || ds[1].ParentID != "1") {
				return fmt.Errorf("departments %+v", ds)
			}
			return err
		}},
	})
}

func TestLinkedCorpErrors(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedLinked(t, srv, s)
	ctx := context.Background()
	if _, err := s.GetLinkedUser(ctx, "zhangsan"); wecomtest.ErrCode(err) != -999 {
		t.Errorf("id without corp: %v, want a validation error", err)
	}
	if _, err := s.GetLinkedUser(ctx, linkedCorp+"/ghost"); wecomtest.ErrCode(err) != 60111 {
		t.Errorf("unknown user: %v, want 60111", err)
	}
	if _, err := s.ListLinkedDepartments(ctx, "nolink/1"); wecomtest.ErrCode(err) != 40066 {
		t.Errorf("unknown linked id: %v, want 40066", err)
	}
}
