package wecomtest

import (
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Group chat handover (分配在职/离职成员的客户群): a customer group's owner changes at once; the
// answer lists the groups that could not be handed over, each with its errcode.

// GroupChatOwner returns the owner of a customer group of corpID ("" if there is none).
func (s *Server) GroupChatOwner(corpID, chatID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.book(corpID).external.chats[chatID]; g != nil {
		return g.Owner
	}
	return ""
}

func (s *Server) chatTransferResigned(c *Call) (any, error) { return s.chatTransfer(c, true) }
func (s *Server) chatTransferOnJob(c *Call) (any, error)    { return s.chatTransfer(c, false) }

func (s *Server) chatTransfer(c *Call, resigned bool) (any, error) {
	in, err := decode[struct {
		ChatIDs  []string `json:"chat_id_list"`
		NewOwner string   `json:"new_owner"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch {
	case len(in.ChatIDs) == 0 || len(in.ChatIDs) > maxTransferIDs:
		return nil, errc(client.CodeInvalidParameter, "chat_id_list: 1-100 group chats")
	case in.NewOwner == "":
		return nil, errc(client.CodeMissingUserID, "new_owner is required")
	}
	b := s.transferBook(c)
	if err := b.takeoverMember(in.NewOwner); err != nil {
		return nil, err
	}
	ts := &b.transfers
	now := ts.now()
	owner := b.memberName(in.NewOwner)
	failed := []J{}
	var events [][]byte
	for _, id := range in.ChatIDs {
		code, msg := 0, ""
		g := b.external.chats[id]
		var left bool
		if g != nil {
			left = g.Status == 1 || b.hasLeft(g.Owner) // status 1: 跟进人离职
		}
		day := ""
		if g != nil {
			day = strings.ToLower(g.Owner) + "|" + now.Format(time.DateOnly)
		}
		switch {
		case g == nil:
			code, msg = codeNotCustomerGroup, "chat is not external group chat"
		case strings.EqualFold(g.Owner, in.NewOwner):
			code, msg = codeChatOwnerUnchanged, "the owner of this chat is not changed"
		case resigned && !left && ts.inherited[id]:
			code, msg = codeChatAlreadyInherited, "this chat has been inherited"
		case resigned && !left:
			code, msg = codeChatOwnerNotResigned, "the owner of this chat is not resigned"
		case !resigned && left:
			code, msg = codeChatOwnerResigned, "the owner of this chat is resigned"
		case !resigned && len(recent(ts.chatMoves[id], now)) >= transferPerWindow:
			code, msg = client.CodeCustomerTransferTooFrequent, "this chat was transferred twice in 90 days"
		case ts.chatDaily[day] >= chatsPerOwnerDay:
			code, msg = client.CodeFrequencyLimit, "at most 300 chats of one owner a day"
		}
		if code != 0 {
			failed = append(failed, J{"chat_id": id, "errcode": code, "errmsg": msg})
			continue
		}
		ts.chatDaily[day]++
		if resigned {
			ts.inherited[id] = true
			g.Status = 3 // 离职继承完成
		} else {
			ts.chatMoves[id] = append(recent(ts.chatMoves[id], now), now)
		}
		g.Owner = owner
		if !hasGroupMember(g, owner) {
			g.Members = append(g.Members, SeedGroupMember{UserID: owner, Type: 1, JoinTime: now.Unix(), JoinScene: 1})
		}
		events = append(events, EventCallback(c.Token.CorpID, "sys", 0, "change_external_chat",
			map[string]string{"ChatId": id, "ChangeType": "update", "UpdateDetail": "change_owner"}))
	}
	s.emitLater(toCorp(c.Token.CorpID, events...))
	return J{"failed_chat_list": failed}, nil
}

func hasGroupMember(g *SeedGroupChat, userID string) bool {
	for _, m := range g.Members {
		if m.Type == 1 && strings.EqualFold(m.UserID, userID) {
			return true
		}
	}
	return false
}
