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
// Register functions with [On] (typed) and [Handler.OnAny] before serving. A function still
// running when the acknowledgement budget ends keeps running after the answer has been sent
// (its reply is then dropped); [Handler.Wait] waits for such functions at shutdown.
type Handler struct {
	crypto    *Crypto
	store     store.Store
	budget    time.Duration
	bodyLimit int64
	tolerance time.Duration
	dedupeTTL time.Duration
	dedupeKey func(ev Event, plaintext []byte, receiveID string) string
	log       *slog.Logger
	now       func() time.Time

	mu       sync.RWMutex
	exact    map[reflect.Type]HandlerFunc
	ifaces   []ifaceRoute
	fallback HandlerFunc

	running sync.WaitGroup
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
	// isvAuthBudget caps the budget of create_auth, change_auth, cancel_auth and
	// reset_permanent_code, which WeCom wants answered within 1000 ms.
	isvAuthBudget = 800 * time.Millisecond
)

// Option configures a Handler.
type Option func(*Handler)

// WithStore sets the Store that remembers delivered callbacks (default: in-memory). Share one
// Store (e.g. Redis) between processes behind one URL so a redelivery to another process is
// dropped too.
func WithStore(s store.Store) Option { return func(h *Handler) { h.store = s } }

// WithAckBudget sets how long the Handler waits for a user function before acknowledging
// anyway (default DefaultAckBudget). Keep it well under 5 s.
func WithAckBudget(d time.Duration) Option { return func(h *Handler) { h.budget = d } }

// WithBodyLimit caps the request body in bytes (default DefaultBodyLimit); larger bodies get 413.
func WithBodyLimit(n int64) Option { return func(h *Handler) { h.bodyLimit = n } }

// WithTimestampTolerance rejects callbacks whose signed timestamp is further than d from now,
// against replays (default 0: off, as WeCom's redeliveries may carry old timestamps).
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

// WithDedupeTTL sets how long a delivered callback is remembered (default DefaultDedupeTTL).
func WithDedupeTTL(d time.Duration) Option { return func(h *Handler) { h.dedupeTTL = d } }

// WithDedupeKey replaces the duplicate-detection key (see DedupeKey); a function returning ""
// disables dedupe for that callback.
func WithDedupeKey(key func(ev Event, plaintext []byte, receiveID string) string) Option {
	return func(h *Handler) { h.dedupeKey = key }
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
		dedupeTTL: DefaultDedupeTTL,
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

// Wait blocks until user functions that outlived their acknowledgement budget have returned,
// or ctx ends. Call it after http.Server.Shutdown.
func (h *Handler) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { h.running.Wait(); close(done) }()
	select {
	case <-done:
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

// outcome is what a user function produced.
type outcome struct {
	reply Reply
	err   error
}

// dedupeStoreTimeout bounds each dedupe store call; past it the callback is handled without
// dedupe.
const dedupeStoreTimeout = time.Second

// dedupe values: pending while processing, replyPrefix+XML once a passive reply was sent.
const (
	pendingMark = "p"
	replyPrefix = "r:"
)

func (h *Handler) serveEvent(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.bodyLimit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			err = ErrBodyTooLarge
		} else {
			err = wrap(ErrParseXML, "cannot read body")
		}
		h.reject(w, r, err)
		return
	}
	q := r.URL.Query()
	env, err := h.crypto.DecryptEnvelope(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body)
	if err == nil {
		err = h.checkTimestamp(q.Get("timestamp"))
	}
	if err != nil {
		h.reject(w, r, err)
		return
	}
	ev, err := Parse(env.Plaintext)
	if err != nil {
		h.reject(w, r, err)
		return
	}
	ctx := r.Context()
	kind := ev.Kind()
	key := h.dedupeKey(ev, env.Plaintext, env.ReceiveID)
	if key != "" {
		// A hung store must not eat WeCom's 5-second answer window.
		sctx, cancel := context.WithTimeout(ctx, dedupeStoreTimeout)
		fresh, err := h.store.SetNX(sctx, key, []byte(pendingMark), h.dedupeTTL)
		cancel()
		switch {
		case err != nil:
			// Better to risk handling twice than to lose the event.
			h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: dedupe store failed", slog.String("kind", kind), slog.String("err", err.Error()))
		case !fresh:
			h.log.LogAttrs(ctx, slog.LevelDebug, "wecom: webhook: duplicate delivery", slog.String("kind", kind))
			h.answerDuplicate(w, r, ev, env.ReceiveID, key)
			return
		}
	}
	fn := h.lookup(ev)
	if fn == nil {
		h.log.LogAttrs(ctx, slog.LevelDebug, "wecom: webhook: no handler", slog.String("kind", kind))
		h.ack(w, ev)
		return
	}
	out, ok := h.runWithBudget(ctx, start, fn, ev)
	if !ok {
		h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: handler still running, acknowledged", slog.String("kind", kind))
		h.ack(w, ev)
		return
	}
	if out.err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "wecom: webhook: handler failed", slog.String("kind", kind), slog.String("err", out.err.Error()))
		if key != "" {
			// Let WeCom's redelivery be handled.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dedupeStoreTimeout)
			err := h.store.Delete(sctx, key)
			cancel()
			if err != nil {
				h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: dedupe store failed", slog.String("kind", kind), slog.String("err", err.Error()))
			}
		}
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if out.reply == nil {
		h.ack(w, ev)
		return
	}
	hd := ev.EventHeader()
	if hd.IsISV() {
		h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: ISV command callbacks take no reply; dropped", slog.String("kind", kind))
		h.ack(w, ev)
		return
	}
	plain, err := out.reply.MarshalReply(hd.FromUserName, hd.ToUserName, h.now().Unix())
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelError, "wecom: webhook: reply not sent", slog.String("kind", kind), slog.String("err", err.Error()))
		h.ack(w, ev)
		return
	}
	if key != "" {
		sctx, cancel := context.WithTimeout(ctx, dedupeStoreTimeout)
		err := h.store.Set(sctx, key, append([]byte(replyPrefix), plain...), h.dedupeTTL)
		cancel()
		if err != nil {
			h.log.LogAttrs(ctx, slog.LevelWarn, "wecom: webhook: dedupe store failed", slog.String("kind", kind), slog.String("err", err.Error()))
		}
	}
	h.writeReply(w, r, ev, env.ReceiveID, plain)
}

// runWithBudget calls fn and waits for it up to the budget counted from start, the request's
// arrival; ok is false when the budget (or the client) ran out first. fn then keeps running on
// a context that is not cancelled with the request, and its outcome is logged.
func (h *Handler) runWithBudget(ctx context.Context, start time.Time, fn HandlerFunc, ev Event) (outcome, bool) {
	budget := h.budget
	switch ev.(type) {
	case *CreateAuth, *ChangeAuth, *CancelAuth, *ResetPermanentCode:
		budget = min(budget, isvAuthBudget)
	}
	var (
		mu       sync.Mutex
		timedOut bool
		done     = make(chan outcome, 1)
	)
	h.running.Add(1)
	go func() {
		defer h.running.Done()
		out := call(context.WithoutCancel(ctx), fn, ev)
		mu.Lock()
		late := timedOut
		if !late {
			done <- out
		}
		mu.Unlock()
		if late {
			attrs := []slog.Attr{slog.String("kind", ev.Kind())}
			level := slog.LevelInfo
			if out.err != nil {
				level, attrs = slog.LevelError, append(attrs, slog.String("err", out.err.Error()))
			} else if out.reply != nil {
				level = slog.LevelWarn
			}
			h.log.LogAttrs(ctx, level, "wecom: webhook: late handler finished (any reply dropped)", attrs...)
		}
	}()
	timer := time.NewTimer(budget - time.Since(start))
	defer timer.Stop()
	select {
	case out := <-done:
		return out, true
	case <-timer.C:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	select {
	case out := <-done:
		return out, true
	default:
		timedOut = true
		return outcome{}, false
	}
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

func (h *Handler) answerDuplicate(w http.ResponseWriter, r *http.Request, ev Event, receiveID, key string) {
	sctx, cancel := context.WithTimeout(r.Context(), dedupeStoreTimeout)
	val, err := h.store.Get(sctx, key)
	cancel()
	if err == nil && len(val) > len(replyPrefix) && string(val[:len(replyPrefix)]) == replyPrefix {
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
