package wecomtest

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

type simTag struct {
	ID      int
	Name    string
	Owner   int             // agent ID of the creating app
	Users   map[string]bool // lower-case userid
	Parties map[int]bool
}

func (s *Server) tagRoutes() []route {
	return []route{
		{post, "/cgi-bin/tag/create", TokenCorp, s.tagCreate},
		{post, "/cgi-bin/tag/update", TokenCorp, s.tagUpdate},
		{get, "/cgi-bin/tag/delete", TokenCorp, s.tagDelete},
		{get, "/cgi-bin/tag/get", TokenCorp, s.tagGet},
		{get, "/cgi-bin/tag/list", TokenCorp, s.tagList},
		{post, "/cgi-bin/tag/addtagusers", TokenCorp, s.tagAddMembers},
		{post, "/cgi-bin/tag/deltagusers", TokenCorp, s.tagDelMembers},
	}
}

func (b *addressBook) ownTag(c *Call, id int) (*simTag, error) {
	t := b.tags[id]
	if t == nil {
		return nil, errc(client.CodeInvalidTagID, "invalid tagid")
	}
	if t.Owner != c.Token.AgentID {
		return nil, errc(client.CodeNoTagPrivilege, "no privilege to access/modify this tag")
	}
	return t, nil
}

func (b *addressBook) tagNamed(name string, self int) bool {
	for _, t := range b.tags {
		if t.Name == name && t.ID != self {
			return true
		}
	}
	return false
}

func (s *Server) tagCreate(c *Call) (any, error) {
	in, err := decode[struct {
		Name string `json:"tagname"`
		ID   *int   `json:"tagid"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	switch {
	case in.Name == "":
		return nil, errc(client.CodeMissingTagName, "missing tagname")
	case utf8.RuneCountInString(in.Name) > 32:
		return nil, errc(client.CodeInvalidTagNameLength, "invalid tagname length")
	case b.tagNamed(in.Name, -1):
		return nil, errc(client.CodeTagNameExists, "tagname existed")
	case len(b.tags) >= 3000:
		return nil, errc(client.CodeInvalidParameter, "tag limit reached")
	}
	id := b.nextTag
	if in.ID != nil {
		if *in.ID < 0 || b.tags[*in.ID] != nil {
			return nil, errc(client.CodeInvalidTagID, "invalid tagid")
		}
		id = *in.ID
	}
	b.nextTag = max(b.nextTag, id+1)
	b.tags[id] = &simTag{ID: id, Name: in.Name, Owner: c.Token.AgentID, Users: map[string]bool{}, Parties: map[int]bool{}}
	return J{"errcode": 0, "errmsg": "created", "tagid": id}, nil
}

func (s *Server) tagUpdate(c *Call) (any, error) {
	in, err := decode[struct {
		ID   int    `json:"tagid"`
		Name string `json:"tagname"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	t, err := b.ownTag(c, in.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 32:
		return nil, errc(client.CodeInvalidTagNameLength, "invalid tagname length")
	case b.tagNamed(in.Name, t.ID):
		return nil, errc(client.CodeTagNameExists, "tagname existed")
	}
	t.Name = in.Name
	return J{"errcode": 0, "errmsg": "updated"}, nil
}

func (s *Server) tagDelete(c *Call) (any, error) {
	b := s.callBook(c)
	id, _ := strconv.Atoi(c.Query("tagid"))
	if _, err := b.ownTag(c, id); err != nil {
		return nil, err
	}
	delete(b.tags, id)
	return J{"errcode": 0, "errmsg": "deleted"}, nil
}

func (s *Server) tagGet(c *Call) (any, error) {
	b := s.callBook(c)
	id, err := strconv.Atoi(c.Query("tagid"))
	t := b.tags[id]
	if err != nil || t == nil {
		return nil, errc(client.CodeInvalidTagID, "invalid tagid")
	}
	users := []J{}
	for _, u := range b.sortedUsers() {
		if t.Users[strings.ToLower(u.ID)] {
			users = append(users, J{"userid": u.ID, "name": u.Name})
		}
	}
	parties := []int{}
	for p := range t.Parties {
		parties = append(parties, p)
	}
	slices.Sort(parties)
	return J{"tagname": t.Name, "userlist": users, "partylist": parties}, nil
}

func (s *Server) tagList(c *Call) (any, error) {
	b := s.callBook(c)
	out := []J{}
	ids := make([]int, 0, len(b.tags))
	for id := range b.tags {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		out = append(out, J{"tagid": id, "tagname": b.tags[id].Name})
	}
	return J{"taglist": out}, nil
}

func (s *Server) tagAddMembers(c *Call) (any, error) { return s.tagMembersChange(c, true) }

func (s *Server) tagDelMembers(c *Call) (any, error) { return s.tagMembersChange(c, false) }

// tagMembersChange answers tag/addtagusers (add) and tag/deltagusers.
func (s *Server) tagMembersChange(c *Call, add bool) (any, error) {
	in, err := decode[struct {
		ID      int      `json:"tagid"`
		Users   []string `json:"userlist"`
		Parties []int    `json:"partylist"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	t, err := b.ownTag(c, in.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case len(in.Users) > 1000 || len(in.Parties) > 100:
		return nil, errc(client.CodeTooManyTagEntries, "too many entries in one call")
	case len(in.Users) == 0 && len(in.Parties) == 0:
		return nil, errc(client.CodeAllTagMembersInvalid, "userlist and partylist are both empty")
	}
	var badUsers []string
	badParties := []int{}
	for _, id := range in.Users {
		if b.users[strings.ToLower(id)] == nil {
			badUsers = append(badUsers, id)
		} else if add {
			t.Users[strings.ToLower(id)] = true
		} else {
			delete(t.Users, strings.ToLower(id))
		}
	}
	for _, p := range in.Parties {
		if b.depts[p] == nil {
			badParties = append(badParties, p)
		} else if add {
			t.Parties[p] = true
		} else {
			delete(t.Parties, p)
		}
	}
	if len(badUsers)+len(badParties) == len(in.Users)+len(in.Parties) {
		if add {
			return nil, errc(client.CodeAllTagMembersInvalid, "all of the users and parties are invalid")
		}
		return nil, errc(client.CodeInvalidUserIDList, "all of the users and parties are invalid")
	}
	out := J{"errcode": 0, "errmsg": map[bool]string{true: "ok", false: "deleted"}[add]}
	if len(badUsers) > 0 {
		out["invalidlist"] = strings.Join(badUsers, "|")
	}
	if len(badParties) > 0 {
		out["invalidparty"] = badParties
	}
	return out, nil
}
