package customerservice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// TestConversation walks one conversation through every state, checking it at each step:
// enter with a scene → welcome → customer writes → callback → Sync → reply → servicer →
// transfer → end.
func TestConversation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	const cust = "wmCustomer0001"
	// Callbacks reach a webhook.Handler that runs Sync; Handle gets each message once.
	arrived := make(chan customerservice.Message, 16)
	callbackURL(t, svc, srv, func(m customerservice.Message) error { arrived <- m; return nil })
	pull := func() []customerservice.Message {
		t.Helper()
		select {
		case m := <-arrived:
			return []customerservice.Message{m}
		case <-time.After(5 * time.Second):
			t.Fatal("no callback-driven message")
			return nil
		}
	}

	if err := srv.CustomerEnters(kf, cust, "spring_campaign&scene_param=order%3D88231"); err != nil {
		t.Fatal(err)
	}
	msgs := pull()
	enter, ok := msgs[0].(*customerservice.EnterSessionEvent)
	if !ok || enter.Scene != "spring_campaign" || enter.SceneParam != "order=88231" || enter.WelcomeCode == "" || enter.ExternalUserID != cust || enter.OpenKfID != kf {
		t.Fatalf("enter event = %#v", msgs[0])
	}
	wantState(t, svc, kf, cust, customerservice.Ended, "") // entered, not started

	if _, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: enter.WelcomeCode,
		Content: customerservice.Text{Content: "Welcome to the dairy desk!"}}); err != nil {
		t.Fatalf("welcome: %v", err)
	}
	wantState(t, svc, kf, cust, customerservice.Ended, "")

	if _, err := srv.CustomerSays(kf, cust, "Where is my milk?"); err != nil {
		t.Fatal(err)
	}
	msgs = pull()
	text, ok := msgs[0].(*customerservice.TextMessage)
	if !ok || text.Text.Content != "Where is my milk?" || text.Origin != customerservice.FromCustomer {
		t.Fatalf("after customer wrote: %#v", msgs)
	}
	wantState(t, svc, kf, cust, customerservice.Untreated, "")

	menu := customerservice.Menu{HeadContent: "How can we help?", Items: []customerservice.MenuItem{
		customerservice.ClickItem("menu_human", "Talk to a human"),
		customerservice.ViewItem("https://shop.example.com/orders", "Track my order"),
	}}
	if _, err := svc.Send(ctx, customerservice.SendParams{OpenKfID: kf, ExternalUserID: cust, Content: menu}); err != nil {
		t.Fatalf("menu reply: %v", err)
	}
	wantState(t, svc, kf, cust, customerservice.SmartAssistant, "")

	res, err := svc.Trans(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: cust,
		State: customerservice.Human, ServicerUserID: "zhangsan"})
	if err != nil || res.MsgCode == "" {
		t.Fatalf("to human: %v %+v", err, res)
	}
	wantState(t, svc, kf, cust, customerservice.Human, "zhangsan")
	if _, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: res.MsgCode,
		Content: customerservice.Text{Content: "Zhang San will help you now."}}); err != nil {
		t.Fatalf("picked-up prompt: %v", err)
	}
	_, err = svc.Send(ctx, customerservice.SendParams{OpenKfID: kf, ExternalUserID: cust, Content: customerservice.Text{Content: "still me"}})
	if !errors.Is(err, customerservice.ErrSessionStateNoSend) {
		t.Fatalf("send while human: %v, want ErrSessionStateNoSend", err)
	}

	human := customerservice.Human
	if _, err := svc.Trans(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: cust,
		State: customerservice.Human, ServicerUserID: "lisi", From: &human}); err != nil {
		t.Fatalf("transfer: %v", err)
	}
	wantState(t, svc, kf, cust, customerservice.Human, "lisi")

	end, err := svc.Trans(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: cust, State: customerservice.Ended})
	if err != nil || end.MsgCode == "" {
		t.Fatalf("end: %v %+v", err, end)
	}
	wantState(t, svc, kf, cust, customerservice.Ended, "")
	if _, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: end.MsgCode, Content: customerservice.Menu{
		HeadContent: "How did we do?", Items: []customerservice.MenuItem{
			customerservice.ClickItem("csat_good", "Satisfied"), customerservice.ClickItem("csat_bad", "Not satisfied")}}}); err != nil {
		t.Fatalf("ending menu: %v", err)
	}

	select {
	case m := <-arrived:
		t.Fatalf("unexpected extra message %#v", m)
	default:
	}
	got := srv.KfReceived(kf, cust)
	wantTypes := []string{"text", "msgmenu", "text", "msgmenu"}
	if len(got) != len(wantTypes) {
		t.Fatalf("customer received %d messages, want %d: %+v", len(got), len(wantTypes), got)
	}
	for i, d := range got {
		if d.MsgType != wantTypes[i] {
			t.Errorf("message %d is %s, want %s", i, d.MsgType, wantTypes[i])
		}
	}
	if got[0].Text != "Welcome to the dairy desk!" || got[0].Via != "send_msg_on_event" || got[1].Via != "send_msg" {
		t.Errorf("deliveries = %+v", got)
	}
}

func TestTransRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	const cust = "wmTrans"
	if _, err := srv.CustomerSays(kf, cust, "hello"); err != nil {
		t.Fatal(err)
	}
	trans := func(p customerservice.TransParams) error {
		p.OpenKfID, p.ExternalUserID = kf, cust
		_, err := svc.Trans(ctx, p)
		return err
	}
	transition := func(p customerservice.TransParams) error {
		p.OpenKfID, p.ExternalUserID = kf, cust
		_, err := svc.Transition(ctx, p)
		return err
	}
	if err := trans(customerservice.TransParams{State: customerservice.Human, ServicerUserID: "zhangsan"}); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls("/cgi-bin/kf/service_state/trans")

	// Human → Queued is refused before sending when the state is known (From, or read by
	// Transition), and matches the platform's errcode class.
	human := customerservice.Human
	for name, err := range map[string]error{
		"Trans with From": trans(customerservice.TransParams{State: customerservice.Queued, From: &human}),
		"Transition":      transition(customerservice.TransParams{State: customerservice.Queued}),
	} {
		var te *customerservice.TransitionError
		if !errors.As(err, &te) || te.From != customerservice.Human || te.To != customerservice.Queued ||
			!errors.Is(err, customerservice.ErrTransitionNotAllowed) {
			t.Fatalf("%s human→queued: %v", name, err)
		}
	}
	for _, p := range []customerservice.TransParams{
		{State: customerservice.Untreated},
		{State: 7},
		{State: customerservice.Human}, // no servicer
	} {
		if err := trans(p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("Trans(%+v): %v", p, err)
		}
		if err := transition(p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("Transition(%+v): %v", p, err)
		}
	}
	if got := srv.Calls("/cgi-bin/kf/service_state/trans"); got != calls {
		t.Fatalf("refused moves reached the server: %d calls, want %d", got, calls)
	}

	// Without From, Trans sends the move and the platform refuses it.
	err := trans(customerservice.TransParams{State: customerservice.Queued})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != client.CodeTransitionNotAllowed || !errors.Is(err, customerservice.ErrTransitionNotAllowed) {
		t.Fatalf("human→queued without From: %v, want APIError 95016", err)
	}

	// Server-side refusals come back typed.
	if err := trans(customerservice.TransParams{State: customerservice.Human, ServicerUserID: "wangwu"}); !errors.Is(err, customerservice.ErrNotServicer) {
		t.Errorf("unknown servicer: %v", err)
	}
	if err := srv.SetKfServicerStatus(kf, "lisi", 1, 1); err != nil {
		t.Fatal(err)
	}
	if err := trans(customerservice.TransParams{State: customerservice.Human, ServicerUserID: "lisi"}); !errors.Is(err, customerservice.ErrServicerNotReceiving) {
		t.Errorf("suspended servicer: %v", err)
	}
	if err := trans(customerservice.TransParams{State: customerservice.Ended}); err != nil {
		t.Fatal(err)
	}
	var te *customerservice.TransitionError
	if err := transition(customerservice.TransParams{State: customerservice.Queued}); !errors.As(err, &te) || te.From != customerservice.Ended {
		t.Errorf("from ended: %v", err)
	}

	// An unverified move the client passes through: the simulator refuses 0→4 with 95016.
	if _, err := srv.CustomerSays(kf, cust, "again"); err != nil {
		t.Fatal(err)
	}
	err = transition(customerservice.TransParams{State: customerservice.Ended})
	if !errors.As(err, &apiErr) || apiErr.Code != client.CodeTransitionNotAllowed || !errors.Is(err, customerservice.ErrTransitionNotAllowed) {
		t.Fatalf("0→4: %v, want APIError 95016", err)
	}
	wantState(t, svc, kf, cust, customerservice.Untreated, "")
}

// TestTransIsOneCall: Trans sends service_state/trans only, never reading the state first;
// Transition reads it and then moves, two calls.
func TestTransIsOneCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	const (
		get   = "/cgi-bin/kf/service_state/get"
		trans = "/cgi-bin/kf/service_state/trans"
	)
	for _, c := range []string{"wmOne", "wmTwo"} {
		if _, err := srv.CustomerSays(kf, c, "hello"); err != nil {
			t.Fatal(err)
		}
	}
	res, err := svc.Trans(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: "wmOne", State: customerservice.Queued})
	if err != nil || res.MsgCode == "" {
		t.Fatalf("Trans: %+v %v", res, err)
	}
	if g, tr := srv.Calls(get), srv.Calls(trans); g != 0 || tr != 1 {
		t.Fatalf("Trans made %d get and %d trans calls, want 0 and 1", g, tr)
	}
	res, err = svc.Transition(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: "wmTwo", State: customerservice.Queued})
	if err != nil || res.MsgCode == "" {
		t.Fatalf("Transition: %+v %v", res, err)
	}
	if g, tr := srv.Calls(get), srv.Calls(trans); g != 1 || tr != 2 {
		t.Fatalf("Transition made %d get and %d trans calls in all, want 1 and 2", g, tr-1)
	}
	wantState(t, svc, kf, "wmTwo", customerservice.Queued, "")
}

// TestWrongKind: a service built on a suite client fails every call with ErrWrongKind
// before sending anything.
func TestWrongKind(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	kf := srv.AddKfAccount("Dairy desk", "zhangsan")
	// A working suite client: without the kind check its calls would reach the server.
	srv.AddSuite(wecomtest.Suite{ID: "wwSuite", Secret: "suite-secret"})
	ctx := context.Background()
	st := store.NewMemory()
	if err := client.StoreSuiteTicket(ctx, st, "wwSuite", srv.IssueSuiteTicket("wwSuite")); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Suite{SuiteID: "wwSuite", Secret: "suite-secret"}, client.WithBaseURL(srv.URL()), client.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	svc := customerservice.New(c)
	if _, err := svc.GetState(ctx, customerservice.Session{OpenKfID: kf, ExternalUserID: "wmX"}); !errors.Is(err, client.ErrWrongKind) {
		t.Fatalf("GetState on a suite client: %v, want ErrWrongKind", err)
	}
	_, err = svc.Send(ctx, customerservice.SendParams{OpenKfID: kf, ExternalUserID: "wmX", Content: customerservice.Text{Content: "hi"}})
	if !errors.Is(err, client.ErrWrongKind) {
		t.Fatalf("Send on a suite client: %v, want ErrWrongKind", err)
	}
	for _, path := range []string{"/cgi-bin/kf/service_state/get", "/cgi-bin/kf/send_msg", "/cgi-bin/service/get_suite_token"} {
		if n := srv.Calls(path); n != 0 {
			t.Errorf("%s called %d times, want 0", path, n)
		}
	}
}

func TestTransConfigurableCell(t *testing.T) {
	t.Parallel()
	svc, srv, kf := setup(t, wecomtest.WithKfTransition(0, 4, true))
	if _, err := srv.CustomerSays(kf, "wmX", "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Trans(context.Background(), customerservice.TransParams{OpenKfID: kf, ExternalUserID: "wmX", State: customerservice.Ended}); err != nil {
		t.Fatalf("0→4 allowed by option: %v", err)
	}
	wantState(t, svc, kf, "wmX", customerservice.Ended, "")
}

// TestCommonFailures runs a read endpoint through token expiry, a busy answer and a
// permission errcode.
func TestCommonFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	sess := customerservice.Session{OpenKfID: kf, ExternalUserID: "wmCommon"}
	const path = "/cgi-bin/kf/service_state/get"

	srv.ExpireTokens()
	if _, err := svc.GetState(ctx, sess); err != nil {
		t.Fatalf("after token expiry: %v", err)
	}
	srv.FailNext(path, -1, 1)
	if _, err := svc.GetState(ctx, sess); err != nil {
		t.Fatalf("after one busy answer: %v", err)
	}
	srv.FailNext(path, 48002, 1)
	if _, err := svc.GetState(ctx, sess); !errors.Is(err, client.ErrPermission) {
		t.Fatalf("permission: %v", err)
	}
	if _, err := svc.GetState(ctx, customerservice.Session{OpenKfID: "wkNOPE", ExternalUserID: "x"}); !errors.Is(err, customerservice.ErrAccountNotFound) {
		t.Fatalf("unknown account: %v", err)
	}
	if _, err := svc.GetState(ctx, customerservice.Session{OpenKfID: kf}); !errors.Is(err, client.ErrInvalidParams) {
		t.Fatalf("empty customer: %v", err)
	}
}
