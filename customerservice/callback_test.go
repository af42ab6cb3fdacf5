package customerservice_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	cbToken  = "kfCallbackToken"
	cbAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// callbackURL serves a webhook.Handler wired with HandleKfCallbacks and has the simulator
// deliver its signed, encrypted kf_msg_or_event callbacks there; handle gets each message.
func callbackURL(t *testing.T, svc *customerservice.Service, srv *wecomtest.Server, handle func(customerservice.Message) error) {
	t.Helper()
	cr, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	h := webhook.NewHandler(cr)
	if err := svc.HandleKfCallbacks(h, customerservice.CallbackParams{
		Handle: func(_ context.Context, m customerservice.Message) error { return handle(m) },
	}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	srv.SetCallbackURL(wecomtest.CorpID, hs.URL, wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey})
}

// TestCallbackDrivesSync: each customer message reaches Handle exactly once through the
// callback, even with several callbacks in flight for the same account.
func TestCallbackDrivesSync(t *testing.T) {
	t.Parallel()
	svc, srv, kf := setup(t)
	var mu sync.Mutex
	got := map[string]int{}
	done := make(chan struct{}, 100)
	callbackURL(t, svc, srv, func(m customerservice.Message) error {
		mu.Lock()
		got[m.Header().MsgID]++
		mu.Unlock()
		done <- struct{}{}
		return nil
	})
	var ids []string
	for i := range 20 {
		id, err := srv.CustomerSays(kf, fmt.Sprintf("wm%d", i%3), fmt.Sprint("question ", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for range ids {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("callbacks delivered %d of %d messages", len(got), len(ids))
		}
	}
	time.Sleep(50 * time.Millisecond) // let stray callbacks finish: nothing more may arrive
	mu.Lock()
	defer mu.Unlock()
	for _, id := range ids {
		if got[id] != 1 {
			t.Fatalf("message %s handled %d times", id, got[id])
		}
	}
	if len(got) != len(ids) {
		t.Fatalf("handled %d messages, want %d", len(got), len(ids))
	}
}

// TestCallbackHandleError: a failing Handle answers the callback with an error, WeCom
// redelivers it, and the message is handled on the next pull.
func TestCallbackHandleError(t *testing.T) {
	t.Parallel()
	svc, srv, kf := setup(t)
	var mu sync.Mutex
	var seen []string
	fail := true
	ok := make(chan string, 10)
	callbackURL(t, svc, srv, func(m customerservice.Message) error {
		mu.Lock()
		defer mu.Unlock()
		text := m.(*customerservice.TextMessage).Text.Content
		seen = append(seen, text)
		if fail {
			fail = false
			return errors.New("CRM is down")
		}
		ok <- text
		return nil
	})
	if _, err := srv.CustomerSays(kf, "wmErr", "first"); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-ok:
		if s != "first" {
			t.Fatalf("handled %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("never handled after the failure; seen %v", seen)
	}
	mu.Lock()
	if fmt.Sprint(seen) != "[first first]" {
		t.Errorf("seen %v", seen)
	}
	mu.Unlock()
	var attempts int
	for deadline := time.Now().Add(5 * time.Second); attempts == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond) // a delivery is recorded once its last attempt returns
		for _, d := range srv.Callbacks() {
			attempts += len(d.Attempts)
		}
	}
	if attempts < 2 {
		t.Errorf("%d callback attempts, want a redelivery", attempts)
	}
	if err := svc.HandleKfCallbacks(nil, customerservice.CallbackParams{}); !errors.Is(err, client.ErrInvalidParams) {
		t.Fatalf("nil handler: %v", err)
	}
}

// ttlStore records the TTLs the glue gives a message's dedupe key.
type ttlStore struct {
	store.Store
	mu   sync.Mutex
	ttls []string
}

func (s *ttlStore) note(op, key string, ttl time.Duration) {
	if strings.Contains(key, ":msg:") {
		s.mu.Lock()
		s.ttls = append(s.ttls, op+" "+ttl.String())
		s.mu.Unlock()
	}
}

func (s *ttlStore) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	s.note("SetNX", key, ttl)
	return s.Store.SetNX(ctx, key, val, ttl)
}

func (s *ttlStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	s.note("Set", key, ttl)
	return s.Store.Set(ctx, key, val, ttl)
}

// TestCallbackClaimIsShortLived: the glue claims a message for a lease while handling it and
// remembers it for DedupeTTL only once handled, so a crash mid-handle does not lose it for days.
func TestCallbackClaimIsShortLived(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	kf := srv.AddKfAccount("Dairy desk", "zhangsan")
	st := &ttlStore{Store: store.NewMemory()}
	svc := customerservice.New(newClient(t, srv, st))
	handled := make(chan struct{}, 1)
	callbackURL(t, svc, srv, func(customerservice.Message) error { handled <- struct{}{}; return nil })
	if _, err := srv.CustomerSays(kf, "wmCrash", "hello"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-handled:
	case <-time.After(5 * time.Second):
		t.Fatal("message never handled")
	}
	want := fmt.Sprint([]string{"SetNX " + customerservice.DefaultLease.String(), "Set " + customerservice.DedupeTTL.String()})
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		st.mu.Lock()
		got := fmt.Sprint(st.ttls)
		st.mu.Unlock()
		if got == want {
			return
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	t.Fatalf("dedupe key TTLs %v, want %s", st.ttls, want)
}
