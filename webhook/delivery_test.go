package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// mixedRun is the ledger of a run of many callbacks with faults.
type mixedRun struct {
	mu        sync.Mutex
	calls     map[int64]int // function calls per MsgId
	handled   map[int64]int // successful calls, plus dead letters recovered by the user
	recovered int
	dropped   map[int64]bool
}

func newMixedRun() *mixedRun {
	return &mixedRun{calls: map[int64]int{}, handled: map[int64]int{}, dropped: map[int64]bool{}}
}

// Faults by MsgId, on the first call only: 20% fail, a quarter run past the budget, a tenth
// lose their first connection (WeCom's timeout, or an answer lost on the way).
func failFirst(id int64) bool { return id%5 == 0 }
func slowFirst(id int64) bool { return id%4 == 1 }
func dropFirst(id int64) bool { return id%10 == 3 }

func (m *mixedRun) fn(slow time.Duration) func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
	return func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		m.mu.Lock()
		m.calls[ev.MsgID]++
		first := m.calls[ev.MsgID] == 1
		m.mu.Unlock()
		if first && slowFirst(ev.MsgID) {
			time.Sleep(slow)
		}
		if first && failFirst(ev.MsgID) {
			return nil, fmt.Errorf("message %d: first attempt failed", ev.MsgID)
		}
		m.mu.Lock()
		m.handled[ev.MsgID]++
		m.mu.Unlock()
		return nil, nil
	}
}

// deadLetter is the user's recovery: the dead letter is handled from its plaintext.
func (m *mixedRun) deadLetter(ctx context.Context, dl webhook.DeadLetter) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handled[dl.Event.EventHeader().MsgID]++
	m.recovered++
}

// dropper drops the first connection of the callbacks dropFirst picks: the Handler sees its
// request end after 30 ms, WeCom sees no answer.
func (m *mixedRun) dropper(c *webhook.Crypto, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		q := r.URL.Query()
		if env, err := c.DecryptEnvelope(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), body); err == nil {
			if ev, err := webhook.Parse(env.Plaintext); err == nil {
				id := ev.EventHeader().MsgID
				m.mu.Lock()
				drop := dropFirst(id) && !m.dropped[id]
				m.dropped[id] = true
				m.mu.Unlock()
				if drop {
					ctx, cancel := context.WithTimeout(r.Context(), 30*time.Millisecond)
					defer cancel()
					next.ServeHTTP(httptest.NewRecorder(), r.WithContext(ctx))
					panic(http.ErrAbortHandler)
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// deliverAll has the simulator deliver n text callbacks to url, 25 at a time, retrying like
// WeCom, and returns how many were acknowledged.
func deliverAll(t *testing.T, sim *wecomtest.Server, url string, n int) int {
	t.Helper()
	cfg := wecomtest.CallbackConfig{Token: token, EncodingAESKey: encodingAESKey, Timeout: 2 * time.Second}
	ids := make(chan int64)
	var acked sync.Map
	var wg sync.WaitGroup
	for range 25 {
		wg.Go(func() {
			for id := range ids {
				d, err := sim.DeliverCallback(context.Background(), url, cfg, wecomtest.TextCallback(wecomtest.CorpID, "LiLei", wecomtest.AgentID, id, "order"))

				if err != nil && !errors.Is(err, wecomtest.ErrCallbackNotAcked) {
					t.Errorf("deliver %d: %v", id, err)
				}
				if d.Acked {
					acked.Store(id, true)
				}
			}
		})
	}
	for id := range int64(n) {
		ids <- 1000 + id
	}
	close(ids)
	wg.Wait()
	count := 0
	acked.Range(func(k, v any) bool { count++; return true })
	return count
}

// check asserts handled == acked and no duplicates, and logs the ledger.
func (m *mixedRun) check(t *testing.T, n, acked int, extra string) {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	handled, duplicates := 0, 0
	for id := range int64(n) {
		if k := m.handled[1000+id]; k >= 1 {
			handled++
			duplicates += k - 1
			if k > 1 {
				t.Logf("message %d handled %d times in %d calls", 1000+id, k, m.calls[1000+id])
			}
		}
	}
	t.Logf("events=%d acked=%d handled=%d duplicates=%d recovered_dead_letters=%d %s", n, acked, handled, duplicates, m.recovered, extra)
	if acked != n || handled != acked || duplicates != 0 {
		t.Fatalf("acked %d of %d, handled %d, duplicates %d; want all acked, handled == acked, no duplicates", acked, n, handled, duplicates)
	}
}

// TestMixedRunHandledExactlyOnce: 500 callbacks through the Handler, 20% of first attempts
// failing, a quarter running past the budget, a tenth losing their first connection, WeCom's
// retries by the simulator. Every acknowledged callback is handled, once.
func TestMixedRunHandledExactlyOnce(t *testing.T) {
	t.Parallel()
	sim := wecomtest.NewServer()
	defer sim.Close()
	c := newCrypto(t)
	m := newMixedRun()
	h := webhook.NewHandler(c, webhook.WithStore(store.NewMemory()), webhook.WithAckBudget(200*time.Millisecond),
		webhook.WithDeadLetter(m.deadLetter))
	webhook.On(h, m.fn(300*time.Millisecond))
	srv := httptest.NewServer(m.dropper(c, h))
	defer srv.Close()
	const n = 500
	acked := deliverAll(t, sim, srv.URL, n)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	m.check(t, n, acked, "")
}

// TestMixedRunQueueHandledExactlyOnce: the same through the durable intake, with four
// workers, a visibility timeout shorter than the slow calls (their entries come back to other
// workers while they run) and WeCom redeliveries that queue a callback twice.
func TestMixedRunQueueHandledExactlyOnce(t *testing.T) {
	t.Parallel()
	sim := wecomtest.NewServer()
	defer sim.Close()
	c := newCrypto(t)
	m := newMixedRun()
	q := webhook.NewMemoryQueue(200 * time.Millisecond)
	intake := webhook.NewHandler(c, webhook.WithQueue(q), webhook.WithAckBudget(150*time.Millisecond))
	srv := httptest.NewServer(m.dropper(c, intake))
	defer srv.Close()
	workers := webhook.NewHandler(c, webhook.WithStore(store.NewMemory()), webhook.WithDeadLetter(m.deadLetter))
	webhook.On(workers, m.fn(300*time.Millisecond))
	const n = 500
	var acked int
	delivered := make(chan struct{})
	go func() { acked = deliverAll(t, sim, srv.URL, n); close(delivered) }()
	var allSince time.Time
	consume(t, workers, q, 4, webhook.ConsumeOptions{Block: 50 * time.Millisecond}, func() bool {
		select {
		case <-delivered:
		default:
			return false
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		if len(m.handled) < acked {
			return false
		}
		// Then a few visibility timeouts more, for any copy that would run twice.
		if allSince.IsZero() {
			allSince = time.Now()
		}
		return time.Since(allSince) > time.Second
	})
	dead, _ := q.DeadLetters(context.Background())
	m.check(t, n, acked, fmt.Sprintf("queue_dead_letters=%d", len(dead)))
	if len(dead) != 0 {
		t.Fatalf("%d entries dead-lettered", len(dead))
	}
}
