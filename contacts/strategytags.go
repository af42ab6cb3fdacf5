package contacts

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// Customer tags of a rule group (规则组标签) mirror the corporate customer tags (corptags.go): the
// same groups and tags, scoped to a top-level customer-contact rule group and usable only by the
// members of its management range. Tags and groups reuse [CorpTag], [CorpTagGroup] and
// [NewCorpTag]; corp tags and rule group tags together are at most 10,000 a corp.

// StrategyTagGroup is a tag group of a rule group: a [CorpTagGroup] with the rule group's id.
type StrategyTagGroup struct {
	CorpTagGroup
	StrategyID int `json:"strategy_id"`
}

// StrategyTagFilter narrows get_strategy_tag_list: StrategyID (0: every rule group of the app),
// then GroupIDs, which wins over TagIDs when both are set; neither lists every tag.
type StrategyTagFilter struct {
	StrategyID int      `json:"strategy_id,omitempty"`
	TagIDs     []string `json:"tag_id,omitempty"`
	GroupIDs   []string `json:"group_id,omitempty"`
}

// ListStrategyTags lists the customer tag groups and tags of rule groups.
// 获取指定规则组下的企业客户标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94882
//
//wecom:api POST /cgi-bin/externalcontact/get_strategy_tag_list
func (s *Service) ListStrategyTags(ctx context.Context, f StrategyTagFilter) ([]StrategyTagGroup, error) {
	if f.StrategyID < 0 {
		return nil, check.Invalid("strategy_id", "%d, want a rule group id or 0 for all", f.StrategyID)
	}
	var out struct {
		Groups []StrategyTagGroup `json:"tag_group"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_strategy_tag_list", nil, client.Idempotent(f), &out); err != nil {
		return nil, err
	}
	return out.Groups, nil
}

// AddStrategyTagsParams adds tags to the group GroupID of the rule group StrategyID, or to its
// group named GroupName (created when missing, with Order). Only top-level rule groups have
// tags. Orders are in [0, 2³²).
type AddStrategyTagsParams struct {
	StrategyID int          `json:"strategy_id"`
	GroupID    string       `json:"group_id,omitempty"`
	GroupName  string       `json:"group_name,omitempty"`
	Order      int          `json:"order,omitempty"`
	Tags       []NewCorpTag `json:"tag"`
}

func checkTagOrder(field string, order int) error {
	if order < 0 || int64(order) >= 1<<32 {
		return check.Invalid(field, "%d, want 0 to 2^32-1", order)
	}
	return nil
}

// AddStrategyTags creates customer tags in a rule group and returns their group with the new
// tags (the answer carries no strategy_id).
// 为指定规则组创建企业客户标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94882
//
//wecom:api POST /cgi-bin/externalcontact/add_strategy_tag
func (s *Service) AddStrategyTags(ctx context.Context, p AddStrategyTagsParams) (*CorpTagGroup, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var out struct {
		Group CorpTagGroup `json:"tag_group"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/add_strategy_tag", nil, p, &out); err != nil {
		return nil, err
	}
	return &out.Group, nil
}

func (p *AddStrategyTagsParams) validate() error {
	if err := checkStrategyID(p.StrategyID); err != nil {
		return err
	}
	if p.GroupID == "" {
		if err := checkCorpTagName("group_name", p.GroupName); err != nil {
			return check.Invalid("group_name", "group_id or a group_name of 1–30 characters is required")
		}
		if err := checkTagOrder("order", p.Order); err != nil {
			return err
		}
	}
	if len(p.Tags) == 0 {
		return check.Invalid("tag", "required (empty groups cannot be created)")
	}
	for _, t := range p.Tags {
		if err := checkCorpTagName("tag.name", t.Name); err != nil {
			return err
		}
		if err := checkTagOrder("tag.order", t.Order); err != nil {
			return err
		}
	}
	return nil
}

// EditStrategyTagParams renames or reorders a tag or tag group of a rule group; the rule group
// a tag belongs to cannot change.
type EditStrategyTagParams struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Order *int   `json:"order,omitempty"` // pointer: 0 is a valid order
}

// EditStrategyTag renames or reorders a customer tag or tag group of a rule group.
// 编辑指定规则组下的企业客户标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94882
//
//wecom:api POST /cgi-bin/externalcontact/edit_strategy_tag
func (s *Service) EditStrategyTag(ctx context.Context, p EditStrategyTagParams) error {
	if err := check.Required("id", p.ID); err != nil {
		return err
	}
	if err := checkChars("name", p.Name, 0, 30); err != nil {
		return err
	}
	if p.Order != nil {
		if err := checkTagOrder("order", *p.Order); err != nil {
			return err
		}
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/edit_strategy_tag", nil, p, nil)
}

// DeleteStrategyTagsParams names rule group tags and groups to delete; deleting every tag of a
// group deletes the group.
type DeleteStrategyTagsParams struct {
	TagIDs   []string `json:"tag_id,omitempty"`
	GroupIDs []string `json:"group_id,omitempty"`
}

// DeleteStrategyTags deletes customer tags and tag groups of rule groups.
// 删除指定规则组下的企业客户标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/94882
//
//wecom:api POST /cgi-bin/externalcontact/del_strategy_tag
func (s *Service) DeleteStrategyTags(ctx context.Context, p DeleteStrategyTagsParams) error {
	if len(p.TagIDs)+len(p.GroupIDs) == 0 {
		return check.Invalid("tag_id", "tag_id and group_id may not both be empty")
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/del_strategy_tag", nil, p, nil)
}
