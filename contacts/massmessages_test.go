package contacts

import (
	"context"
	"errors"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestAddMassMessage(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	ids := srv.SeedCustomers(wecomtest.CorpID, "li.na", 3)
	res, err := s.AddMassMessage(ctx, MassMessageParams{
		ExternalUserIDs: append(ids, "wmGone"), Sender: "li.na",
		Text:        &Text{Content: "Stage 2 formula is back in stock"},
		Attachments: []Attachment{{MsgType: AttachLink, Link: &LinkAttachment{Title: "Shop", URL: "https://example.com/s2"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.MsgID == "" || len(res.FailList) != 1 || res.FailList[0] != "wmGone" {
		t.Fatalf("result %+v", res)
	}
	tasks := srv.MassMessages(wecomtest.CorpID)
	if len(tasks) != 1 || tasks[0]["sender"] != "li.na" || tasks[0]["msgid"] != res.MsgID {
		t.Fatalf("tasks %+v", tasks)
	}
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrGroup1", Owner: "li.na"})
	if _, err := s.AddMassMessage(ctx, MassMessageParams{ChatType: MassToGroups, ChatIDs: []string{"wrGroup1"}, Sender: "li.na", Text: &Text{Content: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMassMessage(ctx, MassMessageParams{ExternalUserIDs: []string{"wmNobody"}, Text: &Text{Content: "hi"}}); wecomtest.ErrCode(err) != 41048 {
		t.Fatalf("no valid recipient: %v, want 41048", err)
	}
	for name, p := range map[string]MassMessageParams{
		"nobody":             {Text: &Text{Content: "hi"}},
		"no content":         {Sender: "li.na"},
		"group no sender":    {ChatType: MassToGroups, ChatIDs: []string{"wrGroup1"}, Text: &Text{Content: "hi"}},
		"bad type":           {ChatType: "all", Sender: "li.na", Text: &Text{Content: "hi"}},
		"too many customers": {ExternalUserIDs: make([]string, 10001), Text: &Text{Content: "hi"}},
		"empty tag group":    {TagFilter: &TagFilter{Groups: []TagFilterGroup{{}}}, Text: &Text{Content: "hi"}},
		"ten attachments":    {Sender: "li.na", Attachments: make([]Attachment, 10)},
	} {
		before := srv.Calls("/cgi-bin/externalcontact/add_msg_template")
		if _, err := s.AddMassMessage(ctx, p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v, want client.ErrInvalidParams", name, err)
		}
		if srv.Calls("/cgi-bin/externalcontact/add_msg_template") != before {
			t.Errorf("%s: a request was sent", name)
		}
	}
}
