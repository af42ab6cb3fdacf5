package messages_test

import (
	"encoding/json"
	"testing"

	"github.com/wecom-connector/wecom/internal/wire"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

// specCards are the five documented card examples, keyed by their golden file.
func specCards() map[string]messages.SendParams {
	return map[string]messages.SendParams{
		"card_text_notice": {To: messages.ToUsers("zhangsan", "lisi"), AgentID: agentID, NoDuplicateCheck: true, EnableIDTrans: true,
			Message: messages.TemplateCard{
				CardType: messages.CardTextNotice,
				Source:   &messages.CardSource{IconURL: "https://cdn.example.com/icons/ci.png", Desc: "CI Bot", DescColor: messages.DescGreen},
				ActionMenu: &messages.ActionMenu{Desc: "Notification settings", ActionList: []messages.MenuAction{
					{Text: "Mute this pipeline", Key: "mute_pipeline_web"}, {Text: "Keep notifying", Key: "keep_pipeline_web"}}},
				TaskID:          "ci-web-20240508-0001",
				MainTitle:       &messages.MainTitle{Title: "Deploy finished", Desc: "web-frontend v2.3.0 → production"},
				EmphasisContent: &messages.EmphasisContent{Title: "99.2%", Desc: "Test pass rate"},
				QuoteArea:       &messages.QuoteArea{Type: messages.LinkURL, URL: "https://git.example.com/web/commit/ab12cd", Title: "Last commit", QuoteText: "fix: header overflow on mobile"},
				SubTitleText:    "Triggered by $userName=zhangsan$",
				HorizontalContentList: []messages.HorizontalContent{
					{KeyName: "Duration", Value: "6m 41s"},
					{Type: messages.HorizontalURL, KeyName: "Logs", Value: "Open", URL: "https://ci.example.com/runs/5512"},
					{Type: messages.HorizontalAttachment, KeyName: "Report", Value: "report.pdf", MediaID: "1Yv-reportMediaId"},
					{Type: messages.HorizontalMember, KeyName: "Owner", Value: "View profile", UserID: "zhangsan"},
				},
				JumpList: []messages.Jump{
					{Type: messages.LinkURL, Title: "Release notes", URL: "https://wiki.example.com/web/v2.3.0"},
					{Type: messages.LinkMiniProgram, Title: "Status mini program", AppID: "wx0123456789abcdef", PagePath: "pages/status/index"},
				},
				CardAction: &messages.CardAction{Type: messages.LinkURL, URL: "https://ci.example.com/runs/5512"},
			}},
		"card_news_notice": {To: messages.ToDepartments(6), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.TemplateCard{
				CardType:  messages.CardNewsNotice,
				Source:    &messages.CardSource{IconURL: "https://cdn.example.com/icons/hr.png", Desc: "HR"},
				MainTitle: &messages.MainTitle{Title: "New canteen menu", Desc: "Week 19"},
				CardImage: &messages.CardImage{URL: "https://cdn.example.com/img/menu-w19.jpg", AspectRatio: 2.0},
				ImageTextArea: &messages.ImageTextArea{Type: messages.LinkURL, URL: "https://intranet.example.com/canteen",
					Title: "Chef's pick", Desc: "Braised tofu with mushrooms", ImageURL: "https://cdn.example.com/img/tofu.jpg"},
				VerticalContentList:   []messages.VerticalContent{{Title: "Monday", Desc: "Noodle bar opens at 11:30"}},
				HorizontalContentList: []messages.HorizontalContent{{KeyName: "Floor", Value: "B1"}},
				JumpList:              []messages.Jump{{Type: messages.LinkURL, Title: "Full menu", URL: "https://intranet.example.com/canteen/w19"}},
				CardAction:            &messages.CardAction{Type: messages.LinkURL, URL: "https://intranet.example.com/canteen"},
			}},
		"card_button_interaction": {To: messages.ToUsers("manager01"), AgentID: agentID, NoDuplicateCheck: true, EnableIDTrans: true,
			Message: messages.TemplateCard{
				CardType:              messages.CardButtonInteraction,
				Source:                &messages.CardSource{IconURL: "https://cdn.example.com/icons/leave.png", Desc: "Leave", DescColor: messages.DescGrey},
				MainTitle:             &messages.MainTitle{Title: "Leave request from $userName=lisi$", Desc: "Annual leave, 2 days"},
				SubTitleText:          "May 20 – May 21, reason: family trip",
				HorizontalContentList: []messages.HorizontalContent{{KeyName: "Balance", Value: "8 days"}},
				CardAction:            &messages.CardAction{Type: messages.LinkURL, URL: "https://oa.example.com/leave/LV-3301"},
				TaskID:                "leave-LV-3301",
				ButtonSelection: &messages.ButtonSelection{QuestionKey: "delegate", Title: "Delegate to",
					OptionList: []messages.Option{{ID: "wangwu", Text: "Wang Wu"}, {ID: "zhaoliu", Text: "Zhao Liu"}}, SelectedID: "wangwu"},
				ButtonList: []messages.Button{
					{Text: "Approve", Style: 1, Key: "approve_LV-3301"},
					{Text: "Reject", Style: 2, Key: "reject_LV-3301"},
					{Type: messages.ButtonOpenURL, Text: "Details", Style: 3, URL: "https://oa.example.com/leave/LV-3301"},
				},
			}},
		"card_vote_interaction": {To: messages.ToTags(12), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.TemplateCard{
				CardType:  messages.CardVoteInteraction,
				Source:    &messages.CardSource{IconURL: "https://cdn.example.com/icons/poll.png", Desc: "Team poll"},
				MainTitle: &messages.MainTitle{Title: "Friday lunch", Desc: "Pick up to two options"},
				TaskID:    "poll-lunch-0510",
				Checkbox: &messages.Checkbox{QuestionKey: "lunch_choice", Mode: messages.CheckboxMultiple, OptionList: []messages.CheckboxOption{
					{ID: "hotpot", Text: "Hotpot"}, {ID: "sushi", Text: "Sushi", IsChecked: true}, {ID: "pizza", Text: "Pizza"}}},
				SubmitButton: &messages.SubmitButton{Text: "Vote", Key: "submit_poll_lunch_0510"},
			}},
		"card_multiple_interaction": {To: messages.ToUsers("zhangsan"), AgentID: agentID, NoDuplicateCheck: true,
			Message: messages.TemplateCard{
				CardType:  messages.CardMultipleInteraction,
				Source:    &messages.CardSource{IconURL: "https://cdn.example.com/icons/room.png", Desc: "Meeting rooms"},
				MainTitle: &messages.MainTitle{Title: "Book a room for the design review", Desc: "Choose a room and a slot"},
				TaskID:    "room-booking-7781",
				SelectList: []messages.Selector{
					{QuestionKey: "room", Title: "Room", SelectedID: "r7a", OptionList: []messages.Option{{ID: "r7a", Text: "7F Orion"}, {ID: "r7b", Text: "7F Vega"}}},
					{QuestionKey: "slot", Title: "Slot", OptionList: []messages.Option{{ID: "am", Text: "10:00-11:00"}, {ID: "pm", Text: "15:00-16:00"}}},
				},
				SubmitButton: &messages.SubmitButton{Text: "Book", Key: "submit_room_7781"},
			}},
	}
}

func TestTemplateCardGolden(t *testing.T) {
	t.Parallel()
	for golden, p := range specCards() {
		t.Run(golden, func(t *testing.T) {
			t.Parallel()
			svc, m := mockService(t, map[string]string{"/cgi-bin/message/send": `{"errcode":0,"msgid":"m1","response_code":"rc1"}`})
			res, err := svc.Send(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			if res.ResponseCode != "rc1" {
				t.Errorf("ResponseCode %q", res.ResponseCode)
			}
			assertGolden(t, golden, m.last(t).Body)
		})
	}
}

func TestTemplateCardValidation(t *testing.T) {
	t.Parallel()
	cards := specCards()
	card := func(name string) messages.TemplateCard { return cards[name].Message.(messages.TemplateCard) }
	mod := func(name string, f func(c *messages.TemplateCard)) messages.TemplateCard {
		c := specCards()[name].Message.(messages.TemplateCard) // fresh: f mutates nested values
		f(&c)
		return c
	}
	tests := []struct {
		name  string
		card  messages.TemplateCard
		field string
	}{
		{"unknown type", messages.TemplateCard{CardType: "poster"}, "template_card.card_type"},
		{"notice without action", mod("card_text_notice", func(c *messages.TemplateCard) { c.CardAction = nil }), "template_card.card_action"},
		{"notice action type 0", mod("card_text_notice", func(c *messages.TemplateCard) { c.CardAction = &messages.CardAction{} }), "template_card.card_action"},
		{"text without titles", mod("card_text_notice", func(c *messages.TemplateCard) { c.MainTitle, c.SubTitleText = nil, "" }), "template_card.main_title.title"},
		{"menu without task", mod("card_text_notice", func(c *messages.TemplateCard) { c.TaskID = "" }), "template_card.task_id"},
		{"task id charset", mod("card_button_interaction", func(c *messages.TemplateCard) { c.TaskID = "leave 3301" }), "template_card.task_id"},
		{"duplicate menu keys", mod("card_text_notice", func(c *messages.TemplateCard) { c.ActionMenu.ActionList[1].Key = c.ActionMenu.ActionList[0].Key }), "template_card.action_menu.action_list[].key"},
		{"seven horizontal rows", mod("card_news_notice", func(c *messages.TemplateCard) {
			c.HorizontalContentList = make([]messages.HorizontalContent, 7)
		}), "template_card.horizontal_content_list"},
		{"attachment without media", mod("card_news_notice", func(c *messages.TemplateCard) {
			c.HorizontalContentList = []messages.HorizontalContent{{Type: messages.HorizontalAttachment, KeyName: "k"}}
		}), "template_card.horizontal_content_list[].media_id"},
		{"news without image", mod("card_news_notice", func(c *messages.TemplateCard) { c.CardImage, c.ImageTextArea = nil, nil }), "template_card.card_image"},
		{"aspect ratio", mod("card_news_notice", func(c *messages.TemplateCard) { c.CardImage.AspectRatio = 3 }), "template_card.card_image.aspect_ratio"},
		{"emphasis on news", mod("card_news_notice", func(c *messages.TemplateCard) { c.EmphasisContent = &messages.EmphasisContent{Title: "1"} }), "template_card.emphasis_content"},
		{"no buttons", mod("card_button_interaction", func(c *messages.TemplateCard) { c.ButtonList = nil }), "template_card.button_list"},
		{"callback button without key", mod("card_button_interaction", func(c *messages.TemplateCard) { c.ButtonList[0].Key = "" }), "template_card.button_list[].key"},
		{"replace text on send", mod("card_button_interaction", func(c *messages.TemplateCard) { c.ReplaceText = "Done" }), "template_card.replace_text"},
		{"vote without checkbox", mod("card_vote_interaction", func(c *messages.TemplateCard) { c.Checkbox = nil }), "template_card.checkbox"},
		{"vote disabled on send", mod("card_vote_interaction", func(c *messages.TemplateCard) { c.Checkbox.Disable = true }), "template_card.checkbox.disable"},
		{"vote without submit", mod("card_vote_interaction", func(c *messages.TemplateCard) { c.SubmitButton = nil }), "template_card.submit_button"},
		{"vote duplicate option", mod("card_vote_interaction", func(c *messages.TemplateCard) { c.Checkbox.OptionList[1].ID = "hotpot" }), "template_card.checkbox.option_list[].id"},
		{"jump list on vote", mod("card_vote_interaction", func(c *messages.TemplateCard) { c.JumpList = []messages.Jump{{Title: "x"}} }), "template_card.jump_list"},
		{"four selectors", mod("card_multiple_interaction", func(c *messages.TemplateCard) {
			c.SelectList = append(c.SelectList, c.SelectList...)
		}), "template_card.select_list"},
		{"selector without options", mod("card_multiple_interaction", func(c *messages.TemplateCard) { c.SelectList[0].OptionList = nil }), "template_card.select_list[].option_list"},
	}
	svc, m := mockService(t, map[string]string{"/cgi-bin/message/send": sendOK})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("a"), AgentID: agentID, Message: tc.card})
			wecomtest.WantInvalid(t, err, tc.field)
		})
	}
	if n := len(m.all()); n != 0 {
		t.Errorf("%d requests sent for invalid cards, want 0", n)
	}
	for name, p := range cards {
		if !p.Message.(messages.TemplateCard).Interactive() && name != "card_news_notice" {
			t.Errorf("%s should be interactive", name)
		}
	}
	if card("card_news_notice").Interactive() {
		t.Error("a news_notice without action_menu is not interactive")
	}
}

// FuzzTemplateCard feeds arbitrary cards to the checks of send, update and robot: bad input
// is refused or sent, never a panic, and a refused card sends nothing.
func FuzzTemplateCard(f *testing.F) {
	for _, p := range specCards() {
		b, _ := json.Marshal(p.Message)
		f.Add(b)
	}
	f.Add([]byte(`{"card_type":"news_notice","card_image":{"url":"x","aspect_ratio":-1},"jump_list":[{"type":9}]}`))
	svc, m := mockService(f, map[string]string{"/cgi-bin/message/send": sendOK, "/cgi-bin/message/update_template_card": `{"errcode":0}`})
	f.Fuzz(func(t *testing.T, data []byte) {
		var card messages.TemplateCard
		if json.Unmarshal(data, &card) != nil {
			return
		}
		before := len(m.all())
		_, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("a"), AgentID: agentID, Message: card})
		if err != nil && len(m.all()) != before {
			t.Fatalf("a refused card was sent: %v", err)
		}
		_, _ = svc.UpdateTemplateCard(t.Context(), messages.UpdateCardParams{To: messages.ToAll(), AgentID: agentID, ResponseCode: "rc", Card: &card})
	})
}

// TestCardTypeIsWireType: messages.CardType is the SDK's one card type, so a card type read
// from a callback compares with the messages constants without a conversion.
func TestCardTypeIsWireType(t *testing.T) {
	t.Parallel()
	var fromCallback wire.CardType = "button_interaction"
	if fromCallback != messages.CardButtonInteraction {
		t.Errorf("%q != %q", fromCallback, messages.CardButtonInteraction)
	}
	card := messages.TemplateCard{CardType: wire.CardVoteInteraction}
	var ct wire.CardType = card.CardType // compiles only while both are one type
	if ct != messages.CardVoteInteraction {
		t.Errorf("card type %q", ct)
	}
}
