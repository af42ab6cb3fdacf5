package contacts

import (
	"context"
	"net/http"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// CorpTagGroup is a group of corporate customer tags (企业客户标签组).
type CorpTagGroup struct {
	GroupID    string    `json:"group_id"`
	GroupName  string    `json:"group_name"`
	CreateTime int64     `json:"create_time"`
	Order      int       `json:"order"`
	Deleted    bool      `json:"deleted,omitempty"`
	Tags       []CorpTag `json:"tag"`
}

// CorpTag is a corporate customer tag; ids start with "et".
type CorpTag struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	CreateTime int64  `json:"create_time"`
	Order      int    `json:"order"`
	Deleted    bool   `json:"deleted,omitempty"`
}

// CorpTagFilter narrows get_corp_tag_list; GroupIDs wins when both are set, neither lists all.
type CorpTagFilter struct {
	TagIDs   []string `json:"tag_id,omitempty"`
	GroupIDs []string `json:"group_id,omitempty"`
}

// ListCorpTags lists the corp's customer tag groups and tags.
// 获取企业标签库
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92117
//
//wecom:api POST /cgi-bin/externalcontact/get_corp_tag_list
func (s *Service) ListCorpTags(ctx context.Context, f CorpTagFilter) ([]CorpTagGroup, error) {
	var out struct {
		Groups []CorpTagGroup `json:"tag_group"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_corp_tag_list", nil, client.Idempotent(f), &out); err != nil {
		return nil, err
	}
	return out.Groups, nil
}

// NewCorpTag is a tag to create: a name of at most 30 characters and an order.
type NewCorpTag struct {
	Name  string `json:"name"`
	Order int    `json:"order,omitempty"`
}

// AddCorpTagsParams adds tags to the group GroupID, or to the group named GroupName (created
// when missing, with Order).
type AddCorpTagsParams struct {
	GroupID   string       `json:"group_id,omitempty"`
	GroupName string       `json:"group_name,omitempty"`
	Order     int          `json:"order,omitempty"`
	Tags      []NewCorpTag `json:"tag"`
	AgentID   int          `json:"agentid,omitempty"` // legacy multi-app suites only
}

func checkCorpTagName(field, name string) error { return checkChars(field, name, 1, 30) }

// AddCorpTags creates customer tags and returns their group with the new tags.
// 添加企业客户标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92117
//
//wecom:api POST /cgi-bin/externalcontact/add_corp_tag
func (s *Service) AddCorpTags(ctx context.Context, p AddCorpTagsParams) (*CorpTagGroup, error) {
	if p.GroupID == "" {
		if err := checkCorpTagName("group_name", p.GroupName); err != nil {
			return nil, check.Invalid("group_name", "group_id or a group_name of 1–30 characters is required")
		}
	}
	if len(p.Tags) == 0 {
		return nil, check.Invalid("tag", "required (empty groups cannot be created)")
	}
	for _, t := range p.Tags {
		if err := checkCorpTagName("tag.name", t.Name); err != nil {
			return nil, err
		}
	}
	var out struct {
		Group CorpTagGroup `json:"tag_group"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/add_corp_tag", nil, p, &out); err != nil {
		return nil, err
	}
	return &out.Group, nil
}

// EditCorpTagParams renames or reorders a tag or a tag group.
type EditCorpTagParams struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Order   *int   `json:"order,omitempty"` // pointer: 0 is a valid order
	AgentID int    `json:"agentid,omitempty"`
}

// EditCorpTag renames or reorders a customer tag or tag group.
// 编辑企业客户标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92117
//
//wecom:api POST /cgi-bin/externalcontact/edit_corp_tag
func (s *Service) EditCorpTag(ctx context.Context, p EditCorpTagParams) error {
	if err := check.Required("id", p.ID); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(p.Name); n > 30 {
		return check.Invalid("name", "%d characters, at most 30", n)
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/edit_corp_tag", nil, p, nil)
}

// DeleteCorpTagsParams names tags and groups to delete; deleting every tag of a group deletes
// the group.
type DeleteCorpTagsParams struct {
	TagIDs   []string `json:"tag_id,omitempty"`
	GroupIDs []string `json:"group_id,omitempty"`
	AgentID  int      `json:"agentid,omitempty"`
}

// DeleteCorpTags deletes customer tags and tag groups.
// 删除企业客户标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92117
//
//wecom:api POST /cgi-bin/externalcontact/del_corp_tag
func (s *Service) DeleteCorpTags(ctx context.Context, p DeleteCorpTagsParams) error {
	if len(p.TagIDs)+len(p.GroupIDs) == 0 {
		return check.Invalid("tag_id", "tag_id and group_id may not both be empty")
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/del_corp_tag", nil, p, nil)
}

// MarkTagsParams adds and removes corporate tags on one member's customer.
type MarkTagsParams struct {
	UserID         string   `json:"userid"`
	ExternalUserID string   `json:"external_userid"`
	AddTags        []string `json:"add_tag,omitempty"`
	RemoveTags     []string `json:"remove_tag,omitempty"`
}

// MarkTags adds and removes corporate tags on a customer as seen by one member.
// 编辑客户企业标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92118
//
//wecom:api POST /cgi-bin/externalcontact/mark_tag
func (s *Service) MarkTags(ctx context.Context, p MarkTagsParams) error {
	if err := check.RequiredAll("userid", p.UserID, "external_userid", p.ExternalUserID); err != nil {
		return err
	}
	if len(p.AddTags)+len(p.RemoveTags) == 0 {
		return check.Invalid("add_tag", "add_tag and remove_tag may not both be empty")
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/mark_tag", nil, p, nil)
}
