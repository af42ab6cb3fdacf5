package contacts

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/fanout"
)

// Tag is an address-book tag (标签): its id and name.
type Tag struct {
	ID   int    `json:"tagid"`
	Name string `json:"tagname"`
}

// TagMember is a member entry of tag/get.
type TagMember struct {
	UserID string `json:"userid"`
	Name   string `json:"name"`
}

// TagDetail is a tag with its members and departments (tag/get).
type TagDetail struct {
	Name        string      `json:"tagname"`
	Users       []TagMember `json:"userlist"`
	Departments []int       `json:"partylist"`
}

// CreateTagParams is the body of tag/create; ID nil lets WeCom choose the next id.
type CreateTagParams struct {
	Name string `json:"tagname"`
	ID   *int   `json:"tagid,omitempty"` // pointer: 0 is a valid tag id
}

func checkTagName(name string) error {
	if name == "" {
		return check.Invalid("tagname", "required")
	}
	if n := utf8.RuneCountInString(name); n > 32 {
		return check.Invalid("tagname", "%d characters, at most 32", n)
	}
	return nil
}

// CreateTag adds a tag owned by the calling app and returns its id.
// 创建标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90210
//
//wecom:api POST /cgi-bin/tag/create
func (s *Service) CreateTag(ctx context.Context, p CreateTagParams) (int, error) {
	if err := checkTagName(p.Name); err != nil {
		return 0, err
	}
	if p.ID != nil && *p.ID < 0 {
		return 0, check.Invalid("tagid", "%d, must not be negative", *p.ID)
	}
	var out struct {
		ID int `json:"tagid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/tag/create", nil, p, &out); err != nil {
		return 0, err
	}
	return out.ID, nil
}

// UpdateTag renames a tag; only the app that created it may.
// 更新标签名字
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90211
//
//wecom:api POST /cgi-bin/tag/update
func (s *Service) UpdateTag(ctx context.Context, id int, name string) error {
	if err := checkTagName(name); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/tag/update", nil, Tag{ID: id, Name: name}, nil)
}

// DeleteTag removes a tag; only the app that created it may.
// 删除标签
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90212
//
//wecom:api GET /cgi-bin/tag/delete
func (s *Service) DeleteTag(ctx context.Context, id int) error {
	return s.c.Do(ctx, http.MethodGet, "/cgi-bin/tag/delete", tagQuery(id), nil, nil)
}

func tagQuery(id int) url.Values { return url.Values{"tagid": {strconv.Itoa(id)}} }

// GetTag reads a tag's name, members and departments within the app's visible range.
// 获取标签成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90213
//
//wecom:api GET /cgi-bin/tag/get
func (s *Service) GetTag(ctx context.Context, id int) (*TagDetail, error) {
	var out TagDetail
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/tag/get", tagQuery(id), nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListTags lists the corp's tags (a third-party app sees only its own).
// 获取标签列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90216
//
//wecom:api GET /cgi-bin/tag/list
func (s *Service) ListTags(ctx context.Context) ([]Tag, error) {
	var out struct {
		Tags []Tag `json:"taglist"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/tag/list", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Tags, nil
}

// TagMembersParams names the members and departments to add to or remove from a tag: at most
// 1000 users and 100 departments a call, not both empty.
type TagMembersParams struct {
	TagID       int      `json:"tagid"`
	UserIDs     []string `json:"userlist,omitempty"`
	Departments []int    `json:"partylist,omitempty"`
}

// TagMembersResult lists the entries WeCom rejected while accepting the others (errcode 0).
type TagMembersResult struct {
	InvalidUsers       []string
	InvalidDepartments []int
}

type tagMembersAnswer struct {
	InvalidList  string `json:"invalidlist"` // userids joined by |
	InvalidParty []int  `json:"invalidparty"`
}

const (
	maxTagUsers = 1000
	maxTagDepts = 100
)

func (p *TagMembersParams) validate() error {
	switch {
	case len(p.UserIDs) == 0 && len(p.Departments) == 0:
		return check.Invalid("userlist", "userlist and partylist may not both be empty")
	case len(p.UserIDs) > maxTagUsers:
		return check.Invalid("userlist", "%d users, at most 1000 a call (the ...InParts helpers take more)", len(p.UserIDs))
	case len(p.Departments) > maxTagDepts:
		return check.Invalid("partylist", "%d departments, at most 100 a call (the ...InParts helpers take more)", len(p.Departments))
	}
	return nil
}

// AddTagMembers adds members and departments to a tag in one call;
// [Service.AddTagMembersInParts] takes longer lists.
// 增加标签成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90214
//
//wecom:api POST /cgi-bin/tag/addtagusers
func (s *Service) AddTagMembers(ctx context.Context, p TagMembersParams) (*TagMembersResult, error) {
	return s.tagMembers(ctx, "/cgi-bin/tag/addtagusers", p)
}

// RemoveTagMembers removes members and departments from a tag in one call;
// [Service.RemoveTagMembersInParts] takes longer lists.
// 删除标签成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90215
//
//wecom:api POST /cgi-bin/tag/deltagusers
func (s *Service) RemoveTagMembers(ctx context.Context, p TagMembersParams) (*TagMembersResult, error) {
	return s.tagMembers(ctx, "/cgi-bin/tag/deltagusers", p)
}

func (s *Service) tagMembers(ctx context.Context, path string, p TagMembersParams) (*TagMembersResult, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var out tagMembersAnswer
	if err := s.c.Do(ctx, http.MethodPost, path, nil, p, &out); err != nil {
		return nil, err
	}
	res := &TagMembersResult{InvalidDepartments: out.InvalidParty}
	if out.InvalidList != "" {
		res.InvalidUsers = strings.Split(out.InvalidList, "|")
	}
	return res, nil
}

// AddTagMembersInParts adds any number of members and departments to a tag, one
// [Service.AddTagMembers] call per 1000 users and 100 departments, and returns one part per
// call made: the members it carried and those WeCom rejected. It stops at the first failing
// call ([client.Part]).
func (s *Service) AddTagMembersInParts(ctx context.Context, p TagMembersParams) ([]client.Part[TagMembersParams, TagMembersResult], error) {
	return tagMembersInParts(ctx, s.AddTagMembers, p)
}

// RemoveTagMembersInParts removes any number of members and departments from a tag, one
// [Service.RemoveTagMembers] call per 1000 users and 100 departments, and returns one part per
// call made like [Service.AddTagMembersInParts]. It stops at the first failing call
// ([client.Part]).
func (s *Service) RemoveTagMembersInParts(ctx context.Context, p TagMembersParams) ([]client.Part[TagMembersParams, TagMembersResult], error) {
	return tagMembersInParts(ctx, s.RemoveTagMembers, p)
}

func tagMembersInParts(ctx context.Context, call func(context.Context, TagMembersParams) (*TagMembersResult, error), p TagMembersParams) ([]client.Part[TagMembersParams, TagMembersResult], error) {
	if len(p.UserIDs) == 0 && len(p.Departments) == 0 {
		return nil, check.Invalid("userlist", "userlist and partylist may not both be empty")
	}
	calls := make([]TagMembersParams, max(fanout.Calls(len(p.UserIDs), maxTagUsers), fanout.Calls(len(p.Departments), maxTagDepts)))
	for i := range calls {
		calls[i] = TagMembersParams{TagID: p.TagID, UserIDs: fanout.Window(p.UserIDs, i, maxTagUsers), Departments: fanout.Window(p.Departments, i, maxTagDepts)}
	}
	return fanout.Run(ctx, calls, call, nil)
}
