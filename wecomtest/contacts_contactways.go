package wecomtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/internal/wire"
)

// "Contact me" ways (联系我).

type simWay struct {
	body    J
	created int64
}

// ContactWay returns the stored body of a contact way, or nil.
func (s *Server) ContactWay(corpID, configID string) J {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.book(corpID).external.ways[configID]; w != nil {
		return maps.Clone(w.body)
	}
	return nil
}

func (s *Server) contactWayRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/add_contact_way", TokenCorp, s.wayAdd},
		{post, "/cgi-bin/externalcontact/get_contact_way", TokenCorp, s.wayGet},
		{post, "/cgi-bin/externalcontact/update_contact_way", TokenCorp, s.wayUpdate},
		{post, "/cgi-bin/externalcontact/del_contact_way", TokenCorp, s.wayDel},
		{post, "/cgi-bin/externalcontact/list_contact_way", TokenCorp, s.wayList},
		{post, "/cgi-bin/externalcontact/close_temp_chat", TokenCorp, s.wayCloseTempChat},
	}
}

// wayFields are the typed fields of a contact way: a stored way keeps them in their documented
// types whatever JSON type the client sent.
type wayFields struct {
	ConfigID      wire.String  `json:"config_id"`
	Type          *wire.Int    `json:"type"`
	Scene         *wire.Int    `json:"scene"`
	Style         *wire.Int    `json:"style"`
	Remark        string       `json:"remark"`
	State         string       `json:"state"`
	User          []string     `json:"user"`
	Party         wire.IntList `json:"party"`
	SkipVerify    *wire.Bool   `json:"skip_verify"`
	IsTemp        *wire.Bool   `json:"is_temp"`
	IsExclusive   *wire.Bool   `json:"is_exclusive"`
	MarkSource    *wire.Bool   `json:"mark_source"`
	ExpiresIn     *wire.Int    `json:"expires_in"`
	ChatExpiresIn *wire.Int    `json:"chat_expires_in"`
}

// into writes the typed fields present in the request into the stored body.
func (f *wayFields) into(body J) {
	for k, v := range map[string]*wire.Int{"type": f.Type, "scene": f.Scene, "style": f.Style,
		"expires_in": f.ExpiresIn, "chat_expires_in": f.ChatExpiresIn} {
		if v != nil {
			body[k] = int(*v)
		}
	}
	for k, v := range map[string]*wire.Bool{"skip_verify": f.SkipVerify, "is_temp": f.IsTemp,
		"is_exclusive": f.IsExclusive, "mark_source": f.MarkSource} {
		if v != nil {
			body[k] = bool(*v)
		}
	}
	if f.Party != nil {
		body["party"] = []int(f.Party)
	}
}

func (s *Server) wayAdd(c *Call) (any, error) {
	in, err := decode[wayFields](c)
	if err != nil {
		return nil, err
	}
	body, _ := decode[J](c)
	in.into(body)
	style := 0
	if in.Style != nil {
		style = int(*in.Style)
	}
	b := s.callBook(c)
	e := &b.external
	switch {
	case in.Type == nil:
		return nil, errc(41037, "missing type")
	case *in.Type != 1 && *in.Type != 2:
		return nil, errc(41038, "invalid type")
	case in.Scene == nil:
		return nil, errc(41039, "missing scene")
	case *in.Scene != 1 && *in.Scene != 2:
		return nil, errc(41040, "invalid scene")
	case style < 0 || style > 3:
		return nil, errc(41042, "invalid style")
	case *in.Type == 1 && (len(in.User) != 1 || len(in.Party) > 0):
		return nil, errc(40058, "a single-member way takes exactly one user")
	case *in.Type == 2 && len(in.User)+len(in.Party) == 0:
		return nil, errc(40058, "user and party are both empty")
	case utf8.RuneCountInString(in.Remark) > 30 || utf8.RuneCountInString(in.State) > 30:
		return nil, errc(40058, "remark or state too long")
	case len(e.ways) >= 500000:
		return nil, errc(41045, "contact way quota reached")
	}
	members := map[string]bool{}
	for _, u := range in.User {
		su := b.users[strings.ToLower(u)]
		if su == nil {
			return nil, errc(40003, "invalid userid "+u)
		}
		if su.Status != 1 {
			return nil, errc(41054, "member not activated: "+u)
		}
		members[su.ID] = true
	}
	for _, p := range in.Party {
		if b.depts[p] == nil {
			return nil, errc(60123, "invalid department")
		}
		for _, d := range b.subtree(p) {
			for _, u := range b.users {
				if slices.Contains(u.Depts, d.ID) {
					members[u.ID] = true
				}
			}
		}
	}
	if len(members) > 100 {
		return nil, errc(41041, "too many members in a contact way")
	}
	id := fmt.Sprintf("%032x", s.nextWaySeq())
	body["config_id"] = id
	if _, ok := body["skip_verify"]; !ok {
		body["skip_verify"] = true
	}
	if _, ok := body["mark_source"]; !ok {
		body["mark_source"] = true
	}
	out := J{"config_id": id}
	if *in.Scene == 2 {
		qr := "https://wecomtest.invalid/qr/" + id
		body["qr_code"] = qr
		out["qr_code"] = qr
	}
	e.ways[id] = &simWay{body: body, created: time.Now().Unix()}
	return out, nil
}

// way finds the contact way a request's config_id names; body is the whole request.
func (s *Server) way(c *Call) (*simWay, J, error) {
	in, err := decode[wayFields](c)
	if err != nil {
		return nil, nil, err
	}
	if in.ConfigID == "" {
		return nil, nil, errc(41043, "missing config_id")
	}
	w := s.callBook(c).external.ways[string(in.ConfigID)]
	if w == nil {
		return nil, nil, errc(41044, "invalid config_id")
	}
	body, _ := decode[J](c)
	in.into(body)
	return w, body, nil
}

func (s *Server) wayGet(c *Call) (any, error) {
	w, _, err := s.way(c)
	if err != nil {
		return nil, err
	}
	return J{"contact_way": w.body}, nil
}

func (s *Server) wayUpdate(c *Call) (any, error) {
	w, body, err := s.way(c)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"type", "scene", "is_temp"} {
		if _, ok := body[k]; ok {
			return nil, errc(40058, k+" can not be changed")
		}
	}
	for k, v := range body {
		w.body[k] = v
	}
	return J{}, nil
}

func (s *Server) wayDel(c *Call) (any, error) {
	w, _, err := s.way(c)
	if err != nil {
		return nil, err
	}
	delete(s.callBook(c).external.ways, w.body["config_id"].(string))
	return J{}, nil
}

func (s *Server) wayList(c *Call) (any, error) {
	in, err := decode[struct {
		Start  wire.Int64 `json:"start_time"`
		End    wire.Int64 `json:"end_time"`
		Cursor string     `json:"cursor"`
		Limit  wire.Int   `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	limit := int(in.Limit)
	if limit == 0 {
		limit = 100
	}
	if limit < 0 || limit > 1000 {
		return nil, errc(40058, "limit at most 1000")
	}
	now := wire.Int64(time.Now().Unix())
	if in.Start == 0 {
		in.Start = now - 90*24*3600
	}
	if in.End == 0 {
		in.End = now
	}
	var keys []string
	for id, w := range s.callBook(c).external.ways {
		if temp, _ := w.body["is_temp"].(bool); !temp && w.created >= int64(in.Start) && w.created <= int64(in.End) {
			keys = append(keys, id)
		}
	}
	slices.Sort(keys)
	page, next, err := pageOf(keys, in.Cursor, limit)
	if err != nil {
		return nil, err
	}
	out := []J{}
	for _, id := range page {
		out = append(out, J{"config_id": id})
	}
	return J{"contact_way": out, "next_cursor": next}, nil
}

func (s *Server) wayCloseTempChat(c *Call) (any, error) {
	in, err := decode[struct {
		UserID         string `json:"userid"`
		ExternalUserID string `json:"external_userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	if _, err := s.relation(c, in.UserID, in.ExternalUserID); err != nil {
		return nil, err
	}
	return J{}, nil
}

func (s *Server) nextWaySeq() int {
	s.contacts.seq++
	return 0x9ad7fa5c0000 + s.contacts.seq
}
