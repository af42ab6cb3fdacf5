package contacts

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestSendWelcomeMessage(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	path := "/cgi-bin/externalcontact/send_welcome_msg"
	msg := func(code string) WelcomeMessageParams {
		return WelcomeMessageParams{WelcomeCode: code, Text: &Text{Content: "Hi Grace, this is Nina from Acme."},
			Attachments: []Attachment{{MsgType: AttachLink, Link: &LinkAttachment{Title: "Autumn catalogue", URL: "https://example.com/c/autumn"}}}}
	}
	code := srv.WelcomeCode(wecomtest.CorpID, "li.na", "wmAbc123")
	if err := s.SendWelcomeMessage(ctx, msg(code)); err != nil {
		t.Fatal(err)
	}
	sent := srv.WelcomeMessages(wecomtest.CorpID)
	if len(sent) != 1 || sent[0]["external_userid"] != "wmAbc123" || sent[0]["text"].(map[string]any)["content"] != "Hi Grace, this is Nina from Acme." {
		t.Errorf("delivered %+v", sent)
	}
	if err := s.SendWelcomeMessage(ctx, msg(code)); wecomtest.ErrCode(err) != 41051 {
		t.Errorf("reuse of a code: %v, want 41051", err)
	}
	if err := s.SendWelcomeMessage(ctx, msg("nope")); wecomtest.ErrCode(err) != 41050 {
		t.Errorf("unknown code: %v, want 41050", err)
	}
	// A write without idempotency: -1 is not retried, the code stays usable.
	code = srv.WelcomeCode(wecomtest.CorpID, "li.na", "wmDef456")
	srv.FailNext(path, -1, 1)
	if err := s.SendWelcomeMessage(ctx, msg(code)); wecomtest.ErrCode(err) != -1 {
		t.Errorf("busy: %v, want -1", err)
	}
	srv.ExpireTokens()
	if err := s.SendWelcomeMessage(ctx, msg(code)); err != nil {
		t.Errorf("after token expiry: %v", err)
	}
	srv.FailNext(path, 60011, 1)
	if err := s.SendWelcomeMessage(ctx, msg(srv.WelcomeCode(wecomtest.CorpID, "li.na", "wm3"))); wecomtest.ErrCode(err) != 60011 {
		t.Errorf("permission: %v, want 60011", err)
	}
	for _, p := range []WelcomeMessageParams{
		{Text: &Text{Content: "x"}},
		{WelcomeCode: "c"},
		{WelcomeCode: "c", Text: &Text{Content: strings.Repeat("a", 4001)}},
		{WelcomeCode: "c", Attachments: make([]Attachment, 10)},
	} {
		if err := s.SendWelcomeMessage(ctx, p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%+v: %v, want a validation error", p, err)
		}
	}
}
