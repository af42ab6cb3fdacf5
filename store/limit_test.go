package store

import (
	"context"
	"testing"
	"time"
)

var (
	limitT0      = time.Date(2030, 1, 2, 10, 0, 30, 0, time.UTC) // half a minute into 10:00
	smallWindows = []Window{{Limit: 3, Period: time.Minute}, {Limit: 5, Period: time.Hour}}
)

func admit(t *testing.T, l Limiter, key string, now time.Time, windows []Window) (bool, time.Duration) {
	t.Helper()
	got, after, err := l.Admit(context.Background(), key, now, 1, windows)
	if err != nil || got > 1 {
		t.Fatalf("Admit at %v: %d, %v", now, got, err)
	}
	return got == 1, after
}

// Windows are calendar windows: refused calls count nothing and wait for the end of the full
// window; the hour window holds once the minute has room again.
func TestMemoryLimiterWindows(t *testing.T) {
	t.Parallel()
	m := newMemory()
	for i := range 3 {
		if ok, _ := admit(t, m, "k", limitT0.Add(time.Duration(i)*time.Second), smallWindows); !ok {
			t.Fatalf("call %d refused", i)
		}
	}
	for range 5 { // refusals count nothing
		if ok, after := admit(t, m, "k", limitT0.Add(10*time.Second), smallWindows); ok || after != 20*time.Second {
			t.Fatalf("4th call in a minute of 3: ok=%v retryAfter=%v, want refused for 20s", ok, after)
		}
	}
	if ok, _ := admit(t, m, "other", limitT0, smallWindows); !ok {
		t.Fatal("another key shares the budget")
	}
	next := limitT0.Add(30 * time.Second) // 10:01:00, a new minute
	for i := range 2 {
		if ok, _ := admit(t, m, "k", next, smallWindows); !ok {
			t.Fatalf("call %d of the next minute refused", i)
		}
	}
	if ok, after := admit(t, m, "k", next, smallWindows); ok || after != 59*time.Minute {
		t.Fatalf("6th call in an hour of 5: ok=%v retryAfter=%v, want refused until 11:00", ok, after)
	}
	if ok, _ := admit(t, m, "k", time.Date(2030, 1, 2, 11, 0, 0, 0, time.UTC), smallWindows); !ok {
		t.Fatal("refused in a new hour")
	}
	if _, _, err := m.Admit(context.Background(), "k", next, 1, []Window{{Limit: 0, Period: time.Minute}}); err == nil {
		t.Fatal("a window of limit 0 accepted")
	}
	if _, _, err := m.Admit(context.Background(), "k", next, 1, []Window{{Limit: 1, Period: time.Microsecond}}); err == nil {
		t.Fatal("a sub-millisecond window accepted")
	}
	if _, _, err := m.Admit(context.Background(), "k", next, 0, smallWindows); err == nil {
		t.Fatal("admitting 0 accepted")
	}
}

// A batch gets as many as every window has room for, and nothing when one is full.
func TestMemoryLimiterBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMemory()
	for _, want := range []int{2, 1, 0} { // 3 a minute, 5 an hour
		got, after, err := m.Admit(ctx, "k", limitT0, 2, smallWindows)
		if err != nil || got != want || (got == 0) != (after == 30*time.Second) {
			t.Fatalf("batch of 2: got %d (wait %v, %v), want %d", got, after, err, want)
		}
	}
	got, _, _ := m.Admit(ctx, "k", limitT0.Add(time.Minute), 10, smallWindows)
	if got != 2 {
		t.Fatalf("batch of 10 with 2 left in the hour: got %d", got)
	}
}

func TestMemoryLimiterBlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newMemory()
	if err := m.Block(ctx, "k", limitT0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := m.Block(ctx, "k", limitT0, time.Second); err != nil { // shorter: the minute stays
		t.Fatal(err)
	}
	if ok, after := admit(t, m, "k", limitT0.Add(15*time.Second), smallWindows); ok || after != 45*time.Second {
		t.Fatalf("blocked key: ok=%v retryAfter=%v, want refused for 45s", ok, after)
	}
	if ok, after := admit(t, m, "k", limitT0.Add(15*time.Second), nil); ok || after != 45*time.Second {
		t.Fatalf("blocked key without windows: ok=%v retryAfter=%v, want refused for 45s", ok, after)
	}
	if ok, _ := admit(t, m, "k", limitT0.Add(time.Minute), smallWindows); !ok {
		t.Fatal("refused after the block ended")
	}
	if err := m.Block(ctx, "k", limitT0, 0); err == nil {
		t.Fatal("a block of 0 accepted")
	}
}

// A process that meets corps and paths for ever keeps only the live ones.
func TestMemoryLimiterEvictsIdleKeys(t *testing.T) {
	t.Parallel()
	m := newMemory()
	for i := range 10000 {
		admit(t, m, "corp:"+string(rune('a'+i%26))+time.Duration(i).String(), limitT0, smallWindows)
	}
	if err := m.Block(context.Background(), "blocked", limitT0, 3*time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := len(m.limits); n != 10001 {
		t.Fatalf("%d keys, want 10001", n)
	}
	admit(t, m, "k", limitT0.Add(10*time.Minute), smallWindows) // hour windows still running
	if n := len(m.limits); n != 10002 {
		t.Fatalf("%d keys while their hour runs, want 10002", n)
	}
	admit(t, m, "k", limitT0.Add(2*time.Hour), smallWindows)
	if n := len(m.limits); n != 2 {
		t.Fatalf("%d keys two hours later, want 2 (the blocked one and the live one)", n)
	}
	if _, after := admit(t, m, "blocked", limitT0.Add(2*time.Hour), smallWindows); after != time.Hour {
		t.Fatalf("the sweep lost a block: retryAfter %v, want 1h", after)
	}
}

func TestWindowStart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		t      time.Time
		period time.Duration
		want   time.Time
	}{
		{limitT0, time.Minute, time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)},
		{limitT0, time.Hour, time.Date(2030, 1, 2, 10, 0, 0, 0, time.UTC)},
		{time.UnixMilli(-1), time.Minute, time.UnixMilli(-60000)},
	} {
		if got := windowStart(tc.t, tc.period); !got.Equal(tc.want) {
			t.Errorf("windowStart(%v, %v) = %v, want %v", tc.t, tc.period, got, tc.want)
		}
	}
}
