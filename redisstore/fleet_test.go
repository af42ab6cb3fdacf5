package redisstore

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The fleet tests re-run this test binary as child processes (os.Args[0] -test.run=^TestX$)
// with these variables set; a child does its part and exits. Parent and children coordinate
// through "ctl:" lists in the same Redis.
const (
	envRole  = "REDISSTORE_FLEET_ROLE"  // the child's part; unset in the parent
	envRedis = "REDISSTORE_FLEET_REDIS" // the Redis address
	envSim   = "REDISSTORE_FLEET_SIM"   // the simulator's URL
	envID    = "REDISSTORE_FLEET_ID"    // the child's number
)

// fleetPrefix is the key prefix every process of a fleet test uses for the SDK's keys.
const fleetPrefix = "fleet:"

// child is one process of a fleet, as the parent sees it.
type child struct {
	id   int
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error
}

// fleet starts and steers child processes that share one Redis.
type fleet struct {
	t        *testing.T
	r        *redisServer
	rdb      *redis.Client
	children []*child
}

func newFleet(t *testing.T) *fleet {
	r := startRedis(t)
	return &fleet{t: t, r: r, rdb: r.Client(t)}
}

// spawn starts n children running the current test's child branch for role.
func (f *fleet) spawn(role string, n int, env ...string) []*child {
	f.t.Helper()
	var started []*child
	for range n {
		c := &child{id: len(f.children), out: &lockedBuffer{}, done: make(chan struct{})}
		c.cmd = exec.Command(os.Args[0], "-test.run=^"+f.t.Name()+"$", "-test.count=1", "-test.v")
		c.cmd.Env = append(os.Environ(), envRole+"="+role, envRedis+"="+f.r.Addr, envID+"="+strconv.Itoa(c.id))
		c.cmd.Env = append(c.cmd.Env, env...)
		c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
		if err := c.cmd.Start(); err != nil {
			f.t.Fatalf("start child %d: %v", c.id, err)
		}
		go func() { c.err = c.cmd.Wait(); close(c.done) }()
		f.t.Cleanup(func() {
			_ = c.cmd.Process.Kill()
			<-c.done
		})
		f.children = append(f.children, c)
		started = append(started, c)
	}
	return started
}

// failed reports a child that exited with an error, with its output.
func (f *fleet) failed() error {
	for _, c := range f.children {
		select {
		case <-c.done:
			if c.err != nil {
				return fmt.Errorf("child %d: %v\n%s", c.id, c.err, c.out.String())
			}
		default:
		}
	}
	return nil
}

// await waits until list holds n entries and returns them; it fails fast if a child died.
func (f *fleet) await(list string, n int) []string {
	f.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if err := f.failed(); err != nil {
			f.t.Fatal(err)
		}
		got, err := f.rdb.LRange(ctx, "ctl:"+list, 0, -1).Result()
		if err != nil {
			f.t.Fatalf("read %s: %v", list, err)
		}
		if len(got) >= n {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.t.Fatalf("timed out waiting for %d entries in %s", n, list)
	return nil
}

// release lets n children waiting at the named barrier go, all at once.
func (f *fleet) release(name string, n int) {
	f.t.Helper()
	f.await("ready:"+name, n)
	vals := make([]any, n)
	for i := range vals {
		vals[i] = "go"
	}
	if err := f.rdb.LPush(context.Background(), "ctl:go:"+name, vals...).Err(); err != nil {
		f.t.Fatal(err)
	}
}

// wait waits for every child to exit successfully.
func (f *fleet) wait() {
	f.t.Helper()
	for _, c := range f.children {
		select {
		case <-c.done:
		case <-time.After(60 * time.Second):
			f.t.Fatalf("child %d did not exit:\n%s", c.id, c.out.String())
		}
		if c.err != nil {
			f.t.Fatalf("child %d: %v\n%s", c.id, c.err, c.out.String())
		}
	}
}

// member is a child's own view: its number, the shared Redis and a store on it.
type member struct {
	t   *testing.T
	id  string
	ctx context.Context
	rdb *redis.Client
	st  *Store
}

func joinFleet(t *testing.T) *member {
	rdb := newClient(t, os.Getenv(envRedis))
	return &member{t: t, id: os.Getenv(envID), ctx: ctxFor(t, 60*time.Second), rdb: rdb, st: New(rdb, WithPrefix(fleetPrefix))}
}

// barrier announces this child is ready at name and blocks until the parent releases it.
func (m *member) barrier(name string) {
	m.t.Helper()
	if err := m.rdb.RPush(m.ctx, "ctl:ready:"+name, m.id).Err(); err != nil {
		m.t.Fatal(err)
	}
	if err := m.rdb.BLPop(m.ctx, 50*time.Second, "ctl:go:"+name).Err(); err != nil {
		m.t.Fatalf("barrier %s: %v", name, err)
	}
}

// report appends val to the parent's list.
func (m *member) report(list, val string) {
	m.t.Helper()
	if err := m.rdb.RPush(m.ctx, "ctl:"+list, val).Err(); err != nil {
		m.t.Fatal(err)
	}
}

// TestFleetSharesOneToken: 4 processes with cold caches call the simulator at once through one
// Redis → one gettoken; after the simulator expires the token → one refresh in total.
func TestFleetSharesOneToken(t *testing.T) {
	if os.Getenv(envRole) == "token" {
		tokenMember(t)
		return
	}
	t.Parallel()
	f := newFleet(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	const n = 4
	f.spawn("token", n, envSim+"="+srv.URL())

	f.release("first", n)
	first := f.await("token:first", n)
	if got := srv.Calls("/cgi-bin/gettoken"); got != 1 {
		t.Fatalf("%d processes with cold caches made %d gettoken calls, want 1", n, got)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(first)))) != 1 {
		t.Fatalf("processes use different tokens: %q", first)
	}

	srv.ExpireTokens()
	f.release("second", n)
	second := f.await("token:second", n)
	if got := srv.Calls("/cgi-bin/gettoken"); got != 2 {
		t.Fatalf("after the token expired %d processes made %d gettoken calls in total, want 2 (one refresh)", n, got)
	}
	if len(slices.Compact(slices.Sorted(slices.Values(second)))) != 1 || second[0] == first[0] {
		t.Fatalf("after the refresh processes use tokens %q (expired one %q)", second, first[0])
	}
	// Each process sent the expired token once (42001) and retried once with the shared new one.
	if calls, served := srv.Calls("/cgi-bin/getcallbackip"), srv.Served("/cgi-bin/getcallbackip"); calls != 3*n || served != 2*n {
		t.Errorf("getcallbackip: %d requests, %d with a valid token; want %d and %d", calls, served, 3*n, 2*n)
	}
	f.wait()
}

func tokenMember(t *testing.T) {
	m := joinFleet(t)
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
		client.WithBaseURL(os.Getenv(envSim)), client.WithStore(m.st))
	if err != nil {
		t.Fatal(err)
	}
	for _, phase := range []string{"first", "second"} {
		m.barrier(phase)
		if err := callIPs(m.ctx, c); err != nil {
			t.Fatalf("%s call: %v", phase, err)
		}
		tok, err := c.TokenSource().Token()
		if err != nil {
			t.Fatal(err)
		}
		m.report("token:"+phase, tok.AccessToken)
	}
}

// TestFleetCursorResume: customerservice.Sync in one process stores its kf cursor in Redis;
// the next process resumes from it and receives only the messages that came after.
func TestFleetCursorResume(t *testing.T) {
	if os.Getenv(envRole) == "kf" {
		kfMember(t)
		return
	}
	t.Parallel()
	f := newFleet(t)
	srv := wecomtest.NewServer(wecomtest.WithKfSyncPageSize(2)) // 3 messages: two pages
	defer srv.Close()
	kfID := srv.AddKfAccount("Support")
	for _, text := range []string{"m1", "m2", "m3"} {
		if _, err := srv.CustomerSays(kfID, "wmCustomer01", text); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{envSim + "=" + srv.URL(), envKf + "=" + kfID}
	f.spawn("kf", 1, append(env, envKfToken+"="+srv.KfSyncToken(kfID))...)
	f.wait() // the first process has exited: only Redis remembers where it stopped
	if got := f.await("kf:0", 3); !slices.Equal(got, []string{"m1", "m2", "m3"}) {
		t.Fatalf("the first process synced %q, want m1 m2 m3", got)
	}
	if n, _ := f.rdb.Exists(context.Background(), fleetPrefix+"wecom:v1:kf:"+wecomtest.CorpID+":"+kfID).Result(); n != 1 {
		t.Fatal("no kf cursor in Redis")
	}

	for _, text := range []string{"m4", "m5"} {
		if _, err := srv.CustomerSays(kfID, "wmCustomer01", text); err != nil {
			t.Fatal(err)
		}
	}
	f.spawn("kf", 1, append(env, envKfToken+"="+srv.KfSyncToken(kfID))...)
	f.wait()
	if got := f.await("kf:1", 2); !slices.Equal(got, []string{"m4", "m5"}) {
		t.Fatalf("the next process synced %q, want only m4 m5 (resumed from the stored cursor)", got)
	}
}

const (
	envKf      = "REDISSTORE_FLEET_KF"       // the open_kfid to sync
	envKfToken = "REDISSTORE_FLEET_KF_TOKEN" // the latest kf_msg_or_event Token
)

func kfMember(t *testing.T) {
	m := joinFleet(t)
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
		client.WithBaseURL(os.Getenv(envSim)), client.WithStore(m.st))
	if err != nil {
		t.Fatal(err)
	}
	cs := customerservice.New(c)
	p := customerservice.SyncParams{OpenKfID: os.Getenv(envKf), Token: os.Getenv(envKfToken)}
	for msg, err := range cs.Sync(m.ctx, p) {
		if err != nil {
			t.Fatalf("sync: %v", err)
		}
		if text, ok := msg.(*customerservice.TextMessage); ok {
			m.report("kf:"+m.id, text.Text.Content)
		}
	}
}

// TestFleetCallbackOnce: the same encrypted callback delivered at once to two processes, each
// serving webhook.Handler with the store on one Redis, is handled by exactly one of them; both
// acknowledge it.
func TestFleetCallbackOnce(t *testing.T) {
	if os.Getenv(envRole) == "callback" {
		callbackMember(t)
		return
	}
	t.Parallel()
	f := newFleet(t)
	f.spawn("callback", 2)
	urls := f.await("urls", 2)

	srv := wecomtest.NewServer()
	defer srv.Close()
	cfg := wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey, Attempts: 1}
	plain := wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, 7366182934, "hello")
	var wg sync.WaitGroup
	for _, u := range urls { // the same callback to both processes at once, each encrypted anew
		wg.Add(1)
		go func() {
			defer wg.Done()
			if d, err := srv.DeliverCallback(context.Background(), u, cfg, plain); err != nil || !d.Acked {
				t.Errorf("deliver to %s: acked %v, %v", u, d.Acked, err)
			}
		}()
	}
	wg.Wait()
	f.await("handled", 1)
	f.release("stop", 2)
	f.wait()
	if handled, _ := f.rdb.LRange(context.Background(), "ctl:handled", 0, -1).Result(); len(handled) != 1 {
		t.Fatalf("the callback was handled by processes %q, want exactly one", handled)
	}
}

// The callback configuration of the fleet's app (test values).
const (
	cbToken  = "fleetCallbackToken"
	cbAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

func callbackMember(t *testing.T) {
	m := joinFleet(t)
	cr, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	h := webhook.NewHandler(cr, webhook.WithStore(m.st))
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		m.report("handled", m.id)
		return nil, nil
	})
	m.serve(h)
}

// serve serves h on a loopback port, reports its URL in "urls" and returns once the parent
// releases the "stop" barrier.
func (m *member) serve(h *webhook.Handler) {
	m.t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		m.t.Fatal(err)
	}
	hs := &http.Server{Handler: h}
	go func() { _ = hs.Serve(l) }()
	m.report("urls", "http://"+l.Addr().String())
	m.barrier("stop")
	_ = hs.Shutdown(m.ctx)
	_ = h.Wait(m.ctx)
}

// TestFleetSuiteTicket: the suite_ticket one process receives on its instruction callback URL
// (指令回调) is used by two other processes, started after the first has exited, to fetch one
// suite_access_token between them.
func TestFleetSuiteTicket(t *testing.T) {
	const suiteID, suiteSecret = "wwsuite0000000001", "sim-suite-secret"
	switch os.Getenv(envRole) {
	case "ticket":
		m := joinFleet(t)
		cr, err := webhook.NewCrypto(cbToken, cbAESKey, suiteID)
		if err != nil {
			t.Fatal(err)
		}
		h := webhook.NewHandler(cr, webhook.WithStore(m.st))
		webhook.On(h, func(ctx context.Context, ev *webhook.SuiteTicket) (webhook.Reply, error) {
			return nil, client.StoreSuiteTicket(ctx, m.st, ev.SuiteID, ev.Ticket)
		})
		m.serve(h)
		return
	case "suite":
		m := joinFleet(t)
		c, err := client.New(client.Suite{SuiteID: suiteID, Secret: suiteSecret},
			client.WithBaseURL(os.Getenv(envSim)), client.WithStore(m.st))
		if err != nil {
			t.Fatal(err)
		}
		m.barrier("call")
		var out struct {
			PreAuthCode string `json:"pre_auth_code"`
		}
		if err := c.Do(m.ctx, http.MethodGet, "/cgi-bin/service/get_pre_auth_code", nil, nil, &out); err != nil || out.PreAuthCode == "" {
			t.Fatalf("get_pre_auth_code = %q, %v", out.PreAuthCode, err)
		}
		m.report("suite", m.id)
		return
	}
	t.Parallel()
	f := newFleet(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddSuite(wecomtest.Suite{ID: suiteID, Secret: suiteSecret})

	f.spawn("ticket", 1)
	url := f.await("urls", 1)[0]
	cfg := wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey, Attempts: 1}
	if d, err := srv.DeliverCallback(context.Background(), url, cfg, wecomtest.SuiteTicketCallback(suiteID, srv.IssueSuiteTicket(suiteID))); err != nil || !d.Acked {
		t.Fatalf("deliver suite_ticket: acked %v, %v", d.Acked, err)
	}
	f.release("stop", 1)
	f.wait()

	f.spawn("suite", 2, envSim+"="+srv.URL())
	f.release("call", 2)
	f.await("suite", 2)
	f.wait()
	if got := srv.Calls("/cgi-bin/service/get_suite_token"); got != 1 {
		t.Fatalf("2 processes made %d get_suite_token calls with the stored ticket, want 1", got)
	}
}
