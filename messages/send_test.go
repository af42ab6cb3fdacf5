package messages_test

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
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

// TestSendRefusesTooManyRecipients: Send makes exactly one call, so recipients over a
// per-call limit are refused before anything is sent, naming the list and the fan-out helper.
func TestSendRefusesTooManyRecipients(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	ids := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}
	for field, to := range map[string]messages.Recipients{
		"touser":  messages.ToUsers(userIDs(messages.MaxUsersPerCall + 1)...),
		"toparty": {Users: []string{"zhangsan"}, Departments: ids(messages.MaxDepartmentsPerCall + 1)},
		"totag":   messages.ToTags(ids(messages.MaxTagsPerCall + 1)...),
	} {
		_, err := svc.Send(t.Context(), messages.SendParams{To: to, AgentID: agentID, Message: messages.Text{Content: "x"}})
		wecomtest.WantInvalid(t, err, field)
		if !strings.Contains(err.Error(), "SendInParts") {
			t.Errorf("%s: the error should point to SendInParts: %v", field, err)
		}
	}
	if n := srv.Calls(sendPath); n != 0 {
		t.Fatalf("message/send called %d times for refused sends", n)
	}
	// Repeats are addressed once, so 1000 distinct users listed twice fit one call.
	users := userIDs(messages.MaxUsersPerCall)
	if _, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers(append(users, users...)...), AgentID: agentID,
		Message: messages.Text{Content: "x"}}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(sendPath); n != 1 {
		t.Errorf("message/send called %d times, want 1", n)
	}
}

// TestSendInPartsParts: 2,500 users take three calls; each part carries its own recipients
// and msgid, and each member's copy has the msgid of the part that addressed it.
func TestSendInPartsParts(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	users := userIDs(2500)
	out, err := svc.SendInParts(t.Context(), messages.SendParams{To: messages.ToUsers(users...), AgentID: agentID, Message: messages.Text{Content: "Shift change at 18:00"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Served(sendPath); got != 3 {
		t.Errorf("message/send called %d times, want 3", got)
	}
	if len(out) != 3 {
		t.Fatalf("%d parts, want 3", len(out))
	}
	for i, p := range out {
		want := users[i*1000 : min((i+1)*1000, len(users))]
		if p.Err != nil || p.Out == nil || p.Out.MsgID == "" || !slices.Equal(p.In.Users, want) {
			t.Fatalf("part %d: %d users, result %+v, err %v", i, len(p.In.Users), p.Out, p.Err)
		}
		for _, u := range []string{want[0], want[len(want)-1]} {
			if got := srv.Received(u); len(got) != 1 || got[0].MsgID != p.Out.MsgID {
				t.Errorf("%s received %+v, want one copy with msgid %s", u, got, p.Out.MsgID)
			}
		}
	}
	if ids := messages.MsgIDs(out); len(ids) != 3 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != 3 {
		t.Errorf("MsgIDs %v, want 3 distinct", ids)
	}
}

func TestSendInPartsSplitsTenThousandUsers(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	users := userIDs(10000)
	srv.RejectUsers([]string{"U00005", "u09999"}, []string{"u05000"})
	to := append(slices.Clone(users), users[:50]...) // repeats are addressed once
	out, err := svc.SendInParts(t.Context(), messages.SendParams{To: messages.ToUsers(to...), AgentID: agentID,
		Message: messages.Text{Content: "Shift change at 18:00"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Served(sendPath); got != 10 || len(out) != 10 {
		t.Errorf("message/send called %d times, %d parts, want 10", got, len(out))
	}
	var invalid, unlicensed []string
	for _, p := range out {
		invalid = append(invalid, p.Out.InvalidUsers...)
		unlicensed = append(unlicensed, p.Out.UnlicensedUsers...)
	}
	if !slices.Equal(invalid, []string{"u00005", "u09999"}) || !slices.Equal(unlicensed, []string{"u05000"}) {
		t.Errorf("invalid %v unlicensed %v", invalid, unlicensed)
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

func TestSendInPartsSplitsDepartmentsAndTags(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	deps := make([]int, 250)
	for i := range deps {
		deps[i] = i + 1
	}
	out, err := svc.SendInParts(t.Context(), messages.SendParams{
		To: messages.Recipients{Users: userIDs(1500), Departments: deps, Tags: []int{1, 2}}, AgentID: agentID,
		Message: messages.Markdown{Content: "**hi**"}})
	if err != nil {
		t.Fatal(err)
	}
	sent := srv.SentMessages()
	if len(sent) != 3 || len(out) != 3 {
		t.Fatalf("%d calls, %d parts, want 3 (250 departments)", len(sent), len(out))
	}
	want := [][3]int{{1000, 100, 2}, {500, 100, 0}, {0, 50, 0}}
	for i, m := range sent {
		if got := [3]int{len(m.Users), len(m.Departments), len(m.Tags)}; got != want[i] {
			t.Errorf("call %d carried %v, want %v", i, got, want[i])
		}
		to := out[i].In
		if got := [3]int{len(to.Users), len(to.Departments), len(to.Tags)}; got != want[i] {
			t.Errorf("part %d says it carried %v, want %v", i, got, want[i])
		}
	}
}

// TestSendInPartsAllInvalidPart: a call whose recipients are all invalid (81013) is kept as a
// failed part and the fan-out goes on; only when every call answers so is it an error.
func TestSendInPartsAllInvalidPart(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	users := userIDs(2200)
	srv.RejectUsers(users[1000:2000], nil) // the whole second call is invalid: 81013
	out, err := svc.SendInParts(t.Context(), messages.SendParams{To: messages.ToUsers(users...), AgentID: agentID, Message: messages.Text{Content: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 || len(messages.MsgIDs(out)) != 2 || out[1].Out != nil {
		t.Fatalf("parts %+v, want 3 with the second failed", out)
	}
	wecomtest.WantCode(t, out[1].Err, client.CodeAllRecipientsInvalid)
	if got := len(srv.Received(users[2100])); got != 1 {
		t.Errorf("a user of the third call received %d, want 1", got)
	}

	srv.RejectUsers(users, nil)
	out, err = svc.SendInParts(t.Context(), messages.SendParams{To: messages.ToUsers(users[:1500]...), AgentID: agentID, Message: messages.Text{Content: "y"}})
	wecomtest.WantCode(t, err, client.CodeAllRecipientsInvalid)
	if len(out) != 2 || out[0].Err == nil || out[1].Err == nil {
		t.Errorf("parts %+v, want 2 failed", out)
	}
	_, err = svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers(users[:10]...), AgentID: agentID, Message: messages.Text{Content: "y"}})
	wecomtest.WantCode(t, err, client.CodeAllRecipientsInvalid)
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
	if got := srv.Received("zhangsan"); len(got) != 1 || got[0].MsgID != res.MsgID {
		t.Errorf("received %d copies, want 1 with msgid %s", len(got), res.MsgID)
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
		wecomtest.WantCode(t, err, client.CodeAppNoPrivilege)
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
		if a.MsgID != b.MsgID || len(srv.Received("zhangsan")) != 1 {
			t.Errorf("identical sends gave %s and %s, %d copies; want one delivery", a.MsgID, b.MsgID, len(srv.Received("zhangsan")))
		}
	})
}

func TestSendPartialAnswer(t *testing.T) {
	t.Parallel()
	svc, _ := mockService(t, map[string]string{sendPath: `{"errcode":0,"errmsg":"ok","invaliduser":"lisi | wangwu","invalidparty":"4","invalidtag":"","unlicenseduser":"zhaoliu","msgid":"m9"}`})
	res, err := svc.Send(t.Context(), messages.SendParams{To: messages.Recipients{Users: []string{"lisi", "wangwu", "zhaoliu"}, Departments: []int{4}},
		AgentID: agentID, Message: messages.Text{Content: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.InvalidUsers, []string{"lisi", "wangwu"}) || !slices.Equal(res.InvalidDepartments, []int{4}) ||
		len(res.InvalidTags) != 0 || !slices.Equal(res.UnlicensedUsers, []string{"zhaoliu"}) || res.MsgID != "m9" {
		t.Errorf("result %+v", res)
	}
}

// TestSendInPartsKeepsEarlierPartsOnFailure: the second of three calls fails, so the fan-out
// stops there and returns the first part's msgid with the error in part 2; sending again
// within the duplicate-check window delivers the rest and nothing twice.
func TestSendInPartsKeepsEarlierPartsOnFailure(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.FailAfter(sendPath, 1, client.CodeNoPrivilege, 1)
	svc := messages.New(srv.NewClient(t))
	users := userIDs(2500)
	p := messages.SendParams{To: messages.ToUsers(users...), AgentID: agentID, Message: messages.Text{Content: "x"}}
	out, err := svc.SendInParts(t.Context(), p)
	if !errors.Is(err, client.ErrPermission) {
		t.Fatalf("want the second call's 60011, got %v", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "wecom: call 2 of 3: ") || strings.Count(msg, "wecom:") != 1 {
		t.Errorf("error %q: want the call's place under one prefix", msg)
	}
	if out == nil || len(out) != 2 {
		t.Fatalf("result %+v: want the two calls made", out)
	}
	first, second := out[0], out[1]
	if first.Err != nil || first.Out == nil || first.Out.MsgID != srv.Received(users[0])[0].MsgID {
		t.Fatalf("part 1 %+v: its msgid must not be lost", first)
	}
	if second.Out != nil || !slices.Equal(second.In.Users, users[1000:2000]) {
		t.Errorf("part 2 %+v", second)
	}
	wecomtest.WantCode(t, second.Err, client.CodeNoPrivilege)
	if n := srv.Calls(sendPath); n != 2 {
		t.Errorf("%d calls, want 2: the fan-out stops at the failure", n)
	}

	again, err := svc.SendInParts(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if again[0].Out.MsgID != first.Out.MsgID {
		t.Errorf("resent part 1 got msgid %s, want the duplicate check's %s", again[0].Out.MsgID, first.Out.MsgID)
	}
	for _, u := range []string{users[0], users[1000], users[2499]} {
		if got := len(srv.Received(u)); got != 1 {
			t.Errorf("%s received %d copies, want 1", u, got)
		}
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
		wecomtest.WantInvalid(t, err, "msgtype")
	}
	expect("Send", func() error {
		_, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, Message: (*messages.Text)(nil)})
		return err
	})
	expect("SendToChat", func() error {
		return svc.SendToChat(t.Context(), messages.ChatSendParams{ChatID: "c1", Message: (*messages.TemplateCard)(nil)})
	})
	expect("SendLinked", func() error {
		_, err := svc.SendLinked(t.Context(), messages.LinkedSendParams{To: messages.LinkedRecipients{All: true}, AgentID: agentID, Message: (*messages.Markdown)(nil)})
		return err
	})
	r := newRobot(t, srv, "typed-nil-robot")
	expect("Robot.Send", func() error { return r.Send(t.Context(), (*messages.RobotText)(nil)) })
}

// TestSendInteractiveCardNotSplit: a task_id works for one message/send call only (42014 on
// reuse), so an interactive card whose recipients need several calls is refused by the
// fan-out up front instead of reaching the first 1000 users and failing for the rest.
func TestSendInteractiveCardNotSplit(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	p := specCards()["card_button_interaction"]
	p.To = messages.ToUsers(userIDs(1001)...)
	_, err := svc.SendInParts(t.Context(), p)
	wecomtest.WantInvalid(t, err, "template_card.task_id")
	if n := srv.Calls(sendPath); n != 0 {
		t.Fatalf("message/send called %d times", n)
	}
	// A notice card without action_menu has no task_id to reuse and is split as usual.
	n := specCards()["card_news_notice"]
	n.To = messages.ToUsers(userIDs(1001)...)
	if out, err := svc.SendInParts(t.Context(), n); err != nil || len(messages.MsgIDs(out)) != 2 {
		t.Fatalf("news_notice to 1001 users: %+v, %v", out, err)
	}
}

// TestNewRequiresCorpClient: a service on a robot client fails every call with ErrWrongKind
// before sending, instead of reaching WeCom with the wrong credential.
func TestNewRequiresCorpClient(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	c, err := client.New(client.WebhookKey("robot-key"), client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = messages.New(c).Send(t.Context(), messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, Message: messages.Text{Content: "x"}})
	if !errors.Is(err, client.ErrWrongKind) {
		t.Fatalf("want ErrWrongKind, got %v", err)
	}
	if n := srv.Calls(sendPath); n != 0 {
		t.Errorf("message/send called %d times", n)
	}
}
