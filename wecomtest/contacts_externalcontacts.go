package wecomtest

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

// Customer contact (客户联系): customers, their relationships with members, and the seeding
// helpers; corporate tags, groups, mass messages, welcome messages and contact ways have
// their own files.

// externalState is one corp's customer contact data.
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
		out["tag_id"] = nonNil(f.TagIDs)
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

func (s *Server) externalContactRoutes() []route {
	return []route{
		{get, "/cgi-bin/externalcontact/get_follow_user_list", TokenCorp, s.extFollowUsers},
		{get, "/cgi-bin/externalcontact/list", TokenCorp, s.extList},
		{get, "/cgi-bin/externalcontact/get", TokenCorp, s.extGet},
		{post, "/cgi-bin/externalcontact/batch/get_by_user", TokenCorp, s.extBatchByUser},
		{post, "/cgi-bin/externalcontact/remark", TokenCorp, s.extRemark},
	}
}

func (s *Server) extFollowUsers(c *Call) (any, error) {
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
}

func (s *Server) extList(c *Call) (any, error) {
	e := &s.callBook(c).external
	uid := strings.ToLower(c.Query("userid"))
	out := []string{}
	for _, id := range e.order() {
		if e.contacts[id].follows[uid] != nil {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, errc(client.CodeNoExternalContactRelation, "no external contact relationship")
	}
	return J{"external_userid": out}, nil
}

func (s *Server) extGet(c *Call) (any, error) {
	e := &s.callBook(c).external
	x := e.contacts[c.Query("external_userid")]
	if x == nil {
		return nil, errc(client.CodeInvalidExternalUserID, "invalid external_userid")
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
}

func (s *Server) extBatchByUser(c *Call) (any, error) {
	in, err := decode[struct {
		UserIDs []string `json:"userid_list"`
		Cursor  string   `json:"cursor"`
		Limit   int      `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	if len(in.UserIDs) == 0 || len(in.UserIDs) > 100 {
		return nil, errc(client.CodeInvalidParameter, "userid_list: 1-100 members")
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
}

func (s *Server) extRemark(c *Call) (any, error) {
	in, err := decode[struct {
		UserID         string   `json:"userid"`
		ExternalUserID string   `json:"external_userid"`
		Remark         *string  `json:"remark"`
		Description    *string  `json:"description"`
		RemarkMobiles  []string `json:"remark_mobiles"`
	}](c)
	if err != nil {
		return nil, err
	}
	f, err := s.relation(c, in.UserID, in.ExternalUserID)
	if err != nil {
		return nil, err
	}
	if in.Remark != nil {
		if utf8.RuneCountInString(*in.Remark) > 20 {
			return nil, errc(client.CodeInvalidParameter, "remark too long")
		}
		f.Remark = *in.Remark
	}
	if in.Description != nil {
		if utf8.RuneCountInString(*in.Description) > 150 {
			return nil, errc(client.CodeInvalidParameter, "description too long")
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
}

// relation finds a member's relationship with a customer.
func (s *Server) relation(c *Call, userID, externalUserID string) (*SeedFollow, error) {
	x := s.callBook(c).external.contacts[externalUserID]
	if x == nil {
		return nil, errc(client.CodeInvalidExternalUserID, "invalid external_userid")
	}
	f := x.follows[strings.ToLower(userID)]
	if f == nil {
		return nil, errc(client.CodeNoExternalContactRelation, "no external contact relationship")
	}
	return f, nil
}
