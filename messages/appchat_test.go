package messages_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"

	"github.com/wecom-connector/wecom/messages"
)

func TestAppChatGolden(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{
		"/cgi-bin/appchat/create": `{"errcode":0,"errmsg":"ok","chatid":"release20240510"}`,
		"/cgi-bin/appchat/update": `{"errcode":0,"errmsg":"ok"}`,
		"/cgi-bin/appchat/send":   `{"errcode":0,"errmsg":"ok"}`,
	})
	id, err := svc.CreateChat(t.Context(), messages.CreateChatParams{Name: "Release war room", Owner: "zhangsan",
		Users: []string{"zhangsan", "lisi", "wangwu"}, ChatID: "release20240510"})
	if err != nil || id != "release20240510" {
		t.Fatalf("CreateChat = %q, %v", id, err)
	}
	assertGolden(t, "appchat_create", m.last(t).Body)
	if err := svc.UpdateChat(t.Context(), messages.UpdateChatParams{ChatID: id, Name: "Release war room (v2.3)",
		AddUsers: []string{"zhaoliu"}, RemoveUsers: []string{"wangwu"}}); err != nil {
		t.Fatal(err)
	}
	assertGolden(t, "appchat_update", m.last(t).Body)
	sends := map[string]messages.Message{
		"appchat_text":     messages.Text{Content: "Rollout at 20:00.\nFreeze starts now."},
		"appchat_markdown": messages.Markdown{Content: "### Rollout status\n> api: <font color=\"info\">done</font>\n> web: <font color=\"warning\">in progress</font>"},
		"appchat_news": messages.News{Articles: []messages.Article{{Title: "Runbook", Description: "Steps for v2.3",
			URL: "https://wiki.example.com/runbook", PicURL: "https://cdn.example.com/img/runbook.png"}}},
	}
	for golden, msg := range sends {
		if err := svc.SendToChat(t.Context(), messages.ChatSendParams{ChatID: id, Message: msg}); err != nil {
			t.Fatal(err)
		}
		assertGolden(t, golden, m.last(t).Body)
	}
	n := len(m.all())
	wecomtest.WantInvalid(t, svc.SendToChat(t.Context(), messages.ChatSendParams{ChatID: id, Message: specCards()["card_vote_interaction"].Message}), "msgtype")
	wecomtest.WantInvalid(t, svc.SendToChat(t.Context(), messages.ChatSendParams{ChatID: id,
		Message: messages.MiniProgramNotice{AppID: "wx1", Title: "四个汉字"}}), "msgtype")
	wecomtest.WantInvalid(t, svc.SendToChat(t.Context(), messages.ChatSendParams{ChatID: id,
		Message: messages.News{Articles: []messages.Article{{Title: "t", AppID: "wx1", PagePath: "p"}}}}), "news.articles[].appid")
	_, err = svc.CreateChat(t.Context(), messages.CreateChatParams{Users: []string{"solo"}})
	wecomtest.WantInvalid(t, err, "userlist")
	_, err = svc.CreateChat(t.Context(), messages.CreateChatParams{Users: []string{"a", "b"}, ChatID: "has-dash"})
	wecomtest.WantInvalid(t, err, "chatid")
	_, err = svc.CreateChat(t.Context(), messages.CreateChatParams{Users: []string{"a", "b"}, Name: strings.Repeat("群", 51)})
	wecomtest.WantInvalid(t, err, "name")
	if len(m.all()) != n {
		t.Error("invalid chat calls were sent")
	}
}

func TestAppChatFlow(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	id, err := svc.CreateChat(t.Context(), messages.CreateChatParams{Name: "Factory 3", Users: []string{"zhangsan", "lisi"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.UpdateChat(t.Context(), messages.UpdateChatParams{ChatID: id, AddUsers: []string{"wangwu"}, Owner: "lisi"}); err != nil {
		t.Fatal(err)
	}
	chat, err := svc.GetChat(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if chat.Name != "Factory 3" || chat.Owner != "lisi" || !slices.Equal(chat.Users, []string{"zhangsan", "lisi", "wangwu"}) {
		t.Errorf("chat %+v", chat)
	}
	if err := svc.SendToChat(t.Context(), messages.ChatSendParams{ChatID: id, Message: messages.Text{Content: "Line 2 stopped"}, Safe: messages.SafeConfidential}); err != nil {
		t.Fatal(err)
	}
	if got := srv.ChatMessages(id); len(got) != 1 || got[0].MsgType != "text" {
		t.Errorf("chat messages %+v", got)
	}
	_, err = svc.GetChat(t.Context(), "nochat")
	wecomtest.WantCode(t, err, client.CodeChatNotFound)
}

// TestAppChatSafeCorpOnly: appchat/send documents safe 0 and 1 only; 2 (corp-only sharing)
// belongs to message/send mpnews and is refused before any request.
func TestAppChatSafeCorpOnly(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{"/cgi-bin/appchat/send": `{"errcode":0,"errmsg":"ok"}`})
	mp := messages.MPNews{Articles: []messages.MPArticle{{Title: "Q2", ThumbMediaID: "thumb", Content: "<p>hi</p>"}}}
	err := svc.SendToChat(t.Context(), messages.ChatSendParams{ChatID: "c1", Message: mp, Safe: messages.SafeCorpOnly})
	wecomtest.WantInvalid(t, err, "safe")
	if len(m.all()) != 0 {
		t.Error("a refused chat send was sent")
	}
	if err := svc.SendToChat(t.Context(), messages.ChatSendParams{ChatID: "c1", Message: mp, Safe: messages.SafeConfidential}); err != nil {
		t.Fatal(err)
	}
}
