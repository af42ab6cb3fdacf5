package broadcast_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/broadcast"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

const sendPath = "/cgi-bin/message/send"

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// Every target is messaged once, the progress reports each, and a second run of the finished
// job sends nothing.
func TestRunSendsEachOnce(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	nw := newNetwork(t, 50, st)
	ctx := ctxFor(t, 30*time.Second)
	var seen []string
	var last broadcast.Progress
	job := &broadcast.Job{ID: "price-2024-07", Targets: nw.corps, Send: nw.send, Store: st, Workers: 4,
		OnProgress: func(p broadcast.Progress) {
			seen, last = append(seen, p.Target), p
			if p.Outcome != broadcast.OutcomeSent {
				t.Errorf("%s: outcome %d, want OutcomeSent", p.Target, p.Outcome)
			}
		}}
	res, err := job.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 50 || res.Sent != 50 || res.AlreadyDone != 0 || res.Failed != 0 || res.Resent != 0 {
		t.Errorf("result %+v, want 50 sent", res.Counts)
	}
	slices.Sort(seen)
	if !slices.Equal(seen, nw.corps) || last.Done() != 50 {
		t.Errorf("progress saw %d targets (last: %+v), want each of the 50 once", len(seen), last)
	}
	checkOnce(t, nw.srv, job.ID, 50)

	calls := nw.srv.Calls(sendPath)
	job.OnProgress = nil
	res, err = job.Run(ctx)
	if err != nil || res.AlreadyDone != 50 || res.Sent != 0 {
		t.Fatalf("second run: %+v, %v; want all 50 already done", res, err)
	}
	if n := nw.srv.Calls(sendPath); n != calls {
		t.Errorf("the finished job sent %d more messages", n-calls)
	}
}

// A failed send leaves its target to the next run, which sends only that one.
func TestRunRetriesFailuresNextTime(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	nw := newNetwork(t, 20, st)
	ctx := ctxFor(t, 30*time.Second)
	nw.srv.FailAfter(sendPath, 5, client.CodeNoPrivilege, 3) // 60011: not retried by the client
	job := &broadcast.Job{ID: "j1", Targets: nw.corps, Send: nw.send, Store: st, Workers: 1}
	res, err := job.Run(ctx)
	if !errors.Is(err, broadcast.ErrIncomplete) || res.Failed != 3 || res.Sent != 17 || len(res.Errors) != 3 {
		t.Fatalf("first run: %+v, %v; want 17 sent and 3 failed with ErrIncomplete", res, err)
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != client.CodeNoPrivilege || res.Errors[0].Target != corpID(5) {
		t.Errorf("error %v (first failed %s), want the 60011 of %s", err, res.Errors[0].Target, corpID(5))
	}
	res, err = job.Run(ctx)
	if err != nil || res.Sent != 3 || res.AlreadyDone != 17 {
		t.Fatalf("second run: %+v, %v; want the 3 failed ones sent", res.Counts, err)
	}
	checkOnce(t, nw.srv, job.ID, 20)
}

// Cancelled at random points (some sends in flight, delivered by WeCom but unanswered), the
// job started again and again finishes with every store messaged exactly once.
func TestCancelAtRandomPoints(t *testing.T) {
	t.Parallel()
	const n = 120
	st := store.NewMemory()
	nw := newNetwork(t, n, st)
	// Every send is answered 30 ms after WeCom delivered it, so a cancellation finds
	// sends that reached WeCom but whose answer never came.
	nw.srv.Inject(sendPath, wecomtest.Fault{Delay: 30 * time.Millisecond, AfterHandler: true}, 1<<30)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var resent, runs int
	for done := false; !done; runs++ {
		if runs > 40 {
			t.Fatal("the job did not finish in 40 runs")
		}
		ctx, cancel := context.WithCancel(ctxFor(t, 30*time.Second))
		stopAt := 1 + rng.IntN(n/4)
		job := &broadcast.Job{ID: "cancel", Targets: nw.corps, Send: nw.send, Store: st, Workers: 8,
			Lease: 2 * time.Second, OnProgress: func(p broadcast.Progress) {
				if p.Sent >= stopAt {
					cancel()
				}
			}}
		res, err := job.Run(ctx)
		cancel()
		resent += res.Resent
		switch {
		case err == nil:
			done = true
		case !errors.Is(err, context.Canceled):
			t.Fatalf("run %d: %v", runs, err)
		}
	}
	t.Logf("%d runs, %d targets resent after an interrupted attempt", runs, resent)
	if runs < 2 || resent == 0 {
		t.Errorf("%d runs and %d resends: the cancellations hit no send in flight", runs, resent)
	}
	checkOnce(t, nw.srv, "cancel", n)
}

// failingStore fails every Set of a done mark once armed, like a store that goes away after
// WeCom delivered the message.
type failingStore struct {
	store.Store
	armed atomic.Bool
}

var errStoreDown = errors.New("store down")

func (f *failingStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if f.armed.Load() && string(val) == "done" {
		return errStoreDown
	}
	return f.Store.Set(ctx, key, val, ttl)
}

func (f *failingStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	if f.armed.Load() {
		return false, errStoreDown // the lease stays until it expires, as after a crash
	}
	return store.CompareAndDelete(ctx, f.Store, key, old)
}

// A done mark that cannot be written ends the run with the store's error; the target was
// delivered, so the next run (after the lease left behind expired) resends it and the duplicate
// check keeps it to one message.
func TestStoreFailureAfterDelivery(t *testing.T) {
	t.Parallel()
	mem := store.NewMemory()
	fs := &failingStore{Store: mem}
	nw := newNetwork(t, 10, mem)
	ctx := ctxFor(t, 30*time.Second)
	var sends atomic.Int32
	job := &broadcast.Job{ID: "j", Targets: nw.corps, Store: fs, Workers: 1, Lease: 100 * time.Millisecond,
		Send: func(ctx context.Context, tg broadcast.Target) error {
			err := nw.send(ctx, tg)
			if sends.Add(1) == 4 {
				fs.armed.Store(true)
			}
			return err
		}}
	res, err := job.Run(ctx)
	if !errors.Is(err, errStoreDown) || res.Sent != 4 {
		t.Fatalf("run with a failing store: %+v, %v; want the store's error after 4 sends", res.Counts, err)
	}
	fs.armed.Store(false)
	start := time.Now()
	res, err = job.Run(ctx)
	if err != nil || res.Sent != 7 || res.Resent != 1 || res.AlreadyDone != 3 {
		t.Fatalf("resumed run: %+v, %v; want 3 done, 1 resent and 6 more sent", res.Counts, err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("the resumed run took %s: it cannot have waited for the 100 ms lease left behind", waited)
	}
	checkOnce(t, nw.srv, "j", 10)
}

// A done mark lost on the last target leaves the job incomplete: the next run resends it.
func TestStoreFailureOnLastTarget(t *testing.T) {
	t.Parallel()
	mem := store.NewMemory()
	fs := &failingStore{Store: mem}
	nw := newNetwork(t, 1, mem)
	ctx := ctxFor(t, 30*time.Second)
	fs.armed.Store(true)
	job := &broadcast.Job{ID: "last", Targets: nw.corps, Store: fs, Send: nw.send, Lease: 50 * time.Millisecond}
	if res, err := job.Run(ctx); !errors.Is(err, errStoreDown) || res.Sent != 1 {
		t.Fatalf("run: %+v, %v; want the store's error after the send", res, err)
	}
	fs.armed.Store(false)
	res, err := job.Run(ctx)
	if err != nil || res.Sent != 1 || res.Resent != 1 {
		t.Fatalf("second run: %+v, %v; want the target resent", res, err)
	}
	checkOnce(t, nw.srv, "last", 1)
}

// Past the duplicate-check window a resend is refused by its task_id (42014): AlreadySent
// makes it a delivery and the manager still has one card.
func TestResendAfterDuplicateWindow(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	nw := newNetwork(t, 3, st)
	ctx := ctxFor(t, 30*time.Second)
	key := broadcast.Key("late", corpID(1))
	// An earlier attempt delivered the card and died before its done mark; the window is over
	// (modelled by an earlier request that carried no duplicate check).
	c, err := nw.up.Downstream(corpID(1), agentOf(1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := messages.New(c).Send(ctx, messages.SendParams{To: messages.ToUsers(manager(1)), AgentID: agentOf(1),
		Message: card(key), NoDuplicateCheck: true}); err != nil {
		t.Fatal(err)
	}
	if err := st.Set(ctx, broadcast.KeyPrefix+"late:t:"+corpID(1), []byte("attempted"), time.Hour); err != nil {
		t.Fatal(err)
	}
	var refused []bool
	job := &broadcast.Job{ID: "late", Targets: nw.corps, Store: st, Send: func(ctx context.Context, tg broadcast.Target) error {
		err := nw.send(ctx, tg)
		if tg.Resend {
			refused = append(refused, err == nil)
		}
		return err
	}, Workers: 1}
	res, err := job.Run(ctx)
	if err != nil || res.Sent != 3 || res.Resent != 1 || len(refused) != 1 || !refused[0] {
		t.Fatalf("run: %+v, %v, resends %v; want 3 sent, the resend taken as delivered", res.Counts, err, refused)
	}
	checkOnce(t, nw.srv, "late", 3)

	// AlreadySent holds only for resends of the key's errcodes.
	e := &client.APIError{Code: client.CodeInvalidTaskID}
	if broadcast.AlreadySent(broadcast.Target{Resend: false}, e) || !broadcast.AlreadySent(broadcast.Target{Resend: true}, fmt.Errorf("x: %w", e)) ||
		broadcast.AlreadySent(broadcast.Target{Resend: true}, &client.APIError{Code: client.CodeNoPrivilege}) {
		t.Error("AlreadySent: want true only for a resend refused with 42014 or 95033")
	}
}

// Three runners of one job at once (processes sharing a store) message each target once
// between them.
func TestConcurrentRunners(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	nw := newNetwork(t, 80, st)
	ctx := ctxFor(t, 30*time.Second)
	var wg sync.WaitGroup
	results := make([]*broadcast.Result, 3)
	errs := make([]error, 3)
	for i := range results {
		wg.Go(func() {
			job := &broadcast.Job{ID: "shared", Targets: nw.corps, Send: nw.send, Store: st, Workers: 4, Lease: time.Second}
			results[i], errs[i] = job.Run(ctx)
		})
	}
	wg.Wait()
	sent := 0
	for i, r := range results {
		if errs[i] != nil || r.Done() != 80 {
			t.Errorf("runner %d: %+v, %v; want all 80 done", i, r.Counts, errs[i])
		}
		sent += r.Sent
	}
	if sent != 80 {
		t.Errorf("the runners sent %d messages between them, want 80", sent)
	}
	checkOnce(t, nw.srv, "shared", 80)
}

// A job ID names one broadcast: reusing it for other targets is refused.
func TestJobChanged(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	ctx := ctxFor(t, 10*time.Second)
	send := func(context.Context, broadcast.Target) error { return nil }
	job := &broadcast.Job{ID: "j", Targets: []string{"a", "b"}, Send: send, Store: st}
	if _, err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
	job.Targets = []string{"b", "a"} // the same set: fine
	if res, err := job.Run(ctx); err != nil || res.AlreadyDone != 2 {
		t.Fatalf("same targets reordered: %+v, %v", res, err)
	}
	job.Targets = []string{"a", "c"}
	if _, err := job.Run(ctx); !errors.Is(err, broadcast.ErrJobChanged) {
		t.Fatalf("other targets: %v, want ErrJobChanged", err)
	}
}

func TestInvalidJobs(t *testing.T) {
	t.Parallel()
	send := func(context.Context, broadcast.Target) error { return nil }
	st := store.NewMemory()
	for _, c := range []struct {
		job  broadcast.Job
		want string
	}{
		{broadcast.Job{Targets: []string{"a"}, Send: send, Store: st}, "job ID"},
		{broadcast.Job{ID: "a:b", Targets: []string{"a"}, Send: send, Store: st}, "job ID"},
		{broadcast.Job{ID: strings.Repeat("x", 65), Targets: []string{"a"}, Send: send, Store: st}, "job ID"},
		{broadcast.Job{ID: "j", Targets: []string{"a"}, Send: send}, "no Store"},
		{broadcast.Job{ID: "j", Targets: []string{"a"}, Store: st}, "no Send"},
		{broadcast.Job{ID: "j", Targets: []string{"a", ""}, Send: send, Store: st}, "empty target"},
		{broadcast.Job{ID: "j", Targets: []string{"a", "b", "a"}, Send: send, Store: st}, `"a" is listed twice`},
		{broadcast.Job{ID: "j", Targets: []string{"a"}, Send: send, Store: st, Workers: -1}, "negative"},
		{broadcast.Job{ID: "j", Targets: []string{"a"}, Send: send, Store: st, Lease: time.Hour, Keep: time.Minute}, "Keep"},
	} {
		if _, err := c.job.Run(context.Background()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error about %s", c.job, err, c.want)
		}
	}
}

// The key is stable, distinct per job and target, and a valid task_id and kf msgid.
func TestKey(t *testing.T) {
	t.Parallel()
	k := broadcast.Key("job", "wwcorp1")
	if k != broadcast.Key("job", "wwcorp1") || k == broadcast.Key("job", "wwcorp2") || k == broadcast.Key("job2", "wwcorp1") ||
		broadcast.Key("a", "bc") == broadcast.Key("ab", "c") {
		t.Error("keys must be stable and distinct per job and target")
	}
	if len(k) != 32 || strings.Trim(k, "0123456789abcdef") != "" {
		t.Errorf("key %q: want 32 lower-case hex digits", k)
	}
}

// A send that outlives its lease keeps it: the lease is renewed while the send runs, so a
// second runner never takes the target over.
func TestLeaseRenewedDuringLongSend(t *testing.T) {
	t.Parallel()
	st := store.NewMemory()
	ctx := ctxFor(t, 10*time.Second)
	var calls atomic.Int32
	release := make(chan struct{})
	send := func(ctx context.Context, tg broadcast.Target) error {
		calls.Add(1)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	a := &broadcast.Job{ID: "slow", Targets: []string{"x"}, Send: send, Store: st, Lease: 60 * time.Millisecond}
	b := *a
	var wg sync.WaitGroup
	var resA, resB *broadcast.Result
	var errA, errB error
	wg.Go(func() { resA, errA = a.Run(ctx) })
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	wg.Go(func() { resB, errB = b.Run(ctx) })
	time.Sleep(300 * time.Millisecond) // five lease lifetimes
	close(release)
	wg.Wait()
	if errA != nil || errB != nil || calls.Load() != 1 || resA.Sent+resB.Sent != 1 {
		t.Fatalf("A %+v %v, B %+v %v, %d sends: want one send, both runs done", resA, errA, resB, errB, calls.Load())
	}
}
