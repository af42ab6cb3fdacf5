package wecomtest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// messagesState records app messages, app chats, robot posts and media.
type messagesState struct {
	seq        int
	received   map[string][]*Message // recipient (UserID, "CorpID/UserID", "@all") → messages
	all        []*Message            // every message/send and linkedcorp send, in order
	sent       map[string]*msgSent   // msgid → send
	tasks      map[string]*msgSent   // agentid|task_id → send of an interactive card
	dups       map[string]msgDup     // agentid|request → earlier answer
	codes      map[string]*msgRespCode
	rejected   map[string]bool // lower-cased UserIDs answered as invalid
	unlicensed map[string]bool
	robots     map[string]*msgRobotState
	media      map[string]*msgMedia
	chats      map[string]*msgChatState
	jobs       map[string]*msgJob

	robotLimit   int
	robotWindow  time.Duration
	recallWindow time.Duration
	codeTTL      time.Duration
	mediaTTL     time.Duration
}

// Message is one message as a recipient (or a chat) received it.
type Message struct {
	MsgID   string          // "" for chat messages
	CorpID  string          // the corp whose token sent it (a downstream corp for a shared app)
	AgentID int             // the sending app
	MsgType string          // text, template_card, …
	Content json.RawMessage // the object under the msgtype key
	Request json.RawMessage // the whole request body
	Time    time.Time
	// Users, Departments and Tags are the recipients the request named (message/send and
	// linked-corp sends); WeCom resolves departments and tags, the simulator only records them.
	Users, Departments, Tags []string
	Recalled                 bool
	Updates                  []CardUpdate // message/update_template_card calls for this copy
}

// CardUpdate is one message/update_template_card applied to a received card.
type CardUpdate struct {
	ReplaceName string          // button.replace_name, in button mode
	Card        json.RawMessage // the new template_card, in card mode
}

// RobotPost is one message a group robot posted.
type RobotPost struct {
	MsgType string
	Content json.RawMessage
	Time    time.Time
}

// CardEvent is what the template_card_event callback of a user's click carries.
type CardEvent struct {
	ToUserName   string // the corp ID
	FromUserName string // the clicking member
	EventKey     string
	TaskID       string
	CardType     string
	ResponseCode string // fresh, single use
	AgentID      int
}

type msgSent struct {
	id       string
	corpID   string // the corp whose token sent it
	agentID  int
	at       time.Time
	taskID   string
	cardType string
	copies   map[string]*Message // recipient → copy
}

type msgDup struct {
	answer J
	until  time.Time
}

type msgRespCode struct {
	msg    *msgSent
	used   bool
	expiry time.Time
}

type msgRobotState struct {
	posts []RobotPost
	times []time.Time // accepted posts inside the current window
}

type msgMedia struct {
	typ, name, contentType string
	data                   []byte
	expiry                 time.Time
	robotKey               string // "" for app media
}

type msgChatState struct {
	id, name, owner string
	users           []string
	agentID         int
	msgs            []*Message
}

// WithRobotWindow sets the window of the robot limit of 20 posts (default one minute), so
// tests of the limit run fast.
func WithRobotWindow(d time.Duration) Option { return func(s *Server) { s.messages.robotWindow = d } }

// WithRecallWindow sets how long after sending a message can be recalled (default 24 h).
func WithRecallWindow(d time.Duration) Option { return func(s *Server) { s.messages.recallWindow = d } }

// WithResponseCodeTTL sets how long a card response code stays usable (default 72 h).
func WithResponseCodeTTL(d time.Duration) Option { return func(s *Server) { s.messages.codeTTL = d } }

// WithMediaTTL sets how long a temporary media ID stays valid (default 3 days).
func WithMediaTTL(d time.Duration) Option { return func(s *Server) { s.messages.mediaTTL = d } }

// AddRobot registers a group robot key that webhook/send accepts; unknown keys answer 93000.
func (s *Server) AddRobot(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.messages.robots[key] == nil {
		s.messages.robots[key] = &msgRobotState{}
	}
}

// RobotPosts returns what the robot of key posted, oldest first.
func (s *Server) RobotPosts(key string) []RobotPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.messages.robots[key]; r != nil {
		return slices.Clone(r.posts)
	}
	return nil
}

// Received returns copies of the messages a recipient got, oldest first: recipient is a UserID
// (as sent), "CorpID/UserID" for linked-corp sends, or "@all".
func (s *Server) Received(recipient string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return msgCopies(s.messages.received[recipient])
}

// SentMessages returns every message/send and linked-corp send request, one per call.
func (s *Server) SentMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return msgCopies(s.messages.all)
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

// RejectUsers makes message/send answer these UserIDs as invalid (not in the app's visible
// range); unlicensed ones are answered in unlicenseduser. Both are delivered nothing.
func (s *Server) RejectUsers(invalid, unlicensed []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range invalid {
		s.messages.rejected[strings.ToLower(u)] = true
	}
	for _, u := range unlicensed {
		s.messages.unlicensed[strings.ToLower(u)] = true
	}
}

// AddMedia stores a temporary media file as if uploaded and returns its media_id.
func (s *Server) AddMedia(typ, filename, contentType string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgStoreMedia(&msgMedia{typ: typ, name: filename, contentType: contentType, data: bytes.Clone(data)})
}

// MediaData returns the bytes of an uploaded media (app or robot) and whether it exists.
func (s *Server) MediaData(mediaID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages.media[mediaID]
	if !ok {
		return nil, false
	}
	return bytes.Clone(m.data), true
}

// ClickCard simulates a member pressing a callback button (or the submit button) of the
// interactive card with taskID they received, and returns what the template_card_event
// callback carries, with a fresh single-use response code.
func (s *Server) ClickCard(userID, taskID, eventKey string) (CardEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.messages.tasks {
		if m.taskID != taskID || m.copies[userID] == nil {
			continue
		}
		return CardEvent{
			ToUserName: m.corpID, FromUserName: userID, EventKey: eventKey, TaskID: taskID,
			CardType: m.cardType, ResponseCode: s.msgNewCode(m), AgentID: m.agentID,
		}, nil
	}
	return CardEvent{}, fmt.Errorf("wecomtest: %s received no interactive card with task_id %q", userID, taskID)
}

func msgCopies(ms []*Message) []Message {
	out := make([]Message, len(ms))
	for i, m := range ms {
		out[i] = *m
		out[i].Updates = slices.Clone(m.Updates)
	}
	return out
}

func (s *Server) registerMessages() {
	s.messages = messagesState{
		received: make(map[string][]*Message), sent: make(map[string]*msgSent), tasks: make(map[string]*msgSent),
		dups: make(map[string]msgDup), codes: make(map[string]*msgRespCode), rejected: make(map[string]bool),
		unlicensed: make(map[string]bool), robots: make(map[string]*msgRobotState), media: make(map[string]*msgMedia),
		chats: make(map[string]*msgChatState), jobs: make(map[string]*msgJob), robotLimit: 20, robotWindow: time.Minute, recallWindow: 24 * time.Hour,
		codeTTL: 72 * time.Hour, mediaTTL: 72 * time.Hour,
	}
	s.handle(http.MethodPost, "/cgi-bin/message/send", TokenCorp, s.msgSend)
	s.handle(http.MethodPost, "/cgi-bin/message/recall", TokenCorp, s.msgRecall)
	s.handle(http.MethodPost, "/cgi-bin/message/update_template_card", TokenCorp, s.msgUpdateCard)
	s.handle(http.MethodPost, "/cgi-bin/linkedcorp/message/send", TokenCorp, s.msgLinkedSend)
	s.handle(http.MethodPost, "/cgi-bin/appchat/create", TokenCorp, s.msgChatCreate)
	s.handle(http.MethodPost, "/cgi-bin/appchat/update", TokenCorp, s.msgChatUpdate)
	s.handle(http.MethodGet, "/cgi-bin/appchat/get", TokenCorp, s.msgChatGet)
	s.handle(http.MethodPost, "/cgi-bin/appchat/send", TokenCorp, s.msgChatSend)
	s.handle(http.MethodPost, "/cgi-bin/media/upload", TokenCorp, s.msgMediaUpload)
	s.handle(http.MethodPost, "/cgi-bin/media/uploadimg", TokenCorp, s.msgMediaUploadImg)
	s.handle(http.MethodGet, "/cgi-bin/media/get", TokenCorp, s.msgMediaGet)
	s.handle(http.MethodGet, "/cgi-bin/media/get/jssdk", TokenCorp, s.msgMediaGet)
	s.handle(http.MethodPost, "/cgi-bin/media/upload_by_url", TokenCorp, s.msgUploadByURL)
	s.handle(http.MethodPost, "/cgi-bin/media/get_upload_by_url_result", TokenCorp, s.msgUploadByURLResult)
	s.handle(http.MethodPost, "/cgi-bin/webhook/send", TokenNone, s.msgRobotSend)
	s.handle(http.MethodPost, "/cgi-bin/webhook/upload_media", TokenNone, s.msgRobotUpload)
}

func (s *Server) msgNextID(prefix string) string {
	s.messages.seq++
	return fmt.Sprintf("sim%s%06d", prefix, s.messages.seq)
}

func (s *Server) msgNewCode(m *msgSent) string {
	code := s.msgNextID("rc")
	s.messages.codes[code] = &msgRespCode{msg: m, expiry: time.Now().Add(s.messages.codeTTL)}
	return code
}

// msgSendReq is the message/send envelope.
type msgSendReq struct {
	ToUser       string `json:"touser"`
	ToParty      string `json:"toparty"`
	ToTag        string `json:"totag"`
	MsgType      string `json:"msgtype"`
	AgentID      int    `json:"agentid"`
	DupCheck     int    `json:"enable_duplicate_check"`
	DupInterval  int    `json:"duplicate_check_interval"`
	TemplateCard *struct {
		CardType   string          `json:"card_type"`
		TaskID     string          `json:"task_id"`
		ActionMenu json.RawMessage `json:"action_menu"`
	} `json:"template_card"`
}

var msgAppTypes = []string{"text", "image", "voice", "video", "file", "textcard", "news", "mpnews", "markdown", "miniprogram_notice", "template_card"}

var msgCardTypes = []string{"text_notice", "news_notice", "button_interaction", "vote_interaction", "multiple_interaction"}

func msgSplitBar(s string) []string {
	var out []string
	for _, v := range strings.Split(s, "|") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// msgCheckBody applies the content checks WeCom makes on a message object.
func (s *Server) msgCheckBody(msgType string, body json.RawMessage, textMax int, robotKey string) error {
	var b struct {
		Content  *string           `json:"content"`
		MediaID  string            `json:"media_id"`
		Articles []json.RawMessage `json:"articles"`
	}
	if len(body) == 0 || string(body) == "null" {
		return errc(40058, "missing "+msgType+" object")
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return errc(40058, "Warning: wrong json format. "+err.Error())
	}
	switch msgType {
	case "text", "markdown", "markdown_v2":
		switch {
		case b.Content == nil || *b.Content == "":
			return errc(44004, "empty content")
		case len(*b.Content) > textMax:
			return errc(45002, "content size out of limit")
		}
	case "image", "voice", "video", "file":
		if robotKey != "" && msgType == "image" {
			return nil
		}
		m := s.messages.media[b.MediaID]
		if m == nil || !time.Now().Before(m.expiry) || m.robotKey != robotKey {
			return errc(40007, "invalid media_id")
		}
	case "news", "mpnews":
		switch {
		case len(b.Articles) > 8:
			return errc(45008, "article size out of limit")
		case len(b.Articles) == 0:
			return errc(40058, "articles empty")
		}
	}
	return nil
}

func (s *Server) msgSend(c *Call) (any, error) {
	var req msgSendReq
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(c.Body, &raw)
	switch {
	case !slices.Contains(msgAppTypes, req.MsgType):
		return nil, errc(40008, "invalid message type")
	case req.AgentID == 0 && req.MsgType != "miniprogram_notice":
		return nil, errc(41011, "missing agentid")
	case req.AgentID != 0 && req.AgentID != c.Token.AgentID:
		return nil, errc(301002, "not allow operate another agent with this accesstoken")
	}
	users, parties, tags := msgSplitBar(req.ToUser), msgSplitBar(req.ToParty), msgSplitBar(req.ToTag)
	switch {
	case len(users) == 0 && len(parties) == 0 && len(tags) == 0:
		return nil, errc(82001, "All touser & toparty & totag invalid")
	case len(users) > 1000:
		return nil, errc(40032, "invalid touser size")
	case len(parties) > 100:
		return nil, errc(82002, "invalid toparty size")
	case len(tags) > 100:
		return nil, errc(82003, "invalid totag size")
	}
	if err := s.msgCheckBody(req.MsgType, raw[req.MsgType], 2048, ""); err != nil {
		return nil, err
	}
	dupKey := c.Token.CorpID + "|" + strconv.Itoa(c.Token.AgentID) + "|" + string(c.Body)
	if req.DupCheck == 1 {
		if d, ok := s.messages.dups[dupKey]; ok && time.Now().Before(d.until) {
			return d.answer, nil
		}
	}
	card := req.TemplateCard
	interactive := false
	if req.MsgType == "template_card" {
		if card == nil || !slices.Contains(msgCardTypes, card.CardType) {
			return nil, errc(42031, "invalid card_type")
		}
		interactive = card.CardType != "text_notice" && card.CardType != "news_notice" || len(card.ActionMenu) > 0
		if interactive {
			if card.TaskID == "" {
				return nil, errc(42014, "invalid task_id")
			}
			if s.messages.tasks[c.Token.CorpID+"|"+strconv.Itoa(req.AgentID)+"|"+card.TaskID] != nil {
				return nil, errc(42014, "task_id already used")
			}
		}
	}
	if req.ToUser == "@all" {
		users, parties, tags = []string{"@all"}, nil, nil
	}
	var invalid, unlicensed, valid []string
	for _, u := range users {
		switch l := strings.ToLower(u); {
		case s.messages.rejected[l]:
			invalid = append(invalid, l)
		case s.messages.unlicensed[l]:
			unlicensed = append(unlicensed, l)
		default:
			valid = append(valid, u)
		}
	}
	if len(valid) == 0 && len(parties) == 0 && len(tags) == 0 {
		return nil, errc(81013, "user & party & tag all invalid")
	}
	m := &msgSent{id: s.msgNextID("msg"), corpID: c.Token.CorpID, agentID: c.Token.AgentID, at: time.Now(), copies: make(map[string]*Message)}
	s.msgRecord(m, req.MsgType, raw[req.MsgType], c.Body, valid, parties, tags)
	answer := J{"invaliduser": strings.Join(invalid, "|"), "invalidparty": "", "invalidtag": "",
		"unlicenseduser": strings.Join(unlicensed, "|"), "msgid": m.id}
	if interactive {
		m.taskID, m.cardType = card.TaskID, card.CardType
		s.messages.tasks[c.Token.CorpID+"|"+strconv.Itoa(req.AgentID)+"|"+card.TaskID] = m
		answer["response_code"] = s.msgNewCode(m)
	}
	if req.DupCheck == 1 {
		iv := req.DupInterval
		if iv <= 0 {
			iv = 1800
		}
		s.messages.dups[dupKey] = msgDup{answer: answer, until: time.Now().Add(time.Duration(min(iv, 14400)) * time.Second)}
	}
	return answer, nil
}

// msgRecord records one copy per valid recipient and the request itself.
func (s *Server) msgRecord(m *msgSent, msgType string, content, req []byte, users, parties, tags []string) {
	s.messages.sent[m.id] = m
	rec := &Message{MsgID: m.id, CorpID: m.corpID, AgentID: m.agentID, MsgType: msgType, Content: bytes.Clone(content),
		Request: bytes.Clone(req), Time: m.at, Users: users, Departments: parties, Tags: tags}
	s.messages.all = append(s.messages.all, rec)
	for _, u := range users {
		cp := *rec
		m.copies[u] = &cp
		s.messages.received[u] = append(s.messages.received[u], &cp)
	}
}

func (s *Server) msgRecall(c *Call) (any, error) {
	var req struct {
		MsgID string `json:"msgid"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	m := s.messages.sent[req.MsgID]
	switch {
	case m == nil || m.agentID != c.Token.AgentID:
		return nil, errc(40058, "invalid msgid")
	case time.Since(m.at) > s.messages.recallWindow:
		return nil, errc(42052, "msgid expired")
	}
	for _, cp := range m.copies {
		cp.Recalled = true
	}
	return J{}, nil
}

func (s *Server) msgUpdateCard(c *Call) (any, error) {
	var req struct {
		UserIDs      []string `json:"userids"`
		PartyIDs     []int    `json:"partyids"`
		TagIDs       []int    `json:"tagids"`
		AtAll        int      `json:"atall"`
		AgentID      int      `json:"agentid"`
		ResponseCode string   `json:"response_code"`
		Button       *struct {
			ReplaceName string `json:"replace_name"`
		} `json:"button"`
		TemplateCard json.RawMessage `json:"template_card"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	code := s.messages.codes[req.ResponseCode]
	switch {
	case code == nil || code.used || !time.Now().Before(code.expiry):
		return nil, errc(60140, "invalid response_code")
	case req.AgentID != c.Token.AgentID || req.AgentID != code.msg.agentID:
		return nil, errc(42015, "the agent is not the one that sent the message")
	case len(req.UserIDs) == 0 && len(req.PartyIDs) == 0 && len(req.TagIDs) == 0 && req.AtAll != 1:
		return nil, errc(82101, "update target is empty")
	case (req.Button == nil) == (len(req.TemplateCard) == 0):
		return nil, errc(40058, "set button or template_card")
	}
	if len(req.TemplateCard) > 0 {
		var card struct {
			CardType string `json:"card_type"`
		}
		if err := json.Unmarshal(req.TemplateCard, &card); err != nil || !slices.Contains(msgCardTypes, card.CardType) {
			return nil, errc(42031, "invalid card_type")
		}
	}
	up := CardUpdate{Card: bytes.Clone(req.TemplateCard)}
	if req.Button != nil {
		up.ReplaceName = req.Button.ReplaceName
	}
	targets := req.UserIDs
	if req.AtAll == 1 {
		targets = slices.Sorted(func(yield func(string) bool) {
			for u := range code.msg.copies {
				if !yield(u) {
					return
				}
			}
		})
	}
	invalid := []string{}
	for _, u := range targets {
		cp := code.msg.copies[u]
		if cp == nil {
			invalid = append(invalid, strings.ToLower(u))
			continue
		}
		cp.Updates = append(cp.Updates, up)
	}
	if len(targets) > 0 && len(invalid) == len(targets) && len(req.PartyIDs) == 0 && len(req.TagIDs) == 0 {
		return nil, errc(82102, "update target not among the message's recipients")
	}
	code.used = true
	return J{"invaliduser": invalid}, nil
}

func (s *Server) msgLinkedSend(c *Call) (any, error) {
	var req struct {
		ToUser  []string          `json:"touser"`
		ToParty []string          `json:"toparty"`
		ToTag   []json.RawMessage `json:"totag"`
		ToAll   int               `json:"toall"`
		MsgType string            `json:"msgtype"`
		AgentID int               `json:"agentid"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, errc(40035, "invalid parameter: lists must be arrays")
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(c.Body, &raw)
	switch {
	case req.MsgType == "template_card" || !slices.Contains(msgAppTypes, req.MsgType):
		return nil, errc(40008, "invalid message type")
	case req.AgentID != c.Token.AgentID:
		return nil, errc(301002, "not allow operate another agent with this accesstoken")
	case req.ToAll != 1 && len(req.ToUser) == 0 && len(req.ToParty) == 0 && len(req.ToTag) == 0:
		return nil, errc(82001, "All touser & toparty & totag invalid")
	case len(req.ToUser) > 1000:
		return nil, errc(40032, "invalid touser size")
	}
	if err := s.msgCheckBody(req.MsgType, raw[req.MsgType], 2048, ""); err != nil {
		return nil, err
	}
	users := req.ToUser
	if req.ToAll == 1 {
		users = []string{"@all"}
	}
	invalid := []string{}
	var valid []string
	for _, u := range users {
		if s.messages.rejected[strings.ToLower(u)] {
			invalid = append(invalid, u)
		} else {
			valid = append(valid, u)
		}
	}
	var tags []string
	for _, t := range req.ToTag {
		tags = append(tags, strings.Trim(string(t), `"`))
	}
	m := &msgSent{id: s.msgNextID("lmsg"), agentID: c.Token.AgentID, at: time.Now(), copies: make(map[string]*Message)}
	s.msgRecord(m, req.MsgType, raw[req.MsgType], c.Body, valid, req.ToParty, tags)
	return J{"invaliduser": invalid, "invalidparty": []string{}, "invalidtag": []string{}}, nil
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
		return nil, errc(86201, "chatid required")
	case ch == nil:
		return nil, errc(86003, "chatid not exist")
	case ch.agentID != c.Token.AgentID:
		return nil, errc(86008, "chat not created by this app")
	}
	return ch, nil
}

func (s *Server) msgChatCreate(c *Call) (any, error) {
	var req struct {
		Name     string   `json:"name"`
		Owner    string   `json:"owner"`
		UserList []string `json:"userlist"`
		ChatID   string   `json:"chatid"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	switch {
	case len(req.UserList) < 2 || len(req.UserList) > 2000:
		return nil, errc(86006, "invalid userlist size")
	case req.Owner != "" && !slices.Contains(req.UserList, req.Owner):
		return nil, errc(86207, "owner not in userlist")
	case len(req.ChatID) > 32:
		return nil, errc(86205, "chatid too long")
	case req.ChatID != "" && !msgChatIDOK(req.ChatID):
		return nil, errc(86001, "invalid chatid")
	case s.messages.chats[req.ChatID] != nil:
		return nil, errc(86215, "chatid already exists")
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
	var req struct {
		ChatID  string   `json:"chatid"`
		Name    string   `json:"name"`
		Owner   string   `json:"owner"`
		AddUser []string `json:"add_user_list"`
		DelUser []string `json:"del_user_list"`
	}
	if err := c.Decode(&req); err != nil {
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
		return nil, errc(86006, "invalid userlist size")
	case !slices.Contains(users, owner):
		return nil, errc(86207, "owner not in userlist")
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
	var req struct {
		ChatID  string `json:"chatid"`
		MsgType string `json:"msgtype"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	ch, err := s.msgChat(c, req.ChatID)
	if err != nil {
		return nil, err
	}
	if req.MsgType == "template_card" || req.MsgType == "miniprogram_notice" || !slices.Contains(msgAppTypes, req.MsgType) {
		return nil, errc(40008, "invalid message type")
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(c.Body, &raw)
	if err := s.msgCheckBody(req.MsgType, raw[req.MsgType], 2048, ""); err != nil {
		return nil, err
	}
	ch.msgs = append(ch.msgs, &Message{AgentID: c.Token.AgentID, MsgType: req.MsgType,
		Content: bytes.Clone(raw[req.MsgType]), Request: bytes.Clone(c.Body), Time: time.Now()})
	return J{}, nil
}

// msgMediaLimits are the upload limits per type: maximum size and allowed extensions.
var msgMediaLimits = map[string]struct {
	max  int
	exts []string
}{
	"image": {10 << 20, []string{".jpg", ".jpeg", ".png"}},
	"voice": {2 << 20, []string{".amr"}},
	"video": {10 << 20, []string{".mp4"}},
	"file":  {20 << 20, nil},
}

// msgReadUpload reads the multipart file part named media.
func msgReadUpload(c *Call) (name, contentType string, data []byte, err error) {
	_, params, perr := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	if perr != nil || params["boundary"] == "" {
		return "", "", nil, errc(44001, "empty media data, not multipart")
	}
	mr := multipart.NewReader(bytes.NewReader(c.Body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return "", "", nil, errc(44001, "empty media data")
		}
		if p.FormName() != "media" {
			continue
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return "", "", nil, errc(44001, "bad media data")
		}
		return p.FileName(), p.Header.Get("Content-Type"), b, nil
	}
}

func (s *Server) msgStoreMedia(m *msgMedia) string {
	id := s.msgNextID("media")
	m.expiry = time.Now().Add(s.messages.mediaTTL)
	s.messages.media[id] = m
	return id
}

// msgUpload checks and stores an upload of typ; robotKey binds it to a robot.
func (s *Server) msgUpload(c *Call, typ, robotKey string) (any, error) {
	lim, ok := msgMediaLimits[typ]
	if !ok {
		return nil, errc(40005, "invalid media type")
	}
	name, ct, data, err := msgReadUpload(c)
	switch {
	case err != nil:
		return nil, err
	case len(data) == 0:
		return nil, errc(44001, "empty media data")
	case len(data) <= 5:
		return nil, errc(40006, "invalid file size")
	case len(data) > lim.max:
		return nil, errc(45001, "media size out of limit")
	case lim.exts != nil && !slices.Contains(lim.exts, strings.ToLower(path.Ext(name))):
		return nil, errc(40004, "invalid media file type")
	}
	id := s.msgStoreMedia(&msgMedia{typ: typ, name: name, contentType: ct, data: data, robotKey: robotKey})
	return J{"type": typ, "media_id": id, "created_at": strconv.FormatInt(time.Now().Unix(), 10)}, nil
}

func (s *Server) msgMediaUpload(c *Call) (any, error) { return s.msgUpload(c, c.Query("type"), "") }

func (s *Server) msgMediaUploadImg(c *Call) (any, error) {
	name, _, data, err := msgReadUpload(c)
	switch ext := strings.ToLower(path.Ext(name)); {
	case err != nil:
		return nil, err
	case len(data) <= 5 || len(data) > 2<<20:
		return nil, errc(40006, "invalid file size")
	case ext != ".jpg" && ext != ".jpeg" && ext != ".png":
		return nil, errc(40004, "invalid media file type")
	}
	id := s.msgStoreMedia(&msgMedia{typ: "image", name: name, data: data})
	return J{"url": "https://wework.qpic.cn/wwpic/" + id + "/0"}, nil
}

func (s *Server) msgMediaGet(c *Call) (any, error) {
	id := c.Query("media_id")
	m := s.messages.media[id]
	switch {
	case id == "":
		return nil, errc(41006, "media_id missing")
	case m == nil || m.robotKey != "" || !time.Now().Before(m.expiry):
		return nil, errc(40007, "invalid media_id")
	}
	h := http.Header{}
	ct := m.contentType
	if c.Path == "/cgi-bin/media/get/jssdk" {
		ct = "voice/speex"
	}
	h.Set("Content-Type", msgOr(ct, "application/octet-stream"))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.name}))
	h.Set("Accept-Ranges", "bytes")
	data, status := m.data, http.StatusOK
	if rg := c.R.Header.Get("Range"); rg != "" {
		var lo, hi int
		if _, err := fmt.Sscanf(rg, "bytes=%d-%d", &lo, &hi); err != nil || lo < 0 || lo > hi || lo >= len(data) {
			return nil, errc(830002, "invalid range")
		}
		hi = min(hi, len(data)-1)
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", lo, hi, len(data)))
		data, status = data[lo:hi+1], http.StatusPartialContent
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	return Raw{Status: status, Header: h, Body: bytes.Clone(data)}, nil
}

func msgOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Server) msgRobot(c *Call) (*msgRobotState, string, error) {
	key := c.Query("key")
	r := s.messages.robots[key]
	if key == "" || r == nil {
		return nil, "", errc(93000, "invalid webhook url")
	}
	return r, key, nil
}

var msgRobotTypes = []string{"text", "markdown", "markdown_v2", "image", "news", "file", "voice", "template_card"}

func (s *Server) msgRobotSend(c *Call) (any, error) {
	r, key, err := s.msgRobot(c)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(c.Body)) == 0 {
		return nil, errc(93017, "request content is empty")
	}
	var req struct {
		MsgType string `json:"msgtype"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	now := time.Now()
	r.times = slices.DeleteFunc(r.times, func(t time.Time) bool { return now.Sub(t) >= s.messages.robotWindow })
	if len(r.times) >= s.messages.robotLimit {
		return nil, errc(45009, "api freq out of limit")
	}
	if !slices.Contains(msgRobotTypes, req.MsgType) {
		return nil, errc(40008, "invalid message type")
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(c.Body, &raw)
	body := raw[req.MsgType]
	max := 2048
	if req.MsgType != "text" {
		max = 4096
	}
	if err := s.msgCheckBody(req.MsgType, body, max, key); err != nil {
		return nil, err
	}
	switch req.MsgType {
	case "image":
		if err := msgCheckRobotImage(body); err != nil {
			return nil, err
		}
	case "template_card":
		var card struct {
			CardType string `json:"card_type"`
		}
		_ = json.Unmarshal(body, &card)
		if card.CardType != "text_notice" && card.CardType != "news_notice" {
			return nil, errc(42031, "invalid card_type")
		}
	}
	r.times = append(r.times, now)
	r.posts = append(r.posts, RobotPost{MsgType: req.MsgType, Content: bytes.Clone(body), Time: now})
	return J{}, nil
}

func msgCheckRobotImage(body json.RawMessage) error {
	var img struct {
		Base64 string `json:"base64"`
		MD5    string `json:"md5"`
	}
	if err := json.Unmarshal(body, &img); err != nil {
		return errc(40058, "invalid image")
	}
	data, err := base64.StdEncoding.DecodeString(img.Base64)
	if err != nil || len(data) == 0 {
		return errc(40058, "invalid image base64")
	}
	if len(data) > 2<<20 {
		return errc(93018, "image size exceeds limit")
	}
	sum := md5.Sum(data)
	if !strings.EqualFold(hex.EncodeToString(sum[:]), img.MD5) {
		return errc(40058, "image md5 mismatch")
	}
	return nil
}

func (s *Server) msgRobotUpload(c *Call) (any, error) {
	_, key, err := s.msgRobot(c)
	if err != nil {
		return nil, err
	}
	typ := c.Query("type")
	if typ != "file" && typ != "voice" {
		return nil, errc(40005, "invalid media type")
	}
	return s.msgUpload(c, typ, key)
}

// msgJob is an asynchronous upload by URL: status 1 while the simulator fetches the URL, then 2
// with a media ID or 3 with an errcode.
type msgJob struct {
	status  int
	errcode int
	mediaID string
	created time.Time
}

func (s *Server) msgUploadByURL(c *Call) (any, error) {
	var req struct {
		Scene    int    `json:"scene"`
		Type     string `json:"type"`
		Filename string `json:"filename"`
		URL      string `json:"url"`
		MD5      string `json:"md5"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	switch {
	case req.Scene != 1 || req.Filename == "" || req.URL == "" || len(req.MD5) != 32:
		return nil, errc(40058, "invalid parameter")
	case req.Type != "video" && req.Type != "file":
		return nil, errc(40005, "invalid media type")
	}
	id := s.msgNextID("job")
	job := &msgJob{status: 1}
	s.messages.jobs[id] = job
	go s.msgFetch(job, req.Type, req.Filename, req.URL, req.MD5)
	return J{"jobid": id}, nil
}

// msgFetch downloads the file of an upload job, like WeCom does, and settles the job.
func (s *Server) msgFetch(job *msgJob, typ, name, url, sum string) {
	code, data := 0, []byte(nil)
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Get(url)
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(resp.Body, 200<<20+1))
		resp.Body.Close()
	}
	got := md5.Sum(data)
	switch {
	case err != nil || resp.StatusCode != http.StatusOK:
		code = 830003
	case len(data) <= 5 || len(data) > 200<<20:
		code = 45001
	case !strings.EqualFold(hex.EncodeToString(got[:]), sum):
		code = 301019
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if code != 0 {
		job.status, job.errcode = 3, code
		return
	}
	job.status, job.created = 2, time.Now()
	job.mediaID = s.msgStoreMedia(&msgMedia{typ: typ, name: name, data: data})
}

func (s *Server) msgUploadByURLResult(c *Call) (any, error) {
	var req struct {
		JobID string `json:"jobid"`
	}
	if err := c.Decode(&req); err != nil {
		return nil, err
	}
	job := s.messages.jobs[req.JobID]
	if job == nil {
		return nil, errc(40058, "invalid jobid")
	}
	detail := J{"errcode": job.errcode, "errmsg": "ok"}
	if job.errcode != 0 {
		detail["errmsg"] = "upload failed"
	}
	if job.status == 2 {
		detail["media_id"], detail["created_at"] = job.mediaID, strconv.FormatInt(job.created.Unix(), 10)
	}
	return J{"status": job.status, "detail": detail}, nil
}

// msgPassiveReply records a passive reply that answered callback (webhook spec §19.4): a
// message delivered to the member, or, for update_button and update_template_card, an update of
// the card the member clicked. s.mu is held.
func (s *Server) msgPassiveReply(callback, reply []byte) {
	var cb struct {
		ToUserName string `xml:"ToUserName"`
		AgentID    int    `xml:"AgentID"`
		TaskID     string `xml:"TaskId"`
	}
	var r struct {
		ToUserName  string `xml:"ToUserName"`
		MsgType     string `xml:"MsgType"`
		Content     string `xml:"Content"`
		ReplaceName string `xml:"Button>ReplaceName"`
	}
	if xml.Unmarshal(callback, &cb) != nil || xml.Unmarshal(reply, &r) != nil || r.ToUserName == "" {
		return
	}
	switch r.MsgType {
	case "update_button", "update_template_card":
		m := s.messages.tasks[cb.ToUserName+"|"+strconv.Itoa(cb.AgentID)+"|"+cb.TaskID]
		if m == nil || m.copies[r.ToUserName] == nil {
			return
		}
		u := CardUpdate{ReplaceName: r.ReplaceName}
		if r.MsgType == "update_template_card" {
			u.Card, _ = json.Marshal(string(reply)) // the reply's XML, as a JSON string
		}
		cp := m.copies[r.ToUserName]
		cp.Updates = append(cp.Updates, u)
	default:
		content, _ := json.Marshal(map[string]string{"xml": string(reply)})
		if r.MsgType == "text" {
			content, _ = json.Marshal(map[string]string{"content": r.Content})
		}
		s.messages.received[r.ToUserName] = append(s.messages.received[r.ToUserName], &Message{
			CorpID: cb.ToUserName, AgentID: cb.AgentID, MsgType: r.MsgType, Content: content, Time: time.Now(), Users: []string{r.ToUserName},
		})
	}
}
