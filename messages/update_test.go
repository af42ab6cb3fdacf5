package messages_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"

	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestRecallAndUpdateGolden(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{
		"/cgi-bin/message/recall":               `{"errcode":0,"errmsg":"ok"}`,
		"/cgi-bin/message/update_template_card": `{"errcode":0,"errmsg":"ok","invaliduser":["lisi"]}`,
	})
	if err := svc.Recall(t.Context(), "Qm9B0dLx3yRk8QwKq1zPjw_example_msgid"); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "recall", m.last(t).Body)

	res, err := svc.UpdateTemplateCard(t.Context(), messages.UpdateCardParams{To: messages.ToUsers("manager01"), AgentID: agentID,
		ResponseCode: "rc_example_button_1", ReplaceName: "Approved"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.InvalidUsers) != 1 || res.InvalidUsers[0] != "lisi" {
		t.Errorf("InvalidUsers %v", res.InvalidUsers)
	}
	assertGolden(t, "update_button", m.last(t).Body)

	_, err = svc.UpdateTemplateCard(t.Context(), messages.UpdateCardParams{To: messages.ToAll(), AgentID: agentID, ResponseCode: "rc_from_callback_xyz",
		Card: &messages.TemplateCard{
			CardType:  messages.CardVoteInteraction,
			Source:    &messages.CardSource{IconURL: "https://cdn.example.com/icons/poll.png", Desc: "Team poll"},
			MainTitle: &messages.MainTitle{Title: "Friday lunch", Desc: "Voting closed — sushi wins"},
			Checkbox: &messages.Checkbox{QuestionKey: "lunch_choice", Mode: messages.CheckboxMultiple, Disable: true, OptionList: []messages.CheckboxOption{
				{ID: "hotpot", Text: "Hotpot (3)"}, {ID: "sushi", Text: "Sushi (7)", IsChecked: true}, {ID: "pizza", Text: "Pizza (2)"}}},
			SubmitButton: &messages.SubmitButton{Text: "Vote", Key: "submit_poll_lunch_0510"},
			ReplaceText:  "Closed",
		}})
	if err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "update_card", m.last(t).Body)

	bad := []struct {
		p     messages.UpdateCardParams
		field string
	}{
		{messages.UpdateCardParams{To: messages.ToAll(), AgentID: agentID, ReplaceName: "x"}, "response_code"},
		{messages.UpdateCardParams{AgentID: agentID, ResponseCode: "rc", ReplaceName: "x"}, "touser"},
		{messages.UpdateCardParams{To: messages.ToAll(), AgentID: agentID, ResponseCode: "rc"}, "button"},
		{messages.UpdateCardParams{To: messages.ToAll(), ResponseCode: "rc", ReplaceName: "x"}, "agentid"},
		{messages.UpdateCardParams{To: messages.ToAll(), AgentID: agentID, ResponseCode: "rc",
			Card: &messages.TemplateCard{CardType: messages.CardButtonInteraction, TaskID: "t1", MainTitle: &messages.MainTitle{Title: "t"}}}, "template_card.task_id"},
	}
	n := len(m.all())
	for _, tc := range bad {
		_, err := svc.UpdateTemplateCard(t.Context(), tc.p)
		wecomtest.WantInvalid(t, err, tc.field)
	}
	wecomtest.WantInvalid(t, svc.Recall(t.Context(), ""), "msgid")
	if len(m.all()) != n {
		t.Error("invalid updates were sent")
	}
}

// TestCardUpdateAfterCardEvent sends an approval card, lets the manager press Approve, and
// greys the buttons out with the response code of that card event.
func TestCardUpdateAfterCardEvent(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	p := specCards()["card_button_interaction"]
	p.To = messages.ToUsers("manager01", "manager02")
	res, err := svc.Send(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.ResponseCode == "" {
		t.Fatal("an interactive card answers a response code")
	}
	ev, err := srv.ClickCard("manager01", "leave-LV-3301", "approve_LV-3301")
	if err != nil {
		t.Fatal(err)
	}
	if ev.CardType != messages.CardButtonInteraction || ev.ResponseCode == res.ResponseCode {
		t.Fatalf("card event %+v", ev)
	}
	upd := messages.UpdateCardParams{To: messages.ToUsers(ev.FromUserName), AgentID: agentID, ResponseCode: ev.ResponseCode, ReplaceName: "Approved"}
	out, err := svc.UpdateTemplateCard(t.Context(), upd)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.InvalidUsers) != 0 {
		t.Errorf("InvalidUsers %v", out.InvalidUsers)
	}
	got := srv.Received("manager01")
	if len(got) != 1 || len(got[0].Updates) != 1 || got[0].Updates[0].ReplaceName != "Approved" {
		t.Fatalf("manager01's card: %+v", got)
	}
	if other := srv.Received("manager02"); len(other[0].Updates) != 0 {
		t.Errorf("manager02's card changed too: %+v", other[0].Updates)
	}
	// Each response code works once.
	_, err = svc.UpdateTemplateCard(t.Context(), upd)
	wecomtest.WantCode(t, err, client.CodeInvalidResponseCode)

	// The send's own code replaces the whole card for everyone.
	newCard := specCards()["card_button_interaction"].Message.(messages.TemplateCard)
	newCard.TaskID, newCard.ButtonSelection, newCard.ReplaceText = "", nil, "Handled by manager01"
	if _, err := svc.UpdateTemplateCard(t.Context(), messages.UpdateCardParams{To: messages.ToAll(), AgentID: agentID,
		ResponseCode: res.ResponseCode, Card: &newCard}); err != nil {
		t.Fatal(err)
	}
	var card struct {
		ReplaceText string `json:"replace_text"`
	}
	got2 := srv.Received("manager02")[0]
	if len(got2.Updates) != 1 || json.Unmarshal(got2.Updates[0].Card, &card) != nil || card.ReplaceText != "Handled by manager01" {
		t.Errorf("manager02's card after the full update: %+v", got2.Updates)
	}
}

func TestResponseCodeExpires(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t, wecomtest.WithResponseCodeTTL(time.Millisecond))
	res, err := svc.Send(t.Context(), specCards()["card_vote_interaction"])
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	_, err = svc.UpdateTemplateCard(t.Context(), messages.UpdateCardParams{To: messages.ToAll(), AgentID: agentID, ResponseCode: res.ResponseCode, ReplaceName: "Closed"})
	wecomtest.WantCode(t, err, client.CodeInvalidResponseCode)
}

func TestRecall(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	res, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("zhangsan", "lisi"), AgentID: agentID, Message: messages.Text{Content: "wrong plan attached"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Recall(t.Context(), res.MsgID); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"zhangsan", "lisi"} {
		if got := srv.Received(u); len(got) != 1 || !got[0].Recalled {
			t.Errorf("%s: %+v, want the message recalled", u, got)
		}
	}
	wecomtest.WantCode(t, svc.Recall(t.Context(), "no-such-msgid"), 40058)

	late, srv2 := newService(t, wecomtest.WithRecallWindow(time.Millisecond))
	res, err = late.Send(t.Context(), messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, Message: messages.Text{Content: "old"}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	wecomtest.WantCode(t, late.Recall(t.Context(), res.MsgID), client.CodeMsgIDExpired)
	if srv2.Received("zhangsan")[0].Recalled {
		t.Error("an expired recall changed the message")
	}
}
