package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// callbackLog records OnCallback calls.
type callbackLog struct {
	mu  sync.Mutex
	got []CallbackInfo
}

func (l *callbackLog) hooks() Hooks {
	return Hooks{OnCallback: func(_ context.Context, c CallbackInfo) {
		l.mu.Lock()
		l.got = append(l.got, c)
		l.mu.Unlock()
	}}
}

func (l *callbackLog) take(t *testing.T) CallbackInfo {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.got) != 1 {
		t.Fatalf("want one OnCallback call, got %+v", l.got)
	}
	c := l.got[0]
	l.got = nil
	return c
}

// OnCallback sees each answered callback's kind and outcome: handled, failed, duplicate,
// rejected, acknowledged while running, unhandled and queued.
func TestHandlerHooks(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	var cl callbackLog
	h := NewHandler(c, WithHooks(cl.hooks()), WithAckBudget(50*time.Millisecond))
	release := make(chan struct{})
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		switch ev.Content {
		case "fail":
			return nil, errors.New("database down")
		case "slow":
			<-release
		}
		return nil, nil
	})

	check := func(name string, got CallbackInfo, kind string, outcome Outcome, running, hasErr bool) {
		t.Helper()
		if got.Kind != kind || got.Outcome != outcome || got.Running != running || (got.Err != nil) != hasErr || got.Duration <= 0 {
			t.Errorf("%s: got %+v", name, got)
		}
	}
	serve(h, signedPost(t, c, testCorp, textXML("LiLei", "hello", 1)))
	check("handled", cl.take(t), "text", OutcomeAcked, false, false)
	serve(h, signedPost(t, c, testCorp, textXML("LiLei", "hello", 1)))
	check("duplicate", cl.take(t), "text", OutcomeDuplicate, false, false)
	serve(h, signedPost(t, c, testCorp, textXML("LiLei", "fail", 2)))
	got := cl.take(t)
	check("failed", got, "text", OutcomeFailed, false, true)
	if !strings.Contains(got.Err.Error(), "database down") {
		t.Errorf("failed: err %v", got.Err)
	}
	bad := signedPost(t, c, testCorp, textXML("LiLei", "hello", 3))
	q := bad.URL.Query()
	q.Set("msg_signature", strings.Repeat("0", 40))
	bad.URL.RawQuery = q.Encode()
	serve(h, bad)
	got = cl.take(t)
	check("rejected", got, "", OutcomeRejected, false, true)
	if !errors.Is(got.Err, ErrSignature) {
		t.Errorf("rejected: err %v", got.Err)
	}
	serve(h, signedPost(t, c, testCorp, textXML("LiLei", "slow", 4)))
	check("running", cl.take(t), "text", OutcomeAcked, true, false)
	close(release)
	serve(h, signedPost(t, c, testCorp, contactXML("zhangsan")))
	check("unhandled", cl.take(t), "event:change_contact:create_user", OutcomeAcked, false, false)
	if err := h.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}

	// URL verification is not a callback.
	serve(h, httptest.NewRequest(http.MethodGet, "/callback?echostr=x", nil))
	cl.mu.Lock()
	if len(cl.got) != 0 {
		t.Errorf("verification reported: %+v", cl.got)
	}
	cl.mu.Unlock()

	qh := NewHandler(c, WithHooks(cl.hooks()), WithQueue(NewMemoryQueue(time.Minute)))
	serve(qh, signedPost(t, c, testCorp, textXML("LiLei", "hello", 5)))
	check("queued", cl.take(t), "text", OutcomeQueued, false, false)
}
