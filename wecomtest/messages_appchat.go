package wecomtest

import (
	"bytes"
	"slices"
	"time"

	"github.com/wecom-connector/wecom/client"
)

type msgChatState struct {
	id, name, owner string
	users           []string
	agentID         int
	msgs            []*Message
}

func (s *Server) appChatRoutes() []route {
	return []route{
		{post, "/cgi-bin/appchat/create", TokenCorp, s.msgChatCreate},
		{post, "/cgi-bin/appchat/update", TokenCorp, s.msgChatUpdate},
		{get, "/cgi-bin/appchat/get", TokenCorp, s.msgChatGet},
		{post, "/cgi-bin/appchat/send", TokenCorp, s.msgChatSend},
	}
}

// ChatMessages returns the messages posted into an app group chat.
func (s *Server) ChatMessages(chatID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.messages.chats[chatID]; c != nil {
		return msgCopies(c.msgs)
	}
	return nil
}

func msgChatIDOK(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for _, r := range id {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			return false
		}
	}
	return true
}

func (s *Server) msgChat(c *Call, id string) (*msgChatState, error) {
	ch := s.messages.chats[id]
	switch {
	case id == "":
		return nil, errc(client.CodeMissingChatID, "chatid required")
	case ch == nil:
		return nil, errc(client.CodeChatNotFound, "chatid not exist")
	case ch.agentID != c.Token.AgentID:
		return nil, errc(client.CodeChatNotCreatedByApp, "chat not created by this app")
	}
	return ch, nil
}

func (s *Server) msgChatCreate(c *Call) (any, error) {
	req, err := decode[struct {
		Name     string   `json:"name"`
		Owner    string   `json:"owner"`
		UserList []string `json:"userlist"`
		ChatID   string   `json:"chatid"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch {
	case len(req.UserList) < 2 || len(req.UserList) > 2000:
		return nil, errc(client.CodeInvalidChatMemberCount, "invalid userlist size")
	case req.Owner != "" && !slices.Contains(req.UserList, req.Owner):
		return nil, errc(client.CodeChatOwnerNotMember, "owner not in userlist")
	case len(req.ChatID) > 32:
		return nil, errc(client.CodeChatIDTooLong, "chatid too long")
	case req.ChatID != "" && !msgChatIDOK(req.ChatID):
		return nil, errc(client.CodeInvalidChatID, "invalid chatid")
	case s.messages.chats[req.ChatID] != nil:
		return nil, errc(client.CodeChatIDExists, "chatid already exists")
	}
	if req.ChatID == "" {
		req.ChatID = s.msgNextID("chat")
	}
	if req.Owner == "" {
		req.Owner = req.UserList[0]
	}
	s.messages.chats[req.ChatID] = &msgChatState{id: req.ChatID, name: req.Name, owner: req.Owner,
		users: slices.Clone(req.UserList), agentID: c.Token.AgentID}
	return J{"chatid": req.ChatID}, nil
}

func (s *Server) msgChatUpdate(c *Call) (any, error) {
	req, err := decode[struct {
		ChatID  string   `json:"chatid"`
		Name    string   `json:"name"`
		Owner   string   `json:"owner"`
		AddUser []string `json:"add_user_list"`
		DelUser []string `json:"del_user_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	ch, err := s.msgChat(c, req.ChatID)
	if err != nil {
		return nil, err
	}
	users := slices.DeleteFunc(slices.Clone(ch.users), func(u string) bool { return slices.Contains(req.DelUser, u) })
	for _, u := range req.AddUser {
		if !slices.Contains(users, u) {
			users = append(users, u)
		}
	}
	owner := ch.owner
	if req.Owner != "" {
		owner = req.Owner
	}
	switch {
	case len(users) < 2 || len(users) > 2000:
		return nil, errc(client.CodeInvalidChatMemberCount, "invalid userlist size")
	case !slices.Contains(users, owner):
		return nil, errc(client.CodeChatOwnerNotMember, "owner not in userlist")
	}
	ch.users, ch.owner = users, owner
	if req.Name != "" {
		ch.name = req.Name
	}
	return J{}, nil
}

func (s *Server) msgChatGet(c *Call) (any, error) {
	ch, err := s.msgChat(c, c.Query("chatid"))
	if err != nil {
		return nil, err
	}
	return J{"chat_info": J{"chatid": ch.id, "name": ch.name, "owner": ch.owner, "userlist": ch.users, "chat_type": 0}}, nil
}

func (s *Server) msgChatSend(c *Call) (any, error) {
	req, err := decode[struct {
		ChatID  string `json:"chatid"`
		MsgType string `json:"msgtype"`
	}](c)
	if err != nil {
		return nil, err
	}
	ch, err := s.msgChat(c, req.ChatID)
	if err != nil {
		return nil, err
	}
	if req.MsgType == "template_card" || req.MsgType == "miniprogram_notice" || !slices.Contains(msgAppTypes, req.MsgType) {
		return nil, errc(client.CodeInvalidMsgType, "invalid message type")
	}
	raw := msgBodies(c)
	if err := s.msgCheckBody(req.MsgType, raw[req.MsgType], 2048, ""); err != nil {
		return nil, err
	}
	ch.msgs = append(ch.msgs, &Message{AgentID: c.Token.AgentID, MsgType: req.MsgType,
		Content: bytes.Clone(raw[req.MsgType]), Request: bytes.Clone(c.Body), Time: time.Now()})
	return J{}, nil
}

// msgMediaLimits are the upload limits per type: maximum size and allowed extensions.
