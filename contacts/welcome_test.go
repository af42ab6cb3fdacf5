package contacts

import (
	"context"
	"errors"
	"fmt"
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

var autumnWelcome = AddGroupWelcomeTemplateParams{GroupWelcomeTemplate: GroupWelcomeTemplate{
	Text: &Text{Content: "亲爱的%NICKNAME%用户，你好"},
	Link: &LinkAttachment{Title: "Autumn catalogue", PicURL: "https://example.com/c.png", Desc: "New arrivals", URL: "https://example.com/c/autumn"},
}, Notify: client.Ptr(false)}

func TestGroupWelcomeTemplatesMatrix(t *testing.T) {
	t.Parallel()
	var templates made
	withTemplate := func(t *testing.T, _ *wecomtest.Server, s *Service) {
		id, err := s.AddGroupWelcomeTemplate(context.Background(), autumnWelcome)
		if err != nil {
			t.Fatal(err)
		}
		templates.set(s, id)
	}
	runMatrix(t, []endpoint{
		{name: "group_welcome_template/add", path: "/cgi-bin/externalcontact/group_welcome_template/add", call: func(ctx context.Context, s *Service) error {
			id, err := s.AddGroupWelcomeTemplate(ctx, autumnWelcome)
			if err == nil && id == "" {
				return errors.New("no template_id")
			}
			return err
		}},
		{name: "group_welcome_template/edit", path: "/cgi-bin/externalcontact/group_welcome_template/edit", prepare: withTemplate, call: func(ctx context.Context, s *Service) error {
			return s.EditGroupWelcomeTemplate(ctx, EditGroupWelcomeTemplateParams{TemplateID: templates.get(s), GroupWelcomeTemplate: GroupWelcomeTemplate{Text: &Text{Content: "欢迎"}}})
		}},
		{name: "group_welcome_template/get", path: "/cgi-bin/externalcontact/group_welcome_template/get", retried: true, prepare: withTemplate, call: func(ctx context.Context, s *Service) error {
			tpl, err := s.GetGroupWelcomeTemplate(ctx, templates.get(s))
			if err == nil && (tpl.Text == nil || tpl.Link == nil || tpl.Link.URL != "https://example.com/c/autumn") {
				return fmt.Errorf("template %+v", tpl)
			}
			return err
		}},
		{name: "group_welcome_template/del", path: "/cgi-bin/externalcontact/group_welcome_template/del", prepare: withTemplate, call: func(ctx context.Context, s *Service) error {
			return s.DeleteGroupWelcomeTemplate(ctx, DeleteGroupWelcomeTemplateParams{TemplateID: templates.get(s)})
		}},
	})
}

func TestGroupWelcomeTemplateLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	// Of several parts WeCom keeps the first of image, link, mini program, file, video.
	id, err := s.AddGroupWelcomeTemplate(ctx, AddGroupWelcomeTemplateParams{GroupWelcomeTemplate: GroupWelcomeTemplate{
		Image: &ImageAttachment{MediaID: "MEDIA_ID"}, Link: &LinkAttachment{Title: "t", URL: "https://example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := s.GetGroupWelcomeTemplate(ctx, id)
	if err != nil || tpl.Text != nil || tpl.Link != nil || tpl.Image == nil || tpl.Image.MediaID != "" || !strings.HasPrefix(tpl.Image.PicURL, "https://") {
		t.Fatalf("template %+v, %v: want only the image, as a pic_url", tpl, err)
	}
	if stored := srv.GroupWelcomeTemplate(wecomtest.CorpID, id); stored["notify"] != 1 {
		t.Errorf("notify %v, want 1 (WeCom's default)", stored["notify"])
	}
	// Edit replaces the parts sent and keeps the rest.
	if err := s.EditGroupWelcomeTemplate(ctx, EditGroupWelcomeTemplateParams{TemplateID: id, GroupWelcomeTemplate: GroupWelcomeTemplate{
		Text: &Text{Content: "欢迎 %NICKNAME%"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.EditGroupWelcomeTemplate(ctx, EditGroupWelcomeTemplateParams{TemplateID: id, GroupWelcomeTemplate: GroupWelcomeTemplate{
		Video: &MediaAttachment{MediaID: "VIDEO_ID"}}}); err != nil {
		t.Fatal(err)
	}
	tpl, err = s.GetGroupWelcomeTemplate(ctx, id)
	if err != nil || tpl.Text == nil || tpl.Text.Content != "欢迎 %NICKNAME%" || tpl.Image != nil || tpl.Video == nil || tpl.Video.MediaID != "VIDEO_ID" {
		t.Errorf("after edits: %+v, %v", tpl, err)
	}
	// Another app may read the template but not change it.
	other := otherApp(t, srv)
	if _, err := other.GetGroupWelcomeTemplate(ctx, id); err != nil {
		t.Errorf("another app reads: %v", err)
	}
	if err := other.EditGroupWelcomeTemplate(ctx, EditGroupWelcomeTemplateParams{TemplateID: id, GroupWelcomeTemplate: GroupWelcomeTemplate{Text: &Text{Content: "x"}}}); wecomtest.ErrCode(err) != 41058 {
		t.Errorf("another app edits: %v, want 41058", err)
	}
	if err := other.DeleteGroupWelcomeTemplate(ctx, DeleteGroupWelcomeTemplateParams{TemplateID: id}); wecomtest.ErrCode(err) != 41058 {
		t.Errorf("another app deletes: %v, want 41058", err)
	}
	if err := s.DeleteGroupWelcomeTemplate(ctx, DeleteGroupWelcomeTemplateParams{TemplateID: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetGroupWelcomeTemplate(ctx, id); wecomtest.ErrCode(err) != 40037 {
		t.Errorf("deleted template: %v, want 40037", err)
	}
	// At most 100 templates a corp.
	for i := range 100 {
		if _, err := s.AddGroupWelcomeTemplate(ctx, AddGroupWelcomeTemplateParams{GroupWelcomeTemplate: GroupWelcomeTemplate{Text: &Text{Content: fmt.Sprint(i)}}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddGroupWelcomeTemplate(ctx, autumnWelcome); wecomtest.ErrCode(err) != 41055 {
		t.Errorf("101st template: %v, want 41055", err)
	}
}

func TestGroupWelcomeTemplateValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	for _, tc := range []struct {
		tpl   GroupWelcomeTemplate
		field string
	}{
		{GroupWelcomeTemplate{}, "text"},
		{GroupWelcomeTemplate{Text: &Text{}}, "text"},
		{GroupWelcomeTemplate{Text: &Text{Content: strings.Repeat("a", 3001)}}, "text.content"},
		{GroupWelcomeTemplate{Image: &ImageAttachment{}}, "image"},
		{GroupWelcomeTemplate{Link: &LinkAttachment{Title: "t"}}, "link"},
		{GroupWelcomeTemplate{Link: &LinkAttachment{Title: strings.Repeat("t", 129), URL: "u"}}, "link.title"},
		{GroupWelcomeTemplate{Link: &LinkAttachment{Title: "t", URL: "u", Desc: strings.Repeat("d", 513)}}, "link.desc"},
		{GroupWelcomeTemplate{Miniprogram: &MiniprogramAttachment{Title: "t", AppID: "wx1", Page: "/p"}}, "miniprogram"},
		{GroupWelcomeTemplate{Miniprogram: &MiniprogramAttachment{Title: strings.Repeat("t", 65), PicMediaID: "m", AppID: "wx1", Page: "/p"}}, "miniprogram.title"},
		{GroupWelcomeTemplate{File: &MediaAttachment{}}, "file.media_id"},
		{GroupWelcomeTemplate{Video: &MediaAttachment{}}, "video.media_id"},
	} {
		_, err := s.AddGroupWelcomeTemplate(ctx, AddGroupWelcomeTemplateParams{GroupWelcomeTemplate: tc.tpl})
		wecomtest.WantInvalid(t, err, tc.field)
		if tc.field != "text" {
			wecomtest.WantInvalid(t, s.EditGroupWelcomeTemplate(ctx, EditGroupWelcomeTemplateParams{TemplateID: "m", GroupWelcomeTemplate: tc.tpl}), tc.field)
		}
	}
	wecomtest.WantInvalid(t, s.EditGroupWelcomeTemplate(ctx, EditGroupWelcomeTemplateParams{}), "template_id")
	_, err := s.GetGroupWelcomeTemplate(ctx, "")
	wecomtest.WantInvalid(t, err, "template_id")
	wecomtest.WantInvalid(t, s.DeleteGroupWelcomeTemplate(ctx, DeleteGroupWelcomeTemplateParams{}), "template_id")
}

func TestGroupWelcomeTemplateEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	add := captureJSON(mt, "POST", "/cgi-bin/externalcontact/group_welcome_template/add", `{"errcode":0,"template_id":"msgXXXXXX"}`)
	id, err := s.AddGroupWelcomeTemplate(ctx, autumnWelcome)
	if err != nil || id != "msgXXXXXX" {
		t.Fatalf("%q, %v", id, err)
	}
	want := `{"text":{"content":"亲爱的%NICKNAME%用户，你好"},"link":{"title":"Autumn catalogue","picurl":"https://example.com/c.png","desc":"New arrivals","url":"https://example.com/c/autumn"},"notify":0}`
	if raw := (*add)[0].raw; raw != want {
		t.Errorf("add body\n got %s\nwant %s", raw, want)
	}
	edit := captureJSON(mt, "POST", "/cgi-bin/externalcontact/group_welcome_template/edit", `{"errcode":0}`)
	if err := s.EditGroupWelcomeTemplate(ctx, EditGroupWelcomeTemplateParams{TemplateID: "msgX", AgentID: 1000014, GroupWelcomeTemplate: GroupWelcomeTemplate{
		Miniprogram: &MiniprogramAttachment{Title: "消息标题", PicMediaID: "MEDIA_ID", AppID: "wx8bd80126147dfAAA", Page: "/path/index"}}}); err != nil {
		t.Fatal(err)
	}
	if raw := (*edit)[0].raw; raw != `{"template_id":"msgX","miniprogram":{"title":"消息标题","pic_media_id":"MEDIA_ID","appid":"wx8bd80126147dfAAA","page":"/path/index"},"agentid":1000014}` {
		t.Errorf("edit body %s", raw)
	}
	get := captureJSON(mt, "POST", "/cgi-bin/externalcontact/group_welcome_template/get",
		`{"errcode":0,"text":{"content":"文本消息内容"},"image":{"pic_url":"http://p.qpic.cn/pic_wework/XXXXX"},"file":{"media_id":"1Yv"}}`)
	tpl, err := s.GetGroupWelcomeTemplate(ctx, "msgX")
	if err != nil || (*get)[0].raw != `{"template_id":"msgX"}` || tpl.Text.Content != "文本消息内容" || tpl.Image.PicURL != "http://p.qpic.cn/pic_wework/XXXXX" || tpl.File.MediaID != "1Yv" {
		t.Errorf("get: body %s, template %+v, %v", (*get)[0].raw, tpl, err)
	}
	del := captureJSON(mt, "POST", "/cgi-bin/externalcontact/group_welcome_template/del", `{"errcode":0}`)
	if err := s.DeleteGroupWelcomeTemplate(ctx, DeleteGroupWelcomeTemplateParams{TemplateID: "msgX", AgentID: 1000014}); err != nil || (*del)[0].raw != `{"template_id":"msgX","agentid":1000014}` {
		t.Errorf("del: body %s, %v", (*del)[0].raw, err)
	}
}
