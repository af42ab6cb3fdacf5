package wecomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// simUser is a member as stored: every field in its documented type, whatever JSON type the
// client sent (a gender as 1 or "1"), so answers always have the documented shape.
type simUser struct {
	ID     string
	Status int // 1 activated, 2 disabled

	Name, Alias, Mobile, Position, Email, BizMail string
	Telephone, Address, ExternalPosition          string

	Gender       wire.Gender // answered as the documented string, "0" when unset
	Depts        []int       // never empty: the root when nothing else
	Order        []int       // one per department
	Leader       []int       // is_leader_in_dept, one per department
	DirectLeader []string
	MainDept     int
	ExtAttr      json.RawMessage
	Profile      json.RawMessage // external_profile
}

// userBody is the body of user/create and user/update; nil means absent (unchanged on update).
type userBody struct {
	UserID           string          `json:"userid"`
	NewUserID        string          `json:"new_userid"`
	Name             *string         `json:"name"`
	Alias            *string         `json:"alias"`
	Mobile           *string         `json:"mobile"`
	Position         *string         `json:"position"`
	Email            *string         `json:"email"`
	BizMail          *string         `json:"biz_mail"`
	Telephone        *string         `json:"telephone"`
	Address          *string         `json:"address"`
	ExternalPosition *string         `json:"external_position"`
	Gender           *wire.Gender    `json:"gender"`
	Department       []int           `json:"department"`
	Order            []int           `json:"order"`
	IsLeader         []int           `json:"is_leader_in_dept"`
	DirectLeader     []string        `json:"direct_leader"`
	MainDepartment   *int            `json:"main_department"`
	Enable           *int            `json:"enable"`
	ExtAttr          json.RawMessage `json:"extattr"`
	ExternalProfile  json.RawMessage `json:"external_profile"`
}

func (s *Server) userRoutes() []route {
	return []route{
		{post, "/cgi-bin/user/create", TokenCorp, s.userCreate},
		{get, "/cgi-bin/user/get", TokenCorp, s.userGet},
		{post, "/cgi-bin/user/update", TokenCorp, s.userUpdate},
		{get, "/cgi-bin/user/delete", TokenCorp, s.userDelete},
		{post, "/cgi-bin/user/batchdelete", TokenCorp, s.userBatchDelete},
		{get, "/cgi-bin/user/simplelist", TokenCorp, s.userSimpleList},
		{get, "/cgi-bin/user/list", TokenCorp, s.userList},
		{post, "/cgi-bin/user/list_id", TokenCorp, s.userListID},
	}
}

func validUserID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if (i == 0 && !alnum) || (!alnum && !strings.ContainsRune("_-@.", rune(c))) {
			return false
		}
	}
	return true
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// checkUserBody applies the field checks shared by create and update; depts is the department
// list the order and is_leader_in_dept arrays are read against.
func (b *addressBook) checkUserBody(u *userBody, self string, depts []int) error {
	switch {
	case u.Name != nil && (utf8.RuneCountInString(*u.Name) < 1 || utf8.RuneCountInString(*u.Name) > 64):
		return errc(client.CodeInvalidMemberName, "invalid name")
	case len(u.Department) > 100:
		return errc(client.CodeTooManyDepartments, "too many departments")
	case u.Order != nil && len(u.Order) != len(depts):
		return errc(client.CodeInvalidParameter, "order length differs from department")
	case u.IsLeader != nil && len(u.IsLeader) != len(depts):
		return errc(client.CodeLeaderListMismatch, "is_leader_in_dept length differs from department")
	case len(u.DirectLeader) > 1:
		return errc(client.CodeInvalidParameter, "direct_leader has more than 1 entry")
	}
	mobile, email := str(u.Mobile), str(u.Email)
	for _, o := range b.users {
		if strings.EqualFold(o.ID, self) {
			continue
		}
		if mobile != "" && o.Mobile == mobile {
			return errc(client.CodeMobileExists, "mobile existed")
		}
		if email != "" && o.Email == email {
			return errc(client.CodeEmailExists, "email existed")
		}
	}
	return nil
}

// applyUser stores the fields present in in and returns the departments it had to create.
func (b *addressBook) applyUser(u *simUser, in *userBody) []J {
	for dst, v := range map[*string]*string{&u.Name: in.Name, &u.Alias: in.Alias, &u.Mobile: in.Mobile,
		&u.Position: in.Position, &u.Email: in.Email, &u.BizMail: in.BizMail, &u.Telephone: in.Telephone,
		&u.Address: in.Address, &u.ExternalPosition: in.ExternalPosition} {
		if v != nil {
			*dst = *v
		}
	}
	if in.Gender != nil {
		u.Gender = *in.Gender
	}
	var created []J
	if in.Department != nil {
		created = b.placeUser(u, in.Department)
	}
	if len(in.Order) == len(u.Depts) {
		u.Order = slices.Clone(in.Order)
	}
	if len(in.IsLeader) == len(u.Depts) {
		u.Leader = slices.Clone(in.IsLeader)
	}
	if in.DirectLeader != nil {
		u.DirectLeader = slices.Clone(in.DirectLeader)
	}
	if in.MainDepartment != nil && slices.Contains(u.Depts, *in.MainDepartment) {
		u.MainDept = *in.MainDepartment
	}
	if in.Enable != nil {
		u.Status = map[bool]int{true: 1, false: 2}[*in.Enable == 1]
	}
	if in.ExtAttr != nil {
		u.ExtAttr = rawOrNil(in.ExtAttr)
	}
	if in.ExternalProfile != nil {
		u.Profile = rawOrNil(in.ExternalProfile)
	}
	return created
}

// rawOrNil keeps a JSON value, with null meaning cleared.
func rawOrNil(v json.RawMessage) json.RawMessage {
	if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
		return nil
	}
	return bytes.Clone(v)
}

// placeUser puts the member in depts, creating unknown ids under the root as WeCom does, and
// resets order and is_leader_in_dept to one zero per department.
func (b *addressBook) placeUser(u *simUser, depts []int) []J {
	var created []J
	u.Depts = nil
	for _, d := range depts {
		if d == 0 || slices.Contains(u.Depts, d) {
			continue
		}
		if b.depts[d] == nil {
			name := fmt.Sprintf("Department %d", d)
			b.depts[d] = &simDept{ID: d, Name: name, ParentID: 1}
			b.nextDept = max(b.nextDept, d+1)
			created = append(created, J{"id": d, "name": name})
		}
		u.Depts = append(u.Depts, d)
	}
	if len(u.Depts) == 0 {
		u.Depts = []int{1}
	}
	u.Order, u.Leader = make([]int, len(u.Depts)), make([]int, len(u.Depts))
	if !slices.Contains(u.Depts, u.MainDept) {
		u.MainDept = u.Depts[0]
	}
	return created
}

// json is the user object of user/get and user/list (§1.1 R fields).
func (u *simUser) json() J {
	out := J{"userid": u.ID, "name": u.Name, "department": u.Depts, "order": u.Order, "is_leader_in_dept": u.Leader,
		"direct_leader": nonNil(u.DirectLeader), "main_department": u.MainDept, "gender": u.Gender, "status": u.Status,
		"position": u.Position, "mobile": u.Mobile, "email": u.Email, "biz_mail": u.BizMail, "telephone": u.Telephone,
		"alias": u.Alias, "address": u.Address, "external_position": u.ExternalPosition}
	if u.ExtAttr != nil {
		out["extattr"] = u.ExtAttr
	}
	if u.Profile != nil {
		out["external_profile"] = u.Profile
	}
	return out
}

// nonNil answers an empty list as [] rather than null.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (b *addressBook) user(id string) (*simUser, error) {
	if !validUserID(id) {
		return nil, errc(client.CodeInvalidUserID, "invalid userid")
	}
	u := b.users[strings.ToLower(id)]
	if u == nil {
		return nil, errc(client.CodeUserIDNotFound, "userid not found")
	}
	return u, nil
}

func (b *addressBook) deleteUser(id string) {
	delete(b.users, strings.ToLower(id))
	for _, t := range b.tags {
		delete(t.Users, strings.ToLower(id))
	}
}

func (b *addressBook) sortedUsers() []*simUser {
	out := make([]*simUser, 0, len(b.users))
	for _, u := range b.users {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b *simUser) int { return strings.Compare(strings.ToLower(a.ID), strings.ToLower(b.ID)) })
	return out
}

func (s *Server) userCreate(c *Call) (any, error) {
	in, err := decode[userBody](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	switch {
	case !validUserID(in.UserID):
		return nil, errc(client.CodeInvalidUserID, "invalid userid")
	case in.Name == nil:
		return nil, errc(client.CodeInvalidMemberName, "invalid name")
	case str(in.Mobile) == "" && str(in.Email) == "":
		return nil, errc(client.CodeMissingMobileAndEmail, "mobile and email are both empty")
	case b.users[strings.ToLower(in.UserID)] != nil:
		return nil, errc(client.CodeUserIDExists, "userid existed")
	}
	if err := b.checkUserBody(&in, "", in.Department); err != nil {
		return nil, err
	}
	if in.Department == nil {
		in.Department = []int{}
	}
	u := &simUser{ID: in.UserID, Status: 1}
	created := b.applyUser(u, &in)
	b.users[strings.ToLower(in.UserID)] = u
	out := J{"errcode": 0, "errmsg": "created"}
	if len(created) > 0 {
		out["created_department_list"] = J{"department_info": created}
	}
	return out, nil
}

func (s *Server) userGet(c *Call) (any, error) {
	u, err := s.callBook(c).user(c.Query("userid"))
	if err != nil {
		return nil, err
	}
	return u.json(), nil
}

func (s *Server) userUpdate(c *Call) (any, error) {
	in, err := decode[userBody](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	u, err := b.user(in.UserID)
	if err != nil {
		return nil, err
	}
	if in.NewUserID != "" { // only system-generated userids may be renamed; none exist here
		return nil, errc(client.CodeUserIDUnchangeable, "userid can not be changed")
	}
	depts := u.Depts
	if in.Department != nil {
		depts = in.Department
	}
	if err := b.checkUserBody(&in, u.ID, depts); err != nil {
		return nil, err
	}
	b.applyUser(u, &in)
	return J{"errcode": 0, "errmsg": "updated"}, nil
}

func (s *Server) userDelete(c *Call) (any, error) {
	b := s.callBook(c)
	u, err := b.user(c.Query("userid"))
	if err != nil {
		return nil, err
	}
	b.deleteUser(u.ID)
	return J{"errcode": 0, "errmsg": "deleted"}, nil
}

func (s *Server) userBatchDelete(c *Call) (any, error) {
	in, err := decode[struct {
		IDs []string `json:"useridlist"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	switch {
	case len(in.IDs) == 0:
		return nil, errc(client.CodeMissingUserID, "missing userid")
	case len(in.IDs) > 200:
		return nil, errc(client.CodeUserIDListTooLong, "userid list too long")
	}
	for _, id := range in.IDs {
		if _, err := b.user(id); err != nil {
			return nil, errc(client.CodeInvalidUserIDList, "invalid userid list: "+id)
		}
	}
	for _, id := range in.IDs {
		b.deleteUser(id)
	}
	return J{"errcode": 0, "errmsg": "deleted"}, nil
}

func (s *Server) userSimpleList(c *Call) (any, error) { return s.listUsers(c, false) }

func (s *Server) userList(c *Call) (any, error) { return s.listUsers(c, true) }

// listUsers answers user/list (full objects) and user/simplelist.
func (s *Server) listUsers(c *Call, full bool) (any, error) {
	b := s.callBook(c)
	d, err := strconv.Atoi(c.Query("department_id"))
	if err != nil || b.depts[d] == nil {
		return nil, errc(client.CodeDepartmentNotFound, "department not found")
	}
	out := []J{}
	for _, u := range b.sortedUsers() {
		switch {
		case !slices.Contains(u.Depts, d):
		case full:
			out = append(out, u.json())
		default:
			out = append(out, J{"userid": u.ID, "name": u.Name, "department": u.Depts})
		}
	}
	return J{"userlist": out}, nil
}

func (s *Server) userListID(c *Call) (any, error) {
	in, err := decode[struct {
		Cursor string `json:"cursor"`
		Limit  *int   `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	limit := 10000
	if in.Limit != nil {
		limit = *in.Limit
	}
	if limit < 1 || limit > 10000 {
		return nil, errc(client.CodeInvalidParameter, "limit out of range")
	}
	var keys []string
	pairs := map[string]J{}
	for _, u := range s.callBook(c).users {
		for _, d := range u.Depts {
			k := fmt.Sprintf("%s\x00%010d", strings.ToLower(u.ID), d)
			keys = append(keys, k)
			pairs[k] = J{"userid": u.ID, "department": d}
		}
	}
	slices.Sort(keys)
	page, next, err := pageOf(keys, in.Cursor, limit)
	if err != nil {
		return nil, err
	}
	out := make([]J, len(page))
	for i, k := range page {
		out[i] = pairs[k]
	}
	return J{"dept_user": out, "next_cursor": next}, nil
}
