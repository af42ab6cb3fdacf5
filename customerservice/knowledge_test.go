package customerservice_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestKnowledge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _, _ := setup(t)
	shipping, err := svc.AddKnowledgeGroup(ctx, "Shipping")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddKnowledgeGroup(ctx, "Shipping"); err == nil {
		t.Fatal("duplicate group name accepted")
	}
	if err := svc.RenameKnowledgeGroup(ctx, shipping, "Delivery"); err != nil {
		t.Fatal(err)
	}
	q := customerservice.NewIntentText("How long does delivery take?")
	answer := customerservice.IntentAnswer{Attachments: []customerservice.IntentAttachment{{MsgType: customerservice.MsgLink,
		Link: &customerservice.AttachmentLink{Title: "Policy", URL: "https://shop.example.com/help"}}}}
	answer.Text.Content = "2-3 working days."
	var intents []string
	for i := range 3 {
		qi := q
		qi.Text.Content += string(rune('A' + i))
		id, err := svc.AddIntent(ctx, customerservice.Intent{GroupID: shipping, Question: &qi,
			SimilarQuestions: &customerservice.SimilarQuestions{Items: []customerservice.IntentText{customerservice.NewIntentText("Delivery time?")}},
			Answers:          []customerservice.IntentAnswer{answer}})
		if err != nil {
			t.Fatal(err)
		}
		intents = append(intents, id)
	}
	newAnswer := answer
	newAnswer.Text.Content = "Up to 5 days in remote areas."
	newAnswer.Attachments = nil
	if err := svc.UpdateIntent(ctx, customerservice.Intent{IntentID: intents[0], Answers: []customerservice.IntentAnswer{newAnswer}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteIntent(ctx, intents[2]); err != nil {
		t.Fatal(err)
	}
	var got []customerservice.Intent
	for it, err := range svc.ListIntents(ctx, customerservice.KnowledgeListParams{GroupID: shipping, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it)
	}
	if len(got) != 2 || got[0].Answers[0].Text.Content != "Up to 5 days in remote areas." || got[0].SimilarQuestions == nil ||
		got[1].Answers[0].Attachments[0].Link.URL != "https://shop.example.com/help" {
		t.Fatalf("intents %+v", got)
	}
	var groups []string
	for g, err := range svc.ListKnowledgeGroups(ctx, customerservice.KnowledgeListParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g.Name)
	}
	if len(groups) != 2 || groups[1] != "Delivery" {
		t.Fatalf("groups %v", groups)
	}
	if err := svc.DeleteKnowledgeGroup(ctx, shipping); err != nil {
		t.Fatal(err)
	}
	page, err := svc.ListIntentsPage(ctx, customerservice.KnowledgeListParams{})
	if err != nil || len(page.Intents) != 0 {
		t.Fatalf("intents after group delete: %+v %v", page, err)
	}
	long := customerservice.NewIntentText(string(make([]rune, 201)))
	for name, err := range map[string]error{
		"group name": func() error {
			_, err := svc.AddKnowledgeGroup(ctx, "这个分组的名字实在是太长了啊")
			return err
		}(),
		"no answer": func() error {
			_, err := svc.AddIntent(ctx, customerservice.Intent{GroupID: "g", Question: &q})
			return err
		}(),
		"two answers": func() error {
			_, err := svc.AddIntent(ctx, customerservice.Intent{GroupID: "g", Question: &q, Answers: []customerservice.IntentAnswer{answer, answer}})
			return err
		}(),
		"long question": svc.UpdateIntent(ctx, customerservice.Intent{IntentID: "i", Question: &long}),
		"nothing":       svc.UpdateIntent(ctx, customerservice.Intent{IntentID: "i"}),
		"limit": func() error {
			_, err := svc.ListKnowledgeGroupsPage(ctx, customerservice.KnowledgeListParams{Limit: 1001})
			return err
		}(),
	} {
		if !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestKnowledgeCursorLoop: a server answering the cursor it was given ends both lists with
// client.ErrCursorLoop after the first repeat instead of stopping silently or looping.
func TestKnowledgeCursorLoop(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	answer := func(list string, item wecomtest.J) func(*wecomtest.Call) (any, error) {
		return func(*wecomtest.Call) (any, error) {
			return wecomtest.J{list: []any{item}, "next_cursor": "SAME", "has_more": 1}, nil
		}
	}
	srv.HandleFunc("", "/cgi-bin/kf/knowledge/list_group", wecomtest.TokenCorp, answer("group_list", wecomtest.J{"group_id": "g1", "name": "G"}))
	srv.HandleFunc("", "/cgi-bin/kf/knowledge/list_intent", wecomtest.TokenCorp, answer("intent_list", wecomtest.J{"intent_id": "i1"}))
	svc := customerservice.New(newClient(t, srv, nil))
	ctx := context.Background()
	n, last := 0, error(nil)
	for _, err := range svc.ListKnowledgeGroups(ctx, customerservice.KnowledgeListParams{}) {
		n, last = n+1, err
	}
	if n != 3 || !errors.Is(last, client.ErrCursorLoop) {
		t.Errorf("groups: %d items, last error %v; want 2 groups then ErrCursorLoop", n, last)
	}
	n, last = 0, nil
	for _, err := range svc.ListIntents(ctx, customerservice.KnowledgeListParams{}) {
		n, last = n+1, err
	}
	if n != 3 || !errors.Is(last, client.ErrCursorLoop) {
		t.Errorf("intents: %d items, last error %v; want 2 intents then ErrCursorLoop", n, last)
	}
	if a, b := srv.Calls("/cgi-bin/kf/knowledge/list_group"), srv.Calls("/cgi-bin/kf/knowledge/list_intent"); a != 2 || b != 2 {
		t.Errorf("calls %d and %d, want 2 each", a, b)
	}
}

// TestHasMoreFlags: has_more is read the same way on every kf page, as a number, a numeric
// string or a JSON bool.
func TestHasMoreFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		wire any
		want bool
	}{{1, true}, {"1", true}, {true, true}, {0, false}, {false, false}} {
		srv := wecomtest.Start(t)
		answer := func(list string) func(*wecomtest.Call) (any, error) {
			return func(*wecomtest.Call) (any, error) {
				return wecomtest.J{list: []any{}, "next_cursor": "NEXT", "has_more": tc.wire}, nil
			}
		}
		srv.HandleFunc("", "/cgi-bin/kf/knowledge/list_group", wecomtest.TokenCorp, answer("group_list"))
		srv.HandleFunc("", "/cgi-bin/kf/knowledge/list_intent", wecomtest.TokenCorp, answer("intent_list"))
		srv.HandleFunc("", "/cgi-bin/kf/sync_msg", wecomtest.TokenCorp, answer("msg_list"))
		svc := customerservice.New(newClient(t, srv, nil))
		ctx := context.Background()
		groups, err := svc.ListKnowledgeGroupsPage(ctx, customerservice.KnowledgeListParams{})
		if err != nil || bool(groups.HasMore) != tc.want {
			t.Errorf("groups, has_more %#v: %+v, %v", tc.wire, groups, err)
		}
		intents, err := svc.ListIntentsPage(ctx, customerservice.KnowledgeListParams{})
		if err != nil || bool(intents.HasMore) != tc.want {
			t.Errorf("intents, has_more %#v: %+v, %v", tc.wire, intents, err)
		}
		sync, err := svc.SyncPage(ctx, customerservice.SyncParams{OpenKfID: "wk1"})
		if err != nil || sync.HasMore != tc.want {
			t.Errorf("sync, has_more %#v: %+v, %v", tc.wire, sync, err)
		}
	}
}
