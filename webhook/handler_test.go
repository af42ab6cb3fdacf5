package webhook

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/store"
)

const testCorp = "wwhandlertest0001"

func newTestCrypto(t testing.TB, receiveID string) *Crypto {
	t.Helper()
	c, err := NewCrypto(specToken, specKey, receiveID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var nonceSeq atomic.Int64

// signedPost builds a POST as WeCom sends it: fresh nonce, timestamp and ciphertext each time.
func signedPost(t testing.TB, c *Crypto, receiveID, plaintext string) *http.Request {
	t.Helper()
	enc, err := c.Encrypt([]byte(plaintext), receiveID)
	if err != nil {
		t.Fatal(err)
	}
	ts := fmt.Sprint(time.Now().Unix())
	nonce := fmt.Sprint(100000 + nonceSeq.Add(1))
	q := url.Values{"msg_signature": {c.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	body := "<xml><ToUserName><![CDATA[" + receiveID + "]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
	return httptest.NewRequest(http.MethodPost, "/callback?"+q.Encode(), strings.NewReader(body))
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func textXML(from, content string, msgID int64) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>1732500060</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId><AgentID>1000002</AgentID></xml>", testCorp, from, content, msgID)
}

func contactXML(userID string) string {
	return "<xml><ToUserName><![CDATA[" + testCorp + "]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1732440012</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType>create_user</ChangeType><UserID><![CDATA[" + userID + "]]></UserID></xml>"
}

func TestHandlerVerifyURL(t *testing.T) {
	t.Parallel()
	h := NewHandler(newTestCrypto(t, specReceiveID))
	h.now = func() time.Time { return time.Unix(1732500000, 0) } // the spec vector's time
	srv := httptest.NewServer(h)
	defer srv.Close()
	// The raw query exactly as in the spec (percent-encoded echostr).
	resp, err := http.Get(srv.URL + "/callback?msg_signature=2bce3364ac365656aa4652b04384c579ab23bb3d&timestamp=1732500000&nonce=384729156&echostr=eCyIe0%2BuiijGBq44XutxngyRIB25IsHIItS6HxVlewiWEQJb8fM3ZsQ5OqsfBQxwofus%2FTrPJJX9jjvdtyXNlw%3D%3D")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "6743159823104466501" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	for name, query := range map[string]string{
		"bad signature": "msg_signature=0bce3364ac365656aa4652b04384c579ab23bb3d&timestamp=1732500000&nonce=384729156&echostr=eCyIe0%2BuiijGBq44XutxngyRIB25IsHIItS6HxVlewiWEQJb8fM3ZsQ5OqsfBQxwofus%2FTrPJJX9jjvdtyXNlw%3D%3D",
		"no echostr":    "msg_signature=2bce3364ac365656aa4652b04384c579ab23bb3d&timestamp=1732500000&nonce=384729156",
	} {
		resp, err := http.Get(srv.URL + "/callback?" + query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode > 499 || len(body) != 0 {
			t.Errorf("%s: %d %q", name, resp.StatusCode, body)
		}
	}
}

func TestHandlerDispatch(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c)
	var mu sync.Mutex
	var got []string
	record := func(s string) { mu.Lock(); got = append(got, s); mu.Unlock() }
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		record("text:" + ev.Content)
		return nil, nil
	})
	On(h, func(ctx context.Context, ev *UserCreated) (Reply, error) {
		record("user:" + ev.UserID)
		return nil, nil
	})
	// An interface registration catches every implementer without an exact registration.
	On(h, func(ctx context.Context, ev interface {
		Event
		Raw() []byte
	}) (Reply, error) {
		record("iface:" + ev.Kind())
		return nil, nil
	})
	for _, pt := range []string{textXML("LiLei", "hi", 1), contactXML("WangFang"),
		"<xml><ToUserName>" + testCorp + "</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>click</Event><EventKey>K</EventKey></xml>"} {
		if w := serve(h, signedPost(t, c, testCorp, pt)); w.Code != 200 || w.Body.Len() != 0 {
			t.Fatalf("%d %q", w.Code, w.Body)
		}
	}
	want := []string{"text:hi", "user:WangFang", "iface:event:click"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v want %v", got, want)
	}

	// OnAny receives what nothing else matches, Unknown included.
	h2 := NewHandler(c)
	var unknown *Unknown
	h2.OnAny(func(ctx context.Context, ev Event) (Reply, error) {
		unknown, _ = ev.(*Unknown)
		return nil, nil
	})
	serve(h2, signedPost(t, c, testCorp, "<xml><MsgType>event</MsgType><Event>brand_new_event</Event><X>1</X></xml>"))
	if unknown == nil || unknown.Event != "brand_new_event" {
		t.Fatalf("OnAny got %+v", unknown)
	}
	if v, _ := unknown.Lookup("X"); v != "1" {
		t.Fatalf("unknown raw lost: %q", unknown.Raw())
	}
}

// decryptReply opens a passive reply envelope the way WeCom would.
func decryptReply(t *testing.T, c *Crypto, body []byte) Event {
	t.Helper()
	ev, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	hd := ev.EventHeader()
	sig, _ := hd.Lookup("MsgSignature")
	nonce, _ := hd.Lookup("Nonce")
	plain, err := c.Decrypt(sig, fmt.Sprint(hd.TimeStamp), nonce, body)
	if err != nil {
		t.Fatalf("reply does not decrypt: %v", err)
	}
	out, err := Parse(plain)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestHandlerPassiveReply(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c)
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		return TextReply{Content: "收到: " + ev.Content}, nil
	})
	w := serve(h, signedPost(t, c, testCorp, textXML("zhangsan", "进度?", 77)))
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/xml") {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
	reply := decryptReply(t, c, w.Body.Bytes())
	tm, ok := reply.(*TextMessage)
	if !ok || tm.Content != "收到: 进度?" || tm.ToUserName != "zhangsan" || tm.FromUserName != testCorp || tm.CreateTime == 0 {
		t.Fatalf("reply %#v", reply)
	}
}

func TestHandlerDuplicateDeliveryHandledOnce(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	mem := store.NewMemory()
	h := NewHandler(c, WithStore(mem))
	var texts, users atomic.Int32
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		texts.Add(1)
		return TextReply{Content: "once"}, nil
	})
	On(h, func(ctx context.Context, ev *UserCreated) (Reply, error) {
		users.Add(1)
		return nil, nil
	})
	var bodies [][]byte
	for i := 0; i < 4; i++ { // WeCom may deliver up to 4 times
		w := serve(h, signedPost(t, c, testCorp, textXML("LiLei", "hi", 42)))
		if w.Code != 200 {
			t.Fatalf("delivery %d: %d", i, w.Code)
		}
		bodies = append(bodies, w.Body.Bytes())
	}
	if texts.Load() != 1 {
		t.Fatalf("text handled %d times", texts.Load())
	}
	// The redeliveries get the same passive reply.
	for i, b := range bodies {
		if tm, ok := decryptReply(t, c, b).(*TextMessage); !ok || tm.Content != "once" {
			t.Fatalf("delivery %d reply %q", i, b)
		}
	}
	// Events without MsgId: the same plaintext twice is one event, two different events of the
	// same second are two.
	for _, u := range []string{"A", "A", "B"} {
		serve(h, signedPost(t, c, testCorp, contactXML(u)))
	}
	if users.Load() != 2 {
		t.Fatalf("change_contact handled %d times, want 2", users.Load())
	}
}

func TestHandlerSlowFunctionAcknowledgedInTime(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	var buf syncBuffer
	h := NewHandler(c, WithAckBudget(50*time.Millisecond), WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	release := make(chan struct{})
	var finished atomic.Bool
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		<-release
		if ctx.Err() != nil {
			return nil, errors.New("context cancelled with the request")
		}
		finished.Store(true)
		return TextReply{Content: "too late"}, nil
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	req := signedPost(t, c, testCorp, textXML("LiLei", "slow", 9))
	start := time.Now()
	resp, err := http.Post(srv.URL+req.URL.RequestURI(), "text/xml", req.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	if resp.StatusCode != 200 || len(body) != 0 || elapsed > 2*time.Second {
		t.Fatalf("%d %q after %v", resp.StatusCode, body, elapsed)
	}
	if finished.Load() {
		t.Fatal("function finished before release")
	}
	close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("function did not run to completion on a live context")
	}
	if !strings.Contains(buf.String(), "late handler finished") {
		t.Fatalf("late completion not logged: %s", buf.String())
	}
}

func TestHandlerISVAnswersSuccess(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, "wwsuite0001")
	h := NewHandler(c, WithAckBudget(10*time.Second))
	var ticket string
	On(h, func(ctx context.Context, ev *SuiteTicket) (Reply, error) {
		ticket = ev.SuiteID + "/" + ev.Ticket
		return TextReply{Content: "ignored"}, nil // ISV commands take no reply
	})
	block := make(chan struct{})
	On(h, func(ctx context.Context, ev *CreateAuth) (Reply, error) {
		<-block
		return nil, nil
	})
	w := serve(h, signedPost(t, c, "wwsuite0001", string(readTestdata(t, "events/suite_ticket.xml"))))
	if w.Code != 200 || w.Body.String() != "success" || ticket != "wwsuite0001/tk-Qm9ndXM" {
		t.Fatalf("%d %q %q", w.Code, w.Body, ticket)
	}
	// Auth events are answered within WeCom's 1 s (the budget is capped at 800 ms; the margin
	// here is for loaded CI machines) even with a much longer budget.
	start := time.Now()
	w = serve(h, signedPost(t, c, "wwsuite0001", string(readTestdata(t, "events/create_auth.xml"))))
	if w.Body.String() != "success" || time.Since(start) > 3*time.Second {
		t.Fatalf("create_auth answered %q after %v", w.Body, time.Since(start))
	}
	close(block)
	_ = h.Wait(context.Background())
	// Unknown InfoTypes are acknowledged with success too.
	if w := serve(h, signedPost(t, c, "wwsuite0001", string(readTestdata(t, "events/unknown_info.xml")))); w.Body.String() != "success" {
		t.Fatalf("unknown info: %q", w.Body)
	}
}

func TestHandlerErrorAndPanicAllowRedelivery(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	var buf syncBuffer
	h := NewHandler(c, WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	var calls atomic.Int32
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		switch calls.Add(1) {
		case 1:
			return nil, errors.New("database down")
		case 2:
			panic("user bug")
		}
		return nil, nil
	})
	codes := []int{}
	for i := 0; i < 3; i++ {
		w := serve(h, signedPost(t, c, testCorp, textXML("LiLei", "retry me", 5)))
		codes = append(codes, w.Code)
		if w.Code != 200 && w.Body.Len() != 0 {
			t.Fatalf("error body %q", w.Body)
		}
	}
	if fmt.Sprint(codes) != "[500 500 200]" || calls.Load() != 3 {
		t.Fatalf("codes %v calls %d", codes, calls.Load())
	}
	if !strings.Contains(buf.String(), "handler panicked") || !strings.Contains(buf.String(), "database down") {
		t.Fatalf("log: %s", buf.String())
	}
	// Once handled, a redelivery is dropped.
	serve(h, signedPost(t, c, testCorp, textXML("LiLei", "retry me", 5)))
	if calls.Load() != 3 {
		t.Fatal("handled again after success")
	}
}

func TestHandlerRejectsBadRequests(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	var buf syncBuffer
	h := NewHandler(c, WithBodyLimit(4096), WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	var calls atomic.Int32
	h.OnAny(func(ctx context.Context, ev Event) (Reply, error) { calls.Add(1); return nil, nil })
	good := signedPost(t, c, testCorp, textXML("LiLei", "secret-content-xyz", 1))
	goodQuery := good.URL.RawQuery
	goodBody, _ := io.ReadAll(good.Body)
	other := newTestCrypto(t, "wwsomeoneelse")
	wrongRID := signedPost(t, other, "wwsomeoneelse", textXML("LiLei", "x", 2))
	tamperedQuery := strings.Replace(goodQuery, "nonce=", "nonce=9", 1)
	cases := []struct {
		name, query, body string
		method            string
		want              int
	}{
		{"bad signature", tamperedQuery, string(goodBody), "POST", 403},
		{"no signature", "timestamp=1&nonce=2", string(goodBody), "POST", 403},
		{"empty body", goodQuery, "", "POST", 400},
		{"not xml", goodQuery, "garbage", "POST", 400},
		{"no Encrypt", goodQuery, "<xml><ToUserName>x</ToUserName></xml>", "POST", 400},
		{"too large", goodQuery, "<xml><Encrypt>" + strings.Repeat("A", 5000) + "</Encrypt></xml>", "POST", 413},
		{"wrong receive id", wrongRID.URL.RawQuery, func() string { b, _ := io.ReadAll(wrongRID.Body); return string(b) }(), "POST", 403},
		{"method", goodQuery, "", "PUT", 405},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(tc.method, "/callback?"+tc.query, strings.NewReader(tc.body))
		w := serve(h, r)
		if w.Code != tc.want || w.Body.Len() != 0 {
			t.Errorf("%s: %d %q", tc.name, w.Code, w.Body)
		}
	}
	if calls.Load() != 0 {
		t.Fatalf("a rejected request reached user code %d times", calls.Load())
	}
	// Nothing secret or from the body reaches the log.
	for _, s := range []string{specToken, specKey, "secret-content-xyz"} {
		if strings.Contains(buf.String(), s) {
			t.Fatalf("log leaks %q: %s", s, buf.String())
		}
	}
}

func TestHandlerTimestampTolerance(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c, WithTimestampTolerance(5*time.Minute))
	h.now = func() time.Time { return time.Now().Add(time.Hour) } // every fresh request is stale
	if w := serve(h, signedPost(t, c, testCorp, textXML("a", "b", 3))); w.Code != 403 || w.Body.Len() != 0 {
		t.Fatalf("stale: %d", w.Code)
	}
	h.now = func() time.Time { return time.Now().Add(-time.Hour) } // … or from the future
	if w := serve(h, signedPost(t, c, testCorp, textXML("a", "b", 4))); w.Code != 403 {
		t.Fatalf("future: %d", w.Code)
	}
	h.now = time.Now
	if w := serve(h, signedPost(t, c, testCorp, textXML("a", "b", 5))); w.Code != 200 {
		t.Fatalf("fresh: %d", w.Code)
	}
	if err := h.checkTimestamp("abc"); !errors.Is(err, ErrTimestamp) {
		t.Fatal(err)
	}
	// On by default, with DefaultTimestampTolerance; capped at the dedupe TTL; off when <= 0.
	for _, tc := range []struct {
		opts []Option
		skew time.Duration
		want int
	}{
		{nil, DefaultTimestampTolerance - 5*time.Second, 200},
		{nil, DefaultTimestampTolerance + 5*time.Second, 403},
		{[]Option{WithDedupeTTL(time.Minute)}, 2 * time.Minute, 403},
		{[]Option{WithDedupeTTL(time.Minute), WithTimestampTolerance(time.Hour)}, 2 * time.Minute, 403},
		{[]Option{WithTimestampTolerance(0)}, 24 * time.Hour, 200},
	} {
		h2 := NewHandler(c, tc.opts...)
		h2.now = func() time.Time { return time.Now().Add(tc.skew) }
		if w := serve(h2, signedPost(t, c, testCorp, textXML("a", "b", 6))); w.Code != tc.want {
			t.Errorf("%d options, %v late: %d, want %d", len(tc.opts), tc.skew, w.Code, tc.want)
		}
	}
}

func TestHandlerReceiveIDSet(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, "wwsuite0001")
	h := NewHandler(c, WithReceiveIDs("wwsuite0001", "wwcorpA"))
	var to string
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		to = ev.ToUserName
		return TextReply{Content: "ok"}, nil
	})
	pt := strings.Replace(textXML("u", "x", 8), testCorp, "wwcorpA", 1)
	w := serve(h, signedPost(t, c, "wwcorpA", pt))
	if w.Code != 200 || to != "wwcorpA" {
		t.Fatalf("%d %q", w.Code, to)
	}
	// The reply is encrypted for the receive ID of the request.
	env, _ := Parse(w.Body.Bytes())
	sig, _ := env.EventHeader().Lookup("MsgSignature")
	nonce, _ := env.EventHeader().Lookup("Nonce")
	e, err := c.WithReceiveIDs("wwcorpA").DecryptEnvelope(sig, fmt.Sprint(env.EventHeader().TimeStamp), nonce, w.Body.Bytes())
	if err != nil || e.ReceiveID != "wwcorpA" {
		t.Fatalf("%v %q", err, e.ReceiveID)
	}
	if w := serve(h, signedPost(t, c, "wwcorpB", pt)); w.Code != 403 {
		t.Fatalf("unlisted corp: %d", w.Code)
	}
	hf := NewHandler(c, WithReceiveIDFunc(func(id string) bool { return id == "wwcorpB" }))
	if w := serve(hf, signedPost(t, c, "wwcorpB", pt)); w.Code != 200 {
		t.Fatalf("func: %d", w.Code)
	}
}

// failingStore fails every call, to prove the handler still delivers (at least once).
type failingStore struct{ store.Store }

func (failingStore) SetNX(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, errors.New("store down")
}

func TestHandlerStoreFailureStillDelivers(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c, WithStore(failingStore{store.NewMemory()}))
	var n atomic.Int32
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) { n.Add(1); return nil, nil })
	serve(h, signedPost(t, c, testCorp, textXML("a", "b", 1)))
	if n.Load() != 1 {
		t.Fatal("event lost when the store failed")
	}
}

// syncBuffer is a bytes.Buffer safe for the handler's concurrent log writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDedupeKeys(t *testing.T) {
	t.Parallel()
	a, _ := Parse([]byte(contactXML("A")))
	b, _ := Parse([]byte(contactXML("B")))
	if DedupeKey(a, a.Raw(), testCorp) == DedupeKey(b, b.Raw(), testCorp) {
		t.Fatal("distinct events of the same second share the default key")
	}
	if DocumentedDedupeKey(a, a.Raw(), testCorp) != DocumentedDedupeKey(b, b.Raw(), testCorp) {
		t.Fatal("the documented key should merge them (sender + CreateTime + kind)")
	}
	m1, _ := Parse([]byte(textXML("u", "x", 5)))
	m2, _ := Parse([]byte(textXML("u", "other text", 5)))
	for _, key := range []func(Event, []byte, string) string{DedupeKey, DocumentedDedupeKey} {
		if key(m1, m1.Raw(), testCorp) != key(m2, m2.Raw(), testCorp) {
			t.Fatal("messages are keyed by MsgId")
		}
	}
	if DedupeKey(m1, m1.Raw(), "corpA") == DedupeKey(m1, m1.Raw(), "corpB") {
		t.Fatal("keys must include the receiver")
	}
}

// TestHandlerLogsNoSecrets drives every path at debug level and greps the log for the token,
// the key and message content.
func TestHandlerLogsNoSecrets(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	var buf syncBuffer
	h := NewHandler(c, WithAckBudget(20*time.Millisecond), WithLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		switch ev.Content {
		case "planted-secret-1":
			return nil, errors.New("failed")
		case "planted-secret-2":
			panic("boom")
		case "planted-secret-3":
			time.Sleep(50 * time.Millisecond)
		}
		return TextReply{Content: "planted-secret-reply"}, nil
	})
	for i, content := range []string{"planted-secret-0", "planted-secret-1", "planted-secret-2", "planted-secret-3", "planted-secret-0"} {
		serve(h, signedPost(t, c, testCorp, textXML("u", content, int64(100+i%4))))
	}
	serve(h, signedPost(t, c, testCorp, "<xml><MsgType>event</MsgType><Event>brand_new_event</Event><Secret>planted-secret-field</Secret></xml>"))
	bad := signedPost(t, c, testCorp, textXML("u", "planted-secret-bad", 200))
	bad.URL.RawQuery = strings.Replace(bad.URL.RawQuery, "nonce=", "nonce=1", 1)
	serve(h, bad)
	_ = h.Wait(context.Background())
	out := buf.String()
	if !strings.Contains(out, "handler panicked") || !strings.Contains(out, "callback rejected") {
		t.Fatalf("log misses paths: %s", out)
	}
	key, _ := base64.StdEncoding.DecodeString(specKey + "=")
	for _, s := range []string{specToken, specKey, hex.EncodeToString(key), base64.RawStdEncoding.EncodeToString(key[:12]), "planted-secret"} {
		if strings.Contains(out, s) {
			t.Errorf("log contains %q:\n%s", s, out)
		}
	}
}

// hungStore never answers: every call blocks until its ctx ends, like a Redis behind a dead
// network path.
type hungStore struct{}

func (hungStore) Get(ctx context.Context, _ string) ([]byte, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (hungStore) Set(ctx context.Context, _ string, _ []byte, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}
func (hungStore) SetNX(ctx context.Context, _ string, _ []byte, _ time.Duration) (bool, error) {
	<-ctx.Done()
	return false, ctx.Err()
}
func (hungStore) Delete(ctx context.Context, _ string) error { <-ctx.Done(); return ctx.Err() }

func TestHandlerHungStoreStillAnswersInTime(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, testCorp)
	h := NewHandler(c, WithStore(hungStore{}))
	On(h, func(ctx context.Context, ev *TextMessage) (Reply, error) {
		if ev.Content == "fail" {
			return nil, errors.New("database down")
		}
		return TextReply{Content: "pong"}, nil
	})
	for _, tc := range []struct {
		content string
		code    int
	}{{"ping", 200}, {"fail", 500}} {
		done := make(chan *httptest.ResponseRecorder, 1)
		start := time.Now()
		go func() { done <- serve(h, signedPost(t, c, testCorp, textXML("LiLei", tc.content, 77))) }()
		select {
		case w := <-done:
			if w.Code != tc.code {
				t.Fatalf("%s: status %d, want %d", tc.content, w.Code, tc.code)
			}
			if tc.code == 200 {
				if tm, ok := decryptReply(t, c, w.Body.Bytes()).(*TextMessage); !ok || tm.Content != "pong" {
					t.Fatalf("reply %q", w.Body)
				}
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Fatalf("%s: answered after %v, past WeCom's 5 s window with network time", tc.content, d)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: no answer within WeCom's 5 s: a hung store blocks the answer", tc.content)
		}
	}
}

// slowClaimStore answers SetNX only after a delay, like a loaded Redis.
type slowClaimStore struct {
	store.Store
	delay time.Duration
}

func (s slowClaimStore) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	time.Sleep(s.delay)
	return s.Store.SetNX(ctx, key, val, ttl)
}

// The acknowledgement budget counts from the request's arrival: time spent claiming the
// dedupe key (here within the third of the budget a store call may take) is not added on top,
// so an ISV auth event is still answered within WeCom's 1 s.
func TestHandlerBudgetIncludesStoreTime(t *testing.T) {
	t.Parallel()
	c := newTestCrypto(t, "wwsuite0001")
	h := NewHandler(c, WithStore(slowClaimStore{store.NewMemory(), 200 * time.Millisecond}))
	block := make(chan struct{})
	On(h, func(ctx context.Context, ev *CreateAuth) (Reply, error) {
		<-block
		return nil, nil
	})
	defer func() { close(block); _ = h.Wait(context.Background()) }()
	start := time.Now()
	w := serve(h, signedPost(t, c, "wwsuite0001", string(readTestdata(t, "events/create_auth.xml"))))
	if d := time.Since(start); w.Body.String() != "success" || d >= time.Second {
		t.Fatalf("create_auth answered %q after %v, want success within 1 s", w.Body, d)
	}
}
