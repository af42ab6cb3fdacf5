package wecomtest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Customer-contact management of a corp that is neither contacts nor messages: rule groups
// (客户联系规则组, 客户朋友圈规则组) with their customer tags (规则组标签), the product album (商品图册,
// contacts_albums.go) and chat sensitive-word rules (聊天敏感词, contacts_intercept.go).
//
// Rule groups follow the documented rules: an app sees and manages only the groups it created
// (another app's group answers as unknown); admins are 1–20 existing members; a
// customer_strategy call configures at most 100 range nodes; a group's range holds at most 3000
// nodes and, under a parent, must stay inside the parent's range (a member inside one of the
// parent's departments counts); nesting stops at 5 levels; a child inherits its parent's
// privileges (a privilege it sends is ignored), and base privileges cannot be turned off.
// WeCom documents no errcode for these limits: the simulator answers 40058. Deleting a group
// deletes its sub-groups and their tags (the docs name no condition on deleting a group).

// strategyState is the corp's rule groups, rule group tags, product album and sensitive-word
// rules. Its zero value is ready: every map is made on first write.
type strategyState struct {
	customer stratGroups
	moment   stratGroups

	tagGroups map[string]*simStratTagGroup // tag group id → group
	tagSeq    int

	albums    map[string]*simAlbum
	albumGone map[string]bool // deleted product ids: 41074, not 41075
	albumSeq  int

	rules    map[string]*simInterceptRule
	ruleGone map[string]bool // deleted rule ids: 41071, not 41070
	ruleSeq  int
}

// stratGroups is one kind of rule group of a corp.
type stratGroups struct {
	byID map[int]*simStrategy
	seq  int
}

type simStrategy struct {
	ID, ParentID int
	Name         string
	Created      int64
	Admins       []string
	Privilege    map[string]bool      // the group's own configuration (a child uses its root's)
	Range        map[string]stratNode // stratNode.key() → node
	Owner        string               // the secret of the app that created it
}

type stratNode struct {
	Type    int
	UserID  string
	PartyID int
}

func (n stratNode) key() string {
	if n.Type == 1 {
		return "1:" + strings.ToLower(n.UserID)
	}
	return fmt.Sprintf("2:%010d", n.PartyID)
}

func (n stratNode) json() J {
	if n.Type == 1 {
		return J{"type": 1, "userid": n.UserID}
	}
	return J{"type": 2, "partyid": n.PartyID}
}

// stratKind describes one rule group API: its path prefix, its privileges (base ones first) and
// how many range nodes one call may configure.
type stratKind struct {
	prefix     string
	privileges []string
	base       int // the first base privileges cannot be turned off
	perCall    int
	groups     func(st *strategyState) *stratGroups
}

var (
	customerStratKind = &stratKind{
		prefix: "/cgi-bin/externalcontact/customer_strategy/",
		privileges: []string{"view_customer_list", "view_customer_data", "view_room_list", "contact_me", "join_room",
			"share_customer", "oper_resign_customer", "oper_resign_group", "send_customer_msg", "edit_welcome_msg",
			"view_behavior_data", "view_room_data", "send_group_msg", "room_deduplication", "rapid_reply",
			"onjob_customer_transfer", "edit_anti_spam_rule", "export_customer_list", "export_customer_data",
			"export_customer_group_list", "manage_customer_tag"},
		base:    5,
		perCall: 100,
		groups:  func(st *strategyState) *stratGroups { return &st.customer },
	}
	momentStratKind = &stratKind{
		prefix:     "/cgi-bin/externalcontact/moment_strategy/",
		privileges: []string{"view_moment_list", "send_moment", "manage_moment_cover_and_sign"},
		perCall:    stratMaxRange,
		groups:     func(st *strategyState) *stratGroups { return &st.moment },
	}
)

const (
	stratMaxAdmins = 20
	stratMaxRange  = 3000
	stratMaxDepth  = 5
)

func (s *Server) strategyRoutes() []route {
	var rs []route
	for _, k := range []*stratKind{customerStratKind, momentStratKind} {
		rs = append(rs,
			route{post, k.prefix + "list", TokenCorp, func(c *Call) (any, error) { return s.stratList(c, k) }},
			route{post, k.prefix + "get", TokenCorp, func(c *Call) (any, error) { return s.stratGet(c, k) }},
			route{post, k.prefix + "get_range", TokenCorp, func(c *Call) (any, error) { return s.stratGetRange(c, k) }},
			route{post, k.prefix + "create", TokenCorp, func(c *Call) (any, error) { return s.stratCreate(c, k) }},
			route{post, k.prefix + "edit", TokenCorp, func(c *Call) (any, error) { return s.stratEdit(c, k) }},
			route{post, k.prefix + "del", TokenCorp, func(c *Call) (any, error) { return s.stratDel(c, k) }},
		)
	}
	rs = append(rs, s.strategyTagRoutes()...)
	rs = append(rs, s.albumRoutes()...)
	return append(rs, s.interceptRoutes()...)
}

// CustomerStrategies returns the ids of corpID's customer-contact rule groups, whichever app
// created them, sorted.
func (s *Server) CustomerStrategies(corpID string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.book(corpID).strategies.customer.byID))
}

// MomentStrategies returns the ids of corpID's moment rule groups, sorted.
func (s *Server) MomentStrategies(corpID string) []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.book(corpID).strategies.moment.byID))
}

func stratOwner(c *Call) string { return c.Token.Secret }

func errStrat(msg string) error { return errc(client.CodeInvalidParameter, msg) }

// stratByID finds the caller's rule group id of kind k.
func (s *Server) stratByID(c *Call, k *stratKind, id int) (*simStrategy, error) {
	if id == 0 {
		return nil, errStrat("missing strategy_id")
	}
	g := k.groups(&s.callBook(c).strategies).byID[id]
	if g == nil || g.Owner != stratOwner(c) {
		return nil, errStrat(fmt.Sprintf("invalid strategy_id %d", id))
	}
	return g, nil
}

func (s *Server) stratList(c *Call, k *stratKind) (any, error) {
	in, err := decode[struct {
		Cursor string   `json:"cursor"`
		Limit  wire.Int `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	limit, err := stratLimit(int(in.Limit))
	if err != nil {
		return nil, err
	}
	var keys []string
	for id, g := range k.groups(&s.callBook(c).strategies).byID {
		if g.Owner == stratOwner(c) {
			keys = append(keys, fmt.Sprintf("%010d", id))
		}
	}
	slices.Sort(keys)
	page, next, err := pageOf(keys, in.Cursor, limit)
	if err != nil {
		return nil, err
	}
	out := make([]J, len(page))
	for i, key := range page {
		id, _ := strconv.Atoi(key)
		out[i] = J{"strategy_id": id}
	}
	return stratAnswer(J{"strategy": out}, next), nil
}

// stratAnswer adds next_cursor when more pages follow: WeCom leaves it out on the last page.
func stratAnswer(a J, next string) J {
	if next != "" {
		a["next_cursor"] = next
	}
	return a
}

func stratLimit(limit int) (int, error) {
	switch {
	case limit == 0:
		return 1000, nil
	case limit < 0 || limit > 1000:
		return 0, errStrat("limit must be 1-1000")
	}
	return limit, nil
}

// root is the top-level ancestor of g, whose privileges g inherits.
func (st *stratGroups) root(g *simStrategy) *simStrategy {
	for g.ParentID != 0 && st.byID[g.ParentID] != nil {
		g = st.byID[g.ParentID]
	}
	return g
}

func (st *stratGroups) depth(g *simStrategy) int {
	n := 1
	for ; g.ParentID != 0 && st.byID[g.ParentID] != nil; g = st.byID[g.ParentID] {
		n++
	}
	return n
}

func (s *Server) stratGet(c *Call, k *stratKind) (any, error) {
	in, err := decode[struct {
		ID wire.Int `json:"strategy_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	g, err := s.stratByID(c, k, int(in.ID))
	if err != nil {
		return nil, err
	}
	priv := J{}
	root := k.groups(&s.callBook(c).strategies).root(g)
	for _, p := range k.privileges {
		priv[p] = root.Privilege[p]
	}
	return J{"strategy": J{"strategy_id": g.ID, "parent_id": g.ParentID, "strategy_name": g.Name, "create_time": g.Created,
		"admin_list": slices.Clone(g.Admins), "privilege": priv}}, nil
}

func (s *Server) stratGetRange(c *Call, k *stratKind) (any, error) {
	in, err := decode[struct {
		ID     wire.Int `json:"strategy_id"`
		Cursor string   `json:"cursor"`
		Limit  wire.Int `json:"limit"`
	}](c)
	if err != nil {
		return nil, err
	}
	g, err := s.stratByID(c, k, int(in.ID))
	if err != nil {
		return nil, err
	}
	limit, err := stratLimit(int(in.Limit))
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(slices.Sorted(maps.Keys(g.Range)), in.Cursor, limit)
	if err != nil {
		return nil, err
	}
	out := make([]J, len(page))
	for i, key := range page {
		out[i] = g.Range[key].json()
	}
	return stratAnswer(J{"range": out}, next), nil
}

// stratNodeIn is a range node as a request sends it.
type stratNodeIn struct {
	Type    wire.Int `json:"type"`
	UserID  string   `json:"userid"`
	PartyID wire.Int `json:"partyid"`
}

// stratBody is the body of create and edit.
type stratBody struct {
	ID        wire.Int        `json:"strategy_id"`
	ParentID  wire.Int        `json:"parent_id"`
	Name      *string         `json:"strategy_name"`
	Admins    []string        `json:"admin_list"`
	Privilege map[string]bool `json:"privilege"`
	Range     []stratNodeIn   `json:"range"`
	RangeAdd  []stratNodeIn   `json:"range_add"`
	RangeDel  []stratNodeIn   `json:"range_del"`
}

// stratNodes checks request nodes against the address book: members and departments must exist.
func (b *addressBook) stratNodes(in []stratNodeIn) ([]stratNode, error) {
	out := make([]stratNode, 0, len(in))
	for _, n := range in {
		switch n.Type {
		case 1:
			u := b.users[strings.ToLower(n.UserID)]
			if u == nil {
				return nil, errc(client.CodeInvalidUserID, "invalid userid "+n.UserID)
			}
			out = append(out, stratNode{Type: 1, UserID: u.ID})
		case 2:
			if b.depts[int(n.PartyID)] == nil {
				return nil, errc(client.CodeInvalidDepartmentID, fmt.Sprintf("invalid partyid %d", n.PartyID))
			}
			out = append(out, stratNode{Type: 2, PartyID: int(n.PartyID)})
		default:
			return nil, errStrat(fmt.Sprintf("invalid range type %d", n.Type))
		}
	}
	return out, nil
}

// stratAdmins checks an admin list: 1–20 existing members.
func (b *addressBook) stratAdmins(admins []string) ([]string, error) {
	if len(admins) == 0 || len(admins) > stratMaxAdmins {
		return nil, errStrat("admin_list must hold 1-20 members")
	}
	out := make([]string, len(admins))
	for i, a := range admins {
		u := b.users[strings.ToLower(a)]
		if u == nil {
			return nil, errc(client.CodeInvalidUserID, "invalid admin userid "+a)
		}
		out[i] = u.ID
	}
	return out, nil
}

// deptWithin reports whether department d is top or one of its sub-departments.
func (b *addressBook) deptWithin(d, top int) bool {
	for x := b.depts[d]; x != nil; x = b.depts[x.ParentID] {
		if x.ID == top {
			return true
		}
		if x.ParentID == x.ID {
			return false
		}
	}
	return false
}

// stratCovers reports whether the range r includes node n: the node itself, or a department of r
// that holds the member or department n.
func (b *addressBook) stratCovers(r map[string]stratNode, n stratNode) bool {
	if _, ok := r[n.key()]; ok {
		return true
	}
	var depts []int
	if n.Type == 2 {
		depts = []int{n.PartyID}
	} else if u := b.users[strings.ToLower(n.UserID)]; u != nil {
		depts = u.Depts
	}
	for _, p := range r {
		if p.Type != 2 {
			continue
		}
		for _, d := range depts {
			if b.deptWithin(d, p.PartyID) {
				return true
			}
		}
	}
	return false
}

// privilege builds a group's configuration from a request: unsent privileges default to on, and
// base privileges stay on.
func (k *stratKind) privilege(in map[string]bool) map[string]bool {
	out := make(map[string]bool, len(k.privileges))
	for i, p := range k.privileges {
		v, sent := in[p]
		out[p] = !sent || v || i < k.base
	}
	return out
}

func (s *Server) stratCreate(c *Call, k *stratKind) (any, error) {
	in, err := decode[stratBody](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	st := k.groups(&b.strategies)
	if in.Name == nil || *in.Name == "" {
		return nil, errStrat("missing strategy_name")
	}
	admins, err := b.stratAdmins(in.Admins)
	if err != nil {
		return nil, err
	}
	if len(in.Range) > k.perCall {
		return nil, errStrat(fmt.Sprintf("at most %d range nodes a call", k.perCall))
	}
	nodes, err := b.stratNodes(in.Range)
	if err != nil {
		return nil, err
	}
	g := &simStrategy{ParentID: int(in.ParentID), Name: *in.Name, Created: time.Now().Unix(), Admins: admins,
		Range: map[string]stratNode{}, Owner: stratOwner(c)}
	var parent *simStrategy
	if g.ParentID != 0 {
		if parent, err = s.stratByID(c, k, g.ParentID); err != nil {
			return nil, errStrat(fmt.Sprintf("invalid parent_id %d", g.ParentID))
		}
		if st.depth(parent) >= stratMaxDepth {
			return nil, errStrat("rule groups nest at most 5 levels")
		}
	} else {
		g.Privilege = k.privilege(in.Privilege)
	}
	for _, n := range nodes {
		if parent != nil && !b.stratCovers(parent.Range, n) {
			return nil, errStrat("range must be a subset of the parent's range")
		}
		g.Range[n.key()] = n
	}
	if len(g.Range) > stratMaxRange {
		return nil, errStrat("a rule group's range holds at most 3000 nodes")
	}
	if st.byID == nil {
		st.byID = map[int]*simStrategy{}
	}
	st.seq++
	g.ID = st.seq
	st.byID[g.ID] = g
	return J{"strategy_id": g.ID}, nil
}

func (s *Server) stratEdit(c *Call, k *stratKind) (any, error) {
	in, err := decode[stratBody](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	g, err := s.stratByID(c, k, int(in.ID))
	if err != nil {
		return nil, err
	}
	var admins []string
	if len(in.Admins) > 0 { // empty: admins unchanged
		if admins, err = b.stratAdmins(in.Admins); err != nil {
			return nil, err
		}
	}
	if len(in.RangeAdd)+len(in.RangeDel) > k.perCall {
		return nil, errStrat(fmt.Sprintf("at most %d range nodes a call", k.perCall))
	}
	add, err := b.stratNodes(in.RangeAdd)
	if err != nil {
		return nil, err
	}
	del, err := b.stratNodes(in.RangeDel)
	if err != nil {
		return nil, err
	}
	parent := k.groups(&b.strategies).byID[g.ParentID]
	rng := maps.Clone(g.Range)
	for _, n := range add {
		if parent != nil && !b.stratCovers(parent.Range, n) {
			return nil, errStrat("range must be a subset of the parent's range")
		}
		rng[n.key()] = n
	}
	for _, n := range del {
		delete(rng, n.key())
	}
	if len(rng) > stratMaxRange {
		return nil, errStrat("a rule group's range holds at most 3000 nodes")
	}
	if in.Name != nil && *in.Name != "" {
		g.Name = *in.Name
	}
	if admins != nil {
		g.Admins = admins
	}
	if in.Privilege != nil && g.ParentID == 0 { // a child's privileges are its parent's: ignored
		g.Privilege = k.privilege(in.Privilege)
	}
	g.Range = rng
	return J{}, nil
}

func (s *Server) stratDel(c *Call, k *stratKind) (any, error) {
	in, err := decode[struct {
		ID wire.Int `json:"strategy_id"`
	}](c)
	if err != nil {
		return nil, err
	}
	g, err := s.stratByID(c, k, int(in.ID))
	if err != nil {
		return nil, err
	}
	st := &s.callBook(c).strategies
	groups := k.groups(st)
	gone := []int{g.ID}
	for i := 0; i < len(gone); i++ { // the group, then its sub-groups, level by level
		for id, x := range groups.byID {
			if x.ParentID == gone[i] {
				gone = append(gone, id)
			}
		}
	}
	for _, id := range gone {
		delete(groups.byID, id)
		if k == customerStratKind {
			st.dropStrategyTags(id)
		}
	}
	return J{}, nil
}
