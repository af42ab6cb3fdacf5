package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/store"
)

func TestMemoryBasics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.NewMemory()
	if _, err := s.Get(ctx, "k"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of an absent key: %v", err)
	}
	val := []byte("v1")
	if err := s.Set(ctx, "k", val, 0); err != nil {
		t.Fatal(err)
	}
	val[0] = 'X' // the store keeps its own copy
	got, err := s.Get(ctx, "k")
	if err != nil || string(got) != "v1" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if ok, _ := s.SetNX(ctx, "k", []byte("v2"), 0); ok {
		t.Fatal("SetNX replaced a live key")
	}
	if err := s.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := s.SetNX(ctx, "k", []byte("v3"), 0); !ok {
		t.Fatal("SetNX refused an absent key")
	}
	if err := s.Delete(ctx, "absent"); err != nil {
		t.Fatalf("Delete of an absent key: %v", err)
	}
}

func TestMemoryTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.NewMemory()
	_ = s.Set(ctx, "short", []byte("x"), 30*time.Millisecond)
	_ = s.Set(ctx, "long", []byte("y"), time.Hour)
	if _, err := s.Get(ctx, "short"); err != nil {
		t.Fatal("expired too early")
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := s.Get(ctx, "short"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("expired key still there: %v", err)
	}
	if ok, _ := s.SetNX(ctx, "short", []byte("z"), 0); !ok {
		t.Fatal("SetNX refused an expired key")
	}
	if _, err := s.Get(ctx, "long"); err != nil {
		t.Fatal(err)
	}
}

func TestCompareAndDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, s := range map[string]store.Store{"memory": store.NewMemory(), "fallback": plain{store.NewMemory()}} {
		_ = s.Set(ctx, "tok", []byte("new"), 0)
		if ok, _ := store.CompareAndDelete(ctx, s, "tok", []byte("old")); ok {
			t.Fatalf("%s: deleted a value that changed", name)
		}
		if ok, _ := store.CompareAndDelete(ctx, s, "tok", []byte("new")); !ok {
			t.Fatalf("%s: did not delete the matching value", name)
		}
		if _, err := s.Get(ctx, "tok"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%s: value still there", name)
		}
		if ok, err := store.CompareAndDelete(ctx, s, "tok", []byte("new")); ok || err != nil {
			t.Fatalf("%s: absent key: %v %v", name, ok, err)
		}
	}
}

// plain hides Memory's CompareAndDelete so the Get-then-Delete fallback is tested.
type plain struct{ store.Store }

func TestSetNXOneWinner(t *testing.T) {
	t.Parallel()
	s := store.NewMemory()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 200 {
		wg.Go(func() {
			if ok, _ := s.SetNX(context.Background(), "lock", []byte("me"), time.Second); ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d winners, want 1", wins.Load())
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := store.NewMemory()
	if err := s.Set(ctx, "k", nil, 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Set with a cancelled ctx: %v", err)
	}
}
