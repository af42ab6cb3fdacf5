// Command wecomsim runs the wecomtest simulator as a standalone WeCom (企业微信) API server, so
// services in any language can be developed and tested without credentials, as stripe-mock is
// for Stripe.
//
//	go run ./cmd/wecomsim -addr 127.0.0.1:8090 [-seed seed.json] [-token-ttl 2h]
//
// It serves the same routes and defaults as wecomtest.NewServer (corp wwsimcorp00000001, secret
// sim-app-secret, agent 1000002), prints them and the base URL on start, and stops on SIGINT or
// SIGTERM. Point a client at the base URL instead of https://qyapi.weixin.qq.com.
//
// # Seed file
//
// -seed names a JSON file; every section is optional and corpid defaults to the default corp:
//
//	{
//	  "apps":        [{"corpid": "wwcorp2", "secret": "s2", "agentid": 1000003, "name": "HR"}],
//	  "users":       [{"corpid": "", "userid": "zhangsan", "name": "张三", "mobile": "", "email": "", "department": [1]}],
//	  "robots":      ["robot-key-1"],
//	  "kf_accounts": [{"name": "Support", "servicers": ["zhangsan"]}],
//	  "suites":      [{"suite_id": "wwsuite1", "secret": "suite-secret"}],
//	  "providers":   [{"corpid": "wwprovider1", "secret": "provider-secret"}]
//	}
//
// Unknown fields are an error. kf accounts get generated open_kfids, printed on start and listed
// by GET /_sim/.
//
// # Admin API
//
// Under /_sim/ on the same address; bodies and answers are JSON, errors answer a 4xx status with
// {"error": "..."}. A callback object, where one is taken, is
// {"url", "token", "encoding_aes_key", "receive_id", "attempts", "timeout_ms"} (see
// wecomtest.CallbackConfig); deliveries are signed and encrypted as WeCom does.
//
//	GET  /_sim/                  defaults, base URL, seeded kf accounts and suites
//	POST /_sim/faults            {"path", "errcode" | "status" | "drop", "delay_ms", "after", "after_handler", "n"}:
//	                             the next n (default 1) requests for path fail (wecomtest.Server.Inject)
//	POST /_sim/faults/clear      drop every pending fault
//	GET  /_sim/calls?path=P      {"calls", "served"}: requests that arrived for P, and those that reached its handler
//	POST /_sim/tokens/expire     every token issued so far answers 42001
//	POST /_sim/kf/customer_says  {"open_kfid", "external_userid", "text"} → {"msgid"}: a customer writes to a kf account
//	GET  /_sim/kf/received?open_kfid=K&external_userid=U  what the customer received (send_msg)
//	POST /_sim/kf/forward        {"callback"}: make callback the app callback URL of its receive_id's corp (default
//	                             the default corp): kf_msg_or_event for each new sync_msg data, customer contact events
//	POST /_sim/cards/click       {"userid", "task_id", "event_key", "callback"?} → the template_card_event
//	                             (with a fresh response_code), delivered to callback when given
//	POST /_sim/suite_ticket      {"suite_id", "callback"?} → {"suite_ticket"}, pushed to callback when given
//	GET  /_sim/received?userid=U what member U received (message/send and the like)
//	GET  /_sim/robot_posts?key=K what the group robot K posted
//	POST /_sim/callbacks/deliver {"callback", "xml"}: deliver a callback's plaintext XML → the delivery
//	GET  /_sim/callbacks         every callback delivered so far
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wecom-connector/wecom/wecomtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "wecomsim:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

// run serves until ctx ends; it prints the banner to stdout once the address is bound.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("wecomsim", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8090", "address to listen on (host:port; port 0 picks one)")
	seedFile := fs.String("seed", "", "JSON file of corps, apps, members, robots, kf accounts and suites to add")
	ttl := fs.Duration("token-ttl", 7200*time.Second, "lifetime of issued tokens (expires_in)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "wecomsim: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if *ttl <= 0 {
		fmt.Fprintln(fs.Output(), "wecomsim: -token-ttl must be positive")
		return errUsage
	}
	var sd seed
	if *seedFile != "" {
		var err error
		if sd, err = readSeed(*seedFile); err != nil {
			return err
		}
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	a := &admin{}
	srv := wecomtest.Listen(l, func(s *wecomtest.Server, api http.Handler) http.Handler {
		// Seeded before the first request can arrive.
		a.srv = s
		a.kf, a.suites = sd.apply(s)
		return a.handler(api)
	}, wecomtest.WithTokenTTL(*ttl))
	defer srv.Close()

	base := srv.URL()
	fmt.Fprintf(stdout, "wecomsim: WeCom simulator listening\n")
	fmt.Fprintf(stdout, "  base URL   %s\n", base)
	fmt.Fprintf(stdout, "  corp ID    %s\n", wecomtest.CorpID)
	fmt.Fprintf(stdout, "  secret     %s\n", wecomtest.Secret)
	fmt.Fprintf(stdout, "  agent ID   %d\n", wecomtest.AgentID)
	for _, k := range a.kf {
		fmt.Fprintf(stdout, "  kf account %s  open_kfid %s\n", k.Name, k.OpenKfID)
	}
	fmt.Fprintf(stdout, "  admin API  %s/_sim/\n", base)
	<-ctx.Done()
	fmt.Fprintln(stdout, "wecomsim: stopping")
	return nil
}

// seed is the -seed file (schema in the package doc).
type seed struct {
	Apps []struct {
		CorpID  string `json:"corpid"`
		Secret  string `json:"secret"`
		AgentID int    `json:"agentid"`
		Name    string `json:"name"`
	} `json:"apps"`
	Users []struct {
		CorpID     string `json:"corpid"`
		UserID     string `json:"userid"`
		Name       string `json:"name"`
		Mobile     string `json:"mobile"`
		Email      string `json:"email"`
		Department []int  `json:"department"`
	} `json:"users"`
	Robots     []string `json:"robots"`
	KfAccounts []struct {
		Name      string   `json:"name"`
		Servicers []string `json:"servicers"`
	} `json:"kf_accounts"`
	Suites []struct {
		SuiteID string `json:"suite_id"`
		Secret  string `json:"secret"`
	} `json:"suites"`
	Providers []struct {
		CorpID string `json:"corpid"`
		Secret string `json:"secret"`
	} `json:"providers"`
}

func readSeed(name string) (seed, error) {
	var sd seed
	b, err := os.ReadFile(name)
	if err != nil {
		return sd, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sd); err != nil {
		return sd, fmt.Errorf("seed %s: %w", name, err)
	}
	for i, a := range sd.Apps {
		if a.Secret == "" {
			return sd, fmt.Errorf("seed %s: apps[%d]: secret is required", name, i)
		}
	}
	for i, u := range sd.Users {
		if u.UserID == "" {
			return sd, fmt.Errorf("seed %s: users[%d]: userid is required", name, i)
		}
	}
	for i, su := range sd.Suites {
		if su.SuiteID == "" || su.Secret == "" {
			return sd, fmt.Errorf("seed %s: suites[%d]: suite_id and secret are required", name, i)
		}
	}
	for i, p := range sd.Providers {
		if p.CorpID == "" || p.Secret == "" {
			return sd, fmt.Errorf("seed %s: providers[%d]: corpid and secret are required", name, i)
		}
	}
	return sd, nil
}

// kfAccount is a seeded kf account and the open_kfid the simulator gave it.
type kfAccount struct {
	Name     string `json:"name"`
	OpenKfID string `json:"open_kfid"`
}

// apply adds the seed to srv and returns the kf accounts and suite IDs it created.
func (sd seed) apply(srv *wecomtest.Server) ([]kfAccount, []string) {
	for _, a := range sd.Apps {
		srv.AddApp(wecomtest.App{CorpID: orDefault(a.CorpID), Secret: a.Secret, AgentID: a.AgentID, Name: a.Name})
	}
	for _, u := range sd.Users {
		srv.AddUsers(orDefault(u.CorpID), wecomtest.SeedUser{
			UserID: u.UserID, Name: u.Name, Mobile: u.Mobile, Email: u.Email, Department: u.Department,
		})
	}
	for _, k := range sd.Robots {
		srv.AddRobot(k)
	}
	var kf []kfAccount
	for _, k := range sd.KfAccounts {
		kf = append(kf, kfAccount{Name: k.Name, OpenKfID: srv.AddKfAccount(k.Name, k.Servicers...)})
	}
	var suites []string
	for _, su := range sd.Suites {
		srv.AddSuite(wecomtest.Suite{ID: su.SuiteID, Secret: su.Secret})
		suites = append(suites, su.SuiteID)
	}
	for _, p := range sd.Providers {
		srv.AddProvider(p.CorpID, p.Secret)
	}
	return kf, suites
}

func orDefault(corpID string) string {
	if corpID == "" {
		return wecomtest.CorpID
	}
	return corpID
}
