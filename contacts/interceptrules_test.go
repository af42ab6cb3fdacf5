package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

var noPhoneNumbers = AddInterceptRuleParams{RuleName: "No phone numbers", WordList: []string{"加微信", "私聊"},
	SemanticsList: []InterceptSemantic{SemanticMobile}, InterceptType: InterceptBlock,
	ApplicableRange: InterceptRange{UserIDs: []string{"li.na"}, DepartmentIDs: []int{12}}}

func seedInterceptRule(t *testing.T, srv *wecomtest.Server, s *Service) {
	t.Helper()
	seedAdvisors(t, srv, s)
	if _, err := s.AddInterceptRule(context.Background(), noPhoneNumbers); err != nil {
		t.Fatal(err)
	}
}

// firstRule finds the seeded rule through the list call.
func firstRule(ctx context.Context, s *Service) string {
	rs, err := s.ListInterceptRules(ctx)
	if err != nil || len(rs) == 0 {
		return "missing"
	}
	return rs[0].RuleID
}

func TestInterceptRulesMatrix(t *testing.T) {
	t.Parallel()
	runMatrix(t, []endpoint{
		{name: "add_intercept_rule", path: "/cgi-bin/externalcontact/add_intercept_rule", prepare: seedAdvisors, call: func(ctx context.Context, s *Service) error {
			id, err := s.AddInterceptRule(ctx, noPhoneNumbers)
			if err == nil && id == "" {
				return errors.New("no rule_id")
			}
			return err
		}},
		{name: "get_intercept_rule_list", path: "/cgi-bin/externalcontact/get_intercept_rule_list", retried: true, prepare: seedInterceptRule, call: func(ctx context.Context, s *Service) error {
			rs, err := s.ListInterceptRules(ctx)
			if err == nil && (len(rs) != 1 || rs[0].RuleName != "No phone numbers" || rs[0].CreateTime == 0) {
				return fmt.Errorf("rules %+v", rs)
			}
			return err
		}},
		{name: "get_intercept_rule", path: "/cgi-bin/externalcontact/get_intercept_rule", retried: true, prepare: seedInterceptRule, call: func(ctx context.Context, s *Service) error {
			r, err := s.GetInterceptRule(ctx, firstRule(ctx, s))
			if err == nil && (!slices.Equal(r.WordList, noPhoneNumbers.WordList) || r.InterceptType != InterceptBlock ||
				!slices.Equal(r.SemanticsList, []InterceptSemantic{SemanticMobile}) || !slices.Equal(r.ApplicableRange.DepartmentIDs, []int{12})) {
				return fmt.Errorf("rule %+v", r)
			}
			return err
		}},
		{name: "update_intercept_rule", path: "/cgi-bin/externalcontact/update_intercept_rule", prepare: seedInterceptRule, call: func(ctx context.Context, s *Service) error {
			return s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: firstRule(ctx, s), InterceptType: InterceptWarn})
		}},
		{name: "del_intercept_rule", path: "/cgi-bin/externalcontact/del_intercept_rule", prepare: seedInterceptRule, call: func(ctx context.Context, s *Service) error {
			return s.DeleteInterceptRule(ctx, firstRule(ctx, s))
		}},
	})
}

func TestInterceptRuleLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedAdvisors(t, srv, s)
	ctx := context.Background()
	id, err := s.AddInterceptRule(ctx, noPhoneNumbers)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddInterceptRule(ctx, noPhoneNumbers); wecomtest.ErrCode(err) != 41077 {
		t.Errorf("same name again: %v, want 41077", err)
	}
	// Update: range lists add and remove; an empty extra rule clears the semantics; the words,
	// name and type not sent stay.
	if err := s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: id, ExtraRule: &InterceptExtraRule{},
		AddRange: &InterceptRange{UserIDs: []string{"zhao.lei"}}, RemoveRange: &InterceptRange{UserIDs: []string{"li.na"}, DepartmentIDs: []int{12}}}); err != nil {
		t.Fatal(err)
	}
	r, err := s.GetInterceptRule(ctx, id)
	if err != nil || r.RuleID != id || len(r.SemanticsList) != 0 || !slices.Equal(r.ApplicableRange.UserIDs, []string{"zhao.lei"}) ||
		len(r.ApplicableRange.DepartmentIDs) != 0 || r.RuleName != noPhoneNumbers.RuleName || len(r.WordList) != 2 || r.InterceptType != InterceptBlock {
		t.Errorf("after update: %+v, %v", r, err)
	}
	if err := s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: id, RuleName: "No contacts", WordList: []string{"电话"},
		ExtraRule: &InterceptExtraRule{SemanticsList: []InterceptSemantic{SemanticEmail, SemanticRedPacket}}}); err != nil {
		t.Fatal(err)
	}
	if r, _ = s.GetInterceptRule(ctx, id); r.RuleName != "No contacts" || !slices.Equal(r.WordList, []string{"电话"}) || len(r.SemanticsList) != 2 {
		t.Errorf("after the second update: %+v", r)
	}
	if err := s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: id, AddRange: &InterceptRange{UserIDs: []string{"ghost"}}}); wecomtest.ErrCode(err) != client.CodeInvalidUserID {
		t.Errorf("unknown member: %v, want 40003", err)
	}
	// Another app reads the rule but may not change it.
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "audit-secret", AgentID: 1000005})
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: "audit-secret"}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	other := New(c)
	if _, err := other.GetInterceptRule(ctx, id); err != nil {
		t.Errorf("another app's read: %v", err)
	}
	if err := other.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: id, InterceptType: InterceptWarn}); wecomtest.ErrCode(err) != client.CodeNoPrivilege {
		t.Errorf("another app's update: %v, want 60011", err)
	}
	if err := s.DeleteInterceptRule(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetInterceptRule(ctx, id); wecomtest.ErrCode(err) != 41071 {
		t.Errorf("get deleted: %v, want 41071", err)
	}
	if err := s.DeleteInterceptRule(ctx, "ir-nope"); wecomtest.ErrCode(err) != 41070 {
		t.Errorf("delete unknown: %v, want 41070", err)
	}
	// At most 100 rules a corp.
	for i := range 100 {
		p := noPhoneNumbers
		p.RuleName = fmt.Sprintf("rule %d", i)
		if _, err := s.AddInterceptRule(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AddInterceptRule(ctx, noPhoneNumbers); wecomtest.ErrCode(err) != 41069 {
		t.Errorf("rule 101: %v, want 41069", err)
	}
	if rs, _ := s.ListInterceptRules(ctx); len(rs) != 100 {
		t.Errorf("listed %d rules", len(rs))
	}
}

// TestInterceptRuleUserCap: a rule applies to at most 10,000 members, added 1000 a call.
func TestInterceptRuleUserCap(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	users := make([]wecomtest.SeedUser, 10001)
	ids := make([]string, len(users))
	for i := range users {
		ids[i] = fmt.Sprintf("m%05d", i)
		users[i] = wecomtest.SeedUser{UserID: ids[i], Name: "m"}
	}
	srv.AddUsers(wecomtest.CorpID, users...)
	ctx := context.Background()
	p := noPhoneNumbers
	p.ApplicableRange = InterceptRange{UserIDs: ids[:1000]}
	id, err := s.AddInterceptRule(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1000; i < 10000; i += 1000 {
		if err := s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: id, AddRange: &InterceptRange{UserIDs: ids[i : i+1000]}}); err != nil {
			t.Fatalf("users %d-%d: %v", i, i+999, err)
		}
	}
	if err := s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: id, AddRange: &InterceptRange{UserIDs: ids[10000:]}}); wecomtest.ErrCode(err) != 41076 {
		t.Errorf("member 10,001: %v, want 41076", err)
	}
}

func TestInterceptRuleValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	with := func(f func(p *AddInterceptRuleParams)) error {
		p := noPhoneNumbers
		p.WordList = slices.Clone(p.WordList)
		f(&p)
		_, err := s.AddInterceptRule(ctx, p)
		return err
	}
	many := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprint("w", i)
		}
		return out
	}
	for _, tc := range []struct {
		err   error
		field string
	}{
		{with(func(p *AddInterceptRuleParams) { p.RuleName = "" }), "rule_name"},
		{with(func(p *AddInterceptRuleParams) { p.RuleName = strings.Repeat("规", 21) }), "rule_name"},
		{with(func(p *AddInterceptRuleParams) { p.WordList = nil }), "word_list"},
		{with(func(p *AddInterceptRuleParams) { p.WordList = many(301) }), "word_list"},
		{with(func(p *AddInterceptRuleParams) { p.WordList[1] = strings.Repeat("词", 33) }), "word_list"},
		{with(func(p *AddInterceptRuleParams) { p.WordList[0] = "" }), "word_list"},
		{with(func(p *AddInterceptRuleParams) { p.SemanticsList = []InterceptSemantic{4} }), "semantics_list"},
		{with(func(p *AddInterceptRuleParams) { p.InterceptType = 0 }), "intercept_type"},
		{with(func(p *AddInterceptRuleParams) { p.ApplicableRange = InterceptRange{} }), "applicable_range"},
		{with(func(p *AddInterceptRuleParams) { p.ApplicableRange = InterceptRange{UserIDs: many(1001)} }), "applicable_range.user_list"},
		{with(func(p *AddInterceptRuleParams) { p.ApplicableRange = InterceptRange{DepartmentIDs: make([]int, 1001)} }), "applicable_range.department_list"},
		{s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleName: "x"}), "rule_id"},
		{s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: "r", RuleName: strings.Repeat("x", 21)}), "rule_name"},
		{s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: "r", WordList: many(301)}), "word_list"},
		{s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: "r", ExtraRule: &InterceptExtraRule{SemanticsList: []InterceptSemantic{0}}}), "extra_rule.semantics_list"},
		{s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: "r", InterceptType: 3}), "intercept_type"},
		{s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: "r", AddRange: &InterceptRange{UserIDs: many(1001)}}), "add_applicable_range.user_list"},
		{s.UpdateInterceptRule(ctx, UpdateInterceptRuleParams{RuleID: "r", RemoveRange: &InterceptRange{DepartmentIDs: make([]int, 1001)}}), "remove_applicable_range.department_list"},
		{s.DeleteInterceptRule(ctx, ""), "rule_id"},
		{func() error { _, err := s.GetInterceptRule(ctx, ""); return err }(), "rule_id"},
	} {
		var ve *client.ValidationError
		if !errors.As(tc.err, &ve) || ve.Field != tc.field {
			t.Errorf("want a validation error on %s, got %v", tc.field, tc.err)
		}
	}
}

// TestInterceptRuleEncoding is the golden request of add and update (an empty extra rule is
// sent as [] to clear, never null), the GET list without a body, and the documented answer
// whose rule_id is a number.
func TestInterceptRuleEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	add := captureJSON(mt, "POST", "/cgi-bin/externalcontact/add_intercept_rule", `{"errcode":0,"errmsg":"ok","rule_id":"xxx"}`)
	id, err := s.AddInterceptRule(ctx, AddInterceptRuleParams{RuleName: "rulename", WordList: []string{"敏感词1", "敏感词2"},
		SemanticsList: []InterceptSemantic{1, 2, 3}, InterceptType: InterceptBlock, ApplicableRange: InterceptRange{UserIDs: []string{"zhangshan"}, DepartmentIDs: []int{2, 3}}})
	if err != nil || id != "xxx" {
		t.Fatalf("%q, %v", id, err)
	}
	if raw, want := (*add)[0].raw, `{"rule_name":"rulename","word_list":["敏感词1","敏感词2"],"semantics_list":[1,2,3],"intercept_type":1,`+
		`"applicable_range":{"user_list":["zhangshan"],"department_list":[2,3]}}`; raw != want {
		t.Errorf("add body %s, want %s", raw, want)
	}
	upd := captureJSON(mt, "POST", "/cgi-bin/externalcontact/update_intercept_rule", `{"errcode":0}`)
	p := UpdateInterceptRuleParams{RuleID: "xxxx", ExtraRule: &InterceptExtraRule{}, RemoveRange: &InterceptRange{DepartmentIDs: []int{3}}}
	if err := s.UpdateInterceptRule(ctx, p); err != nil {
		t.Fatal(err)
	}
	if raw, want := (*upd)[0].raw, `{"rule_id":"xxxx","extra_rule":{"semantics_list":[]},"remove_applicable_range":{"department_list":[3]}}`; raw != want {
		t.Errorf("update body %s, want %s", raw, want)
	}
	if p.ExtraRule.SemanticsList != nil {
		t.Error("UpdateInterceptRule changed the caller's params")
	}
	list := captureJSON(mt, "GET", "/cgi-bin/externalcontact/get_intercept_rule_list", `{"errcode":0,"rule_list":[{"rule_id":"r1","rule_name":"n","create_time":1600000000}]}`)
	rs, err := s.ListInterceptRules(ctx)
	if err != nil || len(rs) != 1 || rs[0].RuleID != "r1" || rs[0].CreateTime != 1600000000 || (*list)[0].raw != "" {
		t.Errorf("list %+v, %v, body %q", rs, err, (*list)[0].raw)
	}
	captureJSON(mt, "POST", "/cgi-bin/externalcontact/get_intercept_rule", `{"errcode":0,"errmsg":"ok","rule":{"rule_id":1,"rule_name":"rulename",`+
		`"word_list":["敏感词1"],"semantics_list":[1,2,3],"intercept_type":1,"applicable_range":{"user_list":["zhangshan"],"department_list":[2,3]}}}`)
	r, err := s.GetInterceptRule(ctx, "1")
	if err != nil || r.RuleID != "1" || len(r.SemanticsList) != 3 || r.ApplicableRange.UserIDs[0] != "zhangshan" {
		t.Errorf("get %+v, %v", r, err)
	}
}

// TestInterceptRuleDecodesExtraRule: the field table puts semantics_list inside extra_rule.
func TestInterceptRuleDecodesExtraRule(t *testing.T) {
	t.Parallel()
	var r InterceptRule
	if err := json.Unmarshal([]byte(`{"rule_id":"r","extra_rule":{"semantics_list":[2]},"intercept_type":2}`), &r); err != nil {
		t.Fatal(err)
	}
	if r.RuleID != "r" || !slices.Equal(r.SemanticsList, []InterceptSemantic{SemanticEmail}) || r.InterceptType != InterceptWarn {
		t.Errorf("decoded %+v", r)
	}
	var sum InterceptRuleSummary
	if err := json.Unmarshal([]byte(`{"rule_id":7,"rule_name":"n"}`), &sum); err != nil || sum.RuleID != "7" || sum.RuleName != "n" {
		t.Errorf("summary %+v, %v", sum, err)
	}
}
