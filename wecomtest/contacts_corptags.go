package wecomtest

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

// Corporate customer tags (企业客户标签) and marking customers with them.

type simTagGroup struct {
	ID, Name   string
	CreateTime int64
	Order      int
	Tags       []*simCorpTag
}

type simCorpTag struct {
	ID, Name   string
	CreateTime int64
	Order      int
}

func (e *externalState) tagByID(id string) (*simTagGroup, *simCorpTag) {
	for _, g := range e.groups {
		for _, t := range g.Tags {
			if t.ID == id {
				return g, t
			}
		}
	}
	return nil, nil
}

func (e *externalState) tagCount() int {
	n := 0
	for _, g := range e.groups {
		n += len(g.Tags)
	}
	return n
}

func (g *simTagGroup) json(only map[string]bool) J {
	tags := []J{}
	for _, t := range g.Tags {
		if only == nil || only[t.ID] {
			tags = append(tags, J{"id": t.ID, "name": t.Name, "create_time": t.CreateTime, "order": t.Order})
		}
	}
	return J{"group_id": g.ID, "group_name": g.Name, "create_time": g.CreateTime, "order": g.Order, "tag": tags}
}

func (s *Server) corpTagRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/get_corp_tag_list", TokenCorp, s.corpTagList},
		{post, "/cgi-bin/externalcontact/add_corp_tag", TokenCorp, s.corpTagAdd},
		{post, "/cgi-bin/externalcontact/edit_corp_tag", TokenCorp, s.corpTagEdit},
		{post, "/cgi-bin/externalcontact/del_corp_tag", TokenCorp, s.corpTagDel},
		{post, "/cgi-bin/externalcontact/mark_tag", TokenCorp, s.corpTagMark},
	}
}

func (s *Server) corpTagList(c *Call) (any, error) {
	in, err := decode[struct {
		TagIDs   []string `json:"tag_id"`
		GroupIDs []string `json:"group_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	e := &s.callBook(c).external
	groups := slices.SortedFunc(func(yield func(*simTagGroup) bool) {
		for _, g := range e.groups {
			if !yield(g) {
				return
			}
		}
	}, func(a, b *simTagGroup) int { return strings.Compare(a.ID, b.ID) })
	out := []J{}
	for _, g := range groups {
		switch {
		case len(in.GroupIDs) > 0:
			if slices.Contains(in.GroupIDs, g.ID) {
				out = append(out, g.json(nil))
			}
		case len(in.TagIDs) > 0:
			only := map[string]bool{}
			for _, id := range in.TagIDs {
				only[id] = true
			}
			if j := g.json(only); len(j["tag"].([]J)) > 0 {
				out = append(out, j)
			}
		default:
			out = append(out, g.json(nil))
		}
	}
	return J{"tag_group": out}, nil
}

func (s *Server) corpTagAdd(c *Call) (any, error) {
	in, err := decode[struct {
		GroupID   string `json:"group_id"`
		GroupName string `json:"group_name"`
		Order     int    `json:"order"`
		Tags      []struct {
			Name  string `json:"name"`
			Order int    `json:"order"`
		} `json:"tag"`
	}](c)
	if err != nil {
		return nil, err
	}
	e := &s.callBook(c).external
	if len(in.Tags) == 0 {
		return nil, errc(client.CodeInvalidParameter, "tag is empty")
	}
	var g *simTagGroup
	switch {
	case in.GroupID != "":
		if g = e.groups[in.GroupID]; g == nil {
			return nil, errc(client.CodeInvalidTagID, "invalid group id")
		}
	case in.GroupName != "":
		if utf8.RuneCountInString(in.GroupName) > 30 {
			return nil, errc(client.CodeInvalidParameter, "group_name too long")
		}
		for _, x := range e.groups {
			if x.Name == in.GroupName {
				g = x
			}
		}
	default:
		return nil, errc(client.CodeInvalidParameter, "group_id or group_name required")
	}
	if e.tagCount()+len(in.Tags) > 10000 {
		return nil, errc(client.CodeCorpTagLimit, "corp tag limit reached")
	}
	now := time.Now().Unix()
	if g == nil {
		e.tagSeq++
		g = &simTagGroup{ID: fmt.Sprintf("etGroup%05d", e.tagSeq), Name: in.GroupName, CreateTime: now, Order: in.Order}
		e.groups[g.ID] = g
	}
	added := map[string]bool{}
	for _, t := range in.Tags {
		if utf8.RuneCountInString(t.Name) < 1 || utf8.RuneCountInString(t.Name) > 30 {
			return nil, errc(client.CodeInvalidParameter, "tag name length")
		}
		if slices.ContainsFunc(g.Tags, func(x *simCorpTag) bool { return x.Name == t.Name }) {
			if len(in.Tags) == 1 {
				return nil, errc(client.CodeTagNameExists, "tag name existed")
			}
			continue // duplicate names in one request create a single tag
		}
		e.tagSeq++
		nt := &simCorpTag{ID: fmt.Sprintf("etTag%05d", e.tagSeq), Name: t.Name, CreateTime: now, Order: t.Order}
		g.Tags = append(g.Tags, nt)
		added[nt.ID] = true
	}
	return J{"tag_group": g.json(added)}, nil
}

func (s *Server) corpTagEdit(c *Call) (any, error) {
	in, err := decode[struct {
		ID    string  `json:"id"`
		Name  *string `json:"name"`
		Order *int    `json:"order"`
	}](c)
	if err != nil {
		return nil, err
	}
	e := &s.callBook(c).external
	if g := e.groups[in.ID]; g != nil {
		if in.Name != nil {
			g.Name = *in.Name
		}
		if in.Order != nil {
			g.Order = *in.Order
		}
		return J{}, nil
	}
	g, t := e.tagByID(in.ID)
	if t == nil {
		return nil, errc(client.CodeInvalidTagID, "invalid tag id")
	}
	if in.Name != nil {
		if slices.ContainsFunc(g.Tags, func(x *simCorpTag) bool { return x.Name == *in.Name && x != t }) {
			return nil, errc(client.CodeTagNameExists, "tag name existed")
		}
		t.Name = *in.Name
	}
	if in.Order != nil {
		t.Order = *in.Order
	}
	return J{}, nil
}

func (s *Server) corpTagDel(c *Call) (any, error) {
	in, err := decode[struct {
		TagIDs   []string `json:"tag_id"`
		GroupIDs []string `json:"group_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	e := &s.callBook(c).external
	if len(in.TagIDs)+len(in.GroupIDs) == 0 {
		return nil, errc(client.CodeInvalidParameter, "tag_id and group_id are both empty")
	}
	for _, id := range in.GroupIDs {
		if e.groups[id] == nil {
			return nil, errc(client.CodeInvalidTagID, "invalid group id")
		}
	}
	for _, id := range in.TagIDs {
		if _, t := e.tagByID(id); t == nil {
			return nil, errc(client.CodeInvalidTagID, "invalid tag id")
		}
	}
	for _, id := range in.GroupIDs {
		delete(e.groups, id)
	}
	for _, id := range in.TagIDs {
		g, t := e.tagByID(id)
		g.Tags = slices.DeleteFunc(g.Tags, func(x *simCorpTag) bool { return x == t })
		if len(g.Tags) == 0 {
			delete(e.groups, g.ID)
		}
	}
	return J{}, nil
}

func (s *Server) corpTagMark(c *Call) (any, error) {
	in, err := decode[struct {
		UserID         string   `json:"userid"`
		ExternalUserID string   `json:"external_userid"`
		Add            []string `json:"add_tag"`
		Remove         []string `json:"remove_tag"`
	}](c)
	if err != nil {
		return nil, err
	}
	f, err := s.relation(c, in.UserID, in.ExternalUserID)
	if err != nil {
		return nil, err
	}
	e := &s.callBook(c).external
	if len(in.Add)+len(in.Remove) == 0 {
		return nil, errc(client.CodeInvalidParameter, "add_tag and remove_tag are both empty")
	}
	for _, id := range slices.Concat(in.Add, in.Remove) {
		if _, t := e.tagByID(id); t == nil {
			return nil, errc(client.CodeInvalidTagID, "invalid tag id")
		}
	}
	for _, id := range in.Add {
		if !slices.Contains(f.TagIDs, id) {
			f.TagIDs = append(f.TagIDs, id)
		}
	}
	f.TagIDs = slices.DeleteFunc(f.TagIDs, func(id string) bool { return slices.Contains(in.Remove, id) })
	return J{}, nil
}
