package customerservice_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
)

func TestServicers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	res, err := svc.AddServicers(ctx, customerservice.ServicersParams{OpenKfID: kf, UserIDs: []string{"wangwu", "zhangsan"}, DepartmentIDs: []int{5}})
	if err != nil || len(res.Results) != 3 {
		t.Fatalf("add: %+v %v", res, err)
	}
	if !res.Results[0].OK() || res.Results[1].Message != "ignored" || res.Results[2].DepartmentID != 5 {
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
	if err != nil || !res.Results[0].OK() || res.Results[1].OK() || res.Results[1].Code != client.CodeNotServicer {
		t.Fatalf("del: %+v %v", res, err)
	}
	for name, p := range map[string]customerservice.ServicersParams{
		"empty":    {OpenKfID: kf},
		"no kf":    {UserIDs: []string{"a"}},
		"21 depts": {OpenKfID: kf, DepartmentIDs: make([]int, 21)},
	} {
		if _, err := svc.AddServicers(ctx, p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// One call takes at most 100 members: more are refused before sending.
	many := make([]string, 250)
	for i := range many {
		many[i] = fmt.Sprintf("u%03d", i)
	}
	before := srv.Calls("/cgi-bin/kf/servicer/add")
	if _, err := svc.AddServicers(ctx, customerservice.ServicersParams{OpenKfID: kf, UserIDs: many}); !errors.Is(err, client.ErrInvalidParams) {
		t.Fatalf("AddServicers with 250 members: %v, want ErrInvalidParams", err)
	}
	if n := srv.Calls("/cgi-bin/kf/servicer/add") - before; n != 0 {
		t.Fatalf("refused add sent %d calls", n)
	}
	if _, err := svc.DeleteServicers(ctx, customerservice.ServicersParams{OpenKfID: kf, DepartmentIDs: make([]int, 21)}); err != nil {
		t.Errorf("deleting 21 departments is allowed: %v", err)
	}
	if _, err := svc.ListServicers(ctx, "wkNOPE"); !errors.Is(err, customerservice.ErrAccountNotFound) {
		t.Errorf("unknown account: %v", err)
	}
}

// TestServicersInParts: 250 members go out in three calls of at most 100, one part per call
// with its own members and results; the departments ride in the first; a failed call ends the
// fan-out.
func TestServicersInParts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	many := make([]string, 250)
	for i := range many {
		many[i] = fmt.Sprintf("u%03d", i)
	}
	parts, err := svc.AddServicersInParts(ctx, customerservice.ServicersParams{OpenKfID: kf, UserIDs: many, DepartmentIDs: []int{5}})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls("/cgi-bin/kf/servicer/add"); n != 3 || len(parts) != 3 {
		t.Fatalf("%d calls, %d parts, want 3 and 3", n, len(parts))
	}
	for i, want := range []struct{ users, results int }{{100, 101}, {100, 100}, {50, 50}} {
		p := parts[i]
		if len(p.In.UserIDs) != want.users || len(p.Out.Results) != want.results || p.Err != nil || (i == 0) != (len(p.In.DepartmentIDs) == 1) {
			t.Errorf("part %d: %d users, %d results, %d departments, err %v", i, len(p.In.UserIDs), len(p.Out.Results), len(p.In.DepartmentIDs), p.Err)
		}
		if p.In.UserIDs[0] != many[i*100] || p.Out.Results[0].UserID != many[i*100] {
			t.Errorf("part %d starts at %s / %s, want %s", i, p.In.UserIDs[0], p.Out.Results[0].UserID, many[i*100])
		}
	}

	// A failing call ends the fan-out: its part, last, keeps its own error; no call follows.
	srv.FailAfter("/cgi-bin/kf/servicer/del", 1, client.CodeAPIForbidden, 1)
	parts, err = svc.DeleteServicersInParts(ctx, customerservice.ServicersParams{OpenKfID: kf, UserIDs: many})
	if !errors.Is(err, client.ErrPermission) || !strings.HasPrefix(err.Error(), "wecom: call 2 of 3: ") || len(parts) != 2 {
		t.Fatalf("delete: %d parts, %v", len(parts), err)
	}
	if parts[0].Err != nil || len(parts[0].Out.Results) != 100 || !errors.Is(parts[1].Err, client.ErrPermission) ||
		parts[1].Out != nil || len(parts[1].In.UserIDs) != 100 {
		t.Fatalf("delete parts: %+v", parts)
	}
	if n := srv.Calls("/cgi-bin/kf/servicer/del"); n != 2 {
		t.Errorf("servicer/del called %d times, want 2: the fan-out stops at the failure", n)
	}
	if _, err := svc.AddServicersInParts(ctx, customerservice.ServicersParams{OpenKfID: kf}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("empty: %v", err)
	}
}
