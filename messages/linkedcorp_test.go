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
	expectInvalid(t, err, "msgtype")
}

// TestLinkedSendFanout: SendLinked makes one call and refuses more recipients than it takes;
// SendLinkedFanout splits them like SendFanout, through the same helper, one part per call.
func TestLinkedSendFanout(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	users := make([]string, 2500)
	for i := range users {
		users[i] = fmt.Sprintf("wwsupplier%d/u%d", i%3, i)
	}
	p := messages.LinkedSendParams{To: messages.LinkedRecipients{Users: users, Tags: []int{7}}, AgentID: agentID, Message: messages.Text{Content: "Audit next week"}}
	_, err := svc.SendLinked(t.Context(), p)
	expectInvalid(t, err, "touser")
	if !strings.Contains(err.Error(), "SendLinkedFanout") {
		t.Errorf("the error should point to SendLinkedFanout: %v", err)
	}
	if n := srv.Calls(linkedPath); n != 0 {
		t.Fatalf("%d calls for a refused send", n)
	}

	srv.RejectUsers([]string{users[1200]}, nil)
	out, err := svc.SendLinkedFanout(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Served(linkedPath); got != 3 || len(out.Parts) != 3 {
		t.Fatalf("%d calls, %d parts, want 3", got, len(out.Parts))
	}
	for i, part := range out.Parts {
		want := users[i*1000 : min((i+1)*1000, len(users))]
		if part.Err != nil || part.Result == nil || !slices.Equal(part.To.Users, want) {
			t.Errorf("part %d: %d users, result %+v, err %v", i, len(part.To.Users), part.Result, part.Err)
		}
	}
	if tags := out.Parts[0].To.Tags; !slices.Equal(tags, []int{7}) || out.Parts[1].To.Tags != nil {
		t.Errorf("tags went to %v and %v, want the first call only", tags, out.Parts[1].To.Tags)
	}
	if got := out.Parts[1].Result.InvalidUsers; !slices.Equal(got, []string{users[1200]}) {
		t.Errorf("part 2 InvalidUsers %v", got)
	}
	if got := srv.Received(users[2499]); len(got) != 1 {
		t.Errorf("%s received %d", users[2499], len(got))
	}
}

// TestLinkedSendFanoutKeepsEarlierParts: a failed second call ends the linked fan-out with the
// first part kept and the error in part 2.
func TestLinkedSendFanoutKeepsEarlierParts(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	hc := &http.Client{Transport: &failAfterFirst{srv: srv, path: linkedPath, errcode: client.CodeNoPrivilege}}
	svc := messages.New(newClient(t, srv, client.WithHTTPClient(hc)))
	out, err := svc.SendLinkedFanout(t.Context(), messages.LinkedSendParams{To: messages.LinkedRecipients{Users: userIDs(2500)},
		AgentID: agentID, Message: messages.Text{Content: "x"}})
	if !errors.Is(err, client.ErrPermission) || !strings.HasPrefix(err.Error(), "wecom: call 2 of 3: ") {
		t.Fatalf("want the second call's 60011, got %v", err)
	}
	if len(out.Parts) != 2 || out.Parts[0].Err != nil || out.Parts[0].Result == nil || out.Parts[1].Result != nil {
		t.Fatalf("parts %+v, want the first delivered and the second failed", out.Parts)
	}
	expectCode(t, out.Parts[1].Err, client.CodeNoPrivilege)
}

// TestLinkedSendSafeCorpOnly: linkedcorp/message/send takes safe 0 or 1 only.
func TestLinkedSendSafeCorpOnly(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{"/cgi-bin/linkedcorp/message/send": `{"errcode":0,"errmsg":"ok"}`})
	mp := messages.MPNews{Articles: []messages.MPArticle{{Title: "Q2", ThumbMediaID: "thumb", Content: "<p>hi</p>"}}}
	_, err := svc.SendLinked(t.Context(), messages.LinkedSendParams{To: messages.LinkedRecipients{Users: []string{"zhangsan"}}, AgentID: agentID, Message: mp, Safe: messages.SafeCorpOnly})
	expectInvalid(t, err, "safe")
	if len(m.all()) != 0 {
		t.Error("a refused linked send was sent")
	}
}
