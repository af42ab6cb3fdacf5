package wecomtest

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Customer tags of rule groups (规则组标签): corporate-tag groups scoped to a top-level
// customer-contact rule group. They answer like corp tags (contacts_corptags.go) and share the
// corp's limit of 10,000 corp and rule group tags together; an app reaches only the tags of the
// rule groups it created.

type simStratTagGroup struct {
	simTagGroup
	StrategyID int
}

func (s *Server) strategyTagRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/get_strategy_tag_list", TokenCorp, s.stratTagList},
		{post, "/cgi-bin/externalcontact/add_strategy_tag", TokenCorp, s.stratTagAdd},
		{post, "/cgi-bin/externalcontact/edit_strategy_tag", TokenCorp, s.stratTagEdit},
		{post, "/cgi-bin/externalcontact/del_strategy_tag", TokenCorp, s.stratTagDel},
	}
}

func (st *strategyState) stratTagCount() int {
	n := 0
	for _, g := range st.tagGroups {
		n += len(g.Tags)
	}
	return n
}

func (st *strategyState) dropStrategyTags(strategyID int) {
	for id, g := range st.tagGroups {
		if g.StrategyID == strategyID {
			delete(st.tagGroups, id)
		}
	}
}

// stratTagGroups returns the tag groups of the caller's rule groups, by id.
func (s *Server) stratTagGroups(c *Call) []*simStratTagGroup {
	st := &s.callBook(c).strategies
	var out []*simStratTagGroup
	for _, g := range st.tagGroups {
		if sg := st.customer.byID[g.StrategyID]; sg != nil && sg.Owner == stratOwner(c) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b *simStratTagGroup) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// stratTagByID finds a tag group or tag of the caller's rule groups.
func (s *Server) stratTagByID(c *Call, id string) (*simStratTagGroup, *simCorpTag) {
	for _, g := range s.stratTagGroups(c) {
		if g.ID == id {
			return g, nil
		}
		for _, t := range g.Tags {
			if t.ID == id {
				return g, t
			}
		}
	}
	return nil, nil
}

func (s *Server) stratTagList(c *Call) (any, error) {
	in, err := decode[struct {
		StrategyID wire.Int `json:"strategy_id"`
		TagIDs     []string `json:"tag_id"`
		GroupIDs   []string `json:"group_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.StrategyID != 0 {
		if _, err := s.stratByID(c, customerStratKind, int(in.StrategyID)); err != nil {
			return nil, err
		}
	}
	out := []J{}
	for _, g := range s.stratTagGroups(c) {
		if in.StrategyID != 0 && g.StrategyID != int(in.StrategyID) {
			continue
		}
		var j J
		switch {
		case len(in.GroupIDs) > 0: // group_id wins over tag_id
			if !slices.Contains(in.GroupIDs, g.ID) {
				continue
			}
			j = g.json(nil)
		case len(in.TagIDs) > 0:
			only := map[string]bool{}
			for _, id := range in.TagIDs {
				only[id] = true
			}
			if j = g.json(only); len(j["tag"].([]J)) == 0 {
				continue
			}
		default:
			j = g.json(nil)
		}
		j["strategy_id"] = g.StrategyID
		out = append(out, j)
	}
	return J{"tag_group": out}, nil
}

func stratTagOrder(o wire.Int64) bool { return o >= 0 && o < 1<<32 }

func (s *Server) stratTagAdd(c *Call) (any, error) {
	in, err := decode[struct {
		StrategyID wire.Int   `json:"strategy_id"`
		GroupID    string     `json:"group_id"`
		GroupName  string     `json:"group_name"`
		Order      wire.Int64 `json:"order"`
		Tags       []struct {
			Name  string     `json:"name"`
			Order wire.Int64 `json:"order"`
		} `json:"tag"`
	}](c)
	if err != nil {
		return nil, err
	}
	sg, err := s.stratByID(c, customerStratKind, int(in.StrategyID))
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	st := &b.strategies
	switch {
	case sg.ParentID != 0:
		return nil, errStrat("tags can only be added to a top-level rule group")
	case len(in.Tags) == 0:
		return nil, errc(client.CodeInvalidParameter, "tag is empty")
	}
	var g *simStratTagGroup
	switch {
	case in.GroupID != "":
		if g = st.tagGroups[in.GroupID]; g == nil || g.StrategyID != sg.ID {
			return nil, errc(client.CodeInvalidTagID, "invalid group id")
		}
	case in.GroupName != "":
		if utf8.RuneCountInString(in.GroupName) > 30 || !stratTagOrder(in.Order) {
			return nil, errc(client.CodeInvalidParameter, "group_name too long or order out of range")
		}
		for _, x := range st.tagGroups {
			if x.StrategyID == sg.ID && x.Name == in.GroupName {
				g = x
			}
		}
	default:
		return nil, errc(client.CodeInvalidParameter, "group_id or group_name required")
	}
	if b.external.tagCount()+st.stratTagCount()+len(in.Tags) > 10000 {
		return nil, errc(client.CodeCorpTagLimit, "corp tag limit reached")
	}
	for _, t := range in.Tags {
		if n := utf8.RuneCountInString(t.Name); n < 1 || n > 30 || !stratTagOrder(t.Order) {
			return nil, errc(client.CodeInvalidParameter, "tag name length or order")
		}
	}
	now := time.Now().Unix()
	if g == nil {
		if st.tagGroups == nil {
			st.tagGroups = map[string]*simStratTagGroup{}
		}
		st.tagSeq++
		g = &simStratTagGroup{simTagGroup{ID: fmt.Sprintf("etStratGroup%05d", st.tagSeq), Name: in.GroupName, CreateTime: now, Order: int(in.Order)}, sg.ID}
		st.tagGroups[g.ID] = g
	}
	added := map[string]bool{}
	for _, t := range in.Tags {
		if slices.ContainsFunc(g.Tags, func(x *simCorpTag) bool { return x.Name == t.Name }) {
			if len(in.Tags) == 1 {
				return nil, errc(client.CodeTagNameExists, "tag name existed")
			}
			continue // duplicate names in one request create a single tag
		}
		st.tagSeq++
		nt := &simCorpTag{ID: fmt.Sprintf("etStratTag%05d", st.tagSeq), Name: t.Name, CreateTime: now, Order: int(t.Order)}
		g.Tags = append(g.Tags, nt)
		added[nt.ID] = true
	}
	return J{"tag_group": g.json(added)}, nil
}

func (s *Server) stratTagEdit(c *Call) (any, error) {
	in, err := decode[struct {
		ID    string      `json:"id"`
		Name  *string     `json:"name"`
		Order *wire.Int64 `json:"order"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch {
	case in.ID == "":
		return nil, errc(client.CodeMissingTagID, "missing id")
	case in.Name != nil && (utf8.RuneCountInString(*in.Name) < 1 || utf8.RuneCountInString(*in.Name) > 30):
		return nil, errc(client.CodeInvalidParameter, "name length must be 1-30")
	case in.Order != nil && !stratTagOrder(*in.Order):
		return nil, errc(client.CodeInvalidParameter, "order out of range")
	}
	g, t := s.stratTagByID(c, in.ID)
	switch {
	case g == nil:
		return nil, errc(client.CodeInvalidTagID, "invalid tag id")
	case t == nil: // a group: its name is unique in its rule group
		if in.Name != nil {
			for _, x := range s.callBook(c).strategies.tagGroups {
				if x != g && x.StrategyID == g.StrategyID && x.Name == *in.Name {
					return nil, errc(client.CodeTagNameExists, "tag group name existed")
				}
			}
			g.Name = *in.Name
		}
		if in.Order != nil {
			g.Order = int(*in.Order)
		}
	default: // a tag: its name is unique in its group
		if in.Name != nil {
			if slices.ContainsFunc(g.Tags, func(x *simCorpTag) bool { return x != t && x.Name == *in.Name }) {
				return nil, errc(client.CodeTagNameExists, "tag name existed")
			}
			t.Name = *in.Name
		}
		if in.Order != nil {
			t.Order = int(*in.Order)
		}
	}
	return J{}, nil
}

func (s *Server) stratTagDel(c *Call) (any, error) {
	in, err := decode[struct {
		TagIDs   []string `json:"tag_id"`
		GroupIDs []string `json:"group_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	if len(in.TagIDs)+len(in.GroupIDs) == 0 {
		return nil, errc(client.CodeInvalidParameter, "tag_id and group_id are both empty")
	}
	for _, id := range in.GroupIDs {
		if g, t := s.stratTagByID(c, id); g == nil || t != nil {
			return nil, errc(client.CodeInvalidTagID, "invalid group id")
		}
	}
	for _, id := range in.TagIDs {
		if _, t := s.stratTagByID(c, id); t == nil {
			return nil, errc(client.CodeInvalidTagID, "invalid tag id")
		}
	}
	st := &s.callBook(c).strategies
	for _, id := range in.GroupIDs {
		delete(st.tagGroups, id)
	}
	for _, id := range in.TagIDs {
		g, t := s.stratTagByID(c, id)
		if t == nil {
			continue // its group went above
		}
		g.Tags = slices.DeleteFunc(g.Tags, func(x *simCorpTag) bool { return x == t })
		if len(g.Tags) == 0 { // a group whose every tag is deleted goes too
			delete(st.tagGroups, g.ID)
		}
	}
	return J{}, nil
}
