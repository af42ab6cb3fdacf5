package wecomtest

import (
	"fmt"
	"slices"

	"github.com/wecom-connector/wecom/client"
)

// Customer groups (客户群).

// SeedGroupChat is a customer group added by [Server.AddGroupChat].
type SeedGroupChat struct {
	ChatID     string
	Name       string
	Owner      string
	Notice     string
	Status     int
	CreateTime int64
	Members    []SeedGroupMember
}

// SeedGroupMember is a member of a seeded customer group.
type SeedGroupMember struct {
	UserID    string
	Type      int // 1 corp member, 2 customer
	UnionID   string
	JoinTime  int64
	JoinScene int
	Invitor   string
	Name      string
}

// AddGroupChat adds (or replaces) a customer group of corpID.
func (s *Server) AddGroupChat(corpID string, g SeedGroupChat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.book(corpID).external.chats[g.ChatID] = &g
}

func (s *Server) groupChatRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/groupchat/list", TokenCorp, s.groupChatList},
		{post, "/cgi-bin/externalcontact/groupchat/get", TokenCorp, s.groupChatGet},
	}
}

func (s *Server) groupChatList(c *Call) (any, error) {
	in, err := decode[struct {
		StatusFilter int `json:"status_filter"`
		OwnerFilter  struct {
			UserIDs []string `json:"userid_list"`
		} `json:"owner_filter"`
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.Limit < 1 || in.Limit > 1000 || len(in.OwnerFilter.UserIDs) > 100 {
		return nil, errc(client.CodeInvalidParameter, "limit 1-1000, at most 100 owners")
	}
	e := &s.callBook(c).external
	var keys []string
	for id, g := range e.chats {
		if (in.StatusFilter == 0 || g.Status == in.StatusFilter) &&
			(len(in.OwnerFilter.UserIDs) == 0 || slices.Contains(in.OwnerFilter.UserIDs, g.Owner)) {
			keys = append(keys, id)
		}
	}
	slices.Sort(keys)
	page, next, err := pageOf(keys, in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	out := []J{}
	for _, id := range page {
		out = append(out, J{"chat_id": id, "status": e.chats[id].Status})
	}
	return J{"group_chat_list": out, "next_cursor": next}, nil
}

func (s *Server) groupChatGet(c *Call) (any, error) {
	in, err := decode[struct {
		ChatID   string `json:"chat_id"`
		NeedName int    `json:"need_name"`
	}](c)
	if err != nil {
		return nil, err
	}
	g := s.callBook(c).external.chats[in.ChatID]
	if g == nil {
		return nil, errc(client.CodeChatNotFound, "chat id not exist")
	}
	members := []J{}
	for _, m := range g.Members {
		j := J{"userid": m.UserID, "type": m.Type, "join_time": m.JoinTime, "join_scene": m.JoinScene}
		if m.UnionID != "" {
			j["unionid"] = m.UnionID
		}
		if m.Invitor != "" {
			j["invitor"] = J{"userid": m.Invitor}
		}
		if in.NeedName == 1 {
			j["name"] = m.Name
		}
		members = append(members, j)
	}
	return J{"group_chat": J{"chat_id": g.ChatID, "name": g.Name, "owner": g.Owner, "create_time": g.CreateTime,
		"notice": g.Notice, "member_list": members, "admin_list": []J{}, "member_version": fmt.Sprintf("v%d", len(members))}}, nil
}
