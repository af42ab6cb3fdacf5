package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/wecom-connector/wecom/store"
)

// Values under a callback's dedupe key.
const (
	leasePrefix = "l:" // in flight: leasePrefix + owner; lives leaseTTL, renewed by its holder
	doneMark    = "d"  // handled, no passive reply
	replyPrefix = "r:" // handled, with this passive reply plaintext
	// Anything else (earlier versions wrote "p" before running the function) counts as
	// handled.
)

// Bounds of the Handler's store calls.
const (
	storeTimeout  = time.Second           // one call
	storeAttempts = 4                     // a release or done mark, before giving up
	storePause    = 50 * time.Millisecond // before the second attempt, doubling
	minStoreCall  = 20 * time.Millisecond // even when the answer is due
	claimPoll     = 10 * time.Millisecond // first pause while a live lease is waited for
	claimPollMax  = 200 * time.Millisecond
	hungGrace     = time.Second // after its context ended, a function is given up
)

// outcome is what a user function produced.
type outcome struct {
	reply Reply
	err   error
}

// invocation is one call of a user function for one delivery.
type invocation struct {
	key       string // dedupe key, "" when dedupe is off
	lease     []byte // the lease value held under key, nil when none is held (any more)
	degraded  bool   // the store failed at the claim: no lease, no acknowledgement at the budget
	ev        Event
	plaintext []byte
	receiveID string
	attempts  int

	done     chan outcome
	cancel   context.CancelFunc // ends the function's context
	deadline time.Time          // of the function's context
}

type claimState int

const (
	claimTaken  claimState = iota // the lease is ours
	claimDone                     // handled before; val is the done value
	claimBusy                     // another delivery holds a live lease
	claimFailed                   // the store failed
)

func (h *Handler) newLease() []byte {
	b := make([]byte, 0, len(h.owner)+20)
	return strconv.AppendUint(append(b, h.owner...), h.leaseSeq.Add(1), 10)
}

func isLease(val []byte) bool {
	return len(val) >= len(leasePrefix) && string(val[:len(leasePrefix)]) == leasePrefix
}

// storeCtx bounds one store call by bound and by deadline, leaving it minStoreCall at least.
func storeCtx(ctx context.Context, bound time.Duration, deadline time.Time) (context.Context, context.CancelFunc) {
	now := time.Now()
	if d := now.Add(bound); d.Before(deadline) {
		deadline = d
	}
	if d := now.Add(minStoreCall); deadline.Before(d) {
		deadline = d
	}
	return context.WithDeadline(ctx, deadline)
}

// claim takes key with lease, each store call bounded by bound. A live lease of another
// delivery is waited for until deadline when wait is set: it may end in a done mark
// (claimDone) or be released or expire (taken).
func (h *Handler) claim(ctx context.Context, key string, lease []byte, bound time.Duration, deadline time.Time, wait bool) (claimState, []byte, error) {
	pause := claimPoll
	waited, retried := false, false
	for {
		sctx, cancel := storeCtx(ctx, bound, deadline)
		fresh, err := h.store.SetNX(sctx, key, lease, h.leaseTTL)
		var val []byte
		if err == nil && !fresh {
			val, err = h.store.Get(sctx, key)
		}
		cancel()
		switch {
		case fresh:
			return claimTaken, nil, nil
		case errors.Is(err, store.ErrNotFound):
			// Released or expired between the two calls: claim again after the pause.
		case err != nil && waited:
			// The store answered before; this is most likely the deadline.
			return claimBusy, nil, nil
		case err != nil && !retried && ctx.Err() == nil && time.Until(deadline) > 2*bound:
			retried = true // once, for a blip
			continue
		case err != nil:
			return claimFailed, nil, err
		case !isLease(val):
			return claimDone, val, nil
		}
		// Poll until the deadline, leaving the last call some time.
		left := time.Until(deadline) - claimPoll
		if !wait || left <= 0 {
			return claimBusy, nil, nil
		}
		select {
		case <-time.After(min(pause, left)):
		case <-ctx.Done():
			return claimBusy, nil, nil
		}
		waited = true
		pause = min(2*pause, claimPollMax)
	}
}

// start runs fn for inv on its own goroutine with a context that ends fnTimeout after begin
// and not with the request.
func (h *Handler) start(ctx context.Context, fn HandlerFunc, inv *invocation, begin time.Time) {
	inv.deadline = begin.Add(h.fnTimeout)
	fctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), inv.deadline)
	inv.cancel = cancel
	inv.done = make(chan outcome, 1)
	go func() { inv.done <- call(fctx, fn, inv.ev) }()
}

// await waits for inv's outcome until stop fires or gone is closed; ok is false when it
// stopped first. With renewing, it renews the lease every third of the lease TTL. (Within the
// budget none is needed: the lease lives at least twice as long.)
func (h *Handler) await(inv *invocation, stop <-chan time.Time, gone <-chan struct{}, renewing bool) (out outcome, ok bool) {
	var renew <-chan time.Time
	if renewing && inv.lease != nil {
		t := time.NewTicker(h.leaseTTL / 3)
		defer t.Stop()
		renew = t.C
	}
	for {
		select {
		case out := <-inv.done:
			return out, true
		case <-renew:
			if !h.renew(inv) {
				renew = nil
			}
			continue
		case <-stop:
		case <-gone:
		}
		// Stopped: an outcome that arrived meanwhile still counts.
		select {
		case out := <-inv.done:
			return out, true
		default:
			return outcome{}, false
		}
	}
}

// renew extends inv's lease if it still holds the key, and reports whether it does: a Get
// then a Set guarded by the lease value (at worst it overwrites a lease taken over in between),
// or a SetNX if the lease had expired.
func (h *Handler) renew(inv *invocation) bool {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	held := true
	cur, err := h.store.Get(ctx, inv.key)
	switch {
	case err == nil && bytes.Equal(cur, inv.lease):
		err = h.store.Set(ctx, inv.key, inv.lease, h.leaseTTL)
	case err == nil:
		held = false
	case errors.Is(err, store.ErrNotFound):
		held, err = h.store.SetNX(ctx, inv.key, inv.lease, h.leaseTTL)
	}
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: lease not renewed", slog.String("kind", inv.ev.Kind()), slog.String("err", err.Error()))
		return true
	}
	if !held {
		h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: lease lost while the handler runs", slog.String("kind", inv.ev.Kind()))
		inv.lease = nil
	}
	return held
}

// handOff lets inv's function run on after the answer: the lease is renewed until it returns
// or is given up at its deadline; then a success writes the done mark, a failure releases the
// key and, if the callback was acknowledged, goes to the dead-letter hook.
func (h *Handler) handOff(inv *invocation, acked bool) {
	h.running.add()
	go func() {
		defer h.running.done()
		hung := time.NewTimer(time.Until(inv.deadline) + hungGrace)
		defer hung.Stop()
		if inv.lease != nil {
			h.renew(inv) // the budget has used up part of the lease
		}
		out, ok := h.await(inv, hung.C, nil, true)
		inv.cancel()
		if !ok {
			out = outcome{err: fmt.Errorf("wecom: webhook: handler did not return by its deadline: %w", context.DeadlineExceeded)}
		}
		attrs := []slog.Attr{slog.String("kind", inv.ev.Kind())}
		if out.err == nil {
			// Too late for its own request, a reply can still answer a redelivery (sent when
			// WeCom did not get that answer).
			plain := h.marshalReply(context.Background(), inv.ev, out.reply)
			level := slog.LevelInfo
			if plain != nil && acked {
				level = slog.LevelWarn
			}
			h.log.LogAttrs(context.Background(), level, "wecom: webhook: late handler finished; a reply reaches WeCom only if it redelivers", attrs...)
			if inv.key != "" {
				val := doneValue(plain)
				h.retry("done mark", func(ctx context.Context) error { return h.store.Set(ctx, inv.key, val, h.dedupeTTL) })
			}
			return
		}
		h.log.LogAttrs(context.Background(), slog.LevelError, "wecom: webhook: late handler failed", append(attrs, slog.String("err", out.err.Error()))...)
		if inv.lease != nil {
			h.retry("release", inv.releaseOp(h))
		}
		if acked {
			h.deadLetter(inv, out.err)
		}
	}()
}

func (inv *invocation) releaseOp(h *Handler) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := store.CompareAndDelete(ctx, h.store, inv.key, inv.lease)
		return err
	}
}

// release frees inv's key after a failure so that WeCom's redelivery is handled: one attempt
// before the answer (bounded by deadline), the rest in the background. Should all fail, the
// lease still expires soon.
func (h *Handler) release(ctx context.Context, inv *invocation, deadline time.Time) {
	sctx, cancel := storeCtx(ctx, storeTimeout, deadline)
	_, err := store.CompareAndDelete(sctx, h.store, inv.key, inv.lease)
	cancel()
	if err != nil {
		h.later("release", inv.releaseOp(h))
	}
}

// markDone writes inv's done value after success, like release.
func (h *Handler) markDone(ctx context.Context, inv *invocation, val []byte, deadline time.Time) {
	sctx, cancel := storeCtx(ctx, storeTimeout, deadline)
	err := h.store.Set(sctx, inv.key, val, h.dedupeTTL)
	cancel()
	if err != nil {
		h.later("done mark", func(ctx context.Context) error { return h.store.Set(ctx, inv.key, val, h.dedupeTTL) })
	}
}

// later retries op in the background.
func (h *Handler) later(what string, op func(context.Context) error) {
	h.running.add()
	go func() {
		defer h.running.done()
		time.Sleep(storePause)
		h.retry(what, op)
	}()
}

// retry runs op up to storeAttempts times, each bounded by storeTimeout, pausing in between,
// and reports whether it succeeded.
func (h *Handler) retry(what string, op func(context.Context) error) bool {
	pause := storePause
	for i := 1; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err := op(ctx)
		cancel()
		if err == nil {
			return true
		}
		if i == storeAttempts {
			h.log.LogAttrs(context.Background(), slog.LevelError, "wecom: webhook: "+what+" failed", slog.Int("attempts", i), slog.String("err", err.Error()))
			return false
		}
		time.Sleep(pause)
		pause *= 2
	}
}

// deadLetter hands an acknowledged, unhandled callback to the dead-letter hook.
func (h *Handler) deadLetter(inv *invocation, cause error) {
	dl := DeadLetter{Key: inv.key, Event: inv.ev, Plaintext: inv.plaintext, ReceiveID: inv.receiveID, Err: cause, Attempts: inv.attempts}
	kind := "unparsed"
	if inv.ev != nil {
		kind = inv.ev.Kind()
	}
	if h.onDead == nil {
		h.log.LogAttrs(context.Background(), slog.LevelError, "wecom: webhook: acknowledged callback not handled, and no dead-letter hook set", slog.String("kind", kind), slog.String("err", cause.Error()))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), h.fnTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			h.log.LogAttrs(ctx, slog.LevelError, "wecom: webhook: dead-letter hook panicked", slog.String("kind", kind), slog.String("err", fmt.Sprint(p)))
		}
	}()
	h.onDead(ctx, dl)
}

// inflight counts background work. Unlike sync.WaitGroup it allows a start from zero while
// Wait is waiting: a redelivery may arrive during shutdown.
type inflight struct {
	mu    sync.Mutex
	n     int
	waits []chan struct{}
}

func (f *inflight) add() {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
}

func (f *inflight) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n--; f.n == 0 {
		for _, c := range f.waits {
			close(c)
		}
		f.waits = nil
	}
}

// idle returns a channel closed once no work is running.
func (f *inflight) idle() <-chan struct{} {
	c := make(chan struct{})
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		close(c)
	} else {
		f.waits = append(f.waits, c)
	}
	return c
}
