// Command isv is a third-party app (第三方应用) of a service provider (服务商), the shared
// Production Progress app, serving several corps through the whole ISV flow:
//
//  1. install: its instruction callback URL (指令回调) receives the suite_ticket pushes and the
//     create_auth notices of installs; each install's auth code is exchanged for a permanent
//     code (永久授权码), saved in the ISV's database, from which a client.Fleet builds one
//     client per corp; the installing admin is welcomed and the app's settings read there;
//  2. licences: the provider buys interface licences (接口调用许可) for each corp, the buyer
//     pays, and the order's active codes activate the admin and a few members of the app's
//     visible range (-members, default 3);
//  3. IDs: the app holds only the provider's encrypted IDs (open corp ID, open_userid): the
//     conversions (账号ID转换) confirm them, and the corp's own app converts them back;
//  4. H5: the app's H5 page gets its wx.config and wx.agentConfig signatures (JS-SDK 签名).
//
// It prints one line per step and corp and a summary.
//
// Without WECOM_* variables it runs on the in-process wecomtest simulator, which pushes the
// suite ticket, has the admins of -corps corps install the app, ends their free licence trial
// (so a call for an unlicensed member is refused with errcode 701008 until the member is
// activated), pays the orders as the buyer would, plays each corp's own internal app for the
// conversions back, and checks the page signatures as the WeCom client does:
//
//	go run ./examples/isv -corps 3
//
// Against the real API set the suite's settings from the provider console and install the app
// in test corps; it serves until -corps corps are installed (or it is interrupted), then runs
// the steps whose settings are set and says which it skips:
//
//	WECOM_SUITE_ID          the suite ID
//	WECOM_SUITE_SECRET      the suite secret
//	WECOM_CALLBACK_TOKEN    the instruction callback's Token and EncodingAESKey
//	WECOM_CALLBACK_AES_KEY
//	WECOM_CALLBACK_ADDR     optional: where the instruction callback URL listens (default :8080)
//	WECOM_BASE_URL          optional: another API host, e.g. a forwarding proxy
//	WECOM_PROVIDER_CORP_ID  licences and open corp IDs: the provider's corp ID and its
//	WECOM_PROVIDER_SECRET   ProviderSecret (服务商的secret)
//	WECOM_LICENSE_BUYER     licences: the provider member who places the orders (buyer_userid,
//	                        a plaintext userid with the 购买接口许可 permission)
//	WECOM_H5_URL            H5: the app's page URL (on its trusted domain); each corp's page is
//	                        this URL with the query parameter corpid=… added
//	WECOM_AGENT_ID          not read: the agentid wx.agentConfig names differs per corp and
//	                        comes from each install's auth_info
//
// On the real API each licence order buys one-month 互通 accounts and waits up to -pay-timeout
// for the buyer to pay it in the provider admin console (a test corp's order is free and paid
// at once); an order still unpaid then is cancelled. Converting IDs back needs each corp's own
// internal app, which a provider does not hold, so the real API converts one way only.
//
// WeCom pushes a suite_ticket every 10 minutes; until the first one arrives the suite has no
// token and installs fail with client.ErrNoSuiteTicket.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"time"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// Flag ranges.
const (
	maxCorps      = 1000 // each install is held in memory until all have arrived
	maxMembers    = 100  // members activated per corp besides the admin
	minPayTimeout = time.Second
	maxPayTimeout = 24 * time.Hour
)

// config is what the flags set.
type config struct {
	corps      int
	members    int
	payTimeout time.Duration
}

func main() {
	var cfg config
	flag.IntVar(&cfg.corps, "corps", 3, fmt.Sprintf("installs to serve before exiting, 1 to %d", maxCorps))
	flag.IntVar(&cfg.members, "members", 3, fmt.Sprintf("members per corp to license besides the installing admin, 0 to %d", maxMembers))
	flag.DurationVar(&cfg.payTimeout, "pay-timeout", 30*time.Minute, "real API only: how long to wait for the buyer to pay each licence order, 1s to 24h")
	flag.Parse()
	switch {
	case cfg.corps < 1 || cfg.corps > maxCorps:
		badFlag("invalid value %d for flag -corps: must be from 1 to %d", cfg.corps, maxCorps)
	case cfg.members < 0 || cfg.members > maxMembers:
		badFlag("invalid value %d for flag -members: must be from 0 to %d", cfg.members, maxMembers)
	case cfg.payTimeout < minPayTimeout || cfg.payTimeout > maxPayTimeout:
		badFlag("invalid value %s for flag -pay-timeout: must be from 1s to 24h", cfg.payTimeout)
	case flag.NArg() > 0:
		badFlag("unexpected argument %q", flag.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "isv:", err)
		os.Exit(1)
	}
}

// badFlag reports a flag value out of range the way the flag package reports one it cannot
// parse: one line on stderr and exit status 2, before anything runs.
func badFlag(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "isv: "+format+"\n", args...)
	os.Exit(2)
}

// settings are the API settings: the simulator's, or the WECOM_* variables.
type settings struct {
	suiteID, suiteSecret string
	cb                   wecomtest.CallbackConfig
	addr                 string
	providerCorpID       string
	providerSecret       string
	buyer                string
	h5URL                string
	opts                 []client.Option
}

func run(ctx context.Context, cfg config) error {
	set := settings{
		suiteID: os.Getenv("WECOM_SUITE_ID"), suiteSecret: os.Getenv("WECOM_SUITE_SECRET"),
		cb:             wecomtest.CallbackConfig{Token: os.Getenv("WECOM_CALLBACK_TOKEN"), EncodingAESKey: os.Getenv("WECOM_CALLBACK_AES_KEY")},
		addr:           os.Getenv("WECOM_CALLBACK_ADDR"),
		providerCorpID: os.Getenv("WECOM_PROVIDER_CORP_ID"), providerSecret: os.Getenv("WECOM_PROVIDER_SECRET"),
		buyer: os.Getenv("WECOM_LICENSE_BUYER"), h5URL: os.Getenv("WECOM_H5_URL"),
	}
	var sim *simulator
	if set.suiteID == "" || set.suiteSecret == "" {
		sim = newSimulator(cfg)
		defer sim.srv.Close()
		set = sim.settings()
		fmt.Println("No WECOM_SUITE_ID/WECOM_SUITE_SECRET set: using the in-process simulator at", sim.srv.URL())
	} else {
		if set.addr == "" {
			set.addr = ":8080"
		}
		if base := os.Getenv("WECOM_BASE_URL"); base != "" {
			set.opts = append(set.opts, client.WithBaseURL(base))
		}
		if set.h5URL != "" {
			if u, err := url.Parse(set.h5URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("WECOM_H5_URL %q: want the page's absolute http(s) URL", set.h5URL)
			}
		}
	}

	// Tickets, tokens and the suite's other shared state live in one store (Redis for a fleet).
	st := store.NewMemory()
	suite, err := client.New(client.Suite{SuiteID: set.suiteID, Secret: set.suiteSecret}, append(set.opts, client.WithStore(st))...)
	if err != nil {
		return err
	}
	// One client per corp, built on first use from the permanent code in the ISV's database.
	db := newDatabase()
	fleet, err := client.NewFleet(suite, db.permanentCode)
	if err != nil {
		return err
	}

	// The instruction callback URL: the receive ID of command callbacks is the suite ID.
	crypto, err := webhook.NewCrypto(set.cb.Token, set.cb.EncodingAESKey, set.suiteID)
	if err != nil {
		return err
	}
	h := webhook.NewHandler(crypto)
	apps.HandleSuiteTickets(h, st)
	authCodes := make(chan string, cfg.corps)
	webhook.On(h, func(ctx context.Context, ev *webhook.CreateAuth) (webhook.Reply, error) {
		// Answer at once (WeCom waits 1 s); the exchange happens in the main loop.
		select {
		case authCodes <- ev.AuthCode:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	webhook.On(h, func(ctx context.Context, ev *webhook.CancelAuth) (webhook.Reply, error) {
		// The permanent code is void: forget it and the corp's client.
		db.remove(ev.AuthCorpID)
		fleet.Drop(ev.AuthCorpID)
		fmt.Println("corp", ev.AuthCorpID, "uninstalled the app")
		return nil, nil
	})
	ln, err := net.Listen("tcp", set.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()
	callbackURL := "http://" + ln.Addr().String()
	fmt.Println("Instruction callback URL listening on", callbackURL)
	if sim != nil {
		if err := sim.installs(ctx, callbackURL, cfg.corps); err != nil {
			return err
		}
	} else {
		fmt.Printf("Waiting for %d installs of suite %s\n", cfg.corps, set.suiteID)
	}

	isv, err := apps.NewSuite(suite)
	if err != nil {
		return err
	}
	f := &flow{cfg: cfg, set: set, sim: sim, db: db, fleet: fleet}
	for len(f.corps) < cfg.corps {
		var code string
		select {
		case <-ctx.Done():
			return ctx.Err()
		case code = <-authCodes:
		}
		c, err := f.install(ctx, isv, code)
		if errors.Is(err, client.ErrNoSuiteTicket) {
			return fmt.Errorf("%w (WeCom pushes one every 10 minutes: retry the install then)", err)
		}
		if err != nil {
			return err
		}
		f.corps = append(f.corps, c)
	}

	// The provider's own credential: licence orders and open corp IDs.
	if set.providerCorpID != "" && set.providerSecret != "" {
		pc, err := client.New(client.Provider{CorpID: set.providerCorpID, ProviderSecret: set.providerSecret}, set.opts...)
		if err != nil {
			return err
		}
		if f.provider, err = apps.NewProvider(pc); err != nil {
			return err
		}
	}
	return f.serve(ctx)
}
