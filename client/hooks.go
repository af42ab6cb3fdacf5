package client

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Hooks observes what a [Client] does, for metrics and tracing (the otelwecom module turns
// them into OpenTelemetry spans and metrics). Every field is optional. Hooks run synchronously
// on the calling goroutine, possibly concurrently for concurrent calls: keep them fast and
// safe for concurrent use. No hook ever receives a token, secret or the query string: paths
// come without the query and errors are redacted like the client's log lines.
type Hooks struct {
	// OnAttempt is called once per HTTP attempt of a call (token fetches included), after
	// its answer has been decoded and the client has decided whether to retry.
	OnAttempt func(ctx context.Context, a AttemptInfo)
	// OnTokenRefresh is called after each token fetch from WeCom (or the token source), not for
	// tokens served from the cache or the store.
	OnTokenRefresh func(ctx context.Context, t TokenRefreshInfo)
	// OnLimiterWait is called when the client-side rate limiter made a call wait, or refused
	// it because its deadline came first.
	OnLimiterWait func(ctx context.Context, w LimiterWaitInfo)
}

// AttemptInfo describes one HTTP attempt of a call.
type AttemptInfo struct {
	Method string // "GET" or "POST"
	Path   string // e.g. "/cgi-bin/user/get", never the query
	// Attempt counts the call's attempts from 1. The transport's own retries of network
	// errors and HTTP 5xx happen inside one attempt.
	Attempt int
	ErrCode int // the answer's errcode; 0 on success or when no WeCom answer arrived
	// HTTPStatus is the answer's HTTP status, 0 when no answer arrived or it is not known.
	HTTPStatus int
	Duration   time.Duration // from sending the request to the decoded answer
	// RetryReason says why the client sends another attempt: "token invalid", "frequency
	// limit" or "busy" (the reasons the log lines give); "" when this attempt is the last.
	RetryReason string
	Err         error // the attempt's error, redacted; nil on success
}

// TokenRefreshInfo describes one token fetch.
type TokenRefreshInfo struct {
	Kind     TokenKind     // the kind of token fetched
	CorpID   string        // the corp the client acts for; "" when it names none (see [Client.CorpID])
	Duration time.Duration // the fetch, with the cross-process cache's bookkeeping
	Err      error         // the fetch's error, redacted; nil on success
}

// LimiterWaitInfo describes a call held by the client-side rate limiter.
type LimiterWaitInfo struct {
	Path string        // the call's path, never the query
	Wait time.Duration // how long the call waited
	Err  error         // non-nil when the call gave up instead (its deadline, its ctx)
}

// WithHooks sets the hooks the client calls (see [Hooks]); a later WithHooks replaces an
// earlier one. Clients derived from this one share them.
func WithHooks(h Hooks) Option {
	return func(s *settings) error {
		s.hooks = h
		return nil
	}
}

// attemptStatus is the HTTP status behind an attempt's outcome: WeCom answers errcodes with
// 200, and a [TransportError] keeps the status it got.
func attemptStatus(r *request, err error) int {
	var te *TransportError
	var ae *APIError
	switch {
	case err == nil:
		if dl, ok := r.out.(*Download); ok && dl.Status != 0 {
			return dl.Status
		}
		return http.StatusOK
	case errors.As(err, &ae):
		return http.StatusOK
	case errors.As(err, &te):
		return te.Status
	}
	return 0
}

// refreshed reports a token fetch that started at start and ended with *err.
func (c *Client) refreshed(ctx context.Context, start time.Time, err *error) {
	c.hooks.OnTokenRefresh(ctx, TokenRefreshInfo{Kind: c.Kind(), CorpID: c.CorpID(), Duration: time.Since(start), Err: *err})
}
