package customerservice_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// testLease is the lease of the tests: short, so a dead process's work is taken over quickly.
const testLease = 200 * time.Millisecond

// mortal is one process's view of a shared store. kill is the process dying: from then on
// nothing it does reaches the store, so it renews and releases nothing and its leases run out.
type mortal struct {
	store.Store
	dead atomic.Bool
}

var errDead = errors.New("test: this process is dead")

func (m *mortal) kill() { m.dead.Store(true) }

func (m *mortal) Get(ctx context.Context, key string) ([]byte, error) {
	if m.dead.Load() {
		return nil, errDead
	}
	return m.Store.Get(ctx, key)
}

func (m *mortal) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if m.dead.Load() {
		return errDead
	}
	return m.Store.Set(ctx, key, val, ttl)
}

func (m *mortal) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if m.dead.Load() {
		return false, errDead
	}
	return m.Store.SetNX(ctx, key, val, ttl)
}

func (m *mortal) Delete(ctx context.Context, key string) error {
	if m.dead.Load() {
		return errDead
	}
	return m.Store.Delete(ctx, key)
}

// desk is the app under test: it answers each customer message once with a reply whose msgid
// derives from the message, and records who handled what.
type desk struct {
	srv *wecomtest.Server
	kf  string
	ids []string // the customer messages, in order; customer i is "wmC<i>"

	mu      sync.Mutex
	handled map[string][]string // msgid → the processes that completed its action
}

// newDesk starts a simulator whose account receives n messages, one per customer.
func newDesk(t *testing.T, n int, opts ...wecomtest.Option) *desk {
	t.Helper()
	d := &desk{srv: wecomtest.Start(t, opts...), handled: map[string][]string{}}
	d.kf = d.srv.AddKfAccount("Dairy desk")
	for range n {
		d.say(t)
	}
	return d
}

func (d *desk) say(t *testing.T) {
	t.Helper()
	d.mu.Lock()
	i := len(d.ids)
	d.mu.Unlock()
	id, err := d.srv.CustomerSays(d.kf, fmt.Sprintf("wmC%02d", i), fmt.Sprintf("question %d", i))
	if err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	d.ids = append(d.ids, id)
	d.mu.Unlock()
}

func (d *desk) index(m customerservice.Message) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, id := range d.ids {
		if id == m.Header().MsgID {
			return i
		}
	}
	return -1
}

// reply sends the answer; a refusal as duplicate means an earlier attempt sent it.
func (d *desk) reply(ctx context.Context, svc *customerservice.Service, m customerservice.Message) error {
	h := m.Header()
	_, err := svc.Send(ctx, customerservice.SendParams{OpenKfID: h.OpenKfID, ExternalUserID: h.ExternalUserID,
		MsgID: customerservice.ReplyMsgID(h.MsgID, 0), Content: customerservice.Text{Content: "answer to " + h.MsgID}})
	if errors.Is(err, customerservice.ErrDuplicateMsgID) {
		return nil
	}
	return err
}

func (d *desk) record(m customerservice.Message, who string) {
	d.mu.Lock()
	d.handled[m.Header().MsgID] = append(d.handled[m.Header().MsgID], who)
	d.mu.Unlock()
}

// handler is the Handle of a process called who.
func (d *desk) handler(svc *customerservice.Service, who string) func(context.Context, customerservice.Message) error {
	return func(ctx context.Context, m customerservice.Message) error {
		if err := d.reply(ctx, svc, m); err != nil {
			return err
		}
		d.record(m, who)
		return nil
	}
}

// allHandled reports whether every customer message was handled.
func (d *desk) allHandled() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range d.ids {
		if len(d.handled[id]) == 0 {
			return false
		}
	}
	return true
}

// check fails t unless every message was handled, each exactly once except those in extra,
// and every customer got exactly one answer.
func (d *desk) check(t *testing.T, extra ...string) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, id := range d.ids {
		n := len(d.handled[id])
		if n == 0 || n > 1 && !strings.Contains(strings.Join(extra, " "), id) {
			t.Errorf("message %d (%s) handled by %v", i, id, d.handled[id])
		}
		if got := d.srv.KfReceived(d.kf, fmt.Sprintf("wmC%02d", i)); len(got) != 1 {
			t.Errorf("customer %d got %d answers, want 1", i, len(got))
		}
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestPullCrashEveryStep kills process A at each step of the claim/commit loop, on a message in
// the middle of the stream, then lets process B pull from the same store: every message is
// handled, exactly once unless A died between its action and Done, and every customer gets
// one answer (the reply's msgid makes the repeated action harmless).
func TestPullCrashEveryStep(t *testing.T) {
	t.Parallel()
	const n, victim = 7, 5 // pages of 3: message 5 ends page 2, so Done is followed by the cursor save
	for _, step := range []string{"none", "after claim", "during action", "after action", "after done"} {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := newDesk(t, n, wecomtest.WithKfSyncPageSize(3))
			shared := store.NewMemory()
			a := &mortal{Store: shared}
			svcA := customerservice.New(newClient(t, d.srv, a))
			p := customerservice.SyncParams{OpenKfID: d.kf, Token: d.srv.KfSyncToken(d.kf), Lease: testLease}
			var aErr error
			for c, err := range svcA.Pull(ctx, p) {
				if err != nil {
					aErr = err
					break
				}
				m := c.Message
				crash := d.index(m) == victim
				if crash && step == "after claim" {
					a.kill()
					break
				}
				if err := d.reply(ctx, svcA, m); err != nil {
					t.Fatal(err)
				}
				if crash && step == "during action" { // the answer went out, the app's own record did not
					a.kill()
					break
				}
				d.record(m, "A")
				if crash && step == "after action" {
					a.kill()
					break
				}
				if err := c.Done(ctx); err != nil {
					t.Fatal(err)
				}
				if crash && step == "after done" {
					a.kill() // the page's cursor is saved next
				}
			}
			if step == "after done" && !errors.Is(aErr, errDead) {
				t.Fatalf("A ended with %v, want the failed cursor save", aErr)
			} else if step != "after done" && aErr != nil {
				t.Fatalf("A ended with %v", aErr)
			}

			svcB := customerservice.New(newClient(t, d.srv, shared))
			start := time.Now()
			if err := drain(ctx, svcB, p, d.handler(svcB, "B")); err != nil {
				t.Fatal(err)
			}
			if step != "none" && time.Since(start) > 5*testLease {
				t.Errorf("B took %v to take over a lease of %v", time.Since(start), testLease)
			}
			var extra []string
			if step == "after action" {
				extra = append(extra, d.ids[victim])
			}
			d.check(t, extra...)
		})
	}
}

// drain handles everything Pull yields.
func drain(ctx context.Context, svc *customerservice.Service, p customerservice.SyncParams, handle func(context.Context, customerservice.Message) error) error {
	for c, err := range svc.Pull(ctx, p) {
		if err != nil {
			return err
		}
		if err := handle(ctx, c.Message); err != nil {
			return errors.Join(err, c.Release(ctx))
		}
		if err := c.Done(ctx); err != nil {
			return err
		}
	}
	return nil
}

// TestPullDyingProcess: process A dies while handling a message of its pull; no callback comes
// again. Process B's SafetyPull takes the account over once A's leases run out and handles
// the rest.
func TestPullDyingProcess(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := newDesk(t, 5, wecomtest.WithKfNoTokenLimit(1000))
	shared := store.NewMemory()
	a := &mortal{Store: shared}
	svcA := customerservice.New(newClient(t, d.srv, a))
	hung := make(chan struct{})
	var aDone sync.WaitGroup
	aDone.Go(func() {
		handle := d.handler(svcA, "A")
		_ = drain(ctx, svcA, customerservice.SyncParams{OpenKfID: d.kf, Token: d.srv.KfSyncToken(d.kf), Lease: testLease},
			func(ctx context.Context, m customerservice.Message) error {
				if d.index(m) == 2 {
					a.kill()
					<-hung // the process is gone: this goroutine never comes back while it matters
					return errDead
				}
				return handle(ctx, m)
			})
	})
	defer aDone.Wait()
	defer close(hung)
	waitFor(t, "A to die", a.dead.Load)

	svcB := customerservice.New(newClient(t, d.srv, shared))
	var bDone sync.WaitGroup
	bDone.Go(func() {
		err := svcB.SafetyPull(ctx, customerservice.CallbackParams{Handle: d.handler(svcB, "B"), Lease: testLease,
			SafetyInterval: 50 * time.Millisecond})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("SafetyPull ended with %v", err)
		}
	})
	defer bDone.Wait()
	defer cancel()
	waitFor(t, "every message handled", d.allHandled)
	d.check(t)
	if got := fmt.Sprint(d.handled[d.ids[0]], d.handled[d.ids[2]], d.handled[d.ids[4]]); got != "[A] [B] [B]" {
		t.Errorf("handled by %s, want [A] [B] [B]", got)
	}
}

// TestStickyReplicas: two replicas share a store behind a sticky balancer that routes every
// callback to replica A. A dies handling the second message; the messages after it come while
// A is unreachable. Replica B never gets a callback, yet its SafetyPull handles them all.
// Without a death, with B's SafetyPull racing A's callbacks, every message is handled exactly
// once, whichever replica pulls it.
func TestStickyReplicas(t *testing.T) {
	t.Parallel()
	for _, dies := range []bool{false, true} {
		t.Run(fmt.Sprint("A dies=", dies), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			d := newDesk(t, 0)
			shared := store.NewMemory()
			a := &mortal{Store: shared}
			hung := make(chan struct{})
			defer close(hung)
			replica := func(name string, st store.Store) (*customerservice.Service, *webhook.Handler, customerservice.CallbackParams) {
				cr, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
				if err != nil {
					t.Fatal(err)
				}
				svc := customerservice.New(newClient(t, d.srv, st))
				h := webhook.NewHandler(cr, webhook.WithStore(st))
				handle := d.handler(svc, name)
				p := customerservice.CallbackParams{Lease: testLease, SafetyInterval: 50 * time.Millisecond,
					Handle: func(ctx context.Context, m customerservice.Message) error {
						if name == "A" && dies && d.index(m) == 1 {
							a.kill()
							<-hung
							return errDead
						}
						return handle(ctx, m)
					}}
				if err := svc.HandleKfCallbacks(h, p); err != nil {
					t.Fatal(err)
				}
				return svc, h, p
			}
			_, hA, _ := replica("A", a)
			svcB, _, pB := replica("B", shared)
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if a.dead.Load() {
					http.Error(w, "replica A is down", http.StatusBadGateway)
					return
				}
				hA.ServeHTTP(w, r)
			}))
			defer front.Close()
			d.srv.SetCallbackURL(wecomtest.CorpID, front.URL, wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey, Attempts: 2})
			var bDone sync.WaitGroup
			defer bDone.Wait()
			defer cancel()
			runB := func() { bDone.Go(func() { _ = svcB.SafetyPull(ctx, pB) }) }
			if !dies {
				runB()
			}
			for i := range 5 {
				d.say(t)
				if i == 1 && dies {
					waitFor(t, "A to die", a.dead.Load)
					runB() // from here on: a SafetyPull that started earlier could have taken message 1 from A
				}
			}
			waitFor(t, "every message handled", d.allHandled)
			time.Sleep(2 * testLease) // nothing more may come
			d.check(t)
			if dies {
				d.mu.Lock()
				for _, id := range d.ids[1:] {
					if fmt.Sprint(d.handled[id]) != "[B]" {
						t.Errorf("message %s handled by %v, want B", id, d.handled[id])
					}
				}
				d.mu.Unlock()
			}
		})
	}
}

// TestPullRelease: a released message stops the Pull at the end of its page with the cursor
// unmoved; the next Pull yields it again, and not the messages done meanwhile. A claim left
// open is released and reported.
func TestPullRelease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDesk(t, 5, wecomtest.WithKfSyncPageSize(2))
	svc := customerservice.New(newClient(t, d.srv, nil))
	p := customerservice.SyncParams{OpenKfID: d.kf, Token: d.srv.KfSyncToken(d.kf)}
	var got []int
	for c, err := range svc.Pull(ctx, p) {
		if err != nil {
			t.Fatal(err)
		}
		i := d.index(c.Message)
		got = append(got, i)
		if i == 2 {
			if err := c.Release(ctx); err != nil {
				t.Fatal(err)
			}
			continue // the app goes on; the Pull stops after this page
		}
		if err := c.Done(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(got) != "[0 1 2 3]" {
		t.Fatalf("first pull yielded %v, want [0 1 2 3] (stop after page 2)", got)
	}
	got = nil
	for c, err := range svc.Pull(ctx, p) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.index(c.Message))
		if len(got) == 2 {
			break // left open: released
		}
		if err := c.Done(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(got) != "[2 4]" {
		t.Fatalf("second pull yielded %v, want [2 4]", got)
	}
	var last error
	got = nil
	for c, err := range svc.Pull(ctx, p) {
		if err != nil {
			last = err
			continue
		}
		got = append(got, d.index(c.Message)) // neither Done nor Release
	}
	if fmt.Sprint(got) != "[4]" || last == nil || !strings.Contains(last.Error(), "neither done nor released") {
		t.Fatalf("open claim: yielded %v, ended with %v", got, last)
	}
	if err := drain(ctx, svc, p, func(context.Context, customerservice.Message) error { return nil }); err != nil {
		t.Fatal(err)
	}
	for c, err := range svc.Pull(ctx, p) {
		t.Fatalf("after all done: %v %v", c, err)
	}
}

// TestPullLease: a Pull whose action outlasts the lease keeps its claim and the account (the
// lease is renewed); a second Pull on the same store waits for the first instead of failing
// and then yields only what is left.
func TestPullLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newDesk(t, 2)
	st := store.NewMemory()
	svcA := customerservice.New(newClient(t, d.srv, st))
	svcB := customerservice.New(newClient(t, d.srv, st))
	p := customerservice.SyncParams{OpenKfID: d.kf, Token: d.srv.KfSyncToken(d.kf), Lease: testLease}
	prefix := "wecom:v1:kf:" + wecomtest.CorpID + ":" + d.kf
	inside := make(chan struct{})
	var bGot []int
	var bErr error
	var wg sync.WaitGroup
	for c, err := range svcA.Pull(ctx, p) {
		if err != nil {
			t.Fatal(err)
		}
		if d.index(c.Message) == 0 {
			wg.Go(func() {
				close(inside)
				bErr = drain(ctx, svcB, p, func(_ context.Context, m customerservice.Message) error {
					bGot = append(bGot, d.index(m))
					return nil
				})
			})
			<-inside
			time.Sleep(3 * testLease) // a long action
			for _, key := range []string{prefix + ":pull", prefix + ":msg:" + d.ids[0]} {
				if v, err := st.Get(ctx, key); err != nil || !strings.HasPrefix(string(v), "pull:") && !strings.HasPrefix(string(v), "claim:") {
					t.Errorf("after 3 leases %s = %q, %v; want it still held", key, v, err)
				}
			}
		}
		if err := c.Done(ctx); err != nil {
			t.Fatal(err)
		}
		if d.index(c.Message) == 0 {
			d.say(t) // a message for the waiting Pull
		}
	}
	wg.Wait()
	if bErr != nil || fmt.Sprint(bGot) != "[2]" {
		t.Fatalf("the waiting Pull got %v, %v; want [2]", bGot, bErr)
	}
}

// TestPullNamespaces: two corps whose accounts and message IDs look alike share one store;
// each corp's messages are all handled, under keys of its own.
func TestPullNamespaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := &keyStore{Store: store.NewMemory()}
	for _, corp := range []string{"wwDairy", "wwBakery"} {
		d := newDesk(t, 3) // each simulator numbers accounts and messages the same way
		svc := customerservice.New(newClient(t, d.srv, st))
		p := customerservice.SyncParams{OpenKfID: d.kf, Token: d.srv.KfSyncToken(d.kf), CorpID: corp}
		if err := drain(ctx, svc, p, d.handler(svc, corp)); err != nil {
			t.Fatal(err)
		}
		d.check(t)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, k := range st.keys {
		if !strings.HasPrefix(k, "wecom:v1:tok:") && !strings.HasPrefix(k, "wecom:v1:kf:wwDairy:wkSIM") && !strings.HasPrefix(k, "wecom:v1:kf:wwBakery:wkSIM") {
			t.Errorf("key %q is not namespaced by corp and account", k)
		}
	}
}

// keyStore records the keys written.
type keyStore struct {
	store.Store
	mu   sync.Mutex
	keys []string
}

func (s *keyStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.Store.Set(ctx, key, val, ttl)
}

func (s *keyStore) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	s.mu.Lock()
	s.keys = append(s.keys, key)
	s.mu.Unlock()
	return s.Store.SetNX(ctx, key, val, ttl)
}

func TestReplyMsgID(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[0-9a-zA-Z_-]{1,32}$`)
	long := strings.Repeat("from_msgid_", 5) // longer than 32 bytes
	seen := map[string]bool{}
	for _, id := range []string{"from_msgid_1", "from_msgid_2", long + "A", long + "B"} {
		for n := range 5 {
			r := customerservice.ReplyMsgID(id, n)
			if !valid.MatchString(r) || seen[r] {
				t.Fatalf("ReplyMsgID(%q, %d) = %q: invalid or repeated", id, n, r)
			}
			seen[r] = true
			if customerservice.ReplyMsgID(id, n) != r {
				t.Fatal("ReplyMsgID is not deterministic")
			}
		}
	}
}
