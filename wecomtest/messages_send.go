package wecomtest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

func (s *Server) sendRoutes() []route {
	return []route{{post, "/cgi-bin/message/send", TokenCorp, s.msgSend}}
}

// msgSendReq is the message/send envelope.
type msgSendReq struct {
	ToUser       string   `json:"touser"`
	ToParty      string   `json:"toparty"`
	ToTag        string   `json:"totag"`
	MsgType      string   `json:"msgtype"`
	AgentID      wire.Int `json:"agentid"`
	DupCheck     int      `json:"enable_duplicate_check"`
	DupInterval  int      `json:"duplicate_check_interval"`
	TemplateCard *struct {
		CardType   string          `json:"card_type"`
		TaskID     string          `json:"task_id"`
		ActionMenu json.RawMessage `json:"action_menu"`
	} `json:"template_card"`
}

func msgSplitBar(s string) []string {
	var out []string
	for _, v := range strings.Split(s, "|") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// audience is who a send reaches, resolved through the address book: the members who get a
// copy, the named users that were valid, and the invalid names as WeCom reports them.
type audience struct {
	ms         *messagesState
	to         []string // who gets a copy, each once
	users      []string // named users that were valid, as sent
	reached    bool     // some named user, department or tag was valid
	badUsers   []string
	badParties []string
	badTags    []string
	unlicensed []string
	seen       map[string]bool
}

func (s *Server) newAudience() *audience {
	return &audience{ms: &s.messages, seen: map[string]bool{}}
}

// deliver adds a recipient, unless RejectUsers excluded it or it already has a copy.
func (a *audience) deliver(id string) {
	k := strings.ToLower(id)
	if a.seen[k] || a.ms.rejected[k] || a.ms.unlicensed[k] {
		return
	}
	a.seen[k] = true
	a.to = append(a.to, id)
}

// user resolves one named user of corp b: a member, or (open book) anyone; prefix is the
// "CorpID/" of linked-corp sends.
func (a *audience) user(b *addressBook, prefix, name, report string) {
	l := strings.ToLower(prefix + name)
	switch {
	case a.ms.rejected[l]:
		a.badUsers = append(a.badUsers, report)
	case a.ms.unlicensed[l]:
		a.unlicensed = append(a.unlicensed, report)
	case b == nil || b.open():
		a.users, a.reached = append(a.users, prefix+name), true
		a.deliver(prefix + name)
	case b.users[strings.ToLower(name)] != nil:
		a.users, a.reached = append(a.users, prefix+name), true
		a.deliver(prefix + b.users[strings.ToLower(name)].ID)
	default:
		a.badUsers = append(a.badUsers, report)
	}
}

// party resolves department id of b to its members (sub-departments included); it reports
// whether the department is valid. An open book takes any id.
func (a *audience) party(b *addressBook, prefix string, id int) bool {
	switch {
	case b.depts[id] != nil:
		for _, u := range b.deptMembers(id) {
			a.deliver(prefix + u.ID)
		}
	case !b.open() || id <= 0:
		return false
	}
	a.reached = true
	return true
}

// tag resolves tag id of b to its members and the members of its departments; it reports
// whether the tag is valid. An open book takes any id.
func (a *audience) tag(b *addressBook, id string) bool {
	n, err := strconv.Atoi(id)
	switch t := b.tags[n]; {
	case err == nil && t != nil:
		for _, u := range b.tagMembers(t) {
			a.deliver(u.ID)
		}
	case err != nil || !b.open():
		return false
	}
	a.reached = true
	return true
}

// everyone sends to "@all": the record under "@all" and a copy for each member of b.
func (a *audience) everyone(b *addressBook, prefix string) {
	if prefix == "" {
		a.users, a.reached = append(a.users, "@all"), true
		a.deliver("@all")
	}
	for _, u := range b.sortedUsers() {
		a.deliver(prefix + u.ID)
	}
}

// appAudience resolves the recipients of message/send in corpID's address book.
func (s *Server) appAudience(corpID string, users, parties, tags []string) *audience {
	b := s.book(corpID)
	a := s.newAudience()
	if len(users) == 1 && users[0] == "@all" {
		a.everyone(b, "")
		return a
	}
	for _, u := range users {
		a.user(b, "", u, strings.ToLower(u))
	}
	for _, p := range parties {
		if id, err := strconv.Atoi(p); err != nil || !a.party(b, "", id) {
			a.badParties = append(a.badParties, p)
		}
	}
	for _, t := range tags {
		if !a.tag(b, t) {
			a.badTags = append(a.badTags, t)
		}
	}
	return a
}

func (s *Server) msgSend(c *Call) (any, error) {
	req, err := decode[msgSendReq](c)
	if err != nil {
		return nil, err
	}
	raw := msgBodies(c)
	agentID := int(req.AgentID)
	switch {
	case !slices.Contains(msgAppTypes, req.MsgType):
		return nil, errc(client.CodeInvalidMsgType, "invalid message type")
	case agentID == 0 && req.MsgType != "miniprogram_notice":
		return nil, errc(client.CodeMissingAgentID, "missing agentid")
	case agentID != 0 && agentID != c.Token.AgentID:
		return nil, errc(client.CodeAppNoPrivilege, "not allow operate another agent with this accesstoken")
	}
	users, parties, tags := msgSplitBar(req.ToUser), msgSplitBar(req.ToParty), msgSplitBar(req.ToTag)
	switch {
	case len(users) == 0 && len(parties) == 0 && len(tags) == 0:
		return nil, errc(client.CodeNoRecipients, "All touser & toparty & totag invalid")
	case len(users) > 1000:
		return nil, errc(client.CodeUserIDListTooLong, "invalid touser size")
	case len(parties) > 100:
		return nil, errc(client.CodeTooManyParties, "invalid toparty size")
	case len(tags) > 100:
		return nil, errc(client.CodeTooManyTags, "invalid totag size")
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
	taskKey := ""
	if req.MsgType == "template_card" {
		if card == nil || !slices.Contains(msgCardTypes, card.CardType) {
			return nil, errc(client.CodeInvalidCardType, "invalid card_type")
		}
		if card.CardType != "text_notice" && card.CardType != "news_notice" || len(card.ActionMenu) > 0 {
			if card.TaskID == "" {
				return nil, errc(client.CodeInvalidTaskID, "invalid task_id")
			}
			taskKey = c.Token.CorpID + "|" + strconv.Itoa(agentID) + "|" + card.TaskID
			if s.messages.tasks[taskKey] != nil {
				return nil, errc(client.CodeInvalidTaskID, "task_id already used")
			}
		}
	}
	if req.ToUser == "@all" {
		users, parties, tags = []string{"@all"}, nil, nil
	}
	a := s.appAudience(c.Token.CorpID, users, parties, tags)
	if !a.reached {
		return nil, errc(client.CodeAllRecipientsInvalid, "user & party & tag all invalid")
	}
	m := &msgSent{id: s.msgNextID("msg"), corpID: c.Token.CorpID, agentID: c.Token.AgentID, at: time.Now(), copies: make(map[string]*Message)}
	s.msgRecord(m, req.MsgType, raw[req.MsgType], c.Body, a, parties, tags)
	answer := J{"invaliduser": strings.Join(a.badUsers, "|"), "invalidparty": strings.Join(a.badParties, "|"),
		"invalidtag": strings.Join(a.badTags, "|"), "unlicenseduser": strings.Join(a.unlicensed, "|"), "msgid": m.id}
	if taskKey != "" {
		m.taskID, m.cardType = card.TaskID, card.CardType
		s.messages.tasks[taskKey] = m
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

// msgRecord records the request and one copy per recipient of a.
func (s *Server) msgRecord(m *msgSent, msgType string, content, req []byte, a *audience, parties, tags []string) {
	s.messages.sent[m.id] = m
	rec := &Message{MsgID: m.id, CorpID: m.corpID, AgentID: m.agentID, MsgType: msgType, Content: bytes.Clone(content),
		Request: bytes.Clone(req), Time: m.at, Users: a.users, Departments: parties, Tags: tags, DeliveredTo: a.to}
	s.messages.all = append(s.messages.all, rec)
	for _, u := range a.to {
		cp := *rec
		k := strings.ToLower(u)
		m.copies[k] = &cp
		s.messages.received[k] = append(s.messages.received[k], &cp)
	}
}
