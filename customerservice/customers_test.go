package customerservice_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/internal/wire"
)

// TestBatchGetCustomers asks for up to 100 customers in one call; more are refused before
// sending.
func TestBatchGetCustomers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	for _, id := range []string{"wm000", "wm002"} {
		if err := srv.CustomerEnters(kf, id, "scene_a"); err != nil {
			t.Fatal(err)
		}
	}
	srv.SetKfCustomer("wm000", "Li Hua", 2, "oUnion0")
	res, err := svc.BatchGetCustomers(ctx, customerservice.CustomersParams{ExternalUserIDs: []string{"wm000", "wm001", "wm002"}, NeedEnterSessionContext: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Customers) != 2 || len(res.Invalid) != 1 || res.Invalid[0] != "wm001" {
		t.Fatalf("%+v", res)
	}
	c := res.Customers[0]
	if c.ExternalUserID != "wm000" || c.Nickname != "Li Hua" || c.Gender != customerservice.GenderFemale || c.UnionID != "oUnion0" ||
		c.EnterSessionContext == nil || c.EnterSessionContext.Scene != "scene_a" {
		t.Fatalf("customer %+v", c)
	}

	srv.AdvanceKfClock(49 * time.Hour)
	res, err = svc.BatchGetCustomers(ctx, customerservice.CustomersParams{ExternalUserIDs: []string{"wm000"}})
	if err != nil || len(res.Customers) != 0 || len(res.Invalid) != 1 {
		t.Fatalf("after 48 hours: %+v %v", res, err)
	}
	for _, bad := range [][]string{nil, {"a", ""}, make([]string, 101)} {
		if _, err := svc.BatchGetCustomers(ctx, customerservice.CustomersParams{ExternalUserIDs: bad}); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%d IDs: %v", len(bad), err)
		}
	}
	if n := srv.Calls("/cgi-bin/kf/customer/batchget"); n != 2 {
		t.Errorf("batchget called %d times, want 2 (refusals are not sent)", n)
	}
}

// TestBatchGetCustomersInParts asks for 250 customers: three calls of at most 100, one part
// per call in order; a failing call keeps its own error and ends the fan-out.
func TestBatchGetCustomersInParts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	var ids []string
	for i := range 250 {
		id := fmt.Sprintf("wm%03d", i)
		ids = append(ids, id)
		if i%2 == 0 { // only customers seen in the last 48 hours are returned
			if err := srv.CustomerEnters(kf, id, "scene_a"); err != nil {
				t.Fatal(err)
			}
		}
	}
	parts, err := svc.BatchGetCustomersInParts(ctx, customerservice.CustomersParams{ExternalUserIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls("/cgi-bin/kf/customer/batchget"); n != 3 || len(parts) != 3 {
		t.Fatalf("%d calls, %d parts, want 3 and 3", n, len(parts))
	}
	for i, want := range []int{100, 100, 50} {
		p := parts[i]
		if len(p.In.ExternalUserIDs) != want || len(p.Out.Customers) != want/2 || len(p.Out.Invalid) != want/2 || p.Err != nil {
			t.Errorf("part %d: %d IDs, %d customers, %d invalid, %v", i, len(p.In.ExternalUserIDs), len(p.Out.Customers), len(p.Out.Invalid), p.Err)
		}
		if p.Out.Customers[0].ExternalUserID != ids[i*100] || p.Out.Invalid[0] != ids[i*100+1] {
			t.Errorf("part %d starts at %s / %s", i, p.Out.Customers[0].ExternalUserID, p.Out.Invalid[0])
		}
	}

	// The second call fails: its part, last, holds the error; the first keeps its answer and
	// no call follows.
	srv.FailAfter("/cgi-bin/kf/customer/batchget", 1, client.CodeAPIForbidden, 1)
	before := srv.Calls("/cgi-bin/kf/customer/batchget")
	parts, err = svc.BatchGetCustomersInParts(ctx, customerservice.CustomersParams{ExternalUserIDs: ids})
	if !errors.Is(err, client.ErrPermission) || !strings.HasPrefix(err.Error(), "wecom: call 2 of 3: ") || len(parts) != 2 {
		t.Fatalf("failing second call: %d parts, %v", len(parts), err)
	}
	if parts[0].Err != nil || len(parts[0].Out.Customers) != 50 || !errors.Is(parts[1].Err, client.ErrPermission) ||
		parts[1].Out != nil || len(parts[1].In.ExternalUserIDs) != 100 {
		t.Fatalf("parts %+v", parts)
	}
	if n := srv.Calls("/cgi-bin/kf/customer/batchget") - before; n != 2 {
		t.Errorf("batchget called %d times, want 2: the fan-out stops at the failure", n)
	}
	if _, err := svc.BatchGetCustomersInParts(ctx, customerservice.CustomersParams{}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("no IDs: %v", err)
	}
}

// TestCustomerGender: gender is the SDK's one gender type, read from a number or a string.
func TestCustomerGender(t *testing.T) {
	t.Parallel()
	var got []customerservice.Customer
	if err := json.Unmarshal([]byte(`[{"gender":2},{"gender":"1"},{"gender":0}]`), &got); err != nil {
		t.Fatal(err)
	}
	want := []wire.Gender{customerservice.GenderFemale, customerservice.GenderMale, customerservice.GenderUnknown}
	for i, c := range got {
		if c.Gender != want[i] {
			t.Errorf("%d: gender %v, want %v", i, c.Gender, want[i])
		}
	}
}
