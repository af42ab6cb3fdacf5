package contacts

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wecom-connector/wecom/internal/check"
)

// RootDepartment is the id of every corp's root department.
const RootDepartment = 1

// Department is a department (部门) of the address book.
type Department struct {
	ID       int      `json:"id"`
	Name     string   `json:"name,omitempty"`
	NameEn   string   `json:"name_en,omitempty"`
	ParentID int      `json:"parentid"`
	Order    uint32   `json:"order"`
	Leaders  []string `json:"department_leader,omitempty"`
}

// DepartmentRef is a department as department/simplelist returns it: ids and order only.
type DepartmentRef struct {
	ID       int    `json:"id"`
	ParentID int    `json:"parentid"`
	Order    uint32 `json:"order"`
}

// CreateDepartmentParams is the body of department/create. ID 0 lets WeCom assign one.
type CreateDepartmentParams struct {
	Name     string `json:"name"`
	NameEn   string `json:"name_en,omitempty"`
	ParentID int    `json:"parentid"`
	Order    uint32 `json:"order,omitempty"`
	ID       int    `json:"id,omitempty"`
}

// UpdateDepartmentParams is the body of department/update: ID plus the fields to change.
type UpdateDepartmentParams struct {
	ID       int     `json:"id"`
	Name     string  `json:"name,omitempty"`
	NameEn   string  `json:"name_en,omitempty"`
	ParentID int     `json:"parentid,omitempty"`
	Order    *uint32 `json:"order,omitempty"` // pointer: 0 is a valid order
}

// checkDeptName applies department name rules: 1–64 characters without \ : * ? " < > |.
func checkDeptName(field, name string) error {
	if err := checkChars(field, name, 1, 64); err != nil {
		return err
	}
	if i := strings.IndexAny(name, `\:*?"<>|`); i >= 0 {
		return check.Invalid(field, "character %q not allowed", name[i])
	}
	return nil
}

// CreateDepartment adds a department and returns its id.
// 创建部门
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90205
//
//wecom:api POST /cgi-bin/department/create
func (s *Service) CreateDepartment(ctx context.Context, p CreateDepartmentParams) (int, error) {
	if err := checkDeptName("name", p.Name); err != nil {
		return 0, err
	}
	if p.NameEn != "" {
		if err := checkDeptName("name_en", p.NameEn); err != nil {
			return 0, err
		}
	}
	if p.ParentID < 1 {
		return 0, check.Invalid("parentid", "required")
	}
	if p.ID == 1 || p.ID < 0 {
		return 0, check.Invalid("id", "%d, want > 1 or 0 to let WeCom choose", p.ID)
	}
	var out struct {
		ID int `json:"id"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/department/create", nil, p, &out); err != nil {
		return 0, err
	}
	return out.ID, nil
}

// UpdateDepartment changes the fields of a department that p sets.
// 更新部门
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90206
//
//wecom:api POST /cgi-bin/department/update
func (s *Service) UpdateDepartment(ctx context.Context, p UpdateDepartmentParams) error {
	if p.ID < 1 {
		return check.Invalid("id", "required")
	}
	if p.Name != "" {
		if err := checkDeptName("name", p.Name); err != nil {
			return err
		}
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/department/update", nil, p, nil)
}

// DeleteDepartment removes an empty leaf department (60005 if it has members, 60006 if it has
// sub-departments).
// 删除部门
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90207
//
//wecom:api GET /cgi-bin/department/delete
func (s *Service) DeleteDepartment(ctx context.Context, id int) error {
	if id < 1 {
		return check.Invalid("id", "required")
	}
	return s.c.Do(ctx, http.MethodGet, "/cgi-bin/department/delete", idQuery("id", id), nil, nil)
}

func idQuery(name string, id int) url.Values {
	if id == 0 {
		return nil
	}
	return url.Values{name: {strconv.Itoa(id)}}
}

// ListDepartments returns department id and all its descendants with details; id 0 returns
// the whole visible tree.
// 获取部门列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90208
//
//wecom:api GET /cgi-bin/department/list
func (s *Service) ListDepartments(ctx context.Context, id int) ([]Department, error) {
	var out struct {
		Departments []Department `json:"department"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/department/list", idQuery("id", id), nil, &out); err != nil {
		return nil, err
	}
	return out.Departments, nil
}

// ListDepartmentIDs returns the ids of department id and its descendants; id 0 returns the
// whole visible tree.
// 获取子部门ID列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95350
//
//wecom:api GET /cgi-bin/department/simplelist
func (s *Service) ListDepartmentIDs(ctx context.Context, id int) ([]DepartmentRef, error) {
	var out struct {
		Departments []DepartmentRef `json:"department_id"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/department/simplelist", idQuery("id", id), nil, &out); err != nil {
		return nil, err
	}
	return out.Departments, nil
}

// GetDepartment reads one department.
// 获取单个部门详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95351
//
//wecom:api GET /cgi-bin/department/get
func (s *Service) GetDepartment(ctx context.Context, id int) (*Department, error) {
	if id < 1 {
		return nil, check.Invalid("id", "required")
	}
	var out struct {
		Department Department `json:"department"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/department/get", idQuery("id", id), nil, &out); err != nil {
		return nil, err
	}
	return &out.Department, nil
}
