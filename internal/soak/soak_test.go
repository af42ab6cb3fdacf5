package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

var (
	flagN        = flag.Int("soak.n", 200, "soak: operations of each kind (app send, robot post, kf send, callback, kf customer message) per round")
	flagDuration = flag.Duration("soak.duration", 0, "soak: keep starting rounds until this much time has passed (0: one round)")
	flagSeed     = flag.Uint64("soak.seed", 0, "soak: seed of the fault schedule (0: from the clock; logged)")
	flagWorkers  = flag.Int("soak.workers", 8, "soak: concurrent senders")
	flagFaults   = flag.String("soak.faults", "", "soak: comma-separated API fault kinds to inject (default all; see faultNames)")
)

const (
	faultRate      = 0.20                   // share of operations that inject a fault first
	clientTimeout  = 300 * time.Millisecond // http.Client Timeout of the SDK clients
	slow           = 2 * clientTimeout      // injected latency: past the client timeout
	bigEvery       = 25                     // every 25th app message goes to bigUsers users
	bigUsers       = 1500                   // over the 1000 users one message/send takes
	shortCtxRate   = 0.05                   // share of operations whose ctx ends mid-flight
	shortCtx       = 120 * time.Millisecond // less than an injected delay
	handleFailRate = 0.05                   // share of the app's callback and kf functions that fail
	maxAttempts    = 4                      // the SDK's transport attempts per call
	kfPerCustomer  = 4                      // under the quota of 5 sends per customer message
	robotKeys      = 4
	robotWindow    = 20 * time.Millisecond // simulator and SDK robot window, so 20/window runs fast
	cbTimeout      = 150 * time.Millisecond
	opTimeout      = 30 * time.Second
	settleTimeout  = 10 * time.Second

	// The planted callback configuration; nothing secret about it in this test.
	cbToken  = "soakCallbackToken"
	cbAESKey = "c29ha1NvYWtTb2FrU29ha1NvYWtTb2FrU29ha1NvYWs" // 43 characters
)

// faultKind is one failure the simulator can produce for an API path.
type faultKind int

const (
	fault5xx          faultKind = iota // 502 gateway page before the handler
	fault5xxAfter                      // 503 after the handler ran: a lost answer
	faultBusy                          // errcode -1
	faultBusyAfter                     // errcode -1 after the handler ran
	faultTokenExpired                  // errcode 42001 for this one call
	faultExpireAll                     // ExpireTokens: every token issued so far dies
	faultRateLimit                     // errcode 45009
	faultSlow                          // latency past the client timeout, handler not run
	faultSlowAfter                     // handler ran, answer later than the client timeout
	faultDrop                          // connection closed before the handler
	faultDropAfter                     // connection closed after the handler ran
	faultBurst                         // maxAttempts 502s in a row: a call exhausts its retries
	faultBurstAfter                    // maxAttempts lost answers in a row, the handler ran each time
	numFaults
)

var faultNames = [numFaults]string{"5xx", "5xx_after", "busy", "busy_after", "42001", "expire_all",
	"45009", "slow", "slow_after", "drop", "drop_after", "burst", "burst_after"}

// cbFault is what the receiver's front does to the first attempt of a callback delivery.
type cbFault int

const (
	cbNone              cbFault = iota
	cbDrop                      // connection closed before the Handler sees it
	cbDropAfter                 // Handler ran, connection closed instead of the answer
	cbSlowAfter                 // Handler ran, answer later than the simulator's timeout
	cb500                       // HTTP 500 before the Handler sees it
	cbDuplicate                 // delivered twice, one after the other
	cbDuplicateParallel         // delivered twice at the same time
	numCBFaults
)

// chaos injects the faults and remembers how many of each it injected.
type chaos struct {
	srv   *wecomtest.Server
	mu    sync.Mutex
	rng   *rand.Rand
	kinds []faultKind // the kinds to draw from
	n     [numFaults]int
	cb    [numCBFaults]int

	shortCtx       int // operations given a deadline shorter than an injected delay
	gettokenFaults int // faults injected on gettoken
	handleFailures int // app functions (callbacks, kf messages) failed on purpose
}

// maybe injects one fault for path with probability faultRate; tokens says whether the path
// takes an access token (robots do not).
func (c *chaos) maybe(path string, tokens bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rng.Float64() >= faultRate {
		return
	}
	k := c.kinds[c.rng.IntN(len(c.kinds))]
	if !tokens && (k == faultTokenExpired || k == faultExpireAll) {
		k = faultRateLimit
	}
	c.n[k]++
	var f wecomtest.Fault
	switch k {
	case fault5xx:
		f = wecomtest.Fault{Status: http.StatusBadGateway}
	case fault5xxAfter:
		f = wecomtest.Fault{Status: http.StatusServiceUnavailable, AfterHandler: true}
	case faultBusy:
		f = wecomtest.Fault{Errcode: client.CodeBusy}
	case faultBusyAfter:
		f = wecomtest.Fault{Errcode: client.CodeBusy, AfterHandler: true}
	case faultTokenExpired:
		f = wecomtest.Fault{Errcode: client.CodeAccessTokenExpired}
	case faultExpireAll:
		c.srv.ExpireTokens()
		c.spoilGettoken()
		return
	case faultRateLimit:
		f = wecomtest.Fault{Errcode: client.CodeFrequencyLimit}
	case faultSlow:
		f = wecomtest.Fault{Delay: slow}
	case faultSlowAfter:
		f = wecomtest.Fault{Delay: slow, AfterHandler: true}
	case faultDrop:
		f = wecomtest.Fault{Drop: true}
	case faultDropAfter:
		f = wecomtest.Fault{Drop: true, AfterHandler: true}
	}
	n := 1
	switch k {
	case faultBurst:
		f, n = wecomtest.Fault{Status: http.StatusBadGateway}, maxAttempts
	case faultBurstAfter:
		f, n = wecomtest.Fault{Drop: true, AfterHandler: true}, maxAttempts
	}
	c.srv.Inject(path, f, n)
	if k == faultTokenExpired {
		c.spoilGettoken()
	}
}

// spoilGettoken makes the refresh that a token fault causes meet a fault itself, half of the
// time: one that stops the request before gettoken's handler, so no token is minted unseen.
func (c *chaos) spoilGettoken() {
	if c.rng.IntN(2) == 0 {
		return
	}
	f := []wecomtest.Fault{{Status: http.StatusBadGateway}, {Drop: true}, {Errcode: client.CodeBusy}, {Delay: slow}}[c.rng.IntN(4)]
	c.gettokenFaults++
	c.srv.Inject("/cgi-bin/gettoken", f, 1)
}

// opTimeout is the deadline of one operation: now and then one that ends mid-flight.
func (c *chaos) opTimeout() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rng.Float64() < shortCtxRate {
		c.shortCtx++
		return shortCtx
	}
	return opTimeout
}

// handleFails decides whether the app's function for a callback or a kf message fails this
// time.
func (c *chaos) handleFails() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rng.Float64() < handleFailRate {
		c.handleFailures++
		return true
	}
	return false
}

func (c *chaos) callbackFault() cbFault {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := cbNone
	if c.rng.Float64() < faultRate {
		f = cbFault(1 + c.rng.IntN(int(numCBFaults)-1))
	}
	c.cb[f]++
	return f
}

// tally sorts the errors that reached the caller into their documented types.
type tally struct {
	mu      sync.Mutex
	typed   map[string]int
	untyped []string
}

// classify names the documented type of err, or "" for an untyped error. The typed errors a
// caller can meet here: *client.APIError (customerservice's sentinels are APIErrors too),
// *client.TransportError, context.Canceled / DeadlineExceeded, messages.ErrRobotRateLimited,
// *client.ValidationError and, for deliveries, wecomtest.ErrCallbackNotAcked / ErrBadReply.
func classify(err error) string {
	var (
		ae *client.APIError
		te *client.TransportError
		ve *client.ValidationError
	)
	switch {
	case errors.As(err, &ae):
		return "api_" + strconv.Itoa(ae.Code)
	case errors.As(err, &te):
		if te.Status != 0 {
			return "transport_http_" + strconv.Itoa(te.Status)
		}
		return "transport_network"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "context"
	case errors.Is(err, messages.ErrRobotRateLimited):
		return "robot_rate_limited"
	case errors.As(err, &ve):
		return "validation"
	case errors.Is(err, wecomtest.ErrCallbackNotAcked):
		return "callback_not_acked"
	case errors.Is(err, wecomtest.ErrBadReply):
		return "callback_bad_reply"
	}
	return ""
}

func (t *tally) record(op string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := classify(err); c != "" {
		t.typed[op+":"+c]++
		return
	}
	t.untyped = append(t.untyped, fmt.Sprintf("%s: %T: %v", op, err, err))
}

func (t *tally) total() (typed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range t.typed {
		typed += n
	}
	return typed
}

// rig is everything one soak run drives.
type rig struct {
	srv     *wecomtest.Server
	apps    []*messages.Service // one per simulated process, sharing the token store
	kf      *customerservice.Service
	kfID    string
	robots  []*messages.Robot
	keys    []string
	recv    *httptest.Server
	handler *webhook.Handler
	chaos   *chaos
	errs    *tally

	mu      sync.Mutex
	handled map[int64]int // callback MsgId → times the user function ran
	// kfHandled counts the successful Handle calls per kf msgid; kfWritten lists the msgids of
	// what customers wrote.
	kfHandled map[string]int
	kfWritten []string
	attempt   map[int64]int // callback MsgId → HTTP attempts the receiver saw
	faultOf   map[int64]cbFault

	noDupCheck bool // sabotage for the accounting's self-check: app sends without the duplicate check
}

// counts is what a round (or the whole run) delivered. An intended item is one message for one
// recipient: an app message to 1500 users is 1500 items.
type counts struct {
	intended, delivered, duplicates, lost int
	robotFailed, robotArrivedAnyway       int
	kfAutoFailed                          int // kf sends with an SDK msgid that returned an error
	callbacks, handled                    int
	kfIn, kfInHandled                     int      // customer messages written, and pulled and handled
	problems                              []string // each lost, duplicated or unhandled item
}

// TestSoak sends app messages, robot posts and kf messages and delivers callbacks, all at once,
// while about a fifth of them meet a fault, then lets the caller resend once what returned an
// error (app and kf, whose resends are idempotent) and checks that everything intended arrived
// exactly once (robot posts: at most once, and always when Send succeeded), every callback was
// handled once, every error was typed, gettoken stayed within its bound and no goroutine was
// left behind. See the package doc for the flags of longer runs.
func TestSoak(t *testing.T) {
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	// Count from a quiet start: goroutines of earlier tests (idle connections) may still be
	// ending, and counting them would hide as many leaked ones.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	before := quiet()
	start := time.Now()

	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	r := newRig(t, seed, &http.Client{Timeout: clientTimeout, Transport: tr})

	var total counts
	rounds := 0
	for rounds == 0 || time.Since(start) < *flagDuration {
		c := r.round(t, rounds, *flagN)
		total.intended += c.intended
		total.delivered += c.delivered
		total.duplicates += c.duplicates
		total.lost += c.lost
		total.robotFailed += c.robotFailed
		total.robotArrivedAnyway += c.robotArrivedAnyway
		total.kfAutoFailed += c.kfAutoFailed
		total.callbacks += c.callbacks
		total.handled += c.handled
		total.kfIn += c.kfIn
		total.kfInHandled += c.kfInHandled
		rounds++
		if len(c.problems) > 0 {
			t.Errorf("%d problems:\n%s", len(c.problems), strings.Join(c.problems, "\n"))
			break
		}
	}

	// The bound on tokens minted (gettoken calls that reached the handler): the first fetch,
	// one per forced expiry of every token and at most one per 42001 answered to a single call.
	// Calls also count the attempts that met a gettoken fault, at most one per fault.
	gettoken := r.srv.Served("/cgi-bin/gettoken")
	gettokenCalls := r.srv.Calls("/cgi-bin/gettoken")
	bound := 1 + r.chaos.n[faultTokenExpired] + r.chaos.n[faultExpireAll]

	// Shut everything down and wait for the goroutines to go.
	ctx, cancel := context.WithTimeout(context.Background(), settleTimeout)
	defer cancel()
	if err := r.handler.Wait(ctx); err != nil {
		t.Errorf("webhook handler functions still running: %v", err)
	}
	r.recv.Close()
	r.srv.Close()
	tr.CloseIdleConnections()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections() // the simulator's deliveries
	leaked := settle(before)
	if leaked > 0 {
		var b bytes.Buffer
		_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
		t.Errorf("%d goroutines leaked:\n%s", leaked, b.String())
	}

	typed := r.errs.total()
	summary := fmt.Sprintf("soak: seed=%d rounds=%d intended=%d delivered=%d duplicates=%d lost=%d "+
		"robot_failed=%d robot_arrived_despite_error=%d kf_sdk_msgid_failed=%d typed_errors=%d untyped_errors=%d "+
		"gettoken=%d (bound %d, %d calls) callbacks=%d/%d kf_inbound=%d/%d faults=%d goroutines_leaked=%d elapsed=%s",
		seed, rounds, total.intended, total.delivered, total.duplicates, total.lost,
		total.robotFailed, total.robotArrivedAnyway, total.kfAutoFailed, typed, len(r.errs.untyped),
		gettoken, bound, gettokenCalls, total.handled, total.callbacks, total.kfInHandled, total.kfIn, r.chaos.injected(), leaked,
		time.Since(start).Round(time.Millisecond))
	t.Log(r.chaos.describe())
	t.Log("soak errors by type: " + r.errs.describe())
	t.Log(summary)

	if total.lost != 0 || total.duplicates != 0 {
		t.Errorf("lost=%d duplicates=%d, want 0 and 0", total.lost, total.duplicates)
	}
	if total.handled != total.callbacks {
		t.Errorf("handled %d callbacks of %d", total.handled, total.callbacks)
	}
	if len(r.errs.untyped) > 0 {
		t.Errorf("untyped errors reached the caller:\n%s", strings.Join(r.errs.untyped, "\n"))
	}
	if gettoken > bound || gettoken < 1 {
		t.Errorf("gettoken called %d times, want 1..%d", gettoken, bound)
	}
	if gettokenCalls > gettoken+r.chaos.gettokenFaults {
		t.Errorf("gettoken: %d calls, %d served, %d faults injected: more calls than faults explain",
			gettokenCalls, gettoken, r.chaos.gettokenFaults)
	}
	if r.chaos.injected() == 0 {
		t.Error("no fault was injected; the soak proved nothing")
	}
}

// TestSoakAccountingCanFail sabotages a caller to show that the soak's accounting catches a
// duplicate and a loss: an app send without the duplicate check whose answer is lost and that
// the caller sends again arrives twice; a kf send whose every attempt fails and that the caller
// never resends is lost, as is a robot post and a callback never made.
func TestSoakAccountingCanFail(t *testing.T) {
	r := newRig(t, 1, &http.Client{Timeout: clientTimeout})
	defer r.close()
	r.noDupCheck = true
	ctx := t.Context()
	r.customerSays(t, customer(0, 0), "hello")
	r.srv.Inject("/cgi-bin/message/send", wecomtest.Fault{Status: http.StatusServiceUnavailable, AfterHandler: true}, 1)
	if err := r.sendApp(ctx, 0, 0); err == nil {
		t.Fatal("the lost answer of a send without duplicate check came back as success")
	}
	if err := r.sendApp(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	r.srv.Inject("/cgi-bin/kf/send_msg", wecomtest.Fault{Status: http.StatusBadGateway}, 4)
	if err := r.sendKf(ctx, 0, 0); err == nil {
		t.Fatal("four 502s in a row came back as success")
	}
	for !r.kfAllHandled() {
		time.Sleep(10 * time.Millisecond) // the hello's callback; the test's deadline bounds it
	}
	c := r.count(t, 0, 1, nil, nil)
	if c.duplicates != 1 || c.lost != 2 || c.handled != 0 || len(c.problems) != 4 {
		t.Errorf("duplicates=%d lost=%d handled=%d problems=%q; want 1, 2 (kf, robot), 0 and 4",
			c.duplicates, c.lost, c.handled, c.problems)
	}
}

// faultKinds parses -soak.faults.
func faultKinds(t *testing.T) []faultKind {
	var kinds []faultKind
	for k := range numFaults {
		if *flagFaults == "" || slices.Contains(strings.Split(*flagFaults, ","), faultNames[k]) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		t.Fatalf("-soak.faults=%q names no fault kind of %q", *flagFaults, faultNames)
	}
	return kinds
}

func (r *rig) close() {
	r.recv.Close()
	r.srv.Close()
}

func newRig(t *testing.T, seed uint64, hc *http.Client) *rig {
	srv := wecomtest.NewServer(wecomtest.WithTokenReuse(wecomtest.ReuseNever), wecomtest.WithRobotWindow(robotWindow))
	opts := []client.Option{
		client.WithBaseURL(srv.URL()),
		client.WithHTTPClient(hc),
		client.WithRateLimit(0, 0),
		client.WithRetry(client.RetryPolicy{MaxAttempts: maxAttempts, MinBackoff: 2 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
			BusyRetries: 3, RateLimitRetries: 1, RateLimitWait: 20 * time.Millisecond}),
	}
	// Two clients on one store stand for two processes of one deployment: they share the
	// token, so the gettoken bound holds for both together.
	shared := append(slices.Clone(opts), client.WithStore(store.NewMemory()))
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, shared...)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, shared...)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{
		srv: srv, apps: []*messages.Service{messages.New(c), messages.New(c2)}, kf: customerservice.New(c),
		kfID:    srv.AddKfAccount("soak desk", "soakservicer"),
		chaos:   &chaos{srv: srv, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), kinds: faultKinds(t)},
		errs:    &tally{typed: map[string]int{}},
		handled: map[int64]int{}, kfHandled: map[string]int{}, attempt: map[int64]int{}, faultOf: map[int64]cbFault{},
	}
	for i := range robotKeys {
		key := fmt.Sprintf("soak-robot-key-%d", i)
		srv.AddRobot(key)
		rb, err := messages.NewRobot(key, opts...)
		if err != nil {
			t.Fatal(err)
		}
		r.keys = append(r.keys, key)
		r.robots = append(r.robots, rb.WithLimit(messages.RobotLimit{Messages: 20, Window: robotWindow}))
	}

	crypto, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	r.handler = webhook.NewHandler(crypto)
	webhook.On(r.handler, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		if r.chaos.handleFails() {
			// The Handler must forget the delivery so that WeCom's redelivery is handled.
			return nil, errors.New("soak: the app failed on this callback")
		}
		r.mu.Lock()
		r.handled[ev.MsgID]++
		r.mu.Unlock()
		return nil, nil
	})
	if err := r.kf.HandleKfCallbacks(r.handler, customerservice.CallbackParams{Handle: r.handleKf}); err != nil {
		t.Fatal(err)
	}
	r.recv = httptest.NewServer(http.HandlerFunc(r.front))
	srv.SetCallbackURL(wecomtest.CorpID, r.recv.URL+"/kf", wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey})
	return r
}

// handleKf is the app's function for each customer message HandleKfCallbacks pulls; now and
// then it fails, which must make the message come again, once.
func (r *rig) handleKf(ctx context.Context, m customerservice.Message) error {
	if r.chaos.handleFails() {
		return errors.New("soak: the app failed on this message")
	}
	r.mu.Lock()
	r.kfHandled[m.Header().MsgID]++
	r.mu.Unlock()
	return nil
}

// front stands before the webhook Handler and spoils the first attempt of a delivery as its
// plan says; the plan travels in the path (/cb/{MsgId}).
func (r *rig) front(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/kf" {
		r.handler.ServeHTTP(w, req)
		return
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(req.URL.Path, "/cb/"), 10, 64)
	r.mu.Lock()
	r.attempt[id]++
	first := r.attempt[id] == 1
	f := r.faultOf[id]
	r.mu.Unlock()
	if !first {
		f = cbNone
	}
	switch f {
	case cbDrop:
		hijackClose(w)
	case cb500:
		w.WriteHeader(http.StatusInternalServerError)
	case cbDropAfter:
		r.handler.ServeHTTP(httptest.NewRecorder(), req)
		hijackClose(w)
	case cbSlowAfter:
		r.handler.ServeHTTP(httptest.NewRecorder(), req)
		t := time.NewTimer(2 * cbTimeout)
		defer t.Stop()
		select {
		case <-t.C:
		case <-req.Context().Done():
		}
	default:
		r.handler.ServeHTTP(w, req)
	}
}

func hijackClose(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// quiet returns the goroutine count once it has stopped falling for 100 ms (at most 2 s).
func quiet() int {
	n, since := runtime.NumGoroutine(), time.Now()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline) && time.Since(since) < 100*time.Millisecond; {
		time.Sleep(10 * time.Millisecond)
		if m := runtime.NumGoroutine(); m < n {
			n, since = m, time.Now()
		}
	}
	return n
}

// settle waits for the goroutine count to come back to before and returns how many are left.
func settle(before int) int {
	deadline := time.Now().Add(settleTimeout)
	for {
		n := runtime.NumGoroutine()
		if n <= before || time.Now().After(deadline) {
			return max(0, n-before)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// op is one intended operation of a round.
type op struct {
	kind string // "app", "robot", "kf", "callback"
	i    int
}

// round runs phase 1 (everything at once, under faults), then phase 2 (faults cleared: every
// app and kf send that returned an error is sent once more, with the same content and msgid,
// and every callback not acknowledged is delivered once more), then counts what arrived.
func (r *rig) round(t *testing.T, round, n int) counts {
	customers := (n + kfPerCustomer - 1) / kfPerCustomer
	for i := range customers {
		r.customerSays(t, customer(round, i), "hello")
	}
	var ops []op
	for _, kind := range []string{"app", "robot", "kf", "callback", "kfin"} {
		for i := range n {
			ops = append(ops, op{kind, i})
		}
	}
	r.chaos.mu.Lock()
	r.chaos.rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
	r.chaos.mu.Unlock()

	var (
		mu                  sync.Mutex
		appFailed, kfFailed []int
		robotErr            = map[int]bool{}
		kfErr               = map[int]bool{}
		cbNotAcked          []int
		ch                  = make(chan op)
		wg                  sync.WaitGroup
	)
	for range *flagWorkers {
		wg.Go(func() {
			for o := range ch {
				ctx, cancel := context.WithTimeout(context.Background(), r.chaos.opTimeout())
				var err error
				switch o.kind {
				case "app":
					r.chaos.maybe("/cgi-bin/message/send", true)
					err = r.sendApp(ctx, round, o.i)
					if err != nil {
						mu.Lock()
						appFailed = append(appFailed, o.i)
						mu.Unlock()
					}
				case "robot":
					r.chaos.maybe("/cgi-bin/webhook/send", false)
					err = r.robots[o.i%robotKeys].Send(ctx, messages.RobotText{Content: robotText(round, o.i)})
					if err != nil {
						mu.Lock()
						robotErr[o.i] = true
						mu.Unlock()
					}
				case "kf":
					r.chaos.maybe("/cgi-bin/kf/send_msg", true)
					err = r.sendKf(ctx, round, o.i)
					if err != nil {
						mu.Lock()
						kfErr[o.i] = true
						if !kfAuto(o.i) {
							kfFailed = append(kfFailed, o.i)
						}
						mu.Unlock()
					}
				case "kfin":
					r.chaos.maybe("/cgi-bin/kf/sync_msg", true)
					r.customerSays(t, customer(round, o.i%customers), fmt.Sprintf("soak customer r%d #%d", round, o.i))
				case "callback":
					err = r.deliver(ctx, round, o.i, r.chaos.callbackFault())
					if err != nil {
						mu.Lock()
						cbNotAcked = append(cbNotAcked, o.i)
						mu.Unlock()
					}
				}
				cancel()
				if err != nil {
					r.errs.record(o.kind, err)
				}
			}
		})
	}
	for _, o := range ops {
		ch <- o
	}
	close(ch)
	wg.Wait()

	// Phase 2: the caller's one resend of what failed, on a healthy platform.
	r.srv.ClearFaults()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	for _, i := range appFailed {
		if err := r.sendApp(ctx, round, i); err != nil {
			r.errs.record("app_resend", err)
		}
	}
	for _, i := range kfFailed {
		// A refused msgid means an earlier attempt delivered it: the answer the resend expects.
		if err := r.sendKf(ctx, round, i); err != nil && !errors.Is(err, customerservice.ErrDuplicateMsgID) {
			r.errs.record("kf_resend", err)
		}
	}
	for _, i := range cbNotAcked {
		if err := r.deliver(ctx, round, i, cbNone); err != nil {
			r.errs.record("callback_redeliver", err)
		}
	}
	// One more customer message makes a last callback pull whatever failed pulls left behind.
	r.customerSays(t, customer(round, 0), "soak bye")
	deadline := time.Now().Add(settleTimeout)
	for !r.kfAllHandled() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := r.handler.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	return r.count(t, round, n, robotErr, kfErr)
}

// customerSays has a customer write to the kf account, which the simulator announces with a
// kf_msg_or_event callback.
func (r *rig) customerSays(t *testing.T, customer, text string) {
	id, err := r.srv.CustomerSays(r.kfID, customer, text)
	if err != nil {
		t.Error(err)
		return
	}
	r.mu.Lock()
	r.kfWritten = append(r.kfWritten, id)
	r.mu.Unlock()
}

func (r *rig) kfAllHandled() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range r.kfWritten {
		if r.kfHandled[id] == 0 {
			return false
		}
	}
	return true
}

func (r *rig) sendApp(ctx context.Context, round, i int) error {
	_, err := r.apps[i%len(r.apps)].SendInParts(ctx, messages.SendParams{
		To:               messages.ToUsers(appRecipients(i)...),
		AgentID:          wecomtest.AgentID,
		Message:          messages.Text{Content: appText(round, i)},
		NoDuplicateCheck: r.noDupCheck,
	})
	return err
}

// sendKf sends kf message i: odd ones with a msgid the SDK generates, even ones with the
// caller's own msgid (which makes the caller's resend safe).
func (r *rig) sendKf(ctx context.Context, round, i int) error {
	p := customerservice.SendParams{
		OpenKfID:       r.kfID,
		ExternalUserID: customer(round, i/kfPerCustomer),
		Content:        customerservice.Text{Content: kfText(round, i)},
	}
	if !kfAuto(i) {
		p.MsgID = kfMsgID(round, i)
	}
	res, err := r.kf.Send(ctx, p)
	if err == nil && res.MsgID == "" {
		err = errors.New("kf send succeeded without a msgid") // untyped on purpose: counted as such
	}
	return err
}

func kfAuto(i int) bool          { return i%2 == 1 }
func kfText(round, i int) string { return fmt.Sprintf("soak kf r%d #%d", round, i) }

// deliver sends callback i of the round through the simulator, spoiled as f says.
func (r *rig) deliver(ctx context.Context, round, i int, f cbFault) error {
	id := callbackID(round, i)
	r.mu.Lock()
	if _, planned := r.faultOf[id]; !planned {
		r.faultOf[id] = f
	}
	r.mu.Unlock()
	cfg := wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey, Timeout: cbTimeout, Attempts: 4}
	target := r.recv.URL + "/cb/" + strconv.FormatInt(id, 10)
	plain := wecomtest.TextCallback(wecomtest.CorpID, appUser(i), wecomtest.AgentID, id, fmt.Sprintf("soak callback %d", id))
	once := func() error {
		d, err := r.srv.DeliverCallback(ctx, target, cfg, plain)
		if err == nil && !d.Acked {
			err = fmt.Errorf("delivery %d: no error but not acknowledged: %w", id, wecomtest.ErrCallbackNotAcked)
		}
		return err
	}
	switch f {
	case cbDuplicate:
		if err := once(); err != nil {
			return err
		}
		return once()
	case cbDuplicateParallel:
		errs := make(chan error, 2)
		for range 2 {
			go func() { errs <- once() }()
		}
		return errors.Join(<-errs, <-errs)
	}
	return once()
}

// count checks every intended message and callback of the round against what the simulator
// recorded.
func (r *rig) count(t *testing.T, round, n int, robotErr, kfErr map[int]bool) counts {
	var c counts
	tally := func(kind string, i, got int, mayBeAbsent bool) {
		c.intended++
		switch {
		case got == 1:
			c.delivered++
		case got == 0 && mayBeAbsent:
		case got == 0:
			c.lost++
			c.problems = append(c.problems, fmt.Sprintf("round %d: %s %d lost", round, kind, i))
		default:
			c.duplicates += got - 1
			c.problems = append(c.problems, fmt.Sprintf("round %d: %s %d delivered %d times", round, kind, i, got))
		}
	}

	// appSeen counts deliveries per (content, recipient).
	appSeen := map[[2]string]int{}
	var users []string
	for u := range 10 {
		users = append(users, appUser(u))
	}
	for k := range bigUsers {
		users = append(users, bigUser(k))
	}
	for _, u := range users {
		for _, m := range r.srv.Received(u) {
			var body struct{ Content string }
			if err := json.Unmarshal(m.Content, &body); err != nil {
				t.Fatal(err)
			}
			appSeen[[2]string{body.Content, u}]++
		}
	}
	for i := range n {
		// A message counts once per recipient: each must have it exactly once.
		for _, u := range appRecipients(i) {
			tally("app message to "+u, i, appSeen[[2]string{appText(round, i), u}], false)
		}
	}

	kfSeen := map[string]int{}
	for k := range (n + kfPerCustomer - 1) / kfPerCustomer {
		for _, d := range r.srv.KfReceived(r.kfID, customer(round, k)) {
			kfSeen[d.Text]++
		}
	}
	for i := range n {
		got := kfSeen[kfText(round, i)]
		if kfAuto(i) && kfErr[i] {
			// The SDK's own msgid is unknown after an error, so the caller cannot resend
			// safely: it may have arrived, never twice.
			c.kfAutoFailed++
		}
		tally("kf message", i, got, kfAuto(i) && kfErr[i])
	}

	robotSeen := map[string]int{}
	for _, key := range r.keys {
		for _, p := range r.srv.RobotPosts(key) {
			var body struct{ Content string }
			if err := json.Unmarshal(p.Content, &body); err != nil {
				t.Fatal(err)
			}
			robotSeen[body.Content]++
		}
	}
	for i := range n {
		got := robotSeen[robotText(round, i)]
		if robotErr[i] {
			c.robotFailed++
			c.robotArrivedAnyway += min(got, 1)
		}
		// A robot post that returned an error may or may not have arrived (never twice).
		tally("robot post", i, got, robotErr[i])
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	for i, id := range r.kfWritten {
		c.kfIn++
		c.kfInHandled += min(r.kfHandled[id], 1)
		tally("kf customer message "+id, i, r.kfHandled[id], false)
	}
	for id, got := range r.kfHandled {
		if got > 1 && !slices.Contains(r.kfWritten, id) {
			c.duplicates += got - 1
			c.problems = append(c.problems, fmt.Sprintf("kf msgid %s handled %d times", id, got))
		}
	}
	r.kfWritten = nil
	for i := range n {
		id := callbackID(round, i)
		c.callbacks++
		switch h := r.handled[id]; h {
		case 1:
			c.handled++
		default:
			c.problems = append(c.problems, fmt.Sprintf("round %d: callback %d handled %d times (plan %d, %d attempts)",
				round, id, h, r.faultOf[id], r.attempt[id]))
		}
	}
	return c
}

func (c *chaos) injected() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	sum := c.gettokenFaults
	for _, n := range c.n {
		sum += n
	}
	for f, n := range c.cb {
		if cbFault(f) != cbNone {
			sum += n
		}
	}
	return sum
}

func (c *chaos) describe() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for k, n := range c.n {
		parts = append(parts, fmt.Sprintf("%s=%d", faultNames[k], n))
	}
	cbNames := [numCBFaults]string{"clean", "drop", "drop_after", "slow_after", "500", "duplicate", "duplicate_parallel"}
	for k, n := range c.cb {
		parts = append(parts, fmt.Sprintf("cb_%s=%d", cbNames[k], n))
	}
	parts = append(parts, fmt.Sprintf("short_ctx=%d gettoken=%d app_func_failed=%d", c.shortCtx, c.gettokenFaults, c.handleFailures))
	return "soak faults injected: " + strings.Join(parts, " ")
}

func (t *tally) describe() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var parts []string
	for k, n := range t.typed {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

func appUser(i int) string { return fmt.Sprintf("soakuser%02d", i%10) }

// appRecipients is one user, or for every bigEvery-th message bigUsers users: more than one
// message/send call allows, so SendInParts splits it and a failure can hit one part.
func appRecipients(i int) []string {
	if i%bigEvery != bigEvery-1 {
		return []string{appUser(i)}
	}
	users := make([]string, bigUsers)
	for k := range users {
		users[k] = bigUser(k)
	}
	return users
}

func bigUser(k int) string          { return fmt.Sprintf("soakbig%04d", k) }
func appText(round, i int) string   { return fmt.Sprintf("soak app r%d #%d", round, i) }
func robotText(round, i int) string { return fmt.Sprintf("soak robot r%d #%d", round, i) }
func customer(round, k int) string  { return fmt.Sprintf("wmSoakR%dC%d", round, k) }
func kfMsgID(round, i int) string   { return fmt.Sprintf("soak_r%d_k%d", round, i) }
func callbackID(round, i int) int64 { return int64(round)*1_000_000 + int64(i) + 1 }
