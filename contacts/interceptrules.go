package contacts

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/wire"
)

// InterceptType is what a chat sensitive-word rule does when a member sends a listed word.
type InterceptType int

// Intercept types.
const (
	InterceptBlock InterceptType = 1 // 警告并拦截发送
	InterceptWarn  InterceptType = 2 // 仅发警告
)

// InterceptSemantic is an extra kind of content a rule intercepts (额外的拦截语义规则).
type InterceptSemantic int

// Extra intercept semantics.
const (
	SemanticMobile    InterceptSemantic = 1 // 手机号
	SemanticEmail     InterceptSemantic = 2 // 邮箱地址
	SemanticRedPacket InterceptSemantic = 3 // 红包
)

// Chat sensitive-word rule limits (聊天敏感词).
const (
	MaxInterceptRuleName  = 20    // characters of a rule name
	MaxInterceptWords     = 300   // words of a rule
	MaxInterceptWordLen   = 32    // characters of a word
	MaxInterceptRangeCall = 1000  // users, or departments, in one applicable range list
	MaxInterceptUsers     = 10000 // users a rule applies to in all
)

// InterceptRange is the members and departments a rule applies to (适用范围); they must be in the
// app's visible range.
type InterceptRange struct {
	UserIDs       []string `json:"user_list,omitempty"`
	DepartmentIDs []int    `json:"department_list,omitempty"`
}

// AddInterceptRuleParams is a new chat sensitive-word rule (敏感词规则).
type AddInterceptRuleParams struct {
	RuleName        string              `json:"rule_name"`                // 1–20 characters, unique
	WordList        []string            `json:"word_list"`                // 1–300 words of 1–32 characters
	SemanticsList   []InterceptSemantic `json:"semantics_list,omitempty"` // extra content to intercept
	InterceptType   InterceptType       `json:"intercept_type"`
	ApplicableRange InterceptRange      `json:"applicable_range"` // users and/or departments, ≤ 1000 each
}

func checkInterceptName(name string) error {
	return checkChars("rule_name", name, 1, MaxInterceptRuleName)
}

func checkInterceptWords(words []string) error {
	if len(words) > MaxInterceptWords {
		return check.Invalid("word_list", "%d words, at most %d", len(words), MaxInterceptWords)
	}
	for _, w := range words {
		if err := checkChars("word_list", w, 1, MaxInterceptWordLen); err != nil {
			return err
		}
	}
	return nil
}

func checkInterceptSemantics(field string, list []InterceptSemantic) error {
	for _, v := range list {
		if v < SemanticMobile || v > SemanticRedPacket {
			return check.Invalid(field, "%d, want 1 (mobile), 2 (email) or 3 (red packet)", v)
		}
	}
	return nil
}

func checkInterceptType(t InterceptType) error {
	if t != InterceptBlock && t != InterceptWarn {
		return check.Invalid("intercept_type", "%d, want 1 (warn and block) or 2 (warn only)", t)
	}
	return nil
}

func checkInterceptRange(field string, r *InterceptRange) error {
	if r == nil {
		return nil
	}
	switch {
	case len(r.UserIDs) > MaxInterceptRangeCall:
		return check.Invalid(field+".user_list", "%d users, at most %d a call (use departments)", len(r.UserIDs), MaxInterceptRangeCall)
	case len(r.DepartmentIDs) > MaxInterceptRangeCall:
		return check.Invalid(field+".department_list", "%d departments, at most %d a call", len(r.DepartmentIDs), MaxInterceptRangeCall)
	}
	return nil
}

func (p *AddInterceptRuleParams) validate() error {
	if err := checkInterceptName(p.RuleName); err != nil {
		return err
	}
	if len(p.WordList) == 0 {
		return check.Invalid("word_list", "required (1–%d words)", MaxInterceptWords)
	}
	if err := checkInterceptWords(p.WordList); err != nil {
		return err
	}
	if err := checkInterceptSemantics("semantics_list", p.SemanticsList); err != nil {
		return err
	}
	if err := checkInterceptType(p.InterceptType); err != nil {
		return err
	}
	if len(p.ApplicableRange.UserIDs)+len(p.ApplicableRange.DepartmentIDs) == 0 {
		return check.Invalid("applicable_range", "user_list and department_list may not both be empty")
	}
	return checkInterceptRange("applicable_range", &p.ApplicableRange)
}

// AddInterceptRule creates a chat sensitive-word rule (at most 100 a corp) and returns its id.
// 新建敏感词规则
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95097
//
//wecom:api POST /cgi-bin/externalcontact/add_intercept_rule
func (s *Service) AddInterceptRule(ctx context.Context, p AddInterceptRuleParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	var out ruleIDBody
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/add_intercept_rule", nil, p, &out); err != nil {
		return "", err
	}
	return out.RuleID, nil
}

// ruleIDBody names a rule in requests and answers; answers may send the id as a number.
type ruleIDBody struct {
	RuleID string `json:"rule_id"`
}

// UnmarshalJSON accepts a rule_id sent as a string or a number.
func (b *ruleIDBody) UnmarshalJSON(data []byte) error {
	var v struct {
		RuleID wire.String `json:"rule_id"`
	}
	err := json.Unmarshal(data, &v)
	b.RuleID = string(v.RuleID)
	return err
}

// InterceptRuleSummary is a rule as get_intercept_rule_list lists it.
type InterceptRuleSummary struct {
	RuleID     string `json:"rule_id"`
	RuleName   string `json:"rule_name"`
	CreateTime int64  `json:"create_time"`
}

// UnmarshalJSON decodes the summary, taking a rule_id sent as a number.
func (r *InterceptRuleSummary) UnmarshalJSON(data []byte) error {
	type plain InterceptRuleSummary
	var v struct {
		plain
		RuleID wire.String `json:"rule_id"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*r = InterceptRuleSummary(v.plain)
	r.RuleID = string(v.RuleID)
	return nil
}

// ListInterceptRules lists every chat sensitive-word rule of the corp.
// 获取敏感词规则列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95097
//
//wecom:api GET /cgi-bin/externalcontact/get_intercept_rule_list
func (s *Service) ListInterceptRules(ctx context.Context) ([]InterceptRuleSummary, error) {
	var out struct {
		Rules []InterceptRuleSummary `json:"rule_list"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/externalcontact/get_intercept_rule_list", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Rules, nil
}

// InterceptRule is a chat sensitive-word rule; its range lists only the members and
// departments in the app's visible range.
type InterceptRule struct {
	RuleID          string              `json:"rule_id"`
	RuleName        string              `json:"rule_name"`
	WordList        []string            `json:"word_list"`
	SemanticsList   []InterceptSemantic `json:"semantics_list"`
	InterceptType   InterceptType       `json:"intercept_type"`
	ApplicableRange InterceptRange      `json:"applicable_range"`
	CreateTime      int64               `json:"create_time,omitempty"`
}

// UnmarshalJSON decodes the rule as WeCom sends it: rule_id as a string or a number, and
// semantics_list at the top level (the documented example) or inside extra_rule (the
// documented field table).
func (r *InterceptRule) UnmarshalJSON(data []byte) error {
	type plain InterceptRule
	var v struct {
		plain
		RuleID    wire.String `json:"rule_id"`
		ExtraRule *struct {
			SemanticsList []InterceptSemantic `json:"semantics_list"`
		} `json:"extra_rule"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*r = InterceptRule(v.plain)
	r.RuleID = string(v.RuleID)
	if r.SemanticsList == nil && v.ExtraRule != nil {
		r.SemanticsList = v.ExtraRule.SemanticsList
	}
	return nil
}

// GetInterceptRule reads a chat sensitive-word rule.
// 获取敏感词规则详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95097
//
//wecom:api POST /cgi-bin/externalcontact/get_intercept_rule
func (s *Service) GetInterceptRule(ctx context.Context, ruleID string) (*InterceptRule, error) {
	if err := check.Required("rule_id", ruleID); err != nil {
		return nil, err
	}
	var out struct {
		Rule InterceptRule `json:"rule"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_intercept_rule", nil, client.Idempotent(ruleIDBody{ruleID}), &out); err != nil {
		return nil, err
	}
	return &out.Rule, nil
}

// InterceptExtraRule holds the extra intercept semantics of an update; an empty SemanticsList
// clears them.
type InterceptExtraRule struct {
	SemanticsList []InterceptSemantic `json:"semantics_list"`
}

// UpdateInterceptRuleParams changes a rule: RuleID plus the fields to change. A non-empty
// WordList replaces the words; non-nil ExtraRule replaces the semantics (empty clears them);
// AddRange and RemoveRange add to and remove from the applicable range (≤ 1000 users and 1000
// departments each a call, ≤ 10,000 users a rule).
type UpdateInterceptRuleParams struct {
	RuleID        string              `json:"rule_id"`
	RuleName      string              `json:"rule_name,omitempty"`
	WordList      []string            `json:"word_list,omitempty"`
	ExtraRule     *InterceptExtraRule `json:"extra_rule,omitempty"`
	InterceptType InterceptType       `json:"intercept_type,omitempty"`
	AddRange      *InterceptRange     `json:"add_applicable_range,omitempty"`
	RemoveRange   *InterceptRange     `json:"remove_applicable_range,omitempty"`
}

func (p *UpdateInterceptRuleParams) validate() error {
	if err := check.Required("rule_id", p.RuleID); err != nil {
		return err
	}
	if p.RuleName != "" {
		if err := checkInterceptName(p.RuleName); err != nil {
			return err
		}
	}
	if err := checkInterceptWords(p.WordList); err != nil {
		return err
	}
	if p.ExtraRule != nil {
		if err := checkInterceptSemantics("extra_rule.semantics_list", p.ExtraRule.SemanticsList); err != nil {
			return err
		}
	}
	if p.InterceptType != 0 {
		if err := checkInterceptType(p.InterceptType); err != nil {
			return err
		}
	}
	if err := checkInterceptRange("add_applicable_range", p.AddRange); err != nil {
		return err
	}
	return checkInterceptRange("remove_applicable_range", p.RemoveRange)
}

// UpdateInterceptRule changes a chat sensitive-word rule the app created.
// 修改敏感词规则
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95097
//
//wecom:api POST /cgi-bin/externalcontact/update_intercept_rule
func (s *Service) UpdateInterceptRule(ctx context.Context, p UpdateInterceptRuleParams) error {
	if err := p.validate(); err != nil {
		return err
	}
	if p.ExtraRule != nil && p.ExtraRule.SemanticsList == nil {
		p.ExtraRule = &InterceptExtraRule{SemanticsList: []InterceptSemantic{}} // send [] to clear, not null
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/update_intercept_rule", nil, p, nil)
}

// DeleteInterceptRule deletes a chat sensitive-word rule the app created.
// 删除敏感词规则
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95097
//
//wecom:api POST /cgi-bin/externalcontact/del_intercept_rule
func (s *Service) DeleteInterceptRule(ctx context.Context, ruleID string) error {
	if err := check.Required("rule_id", ruleID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/del_intercept_rule", nil, ruleIDBody{ruleID}, nil)
}
