package wecomtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	cbToken = "CallbackToken01"
	cbKey   = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

func cbConfig() wecomtest.CallbackConfig {
	return wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbKey}
}

func newReceiver(t *testing.T, receiveID string, opts ...webhook.Option) *webhook.Handler {
	t.Helper()
	c, err := webhook.NewCrypto(cbToken, cbKey, receiveID)
	if err != nil {
		t.Fatal(err)
	}
	return webhook.NewHandler(c, opts...)
}

func TestDeliverCallbackWithPassiveReply(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	h := newReceiver(t, wecomtest.CorpID)
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		return webhook.TextReply{Content: "echo: " + ev.Content}, nil
	})
	recv := httptest.NewServer(h)
	defer recv.Close()
	d, err := srv.DeliverCallback(context.Background(), recv.URL+"/cb", cbConfig(),
		wecomtest.TextCallback(wecomtest.CorpID, "LiLei", wecomtest.AgentID, 1001, "进度?"))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Acked || len(d.Attempts) != 1 || d.Attempts[0].Status != 200 {
		t.Fatalf("%+v", d)
	}
	ev, err := webhook.Parse(d.Reply)
	if err != nil {
		t.Fatal(err)
	}
	tm, ok := ev.(*webhook.TextMessage)
	if !ok || tm.Content != "echo: 进度?" || tm.ToUserName != "LiLei" || tm.FromUserName != wecomtest.CorpID {
		t.Fatalf("reply %s", d.Reply)
	}
	if got := srv.Callbacks(); len(got) != 1 || string(got[0].Plaintext) != string(d.Plaintext) {
		t.Fatalf("recorded %d", len(got))
	}
}

// slowFirst delays the answer of the first n requests past the simulator's timeout.
func slowFirst(n int32, delay time.Duration, next http.Handler) (http.Handler, *atomic.Int32) {
	var seen atomic.Int32
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if seen.Add(1) <= n {
			// Handle the request, but answer too late.
			next.ServeHTTP(httptest.NewRecorder(), r)
			time.Sleep(delay)
			return
		}
		next.ServeHTTP(w, r)
	}), &seen
}

func TestDeliverCallbackRetriesAndReceiverDedupes(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	h := newReceiver(t, wecomtest.CorpID)
	var handled atomic.Int32
	var mu sync.Mutex
	nonces := map[string]bool{}
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		handled.Add(1)
		return nil, nil
	})
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		nonces[r.URL.Query().Get("nonce")] = true
		mu.Unlock()
		h.ServeHTTP(w, r)
	})
	slow, seen := slowFirst(2, 300*time.Millisecond, inner)
	recv := httptest.NewServer(slow)
	defer recv.Close()
	cfg := cbConfig()
	cfg.Timeout = 100 * time.Millisecond
	d, err := srv.DeliverCallback(context.Background(), recv.URL, cfg, wecomtest.TextCallback(wecomtest.CorpID, "u1", 1, 77, "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Acked || len(d.Attempts) != 3 || d.Attempts[0].Err == nil || d.Attempts[2].Status != 200 {
		t.Fatalf("attempts %+v", d.Attempts)
	}
	if handled.Load() != 1 {
		t.Fatalf("receiver handled %d times, want 1 (dedupe)", handled.Load())
	}
	recv.Close() // waits for the late answers
	mu.Lock()
	defer mu.Unlock()
	// Each redelivery had a fresh nonce (and so a fresh signature and ciphertext).
	if seen.Load() < 3 || len(nonces) != int(seen.Load()) {
		t.Fatalf("%d requests, %d nonces", seen.Load(), len(nonces))
	}
}

func TestDeliverCallbackNotAcked(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	var n atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(500)
	}))
	defer recv.Close()
	cfg := cbConfig()
	cfg.Attempts = 2
	d, err := srv.DeliverCallback(context.Background(), recv.URL, cfg, wecomtest.TextCallback(wecomtest.CorpID, "u", 1, 1, "x"))
	if !errors.Is(err, wecomtest.ErrCallbackNotAcked) || d.Acked || len(d.Attempts) != 2 || n.Load() != 2 {
		t.Fatalf("%v %+v %d", err, d, n.Load())
	}
	// Default: the first delivery and three retries.
	d, _ = srv.DeliverCallback(context.Background(), recv.URL, cbConfig(), wecomtest.TextCallback(wecomtest.CorpID, "u", 1, 2, "x"))
	if len(d.Attempts) != 4 {
		t.Fatalf("default attempts %d", len(d.Attempts))
	}
	// A garbage 200 body is not a valid passive reply.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<xml>nope</xml>")) }))
	defer bad.Close()
	if _, err := srv.DeliverCallback(context.Background(), bad.URL, cbConfig(), wecomtest.TextCallback(wecomtest.CorpID, "u", 1, 3, "x")); !errors.Is(err, wecomtest.ErrBadReply) {
		t.Fatalf("bad reply: %v", err)
	}
}

func TestDeliverISVCallbacks(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	const suite = "wwsuitesim0001"
	srv.AddSuite(wecomtest.Suite{ID: suite, Secret: "suite-secret"})
	h := newReceiver(t, suite)
	tickets := make(chan string, 8)
	webhook.On(h, func(ctx context.Context, ev *webhook.SuiteTicket) (webhook.Reply, error) {
		tickets <- ev.Ticket
		return nil, nil
	})
	recv := httptest.NewServer(h)
	defer recv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	srv.SetSuiteCommandCallbackURL(suite, recv.URL, cbConfig())
	srv.PushSuiteTickets(ctx, suite, 20*time.Millisecond)
	var got []string
	for len(got) < 2 {
		select {
		case tk := <-tickets:
			got = append(got, tk)
		case <-time.After(5 * time.Second):
			t.Fatal("no tickets pushed")
		}
	}
	cancel()
	if got[0] == got[1] || !strings.HasPrefix(got[0], "sim-ticket-"+suite) {
		t.Fatalf("tickets %v", got)
	}
	// An ISV command callback answered with an empty body is not acknowledged.
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer empty.Close()
	cfg := cbConfig()
	cfg.Attempts = 1
	if _, err := srv.DeliverCallback(context.Background(), empty.URL, cfg, wecomtest.SuiteTicketCallback(suite, "t")); !errors.Is(err, wecomtest.ErrCallbackNotAcked) {
		t.Fatalf("empty ISV answer: %v", err)
	}
}

func TestDeliverCallbackFaults(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	h := newReceiver(t, wecomtest.CorpID, webhook.WithTimestampTolerance(time.Hour))
	var handled atomic.Int32
	h.OnAny(func(ctx context.Context, ev webhook.Event) (webhook.Reply, error) { handled.Add(1); return nil, nil })
	recv := httptest.NewServer(h)
	defer recv.Close()
	for fault, status := range map[wecomtest.CallbackFault]int{
		wecomtest.CallbackBadSignature:      403,
		wecomtest.CallbackWrongReceiveID:    403,
		wecomtest.CallbackTruncatedCipher:   400,
		wecomtest.CallbackOversizedBody:     413,
		wecomtest.CallbackTimestampFromPast: 403,
	} {
		cfg := cbConfig()
		cfg.Attempts, cfg.Fault = 1, fault
		d, err := srv.DeliverCallback(context.Background(), recv.URL, cfg, wecomtest.TextCallback(wecomtest.CorpID, "u", 1, int64(fault), "x"))
		if !errors.Is(err, wecomtest.ErrCallbackNotAcked) || len(d.Attempts) != 1 || d.Attempts[0].Status != status {
			t.Errorf("fault %d: %v %+v", fault, err, d.Attempts)
		}
	}
	// A plaintext that is not XML decrypts but does not parse: 400.
	cfg := cbConfig()
	cfg.Attempts = 1
	if d, _ := srv.DeliverCallback(context.Background(), recv.URL, cfg, []byte("not xml")); d.Attempts[0].Status != 400 {
		t.Errorf("non-XML plaintext: %+v", d.Attempts)
	}
	if handled.Load() != 0 {
		t.Fatalf("a faulted delivery reached user code")
	}
}

func TestVerifyCallbackURL(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	recv := httptest.NewServer(newReceiver(t, wecomtest.CorpID))
	defer recv.Close()
	if err := srv.VerifyCallbackURL(context.Background(), recv.URL+"/cb?x=1", cbConfig()); err != nil {
		t.Fatal(err)
	}
	wrong := cbConfig()
	wrong.Token = "OtherToken"
	if err := srv.VerifyCallbackURL(context.Background(), recv.URL, wrong); err == nil {
		t.Fatal("wrong token verified")
	}
}

func TestCardEventAndKfCallbacksParse(t *testing.T) {
	t.Parallel()
	ev, err := webhook.Parse(wecomtest.CardEventCallback(wecomtest.CardEvent{ToUserName: "wwc", FromUserName: "u]]>", EventKey: "k",
		TaskID: "t", CardType: "button_interaction", ResponseCode: "rc", AgentID: 7}))
	if err != nil {
		t.Fatal(err)
	}
	ce, ok := ev.(*webhook.TemplateCardEvent)
	if !ok || ce.FromUserName != "u]]>" || ce.ResponseCode != "rc" || ce.AgentID != 7 || ce.TaskID != "t" || ce.EventKey != "k" {
		t.Fatalf("%#v", ev)
	}
	ev, _ = webhook.Parse(wecomtest.KfCallback("wwc", "wk1", "ENCx"))
	if kf, ok := ev.(*webhook.KfMsgOrEvent); !ok || kf.OpenKfID != "wk1" || kf.Token != "ENCx" || kf.ToUserName != "wwc" {
		t.Fatalf("%#v", ev)
	}
}

func TestKfCallbacksAndCreateAuth(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	h := newReceiver(t, wecomtest.CorpID)
	got := make(chan *webhook.KfMsgOrEvent, 4)
	webhook.On(h, func(ctx context.Context, ev *webhook.KfMsgOrEvent) (webhook.Reply, error) {
		got <- ev
		return nil, nil
	})
	recv := httptest.NewServer(h)
	defer recv.Close()
	srv.SetCallbackURL(wecomtest.CorpID, recv.URL, cbConfig())
	kfID := srv.AddKfAccount("Service desk")
	if _, err := srv.CustomerSays(kfID, "wmCustomer01", "hello"); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-got:
		if ev.OpenKfID != kfID || ev.Token == "" || ev.Token != srv.KfSyncToken(kfID) || ev.ToUserName != wecomtest.CorpID {
			t.Fatalf("%+v (latest token %q)", ev, srv.KfSyncToken(kfID))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no kf_msg_or_event delivered")
	}

	ev, err := webhook.Parse(wecomtest.CreateAuthCallback("wwsuite1", "sim-authcode-1", "st"))
	if ca, ok := ev.(*webhook.CreateAuth); err != nil || !ok || ca.AuthCode != "sim-authcode-1" || ca.SuiteID != "wwsuite1" || ca.State != "st" {
		t.Fatalf("%#v %v", ev, err)
	}
}

func TestEventCallbackParses(t *testing.T) {
	t.Parallel()
	ev, err := webhook.Parse(wecomtest.EventCallback(wecomtest.CorpID, "sys", 0, "change_contact",
		map[string]string{"ChangeType": "create_user", "UserID": "worker007", "Department": "1,2"}))
	u, ok := ev.(*webhook.UserCreated)
	if err != nil || !ok || u.UserID != "worker007" || len(u.Department) != 2 || u.Department[1] != 2 || u.ToUserName != wecomtest.CorpID {
		t.Fatalf("Parse = %#v, %v", ev, err)
	}
	ev, err = webhook.Parse(wecomtest.EventCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, "click", map[string]string{"EventKey": "a<&>b"}))
	if c, ok := ev.(*webhook.MenuClick); err != nil || !ok || c.EventKey != "a<&>b" || c.AgentID != wecomtest.AgentID {
		t.Fatalf("Parse = %#v, %v", ev, err)
	}
}

// A passive reply is recorded as WeCom delivers it: a text reply reaches the member, an
// update_button reply updates the card the member clicked.
func TestPassiveRepliesAreDelivered(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	h := newReceiver(t, wecomtest.CorpID)
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		return webhook.TextReply{Content: "echo: " + ev.Content}, nil
	})
	webhook.On(h, func(ctx context.Context, ev *webhook.TemplateCardEvent) (webhook.Reply, error) {
		return webhook.UpdateButtonReply{ReplaceName: "Acknowledged"}, nil
	})
	recv := httptest.NewServer(h)
	defer recv.Close()

	cb := wecomtest.TextCallback(wecomtest.CorpID, "lisi", wecomtest.AgentID, 77, "hi")
	if _, err := srv.DeliverCallback(context.Background(), recv.URL, cbConfig(), cb); err != nil {
		t.Fatal(err)
	}
	got := srv.Received("lisi")
	if len(got) != 1 || got[0].MsgType != "text" || string(got[0].Content) != `{"content":"echo: hi"}` || got[0].CorpID != wecomtest.CorpID {
		t.Fatalf("lisi received %+v", got)
	}

	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	card := wecomtest.J{"touser": "wangwu", "msgtype": "template_card", "agentid": wecomtest.AgentID, "template_card": wecomtest.J{
		"card_type": "button_interaction", "task_id": "late-7", "main_title": wecomtest.J{"title": "Behind plan"},
		"button_list": []wecomtest.J{{"text": "Ack", "key": "ack"}},
	}}
	if err := c.Do(context.Background(), http.MethodPost, "/cgi-bin/message/send", nil, card, nil); err != nil {
		t.Fatal(err)
	}
	ev, err := srv.ClickCard("wangwu", "late-7", "ack")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.DeliverCallback(context.Background(), recv.URL, cbConfig(), wecomtest.CardEventCallback(ev)); err != nil {
		t.Fatal(err)
	}
	cp := srv.Received("wangwu")
	if len(cp) != 1 || len(cp[0].Updates) != 1 || cp[0].Updates[0].ReplaceName != "Acknowledged" {
		t.Fatalf("wangwu's card %+v, want one button update", cp)
	}
}
