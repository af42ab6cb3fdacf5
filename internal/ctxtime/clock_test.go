package ctxtime

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("a cancelled ctx must end the sleep at once: %v", err)
	}
}

// Poll calls until done, backing off between calls, and stops when ctx ends.
func TestPoll(t *testing.T) {
	t.Parallel()
	calls := 0
	v, err := Poll(context.Background(), func(context.Context) (int, bool, error) {
		calls++
		return calls, calls == 3, nil
	})
	if v != 3 || err != nil {
		t.Fatalf("Poll = %d, %v; want 3 after three calls", v, err)
	}
	boom := errors.New("boom")
	if _, err := Poll(context.Background(), func(context.Context) (int, bool, error) { return 0, false, boom }); !errors.Is(err, boom) {
		t.Fatalf("a failing call: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	v, err = Poll(ctx, func(context.Context) (int, bool, error) { return 7, false, nil })
	if v != 0 || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("never done: %d, %v; want the zero value and the deadline", v, err)
	}
}
