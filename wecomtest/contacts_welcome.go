package wecomtest

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Welcome messages (欢迎语) sent with the code of a new customer relationship.

type simWelcome struct {
	userID, externalUserID string
	expires                time.Time
	used                   bool
}

// WelcomeCode issues a welcome code for a new relationship, as the add_external_contact
// callback carries: valid once, for 20 seconds.
func (s *Server) WelcomeCode(corpID, userID, externalUserID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := s.newID("wc")
	s.book(corpID).external.codes[code] = &simWelcome{userID: userID, externalUserID: externalUserID, expires: time.Now().Add(20 * time.Second)}
	return code
}

// WelcomeMessages returns the bodies of the welcome messages corpID sent, oldest first, each
// with the userid and external_userid it went to added.
func (s *Server) WelcomeMessages(corpID string) []J {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.book(corpID).external.welcomes)
}

func (s *Server) welcomeRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/send_welcome_msg", TokenCorp, s.welcomeSend},
		{post, "/cgi-bin/externalcontact/group_welcome_template/add", TokenCorp, s.groupWelcomeAdd},
		{post, "/cgi-bin/externalcontact/group_welcome_template/edit", TokenCorp, s.groupWelcomeEdit},
		{post, "/cgi-bin/externalcontact/group_welcome_template/get", TokenCorp, s.groupWelcomeGet},
		{post, "/cgi-bin/externalcontact/group_welcome_template/del", TokenCorp, s.groupWelcomeDel},
	}
}

func (s *Server) welcomeSend(c *Call) (any, error) {
	in, err := decode[struct {
		Code        string `json:"welcome_code"`
		Text        *J     `json:"text"`
		Attachments []J    `json:"attachments"`
	}](c)
	if err != nil {
		return nil, err
	}
	e := &s.callBook(c).external
	w := e.codes[in.Code]
	switch {
	case in.Code == "":
		return nil, errc(client.CodeMissingWelcomeCode, "missing welcome_code")
	case w == nil || time.Now().After(w.expires):
		return nil, errc(client.CodeInvalidWelcomeCode, "invalid or expired welcome_code")
	case w.used:
		return nil, errc(client.CodeCustomerAlreadyChatting, "welcome message already sent")
	case in.Text == nil && len(in.Attachments) == 0:
		return nil, errc(client.CodeInvalidParameter, "text and attachments are both empty")
	case len(in.Attachments) > 9:
		return nil, errc(client.CodeTooManyAttachments, "too many attachments")
	}
	for _, a := range in.Attachments {
		if mt, _ := a["msgtype"].(string); !slices.Contains([]string{"image", "link", "miniprogram", "video", "file"}, mt) {
			return nil, errc(client.CodeInvalidAttachmentType, "invalid attachment type")
		}
	}
	w.used = true
	body, _ := decode[J](c)
	body["userid"], body["external_userid"] = w.userID, w.externalUserID
	e.welcomes = append(e.welcomes, body)
	return J{}, nil
}

// Group welcome templates (入群欢迎语素材): at most 100 a corp. A template holds a text and at
// most one other part: of several, WeCom keeps the first of image, link, miniprogram, file,
// video. Only the app that added a template may edit or delete it; any app may read it.

const (
	codeGroupWelcomeQuota   = client.CodeGroupWelcomeTemplateLimit        // 群欢迎语模板数量达到上限
	codeGroupWelcomeNotMine = client.CodeNoGroupWelcomeTemplatePermission // 无此群欢迎语模板的编辑权限
	codeInvalidTemplateID   = client.CodeInvalidTemplateID                // 无效的模板id
	codeMissingURL          = client.CodeMissingURL                       // 缺少url参数
	maxGroupWelcomes        = 100
)

// groupWelcomeParts are the message parts in WeCom's priority order (text aside).
var groupWelcomeParts = []string{"image", "link", "miniprogram", "file", "video"}

// groupWelcomeState holds a corp's group welcome templates; the zero value is usable.
type groupWelcomeState struct {
	templates map[string]*simGroupWelcome // template_id → template
}

type simGroupWelcome struct {
	app    string // the app that added it (appOf)
	notify bool
	body   J // text and the one part kept, as sent
}

// GroupWelcomeTemplate returns a group welcome template of corpID as stored (its text and the
// one part WeCom keeps, as sent, plus "notify" as 0 or 1), or nil.
func (s *Server) GroupWelcomeTemplate(corpID, templateID string) J {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.book(corpID).transfers.templates.templates[templateID]
	if t == nil {
		return nil
	}
	out := maps.Clone(t.body)
	out["notify"] = 0
	if t.notify {
		out["notify"] = 1
	}
	return out
}

// groupWelcomeBody is the body of add and edit, typed so a value of another JSON type answers
// 40058.
type groupWelcomeBody struct {
	TemplateID string `json:"template_id"`
	Text       *struct {
		Content string `json:"content"`
	} `json:"text"`
	Image *struct {
		MediaID string `json:"media_id"`
		PicURL  string `json:"pic_url"`
	} `json:"image"`
	Link *struct {
		Title  string `json:"title"`
		PicURL string `json:"picurl"`
		Desc   string `json:"desc"`
		URL    string `json:"url"`
	} `json:"link"`
	Miniprogram *struct {
		Title      string `json:"title"`
		PicMediaID string `json:"pic_media_id"`
		AppID      string `json:"appid"`
		Page       string `json:"page"`
	} `json:"miniprogram"`
	File *struct {
		MediaID string `json:"media_id"`
	} `json:"file"`
	Video *struct {
		MediaID string `json:"media_id"`
	} `json:"video"`
	AgentID wire.Int   `json:"agentid"`
	Notify  *wire.Flag `json:"notify"`
}

// check applies the page's limits to the parts present.
func (in *groupWelcomeBody) check() error {
	switch {
	case in.Text != nil && len(in.Text.Content) > 3000:
		return errc(client.CodeInvalidParameter, "text.content: at most 3000 bytes")
	case in.Image != nil && in.Image.MediaID == "" && in.Image.PicURL == "":
		return errc(client.CodeMissingMediaID, "image: media_id or pic_url is required")
	case in.Link != nil && in.Link.Title == "":
		return errc(client.CodeMissingTitle, "link.title is required")
	case in.Link != nil && in.Link.URL == "":
		return errc(codeMissingURL, "link.url is required")
	case in.Link != nil && (len(in.Link.Title) > 128 || len(in.Link.Desc) > 512):
		return errc(client.CodeInvalidParameter, "link: title at most 128 bytes, desc at most 512")
	case in.Miniprogram != nil && in.Miniprogram.Title == "":
		return errc(client.CodeMissingTitle, "miniprogram.title is required")
	case in.Miniprogram != nil && (in.Miniprogram.PicMediaID == "" || in.Miniprogram.AppID == "" || in.Miniprogram.Page == ""):
		return errc(client.CodeInvalidParameter, "miniprogram: pic_media_id, appid and page are required")
	case in.Miniprogram != nil && len(in.Miniprogram.Title) > 64:
		return errc(client.CodeInvalidParameter, "miniprogram.title: at most 64 bytes")
	case in.File != nil && in.File.MediaID == "", in.Video != nil && in.Video.MediaID == "":
		return errc(client.CodeMissingMediaID, "media_id is required")
	}
	return nil
}

// parts returns the text (nil if absent or empty) and the one other part WeCom keeps ("" if
// none), as sent.
func (in *groupWelcomeBody) parts(c *Call) (text any, kind string, part any) {
	raw, _ := decode[J](c)
	if in.Text != nil && in.Text.Content != "" {
		text = raw["text"]
	}
	for _, k := range groupWelcomeParts {
		if v, ok := raw[k]; ok && v != nil {
			return text, k, v
		}
	}
	return text, "", nil
}

func (s *Server) groupWelcomeAdd(c *Call) (any, error) {
	in, err := decode[groupWelcomeBody](c)
	if err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	text, kind, part := in.parts(c)
	if text == nil && kind == "" {
		return nil, errc(client.CodeInvalidParameter, "text, image, link, miniprogram, file and video are all empty")
	}
	gw := &s.callBook(c).transfers.templates
	if len(gw.templates) >= maxGroupWelcomes {
		return nil, errc(codeGroupWelcomeQuota, "group welcome template quota reached")
	}
	if gw.templates == nil {
		gw.templates = map[string]*simGroupWelcome{}
	}
	body := J{}
	if text != nil {
		body["text"] = text
	}
	if kind != "" {
		body[kind] = part
	}
	id := s.newID("msgSIM")
	gw.templates[id] = &simGroupWelcome{app: appOf(c), notify: in.Notify == nil || bool(*in.Notify), body: body}
	return J{"template_id": id}, nil
}

// groupWelcome finds the template a request names; mine requires the caller's app to own it.
func (s *Server) groupWelcome(c *Call, mine bool) (*simGroupWelcome, groupWelcomeBody, error) {
	in, err := decode[groupWelcomeBody](c)
	if err != nil {
		return nil, in, err
	}
	t := s.callBook(c).transfers.templates.templates[in.TemplateID]
	switch {
	case in.TemplateID == "":
		return nil, in, errc(client.CodeInvalidParameter, "template_id is required")
	case t == nil:
		return nil, in, errc(codeInvalidTemplateID, "invalid template_id")
	case mine && t.app != appOf(c):
		return nil, in, errc(codeGroupWelcomeNotMine, "no privilege to edit this group welcome template")
	}
	return t, in, nil
}

// groupWelcomeEdit replaces the text when one is sent and the other part when one is sent.
func (s *Server) groupWelcomeEdit(c *Call) (any, error) {
	t, in, err := s.groupWelcome(c, true)
	if err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	text, kind, part := in.parts(c)
	if text != nil {
		t.body["text"] = text
	}
	if kind != "" {
		for _, k := range groupWelcomeParts {
			delete(t.body, k)
		}
		t.body[kind] = part
	}
	return J{}, nil
}

// groupWelcomeGet answers the template; an image comes back as its pic_url only.
func (s *Server) groupWelcomeGet(c *Call) (any, error) {
	t, _, err := s.groupWelcome(c, false)
	if err != nil {
		return nil, err
	}
	out := maps.Clone(t.body)
	if img, ok := out["image"].(map[string]any); ok {
		url, _ := img["pic_url"].(string)
		if url == "" {
			url = "https://wecomtest.invalid/pic/" + fmt.Sprint(img["media_id"])
		}
		out["image"] = J{"pic_url": url}
	}
	return out, nil
}

func (s *Server) groupWelcomeDel(c *Call) (any, error) {
	_, in, err := s.groupWelcome(c, true)
	if err != nil {
		return nil, err
	}
	delete(s.callBook(c).transfers.templates.templates, in.TemplateID)
	return J{}, nil
}
