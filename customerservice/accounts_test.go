package customerservice_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, first := setup(t)

	var ids []string
	for i := range 4 {
		id, err := svc.AddAccount(ctx, customerservice.AccountParams{Name: fmt.Sprintf("Desk %d", i), MediaID: "avatar"})
		if err != nil || id == "" {
			t.Fatalf("AddAccount: %q %v", id, err)
		}
		ids = append(ids, id)
	}
	// An add is not retried once it may have reached the server: a retry could duplicate it.
	srv.Inject("/cgi-bin/kf/account/add", wecomtest.Fault{Drop: true, AfterHandler: true}, 1)
	if _, err := svc.AddAccount(ctx, customerservice.AccountParams{Name: "Once", MediaID: "avatar"}); err == nil {
		t.Fatal("lost answer reported as success")
	}
	if n := srv.Calls("/cgi-bin/kf/account/add"); n != 5 {
		t.Fatalf("account/add called %d times, want 5 (no retry)", n)
	}

	if err := svc.UpdateAccount(ctx, customerservice.AccountParams{OpenKfID: ids[0], Name: "After-sales"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteAccount(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteAccount(ctx, ids[1]); !errors.Is(err, customerservice.ErrAccountNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	var names []string
	for a, err := range svc.ListAccounts(ctx, customerservice.ListAccountsParams{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.Name)
		if !a.ManagePrivilege || a.OpenKfID == "" {
			t.Errorf("account %+v", a)
		}
	}
	// 6 accounts: setup's, 4 added (one deleted), and the one whose answer was lost.
	if got := strings.Join(names, ","); got != "Dairy desk,After-sales,Desk 2,Desk 3,Once" {
		t.Fatalf("accounts %s", got)
	}
	if n := srv.Served("/cgi-bin/kf/account/list"); n != 3 {
		t.Errorf("list pages %d, want 3", n)
	}

	u, err := svc.ContactWay(ctx, customerservice.ContactWayParams{OpenKfID: first, Scene: "spring_campaign_01"})
	if err != nil || !strings.Contains(u, "enc_scene=") {
		t.Fatalf("ContactWay = %q, %v", u, err)
	}
	u, err = svc.ContactWay(ctx, customerservice.ContactWayParams{OpenKfID: first, Scene: "poster", SceneParam: "order=88231&src=app"})
	if err != nil || !strings.HasSuffix(u, "&scene_param=order%3D88231%26src%3Dapp") {
		t.Fatalf("ContactWay with scene_param = %q, %v", u, err)
	}

	for name, err := range map[string]error{
		"long name": func() error {
			_, err := svc.AddAccount(ctx, customerservice.AccountParams{Name: strings.Repeat("客", 17), MediaID: "m"})
			return err
		}(),
		"no media":          func() error { _, err := svc.AddAccount(ctx, customerservice.AccountParams{Name: "x"}); return err }(),
		"nothing to update": svc.UpdateAccount(ctx, customerservice.AccountParams{OpenKfID: first}),
		"no id":             svc.DeleteAccount(ctx, ""),
		"bad scene": func() error {
			_, err := svc.ContactWay(ctx, customerservice.ContactWayParams{OpenKfID: first, Scene: "a b"})
			return err
		}(),
		"scene_param without scene": func() error {
			_, err := svc.ContactWay(ctx, customerservice.ContactWayParams{OpenKfID: first, SceneParam: "x"})
			return err
		}(),
		"limit": func() error {
			_, err := svc.ListAccountsPage(ctx, customerservice.ListAccountsParams{Limit: 101})
			return err
		}(),
	} {
		if !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v", name, err)
		}
	}
	srv.FailNext("/cgi-bin/kf/account/update", client.CodeInvalidAccountName, 1)
	err = svc.UpdateAccount(ctx, customerservice.AccountParams{OpenKfID: first, Name: "x"})
	if !errors.Is(err, &client.APIError{Code: client.CodeInvalidAccountName}) {
		t.Fatalf("server refusal: %v", err)
	}
}
