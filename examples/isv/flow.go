package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/messages"
)

// customer is an authorising corp as the ISV keeps it (in a database, in real life).
type customer struct {
	corpID  string
	name    string
	agentID int      // the app's agentid in the corp
	admin   string   // the installing admin
	members []string // members of the app's visible range to license, the admin left out

	permanentCode string // secret: a real database keeps it encrypted
}

// database is the ISV's record of its customers, keyed by corp ID.
type database struct {
	mu    sync.Mutex
	corps map[string]customer
}

func newDatabase() *database { return &database{corps: make(map[string]customer)} }

func (db *database) save(c customer) {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.corps[c.corpID] = c
}

func (db *database) remove(corpID string) {
	db.mu.Lock()
	defer db.mu.Unlock()
	delete(db.corps, corpID)
}

// permanentCode is the client.Fleet's lookup: the permanent code saved at install.
func (db *database) permanentCode(_ context.Context, corpID string) (string, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	c, ok := db.corps[corpID]
	if !ok {
		return "", fmt.Errorf("corp %s has not installed the app", corpID)
	}
	return c.permanentCode, nil
}

// flow runs the ISV's steps for the installed corps.
type flow struct {
	cfg      config
	set      settings
	sim      *simulator // nil on the real API
	db       *database
	fleet    *client.Fleet
	provider *apps.ProviderService // nil without WECOM_PROVIDER_* on the real API
	corps    []customer

	licences, converted, signed int // the summary's counts
}

// install exchanges an install's auth code for the corp's permanent code, saves it, reads the
// members of the app's visible range and welcomes the admin as that corp.
func (f *flow) install(ctx context.Context, isv *apps.SuiteService, authCode string) (customer, error) {
	perm, err := isv.GetPermanentCode(ctx, authCode)
	if err != nil {
		return customer{}, fmt.Errorf("permanent code: %w", err)
	}
	info := perm.AuthCorpInfo
	if perm.AuthInfo == nil || len(perm.AuthInfo.Agents) == 0 {
		return customer{}, fmt.Errorf("%s authorised no app", info.CorpName)
	}
	agent := perm.AuthInfo.Agents[0]
	c := customer{corpID: info.CorpID, name: info.CorpName, agentID: agent.AgentID, permanentCode: perm.PermanentCode}
	if perm.AuthUserInfo != nil {
		c.admin = perm.AuthUserInfo.UserID
	}
	f.db.save(c)
	corp, err := f.fleet.Corp(ctx, c.corpID)
	if err != nil {
		return customer{}, err
	}
	// The members to license: the app's visible members and departments, admin first.
	seen := map[string]bool{c.admin: true}
	add := func(id string) {
		if !seen[id] && len(c.members) < f.cfg.members {
			seen[id] = true
			c.members = append(c.members, id)
		}
	}
	for _, id := range agent.Privilege.AllowUser {
		add(id)
	}
	for _, dept := range agent.Privilege.AllowParty {
		if len(c.members) == f.cfg.members {
			break
		}
		users, err := contacts.New(corp).ListUsersSimple(ctx, dept)
		if err != nil {
			return customer{}, fmt.Errorf("%s: members of department %d: %w", c.name, dept, err)
		}
		for _, u := range users {
			add(u.UserID)
		}
	}
	f.db.save(c)

	app, err := apps.New(corp).GetAgent(ctx, c.agentID)
	if err != nil {
		return customer{}, fmt.Errorf("%s: %w", c.name, err)
	}
	welcomed := "no admin to welcome"
	if c.admin != "" {
		_, err := messages.New(corp).Send(ctx, messages.SendParams{
			To: messages.ToUsers(c.admin), AgentID: c.agentID,
			Message: messages.Text{Content: "Thanks for installing Production Progress! Open it from the workbench to start."},
		})
		if err != nil {
			return customer{}, fmt.Errorf("welcome in %s: %w", c.name, err)
		}
		welcomed = "admin " + c.admin + " welcomed"
	}
	fmt.Printf("install: %s (%s): app %q as agent %d, permanent code stored, %s, %d members in range to license\n",
		c.name, c.corpID, app.Name, c.agentID, welcomed, len(c.members))
	return c, nil
}

// serve runs the steps after the installs, one corp after the other, and prints the summary.
func (f *flow) serve(ctx context.Context) error {
	steps := []struct {
		name string
		run  func(context.Context, customer) error
	}{
		{"licences", f.license},
		{"ids", f.convertIDs},
		{"h5", f.signPage},
	}
	for _, s := range steps {
		for _, c := range f.corps {
			if err := s.run(ctx, c); err != nil {
				return fmt.Errorf("%s: %s: %w", s.name, c.name, err)
			}
		}
	}
	fmt.Printf("isv: %d corps served, %d licences active, %d ids converted, %d pages signed\n",
		len(f.corps), f.licences, f.converted, f.signed)
	return nil
}

// users are the corp's members the steps act for: the admin, then the members.
func (c customer) users() []string {
	if c.admin == "" {
		return slices.Clone(c.members)
	}
	return append([]string{c.admin}, c.members...)
}

// errCode is the errcode of a failed call, 0 for none, -2 for an error that is no API answer.
func errCode(err error) int {
	var e *client.APIError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.Code
	}
	return -2
}
