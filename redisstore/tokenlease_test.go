//go:build unix

package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

const envDir = "REDISSTORE_FLEET_DIR" // a directory the parent and children share

// The tests below measure latencies of many processes on a small machine: they do not run in
// parallel with the package's other tests (nor with each other), so their figures are their own.

// fleetClient is a child's client of the default app (or another secret) on the fleet's Redis.
func fleetClient(t *testing.T, m *member, secret string, opts ...client.Option) *client.Client {
	t.Helper()
	opts = append([]client.Option{client.WithBaseURL(os.Getenv(envSim)), client.WithStore(m.st)}, opts...)
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: secret}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFleetTokenLockHolderKilled: the process holding the token-fetch lock is killed (SIGKILL)
// in the middle of a slow gettoken; the other processes, waiting on it, still get a token
// within 2 s (a 5 s deadline each), instead of waiting for the lock to expire.
func TestFleetTokenLockHolderKilled(t *testing.T) {
	switch os.Getenv(envRole) {
	case "holder":
		m := joinFleet(t)
		_ = callIPs(m.ctx, fleetClient(t, m, wecomtest.Secret)) // killed while its gettoken hangs
		return
	case "waiter":
		m := joinFleet(t)
		c := fleetClient(t, m, wecomtest.Secret)
		m.barrier("call")
		ctx, cancel := context.WithTimeout(m.ctx, 5*time.Second)
		defer cancel()
		start := time.Now()
		if err := callIPs(ctx, c); err != nil {
			t.Fatalf("call after %v while the lock holder was killed: %v", time.Since(start), err)
		}
		m.report("took", strconv.FormatInt(time.Since(start).Milliseconds(), 10))
		return
	}
	f := newFleet(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.DelayNext("/cgi-bin/gettoken", 30*time.Second, 1) // the holder's fetch hangs
	const waiters = 3
	f.spawn("waiter", waiters, envSim+"="+srv.URL())
	// The holder is a fleet of its own, so its death does not count as a failed child.
	hf := &fleet{t: t, r: f.r, rdb: f.rdb}
	holder := hf.spawn("holder", 1, envSim+"="+srv.URL())[0]
	ctx := ctxFor(t, 60*time.Second)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		locks, _ := f.rdb.Keys(ctx, fleetPrefix+"wecom:v1:tok:*:lock").Result()
		if srv.Calls("/cgi-bin/gettoken") == 1 && len(locks) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the holder did not take the lock and call gettoken:\n%s", holder.out.String())
		}
	}
	f.release("call", waiters)
	time.Sleep(100 * time.Millisecond) // the waiters are waiting on the holder now
	if err := holder.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	took := f.await("took", waiters)
	f.wait()
	var worst int
	for _, ms := range took {
		n, _ := strconv.Atoi(ms)
		worst = max(worst, n)
	}
	t.Logf("holder killed mid-gettoken: %d waiters got a token in %s ms (worst %d ms), %d gettoken calls in all",
		waiters, strings.Join(took, ", "), worst, srv.Calls("/cgi-bin/gettoken"))
	if worst > 2000 {
		t.Errorf("after the lock holder was killed a waiter needed %d ms, want ≤ 2000", worst)
	}
}

// TestFleetRedisFrozen42001Burst: Redis is frozen (SIGSTOP) when every token expires at once and
// 4 processes × 250 goroutines call at once, each call with a 5 s deadline: not one call fails.
// Each process gives up on the store within its hot-path timeout and refreshes on its own.
func TestFleetRedisFrozen42001Burst(t *testing.T) {
	const procs, goroutines = 4, 250
	if os.Getenv(envRole) == "burst" {
		burstMember(t, goroutines)
		return
	}
	f := newFleet(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	dir := t.TempDir()
	f.spawn("burst", procs, envSim+"="+srv.URL(), envDir+"="+dir)
	f.await("warm", procs)
	before := srv.Calls("/cgi-bin/gettoken")

	// From here on nothing may need Redis: the children wait for a file and report in files.
	f.r.Pause(t)
	paused := true
	defer func() {
		if paused {
			f.r.Resume(t)
		}
	}()
	srv.ExpireTokens()
	if err := os.WriteFile(filepath.Join(dir, "go"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var results []string
	for deadline := time.Now().Add(45 * time.Second); len(results) < procs; time.Sleep(10 * time.Millisecond) {
		if err := f.failed(); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d processes finished the burst", len(results), procs)
		}
		results = results[:0]
		for i := range procs {
			if b, err := os.ReadFile(filepath.Join(dir, "result-"+itoa(i))); err == nil {
				results = append(results, string(b))
			}
		}
	}
	f.r.Resume(t)
	paused = false
	f.wait()

	var failed, worst int
	for _, r := range results {
		var bad, ms int
		if _, err := fmt.Sscanf(r, "%d %d", &bad, &ms); err != nil {
			t.Fatalf("bad result %q: %v", r, err)
		}
		failed, worst = failed+bad, max(worst, ms)
	}
	t.Logf("Redis frozen during a 42001 burst: %d calls, %d failed, slowest %d ms; %d gettoken calls for the refresh",
		procs*goroutines, failed, worst, srv.Calls("/cgi-bin/gettoken")-before)
	if failed != 0 {
		t.Errorf("%d of %d calls failed their 5 s deadline with Redis frozen", failed, procs*goroutines)
	}
}

// burstMember warms its token and connection pool, waits for the go file, then calls once from
// each of its goroutines at the same time and writes "failed slowest-ms" to its result file.
func burstMember(t *testing.T, goroutines int) {
	m := joinFleet(t)
	// The limiter is not under test; a pool as wide as the burst keeps connection setup out
	// of the 5 s.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: goroutines}, Timeout: 30 * time.Second}
	c := fleetClient(t, m, wecomtest.Secret, client.WithRateLimit(0, 0), client.WithHTTPClient(hc))
	if err := callIPs(m.ctx, c); err != nil {
		t.Fatal(err)
	}
	var warm sync.WaitGroup
	for range goroutines {
		warm.Go(func() {
			if err := callIPs(m.ctx, c); err != nil {
				t.Error(err)
			}
		})
	}
	warm.Wait()
	m.report("warm", m.id)
	dir := os.Getenv(envDir)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, "go")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no go signal")
		}
	}
	var bad, worst atomic.Int64
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			err := callIPs(ctx, c)
			for d := time.Since(start).Milliseconds(); ; {
				if w := worst.Load(); d <= w || worst.CompareAndSwap(w, d) {
					break
				}
			}
			if err != nil && bad.Add(1) == 1 {
				t.Logf("call with Redis frozen: %v", err) // the parent counts the failures
			}
		})
	}
	wg.Wait()
	res, tmp := fmt.Sprintf("%d %d", bad.Load(), worst.Load()), filepath.Join(dir, "tmp-"+m.id)
	if err := os.WriteFile(tmp, []byte(res), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "result-"+m.id)); err != nil { // whole, or not there
		t.Fatal(err)
	}
}

// TestFleetWrongSecretOneGetToken: 20 processes with the same wrong secret keep calling for 3 s;
// WeCom sees one gettoken in all (the refusal is kept in Redis for 30 s) and every call fails
// with the same errcode. The mark holds no secret.
func TestFleetWrongSecretOneGetToken(t *testing.T) {
	const procs, wrong = 20, "wrong-fleet-secret-0123456789"
	if os.Getenv(envRole) == "refused" {
		m := joinFleet(t)
		c := fleetClient(t, m, wrong)
		m.barrier("go")
		n := 0
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			ctx, cancel := context.WithTimeout(m.ctx, 2*time.Second)
			err := c.Do(ctx, http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, nil)
			cancel()
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) || apiErr.Code != client.CodeInvalidCredential || !errors.Is(err, client.ErrBadCredential) {
				t.Fatalf("call %d with a wrong secret: %v, want errcode 40001", n, err)
			}
			n++
		}
		m.report("calls", itoa(n))
		return
	}
	f := newFleet(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	f.spawn("refused", procs, envSim+"="+srv.URL())
	f.release("go", procs)
	counts := f.await("calls", procs)
	f.wait()
	total := 0
	for _, c := range counts {
		n, _ := strconv.Atoi(c)
		total += n
	}
	got := srv.Calls("/cgi-bin/gettoken")
	t.Logf("%d processes with a wrong secret made %d calls in 3 s: %d gettoken", procs, total, got)
	if got != 1 {
		t.Errorf("%d processes with a wrong secret called gettoken %d times in 3 s, want 1", procs, got)
	}
	ctx := ctxFor(t, 10*time.Second)
	marks, err := f.rdb.Keys(ctx, fleetPrefix+"wecom:v1:tok:*:refused").Result()
	if err != nil || len(marks) != 1 {
		t.Fatalf("refusal marks in Redis: %q, %v; want one", marks, err)
	}
	ttl, _ := f.rdb.PTTL(ctx, marks[0]).Result()
	val, _ := f.rdb.Get(ctx, marks[0]).Result()
	t.Logf("refusal mark %s = %s, expires in %v", marks[0], val, ttl)
	if ttl <= 20*time.Second || ttl > 30*time.Second {
		t.Errorf("the refusal mark expires in %v, want the 30 s window", ttl)
	}
	if strings.Contains(marks[0]+val, wrong) || !strings.Contains(val, `"c":40001`) {
		t.Errorf("the refusal mark %s = %s holds the secret or not errcode 40001", marks[0], val)
	}
}
