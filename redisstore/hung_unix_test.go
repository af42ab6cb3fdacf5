//go:build unix

package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/wecomtest"
)

// Pause stops the server process (SIGSTOP): connections stay open but nothing answers, like a
// hung host. Resume continues it.
func (r *redisServer) Pause(t testing.TB)  { r.signal(t, syscall.SIGSTOP) }
func (r *redisServer) Resume(t testing.TB) { r.signal(t, syscall.SIGCONT) }

func (r *redisServer) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		t.Fatalf("redis-server is not running")
	}
	if err := r.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal redis-server: %v", err)
	}
}

// TestRedisHung: a Redis that stops answering without closing connections (SIGSTOP) does not
// hold a call past its ctx, given ContextTimeoutEnabled; the token cache falls back once
// go-redis' ReadTimeout gives up.
func TestRedisHung(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	// patient waits up to 30s per read unless ctx ends first; quick gives up after 300ms.
	patient := New(r.Client(t, func(o *redis.Options) { o.ReadTimeout, o.WriteTimeout = 30*time.Second, 30*time.Second }))
	quick := New(r.Client(t, func(o *redis.Options) { o.ReadTimeout, o.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond }))
	for _, st := range []*Store{patient, quick} {
		if err := st.Ping(ctxFor(t, 5*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	r.Pause(t)
	defer r.Resume(t)

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := patient.Get(ctx, "k")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Get on a hung Redis took %v with a 200ms ctx", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get on a hung Redis = %v, want context.DeadlineExceeded", err)
	}
	// Without a caller deadline, go-redis' ReadTimeout ends the wait: ErrUnavailable.
	if _, err := quick.Get(context.Background(), "k"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get on a hung Redis without a deadline = %v, want ErrUnavailable", err)
	}
	// An API call of a cold client ends with its ctx while the token cache waits on Redis …
	short, cancelShort := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelShort()
	start = time.Now()
	if err := callIPs(short, newAppClient(t, srv, patient, slog.New(slog.DiscardHandler))); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("API call with a 200ms ctx on a hung Redis = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("API call with a 200ms ctx took %v on a hung Redis", d)
	}
	api := newAppClient(t, srv, quick, slog.New(slog.DiscardHandler))
	// … and succeeds with a longer one: the token cache gives up on the store and fetches itself.
	if err := callIPs(ctxFor(t, 10*time.Second), api); err != nil {
		t.Fatalf("API call with a hung Redis: %v", err)
	}
}
