package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// transport builds a retryablehttp client over the user's *http.Client. It never logs (its
// default logger prints URLs, which carry tokens) and passes the last answer or error through
// so Do builds a redacted error itself.
func (c *Client) transport(check retryablehttp.CheckRetry) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   c.hc,
		RetryWaitMin: c.retry.MinBackoff,
		RetryWaitMax: c.retry.MaxBackoff,
		RetryMax:     c.retry.MaxAttempts - 1,
		CheckRetry:   budgeted(check),
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
}

// budget is the attempts one call has left, shared by its transport and errcode retries.
type budget struct{ left atomic.Int32 }

type budgetKey struct{}

func newBudget(n int) *budget {
	b := &budget{}
	b.left.Store(int32(n))
	return b
}

// take spends one attempt and reports whether one was left.
func (b *budget) take() bool { return b.left.Add(-1) >= 0 }

// budgeted lets check retry only while the call's budget (in the request context) lasts.
func budgeted(check retryablehttp.CheckRetry) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, cerr := check(ctx, resp, err)
		if b, ok := ctx.Value(budgetKey{}).(*budget); retry && ok && !b.take() {
			return false, cerr
		}
		return retry, cerr
	}
}

// retryAll retries network errors, 429 and 5xx: for reads and idempotent sends.
func retryAll(ctx context.Context, resp *http.Response, err error) (bool, error) {
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// retryUnsent retries only a failed dial: the request never reached the server, so even a
// send that is not idempotent cannot happen twice.
func retryUnsent(ctx context.Context, _ *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	var op *net.OpError
	return err != nil && errors.As(err, &op) && op.Op == "dial", nil
}

// backoff is exponential with jitter in [d/2, d], capped at max.
func (c *Client) backoff(lo, hi time.Duration, n int, _ *http.Response) time.Duration {
	d := lo << min(n, 20)
	if d <= 0 || d > hi {
		d = hi
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}
