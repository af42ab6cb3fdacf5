package apps_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

func orPanic(err error) {
	if err != nil {
		panic(err)
	}
}

// A provider's third-party app converts a corp's userids into its open_userids; the corp's own
// internal app converts them back, naming the third-party app's agentid. Against the real API
// drop WithBaseURL and the simulator's setup.
func ExampleService_UserIDsToOpenUserIDs() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	// The simulator's side: a provider's suite, installed by the default corp as agent 1000100.
	srv.AddSuite(wecomtest.Suite{ID: "wwsuite0001", Secret: "sim-suite-secret"})
	srv.LinkSuite(wecomtest.ProviderSuite{ProviderCorpID: "wwprov0000000001", SuiteID: "wwsuite0001"})
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"})
	authCode, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: "wwsuite0001", CorpID: wecomtest.CorpID, AgentID: 1000100})
	orPanic(err)

	ctx := context.Background()
	st := store.NewMemory() // where the suite_ticket callback handler saved the ticket
	orPanic(client.StoreSuiteTicket(ctx, st, "wwsuite0001", srv.IssueSuiteTicket("wwsuite0001")))
	suite, err := client.New(client.Suite{SuiteID: "wwsuite0001", Secret: "sim-suite-secret"}, client.WithBaseURL(srv.URL()), client.WithStore(st))
	orPanic(err)
	isv, err := apps.NewSuite(suite)
	orPanic(err)
	perm, err := isv.GetPermanentCode(ctx, authCode)
	orPanic(err)
	corp, err := suite.AuthCorp(perm.AuthCorpInfo.CorpID, perm.PermanentCode)
	orPanic(err)

	open, err := apps.New(corp).UserIDsToOpenUserIDs(ctx, []string{"li.na", "ghost"})
	orPanic(err)
	internal, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	orPanic(err)
	back, err := apps.New(internal).OpenUserIDsToUserIDs(ctx, apps.OpenUserIDsParams{OpenUserIDs: []string{open.Items[0].OpenUserID}, SourceAgentID: 1000100})
	orPanic(err)
	fmt.Println(strings.HasPrefix(open.Items[0].OpenUserID, "wo"), open.Invalid, back.Items[0].UserID)
	// Output: true [ghost] li.na
}

// A provider hands a visitor a register link; once the visitor registered a corp, it reads the
// result, fills the new corp's address book with the contact-sync token and unlocks it.
func ExampleProviderService_GetRegisterCode() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	srv.AddSuite(wecomtest.Suite{ID: "wwsuite0001", Secret: "sim-suite-secret"})
	srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tplSim01", ProviderCorpID: "wwprov0000000001", SuiteIDs: []string{"wwsuite0001"}, ContactSync: true})

	ctx := context.Background()
	c, err := client.New(client.Provider{CorpID: "wwprov0000000001", ProviderSecret: "sim-provider-secret"}, client.WithBaseURL(srv.URL()))
	orPanic(err)
	provider, err := apps.NewProvider(c)
	orPanic(err)
	rc, err := provider.GetRegisterCode(ctx, apps.RegisterCodeParams{TemplateID: "tplSim01", State: "expo2024"})
	orPanic(err)
	fmt.Println(strings.HasPrefix(rc.URL(), "https://open.work.weixin.qq.com/3rdservice/wework/register?register_code="))

	// The visitor opens the link and registers (the simulator plays them).
	_, err = srv.RegisterCorp(wecomtest.Registration{RegisterCode: rc.Code, CorpID: "wwnewcorp0000001", AdminUserID: "boss"})
	orPanic(err)

	info, err := provider.GetRegisterInfo(ctx, rc.Code)
	orPanic(err)
	fmt.Println(info.CorpID, info.State, info.AuthUser.UserID)
	sync, err := info.ContactSync.Client(client.WithBaseURL(srv.URL()))
	orPanic(err)
	// … create departments and members with contacts.New(sync), then unlock the address book:
	orPanic(apps.New(sync).ContactSyncSuccess(ctx))
	// Output:
	// true
	// wwnewcorp0000001 expo2024 boss
}

// A provider makes a link for two 代开发 templates that tells it, through the state, which of
// its customers authorised them.
func ExampleProviderService_GetCustomizedAuthURL() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	for _, id := range []string{"dkcrm", "dkerp"} {
		srv.AddSuite(wecomtest.Suite{ID: id, Secret: "sim-template-secret"})
		srv.LinkSuite(wecomtest.ProviderSuite{ProviderCorpID: "wwprov0000000001", SuiteID: id, Customized: true})
	}
	c, err := client.New(client.Provider{CorpID: "wwprov0000000001", ProviderSecret: "sim-provider-secret"}, client.WithBaseURL(srv.URL()))
	orPanic(err)
	provider, err := apps.NewProvider(c)
	orPanic(err)
	link, err := provider.GetCustomizedAuthURL(context.Background(), apps.CustomizedAuthURLParams{State: "customer42", TemplateIDs: []string{"dkcrm", "dkerp"}})
	orPanic(err)
	fmt.Println(strings.HasPrefix(link.QRCodeURL, "https://"), link.ExpiresIn/86400, "days")
	// Output: true 10 days
}
