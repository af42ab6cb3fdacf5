package webhook_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/webhook/webhooktest"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestMemoryQueue(t *testing.T) {
	t.Parallel()
	webhooktest.TestQueue(t, func(t *testing.T, visibility time.Duration) webhook.Queue {
		return webhook.NewMemoryQueue(visibility)
	})
}

func newCrypto(t *testing.T) *webhook.Crypto {
	t.Helper()
	c, err := webhook.NewCrypto(token, encodingAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// brokenQueue fails or hangs on Enqueue, like a queue whose server is down.
type brokenQueue struct {
	webhook.Queue
	hang bool
}

func (q brokenQueue) Enqueue(ctx context.Context, e webhook.QueuedEvent) error {
	if q.hang {
		select {} // ignores its context, too
	}
	return errors.New("queue down")
}

// The durable intake acknowledges a callback only once the queue has it: a queue that fails
// or hangs gets the callback redelivered, answered within the budget each time.
func TestQueueIntakeAcknowledgesOnlyDurable(t *testing.T) {
	t.Parallel()
	sim := wecomtest.NewServer()
	defer sim.Close()
	cfg := wecomtest.CallbackConfig{Token: token, EncodingAESKey: encodingAESKey, Timeout: 2 * time.Second}
	for name, q := range map[string]webhook.Queue{"failing": brokenQueue{}, "hung": brokenQueue{hang: true}} {
		h := webhook.NewHandler(newCrypto(t), webhook.WithQueue(q), webhook.WithAckBudget(200*time.Millisecond))
		srv := httptest.NewServer(h)
		d, err := sim.DeliverCallback(context.Background(), srv.URL, cfg, wecomtest.TextCallback(wecomtest.CorpID, "LiLei", wecomtest.AgentID, 1, "x"))
		srv.Close()
		if !errors.Is(err, wecomtest.ErrCallbackNotAcked) || d.Acked || len(d.Attempts) != 4 {
			t.Fatalf("%s queue: acked %v, %d attempts, %v", name, d.Acked, len(d.Attempts), err)
		}
		for _, a := range d.Attempts {
			if a.Status != 503 || a.Duration > time.Second {
				t.Fatalf("%s queue: attempt answered %d after %v, want 503 within the budget", name, a.Status, a.Duration)
			}
		}
	}

	q := webhook.NewMemoryQueue(time.Second)
	intake := webhook.NewHandler(newCrypto(t), webhook.WithQueue(q))
	var inRequest atomic.Int32
	webhook.On(intake, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		inRequest.Add(1)
		return nil, nil
	})
	srv := httptest.NewServer(intake)
	defer srv.Close()
	d, err := sim.DeliverCallback(context.Background(), srv.URL, cfg, wecomtest.TextCallback(wecomtest.CorpID, "LiLei", wecomtest.AgentID, 2, "queued"))
	if err != nil || !d.Acked || len(d.Attempts) != 1 || inRequest.Load() != 0 {
		t.Fatalf("acked %v after %d attempts (%v); %d functions ran in the request", d.Acked, len(d.Attempts), err, inRequest.Load())
	}
	ds, err := q.Receive(context.Background(), "w", 10, 0)
	if err != nil || len(ds) != 1 || string(ds[0].Event.Plaintext) != string(d.Plaintext) || ds[0].Event.ReceiveID != wecomtest.CorpID || ds[0].Event.Key == "" {
		t.Fatalf("queued %+v, %v", ds, err)
	}
}

// consume runs h.Consume on q until stop returns true or 10 s pass.
func consume(t *testing.T, h *webhook.Handler, q webhook.Queue, workers int, opts webhook.ConsumeOptions, stop func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			if err := h.Consume(ctx, q, "worker-"+string(rune('a'+i)), opts); !errors.Is(err, context.Canceled) {
				t.Errorf("Consume returned %v, want context.Canceled", err)
			}
		})
	}
	for !stop() && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	if ctx.Err() != nil {
		t.Error("consume: gave up after 10 s")
	}
	cancel()
	wg.Wait()
}

func queued(t *testing.T, q webhook.Queue, plaintext []byte) {
	t.Helper()
	ev, err := webhook.Parse(plaintext)
	if err != nil {
		t.Fatal(err)
	}
	e := webhook.QueuedEvent{Key: webhook.DedupeKey(ev, plaintext, wecomtest.CorpID), Plaintext: plaintext, ReceiveID: wecomtest.CorpID, ReceivedAt: time.Now()}
	if err := q.Enqueue(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// Consume retries a failing entry after the visibility timeout, dead-letters it after
// MaxAttempts deliveries (queue and hook), handles a copy of a handled callback once, takes
// over a crashed worker's entry, and dead-letters what does not parse at once.
func TestConsume(t *testing.T) {
	t.Parallel()
	q := webhook.NewMemoryQueue(50 * time.Millisecond)
	var hooked []webhook.DeadLetter
	var mu sync.Mutex
	h := webhook.NewHandler(newCrypto(t), webhook.WithStore(store.NewMemory()), webhook.WithDeadLetter(func(ctx context.Context, dl webhook.DeadLetter) {
		mu.Lock()
		hooked = append(hooked, dl)
		mu.Unlock()
	}))
	var mu2 sync.Mutex
	calls := map[string]int{}
	handled := map[string]int{}
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("no deadline on the function's context")
		}
		mu2.Lock()
		defer mu2.Unlock()
		calls[ev.Content]++
		switch {
		case ev.Content == "poison":
			return nil, errors.New("always fails")
		case ev.Content == "flaky" && calls[ev.Content] < 3:
			return nil, errors.New("fails twice")
		}
		handled[ev.Content]++
		return webhook.TextReply{Content: "dropped"}, nil
	})
	queued(t, q, wecomtest.TextCallback(wecomtest.CorpID, "u", 1, 4, "crash"))
	queued(t, q, wecomtest.TextCallback(wecomtest.CorpID, "u", 1, 1, "poison"))
	queued(t, q, wecomtest.TextCallback(wecomtest.CorpID, "u", 1, 2, "flaky"))
	queued(t, q, wecomtest.TextCallback(wecomtest.CorpID, "u", 1, 3, "twice"))
	queued(t, q, wecomtest.TextCallback(wecomtest.CorpID, "u", 1, 3, "twice")) // WeCom redelivered it
	if err := q.Enqueue(context.Background(), webhook.QueuedEvent{Key: "k", Plaintext: []byte("not xml"), ReceiveID: wecomtest.CorpID}); err != nil {
		t.Fatal(err)
	}
	// A worker takes the first entry and dies.
	if ds, err := q.Receive(context.Background(), "dead-worker", 1, 0); err != nil || len(ds) != 1 {
		t.Fatalf("%d %v", len(ds), err)
	}
	consume(t, h, q, 2, webhook.ConsumeOptions{Batch: 2, Block: 20 * time.Millisecond}, func() bool {
		mu.Lock()
		defer mu.Unlock()
		mu2.Lock()
		defer mu2.Unlock()
		return len(hooked) == 2 && handled["flaky"] == 1 && handled["twice"] == 1 && handled["crash"] == 1
	})
	mu2.Lock()
	defer mu2.Unlock()
	// Five deliveries of poison; a delivery that meets the previous attempt's lease still being
	// released (a loaded machine) counts without calling the function, so at most five calls.
	if calls["poison"] < 1 || calls["poison"] > 5 || calls["flaky"] != 3 || handled["twice"] != 1 || handled["crash"] != 1 {
		t.Fatalf("calls %v, handled %v", calls, handled)
	}
	dead, _ := q.DeadLetters(context.Background())
	if len(dead) != 2 {
		t.Fatalf("dead letters %+v", dead)
	}
	for _, dl := range dead {
		switch {
		case dl.Event == nil:
			if string(dl.Plaintext) != "not xml" || !errors.Is(dl.Err, webhook.ErrParseXML) {
				t.Errorf("unparsable entry: %+v", dl)
			}
		default:
			if tm, ok := dl.Event.(*webhook.TextMessage); !ok || tm.Content != "poison" || dl.Attempts != 5 || dl.Err == nil {
				t.Errorf("poison entry: %+v", dl)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooked) != 2 {
		t.Fatalf("hook saw %d dead letters", len(hooked))
	}
	if ds, _ := q.Receive(context.Background(), "late", 10, 100*time.Millisecond); len(ds) != 0 {
		t.Fatalf("%d entries left", len(ds))
	}
}
