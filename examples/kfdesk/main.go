// Command kfdesk is the WeChat Customer Service (微信客服) desk of a dairy brand, Little Sprout
// Dairy. Parents reach its kf accounts (客服账号) from several entry points (a QR code on the
// formula can, the mini-program mall, a Channels live stream, ...). The desk:
//
//   - welcomes each customer who opens the chat, with the one-shot code of the enter_session
//     event (send_msg_on_event);
//   - answers each question after consulting the brand's CRM (baby's age, purchase history):
//     a product recommendation, the QR code of an exclusive feeding advisor's "contact me"
//     way (联系我, contacts.AddContactWay), and a "talk to a nutritionist" menu item;
//   - hands customers who press it to a servicer (接待人员), and transfers their sessions to a
//     colleague when that servicer goes off shift (service_state/trans).
//
// Every message arrives the way WeCom delivers it: a kf_msg_or_event callback reaches a
// webhook.Handler, customerservice.HandleKfCallbacks pulls the account's new messages (cursor
// kept in the store, each message claimed, handled, then marked done) and hands them to the
// desk; customerservice.SafetyPull pulls every few minutes without a callback too.
//
// Without WECOM_* environment the program starts the wecomtest simulator in process: it creates
// the kf accounts and servicers through the API (-servicers, up to 15,000, 2,000 per account),
// plays -customers WeChat customers, sends a shift change, and checks what each customer
// received:
//
//	go run ./examples/kfdesk
//	go run ./examples/kfdesk -customers 200 -servicers 15000 -v
//
// With WECOM_CORP_ID and WECOM_SECRET it serves the corp's existing kf accounts on the real API
// until interrupted (or for -duration), then prints the same summary. It reads:
//
//	WECOM_CORP_ID           the corp ID (企业ID)
//	WECOM_SECRET            secret of an app allowed to call the kf API (微信客服 → 可调用接口的应用)
//	                        and customer contact (客户联系)
//	WECOM_CALLBACK_TOKEN    Token of the kf callback settings (接收事件服务器)
//	WECOM_CALLBACK_AES_KEY  EncodingAESKey of the same settings
//	WECOM_ADVISORS          userids of the feeding advisors, comma-separated, assigned in turn to
//	                        the stages expecting, 0–6 months, 6–12 months, 1–3 years, 3 years+
//	WECOM_LISTEN            address of the callback server (default ":8080"); set the callback
//	                        URL to https://your-host/wecom/kf
//	WECOM_BASE_URL          optional API base URL (a forwarding proxy)
//
// The last line is the summary; the exit status is non-zero when a customer was left
// unanswered or a step failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/webhook"
)

type config struct {
	customers, servicers int
	verbose              bool
	duration             time.Duration
}

func main() {
	var cfg config
	flag.IntVar(&cfg.customers, "customers", 40, fmt.Sprintf("simulated customers, 1 to %d", maxCustomers))
	flag.IntVar(&cfg.servicers, "servicers", 300, fmt.Sprintf("simulated servicers, %d to %d (2000 per kf account)", minServicers, maxServicers))
	flag.BoolVar(&cfg.verbose, "v", false, "narrate every customer, not only the first few")
	flag.DurationVar(&cfg.duration, "duration", 0, "real API only: serve this long (0: until interrupted)")
	flag.Parse()
	switch {
	case cfg.customers < 1 || cfg.customers > maxCustomers:
		badFlag("invalid value %d for flag -customers: must be from 1 to %d", cfg.customers, maxCustomers)
	case cfg.servicers < minServicers || cfg.servicers > maxServicers:
		badFlag("invalid value %d for flag -servicers: must be from %d to %d", cfg.servicers, minServicers, maxServicers)
	case cfg.duration < 0:
		badFlag("invalid value %s for flag -duration: must be 0 (until interrupted) or more", cfg.duration)
	case flag.NArg() > 0:
		badFlag("unexpected argument %q", flag.Arg(0))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if os.Getenv("WECOM_CORP_ID") == "" && os.Getenv("WECOM_SECRET") == "" {
		err = runSimulated(ctx, cfg)
	} else {
		err = runReal(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kfdesk:", err)
		os.Exit(1)
	}
}

// badFlag reports a flag value out of range the way the flag package reports one it cannot
// parse: one line on stderr and exit status 2, before anything runs.
func badFlag(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kfdesk: "+format+"\n", args...)
	os.Exit(2)
}

// scenes are the entry points the brand publishes (≤ 32 bytes of [0-9a-zA-Z_-]); Param is
// appended to the link as scene_param.
var scenes = []struct{ Name, Param, About string }{
	{"can_qr", "batch=2026-11A", "QR code on the formula can"},
	{"mini_mall", "", "order page of the mini-program mall"},
	{"channels_live", "", "Channels (视频号) live stream"},
	{"oa_menu", "", "official account menu"},
	{"store_poster", "store=SH-017", "poster in a mother-and-baby store"},
}

// newDesk connects the desk to the API, reads its accounts and creates the advisors' ways.
func newDesk(ctx context.Context, c *client.Client, families crm, advisors []advisor, log *narrator) (*desk, error) {
	d := &desk{kf: customerservice.New(c), ct: contacts.New(c), crm: families, log: log}
	if err := d.setup(ctx, advisors); err != nil {
		return nil, err
	}
	// One customer link per entry point and account, to print as QR codes or put on pages.
	first := true
	for _, kf := range slices.Sorted(maps.Keys(d.pools)) {
		for _, sc := range scenes {
			link, err := d.kf.ContactWay(ctx, customerservice.ContactWayParams{OpenKfID: kf, Scene: sc.Name})
			if err != nil {
				return nil, fmt.Errorf("customer link for %s: %w", sc.Name, err)
			}
			if sc.Param != "" {
				link += "&scene_param=" + url.QueryEscape(sc.Param)
			}
			if first {
				log.Printf("  link %-14s %s  (%s)", sc.Name, link, sc.About)
			}
		}
		first = false
	}
	if len(d.pools) > 1 {
		log.Printf("  (and the same %d links for each of the other %d accounts)", len(scenes), len(d.pools)-1)
	}
	return d, nil
}

// listen wires the desk to a callback URL: webhook.Handler verifies and decrypts, the SDK's kf
// glue runs Sync for the account named in each kf_msg_or_event callback.
func listen(d *desk, token, aesKey, corpID string) (*webhook.Handler, error) {
	cr, err := webhook.NewCrypto(token, aesKey, corpID)
	if err != nil {
		return nil, fmt.Errorf("callback settings: %w", err)
	}
	h := webhook.NewHandler(cr)
	if err := d.kf.HandleKfCallbacks(h, customerservice.CallbackParams{Handle: d.Handle}); err != nil {
		return nil, err
	}
	return h, nil
}

// runReal serves the corp's kf accounts on the real API until ctx ends or cfg.duration passes.
func runReal(ctx context.Context, cfg config) error {
	env := func(k string) string { return strings.TrimSpace(os.Getenv(k)) }
	var missing []string
	for _, k := range []string{"WECOM_CORP_ID", "WECOM_SECRET", "WECOM_CALLBACK_TOKEN", "WECOM_CALLBACK_AES_KEY", "WECOM_ADVISORS"} {
		if env(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("real API mode needs %s (see go doc ./examples/kfdesk)", strings.Join(missing, ", "))
	}
	var opts []client.Option
	if base := env("WECOM_BASE_URL"); base != "" {
		opts = append(opts, client.WithBaseURL(base))
	}
	c, err := client.New(client.CorpApp{CorpID: env("WECOM_CORP_ID"), Secret: env("WECOM_SECRET")}, opts...)
	if err != nil {
		return err
	}
	log := newNarrator(os.Stdout, cfg.verbose)
	log.Printf("kfdesk: Little Sprout Dairy desk on the WeCom API, corp %s", env("WECOM_CORP_ID"))
	var advisors []advisor
	for _, id := range strings.Split(env("WECOM_ADVISORS"), ",") {
		advisors = append(advisors, advisor{UserID: strings.TrimSpace(id), Name: strings.TrimSpace(id)})
	}
	d, err := newDesk(ctx, c, crm{}, advisors, log) // connect your CRM here
	if err != nil {
		return err
	}
	h, err := listen(d, env("WECOM_CALLBACK_TOKEN"), env("WECOM_CALLBACK_AES_KEY"), env("WECOM_CORP_ID"))
	if err != nil {
		return err
	}
	addr := env("WECOM_LISTEN")
	if addr == "" {
		addr = ":8080"
	}
	mux := http.NewServeMux()
	mux.Handle("/wecom/kf", h)
	hs := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.ListenAndServe() }()
	log.Printf("Serving kf callbacks on %s/wecom/kf; press Ctrl-C to stop.", addr)
	// The safety pull: every few minutes each account is pulled even without a callback, so a
	// message whose callback was lost, or whose handler died, waits minutes, not for ever.
	go func() {
		if err := d.kf.SafetyPull(ctx, customerservice.CallbackParams{Handle: d.Handle}); err != nil && ctx.Err() == nil {
			log.Printf("safety pull stopped: %v", err)
		}
	}()

	if cfg.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	select {
	case err := <-served:
		return fmt.Errorf("callback server: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = hs.Shutdown(shut)
	if err := h.Wait(shut); err != nil {
		return fmt.Errorf("waiting for running handlers: %w", err)
	}
	return report(log, d.snapshot(), -1, nil)
}

// report prints the results and the summary line; customers < 0 means "as many as asked".
func report(log *narrator, st stats, customers int, problems []error) error {
	log.Flush()
	log.Printf("Results:")
	var by []string
	for _, sc := range scenes {
		if n := st.Scenes[sc.Name]; n > 0 {
			by = append(by, fmt.Sprintf("%s %d", sc.Name, n))
		}
	}
	log.Printf("  arrivals by entry point: %s", strings.Join(by, ", "))
	log.Printf("  arrived %d, welcomed %d, asked %d, answered %d, handed to a servicer %d, transferred %d, advisor invitations %d, failed steps %d",
		st.Arrived, st.Welcomed, st.Asked, st.Answered, st.HandedOff, st.Transferred, st.Invited, st.Failed)
	if customers < 0 {
		customers = st.Asked
	}
	answered := fmt.Sprintf("%d of %d customers answered", st.Answered, customers)
	if st.Answered == customers {
		answered = fmt.Sprintf("all %d customers answered", customers)
	} else {
		problems = append(problems, fmt.Errorf("%d of %d customers got no answer", customers-st.Answered, customers))
	}
	if st.Failed > 0 {
		problems = append(problems, fmt.Errorf("%d failed steps (see the FAILED lines)", st.Failed))
	}
	log.Printf("summary: %s, %d welcomed, %d transferred, %d advisor invitations", answered, st.Welcomed, st.Transferred, st.Invited)
	return errors.Join(problems...)
}

// narrator prints the story: setup and results in full, and per kind of event the first few
// lines only (all with -v), so 15,000 servicers or 1,000 customers stay readable.
type narrator struct {
	mu      sync.Mutex
	w       io.Writer
	verbose bool
	shown   map[string]int
	hidden  map[string]int
	order   []string
}

const narrateFirst = 5

func newNarrator(w io.Writer, verbose bool) *narrator {
	return &narrator{w: w, verbose: verbose, shown: map[string]int{}, hidden: map[string]int{}}
}

func (n *narrator) Printf(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, format+"\n", args...)
}

// Event prints one line of kind, or counts it once narrateFirst lines of kind were shown.
func (n *narrator) Event(kind, format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.verbose && n.shown[kind] >= narrateFirst {
		if n.hidden[kind] == 0 {
			n.order = append(n.order, kind)
		}
		n.hidden[kind]++
		return
	}
	n.shown[kind]++
	fmt.Fprintf(n.w, "  %-9s"+format+"\n", append([]any{kind}, args...)...)
}

// Flush says how many event lines were left out since the last Flush.
func (n *narrator) Flush() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, kind := range n.order {
		fmt.Fprintf(n.w, "  … and %d more %s (-v shows them)\n", n.hidden[kind], kind)
		delete(n.hidden, kind)
	}
	n.order = nil
}
