package messages_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

const linkedPath = "/cgi-bin/linkedcorp/message/send"

func TestLinkedSendGolden(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{"/cgi-bin/linkedcorp/message/send": `{"errcode":0,"errmsg":"ok","invaliduser":[],"invalidparty":["1688851234567890/3"],"invalidtag":[]}`})
	res, err := svc.SendLinked(t.Context(), messages.LinkedSendParams{To: messages.LinkedRecipients{Users: []string{"wwcorpB0123456789/zhaoliu", "zhangsan"},
		Departments: []string{"1688851234567890/3"}}, AgentID: agentID, Message: messages.Text{Content: "Supplier portal maintenance tonight 22:00-23:00."}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.InvalidDepartments, []string{"1688851234567890/3"}) {
		t.Errorf("InvalidDepartments %v", res.InvalidDepartments)
	}
	assertGolden(t, "linkedcorp_text", m.last(t).Body)
	_, err = svc.SendLinked(t.Context(), messages.LinkedSendParams{To: messages.LinkedRecipients{All: true}, AgentID: agentID, Message: specCards()["card_news_notice"].Message})
	wecomtest.WantInvalid(t, err, "msgtype")
}

// TestLinkedSendInParts: SendLinked makes one call and refuses more recipients than it takes;
// SendLinkedInParts splits them like SendInParts, through the same helper, one part per call.
func TestLinkedSendInParts(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	users := make([]string, 2500)
	for i := range users {
		users[i] = fmt.Sprintf("wwsupplier%d/u%d", i%3, i)
	}
	p := messages.LinkedSendParams{To: messages.LinkedRecipients{Users: users, Tags: []int{7}}, AgentID: agentID, Message: messages.Text{Content: "Audit next week"}}
	_, err := svc.SendLinked(t.Context(), p)
	wecomtest.WantInvalid(t, err, "touser")
	if !strings.Contains(err.Error(), "SendLinkedInParts") {
		t.Errorf("the error should point to SendLinkedInParts: %v", err)
	}
	if n := srv.Calls(linkedPath); n != 0 {
		t.Fatalf("%d calls for a refused send", n)
	}

	srv.RejectUsers([]string{users[1200]}, nil)
	out, err := svc.SendLinkedInParts(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Served(linkedPath); got != 3 || len(out) != 3 {
		t.Fatalf("%d calls, %d parts, want 3", got, len(out))
	}
	for i, part := range out {
		want := users[i*1000 : min((i+1)*1000, len(users))]
		if part.Err != nil || part.Out == nil || !slices.Equal(part.In.Users, want) {
			t.Errorf("part %d: %d users, result %+v, err %v", i, len(part.In.Users), part.Out, part.Err)
		}
	}
	if tags := out[0].In.Tags; !slices.Equal(tags, []int{7}) || out[1].In.Tags != nil {
		t.Errorf("tags went to %v and %v, want the first call only", tags, out[1].In.Tags)
	}
	if got := out[1].Out.InvalidUsers; !slices.Equal(got, []string{users[1200]}) {
		t.Errorf("part 2 InvalidUsers %v", got)
	}
	if got := srv.Received(users[2499]); len(got) != 1 {
		t.Errorf("%s received %d", users[2499], len(got))
	}
}

// TestLinkedSendInPartsKeepsEarlierParts: a failed second call ends the linked fan-out with the
// first part kept and the error in part 2.
func TestLinkedSendInPartsKeepsEarlierParts(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.FailAfter(linkedPath, 1, client.CodeNoPrivilege, 1)
	svc := messages.New(srv.NewClient(t))
	out, err := svc.SendLinkedInParts(t.Context(), messages.LinkedSendParams{To: messages.LinkedRecipients{Users: userIDs(2500)},
		AgentID: agentID, Message: messages.Text{Content: "x"}})
	if !errors.Is(err, client.ErrPermission) || !strings.HasPrefix(err.Error(), "wecom: call 2 of 3: ") {
		t.Fatalf("want the second call's 60011, got %v", err)
	}
	if len(out) != 2 || out[0].Err != nil || out[0].Out == nil || out[1].Out != nil {
		t.Fatalf("parts %+v, want the first delivered and the second failed", out)
	}
	wecomtest.WantCode(t, out[1].Err, client.CodeNoPrivilege)
}

// TestLinkedSendSafeCorpOnly: linkedcorp/message/send takes safe 0 or 1 only.
func TestLinkedSendSafeCorpOnly(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{"/cgi-bin/linkedcorp/message/send": `{"errcode":0,"errmsg":"ok"}`})
	mp := messages.MPNews{Articles: []messages.MPArticle{{Title: "Q2", ThumbMediaID: "thumb", Content: "<p>hi</p>"}}}
	_, err := svc.SendLinked(t.Context(), messages.LinkedSendParams{To: messages.LinkedRecipients{Users: []string{"zhangsan"}}, AgentID: agentID, Message: mp, Safe: messages.SafeCorpOnly})
	wecomtest.WantInvalid(t, err, "safe")
	if len(m.all()) != 0 {
		t.Error("a refused linked send was sent")
	}
}
