package redisstore

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/store"
)

// TestContract runs the store.Store contract against store.NewMemory and this store on a single
// node, a ring and a cluster, so the SDK sees the same behaviour from all of them.
func TestContract(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"shard1": r.Addr}})
	t.Cleanup(func() { _ = ring.Close() })
	stores := map[string]store.Store{
		"memory":  store.NewMemory(),
		"redis":   New(r.Client(t), WithPrefix("contract:")),
		"ring":    New(ring, WithPrefix("ring:")),
		"cluster": New(startCluster(t), WithPrefix("{contract}:")),
	}
	for name, st := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := ctxFor(t, 10*time.Second)
			if _, err := st.Get(ctx, "absent"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Get(absent) = %v, want store.ErrNotFound", err)
			}
			val := []byte("cursor\x00\xffbytes")
			if err := st.Set(ctx, "k", val, 0); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if got, err := st.Get(ctx, "k"); err != nil || !bytes.Equal(got, val) {
				t.Fatalf("Get = %q, %v; want %q", got, err, val)
			}
			if err := st.Set(ctx, "k", []byte("v2"), 0); err != nil {
				t.Fatalf("Set replace: %v", err)
			}
			if ok, err := st.SetNX(ctx, "k", []byte("v3"), time.Minute); err != nil || ok {
				t.Fatalf("SetNX on a present key = %v, %v; want false, nil", ok, err)
			}
			if got, _ := st.Get(ctx, "k"); string(got) != "v2" {
				t.Fatalf("after a losing SetNX Get = %q, want v2", got)
			}
			cd := st.(store.CompareAndDeleter)
			if ok, err := cd.CompareAndDelete(ctx, "k", []byte("other")); err != nil || ok {
				t.Fatalf("CompareAndDelete(wrong value) = %v, %v; want false, nil", ok, err)
			}
			if ok, err := cd.CompareAndDelete(ctx, "k", []byte("v2")); err != nil || !ok {
				t.Fatalf("CompareAndDelete(same value) = %v, %v; want true, nil", ok, err)
			}
			if ok, err := cd.CompareAndDelete(ctx, "k", []byte("v2")); err != nil || ok {
				t.Fatalf("CompareAndDelete(absent) = %v, %v; want false, nil", ok, err)
			}
			if ok, err := st.SetNX(ctx, "k", nil, 0); err != nil || !ok {
				t.Fatalf("SetNX on an absent key = %v, %v; want true, nil", ok, err)
			}
			if got, err := st.Get(ctx, "k"); err != nil || len(got) != 0 {
				t.Fatalf("Get(empty value) = %q, %v; want empty, nil", got, err)
			}
			if err := st.Delete(ctx, "k"); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if err := st.Delete(ctx, "k"); err != nil {
				t.Fatalf("Delete(absent): %v", err)
			}
			if _, err := st.Get(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Get after Delete = %v, want store.ErrNotFound", err)
			}

			// Expiry: a short TTL ends the value, and the key is free for SetNX again.
			if err := st.Set(ctx, "ttl", []byte("x"), 400*time.Millisecond); err != nil {
				t.Fatalf("Set with ttl: %v", err)
			}
			if ok, _ := st.SetNX(ctx, "ttl", []byte("y"), time.Minute); ok {
				t.Fatal("SetNX won over a live value")
			}
			time.Sleep(600 * time.Millisecond)
			if _, err := st.Get(ctx, "ttl"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Get after expiry = %v, want store.ErrNotFound", err)
			}
			if ok, err := st.SetNX(ctx, "ttl", []byte("y"), time.Minute); err != nil || !ok {
				t.Fatalf("SetNX after expiry = %v, %v; want true, nil", ok, err)
			}
		})
	}
}

// startCluster starts a one-node Redis Cluster holding every slot and returns a cluster client
// for it: the commands and the Lua script must route by key like on a real cluster.
func startCluster(t *testing.T) *redis.ClusterClient {
	t.Helper()
	r := startRedis(t, "--cluster-enabled", "yes")
	ctx := ctxFor(t, 20*time.Second)
	admin := r.Client(t)
	if err := admin.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", "0", "16383").Err(); err != nil {
		t.Fatalf("assign slots: %v", err)
	}
	for {
		info, err := admin.ClusterInfo(ctx).Result()
		if err != nil {
			t.Fatalf("cluster info: %v", err)
		}
		if strings.Contains(info, "cluster_state:ok") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{r.Addr}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

func TestTTLIsExact(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	rdb := r.Client(t)
	st := New(rdb, WithPrefix("p:"))
	ctx := ctxFor(t, 10*time.Second)
	tests := []struct {
		name string
		ttl  time.Duration
		nx   bool
		max  time.Duration // PTTL right after the write: in (max-slack, max]; negative: no expiry
	}{
		{"set millis", 1500 * time.Millisecond, false, 1500 * time.Millisecond},
		{"set seconds", 90 * time.Second, false, 90 * time.Second},
		{"set rounds up", 2500*time.Millisecond + 300*time.Microsecond, false, 2501 * time.Millisecond},
		{"set no expiry", 0, false, -1},
		{"setnx rounds up", 15 * time.Second / 7, true, 2143 * time.Millisecond}, // 2142.857…ms
		{"setnx no expiry", 0, true, -1},
	}
	for i, tt := range tests {
		key := "ttl" + itoa(i)
		if tt.nx {
			if ok, err := st.SetNX(ctx, key, []byte("v"), tt.ttl); err != nil || !ok {
				t.Fatalf("%s: SetNX = %v, %v", tt.name, ok, err)
			}
		} else if err := st.Set(ctx, key, []byte("v"), tt.ttl); err != nil {
			t.Fatalf("%s: Set: %v", tt.name, err)
		}
		got, err := rdb.PTTL(ctx, "p:"+key).Result()
		if err != nil {
			t.Fatalf("%s: PTTL: %v", tt.name, err)
		}
		if tt.max < 0 {
			if got != -1 { // go-redis reports PTTL's -1 (no expiry) as -1ns
				t.Errorf("%s: PTTL = %v, want no expiry", tt.name, got)
			}
			continue
		}
		// The slack is under 500ms, so a TTL rounded to whole seconds is caught.
		const slack = 400 * time.Millisecond
		if got > tt.max || got <= tt.max-slack {
			t.Errorf("%s: PTTL = %v, want in (%v, %v]", tt.name, got, tt.max-slack, tt.max)
		}
	}
}

func TestInvalidTTL(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	rdb := r.Client(t)
	st := New(rdb)
	ctx := ctxFor(t, 10*time.Second)
	if err := st.Set(ctx, "k", []byte("v"), -time.Second); !errors.Is(err, ErrInvalidTTL) {
		t.Fatalf("Set(negative ttl) = %v, want ErrInvalidTTL", err)
	}
	if ok, err := st.SetNX(ctx, "k", []byte("v"), -time.Nanosecond); ok || !errors.Is(err, ErrInvalidTTL) {
		t.Fatalf("SetNX(negative ttl) = %v, %v; want false, ErrInvalidTTL", ok, err)
	}
	if n, _ := rdb.Exists(ctx, "k").Result(); n != 0 {
		t.Fatal("a refused write reached Redis")
	}
}

func TestPrefixSeparatesDeployments(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	rdb := r.Client(t)
	prod, staging := New(rdb, WithPrefix("prod:")), New(rdb, WithPrefix("staging:"))
	ctx := ctxFor(t, 10*time.Second)
	if err := prod.Set(ctx, "wecom:v1:tok:x", []byte("prod-token"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, err := rdb.Get(ctx, "prod:wecom:v1:tok:x").Result(); err != nil || got != "prod-token" {
		t.Fatalf("raw key prod:wecom:v1:tok:x = %q, %v", got, err)
	}
	if n, _ := rdb.Exists(ctx, "wecom:v1:tok:x").Result(); n != 0 {
		t.Fatal("the unprefixed key was written")
	}
	if _, err := staging.Get(ctx, "wecom:v1:tok:x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("staging sees prod's key: %v", err)
	}
	if ok, err := staging.SetNX(ctx, "wecom:v1:tok:x", []byte("staging-token"), time.Minute); err != nil || !ok {
		t.Fatalf("staging SetNX = %v, %v; want its own key", ok, err)
	}
	if ok, err := staging.CompareAndDelete(ctx, "wecom:v1:tok:x", []byte("prod-token")); err != nil || ok {
		t.Fatalf("staging CompareAndDelete with prod's value = %v, %v", ok, err)
	}
}

// TestSetNXOneWinner races many clients for one lock: exactly one wins.
func TestSetNXOneWinner(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 10*time.Second)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 32 {
		st := New(r.Client(t)) // separate connections, like separate processes
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := st.SetNX(ctx, "lock", []byte(itoa(i)), 5*time.Second)
			if err != nil {
				t.Errorf("SetNX: %v", err)
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d SetNX calls won the lock, want exactly 1", n)
	}
}

// TestForeignValue: a key holding a value of another Redis type is a clear, typed error, never
// bytes handed on as if the store wrote them.
func TestForeignValue(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	rdb := r.Client(t)
	st := New(rdb, WithPrefix("app:"))
	ctx := ctxFor(t, 10*time.Second)
	if err := rdb.HSet(ctx, "app:cursor", "field", "value").Err(); err != nil {
		t.Fatal(err)
	}
	_, err := st.Get(ctx, "cursor")
	if !errors.Is(err, ErrWrongType) {
		t.Fatalf("Get(hash key) = %v, want ErrWrongType", err)
	}
	var re redis.Error
	if !errors.As(err, &re) {
		t.Errorf("the Redis reply is not reachable with errors.As: %v", err)
	}
	if want := `wecom: redisstore: get "app:cursor": `; !bytes.HasPrefix([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not name the operation and key", err)
	}
	if _, err := st.CompareAndDelete(ctx, "cursor", []byte("value")); !errors.Is(err, ErrWrongType) {
		t.Fatalf("CompareAndDelete(hash key) = %v, want ErrWrongType", err)
	}
	if n, _ := rdb.Exists(ctx, "app:cursor").Result(); n != 1 {
		t.Fatal("CompareAndDelete removed a value it did not write")
	}
	if ok, err := st.SetNX(ctx, "cursor", []byte("v"), time.Minute); ok || err != nil {
		t.Fatalf("SetNX(hash key) = %v, %v; want false, nil (the key is taken)", ok, err)
	}
}

func TestNilClient(t *testing.T) {
	t.Parallel()
	for name, rdb := range map[string]redis.UniversalClient{
		"nil":                      nil,
		"nil *redis.Client":        (*redis.Client)(nil),
		"nil *redis.ClusterClient": (*redis.ClusterClient)(nil),
	} {
		t.Run(name, func(t *testing.T) { testNilClient(t, New(rdb)) })
	}
}

func testNilClient(t *testing.T, st *Store) {
	ctx := context.Background()
	if _, err := st.Get(ctx, "k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get = %v, want ErrUnavailable", err)
	}
	if err := st.Set(ctx, "k", nil, 0); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Set = %v, want ErrUnavailable", err)
	}
	if _, err := st.SetNX(ctx, "k", nil, 0); !errors.Is(err, ErrUnavailable) {
		t.Errorf("SetNX = %v, want ErrUnavailable", err)
	}
	if err := st.Delete(ctx, "k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Delete = %v, want ErrUnavailable", err)
	}
	if _, err := st.CompareAndDelete(ctx, "k", nil); !errors.Is(err, ErrUnavailable) {
		t.Errorf("CompareAndDelete = %v, want ErrUnavailable", err)
	}
	if err := st.Ping(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ping = %v, want ErrUnavailable", err)
	}
}

func TestExactRounding(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want time.Duration }{
		{0, 0},
		{time.Nanosecond, time.Millisecond},
		{time.Millisecond, time.Millisecond},
		{1500 * time.Microsecond, 2 * time.Millisecond},
		{2 * time.Hour, 2 * time.Hour},
	} {
		if got, err := exact(tt.in, "set", "k"); err != nil || got != tt.want {
			t.Errorf("exact(%v) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}
