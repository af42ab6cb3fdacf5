package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

func newAppClient(t testing.TB, srv *wecomtest.Server, st store.Store, log *slog.Logger) *client.Client {
	t.Helper()
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
		client.WithBaseURL(srv.URL()), client.WithStore(st), client.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func callIPs(ctx context.Context, c *client.Client) error {
	var out struct {
		IPList []string `json:"ip_list"`
	}
	return c.Do(ctx, http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, &out)
}

// TestRedisDownTokensFallBack: with Redis killed the client keeps working from its in-process
// token cache and logs a warning without secrets; cursor and dedupe calls get ErrUnavailable.
func TestRedisDownTokensFallBack(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st := New(r.Client(t), WithPrefix("app:"))
	ctx := ctxFor(t, 30*time.Second)

	warm := newAppClient(t, srv, st, log)
	if err := callIPs(ctx, warm); err != nil {
		t.Fatal(err)
	}
	before, _ := warm.TokenSource().Token()
	r.Kill()

	// A warm process goes on with its in-process token: no new gettoken.
	if err := callIPs(ctx, warm); err != nil {
		t.Fatalf("warm client with Redis down: %v", err)
	}
	if got := srv.Calls("/cgi-bin/gettoken"); got != 1 {
		t.Fatalf("gettoken calls = %d, want 1", got)
	}
	// A cold process cannot read the shared token: it warns, fetches its own and works.
	cold := newAppClient(t, srv, st, log)
	start := time.Now()
	if err := callIPs(ctx, cold); err != nil {
		t.Fatalf("cold client with Redis down: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the cold client's call took %v with Redis down", d)
	}
	if got := srv.Calls("/cgi-bin/gettoken"); got != 2 {
		t.Fatalf("gettoken calls = %d, want 2 (the cold process fetched its own)", got)
	}
	if !strings.Contains(logs.String(), "token store unavailable") || !strings.Contains(logs.String(), "wecom: redisstore: get") {
		t.Errorf("no warning naming the store failure was logged:\n%s", logs)
	}
	// The token expires at WeCom: the warm client refreshes without Redis too.
	srv.ExpireTokens()
	if err := callIPs(ctx, warm); err != nil {
		t.Fatalf("refresh with Redis down: %v", err)
	}
	after, _ := warm.TokenSource().Token()
	for _, secret := range []string{wecomtest.Secret, before.AccessToken, after.AccessToken} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the log shows a secret or token %q:\n%s", secret, logs)
		}
	}

	// Cursors and dedupe keys get the typed error: the caller decides, nothing is guessed.
	if _, err := st.Get(ctx, "wecom:v1:kf:cursor:wk1"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("cursor Get = %v, want ErrUnavailable", err)
	}
	if err := st.Set(ctx, "wecom:v1:kf:cursor:wk1", []byte("c"), 0); !errors.Is(err, ErrUnavailable) {
		t.Errorf("cursor Set = %v, want ErrUnavailable", err)
	}
	if ok, err := st.SetNX(ctx, "wecom:v1:cb:msg1", []byte("1"), time.Minute); ok || !errors.Is(err, ErrUnavailable) {
		t.Errorf("dedupe SetNX = %v, %v; want false, ErrUnavailable", ok, err)
	}

	// Redis is back (empty, no persistence): the store and the sharing work again.
	r.Restart(t)
	if err := st.Set(ctx, "wecom:v1:kf:cursor:wk1", []byte("c"), 0); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	fresh := newAppClient(t, srv, st, log)
	if err := callIPs(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	shared := newAppClient(t, srv, st, log)
	calls := srv.Calls("/cgi-bin/gettoken")
	if err := callIPs(ctx, shared); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls("/cgi-bin/gettoken"); got != calls {
		t.Errorf("after Redis came back a cold client fetched again (%d → %d gettoken calls)", calls, got)
	}
}

// TestRedisKilledMidFlight kills Redis while store calls and API calls run: no panic, every
// call ends within its ctx, and store errors are ErrUnavailable (or the ctx error).
func TestRedisKilledMidFlight(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	st := New(r.Client(t), WithPrefix("app:"))
	api := newAppClient(t, srv, st, slog.New(slog.DiscardHandler))

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, unavailable int
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				const budget = 2 * time.Second
				ctx, cancel := context.WithTimeout(context.Background(), budget)
				start := time.Now()
				key := "k" + itoa(w)
				var err error
				switch i % 4 {
				case 0:
					err = st.Set(ctx, key, []byte("v"), time.Minute)
				case 1:
					_, err = st.Get(ctx, key)
				case 2:
					_, err = st.SetNX(ctx, "dedupe"+itoa(w)+"-"+itoa(i), []byte("1"), time.Minute)
				case 3:
					_, err = st.CompareAndDelete(ctx, key, []byte("v"))
				}
				if d := time.Since(start); d > budget+time.Second {
					t.Errorf("a store call took %v, past its ctx of %v", d, budget)
				}
				cancel()
				mu.Lock()
				switch {
				case err == nil, errors.Is(err, store.ErrNotFound):
					ok++
				case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
					unavailable++
				default:
					t.Errorf("unexpected error class: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := callIPs(ctx, api); err != nil {
				t.Errorf("API call while Redis died: %v", err)
			}
			cancel()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	// Kill Redis once calls succeed, and stop once calls have failed after the kill.
	waitFor := func(what string, cond func() bool) {
		for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	count := func() (int, int) { mu.Lock(); defer mu.Unlock(); return ok, unavailable }
	waitFor("successful calls", func() bool { n, _ := count(); return n >= 20 })
	_, before := count()
	r.Kill()
	waitFor("failed calls", func() bool { _, n := count(); return n >= before+20 })
	close(stop)
	wg.Wait()
}

// TestRedisDownCursorsAndCallbacks: with Redis down, customerservice.Sync yields the typed error
// instead of guessing a cursor, and webhook.Handler handles a callback anyway (it prefers a
// possible duplicate to a lost event) and logs a warning.
func TestRedisDownCursorsAndCallbacks(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	kfID := srv.AddKfAccount("Support")
	if _, err := srv.CustomerSays(kfID, "wmCustomer01", "hi"); err != nil {
		t.Fatal(err)
	}
	st := New(r.Client(t))
	api := newAppClient(t, srv, st, slog.New(slog.DiscardHandler))
	r.Kill()
	ctx := ctxFor(t, 20*time.Second)

	cs := customerservice.New(api)
	var syncErr error
	for _, err := range cs.Sync(ctx, customerservice.SyncParams{OpenKfID: kfID, Token: srv.KfSyncToken(kfID)}) {
		if err == nil {
			t.Fatal("Sync yielded a message without knowing its cursor")
		}
		syncErr = err
	}
	if !errors.Is(syncErr, ErrUnavailable) {
		t.Fatalf("Sync with Redis down yielded %v, want ErrUnavailable", syncErr)
	}
	if got := srv.Served("/cgi-bin/kf/sync_msg"); got != 0 {
		t.Errorf("Sync called sync_msg %d times without a cursor", got)
	}
	var pullErr error
	for _, err := range cs.Pull(ctx, customerservice.SyncParams{OpenKfID: kfID}) {
		pullErr = err
	}
	if !errors.Is(pullErr, ErrUnavailable) {
		t.Errorf("Pull with Redis down yielded %v, want ErrUnavailable", pullErr)
	}

	logs := &lockedBuffer{}
	cr, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	h := webhook.NewHandler(cr, webhook.WithStore(st), webhook.WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	var handled atomic.Int32
	webhook.On(h, func(context.Context, *webhook.TextMessage) (webhook.Reply, error) { handled.Add(1); return nil, nil })
	hs := httptest.NewServer(h)
	defer hs.Close()
	cfg := wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey, Attempts: 1}
	d, err := srv.DeliverCallback(ctx, hs.URL, cfg, wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, 42, "hello"))
	if err != nil || !d.Acked || handled.Load() != 1 {
		t.Fatalf("callback with Redis down: acked %v (%v), handled %d times; want acked, once", d.Acked, err, handled.Load())
	}
	if !strings.Contains(logs.String(), "dedupe store failed") || !strings.Contains(logs.String(), "redis unavailable") {
		t.Errorf("no warning about the dedupe store:\n%s", logs)
	}
}

// TestForeignTokenValue: bytes in the token key that the SDK did not write are replaced by the
// next fetch; a key of another Redis type is reported (ErrWrongType in the warning) and the
// client goes on with its own token.
func TestForeignTokenValue(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	rdb := r.Client(t)
	srv := wecomtest.NewServer()
	defer srv.Close()
	st := New(rdb)
	ctx := ctxFor(t, 20*time.Second)
	if err := callIPs(ctx, newAppClient(t, srv, st, slog.New(slog.DiscardHandler))); err != nil {
		t.Fatal(err)
	}
	keys, err := rdb.Keys(ctx, "wecom:v1:tok:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("token keys = %q, %v; want one", keys, err)
	}
	key := keys[0]
	if strings.Contains(key, wecomtest.Secret) {
		t.Fatalf("the token key %q holds the secret", key)
	}

	if err := rdb.Set(ctx, key, "not what the SDK wrote", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := callIPs(ctx, newAppClient(t, srv, st, slog.New(slog.DiscardHandler))); err != nil {
		t.Fatalf("with garbage in the token key: %v", err)
	}
	if got, _ := rdb.Get(ctx, key).Result(); !strings.HasPrefix(got, `{"t":"`) {
		t.Fatalf("the garbage was not replaced by a token: %q", got)
	}

	if err := rdb.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, key, "t", "x").Err(); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	if err := callIPs(ctx, newAppClient(t, srv, st, slog.New(slog.NewTextHandler(logs, nil)))); err != nil {
		t.Fatalf("with a hash in the token key: %v", err)
	}
	if !strings.Contains(logs.String(), ErrWrongType.Error()) {
		t.Errorf("the warning does not say the key holds another type:\n%s", logs)
	}
}
