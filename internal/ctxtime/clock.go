// Package ctxtime holds the SDK's one context-aware sleep, used by every wait on the call path
// (retry backoff, robot and limiter slots, kf pull polling).
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
