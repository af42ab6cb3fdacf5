package customerservice_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/wecomtest"
)

func errCode(code int) error { return &client.APIError{Code: code} }

// TestBatchGetCustomersSplits asks for 250 customers: three calls of at most 100, results
// merged in order.
func TestBatchGetCustomersSplits(t *testing.T) {
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
	srv.SetKfCustomer("wm000", "Li Hua", 2, "oUnion0")
	res, err := svc.BatchGetCustomers(ctx, customerservice.CustomersParams{ExternalUserIDs: ids, NeedEnterSessionContext: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls("/cgi-bin/kf/customer/batchget"); n != 3 {
		t.Errorf("batchget called %d times, want 3", n)
	}
	if len(res.Customers) != 125 || len(res.Invalid) != 125 {
		t.Fatalf("%d customers, %d invalid", len(res.Customers), len(res.Invalid))
	}
	c := res.Customers[0]
	if c.ExternalUserID != "wm000" || c.Nickname != "Li Hua" || c.Gender != customerservice.GenderFemale || c.UnionID != "oUnion0" ||
		c.EnterSessionContext == nil || c.EnterSessionContext.Scene != "scene_a" {
		t.Fatalf("customer %+v", c)
	}
	if res.Customers[124].ExternalUserID != "wm248" || res.Invalid[0] != "wm001" {
		t.Errorf("order lost: %s %s", res.Customers[124].ExternalUserID, res.Invalid[0])
	}

	srv.AdvanceKfClock(49 * time.Hour)
	res, err = svc.BatchGetCustomers(ctx, customerservice.CustomersParams{ExternalUserIDs: ids[:1]})
	if err != nil || len(res.Customers) != 0 || len(res.Invalid) != 1 {
		t.Fatalf("after 48 hours: %+v %v", res, err)
	}
	for _, bad := range [][]string{nil, {"a", ""}} {
		if _, err := svc.BatchGetCustomers(ctx, customerservice.CustomersParams{ExternalUserIDs: bad}); !errors.Is(err, customerservice.ErrInvalidParams) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// The second chunk fails: the error comes back, no partial result.
	srv.Inject("/cgi-bin/kf/customer/batchget", wecomtest.Fault{}, 1) // first chunk passes
	srv.FailNext("/cgi-bin/kf/customer/batchget", 48002, 1)
	calls := srv.Calls("/cgi-bin/kf/customer/batchget")
	res, err = svc.BatchGetCustomers(ctx, customerservice.CustomersParams{ExternalUserIDs: ids})
	if !errors.Is(err, client.ErrPermission) || len(res.Customers) != 0 {
		t.Fatalf("failing second chunk: %+v %v", res, err)
	}
	if n := srv.Calls("/cgi-bin/kf/customer/batchget") - calls; n != 2 {
		t.Errorf("%d calls, want 2 (stop at the failure)", n)
	}
}
