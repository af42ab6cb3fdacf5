package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	token          = "CallbackToken01"
	encodingAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

// A callback server for an internal app: typed functions per event, a passive reply, and the
// simulator delivering a member's message the way WeCom does.
func ExampleHandler() {
	sim := wecomtest.NewServer()
	defer sim.Close()

	c, err := webhook.NewCrypto(token, encodingAESKey, wecomtest.CorpID)
	if err != nil {
		panic(err)
	}
	h := webhook.NewHandler(c)
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		fmt.Printf("%s says %q\n", ev.FromUserName, ev.Content)
		return webhook.TextReply{Content: "工厂3进度 82%"}, nil
	})
	webhook.On(h, func(ctx context.Context, ev *webhook.UserCreated) (webhook.Reply, error) {
		fmt.Println("new member", ev.UserID, "in departments", ev.Department)
		return nil, nil
	})
	srv := httptest.NewServer(h) // in production: http.Handle("/wecom/callback", h)
	defer srv.Close()

	cfg := wecomtest.CallbackConfig{Token: token, EncodingAESKey: encodingAESKey}
	if err := sim.VerifyCallbackURL(context.Background(), srv.URL, cfg); err != nil {
		panic(err)
	}
	d, err := sim.DeliverCallback(context.Background(), srv.URL, cfg,
		wecomtest.TextCallback(wecomtest.CorpID, "LiLei", wecomtest.AgentID, 7441200000000000001, "工厂3今天的进度？"))
	if err != nil {
		panic(err)
	}
	reply, _ := webhook.Parse(d.Reply)
	fmt.Println("reply:", reply.(*webhook.TextMessage).Content)

	_, err = sim.DeliverCallback(context.Background(), srv.URL, cfg, []byte(`<xml>
<ToUserName><![CDATA[`+wecomtest.CorpID+`]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>
<CreateTime>1732440012</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>
<ChangeType>create_user</ChangeType><UserID><![CDATA[WangFang]]></UserID><Department><![CDATA[1,12]]></Department></xml>`))
	if err != nil {
		panic(err)
	}
	// Output:
	// LiLei says "工厂3今天的进度？"
	// reply: 工厂3进度 82%
	// new member WangFang in departments [1 12]
}

// An ISV's command callback URL: store each pushed suite_ticket for get_suite_token, answer
// "success".
func ExampleOn_suiteTicket() {
	sim := wecomtest.NewServer()
	defer sim.Close()
	tickets := store.NewMemory()

	c, _ := webhook.NewCrypto(token, encodingAESKey, "wwsuite0001")
	h := webhook.NewHandler(c)
	webhook.On(h, func(ctx context.Context, ev *webhook.SuiteTicket) (webhook.Reply, error) {
		return nil, tickets.Set(ctx, "suite_ticket:"+ev.SuiteID, []byte(ev.Ticket), 0)
	})
	srv := httptest.NewServer(h)
	defer srv.Close()

	cfg := wecomtest.CallbackConfig{Token: token, EncodingAESKey: encodingAESKey}
	d, _ := sim.DeliverCallback(context.Background(), srv.URL, cfg, wecomtest.SuiteTicketCallback("wwsuite0001", "tk-Qm9ndXM"))
	stored, _ := tickets.Get(context.Background(), "suite_ticket:wwsuite0001")
	fmt.Println(string(d.Attempts[0].Body), string(stored))
	// Output: success tk-Qm9ndXM
}

// A durable intake: the Handler acknowledges a callback once it is queued, and workers run the
// functions, each failure retried after the queue's visibility timeout. In production the
// intake and the workers are separate processes sharing a Redis queue and store (redisstore).
func ExampleWithQueue() {
	sim := wecomtest.NewServer()
	defer sim.Close()
	c, err := webhook.NewCrypto(token, encodingAESKey, wecomtest.CorpID)
	if err != nil {
		panic(err)
	}
	q := webhook.NewMemoryQueue(200 * time.Millisecond) // short, for the example
	intake := webhook.NewHandler(c, webhook.WithQueue(q))
	srv := httptest.NewServer(intake)
	defer srv.Close()

	workers := webhook.NewHandler(c, webhook.WithDeadLetter(func(ctx context.Context, dl webhook.DeadLetter) {
		fmt.Println("gave up:", dl.Err) // store it for an operator; WeCom will not send it again
	}))
	attempts := 0
	handled := make(chan string)
	webhook.On(workers, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		attempts++
		if attempts == 1 {
			return nil, errors.New("ERP busy")
		}
		handled <- ev.Content
		return nil, nil
	})
	ctx, stop := context.WithCancel(context.Background())
	consumed := make(chan error)
	go func() { consumed <- workers.Consume(ctx, q, "worker-1", webhook.ConsumeOptions{}) }()

	cfg := wecomtest.CallbackConfig{Token: token, EncodingAESKey: encodingAESKey}
	d, err := sim.DeliverCallback(ctx, srv.URL, cfg,
		wecomtest.TextCallback(wecomtest.CorpID, "LiLei", wecomtest.AgentID, 7441200000000000002, "订单 4711 已发货？"))
	if err != nil {
		panic(err)
	}
	fmt.Println("acknowledged:", d.Acked, "after", len(d.Attempts), "delivery")
	fmt.Println("handled:", <-handled, "on attempt", attempts)
	stop()
	fmt.Println(<-consumed)
	// Output:
	// acknowledged: true after 1 delivery
	// handled: 订单 4711 已发货？ on attempt 2
	// context canceled
}

// Parse works on any decrypted plaintext, from any framework; type-switch on the result.
func ExampleParse() {
	ev, err := webhook.Parse([]byte(`<xml><ToUserName><![CDATA[ww1a2b3c4d5e6f7a8b]]></ToUserName>
<CreateTime>1700000123</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event>
<Token><![CDATA[ENCkq7Rt2VbX9mPz4L]]></Token><OpenKfId><![CDATA[wkQ7aF1GCAAAbcd]]></OpenKfId></xml>`))
	if err != nil {
		panic(err)
	}
	switch ev := ev.(type) {
	case *webhook.KfMsgOrEvent:
		fmt.Println(ev.Kind(), ev.OpenKfID, ev.Token)
	case *webhook.Unknown:
		fmt.Println("not typed yet:", ev.Kind())
	}
	// Output: event:kf_msg_or_event wkQ7aF1GCAAAbcd ENCkq7Rt2VbX9mPz4L
}

// VerifyURL answers the GET WeCom sends when the callback settings are saved (values from the
// spec's worked example).
func ExampleCrypto_VerifyURL() {
	c, _ := webhook.NewCrypto("SpecExampleToken2024", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wwspecexample000001")
	echo, err := c.VerifyURL("2bce3364ac365656aa4652b04384c579ab23bb3d", "1732500000", "384729156",
		"eCyIe0+uiijGBq44XutxngyRIB25IsHIItS6HxVlewiWEQJb8fM3ZsQ5OqsfBQxwofus/TrPJJX9jjvdtyXNlw==")
	fmt.Println(string(echo), err)
	// Output: 6743159823104466501 <nil>
}
