package messages_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/wecom-connector/wecom/messages"
)

func TestLinkedSendGolden(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{"/cgi-bin/linkedcorp/message/send": `{"errcode":0,"errmsg":"ok","invaliduser":[],"invalidparty":["1688851234567890/3"],"invalidtag":[]}`})
	res, err := svc.SendLinked(t.Context(), messages.LinkedSendParams{Users: []string{"wwcorpB0123456789/zhaoliu", "zhangsan"},
		Departments: []string{"1688851234567890/3"}, AgentID: agentID, Message: messages.Text{Content: "Supplier portal maintenance tonight 22:00-23:00."}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.InvalidDepartments, []string{"1688851234567890/3"}) {
		t.Errorf("InvalidDepartments %v", res.InvalidDepartments)
	}
	assertGolden(t, "linkedcorp_text", m.last(t).Body)
	_, err = svc.SendLinked(t.Context(), messages.LinkedSendParams{All: true, AgentID: agentID, Message: specCards()["card_news_notice"].Message})
	expectInvalid(t, err, "msgtype")
}

func TestLinkedSendSplits(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	users := make([]string, 1500)
	for i := range users {
		users[i] = fmt.Sprintf("wwsupplier%d/u%d", i%3, i)
	}
	srv.RejectUsers([]string{users[1200]}, nil)
	res, err := svc.SendLinked(t.Context(), messages.LinkedSendParams{Users: users, AgentID: agentID, Message: messages.Text{Content: "Audit next week"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Served("/cgi-bin/linkedcorp/message/send"); got != 2 {
		t.Errorf("%d calls, want 2", got)
	}
	if !slices.Equal(res.InvalidUsers, []string{users[1200]}) {
		t.Errorf("InvalidUsers %v", res.InvalidUsers)
	}
	if got := srv.Received(users[7]); len(got) != 1 {
		t.Errorf("%s received %d", users[7], len(got))
	}
}

// TestLinkedSendSafeCorpOnly: linkedcorp/message/send takes safe 0 or 1 only.
func TestLinkedSendSafeCorpOnly(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{"/cgi-bin/linkedcorp/message/send": `{"errcode":0,"errmsg":"ok"}`})
	mp := messages.MPNews{Articles: []messages.MPArticle{{Title: "Q2", ThumbMediaID: "thumb", Content: "<p>hi</p>"}}}
	_, err := svc.SendLinked(t.Context(), messages.LinkedSendParams{Users: []string{"zhangsan"}, AgentID: agentID, Message: mp, Safe: messages.SafeCorpOnly})
	expectInvalid(t, err, "safe")
	if len(m.all()) != 0 {
		t.Error("a refused linked send was sent")
	}
}
