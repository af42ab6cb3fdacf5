package customerservice_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wecom-connector/wecom/customerservice"
)

func TestServicers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	res, err := svc.AddServicers(ctx, customerservice.ServicersParams{OpenKfID: kf, UserIDs: []string{"wangwu", "zhangsan"}, DepartmentIDs: []uint32{5}})
	if err != nil || len(res) != 3 {
		t.Fatalf("add: %+v %v", res, err)
	}
	if !res[0].OK() || res[1].Message != "ignored" || res[2].DepartmentID != 5 {
		t.Errorf("results %+v", res)
	}
	if err := srv.SetKfServicerStatus(kf, "lisi", 1, 1); err != nil {
		t.Fatal(err)
	}
	list, err := svc.ListServicers(ctx, kf)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(list)
	if want := "[{zhangsan 0 1 0} {lisi 0 2 1} {wangwu 0 1 0} { 5 0 0}]"; got != want {
		t.Fatalf("list %s, want %s", got, want)
	}
	res, err = svc.DeleteServicers(ctx, customerservice.ServicersParams{OpenKfID: kf, UserIDs: []string{"wangwu", "nobody"}})
	if err != nil || !res[0].OK() || res[1].OK() || res[1].Code != customerservice.CodeNotServicer {
		t.Fatalf("del: %+v %v", res, err)
	}
	for name, p := range map[string]customerservice.ServicersParams{
		"empty":    {OpenKfID: kf},
		"no kf":    {UserIDs: []string{"a"}},
		"21 depts": {OpenKfID: kf, DepartmentIDs: make([]uint32, 21)},
	} {
		if _, err := svc.AddServicers(ctx, p); !errors.Is(err, customerservice.ErrInvalidParams) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// 250 members go out in calls of 100, and the results come back merged in order
	many := make([]string, 250)
	for i := range many {
		many[i] = fmt.Sprintf("u%03d", i)
	}
	before := srv.Calls("/cgi-bin/kf/servicer/add")
	res, err = svc.AddServicers(ctx, customerservice.ServicersParams{OpenKfID: kf, UserIDs: many})
	if err != nil || len(res) != 250 || res[249].UserID != "u249" {
		t.Fatalf("add 250: %d results, %v", len(res), err)
	}
	if n := srv.Calls("/cgi-bin/kf/servicer/add") - before; n != 3 {
		t.Fatalf("add 250: %d calls, want 3", n)
	}
	if _, err := svc.DeleteServicers(ctx, customerservice.ServicersParams{OpenKfID: kf, DepartmentIDs: make([]uint32, 21)}); err != nil {
		t.Errorf("deleting 21 departments is allowed: %v", err)
	}
	if _, err := svc.ListServicers(ctx, "wkNOPE"); !errors.Is(err, customerservice.ErrAccountNotFound) {
		t.Errorf("unknown account: %v", err)
	}
}
