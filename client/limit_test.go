package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/secret"
	"github.com/wecom-connector/wecom/store"
)

// limitT0 is half a minute into 10:00, so windows start mid-way as they do in life.
var limitT0 = time.Date(2030, 1, 2, 10, 0, 30, 0, time.UTC)

// fakeClock is a limiter clock tests move by hand; Sleep moves it instead of waiting.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.Advance(d)
	return nil
}

// realSleep waits for real, honouring ctx, for tests whose clock is fake but whose waits are not.
func realSleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Four clients of one corp (four secrets, as an internal app, the contacts tool and two more
// would have) offer twice WeCom's rate for a simulated hour: every calendar minute gets at most
// 10,000 calls, the calendar hour at most 150,000 and all of it is used. The limiter of old,
// a token bucket per secret with a burst on top of the minute, let 10,999 a minute per secret
// and 600,999 an hour through.
func TestRateLimitSimulatedHour(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		st   store.Store
	}{
		{"memory", store.NewMemory()},
		{"remote", &remoteStore{Store: store.NewMemory()}}, // batches, as from Redis
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			simulateHour(t, tc.st)
		})
	}
}

func simulateHour(t *testing.T, st store.Store) {
	ctx := context.Background()
	fc := &fakeClock{t: limitT0}
	var corp []*client.Client
	for _, s := range []string{"app", "contacts", "kf", "crm"} {
		c, err := client.New(client.CorpApp{CorpID: "wwcorp", Secret: s}, client.WithStore(st))
		if err != nil {
			t.Fatal(err)
		}
		client.SetLimiterClock(c, fc.Now, fc.Sleep)
		corp = append(corp, c)
	}
	other, err := client.New(client.CorpApp{CorpID: "wwother", Secret: "s"}, client.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	client.SetLimiterClock(other, fc.Now, fc.Sleep)

	const path = "/cgi-bin/user/get"
	perMinute, perHour := map[int64]int{}, map[int64]int{}
	end := limitT0.Add(time.Hour)
	for n := 0; fc.Now().Before(end); n++ {
		fc.Advance(3 * time.Millisecond) // 20,000 calls a minute: twice the limit
		if err := client.WaitLimit(ctx, corp[n%4], path); err != nil {
			t.Fatal(err)
		}
		at := fc.Now()
		perMinute[at.Unix()/60]++
		perHour[at.Unix()/3600]++
		if n%1000 == 0 { // another corp, and another path, have budgets of their own
			for _, call := range []struct {
				c    *client.Client
				path string
			}{{other, path}, {corp[0], "/cgi-bin/department/list"}} {
				if err := client.WaitLimit(ctx, call.c, call.path); err != nil || !fc.Now().Equal(at) {
					t.Fatalf("%s %s waited %v (%v) while the corp's %s was full", client.LimitKey(call.c), call.path, fc.Now().Sub(at), err, path)
				}
			}
		}
	}
	full := 0
	for m, n := range perMinute {
		if n > 10000 {
			t.Errorf("minute %v: %d calls, want at most 10,000", time.Unix(m*60, 0).UTC(), n)
		}
		if n >= 9900 {
			full++
		}
	}
	for h, n := range perHour {
		if n > 150000 {
			t.Errorf("hour %v: %d calls, want at most 150,000", time.Unix(h*3600, 0).UTC(), n)
		}
	}
	// Batches left unused when a window ends are lost: a few per client and window at most.
	if got := perHour[limitT0.Unix()/3600]; got < 149000 || full < 15 {
		t.Errorf("the first hour admitted %d calls in %d full minutes, want about 150,000 in 15 or more", got, full)
	}
}

// WeCom counts per corp and API, not per secret: the limit key names the corp (or suite or
// provider) and never a secret.
func TestRateLimitKeys(t *testing.T) {
	t.Parallel()
	mk := func(cred client.Credential) *client.Client {
		t.Helper()
		c, err := client.New(cred)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	app := mk(client.CorpApp{CorpID: "wwcorp", Secret: "app-secret"})
	tool, err := app.Derive(client.CorpApp{CorpID: "wwcorp", Secret: "contacts-secret"})
	if err != nil {
		t.Fatal(err)
	}
	down, err := app.Downstream("wwfactory", 1000002)
	if err != nil {
		t.Fatal(err)
	}
	suite := mk(client.Suite{SuiteID: "wwsuite", Secret: "suite-secret"})
	auth, err := suite.AuthCorp("wwauthed", "permanent-code")
	if err != nil {
		t.Fatal(err)
	}
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok"})
	src1, src2 := mk(client.FromTokenSource(ts)), mk(client.FromTokenSource(ts))
	for _, tc := range []struct {
		c    *client.Client
		want string
	}{
		{app, "corp:wwcorp"},
		{tool, "corp:wwcorp"},
		{down, "corp:wwfactory"},
		{suite, "suite:wwsuite"},
		{auth, "corp:wwauthed"},
		{mk(client.Provider{CorpID: "wwprovider", ProviderSecret: "provider-secret"}), "provider:wwprovider"},
		{mk(client.WebhookKey("robot-key-secret")), "robot:" + secret.Hash("robot-key-secret")},
	} {
		if got := client.LimitKey(tc.c); got != tc.want {
			t.Errorf("%v: limit key %q, want %q", tc.c, got, tc.want)
		}
	}
	k1, k2 := client.LimitKey(src1), client.LimitKey(src2)
	if !strings.HasPrefix(k1, "local:") || k1 == k2 {
		t.Errorf("token-source clients: limit keys %q and %q, want distinct local keys", k1, k2)
	}
}

// A call whose deadline comes before the window has room fails at once, saying the wait; with
// no deadline it waits until ctx ends.
func TestRateLimitDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv, client.WithRateLimit(2, 0))
	fc := &fakeClock{t: limitT0.Add(-20 * time.Second)} // 10:00:10
	client.SetLimiterClock(c, fc.Now, realSleep)
	for range 2 {
		if err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil)
	if !errors.Is(err, client.ErrRateLimited) || !strings.Contains(err.Error(), "50s") || !strings.HasPrefix(err.Error(), "wecom: ") {
		t.Fatalf("got %v, want an ErrRateLimited error saying the 50s wait", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("failed after %v, want at once", d)
	}
	if got := srv.Calls(ipPath); got != 2 {
		t.Fatalf("%d calls reached WeCom, want 2", got)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("without a deadline: got %v, want to wait until ctx is cancelled", err)
	}
	fc.Advance(50 * time.Second)
	if err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil); err != nil {
		t.Fatalf("in the next minute: %v", err)
	}
}

// limitStore is a store whose limiter hangs (or fails) while its values work.
type limitStore struct {
	store.Store
	fail  bool // answer an error at once instead of hanging
	calls atomic.Int32
}

func (s *limitStore) Admit(ctx context.Context, _ string, _ time.Time, _ int, _ []store.Window) (int, time.Duration, error) {
	return 0, 0, s.wait(ctx)
}

func (s *limitStore) Block(ctx context.Context, _ string, _ time.Time, _ time.Duration) error {
	return s.wait(ctx)
}

func (s *limitStore) wait(ctx context.Context) error {
	s.calls.Add(1)
	if s.fail {
		return errors.New("limiter store is down")
	}
	<-ctx.Done()
	return ctx.Err()
}

// A store whose limiter hangs costs one call at most 300 ms (half the time left when that is
// less); the client counts in process meanwhile and leaves the store alone for a while.
func TestRateLimitStoreHangs(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	hung := &limitStore{Store: store.NewMemory()}
	c := newClient(t, srv, client.WithStore(hung))
	for i, d := range []time.Duration{2 * time.Second, 2 * time.Second} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		start := time.Now()
		err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil)
		cancel()
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if took := time.Since(start); took > time.Second {
			t.Fatalf("call %d took %v", i, took)
		}
	}
	if got := hung.calls.Load(); got != 1 {
		t.Fatalf("the hung limiter was asked %d times, want once (then skipped)", got)
	}

	// A deadline shorter than the store bound: the store gets half the time left.
	c2 := newClient(t, srv, client.WithStore(hung)) // its own limiter, not yet skipping the store
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	if err := c2.Do(ctx, http.MethodGet, ipPath, nil, nil, nil); err != nil {
		t.Fatalf("call with a 400ms deadline: %v", err)
	}
}

// While the store's limiter fails, the client counts in process with the same windows, asks
// the store again only after a break, and a 45009 block still holds in process.
func TestRateLimitStoreFailsFallsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	down := &limitStore{Store: store.NewMemory(), fail: true}
	c, err := client.New(client.CorpApp{CorpID: "wwcorp", Secret: "s"}, client.WithStore(down), client.WithRateLimit(2, 0))
	if err != nil {
		t.Fatal(err)
	}
	fc := &fakeClock{t: limitT0}
	client.SetLimiterClock(c, fc.Now, fc.Sleep)
	for range 2 {
		if err := client.WaitLimit(ctx, c, ipPath); err != nil || !fc.Now().Equal(limitT0) {
			t.Fatalf("within the limit: waited %v (%v)", fc.Now().Sub(limitT0), err)
		}
	}
	if got := down.calls.Load(); got != 1 {
		t.Fatalf("the failing limiter was asked %d times, want once (then skipped)", got)
	}
	if err := client.WaitLimit(ctx, c, ipPath); err != nil || !fc.Now().Equal(limitT0.Add(30*time.Second)) {
		t.Fatalf("3rd call of a 2-a-minute limit: waited %v (%v), want 30s to the next minute", fc.Now().Sub(limitT0), err)
	}
	if got := down.calls.Load(); got != 2 {
		t.Fatalf("after the 5s break the failing limiter was asked %d times in all, want a second try", got)
	}
	if err := client.WaitLimit(ctx, c, ipPath); err != nil || down.calls.Load() != 2 {
		t.Fatalf("within the new break: %v, store asked %d times, want 2", err, down.calls.Load())
	}

	srv := newSim(t)
	var waited time.Duration
	c2 := newClient(t, srv, client.WithStore(down), client.WithRetry(client.RetryPolicy{RateLimitWait: 30 * time.Second}))
	client.SetLimiterClock(c2, time.Now, func(_ context.Context, d time.Duration) error {
		waited = d
		return errors.New("stop waiting")
	})
	srv.FailNext(ipPath, client.CodeFrequencyLimit, 1)
	if err := c2.Do(ctx, http.MethodGet, ipPath, nil, nil, nil); err == nil || waited < 29*time.Second {
		t.Fatalf("after 45009 with the store down: %v, waited %v; want the 30s block held in process", err, waited)
	}
}

// A 45009 answer to one client blocks that corp and path for every client sharing the store;
// other paths go on.
func TestRateLimit45009BlocksSiblings(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	st := store.NewMemory()
	a := newClient(t, srv, client.WithStore(st), client.WithRetry(client.RetryPolicy{RateLimitWait: 30 * time.Second}))
	waiting := make(chan time.Duration, 1)
	client.SetLimiterClock(a, time.Now, func(ctx context.Context, d time.Duration) error {
		waiting <- d
		<-ctx.Done()
		return ctx.Err()
	})
	b := newClient(t, srv, client.WithStore(st))
	srv.FailNext(ipPath, client.CodeFrequencyLimit, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	aDone := make(chan error, 1)
	go func() { aDone <- a.Do(ctx, http.MethodGet, ipPath, nil, nil, nil) }()
	select {
	case d := <-waiting:
		if d < 29*time.Second {
			t.Fatalf("a waits %v after 45009, want the 30s RateLimitWait", d)
		}
	case err := <-aDone:
		t.Fatalf("a returned %v instead of waiting out the 45009 block", err)
	}

	bctx, bcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer bcancel()
	err := b.Do(bctx, http.MethodGet, ipPath, nil, nil, nil)
	if !errors.Is(err, client.ErrRateLimited) {
		t.Fatalf("sibling: got %v, want ErrRateLimited at once", err)
	}
	if got := srv.Calls(ipPath); got != 1 {
		t.Fatalf("%d calls reached WeCom, want only the one answered 45009", got)
	}
	if err := b.Do(bctx, http.MethodGet, "/cgi-bin/get_api_domain_ip", nil, nil, nil); err != nil {
		t.Fatalf("another path: %v", err)
	}
	cancel()
	if err := <-aDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("a: got %v, want context.Canceled", err)
	}
}

// WithRateLimit(0, 0) turns the windows off: nothing waits.
func TestRateLimitOff(t *testing.T) {
	t.Parallel()
	c, err := client.New(client.CorpApp{CorpID: "wwcorp", Secret: "s"}, client.WithRateLimit(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	fc := &fakeClock{t: limitT0}
	client.SetLimiterClock(c, fc.Now, fc.Sleep)
	for range 20000 {
		if err := client.WaitLimit(context.Background(), c, ipPath); err != nil {
			t.Fatal(err)
		}
	}
	if !fc.Now().Equal(limitT0) {
		t.Fatalf("waited %v with the limiter off", fc.Now().Sub(limitT0))
	}
}

// remoteStore is a store the client treats as remote (not *store.Memory): it takes batches
// from it. It counts the calls and what they granted per window.
type remoteStore struct {
	store.Store
	mu      sync.Mutex
	calls   int
	granted map[int64]int // by minute
}

func (s *remoteStore) Admit(ctx context.Context, key string, now time.Time, n int, windows []store.Window) (int, time.Duration, error) {
	// Never past the limiter's real-time store timeout: a loaded test machine must not send
	// the limiter to its in-process fallback, which this type is not here to test.
	got, after, err := s.Store.(store.Limiter).Admit(context.WithoutCancel(ctx), key, now, n, windows)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.granted == nil {
		s.granted = map[int64]int{}
	}
	s.granted[now.Unix()/60] += got
	return got, after, err
}

func (s *remoteStore) Block(ctx context.Context, key string, now time.Time, d time.Duration) error {
	return s.Store.(store.Limiter).Block(ctx, key, now, d)
}

// A busy client takes admissions from a remote store in batches, one round trip for many
// calls, and never uses one after the window it was counted in: every minute sees at most the
// calls the store granted in it. An idle client takes one at a time.
func TestRateLimitBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	remote := &remoteStore{Store: store.NewMemory()}
	c, err := client.New(client.CorpApp{CorpID: "wwcorp", Secret: "s"}, client.WithStore(remote))
	if err != nil {
		t.Fatal(err)
	}
	fc := &fakeClock{t: limitT0.Add(29 * time.Second)} // 10:00:59
	client.SetLimiterClock(c, fc.Now, fc.Sleep)
	used := map[int64]int{}
	for range 5000 { // 2 s of calls 400µs apart, across the minute's end
		fc.Advance(400 * time.Microsecond)
		if err := client.WaitLimit(ctx, c, ipPath); err != nil {
			t.Fatal(err)
		}
		used[fc.Now().Unix()/60]++
	}
	for m, n := range used {
		if n > remote.granted[m] {
			t.Errorf("minute %v: %d calls on %d admissions granted in it", time.Unix(m*60, 0).UTC(), n, remote.granted[m])
		}
	}
	if remote.calls > 5000/10 {
		t.Errorf("%d store calls for 5,000 busy calls, want batches", remote.calls)
	}

	fc.Advance(time.Minute) // what is left of the last batch ends with its minute
	before := remote.calls
	for range 10 { // one call a second
		fc.Advance(time.Second)
		if err := client.WaitLimit(ctx, c, ipPath); err != nil {
			t.Fatal(err)
		}
	}
	if got := remote.calls - before; got != 10 {
		t.Errorf("%d store calls for 10 calls a second apart, want one each", got)
	}
}
