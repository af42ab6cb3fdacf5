package contacts

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Text is a text message part.
type Text struct {
	Content string `json:"content"`
}

// Attachment is one attachment of a welcome message: set MsgType and the matching field.
type Attachment struct {
	MsgType     AttachmentType         `json:"msgtype"`
	Image       *ImageAttachment       `json:"image,omitempty"`
	Link        *LinkAttachment        `json:"link,omitempty"`
	Miniprogram *MiniprogramAttachment `json:"miniprogram,omitempty"`
	Video       *MediaAttachment       `json:"video,omitempty"`
	File        *MediaAttachment       `json:"file,omitempty"`
}

// AttachmentType is an attachment's msgtype.
type AttachmentType string

// Attachment kinds.
const (
	AttachImage       AttachmentType = "image"
	AttachLink        AttachmentType = "link"
	AttachMiniprogram AttachmentType = "miniprogram"
	AttachVideo       AttachmentType = "video"
	AttachFile        AttachmentType = "file"
)

// ImageAttachment is an image by media_id or by a permanent-upload URL (media_id wins).
type ImageAttachment struct {
	MediaID string `json:"media_id,omitempty"`
	PicURL  string `json:"pic_url,omitempty"`
}

// LinkAttachment is a link card.
type LinkAttachment struct {
	Title  string `json:"title"`
	PicURL string `json:"picurl,omitempty"`
	Desc   string `json:"desc,omitempty"`
	URL    string `json:"url"`
}

// MiniprogramAttachment is a mini-program card.
type MiniprogramAttachment struct {
	Title      string `json:"title"`
	PicMediaID string `json:"pic_media_id"`
	AppID      string `json:"appid"`
	Page       string `json:"page"`
}

// MediaAttachment is a video or file by media_id.
type MediaAttachment struct {
	MediaID string `json:"media_id"`
}

// WelcomeMessageParams is a welcome message for a just-added customer. WelcomeCode comes from
// the add_external_contact callback and works once within 20 s.
type WelcomeMessageParams struct {
	WelcomeCode string       `json:"welcome_code"`
	Text        *Text        `json:"text,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

func checkContent(text *Text, atts []Attachment) error {
	switch {
	case (text == nil || text.Content == "") && len(atts) == 0:
		return check.Invalid("text", "text and attachments may not both be empty")
	case text != nil && len(text.Content) > 4000:
		return check.Invalid("text.content", "%d bytes, at most 4000", len(text.Content))
	case len(atts) > 9:
		return check.Invalid("attachments", "%d attachments, at most 9", len(atts))
	}
	return nil
}

// SendWelcomeMessage sends the welcome message of a new customer relationship. Do not retry
// 41051 (already welcomed); 41096 (another app is sending) may be retried.
// 发送新客户欢迎语
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92137
//
//wecom:api POST /cgi-bin/externalcontact/send_welcome_msg
func (s *Service) SendWelcomeMessage(ctx context.Context, p WelcomeMessageParams) error {
	if err := check.Required("welcome_code", p.WelcomeCode); err != nil {
		return err
	}
	if err := checkContent(p.Text, p.Attachments); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/send_welcome_msg", nil, p, nil)
}

// GroupWelcomeTemplate is a group welcome message (入群欢迎语素材) that members apply to their
// customer groups: a text and at most one other part. Of several other parts WeCom keeps only
// the first of Image, Link, Miniprogram, File, Video. The text may hold %NICKNAME% (case
// sensitive), replaced by each customer's nickname; text and the other part reach the customer
// as two messages. An image needs a MediaID or a PicURL from the image upload (MediaID wins);
// GetGroupWelcomeTemplate answers images with their PicURL only.
type GroupWelcomeTemplate struct {
	Text        *Text                  `json:"text,omitempty"`
	Image       *ImageAttachment       `json:"image,omitempty"`
	Link        *LinkAttachment        `json:"link,omitempty"`
	Miniprogram *MiniprogramAttachment `json:"miniprogram,omitempty"`
	File        *MediaAttachment       `json:"file,omitempty"`
	Video       *MediaAttachment       `json:"video,omitempty"`
}

// validate checks the parts present; empty reports a template with none.
func (t *GroupWelcomeTemplate) validate() (empty bool, err error) {
	switch {
	case t.Text != nil && len(t.Text.Content) > 3000:
		return false, check.Invalid("text.content", "%d bytes, at most 3000", len(t.Text.Content))
	case t.Image != nil && t.Image.MediaID == "" && t.Image.PicURL == "":
		return false, check.Invalid("image", "media_id or pic_url is required")
	case t.Link != nil && (t.Link.Title == "" || t.Link.URL == ""):
		return false, check.Invalid("link", "title and url are required")
	case t.Link != nil && len(t.Link.Title) > 128:
		return false, check.Invalid("link.title", "%d bytes, at most 128", len(t.Link.Title))
	case t.Link != nil && len(t.Link.Desc) > 512:
		return false, check.Invalid("link.desc", "%d bytes, at most 512", len(t.Link.Desc))
	case t.Miniprogram != nil && (t.Miniprogram.Title == "" || t.Miniprogram.PicMediaID == "" || t.Miniprogram.AppID == "" || t.Miniprogram.Page == ""):
		return false, check.Invalid("miniprogram", "title, pic_media_id, appid and page are required")
	case t.Miniprogram != nil && len(t.Miniprogram.Title) > 64:
		return false, check.Invalid("miniprogram.title", "%d bytes, at most 64", len(t.Miniprogram.Title))
	case t.File != nil && t.File.MediaID == "":
		return false, check.Invalid("file.media_id", "required")
	case t.Video != nil && t.Video.MediaID == "":
		return false, check.Invalid("video.media_id", "required")
	}
	empty = (t.Text == nil || t.Text.Content == "") && t.Image == nil && t.Link == nil && t.Miniprogram == nil && t.File == nil && t.Video == nil
	return empty, nil
}

// AddGroupWelcomeTemplateParams is a new group welcome template. AgentID is only for old
// third-party multi-app suites. Notify (nil: WeCom's default, true) tells the members to apply
// the template to their customer groups.
type AddGroupWelcomeTemplateParams struct {
	GroupWelcomeTemplate
	AgentID int   `json:"agentid,omitempty"`
	Notify  *bool `json:"notify,omitempty"` // sent as 0/1
}

// AddGroupWelcomeTemplate adds a template to the corp's group welcome library (at most 100:
// 41055 past it) and returns its template_id.
// 添加入群欢迎语素材
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92366
//
//wecom:api POST /cgi-bin/externalcontact/group_welcome_template/add
func (s *Service) AddGroupWelcomeTemplate(ctx context.Context, p AddGroupWelcomeTemplateParams) (string, error) {
	if empty, err := p.validate(); err != nil {
		return "", err
	} else if empty {
		return "", check.Invalid("text", "text, image, link, miniprogram, file and video may not all be empty")
	}
	// The flag shadows the params' own, so it goes as the 0/1 WeCom documents.
	in := struct {
		AddGroupWelcomeTemplateParams
		Notify *wire.Flag `json:"notify,omitempty"`
	}{p, (*wire.Flag)(p.Notify)}
	var out struct {
		TemplateID string `json:"template_id"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/group_welcome_template/add", nil, in, &out); err != nil {
		return "", err
	}
	return out.TemplateID, nil
}

// EditGroupWelcomeTemplateParams changes a template this app added: the text when Text is
// set, the other part when one is set. AgentID is only for old third-party multi-app suites.
type EditGroupWelcomeTemplateParams struct {
	TemplateID string `json:"template_id"`
	GroupWelcomeTemplate
	AgentID int `json:"agentid,omitempty"`
}

// EditGroupWelcomeTemplate changes a group welcome template this app added (41058 for
// another app's).
// 编辑入群欢迎语素材
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92366
//
//wecom:api POST /cgi-bin/externalcontact/group_welcome_template/edit
func (s *Service) EditGroupWelcomeTemplate(ctx context.Context, p EditGroupWelcomeTemplateParams) error {
	if err := check.Required("template_id", p.TemplateID); err != nil {
		return err
	}
	if _, err := p.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/group_welcome_template/edit", nil, p, nil)
}

type templateBody struct {
	TemplateID string `json:"template_id"`
	AgentID    int    `json:"agentid,omitempty"`
}

// GetGroupWelcomeTemplate reads a group welcome template.
// 获取入群欢迎语素材
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92366
//
//wecom:api POST /cgi-bin/externalcontact/group_welcome_template/get
func (s *Service) GetGroupWelcomeTemplate(ctx context.Context, templateID string) (*GroupWelcomeTemplate, error) {
	if err := check.Required("template_id", templateID); err != nil {
		return nil, err
	}
	var out GroupWelcomeTemplate
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/group_welcome_template/get", nil, client.Idempotent(templateBody{TemplateID: templateID}), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteGroupWelcomeTemplateParams names a template to delete. AgentID is only for old
// third-party multi-app suites.
type DeleteGroupWelcomeTemplateParams struct {
	TemplateID string
	AgentID    int
}

// DeleteGroupWelcomeTemplate deletes a group welcome template this app added (41058 for
// another app's).
// 删除入群欢迎语素材
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92366
//
//wecom:api POST /cgi-bin/externalcontact/group_welcome_template/del
func (s *Service) DeleteGroupWelcomeTemplate(ctx context.Context, p DeleteGroupWelcomeTemplateParams) error {
	if err := check.Required("template_id", p.TemplateID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/group_welcome_template/del", nil, templateBody(p), nil)
}
