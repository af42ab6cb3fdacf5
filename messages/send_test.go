package messages_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

const sendPath = "/cgi-bin/message/send"

func userIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%05d", i)
	}
	return ids
}

func TestSendSplitsTenThousandUsers(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	users := userIDs(10000)
	srv.RejectUsers([]string{"U00005", "u09999"}, []string{"u05000"})
	to := append(slices.Clone(users), users[:50]...) // repeats are addressed once
	res, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers(to...), AgentID: agentID,
		Message: messages.Text{Content: "Shift change at 18:00"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Served(sendPath); got != 10 {
		t.Errorf("message/send called %d times, want 10", got)
	}
	if len(res.MsgIDs) != 10 || len(slices.Compact(slices.Sorted(slices.Values(res.MsgIDs)))) != 10 {
		t.Errorf("MsgIDs %v, want 10 distinct", res.MsgIDs)
	}
	if !slices.Equal(res.InvalidUsers, []string{"u00005", "u09999"}) || !slices.Equal(res.UnlicensedUsers, []string{"u05000"}) {
		t.Errorf("invalid %v unlicensed %v", res.InvalidUsers, res.UnlicensedUsers)
	}
	for _, u := range users {
		got := len(srv.Received(u))
		want := 1
		if u == "u00005" || u == "u09999" || u == "u05000" {
			want = 0
		}
		if got != want {
			t.Fatalf("%s received %d messages, want %d", u, got, want)
		}
	}
	for _, m := range srv.SentMessages() {
		if len(m.Users) > messages.MaxUsersPerCall {
			t.Errorf("a call carried %d users", len(m.Users))
		}
	}
}

func TestSendSplitsDepartmentsAndTags(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	deps := make([]int, 250)
	for i := range deps {
		deps[i] = i + 1
	}
	_, err := svc.Send(t.Context(), messages.SendParams{
		To: messages.Recipients{Users: userIDs(1500), Departments: deps, Tags: []int{1, 2}}, AgentID: agentID,
		Message: messages.Markdown{Content: "**hi**"}})
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.SentMessages()
	if len(sent) != 3 {
		t.Fatalf("%d calls, want 3 (250 departments)", len(sent))
	}
	want := [][3]int{{1000, 100, 2}, {500, 100, 0}, {0, 50, 0}}
	for i, m := range sent {
		if got := [3]int{len(m.Users), len(m.Departments), len(m.Tags)}; got != want[i] {
			t.Errorf("call %d carried %v, want %v", i, got, want[i])
		}
	}
}

func TestSendAllInvalidPart(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	users := userIDs(1200)
	srv.RejectUsers(users[1000:], nil) // the whole second call is invalid: 81013
	res, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers(users...), AgentID: agentID, Message: messages.Text{Content: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.MsgIDs) != 1 || len(res.InvalidUsers) != 200 {
		t.Errorf("MsgIDs %d InvalidUsers %d, want 1 and 200", len(res.MsgIDs), len(res.InvalidUsers))
	}
	srv.RejectUsers(users, nil)
	_, err = svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers(users[:10]...), AgentID: agentID, Message: messages.Text{Content: "y"}})
	expectCode(t, err, messages.CodeAllRecipientsInvalid)
}

// TestSendRetryIsDeduplicated loses the answer of a send that took effect: with the duplicate
// check on (the default) the client retries and WeCom delivers once; with it off the client
// never retries.
func TestSendRetryIsDeduplicated(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	srv.Inject(sendPath, wecomtest.Fault{Status: http.StatusBadGateway, AfterHandler: true}, 1)
	res, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, Message: messages.Text{Content: "Order 42 shipped"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls(sendPath); got != 2 {
		t.Errorf("%d calls, want 2 (one retry)", got)
	}
	if got := srv.Received("zhangsan"); len(got) != 1 || got[0].MsgID != res.MsgIDs[0] {
		t.Errorf("received %d copies, want 1 with msgid %s", len(got), res.MsgIDs[0])
	}

	srv.Inject(sendPath, wecomtest.Fault{Status: http.StatusBadGateway, AfterHandler: true}, 1)
	_, err = svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("lisi"), AgentID: agentID, NoDuplicateCheck: true, Message: messages.Text{Content: "x"}})
	var te *client.TransportError
	if !errors.As(err, &te) || te.Status != http.StatusBadGateway {
		t.Fatalf("want the 502 without a retry, got %v", err)
	}
	if got := srv.Calls(sendPath); got != 3 {
		t.Errorf("%d calls, want 3: a send without duplicate check is not retried", got)
	}
}

func TestSendErrors(t *testing.T) {
	t.Parallel()
	p := messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, Message: messages.Text{Content: "hello"}}
	t.Run("token expires mid-call", func(t *testing.T) {
		t.Parallel()
		svc, srv := newService(t)
		if _, err := svc.Send(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		srv.ExpireTokens()
		if _, err := svc.Send(t.Context(), messages.SendParams{To: p.To, AgentID: agentID, Message: messages.Text{Content: "again"}}); err != nil {
			t.Fatal(err)
		}
		if got := len(srv.Received("zhangsan")); got != 2 {
			t.Errorf("received %d, want 2", got)
		}
	})
	t.Run("busy", func(t *testing.T) {
		t.Parallel()
		svc, srv := newService(t)
		srv.FailNext(sendPath, client.CodeBusy, 2)
		if _, err := svc.Send(t.Context(), p); err != nil {
			t.Fatal(err)
		}
		if got := len(srv.Received("zhangsan")); got != 1 {
			t.Errorf("received %d, want 1", got)
		}
	})
	t.Run("other app's agentid", func(t *testing.T) {
		t.Parallel()
		svc, _ := newService(t)
		_, err := svc.Send(t.Context(), messages.SendParams{To: p.To, AgentID: agentID + 1, Message: p.Message})
		expectCode(t, err, client.CodeAppNoPrivilege)
		if !errors.Is(err, client.ErrPermission) {
			t.Errorf("301002 should match ErrPermission: %v", err)
		}
	})
	t.Run("duplicate within window", func(t *testing.T) {
		t.Parallel()
		svc, srv := newService(t)
		a, err := svc.Send(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := svc.Send(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		if a.MsgIDs[0] != b.MsgIDs[0] || len(srv.Received("zhangsan")) != 1 {
			t.Errorf("identical sends gave %v and %v, %d copies; want one delivery", a.MsgIDs, b.MsgIDs, len(srv.Received("zhangsan")))
		}
	})
}

func TestSendMergesPartialAnswer(t *testing.T) {
	t.Parallel()
	svc, _ := mockService(t, map[string]string{sendPath: `{"errcode":0,"errmsg":"ok","invaliduser":"lisi | wangwu","invalidparty":"4","invalidtag":"","unlicenseduser":"zhaoliu","msgid":"m9"}`})
	res, err := svc.Send(t.Context(), messages.SendParams{To: messages.Recipients{Users: []string{"lisi", "wangwu", "zhaoliu"}, Departments: []int{4}},
		AgentID: agentID, Message: messages.Text{Content: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.InvalidUsers, []string{"lisi", "wangwu"}) || !slices.Equal(res.InvalidDepartments, []string{"4"}) ||
		len(res.InvalidTags) != 0 || !slices.Equal(res.UnlicensedUsers, []string{"zhaoliu"}) || res.MsgIDs[0] != "m9" {
		t.Errorf("merged result %+v", res)
	}
}

func TestSendKeepsEarlierPartsOnFailure(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	n := 0
	srv.HandleFunc(http.MethodPost, sendPath, wecomtest.TokenCorp, func(c *wecomtest.Call) (any, error) {
		n++
		if n == 2 {
			return nil, wecomtest.NewError(client.CodeNoPrivilege, "no privilege to access/modify contact/party/agent")
		}
		return wecomtest.J{"msgid": fmt.Sprint("m", n)}, nil
	})
	res, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers(userIDs(2500)...), AgentID: agentID, Message: messages.Text{Content: "x"}})
	if !errors.Is(err, client.ErrPermission) {
		t.Fatalf("want the second call's 60011, got %v", err)
	}
	if res == nil || !slices.Equal(res.MsgIDs, []string{"m1"}) {
		t.Fatalf("result %+v: the first call's msgid must not be lost", res)
	}
	if n != 2 {
		t.Errorf("%d calls, want 2: the send stops at the failure", n)
	}
}

// TestTypedNilMessage: a nil pointer in the Message interface is refused like a nil Message,
// never a panic.
func TestTypedNilMessage(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	expect := func(name string, f func() error) {
		t.Helper()
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("%s panicked: %v", name, r)
				}
			}()
			err = f()
		}()
		expectInvalid(t, err, "msgtype")
	}
	expect("Send", func() error {
		_, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, Message: (*messages.Text)(nil)})
		return err
	})
	expect("SendToChat", func() error {
		return svc.SendToChat(t.Context(), messages.ChatSendParams{ChatID: "c1", Message: (*messages.TemplateCard)(nil)})
	})
	expect("SendLinked", func() error {
		_, err := svc.SendLinked(t.Context(), messages.LinkedSendParams{All: true, AgentID: agentID, Message: (*messages.Markdown)(nil)})
		return err
	})
	r := newRobot(t, srv, "typed-nil-robot")
	expect("Robot.Send", func() error { return r.Send(t.Context(), (*messages.RobotText)(nil)) })
}

// TestSendInteractiveCardNotSplit: a task_id works for one message/send call only (42014 on
// reuse), so an interactive card whose recipients need several calls is refused up front
// instead of reaching the first 1000 users and failing for the rest.
func TestSendInteractiveCardNotSplit(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	p := specCards()["card_button_interaction"]
	p.To = messages.ToUsers(userIDs(1001)...)
	_, err := svc.Send(t.Context(), p)
	expectInvalid(t, err, "template_card.task_id")
	if n := srv.Calls(sendPath); n != 0 {
		t.Fatalf("message/send called %d times", n)
	}
	// A notice card without action_menu has no task_id to reuse and is split as usual.
	n := specCards()["card_news_notice"]
	n.To = messages.ToUsers(userIDs(1001)...)
	if res, err := svc.Send(t.Context(), n); err != nil || len(res.MsgIDs) != 2 {
		t.Fatalf("news_notice to 1001 users: %+v, %v", res, err)
	}
}
