package redisstore

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// intake serves a Handler whose intake is q; it returns the Handler (for Consume) and its URL.
func intake(t *testing.T, q webhook.Queue, opts ...webhook.Option) (*webhook.Handler, string) {
	t.Helper()
	cr, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	h := webhook.NewHandler(cr, append([]webhook.Option{webhook.WithQueue(q)}, opts...)...)
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return h, s.URL
}

// TestQueueIntakeRedisDown: with Redis down the Handler answers in time without acknowledging
// the callback; WeCom's redelivery after Redis is back is acknowledged and handled.
func TestQueueIntakeRedisDown(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 30*time.Second)
	q := newTestQueue(t, r.Client(t), time.Minute)
	h, url := intake(t, q)
	handled := make(chan int64, 1)
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		handled <- ev.MsgID
		return nil, nil
	})
	srv := wecomtest.NewServer()
	defer srv.Close()
	cfg := wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey, Attempts: 1}
	plain := wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, 42, "hello")

	r.Kill()
	start := time.Now()
	if d, err := srv.DeliverCallback(ctx, url, cfg, plain); !errors.Is(err, wecomtest.ErrCallbackNotAcked) || d.Acked ||
		d.Attempts[0].Status != http.StatusServiceUnavailable {
		t.Fatalf("delivery with Redis down: %+v, %v; want 503, not acknowledged", d.Attempts, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the Handler answered after %v with Redis down", d)
	}

	r.Restart(t)
	if d, err := srv.DeliverCallback(ctx, url, cfg, plain); err != nil || !d.Acked {
		t.Fatalf("redelivery with Redis back: acked %v, %v", d.Acked, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = h.Consume(cctx, q, "w", webhook.ConsumeOptions{Block: 50 * time.Millisecond}) }()
	select {
	case id := <-handled:
		if id != 42 {
			t.Fatalf("handled MsgId %d", id)
		}
	case <-ctx.Done():
		t.Fatal("the acknowledged callback was never handled")
	}
}

// TestQueueConsumeDeadLetter: through Handler.Consume, a callback whose function fails every
// time is tried MaxAttempts times, one visibility timeout apart, then lands in the dead-letter
// stream with the function's error and the WithDeadLetter hook.
func TestQueueConsumeDeadLetter(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 30*time.Second)
	const visibility, maxAttempts = 200 * time.Millisecond, 3
	q := newTestQueue(t, r.Client(t), visibility)
	hooked := make(chan webhook.DeadLetter, 1)
	h, url := intake(t, q, webhook.WithStore(New(r.Client(t))), webhook.WithHandlerTimeout(100*time.Millisecond),
		webhook.WithDeadLetter(func(_ context.Context, dl webhook.DeadLetter) { hooked <- dl }))
	var attempts []int
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		attempts = append(attempts, len(attempts)+1) // Consume runs one at a time
		return nil, errors.New("crm: 503 service unavailable")
	})
	srv := wecomtest.NewServer()
	defer srv.Close()
	cfg := wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey, Attempts: 1}
	if d, err := srv.DeliverCallback(ctx, url, cfg, wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, 7, "x")); err != nil || !d.Acked {
		t.Fatalf("delivery: acked %v, %v", d.Acked, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = h.Consume(cctx, q, "w", webhook.ConsumeOptions{Block: 20 * time.Millisecond, MaxAttempts: maxAttempts})
	}()
	var dl webhook.DeadLetter
	select {
	case dl = <-hooked:
	case <-ctx.Done():
		t.Fatal("no dead letter")
	}
	time.Sleep(2 * visibility) // nothing comes back
	cancel()
	<-done
	if len(attempts) != maxAttempts || dl.Attempts != maxAttempts {
		t.Fatalf("the function ran %d times, dead letter after attempt %d; want %d", len(attempts), dl.Attempts, maxAttempts)
	}
	rdb := r.Client(t)
	dead, err := rdb.XRange(ctx, "cb:dead", "-", "+").Result()
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead-letter stream: %v, %v", dead, err)
	}
	v := dead[0].Values
	if v["attempt"] != "3" || !strings.Contains(v["error"].(string), "crm: 503 service unavailable") ||
		!strings.Contains(v["plaintext"].(string), "<MsgId>7</MsgId>") {
		t.Fatalf("dead letter %v", v)
	}
	if n, _ := rdb.XLen(ctx, "cb").Result(); n != 0 {
		t.Fatalf("the queue still holds %d entries", n)
	}
}
