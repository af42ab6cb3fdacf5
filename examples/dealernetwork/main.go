// Command dealernetwork publishes a brand's price change to its whole dealer network on WeCom
// (企业微信) at once: the brand's upstream/downstream chain (上下游) has six tiers of groups
// (the brand, national, provincial, city and district distributors, and 4,000 stores), the
// brand's price app is shared with every dealer and store, and each of them gets the price card
// through its own downstream token (corpgroup/corp/gettoken) instead of waiting a week for
// every distributor to pass the news down. Each store's manager presses "Acknowledge"; the
// template_card_event callbacks come back to this program's webhook.Handler, which greys the
// card's button out and counts the acknowledgements per tier.
//
//	go run ./examples/dealernetwork
//	go run ./examples/dealernetwork -stores 4000 -workers 16 -interrupt 1500
//
// The broadcast is a [broadcast.Job] whose progress lives in a store.Store: -interrupt N cancels
// it once N corps were reached and starts it again, which sends only the rest, none twice (the
// job's done marks, then message/send's duplicate check and the card's per-store task_id for a
// send that was in flight). This program keeps the job in memory; a deployment passes a shared
// store (the redisstore module) to the Job and to client.WithStore, so a run killed at any point
// and started again, on any machine, finishes the broadcast.
//
// # Projected time against the real API
//
// Next to the simulated time the program prints what the same broadcast would take against
// WeCom, from the documented limits and an assumed round trip (-rtt, default 80 ms from a
// server in mainland China; WeCom documents none). For the default network of 4,250 corps
// (2 national, 8 provincial, 40 city and 200 district distributors, 4,000 stores) and 16
// workers:
//
//   - Calls. Each corp costs one corpgroup/corp/gettoken (made with the brand's token, so it
//     counts against the brand) and one message/send (made with the corp's own token), one
//     after the other: 2 × 80 ms per corp. ⌈4,250 / 16⌉ = 266 rounds × 160 ms = 42.6 s.
//   - Token fetches. corpgroup/corp/gettoken falls under the base limits (基础频率): 10,000 calls
//     a minute and 150,000 an hour per corp and API, 20,000 a minute and 600,000 an hour per IP
//     and API. 4,250 fetches fit in the first minute: no wait. (A network over 10,000 corps
//     waits a minute per further 10,000; the historical "300 token fetches per IP per hour" of
//     the old docs is gone from the current ones; if it were still enforced, 4,250 fetches
//     would take 14 h 10 min, so a fleet would spread them over IPs and fetch ahead.)
//   - Message sends do not count against the base limits. Their own limits: per app and member
//     30 messages a minute and 1,000 an hour (each manager gets one card: no wait), and per app
//     a day the corp's seats × 200 person-times (one message to each corp's app: no wait).
//     Past the per-member limits WeCom drops messages silently, so the job sends each one once.
//   - Acknowledgements. Each message/update_template_card is one call of the store's own
//     budget (10,000 a minute): no wait. They come when people press, not when we send.
//
// So the limits add nothing and the projection is the calls: 43 s, against about 4 s for the
// whole program on the simulator on an idle 2-core machine (the simulator answers a call in
// a fraction of a millisecond). Past 10,000 corps (-stores 10000 makes 10,625) the client's
// limiter holds the token fetches over 10,000 to the next minute, on the simulator too.
//
// Without WECOM_* variables it runs on the in-process wecomtest simulator, which also plays the
// dealers and stores (joining the chain, sharing the app, pressing the button). Against the real
// API set:
//
//	WECOM_CORP_ID           the brand's corp ID
//	WECOM_SECRET            the secret of the price app (shared with the chain)
//	WECOM_AGENT_ID          that app's agentid
//	WECOM_CHAIN_ID          optional: the chain to use (default: the first one the corp owns)
//	WECOM_CALLBACK_TOKEN    the app's callback Token and EncodingAESKey from the admin console,
//	WECOM_CALLBACK_AES_KEY  for the acknowledgement callbacks
//	WECOM_CALLBACK_ADDR     optional: where to listen for them (default :8080)
//	WECOM_BASE_URL          optional: another API host, e.g. a forwarding proxy
//
// The real run publishes to the chain as it is, to every joined corp the app is shared with, the
// tier of a corp being the depth of its group (the root group is the brand's tier; a corp in it
// counts as the first tier below, one deeper than the stores as a store), and sends
// the card to everyone the app is visible to in that corp (the people who act on prices; in a
// store, its manager). It waits -wait for acknowledgements.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/broadcast"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
)

const (
	maxStores  = 10000
	maxWorkers = 256
	tiers      = 6 // brand, national, provincial, city, district, stores
	jobID      = "price-change-2024-07"
)

// tierNames are the tiers by group depth: the root group is the brand's.
var tierNames = [tiers]string{"brand", "national distributors", "provincial distributors", "city distributors", "district distributors", "stores"}

// config is where the program runs: the real API or the simulator (sim non-nil).
type config struct {
	cred           client.CorpApp
	agentID        int
	chainID        string
	cbToken, cbKey string
	cbAddr         string
	opts           []client.Option
	sim            *dealerSim
}

func main() {
	n := flag.Int("stores", 4000, fmt.Sprintf("stores in the simulated network, 1 to %d", maxStores))
	workers := flag.Int("workers", 16, fmt.Sprintf("sends at once, 1 to %d", maxWorkers))
	interrupt := flag.Int("interrupt", 0, "cancel the broadcast once this many corps were reached, then resume it (0: never)")
	rtt := flag.Duration("rtt", 80*time.Millisecond, "round trip to WeCom assumed for the projected real time, 1ms to 10s")
	wait := flag.Duration("wait", 5*time.Minute, "real API only: how long to wait for acknowledgements, 0 or more")
	flag.Parse()
	switch {
	case *n < 1 || *n > maxStores:
		badFlag("invalid value %d for flag -stores: must be from 1 to %d", *n, maxStores)
	case *workers < 1 || *workers > maxWorkers:
		badFlag("invalid value %d for flag -workers: must be from 1 to %d", *workers, maxWorkers)
	case *interrupt < 0:
		badFlag("invalid value %d for flag -interrupt: must be 0 (never) or more", *interrupt)
	case *rtt < time.Millisecond || *rtt > 10*time.Second:
		badFlag("invalid value %s for flag -rtt: must be from 1ms to 10s", *rtt)
	case *wait < 0:
		badFlag("invalid value %s for flag -wait: must be 0 or more", *wait)
	case flag.NArg() > 0:
		badFlag("unexpected argument %q", flag.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, options{stores: *n, workers: *workers, interrupt: *interrupt, rtt: *rtt, wait: *wait}); err != nil {
		fmt.Fprintln(os.Stderr, "dealernetwork:", err)
		os.Exit(1)
	}
}

// badFlag reports a flag value out of range the way the flag package reports one it cannot
// parse: one line on stderr and exit status 2, before anything runs.
func badFlag(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "dealernetwork: "+format+"\n", args...)
	os.Exit(2)
}

type options struct {
	stores, workers, interrupt int
	rtt, wait                  time.Duration
}

// dealer is one corp of the network reached through the shared app.
type dealer struct {
	corp     apps.SharedCorp
	tier     int // 1-based: 2 national … 6 stores
	customID string

	once sync.Once
	msg  *messages.Service // acting as the dealer, made on first use
	err  error

	reached, acked time.Duration // since the publication began; 0: not yet
}

// network is the dealers of the chain and the broadcast to them.
type network struct {
	up      *client.Client
	st      store.Store
	agentID int
	dealers []*dealer          // by tier, then custom ID
	byCorp  map[string]*dealer // read-only once built
	sim     *dealerSim

	mu      sync.Mutex
	start   time.Time
	nReach  [tiers]int
	nAck    [tiers]int
	lastAt  [tiers]time.Duration // when the tier's last corp was reached
	lastAck [tiers]time.Duration
	acks    atomic.Int32
}

func run(ctx context.Context, o options) error {
	cfg, err := configure()
	if err != nil {
		return err
	}
	if cfg.sim != nil {
		defer cfg.sim.Close()
	}
	st := store.NewMemory() // tokens and the job's progress; redisstore.New(rdb) for a fleet
	up, err := client.New(cfg.cred, append(cfg.opts, client.WithStore(st))...)
	if err != nil {
		return err
	}
	if cfg.sim != nil {
		if cfg.chainID, err = cfg.sim.onboard(ctx, contacts.New(up), o.stores); err != nil {
			return err
		}
	}
	nw, err := discover(ctx, up, cfg.agentID, cfg.chainID)
	if err != nil {
		return err
	}
	nw.st, nw.sim = st, cfg.sim

	// The app's callback URL: the acknowledgements come back here.
	crypto, err := webhook.NewCrypto(cfg.cbToken, cfg.cbKey, cfg.cred.CorpID)
	if err != nil {
		return err
	}
	h := webhook.NewHandler(crypto, webhook.WithReceiveIDFunc(func(id string) bool {
		return id == cfg.cred.CorpID || nw.byCorp[id] != nil
	}))
	webhook.On(h, nw.onCard)
	ln, err := net.Listen("tcp", cfg.cbAddr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer func() { _ = hs.Shutdown(context.Background()) }()
	fmt.Println("Callback URL listening on", ln.Addr())
	if cfg.sim != nil {
		cfg.sim.listen("http://"+ln.Addr().String(), len(nw.dealers))
	}

	if err := nw.publish(ctx, o); err != nil {
		return err
	}
	if err := nw.awaitAcks(ctx, h, o.wait); err != nil {
		return err
	}
	nw.printTable()
	everyone := nw.lastAt[tiers-1]
	for _, d := range nw.lastAt {
		everyone = max(everyone, d)
	}
	proj := project(len(nw.dealers), o.workers, o.rtt)
	fmt.Printf("Every store had the price change %s after publication (simulated)\n", round(nw.lastAt[tiers-1]))
	fmt.Printf("Real API, projected: %s for %d corps: %s\n", round(proj.total), len(nw.dealers), proj.explain)
	if cfg.sim != nil {
		if err := cfg.sim.verify(nw); err != nil {
			return err
		}
	}
	fmt.Printf("summary: %d stores in %d tiers, %d corps reached in %s (real API projected: %s), %d of %d acknowledged\n",
		nw.nReach[tiers-1], tiers, len(nw.dealers), round(everyone), round(proj.total), nw.acks.Load(), len(nw.dealers))
	return nil
}

// discover reads the chain's groups and joined corps and the app's share list: the tier of a
// corp is the depth of its group.
func discover(ctx context.Context, up *client.Client, agentID int, chainID string) (*network, error) {
	book := contacts.New(up)
	if chainID == "" {
		chains, err := book.ListChains(ctx)
		if err != nil {
			return nil, fmt.Errorf("chains: %w", err)
		}
		if len(chains) == 0 {
			return nil, errors.New("the corp owns no upstream/downstream chain: create one in the admin console")
		}
		chainID = chains[0].ID
	}
	groups, err := book.ListChainGroups(ctx, chainID, 0)
	if err != nil {
		return nil, fmt.Errorf("chain groups: %w", err)
	}
	parent := map[int]int{}
	for _, g := range groups {
		parent[g.ID] = g.ParentID
	}
	depth := func(id int) int {
		d := 0
		for ; id > 1 && d <= len(parent); d++ {
			id = parent[id]
		}
		return d
	}
	type member struct {
		tier     int
		customID string
	}
	members := map[string]member{}
	for _, g := range append(groups, contacts.ChainGroup{ID: 1}) {
		for c, err := range book.ListChainCorps(ctx, contacts.ChainCorpsParams{ChainID: chainID, GroupID: g.ID}) {
			if err != nil {
				return nil, fmt.Errorf("chain corps of group %d: %w", g.ID, err)
			}
			// A corp in the root group sits right under the brand; deeper than the stores'
			// depth counts as a store.
			members[c.CorpID] = member{tier: min(max(depth(g.ID)+1, 2), tiers), customID: c.CustomID}
		}
	}
	nw := &network{up: up, agentID: agentID, byCorp: map[string]*dealer{}}
	for sc, err := range apps.New(up).ListAppShareInfo(ctx, apps.ShareInfoParams{AgentID: agentID, BusinessType: apps.BusinessChain, Limit: 100}) {
		if err != nil {
			return nil, fmt.Errorf("share info: %w", err)
		}
		m, ok := members[sc.CorpID]
		if !ok {
			continue // shared, but not a joined corp of this chain
		}
		d := &dealer{corp: sc, tier: m.tier, customID: m.customID}
		nw.dealers = append(nw.dealers, d)
		nw.byCorp[sc.CorpID] = d
	}
	slices.SortFunc(nw.dealers, func(a, b *dealer) int {
		if a.tier != b.tier {
			return a.tier - b.tier
		}
		return strings.Compare(a.customID+a.corp.CorpID, b.customID+b.corp.CorpID)
	})
	var count [tiers]int
	for _, d := range nw.dealers {
		count[d.tier-1]++
	}
	fmt.Printf("Chain %s: %d groups; the price app is shared with %d joined corps\n", chainID, len(groups), len(nw.dealers))
	for i := 1; i < tiers; i++ {
		fmt.Printf("  tier %d %-24s %5d corps\n", i+1, tierNames[i], count[i])
	}
	if len(nw.dealers) == 0 {
		return nil, errors.New("the app is shared with no joined corp of the chain")
	}
	return nw, nil
}

// publish runs the broadcast job, printing progress; with o.interrupt it cancels the job once
// that many corps were reached and runs it again.
func (nw *network) publish(ctx context.Context, o options) error {
	targets := make([]string, len(nw.dealers))
	for i, d := range nw.dealers {
		targets[i] = d.corp.CorpID
	}
	step := max(len(targets)/10, 1)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	job := &broadcast.Job{ID: jobID, Targets: targets, Send: nw.send, Store: nw.st, Workers: o.workers,
		OnProgress: func(p broadcast.Progress) {
			if p.Outcome == broadcast.OutcomeAlreadyDone {
				nw.reach(nw.byCorp[p.Target]) // by a run before this process's: no time known
			}
			if p.Done()%step == 0 || p.Done() == p.Total {
				fmt.Printf("  %5d of %d corps reached (%3d%%), %d acknowledged, %s\n", p.Done(), p.Total, 100*p.Done()/p.Total,
					nw.acks.Load(), round(time.Since(nw.start)))
			}
			if p.Failed > 0 && p.Outcome == broadcast.OutcomeFailed {
				fmt.Printf("  not reached: %s: %v\n", nw.byCorp[p.Target].corp.CorpName, p.Err)
			}
			if o.interrupt > 0 && p.Sent >= o.interrupt {
				cancel()
			}
		}}
	nw.mu.Lock()
	nw.start = time.Now()
	nw.mu.Unlock()
	fmt.Printf("Publishing the price change to %d corps, %d at a time (job %s)\n", len(targets), o.workers, jobID)
	res, err := job.Run(runCtx)
	if o.interrupt > 0 && errors.Is(err, context.Canceled) && ctx.Err() == nil {
		fmt.Printf("Interrupted after %d corps reached; their done marks are in the store. Resuming job %s\n", res.Done(), jobID)
		job.OnProgress = func(p broadcast.Progress) {
			if p.Outcome == broadcast.OutcomeAlreadyDone {
				nw.reach(nw.byCorp[p.Target])
			}
			if p.Done()%step == 0 || p.Done() == p.Total {
				fmt.Printf("  %5d of %d corps reached (%3d%%), %d acknowledged, %s\n", p.Done(), p.Total, 100*p.Done()/p.Total,
					nw.acks.Load(), round(time.Since(nw.start)))
			}
		}
		first := res
		if res, err = job.Run(ctx); err == nil {
			fmt.Printf("Resumed: %d corps already done, %d sent now (%d of them resent after an interrupted send: the duplicate check delivers each once); %d sent before the interruption\n",
				res.AlreadyDone, res.Sent, res.Resent, first.Sent)
		}
	}
	if err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	return nil
}

// priceCard is the message: built from the job and the corp only, so that every attempt sends
// the same bytes (message/send's duplicate check compares them), with the target's key as
// task_id (unique per app forever: a late resend is refused, not delivered).
func priceCard(d *dealer, key string) messages.TemplateCard {
	return messages.TemplateCard{
		CardType:  messages.CardButtonInteraction,
		Source:    &messages.CardSource{Desc: "Brand price desk", DescColor: messages.DescBlack},
		MainTitle: &messages.MainTitle{Title: "New prices from 1 July", Desc: d.corp.CorpName},
		HorizontalContentList: []messages.HorizontalContent{
			{KeyName: "Model X1", Value: "1,299 (was 1,399)"},
			{KeyName: "Model X2", Value: "1,899 (was 1,999)"},
			{KeyName: "Tier", Value: tierNames[d.tier-1]},
		},
		TaskID:     key,
		ButtonList: []messages.Button{{Text: "Acknowledge", Style: 1, Key: "ack"}},
	}
}

// send is the job's SendFunc: the card to everyone the app is visible to in the corp, through
// the corp's own downstream token.
func (nw *network) send(ctx context.Context, t broadcast.Target) error {
	d := nw.byCorp[t.ID]
	m, err := nw.messagesOf(d)
	if err != nil {
		return err
	}
	_, err = m.Send(ctx, messages.SendParams{To: messages.ToAll(), AgentID: d.corp.AgentID, Message: priceCard(d, t.Key)})
	if broadcast.AlreadySent(t, err) {
		err = nil // an earlier attempt delivered it: the task_id is taken
	}
	if err != nil {
		return err
	}
	nw.reach(d)
	if nw.sim != nil {
		nw.sim.press(d.corp.CorpID, t.Key)
	}
	return nil
}

// messagesOf returns the messages service acting as the dealer; the downstream token is fetched
// on its first call and cached in the store.
func (nw *network) messagesOf(d *dealer) (*messages.Service, error) {
	d.once.Do(func() {
		var c *client.Client
		if c, d.err = nw.up.Downstream(d.corp.CorpID, d.corp.AgentID); d.err == nil {
			d.msg = messages.New(c)
		}
	})
	return d.msg, d.err
}

// reach records that d has the card.
func (nw *network) reach(d *dealer) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if d.reached != 0 {
		return
	}
	d.reached = max(time.Since(nw.start), time.Nanosecond)
	nw.nReach[d.tier-1]++
	nw.lastAt[d.tier-1] = max(nw.lastAt[d.tier-1], d.reached)
}

// onCard handles a press of "Acknowledge" (template_card_event): it greys the button out, as
// the dealer, and counts the corp's first acknowledgement for its tier.
func (nw *network) onCard(ctx context.Context, ev *webhook.TemplateCardEvent) (webhook.Reply, error) {
	d := nw.byCorp[ev.ToUserName]
	if d == nil || ev.EventKey != "ack" || ev.TaskID != broadcast.Key(jobID, d.corp.CorpID) {
		return nil, nil // another card of the app
	}
	m, err := nw.messagesOf(d)
	if err != nil {
		return nil, err
	}
	if _, err := m.UpdateTemplateCard(ctx, messages.UpdateCardParams{
		To: messages.ToUsers(ev.FromUserName), AgentID: d.corp.AgentID, ResponseCode: ev.ResponseCode, ReplaceName: "Acknowledged",
	}); err != nil {
		return nil, fmt.Errorf("update card: %w", err)
	}
	nw.mu.Lock()
	defer nw.mu.Unlock()
	if d.acked == 0 {
		d.acked = max(time.Since(nw.start), time.Nanosecond)
		nw.nAck[d.tier-1]++
		nw.lastAck[d.tier-1] = max(nw.lastAck[d.tier-1], d.acked)
		nw.acks.Add(1)
	}
	return nil, nil
}

// awaitAcks waits for the acknowledgements: on the simulator every manager presses; on the
// real API people do, and the program waits at most wait for them.
func (nw *network) awaitAcks(ctx context.Context, h *webhook.Handler, wait time.Duration) error {
	if nw.sim != nil {
		if err := nw.sim.pressed(ctx); err != nil {
			return err
		}
		return h.Wait(ctx)
	}
	deadline := time.Now().Add(wait)
	for int(nw.acks.Load()) < len(nw.dealers) && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(10*time.Second, time.Until(deadline))):
		}
		fmt.Printf("  %d of %d corps acknowledged\n", nw.acks.Load(), len(nw.dealers))
	}
	return h.Wait(ctx)
}

// printTable prints one row per tier: corps, how many were reached and acknowledged, and when
// the tier's last corp was.
func (nw *network) printTable() {
	var count [tiers]int
	for _, d := range nw.dealers {
		count[d.tier-1]++
	}
	fmt.Println()
	fmt.Printf("%-4s %-24s %6s %8s %13s %12s %17s\n", "tier", "", "corps", "reached", "acknowledged", "all reached", "all acknowledged")
	fmt.Printf("%-4d %-24s %6d %8s %13s %12s %17s\n", 1, tierNames[0], 1, "-", "-", "published", "-")
	for i := 1; i < tiers; i++ {
		fmt.Printf("%-4d %-24s %6d %8d %13d %12s %17s\n", i+1, tierNames[i], count[i], nw.nReach[i], nw.nAck[i],
			when(nw.lastAt[i], nw.nReach[i] == count[i]), when(nw.lastAck[i], nw.nAck[i] == count[i]))
	}
	fmt.Println()
}

// when shows a tier's time, or "-" while not all of it is there.
func when(d time.Duration, all bool) string {
	if !all || d == 0 {
		return "-"
	}
	return round(d).String()
}

// round keeps a duration short: milliseconds under 10 s, tenths of a second under 10 minutes.
func round(d time.Duration) time.Duration {
	switch {
	case d < 10*time.Second:
		return d.Round(time.Millisecond)
	case d < 10*time.Minute:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// configure reads the WECOM_* environment, or starts the simulator without it.
func configure() (config, error) {
	cfg := config{
		cred:    client.CorpApp{CorpID: os.Getenv("WECOM_CORP_ID"), Secret: os.Getenv("WECOM_SECRET")},
		chainID: os.Getenv("WECOM_CHAIN_ID"),
		cbToken: os.Getenv("WECOM_CALLBACK_TOKEN"),
		cbKey:   os.Getenv("WECOM_CALLBACK_AES_KEY"),
		cbAddr:  os.Getenv("WECOM_CALLBACK_ADDR"),
	}
	if cfg.cred.CorpID == "" || cfg.cred.Secret == "" {
		return simulated(), nil
	}
	cfg.agentID, _ = strconv.Atoi(os.Getenv("WECOM_AGENT_ID"))
	if cfg.agentID == 0 || cfg.cbToken == "" || cfg.cbKey == "" {
		return cfg, errors.New("set WECOM_AGENT_ID, WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY too")
	}
	if cfg.cbAddr == "" {
		cfg.cbAddr = ":8080"
	}
	if base := os.Getenv("WECOM_BASE_URL"); base != "" {
		cfg.opts = append(cfg.opts, client.WithBaseURL(base))
	}
	return cfg, nil
}
