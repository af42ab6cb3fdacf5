// Command supplychain runs an apparel maker's outsourcing network on WeCom (企业微信): the maker
// (the upstream corp) imports 30 factories into its upstream/downstream chain (上下游), reaches
// each factory through its shared production-progress app, collects every factory's progress
// each hour, has a group robot post the order summary, and sends a warning card with buttons to
// the manager of a factory that falls behind plan. When the manager presses a button, the
// template_card_event callback arrives at this program's webhook.Handler, which updates the card.
//
// Simulated hours pass in real seconds (-hour sets how long one takes):
//
//	go run ./examples/supplychain -hours 8 -hour 500ms
//
// The robot posts the summary once an hour, in several posts when it is over WeCom's 4,096 bytes
// (many factories behind plan); WeCom allows a robot 20 posts a minute, so when many short hours
// ask for more the program waits and says how long.
//
// Without WECOM_* variables it runs on the in-process wecomtest simulator, which also plays the
// factories (accepting the invitation, staffing their lines, pressing the card buttons). Against
// the real API set:
//
//	WECOM_CORP_ID           the maker's corp ID
//	WECOM_SECRET            the secret of the production-progress app (shared with the chain)
//	WECOM_AGENT_ID          that app's agentid
//	WECOM_CHAIN_ID          optional: the chain to use (default: the first one the corp owns)
//	WECOM_ROBOT_KEY         the webhook key of the group robot that posts the summary
//	WECOM_CALLBACK_TOKEN    the app's callback Token and EncodingAESKey from the admin console,
//	WECOM_CALLBACK_AES_KEY  for the card-button callbacks
//	WECOM_CALLBACK_ADDR     optional: where to listen for them (default :8080)
//	WECOM_BASE_URL          optional: another API host, e.g. a forwarding proxy
//
// The real run imports the sample factories into the chain (use a test corp) and works with the
// factories that have joined and are in the app's share scope. A factory's progress is modelled
// from its crew, read from its own address book as that factory; a real deployment would read
// its production system instead.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/webhook"
)

const (
	orderID       = "PO-2291"
	crewPlanned   = 17   // workers per factory the plan assumes
	piecesPerHour = 10   // pieces one worker sews in an hour
	behindAt      = 0.85 // below 85% of its plan to date a factory is behind

	maxFactories = 1000 // import_chain_contact takes at most 1000 corps per call
	maxHours     = 168  // a week of production
	minHour      = time.Millisecond
	maxHour      = time.Hour
)

var regions = []string{"Zhejiang", "Jiangsu", "Guangdong"} // the chain's groups

// config is where the program runs: the real API or the simulator (sim non-nil).
type config struct {
	cred           client.CorpApp
	agentID        int
	chainID        string
	robotKey       string
	cbToken, cbKey string
	cbAddr         string
	opts           []client.Option
	sim            *floor
}

// factory is one downstream corp reached through the shared app.
type factory struct {
	index      int
	corp       apps.SharedCorp
	contacts   *contacts.Service // acting as the factory
	messages   *messages.Service // acting as the factory
	manager    string            // the person in charge, a UserID of the factory's corp
	done, plan int
	warned     bool
	extraShift atomic.Bool // booked when the manager answers the warning
}

func main() {
	n := flag.Int("factories", 30, fmt.Sprintf("factories in the network, 1 to %d", maxFactories))
	hours := flag.Int("hours", 8, fmt.Sprintf("simulated hours of production, 1 to %d", maxHours))
	hour := flag.Duration("hour", time.Second, "real time one simulated hour takes, 1ms to 1h")
	flag.Parse()
	switch {
	case *n < 1 || *n > maxFactories:
		badFlag("invalid value %d for flag -factories: must be from 1 to %d", *n, maxFactories)
	case *hours < 1 || *hours > maxHours:
		badFlag("invalid value %d for flag -hours: must be from 1 to %d", *hours, maxHours)
	case *hour < minHour || *hour > maxHour:
		badFlag("invalid value %s for flag -hour: must be from 1ms to 1h", *hour)
	case flag.NArg() > 0:
		badFlag("unexpected argument %q", flag.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *n, *hours, *hour); err != nil {
		fmt.Fprintln(os.Stderr, "supplychain:", err)
		os.Exit(1)
	}
}

// badFlag reports a flag value out of range the way the flag package reports one it cannot
// parse: one line on stderr and exit status 2, before anything runs.
func badFlag(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "supplychain: "+format+"\n", args...)
	os.Exit(2)
}

func run(ctx context.Context, n, hours int, hour time.Duration) error {
	cfg, err := configure()
	if err != nil {
		return err
	}
	if cfg.sim != nil {
		defer cfg.sim.Close()
	}
	up, err := client.New(cfg.cred, cfg.opts...)
	if err != nil {
		return err
	}
	chainID, err := buildNetwork(ctx, contacts.New(up), cfg.chainID, n)
	if err != nil {
		return err
	}
	if cfg.sim != nil {
		cfg.sim.acceptInvitations(chainID)
	}
	factories, err := openFactories(ctx, up, cfg.agentID, chainID)
	if err != nil {
		return err
	}

	// The app's callback URL: card button presses come back here.
	w := &warnings{tasks: map[string]*factory{}}
	ids := []string{cfg.cred.CorpID}
	for _, f := range factories {
		ids = append(ids, f.corp.CorpID)
	}
	crypto, err := webhook.NewCrypto(cfg.cbToken, cfg.cbKey, cfg.cred.CorpID)
	if err != nil {
		return err
	}
	h := webhook.NewHandler(crypto, webhook.WithReceiveIDs(ids...))
	webhook.On(h, w.onCard)
	ln, err := net.Listen("tcp", cfg.cbAddr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer func() { _ = hs.Shutdown(context.Background()) }()
	fmt.Println("Callback URL listening on", ln.Addr())
	if cfg.sim != nil {
		cfg.sim.callbackURL = "http://" + ln.Addr().String()
	}

	robot, err := messages.NewRobot(cfg.robotKey, cfg.opts...)
	if err != nil {
		return err
	}
	post := newPoster(robot, messages.DefaultRobotLimit, os.Stdout)
	tick := time.NewTicker(hour)
	defer tick.Stop()
	for hr := 1; hr <= hours; hr++ {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if err := collect(ctx, factories, hr); err != nil {
			return err
		}
		var behind []*factory
		for _, f := range factories {
			if float64(f.done) < behindAt*float64(f.plan) {
				behind = append(behind, f)
			}
		}
		heading, body := report(factories, behind, hr, hours, int(w.acked.Load()))
		posts, err := post.markdown(ctx, heading, body)
		if err != nil {
			return fmt.Errorf("robot summary: %w", err)
		}
		in := ""
		if posts > 1 {
			in = fmt.Sprintf(" in %d posts", posts)
		}
		fmt.Printf("hour %d: %s of plan, %d factories behind; the robot posted the summary%s\n", hr, percent(factories), len(behind), in)
		for _, f := range behind {
			if f.warned {
				continue
			}
			task, err := w.send(ctx, f, hr)
			if err != nil {
				return err
			}
			if cfg.sim != nil {
				cfg.sim.pressButton(ctx, f.manager, task, hour/2)
			}
		}
	}
	if cfg.sim != nil {
		cfg.sim.clicks.Wait() // the last warnings' buttons
	}
	if err := h.Wait(ctx); err != nil {
		return err
	}
	if cfg.sim != nil {
		if int(w.acked.Load()) != w.sent {
			return fmt.Errorf("%d warnings sent but %d acknowledged", w.sent, w.acked.Load())
		}
		fmt.Printf("Simulator: %d corpgroup/corp/gettoken calls served %d factory address-book reads (tokens cached)\n",
			cfg.sim.Calls("/cgi-bin/corpgroup/corp/gettoken"), cfg.sim.Calls("/cgi-bin/user/simplelist"))
	}
	fmt.Printf("summary: %d factories, %d hours, order %s at %s of plan, %d behind-plan warnings acknowledged\n",
		len(factories), hours, orderID, percent(factories), w.acked.Load())
	return nil
}

// buildNetwork imports the factories into the chain, each with its manager as person in charge
// (负责人), and shows the chain's groups.
func buildNetwork(ctx context.Context, book *contacts.Service, chainID string, n int) (string, error) {
	chains, err := book.ListChains(ctx)
	if err != nil {
		return "", fmt.Errorf("chains: %w", err)
	}
	if chainID == "" {
		if len(chains) == 0 {
			return "", errors.New("the corp owns no upstream/downstream chain: create one in the admin console")
		}
		chainID = chains[0].ID
	}
	p := contacts.ImportChainContactsParams{ChainID: chainID}
	for i := 1; i <= n; i++ {
		region := regions[i%len(regions)]
		p.Corps = append(p.Corps, contacts.ImportCorp{
			CorpName: fmt.Sprintf("%s Garment Works %02d", region, i), GroupPath: region, CustomID: fmt.Sprintf("F%02d", i),
			Contacts: []contacts.ImportContact{{Name: fmt.Sprintf("Manager %02d", i), IdentityType: contacts.IdentityPersonInCharge, Mobile: managerMobile(i)}},
		})
	}
	job, err := book.ImportChainContacts(ctx, p)
	if err != nil {
		return "", fmt.Errorf("import: %w", err)
	}
	res, err := book.WaitChainImport(ctx, job)
	if err != nil {
		return "", fmt.Errorf("import job: %w", err)
	}
	fmt.Printf("Imported %d factories into chain %s\n", n-len(res.Result.FailList), chainID)
	for _, f := range res.Result.FailList {
		fmt.Printf("  not imported: %s (errcode %d %s)\n", f.CorpName, f.ErrCode, f.ErrMsg)
	}
	groups, err := book.ListChainGroups(ctx, chainID, 0)
	if err != nil {
		return "", fmt.Errorf("chain groups: %w", err)
	}
	for _, g := range groups {
		count := 0
		for _, err := range book.ListChainCorps(ctx, contacts.ChainCorpsParams{ChainID: chainID, GroupID: g.ID, NeedPending: true}) {
			if err != nil {
				return "", fmt.Errorf("chain corps: %w", err)
			}
			count++
		}
		fmt.Printf("  group %-10s %2d corps\n", g.Name, count)
	}
	return chainID, nil
}

// openFactories gets a client for every joined factory through the shared app and finds the
// factory's manager in its own address book.
func openFactories(ctx context.Context, up *client.Client, agentID int, chainID string) ([]*factory, error) {
	customIDs := map[string]string{} // corp ID → custom ID given at import
	groups, err := contacts.New(up).ListChainGroups(ctx, chainID, 0)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		for c, err := range contacts.New(up).ListChainCorps(ctx, contacts.ChainCorpsParams{ChainID: chainID, GroupID: g.ID}) {
			if err != nil {
				return nil, err
			}
			customIDs[c.CorpID] = c.CustomID
		}
	}
	var out []*factory
	for corp, err := range apps.New(up).ListAppShareInfo(ctx, apps.ShareInfoParams{AgentID: agentID, BusinessType: apps.BusinessChain}) {
		if err != nil {
			return nil, fmt.Errorf("share info: %w", err)
		}
		i, err := strconv.Atoi(strings.TrimPrefix(customIDs[corp.CorpID], "F"))
		if err != nil {
			continue // shared with the corp, but not one of the imported factories
		}
		fc, err := up.Downstream(corp.CorpID, corp.AgentID)
		if err != nil {
			return nil, err
		}
		f := &factory{index: i, corp: corp, contacts: contacts.New(fc), messages: messages.New(fc)}
		if f.manager, err = f.contacts.GetUserIDByMobile(ctx, managerMobile(i)); err != nil {
			return nil, fmt.Errorf("manager of %s: %w", corp.CorpName, err)
		}
		out = append(out, f)
	}
	fmt.Printf("The progress app is shared with %d factories; one token each through corpgroup/corp/gettoken\n", len(out))
	return out, nil
}

// collect reads each factory's crew as that factory and books the hour's output.
func collect(ctx context.Context, factories []*factory, hr int) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, f := range factories {
		g.Go(func() error {
			crew, err := f.contacts.ListUsersSimple(ctx, contacts.RootDepartment)
			if err != nil {
				return fmt.Errorf("crew of %s: %w", f.corp.CorpName, err)
			}
			pace := 0.85 + 0.3*rand.New(rand.NewPCG(uint64(f.index), uint64(hr))).Float64()
			if f.extraShift.Load() {
				pace *= 1.5
			}
			f.done += int(float64(len(crew)*piecesPerHour) * pace)
			f.plan += crewPlanned * piecesPerHour
			return nil
		})
	}
	return g.Wait()
}

// warnings are the behind-plan cards sent and the managers' answers to them.
type warnings struct {
	mu    sync.Mutex
	tasks map[string]*factory // task_id → factory
	sent  int
	acked atomic.Int32
}

// send sends the behind-plan card to the factory's manager through the shared app and returns
// its task_id.
func (w *warnings) send(ctx context.Context, f *factory, hr int) (string, error) {
	task := fmt.Sprintf("%s-F%02d-%d", orderID, f.index, time.Now().UnixNano()) // unique for the app, forever
	w.mu.Lock()
	w.tasks[task] = f
	w.mu.Unlock()
	_, err := f.messages.Send(ctx, messages.SendParams{To: messages.ToUsers(f.manager), AgentID: f.corp.AgentID, Message: messages.TemplateCard{
		CardType:     messages.CardButtonInteraction,
		Source:       &messages.CardSource{Desc: "Production progress", DescColor: messages.DescRed},
		MainTitle:    &messages.MainTitle{Title: "Behind plan on " + orderID, Desc: f.corp.CorpName},
		SubTitleText: fmt.Sprintf("Hour %d: %d of %d pieces planned so far", hr, f.done, f.plan),
		TaskID:       task,
		ButtonList: []messages.Button{
			{Text: "Add a shift", Style: 1, Key: "add_shift"},
			{Text: "Call me", Style: 2, Key: "call_me"},
		},
	}})
	if err != nil {
		return "", fmt.Errorf("warning to %s: %w", f.corp.CorpName, err)
	}
	f.warned = true
	w.sent++
	fmt.Printf("  warning card sent to %s of %s (%d of %d pieces)\n", f.manager, f.corp.CorpName, f.done, f.plan)
	return task, nil
}

// onCard handles a manager's button press (template_card_event): it books the extra shift and
// greys the card's buttons out with the answer, as the factory.
func (w *warnings) onCard(ctx context.Context, ev *webhook.TemplateCardEvent) (webhook.Reply, error) {
	w.mu.Lock()
	f := w.tasks[ev.TaskID]
	w.mu.Unlock()
	if f == nil {
		return nil, nil // another card of the app
	}
	answer := "Manager will call"
	if ev.EventKey == "add_shift" {
		answer = "Extra shift booked"
		f.extraShift.Store(true)
	}
	if _, err := f.messages.UpdateTemplateCard(ctx, messages.UpdateCardParams{
		To: messages.ToUsers(ev.FromUserName), AgentID: f.corp.AgentID, ResponseCode: ev.ResponseCode, ReplaceName: answer,
	}); err != nil {
		return nil, fmt.Errorf("update card: %w", err)
	}
	w.acked.Add(1)
	fmt.Printf("  callback: %s pressed %q on the warning for %s; card now reads %q\n", ev.FromUserName, ev.EventKey, f.corp.CorpName, answer)
	return nil, nil
}

// report is the robot's hourly markdown summary: a heading line and the body, one quoted line
// per fact, so the body can be split at any line.
func report(factories, behind []*factory, hr, hours, acked int) (heading, body string) {
	var b strings.Builder
	fmt.Fprintf(&b, "> Done: <font color=\"info\">%s</font> of plan so far, %d factories\n", percent(factories), len(factories))
	for _, f := range behind {
		fmt.Fprintf(&b, "> <font color=\"warning\">Behind plan</font>: %s (%d / %d)\n", f.corp.CorpName, f.done, f.plan)
	}
	fmt.Fprintf(&b, "> Warnings acknowledged: %d", acked)
	return fmt.Sprintf("## Order %s, hour %d of %d", orderID, hr, hours), b.String()
}

// poster posts markdown through a robot whose limiter fails fast, so that instead of waiting
// silently for a free slot it can say how long the wait is.
type poster struct {
	robot *messages.Robot
	limit messages.RobotLimit
	out   io.Writer   // progress lines
	sent  []time.Time // when the last limit.Messages posts were answered, oldest first
}

func newPoster(r *messages.Robot, limit messages.RobotLimit, out io.Writer) *poster {
	limit.FailFast = true
	return &poster{robot: r.WithLimit(limit), limit: limit, out: out}
}

// markdown posts heading and body in as many posts as WeCom's size limit needs, cut at line
// breaks, each under the heading (numbered when there are several), and returns how many.
func (p *poster) markdown(ctx context.Context, heading, body string) (int, error) {
	const numbering = " (99/99)\n"
	parts := messages.SplitText(body, messages.MaxRobotMarkdownBytes-len(heading)-len(numbering))
	for i, part := range parts {
		head := heading
		if len(parts) > 1 {
			head = fmt.Sprintf("%s (%d/%d)", heading, i+1, len(parts))
		}
		if err := p.send(ctx, head+"\n"+strings.TrimSuffix(part, "\n")); err != nil {
			return i, err
		}
	}
	return len(parts), nil
}

// send posts one markdown message, waiting with a progress line while the robot's limit is
// reached.
func (p *poster) send(ctx context.Context, content string) error {
	for {
		err := p.robot.Send(ctx, messages.Markdown{Content: content})
		if err == nil {
			p.sent = append(p.sent, time.Now())
			if len(p.sent) > p.limit.Messages {
				p.sent = p.sent[1:]
			}
			return nil
		}
		if !errors.Is(err, messages.ErrRobotRateLimited) {
			return err
		}
		// The slot of our oldest recent post frees a window after its answer; without enough
		// posts of ours to tell (another process shares the robot), look again a little later.
		wait := p.limit.Window / 12
		if len(p.sent) == p.limit.Messages {
			wait = max(time.Until(p.sent[0].Add(p.limit.Window)), time.Millisecond)
		}
		per := p.limit.Window.String()
		if p.limit.Window == time.Minute {
			per = "minute"
		}
		in := wait.Round(time.Millisecond).String()
		if wait >= time.Second {
			in = fmt.Sprintf("%.0fs", wait.Seconds())
		}
		fmt.Fprintf(p.out, "  waiting for the robot's %d-per-%s limit: next post in %s\n", p.limit.Messages, per, in)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func percent(factories []*factory) string {
	done, plan := 0, 0
	for _, f := range factories {
		done, plan = done+f.done, plan+f.plan
	}
	if plan == 0 {
		return "0%"
	}
	return fmt.Sprintf("%d%%", done*100/plan)
}

// managerMobile is the mobile number of factory i's manager, as given at import.
func managerMobile(i int) string { return fmt.Sprintf("1380000%04d", i) }

// configure reads the WECOM_* environment, or starts the simulator without it.
func configure() (config, error) {
	cfg := config{
		cred:     client.CorpApp{CorpID: os.Getenv("WECOM_CORP_ID"), Secret: os.Getenv("WECOM_SECRET")},
		chainID:  os.Getenv("WECOM_CHAIN_ID"),
		robotKey: os.Getenv("WECOM_ROBOT_KEY"),
		cbToken:  os.Getenv("WECOM_CALLBACK_TOKEN"),
		cbKey:    os.Getenv("WECOM_CALLBACK_AES_KEY"),
		cbAddr:   os.Getenv("WECOM_CALLBACK_ADDR"),
	}
	if cfg.cred.CorpID == "" || cfg.cred.Secret == "" {
		return simulated(), nil
	}
	cfg.agentID, _ = strconv.Atoi(os.Getenv("WECOM_AGENT_ID"))
	if cfg.agentID == 0 || cfg.robotKey == "" || cfg.cbToken == "" || cfg.cbKey == "" {
		return cfg, errors.New("set WECOM_AGENT_ID, WECOM_ROBOT_KEY, WECOM_CALLBACK_TOKEN and WECOM_CALLBACK_AES_KEY too")
	}
	if cfg.cbAddr == "" {
		cfg.cbAddr = ":8080"
	}
	if base := os.Getenv("WECOM_BASE_URL"); base != "" {
		cfg.opts = append(cfg.opts, client.WithBaseURL(base))
	}
	return cfg, nil
}
