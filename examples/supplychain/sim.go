package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// floor is the simulator playing WeCom and the factories: the owners who accept the
// invitation, the crews in their address books, the managers who press the card buttons.
type floor struct {
	*wecomtest.Server
	cb          wecomtest.CallbackConfig
	callbackURL string // set once the program's callback URL listens
	clicks      sync.WaitGroup
}

const simChain = "chApparel0001"

// simulated starts the simulator with what an admin sets up in the console: the chain and its
// groups, the group robot and the app's callback settings.
func simulated() config {
	f := &floor{Server: wecomtest.NewServer(), cb: wecomtest.CallbackConfig{Token: "SupplyChainToken", EncodingAESKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}}
	f.AddChain(wecomtest.CorpID, simChain, "Apparel outsourcing network")
	for i, r := range regions {
		f.AddChainGroup(wecomtest.CorpID, simChain, i+2, 1, r)
	}
	f.AddRobot("supplychain-robot-key")
	fmt.Println("No WECOM_CORP_ID/WECOM_SECRET set: using the in-process simulator at", f.URL())
	return config{
		cred: client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, agentID: wecomtest.AgentID,
		robotKey: "supplychain-robot-key", cbToken: f.cb.Token, cbKey: f.cb.EncodingAESKey, cbAddr: "127.0.0.1:0",
		opts: []client.Option{client.WithBaseURL(f.URL())}, sim: f,
	}
}

// acceptInvitations has every imported factory join the chain, gets the app shared with it and
// staffs its line: most factories have the planned crew or more, every seventh is short.
func (f *floor) acceptInvitations(chainID string) {
	for _, c := range f.ChainCorps(wecomtest.CorpID, chainID) {
		i, err := strconv.Atoi(strings.TrimPrefix(c.CustomID, "F"))
		if err != nil || c.CorpID != "" {
			continue
		}
		corpID := fmt.Sprintf("wwfactory%04d", i)
		f.JoinChainCorp(wecomtest.CorpID, chainID, c.PendingCorpID, corpID)
		f.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: corpID, CorpName: c.Name, AgentID: 1000100 + i, BusinessType: 1})
		crew := crewPlanned - 2 + i%4
		if i%7 == 3 {
			crew = crewPlanned - 5 + i%3
		}
		users := []wecomtest.SeedUser{{UserID: fmt.Sprintf("f%02d.manager", i), Name: fmt.Sprintf("Manager %02d", i), Mobile: managerMobile(i)}}
		for w := 1; w < crew; w++ {
			users = append(users, wecomtest.SeedUser{UserID: fmt.Sprintf("f%02d.worker%02d", i, w), Name: fmt.Sprintf("Worker %d", w)})
		}
		f.AddUsers(corpID, users...)
	}
	fmt.Println("Simulator: the factories accepted the invitation and the progress app was shared with them")
}

// pressButton has a manager press "Add a shift" on the warning card after a while; WeCom then
// delivers the template_card_event callback to the app's callback URL.
func (f *floor) pressButton(ctx context.Context, manager, task string, after time.Duration) {
	f.clicks.Add(1)
	go func() {
		defer f.clicks.Done()
		time.Sleep(after)
		ev, err := f.ClickCard(manager, task, "add_shift")
		if err == nil {
			_, err = f.DeliverCallback(ctx, f.callbackURL, f.cb, wecomtest.CardEventCallback(ev))
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "simulator: button press:", err)
		}
	}()
}
