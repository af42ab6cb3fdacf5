package wecomtest

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

type simDept struct {
	ID       int
	Name     string
	NameEn   string
	ParentID int
	Order    int64
}

func (s *Server) departmentRoutes() []route {
	return []route{
		{post, "/cgi-bin/department/create", TokenCorp, s.deptCreate},
		{post, "/cgi-bin/department/update", TokenCorp, s.deptUpdate},
		{get, "/cgi-bin/department/delete", TokenCorp, s.deptDelete},
		{get, "/cgi-bin/department/list", TokenCorp, s.deptList},
		{get, "/cgi-bin/department/simplelist", TokenCorp, s.deptSimpleList},
		{get, "/cgi-bin/department/get", TokenCorp, s.deptGet},
	}
}

func deptNameCode(name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > 64 {
		return errc(client.CodeInvalidDepartmentNameLength, "department name length invalid")
	}
	if strings.ContainsAny(name, `\:*?"<>|`) {
		return errc(client.CodeDepartmentNameIllegal, "department name contains invalid characters")
	}
	return nil
}

func (b *addressBook) depth(id int) int {
	n := 0
	for d := b.depts[id]; d != nil; d = b.depts[d.ParentID] {
		n++
	}
	return n
}

func (b *addressBook) siblingNamed(parent int, name string, self int) bool {
	for _, d := range b.depts {
		if d.ParentID == parent && d.ID != self && d.Name == name {
			return true
		}
	}
	return false
}

// subtree returns department id and its descendants, sorted by id.
func (b *addressBook) subtree(id int) []*simDept {
	var out []*simDept
	for _, d := range b.sortedDepts() {
		for a := d; a != nil; a = b.depts[a.ParentID] {
			if a.ID == id {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

func (b *addressBook) sortedDepts() []*simDept {
	out := make([]*simDept, 0, len(b.depts))
	for _, d := range b.depts {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *simDept) int { return a.ID - b.ID })
	return out
}

func (b *addressBook) leaders(id int) []string {
	out := []string{}
	for _, u := range b.sortedUsers() {
		for i, d := range u.Depts {
			if d == id && u.Leader[i] == 1 {
				out = append(out, u.ID)
			}
		}
	}
	return out
}

func (b *addressBook) deptJSON(d *simDept) J {
	return J{"id": d.ID, "name": d.Name, "name_en": d.NameEn, "parentid": d.ParentID, "order": d.Order,
		"department_leader": b.leaders(d.ID)}
}

func (s *Server) deptCreate(c *Call) (any, error) {
	in, err := decode[struct {
		Name     string `json:"name"`
		NameEn   string `json:"name_en"`
		ParentID int    `json:"parentid"`
		Order    int64  `json:"order"`
		ID       int    `json:"id"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	if err := deptNameCode(in.Name); err != nil {
		return nil, err
	}
	id, parent := in.ID, in.ParentID
	switch {
	case b.depts[parent] == nil:
		return nil, errc(client.CodeParentDepartmentNotFound, "parent department not found")
	case id != 0 && b.depts[id] != nil, b.siblingNamed(parent, in.Name, 0):
		return nil, errc(client.CodeDepartmentExists, "department existed")
	case id == 1 || id < 0:
		return nil, errc(client.CodeInvalidDepartmentID, "invalid department id")
	case b.depth(parent) >= 15:
		return nil, errc(client.CodeDepartmentTooDeep, "department level too deep")
	}
	if id == 0 {
		id = b.nextDept
	}
	b.nextDept = max(b.nextDept, id+1)
	b.depts[id] = &simDept{ID: id, Name: in.Name, NameEn: in.NameEn, ParentID: parent, Order: in.Order}
	return J{"errcode": 0, "errmsg": "created", "id": id}, nil
}

func (s *Server) deptUpdate(c *Call) (any, error) {
	in, err := decode[struct {
		ID       int     `json:"id"`
		Name     *string `json:"name"`
		NameEn   *string `json:"name_en"`
		ParentID *int    `json:"parentid"`
		Order    *int64  `json:"order"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	d := b.depts[in.ID]
	if d == nil {
		return nil, errc(client.CodeDepartmentNotFound, "department not found")
	}
	parent := d.ParentID
	if in.ParentID != nil {
		parent = *in.ParentID
		if b.depts[parent] == nil {
			return nil, errc(client.CodeParentDepartmentNotFound, "parent department not found")
		}
		for a := b.depts[parent]; a != nil; a = b.depts[a.ParentID] {
			if a.ID == d.ID {
				return nil, errc(client.CodeDepartmentCycle, "department cycle")
			}
		}
	}
	if in.Name != nil {
		if err := deptNameCode(*in.Name); err != nil {
			return nil, err
		}
		if b.siblingNamed(parent, *in.Name, d.ID) {
			return nil, errc(client.CodeDepartmentExists, "department existed")
		}
		d.Name = *in.Name
	}
	if in.NameEn != nil {
		d.NameEn = *in.NameEn
	}
	if in.Order != nil {
		d.Order = *in.Order
	}
	d.ParentID = parent
	return J{"errcode": 0, "errmsg": "updated"}, nil
}

func (s *Server) deptDelete(c *Call) (any, error) {
	b := s.callBook(c)
	id, _ := strconv.Atoi(c.Query("id"))
	if id == 1 {
		return nil, errc(client.CodeRootDepartmentUndeletable, "root department can not be deleted")
	}
	if b.depts[id] == nil {
		return nil, errc(client.CodeDepartmentNotFound, "department not found")
	}
	for _, u := range b.users {
		if slices.Contains(u.Depts, id) {
			return nil, errc(client.CodeDepartmentHasMembers, "department contains members")
		}
	}
	for _, d := range b.depts {
		if d.ParentID == id {
			return nil, errc(client.CodeDepartmentHasChildren, "department contains sub-departments")
		}
	}
	delete(b.depts, id)
	return J{"errcode": 0, "errmsg": "deleted"}, nil
}

func (s *Server) deptList(c *Call) (any, error) { return s.listDepts(c, true) }

func (s *Server) deptSimpleList(c *Call) (any, error) { return s.listDepts(c, false) }

// listDepts answers department/list (full objects) and department/simplelist.
func (s *Server) listDepts(c *Call, full bool) (any, error) {
	b := s.callBook(c)
	id := 1
	if q := c.Query("id"); q != "" {
		id, _ = strconv.Atoi(q)
	}
	if b.depts[id] == nil {
		return nil, errc(client.CodeDepartmentNotFound, "department not found")
	}
	out := []J{}
	for _, d := range b.subtree(id) {
		if full {
			out = append(out, b.deptJSON(d))
		} else {
			out = append(out, J{"id": d.ID, "parentid": d.ParentID, "order": d.Order})
		}
	}
	if full {
		return J{"department": out}, nil
	}
	return J{"department_id": out}, nil
}

func (s *Server) deptGet(c *Call) (any, error) {
	b := s.callBook(c)
	id, _ := strconv.Atoi(c.Query("id"))
	d := b.depts[id]
	if d == nil {
		return nil, errc(client.CodeDepartmentNotFound, "department not found")
	}
	return J{"department": b.deptJSON(d)}, nil
}
