// Package ctxtime holds the SDK's one context-aware sleep, used by every wait on the call path
// (retry backoff, robot and limiter slots, kf pull polling), and its one job poller.
package ctxtime

import (
	"context"
	"time"
)

// Sleep waits d or until ctx ends, whichever comes first, and returns ctx's error in the second
// case.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Job polling backoff: start short (small jobs finish in a second), grow to a few seconds.
const (
	pollMin = 100 * time.Millisecond
	pollMax = 5 * time.Second
)

// Poll calls get until it reports done or fails, sleeping with doubling backoff (100 ms to 5 s)
// between calls; ctx ends the wait. It is the wait of every asynchronous job (batch jobs,
// exports, moment tasks, licence jobs).
func Poll[T any](ctx context.Context, get func(ctx context.Context) (T, bool, error)) (T, error) {
	wait := pollMin
	for {
		v, done, err := get(ctx)
		if err != nil || done {
			return v, err
		}
		if err := Sleep(ctx, wait); err != nil {
			var zero T
			return zero, err
		}
		wait = min(wait*2, pollMax)
	}
}
