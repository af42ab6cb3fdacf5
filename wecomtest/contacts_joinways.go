package wecomtest

import (
	"fmt"
	"maps"
	"strconv"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// 「加入群聊」 ways (客户群进群方式): a QR code or mini-program button that lets customers join
// one of up to 5 customer groups. An app sees and manages only the ways it created; ways and
// "contact me" ways share the corp's quota of 500,000.

const (
	codeJoinWayTooManyChats = client.CodeJoinWayChatLimit // 配置客户群进群方式最多只能关联5个群
	maxJoinWayChats         = 5
	maxJoinWays             = 500000
)

// joinWayState holds a corp's join ways; the zero value is usable.
type joinWayState struct {
	ways map[string]*simJoinWay // config_id → way
}

type simJoinWay struct {
	app  string // the app that created it (appOf)
	body J      // the join_way answer
}

// appOf names the app a call's token belongs to, for what only its creator may see or change.
func appOf(c *Call) string { return strconv.Itoa(c.Token.AgentID) + "|" + c.Token.Secret }

// JoinWay returns the stored configuration of a 「加入群聊」 way as get_join_way answers it,
// or nil.
func (s *Server) JoinWay(corpID, configID string) J {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.book(corpID).transfers.joinWays.ways[configID]; w != nil {
		return maps.Clone(w.body)
	}
	return nil
}

func (s *Server) joinWayRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/groupchat/add_join_way", TokenCorp, s.joinWayAdd},
		{post, "/cgi-bin/externalcontact/groupchat/get_join_way", TokenCorp, s.joinWayGet},
		{post, "/cgi-bin/externalcontact/groupchat/update_join_way", TokenCorp, s.joinWayUpdate},
		{post, "/cgi-bin/externalcontact/groupchat/del_join_way", TokenCorp, s.joinWayDel},
	}
}

// joinWayFields is the body of add_join_way and update_join_way, typed so a value of another
// JSON type answers 40058; auto_create_room is taken as 0/1 or a boolean, as WeCom's flags are.
type joinWayFields struct {
	ConfigID       string     `json:"config_id"`
	Scene          *int       `json:"scene"`
	Remark         string     `json:"remark"`
	AutoCreateRoom *wire.Flag `json:"auto_create_room"`
	RoomBaseName   string     `json:"room_base_name"`
	RoomBaseID     int        `json:"room_base_id"`
	ChatIDs        []string   `json:"chat_id_list"`
	State          string     `json:"state"`
	MarkSource     *bool      `json:"mark_source"`
}

// joinWayBody checks a way's fields and returns its stored form (without config_id and qr_code).
func (b *addressBook) joinWayBody(in joinWayFields) (J, error) {
	switch {
	case in.Scene == nil || (*in.Scene != 1 && *in.Scene != 2):
		return nil, errc(client.CodeInvalidParameter, "scene: 1 (mini program) or 2 (QR code)")
	case len(in.ChatIDs) == 0:
		return nil, errc(client.CodeInvalidParameter, "chat_id_list is required")
	case len(in.ChatIDs) > maxJoinWayChats:
		return nil, errc(codeJoinWayTooManyChats, "at most 5 group chats in a join way")
	case utf8.RuneCountInString(in.RoomBaseName) > 40:
		return nil, errc(client.CodeInvalidParameter, "room_base_name: at most 40 characters")
	case utf8.RuneCountInString(in.State) > 30:
		return nil, errc(client.CodeInvalidParameter, "state: at most 30 characters")
	}
	for _, id := range in.ChatIDs {
		if b.external.chats[id] == nil {
			return nil, errc(client.CodeChatNotFound, "chat id not exist: "+id)
		}
	}
	remark := in.Remark
	if utf8.RuneCountInString(remark) > 30 { // WeCom cuts it, it does not refuse it
		remark = string([]rune(remark)[:30])
	}
	auto, mark := 1, true
	if in.AutoCreateRoom != nil && !*in.AutoCreateRoom {
		auto = 0
	}
	if in.MarkSource != nil {
		mark = *in.MarkSource
	}
	return J{"scene": *in.Scene, "remark": remark, "auto_create_room": auto, "room_base_name": in.RoomBaseName,
		"room_base_id": in.RoomBaseID, "chat_id_list": in.ChatIDs, "state": in.State, "mark_source": mark}, nil
}

func (s *Server) joinWayAdd(c *Call) (any, error) {
	in, err := decode[joinWayFields](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	jw := &b.transfers.joinWays
	if len(jw.ways)+len(b.external.ways) >= maxJoinWays {
		return nil, errc(client.CodeContactWayQuota, "join way and contact way quota reached")
	}
	body, err := b.joinWayBody(in)
	if err != nil {
		return nil, err
	}
	if jw.ways == nil {
		jw.ways = map[string]*simJoinWay{}
	}
	id := fmt.Sprintf("%032x", s.nextWaySeq())
	body["config_id"] = id
	body["qr_code"] = "https://wecomtest.invalid/joinway/" + id
	jw.ways[id] = &simJoinWay{app: appOf(c), body: body}
	return J{"config_id": id}, nil
}

// joinWay finds the way a request's config_id names among the caller's app's ways.
func (s *Server) joinWay(c *Call) (*simJoinWay, joinWayFields, error) {
	in, err := decode[joinWayFields](c)
	if err != nil {
		return nil, in, err
	}
	if in.ConfigID == "" {
		return nil, in, errc(client.CodeMissingConfigID, "missing config_id")
	}
	w := s.callBook(c).transfers.joinWays.ways[in.ConfigID]
	if w == nil || w.app != appOf(c) {
		return nil, in, errc(client.CodeInvalidConfigID, "invalid config_id")
	}
	return w, in, nil
}

func (s *Server) joinWayGet(c *Call) (any, error) {
	w, _, err := s.joinWay(c)
	if err != nil {
		return nil, err
	}
	return J{"join_way": w.body}, nil
}

// joinWayUpdate overwrites the way: fields left out go back to their defaults.
func (s *Server) joinWayUpdate(c *Call) (any, error) {
	w, in, err := s.joinWay(c)
	if err != nil {
		return nil, err
	}
	body, err := s.callBook(c).joinWayBody(in)
	if err != nil {
		return nil, err
	}
	body["config_id"], body["qr_code"] = w.body["config_id"], w.body["qr_code"]
	w.body = body
	return J{}, nil
}

func (s *Server) joinWayDel(c *Call) (any, error) {
	_, in, err := s.joinWay(c)
	if err != nil {
		return nil, err
	}
	delete(s.callBook(c).transfers.joinWays.ways, in.ConfigID)
	return J{}, nil
}
