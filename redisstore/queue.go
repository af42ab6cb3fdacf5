package redisstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/webhook"
)

// Queue is a [webhook.Queue] on a Redis stream read through one consumer group: the durable
// intake of webhook.WithQueue, shared by worker processes that call webhook.Handler.Consume
// with distinct consumer names. It needs Redis 7.0 or later. It is safe for concurrent use; it
// does not own the Redis client and never closes it.
//
// An entry is delivered to one consumer at a time and stays pending in the group until it is
// acknowledged; if its consumer does not acknowledge it within the visibility timeout (it
// crashed, hung or failed), the next Receive of any consumer claims it again, with Attempt one
// higher. Acknowledged and dead-lettered entries are deleted from the stream, so the stream
// holds exactly the events not yet handled.
type Queue struct {
	rdb        redis.UniversalClient
	stream     string
	group      string
	dead       string
	visibility time.Duration
	maxBacklog int64

	mu     sync.Mutex
	cursor string // where the next scan for idle entries starts
}

var _ webhook.Queue = (*Queue)(nil)

// DefaultVisibilityTimeout is how long a delivered entry stays with its consumer before
// another consumer may claim it, unless [WithVisibilityTimeout] says otherwise.
const DefaultVisibilityTimeout = time.Minute

// ErrQueueFull means the stream already holds the [WithMaxBacklog] number of entries; the
// event was not enqueued (webhook.Handler then does not acknowledge it, so WeCom redelivers).
var ErrQueueFull = errors.New("queue full")

// QueueOption configures a [Queue] in [NewQueue].
type QueueOption func(*Queue)

// WithVisibilityTimeout sets how long an entry delivered to a consumer is left to it before
// another consumer may claim it (default [DefaultVisibilityTimeout]). Keep it longer than the
// longest time a worker may spend on one event, or a slow event is handled twice.
func WithVisibilityTimeout(d time.Duration) QueueOption { return func(q *Queue) { q.visibility = d } }

// WithDeadLetterStream names the stream that [Queue.DeadLetter] writes to (default: the
// queue's stream name followed by ":dead").
func WithDeadLetterStream(name string) QueueOption { return func(q *Queue) { q.dead = name } }

// WithMaxBacklog bounds the stream: Enqueue fails with [ErrQueueFull] while it holds n entries
// (delivered or not, not yet acknowledged). The default, 0, is no bound. Unlike XADD MAXLEN,
// which would trim the oldest entries whether handled or not, a full queue refuses new events,
// which WeCom then redelivers.
func WithMaxBacklog(n int64) QueueOption { return func(q *Queue) { q.maxBacklog = n } }

// NewQueue returns a queue on the Redis stream named stream, read through the consumer group
// group; both are created on first use if missing, the group reading the stream from its start,
// so events enqueued before any worker started are delivered too. Use one group per stream:
// acknowledged entries are deleted. Give each worker a stable consumer name (host and slot):
// every name stays listed in the group. It does not connect. A nil rdb gives a queue whose
// every call fails with [ErrUnavailable].
func NewQueue(rdb redis.UniversalClient, stream, group string, opts ...QueueOption) (*Queue, error) {
	if v := reflect.ValueOf(rdb); v.Kind() == reflect.Pointer && v.IsNil() {
		rdb = nil
	}
	q := &Queue{rdb: rdb, stream: stream, group: group, dead: stream + ":dead", visibility: DefaultVisibilityTimeout, cursor: "0-0"}
	for _, o := range opts {
		o(q)
	}
	switch {
	case stream == "" || group == "":
		return nil, fmt.Errorf("wecom: redisstore: new queue: empty stream or group name")
	case q.dead == "" || q.dead == stream:
		return nil, fmt.Errorf("wecom: redisstore: new queue: dead-letter stream %q", q.dead)
	case q.visibility < time.Millisecond:
		return nil, fmt.Errorf("wecom: redisstore: new queue: visibility timeout %v is under 1ms", q.visibility)
	case q.maxBacklog < 0:
		return nil, fmt.Errorf("wecom: redisstore: new queue: negative max backlog %d", q.maxBacklog)
	}
	return q, nil
}

func (q *Queue) check(ctx context.Context, op string) error {
	if q.rdb == nil {
		return fmt.Errorf("%s: %w: %w", where(op, q.stream), ErrUnavailable, errNoClient)
	}
	if ctx == nil {
		return fmt.Errorf("%s: nil context", where(op, q.stream))
	}
	return ctx.Err()
}

// The fields of an entry, readable with redis-cli XRANGE.
const (
	fieldKey       = "key"
	fieldPlaintext = "plaintext"
	fieldReceiveID = "receive_id"
	fieldReceived  = "received_at"
)

// boundedAdd appends an entry (ARGV[2:]) unless the stream holds ARGV[1] entries already.
var boundedAdd = redis.NewScript(`if redis.call("XLEN", KEYS[1]) >= tonumber(ARGV[1]) then
	return false
end
return redis.call("XADD", KEYS[1], "*", unpack(ARGV, 2))`)

// Enqueue appends e to the stream (XADD). When it returns nil the event is in Redis.
func (q *Queue) Enqueue(ctx context.Context, e webhook.QueuedEvent) error {
	if err := q.check(ctx, "enqueue"); err != nil {
		return err
	}
	fields := []any{fieldKey, e.Key, fieldPlaintext, e.Plaintext, fieldReceiveID, e.ReceiveID,
		fieldReceived, e.ReceivedAt.UTC().Format(time.RFC3339Nano)}
	var err error
	if q.maxBacklog == 0 {
		err = q.rdb.XAdd(ctx, &redis.XAddArgs{Stream: q.stream, Values: fields}).Err()
	} else {
		err = boundedAdd.Run(ctx, q.rdb, []string{q.stream}, append([]any{q.maxBacklog}, fields...)...).Err()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("%s: %w (%d entries)", where("enqueue", q.stream), ErrQueueFull, q.maxBacklog)
		}
	}
	if err != nil {
		return wrapErr(ctx, "enqueue", q.stream, err)
	}
	return nil
}

// receiveScript claims up to ARGV[3] entries idle for ARGV[4] ms or more (XAUTOCLAIM from cursor
// ARGV[5]) with their delivery counts (XPENDING), then reads new entries to fill the batch
// (XREADGROUP >: delivery count 1). One script, so the counts are exact and a batch costs one
// round trip.
var receiveScript = redis.NewScript(`local group, consumer, want = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {}
local claimed = redis.call("XAUTOCLAIM", KEYS[1], group, consumer, ARGV[4], ARGV[5], "COUNT", want)
for _, e in ipairs(claimed[2]) do
	local p = redis.call("XPENDING", KEYS[1], group, e[1], e[1], 1, consumer)
	out[#out + 1] = {e[1], p[1][4], e[2]}
end
if #out < want then
	local r = redis.call("XREADGROUP", "GROUP", group, consumer, "COUNT", want - #out, "STREAMS", KEYS[1], ">")
	if r then
		for _, e in ipairs(r[1][2]) do
			out[#out + 1] = {e[1], 1, e[2]}
		end
	end
end
return {claimed[1], out}`)

// Receive returns up to n entries for consumer: first entries other consumers left
// unacknowledged past the visibility timeout, then new ones; if there are none it waits up to
// block for new ones (not at all when block is 0), returning early when ctx ends. Attempt is
// Redis' delivery count of the entry. If ctx ends while Redis is answering a wait, the entries
// of that answer are handed back to the group as never delivered.
func (q *Queue) Receive(ctx context.Context, consumer string, n int, block time.Duration) ([]webhook.Delivery, error) {
	if err := q.check(ctx, "receive"); err != nil {
		return nil, err
	}
	if consumer == "" {
		return nil, fmt.Errorf("%s: empty consumer name", where("receive", q.stream))
	}
	n = max(n, 1)
	ds, err := q.claimOrRead(ctx, consumer, n)
	if err != nil || len(ds) > 0 || block <= 0 {
		return ds, err
	}
	return q.await(ctx, consumer, n, block)
}

func (q *Queue) claimOrRead(ctx context.Context, consumer string, n int) ([]webhook.Delivery, error) {
	q.mu.Lock()
	cursor := q.cursor
	q.mu.Unlock()
	args := []any{q.group, consumer, n, q.visibility.Milliseconds(), cursor}
	res, err := receiveScript.Run(ctx, q.rdb, []string{q.stream}, args...).Slice()
	if isNoGroup(err) {
		if err = q.createGroup(ctx); err == nil {
			res, err = receiveScript.Run(ctx, q.rdb, []string{q.stream}, args...).Slice()
		}
	}
	if err != nil {
		return nil, wrapErr(ctx, "receive", q.stream, err)
	}
	if len(res) != 2 {
		return nil, fmt.Errorf("%s: unexpected reply %v", where("receive", q.stream), res)
	}
	if next, ok := res[0].(string); ok {
		q.mu.Lock()
		q.cursor = next
		q.mu.Unlock()
	}
	entries, _ := res[1].([]any)
	ds := make([]webhook.Delivery, 0, len(entries))
	for _, e := range entries {
		f, ok := e.([]any)
		if !ok || len(f) != 3 {
			return nil, fmt.Errorf("%s: unexpected entry %v", where("receive", q.stream), e)
		}
		id, _ := f[0].(string)
		count, _ := f[1].(int64)
		vals, _ := f[2].([]any)
		ds = append(ds, webhook.Delivery{ID: id, Event: decodeEvent(pairs(vals)), Attempt: int(count)})
	}
	return ds, nil
}

// pairs turns a flat field/value reply into a map.
func pairs(flat []any) map[string]any {
	m := make(map[string]any, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		if k, ok := flat[i].(string); ok {
			m[k] = flat[i+1]
		}
	}
	return m
}

// decodeEvent reads an entry's fields; an entry another program wrote is delivered with what
// it has, so its failure reaches the dead-letter stream instead of blocking the queue.
func decodeEvent(m map[string]any) webhook.QueuedEvent {
	str := func(k string) string { s, _ := m[k].(string); return s }
	e := webhook.QueuedEvent{Key: str(fieldKey), ReceiveID: str(fieldReceiveID)}
	if p := str(fieldPlaintext); p != "" {
		e.Plaintext = []byte(p)
	}
	e.ReceivedAt, _ = time.Parse(time.RFC3339Nano, str(fieldReceived))
	return e
}

// await blocks in XREADGROUP for new entries, no longer than ctx allows. The read itself runs
// without ctx: a socket deadline would break the connection, and the answer of a wait the
// caller has left goes back to the group.
func (q *Queue) await(ctx context.Context, consumer string, n int, block time.Duration) ([]webhook.Delivery, error) {
	if dl, ok := ctx.Deadline(); ok {
		block = min(block, time.Until(dl))
	}
	if block < time.Millisecond {
		return nil, ctx.Err() // nil: ctx has under 1ms left, too little to wait in Redis
	}
	args := &redis.XReadGroupArgs{Group: q.group, Consumer: consumer, Streams: []string{q.stream, ">"},
		Count: int64(n), Block: block.Round(time.Millisecond)}
	type answer struct {
		s   []redis.XStream
		err error
	}
	got := make(chan answer) // unbuffered: the answer goes to the caller or back to the group
	left := make(chan struct{})
	rctx := context.WithoutCancel(ctx)
	go func() {
		s, err := q.rdb.XReadGroup(rctx, args).Result()
		select {
		case got <- answer{s, err}:
		case <-left:
			q.giveBack(rctx, consumer, s)
		}
	}()
	var a answer
	select {
	case a = <-got:
	case <-ctx.Done():
		close(left)
		return nil, ctx.Err()
	}
	if errors.Is(a.err, redis.Nil) {
		return nil, nil
	}
	if a.err != nil {
		return nil, wrapErr(rctx, "receive", q.stream, a.err)
	}
	var ds []webhook.Delivery
	for _, s := range a.s {
		for _, m := range s.Messages {
			ds = append(ds, webhook.Delivery{ID: m.ID, Event: decodeEvent(m.Values), Attempt: 1})
		}
	}
	return ds, nil
}

// giveBack makes entries read for a caller that has gone claimable at once, with their
// delivery count reset, as if never delivered (best effort: otherwise they wait out the
// visibility timeout, with one attempt more).
func (q *Queue) giveBack(ctx context.Context, consumer string, s []redis.XStream) {
	args := []any{"XCLAIM", q.stream, q.group, consumer, 0}
	for _, st := range s {
		for _, m := range st.Messages {
			args = append(args, m.ID)
		}
	}
	if len(args) == 5 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	args = append(args, "IDLE", q.visibility.Milliseconds(), "RETRYCOUNT", 0, "JUSTID")
	_ = q.rdb.Do(ctx, args...).Err()
}

func isNoGroup(err error) bool { return err != nil && redis.HasErrorPrefix(err, "NOGROUP") }

// createGroup creates the stream and the group (reading from the stream's start) unless
// another process just did.
func (q *Queue) createGroup(ctx context.Context) error {
	err := q.rdb.XGroupCreateMkStream(ctx, q.stream, q.group, "0").Err()
	if err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
		return err
	}
	return nil
}

// Ack marks the entry handled: it leaves the group's pending list and the stream (XACK and
// XDEL in one MULTI). Acknowledging an entry already acknowledged is not an error.
func (q *Queue) Ack(ctx context.Context, id string) error {
	if err := q.check(ctx, "ack"); err != nil {
		return err
	}
	if err := q.remove(ctx, id); err != nil {
		return wrapErr(ctx, "ack", q.stream, err)
	}
	return nil
}

func (q *Queue) remove(ctx context.Context, id string) error {
	_, err := q.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, q.stream, q.group, id)
		p.XDel(ctx, q.stream, id)
		return nil
	})
	return err
}

// Fields the dead-letter stream adds to an entry's.
const (
	fieldID       = "id"
	fieldAttempt  = "attempt"
	fieldError    = "error"
	fieldFailedAt = "failed_at"
)

// DeadLetter appends d's event to the dead-letter stream with its original ID, its attempt and
// cause's message, then acknowledges it. Should the process die between the two, the entry is
// delivered again and may be dead-lettered twice. Nothing trims the dead-letter stream: read
// it with XRANGE and remove what was dealt with (XDEL).
func (q *Queue) DeadLetter(ctx context.Context, d webhook.Delivery, cause error) error {
	if err := q.check(ctx, "dead-letter"); err != nil {
		return err
	}
	msg := "<nil>"
	if cause != nil {
		msg = cause.Error()
	}
	e := d.Event
	fields := []any{fieldKey, e.Key, fieldPlaintext, e.Plaintext, fieldReceiveID, e.ReceiveID,
		fieldReceived, e.ReceivedAt.UTC().Format(time.RFC3339Nano), fieldID, d.ID,
		fieldAttempt, strconv.Itoa(d.Attempt), fieldError, msg, fieldFailedAt, time.Now().UTC().Format(time.RFC3339Nano)}
	if err := q.rdb.XAdd(ctx, &redis.XAddArgs{Stream: q.dead, Values: fields}).Err(); err != nil {
		return wrapErr(ctx, "dead-letter", q.dead, err)
	}
	if err := q.remove(ctx, d.ID); err != nil {
		return wrapErr(ctx, "dead-letter", q.stream, err)
	}
	return nil
}

// DeadLetters returns every entry of the dead-letter stream, oldest first, with its cause as an
// error carrying the recorded message. It reads the whole stream: meant for tests and small
// streams; operators page through a large one with XRANGE.
func (q *Queue) DeadLetters(ctx context.Context) ([]webhook.DeadLetter, error) {
	if err := q.check(ctx, "dead letters"); err != nil {
		return nil, err
	}
	msgs, err := q.rdb.XRange(ctx, q.dead, "-", "+").Result()
	if err != nil {
		return nil, wrapErr(ctx, "dead letters", q.dead, err)
	}
	out := make([]webhook.DeadLetter, 0, len(msgs))
	for _, m := range msgs {
		e := decodeEvent(m.Values)
		cause, _ := m.Values[fieldError].(string)
		attempt, _ := m.Values[fieldAttempt].(string)
		dl := webhook.DeadLetter{Key: e.Key, Plaintext: e.Plaintext, ReceiveID: e.ReceiveID, Err: errors.New(cause)}
		dl.Attempts, _ = strconv.Atoi(attempt)
		if ev, err := webhook.Parse(e.Plaintext); err == nil {
			dl.Event = ev
		}
		out = append(out, dl)
	}
	return out, nil
}
