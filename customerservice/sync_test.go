package customerservice_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// TestSyncRestart stops a Pull in the middle of a page, starts a new client on the same store,
// and checks that every message was handled exactly once; Sync alone replays the half page.
func TestSyncRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := wecomtest.Start(t, wecomtest.WithKfSyncPageSize(100))
	kf := srv.AddKfAccount("Dairy desk")
	const total = 1050
	want := make(map[string]bool, total)
	for i := range total {
		id, err := srv.CustomerSays(kf, fmt.Sprintf("wm%03d", i%7), fmt.Sprintf("message %d", i))
		if err != nil {
			t.Fatal(err)
		}
		want[id] = true
	}
	st := store.NewMemory()
	handled := map[string]int{}
	yielded := 0
	run := func(stopAfter int) {
		svc := customerservice.New(newClient(t, srv, st)) // a fresh process: only the store survives
		n := 0
		for c, err := range svc.Pull(ctx, customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}) {
			if err != nil {
				t.Fatal(err)
			}
			yielded++
			handled[c.Message.Header().MsgID]++
			if err := c.Done(ctx); err != nil {
				t.Fatal(err)
			}
			if n++; n == stopAfter {
				return // stop mid-page
			}
		}
	}
	run(250) // pages 1-2 committed, page 3 half handled
	cur, err := customerservice.New(newClient(t, srv, st)).Cursor(ctx, customerservice.SyncParams{OpenKfID: kf})
	if err != nil || cur == "" {
		t.Fatalf("cursor after first run = %q, %v", cur, err)
	}
	run(-1)
	if yielded != total {
		t.Errorf("Pull yielded %d, want %d (the done half page skipped)", yielded, total)
	}
	if len(handled) != total {
		t.Fatalf("handled %d distinct messages, want %d", len(handled), total)
	}
	for id, n := range handled {
		if !want[id] || n != 1 {
			t.Fatalf("message %s handled %d times", id, n)
		}
	}
	// After DropCursor, Sync replays everything and Pull skips all of it as done.
	svc0 := customerservice.New(newClient(t, srv, st))
	p := customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}
	if err := svc0.DropCursor(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got := syncAll(t, svc0, srv, kf); len(got) != total {
		t.Fatalf("Sync after DropCursor: %d replayed, want %d", len(got), total)
	}
	if err := svc0.DropCursor(ctx, p); err != nil {
		t.Fatal(err)
	}
	for c, err := range svc0.Pull(ctx, p) {
		t.Fatalf("Pull after DropCursor yielded %v, %v; want nothing", c, err)
	}
	// A later Sync yields only what is new.
	if _, err := srv.CustomerSays(kf, "wm001", "one more"); err != nil {
		t.Fatal(err)
	}
	svc := customerservice.New(newClient(t, srv, st))
	if got := syncAll(t, svc, srv, kf); len(got) != 1 {
		t.Fatalf("after catching up: %d messages, want 1", len(got))
	}
}

func TestSyncToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	if _, err := srv.CustomerSays(kf, "wmTok", "hello"); err != nil {
		t.Fatal(err)
	}
	tok := srv.KfSyncToken(kf)
	srv.AdvanceKfClock(11 * time.Minute) // the token lives 10 minutes

	var err error
	for _, err = range svc.Sync(ctx, customerservice.SyncParams{OpenKfID: kf, Token: tok}) {
	}
	if !errors.Is(err, customerservice.ErrInvalidSyncToken) {
		t.Fatalf("expired token: %v, want ErrInvalidSyncToken", err)
	}
	if _, err := svc.SyncPage(ctx, customerservice.SyncParams{OpenKfID: kf, Token: "ENCforged"}); !errors.Is(err, customerservice.ErrInvalidSyncToken) {
		t.Fatalf("forged token: %v", err)
	}
	n := 0
	for m, err := range svc.Sync(ctx, customerservice.SyncParams{OpenKfID: kf, Token: tok, RetryWithoutToken: true}) {
		if err != nil {
			t.Fatalf("fallback without token: %v", err)
		}
		if _, ok := m.(*customerservice.TextMessage); ok {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("fallback yielded %d texts, want 1", n)
	}
	for _, bad := range []customerservice.SyncParams{{}, {OpenKfID: kf, Limit: 1001}} {
		if _, err := svc.SyncPage(ctx, bad); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("SyncPage(%+v) = %v", bad, err)
		}
	}
}

func TestSyncPagesAndStop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t, wecomtest.WithKfSyncPageSize(3), wecomtest.WithKfEmptyPages())
	for i := range 10 {
		if _, err := srv.CustomerSays(kf, "wmPage", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for m, err := range svc.Sync(ctx, customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.(*customerservice.TextMessage).Text.Content)
	}
	if fmt.Sprint(got) != "[0 1 2 3 4 5 6 7 8 9]" {
		t.Fatalf("got %v", got)
	}
	if calls := srv.Served("/cgi-bin/kf/sync_msg"); calls != 8 {
		t.Errorf("sync_msg served %d times, want 8 (4 pages, each after an empty one)", calls)
	}
	// A failing page ends the sequence with the error and keeps the cursor.
	if _, err := srv.CustomerSays(kf, "wmPage", "10"); err != nil {
		t.Fatal(err)
	}
	srv.FailNext("/cgi-bin/kf/sync_msg", 95004, 1)
	var last error
	count := 0
	for _, err := range svc.Sync(ctx, customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}) {
		count++
		last = err
	}
	if count != 1 || !errors.Is(last, customerservice.ErrAccountNotFound) {
		t.Fatalf("failing page: %d items, last error %v", count, last)
	}
	if got := syncAll(t, svc, srv, kf); len(got) != 1 {
		t.Fatalf("after the failure: %d messages, want 1", len(got))
	}
}

// BenchmarkSync measures Sync over 1,000 messages (baseline) and 100,000 messages. It reports
// the largest live heap growth seen while syncing (after a GC, mid-page): constant memory means
// the two figures are about equal, whatever the stream length.
func BenchmarkSync(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("messages=%d", n), func(b *testing.B) {
			srv := wecomtest.NewServer()
			defer srv.Close()
			kf := srv.AddKfAccount("Bench desk")
			for i := range n {
				if _, err := srv.CustomerSays(kf, fmt.Sprintf("wm%04d", i%5000), "Is the fresh milk in stock today?"); err != nil {
					b.Fatal(err)
				}
			}
			ctx := context.Background()
			st := store.NewMemory()
			svc := customerservice.New(newClient(b, srv, st))
			var ms runtime.MemStats
			var peak uint64
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				if err := svc.DropCursor(ctx, customerservice.SyncParams{OpenKfID: kf}); err != nil {
					b.Fatal(err)
				}
				liveHeap(&ms)
				base := ms.HeapAlloc
				b.StartTimer()
				count := 0
				for _, err := range svc.Sync(ctx, customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}) {
					if err != nil {
						b.Fatal(err)
					}
					if count%1000 == 500 { // mid-page: the page in flight is live
						b.StopTimer()
						liveHeap(&ms)
						if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
							peak = ms.HeapAlloc - base
						}
						b.StartTimer()
					}
					count++
				}
				if count != n {
					b.Fatalf("synced %d, want %d", count, n)
				}
			}
			b.ReportMetric(float64(peak)/1024, "peak-live-KiB")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
		})
	}
}

// liveHeap reads the heap after two GCs, so pooled buffers (kept for one GC) do not count.
func liveHeap(ms *runtime.MemStats) {
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(ms)
}

// TestSyncStopsOnStuckCursor: a platform answering has_more forever without a new cursor ends
// the walk with client.ErrCursorLoop instead of spinning.
func TestSyncStopsOnStuckCursor(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	calls := 0
	srv.HandleFunc("", "/cgi-bin/kf/sync_msg", wecomtest.TokenCorp, func(*wecomtest.Call) (any, error) {
		calls++
		return wecomtest.J{"next_cursor": "", "has_more": 1, "msg_list": []any{}}, nil
	})
	svc := customerservice.New(newClient(t, srv, nil))
	var last error
	for _, err := range svc.Sync(context.Background(), customerservice.SyncParams{OpenKfID: "wkSTUCK", Token: "tok"}) {
		last = err
	}
	if !errors.Is(last, client.ErrCursorLoop) || calls > 10 {
		t.Fatalf("Sync ended with %v after %d calls, want ErrCursorLoop after a few", last, calls)
	}
}
