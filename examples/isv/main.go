// Command isv is a third-party app (第三方应用) of a service provider (服务商) serving several
// corps: its instruction callback URL (指令回调) receives the suite_ticket pushes and the
// create_auth notices of installs; each install's auth code is exchanged for a permanent code
// (永久授权码), and a per-corp client (client.AuthCorp) acts as that corp: it welcomes the
// installing admin and reads the app's settings there.
//
// Without WECOM_* variables it runs on the in-process wecomtest simulator, which pushes the
// suite ticket and has the admins of -corps corps install the app:
//
//	go run ./examples/isv -corps 3
//
// Against the real API set the suite's settings from the provider console and install the app
// in test corps; it serves until -corps corps are installed or it is interrupted:
//
//	WECOM_SUITE_ID          the suite ID
//	WECOM_SUITE_SECRET      the suite secret
//	WECOM_CALLBACK_TOKEN    the instruction callback's Token and EncodingAESKey
//	WECOM_CALLBACK_AES_KEY
//	WECOM_CALLBACK_ADDR     optional: where the instruction callback URL listens (default :8080)
//	WECOM_BASE_URL          optional: another API host, e.g. a forwarding proxy
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
	"os"
	"os/signal"
	"time"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// installed is an authorising corp as the ISV keeps it (in a database, in real life).
type installed struct {
	name    string
	agentID int
	client  *client.Client
}

// maxCorps bounds -corps: each install is held in memory until all have arrived.
const maxCorps = 1000

func main() {
	corps := flag.Int("corps", 3, fmt.Sprintf("installs to serve before exiting, 1 to %d", maxCorps))
	flag.Parse()
	switch {
	case *corps < 1 || *corps > maxCorps:
		badFlag("invalid value %d for flag -corps: must be from 1 to %d", *corps, maxCorps)
	case flag.NArg() > 0:
		badFlag("unexpected argument %q", flag.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *corps); err != nil {
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

func run(ctx context.Context, want int) error {
	suiteID, secret := os.Getenv("WECOM_SUITE_ID"), os.Getenv("WECOM_SUITE_SECRET")
	cb := wecomtest.CallbackConfig{Token: os.Getenv("WECOM_CALLBACK_TOKEN"), EncodingAESKey: os.Getenv("WECOM_CALLBACK_AES_KEY")}
	addr := os.Getenv("WECOM_CALLBACK_ADDR")
	var opts []client.Option
	var sim *wecomtest.Server
	if suiteID == "" || secret == "" {
		sim = wecomtest.NewServer()
		defer sim.Close()
		suiteID, secret = "wwsuiteprogress01", "sim-suite-secret"
		sim.AddSuite(wecomtest.Suite{ID: suiteID, Secret: secret})
		cb = wecomtest.CallbackConfig{Token: "IsvCommandToken", EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
		addr = "127.0.0.1:0"
		opts = append(opts, client.WithBaseURL(sim.URL()))
		fmt.Println("No WECOM_SUITE_ID/WECOM_SUITE_SECRET set: using the in-process simulator at", sim.URL())
	} else {
		if addr == "" {
			addr = ":8080"
		}
		if base := os.Getenv("WECOM_BASE_URL"); base != "" {
			opts = append(opts, client.WithBaseURL(base))
		}
	}

	// Tickets, tokens and the suite's other shared state live in one store (Redis for a fleet).
	st := store.NewMemory()
	suite, err := client.New(client.Suite{SuiteID: suiteID, Secret: secret}, append(opts, client.WithStore(st))...)
	if err != nil {
		return err
	}

	// The instruction callback URL: the receive ID of command callbacks is the suite ID.
	crypto, err := webhook.NewCrypto(cb.Token, cb.EncodingAESKey, suiteID)
	if err != nil {
		return err
	}
	h := webhook.NewHandler(crypto)
	apps.HandleSuiteTickets(h, st)
	authCodes := make(chan string, want)
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
		fmt.Println("corp", ev.AuthCorpID, "uninstalled the app")
		return nil, nil
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Shutdown(context.Background()) }()
	url := "http://" + ln.Addr().String()
	fmt.Println("Instruction callback URL listening on", url)
	if sim != nil {
		if err := simulateInstalls(ctx, sim, url, cb, suiteID, want); err != nil {
			return err
		}
	} else {
		fmt.Printf("Waiting for %d installs of suite %s\n", want, suiteID)
	}

	isv, err := apps.NewSuite(suite)
	if err != nil {
		return err
	}
	var corps []installed
	for len(corps) < want {
		var code string
		select {
		case <-ctx.Done():
			return ctx.Err()
		case code = <-authCodes:
		}
		corp, err := install(ctx, suite, isv, code)
		if errors.Is(err, client.ErrNoSuiteTicket) {
			return fmt.Errorf("%w (WeCom pushes one every 10 minutes: retry the install then)", err)
		}
		if err != nil {
			return err
		}
		corps = append(corps, corp)
	}

	// Serving: one cheap client per corp, all sharing the suite's transport and store.
	for _, c := range corps {
		a, err := apps.New(c.client).GetAgent(ctx, c.agentID)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Printf("serving %s: app %q (agent %d)\n", c.name, a.Name, a.AgentID)
	}
	fmt.Printf("isv: %d corps served\n", len(corps))
	return nil
}

// install exchanges an install's auth code for the corp's permanent code and welcomes the admin
// as that corp.
func install(ctx context.Context, suite *client.Client, isv *apps.SuiteService, authCode string) (installed, error) {
	perm, err := isv.GetPermanentCode(ctx, authCode)
	if err != nil {
		return installed{}, fmt.Errorf("permanent code: %w", err)
	}
	info := perm.AuthCorpInfo
	// Store perm.PermanentCode securely: with it the suite gets the corp's token from now on.
	corp, err := suite.AuthCorp(info.CorpID, perm.PermanentCode)
	if err != nil {
		return installed{}, err
	}
	if perm.AuthInfo == nil || len(perm.AuthInfo.Agents) == 0 {
		return installed{}, fmt.Errorf("%s authorised no app", info.CorpName)
	}
	agentID := perm.AuthInfo.Agents[0].AgentID
	fmt.Printf("installed in %s (%s), agent %d; permanent code stored\n", info.CorpName, info.CorpID, agentID)
	if perm.AuthUserInfo != nil {
		_, err := messages.New(corp).Send(ctx, messages.SendParams{
			To: messages.ToUsers(perm.AuthUserInfo.UserID), AgentID: agentID,
			Message: messages.Text{Content: "Thanks for installing Production Progress! Open it from the workbench to start."},
		})
		if err != nil {
			return installed{}, fmt.Errorf("welcome in %s: %w", info.CorpName, err)
		}
		fmt.Printf("  welcomed the admin %s, acting as %s\n", perm.AuthUserInfo.UserID, info.CorpName)
	}
	return installed{name: info.CorpName, agentID: agentID, client: corp}, nil
}

// simulateInstalls plays WeCom: it pushes a suite_ticket, then has the admins of n corps install
// the app from the marketplace, each install notified by a create_auth callback.
func simulateInstalls(ctx context.Context, sim *wecomtest.Server, url string, cb wecomtest.CallbackConfig, suiteID string, n int) error {
	if _, err := sim.DeliverCallback(ctx, url, cb, wecomtest.SuiteTicketCallback(suiteID, sim.IssueSuiteTicket(suiteID))); err != nil {
		return fmt.Errorf("suite ticket: %w", err)
	}
	fmt.Println("Simulator: suite_ticket pushed and stored")
	for i := 1; i <= n; i++ {
		code, err := sim.AuthorizeCorp(wecomtest.Authorization{SuiteID: suiteID, CorpID: fmt.Sprintf("wwcustomer%07d", i),
			CorpName: fmt.Sprintf("Customer Corp %d", i), AgentID: 1000100 + i, AdminUserID: fmt.Sprintf("admin%02d", i)})
		if err != nil {
			return err
		}
		if _, err := sim.DeliverCallback(ctx, url, cb, wecomtest.CreateAuthCallback(suiteID, code, "")); err != nil {
			return fmt.Errorf("create_auth: %w", err)
		}
	}
	fmt.Printf("Simulator: %d admins installed the app from the marketplace\n", n)
	return nil
}
