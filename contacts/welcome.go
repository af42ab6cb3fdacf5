package contacts

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/internal/check"
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
