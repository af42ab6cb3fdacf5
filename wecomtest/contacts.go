package wecomtest

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// contactsState is the address book of every corp (departments, users, tags, batch jobs), the
// chains the corps own with their member corps, linked corps, and customer contact (external
// contacts, corporate customer tags, customer groups, contact ways).
type contactsState struct {
	books map[string]*addressBook // corp ID → its address book
	seq   int                     // for generated ids
}

// addressBook is one corp's contacts data.
type addressBook struct {
	depts    map[int]*simDept
	nextDept int
	users    map[string]*simUser // lower-case userid → user
	tags     map[int]*simTag
	nextTag  int
	jobs     map[string]*simJob
	chains   map[string]*simChain
	linked   *linkedState
	external externalState
	massCall string // the corp's mass_call_ticket, once applied for
}

type simDept struct {
	ID       int
	Name     string
	NameEn   string
	ParentID int
	Order    int64
}

type simUser struct {
	ID     string
	Depts  []int
	Status int
	Fields J // every other field as last written
}

type simTag struct {
	ID      int
	Name    string
	Owner   int // agent ID of the creating app
	Users   map[string]bool
	Parties map[int]bool
}

type simJob struct {
	Type   string
	Polls  int // getresult answers "running" until it was polled this often
	Total  int
	Result []J
	Extra  J // fields of a corpgroup job result
}

func (s *Server) registerContacts() {
	s.contacts.books = make(map[string]*addressBook)
	s.registerUsers()
	s.registerDepartments()
	s.registerTags()
	s.registerBatch()
	s.registerChains()
	s.registerLinked()
	s.registerExternal()
}

// book returns corpID's address book, creating it with the root department on first use.
func (s *Server) book(corpID string) *addressBook {
	b := s.contacts.books[corpID]
	if b == nil {
		b = &addressBook{
			depts:    map[int]*simDept{1: {ID: 1, Name: "Root", ParentID: 0}},
			nextDept: 2,
			users:    make(map[string]*simUser),
			tags:     make(map[int]*simTag),
			nextTag:  1,
			jobs:     make(map[string]*simJob),
			chains:   make(map[string]*simChain),
		}
		b.external.init()
		s.contacts.books[corpID] = b
	}
	return b
}

func (s *Server) callBook(c *Call) *addressBook { return s.book(c.Token.CorpID) }

// newID returns a fresh id with prefix, unique in this server.
func (s *Server) newID(prefix string) string {
	s.contacts.seq++
	return fmt.Sprintf("%s%06d", prefix, s.contacts.seq)
}

// Cursors are opaque to clients: the base64 of the last key served.
func encodeCursor(key string) string {
	return "cur" + base64.RawURLEncoding.EncodeToString([]byte(key))
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(c, "cur")
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if !ok || err != nil {
		return "", errc(50100, "invalid cursor")
	}
	return string(b), nil
}

// pageOf returns the keys after cursor (keys sorted), at most limit, and the next cursor.
func pageOf(keys []string, cursor string, limit int) ([]string, string, error) {
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	i := 0
	if cursor != "" {
		i = sort.Search(len(keys), func(i int) bool { return keys[i] > after })
	}
	end := min(i+limit, len(keys))
	next := ""
	if end < len(keys) {
		next = encodeCursor(keys[end-1])
	}
	return keys[i:end], next, nil
}

// ---- users ----

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

// userFields are the writable fields stored as given (userid, department are kept typed).
var userFields = []string{"name", "alias", "mobile", "order", "position", "gender", "email", "biz_mail",
	"biz_mail_alias", "telephone", "is_leader_in_dept", "direct_leader", "avatar_mediaid", "enable", "extattr",
	"external_profile", "external_position", "nickname", "address", "main_department"}

type userBody struct {
	UserID       string   `json:"userid"`
	NewUserID    string   `json:"new_userid"`
	Name         *string  `json:"name"`
	Mobile       string   `json:"mobile"`
	Email        string   `json:"email"`
	Department   []int    `json:"department"`
	Order        []int64  `json:"order"`
	IsLeader     []int    `json:"is_leader_in_dept"`
	DirectLeader []string `json:"direct_leader"`
	Enable       *int     `json:"enable"`
}

// checkUserBody applies the field checks shared by create and update.
func (b *addressBook) checkUserBody(u *userBody, self string) error {
	switch {
	case u.Name != nil && (utf8.RuneCountInString(*u.Name) < 1 || utf8.RuneCountInString(*u.Name) > 64):
		return errc(60112, "invalid name")
	case len(u.Department) > 100:
		return errc(60110, "too many departments")
	case len(u.Order) > 0 && len(u.Order) != len(u.Department):
		return errc(40058, "order length differs from department")
	case len(u.IsLeader) > 0 && len(u.IsLeader) != len(u.Department):
		return errc(60132, "is_leader_in_dept length differs from department")
	case len(u.DirectLeader) > 1:
		return errc(40058, "direct_leader has more than 1 entry")
	}
	for _, o := range b.users {
		if strings.EqualFold(o.ID, self) {
			continue
		}
		if u.Mobile != "" && o.Fields["mobile"] == u.Mobile {
			return errc(60104, "mobile existed")
		}
		if u.Email != "" && o.Fields["email"] == u.Email {
			return errc(60106, "email existed")
		}
	}
	return nil
}

// storeFields copies the writable fields present in raw into u.
func storeFields(u *simUser, raw J) {
	for _, f := range userFields {
		if v, ok := raw[f]; ok {
			u.Fields[f] = v
		}
	}
}

// placeUser puts the member in depts, creating unknown ids under the root as WeCom does.
func (b *addressBook) placeUser(u *simUser, depts []int) []J {
	var created []J
	u.Depts = nil
	for _, d := range depts {
		if d == 0 {
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
	return created
}

func (u *simUser) json() J {
	out := J{"userid": u.ID, "department": u.Depts, "status": u.Status}
	for k, v := range u.Fields {
		if k != "avatar_mediaid" && k != "enable" && k != "nickname" && k != "biz_mail_alias" {
			out[k] = v
		}
	}
	if _, ok := out["gender"]; !ok {
		out["gender"] = "0"
	}
	return out
}

func (b *addressBook) user(id string) (*simUser, error) {
	if !validUserID(id) {
		return nil, errc(40003, "invalid userid")
	}
	u := b.users[strings.ToLower(id)]
	if u == nil {
		return nil, errc(60111, "userid not found")
	}
	return u, nil
}

func (s *Server) registerUsers() {
	s.handle(http.MethodPost, "/cgi-bin/user/create", TokenCorp, func(c *Call) (any, error) {
		var u userBody
		var raw J
		if err := c.Decode(&u); err != nil {
			return nil, err
		}
		_ = c.Decode(&raw)
		b := s.callBook(c)
		switch {
		case !validUserID(u.UserID):
			return nil, errc(40003, "invalid userid")
		case u.Name == nil:
			return nil, errc(60112, "invalid name")
		case u.Mobile == "" && u.Email == "":
			return nil, errc(60129, "mobile and email are both empty")
		case b.users[strings.ToLower(u.UserID)] != nil:
			return nil, errc(60102, "userid existed")
		}
		if err := b.checkUserBody(&u, ""); err != nil {
			return nil, err
		}
		nu := &simUser{ID: u.UserID, Status: 1, Fields: J{}}
		storeFields(nu, raw)
		created := b.placeUser(nu, u.Department)
		b.users[strings.ToLower(u.UserID)] = nu
		out := J{"errcode": 0, "errmsg": "created"}
		if len(created) > 0 {
			out["created_department_list"] = J{"department_info": created}
		}
		return out, nil
	})
	s.handle(http.MethodGet, "/cgi-bin/user/get", TokenCorp, func(c *Call) (any, error) {
		u, err := s.callBook(c).user(c.Query("userid"))
		if err != nil {
			return nil, err
		}
		return u.json(), nil
	})
	s.handle(http.MethodPost, "/cgi-bin/user/update", TokenCorp, func(c *Call) (any, error) {
		var u userBody
		var raw J
		if err := c.Decode(&u); err != nil {
			return nil, err
		}
		_ = c.Decode(&raw)
		b := s.callBook(c)
		cur, err := b.user(u.UserID)
		if err != nil {
			return nil, err
		}
		if u.NewUserID != "" { // only system-generated userids may be renamed; none exist here
			return nil, errc(301036, "userid can not be changed")
		}
		if err := b.checkUserBody(&u, cur.ID); err != nil {
			return nil, err
		}
		storeFields(cur, raw)
		if u.Department != nil {
			b.placeUser(cur, u.Department)
		}
		if u.Enable != nil {
			cur.Status = map[bool]int{true: 1, false: 2}[*u.Enable == 1]
		}
		return J{"errcode": 0, "errmsg": "updated"}, nil
	})
	s.handle(http.MethodGet, "/cgi-bin/user/delete", TokenCorp, func(c *Call) (any, error) {
		b := s.callBook(c)
		u, err := b.user(c.Query("userid"))
		if err != nil {
			return nil, err
		}
		b.deleteUser(u.ID)
		return J{"errcode": 0, "errmsg": "deleted"}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/user/batchdelete", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			IDs []string `json:"useridlist"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		b := s.callBook(c)
		switch {
		case len(in.IDs) == 0:
			return nil, errc(41009, "missing userid")
		case len(in.IDs) > 200:
			return nil, errc(40032, "userid list too long")
		}
		for _, id := range in.IDs {
			if _, err := b.user(id); err != nil {
				return nil, errc(40031, "invalid userid list: "+id)
			}
		}
		for _, id := range in.IDs {
			b.deleteUser(id)
		}
		return J{"errcode": 0, "errmsg": "deleted"}, nil
	})
	list := func(full bool) handlerFunc {
		return func(c *Call) (any, error) {
			b := s.callBook(c)
			d, err := strconv.Atoi(c.Query("department_id"))
			if err != nil || b.depts[d] == nil {
				return nil, errc(60003, "department not found")
			}
			out := []J{}
			for _, u := range b.sortedUsers() {
				if !slices.Contains(u.Depts, d) {
					continue
				}
				if full {
					out = append(out, u.json())
				} else {
					out = append(out, J{"userid": u.ID, "name": u.Fields["name"], "department": u.Depts})
				}
			}
			return J{"userlist": out}, nil
		}
	}
	s.handle(http.MethodGet, "/cgi-bin/user/simplelist", TokenCorp, list(false))
	s.handle(http.MethodGet, "/cgi-bin/user/list", TokenCorp, list(true))
	s.handle(http.MethodPost, "/cgi-bin/user/list_id", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			Cursor string `json:"cursor"`
			Limit  *int   `json:"limit"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		limit := 10000
		if in.Limit != nil {
			limit = *in.Limit
		}
		if limit < 1 || limit > 10000 {
			return nil, errc(40058, "limit out of range")
		}
		b := s.callBook(c)
		var keys []string
		pairs := map[string]J{}
		for _, u := range b.users {
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
	})
	s.handle(http.MethodPost, "/cgi-bin/user/convert_to_openid", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			UserID string `json:"userid"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		u, err := s.callBook(c).user(in.UserID)
		if err != nil {
			return nil, err
		}
		if u.Status != 1 {
			return nil, errc(43004, "user not bound to wechat")
		}
		return J{"openid": "oSim" + base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(u.ID)))}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/user/convert_to_userid", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			OpenID string `json:"openid"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		rest, ok := strings.CutPrefix(in.OpenID, "oSim")
		id, err := base64.RawURLEncoding.DecodeString(rest)
		if !ok || err != nil {
			return nil, errc(40073, "invalid openid")
		}
		u := s.callBook(c).users[string(id)]
		if u == nil {
			return nil, errc(46004, "user not found")
		}
		return J{"userid": u.ID}, nil
	})
	byField := func(field string, code int) handlerFunc {
		return func(c *Call) (any, error) {
			var in J
			if err := c.Decode(&in); err != nil {
				return nil, err
			}
			v, _ := in[field].(string)
			if v == "" {
				return nil, errc(40058, field+" missing")
			}
			for _, u := range s.callBook(c).sortedUsers() {
				if u.Fields[field] == v || (field == "email" && u.Fields["biz_mail"] == v) {
					return J{"userid": u.ID}, nil
				}
			}
			return nil, errc(code, field+" not found")
		}
	}
	s.handle(http.MethodPost, "/cgi-bin/user/getuserid", TokenCorp, byField("mobile", 46004))
	s.handle(http.MethodPost, "/cgi-bin/user/get_userid_by_email", TokenCorp, byField("email", 60147))
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

// ---- departments ----

func deptNameCode(name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > 64 {
		return errc(60001, "department name length invalid")
	}
	if strings.ContainsAny(name, `\:*?"<>|`) {
		return errc(60009, "department name contains invalid characters")
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
		lead, _ := u.Fields["is_leader_in_dept"].([]any)
		for i, d := range u.Depts {
			if d == id && i < len(lead) && lead[i] == float64(1) {
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

func (s *Server) registerDepartments() {
	s.handle(http.MethodPost, "/cgi-bin/department/create", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			Name     string `json:"name"`
			NameEn   string `json:"name_en"`
			ParentID int    `json:"parentid"`
			Order    int64  `json:"order"`
			ID       int    `json:"id"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		b := s.callBook(c)
		if err := deptNameCode(in.Name); err != nil {
			return nil, err
		}
		switch {
		case b.depts[in.ParentID] == nil:
			return nil, errc(60004, "parent department not found")
		case in.ID != 0 && b.depts[in.ID] != nil, b.siblingNamed(in.ParentID, in.Name, 0):
			return nil, errc(60008, "department existed")
		case in.ID == 1 || in.ID < 0:
			return nil, errc(60123, "invalid department id")
		case b.depth(in.ParentID) >= 15:
			return nil, errc(81002, "department level too deep")
		}
		id := in.ID
		if id == 0 {
			id = b.nextDept
		}
		b.nextDept = max(b.nextDept, id+1)
		b.depts[id] = &simDept{ID: id, Name: in.Name, NameEn: in.NameEn, ParentID: in.ParentID, Order: in.Order}
		return J{"errcode": 0, "errmsg": "created", "id": id}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/department/update", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			ID       int     `json:"id"`
			Name     *string `json:"name"`
			NameEn   *string `json:"name_en"`
			ParentID *int    `json:"parentid"`
			Order    *int64  `json:"order"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		b := s.callBook(c)
		d := b.depts[in.ID]
		if d == nil {
			return nil, errc(60003, "department not found")
		}
		parent := d.ParentID
		if in.ParentID != nil {
			parent = *in.ParentID
			if b.depts[parent] == nil {
				return nil, errc(60004, "parent department not found")
			}
			for a := b.depts[parent]; a != nil; a = b.depts[a.ParentID] {
				if a.ID == d.ID {
					return nil, errc(60010, "department cycle")
				}
			}
		}
		if in.Name != nil {
			if err := deptNameCode(*in.Name); err != nil {
				return nil, err
			}
			if b.siblingNamed(parent, *in.Name, d.ID) {
				return nil, errc(60008, "department existed")
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
	})
	s.handle(http.MethodGet, "/cgi-bin/department/delete", TokenCorp, func(c *Call) (any, error) {
		b := s.callBook(c)
		id, _ := strconv.Atoi(c.Query("id"))
		if id == 1 {
			return nil, errc(60007, "root department can not be deleted")
		}
		if b.depts[id] == nil {
			return nil, errc(60003, "department not found")
		}
		for _, u := range b.users {
			if slices.Contains(u.Depts, id) {
				return nil, errc(60005, "department contains members")
			}
		}
		for _, d := range b.depts {
			if d.ParentID == id {
				return nil, errc(60006, "department contains sub-departments")
			}
		}
		delete(b.depts, id)
		return J{"errcode": 0, "errmsg": "deleted"}, nil
	})
	listDepts := func(full bool) handlerFunc {
		return func(c *Call) (any, error) {
			b := s.callBook(c)
			id := 1
			if q := c.Query("id"); q != "" {
				id, _ = strconv.Atoi(q)
			}
			if b.depts[id] == nil {
				return nil, errc(60003, "department not found")
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
	}
	s.handle(http.MethodGet, "/cgi-bin/department/list", TokenCorp, listDepts(true))
	s.handle(http.MethodGet, "/cgi-bin/department/simplelist", TokenCorp, listDepts(false))
	s.handle(http.MethodGet, "/cgi-bin/department/get", TokenCorp, func(c *Call) (any, error) {
		b := s.callBook(c)
		id, _ := strconv.Atoi(c.Query("id"))
		d := b.depts[id]
		if d == nil {
			return nil, errc(60003, "department not found")
		}
		return J{"department": b.deptJSON(d)}, nil
	})
}

// ---- tags ----

func (b *addressBook) ownTag(c *Call, id int) (*simTag, error) {
	t := b.tags[id]
	if t == nil {
		return nil, errc(40068, "invalid tagid")
	}
	if t.Owner != c.Token.AgentID {
		return nil, errc(81011, "no privilege to access/modify this tag")
	}
	return t, nil
}

func (b *addressBook) tagNamed(name string, self int) bool {
	for _, t := range b.tags {
		if t.Name == name && t.ID != self {
			return true
		}
	}
	return false
}

func (s *Server) registerTags() {
	s.handle(http.MethodPost, "/cgi-bin/tag/create", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			Name string `json:"tagname"`
			ID   *int   `json:"tagid"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		b := s.callBook(c)
		switch {
		case in.Name == "":
			return nil, errc(41018, "missing tagname")
		case utf8.RuneCountInString(in.Name) > 32:
			return nil, errc(40072, "invalid tagname length")
		case b.tagNamed(in.Name, -1):
			return nil, errc(40071, "tagname existed")
		case len(b.tags) >= 3000:
			return nil, errc(40058, "tag limit reached")
		}
		id := b.nextTag
		if in.ID != nil {
			if *in.ID < 0 || b.tags[*in.ID] != nil {
				return nil, errc(40068, "invalid tagid")
			}
			id = *in.ID
		}
		b.nextTag = max(b.nextTag, id+1)
		b.tags[id] = &simTag{ID: id, Name: in.Name, Owner: c.Token.AgentID, Users: map[string]bool{}, Parties: map[int]bool{}}
		return J{"errcode": 0, "errmsg": "created", "tagid": id}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/tag/update", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			ID   int    `json:"tagid"`
			Name string `json:"tagname"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		b := s.callBook(c)
		t, err := b.ownTag(c, in.ID)
		if err != nil {
			return nil, err
		}
		switch {
		case in.Name == "" || utf8.RuneCountInString(in.Name) > 32:
			return nil, errc(40072, "invalid tagname length")
		case b.tagNamed(in.Name, t.ID):
			return nil, errc(40071, "tagname existed")
		}
		t.Name = in.Name
		return J{"errcode": 0, "errmsg": "updated"}, nil
	})
	s.handle(http.MethodGet, "/cgi-bin/tag/delete", TokenCorp, func(c *Call) (any, error) {
		b := s.callBook(c)
		id, _ := strconv.Atoi(c.Query("tagid"))
		if _, err := b.ownTag(c, id); err != nil {
			return nil, err
		}
		delete(b.tags, id)
		return J{"errcode": 0, "errmsg": "deleted"}, nil
	})
	s.handle(http.MethodGet, "/cgi-bin/tag/get", TokenCorp, func(c *Call) (any, error) {
		b := s.callBook(c)
		id, err := strconv.Atoi(c.Query("tagid"))
		t := b.tags[id]
		if err != nil || t == nil {
			return nil, errc(40068, "invalid tagid")
		}
		users := []J{}
		for _, u := range b.sortedUsers() {
			if t.Users[strings.ToLower(u.ID)] {
				users = append(users, J{"userid": u.ID, "name": u.Fields["name"]})
			}
		}
		parties := []int{}
		for p := range t.Parties {
			parties = append(parties, p)
		}
		slices.Sort(parties)
		return J{"tagname": t.Name, "userlist": users, "partylist": parties}, nil
	})
	s.handle(http.MethodGet, "/cgi-bin/tag/list", TokenCorp, func(c *Call) (any, error) {
		b := s.callBook(c)
		out := []J{}
		ids := make([]int, 0, len(b.tags))
		for id := range b.tags {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			out = append(out, J{"tagid": id, "tagname": b.tags[id].Name})
		}
		return J{"taglist": out}, nil
	})
	members := func(add bool) handlerFunc {
		return func(c *Call) (any, error) {
			var in struct {
				ID      int      `json:"tagid"`
				Users   []string `json:"userlist"`
				Parties []int    `json:"partylist"`
			}
			if err := c.Decode(&in); err != nil {
				return nil, err
			}
			b := s.callBook(c)
			t, err := b.ownTag(c, in.ID)
			if err != nil {
				return nil, err
			}
			switch {
			case len(in.Users) > 1000 || len(in.Parties) > 100:
				return nil, errc(81014, "too many entries in one call")
			case len(in.Users) == 0 && len(in.Parties) == 0:
				return nil, errc(40070, "userlist and partylist are both empty")
			}
			var badUsers []string
			badParties := []int{}
			for _, id := range in.Users {
				if b.users[strings.ToLower(id)] == nil {
					badUsers = append(badUsers, id)
				} else if add {
					t.Users[strings.ToLower(id)] = true
				} else {
					delete(t.Users, strings.ToLower(id))
				}
			}
			for _, p := range in.Parties {
				if b.depts[p] == nil {
					badParties = append(badParties, p)
				} else if add {
					t.Parties[p] = true
				} else {
					delete(t.Parties, p)
				}
			}
			if len(badUsers)+len(badParties) == len(in.Users)+len(in.Parties) {
				if add {
					return nil, errc(40070, "all of the users and parties are invalid")
				}
				return nil, errc(40031, "all of the users and parties are invalid")
			}
			out := J{"errcode": 0, "errmsg": map[bool]string{true: "ok", false: "deleted"}[add]}
			if len(badUsers) > 0 {
				out["invalidlist"] = strings.Join(badUsers, "|")
			}
			if len(badParties) > 0 {
				out["invalidparty"] = badParties
			}
			return out, nil
		}
	}
	s.handle(http.MethodPost, "/cgi-bin/tag/addtagusers", TokenCorp, members(true))
	s.handle(http.MethodPost, "/cgi-bin/tag/deltagusers", TokenCorp, members(false))
}

// ---- batch jobs ----

func (s *Server) registerBatch() {
	s.handle(http.MethodPost, "/cgi-bin/batch/invite", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			Users []string `json:"user"`
			Party []int    `json:"party"`
			Tag   []int    `json:"tag"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		switch {
		case len(in.Users)+len(in.Party)+len(in.Tag) == 0:
			return nil, errc(40063, "user, party and tag are all empty")
		case len(in.Users) > 1000 || len(in.Party) > 100 || len(in.Tag) > 100:
			return nil, errc(40058, "too many invitees")
		}
		b := s.callBook(c)
		out := J{"invaliduser": []string{}, "invalidparty": []int{}, "invalidtag": []int{}}
		var bu []string
		var bp, bt []int
		for _, u := range in.Users {
			if b.users[strings.ToLower(u)] == nil {
				bu = append(bu, u)
			}
		}
		for _, p := range in.Party {
			if b.depts[p] == nil {
				bp = append(bp, p)
			}
		}
		for _, t := range in.Tag {
			if b.tags[t] == nil {
				bt = append(bt, t)
			}
		}
		if bu != nil {
			out["invaliduser"] = bu
		}
		if bp != nil {
			out["invalidparty"] = bp
		}
		if bt != nil {
			out["invalidtag"] = bt
		}
		return out, nil
	})
	job := func(typ string) handlerFunc {
		return func(c *Call) (any, error) {
			var in struct {
				MediaID string `json:"media_id"`
			}
			if err := c.Decode(&in); err != nil {
				return nil, err
			}
			if in.MediaID == "" {
				return nil, errc(40063, "media_id missing")
			}
			b := s.callBook(c)
			for _, j := range b.jobs {
				if j.Polls > 0 && j.Extra == nil {
					return nil, errc(302008, "another import job is running")
				}
			}
			id := s.newID("simjob")
			b.jobs[id] = &simJob{Type: typ, Polls: 1, Result: []J{}}
			return J{"jobid": id}, nil
		}
	}
	s.handle(http.MethodPost, "/cgi-bin/batch/syncuser", TokenCorp, job("sync_user"))
	s.handle(http.MethodPost, "/cgi-bin/batch/replaceuser", TokenCorp, job("replace_user"))
	s.handle(http.MethodPost, "/cgi-bin/batch/replaceparty", TokenCorp, job("replace_party"))
	s.handle(http.MethodGet, "/cgi-bin/batch/getresult", TokenCorp, func(c *Call) (any, error) {
		j := s.callBook(c).jobs[c.Query("jobid")]
		if j == nil || j.Extra != nil {
			return nil, errc(40088, "invalid jobid")
		}
		if j.Polls > 0 {
			j.Polls--
			return J{"status": 2, "type": j.Type, "total": j.Total, "percentage": 50}, nil
		}
		return J{"status": 3, "type": j.Type, "total": j.Total, "percentage": 100, "result": j.Result}, nil
	})
}

// SetJobPolls makes every job of corpID that has not finished (batch and chain import) answer
// "running" to the next n result queries, for tests of job polling. New jobs answer "running"
// once.
func (s *Server) SetJobPolls(corpID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, j := range s.book(corpID).jobs {
		if j.Polls > 0 {
			j.Polls = n
		}
	}
}

// ---- linked corps ----

// linkedState maps the linked ids a corp's apps see to the corps behind them.
type linkedState struct {
	corps map[string]string // linked id → corp ID
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

// linkedDept resolves "LinkedID/DepartmentID" to the linked corp's book and department.
func (s *Server) linkedDept(b *addressBook, ref string) (string, *addressBook, int, error) {
	lid, d, _ := strings.Cut(ref, "/")
	id, err := strconv.Atoi(d)
	if b.linked == nil || b.linked.corps[lid] == "" || err != nil {
		return "", nil, 0, errc(40066, "invalid department_id")
	}
	other := s.book(b.linked.corps[lid])
	if other.depts[id] == nil {
		return "", nil, 0, errc(60003, "department not found")
	}
	return lid, other, id, nil
}

func linkedUserJSON(corp, lid string, u *simUser, full bool) J {
	depts := make([]string, len(u.Depts))
	for i, d := range u.Depts {
		depts[i] = lid + "/" + strconv.Itoa(d)
	}
	out := J{"userid": u.ID, "corpid": corp, "name": u.Fields["name"], "department": depts}
	if full {
		for _, f := range []string{"mobile", "telephone", "email", "position", "extattr"} {
			if v, ok := u.Fields[f]; ok {
				out[f] = v
			}
		}
	}
	return out
}

func (s *Server) registerLinked() {
	s.handle(http.MethodPost, "/cgi-bin/linkedcorp/agent/get_perm_list", TokenCorp, func(c *Call) (any, error) {
		b := s.callBook(c)
		users, depts := []string{}, []string{}
		for _, lid := range b.linkedIDs() {
			corp := b.linked.corps[lid]
			depts = append(depts, lid+"/1")
			for _, u := range s.book(corp).sortedUsers() {
				users = append(users, corp+"/"+u.ID)
			}
		}
		return J{"userids": users, "department_ids": depts}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/linkedcorp/user/get", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			UserID string `json:"userid"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		b := s.callBook(c)
		corp, uid, _ := strings.Cut(in.UserID, "/")
		for _, lid := range b.linkedIDs() {
			if b.linked.corps[lid] == corp {
				if u := s.book(corp).users[strings.ToLower(uid)]; u != nil {
					return J{"user_info": linkedUserJSON(corp, lid, u, true)}, nil
				}
				return nil, errc(60111, "userid not found")
			}
		}
		return nil, errc(40003, "invalid userid")
	})
	users := func(full bool) handlerFunc {
		return func(c *Call) (any, error) {
			var in struct {
				DepartmentID string `json:"department_id"`
				FetchChild   bool   `json:"fetch_child"`
			}
			if err := c.Decode(&in); err != nil {
				return nil, err
			}
			b := s.callBook(c)
			lid, other, id, err := s.linkedDept(b, in.DepartmentID)
			if err != nil {
				return nil, err
			}
			want := []int{id}
			if in.FetchChild {
				want = nil
				for _, d := range other.subtree(id) {
					want = append(want, d.ID)
				}
			}
			out := []J{}
			for _, u := range other.sortedUsers() {
				if slices.ContainsFunc(u.Depts, func(d int) bool { return slices.Contains(want, d) }) {
					out = append(out, linkedUserJSON(b.linked.corps[lid], lid, u, full))
				}
			}
			return J{"userlist": out}, nil
		}
	}
	s.handle(http.MethodPost, "/cgi-bin/linkedcorp/user/simplelist", TokenCorp, users(false))
	s.handle(http.MethodPost, "/cgi-bin/linkedcorp/user/list", TokenCorp, users(true))
	s.handle(http.MethodPost, "/cgi-bin/linkedcorp/department/list", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			DepartmentID string `json:"department_id"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		_, other, id, err := s.linkedDept(s.callBook(c), in.DepartmentID)
		if err != nil {
			return nil, err
		}
		out := []J{}
		for _, d := range other.subtree(id) {
			// department_id as a string and parentid as a number: WeCom has sent both forms.
			out = append(out, J{"department_id": strconv.Itoa(d.ID), "department_name": d.Name, "parentid": d.ParentID, "order": d.Order})
		}
		return J{"department_list": out}, nil
	})
}

// ---- customer contact ----

// ---- chains (上下游) ----

// ChainCorp is a downstream corp of a simulated chain. Joined corps have CorpID, imported corps
// that have not joined yet only PendingCorpID.
type ChainCorp struct {
	CorpID        string
	PendingCorpID string
	Name          string
	GroupID       int // 0 puts the corp in the root group (1)
	CustomID      string
	InviteUserID  string
	Qualification int               // 1 not verified, 2 validated, 3 certified; 0 means 1
	UserCustomIDs map[string]string // downstream userid → user_custom_id
}

type simChain struct {
	ID, Name string
	Groups   map[int]*simChainGroup
	Corps    []*ChainCorp
	Rules    map[int]J
	nextRule int
}

type simChainGroup struct {
	ID, ParentID int
	Name         string
	Order        int64
}

// AddChain creates a chain owned by ownerCorpID with only its root group (id 1), or renames an
// existing one.
func (s *Server) AddChain(ownerCorpID, chainID, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addChain(ownerCorpID, chainID, name)
}

func (s *Server) addChain(owner, chainID, name string) *simChain {
	b := s.book(owner)
	if ch := b.chains[chainID]; ch != nil {
		ch.Name = name
		return ch
	}
	ch := &simChain{ID: chainID, Name: name, Groups: map[int]*simChainGroup{1: {ID: 1, Name: name}}, Rules: map[int]J{}, nextRule: 1}
	b.chains[chainID] = ch
	return ch
}

// AddChainGroup adds (or replaces) a group of a chain under parentID; the chain is created if
// needed.
func (s *Server) AddChainGroup(ownerCorpID, chainID string, groupID, parentID int, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.book(ownerCorpID).chains[chainID]
	if ch == nil {
		ch = s.addChain(ownerCorpID, chainID, chainID)
	}
	ch.Groups[groupID] = &simChainGroup{ID: groupID, ParentID: parentID, Name: name}
}

// AddChainCorp puts a downstream corp into a chain (created if needed), as if it had been
// imported (PendingCorpID only) or had joined (CorpID).
func (s *Server) AddChainCorp(ownerCorpID, chainID string, c ChainCorp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.book(ownerCorpID).chains[chainID]
	if ch == nil {
		ch = s.addChain(ownerCorpID, chainID, chainID)
	}
	if c.GroupID == 0 {
		c.GroupID = 1
	}
	ch.Corps = append(ch.Corps, &c)
}

// ChainCorps returns a copy of the corps of a chain, in the order they were added.
func (s *Server) ChainCorps(ownerCorpID, chainID string) []ChainCorp {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ChainCorp
	if ch := s.book(ownerCorpID).chains[chainID]; ch != nil {
		for _, c := range ch.Corps {
			out = append(out, *c)
		}
	}
	return out
}

// JoinChainCorp turns a pending corp of a chain into a joined corp with corpID, as when its
// person in charge accepts the invitation. It reports whether the pending corp was found.
func (s *Server) JoinChainCorp(ownerCorpID, chainID, pendingCorpID, corpID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.book(ownerCorpID).chains[chainID]; ch != nil {
		for _, c := range ch.Corps {
			if c.PendingCorpID == pendingCorpID && c.CorpID == "" {
				c.CorpID = corpID
				return true
			}
		}
	}
	return false
}

func (ch *simChain) corp(corpID, pendingID string) *ChainCorp {
	for _, c := range ch.Corps {
		if (corpID != "" && c.CorpID == corpID) || (corpID == "" && pendingID != "" && c.PendingCorpID == pendingID) {
			return c
		}
	}
	return nil
}

func (b *addressBook) chain(id string) (*simChain, error) {
	ch := b.chains[id]
	if ch == nil {
		return nil, errc(670002, "invalid chain_id")
	}
	return ch, nil
}

func (b *addressBook) sortedChains() []*simChain {
	out := make([]*simChain, 0, len(b.chains))
	for _, ch := range b.chains {
		out = append(out, ch)
	}
	slices.SortFunc(out, func(a, b *simChain) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// groupByPath finds the group at a /-separated path of names, creating missing ones.
func (s *Server) groupByPath(ch *simChain, path string) int {
	id := 1
	for name := range strings.SplitSeq(path, "/") {
		if name == "" {
			continue
		}
		found := 0
		for _, g := range ch.Groups {
			if g.ParentID == id && g.Name == name {
				found = g.ID
			}
		}
		if found == 0 {
			found = 2
			for ch.Groups[found] != nil {
				found++
			}
			ch.Groups[found] = &simChainGroup{ID: found, ParentID: id, Name: name}
		}
		id = found
	}
	return id
}

type chainReq struct {
	ChainID       string `json:"chain_id"`
	GroupID       *int   `json:"groupid"`
	CorpID        string `json:"corpid"`
	PendingCorpID string `json:"pending_corpid"`
	UserID        string `json:"userid"`
	NeedPending   bool   `json:"need_pending"`
	Limit         int    `json:"limit"`
	Cursor        string `json:"cursor"`
	RuleID        int    `json:"rule_id"`
	RuleInfo      J      `json:"rule_info"`
}

func (s *Server) chainCall(c *Call) (*chainReq, *addressBook, *simChain, error) {
	var in chainReq
	if err := c.Decode(&in); err != nil {
		return nil, nil, nil, err
	}
	b := s.callBook(c)
	if in.ChainID == "" {
		return &in, b, nil, nil
	}
	ch, err := b.chain(in.ChainID)
	return &in, b, ch, err
}

func corpJSON(c *ChainCorp) J {
	out := J{"groupid": c.GroupID, "corp_name": c.Name, "custom_id": c.CustomID, "is_joined": c.CorpID != ""}
	if c.InviteUserID != "" {
		out["invite_userid"] = c.InviteUserID
	}
	if c.CorpID != "" {
		out["corpid"] = c.CorpID
	} else {
		out["pending_corpid"] = c.PendingCorpID
	}
	return out
}

func (s *Server) registerChains() {
	s.handle(http.MethodGet, "/cgi-bin/corpgroup/corp/get_chain_list", TokenCorp, func(c *Call) (any, error) {
		out := []J{}
		for _, ch := range s.callBook(c).sortedChains() {
			out = append(out, J{"chain_id": ch.ID, "chain_name": ch.Name})
		}
		return J{"chains": out}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_group", TokenCorp, func(c *Call) (any, error) {
		in, _, ch, err := s.chainCall(c)
		if err != nil {
			return nil, err
		}
		if ch == nil {
			return nil, errc(670002, "invalid chain_id")
		}
		if in.GroupID != nil && *in.GroupID != 0 && ch.Groups[*in.GroupID] == nil {
			return nil, errc(670003, "invalid groupid")
		}
		ids := slices.Sorted(func(yield func(int) bool) {
			for id := range ch.Groups {
				if id != 1 && !yield(id) {
					return
				}
			}
		})
		out := []J{}
		for _, id := range ids {
			g := ch.Groups[id]
			if in.GroupID == nil || *in.GroupID == 0 || *in.GroupID == id {
				out = append(out, J{"groupid": g.ID, "group_name": g.Name, "parentid": g.ParentID, "order": g.Order})
			}
		}
		return J{"groups": out}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_corpinfo_list", TokenCorp, func(c *Call) (any, error) {
		in, _, ch, err := s.chainCall(c)
		if err != nil {
			return nil, err
		}
		if ch == nil {
			return nil, errc(670002, "invalid chain_id")
		}
		group := 1
		if in.GroupID != nil && *in.GroupID != 0 {
			group = *in.GroupID
		}
		if ch.Groups[group] == nil {
			return nil, errc(670003, "invalid groupid")
		}
		var keys []string
		byKey := map[string]*ChainCorp{}
		for i, cp := range ch.Corps {
			if cp.GroupID == group && (cp.CorpID != "" || in.NeedPending) {
				k := fmt.Sprintf("%08d", i)
				keys = append(keys, k)
				byKey[k] = cp
			}
		}
		limit := len(keys)
		if in.Limit > 0 {
			limit = in.Limit
		}
		page, next, err := pageOf(keys, in.Cursor, max(limit, 1))
		if err != nil {
			return nil, err
		}
		out := []J{}
		for _, k := range page {
			out = append(out, corpJSON(byKey[k]))
		}
		return J{"group_corps": out, "has_more": next != "", "next_cursor": next}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_corpinfo", TokenCorp, func(c *Call) (any, error) {
		in, _, ch, err := s.chainCall(c)
		if err != nil {
			return nil, err
		}
		if ch == nil {
			return nil, errc(670002, "invalid chain_id")
		}
		cp := ch.corp(in.CorpID, in.PendingCorpID)
		if cp == nil {
			return nil, errc(670004, "corp not in the chain")
		}
		out := corpJSON(cp)
		if cp.CorpID != "" {
			out["qualification_status"] = max(cp.Qualification, 1)
		}
		return out, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/corp/remove_corp", TokenCorp, func(c *Call) (any, error) {
		in, _, ch, err := s.chainCall(c)
		if err != nil {
			return nil, err
		}
		if ch == nil {
			return nil, errc(670002, "invalid chain_id")
		}
		if in.CorpID == c.Token.CorpID {
			return nil, errc(670027, "the chain creator can not be removed")
		}
		cp := ch.corp(in.CorpID, in.PendingCorpID)
		if cp == nil {
			return nil, errc(670004, "corp not in the chain")
		}
		ch.Corps = slices.DeleteFunc(ch.Corps, func(x *ChainCorp) bool { return x == cp })
		return J{}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/import_chain_contact", TokenCorp, s.importChain)
	s.handle(http.MethodGet, "/cgi-bin/corpgroup/getresult", TokenCorp, func(c *Call) (any, error) {
		j := s.callBook(c).jobs[c.Query("jobid")]
		if j == nil || j.Extra == nil {
			return nil, errc(40088, "invalid jobid")
		}
		if j.Polls > 0 {
			j.Polls--
			return J{"status": 2}, nil
		}
		return J{"status": 3, "result": j.Extra}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_user_custom_id", TokenCorp, func(c *Call) (any, error) {
		in, _, ch, err := s.chainCall(c)
		if err != nil {
			return nil, err
		}
		if ch == nil {
			return nil, errc(670002, "invalid chain_id")
		}
		cp := ch.corp(in.CorpID, "")
		if cp == nil || in.CorpID == "" {
			return nil, errc(670004, "corp not in the chain")
		}
		id, ok := cp.UserCustomIDs[in.UserID]
		if !ok {
			return nil, errc(670035, "user custom id not set")
		}
		return J{"user_custom_id": id}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/get_corp_shared_chain_list", TokenCorp, func(c *Call) (any, error) {
		in, b, _, err := s.chainCall(c)
		if err != nil {
			return nil, err
		}
		out := []J{}
		for _, ch := range b.sortedChains() {
			if in.CorpID != "" && ch.corp(in.CorpID, "") != nil {
				out = append(out, J{"chain_id": ch.ID, "chain_name": ch.Name})
			}
		}
		return J{"chains": out}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/unionid_to_external_userid", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			UnionID string `json:"unionid"`
			OpenID  string `json:"openid"`
			CorpID  string `json:"corpid"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		if in.UnionID == "" || in.OpenID == "" {
			return nil, errc(610014, "invalid unionid")
		}
		out := []J{}
		for _, corp := range s.downstreamCorps(c.Token.CorpID) {
			if in.CorpID != "" && corp != in.CorpID {
				continue
			}
			for _, id := range s.book(corp).external.byUnion(in.UnionID) {
				out = append(out, J{"corpid": corp, "external_userid": id})
			}
		}
		return J{"external_userid_info": out}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/unionid_to_pending_id", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			UnionID string `json:"unionid"`
			OpenID  string `json:"openid"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		if in.UnionID == "" || in.OpenID == "" {
			return nil, errc(610014, "invalid unionid")
		}
		return J{"pending_id": pendingID(in.UnionID)}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/batch/external_userid_to_pending_id", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			IDs []string `json:"external_userid"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		if len(in.IDs) == 0 || len(in.IDs) > 100 {
			return nil, errc(40058, "external_userid: 1-100 ids")
		}
		out := []J{}
		corps := append([]string{c.Token.CorpID}, s.downstreamCorps(c.Token.CorpID)...)
		for _, id := range in.IDs {
			for _, corp := range corps {
				if ec := s.book(corp).external.contacts[id]; ec != nil && ec.UnionID != "" {
					out = append(out, J{"external_userid": id, "pending_id": pendingID(ec.UnionID)})
					break
				}
			}
		}
		return J{"result": out}, nil
	})
	s.registerChainRules()
}

func pendingID(unionID string) string {
	return "pd" + base64.RawURLEncoding.EncodeToString([]byte(unionID))
}

// downstreamCorps lists the joined corps of every chain owner owns, sorted, without repeats.
func (s *Server) downstreamCorps(owner string) []string {
	var out []string
	for _, ch := range s.book(owner).chains {
		for _, c := range ch.Corps {
			if c.CorpID != "" && !slices.Contains(out, c.CorpID) {
				out = append(out, c.CorpID)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (s *Server) importChain(c *Call) (any, error) {
	var in struct {
		ChainID  string `json:"chain_id"`
		Contacts []struct {
			CorpName  string `json:"corp_name"`
			GroupPath string `json:"group_path"`
			CustomID  string `json:"custom_id"`
			Info      []struct {
				Name         string `json:"name"`
				IdentityType int    `json:"identity_type"`
				Mobile       string `json:"mobile"`
				UserCustomID string `json:"user_custom_id"`
			} `json:"contact_info_list"`
		} `json:"contact_list"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	b := s.callBook(c)
	ch, err := b.chain(in.ChainID)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, cp := range in.Contacts {
		total += len(cp.Info)
		if len(cp.Info) > 200 {
			return nil, errc(670025, "too many contacts for one corp")
		}
	}
	if len(in.Contacts) == 0 || len(in.Contacts) > 1000 || total > 2000 {
		return nil, errc(670025, "import data over the limits")
	}
	for _, j := range b.jobs {
		if j.Extra != nil && j.Polls > 0 {
			return nil, errc(670022, "an import job is running")
		}
	}
	var fails []J
	for _, cp := range in.Contacts {
		code, msg := 0, ""
		inCharge := 0
		for _, p := range cp.Info {
			if p.IdentityType == 2 {
				inCharge++
			}
		}
		switch {
		case cp.CorpName == "":
			code, msg = 670012, "corp name empty"
		case utf8.RuneCountInString(cp.CorpName) > 32:
			code, msg = 670013, "invalid corp name"
		case len(cp.CustomID) > 64 || strings.ContainsFunc(cp.CustomID, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}):
			code, msg = 670011, "invalid custom id"
		case inCharge > 5:
			code, msg = 670010, "too many persons in charge"
		}
		for _, other := range ch.Corps {
			if code == 0 && other.Name == cp.CorpName {
				code, msg = 670028, "corp name not unique"
			}
			if code == 0 && cp.CustomID != "" && other.CustomID == cp.CustomID {
				code, msg = 670009, "custom id not unique"
			}
		}
		var contactFails []J
		for _, p := range cp.Info {
			switch {
			case p.IdentityType != 1 && p.IdentityType != 2:
				contactFails = append(contactFails, J{"mobile": p.Mobile, "errcode": 670016, "errmsg": "invalid contact identity"})
			case p.Name == "" || utf8.RuneCountInString(p.Name) > 32:
				contactFails = append(contactFails, J{"mobile": p.Mobile, "errcode": 670015, "errmsg": "invalid contact name"})
			}
		}
		if code == 0 && len(contactFails) > 0 {
			code, msg = contactFails[0]["errcode"].(int), contactFails[0]["errmsg"].(string)
		}
		if code != 0 {
			fails = append(fails, J{"corp_name": cp.CorpName, "custom_id": cp.CustomID, "errcode": code, "errmsg": msg,
				"contact_info_list": contactFails})
			continue
		}
		users := map[string]string{}
		for _, p := range cp.Info {
			if p.UserCustomID != "" {
				users[p.Mobile] = p.UserCustomID
			}
		}
		ch.Corps = append(ch.Corps, &ChainCorp{PendingCorpID: s.newID("pend"), Name: cp.CorpName, GroupID: s.groupByPath(ch, cp.GroupPath),
			CustomID: cp.CustomID, InviteUserID: "", UserCustomIDs: users})
	}
	status := 1
	switch len(fails) {
	case 0:
	case len(in.Contacts):
		status = 3
	default:
		status = 2
	}
	if fails == nil {
		fails = []J{}
	}
	id := s.newID("cgjob")
	b.jobs[id] = &simJob{Type: "import_chain_contact", Polls: 1, Extra: J{"chain_id": ch.ID, "import_status": status, "fail_list": fails}}
	return J{"jobid": id}, nil
}

func (s *Server) registerChainRules() {
	rule := func(need bool, f func(in *chainReq, ch *simChain) (any, error)) handlerFunc {
		return func(c *Call) (any, error) {
			in, _, ch, err := s.chainCall(c)
			if err != nil {
				return nil, err
			}
			if ch == nil {
				return nil, errc(670002, "invalid chain_id")
			}
			if need && ch.Rules[in.RuleID] == nil {
				return nil, errc(670006, "invalid rule id")
			}
			return f(in, ch)
		}
	}
	checkInfo := func(info J) error {
		owner, _ := info["owner_corp_range"].(map[string]any)
		member, _ := info["member_corp_range"].(map[string]any)
		nonEmpty := func(m map[string]any, a, b string) bool {
			x, _ := m[a].([]any)
			y, _ := m[b].([]any)
			return len(x)+len(y) > 0
		}
		if !nonEmpty(owner, "userids", "departmentids") || !nonEmpty(member, "groupids", "corpids") {
			return errc(40058, "rule_info ranges may not be empty")
		}
		return nil
	}
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/rule/list_ids", TokenCorp, rule(false, func(_ *chainReq, ch *simChain) (any, error) {
		ids := []int{}
		for id := range ch.Rules {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		return J{"rule_ids": ids}, nil
	}))
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/rule/get_rule_info", TokenCorp, rule(true, func(in *chainReq, ch *simChain) (any, error) {
		return J{"rule_info": ch.Rules[in.RuleID]}, nil
	}))
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/rule/add_rule", TokenCorp, rule(false, func(in *chainReq, ch *simChain) (any, error) {
		if err := checkInfo(in.RuleInfo); err != nil {
			return nil, err
		}
		id := ch.nextRule
		ch.nextRule++
		ch.Rules[id] = in.RuleInfo
		return J{"rule_id": id}, nil
	}))
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/rule/modify_rule", TokenCorp, rule(true, func(in *chainReq, ch *simChain) (any, error) {
		if err := checkInfo(in.RuleInfo); err != nil {
			return nil, err
		}
		ch.Rules[in.RuleID] = in.RuleInfo
		return J{}, nil
	}))
	s.handle(http.MethodPost, "/cgi-bin/corpgroup/rule/delete_rule", TokenCorp, rule(true, func(in *chainReq, ch *simChain) (any, error) {
		delete(ch.Rules, in.RuleID)
		return J{}, nil
	}))
}

// SeedUser is a member added directly to a corp's address book by [Server.AddUsers].
type SeedUser struct {
	UserID     string
	Name       string
	Mobile     string
	Email      string
	Department []int // unknown ids are created under the root; empty means the root
}

// AddUsers puts members into corpID's address book without API calls (for large fixtures), as
// activated members. An existing userid is replaced.
func (s *Server) AddUsers(corpID string, users ...SeedUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	for _, su := range users {
		u := &simUser{ID: su.UserID, Status: 1, Fields: J{"name": su.Name}}
		if su.Mobile != "" {
			u.Fields["mobile"] = su.Mobile
		}
		if su.Email != "" {
			u.Fields["email"] = su.Email
		}
		b.placeUser(u, su.Department)
		b.users[strings.ToLower(su.UserID)] = u
	}
}

// UserIDs returns the userids of corpID's members, sorted.
func (s *Server) UserIDs(corpID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, u := range s.book(corpID).sortedUsers() {
		out = append(out, u.ID)
	}
	return out
}

// ---- customer contact (客户联系) ----

type externalState struct {
	contacts map[string]*simExternal // external_userid → customer
	sorted   []string                // external_userids in order, rebuilt when nil
	groups   map[string]*simTagGroup
	tagSeq   int
	chats    map[string]*SeedGroupChat
	ways     map[string]*simWay
	codes    map[string]*simWelcome
	welcomes []J // welcome messages sent, in order
	mass     []J // mass-message tasks created, in order
}

type simExternal struct {
	SeedExternalContact
	follows map[string]*SeedFollow // lower-case userid → relationship
}

type simTagGroup struct {
	ID, Name   string
	CreateTime int64
	Order      int
	Tags       []*simCorpTag
}

type simCorpTag struct {
	ID, Name   string
	CreateTime int64
	Order      int
}

type simWay struct {
	body    J
	created int64
}

type simWelcome struct {
	userID, externalUserID string
	expires                time.Time
	used                   bool
}

func (e *externalState) init() {
	e.contacts = map[string]*simExternal{}
	e.groups = map[string]*simTagGroup{}
	e.chats = map[string]*SeedGroupChat{}
	e.ways = map[string]*simWay{}
	e.codes = map[string]*simWelcome{}
}

func (e *externalState) byUnion(u string) []string {
	var out []string
	for _, id := range e.order() {
		if e.contacts[id].UnionID == u {
			out = append(out, id)
		}
	}
	return out
}

func (e *externalState) order() []string {
	if e.sorted == nil {
		e.sorted = make([]string, 0, len(e.contacts))
		for id := range e.contacts {
			e.sorted = append(e.sorted, id)
		}
		slices.Sort(e.sorted)
	}
	return e.sorted
}

// SeedExternalContact is a customer added to a corp by [Server.AddExternalContacts].
type SeedExternalContact struct {
	ExternalUserID string // "wm…" for WeChat users
	Name           string
	Type           int // 1 WeChat, 2 WeCom; 0 means 1
	Gender         int
	UnionID        string
	CorpName       string
	FollowUsers    []SeedFollow
}

// SeedFollow is a member's relationship with a customer.
type SeedFollow struct {
	UserID        string
	Remark        string
	Description   string
	CreateTime    int64
	AddWay        int
	State         string
	TagIDs        []string
	RemarkMobiles []string
}

// AddExternalContacts adds customers (客户) and their follow-up members to corpID. Follow-up
// members need not exist in the address book.
func (s *Server) AddExternalContacts(corpID string, cs ...SeedExternalContact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := &s.book(corpID).external
	for _, c := range cs {
		if c.Type == 0 {
			c.Type = 1
		}
		x := &simExternal{SeedExternalContact: c, follows: map[string]*SeedFollow{}}
		for i := range c.FollowUsers {
			f := c.FollowUsers[i]
			if f.CreateTime == 0 {
				f.CreateTime = time.Now().Unix()
			}
			x.follows[strings.ToLower(f.UserID)] = &f
		}
		e.contacts[c.ExternalUserID] = x
	}
	e.sorted = nil
}

// SeedCustomers gives userID n WeChat customers named wmSim000001… and returns their ids, for
// paging and iterator tests.
func (s *Server) SeedCustomers(corpID, userID string, n int) []string {
	cs := make([]SeedExternalContact, n)
	ids := make([]string, n)
	for i := range cs {
		ids[i] = fmt.Sprintf("wmSim%06d", i+1)
		cs[i] = SeedExternalContact{ExternalUserID: ids[i], Name: fmt.Sprintf("Customer %d", i+1), UnionID: fmt.Sprintf("ouSim%06d", i+1),
			FollowUsers: []SeedFollow{{UserID: userID, AddWay: 1, CreateTime: 1700000000 + int64(i)}}}
	}
	s.AddExternalContacts(corpID, cs...)
	return ids
}

// SeedGroupChat is a customer group added by [Server.AddGroupChat].
type SeedGroupChat struct {
	ChatID     string
	Name       string
	Owner      string
	Notice     string
	Status     int
	CreateTime int64
	Members    []SeedGroupMember
}

// SeedGroupMember is a member of a seeded customer group.
type SeedGroupMember struct {
	UserID    string
	Type      int // 1 corp member, 2 customer
	UnionID   string
	JoinTime  int64
	JoinScene int
	Invitor   string
	Name      string
}

// AddGroupChat adds (or replaces) a customer group of corpID.
func (s *Server) AddGroupChat(corpID string, g SeedGroupChat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.book(corpID).external.chats[g.ChatID] = &g
}

// WelcomeCode issues a welcome code for a new relationship, as the add_external_contact
// callback carries: valid once, for 20 seconds.
func (s *Server) WelcomeCode(corpID, userID, externalUserID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	code := s.newID("wc")
	s.book(corpID).external.codes[code] = &simWelcome{userID: userID, externalUserID: externalUserID, expires: time.Now().Add(20 * time.Second)}
	return code
}

// WelcomeMessages returns the bodies of the welcome messages corpID sent, oldest first, each
// with the userid and external_userid it went to added.
func (s *Server) WelcomeMessages(corpID string) []J {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.book(corpID).external.welcomes)
}

// CustomerRemark returns what userID recorded about a customer (nil if no relationship).
func (s *Server) CustomerRemark(corpID, userID, externalUserID string) *SeedFollow {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := s.book(corpID).external.contacts[externalUserID]
	if x == nil || x.follows[strings.ToLower(userID)] == nil {
		return nil
	}
	f := *x.follows[strings.ToLower(userID)]
	f.TagIDs = slices.Clone(f.TagIDs)
	return &f
}

func (e *externalState) tagByID(id string) (*simTagGroup, *simCorpTag) {
	for _, g := range e.groups {
		for _, t := range g.Tags {
			if t.ID == id {
				return g, t
			}
		}
	}
	return nil, nil
}

func (e *externalState) tagCount() int {
	n := 0
	for _, g := range e.groups {
		n += len(g.Tags)
	}
	return n
}

func (x *simExternal) contactJSON() J {
	out := J{"external_userid": x.ExternalUserID, "name": x.Name, "type": x.Type, "gender": x.Gender}
	if x.UnionID != "" {
		out["unionid"] = x.UnionID
	}
	if x.CorpName != "" {
		out["corp_name"] = x.CorpName
	}
	return out
}

func followJSON(f *SeedFollow, e *externalState, full bool) J {
	out := J{"userid": f.UserID, "remark": f.Remark, "description": f.Description, "createtime": f.CreateTime,
		"add_way": f.AddWay, "state": f.State, "oper_userid": f.UserID}
	if len(f.RemarkMobiles) > 0 {
		out["remark_mobiles"] = f.RemarkMobiles
	}
	if !full {
		out["tag_id"] = f.TagIDs
		return out
	}
	tags := []J{}
	for _, id := range f.TagIDs {
		if g, t := e.tagByID(id); t != nil {
			tags = append(tags, J{"group_name": g.Name, "tag_name": t.Name, "tag_id": t.ID, "type": 1})
		}
	}
	out["tags"] = tags
	return out
}

func (s *Server) registerExternal() {
	s.handle(http.MethodGet, "/cgi-bin/externalcontact/get_follow_user_list", TokenCorp, func(c *Call) (any, error) {
		e := &s.callBook(c).external
		seen := map[string]bool{}
		out := []string{}
		for _, id := range e.order() {
			for _, f := range e.contacts[id].follows {
				if !seen[strings.ToLower(f.UserID)] {
					seen[strings.ToLower(f.UserID)] = true
					out = append(out, f.UserID)
				}
			}
		}
		slices.Sort(out)
		return J{"follow_user": out}, nil
	})
	s.handle(http.MethodGet, "/cgi-bin/externalcontact/list", TokenCorp, func(c *Call) (any, error) {
		e := &s.callBook(c).external
		uid := strings.ToLower(c.Query("userid"))
		out := []string{}
		for _, id := range e.order() {
			if e.contacts[id].follows[uid] != nil {
				out = append(out, id)
			}
		}
		if len(out) == 0 {
			return nil, errc(84061, "no external contact relationship")
		}
		return J{"external_userid": out}, nil
	})
	s.handle(http.MethodGet, "/cgi-bin/externalcontact/get", TokenCorp, func(c *Call) (any, error) {
		e := &s.callBook(c).external
		x := e.contacts[c.Query("external_userid")]
		if x == nil {
			return nil, errc(40096, "invalid external_userid")
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range x.follows {
				if !yield(k) {
					return
				}
			}
		})
		page, next, err := pageOf(keys, c.Query("cursor"), 500)
		if err != nil {
			return nil, err
		}
		follows := []J{}
		for _, k := range page {
			follows = append(follows, followJSON(x.follows[k], e, true))
		}
		out := J{"external_contact": x.contactJSON(), "follow_user": follows}
		if next != "" {
			out["next_cursor"] = next
		}
		return out, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/batch/get_by_user", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			UserIDs []string `json:"userid_list"`
			Cursor  string   `json:"cursor"`
			Limit   int      `json:"limit"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		if len(in.UserIDs) == 0 || len(in.UserIDs) > 100 {
			return nil, errc(40058, "userid_list: 1-100 members")
		}
		limit := in.Limit
		if limit <= 0 {
			limit = 50
		}
		limit = min(limit, 100)
		e := &s.callBook(c).external
		users := make([]string, len(in.UserIDs))
		for i, u := range in.UserIDs {
			users[i] = strings.ToLower(u)
		}
		slices.Sort(users)
		after, err := decodeCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		// Walk (userid, external_userid) pairs in order from the cursor; stop one past the page.
		afterUser, afterID, _ := strings.Cut(after, "\x00")
		order := e.order()
		var out []J
		next, last := "", ""
	walk:
		for _, u := range slices.Compact(users) {
			start := 0
			switch {
			case in.Cursor != "" && u < afterUser:
				continue
			case in.Cursor != "" && u == afterUser:
				start, _ = slices.BinarySearch(order, afterID+"\x00")
			}
			for _, id := range order[start:] {
				f := e.contacts[id].follows[u]
				if f == nil {
					continue
				}
				if len(out) == limit {
					next = encodeCursor(last)
					break walk
				}
				out = append(out, J{"external_contact": e.contacts[id].contactJSON(), "follow_info": followJSON(f, e, false)})
				last = u + "\x00" + id
			}
		}
		if out == nil {
			out = []J{}
		}
		return J{"external_contact_list": out, "next_cursor": next}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/remark", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			UserID         string   `json:"userid"`
			ExternalUserID string   `json:"external_userid"`
			Remark         *string  `json:"remark"`
			Description    *string  `json:"description"`
			RemarkMobiles  []string `json:"remark_mobiles"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		f, err := s.relation(c, in.UserID, in.ExternalUserID)
		if err != nil {
			return nil, err
		}
		if in.Remark != nil {
			if utf8.RuneCountInString(*in.Remark) > 20 {
				return nil, errc(40058, "remark too long")
			}
			f.Remark = *in.Remark
		}
		if in.Description != nil {
			if utf8.RuneCountInString(*in.Description) > 150 {
				return nil, errc(40058, "description too long")
			}
			f.Description = *in.Description
		}
		switch {
		case len(in.RemarkMobiles) == 1 && in.RemarkMobiles[0] == "":
			f.RemarkMobiles = nil
		case len(in.RemarkMobiles) > 0:
			f.RemarkMobiles = in.RemarkMobiles
		}
		return J{}, nil
	})
	s.registerCorpTags()
	s.registerGroupChats()
	s.registerMassMessages()
	s.registerMiniprogram()
	s.registerContactWays()
}

// relation finds a member's relationship with a customer.
func (s *Server) relation(c *Call, userID, externalUserID string) (*SeedFollow, error) {
	x := s.callBook(c).external.contacts[externalUserID]
	if x == nil {
		return nil, errc(40096, "invalid external_userid")
	}
	f := x.follows[strings.ToLower(userID)]
	if f == nil {
		return nil, errc(84061, "no external contact relationship")
	}
	return f, nil
}

func (g *simTagGroup) json(only map[string]bool) J {
	tags := []J{}
	for _, t := range g.Tags {
		if only == nil || only[t.ID] {
			tags = append(tags, J{"id": t.ID, "name": t.Name, "create_time": t.CreateTime, "order": t.Order})
		}
	}
	return J{"group_id": g.ID, "group_name": g.Name, "create_time": g.CreateTime, "order": g.Order, "tag": tags}
}

func (s *Server) registerCorpTags() {
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/get_corp_tag_list", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			TagIDs   []string `json:"tag_id"`
			GroupIDs []string `json:"group_id"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		e := &s.callBook(c).external
		groups := slices.SortedFunc(func(yield func(*simTagGroup) bool) {
			for _, g := range e.groups {
				if !yield(g) {
					return
				}
			}
		}, func(a, b *simTagGroup) int { return strings.Compare(a.ID, b.ID) })
		out := []J{}
		for _, g := range groups {
			switch {
			case len(in.GroupIDs) > 0:
				if slices.Contains(in.GroupIDs, g.ID) {
					out = append(out, g.json(nil))
				}
			case len(in.TagIDs) > 0:
				only := map[string]bool{}
				for _, id := range in.TagIDs {
					only[id] = true
				}
				if j := g.json(only); len(j["tag"].([]J)) > 0 {
					out = append(out, j)
				}
			default:
				out = append(out, g.json(nil))
			}
		}
		return J{"tag_group": out}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/add_corp_tag", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			GroupID   string `json:"group_id"`
			GroupName string `json:"group_name"`
			Order     int    `json:"order"`
			Tags      []struct {
				Name  string `json:"name"`
				Order int    `json:"order"`
			} `json:"tag"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		e := &s.callBook(c).external
		if len(in.Tags) == 0 {
			return nil, errc(40058, "tag is empty")
		}
		var g *simTagGroup
		switch {
		case in.GroupID != "":
			if g = e.groups[in.GroupID]; g == nil {
				return nil, errc(40068, "invalid group id")
			}
		case in.GroupName != "":
			if utf8.RuneCountInString(in.GroupName) > 30 {
				return nil, errc(40058, "group_name too long")
			}
			for _, x := range e.groups {
				if x.Name == in.GroupName {
					g = x
				}
			}
		default:
			return nil, errc(40058, "group_id or group_name required")
		}
		if e.tagCount()+len(in.Tags) > 10000 {
			return nil, errc(40126, "corp tag limit reached")
		}
		now := time.Now().Unix()
		if g == nil {
			e.tagSeq++
			g = &simTagGroup{ID: fmt.Sprintf("etGroup%05d", e.tagSeq), Name: in.GroupName, CreateTime: now, Order: in.Order}
			e.groups[g.ID] = g
		}
		added := map[string]bool{}
		for _, t := range in.Tags {
			if utf8.RuneCountInString(t.Name) < 1 || utf8.RuneCountInString(t.Name) > 30 {
				return nil, errc(40058, "tag name length")
			}
			if slices.ContainsFunc(g.Tags, func(x *simCorpTag) bool { return x.Name == t.Name }) {
				if len(in.Tags) == 1 {
					return nil, errc(40071, "tag name existed")
				}
				continue // duplicate names in one request create a single tag
			}
			e.tagSeq++
			nt := &simCorpTag{ID: fmt.Sprintf("etTag%05d", e.tagSeq), Name: t.Name, CreateTime: now, Order: t.Order}
			g.Tags = append(g.Tags, nt)
			added[nt.ID] = true
		}
		return J{"tag_group": g.json(added)}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/edit_corp_tag", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			ID    string  `json:"id"`
			Name  *string `json:"name"`
			Order *int    `json:"order"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		e := &s.callBook(c).external
		if g := e.groups[in.ID]; g != nil {
			if in.Name != nil {
				g.Name = *in.Name
			}
			if in.Order != nil {
				g.Order = *in.Order
			}
			return J{}, nil
		}
		g, t := e.tagByID(in.ID)
		if t == nil {
			return nil, errc(40068, "invalid tag id")
		}
		if in.Name != nil {
			if slices.ContainsFunc(g.Tags, func(x *simCorpTag) bool { return x.Name == *in.Name && x != t }) {
				return nil, errc(40071, "tag name existed")
			}
			t.Name = *in.Name
		}
		if in.Order != nil {
			t.Order = *in.Order
		}
		return J{}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/del_corp_tag", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			TagIDs   []string `json:"tag_id"`
			GroupIDs []string `json:"group_id"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		e := &s.callBook(c).external
		if len(in.TagIDs)+len(in.GroupIDs) == 0 {
			return nil, errc(40058, "tag_id and group_id are both empty")
		}
		for _, id := range in.GroupIDs {
			if e.groups[id] == nil {
				return nil, errc(40068, "invalid group id")
			}
		}
		for _, id := range in.TagIDs {
			if _, t := e.tagByID(id); t == nil {
				return nil, errc(40068, "invalid tag id")
			}
		}
		for _, id := range in.GroupIDs {
			delete(e.groups, id)
		}
		for _, id := range in.TagIDs {
			g, t := e.tagByID(id)
			g.Tags = slices.DeleteFunc(g.Tags, func(x *simCorpTag) bool { return x == t })
			if len(g.Tags) == 0 {
				delete(e.groups, g.ID)
			}
		}
		return J{}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/mark_tag", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			UserID         string   `json:"userid"`
			ExternalUserID string   `json:"external_userid"`
			Add            []string `json:"add_tag"`
			Remove         []string `json:"remove_tag"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		f, err := s.relation(c, in.UserID, in.ExternalUserID)
		if err != nil {
			return nil, err
		}
		e := &s.callBook(c).external
		if len(in.Add)+len(in.Remove) == 0 {
			return nil, errc(40058, "add_tag and remove_tag are both empty")
		}
		for _, id := range slices.Concat(in.Add, in.Remove) {
			if _, t := e.tagByID(id); t == nil {
				return nil, errc(40068, "invalid tag id")
			}
		}
		for _, id := range in.Add {
			if !slices.Contains(f.TagIDs, id) {
				f.TagIDs = append(f.TagIDs, id)
			}
		}
		f.TagIDs = slices.DeleteFunc(f.TagIDs, func(id string) bool { return slices.Contains(in.Remove, id) })
		return J{}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/send_welcome_msg", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			Code        string `json:"welcome_code"`
			Text        *J     `json:"text"`
			Attachments []J    `json:"attachments"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		e := &s.callBook(c).external
		w := e.codes[in.Code]
		switch {
		case in.Code == "":
			return nil, errc(41049, "missing welcome_code")
		case w == nil || time.Now().After(w.expires):
			return nil, errc(41050, "invalid or expired welcome_code")
		case w.used:
			return nil, errc(41051, "welcome message already sent")
		case in.Text == nil && len(in.Attachments) == 0:
			return nil, errc(40058, "text and attachments are both empty")
		case len(in.Attachments) > 9:
			return nil, errc(41064, "too many attachments")
		}
		for _, a := range in.Attachments {
			if mt, _ := a["msgtype"].(string); !slices.Contains([]string{"image", "link", "miniprogram", "video", "file"}, mt) {
				return nil, errc(41065, "invalid attachment type")
			}
		}
		w.used = true
		var body J
		_ = c.Decode(&body)
		body["userid"], body["external_userid"] = w.userID, w.externalUserID
		e.welcomes = append(e.welcomes, body)
		return J{}, nil
	})
}

func (s *Server) registerMassMessages() {
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/add_msg_template", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			ChatType    string   `json:"chat_type"`
			External    []string `json:"external_userid"`
			ChatIDs     []string `json:"chat_id_list"`
			Sender      string   `json:"sender"`
			Text        *J       `json:"text"`
			Attachments []J      `json:"attachments"`
			TagFilter   *J       `json:"tag_filter"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		e := &s.callBook(c).external
		switch {
		case in.Text == nil && len(in.Attachments) == 0:
			return nil, errc(40058, "text and attachments are both empty")
		case len(in.Attachments) > 9:
			return nil, errc(41064, "too many attachments")
		case in.ChatType == "group" && in.Sender == "":
			return nil, errc(40058, "sender is required for chat_type group")
		}
		var ok, fail []string
		if in.ChatType == "group" {
			for _, id := range in.ChatIDs {
				if g := e.chats[id]; g != nil && strings.EqualFold(g.Owner, in.Sender) {
					ok = append(ok, id)
				} else {
					fail = append(fail, id)
				}
			}
		} else {
			for _, id := range in.External {
				x := e.contacts[id]
				if x != nil && (in.Sender == "" || x.follows[strings.ToLower(in.Sender)] != nil) {
					ok = append(ok, id)
				} else {
					fail = append(fail, id)
				}
			}
			if len(in.External) == 0 && (in.Sender != "" || in.TagFilter != nil) {
				ok = append(ok, "(by sender or tag filter)")
			}
		}
		if len(ok) == 0 {
			return nil, errc(41048, "no valid recipients")
		}
		var body J
		_ = c.Decode(&body)
		s.seq++
		body["msgid"] = fmt.Sprintf("msgSIMMASS%06d", s.seq)
		e.mass = append(e.mass, body)
		return J{"msgid": body["msgid"], "fail_list": append([]string{}, fail...)}, nil
	})
}

// MassMessages returns the mass-message tasks (企业群发) created in corpID, in order, as
// their request bodies plus the msgid they got.
func (s *Server) MassMessages(corpID string) []J {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.book(corpID).external.mass)
}

func (s *Server) registerMiniprogram() {
	// Once per corp: a second apply answers the same ticket (the real answer is undocumented).
	s.handle(http.MethodGet, "/cgi-bin/corp/apply_mass_call_ticket", TokenCorp, func(c *Call) (any, error) {
		b := s.callBook(c)
		if b.massCall == "" {
			b.massCall = s.newID("MASSCALL")
		}
		return J{"mass_call_ticket": b.massCall}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/miniprogram/transfer_session", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			UserID     string `json:"userid"`
			SessionKey string `json:"session_key"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		if in.UserID == "" || in.SessionKey == "" {
			return nil, errc(40058, "userid and session_key are required")
		}
		// The downstream session names the calling (downstream) corp.
		return J{"userid": c.Token.CorpID + ":" + in.UserID, "session_key": "dn-" + in.SessionKey}, nil
	})
}

func (s *Server) registerGroupChats() {
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/groupchat/list", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			StatusFilter int `json:"status_filter"`
			OwnerFilter  struct {
				UserIDs []string `json:"userid_list"`
			} `json:"owner_filter"`
			Cursor string `json:"cursor"`
			Limit  int    `json:"limit"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		if in.Limit < 1 || in.Limit > 1000 || len(in.OwnerFilter.UserIDs) > 100 {
			return nil, errc(40058, "limit 1-1000, at most 100 owners")
		}
		e := &s.callBook(c).external
		var keys []string
		for id, g := range e.chats {
			if (in.StatusFilter == 0 || g.Status == in.StatusFilter) &&
				(len(in.OwnerFilter.UserIDs) == 0 || slices.Contains(in.OwnerFilter.UserIDs, g.Owner)) {
				keys = append(keys, id)
			}
		}
		slices.Sort(keys)
		page, next, err := pageOf(keys, in.Cursor, in.Limit)
		if err != nil {
			return nil, err
		}
		out := []J{}
		for _, id := range page {
			out = append(out, J{"chat_id": id, "status": e.chats[id].Status})
		}
		return J{"group_chat_list": out, "next_cursor": next}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/groupchat/get", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			ChatID   string `json:"chat_id"`
			NeedName int    `json:"need_name"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		g := s.callBook(c).external.chats[in.ChatID]
		if g == nil {
			return nil, errc(86003, "chat id not exist")
		}
		members := []J{}
		for _, m := range g.Members {
			j := J{"userid": m.UserID, "type": m.Type, "join_time": m.JoinTime, "join_scene": m.JoinScene}
			if m.UnionID != "" {
				j["unionid"] = m.UnionID
			}
			if m.Invitor != "" {
				j["invitor"] = J{"userid": m.Invitor}
			}
			if in.NeedName == 1 {
				j["name"] = m.Name
			}
			members = append(members, j)
		}
		return J{"group_chat": J{"chat_id": g.ChatID, "name": g.Name, "owner": g.Owner, "create_time": g.CreateTime,
			"notice": g.Notice, "member_list": members, "admin_list": []J{}, "member_version": fmt.Sprintf("v%d", len(members))}}, nil
	})
}

// ContactWay returns the stored body of a contact way, or nil.
func (s *Server) ContactWay(corpID, configID string) J {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.book(corpID).external.ways[configID]; w != nil {
		return maps.Clone(w.body)
	}
	return nil
}

func (s *Server) registerContactWays() {
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/add_contact_way", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			Type    *int     `json:"type"`
			Scene   *int     `json:"scene"`
			Style   int      `json:"style"`
			Remark  string   `json:"remark"`
			State   string   `json:"state"`
			User    []string `json:"user"`
			Party   []int    `json:"party"`
			IsTemp  bool     `json:"is_temp"`
			Expires int      `json:"expires_in"`
		}
		var body J
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		_ = c.Decode(&body)
		b := s.callBook(c)
		e := &b.external
		switch {
		case in.Type == nil:
			return nil, errc(41037, "missing type")
		case *in.Type != 1 && *in.Type != 2:
			return nil, errc(41038, "invalid type")
		case in.Scene == nil:
			return nil, errc(41039, "missing scene")
		case *in.Scene != 1 && *in.Scene != 2:
			return nil, errc(41040, "invalid scene")
		case in.Style < 0 || in.Style > 3:
			return nil, errc(41042, "invalid style")
		case *in.Type == 1 && (len(in.User) != 1 || len(in.Party) > 0):
			return nil, errc(40058, "a single-member way takes exactly one user")
		case *in.Type == 2 && len(in.User)+len(in.Party) == 0:
			return nil, errc(40058, "user and party are both empty")
		case utf8.RuneCountInString(in.Remark) > 30 || utf8.RuneCountInString(in.State) > 30:
			return nil, errc(40058, "remark or state too long")
		case len(e.ways) >= 500000:
			return nil, errc(41045, "contact way quota reached")
		}
		members := map[string]bool{}
		for _, u := range in.User {
			su := b.users[strings.ToLower(u)]
			if su == nil {
				return nil, errc(40003, "invalid userid "+u)
			}
			if su.Status != 1 {
				return nil, errc(41054, "member not activated: "+u)
			}
			members[su.ID] = true
		}
		for _, p := range in.Party {
			if b.depts[p] == nil {
				return nil, errc(60123, "invalid department")
			}
			for _, d := range b.subtree(p) {
				for _, u := range b.users {
					if slices.Contains(u.Depts, d.ID) {
						members[u.ID] = true
					}
				}
			}
		}
		if len(members) > 100 {
			return nil, errc(41041, "too many members in a contact way")
		}
		id := fmt.Sprintf("%032x", s.nextWaySeq())
		body["config_id"] = id
		if _, ok := body["skip_verify"]; !ok {
			body["skip_verify"] = true
		}
		if _, ok := body["mark_source"]; !ok {
			body["mark_source"] = true
		}
		out := J{"config_id": id}
		if *in.Scene == 2 {
			qr := "https://wecomtest.invalid/qr/" + id
			body["qr_code"] = qr
			out["qr_code"] = qr
		}
		e.ways[id] = &simWay{body: body, created: time.Now().Unix()}
		return out, nil
	})
	way := func(c *Call) (*simWay, J, error) {
		var body J
		if err := c.Decode(&body); err != nil {
			return nil, nil, err
		}
		id, _ := body["config_id"].(string)
		if id == "" {
			return nil, nil, errc(41043, "missing config_id")
		}
		w := s.callBook(c).external.ways[id]
		if w == nil {
			return nil, nil, errc(41044, "invalid config_id")
		}
		return w, body, nil
	}
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/get_contact_way", TokenCorp, func(c *Call) (any, error) {
		w, _, err := way(c)
		if err != nil {
			return nil, err
		}
		return J{"contact_way": w.body}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/update_contact_way", TokenCorp, func(c *Call) (any, error) {
		w, body, err := way(c)
		if err != nil {
			return nil, err
		}
		for _, k := range []string{"type", "scene", "is_temp"} {
			if _, ok := body[k]; ok {
				return nil, errc(40058, k+" can not be changed")
			}
		}
		for k, v := range body {
			w.body[k] = v
		}
		return J{}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/del_contact_way", TokenCorp, func(c *Call) (any, error) {
		_, body, err := way(c)
		if err != nil {
			return nil, err
		}
		delete(s.callBook(c).external.ways, body["config_id"].(string))
		return J{}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/list_contact_way", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			Start  int64  `json:"start_time"`
			End    int64  `json:"end_time"`
			Cursor string `json:"cursor"`
			Limit  int    `json:"limit"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		limit := in.Limit
		if limit == 0 {
			limit = 100
		}
		if limit < 0 || limit > 1000 {
			return nil, errc(40058, "limit at most 1000")
		}
		now := time.Now().Unix()
		if in.Start == 0 {
			in.Start = now - 90*24*3600
		}
		if in.End == 0 {
			in.End = now
		}
		var keys []string
		for id, w := range s.callBook(c).external.ways {
			if temp, _ := w.body["is_temp"].(bool); !temp && w.created >= in.Start && w.created <= in.End {
				keys = append(keys, id)
			}
		}
		slices.Sort(keys)
		page, next, err := pageOf(keys, in.Cursor, limit)
		if err != nil {
			return nil, err
		}
		out := []J{}
		for _, id := range page {
			out = append(out, J{"config_id": id})
		}
		return J{"contact_way": out, "next_cursor": next}, nil
	})
	s.handle(http.MethodPost, "/cgi-bin/externalcontact/close_temp_chat", TokenCorp, func(c *Call) (any, error) {
		var in struct {
			UserID         string `json:"userid"`
			ExternalUserID string `json:"external_userid"`
		}
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
		if _, err := s.relation(c, in.UserID, in.ExternalUserID); err != nil {
			return nil, err
		}
		return J{}, nil
	})
}

func (s *Server) nextWaySeq() int {
	s.contacts.seq++
	return 0x9ad7fa5c0000 + s.contacts.seq
}
