package webhook

import (
	"context"
	"time"
)

// Hooks observes the callbacks a [Handler] answers, for metrics and tracing (the otelwecom
// module turns them into OpenTelemetry spans and metrics). Every field is optional. Hooks run
// on the request's goroutine after the answer is written, possibly concurrently: keep them
// fast and safe for concurrent use. They never receive the body, the plaintext or a key.
type Hooks struct {
	// OnCallback is called once per POST callback the Handler answers (URL verification GETs
	// are not reported).
	OnCallback func(ctx context.Context, c CallbackInfo)
}

// CallbackInfo describes one answered callback.
type CallbackInfo struct {
	// Kind names the callback as [Event].Kind does ("text", "event:click",
	// "info:suite_ticket"); "" when it was rejected before it could be parsed.
	Kind    string
	Outcome Outcome
	// Running is true when the callback was acknowledged at the budget while its function
	// still runs; the function's own result is not reported here.
	Running  bool
	Duration time.Duration // from the request's arrival to the answer
	Err      error         // why it was rejected or failed; nil otherwise
}

// Outcome is how the Handler answered a callback.
type Outcome string

// Outcomes of a callback.
const (
	OutcomeAcked     Outcome = "acked"     // handled (or acknowledged at the budget, see Running), or no function for it
	OutcomeDuplicate Outcome = "duplicate" // a redelivery of a handled callback, answered as before
	OutcomeRejected  Outcome = "rejected"  // bad signature, timestamp, receive ID, body or XML
	OutcomeFailed    Outcome = "failed"    // the function failed, or the callback could not be queued; WeCom redelivers
	OutcomeQueued    Outcome = "queued"    // durably queued with [WithQueue]
	// OutcomeDeferred is a callback answered 503 without being handled or failing: another
	// delivery of it is still running, or its function runs on without a lease. WeCom
	// redelivers.
	OutcomeDeferred Outcome = "deferred"
)

// WithHooks sets the hooks the Handler calls (see [Hooks]).
func WithHooks(hk Hooks) Option { return func(h *Handler) { h.hooks = hk } }

// observed collects a callback's facts while serveEvent answers it.
type observed struct {
	kind    string
	outcome Outcome
	running bool
	err     error
}

// set records the outcome: ok, or OutcomeFailed when err is not nil.
func (o *observed) set(ok Outcome, err error) {
	o.outcome, o.err = ok, err
	if err != nil && ok != OutcomeRejected {
		o.outcome = OutcomeFailed
	}
}

func (h *Handler) observe(ctx context.Context, start time.Time, o *observed) {
	h.hooks.OnCallback(ctx, CallbackInfo{Kind: o.kind, Outcome: o.outcome, Running: o.running, Duration: time.Since(start), Err: o.err})
}
