package client

import (
	"context"
	"time"
)

// SetLimiterClock makes c's rate limiter read now and wait with sleep (a fake clock).
func SetLimiterClock(c *Client, now func() time.Time, sleep func(context.Context, time.Duration) error) {
	c.limits.clock = clock{now: now, sleep: sleep}
}

// LimitKey returns the budget c's calls count against.
func LimitKey(c *Client) string { return c.auth.limitKey }

// WaitLimit waits for room for one call of c to path, as Do does before each attempt.
func WaitLimit(ctx context.Context, c *Client, path string) error {
	_, err := c.limits.wait(ctx, c.auth.limitKey+" "+path)
	return err
}
