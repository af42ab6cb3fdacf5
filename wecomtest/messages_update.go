package wecomtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
	"github.com/wecom-connector/wecom/webhook"
)

func (s *Server) updateRoutes() []route {
	return []route{
		{post, "/cgi-bin/message/recall", TokenCorp, s.msgRecall},
		{post, "/cgi-bin/message/update_template_card", TokenCorp, s.msgUpdateCard},
	}
}

// ClickCard simulates a member pressing a callback button (or the submit button) of the
// interactive card with taskID they received (directly or as a member of a department or tag
// it was sent to), and returns what the template_card_event callback carries, with a fresh
// single-use response code.
func (s *Server) ClickCard(userID, taskID, eventKey string) (CardEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The user's own copies name the corps and apps that sent them cards: look the task up
	// under each (newest first) instead of scanning every card of every corp.
	user := strings.ToLower(userID)
	got := s.messages.received[user]
	for i := len(got) - 1; i >= 0; i-- {
		m := s.messages.tasks[got[i].CorpID+"|"+strconv.Itoa(got[i].AgentID)+"|"+taskID]
		if m == nil || m.copies[user] == nil {
			continue
		}
		return CardEvent{
			ToUserName: m.corpID, FromUserName: userID, EventKey: eventKey, TaskID: taskID,
			CardType: webhook.CardType(m.cardType), ResponseCode: s.msgNewCode(m), AgentID: m.agentID,
		}, nil
	}
	return CardEvent{}, fmt.Errorf("wecomtest: %s received no interactive card with task_id %q", userID, taskID)
}

func (s *Server) msgRecall(c *Call) (any, error) {
	req, err := decode[struct {
		MsgID string `json:"msgid"`
	}](c)
	if err != nil {
		return nil, err
	}
	m := s.messages.sent[req.MsgID]
	switch {
	case m == nil || m.agentID != c.Token.AgentID:
		return nil, errc(client.CodeInvalidParameter, "invalid msgid")
	case time.Since(m.at) > s.messages.recallWindow:
		return nil, errc(client.CodeMsgIDExpired, "msgid expired")
	}
	for _, cp := range m.copies {
		cp.Recalled = true
	}
	return J{}, nil
}

func (s *Server) msgUpdateCard(c *Call) (any, error) {
	req, err := decode[struct {
		UserIDs      []string `json:"userids"`
		PartyIDs     []int    `json:"partyids"`
		TagIDs       []int    `json:"tagids"`
		AtAll        int      `json:"atall"`
		AgentID      wire.Int `json:"agentid"`
		ResponseCode string   `json:"response_code"`
		Button       *struct {
			ReplaceName string `json:"replace_name"`
		} `json:"button"`
		TemplateCard json.RawMessage `json:"template_card"`
	}](c)
	if err != nil {
		return nil, err
	}
	code := s.messages.codes[req.ResponseCode]
	switch {
	case code == nil || code.used || !time.Now().Before(code.expiry):
		return nil, errc(client.CodeInvalidResponseCode, "invalid response_code")
	case int(req.AgentID) != c.Token.AgentID || int(req.AgentID) != code.msg.agentID:
		return nil, errc(client.CodeUpdateAppMismatch, "the agent is not the one that sent the message")
	case len(req.UserIDs) == 0 && len(req.PartyIDs) == 0 && len(req.TagIDs) == 0 && req.AtAll != 1:
		return nil, errc(client.CodeUpdateTargetEmpty, "update target is empty")
	case (req.Button == nil) == (len(req.TemplateCard) == 0):
		return nil, errc(client.CodeInvalidParameter, "set button or template_card")
	}
	if len(req.TemplateCard) > 0 {
		var card struct {
			CardType string `json:"card_type"`
		}
		if err := json.Unmarshal(req.TemplateCard, &card); err != nil || !slices.Contains(msgCardTypes, card.CardType) {
			return nil, errc(client.CodeInvalidCardType, "invalid card_type")
		}
	}
	up := CardUpdate{Card: bytes.Clone(req.TemplateCard)}
	if req.Button != nil {
		up.ReplaceName = req.Button.ReplaceName
	}
	// The targets are the named users plus the members of the named departments and tags,
	// resolved like the send; only those who received the card are updated.
	targets := map[string]bool{}
	if req.AtAll == 1 {
		for k := range code.msg.copies {
			targets[k] = true
		}
	}
	invalid := []string{}
	for _, u := range req.UserIDs {
		if code.msg.copies[strings.ToLower(u)] == nil {
			invalid = append(invalid, strings.ToLower(u))
		}
		targets[strings.ToLower(u)] = true
	}
	b := s.book(code.msg.corpID)
	a := s.newAudience()
	for _, p := range req.PartyIDs {
		a.party(b, "", p)
	}
	for _, t := range req.TagIDs {
		a.tag(b, strconv.Itoa(t))
	}
	for _, u := range a.to {
		targets[strings.ToLower(u)] = true
	}
	updated := 0
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range targets {
			if !yield(k) {
				return
			}
		}
	}) {
		if cp := code.msg.copies[k]; cp != nil {
			cp.Updates = append(cp.Updates, up)
			updated++
		}
	}
	if len(targets) > 0 && updated == 0 {
		return nil, errc(client.CodeUpdateTargetNotRecipient, "update target not among the message's recipients")
	}
	code.used = true
	return J{"invaliduser": invalid}, nil
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
	to := strings.ToLower(r.ToUserName)
	switch r.MsgType {
	case "update_button", "update_template_card":
		m := s.messages.tasks[cb.ToUserName+"|"+strconv.Itoa(cb.AgentID)+"|"+cb.TaskID]
		if m == nil || m.copies[to] == nil {
			return
		}
		u := CardUpdate{ReplaceName: r.ReplaceName}
		if r.MsgType == "update_template_card" {
			u.Card, _ = json.Marshal(string(reply)) // the reply's XML, as a JSON string
		}
		m.copies[to].Updates = append(m.copies[to].Updates, u)
	default:
		content, _ := json.Marshal(map[string]string{"xml": string(reply)})
		if r.MsgType == "text" {
			content, _ = json.Marshal(map[string]string{"content": r.Content})
		}
		s.messages.received[to] = append(s.messages.received[to], &Message{
			CorpID: cb.ToUserName, AgentID: cb.AgentID, MsgType: r.MsgType, Content: content, Time: time.Now(),
			Users: []string{r.ToUserName}, DeliveredTo: []string{r.ToUserName},
		})
	}
}
