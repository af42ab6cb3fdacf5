package webhook

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wecom-connector/wecom/store"
)

// HandlerFunc handles one callback. A nil Reply answers with an empty 200 ("success" for ISV
// command callbacks); a non-nil Reply is encrypted as the passive reply. An error answers 500
// so that WeCom redelivers, unless the acknowledgement budget has already passed.
type HandlerFunc func(ctx context.Context, ev Event) (Reply, error)

// Handler is an http.Handler for one callback URL: GET answers URL verification, POST
// verifies, decrypts, parses, drops duplicate deliveries and dispatches each event to the
// function registered for its type, answering within WeCom's 5-second deadline.
// 回调服务
//
// Register functions with [On] (typed) and [Handler.OnAny] before serving.
//
// Delivery: a callback is acknowledged (HTTP 200) when its function succeeded, or when the
// function is still running at the end of the acknowledgement budget, or, with [WithQueue], once
// it is durably queued. While a function runs, its callback's dedupe key holds a short lease
// (the budget plus the larger of the budget and one second) that the Handler renews once the
// budget has passed; the long-lived "done" mark is written only after success. A redelivery
// that meets a live lease waits for its outcome within its own budget (the same answer if it
// succeeded, a takeover if it failed) and is otherwise answered 503 so that WeCom retries; one
// that meets an expired lease (its process died) takes over. A function that fails releases
// the key so that the redelivery is handled; one that fails after its callback was
// acknowledged goes to the [WithDeadLetter] hook, since WeCom will not send it again. When the
// store fails, the function runs anyway but its callback is acknowledged only if it succeeds
// within the budget. Functions get a context that ends at [WithHandlerTimeout]; [Handler.Wait]
// waits for those that outlived their budget. A callback acknowledged at the budget is lost if
// its process dies before the function ends: use [WithQueue] when that matters.
type Handler struct {
	crypto    *Crypto
	store     store.Store
	queue     Queue
	budget    time.Duration
	bodyLimit int64
	tolerance time.Duration
	dedupeTTL time.Duration
	leaseTTL  time.Duration
	fnTimeout time.Duration
	dedupeKey func(ev Event, plaintext []byte, receiveID string) string
	onDead    func(context.Context, DeadLetter)
	hooks     Hooks
	log       *slog.Logger
	now       func() time.Time

	owner    string // "l:" and a random tag: the prefix of this Handler's lease values
	leaseSeq atomic.Uint64

	mu       sync.RWMutex
	exact    map[reflect.Type]HandlerFunc
	ifaces   []ifaceRoute
	fallback HandlerFunc

	running inflight
}

// Format prints the handler and its callback configuration's tag whatever the verb: fmt would
// otherwise dump the unexported *Crypto field, Token and key included, for %s and %q.
func (h *Handler) Format(f fmt.State, _ rune) {
	io.WriteString(f, "webhook.Handler("+h.crypto.String()+")")
}

type ifaceRoute struct {
	t  reflect.Type
	fn HandlerFunc
}

// Defaults of the Handler options.
const (
	DefaultAckBudget = 3 * time.Second // well under WeCom's 5 s
	DefaultBodyLimit = 1 << 20         // real callbacks are a few KB
	DefaultDedupeTTL = time.Hour       // the spec asks for at least 10 minutes
	// DefaultHandlerTimeout is when a user function's context ends.
	DefaultHandlerTimeout = 30 * time.Second
	// DefaultTimestampTolerance is the replay window. WeCom redelivers an unanswered callback
	// up to three more times after 5-second timeouts, at intervals the spec does not document
	// (webhook.md §6.2), so the window leaves minutes for them and for clock skew; it stays
	// under the spec's minimum dedupe TTL (10 minutes), so a replay is refused before its
	// dedupe key can have expired.
	DefaultTimestampTolerance = 5 * time.Minute
	// isvAuthBudget caps the budget of create_auth, change_auth, cancel_auth and
	// reset_permanent_code, which WeCom wants answered within 1000 ms.
	isvAuthBudget = 800 * time.Millisecond
)

// Option configures a Handler.
type Option func(*Handler)

// WithStore sets the Store that holds the callbacks' dedupe keys: leases while a function runs,
// "done" marks after (default: in-memory). Share one Store (e.g. Redis) between processes
// behind one URL so a redelivery to another process is dropped, or taken over, too.
func WithStore(s store.Store) Option { return func(h *Handler) { h.store = s } }

// WithAckBudget sets how long the Handler waits for a user function before acknowledging
// anyway (default DefaultAckBudget). Keep it well under 5 s.
func WithAckBudget(d time.Duration) Option { return func(h *Handler) { h.budget = d } }

// WithBodyLimit caps the request body in bytes (default DefaultBodyLimit); larger bodies get 413.
func WithBodyLimit(n int64) Option { return func(h *Handler) { h.bodyLimit = n } }

// WithTimestampTolerance rejects callbacks whose signed timestamp is further than d from now,
// against replays (default DefaultTimestampTolerance). It is capped at the dedupe TTL, past
// which a replay would no longer be recognised; d <= 0 turns the check off.
func WithTimestampTolerance(d time.Duration) Option { return func(h *Handler) { h.tolerance = d } }

// WithLogger sets the logger (default: discard). Bodies and secrets are never logged.
func WithLogger(l *slog.Logger) Option { return func(h *Handler) { h.log = l } }

// WithReceiveIDs makes the Handler accept any of ids as the receive ID (an ISV's suite ID and
// its authorizing corps); see Crypto.WithReceiveIDs.
func WithReceiveIDs(ids ...string) Option {
	return func(h *Handler) { h.crypto = h.crypto.WithReceiveIDs(ids...) }
}

// WithReceiveIDFunc makes the Handler accept a receive ID when accept returns true; see
// Crypto.WithReceiveIDFunc.
func WithReceiveIDFunc(accept func(receiveID string) bool) Option {
	return func(h *Handler) { h.crypto = h.crypto.WithReceiveIDFunc(accept) }
}

// WithDedupeTTL sets how long a handled callback is remembered (default DefaultDedupeTTL).
func WithDedupeTTL(d time.Duration) Option { return func(h *Handler) { h.dedupeTTL = d } }

// WithDedupeKey replaces the duplicate-detection key (see DedupeKey); a function returning ""
// disables dedupe for that callback.
func WithDedupeKey(key func(ev Event, plaintext []byte, receiveID string) string) Option {
	return func(h *Handler) { h.dedupeKey = key }
}

// WithHandlerTimeout sets when a user function's context ends, counted from the callback's
// arrival (default DefaultHandlerTimeout; d <= 0 keeps it). A function still running a second
// after that is given up: its callback counts as failed.
func WithHandlerTimeout(d time.Duration) Option {
	return func(h *Handler) {
		if d > 0 {
			h.fnTimeout = d
		}
	}
}

// WithDeadLetter sets the hook that receives callbacks WeCom will not send again and that were
// not handled: a function that failed (or was given up) after its callback was acknowledged at
// the budget, and, with [Handler.Consume], a queued callback that failed on every attempt. fn
// should record the callback durably (a table, a queue) for a later retry or an alert; it may
// be called concurrently, never on a request's goroutine, with a context ending after the
// handler timeout. Without it such callbacks are only logged, at error level.
func WithDeadLetter(fn func(ctx context.Context, dl DeadLetter)) Option {
	return func(h *Handler) { h.onDead = fn }
}

// DeadLetter is a callback that was acknowledged to WeCom (or queued) and then not handled.
// 死信
type DeadLetter struct {
	// Key is the callback's dedupe key ("" when dedupe was off for it).
	Key string
	// Event is the parsed callback; nil if the plaintext did not parse (a queued entry).
	Event Event
	// Plaintext is the decrypted callback, as Parse reads it.
	Plaintext []byte
	// ReceiveID is the corp or suite the callback was encrypted for.
	ReceiveID string
	// Err is the last failure.
	Err error
	// Attempts is how many times the callback was delivered to a function: 1 for the Handler's
	// own calls, the queue's delivery count for Consume.
	Attempts int
}

// DedupeKey is the default duplicate-detection key. User messages are keyed by receiver, app
// and MsgId, as documented. Other callbacks are keyed by a SHA-256 of the plaintext: the
// documented FromUserName + CreateTime key would merge distinct system events of the same
// second (a batch import's change_contact events) and kf_msg_or_event has no FromUserName.
// 消息排重
func DedupeKey(ev Event, plaintext []byte, receiveID string) string {
	h := ev.EventHeader()
	if h.MsgID != 0 {
		return "wecom:v1:cb:msg:" + receiveID + ":" + h.ToUserName + ":" + strconv.Itoa(h.AgentID) + ":" + strconv.FormatInt(h.MsgID, 10)
	}
	sum := sha256.Sum256(plaintext)
	return "wecom:v1:cb:evt:" + receiveID + ":" + hex.EncodeToString(sum[:])
}

// DocumentedDedupeKey is the key WeCom's docs suggest: MsgId for messages, else sender +
// CreateTime + kind (ChangeType included). Use it with WithDedupeKey when redeliveries might
// not carry byte-identical plaintext; it merges distinct system events of the same second.
func DocumentedDedupeKey(ev Event, plaintext []byte, receiveID string) string {
	h := ev.EventHeader()
	if h.MsgID != 0 {
		return DedupeKey(ev, plaintext, receiveID)
	}
	return "wecom:v1:cb:doc:" + receiveID + ":" + h.ToUserName + h.SuiteID + ":" + h.FromUserName + ":" +
		strconv.FormatInt(h.CreateTime+h.TimeStamp, 10) + ":" + ev.Kind()
}

// NewHandler returns a Handler for the callback configuration in c.
func NewHandler(c *Crypto, opts ...Option) *Handler {
	h := &Handler{
		crypto:    c,
		budget:    DefaultAckBudget,
		bodyLimit: DefaultBodyLimit,
		tolerance: DefaultTimestampTolerance,
		dedupeTTL: DefaultDedupeTTL,
		fnTimeout: DefaultHandlerTimeout,
		dedupeKey: DedupeKey,
		now:       time.Now,
		exact:     make(map[reflect.Type]HandlerFunc),
	}
	for _, o := range opts {
		o(h)
	}
	if h.store == nil {
		h.store = store.NewMemory()
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.dedupeTTL > 0 && h.tolerance > h.dedupeTTL {
		h.tolerance = h.dedupeTTL
	}
	// Renewed every third of it, the lease outlives a store call that is slow (bounded by
	// storeTimeout) and, unrenewed, ends soon after WeCom's next redelivery.
	h.leaseTTL = h.budget + max(h.budget, time.Second)
	var tag [8]byte
	_, _ = rand.Read(tag[:])
	h.owner = leasePrefix + hex.EncodeToString(tag[:]) + ":"
	return h
}

// On registers fn for callbacks of type E, e.g. On(h, func(ctx context.Context, ev
// *webhook.TextMessage) (webhook.Reply, error) {…}). E may also be an interface: fn then
// receives every event implementing it that has no exact registration. A later registration for
// the same E replaces the earlier one.
func On[E Event](h *Handler, fn func(context.Context, E) (Reply, error)) {
	t := reflect.TypeFor[E]()
	wrapped := func(ctx context.Context, ev Event) (Reply, error) { return fn(ctx, ev.(E)) }
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.Kind() != reflect.Interface {
		h.exact[t] = wrapped
		return
	}
	for i := range h.ifaces {
		if h.ifaces[i].t == t {
			h.ifaces[i].fn = wrapped
			return
		}
	}
	h.ifaces = append(h.ifaces, ifaceRoute{t, wrapped})
}

// OnAny registers fn for every callback without a more specific registration, *Unknown
// included. Without it such callbacks are acknowledged and logged at debug level.
func (h *Handler) OnAny(fn HandlerFunc) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fallback = fn
}

func (h *Handler) lookup(ev Event) HandlerFunc {
	h.mu.RLock()
	defer h.mu.RUnlock()
	t := reflect.TypeOf(ev)
	if fn, ok := h.exact[t]; ok {
		return fn
	}
	for _, r := range h.ifaces {
		if t.Implements(r.t) {
			return r.fn
		}
	}
	return h.fallback
}

// Wait blocks until the user functions that outlived their acknowledgement budget have
// returned (or been given up at their deadline) and the Handler's store writes for them are
// done, or ctx ends. Call it after http.Server.Shutdown.
func (h *Handler) Wait(ctx context.Context) error {
	select {
	case <-h.running.idle():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.serveVerify(w, r)
	case http.MethodPost:
		h.serveEvent(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// reject answers a failed request with a bare status: no detail for a prober.
func (h *Handler) reject(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, ErrSignature), errors.Is(err, ErrReceiveIDMismatch), errors.Is(err, ErrTimestamp):
		status = http.StatusForbidden
	case errors.Is(err, ErrBodyTooLarge):
		status = http.StatusRequestEntityTooLarge
	}
	h.log.LogAttrs(r.Context(), slog.LevelWarn, "wecom: webhook: callback rejected",
		slog.String("method", r.Method), slog.Int("status", status), slog.String("err", err.Error()))
	w.WriteHeader(status)
}

func (h *Handler) checkTimestamp(ts string) error {
	if h.tolerance <= 0 {
		return nil
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return wrap(ErrTimestamp, "timestamp is not a number")
	}
	if d := h.now().Sub(time.Unix(sec, 0)); d > h.tolerance || d < -h.tolerance {
		return ErrTimestamp
	}
	return nil
}

func (h *Handler) serveVerify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	echostr := q.Get("echostr")
	if echostr == "" {
		h.reject(w, r, wrap(ErrParseXML, "URL verification without echostr"))
		return
	}
	msg, err := h.crypto.VerifyURL(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), echostr)
	if err == nil {
		err = h.checkTimestamp(q.Get("timestamp"))
	}
	if err != nil {
		h.reject(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(msg)))
	_, _ = w.Write(msg)
}

func (h *Handler) serveEvent(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var o observed
	if h.hooks.OnCallback != nil {
		defer h.observe(r.Context(), start, &o)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.bodyLimit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			err = ErrBodyTooLarge
		} else {
			err = wrap(ErrParseXML, "cannot read body")
		}
		o.set(OutcomeRejected, err)
		h.reject(w, r, err)
		return
	}
	q := r.URL.Query()
	env, err := h.crypto.DecryptEnvelope(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body)
	if err == nil {
		err = h.checkTimestamp(q.Get("timestamp"))
	}
	if err != nil {
		o.set(OutcomeRejected, err)
		h.reject(w, r, err)
		return
	}
	ev, err := Parse(env.Plaintext)
	if err != nil {
		o.set(OutcomeRejected, err)
		h.reject(w, r, err)
		return
	}
	ctx := r.Context()
	kind := ev.Kind()
	o.kind = kind
	key := h.dedupeKey(ev, env.Plaintext, env.ReceiveID)
	deadline := start.Add(h.budgetFor(ev))
	if h.queue != nil {
		o.set(OutcomeQueued, h.enqueue(w, r, ev, QueuedEvent{Key: key, Plaintext: env.Plaintext, ReceiveID: env.ReceiveID, ReceivedAt: start}, deadline))
		return
	}
	fn := h.lookup(ev)
	if fn == nil {
		h.log.LogAttrs(ctx, slog.LevelDebug, "wecom: webhook: no handler", slog.String("kind", kind))
		o.set(OutcomeAcked, nil)
		h.ack(w, ev)
		return
	}
	inv := &invocation{key: key, ev: ev, plaintext: env.Plaintext, receiveID: env.ReceiveID, attempts: 1}
	if key != "" {
		lease := h.newLease()
		// A third of the budget at most per store call leaves the function most of it.
		bound := min(storeTimeout, (deadline.Sub(start))/3)
		st, val, err := h.claim(ctx, key, lease, bound, deadline, true)
		switch st {
		case claimDone:
			h.log.LogAttrs(ctx, slog.LevelDebug, "wecom: webhook: duplicate delivery", slog.String("kind", kind))
			o.set(OutcomeDuplicate, nil)
			h.answerDone(w, r, ev, env.ReceiveID, val)
			return
		case claimBusy:
			// Another delivery is still running: WeCom retries, and meets its outcome.
			h.log.LogAttrs(ctx, slog.LevelInfo, "wecom: webhook: delivery in progress elsewhere; not acknowledged", slog.String("kind", kind))
			o.set(OutcomeDeferred, nil)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case claimFailed:
			if ctx.Err() != nil {
				o.set(OutcomeFailed, ctx.Err())
				return // WeCom gave up on this request and redelivers: no unleased run
			}
			// Handled without a lease: acknowledged only if the function succeeds in time.
			inv.degraded = true
			h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: dedupe store failed", slog.String("kind", kind), slog.String("err", err.Error()))
		default:
			inv.lease = lease
		}
	}
	h.start(ctx, fn, inv, start)
	timer := time.NewTimer(time.Until(deadline))
	out, ok := h.await(inv, timer.C, ctx.Done(), false)
	timer.Stop()
	if !ok {
		acked := !inv.degraded && ctx.Err() == nil
		o.running = true
		o.set(OutcomeFailed, ctx.Err())
		switch {
		case acked:
			h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: handler still running, acknowledged", slog.String("kind", kind))
			o.set(OutcomeAcked, nil)
			h.ack(w, ev)
		case ctx.Err() == nil:
			h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: handler still running without a lease; not acknowledged", slog.String("kind", kind))
			o.set(OutcomeDeferred, nil)
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		h.handOff(inv, acked)
		return
	}
	inv.cancel()
	o.set(OutcomeAcked, out.err)
	if out.err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "wecom: webhook: handler failed", slog.String("kind", kind), slog.String("err", out.err.Error()))
		if inv.lease != nil {
			h.release(ctx, inv, deadline)
		}
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	plain := h.marshalReply(ctx, ev, out.reply)
	if key != "" {
		// Even unleased: a store that timed out may only have been slow.
		h.markDone(ctx, inv, doneValue(plain), deadline)
	}
	if plain == nil {
		h.ack(w, ev)
		return
	}
	h.writeReply(w, r, ev, env.ReceiveID, plain)
}

// marshalReply renders a function's reply to ev; nil when there is none to send.
func (h *Handler) marshalReply(ctx context.Context, ev Event, reply Reply) []byte {
	if reply == nil {
		return nil
	}
	hd := ev.EventHeader()
	if hd.IsISV() {
		h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: ISV command callbacks take no reply; dropped", slog.String("kind", ev.Kind()))
		return nil
	}
	plain, err := reply.MarshalReply(hd.FromUserName, hd.ToUserName, h.now().Unix())
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "wecom: webhook: reply not sent", slog.String("kind", ev.Kind()), slog.String("err", err.Error()))
		return nil
	}
	return plain
}

// doneValue is the done mark, holding the passive reply plain if there is one, for duplicates.
func doneValue(plain []byte) []byte {
	if plain == nil {
		return []byte(doneMark)
	}
	return append([]byte(replyPrefix), plain...)
}

// budgetFor is the acknowledgement budget of ev.
func (h *Handler) budgetFor(ev Event) time.Duration {
	switch ev.(type) {
	case *CreateAuth, *ChangeAuth, *CancelAuth, *ResetPermanentCode:
		return min(h.budget, isvAuthBudget)
	}
	return h.budget
}

// enqueue acknowledges ev once the queue has it, and answers 503 (and returns the error) if it
// fails or does not finish by the deadline, so that WeCom redelivers.
func (h *Handler) enqueue(w http.ResponseWriter, r *http.Request, ev Event, qe QueuedEvent, deadline time.Time) error {
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- h.queue.Enqueue(ctx, qe) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: callback not queued; not acknowledged", slog.String("kind", ev.Kind()), slog.String("err", err.Error()))
		w.WriteHeader(http.StatusServiceUnavailable)
		return err
	}
	h.ack(w, ev)
	return nil
}

// call runs fn, turning a panic into an error so a user bug never takes the server down.
func call(ctx context.Context, fn HandlerFunc, ev Event) (out outcome) {
	defer func() {
		if p := recover(); p != nil {
			out = outcome{err: fmt.Errorf("wecom: webhook: handler panicked: %v", p)} // logged by the caller
		}
	}()
	reply, err := fn(ctx, ev)
	return outcome{reply, err}
}

// ack answers success without a reply: "success" for ISV command callbacks, empty otherwise.
func (h *Handler) ack(w http.ResponseWriter, ev Event) {
	if ev.EventHeader().IsISV() {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "success")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// answerDone answers a duplicate of a handled callback: the stored passive reply, if any.
func (h *Handler) answerDone(w http.ResponseWriter, r *http.Request, ev Event, receiveID string, val []byte) {
	if len(val) > len(replyPrefix) && string(val[:len(replyPrefix)]) == replyPrefix {
		h.writeReply(w, r, ev, receiveID, val[len(replyPrefix):])
		return
	}
	h.ack(w, ev)
}

func (h *Handler) writeReply(w http.ResponseWriter, r *http.Request, ev Event, receiveID string, plain []byte) {
	out, err := h.crypto.EncryptReplyFor(plain, receiveID, strconv.FormatInt(h.now().Unix(), 10), newNonce())
	if err != nil {
		h.log.LogAttrs(r.Context(), slog.LevelError, "wecom: webhook: reply not sent", slog.String("kind", ev.Kind()), slog.String("err", err.Error()))
		h.ack(w, ev)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(out)
}

// newNonce returns a random decimal nonce like WeCom's.
func newNonce() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1e10))
	if err != nil {
		return strconv.FormatInt(time.Now().UnixNano()%1e10, 10)
	}
	return n.String()
}
