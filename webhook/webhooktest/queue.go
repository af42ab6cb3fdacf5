// Package webhooktest checks implementations of the webhook package's interfaces: TestQueue
// is the behaviour every [webhook.Queue] must have, run from the implementation's own tests.
package webhooktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/webhook"
)

// visibility is the visibility timeout TestQueue asks newQueue for.
const visibility = 300 * time.Millisecond

// TestQueue checks the Queue contract on queues from newQueue, each new, empty and
// independent of the others (subtests run in parallel) with the given visibility timeout:
// entries come back in order with their fields intact and Attempt 1; Receive returns at most n,
// waits at most block and wakes up for an Enqueue; an acknowledged entry is never delivered
// again; one not acknowledged within the visibility timeout is delivered again, to any
// consumer, with Attempt 2; DeadLetter acknowledges (and, if the queue has a DeadLetters(ctx)
// ([]webhook.DeadLetter, error) method, lists the entry with its cause); several consumers
// share the work, and entries a crashed consumer held are not lost.
//
//	func TestRedisQueue(t *testing.T) {
//		webhooktest.TestQueue(t, func(t *testing.T, visibility time.Duration) webhook.Queue {
//			return newTestQueue(t, visibility)
//		})
//	}
func TestQueue(t *testing.T, newQueue func(t *testing.T, visibility time.Duration) webhook.Queue) {
	t.Run("EnqueueReceiveAck", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		q := newQueue(t, visibility)
		want := events("order", 3)
		for _, e := range want {
			if err := q.Enqueue(ctx, e); err != nil {
				t.Fatalf("Enqueue: %v", err)
			}
		}
		got := receiveN(ctx, t, q, "c1", 3)
		ids := map[string]bool{}
		for i, d := range got {
			if err := sameEvent(d.Event, want[i]); err != nil {
				t.Fatalf("entry %d: %v", i, err)
			}
			if d.Attempt != 1 || d.ID == "" || ids[d.ID] {
				t.Fatalf("entry %d: ID %q, Attempt %d; want a new ID and 1", i, d.ID, d.Attempt)
			}
			ids[d.ID] = true
			if err := q.Ack(ctx, d.ID); err != nil {
				t.Fatalf("Ack: %v", err)
			}
		}
		time.Sleep(visibility + 100*time.Millisecond)
		expectNone(ctx, t, q, "c2")
	})

	t.Run("ReceiveLimitAndBlock", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		q := newQueue(t, visibility)
		start := time.Now()
		ds, err := q.Receive(ctx, "c1", 10, 200*time.Millisecond)
		if err != nil || len(ds) != 0 || time.Since(start) > 2*time.Second {
			t.Fatalf("Receive on an empty queue: %d entries, %v after %v; want none within the block", len(ds), err, time.Since(start))
		}
		type result struct {
			ds  []webhook.Delivery
			err error
			at  time.Duration
		}
		res := make(chan result, 1)
		start = time.Now()
		go func() {
			ds, err := q.Receive(ctx, "c1", 2, 5*time.Second)
			res <- result{ds, err, time.Since(start)}
		}()
		time.Sleep(100 * time.Millisecond)
		for _, e := range events("wake", 3) {
			if err := q.Enqueue(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		r := <-res
		if r.err != nil || len(r.ds) == 0 || len(r.ds) > 2 || r.at > 3*time.Second {
			t.Fatalf("blocked Receive(n=2): %d entries, %v after %v; want 1 or 2 soon after the Enqueue", len(r.ds), r.err, r.at)
		}
		for _, d := range r.ds {
			_ = q.Ack(ctx, d.ID)
		}
	})

	t.Run("RedeliveryAfterVisibility", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		q := newQueue(t, visibility)
		e := events("crash", 1)[0]
		if err := q.Enqueue(ctx, e); err != nil {
			t.Fatal(err)
		}
		first := receiveN(ctx, t, q, "crashed", 1)[0]
		// Not acknowledged: invisible until the timeout, then delivered again to anyone.
		expectNone(ctx, t, q, "c2")
		time.Sleep(visibility)
		again := receiveN(ctx, t, q, "c2", 1)[0]
		if again.ID != first.ID || again.Attempt != 2 {
			t.Fatalf("redelivery: ID %q Attempt %d; want %q and 2", again.ID, again.Attempt, first.ID)
		}
		if err := sameEvent(again.Event, e); err != nil {
			t.Fatalf("redelivery: %v", err)
		}
		if err := q.Ack(ctx, again.ID); err != nil {
			t.Fatal(err)
		}
		time.Sleep(visibility + 100*time.Millisecond)
		expectNone(ctx, t, q, "c3")
	})

	t.Run("DeadLetter", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		q := newQueue(t, visibility)
		e := events("poison", 1)[0]
		if err := q.Enqueue(ctx, e); err != nil {
			t.Fatal(err)
		}
		d := receiveN(ctx, t, q, "c1", 1)[0]
		if err := q.DeadLetter(ctx, d, errors.New("boom: kept failing")); err != nil {
			t.Fatalf("DeadLetter: %v", err)
		}
		time.Sleep(visibility + 100*time.Millisecond)
		expectNone(ctx, t, q, "c2")
		lister, ok := q.(interface {
			DeadLetters(ctx context.Context) ([]webhook.DeadLetter, error)
		})
		if !ok {
			return
		}
		dead, err := lister.DeadLetters(ctx)
		if err != nil {
			t.Fatalf("DeadLetters: %v", err)
		}
		i := slices.IndexFunc(dead, func(dl webhook.DeadLetter) bool { return dl.Key == e.Key })
		if i < 0 {
			t.Fatalf("dead letters %+v miss %q", dead, e.Key)
		}
		if dl := dead[i]; !bytes.Equal(dl.Plaintext, e.Plaintext) || dl.ReceiveID != e.ReceiveID || dl.Err == nil ||
			!strings.Contains(dl.Err.Error(), "boom: kept failing") || dl.Attempts != d.Attempt {
			t.Fatalf("dead letter %+v", dl)
		}
	})

	t.Run("SharedNoLoss", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		q := newQueue(t, visibility)
		const n, producers = 200, 4
		all := events("shared", n)
		var wg sync.WaitGroup
		for p := range producers {
			wg.Go(func() {
				for i := p; i < n; i += producers {
					if err := q.Enqueue(ctx, all[i]); err != nil {
						t.Errorf("Enqueue: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		var (
			mu       sync.Mutex
			acked    = map[string]int{} // key -> acknowledgements
			perCons  = map[string]int{}
			reclaims int
		)
		done := func() bool {
			mu.Lock()
			defer mu.Unlock()
			return len(acked) == n
		}
		// A consumer that takes a batch and dies without acknowledging it.
		crashed, err := q.Receive(ctx, "crashed", 5, time.Second)
		if err != nil || len(crashed) == 0 {
			t.Fatalf("crashed consumer: %d entries, %v", len(crashed), err)
		}
		held := map[string]bool{}
		for _, d := range crashed {
			held[d.ID] = true
		}
		for c := range 3 {
			name := fmt.Sprintf("c%d", c)
			wg.Go(func() {
				for !done() && ctx.Err() == nil {
					ds, err := q.Receive(ctx, name, 5, 100*time.Millisecond)
					if err != nil {
						if ctx.Err() == nil {
							t.Errorf("Receive: %v", err)
						}
						return
					}
					for _, d := range ds {
						time.Sleep(time.Millisecond) // work, so that others get their turn
						if err := q.Ack(ctx, d.ID); err != nil {
							t.Errorf("Ack: %v", err)
							return
						}
						mu.Lock()
						acked[d.Event.Key]++
						perCons[name]++
						if held[d.ID] {
							if d.Attempt < 2 {
								t.Errorf("a crashed consumer's entry came back with Attempt %d", d.Attempt)
							}
							reclaims++
						}
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, e := range all {
			if acked[e.Key] != 1 {
				t.Errorf("%s handled %d times, want 1", e.Key, acked[e.Key])
			}
		}
		if reclaims != len(crashed) {
			t.Errorf("%d of the crashed consumer's %d entries came back", reclaims, len(crashed))
		}
		if busy := len(perCons); busy < 2 {
			t.Errorf("the work went to %d consumer(s): %v", busy, perCons)
		}
	})
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// events returns n distinct callbacks.
func events(prefix string, n int) []webhook.QueuedEvent {
	at := time.Now().Truncate(time.Millisecond)
	out := make([]webhook.QueuedEvent, n)
	for i := range out {
		out[i] = webhook.QueuedEvent{
			Key:        fmt.Sprintf("wecom:v1:cb:test:%s:%d", prefix, i),
			Plaintext:  fmt.Appendf(nil, "<xml><MsgType>event</MsgType><Event>%s</Event><Seq>%d</Seq></xml>", prefix, i),
			ReceiveID:  "wwqueuetest",
			ReceivedAt: at.Add(time.Duration(i) * time.Millisecond),
		}
	}
	return out
}

func sameEvent(got, want webhook.QueuedEvent) error {
	if got.Key != want.Key || !bytes.Equal(got.Plaintext, want.Plaintext) || got.ReceiveID != want.ReceiveID ||
		got.ReceivedAt.Sub(want.ReceivedAt).Abs() > time.Millisecond {
		return fmt.Errorf("got %+v, want %+v", got, want)
	}
	return nil
}

// receiveN receives until n entries came, in a few calls at most.
func receiveN(ctx context.Context, t *testing.T, q webhook.Queue, consumer string, n int) []webhook.Delivery {
	t.Helper()
	var out []webhook.Delivery
	for tries := 0; len(out) < n && tries < 20; tries++ {
		ds, err := q.Receive(ctx, consumer, n-len(out), 500*time.Millisecond)
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		if len(ds) > n-len(out) {
			t.Fatalf("Receive(n=%d) returned %d entries", n-len(out), len(ds))
		}
		out = append(out, ds...)
	}
	if len(out) != n {
		t.Fatalf("received %d entries, want %d", len(out), n)
	}
	return out
}

func expectNone(ctx context.Context, t *testing.T, q webhook.Queue, consumer string) {
	t.Helper()
	ds, err := q.Receive(ctx, consumer, 10, 50*time.Millisecond)
	if err != nil || len(ds) != 0 {
		t.Fatalf("Receive: %d entries (%+v), %v; want none", len(ds), ds, err)
	}
}
