package messages

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// MsgType is the msgtype of a message (消息类型).
type MsgType string

// Message types of app messages, app chats, linked-corp messages and robots.
const (
	MsgText              MsgType = "text"               // 文本消息
	MsgImage             MsgType = "image"              // 图片消息
	MsgVoice             MsgType = "voice"              // 语音消息
	MsgVideo             MsgType = "video"              // 视频消息
	MsgFile              MsgType = "file"               // 文件消息
	MsgTextCard          MsgType = "textcard"           // 文本卡片消息
	MsgNews              MsgType = "news"               // 图文消息
	MsgMPNews            MsgType = "mpnews"             // 图文消息（mpnews）
	MsgMarkdown          MsgType = "markdown"           // markdown消息
	MsgMiniProgramNotice MsgType = "miniprogram_notice" // 小程序通知消息
	MsgTemplateCard      MsgType = "template_card"      // 模板卡片消息
	MsgMarkdownV2        MsgType = "markdown_v2"        // robot only
)

// Documented size limits, in bytes unless named otherwise.
const (
	MaxTextBytes          = 2048 // text content of app, chat and robot messages
	MaxMarkdownBytes      = 2048 // markdown content of app and chat messages
	MaxRobotMarkdownBytes = 4096 // robot markdown and markdown_v2 content
	MaxArticles           = 8    // news and mpnews articles per message
	MaxMPNewsContentBytes = 666 * 1024
)

// target is where a message is sent; rules differ per endpoint.
type target int

const (
	toApp    target = iota // message/send
	toChat                 // appchat/send
	toLinked               // linkedcorp/message/send
)

var targetNames = [...]string{toApp: "message/send", toChat: "appchat/send", toLinked: "linkedcorp/message/send"}

// Message is the body of an app message, an app chat message or a linked-corp message: one of
// [Text], [Image], [Voice], [Video], [File], [TextCard], [News], [MPNews], [Markdown],
// [MiniProgramNotice] or [TemplateCard]. Robots take a [RobotMessage].
// 消息类型
type Message interface {
	// MsgType is the message's msgtype, also the JSON key of its body.
	MsgType() MsgType
	check(t target) error
}

func unsupported(m MsgType, t target) error {
	return check.Invalid("msgtype", "%s is not supported by %s", m, targetNames[t])
}

// Text is a text message (文本消息): up to 2048 bytes, \n line breaks and <a href> links; ID
// translation (id转译) applies to Content.
type Text struct {
	Content string `json:"content"`
}

// MsgType is "text".
func (Text) MsgType() MsgType { return MsgText }

func (m Text) check(target) error {
	return firstErr(check.Required("text.content", m.Content), maxBytes("text.content", m.Content, MaxTextBytes))
}

// Image is an image message (图片消息); MediaID comes from [Service.UploadMedia] with
// [MediaImage].
type Image struct {
	MediaID string `json:"media_id"`
}

// MsgType is "image".
func (Image) MsgType() MsgType { return MsgImage }

func (m Image) check(target) error { return check.Required("image.media_id", m.MediaID) }

// Voice is a voice message (语音消息); MediaID comes from an upload of type voice (AMR). For a
// robot, the ID must come from [Robot.UploadMedia] with the same key.
type Voice struct {
	MediaID string `json:"media_id"`
}

// MsgType is "voice".
func (Voice) MsgType() MsgType { return MsgVoice }

func (m Voice) check(target) error { return check.Required("voice.media_id", m.MediaID) }
func (m Voice) checkRobot() error  { return m.check(toApp) }

// Video is a video message (视频消息): an MP4 upload with an optional title (≤128 bytes) and
// description (≤512 bytes).
type Video struct {
	MediaID     string `json:"media_id"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
}

// MsgType is "video".
func (Video) MsgType() MsgType { return MsgVideo }

func (m Video) check(target) error {
	return firstErr(check.Required("video.media_id", m.MediaID), maxBytes("video.title", m.Title, 128),
		maxBytes("video.description", m.Description, 512))
}

// File is a file message (文件消息); the name shown is the filename given at upload. For a
// robot, the ID must come from [Robot.UploadMedia] with the same key.
type File struct {
	MediaID string `json:"media_id"`
}

// MsgType is "file".
func (File) MsgType() MsgType { return MsgFile }

func (m File) check(target) error { return check.Required("file.media_id", m.MediaID) }
func (m File) checkRobot() error  { return m.check(toApp) }

// TextCard is a text card message (文本卡片消息): a title (≤128 chars), a description (≤512
// chars, <div class="gray|highlight|normal"> colours), a link and an optional button text (≤4
// chars).
type TextCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt,omitempty"`
}

// MsgType is "textcard".
func (TextCard) MsgType() MsgType { return MsgTextCard }

func (m TextCard) check(target) error {
	return firstErr(check.Required("textcard.title", m.Title), maxChars("textcard.title", m.Title, 128),
		check.Required("textcard.description", m.Description), maxChars("textcard.description", m.Description, 512),
		checkURL("textcard.url", m.URL, true), maxChars("textcard.btntxt", m.BtnTxt, 4))
}

// Article is one entry of a [News] message (图文). URL, or the mini program pair AppID and
// PagePath, says what a tap opens.
type Article struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	PicURL      string `json:"picurl,omitempty"`
	AppID       string `json:"appid,omitempty"`
	PagePath    string `json:"pagepath,omitempty"`
}

// News is a news message (图文消息) of 1 to 8 articles. It never takes the safe flag (use
// [MPNews] for confidential articles).
type News struct {
	Articles []Article `json:"articles"`
}

// MsgType is "news".
func (News) MsgType() MsgType { return MsgNews }

func (m News) check(t target) error { return m.checkArticles(t != toApp) }
func (m News) checkRobot() error    { return m.checkArticles(true) }

// checkArticles validates the articles; needURL when mini program links are not allowed.
func (m News) checkArticles(needURL bool) error {
	if err := countRange("news.articles", len(m.Articles), 1, MaxArticles); err != nil {
		return err
	}
	for _, a := range m.Articles {
		err := firstErr(check.Required("news.articles[].title", a.Title), maxBytes("news.articles[].title", a.Title, 128),
			maxBytes("news.articles[].description", a.Description, 512),
			checkURL("news.articles[].picurl", a.PicURL, false), maxBytes("news.articles[].pagepath", a.PagePath, 128))
		if err != nil {
			return err
		}
		switch {
		case a.AppID != "" && !needURL:
			if a.PagePath == "" {
				return check.Invalid("news.articles[].pagepath", "required with appid")
			}
		case a.AppID != "":
			return check.Invalid("news.articles[].appid", "mini program articles are only for message/send")
		default:
			if err := checkURL("news.articles[].url", a.URL, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// MPArticle is one entry of an [MPNews] message, stored inside WeCom: a cover image upload, the
// HTML content (≤666 KB) and an optional author (≤64 bytes) and digest (≤512 bytes).
type MPArticle struct {
	Title            string `json:"title"`
	ThumbMediaID     string `json:"thumb_media_id"`
	Author           string `json:"author,omitempty"`
	ContentSourceURL string `json:"content_source_url,omitempty"`
	Content          string `json:"content"`
	Digest           string `json:"digest,omitempty"`
}

// MPNews is an mpnews message (图文消息（mpnews）) of 1 to 8 articles; the only type that
// accepts [SafeCorpOnly].
type MPNews struct {
	Articles []MPArticle `json:"articles"`
}

// MsgType is "mpnews".
func (MPNews) MsgType() MsgType { return MsgMPNews }

func (m MPNews) check(target) error {
	if err := countRange("mpnews.articles", len(m.Articles), 1, MaxArticles); err != nil {
		return err
	}
	for _, a := range m.Articles {
		err := firstErr(check.Required("mpnews.articles[].title", a.Title), maxBytes("mpnews.articles[].title", a.Title, 128),
			check.Required("mpnews.articles[].thumb_media_id", a.ThumbMediaID), maxBytes("mpnews.articles[].author", a.Author, 64),
			check.Required("mpnews.articles[].content", a.Content), maxBytes("mpnews.articles[].content", a.Content, MaxMPNewsContentBytes),
			maxBytes("mpnews.articles[].digest", a.Digest, 512))
		if err != nil {
			return err
		}
	}
	return nil
}

// Markdown is a markdown message (markdown消息) in WeCom's subset: headings, bold, links, inline
// code, quotes and <font color="info|comment|warning">. App and chat messages take up to 2048
// bytes, robots 4096 bytes (and <@userid> mentions).
type Markdown struct {
	Content string `json:"content"`
}

// MsgType is "markdown".
func (Markdown) MsgType() MsgType { return MsgMarkdown }

func (m Markdown) check(target) error {
	return firstErr(check.Required("markdown.content", m.Content), maxBytes("markdown.content", m.Content, MaxMarkdownBytes))
}

func (m Markdown) checkRobot() error {
	return firstErr(check.Required("markdown.content", m.Content), maxBytes("markdown.content", m.Content, MaxRobotMarkdownBytes))
}

// NoticeItem is a key/value row of a [MiniProgramNotice] (key ≤10, value ≤30 chars).
type NoticeItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// MiniProgramNotice is a mini program notice (小程序通知消息), only for apps bound to a mini
// program and never to everyone. Its title and description take 4 to 12 chars; up to 10 rows.
type MiniProgramNotice struct {
	AppID             string       `json:"appid"`
	Page              string       `json:"page,omitempty"`
	Title             string       `json:"title"`
	Description       string       `json:"description,omitempty"`
	EmphasisFirstItem bool         `json:"emphasis_first_item,omitempty"`
	ContentItem       []NoticeItem `json:"content_item,omitempty"`
}

// MsgType is "miniprogram_notice".
func (MiniProgramNotice) MsgType() MsgType { return MsgMiniProgramNotice }

func (m MiniProgramNotice) check(t target) error {
	if t == toChat {
		return unsupported(MsgMiniProgramNotice, t)
	}
	err := firstErr(check.Required("miniprogram_notice.appid", m.AppID), maxBytes("miniprogram_notice.page", m.Page, 1024),
		charRange("miniprogram_notice.title", m.Title, 4, 12), countRange("miniprogram_notice.content_item", len(m.ContentItem), 0, 10))
	if err != nil {
		return err
	}
	if m.Description != "" {
		if err := charRange("miniprogram_notice.description", m.Description, 4, 12); err != nil {
			return err
		}
	}
	for _, it := range m.ContentItem {
		if err := firstErr(maxChars("miniprogram_notice.content_item[].key", it.Key, 10),
			maxChars("miniprogram_notice.content_item[].value", it.Value, 30)); err != nil {
			return err
		}
	}
	return nil
}

// maxChars checks a limit the documentation counts in characters (code points).
func maxChars(field, v string, limit int) error {
	if n := utf8.RuneCountInString(v); n > limit {
		return &client.ValidationError{Field: field, Reason: fmt.Sprintf("%d chars, limit %d", n, limit), TooLong: true}
	}
	return nil
}

func charRange(field, v string, lo, hi int) error {
	if n := utf8.RuneCountInString(v); n < lo || n > hi {
		return check.Invalid(field, "%d chars, want %d to %d", n, lo, hi)
	}
	return nil
}

func countRange(field string, n, lo, hi int) error {
	if n < lo || n > hi {
		return check.Invalid(field, "%d entries, want %d to %d", n, lo, hi)
	}
	return nil
}

// checkURL wants an http(s) URL of at most 2048 bytes (45034 without scheme).
func checkURL(field, u string, need bool) error {
	switch {
	case u == "" && need:
		return check.Invalid(field, "required")
	case u == "":
		return nil
	case !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://"):
		return check.Invalid(field, "must start with http:// or https://")
	}
	return maxBytes(field, u, 2048)
}
