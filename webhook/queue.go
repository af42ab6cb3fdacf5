package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Queue is a durable intake for callbacks (the Handler's WithQueue option): a callback is
// acknowledged to WeCom only after Enqueue returned nil, and workers receive it at least once.
type Queue interface {
	// Enqueue stores one verified, decrypted callback durably.
	Enqueue(ctx context.Context, e QueuedEvent) error
	// Receive returns up to n entries for consumer, waiting at most block for new ones: entries
	// never delivered, and entries whose consumer did not Ack them within the queue's
	// visibility timeout (a crashed worker's), with Attempt counting deliveries.
	Receive(ctx context.Context, consumer string, n int, block time.Duration) ([]Delivery, error)
	// Ack marks an entry handled: it is never delivered again.
	Ack(ctx context.Context, id string) error
	// DeadLetter records an entry that kept failing, with its last error, and acks it.
	DeadLetter(ctx context.Context, d Delivery, cause error) error
}

// QueuedEvent is a callback as the Handler enqueues it.
type QueuedEvent struct {
	Key        string // the dedupe key of the delivery
	Plaintext  []byte // the decrypted callback XML (or JSON), parsed again by the worker
	ReceiveID  string // the corp or suite the callback was encrypted for
	ReceivedAt time.Time
}

// Delivery is one entry handed to a worker.
type Delivery struct {
	ID      string // the queue's entry ID
	Event   QueuedEvent
	Attempt int // 1 for the first delivery
}

// WithQueue makes the Handler a durable intake, the way out of WeCom's 5-second window: a
// POST is verified, decrypted, parsed and enqueued on q, and acknowledged only once Enqueue
// returned nil within the acknowledgement budget (otherwise it is answered 503 and WeCom
// redelivers). No function runs in the request and no passive reply is sent; workers run the
// registered functions with [Handler.Consume], in this process or others.
// 持久化接收队列
func WithQueue(q Queue) Option { return func(h *Handler) { h.queue = q } }

// ConsumeOptions tunes [Handler.Consume]; zero values take the defaults.
type ConsumeOptions struct {
	// Batch is how many functions one Consume call runs at a time, and so the most entries
	// one Receive asks for (default 10).
	Batch int
	// Block is how long one Receive waits for new entries (default 1 s).
	Block time.Duration
	// MaxAttempts is how many deliveries an entry gets before it is dead-lettered (default 5).
	MaxAttempts int
}

// Consume receives queued callbacks from q as consumer and runs the functions registered on h
// for them, up to ConsumeOptions.Batch at a time, until ctx ends; it then returns ctx's error
// once the functions already running have finished (on their own deadlines). Run several Consume
// calls (goroutines, processes) to share the work, with one shared store for the dedupe keys.
// 消费回调队列
//
// An entry is acknowledged after its function succeeded (or when it has no function, or is a
// copy of a callback already handled); a failed one is left for the queue to deliver again
// after its visibility timeout, and after ConsumeOptions.MaxAttempts deliveries it goes to
// q.DeadLetter and to the [WithDeadLetter] hook. While a function runs, the callback's dedupe
// key holds a lease, so a copy delivered to another worker meanwhile (a WeCom redelivery, or
// the same entry past the visibility timeout) waits rather than running twice; keep the
// visibility timeout above the handler timeout. Passive replies are dropped.
func (h *Handler) Consume(ctx context.Context, q Queue, consumer string, opts ConsumeOptions) error {
	if opts.Batch <= 0 {
		opts.Batch = 10
	}
	if opts.Block <= 0 {
		opts.Block = time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 5
	}
	// Slots bound the functions running at once; Receive asks for as many entries as are
	// free, so that no entry waits out its visibility timeout behind a slow one.
	slots := make(chan struct{}, opts.Batch)
	var wg sync.WaitGroup
	defer wg.Wait()
	pause := storePause
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		free := 1
	fill:
		for free < opts.Batch {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break fill
			}
		}
		ds, err := q.Receive(ctx, consumer, free, opts.Block)
		for range free - len(ds) {
			<-slots
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: queue receive failed", slog.String("err", err.Error()))
			select {
			case <-time.After(pause):
			case <-ctx.Done():
				return ctx.Err()
			}
			pause = min(2*pause, 5*time.Second)
			continue
		}
		pause = storePause
		for _, d := range ds {
			wg.Go(func() {
				defer func() { <-slots }()
				h.consumeOne(ctx, q, d, opts.MaxAttempts)
			})
		}
	}
}

func (h *Handler) consumeOne(ctx context.Context, q Queue, d Delivery, maxAttempts int) {
	if ctx.Err() != nil {
		return // shutting down: the entry comes back after the visibility timeout
	}
	inv := &invocation{key: d.Event.Key, plaintext: d.Event.Plaintext, receiveID: d.Event.ReceiveID, attempts: d.Attempt}
	ev, err := Parse(d.Event.Plaintext)
	if err != nil {
		h.deadLetterEntry(q, d, inv, err) // it will never parse
		return
	}
	inv.ev = ev
	if d.Attempt > maxAttempts {
		// Delivered that often without an outcome: its workers died on it (or it waited
		// behind a lease longer than the visibility timeouts allowed).
		h.deadLetterEntry(q, d, inv, fmt.Errorf("wecom: webhook: delivered %d times without an outcome", d.Attempt-1))
		return
	}
	fn := h.lookup(ev)
	if fn == nil {
		h.log.LogAttrs(ctx, slog.LevelDebug, "wecom: webhook: no handler", slog.String("kind", ev.Kind()))
		h.ackEntry(q, d)
		return
	}
	if inv.key != "" {
		lease := h.newLease()
		// Not cancelled with ctx: a claim that failed for the shutdown would run unleased.
		st, _, err := h.claim(context.WithoutCancel(ctx), inv.key, lease, storeTimeout, time.Now().Add(storeTimeout), false)
		switch st {
		case claimDone:
			h.ackEntry(q, d) // a copy of a handled callback
			return
		case claimBusy:
			return // another worker runs a copy; this one comes back after the visibility timeout
		case claimFailed:
			// Run unleased: a copy elsewhere may run too, but none is lost.
			h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: dedupe store failed", slog.String("kind", ev.Kind()), slog.String("err", err.Error()))
		default:
			inv.lease = lease
		}
	}
	h.start(ctx, fn, inv, time.Now())
	hung := time.NewTimer(h.fnTimeout + hungGrace)
	out, ok := h.await(inv, hung.C, nil, true)
	hung.Stop()
	inv.cancel()
	if !ok {
		out = outcome{err: fmt.Errorf("wecom: webhook: handler did not return by its deadline: %w", context.DeadlineExceeded)}
	}
	if out.err == nil {
		if inv.key != "" {
			h.retry("done mark", func(ctx context.Context) error { return h.store.Set(ctx, inv.key, []byte(doneMark), h.dedupeTTL) })
		}
		h.ackEntry(q, d)
		return
	}
	h.log.LogAttrs(ctx, slog.LevelError, "wecom: webhook: queued handler failed", slog.String("kind", ev.Kind()), slog.Int("attempt", d.Attempt), slog.String("err", out.err.Error()))
	if inv.lease != nil {
		h.retry("release", inv.releaseOp(h))
	}
	if d.Attempt >= maxAttempts {
		h.deadLetterEntry(q, d, inv, out.err)
	}
}

func (h *Handler) ackEntry(q Queue, d Delivery) {
	// Should it fail, the entry comes back and meets its done mark.
	h.retry("queue ack", func(ctx context.Context) error { return q.Ack(ctx, d.ID) })
}

func (h *Handler) deadLetterEntry(q Queue, d Delivery, inv *invocation, cause error) {
	if h.retry("queue dead letter", func(ctx context.Context) error { return q.DeadLetter(ctx, d, cause) }) {
		h.deadLetter(inv, cause)
	}
}

// MemoryQueue is an in-process [Queue] for tests and one-process programs: entries live in
// memory (a crash loses them), are delivered in order, and come back to any consumer when
// not acknowledged within the visibility timeout. [MemoryQueue.DeadLetters] lists what was
// dead-lettered.
// 内存回调队列
type MemoryQueue struct {
	visibility time.Duration

	mu      sync.Mutex
	seq     uint64
	entries []*memEntry // in order; acknowledged ones are dropped as Receive passes them
	byID    map[string]*memEntry
	dead    []DeadLetter
	wake    chan struct{} // closed by Enqueue
}

type memEntry struct {
	id         string
	ev         QueuedEvent
	deliveries int
	visibleAt  time.Time // zero: never delivered
	acked      bool
}

// NewMemoryQueue returns an empty MemoryQueue whose entries come back visibility after a
// delivery that was not acknowledged.
func NewMemoryQueue(visibility time.Duration) *MemoryQueue {
	return &MemoryQueue{visibility: visibility, byID: make(map[string]*memEntry), wake: make(chan struct{})}
}

// Enqueue appends a copy of e.
func (q *MemoryQueue) Enqueue(ctx context.Context, e QueuedEvent) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.Plaintext = slices.Clone(e.Plaintext)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	en := &memEntry{id: strconv.FormatUint(q.seq, 10), ev: e}
	q.entries = append(q.entries, en)
	q.byID[en.id] = en
	close(q.wake)
	q.wake = make(chan struct{})
	return nil
}

// Receive returns up to n visible entries, waiting up to block (none: do not wait) for one.
func (q *MemoryQueue) Receive(ctx context.Context, consumer string, n int, block time.Duration) ([]Delivery, error) {
	end := time.Now().Add(block)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		q.mu.Lock()
		out, next := q.take(max(n, 1), time.Now())
		wake := q.wake
		q.mu.Unlock()
		if len(out) > 0 {
			return out, nil
		}
		wait := time.Until(end)
		if wait <= 0 {
			return nil, nil
		}
		if !next.IsZero() {
			wait = min(wait, time.Until(next))
		}
		t := time.NewTimer(wait)
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
}

// take delivers up to n visible entries and returns the next time an invisible one becomes
// visible (zero if none). q.mu is held.
func (q *MemoryQueue) take(n int, now time.Time) (out []Delivery, next time.Time) {
	live := q.entries[:0]
	for _, e := range q.entries {
		if e.acked {
			continue
		}
		live = append(live, e)
		if len(out) < n && !e.visibleAt.After(now) {
			e.deliveries++
			e.visibleAt = now.Add(q.visibility)
			ev := e.ev
			ev.Plaintext = slices.Clone(ev.Plaintext)
			out = append(out, Delivery{ID: e.id, Event: ev, Attempt: e.deliveries})
		} else if e.visibleAt.After(now) && (next.IsZero() || e.visibleAt.Before(next)) {
			next = e.visibleAt
		}
	}
	clear(q.entries[len(live):])
	q.entries = live
	return out, next
}

// Ack drops the entry; acknowledging an unknown or acknowledged entry does nothing.
func (q *MemoryQueue) Ack(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if e := q.byID[id]; e != nil {
		e.acked = true
		delete(q.byID, id)
	}
	return nil
}

// DeadLetter records d with cause and acknowledges it.
func (q *MemoryQueue) DeadLetter(ctx context.Context, d Delivery, cause error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dl := DeadLetter{Key: d.Event.Key, Plaintext: slices.Clone(d.Event.Plaintext), ReceiveID: d.Event.ReceiveID, Err: cause, Attempts: d.Attempt}
	if ev, err := Parse(dl.Plaintext); err == nil {
		dl.Event = ev
	}
	q.mu.Lock()
	q.dead = append(q.dead, dl)
	q.mu.Unlock()
	return q.Ack(ctx, d.ID)
}

// DeadLetters returns the entries dead-lettered so far, oldest first.
func (q *MemoryQueue) DeadLetters(ctx context.Context) ([]DeadLetter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.dead), nil
}
