package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/jssdk"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The simulator's side: the suite, its provider, and the customer corps.
const (
	simSuiteID        = "wwsuiteprogress01"
	simSuiteSecret    = "sim-suite-secret"
	simProviderCorpID = "wwprovprogress001"
	simProviderSecret = "sim-provider-secret"
	simBuyer          = "buyer.admin" // a provider admin with the 购买接口许可 permission
	simH5URL          = "https://progress.example.com/h5/board#today"
	simCustomers      = 2 // customers of each member
)

// simulator plays WeCom and the customer corps for the example's default run.
type simulator struct {
	srv     *wecomtest.Server
	members int

	mu    sync.Mutex
	corps map[string]string // open corp ID → the corp's own ID
}

// newSimulator starts the simulator with the provider and its suite.
func newSimulator(cfg config) *simulator {
	srv := wecomtest.NewServer()
	srv.AddSuite(wecomtest.Suite{ID: simSuiteID, Secret: simSuiteSecret})
	srv.AddProvider(simProviderCorpID, simProviderSecret)
	// The suite is the provider's: its apps see the provider's encrypted IDs.
	srv.LinkSuite(wecomtest.ProviderSuite{ProviderCorpID: simProviderCorpID, SuiteID: simSuiteID})
	return &simulator{srv: srv, members: cfg.members, corps: make(map[string]string)}
}

// settings are the simulator's stand-ins for the WECOM_* variables.
func (s *simulator) settings() settings {
	return settings{
		suiteID: simSuiteID, suiteSecret: simSuiteSecret,
		cb:   wecomtest.CallbackConfig{Token: "IsvCommandToken", EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"},
		addr: "127.0.0.1:0",
		opts: []client.Option{client.WithBaseURL(s.srv.URL())},

		providerCorpID: simProviderCorpID, providerSecret: simProviderSecret,
		buyer: simBuyer, h5URL: simH5URL,
	}
}

// corpID is the ID of the i-th customer corp (from 1).
func corpID(i int) string { return fmt.Sprintf("wwcustomer%07d", i) }

// memberID is the userid of the j-th member (from 0) of a customer corp.
func memberID(j int) string {
	names := []string{"li.na", "wang.wei", "zhang.min"}
	if j < len(names) {
		return names[j]
	}
	return fmt.Sprintf("member%03d", j+1)
}

// installs plays WeCom: it pushes a suite_ticket, then has the admins of n corps, each with its
// members, their customers and an internal ERP app, install the app from the marketplace, each
// install notified by a create_auth callback.
func (s *simulator) installs(ctx context.Context, url string, n int) error {
	cb := s.settings().cb
	if _, err := s.srv.DeliverCallback(ctx, url, cb, wecomtest.SuiteTicketCallback(simSuiteID, s.srv.IssueSuiteTicket(simSuiteID))); err != nil {
		return fmt.Errorf("suite ticket: %w", err)
	}
	fmt.Println("Simulator: suite_ticket pushed and stored")
	for i := 1; i <= n; i++ {
		corp, admin := corpID(i), fmt.Sprintf("admin%02d", i)
		users := []wecomtest.SeedUser{{UserID: admin, Name: "Admin " + admin}}
		for j := range s.members {
			users = append(users, wecomtest.SeedUser{UserID: memberID(j), Name: memberID(j)})
		}
		s.srv.AddUsers(corp, users...)
		s.mu.Lock()
		s.corps[s.srv.OpenCorpID(simProviderCorpID, corp)] = corp
		s.mu.Unlock()
		var customers []wecomtest.SeedExternalContact
		for j, u := range users {
			for k := 1; k <= simCustomers; k++ {
				customers = append(customers, wecomtest.SeedExternalContact{
					ExternalUserID: fmt.Sprintf("wmcust%04d%03d%02d", i, j, k), Name: fmt.Sprintf("Buyer %d of %s", k, u.UserID),
					FollowUsers: []wecomtest.SeedFollow{{UserID: u.UserID, AddWay: 1, CreateTime: 1700000000}},
				})
			}
		}
		s.srv.AddExternalContacts(corp, customers...)
		// The corp's own ERP, an internal app (自建应用), for converting IDs back.
		s.srv.AddApp(wecomtest.App{CorpID: corp, Secret: wecomtest.Secret, AgentID: wecomtest.AgentID, Name: "ERP"})

		code, err := s.srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: simSuiteID, CorpID: corp,
			CorpName: fmt.Sprintf("Customer Corp %d", i), AgentID: 1000100 + i, AdminUserID: admin})
		if err != nil {
			return err
		}
		if _, err := s.srv.DeliverCallback(ctx, url, cb, wecomtest.CreateAuthCallback(simSuiteID, code, "")); err != nil {
			return fmt.Errorf("create_auth: %w", err)
		}
	}
	fmt.Printf("Simulator: %d admins installed the app from the marketplace\n", n)
	return nil
}

// realCorp is the corp's own ID (明文corpid) of the open corp ID the app got, as the corp's
// own ERP app knows it.
func (s *simulator) realCorp(openCorpID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.corps[openCorpID]; ok {
		return id
	}
	return openCorpID
}

// erp is the service of the corp's own ERP app.
func (s *simulator) erp(corpID string) (*apps.Service, error) {
	c, err := client.New(client.CorpApp{CorpID: corpID, Secret: wecomtest.Secret}, client.WithBaseURL(s.srv.URL()))
	if err != nil {
		return nil, err
	}
	return apps.New(c), nil
}

// checkSignatures checks a page's two registrations as the JS-SDK in the WeCom client does.
func (s *simulator) checkSignatures(cfg *jssdk.Config, agentCfg *jssdk.AgentConfig) error {
	if err := s.srv.CheckJSSignature(wecomtest.JSSignature{CorpID: cfg.AppID, URL: cfg.URL,
		NonceStr: cfg.NonceStr, Timestamp: cfg.Timestamp, Signature: cfg.Signature}); err != nil {
		return fmt.Errorf("wx.config refused: %w", err)
	}
	if err := s.srv.CheckJSSignature(wecomtest.JSSignature{CorpID: agentCfg.CorpID, AgentID: agentCfg.AgentID, URL: agentCfg.URL,
		NonceStr: agentCfg.NonceStr, Timestamp: agentCfg.Timestamp, Signature: agentCfg.Signature}); err != nil {
		return fmt.Errorf("wx.agentConfig refused: %w", err)
	}
	return nil
}
