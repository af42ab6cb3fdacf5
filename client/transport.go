package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"
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

// limiter keeps a token bucket per credential and API path (WeCom limits each corp and app per
// API) and the pauses that 45009 answers impose. Derived clients share it, each with its own
// buckets.
type limiter struct {
	perMinute, burst int
	mu               sync.Mutex
	paths            map[string]*pathLimit
}

type pathLimit struct {
	lim   *rate.Limiter // nil: unlimited
	until time.Time     // paused until, after a 45009
}

func newLimiter(perMinute, burst int) *limiter {
	return &limiter{perMinute: perMinute, burst: burst, paths: make(map[string]*pathLimit)}
}

func (l *limiter) get(path string) *pathLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.paths[path]
	if p == nil {
		p = &pathLimit{}
		if l.perMinute > 0 {
			p.lim = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.burst)
		}
		l.paths[path] = p
	}
	return p
}

func (l *limiter) wait(ctx context.Context, path string) error {
	p := l.get(path)
	l.mu.Lock()
	until := p.until
	l.mu.Unlock()
	if d := time.Until(until); d > 0 {
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
	if p.lim == nil {
		return ctx.Err()
	}
	return p.lim.Wait(ctx)
}

// pause holds every call to path for d, as WeCom blocks a frequency-limited window.
func (l *limiter) pause(path string, d time.Duration) {
	p := l.get(path)
	l.mu.Lock()
	if u := time.Now().Add(d); u.After(p.until) {
		p.until = u
	}
	l.mu.Unlock()
}
