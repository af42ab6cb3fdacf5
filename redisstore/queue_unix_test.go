//go:build unix

package redisstore

import (
	"context"
	"testing"
	"time"
)

// TestQueueRedisHung: with Redis stopped (SIGSTOP, connections open, no answers) every call
// returns when its ctx ends, a blocked Receive included.
func TestQueueRedisHung(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	q := newTestQueue(t, r.Client(t), time.Minute)
	receive(t, ctxFor(t, 5*time.Second), q, "w", 1, 0)
	r.Pause(t)
	defer r.Resume(t)
	calls := map[string]func(ctx context.Context) error{
		"enqueue": func(ctx context.Context) error { return q.Enqueue(ctx, queuedEvent(0)) },
		"receive": func(ctx context.Context) error { _, err := q.Receive(ctx, "w", 1, 10*time.Second); return err },
		"ack":     func(ctx context.Context) error { return q.Ack(ctx, "1-1") },
	}
	for name, call := range calls {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		err := call(ctx)
		cancel()
		if d := time.Since(start); err == nil || d > 2*time.Second {
			t.Errorf("%s on a hung Redis with a 200ms ctx: %v after %v", name, err, d)
		}
	}
}
