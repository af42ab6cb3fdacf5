package wecomtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Chat sensitive-word rules (聊天敏感词): at most 100 a corp, names unique, 1–300 words of 1–32
// characters, extra semantics 1–3, and an applicable range of existing members and departments
// (1000 of each a call, 10,000 members a rule). Any app reads every rule; only the app that
// created a rule may change or delete it (60011 otherwise).

// Errcodes of the sensitive-word rules; the client has no constants for them yet.
const (
	codeInterceptWordLimit  = client.CodeInterceptWordsLimit       // 聊天敏感词列表超过了限制
	codeInterceptRuleLimit  = client.CodeInterceptRuleLimit        // 聊天敏感词规则总数超过了限制
	codeInvalidInterceptID  = client.CodeInvalidInterceptRuleID    // 无效的聊天敏感词规则id
	codeInterceptDeleted    = client.CodeInterceptRuleDeleted      // 聊天敏感词规则已经被删除
	codeInterceptRangeLimit = client.CodeInterceptRangeLimit       // 聊天敏感词规则适用范围超过限制
	codeInterceptNameTaken  = client.CodeInterceptRuleNameTaken    // 聊天敏感词规则名称不唯一
	codeInvalidInterceptKey = client.CodeInvalidInterceptWord      // 敏感词关键字错误
	codeInvalidSemantics    = client.CodeInvalidInterceptSemantics // 敏感词拦截语义规则错误
)

const (
	interceptMaxRules    = 100
	interceptMaxWords    = 300
	interceptMaxPerCall  = 1000
	interceptMaxRuleUser = 10000
)

type simInterceptRule struct {
	ID        string
	Name      string
	Words     []string
	Semantics []int
	Type      int
	Users     []string
	Depts     []int
	Created   int64
	Owner     string
}

func (s *Server) interceptRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/add_intercept_rule", TokenCorp, s.interceptAdd},
		{get, "/cgi-bin/externalcontact/get_intercept_rule_list", TokenCorp, s.interceptList},
		{post, "/cgi-bin/externalcontact/get_intercept_rule", TokenCorp, s.interceptGet},
		{post, "/cgi-bin/externalcontact/update_intercept_rule", TokenCorp, s.interceptUpdate},
		{post, "/cgi-bin/externalcontact/del_intercept_rule", TokenCorp, s.interceptDel},
	}
}

// InterceptRules returns the ids of corpID's sensitive-word rules, sorted.
func (s *Server) InterceptRules(corpID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.book(corpID).strategies.rules))
}

type interceptRangeIn struct {
	Users []string     `json:"user_list"`
	Depts wire.IntList `json:"department_list"`
}

// interceptBody is a rule as add and update send it; pointers tell an unsent field.
type interceptBody struct {
	RuleID    wire.String `json:"rule_id"`
	Name      *string     `json:"rule_name"`
	Words     []string    `json:"word_list"`
	Semantics *[]int      `json:"semantics_list"`
	ExtraRule *struct {
		Semantics *[]int `json:"semantics_list"`
	} `json:"extra_rule"`
	Type     *int              `json:"intercept_type"`
	Range    *interceptRangeIn `json:"applicable_range"`
	AddRange *interceptRangeIn `json:"add_applicable_range"`
	DelRange *interceptRangeIn `json:"remove_applicable_range"`
}

func (st *strategyState) interceptNameTaken(name string, except *simInterceptRule) bool {
	for _, r := range st.rules {
		if r != except && r.Name == name {
			return true
		}
	}
	return false
}

func checkInterceptWordList(words []string) error {
	if len(words) == 0 || len(words) > interceptMaxWords {
		return errc(codeInterceptWordLimit, "word_list must hold 1-300 words")
	}
	for _, w := range words {
		if n := utf8.RuneCountInString(w); n < 1 || n > 32 {
			return errc(codeInvalidInterceptKey, "a word must be 1-32 characters")
		}
	}
	return nil
}

func checkInterceptSemantics(list []int) error {
	for _, v := range list {
		if v < 1 || v > 3 {
			return errc(codeInvalidSemantics, fmt.Sprintf("invalid semantics %d", v))
		}
	}
	return nil
}

// interceptRange checks a range list against the address book and the per-call limits, and
// returns the members by their stored userid.
func (b *addressBook) interceptRange(r *interceptRangeIn) ([]string, []int, error) {
	if len(r.Users) > interceptMaxPerCall || len(r.Depts) > interceptMaxPerCall {
		return nil, nil, errc(codeInterceptRangeLimit, "at most 1000 users and 1000 departments a call")
	}
	users := make([]string, len(r.Users))
	for i, id := range r.Users {
		u := b.users[strings.ToLower(id)]
		if u == nil {
			return nil, nil, errc(client.CodeInvalidUserID, "invalid userid "+id)
		}
		users[i] = u.ID
	}
	for _, d := range r.Depts {
		if b.depts[d] == nil {
			return nil, nil, errc(client.CodeInvalidDepartmentID, fmt.Sprintf("invalid department %d", d))
		}
	}
	return users, slices.Clone([]int(r.Depts)), nil
}

func (s *Server) interceptAdd(c *Call) (any, error) {
	in, err := decode[interceptBody](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	st := &b.strategies
	switch {
	case in.Name == nil || utf8.RuneCountInString(*in.Name) < 1 || utf8.RuneCountInString(*in.Name) > 20:
		return nil, errc(client.CodeInvalidParameter, "rule_name must be 1-20 characters")
	case in.Type == nil || (*in.Type != 1 && *in.Type != 2):
		return nil, errc(client.CodeInvalidParameter, "intercept_type must be 1 or 2")
	case in.Range == nil || len(in.Range.Users)+len(in.Range.Depts) == 0:
		return nil, errc(client.CodeInvalidParameter, "applicable_range user_list and department_list are both empty")
	case len(st.rules) >= interceptMaxRules:
		return nil, errc(codeInterceptRuleLimit, "at most 100 rules a corp")
	case st.interceptNameTaken(*in.Name, nil):
		return nil, errc(codeInterceptNameTaken, "rule_name is not unique")
	}
	if err := checkInterceptWordList(in.Words); err != nil {
		return nil, err
	}
	var sem []int
	if in.Semantics != nil {
		sem = *in.Semantics
	}
	if err := checkInterceptSemantics(sem); err != nil {
		return nil, err
	}
	users, depts, err := b.interceptRange(in.Range)
	if err != nil {
		return nil, err
	}
	if st.rules == nil {
		st.rules = map[string]*simInterceptRule{}
	}
	st.ruleSeq++
	r := &simInterceptRule{ID: fmt.Sprintf("ir%08d", st.ruleSeq), Name: *in.Name, Words: in.Words, Semantics: sem, Type: *in.Type,
		Users: interceptDedupe(users), Depts: interceptDedupe(depts), Created: time.Now().Unix(), Owner: stratOwner(c)}
	st.rules[r.ID] = r
	return J{"rule_id": r.ID}, nil
}

// interceptDedupe drops repeated values, keeping the first of each in order.
func interceptDedupe[T comparable](v []T) []T {
	var out []T
	seen := make(map[T]bool, len(v))
	for _, x := range v {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (s *Server) interceptList(c *Call) (any, error) {
	rules := s.callBook(c).strategies.rules
	out := []J{}
	for _, id := range slices.Sorted(maps.Keys(rules)) {
		r := rules[id]
		out = append(out, J{"rule_id": r.ID, "rule_name": r.Name, "create_time": r.Created})
	}
	return J{"rule_list": out}, nil
}

// interceptRule finds the rule a request names.
func (s *Server) interceptRule(c *Call, id string) (*simInterceptRule, error) {
	st := &s.callBook(c).strategies
	switch {
	case id == "":
		return nil, errc(codeInvalidInterceptID, "missing rule_id")
	case st.ruleGone[id]:
		return nil, errc(codeInterceptDeleted, "the rule was deleted")
	case st.rules[id] == nil:
		return nil, errc(codeInvalidInterceptID, "invalid rule_id")
	}
	return st.rules[id], nil
}

// ownInterceptRule finds a rule the caller may change.
func (s *Server) ownInterceptRule(c *Call, id string) (*simInterceptRule, error) {
	r, err := s.interceptRule(c, id)
	if err == nil && r.Owner != stratOwner(c) {
		return nil, errc(client.CodeNoPrivilege, "the rule was created by another app")
	}
	return r, err
}

func (s *Server) interceptGet(c *Call) (any, error) {
	in, err := decode[interceptBody](c)
	if err != nil {
		return nil, err
	}
	r, err := s.interceptRule(c, string(in.RuleID))
	if err != nil {
		return nil, err
	}
	sem := slices.Clone(r.Semantics)
	if sem == nil {
		sem = []int{}
	}
	users, depts := slices.Clone(r.Users), slices.Clone(r.Depts)
	if users == nil {
		users = []string{}
	}
	if depts == nil {
		depts = []int{}
	}
	return J{"rule": J{"rule_id": r.ID, "rule_name": r.Name, "word_list": slices.Clone(r.Words), "semantics_list": sem,
		"intercept_type": r.Type, "applicable_range": J{"user_list": users, "department_list": depts}, "create_time": r.Created}}, nil
}

func (s *Server) interceptUpdate(c *Call) (any, error) {
	in, err := decode[interceptBody](c)
	if err != nil {
		return nil, err
	}
	r, err := s.ownInterceptRule(c, string(in.RuleID))
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	if in.Name != nil {
		switch n := utf8.RuneCountInString(*in.Name); {
		case n < 1 || n > 20:
			return nil, errc(client.CodeInvalidParameter, "rule_name must be 1-20 characters")
		case b.strategies.interceptNameTaken(*in.Name, r):
			return nil, errc(codeInterceptNameTaken, "rule_name is not unique")
		}
	}
	if len(in.Words) > 0 { // an empty word_list is ignored
		if err := checkInterceptWordList(in.Words); err != nil {
			return nil, err
		}
	}
	sem := in.Semantics // the documented place is extra_rule; a top-level list is taken too
	if in.ExtraRule != nil {
		sem = in.ExtraRule.Semantics
		if sem == nil {
			sem = &[]int{}
		}
	}
	if sem != nil {
		if err := checkInterceptSemantics(*sem); err != nil {
			return nil, err
		}
	}
	if in.Type != nil && *in.Type != 1 && *in.Type != 2 {
		return nil, errc(client.CodeInvalidParameter, "intercept_type must be 1 or 2")
	}
	users, depts := slices.Clone(r.Users), slices.Clone(r.Depts)
	if in.AddRange != nil {
		u, d, err := b.interceptRange(in.AddRange)
		if err != nil {
			return nil, err
		}
		users, depts = interceptDedupe(append(users, u...)), interceptDedupe(append(depts, d...))
		if len(users) > interceptMaxRuleUser {
			return nil, errc(codeInterceptRangeLimit, "a rule applies to at most 10000 users: use departments")
		}
	}
	if in.DelRange != nil {
		if len(in.DelRange.Users) > interceptMaxPerCall || len(in.DelRange.Depts) > interceptMaxPerCall {
			return nil, errc(codeInterceptRangeLimit, "at most 1000 users and 1000 departments a call")
		}
		users = slices.DeleteFunc(users, func(u string) bool {
			return slices.ContainsFunc(in.DelRange.Users, func(x string) bool { return strings.EqualFold(x, u) })
		})
		depts = slices.DeleteFunc(depts, func(d int) bool { return slices.Contains(in.DelRange.Depts, d) })
	}
	if in.Name != nil {
		r.Name = *in.Name
	}
	if len(in.Words) > 0 {
		r.Words = in.Words
	}
	if sem != nil {
		r.Semantics = *sem
	}
	if in.Type != nil {
		r.Type = *in.Type
	}
	r.Users, r.Depts = users, depts
	return J{}, nil
}

func (s *Server) interceptDel(c *Call) (any, error) {
	in, err := decode[interceptBody](c)
	if err != nil {
		return nil, err
	}
	r, err := s.ownInterceptRule(c, string(in.RuleID))
	if err != nil {
		return nil, err
	}
	st := &s.callBook(c).strategies
	delete(st.rules, r.ID)
	if st.ruleGone == nil {
		st.ruleGone = map[string]bool{}
	}
	st.ruleGone[r.ID] = true
	return J{}, nil
}
