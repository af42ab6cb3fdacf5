package wecomtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
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

// wayFields are the typed fields of a contact way: decoding them refuses a value of another
// JSON type (40058), so a stored way answers them in their documented types.
type wayFields struct {
	ConfigID      string   `json:"config_id"`
	Type          *int     `json:"type"`
	Scene         *int     `json:"scene"`
	Style         *int     `json:"style"`
	Remark        string   `json:"remark"`
	State         string   `json:"state"`
	User          []string `json:"user"`
	Party         []int    `json:"party"`
	SkipVerify    *bool    `json:"skip_verify"`
	IsTemp        *bool    `json:"is_temp"`
	IsExclusive   *bool    `json:"is_exclusive"`
	MarkSource    *bool    `json:"mark_source"`
	ExpiresIn     *int     `json:"expires_in"`
	ChatExpiresIn *int     `json:"chat_expires_in"`
}

func (s *Server) wayAdd(c *Call) (any, error) {
	in, err := decode[wayFields](c)
	if err != nil {
		return nil, err
	}
	body, _ := decode[J](c)
	style := 0
	if in.Style != nil {
		style = *in.Style
	}
	b := s.callBook(c)
	e := &b.external
	switch {
	// 41037-41040 have no client constants: the spec gives them only as a range.
	case in.Type == nil:
		return nil, errc(41037, "missing type")
	case *in.Type != 1 && *in.Type != 2:
		return nil, errc(41038, "invalid type")
	case in.Scene == nil:
		return nil, errc(41039, "missing scene")
	case *in.Scene != 1 && *in.Scene != 2:
		return nil, errc(41040, "invalid scene")
	case style < 0 || style > 3:
		return nil, errc(client.CodeInvalidContactWayStyle, "invalid style")
	case *in.Type == 1 && (len(in.User) != 1 || len(in.Party) > 0):
		return nil, errc(client.CodeInvalidParameter, "a single-member way takes exactly one user")
	case *in.Type == 2 && len(in.User)+len(in.Party) == 0:
		return nil, errc(client.CodeInvalidParameter, "user and party are both empty")
	case utf8.RuneCountInString(in.Remark) > 30 || utf8.RuneCountInString(in.State) > 30:
		return nil, errc(client.CodeInvalidParameter, "remark or state too long")
	case len(e.ways) >= 500000:
		return nil, errc(client.CodeContactWayQuota, "contact way quota reached")
	}
	members := map[string]bool{}
	for _, u := range in.User {
		su := b.users[strings.ToLower(u)]
		if su == nil {
			return nil, errc(client.CodeInvalidUserID, "invalid userid "+u)
		}
		if su.Status != 1 {
			return nil, errc(client.CodeMemberNotActivated, "member not activated: "+u)
		}
		members[su.ID] = true
	}
	for _, p := range in.Party {
		if b.depts[p] == nil {
			return nil, errc(client.CodeInvalidDepartmentID, "invalid department")
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
		return nil, errc(client.CodeContactWayTooManyUsers, "too many members in a contact way")
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
		return nil, nil, errc(client.CodeMissingConfigID, "missing config_id")
	}
	w := s.callBook(c).external.ways[string(in.ConfigID)]
	if w == nil {
		return nil, nil, errc(client.CodeInvalidConfigID, "invalid config_id")
	}
	body, _ := decode[J](c)
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
			return nil, errc(client.CodeInvalidParameter, k+" can not be changed")
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
		Start  int64  `json:"start_time"`
		End    int64  `json:"end_time"`
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 0 || limit > 1000 {
		return nil, errc(client.CodeInvalidParameter, "limit at most 1000")
	}
	now := time.Now().Unix()
	if in.Start == 0 {
		in.Start = now - 90*24*3600
	}
	if in.End == 0 {
		in.End = now
	}
	var keys []string
	for id, w := range s.callBook(c).external.ways {
		if temp, _ := w.body["is_temp"].(bool); !temp && w.created >= in.Start && w.created <= in.End {
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
