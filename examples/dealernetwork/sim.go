package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/wecom-connector/wecom/broadcast"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/wecomtest"
)

// dealerSim is the simulator playing WeCom and the dealers: the people in charge who join the
// chain, the admins who accept the shared app, the managers who press "Acknowledge".
type dealerSim struct {
	*wecomtest.Server
	cb       wecomtest.CallbackConfig
	managers map[string]string // corp ID → its manager's UserID; written before the broadcast

	url     string // the program's callback URL
	presses chan press
	wg      sync.WaitGroup
	mu      sync.Mutex
	clicked map[string]bool // corps whose manager pressed
	errs    []error
}

type press struct{ corp, key string }

const (
	simChain     = "chDealers0001"
	pressWorkers = 8 // managers pressing at once
)

// simulated starts the simulator with what the brand's admin sets up in the console: the chain
// and the price app's callback settings.
func simulated() config {
	s := &dealerSim{
		Server:   wecomtest.NewServer(),
		cb:       wecomtest.CallbackConfig{Token: "DealerNetworkToken", EncodingAESKey: "Dn7vQ2xLpR9sT4wY6zB1cE3fH5jK8mN0aG2dS4uW6yX"},
		managers: map[string]string{},
		clicked:  map[string]bool{},
	}
	s.AddChain(wecomtest.CorpID, simChain, "Dealer network")
	fmt.Println("No WECOM_CORP_ID/WECOM_SECRET set: using the in-process simulator at", s.URL())
	return config{
		cred: client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, agentID: wecomtest.AgentID,
		cbToken: s.cb.Token, cbKey: s.cb.EncodingAESKey, cbAddr: "127.0.0.1:0",
		opts: []client.Option{client.WithBaseURL(s.URL())}, sim: s,
	}
}

// plannedCorp is one dealer or store of the simulated network.
type plannedCorp struct {
	tier      int // 2 national … 6 stores
	name      string
	customID  string
	groupPath string
	mobile    string // its manager's, the person in charge at import
}

// Fan-out of the simulated network: each district distributor serves 20 stores, each city 5
// districts, each province 5 cities, each national distributor 4 provinces.
const (
	storesPerDistrict    = 20
	districtsPerCity     = 5
	citiesPerProvince    = 5
	provincesPerNational = 4
)

// plan lays out a network with n stores, parents before children: the distributors' tree
// sized to the stores, every corp in a group of its own tier's depth (the stores in a
// "Stores" group under their district's).
func plan(n int) []plannedCorp {
	districts := ceilDiv(n, storesPerDistrict)
	cities := ceilDiv(districts, districtsPerCity)
	provinces := ceilDiv(cities, citiesPerProvince)
	nationals := ceilDiv(provinces, provincesPerNational)
	var out []plannedCorp
	paths := map[string][]string{} // custom ID prefix letter → group path per index
	add := func(tier int, kind, letter string, count, width, perParent int, parentLetter, sub string) {
		for i := 1; i <= count; i++ {
			id := fmt.Sprintf("%s%0*d", letter, width, i)
			path := kind + " " + id
			if parentLetter != "" {
				path = paths[parentLetter][(i-1)/perParent] + "/" + path
			}
			paths[letter] = append(paths[letter], path)
			name := kind + " Distributor " + id
			if sub != "" {
				path, name = paths[parentLetter][(i-1)/perParent]+"/"+sub, "Store "+id
			}
			out = append(out, plannedCorp{tier: tier, name: name, customID: id, groupPath: path, mobile: fmt.Sprintf("139%08d", len(out)+1)})
		}
	}
	add(2, "National", "N", nationals, 1, 0, "", "")
	add(3, "Provincial", "P", provinces, 2, provincesPerNational, "N", "")
	add(4, "City", "C", cities, 3, citiesPerProvince, "P", "")
	add(5, "District", "D", districts, 3, districtsPerCity, "C", "")
	add(6, "Store", "S", n, 4, storesPerDistrict, "D", "Stores")
	return out
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// onboard imports the network into the chain as the brand does (import_chain_contact, at most
// 1,000 corps a job, one job at a time), then plays the dealers: each person in charge joins,
// the price app is shared with the corp, the manager is its member.
func (s *dealerSim) onboard(ctx context.Context, book *contacts.Service, n int) (string, error) {
	corps := plan(n)
	jobs := 0
	for start := 0; start < len(corps); start += 1000 {
		p := contacts.ImportChainContactsParams{ChainID: simChain}
		for _, c := range corps[start:min(start+1000, len(corps))] {
			p.Corps = append(p.Corps, contacts.ImportCorp{CorpName: c.name, GroupPath: c.groupPath, CustomID: c.customID,
				Contacts: []contacts.ImportContact{{Name: "Manager " + c.customID, IdentityType: contacts.IdentityPersonInCharge, Mobile: c.mobile}}})
		}
		job, err := book.ImportChainContacts(ctx, p)
		if err != nil {
			return "", fmt.Errorf("import: %w", err)
		}
		res, err := book.WaitChainImport(ctx, job)
		if err != nil {
			return "", fmt.Errorf("import job: %w", err)
		}
		if len(res.Result.FailList) > 0 {
			f := res.Result.FailList[0]
			return "", fmt.Errorf("import: %d corps failed, the first %s: errcode %d %s", len(res.Result.FailList), f.CorpName, f.ErrCode, f.ErrMsg)
		}
		jobs++
	}
	fmt.Printf("Imported %d corps into chain %s in %d import job%s\n", len(corps), simChain, jobs, plural(jobs))

	byCustom := map[string]plannedCorp{}
	for _, c := range corps {
		byCustom[c.customID] = c
	}
	joined := 0
	for i, c := range s.ChainCorps(wecomtest.CorpID, simChain) {
		pc, ok := byCustom[c.CustomID]
		if !ok || c.CorpID != "" {
			continue
		}
		corpID := "ww" + strings.ToLower(c.CustomID) + "dealer"
		s.JoinChainCorp(wecomtest.CorpID, simChain, c.PendingCorpID, corpID)
		s.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: corpID, CorpName: c.Name, AgentID: 2000000 + i, BusinessType: 1})
		manager := strings.ToLower(c.CustomID) + ".manager"
		s.AddUsers(corpID, wecomtest.SeedUser{UserID: manager, Name: "Manager " + c.CustomID, Mobile: pc.mobile})
		s.managers[corpID] = manager
		joined++
	}
	fmt.Printf("Simulator: %d dealers and stores joined the chain and accepted the shared price app\n", joined)
	return simChain, nil
}

// listen starts the managers: from now on each card delivered is pressed.
func (s *dealerSim) listen(url string, n int) {
	s.url = url
	s.presses = make(chan press, n)
	for range pressWorkers {
		s.wg.Go(func() {
			for p := range s.presses {
				s.click(p)
			}
		})
	}
}

// press has the corp's manager press "Acknowledge" on the card with task_id key, once per corp:
// WeCom then delivers the template_card_event callback to the app's callback URL.
func (s *dealerSim) press(corp, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.clicked[corp] {
		s.clicked[corp] = true
		s.presses <- press{corp, key}
	}
}

func (s *dealerSim) click(p press) {
	ev, err := s.ClickCard(s.managers[p.corp], p.key, "ack")
	if err == nil {
		_, err = s.DeliverCallback(context.Background(), s.url, s.cb, wecomtest.CardEventCallback(ev))
	}
	if err != nil {
		s.mu.Lock()
		s.errs = append(s.errs, fmt.Errorf("simulator: press at %s: %w", p.corp, err))
		s.mu.Unlock()
	}
}

// pressed waits until every press so far was delivered; no press may follow.
func (s *dealerSim) pressed(ctx context.Context) error {
	close(s.presses)
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) > 0 {
		return fmt.Errorf("%d button presses failed, the first: %w", len(s.errs), s.errs[0])
	}
	return nil
}

// verify checks, from the simulator's records, that every manager holds exactly one price card
// (the job's: its task_id is the corp's key) and that the press greyed it out once.
func (s *dealerSim) verify(nw *network) error {
	bad := 0
	var first string
	for _, d := range nw.dealers {
		got := s.Received(s.managers[d.corp.CorpID])
		ok := len(got) == 1 && len(got[0].Updates) == 1 && got[0].Updates[0].ReplaceName == "Acknowledged"
		if ok {
			var c struct {
				TaskID string `json:"task_id"`
			}
			ok = json.Unmarshal(got[0].Content, &c) == nil && c.TaskID == broadcast.Key(jobID, d.corp.CorpID)
		}
		if !ok && bad == 0 {
			first = fmt.Sprintf("%s holds %d cards", d.corp.CorpName, len(got))
		}
		if !ok {
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("simulator: %d corps do not hold exactly one acknowledged price card (%s)", bad, first)
	}
	sends := s.Served("/cgi-bin/message/send")
	fmt.Printf("Simulator: each of the %d managers holds exactly one price card, acknowledged; %d message/send calls (%d answered by the duplicate check), %d downstream tokens fetched\n",
		len(nw.dealers), sends, sends-len(nw.dealers), s.Calls("/cgi-bin/corpgroup/corp/gettoken"))
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
