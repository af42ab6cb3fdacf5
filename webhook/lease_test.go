package webhook

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/store"
)

// serveDropped serves r with a connection WeCom drops after d (its timeout, or a dying
// process), and returns the answer the Handler wrote, which never reached WeCom.
func serveDropped(h http.Handler, r *http.Request, d time.Duration) *httptest.ResponseRecorder {
	ctx, cancel := context.WithTimeout(r.Context(), d)
	defer cancel()
	return serve(h, r.WithContext(ctx))
}

// waitHandler waits for the functions a test left running.
func waitHandler(t *testing.T, h *Handler) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

// blipStore fails the first Delete, like a store that drops one connection.
type blipStore struct {
	store.Store
	deletes atomic.Int32
}

func (s *blipStore) Delete(ctx context.Context, key string) error {
	if s.deletes.Add(1) == 1 {
		return errors.New("connection reset")
	}
	return s.Store.Delete(ctx, key)
}

// A function fails and the store blips when its dedupe key is released: the redelivery is
// still handled (the release is retried; failing that, the short lease expires).
func TestFailureWithStoreBlipRedeliveryHandled(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	st := &blipStore{Store: store.NewMemory()}
	h := NewHandler(c, WithStore(st))
	var calls, handled atomic.Int32
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		if calls.Add(1) == 1 {
			return nil, errors.New("database down")
		}
		handled.Add(1)
		return nil, nil
	})
	if w := serve(h, signedPost(t, c, testCorp, textXML("LiLei", "order 7", 7001))); w.Code != 500 {
		t.Fatalf("first delivery: %d, want 500", w.Code)
	}
	if st.deletes.Load() == 0 {
		t.Fatal("the key was not released")
	}
	// WeCom redelivers at once.
	if w := serve(h, signedPost(t, c, testCorp, textXML("LiLei", "order 7", 7001))); w.Code != 200 {
		t.Fatalf("redelivery: %d, want 200", w.Code)
	}
	if handled.Load() != 1 {
		t.Fatalf("handled %d times after the store blip, want 1", handled.Load())
	}
	waitHandler(t, h)
}

// A function that fails after the budget (its callback already acknowledged) goes to the
// dead-letter hook with the event, the plaintext and the error, and its key is released.
func TestLateFailureDeadLettered(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	mem := store.NewMemory()
	dead := make(chan DeadLetter, 2)
	h := NewHandler(c, WithStore(mem), WithAckBudget(50*time.Millisecond),
		WithDeadLetter(func(ctx context.Context, dl DeadLetter) { dead <- dl }))
	boom := errors.New("ERP timeout")
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		time.Sleep(150 * time.Millisecond)
		return nil, boom
	})
	pt := textXML("LiLei", "ship order 8", 8001)
	start := time.Now()
	if w := serve(h, signedPost(t, c, testCorp, pt)); w.Code != 200 || time.Since(start) > time.Second {
		t.Fatalf("answered %d after %v, want 200 at the budget", w.Code, time.Since(start))
	}
	waitHandler(t, h)
	select {
	case dl := <-dead:
		tm, ok := dl.Event.(*TextMessage)
		if !ok || tm.Content != "ship order 8" || string(dl.Plaintext) != pt || !errors.Is(dl.Err, boom) ||
			dl.ReceiveID != testCorp || dl.Attempts != 1 || dl.Key != DedupeKey(tm, dl.Plaintext, testCorp) {
			t.Fatalf("dead letter %+v", dl)
		}
		if _, err := mem.Get(context.Background(), dl.Key); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("key not released: %v", err)
		}
	default:
		t.Fatal("no dead letter for an acknowledged callback that failed")
	}
	if len(dead) != 0 {
		t.Fatal("dead-lettered twice")
	}
}

// deadProcessStore is the store as a process sees it that died right after claiming a key:
// nothing it would write later (renewals, the done mark, the release) arrives.
type deadProcessStore struct {
	store.Store
	dead atomic.Bool
}

func (s *deadProcessStore) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if s.dead.Load() {
		return false, errors.New("process dead")
	}
	ok, err := s.Store.SetNX(ctx, key, val, ttl)
	s.dead.Store(true)
	return ok, err
}

func (s *deadProcessStore) Get(context.Context, string) ([]byte, error) {
	return nil, errors.New("process dead")
}

func (s *deadProcessStore) Set(context.Context, string, []byte, time.Duration) error {
	return errors.New("process dead")
}

func (s *deadProcessStore) Delete(context.Context, string) error { return errors.New("process dead") }

// A process dies mid-function, before answering: the redelivery to a sibling is not answered
// as a duplicate; once the dead process's lease has expired the sibling handles it.
func TestProcessDeathRedeliveryTakesOver(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	mem := store.NewMemory()
	dying := NewHandler(c, WithStore(&deadProcessStore{Store: mem}), WithAckBudget(100*time.Millisecond))
	hang := make(chan struct{})
	On(dying, func(ctx context.Context, ev *TextMessage) (Reply, error) { <-hang; return nil, nil })
	defer func() { close(hang); waitHandler(t, dying) }()
	sibling := NewHandler(c, WithStore(mem), WithAckBudget(200*time.Millisecond))
	var handled atomic.Int32
	On(sibling, func(ctx context.Context, ev *TextMessage) (Reply, error) { handled.Add(1); return nil, nil })

	pt := textXML("LiLei", "crash me", 9001)
	claimed := time.Now()
	serveDropped(dying, signedPost(t, c, testCorp, pt), 50*time.Millisecond) // the process dies
	// WeCom's next delivery reaches the sibling while the dead process's lease still lives.
	if w := serve(sibling, signedPost(t, c, testCorp, pt)); w.Code == 200 {
		t.Fatalf("redelivery during the lease answered 200 (handled %d): a duplicate answer loses the callback", handled.Load())
	}
	// Later deliveries take over once the lease has expired.
	for handled.Load() == 0 && time.Since(claimed) < 5*time.Second {
		time.Sleep(200 * time.Millisecond)
		if w := serve(sibling, signedPost(t, c, testCorp, pt)); w.Code == 200 && handled.Load() == 0 {
			t.Fatal("a redelivery was answered as a duplicate of a callback no one handled")
		}
	}
	if handled.Load() != 1 {
		t.Fatalf("handled %d times after the process died, want 1", handled.Load())
	}
	if d := time.Since(claimed); d < dying.leaseTTL-200*time.Millisecond {
		t.Fatalf("taken over after %v, before the lease (%v) expired", d, dying.leaseTTL)
	}
	// And now it is done: a further redelivery is a duplicate.
	if w := serve(sibling, signedPost(t, c, testCorp, pt)); w.Code != 200 || handled.Load() != 1 {
		t.Fatalf("after handling: %d, handled %d", w.Code, handled.Load())
	}
}

// WeCom's connection drops while the function runs, and the function then fails: the
// redelivery, arriving meanwhile, waits for the outcome and takes over.
func TestDroppedConnectionThenFailureHandledOnRedelivery(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c, WithAckBudget(2*time.Second))
	var calls, handled atomic.Int32
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		if calls.Add(1) == 1 {
			time.Sleep(200 * time.Millisecond)
			return nil, errors.New("downstream failed")
		}
		handled.Add(1)
		return TextReply{Content: "done"}, nil
	})
	pt := textXML("LiLei", "drop me", 9101)
	serveDropped(h, signedPost(t, c, testCorp, pt), 50*time.Millisecond)
	w := serve(h, signedPost(t, c, testCorp, pt))
	if w.Code != 200 || handled.Load() != 1 || calls.Load() != 2 {
		t.Fatalf("redelivery: %d, handled %d, calls %d; want 200, 1, 2", w.Code, handled.Load(), calls.Load())
	}
	if tm, ok := decryptReply(t, c, w.Body.Bytes()).(*TextMessage); !ok || tm.Content != "done" {
		t.Fatalf("reply %q", w.Body)
	}
	waitHandler(t, h)
}

// A redelivery that meets a live lease of a function that then succeeds gets the same answer
// and does not run the function again.
func TestRedeliveryDuringLeaseGetsTheOutcome(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c, WithAckBudget(2*time.Second))
	var calls atomic.Int32
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		calls.Add(1)
		time.Sleep(150 * time.Millisecond)
		return TextReply{Content: "once"}, nil
	})
	pt := textXML("LiLei", "slow", 9201)
	serveDropped(h, signedPost(t, c, testCorp, pt), 30*time.Millisecond)
	w := serve(h, signedPost(t, c, testCorp, pt))
	if tm, ok := decryptReply(t, c, w.Body.Bytes()).(*TextMessage); w.Code != 200 || !ok || tm.Content != "once" || calls.Load() != 1 {
		t.Fatalf("redelivery: %d %q, calls %d", w.Code, w.Body, calls.Load())
	}
	waitHandler(t, h)
}

// A hung function's context ends at the handler timeout; Wait returns when its own context
// ends, and once the function is given up.
func TestHungFunctionDeadlineAndWait(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	dead := make(chan DeadLetter, 1)
	h := NewHandler(c, WithAckBudget(50*time.Millisecond), WithHandlerTimeout(200*time.Millisecond),
		WithDeadLetter(func(ctx context.Context, dl DeadLetter) { dead <- dl }))
	hang := make(chan struct{})
	defer close(hang)
	type seen struct {
		deadline time.Time
		ok       bool
		err      error
	}
	got := make(chan seen, 1)
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		var s seen
		s.deadline, s.ok = ctx.Deadline()
		select {
		case <-ctx.Done():
			s.err = ctx.Err()
		case <-time.After(2 * time.Second):
		}
		got <- s
		<-hang // ignores its context from here on
		return nil, nil
	})
	start := time.Now()
	if w := serve(h, signedPost(t, c, testCorp, textXML("LiLei", "hang", 9301))); w.Code != 200 {
		t.Fatalf("%d", w.Code)
	}
	s := <-got
	if !s.ok || s.deadline.Sub(start) > 250*time.Millisecond || !errors.Is(s.err, context.DeadlineExceeded) {
		t.Fatalf("function context: deadline %v (set %v), err %v; want one 200 ms out", s.deadline.Sub(start), s.ok, s.err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	waitStart := time.Now()
	if err := h.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) || time.Since(waitStart) > time.Second {
		t.Fatalf("Wait with a short context: %v after %v", err, time.Since(waitStart))
	}
	// Given up a second after its deadline: Wait returns, the callback is dead-lettered.
	waitHandler(t, h)
	select {
	case dl := <-dead:
		if !errors.Is(dl.Err, context.DeadlineExceeded) {
			t.Fatalf("dead letter error %v", dl.Err)
		}
	default:
		t.Fatal("the hung function's callback was not dead-lettered")
	}
}

// A captured callback replayed after its dedupe key expired is refused by the default
// timestamp window.
func TestReplayAfterDedupeTTLRefused(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c)
	var handled atomic.Int32
	On(h, func(ctx context.Context, ev *UserCreated) (Reply, error) { handled.Add(1); return nil, nil })
	captured := signedPost(t, c, testCorp, contactXML("replayed"))
	body, _ := bytesOf(captured)
	replay := func() int {
		r := httptest.NewRequest(http.MethodPost, captured.URL.RequestURI(), strings.NewReader(body))
		return serve(h, r).Code
	}
	if code := replay(); code != 200 || handled.Load() != 1 {
		t.Fatalf("first delivery: %d, handled %d", code, handled.Load())
	}
	// The dedupe TTL passes: the key is gone.
	h.store = store.NewMemory()
	h.now = func() time.Time { return time.Now().Add(DefaultDedupeTTL + time.Second) }
	if code := replay(); code != 403 || handled.Load() != 1 {
		t.Fatalf("replay after the dedupe TTL: %d, handled %d; want 403, 1", code, handled.Load())
	}
}

func bytesOf(r *http.Request) (string, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(r.Body)
	return b.String(), err
}

// Store down: the function still runs, but a callback is acknowledged only if it succeeded
// within the budget; the answer comes within the budget even when the store hangs.
func TestStoreDownAcknowledgesOnlyHandled(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	for name, st := range map[string]store.Store{"failing": failingStore{store.NewMemory()}, "hung": hungStore{}} {
		h := NewHandler(c, WithStore(st), WithAckBudget(300*time.Millisecond))
		var finished atomic.Int32
		On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
			if ev.Content == "slow" {
				time.Sleep(500 * time.Millisecond)
			}
			finished.Add(1)
			return nil, nil
		})
		for _, tc := range []struct {
			content string
			want    int
		}{{"fast", 200}, {"slow", 503}} {
			start := time.Now()
			w := serve(h, signedPost(t, c, testCorp, textXML("LiLei", tc.content, 9400)))
			if w.Code != tc.want || time.Since(start) > time.Second { // the 300 ms budget plus slack for a loaded machine
				t.Errorf("%s store, %s function: %d after %v; want %d within the budget", name, tc.content, w.Code, time.Since(start), tc.want)
			}
		}
		waitHandler(t, h)
		if finished.Load() != 2 {
			t.Errorf("%s store: %d functions finished, want 2", name, finished.Load())
		}
	}
}

// An Encrypt split into several CDATA sections is refused before the signature is checked,
// even when the signature covers the joined text.
func TestSegmentedEncryptRefused(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c)
	var calls atomic.Int32
	h.OnAny(func(ctx context.Context, ev Event) (Reply, error) { calls.Add(1); return nil, nil })
	enc, _ := c.Encrypt([]byte(textXML("LiLei", "split", 9500)), testCorp)
	tsStr := strconv.FormatInt(time.Now().Unix(), 10)
	query := "msg_signature=" + c.Sign(tsStr, "2", enc) + "&timestamp=" + tsStr + "&nonce=2"
	for _, body := range []string{
		"<xml><Encrypt><![CDATA[" + enc[:10] + "]]><![CDATA[" + enc[10:] + "]]></Encrypt></xml>",
		"<xml><Encrypt>" + enc[:10] + "<!-- -->" + enc[10:] + "</Encrypt></xml>",
	} {
		w := serve(h, httptest.NewRequest(http.MethodPost, "/cb?"+query, strings.NewReader(body)))
		if w.Code != 400 {
			t.Errorf("segmented Encrypt answered %d, want 400", w.Code)
		}
		if _, err := c.Decrypt(c.Sign(tsStr, "2", enc), tsStr, "2", []byte(body)); !errors.Is(err, ErrParseXML) || !strings.Contains(err.Error(), "segments") {
			t.Errorf("Decrypt: %v, want ErrParseXML about segments", err)
		}
	}
	whole := "<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	if w := serve(h, httptest.NewRequest(http.MethodPost, "/cb?"+query, strings.NewReader(whole))); w.Code != 200 || calls.Load() != 1 {
		t.Fatalf("the same ciphertext in one piece: %d, calls %d", w.Code, calls.Load())
	}
}

// A 1 MiB hostile body (Encrypt in tiny pieces) is refused in well under 100 ms, and within
// 10x of the time a normal 1 MiB body takes to be refused for its signature.
func TestHostileEnvelopeLinear(t *testing.T) {
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c)
	const size = DefaultBodyLimit
	var hostile bytes.Buffer
	hostile.WriteString("<xml><Encrypt>")
	for hostile.Len() < size-64 {
		hostile.WriteString("a<![CDATA[b]]>")
	}
	hostile.WriteString("</Encrypt></xml>")
	normal := "<xml><Encrypt><![CDATA[" + strings.Repeat("A", size-64) + "]]></Encrypt></xml>"
	query := "/cb?msg_signature=" + strings.Repeat("0", 40) + "&timestamp=" + strconv.FormatInt(time.Now().Unix(), 10) + "&nonce=1"
	best := func(body string, want int) time.Duration {
		d := time.Duration(1 << 62)
		for range 5 {
			r := httptest.NewRequest(http.MethodPost, query, strings.NewReader(body))
			start := time.Now()
			w := serve(h, r)
			d = min(d, time.Since(start))
			if w.Code != want {
				t.Fatalf("answered %d, want %d", w.Code, want)
			}
		}
		return d
	}
	base := best(normal, 403)
	d := best(hostile.String(), 400)
	t.Logf("hostile 1 MiB body refused in %v; a normal one in %v", d, base)
	// Relative to the same-size normal body, measured in the same run (absolute times mean
	// little under -race on a loaded machine); the quadratic parse took thousands of times longer.
	if d > 10*base {
		t.Fatalf("hostile 1 MiB body took %v; a normal 1 MiB body %v", d, base)
	}
}

// A function running past the lease TTL keeps its lease by renewing it; the done mark
// replaces it after success.
func TestLeaseValuesAndRenewal(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	mem := store.NewMemory()
	h := NewHandler(c, WithStore(mem), WithAckBudget(30*time.Millisecond))
	h.leaseTTL = 150 * time.Millisecond
	release := make(chan struct{})
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		<-release
		return nil, nil
	})
	pt := textXML("LiLei", "renew", 9600)
	ev, _ := Parse([]byte(pt))
	key := DedupeKey(ev, []byte(pt), testCorp)
	if w := serve(h, signedPost(t, c, testCorp, pt)); w.Code != 200 {
		t.Fatalf("%d", w.Code)
	}
	// Well past the lease TTL, the running function still holds its (renewed) lease.
	time.Sleep(400 * time.Millisecond)
	during, _ := mem.Get(context.Background(), key)
	if !isLease(during) {
		t.Fatalf("while running: %q, want a live lease", during)
	}
	close(release)
	waitHandler(t, h)
	if v, _ := mem.Get(context.Background(), key); string(v) != doneMark {
		t.Fatalf("after success: %q, want the done mark", v)
	}
}

// Wait may run while new deliveries start their background work (a redelivery during
// shutdown): no race, and Wait returns once the count is back at zero.
func TestWaitWhileWorkStarts(t *testing.T) {
	t.Parallel()
	var f inflight
	release := make(chan struct{})
	f.add()
	idle := f.idle()
	for i := 0; i < 50; i++ {
		f.add()
		go func() {
			<-release
			f.done()
		}()
		go func() { <-f.idle() }()
	}
	select {
	case <-idle:
		t.Fatal("idle before the work ended")
	default:
	}
	close(release)
	f.done()
	select {
	case <-idle:
	case <-time.After(5 * time.Second):
		t.Fatal("idle never closed")
	}
	select {
	case <-f.idle():
	default:
		t.Fatal("idle with nothing running is not closed at once")
	}
}
