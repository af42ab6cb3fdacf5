package customerservice_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/wecomtest"
)

// exampleService connects to a fresh simulator with one kf account served by zhangsan.
func exampleService() (*customerservice.Service, *wecomtest.Server, string) {
	srv := wecomtest.NewServer()
	kf := srv.AddKfAccount("Dairy desk", "zhangsan")
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	return customerservice.New(c), srv, kf
}

// Welcome a customer who opened the chat from a campaign link: the enter_session event carries
// a one-shot welcome code.
func ExampleService_SendOnEvent() {
	ctx := context.Background()
	svc, srv, kf := exampleService()
	defer srv.Close()

	_ = srv.CustomerEnters(kf, "wmCustomer01", "spring_campaign") // the customer taps the link

	// On the kf_msg_or_event callback: pull with its token, answer each new event once.
	for c, err := range svc.Pull(ctx, customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}) {
		if err != nil {
			fmt.Println("pull:", err)
			return
		}
		if e, ok := c.Message.(*customerservice.EnterSessionEvent); ok && e.WelcomeCode != "" {
			_, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{
				Code:    e.WelcomeCode,
				Content: customerservice.Text{Content: "Welcome to the dairy desk! How can we help?"},
			})
			fmt.Println("welcomed", e.ExternalUserID, "from", e.Scene, "error:", err)
		}
		_ = c.Done(ctx) // the welcome code works once: a retry could not send it anyway
	}
	fmt.Println("customer got:", srv.KfReceived(kf, "wmCustomer01")[0].Text)
	// Output:
	// welcomed wmCustomer01 from spring_campaign error: <nil>
	// customer got: Welcome to the dairy desk! How can we help?
}

// Answer every customer message once, whatever fails: Pull claims each new message, Done
// commits it only after the answer went out, and Release hands it to the next pull. A process
// that dies in between leaves a claim that expires (DefaultLease); the next pull answers again
// with the same msgid, which WeCom refuses as a duplicate, so the customer gets one answer.
func ExampleService_Pull() {
	ctx := context.Background()
	svc, srv, kf := exampleService()
	defer srv.Close()

	_, _ = srv.CustomerSays(kf, "wmCustomer01", "Is the fresh milk in stock?")
	_, _ = srv.CustomerSays(kf, "wmCustomer02", "Do you deliver on Sundays?")

	answer := func(ctx context.Context, m customerservice.Message) error {
		q, ok := m.(*customerservice.TextMessage)
		if !ok || q.Origin != customerservice.FromCustomer {
			return nil // nothing to do
		}
		_, err := svc.Send(ctx, customerservice.SendParams{
			OpenKfID:       q.OpenKfID,
			ExternalUserID: q.ExternalUserID,
			MsgID:          customerservice.ReplyMsgID(q.MsgID, 0), // the same for every attempt
			Content:        customerservice.Text{Content: "Yes!"},
		})
		if errors.Is(err, customerservice.ErrDuplicateMsgID) {
			return nil // an earlier attempt sent it
		}
		return err
	}
	p := customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}
	for range 2 { // the second pull finds nothing new
		n := 0
		for c, err := range svc.Pull(ctx, p) {
			if err != nil {
				fmt.Println("pull:", err)
				return
			}
			if err := answer(ctx, c.Message); err != nil {
				_ = c.Release(ctx) // the next pull yields it again
				fmt.Println("answer:", err)
				return
			}
			if err := c.Done(ctx); err != nil {
				fmt.Println("done:", err)
				return
			}
			n++
		}
		fmt.Println("answered", n)
	}
	fmt.Println("customer 2 got:", srv.KfReceived(kf, "wmCustomer02")[0].Text)
	// Output:
	// answered 2
	// answered 0
	// customer 2 got: Yes!
}

// Reply to a customer's question with a menu; the customer's click comes back as a text
// carrying the item's ID.
func ExampleService_Send() {
	ctx := context.Background()
	svc, srv, kf := exampleService()
	defer srv.Close()

	_, _ = srv.CustomerSays(kf, "wmCustomer01", "Is the fresh milk in stock?")
	for m, err := range svc.Sync(ctx, customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}) {
		if err != nil {
			fmt.Println("sync:", err)
			return
		}
		q, ok := m.(*customerservice.TextMessage)
		if !ok || q.Origin != customerservice.FromCustomer {
			continue
		}
		res, err := svc.Send(ctx, customerservice.SendParams{
			OpenKfID:       q.OpenKfID,
			ExternalUserID: q.ExternalUserID,
			MsgID:          "order-88231-reply-1", // your own ID: a resend is delivered once
			Content: customerservice.Menu{
				HeadContent: "Yes! What would you like to do?",
				Items: []customerservice.MenuItem{
					customerservice.ClickItem("order_milk", "Order fresh milk"),
					customerservice.ClickItem("menu_human", "Talk to a human"),
					customerservice.ViewItem("https://shop.example.com/stores", "Find a store"),
				},
			},
		})
		fmt.Println("replied to", q.Text.Content, "error:", err, "msgid set:", res.MsgID != "")
	}
	got := srv.KfReceived(kf, "wmCustomer01")
	fmt.Println("customer got a", got[0].MsgType)
	// Output:
	// replied to Is the fresh milk in stock? error: <nil> msgid set: true
	// customer got a msgmenu
}

// Hand the customer to a human servicer after they clicked "Talk to a human", then tell them
// who took over with the code the move returned.
func ExampleService_Trans() {
	ctx := context.Background()
	svc, srv, kf := exampleService()
	defer srv.Close()

	_, _ = srv.CustomerSends(kf, "wmCustomer01", "text", map[string]any{"content": "Talk to a human", "menu_id": "menu_human"})
	for m, err := range svc.Sync(ctx, customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}) {
		if err != nil {
			fmt.Println("sync:", err)
			return
		}
		click, ok := m.(*customerservice.TextMessage)
		if !ok || click.Text.MenuID != "menu_human" {
			continue
		}
		res, err := svc.Trans(ctx, customerservice.TransParams{
			OpenKfID:       click.OpenKfID,
			ExternalUserID: click.ExternalUserID,
			State:          customerservice.Human,
			ServicerUserID: "zhangsan",
		})
		if err != nil {
			fmt.Println("trans:", err)
			return
		}
		_, err = svc.SendOnEvent(ctx, customerservice.SendOnEventParams{
			Code:    res.MsgCode,
			Content: customerservice.Text{Content: "Zhang San from our team will answer you now."},
		})
		fmt.Println("prompt error:", err)
	}
	st, err := svc.GetState(ctx, customerservice.Session{OpenKfID: kf, ExternalUserID: "wmCustomer01"})
	if err != nil {
		fmt.Println("state:", err)
		return
	}
	fmt.Println("state:", st.State, "servicer:", st.ServicerUserID)

	// A human session cannot go back to the assistant: with From known, refused before any
	// request.
	_, err = svc.Trans(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: "wmCustomer01",
		State: customerservice.SmartAssistant, From: &st.State})
	fmt.Println(err)
	// Output:
	// prompt error: <nil>
	// state: human servicer: zhangsan
	// wecom: kf session cannot move from human to smart_assistant
}

// End a session whose state the program does not track: Transition reads the state first
// (service_state/get), then moves it (service_state/trans), and the ending code lets the
// program say goodbye.
func ExampleService_Transition() {
	ctx := context.Background()
	svc, srv, kf := exampleService()
	defer srv.Close()

	_, _ = srv.CustomerSays(kf, "wmCustomer01", "Thanks, that's all!")
	sess := customerservice.Session{OpenKfID: kf, ExternalUserID: "wmCustomer01"}
	if _, err := svc.Trans(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: sess.ExternalUserID,
		State: customerservice.Human, ServicerUserID: "zhangsan"}); err != nil {
		fmt.Println("to human:", err)
		return
	}

	res, err := svc.Transition(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: sess.ExternalUserID,
		State: customerservice.Ended})
	if err != nil {
		fmt.Println("end:", err)
		return
	}
	_, err = svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: res.MsgCode,
		Content: customerservice.Text{Content: "Thank you for shopping with us!"}})
	fmt.Println("goodbye error:", err)

	// Ended is final: Transition reads it and refuses the move without sending it.
	_, err = svc.Transition(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: sess.ExternalUserID,
		State: customerservice.Queued})
	fmt.Println(err)
	// Output:
	// goodbye error: <nil>
	// wecom: kf session cannot move from ended to queued
}

// Staff a new account with a whole team: AddServicers takes 100 members a call, so
// AddServicersInParts splits the list and reports each call on its own.
func ExampleService_AddServicersInParts() {
	ctx := context.Background()
	svc, srv, kf := exampleService()
	defer srv.Close()

	team := make([]string, 230)
	for i := range team {
		team[i] = fmt.Sprintf("agent%03d", i)
	}
	parts, err := svc.AddServicersInParts(ctx, customerservice.ServicersParams{OpenKfID: kf, UserIDs: team})
	for i, p := range parts {
		ok := 0
		if p.Out != nil { // nil for a failed call, which is the last part
			for _, r := range p.Out.Results {
				if r.OK() {
					ok++
				}
			}
		}
		fmt.Printf("call %d: %d members from %s, %d added, error: %v\n", i+1, len(p.In.UserIDs), p.In.UserIDs[0], ok, p.Err)
	}
	fmt.Println("error:", err)
	// Output:
	// call 1: 100 members from agent000, 100 added, error: <nil>
	// call 2: 100 members from agent100, 100 added, error: <nil>
	// call 3: 30 members from agent200, 30 added, error: <nil>
	// error: <nil>
}
