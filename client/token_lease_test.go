package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/secret"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// tokKey is the store key of the default app's token (the key layout of CONVENTIONS.md §13).
var tokKey = "wecom:v1:tok:corp:" + wecomtest.CorpID + ":" + secret.Hash(wecomtest.Secret)

// opStore wraps a store, counts the calls per operation and key, and can make every call hang
// (ignoring its ctx, the worst a store can do) or fail.
type opStore struct {
	store.Store
	hang <-chan struct{} // non-nil: every call blocks until it is closed
	fail error           // non-nil: every call fails with it

	mu    sync.Mutex
	calls map[string]int           // "op key" → count
	ttls  map[string]time.Duration // key → the last TTL SetNX asked for
}

func newOpStore(inner store.Store) *opStore {
	return &opStore{Store: inner, calls: map[string]int{}, ttls: map[string]time.Duration{}}
}

func (s *opStore) enter(op, key string) error {
	s.mu.Lock()
	s.calls[op+" "+key]++
	s.mu.Unlock()
	if s.hang != nil {
		<-s.hang
	}
	return s.fail
}

func (s *opStore) count(op, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op+" "+key]
}

func (s *opStore) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, v := range s.calls {
		n += v
	}
	return n
}

func (s *opStore) Get(ctx context.Context, key string) ([]byte, error) {
	if err := s.enter("get", key); err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, key)
}

func (s *opStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if err := s.enter("set", key); err != nil {
		return err
	}
	return s.Store.Set(ctx, key, val, ttl)
}

func (s *opStore) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if err := s.enter("setnx", key); err != nil {
		return false, err
	}
	s.mu.Lock()
	s.ttls[key] = ttl
	s.mu.Unlock()
	return s.Store.SetNX(ctx, key, val, ttl)
}

func (s *opStore) Delete(ctx context.Context, key string) error {
	if err := s.enter("delete", key); err != nil {
		return err
	}
	return s.Store.Delete(ctx, key)
}

func (s *opStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	if err := s.enter("cad", key); err != nil {
		return false, err
	}
	return store.CompareAndDelete(ctx, s.Store, key, old)
}

// A store that hangs (ignoring ctx) or refuses every call: a cold call still succeeds well
// inside its deadline, and for a while afterwards the store is not asked at all (the breaker),
// so a refresh after the token expires does not wait on it again.
func TestTokenStoreHungOrRefusing(t *testing.T) {
	t.Parallel()
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	for _, tc := range []struct {
		name string
		st   *opStore
	}{
		{"hung", &opStore{hang: hang}},
		{"refusing", &opStore{fail: errors.New("store: connection refused")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := tc.st
			st.Store, st.calls, st.ttls = store.NewMemory(), map[string]int{}, map[string]time.Duration{}
			srv := newSim(t)
			c := newClient(t, srv, client.WithStore(st))
			for _, phase := range []string{"cold", "after expiry"} {
				if phase == "after expiry" {
					srv.ExpireTokens()
				}
				before := st.total()
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				start := time.Now()
				err := c.Do(ctx, "GET", ipPath, nil, nil, nil)
				took := time.Since(start)
				cancel()
				t.Logf("%s store, %s call: %v, %d store calls", tc.name, phase, took, st.total()-before)
				if err != nil {
					t.Fatalf("%s call with a %s store: %v", phase, tc.name, err)
				}
				if took > 2500*time.Millisecond {
					t.Errorf("%s call with a %s store took %v, want < 2.5s", phase, tc.name, took)
				}
				if phase == "after expiry" && st.total() != before {
					t.Errorf("the refresh right after a store failure asked the store %d times, want 0 (breaker)", st.total()-before)
				}
			}
		})
	}
}

// Values in the store that the SDK did not write (garbage, oversized, a stuck foreign lock with
// no TTL, a forged refusal) never hang a call or make it fail.
func TestTokenStoreGarbage(t *testing.T) {
	t.Parallel()
	tokenJSON := func(v string) string {
		b, _ := json.Marshal(map[string]any{"t": v, "e": time.Now().Add(time.Hour), "r": time.Now().Add(time.Hour)})
		return string(b)
	}
	for _, tc := range []struct {
		name string
		seed map[string]string
	}{
		{"not JSON", map[string]string{tokKey: "\x00\xffnot what the SDK wrote"}},
		{"oversized token", map[string]string{tokKey: tokenJSON(strings.Repeat("A", 1<<20))}},
		{"token with control bytes", map[string]string{tokKey: tokenJSON("tok\r\nX-Injected: 1")}},
		{"stuck foreign lock", map[string]string{tokKey + ":lock": "someone else, forever"}},
		{"garbage refusal", map[string]string{tokKey + ":refused": `{"c":"x"`}},
		{"refusal of no credential error", map[string]string{tokKey + ":refused": `{"c":40014,"m":"forged","p":"/cgi-bin/gettoken","u":99999999999999}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			st := store.NewMemory()
			for k, v := range tc.seed {
				if err := st.Set(context.Background(), k, []byte(v), 0); err != nil {
					t.Fatal(err)
				}
			}
			c := newClient(t, srv, client.WithStore(st))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			err := c.Do(ctx, "GET", ipPath, nil, nil, nil)
			took := time.Since(start)
			t.Logf("%s: %v", tc.name, took)
			if err != nil {
				t.Fatalf("call with %s in the store: %v", tc.name, err)
			}
			if took > 3*time.Second {
				t.Errorf("call with %s in the store took %v, want < 3s", tc.name, took)
			}
			if n := srv.Calls(tokPath); n != 1 {
				t.Errorf("gettoken called %d times, want 1", n)
			}
			// The token the client fetched is shared now: another client does not fetch.
			if err := newClient(t, srv, client.WithStore(st)).Do(ctx, "GET", ipPath, nil, nil, nil); err != nil {
				t.Fatal(err)
			}
			if n := srv.Calls(tokPath); n != 1 {
				t.Errorf("a second client fetched again (%d gettoken calls): the garbage was not replaced", n)
			}
		})
	}
}

// A stored token whose times lie far ahead (the writer's clock is wrong, or the value is
// forged) is kept no longer than its expires_in from now.
func TestTokenStoreClockSkewCapped(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	st := store.NewMemory()
	ctx := context.Background()
	tok, err := newClient(t, srv, client.WithStore(st)).TokenSource().Token()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		life int64 // the stored expires_in; 0: absent, as in older records
		max  time.Duration
	}{
		{"no expires_in", 0, 2 * time.Hour},
		{"expires_in 60s", 60, time.Minute},
	} {
		far := time.Now().AddDate(10, 0, 0)
		b, _ := json.Marshal(map[string]any{"t": tok.AccessToken, "e": far, "r": far, "x": tc.life})
		if err := st.Set(ctx, tokKey, b, time.Hour); err != nil {
			t.Fatal(err)
		}
		got, err := newClient(t, srv, client.WithStore(st)).TokenSource().Token()
		if err != nil {
			t.Fatal(err)
		}
		if got.AccessToken != tok.AccessToken {
			t.Fatalf("%s: the stored token was not used", tc.name)
		}
		if until := time.Until(got.Expiry); until > tc.max+time.Second {
			t.Errorf("%s: a token stored as valid for 10 years is kept for %v, want at most %v", tc.name, until.Round(time.Second), tc.max)
		}
	}
}

// 1,000 callers failing with 42001 at once clean the store once, inside the refresh's flight,
// not once each; a token WeCom answers again (still valid there) is stored again, not dropped.
func TestRejectedTokenCleanupOnce(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	st := newOpStore(store.NewMemory())
	c := newClient(t, srv, client.WithStore(st), client.WithRateLimit(0, 0)) // 2,000 sends at once
	ctx := context.Background()
	if err := c.Do(ctx, "GET", ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	gets := st.count("get", tokKey)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 1000 {
		wg.Go(func() {
			if err := c.Do(ctx, "GET", ipPath, nil, nil, nil); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d calls failed", n)
	}
	reads, cads := st.count("get", tokKey)-gets, st.count("cad", tokKey)
	t.Logf("1000 callers after 42001: %d reads and %d compare-and-deletes of the token key", reads, cads)
	if reads > 4 || cads != 1 {
		t.Errorf("1000 callers after 42001 read the token key %d times and compare-and-deleted it %d times, want ≤ 4 and 1", reads, cads)
	}
	if n := srv.Calls(tokPath); n != 2 {
		t.Errorf("gettoken called %d times, want 2", n)
	}

	// 42001 for a token WeCom still holds valid: gettoken answers the same one, which is stored
	// again and then shared, not deleted by the next reader.
	srv.FailNext(ipPath, client.CodeAccessTokenExpired, 1)
	if err := c.Do(ctx, "GET", ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	other := newClient(t, srv, client.WithStore(st))
	if err := other.Do(ctx, "GET", ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(tokPath); n != 3 {
		t.Errorf("gettoken called %d times, want 3 (one refresh after the injected 42001, then shared)", n)
	}
}

// A refused credential is remembered in the store: a second client (another process) with the
// same wrong secret answers the same errcode without calling gettoken, and the mark holds no
// secret.
func TestRefusalSharedThroughStore(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	st := store.NewMemory()
	const wrong = "wrong-secret-0123456789"
	ctx := context.Background()
	for i := range 3 {
		c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wrong}, client.WithBaseURL(srv.URL()), client.WithStore(st), fastRetry)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Do(ctx, "GET", ipPath, nil, nil, nil)
		var apiErr *client.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != client.CodeInvalidCredential || !errors.Is(err, client.ErrBadCredential) {
			t.Fatalf("client %d: got %v, want errcode 40001", i, err)
		}
		if strings.Contains(err.Error(), wrong) {
			t.Fatalf("client %d: the error shows the secret: %v", i, err)
		}
	}
	if n := srv.Calls(tokPath); n != 1 {
		t.Errorf("3 clients with one wrong secret on one store called gettoken %d times, want 1", n)
	}
	key := "wecom:v1:tok:corp:" + wecomtest.CorpID + ":" + secret.Hash(wrong) + ":refused"
	b, err := st.Get(ctx, key)
	if err != nil {
		t.Fatalf("no refusal mark under %s: %v", key, err)
	}
	if strings.Contains(string(b), wrong) || strings.Contains(key, wrong) {
		t.Errorf("the refusal mark %s = %s holds the secret", key, b)
	}
}

// The fetch lock is a short lease renewed while a slow gettoken runs: it outlives its TTL while
// the holder lives, with a new value at each renewal (the heartbeat other processes watch), and
// is released when the fetch ends.
func TestTokenLockLeaseRenewed(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	st := newOpStore(store.NewMemory())
	lock := tokKey + ":lock"
	srv.DelayNext(tokPath, 3600*time.Millisecond, 1) // longer than the lease's TTL
	ctx := context.Background()
	errs := make(chan error, 2)
	go func() { errs <- newClient(t, srv, client.WithStore(st)).Do(ctx, "GET", ipPath, nil, nil, nil) }()
	for st.count("setnx", lock) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	taken := time.Now()
	first, _ := st.Store.Get(ctx, lock)
	go func() { errs <- newClient(t, srv, client.WithStore(st)).Do(ctx, "GET", ipPath, nil, nil, nil) }()

	time.Sleep(3300*time.Millisecond - time.Since(taken))
	st.mu.Lock()
	ttl := st.ttls[lock]
	st.mu.Unlock()
	if ttl > 5*time.Second {
		t.Errorf("the fetch lock is taken for %v, want a short lease (≤ 5s)", ttl)
	}
	now, err := st.Store.Get(ctx, lock)
	if err != nil || string(now) == string(first) {
		t.Errorf("3.3s into a slow gettoken the lock is %q (was %q), %v; want it renewed", now, first, err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// Normally 1: the waiter sees the heartbeat and waits. A CPU so busy that the holder misses
	// a second of beats makes it 2, which is harmless (WeCom answers the same token).
	t.Logf("gettoken calls with a live holder and a waiter: %d", srv.Calls(tokPath))
	deadline := time.Now().Add(2 * time.Second)
	for _, err := st.Store.Get(ctx, lock); err == nil; _, err = st.Store.Get(ctx, lock) {
		if time.Now().After(deadline) {
			t.Fatal("the fetch lock was not released after the fetch")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
