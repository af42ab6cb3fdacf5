package webhook

import (
	"encoding/xml"
	"fmt"
)

// Reply is a passive reply (被动回复): returned by a handler function, rendered to plaintext XML
// addressed back to the sender, encrypted with EncryptReply and sent as the HTTP response.
// 被动回复消息
//
// Only app callbacks (user messages, menu events, template_card_menu_event, …) can carry one;
// the platform ignores it elsewhere. It must be produced within 5 seconds; for longer work
// answer nil and send with message/send.
type Reply interface {
	// MarshalReply renders the plaintext reply XML: toUser is the member's UserID (the
	// callback's FromUserName), fromCorp the corp ID (its ToUserName), createTime Unix seconds.
	MarshalReply(toUser, fromCorp string, createTime int64) ([]byte, error)
}

type cdata struct {
	Text string `xml:",cdata"`
}

type replyHeader struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata
	FromUserName cdata
	CreateTime   int64
	MsgType      cdata
}

func marshalReply(v any) ([]byte, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, wrap(ErrGenReply, err.Error())
	}
	return b, nil
}

func hdr(toUser, fromCorp string, createTime int64, msgType string) replyHeader {
	return replyHeader{ToUserName: cdata{toUser}, FromUserName: cdata{fromCorp}, CreateTime: createTime, MsgType: cdata{msgType}}
}

// TextReply answers with a text message (MsgType text); WeCom truncates Content beyond 2048
// bytes.
// 文本消息
type TextReply struct {
	Content string
}

// MarshalReply renders r; see Reply.
func (r TextReply) MarshalReply(toUser, fromCorp string, createTime int64) ([]byte, error) {
	return marshalReply(struct {
		replyHeader
		Content cdata
	}{hdr(toUser, fromCorp, createTime, "text"), cdata{r.Content}})
}

type mediaRef struct {
	MediaID cdata `xml:"MediaId"`
}

// ImageReply answers with an uploaded image (MsgType image).
// 图片消息
type ImageReply struct {
	// MediaID is a temporary media id from media/upload.
	MediaID string
}

// MarshalReply renders r; see Reply.
func (r ImageReply) MarshalReply(toUser, fromCorp string, createTime int64) ([]byte, error) {
	return marshalReply(struct {
		replyHeader
		Image mediaRef
	}{hdr(toUser, fromCorp, createTime, "image"), mediaRef{cdata{r.MediaID}}})
}

// VoiceReply answers with an uploaded AMR voice message (MsgType voice).
// 语音消息
type VoiceReply struct {
	// MediaID is a temporary media id from media/upload.
	MediaID string
}

// MarshalReply renders r; see Reply.
func (r VoiceReply) MarshalReply(toUser, fromCorp string, createTime int64) ([]byte, error) {
	return marshalReply(struct {
		replyHeader
		Voice mediaRef
	}{hdr(toUser, fromCorp, createTime, "voice"), mediaRef{cdata{r.MediaID}}})
}

// VideoReply answers with an uploaded video (MsgType video).
// 视频消息
type VideoReply struct {
	MediaID     string // MediaID is a temporary media id from media/upload.
	Title       string // Title is optional.
	Description string // Description is optional.
}

// MarshalReply renders r; see Reply.
func (r VideoReply) MarshalReply(toUser, fromCorp string, createTime int64) ([]byte, error) {
	type video struct {
		MediaID     cdata  `xml:"MediaId"`
		Title       *cdata `xml:",omitempty"`
		Description *cdata `xml:",omitempty"`
	}
	v := video{MediaID: cdata{r.MediaID}}
	if r.Title != "" {
		v.Title = &cdata{r.Title}
	}
	if r.Description != "" {
		v.Description = &cdata{r.Description}
	}
	return marshalReply(struct {
		replyHeader
		Video video
	}{hdr(toUser, fromCorp, createTime, "video"), v})
}

// Article is one entry of a NewsReply.
type Article struct {
	Title       string // Title of the entry.
	Description string // Description under the title.
	URL         string // URL opened on click.
	PicURL      string // PicURL is the picture shown.
}

// maxArticles is the documented limit of a news reply.
const maxArticles = 8

// NewsReply answers with 1 to 8 linked articles (MsgType news).
// 图文消息
type NewsReply struct {
	Articles []Article
}

// MarshalReply renders r; see Reply.
func (r NewsReply) MarshalReply(toUser, fromCorp string, createTime int64) ([]byte, error) {
	if len(r.Articles) == 0 || len(r.Articles) > maxArticles {
		return nil, wrap(ErrGenReply, fmt.Sprintf("news reply needs 1 to %d articles, got %d", maxArticles, len(r.Articles)))
	}
	type item struct {
		Title       cdata
		Description cdata
		URL         cdata `xml:"Url"`
		PicURL      cdata `xml:"PicUrl"`
	}
	items := make([]item, len(r.Articles))
	for i, a := range r.Articles {
		items[i] = item{cdata{a.Title}, cdata{a.Description}, cdata{a.URL}, cdata{a.PicURL}}
	}
	return marshalReply(struct {
		replyHeader
		ArticleCount int
		Items        []item `xml:"Articles>item"`
	}{hdr(toUser, fromCorp, createTime, "news"), len(items), items})
}

// UpdateButtonReply answers a template card click by replacing the clicked user's button text
// and greying it out (MsgType update_button). The docs indicate the platform honours it for
// template_card_menu_event; for template_card_event prefer message/update_template_card.
// 更新点击用户的按钮文案
type UpdateButtonReply struct {
	// ReplaceName is the new button text.
	ReplaceName string
}

// MarshalReply renders r; see Reply.
func (r UpdateButtonReply) MarshalReply(toUser, fromCorp string, createTime int64) ([]byte, error) {
	type button struct {
		ReplaceName cdata
	}
	return marshalReply(struct {
		replyHeader
		Button button
	}{hdr(toUser, fromCorp, createTime, "update_button"), button{cdata{r.ReplaceName}}})
}
