package contacts

import (
	"context"
	"net/http"
	"strings"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Linked corps (互联企业) use composite ids: users "CorpID/UserID", departments
// "LinkedID/DepartmentID". The linkedcorp/* pages are missing from WeCom's 2026 doc tree; these
// calls follow older copies of the docs (unverified).

// LinkedPermList is the part of linked corps an app may see.
type LinkedPermList struct {
	UserIDs       []string `json:"userids"`        // "CorpID/UserID"
	DepartmentIDs []string `json:"department_ids"` // "LinkedID/DepartmentID"
}

// LinkedUser is a member of a linked corp.
type LinkedUser struct {
	UserID     string   `json:"userid"` // plain userid inside its corp
	CorpID     string   `json:"corpid"`
	Name       string   `json:"name"`
	Department []string `json:"department"` // "LinkedID/DepartmentID"
	Mobile     string   `json:"mobile,omitempty"`
	Telephone  string   `json:"telephone,omitempty"`
	Email      string   `json:"email,omitempty"`
	Position   string   `json:"position,omitempty"`
	ExtAttr    *ExtAttr `json:"extattr,omitempty"`
}

// LinkedDepartment is a department of a linked corp; ids may arrive as numbers or strings.
type LinkedDepartment struct {
	ID       wire.String `json:"department_id"`
	Name     string      `json:"department_name"`
	ParentID wire.String `json:"parentid"`
	Order    int64       `json:"order"`
}

// GetLinkedPermList lists the linked-corp members and departments the app may see.
// 获取应用的可见范围
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93172
//
//wecom:api POST /cgi-bin/linkedcorp/agent/get_perm_list
func (s *Service) GetLinkedPermList(ctx context.Context) (*LinkedPermList, error) {
	var out LinkedPermList
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/linkedcorp/agent/get_perm_list", nil, client.Idempotent(struct{}{}), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func checkComposite(field, id string) error {
	if a, b, ok := strings.Cut(id, "/"); !ok || a == "" || b == "" {
		return check.Invalid(field, "%q, want the form CorpID/ID", id)
	}
	return nil
}

// GetLinkedUser reads a linked-corp member by "CorpID/UserID".
// 获取互联企业成员详细信息
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93171
//
//wecom:api POST /cgi-bin/linkedcorp/user/get
func (s *Service) GetLinkedUser(ctx context.Context, userID string) (*LinkedUser, error) {
	if err := checkComposite("userid", userID); err != nil {
		return nil, err
	}
	in := struct {
		UserID string `json:"userid"`
	}{userID}
	var out struct {
		User LinkedUser `json:"user_info"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/linkedcorp/user/get", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out.User, nil
}

// LinkedUsersParams selects a linked-corp department ("LinkedID/DepartmentID"), optionally with
// its sub-departments.
type LinkedUsersParams struct {
	DepartmentID string `json:"department_id"`
	FetchChild   bool   `json:"fetch_child,omitempty"`
}

// ListLinkedUsersSimple lists a linked-corp department's members: ids, names, departments.
// 获取互联企业部门成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93168
//
//wecom:api POST /cgi-bin/linkedcorp/user/simplelist
func (s *Service) ListLinkedUsersSimple(ctx context.Context, p LinkedUsersParams) ([]LinkedUser, error) {
	return s.linkedUsers(ctx, "/cgi-bin/linkedcorp/user/simplelist", p)
}

// ListLinkedUsers lists a linked-corp department's members with details.
// 获取互联企业部门成员详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93169
//
//wecom:api POST /cgi-bin/linkedcorp/user/list
func (s *Service) ListLinkedUsers(ctx context.Context, p LinkedUsersParams) ([]LinkedUser, error) {
	return s.linkedUsers(ctx, "/cgi-bin/linkedcorp/user/list", p)
}

func (s *Service) linkedUsers(ctx context.Context, path string, p LinkedUsersParams) ([]LinkedUser, error) {
	if err := checkComposite("department_id", p.DepartmentID); err != nil {
		return nil, err
	}
	var out struct {
		Users []LinkedUser `json:"userlist"`
	}
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return out.Users, nil
}

// ListLinkedDepartments lists a linked-corp department and its sub-departments.
// 获取互联企业部门列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93170
//
//wecom:api POST /cgi-bin/linkedcorp/department/list
func (s *Service) ListLinkedDepartments(ctx context.Context, departmentID string) ([]LinkedDepartment, error) {
	if err := checkComposite("department_id", departmentID); err != nil {
		return nil, err
	}
	in := struct {
		DepartmentID string `json:"department_id"`
	}{departmentID}
	var out struct {
		Departments []LinkedDepartment `json:"department_list"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/linkedcorp/department/list", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return out.Departments, nil
}
