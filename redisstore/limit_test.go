package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// limitT0 is half a minute into 10:00, so windows start mid-way as they do in life.
var limitT0 = time.Date(2030, 1, 2, 10, 0, 30, 0, time.UTC)

// TestLimiterContract: store.NewMemory and this store on a single node, a ring and a cluster
// count windows alike: calendar windows, refusals count nothing, the longest wait wins, blocks
// only grow, and concurrent admissions never pass a window.
func TestLimiterContract(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"shard1": r.Addr}})
	t.Cleanup(func() { _ = ring.Close() })
	limiters := map[string]store.Limiter{
		"memory":  store.NewMemory().(store.Limiter),
		"redis":   New(r.Client(t), WithPrefix("contract:")),
		"ring":    New(ring, WithPrefix("ring:")),
		"cluster": New(startCluster(t), WithPrefix("{contract}:")),
	}
	windows := []store.Window{{Limit: 3, Period: time.Minute}, {Limit: 5, Period: time.Hour}}
	for name, l := range limiters {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, 20*time.Second)
			admit := func(key string, at time.Time) (bool, time.Duration) {
				t.Helper()
				got, after, err := l.Admit(ctx, key, at, 1, windows)
				if err != nil || got > 1 {
					t.Fatalf("Admit(%s, %v): %d, %v", key, at, got, err)
				}
				return got == 1, after
			}
			for i := range 3 {
				if ok, _ := admit("k", limitT0.Add(time.Duration(i)*time.Second)); !ok {
					t.Fatalf("call %d refused", i)
				}
			}
			for range 3 {
				if ok, after := admit("k", limitT0.Add(10*time.Second)); ok || after != 20*time.Second {
					t.Fatalf("4th call in a minute of 3: %v, %v; want refused for 20s", ok, after)
				}
			}
			next := limitT0.Add(30 * time.Second)
			for range 2 {
				if ok, _ := admit("k", next); !ok {
					t.Fatal("refused in the next minute")
				}
			}
			if ok, after := admit("k", next); ok || after != 59*time.Minute {
				t.Fatalf("6th call in an hour of 5: %v, %v; want refused for 59m", ok, after)
			}
			if err := l.Block(ctx, "b", limitT0, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := l.Block(ctx, "b", limitT0, time.Second); err != nil {
				t.Fatal(err)
			}
			if ok, after := admit("b", limitT0.Add(15*time.Second)); ok || after != 45*time.Second {
				t.Fatalf("blocked: %v, %v; want refused for 45s", ok, after)
			}
			if ok, _ := admit("b", limitT0.Add(time.Minute)); !ok {
				t.Fatal("refused after the block")
			}
			if _, _, err := l.Admit(ctx, "k", next, 1, []store.Window{{Limit: 0, Period: time.Minute}}); err == nil {
				t.Fatal("a window of limit 0 accepted")
			}
			for _, step := range []struct { // batches get what every window has room for
				at   time.Time
				want int
				wait time.Duration
			}{{limitT0, 3, 0}, {limitT0, 0, 30 * time.Second}, {next, 2, 0}, {next, 0, 59 * time.Minute}} {
				got, after, err := l.Admit(ctx, "batch", step.at, 3, windows)
				if err != nil || got != step.want || after != step.wait {
					t.Fatalf("batch of 3 on 3 a minute, 5 an hour at %v: %d (wait %v, %v), want %d (wait %v)", step.at, got, after, err, step.want, step.wait)
				}
			}

			var admitted atomic.Int32
			var wg sync.WaitGroup
			many := []store.Window{{Limit: 500, Period: time.Minute}}
			for i := range 20 {
				wg.Go(func() {
					for range 50 {
						got, _, err := l.Admit(ctx, "race", limitT0, 1+i%4, many)
						if err != nil {
							t.Error(err)
							return
						}
						admitted.Add(int32(got))
					}
				})
			}
			wg.Wait()
			if got := admitted.Load(); got != 500 {
				t.Fatalf("1,000 concurrent batches on a limit of 500 admitted %d", got)
			}
		})
	}
}

// A counter holding garbage counts as empty and is repaired; a key of another Redis type is an
// error the client falls back from.
func TestLimiterBadValues(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	rdb := r.Client(t)
	st := New(rdb)
	ctx := ctxFor(t, 10*time.Second)
	windows := []store.Window{{Limit: 2, Period: time.Minute}}
	minute := limitT0.Unix() / 60
	counter := "{k}:60000:" + itoa(int(minute))
	if err := rdb.Set(ctx, counter, "garbage", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, _, err := st.Admit(ctx, "k", limitT0, 1, windows); got != 1 || err != nil {
		t.Fatalf("Admit over a garbage counter: %d, %v", got, err)
	}
	if got, _ := rdb.Get(ctx, counter).Result(); got != "1" {
		t.Fatalf("counter after repair = %q, want 1", got)
	}
	if ttl := rdb.PTTL(ctx, counter).Val(); ttl <= 0 || ttl > 2*time.Minute {
		t.Fatalf("repaired counter TTL %v, want the window's rest plus a period", ttl)
	}
	if err := rdb.HSet(ctx, "{w}:block", "f", "v").Err(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Admit(ctx, "w", limitT0, 1, windows); !errors.Is(err, ErrWrongType) {
		t.Fatalf("Admit over a hash = %v, want ErrWrongType", err)
	}
}

// 45009 on one client blocks the corp and path for a client in another process (another
// connection here) sharing the Redis; with Redis killed, calls go on, counted in process.
func TestLimiter45009BlocksFleet(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	const path = "/cgi-bin/getcallbackip"
	mk := func(wait time.Duration) *client.Client {
		c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
			client.WithBaseURL(srv.URL()), client.WithStore(New(r.Client(t))),
			client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, RateLimitWait: wait}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := mk(30*time.Second), mk(0)
	srv.FailNext(path, client.CodeFrequencyLimit, 1)
	actx, cancel := context.WithCancel(context.Background())
	aDone := make(chan error, 1)
	go func() { aDone <- callIPs(actx, a) }()
	// a pauses the path for 30 s in Redis; b sees the block as soon as it is there.
	deadline := time.Now().Add(5 * time.Second)
	for srv.Calls(path) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // b must not take the 45009 meant for a
	}
	for {
		bctx, bcancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := callIPs(bctx, b)
		bcancel()
		if errors.Is(err, client.ErrRateLimited) && !strings.Contains(err.Error(), "45009") {
			break // refused by the shared block, before sending
		}
		if time.Now().After(deadline) {
			t.Fatalf("b was never blocked: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-aDone; !errors.Is(err, context.Canceled) {
		t.Fatalf("a: %v, want to wait out the block until cancelled", err)
	}

	r.Kill()
	c := mk(0)
	ctx, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	start := time.Now()
	if err := c.Do(ctx, http.MethodGet, "/cgi-bin/get_api_domain_ip", nil, nil, nil); err != nil {
		t.Fatalf("with Redis down: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("with Redis down a call took %v", d)
	}
}

// simStore is a child's view of the fleet's Redis in simulated time: admissions are counted at
// the child's clock, a refusal's wait passes on that clock instead of the wall clock, and a
// batch is cut to the calls the child makes (one each step) before its minute ends, as the
// client's own clock would cut it in real time.
type simStore struct {
	*Store
	path string        // the path whose admissions are counted
	step time.Duration // simulated time between the child's calls

	mu      sync.Mutex
	now     time.Time
	granted map[int64]int // by minute
	used    map[int64]int // by minute
	errs    int
}

func (s *simStore) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now
}

func (s *simStore) Admit(ctx context.Context, key string, _ time.Time, n int, windows []store.Window) (int, time.Duration, error) {
	now := s.clock()
	if left := now.Truncate(time.Minute).Add(time.Minute).Sub(now); n > 1 {
		n = max(1, min(n, int((left+s.step-1)/s.step)))
	}
	// Counting, not timing, is under test: a child starved of CPU may take longer than the
	// client's store bound, which would send it to its in-process fallback.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	got, after, err := s.Store.Admit(ctx, key, now, n, windows)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.errs++
	case got > 0 && strings.HasSuffix(key, " "+s.path):
		s.granted[now.Unix()/60] += got
	case got == 0:
		s.now = s.now.Add(after)
		after = time.Nanosecond
	}
	return got, after, err
}

func (s *simStore) Block(ctx context.Context, key string, _ time.Time, d time.Duration) error {
	return s.Store.Block(context.WithoutCancel(ctx), key, s.clock(), d)
}

// instantWeCom answers every request at once, without a network: a token, or success.
type instantWeCom struct{}

func (instantWeCom) RoundTrip(r *http.Request) (*http.Response, error) {
	body := `{"errcode":0,"errmsg":"ok"}`
	if r.URL.Path == "/cgi-bin/gettoken" {
		body = `{"errcode":0,"errmsg":"ok","access_token":"TOKEN","expires_in":7200}`
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

type fleetLimitReport struct {
	Used, Granted map[int64]int // calls made and admissions counted by Redis, by simulated minute
	Errs          int
}

// TestFleetRateLimit: 4 processes of one corp each offer 5,000 calls a simulated minute to one
// API (together twice WeCom's limit) for a simulated hour through one Redis: every calendar
// minute gets at most 10,000, the calendar hour at most 150,000, and the hour's budget is used.
// The limiter of old kept a bucket per process with a burst on top of the minute: 4 x 10,999 a
// minute and 4 x 600,999 an hour.
func TestFleetRateLimit(t *testing.T) {
	if os.Getenv(envRole) == "ratelimit" {
		rateMember(t)
		return
	}
	t.Parallel()
	f := newFleet(t)
	const n = 4
	f.spawn("ratelimit", n)
	f.release("start", n)
	perMinute, granted, perHour, grantedHour := map[int64]int{}, map[int64]int{}, map[int64]int{}, map[int64]int{}
	for _, raw := range f.await("ratelimit", n) {
		var rep fleetLimitReport
		if err := json.Unmarshal([]byte(raw), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Errs != 0 {
			t.Fatalf("a process had %d limiter errors", rep.Errs)
		}
		for m, c := range rep.Used {
			perMinute[m] += c
			perHour[m/60] += c
		}
		for m, c := range rep.Granted {
			granted[m] += c
			grantedHour[m/60] += c
		}
	}
	f.wait()
	for m, c := range perMinute {
		if c > 10000 || c > granted[m] {
			t.Errorf("minute %v: %d calls on %d admissions, want at most 10,000 and no more than admitted", time.Unix(m*60, 0).UTC(), c, granted[m])
		}
	}
	for h, c := range perHour {
		if c > 150000 || grantedHour[h] > 150000 {
			t.Errorf("hour %v: %d calls on %d admissions, want at most 150,000", time.Unix(h*3600, 0).UTC(), c, grantedHour[h])
		}
	}
	// Redis counts the hour's whole budget; the calls may fall short by batches the clients'
	// wall clocks dropped at a real minute's end.
	if h := limitT0.Unix() / 3600; grantedHour[h] != 150000 || perHour[h] < 149000 {
		t.Errorf("the first hour: %d admissions and %d calls, want 150,000 and about as many", grantedHour[h], perHour[h])
	}
}

func rateMember(t *testing.T) {
	m := joinFleet(t)
	const path = "/cgi-bin/user/get"
	sim := &simStore{Store: m.st, path: path, step: 12 * time.Millisecond, now: limitT0, granted: map[int64]int{}, used: map[int64]int{}}
	c, err := client.New(client.CorpApp{CorpID: "wwfleet", Secret: "fleet-secret"}, client.WithStore(sim),
		client.WithBaseURL("http://wecom.test"), client.WithHTTPClient(&http.Client{Transport: instantWeCom{}}))
	if err != nil {
		t.Fatal(err)
	}
	m.barrier("start")
	for end := limitT0.Add(time.Hour); sim.clock().Before(end); {
		sim.mu.Lock()
		sim.now = sim.now.Add(sim.step) // 5,000 calls a minute
		sim.mu.Unlock()
		if err := c.Do(m.ctx, http.MethodGet, path, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		sim.mu.Lock()
		sim.used[sim.now.Unix()/60]++
		sim.mu.Unlock()
	}
	sim.mu.Lock()
	rep := fleetLimitReport{Used: sim.used, Granted: sim.granted, Errs: sim.errs}
	sim.mu.Unlock()
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	m.report("ratelimit", string(b))
}
