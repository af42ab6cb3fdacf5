package wecomtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

func (s *Server) kfKnowledgeRoutes() []route {
	return []route{
		{post, "/cgi-bin/kf/knowledge/add_group", TokenCorp, s.kfAddGroup},
		{post, "/cgi-bin/kf/knowledge/del_group", TokenCorp, s.kfDelGroup},
		{post, "/cgi-bin/kf/knowledge/mod_group", TokenCorp, s.kfModGroup},
		{post, "/cgi-bin/kf/knowledge/list_group", TokenCorp, s.kfListGroup},
		{post, "/cgi-bin/kf/knowledge/add_intent", TokenCorp, s.kfAddIntent},
		{post, "/cgi-bin/kf/knowledge/del_intent", TokenCorp, s.kfDelIntent},
		{post, "/cgi-bin/kf/knowledge/mod_intent", TokenCorp, s.kfModIntent},
		{post, "/cgi-bin/kf/knowledge/list_intent", TokenCorp, s.kfListIntent},
	}
}

func (s *Server) kfGroup(id string) (*kfGroup, int) {
	for i, g := range s.kf.groups {
		if g.id == id {
			return g, i
		}
	}
	return nil, -1
}

func kfGroupName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 12 {
		return errc(client.CodeInvalidParameter, "invalid group name")
	}
	return nil
}

func (s *Server) kfAddGroup(c *Call) (any, error) {
	in, err := decode[struct {
		Name string `json:"name"`
	}](c)
	if err != nil {
		return nil, err
	}
	if err := kfGroupName(in.Name); err != nil {
		return nil, err
	}
	for _, g := range s.kf.groups {
		if g.name == in.Name {
			return nil, errc(client.CodeInvalidParameter, "group name already exists")
		}
	}
	if len(s.kf.groups) >= 100 {
		return nil, errc(client.CodeInvalidParameter, "too many groups")
	}
	g := &kfGroup{id: s.kf.next("GRP_"), name: in.Name}
	s.kf.groups = append(s.kf.groups, g)
	return J{"group_id": g.id}, nil
}

func (s *Server) kfDelGroup(c *Call) (any, error) {
	in, err := decode[struct {
		GroupID string `json:"group_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	g, i := s.kfGroup(in.GroupID)
	if g == nil || g.isDefault {
		return nil, errc(client.CodeInvalidParameter, "invalid group_id")
	}
	s.kf.groups = append(s.kf.groups[:i:i], s.kf.groups[i+1:]...)
	kept := s.kf.intents[:0:0]
	for _, it := range s.kf.intents {
		if it.groupID != g.id {
			kept = append(kept, it)
		}
	}
	s.kf.intents = kept
	return J{}, nil
}

func (s *Server) kfModGroup(c *Call) (any, error) {
	in, err := decode[struct {
		GroupID string `json:"group_id"`
		Name    string `json:"name"`
	}](c)
	if err != nil {
		return nil, err
	}
	g, _ := s.kfGroup(in.GroupID)
	if g == nil || g.isDefault {
		return nil, errc(client.CodeInvalidParameter, "invalid group_id")
	}
	if err := kfGroupName(in.Name); err != nil {
		return nil, err
	}
	g.name = in.Name
	return J{}, nil
}

type kfListIn struct {
	Cursor   string `json:"cursor"`
	Limit    int    `json:"limit"`
	GroupID  string `json:"group_id"`
	IntentID string `json:"intent_id"`
}

// page cuts [start, start+limit) from n items, with the opaque cursor of the rest.
func kfPage(in kfListIn, n int) (start, end int, next string, more int, err error) {
	if in.Cursor != "" {
		p, perr := strconv.Atoi(strings.TrimPrefix(in.Cursor, "KCUR"))
		if perr != nil || !strings.HasPrefix(in.Cursor, "KCUR") || p < 0 || p > n {
			return 0, 0, "", 0, errc(client.CodeInvalidParameter, "invalid cursor")
		}
		start = p
	}
	limit := in.Limit
	if limit == 0 {
		limit = 500
	}
	if limit < 0 || limit > 1000 {
		return 0, 0, "", 0, errc(client.CodeInvalidParameter, "invalid limit")
	}
	end = min(start+limit, n)
	if end < n {
		more = 1
	}
	return start, end, "KCUR" + strconv.Itoa(end), more, nil
}

func (s *Server) kfListGroup(c *Call) (any, error) {
	in, err := decode[kfListIn](c)
	if err != nil {
		return nil, err
	}
	groups := s.kf.groups
	if in.GroupID != "" {
		g, _ := s.kfGroup(in.GroupID)
		if g == nil {
			return nil, errc(client.CodeInvalidParameter, "invalid group_id")
		}
		groups = []*kfGroup{g}
	}
	start, end, next, more, err := kfPage(in, len(groups))
	if err != nil {
		return nil, err
	}
	list := []J{}
	for _, g := range groups[start:end] {
		d := 0
		if g.isDefault {
			d = 1
		}
		list = append(list, J{"group_id": g.id, "name": g.name, "is_default": d})
	}
	return J{"next_cursor": next, "has_more": more, "group_list": list}, nil
}

type kfIntentIn struct {
	GroupID  string          `json:"group_id"`
	IntentID string          `json:"intent_id"`
	Question json.RawMessage `json:"question"`
	Similar  json.RawMessage `json:"similar_questions"`
	Answers  json.RawMessage `json:"answers"`
}

func checkIntent(in kfIntentIn) error {
	if in.Question != nil {
		var q struct {
			Text struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		if json.Unmarshal(in.Question, &q) != nil || q.Text.Content == "" || utf8.RuneCountInString(q.Text.Content) > 200 {
			return errc(client.CodeInvalidParameter, "invalid question")
		}
	}
	if in.Answers != nil {
		var a []json.RawMessage
		if json.Unmarshal(in.Answers, &a) != nil || len(a) != 1 {
			return errc(client.CodeInvalidParameter, "exactly one answer is supported")
		}
	}
	return nil
}

func (s *Server) kfAddIntent(c *Call) (any, error) {
	in, err := decode[kfIntentIn](c)
	if err != nil {
		return nil, err
	}
	if g, _ := s.kfGroup(in.GroupID); g == nil {
		return nil, errc(client.CodeInvalidParameter, "invalid group_id")
	}
	if in.Question == nil || in.Answers == nil {
		return nil, errc(client.CodeInvalidParameter, "question and answers are required")
	}
	if err := checkIntent(in); err != nil {
		return nil, err
	}
	it := &kfIntent{id: s.kf.next("INTENT_"), groupID: in.GroupID, question: in.Question, similar: in.Similar, answers: in.Answers}
	s.kf.intents = append(s.kf.intents, it)
	return J{"intent_id": it.id}, nil
}

func (s *Server) kfIntent(id string) (*kfIntent, int) {
	for i, it := range s.kf.intents {
		if it.id == id {
			return it, i
		}
	}
	return nil, -1
}

func (s *Server) kfDelIntent(c *Call) (any, error) {
	in, err := decode[kfIntentIn](c)
	if err != nil {
		return nil, err
	}
	it, i := s.kfIntent(in.IntentID)
	if it == nil {
		return nil, errc(client.CodeInvalidParameter, "invalid intent_id")
	}
	s.kf.intents = append(s.kf.intents[:i:i], s.kf.intents[i+1:]...)
	return J{}, nil
}

func (s *Server) kfModIntent(c *Call) (any, error) {
	in, err := decode[kfIntentIn](c)
	if err != nil {
		return nil, err
	}
	it, _ := s.kfIntent(in.IntentID)
	if it == nil {
		return nil, errc(client.CodeInvalidParameter, "invalid intent_id")
	}
	if err := checkIntent(in); err != nil {
		return nil, err
	}
	if in.Question != nil {
		it.question = in.Question
	}
	if in.Similar != nil {
		it.similar = in.Similar
	}
	if in.Answers != nil {
		it.answers = in.Answers
	}
	return J{}, nil
}

func (s *Server) kfListIntent(c *Call) (any, error) {
	in, err := decode[kfListIn](c)
	if err != nil {
		return nil, err
	}
	var sel []*kfIntent
	for _, it := range s.kf.intents {
		if (in.GroupID == "" || it.groupID == in.GroupID) && (in.IntentID == "" || it.id == in.IntentID) {
			sel = append(sel, it)
		}
	}
	start, end, next, more, err := kfPage(in, len(sel))
	if err != nil {
		return nil, err
	}
	list := []J{}
	for _, it := range sel[start:end] {
		e := J{"group_id": it.groupID, "intent_id": it.id, "question": it.question, "answers": it.answers}
		if it.similar != nil {
			e["similar_questions"] = it.similar
		}
		list = append(list, e)
	}
	return J{"next_cursor": next, "has_more": more, "intent_list": list}, nil
}
