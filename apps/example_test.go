package apps_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// An internal app (client.CorpApp) reads its own settings. Against the real API drop
// WithBaseURL.
func Example_corpApp() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	a, err := apps.New(c).GetAgent(context.Background(), wecomtest.AgentID)
	if err != nil {
		panic(err)
	}
	fmt.Println(a.AgentID, a.Name)
	// Output: 1000002 Simulated app
}

// A garment maker shares its production-progress app with its factories (上下游): it lists
// them and acts as each factory through client.Downstream.
func Example_downstream() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: "wwfactory0001", CorpName: "Jinhua Knitting No.3", AgentID: 1000019, BusinessType: 1})
	srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: "wwfactory0002", CorpName: "Ningbo Dye Works", AgentID: 1000008, BusinessType: 1})

	ctx := context.Background()
	up, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	for corp, err := range apps.New(up).ListAppShareInfo(ctx, apps.ShareInfoParams{AgentID: wecomtest.AgentID, BusinessType: apps.BusinessChain}) {
		if err != nil {
			panic(err)
		}
		factory, err := up.Downstream(corp.CorpID, corp.AgentID)
		if err != nil {
			panic(err)
		}
		a, err := apps.New(factory).GetAgent(ctx, corp.AgentID)
		if err != nil {
			panic(err)
		}
		fmt.Println(corp.CorpName, a.AgentID)
	}
	// Output:
	// Jinhua Knitting No.3 1000019
	// Ningbo Dye Works 1000008
}

// An ISV suite (client.Suite, apps.NewSuite) installs its app in a corp and then acts as that
// corp (Client.AuthCorp, apps.New). The suite_ticket arrives by callback: apps.HandleSuiteTickets
// makes a webhook.Handler save it with client.StoreSuiteTicket into the store every process
// shares.
func Example_suite() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddSuite(wecomtest.Suite{ID: "wwsuite0001", Secret: "suite-secret"})

	ctx := context.Background()
	st := store.NewMemory()
	// What the suite_ticket callback handler does:
	if err := client.StoreSuiteTicket(ctx, st, "wwsuite0001", srv.IssueSuiteTicket("wwsuite0001")); err != nil {
		panic(err)
	}
	suite, err := client.New(client.Suite{SuiteID: "wwsuite0001", Secret: "suite-secret"}, client.WithStore(st), client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	isv, err := apps.NewSuite(suite)
	if err != nil {
		panic(err) // not a suite client
	}
	pac, err := isv.GetPreAuthCode(ctx)
	if err != nil {
		panic(err)
	}
	link, err := isv.InstallURL(ctx, apps.InstallParams{SuiteID: "wwsuite0001", PreAuthCode: pac.Code, RedirectURI: "https://isv.example.com/installed"})
	if err != nil {
		panic(err)
	}
	// The admin opens link.URL and confirms; WeCom redirects with auth_code and state.
	authCode, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: "wwsuite0001", PreAuthCode: pac.Code, CorpID: "wwcust0000000001", AgentID: 1000019, State: link.State})
	if err != nil {
		panic(err)
	}
	if err := isv.CheckState(ctx, link.State); err != nil {
		panic(err)
	}
	perm, err := isv.GetPermanentCode(ctx, authCode)
	if err != nil {
		panic(err)
	}
	// The app knows the corp by its encrypted corp ID (密文corpid), stable for the provider.
	fmt.Println("installed in", perm.AuthCorpInfo.CorpID) // store perm.PermanentCode securely

	corp, err := suite.AuthCorp(perm.AuthCorpInfo.CorpID, perm.PermanentCode)
	if err != nil {
		panic(err)
	}
	a, err := apps.New(corp).GetAgent(ctx, 1000019)
	if err != nil {
		panic(err)
	}
	fmt.Println("acting as the corp, agent", a.AgentID)
	// Output:
	// installed in wpmHp3D9cbKDLUZW8IRidIcv7PWD94HT
	// acting as the corp, agent 1000019
}

// A service provider (client.Provider, apps.NewProvider) converts a corp ID to its encrypted
// form.
func Example_provider() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddProvider("wwprov0000000001", "provider-secret")
	p, err := client.New(client.Provider{CorpID: "wwprov0000000001", ProviderSecret: "provider-secret"}, client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	provider, err := apps.NewProvider(p)
	if err != nil {
		panic(err) // not a provider client
	}
	open, err := provider.CorpIDToOpenCorpID(context.Background(), "ww1a2b3c4d5e6f7a8b")
	if err != nil {
		panic(err)
	}
	fmt.Println(open != "")
	// Output: true
}

// Member OAuth login: build the authorize URL, check the state on the way back, exchange the
// code for the member's identity.
func ExampleService_AuthorizeURL() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	s := apps.New(c)
	ctx := context.Background()
	au, err := s.AuthorizeURL(ctx, apps.AuthorizeParams{AppID: wecomtest.CorpID, RedirectURI: "https://progress.example.com/oauth/cb",
		Scope: apps.ScopeBase, AgentID: wecomtest.AgentID})
	if err != nil {
		panic(err)
	}
	// The member opens au.URL inside WeCom; the simulator plays WeCom and the browser.
	to, err := srv.MemberLogin(au.URL, wecomtest.OAuthCode{CorpID: wecomtest.CorpID, UserID: "li.na"})
	if err != nil {
		panic(err)
	}
	back, _ := url.Parse(to)
	if err := s.CheckState(ctx, back.Query().Get("state")); err != nil {
		panic(err) // forged or replayed
	}
	id, err := s.GetUserInfo(ctx, back.Query().Get("code"))
	if err != nil {
		panic(err)
	}
	fmt.Println(id.UserID)
	// Output: li.na
}

// The suite's instruction callback URL saves every pushed suite_ticket into the store the
// suite clients share; here the simulator plays WeCom pushing one.
func ExampleHandleSuiteTickets() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddSuite(wecomtest.Suite{ID: "wwsuite0001", Secret: "suite-secret"})
	st := store.NewMemory()

	// The receiver, configured with the suite's callback Token and EncodingAESKey.
	crypto, err := webhook.NewCrypto("cb-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wwsuite0001")
	if err != nil {
		panic(err)
	}
	h := webhook.NewHandler(crypto)
	apps.HandleSuiteTickets(h, st)
	receiver := httptest.NewServer(h)
	defer receiver.Close()

	ctx := context.Background()
	cfg := wecomtest.CallbackConfig{Token: "cb-token", EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
	if _, err := srv.DeliverCallback(ctx, receiver.URL, cfg, wecomtest.SuiteTicketCallback("wwsuite0001", srv.IssueSuiteTicket("wwsuite0001"))); err != nil {
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
	pac, err := isv.GetPreAuthCode(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(pac.ExpiresIn)
	// Output: 1200
}
