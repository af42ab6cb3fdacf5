package wecomtest

import (
	"slices"
	"strconv"
	"strings"

	"github.com/wecom-connector/wecom/client"
)

// linkedState maps the linked ids a corp's apps see to the corps behind them.
type linkedState struct {
	corps map[string]string // linked id → corp ID
}

func (s *Server) linkedCorpRoutes() []route {
	return []route{
		{post, "/cgi-bin/linkedcorp/agent/get_perm_list", TokenCorp, s.linkedPermList},
		{post, "/cgi-bin/linkedcorp/user/get", TokenCorp, s.linkedUserGet},
		{post, "/cgi-bin/linkedcorp/user/simplelist", TokenCorp, s.linkedUserSimpleList},
		{post, "/cgi-bin/linkedcorp/user/list", TokenCorp, s.linkedUserList},
		{post, "/cgi-bin/linkedcorp/department/list", TokenCorp, s.linkedDeptList},
	}
}

// LinkCorp lets the apps of corpID see the address book of otherCorpID as a linked corp
// (互联企业) under linkedID: users as "otherCorpID/userid", departments as "linkedID/id".
func (s *Server) LinkCorp(corpID, otherCorpID, linkedID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	if b.linked == nil {
		b.linked = &linkedState{corps: map[string]string{}}
	}
	b.linked.corps[linkedID] = otherCorpID
	s.book(otherCorpID)
}

func (b *addressBook) linkedIDs() []string {
	if b.linked == nil {
		return nil
	}
	return slices.Sorted(func(yield func(string) bool) {
		for id := range b.linked.corps {
			if !yield(id) {
				return
			}
		}
	})
}

// linkedCorp returns the corp ID behind linked id lid, "" if b has no such link.
func (b *addressBook) linkedCorp(lid string) string {
	if b.linked == nil {
		return ""
	}
	return b.linked.corps[lid]
}

// linkedDept resolves "LinkedID/DepartmentID" to the linked corp's book and department.
func (s *Server) linkedDept(b *addressBook, ref string) (string, *addressBook, int, error) {
	lid, d, _ := strings.Cut(ref, "/")
	id, err := strconv.Atoi(d)
	if b.linkedCorp(lid) == "" || err != nil {
		return "", nil, 0, errc(client.CodeInvalidDepartmentList, "invalid department_id")
	}
	other := s.book(b.linkedCorp(lid))
	if other.depts[id] == nil {
		return "", nil, 0, errc(client.CodeDepartmentNotFound, "department not found")
	}
	return lid, other, id, nil
}

func linkedUserJSON(corp, lid string, u *simUser, full bool) J {
	depts := make([]string, len(u.Depts))
	for i, d := range u.Depts {
		depts[i] = lid + "/" + strconv.Itoa(d)
	}
	out := J{"userid": u.ID, "corpid": corp, "name": u.Name, "department": depts}
	if full {
		for f, v := range map[string]string{"mobile": u.Mobile, "telephone": u.Telephone, "email": u.Email, "position": u.Position} {
			if v != "" {
				out[f] = v
			}
		}
		if u.ExtAttr != nil {
			out["extattr"] = u.ExtAttr
		}
	}
	return out
}

func (s *Server) linkedPermList(c *Call) (any, error) {
	b := s.callBook(c)
	users, depts := []string{}, []string{}
	for _, lid := range b.linkedIDs() {
		corp := b.linkedCorp(lid)
		depts = append(depts, lid+"/1")
		for _, u := range s.book(corp).sortedUsers() {
			users = append(users, corp+"/"+u.ID)
		}
	}
	return J{"userids": users, "department_ids": depts}, nil
}

func (s *Server) linkedUserGet(c *Call) (any, error) {
	in, err := decode[struct {
		UserID string `json:"userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	corp, uid, _ := strings.Cut(in.UserID, "/")
	for _, lid := range b.linkedIDs() {
		if b.linkedCorp(lid) == corp {
			if u := s.book(corp).users[strings.ToLower(uid)]; u != nil {
				return J{"user_info": linkedUserJSON(corp, lid, u, true)}, nil
			}
			return nil, errc(client.CodeUserIDNotFound, "userid not found")
		}
	}
	return nil, errc(client.CodeInvalidUserID, "invalid userid")
}

func (s *Server) linkedUserSimpleList(c *Call) (any, error) { return s.linkedUsers(c, false) }

func (s *Server) linkedUserList(c *Call) (any, error) { return s.linkedUsers(c, true) }

// linkedUsers answers linkedcorp/user/list (full) and linkedcorp/user/simplelist.
func (s *Server) linkedUsers(c *Call, full bool) (any, error) {
	in, err := decode[struct {
		DepartmentID string `json:"department_id"`
		FetchChild   bool   `json:"fetch_child"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	lid, other, id, err := s.linkedDept(b, in.DepartmentID)
	if err != nil {
		return nil, err
	}
	members := other.deptMembers(id)
	if !in.FetchChild {
		members = slices.DeleteFunc(members, func(u *simUser) bool { return !slices.Contains(u.Depts, id) })
	}
	out := []J{}
	for _, u := range members {
		out = append(out, linkedUserJSON(b.linkedCorp(lid), lid, u, full))
	}
	return J{"userlist": out}, nil
}

func (s *Server) linkedDeptList(c *Call) (any, error) {
	in, err := decode[struct {
		DepartmentID string `json:"department_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	_, other, id, err := s.linkedDept(s.callBook(c), in.DepartmentID)
	if err != nil {
		return nil, err
	}
	out := []J{}
	for _, d := range other.subtree(id) {
		// department_id and parentid are strings in this answer, as clients expect.
		out = append(out, J{"department_id": strconv.Itoa(d.ID), "department_name": d.Name,
			"parentid": strconv.Itoa(d.ParentID), "order": d.Order})
	}
	return J{"department_list": out}, nil
}
