package redisstore

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestWrongAddress: nothing listens at the address → every call fails fast with ErrUnavailable
// naming the address.
func TestWrongAddress(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t) // free now: nothing listens there
	st := New(newClient(t, addr), WithPrefix("p:"))
	ctx := ctxFor(t, 20*time.Second)
	start := time.Now()
	calls := map[string]error{"ping": st.Ping(ctx)}
	_, calls["get"] = st.Get(ctx, "k")
	calls["set"] = st.Set(ctx, "k", []byte("v"), time.Minute)
	_, calls["setnx"] = st.SetNX(ctx, "k", []byte("v"), time.Minute)
	calls["delete"] = st.Delete(ctx, "k")
	_, calls["compare-and-delete"] = st.CompareAndDelete(ctx, "k", []byte("v"))
	for op, err := range calls {
		if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrAuth) {
			t.Errorf("%s = %v, want ErrUnavailable", op, err)
			continue
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), addr) {
			t.Errorf("%s: error %q does not say the connection to %s was refused", op, err, addr)
		}
		if !strings.HasPrefix(err.Error(), "wecom: redisstore: "+op) {
			t.Errorf("%s: error %q does not name the operation", op, err)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("6 calls to a closed port took %v", d)
	}
}

// TestAuthFailure: a wrong or missing password is ErrAuth, not ErrUnavailable, and no password
// appears in the error.
func TestAuthFailure(t *testing.T) {
	t.Parallel()
	const password = "correct-horse-battery"
	r := startRedis(t, "--requirepass", password)
	ctx := ctxFor(t, 20*time.Second)
	for _, tt := range []struct{ name, user, password string }{
		{"wrong password", "", "wrong-password-123"},
		{"no password", "", ""},
		{"unknown user", "nobody", password},
	} {
		st := New(r.Client(t, func(o *redis.Options) { o.Username, o.Password = tt.user, tt.password }))
		errs := []error{st.Ping(ctx), st.Set(ctx, "k", []byte("v"), 0)}
		_, err := st.Get(ctx, "k")
		errs = append(errs, err)
		for _, err := range errs {
			if !errors.Is(err, ErrAuth) || errors.Is(err, ErrUnavailable) {
				t.Errorf("%s: %v, want ErrAuth", tt.name, err)
			} else if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "wrong-password-123") {
				t.Errorf("%s: error %q shows a password", tt.name, err)
			}
		}
	}
	st := New(r.Client(t, func(o *redis.Options) { o.Password = password }))
	if err := st.Set(ctx, "k", []byte("v"), 0); err != nil {
		t.Fatalf("with the right password: %v", err)
	}
}

// TestPermissionDenied: an ACL user without the right to a command gets ErrAuth.
func TestPermissionDenied(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	ctx := ctxFor(t, 20*time.Second)
	admin := r.Client(t)
	// reader may GET and PING but not SET or run scripts.
	if err := admin.Do(ctx, "ACL", "SETUSER", "reader", "on", ">reader-pw", "~*", "+get", "+ping", "+hello", "+client").Err(); err != nil {
		t.Fatal(err)
	}
	st := New(r.Client(t, func(o *redis.Options) { o.Username, o.Password = "reader", "reader-pw" }))
	if err := st.Set(ctx, "k", []byte("v"), 0); !errors.Is(err, ErrAuth) {
		t.Fatalf("Set without permission = %v, want ErrAuth", err)
	}
}

// TestCallerContext: a cancelled ctx comes back as the ctx error, not as Redis being down.
func TestCallerContext(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	st := New(r.Client(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := st.Get(ctx, "k")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get with a cancelled ctx = %v, want context.Canceled", err)
	}
	var noCtx context.Context // a programming error: refused, not a panic inside go-redis
	if _, err := st.SetNX(noCtx, "k", nil, 0); err == nil || !strings.Contains(err.Error(), "nil context") {
		t.Fatalf("SetNX with a nil ctx = %v, want a nil-context error", err)
	}
}
