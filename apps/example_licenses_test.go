package apps_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// Interface licences (接口调用许可): once a corp's free trial is over, the provider orders
// accounts, the order is paid, and each member gets an active code; the app's calls for that
// member then go through.
func Example_licenses() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	// A corp installed the provider's suite (see Example_suite).
	srv.AddSuite(wecomtest.Suite{ID: "wwsuite0001", Secret: "suite-secret"})
	st := store.NewMemory()
	if err := client.StoreSuiteTicket(ctx, st, "wwsuite0001", srv.IssueSuiteTicket("wwsuite0001")); err != nil {
		panic(err)
	}
	suite, err := client.New(client.Suite{SuiteID: "wwsuite0001", Secret: "suite-secret"}, client.WithStore(st), client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	isv, err := apps.NewSuite(suite)
	if err != nil {
		panic(err)
	}
	authCode, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: "wwsuite0001", CorpID: "wwcust0000000001"})
	if err != nil {
		panic(err)
	}
	perm, err := isv.GetPermanentCodeV2(ctx, authCode)
	if err != nil {
		panic(err)
	}
	corp, err := suite.AuthCorp("wwcust0000000001", perm.PermanentCode)
	if err != nil {
		panic(err)
	}
	listCustomers := func() error {
		return corp.Do(ctx, http.MethodGet, "/cgi-bin/externalcontact/list", url.Values{"userid": {"li.na"}}, nil, nil)
	}
	srv.AddExternalContacts("wwcust0000000001", wecomtest.SeedExternalContact{ExternalUserID: "wmCustomer01", Name: "Customer",
		FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}})
	srv.EndLicenseTrial("wwcust0000000001") // the 90-day trial is over
	fmt.Println("before:", wecomtest.ErrCode(listCustomers()))

	// The provider orders one 互通 account for a year.
	srv.AddProvider("wwprov0000000001", "provider-secret")
	pc, err := client.New(client.Provider{CorpID: "wwprov0000000001", ProviderSecret: "provider-secret"}, client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	provider, err := apps.NewProvider(pc)
	if err != nil {
		panic(err)
	}
	orderID, err := provider.CreateLicenseOrder(ctx, apps.CreateLicenseOrderParams{CorpID: "wwcust0000000001", BuyerUserID: "buyer.admin",
		Count: apps.LicenseCount{ExternalContact: 1}, Duration: apps.LicenseDuration{Months: 12}})
	if err != nil {
		panic(err)
	}
	// The buyer pays in the provider admin console (or: SubmitLicensePayJob + WaitLicensePayJob).
	if err := srv.PayLicenseOrder(orderID); err != nil {
		panic(err)
	}
	for account, err := range provider.ListLicenseOrderAccounts(ctx, apps.ListLicenseOrderAccountsParams{OrderID: orderID}) {
		if err != nil {
			panic(err)
		}
		err = provider.ActivateLicense(ctx, apps.ActivateLicenseParams{ActiveCode: account.ActiveCode, CorpID: "wwcust0000000001", UserID: "li.na"})
		if err != nil {
			panic(err)
		}
	}
	m, err := provider.GetMemberLicenses(ctx, "wwcust0000000001", "li.na")
	if err != nil {
		panic(err)
	}
	fmt.Println("li.na active:", bool(m.Active), "type", m.Accounts[0].Type)
	fmt.Println("after:", wecomtest.ErrCode(listCustomers()))
	// Output:
	// before: 701008
	// li.na active: true type 2
	// after: 0
}
