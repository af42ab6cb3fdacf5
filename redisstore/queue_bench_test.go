package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// BenchmarkQueue measures the durable intake per event (enqueue, receive, acknowledge) through
// Queue against the bare go-redis loop it is built on (XADD, XREADGROUP, XACK), on one Redis in
// the same run. Queue adds the idle-entry claim and the delivery count to the read (one Lua
// script) and the XDEL to the acknowledgement (one MULTI), with the same three round trips.
func BenchmarkQueue(b *testing.B) {
	r := startRedis(b)
	ctx := context.Background()
	ev := queuedEvent(1)
	ev.Plaintext = make([]byte, 1024) // a typical callback's plaintext
	b.Run("bare", func(b *testing.B) {
		rdb := r.Client(b)
		if err := rdb.XGroupCreateMkStream(ctx, "bare", "g", "0").Err(); err != nil && !redis.HasErrorPrefix(err, "BUSYGROUP") {
			b.Fatal(err)
		}
		fields := []any{fieldKey, ev.Key, fieldPlaintext, ev.Plaintext, fieldReceiveID, ev.ReceiveID,
			fieldReceived, ev.ReceivedAt.UTC().Format(time.RFC3339Nano)}
		read := &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"bare", ">"}, Count: 1, Block: -1}
		for b.Loop() {
			if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "bare", Values: fields}).Err(); err != nil {
				b.Fatal(err)
			}
			s, err := rdb.XReadGroup(ctx, read).Result()
			if err != nil || len(s) != 1 || len(s[0].Messages) != 1 {
				b.Fatal(s, err)
			}
			if err := rdb.XAck(ctx, "bare", "g", s[0].Messages[0].ID).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("queue", func(b *testing.B) {
		q, err := NewQueue(r.Client(b), "queue", "g")
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := q.Enqueue(ctx, ev); err != nil {
				b.Fatal(err)
			}
			ds, err := q.Receive(ctx, "c", 1, 0)
			if err != nil || len(ds) != 1 {
				b.Fatal(ds, err)
			}
			if err := q.Ack(ctx, ds[0].ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
