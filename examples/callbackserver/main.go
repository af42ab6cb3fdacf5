// Command callbackserver is a WeCom (企业微信) callback URL (回调URL): a real HTTP server whose
// webhook.Handler answers the URL verification, checks the signature of every callback,
// decrypts it, drops redeliveries, decodes it into a typed event and logs it. A text message
// gets a passive reply.
//
// It serves until interrupted (Ctrl-C), with the callback settings from the admin console:
//
//	WECOM_CORP_ID           the corp ID (the receive ID inside every callback)
//	WECOM_CALLBACK_TOKEN    the callback Token
//	WECOM_CALLBACK_AES_KEY  the 43-character EncodingAESKey
//
//	go run ./examples/callbackserver -addr :8080   # then save http://HOST:8080/callback in the console
//
// Without them it uses demo settings. With -simulate N it listens on a loopback port instead,
// has the in-process wecomtest simulator verify the URL and deliver N varied callbacks to it the
// way WeCom does (signed, encrypted, redelivered when not acknowledged), prints "handled N
// events" and exits:
//
//	go run ./examples/callbackserver -simulate 20
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// maxSimulate bounds -simulate: the callbacks are delivered one after another.
const maxSimulate = 10000

func main() {
	addr := flag.String("addr", ":8080", "listen address when serving")
	simulate := flag.Int("simulate", 0, fmt.Sprintf("have the simulator deliver this many callbacks (up to %d), then exit", maxSimulate))
	flag.Parse()
	switch {
	case *simulate < 0 || *simulate > maxSimulate:
		badFlag("invalid value %d for flag -simulate: must be from 0 (serve) to %d", *simulate, maxSimulate)
	case flag.NArg() > 0:
		badFlag("unexpected argument %q", flag.Arg(0))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *simulate); err != nil {
		fmt.Fprintln(os.Stderr, "callbackserver:", err)
		os.Exit(1)
	}
}

// badFlag reports a flag value out of range the way the flag package reports one it cannot
// parse: one line on stderr and exit status 2, before anything runs.
func badFlag(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "callbackserver: "+format+"\n", args...)
	os.Exit(2)
}

func run(ctx context.Context, addr string, simulate int) error {
	corpID, token, key := os.Getenv("WECOM_CORP_ID"), os.Getenv("WECOM_CALLBACK_TOKEN"), os.Getenv("WECOM_CALLBACK_AES_KEY")
	if corpID == "" || token == "" || key == "" {
		corpID, token, key = wecomtest.CorpID, "DemoCallbackToken", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
		fmt.Println("No WECOM_CORP_ID/WECOM_CALLBACK_TOKEN/WECOM_CALLBACK_AES_KEY set: using demo callback settings")
	}
	crypto, err := webhook.NewCrypto(token, key, corpID)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelWarn}))
	h := webhook.NewHandler(crypto, webhook.WithLogger(logger))
	var handled atomic.Int64
	count := func() { handled.Add(1) }

	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		count()
		fmt.Printf("text from %s: %q (answered with a passive reply)\n", ev.FromUserName, ev.Content)
		return webhook.TextReply{Content: "Received: " + ev.Content}, nil
	})
	webhook.On(h, func(ctx context.Context, ev *webhook.MenuClick) (webhook.Reply, error) {
		count()
		fmt.Printf("menu click by %s: key %s\n", ev.FromUserName, ev.EventKey)
		return nil, nil
	})
	webhook.On(h, func(ctx context.Context, ev *webhook.TemplateCardEvent) (webhook.Reply, error) {
		count()
		fmt.Printf("card button %q pressed by %s on task %s (update it with response code within 72 h)\n", ev.EventKey, ev.FromUserName, ev.TaskID)
		return nil, nil
	})
	webhook.On(h, func(ctx context.Context, ev *webhook.UserCreated) (webhook.Reply, error) {
		count()
		fmt.Printf("address book: member %s created in departments %v\n", ev.UserID, ev.Department)
		return nil, nil
	})
	webhook.On(h, func(ctx context.Context, ev *webhook.ExternalContactAdded) (webhook.Reply, error) {
		count()
		fmt.Printf("customer contact: %s added customer %s (welcome code present: %t)\n", ev.UserID, ev.ExternalUserID, ev.WelcomeCode != "")
		return nil, nil
	})
	webhook.On(h, func(ctx context.Context, ev *webhook.KfMsgOrEvent) (webhook.Reply, error) {
		count()
		fmt.Printf("kf account %s has new messages: pull them with customerservice Sync\n", ev.OpenKfID)
		return nil, nil
	})
	h.OnAny(func(ctx context.Context, ev webhook.Event) (webhook.Reply, error) {
		count()
		fmt.Printf("%s: no typed handler, kept raw (%d bytes)\n", ev.Kind(), len(ev.Raw()))
		return nil, nil
	})

	if simulate > 0 {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/callback", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/callback"
	fmt.Println("Callback URL listening on", url)

	if simulate > 0 {
		err = deliver(ctx, url, wecomtest.CallbackConfig{Token: token, EncodingAESKey: key, ReceiveID: corpID}, simulate)
	} else {
		fmt.Println("Serving until interrupted (Ctrl-C)")
		<-ctx.Done()
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if werr := h.Wait(shutdown); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	fmt.Printf("handled %d events\n", handled.Load())
	if simulate > 0 && handled.Load() != int64(simulate) {
		return fmt.Errorf("%d callbacks delivered but %d handled", simulate, handled.Load())
	}
	return nil
}

// deliver has the simulator verify the URL, then send n callbacks of varied kinds.
func deliver(ctx context.Context, url string, cfg wecomtest.CallbackConfig, n int) error {
	sim := wecomtest.NewServer()
	defer sim.Close()
	if err := sim.VerifyCallbackURL(ctx, url, cfg); err != nil {
		return fmt.Errorf("URL verification: %w", err)
	}
	fmt.Println("The simulator verified the URL, as WeCom does when the admin saves the settings")
	corp := cfg.ReceiveID
	for i := range n {
		now := time.Now().Unix()
		var plain []byte
		switch i % 7 {
		case 0:
			plain = wecomtest.TextCallback(corp, "LiLei", wecomtest.AgentID, now*1000+int64(i), fmt.Sprintf("Progress of order %d?", 2290+i))
		case 1:
			plain = wecomtest.EventCallback(corp, "zhangsan", wecomtest.AgentID, "click", map[string]string{"EventKey": fmt.Sprintf("report_%d", i)})
		case 2:
			plain = wecomtest.CardEventCallback(wecomtest.CardEvent{ToUserName: corp, FromUserName: "f03.manager", EventKey: "add_shift",
				TaskID: fmt.Sprintf("PO-2291-F03-%d", i), CardType: webhook.CardButtonInteraction, ResponseCode: fmt.Sprintf("rc-%d-%d", now, i), AgentID: wecomtest.AgentID})
		case 3:
			plain = wecomtest.EventCallback(corp, "sys", 0, "change_contact", map[string]string{
				"ChangeType": "create_user", "UserID": fmt.Sprintf("worker%03d", i), "Department": "1,2"})
		case 4:
			plain = wecomtest.EventCallback(corp, "sys", 0, "change_external_contact", map[string]string{
				"ChangeType": "add_external_contact", "UserID": "lisi", "ExternalUserID": fmt.Sprintf("wmCustomer%03d", i), "WelcomeCode": fmt.Sprint("wc", i)})
		case 5:
			plain = wecomtest.KfCallback(corp, "wkDairyDesk01", fmt.Sprintf("ENCtoken%d%d", now, i))
		default:
			plain = wecomtest.EventCallback(corp, "sys", wecomtest.AgentID, "living_status_change", map[string]string{"LivingId": fmt.Sprint("live", i)})
		}
		d, err := sim.DeliverCallback(ctx, url, cfg, plain)
		if err != nil {
			return fmt.Errorf("callback %d: %w", i+1, err)
		}
		if reply, err := webhook.Parse(d.Reply); err == nil {
			if t, ok := reply.(*webhook.TextMessage); ok {
				fmt.Printf("  the simulator decrypted the passive reply: %q\n", t.Content)
			}
		}
	}
	return nil
}
