package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/webhook"
)

func newTestQueue(t testing.TB, rdb redis.UniversalClient, visibility time.Duration, opts ...QueueOption) *Queue {
	t.Helper()
	q, err := NewQueue(rdb, "cb", "workers", append([]QueueOption{WithVisibilityTimeout(visibility)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func queuedEvent(i int) webhook.QueuedEvent {
	return webhook.QueuedEvent{Key: "k" + itoa(i), Plaintext: []byte("<xml>" + itoa(i) + "</xml>"),
		ReceiveID: "ww1", ReceivedAt: time.Unix(1700000000, int64(i)).UTC()}
}

func enqueue(t testing.TB, ctx context.Context, q *Queue, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := q.Enqueue(ctx, queuedEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func receive(t testing.TB, ctx context.Context, q *Queue, consumer string, n int, block time.Duration) []webhook.Delivery {
	t.Helper()
	ds, err := q.Receive(ctx, consumer, n, block)
	if err != nil {
		t.Fatalf("receive for %s: %v", consumer, err)
	}
	return ds
}

// keysOf lists the events' keys with their attempts, for comparisons.
func keysOf(ds []webhook.Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s#%d", d.Event.Key, d.Attempt))
	}
	slices.Sort(out)
	return out
}

// TestQueueReclaimsDeadWorker: entries a worker received and never acknowledged (it died) stay
// with it during the visibility timeout, then go to another consumer with Attempt 2; entries
// nobody received are not held back meanwhile.
func TestQueueReclaimsDeadWorker(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 20*time.Second)
	const visibility = time.Second // ample for the calls before it ends, even under load
	q := newTestQueue(t, r.Client(t), visibility)
	enqueue(t, ctx, q, 0, 3)

	dead := receive(t, ctx, q, "dead", 2, 0)
	if got := keysOf(dead); !slices.Equal(got, []string{"k0#1", "k1#1"}) {
		t.Fatalf("first worker received %q", got)
	}
	start := time.Now()
	fresh := receive(t, ctx, q, "live", 5, 0)
	if got := keysOf(fresh); !slices.Equal(got, []string{"k2#1"}) {
		t.Fatalf("second worker received %q before the visibility timeout, want only k2#1", got)
	}
	if err := q.Ack(ctx, fresh[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := receive(t, ctx, q, "live", 5, 50*time.Millisecond); len(got) != 0 && time.Since(start) < visibility {
		t.Fatalf("the dead worker's entries went to another consumer before the visibility timeout: %q", keysOf(got))
	}
	time.Sleep(visibility - time.Since(start))
	back := receive(t, ctx, q, "live", 5, 0)
	if got := keysOf(back); !slices.Equal(got, []string{"k0#2", "k1#2"}) {
		t.Fatalf("after the visibility timeout the live worker received %q, want k0#2 k1#2", got)
	}
	if back[0].Event.ReceiveID != "ww1" || string(back[0].Event.Plaintext) != "<xml>"+back[0].Event.Key[1:]+"</xml>" {
		t.Fatalf("reclaimed event %+v", back[0].Event)
	}
	for _, d := range back {
		if err := q.Ack(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
	}
	// The dead worker's late ack of an entry someone else handled is harmless.
	if err := q.Ack(ctx, dead[0].ID); err != nil {
		t.Fatalf("second ack: %v", err)
	}
	rdb := r.Client(t)
	if n, _ := rdb.XLen(ctx, "cb").Result(); n != 0 {
		t.Fatalf("stream holds %d entries after every ack, want 0", n)
	}
	if p, _ := rdb.XPending(ctx, "cb", "workers").Result(); p.Count != 0 {
		t.Fatalf("%d entries still pending after every ack", p.Count)
	}
}

// TestQueueClaimRace: consumers racing for the same idle entries each get a distinct share,
// and every entry's Attempt is exactly its delivery count.
func TestQueueClaimRace(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 20*time.Second)
	// A round takes well under the visibility timeout, even on a loaded machine: within a
	// round no entry may come back.
	const visibility, n = time.Second, 200
	q := newTestQueue(t, r.Client(t), visibility)
	enqueue(t, ctx, q, 0, n)
	for round := 1; round <= 2; round++ {
		var (
			mu  sync.Mutex
			got []webhook.Delivery
			wg  sync.WaitGroup
		)
		for w := range 8 {
			wg.Go(func() {
				// Each worker uses its own Queue, as separate processes would.
				wq := newTestQueue(t, r.Client(t), visibility)
				for {
					ds := receive(t, ctx, wq, "w"+itoa(w), 7, 0)
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					got = append(got, ds...)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, d := range got {
			if seen[d.ID] {
				t.Fatalf("round %d: entry %s delivered twice", round, d.ID)
			}
			seen[d.ID] = true
			if d.Attempt != round {
				t.Fatalf("round %d: entry %s has Attempt %d", round, d.ID, d.Attempt)
			}
		}
		if len(seen) != n {
			t.Fatalf("round %d: %d of %d entries delivered", round, len(seen), n)
		}
		time.Sleep(visibility) // nobody acked: all are claimable again
	}
}

// TestQueueDeadLetter: an entry that fails on every attempt is moved, after the third, to the
// dead-letter stream with its error, attempt and event, and leaves the queue.
func TestQueueDeadLetter(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 20*time.Second)
	const visibility, maxAttempts = 50 * time.Millisecond, 3
	q := newTestQueue(t, r.Client(t), visibility)
	enqueue(t, ctx, q, 7, 8)
	var last webhook.Delivery
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		var ds []webhook.Delivery
		for len(ds) == 0 { // wait out the visibility timeout
			ds = receive(t, ctx, q, "w"+itoa(attempt%2), 1, 20*time.Millisecond)
		}
		if ds[0].Attempt != attempt {
			t.Fatalf("delivery %d has Attempt %d", attempt, ds[0].Attempt)
		}
		last = ds[0]
	}
	cause := fmt.Errorf("crm down: %w", errors.New("503"))
	if err := q.DeadLetter(ctx, last, cause); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * visibility)
	if ds := receive(t, ctx, q, "w0", 1, 0); len(ds) != 0 {
		t.Fatalf("a dead-lettered entry was delivered again: %q", keysOf(ds))
	}
	rdb := r.Client(t)
	if n, _ := rdb.XLen(ctx, "cb").Result(); n != 0 {
		t.Fatalf("the queue's stream still holds %d entries", n)
	}
	dead, err := rdb.XRange(ctx, "cb:dead", "-", "+").Result()
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead-letter stream: %v, %v", dead, err)
	}
	v := dead[0].Values
	want := map[string]string{"key": "k7", "plaintext": "<xml>7</xml>", "receive_id": "ww1", "id": last.ID,
		"attempt": "3", "error": "crm down: 503", "received_at": "2023-11-14T22:13:20.000000007Z"}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("dead letter %s = %q, want %q", k, v[k], w)
		}
	}
	if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v["failed_at"])); err != nil {
		t.Errorf("dead letter failed_at = %q", v["failed_at"])
	}
	dls, err := q.DeadLetters(ctx)
	if err != nil || len(dls) != 1 {
		t.Fatalf("DeadLetters: %+v, %v", dls, err)
	}
	if dl := dls[0]; dl.Key != "k7" || string(dl.Plaintext) != "<xml>7</xml>" || dl.ReceiveID != "ww1" ||
		dl.Attempts != 3 || dl.Err == nil || dl.Err.Error() != "crm down: 503" {
		t.Fatalf("DeadLetters()[0] = %+v", dl)
	}
}

// TestQueueEnqueueBeforeGroup: events enqueued before any worker started (no stream, no group
// yet) are delivered; so are events enqueued after an operator deleted the stream.
func TestQueueEnqueueBeforeGroup(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 20*time.Second)
	q := newTestQueue(t, r.Client(t), time.Minute)
	enqueue(t, ctx, q, 0, 2)
	if got := keysOf(receive(t, ctx, q, "w", 5, 0)); !slices.Equal(got, []string{"k0#1", "k1#1"}) {
		t.Fatalf("received %q, want the two events enqueued before the group existed", got)
	}
	if err := r.Client(t).Del(ctx, "cb").Err(); err != nil {
		t.Fatal(err)
	}
	enqueue(t, ctx, q, 2, 3)
	if got := keysOf(receive(t, ctx, q, "w", 5, 0)); !slices.Equal(got, []string{"k2#1"}) {
		t.Fatalf("after the stream was deleted: received %q, want k2#1", got)
	}
}

// TestQueueMaxBacklog: a full queue refuses new events until one is acknowledged.
func TestQueueMaxBacklog(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 20*time.Second)
	q := newTestQueue(t, r.Client(t), time.Minute, WithMaxBacklog(2))
	enqueue(t, ctx, q, 0, 2)
	ds := receive(t, ctx, q, "w", 1, 0) // delivered but not acknowledged: still counts
	if err := q.Enqueue(ctx, queuedEvent(2)); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("enqueue into a full queue: %v, want ErrQueueFull", err)
	}
	if err := q.Ack(ctx, ds[0].ID); err != nil {
		t.Fatal(err)
	}
	enqueue(t, ctx, q, 2, 3)
	if got := keysOf(receive(t, ctx, q, "w", 5, 0)); !slices.Equal(got, []string{"k1#1", "k2#1"}) {
		t.Fatalf("received %q", got)
	}
}

// TestQueueReceiveEndsWithCtx: a blocked Receive returns when its ctx is cancelled or its
// deadline comes, well before the block ends; an entry that Redis hands to the abandoned wait
// goes back to the group as never delivered.
func TestQueueReceiveEndsWithCtx(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 20*time.Second)
	q := newTestQueue(t, r.Client(t), time.Minute)
	receive(t, ctx, q, "w", 1, 0) // creates the group

	start := time.Now()
	dctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	ds, err := q.Receive(dctx, "w", 1, 10*time.Second)
	if d := time.Since(start); d > time.Second || len(ds) != 0 || (err != nil && !errors.Is(err, context.DeadlineExceeded)) {
		t.Fatalf("Receive with a 100ms deadline: %v, %v after %v", ds, err, d)
	}

	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { _, err := q.Receive(cctx, "w", 1, 10*time.Second); done <- err }()
	time.Sleep(100 * time.Millisecond) // Redis is now blocking in XREADGROUP for "w"
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Receive: %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("a cancelled Receive did not return")
	}
	enqueue(t, ctx, q, 0, 1) // Redis hands it to the abandoned wait
	var got []webhook.Delivery
	for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); {
		got = receive(t, ctx, q, "other", 1, 10*time.Millisecond)
	}
	if keys := keysOf(got); !slices.Equal(keys, []string{"k0#1"}) {
		t.Fatalf("the entry of the abandoned wait came back as %q, want k0#1 at once", keys)
	}
}

// TestQueueRedisDown: with Redis gone every call fails fast with ErrUnavailable, so
// webhook.Handler does not acknowledge what it could not enqueue.
func TestQueueRedisDown(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 20*time.Second)
	q := newTestQueue(t, r.Client(t), time.Minute)
	receive(t, ctx, q, "w", 1, 0)
	r.Kill()
	calls := map[string]func() error{
		"enqueue":     func() error { return q.Enqueue(ctx, queuedEvent(0)) },
		"receive":     func() error { _, err := q.Receive(ctx, "w", 1, time.Second); return err },
		"ack":         func() error { return q.Ack(ctx, "1-1") },
		"dead-letter": func() error { return q.DeadLetter(ctx, webhook.Delivery{ID: "1-1"}, errors.New("x")) },
	}
	for name, call := range calls {
		start := time.Now()
		if err := call(); !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s with Redis down: %v, want ErrUnavailable", name, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s with Redis down took %v", name, d)
		}
	}
	nq, err := NewQueue((*redis.Client)(nil), "cb", "g")
	if err != nil {
		t.Fatal(err)
	}
	if err := nq.Enqueue(ctx, queuedEvent(0)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("enqueue on a nil client: %v", err)
	}
}

func TestNewQueueRefuses(t *testing.T) {
	t.Parallel()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for name, args := range map[string]struct {
		stream, group string
		opts          []QueueOption
	}{
		"no stream":       {"", "g", nil},
		"no group":        {"s", "", nil},
		"dead is stream":  {"s", "g", []QueueOption{WithDeadLetterStream("s")}},
		"zero visibility": {"s", "g", []QueueOption{WithVisibilityTimeout(0)}},
		"negative max":    {"s", "g", []QueueOption{WithMaxBacklog(-1)}},
	} {
		if _, err := NewQueue(rdb, args.stream, args.group, args.opts...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	q := newTestQueue(t, rdb, time.Minute)
	var nilCtx context.Context // a nil ctx is refused, not a panic in go-redis
	if err := q.Enqueue(nilCtx, queuedEvent(0)); err == nil {
		t.Error("enqueue with a nil ctx: no error")
	}
}
