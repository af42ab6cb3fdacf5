package customerservice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// Content is the body of a message to send: [Text], [Image], [Voice], [Video], [File], [Link],
// [MiniProgram], [Menu], [Location] or [CALink].
type Content interface {
	// MsgType is the msgtype the content is sent as.
	MsgType() MsgType
	put(w *sendWire) error
}

// Text is a text message (文本), at most 2048 bytes; "\n" breaks lines.
type Text struct {
	Content string `json:"content"`
}

// Image is a picture by temporary media ID (图片).
type Image struct {
	MediaID string `json:"media_id"`
}

// Voice is an AMR voice message by temporary media ID (语音).
type Voice struct {
	MediaID string `json:"media_id"`
}

// Video is an MP4 video by temporary media ID (视频).
type Video struct {
	MediaID string `json:"media_id"`
}

// File is a file by temporary media ID (文件).
type File struct {
	MediaID string `json:"media_id"`
}

// Link is a link card (图文链接): URL must start with http:// or https://.
type Link struct {
	Title        string `json:"title"`
	Desc         string `json:"desc,omitempty"`
	URL          string `json:"url"`
	ThumbMediaID string `json:"thumb_media_id"`
}

// MiniProgram is a mini program card (小程序); PagePath should end in .html.
type MiniProgram struct {
	AppID        string `json:"appid"`
	Title        string `json:"title,omitempty"`
	ThumbMediaID string `json:"thumb_media_id"`
	PagePath     string `json:"pagepath"`
}

// Location is a place (地理位置).
type Location LocationBody

// CALink is a customer-acquisition link (获客链接) turned into a card.
type CALink struct {
	LinkURL string `json:"link_url"`
}

// Menu is a menu message (菜单消息): text above and below a list of items. send_msg accepts at
// most 50 items of which at most 10 click, view or mini program items; send_msg_on_event at most
// 10 items.
type Menu struct {
	HeadContent string     `json:"head_content,omitempty"`
	Items       []MenuItem `json:"list,omitempty"`
	TailContent string     `json:"tail_content,omitempty"`
}

// MenuItemType is the type of a menu item.
type MenuItemType string

// Menu item types.
const (
	MenuClick       MenuItemType = "click"       // 回复菜单: the customer sends Content with menu_id ID
	MenuView        MenuItemType = "view"        // 超链接菜单: opens URL
	MenuMiniProgram MenuItemType = "miniprogram" // 小程序菜单
	MenuText        MenuItemType = "text"        // 纯文本
)

// MenuItem is one menu entry; build it with [ClickItem], [ViewItem], [MiniProgramItem] or
// [TextItem]. Exactly the field named by Type is set.
type MenuItem struct {
	Type        MenuItemType         `json:"type"`
	Click       *MenuClickItem       `json:"click,omitempty"`
	View        *MenuViewItem        `json:"view,omitempty"`
	MiniProgram *MenuMiniProgramItem `json:"miniprogram,omitempty"`
	Text        *MenuTextItem        `json:"text,omitempty"`
}

// MenuClickItem is a reply item: clicking sends Content as the customer's text with menu_id ID.
type MenuClickItem struct {
	ID      string `json:"id,omitempty"`
	Content string `json:"content"`
}

// MenuViewItem opens URL.
type MenuViewItem struct {
	URL     string `json:"url"`
	Content string `json:"content"`
}

// MenuMiniProgramItem opens a mini program page.
type MenuMiniProgramItem struct {
	AppID    string `json:"appid"`
	PagePath string `json:"pagepath"`
	Content  string `json:"content"`
}

// MenuTextItem is plain text in the list; NoNewline 1 keeps the next item on the same line.
type MenuTextItem struct {
	Content   string `json:"content"`
	NoNewline int    `json:"no_newline,omitempty"`
}

// ClickItem returns a reply item: clicking it makes the customer send content, with id as the
// text's menu_id.
func ClickItem(id, content string) MenuItem {
	return MenuItem{Type: MenuClick, Click: &MenuClickItem{ID: id, Content: content}}
}

// ViewItem returns an item that opens url.
func ViewItem(url, content string) MenuItem {
	return MenuItem{Type: MenuView, View: &MenuViewItem{URL: url, Content: content}}
}

// MiniProgramItem returns an item that opens a mini program page.
func MiniProgramItem(appID, pagePath, content string) MenuItem {
	return MenuItem{Type: MenuMiniProgram, MiniProgram: &MenuMiniProgramItem{AppID: appID, PagePath: pagePath, Content: content}}
}

// TextItem returns a plain text line; noNewline keeps the next item on the same line.
func TextItem(content string, noNewline bool) MenuItem {
	t := &MenuTextItem{Content: content}
	if noNewline {
		t.NoNewline = 1
	}
	return MenuItem{Type: MenuText, Text: t}
}

// sendWire is the JSON of send_msg and send_msg_on_event: msgtype plus exactly one body.
type sendWire struct {
	ToUser      string        `json:"touser,omitempty"`
	OpenKfID    string        `json:"open_kfid,omitempty"`
	Code        string        `json:"code,omitempty"`
	MsgID       string        `json:"msgid,omitempty"`
	MsgType     MsgType       `json:"msgtype"`
	Text        *Text         `json:"text,omitempty"`
	Image       *Image        `json:"image,omitempty"`
	Voice       *Voice        `json:"voice,omitempty"`
	Video       *Video        `json:"video,omitempty"`
	File        *File         `json:"file,omitempty"`
	Link        *Link         `json:"link,omitempty"`
	MiniProgram *MiniProgram  `json:"miniprogram,omitempty"`
	Menu        *Menu         `json:"msgmenu,omitempty"`
	Location    *LocationBody `json:"location,omitempty"`
	CALink      *CALink       `json:"ca_link,omitempty"`
}

// Idempotent: every send carries a msgid chosen before the first attempt, so the platform
// refuses a second delivery (95033) and retries are safe.
func (sendWire) Idempotent() bool { return true }

func media(field, id string) error {
	if id == "" {
		return check.Invalid(field+".media_id", "required")
	}
	return nil
}

// MsgType returns "text".
func (Text) MsgType() MsgType { return MsgText }

// MsgType returns "image".
func (Image) MsgType() MsgType { return MsgImage }

// MsgType returns "voice".
func (Voice) MsgType() MsgType { return MsgVoice }

// MsgType returns "video".
func (Video) MsgType() MsgType { return MsgVideo }

// MsgType returns "file".
func (File) MsgType() MsgType { return MsgFile }

// MsgType returns "link".
func (Link) MsgType() MsgType { return MsgLink }

// MsgType returns "miniprogram".
func (MiniProgram) MsgType() MsgType { return MsgMiniProgram }

// MsgType returns "msgmenu".
func (Menu) MsgType() MsgType { return MsgMenu }

// MsgType returns "location".
func (Location) MsgType() MsgType { return MsgLocation }

// MsgType returns "ca_link".
func (CALink) MsgType() MsgType { return MsgCALink }

func (t Text) put(w *sendWire) error {
	if t.Content == "" || len(t.Content) > 2048 {
		return check.Invalid("text.content", "want 1 to 2048 bytes, have %d", len(t.Content))
	}
	w.Text = &t
	return nil
}

func (m Image) put(w *sendWire) error { w.Image = &m; return media("image", m.MediaID) }
func (m Voice) put(w *sendWire) error { w.Voice = &m; return media("voice", m.MediaID) }
func (m Video) put(w *sendWire) error { w.Video = &m; return media("video", m.MediaID) }
func (m File) put(w *sendWire) error  { w.File = &m; return media("file", m.MediaID) }

func (l Link) put(w *sendWire) error {
	switch {
	case l.Title == "":
		return check.Invalid("link.title", "required")
	case !strings.HasPrefix(l.URL, "http://") && !strings.HasPrefix(l.URL, "https://"):
		return check.Invalid("link.url", "must start with http:// or https://")
	case len(l.URL) > 2048:
		return check.Invalid("link.url", "longer than 2048 bytes")
	}
	w.Link = &l
	return media("link.thumb", l.ThumbMediaID)
}

func (m MiniProgram) put(w *sendWire) error {
	if m.AppID == "" || m.PagePath == "" {
		return check.Invalid("miniprogram", "appid and pagepath are required")
	}
	w.MiniProgram = &m
	return media("miniprogram.thumb", m.ThumbMediaID)
}

func (l Location) put(w *sendWire) error {
	if l.Latitude < -90 || l.Latitude > 90 || l.Longitude < -180 || l.Longitude > 180 {
		return check.Invalid("location", "latitude must be within ±90 and longitude within ±180")
	}
	b := LocationBody(l)
	w.Location = &b
	return nil
}

func (c CALink) put(w *sendWire) error {
	if c.LinkURL == "" {
		return check.Invalid("ca_link.link_url", "required")
	}
	w.CALink = &c
	return nil
}

func (m Menu) put(w *sendWire) error {
	if err := m.check(50, 10); err != nil {
		return err
	}
	w.Menu = &m
	return nil
}

// check validates a menu against item limits: total items and click/view/mini program items.
func (m Menu) check(maxItems, maxActive int) error {
	if len(m.HeadContent) > 1024 || len(m.TailContent) > 1024 {
		return check.Invalid("msgmenu", "head_content and tail_content take at most 1024 bytes")
	}
	if len(m.Items) > maxItems {
		return check.Invalid("msgmenu.list", "%d items, at most %d allowed", len(m.Items), maxItems)
	}
	active := 0
	for i, it := range m.Items {
		var ok bool
		switch it.Type {
		case MenuClick:
			ok = it.Click != nil && it.Click.Content != "" && len(it.Click.Content) <= 128 && len(it.Click.ID) <= 128
		case MenuView:
			ok = it.View != nil && it.View.Content != "" && it.View.URL != "" && len(it.View.URL) <= 2048
		case MenuMiniProgram:
			ok = it.MiniProgram != nil && it.MiniProgram.AppID != "" && it.MiniProgram.PagePath != ""
		case MenuText:
			ok = it.Text != nil && it.Text.Content != "" && len(it.Text.Content) <= 256
		default:
			return check.Invalid("msgmenu.list", "item %d has unknown type %q", i, it.Type)
		}
		if !ok {
			return check.Invalid("msgmenu.list", "item %d (%s) lacks a required field or is too long", i, it.Type)
		}
		if it.Type != MenuText {
			active++
		}
	}
	if active > maxActive {
		return check.Invalid("msgmenu.list", "%d click/view/miniprogram items, at most %d allowed", active, maxActive)
	}
	return nil
}

var msgIDRe = regexp.MustCompile(`^[0-9a-zA-Z_-]{1,32}$`)

// newMsgID is a fresh msgid: a UUID without dashes is 32 bytes of [0-9a-f].
func newMsgID() string { return strings.ReplaceAll(uuid.NewString(), "-", "") }

// ReplyMsgID derives the msgid of the n-th reply (0 to 4: send_msg allows 5 per customer
// message) to the message msgID: 32 hex digits of a SHA-256 of both, within send_msg's 32-byte
// limit whatever msgID's length. Send the reply with it and a retry after a crash, a failed
// Done or a lost answer is refused by WeCom as a duplicate ([ErrDuplicateMsgID], 95033) instead
// of reaching the customer twice: treat that error as "already sent".
func ReplyMsgID(msgID string, n int) string {
	sum := sha256.Sum256([]byte("wecom kf reply\x00" + msgID + "\x00" + strconv.Itoa(n)))
	return hex.EncodeToString(sum[:16])
}

// build fills w with the msgid (a fresh one when empty) and the content.
func build(w *sendWire, msgID string, c Content) (generated bool, err error) {
	if r := reflect.ValueOf(c); c == nil || r.Kind() == reflect.Pointer && r.IsNil() {
		return false, check.Invalid("msgtype", "no content") // a nil *Text would panic in MsgType
	}
	if msgID == "" {
		msgID, generated = newMsgID(), true
	} else if !msgIDRe.MatchString(msgID) {
		return false, check.Invalid("msgid", "want 1 to 32 bytes of [0-9a-zA-Z_-], have %q", msgID)
	}
	w.MsgID, w.MsgType = msgID, c.MsgType()
	return generated, c.put(w)
}

// SendParams is a message to one customer.
type SendParams struct {
	OpenKfID       string // the sending account
	ExternalUserID string // the customer (touser)
	// MsgID identifies the message on the account: ≤ 32 bytes of [0-9a-zA-Z_-]. Derive it from
	// your own message ID to make resends of the same message idempotent; when empty Send
	// generates one.
	MsgID   string
	Content Content
}

// SendResult is an accepted message.
type SendResult struct {
	MsgID string `json:"msgid"`
	// AlreadySent is true when the platform answered "duplicate msgid" to a retry of this
	// call after an earlier attempt's answer was lost: the message was delivered once.
	AlreadySent bool `json:"-"`
}

// Send sends a message to a customer (发送消息) while the session is Untreated or with the smart
// assistant, within 48 hours of the customer's latest message and at most 5 times per customer
// message ([ErrSendWindow], [ErrSendQuota], [ErrSessionStateNoSend] otherwise). Acceptance is not
// delivery: a msg_send_fail event reports failures later.
//
// The msgid is fixed before the first attempt (a UUID when p.MsgID is empty), so the client
// retries a lost answer safely: the platform refuses the second copy. A refusal of a msgid Send
// generated itself can only come from such a retry and is reported as success with
// AlreadySent. A refusal of a caller's MsgID returns [ErrDuplicateMsgID]: that msgid was
// accepted before, by this call's earlier attempt or by an earlier call.
// 发送消息
//
// https://developer.work.weixin.qq.com/document/path/94677
//
//wecom:api POST /cgi-bin/kf/send_msg
func (s *Service) Send(ctx context.Context, p SendParams) (*SendResult, error) {
	if err := check.RequiredAll("open_kfid", p.OpenKfID, "touser", p.ExternalUserID); err != nil {
		return nil, err
	}
	w := sendWire{ToUser: p.ExternalUserID, OpenKfID: p.OpenKfID}
	generated, err := build(&w, p.MsgID, p.Content)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, "/cgi-bin/kf/send_msg", &w, generated)
}

func (s *Service) send(ctx context.Context, path string, w *sendWire, generated bool) (*SendResult, error) {
	out := new(SendResult)
	err := s.c.Do(ctx, http.MethodPost, path, nil, w, out)
	var apiErr *client.APIError
	if generated && errors.As(err, &apiErr) && apiErr.Code == client.CodeDuplicateMsgID {
		return &SendResult{MsgID: w.MsgID, AlreadySent: true}, nil
	}
	if err != nil {
		return nil, err
	}
	if out.MsgID == "" {
		out.MsgID = w.MsgID
	}
	return out, nil
}

// SendOnEventParams is a message sent with a one-shot code.
type SendOnEventParams struct {
	// Code is a welcome_code (enter_session), a msg_code from Trans or from a
	// session_status_change event. Each code works once; welcome and ending codes for 20
	// seconds, queue and picked-up codes for 48 hours.
	Code string
	// MsgID is optional, as in [SendParams].
	MsgID string
	// Content is a [Text] or, for welcome and ending codes, a [Menu] of at most 10 items.
	Content Content
}

// SendOnEvent sends the one message a code allows (发送欢迎语等事件响应消息): a welcome message,
// a queue or picked-up prompt, or an ending message. Except for welcome codes the session must
// still be in the state the code was issued for. Retries are handled as in [Service.Send]
// (whether the platform checks msgid duplicates on this endpoint is unverified; a retry after a
// lost answer may instead fail because the code was used).
// 发送欢迎语等事件响应消息
//
// https://developer.work.weixin.qq.com/document/path/95122
//
//wecom:api POST /cgi-bin/kf/send_msg_on_event
func (s *Service) SendOnEvent(ctx context.Context, p SendOnEventParams) (*SendResult, error) {
	if err := check.Required("code", p.Code); err != nil {
		return nil, err
	}
	w := sendWire{Code: p.Code}
	switch c := p.Content.(type) {
	case Text:
	case Menu:
		if err := c.check(10, 10); err != nil {
			return nil, err
		}
	default:
		return nil, check.Invalid("msgtype", "send_msg_on_event sends text or msgmenu only")
	}
	generated, err := build(&w, p.MsgID, p.Content)
	if err != nil {
		return nil, err
	}
	return s.send(ctx, "/cgi-bin/kf/send_msg_on_event", &w, generated)
}

// RecallParams names a message sent through the API.
type RecallParams struct {
	OpenKfID string `json:"open_kfid"`
	MsgID    string `json:"msgid"`
}

// Recall recalls a message the API sent (撤回消息). WeCom does not document this endpoint: it
// comes from other programs and a standalone-kf SDK (reportedly only within 2 minutes, errcodes
// 95028 not found and 95029 too late). Nothing else in this package depends on it.
// 撤回消息
//
//wecom:api POST /cgi-bin/kf/recall_msg
func (s *Service) Recall(ctx context.Context, p RecallParams) error {
	if err := check.RequiredAll("open_kfid", p.OpenKfID, "msgid", p.MsgID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/recall_msg", nil, p, nil)
}
