package messages

import (
	"context"
	"net/http"
	"net/url"
	"regexp"

	"github.com/wecom-connector/wecom/internal/check"
)

// Chat is an app group chat (应用群聊) as appchat/get answers it.
type Chat struct {
	ChatID   string   `json:"chatid"`
	Name     string   `json:"name"`
	Owner    string   `json:"owner"`
	Users    []string `json:"userlist"`
	ChatType ChatType `json:"chat_type"`
}

// ChatType tells a normal group from a course group (课程群).
type ChatType int

// Chat types.
const (
	ChatNormal ChatType = 0
	ChatCourse ChatType = 1
)

// CreateChatParams creates an app group chat: an optional name (≤50 chars), 2 to 2000 members,
// an owner among them (random when empty) and an optional custom ChatID (≤32 letters and
// digits).
type CreateChatParams struct {
	Name   string   `json:"name,omitempty"`
	Owner  string   `json:"owner,omitempty"`
	Users  []string `json:"userlist"`
	ChatID string   `json:"chatid,omitempty"`
}

var chatIDChars = regexp.MustCompile(`^[0-9A-Za-z]{1,32}$`)

// CreateChat creates a group chat the app can post to (创建群聊会话) and returns its chatid.
// Only self-built apps whose visible range is the root department may; at most 1000 per corp
// per day.
// 创建群聊会话
//
// https://developer.work.weixin.qq.com/document/path/90245
//
//wecom:api POST /cgi-bin/appchat/create
func (s *Service) CreateChat(ctx context.Context, p CreateChatParams) (string, error) {
	if err := firstErr(countRange("userlist", len(p.Users), 2, 2000), maxChars("name", p.Name, 50)); err != nil {
		return "", err
	}
	if p.ChatID != "" && !chatIDChars.MatchString(p.ChatID) {
		return "", check.Invalid("chatid", "at most 32 letters and digits")
	}
	var out struct {
		ChatID string `json:"chatid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/appchat/create", nil, p, &out); err != nil {
		return "", err
	}
	return out.ChatID, nil
}

// UpdateChatParams changes a group chat's name, owner or members; empty fields stay.
type UpdateChatParams struct {
	ChatID      string   `json:"chatid"`
	Name        string   `json:"name,omitempty"`
	Owner       string   `json:"owner,omitempty"`
	AddUsers    []string `json:"add_user_list,omitempty"`
	RemoveUsers []string `json:"del_user_list,omitempty"`
}

// UpdateChat modifies a group chat the app created (修改群聊会话).
// 修改群聊会话
//
// https://developer.work.weixin.qq.com/document/path/90246
//
//wecom:api POST /cgi-bin/appchat/update
func (s *Service) UpdateChat(ctx context.Context, p UpdateChatParams) error {
	if err := firstErr(check.Required("chatid", p.ChatID), maxChars("name", p.Name, 50)); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/appchat/update", nil, p, nil)
}

// GetChat reads a group chat the app created (获取群聊会话).
// 获取群聊会话
//
// https://developer.work.weixin.qq.com/document/path/90247
//
//wecom:api GET /cgi-bin/appchat/get
func (s *Service) GetChat(ctx context.Context, chatID string) (*Chat, error) {
	if err := check.Required("chatid", chatID); err != nil {
		return nil, err
	}
	var out struct {
		ChatInfo Chat `json:"chat_info"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/appchat/get", url.Values{"chatid": {chatID}}, nil, &out); err != nil {
		return nil, err
	}
	return &out.ChatInfo, nil
}

// ChatSendParams is a message for a group chat: any [Message] but template cards and mini
// program notices, no ID translation and no duplicate check. Safe applies to text, image, video,
// file and mpnews.
type ChatSendParams struct {
	ChatID  string
	Message Message
	Safe    Safe
}

// SendToChat posts a message into a group chat the app created (应用推送消息). Chat messages
// have no msgid and cannot be recalled, and WeCom offers no duplicate check for them, so a send
// is never retried once it may have arrived.
// 应用推送消息
//
// https://developer.work.weixin.qq.com/document/path/90248
//
//wecom:api POST /cgi-bin/appchat/send
func (s *Service) SendToChat(ctx context.Context, p ChatSendParams) error {
	if isNil(p.Message) {
		return check.Invalid("msgtype", "no Message")
	}
	mt := p.Message.MsgType()
	if err := firstErr(check.Required("chatid", p.ChatID), p.Message.check(toChat), checkSafeNoCorpOnly(mt, p.Safe)); err != nil {
		return err
	}
	head := struct {
		ChatID  string  `json:"chatid"`
		MsgType MsgType `json:"msgtype"`
		Safe    Safe    `json:"safe,omitempty"`
	}{p.ChatID, mt, p.Safe}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/appchat/send", nil, envelope{head: head, key: mt, body: p.Message}, nil)
}
