package wecomtest

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

// ---- chains (上下游) ----

func (s *Server) chainRoutes() []route {
	return []route{
		{get, "/cgi-bin/corpgroup/corp/get_chain_list", TokenCorp, s.chainList},
		{post, "/cgi-bin/corpgroup/corp/get_chain_group", TokenCorp, s.chainGroups},
		{post, "/cgi-bin/corpgroup/corp/get_chain_corpinfo_list", TokenCorp, s.chainCorpList},
		{post, "/cgi-bin/corpgroup/corp/get_chain_corpinfo", TokenCorp, s.chainCorpInfo},
		{post, "/cgi-bin/corpgroup/corp/remove_corp", TokenCorp, s.chainRemoveCorp},
		{post, "/cgi-bin/corpgroup/import_chain_contact", TokenCorp, s.chainImport},
		{get, "/cgi-bin/corpgroup/getresult", TokenCorp, s.chainImportResult},
		{post, "/cgi-bin/corpgroup/corp/get_chain_user_custom_id", TokenCorp, s.chainUserCustomID},
		{post, "/cgi-bin/corpgroup/get_corp_shared_chain_list", TokenCorp, s.chainSharedList},
		{post, "/cgi-bin/corpgroup/unionid_to_external_userid", TokenCorp, s.chainUnionToExternal},
		{post, "/cgi-bin/corpgroup/unionid_to_pending_id", TokenCorp, s.chainUnionToPending},
		{post, "/cgi-bin/corpgroup/batch/external_userid_to_pending_id", TokenCorp, s.chainExternalToPending},
		{post, "/cgi-bin/corpgroup/rule/list_ids", TokenCorp, s.ruleListIDs},
		{post, "/cgi-bin/corpgroup/rule/get_rule_info", TokenCorp, s.ruleGet},
		{post, "/cgi-bin/corpgroup/rule/add_rule", TokenCorp, s.ruleAdd},
		{post, "/cgi-bin/corpgroup/rule/modify_rule", TokenCorp, s.ruleModify},
		{post, "/cgi-bin/corpgroup/rule/delete_rule", TokenCorp, s.ruleDelete},
		{get, "/cgi-bin/corp/apply_mass_call_ticket", TokenCorp, s.applyMassCallTicket},
		{post, "/cgi-bin/miniprogram/transfer_session", TokenCorp, s.transferSession},
	}
}

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

	// Indexes, so that a chain of thousands of corps answers without scanning them: the first
	// corp with each corp ID and pending corp ID, how many corps carry each name and custom ID,
	// and the group of each (parent, name).
	byCorp, byPending map[string]*ChainCorp
	byGroup           map[int][]*ChainCorp // in the order they were added
	names, customIDs  map[string]int
	groupByName       map[chainGroupKey]int
}

type chainGroupKey struct {
	parent int
	name   string
}

// addCorp appends c to the chain and its indexes.
func (ch *simChain) addCorp(c *ChainCorp) {
	ch.Corps = append(ch.Corps, c)
	ch.index(c)
}

func (ch *simChain) index(c *ChainCorp) {
	if c.CorpID != "" && ch.byCorp[c.CorpID] == nil {
		ch.byCorp[c.CorpID] = c
	}
	if c.PendingCorpID != "" && ch.byPending[c.PendingCorpID] == nil {
		ch.byPending[c.PendingCorpID] = c
	}
	ch.byGroup[c.GroupID] = append(ch.byGroup[c.GroupID], c)
	ch.names[c.Name]++
	if c.CustomID != "" {
		ch.customIDs[c.CustomID]++
	}
}

// reindex rebuilds the corp indexes after a removal.
func (ch *simChain) reindex() {
	ch.byCorp, ch.byPending = map[string]*ChainCorp{}, map[string]*ChainCorp{}
	ch.byGroup, ch.names, ch.customIDs = map[int][]*ChainCorp{}, map[string]int{}, map[string]int{}
	for _, c := range ch.Corps {
		ch.index(c)
	}
}

// setGroup adds or replaces a group and indexes it by parent and name.
func (ch *simChain) setGroup(g *simChainGroup) {
	if old := ch.Groups[g.ID]; old != nil {
		if k := (chainGroupKey{old.ParentID, old.Name}); ch.groupByName[k] == g.ID {
			delete(ch.groupByName, k)
		}
	}
	ch.Groups[g.ID] = g
	ch.groupByName[chainGroupKey{g.ParentID, g.Name}] = g.ID
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
	ch := &simChain{ID: chainID, Name: name, Groups: map[int]*simChainGroup{}, Rules: map[int]J{}, nextRule: 1,
		groupByName: map[chainGroupKey]int{}}
	ch.setGroup(&simChainGroup{ID: 1, Name: name})
	ch.reindex()
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
	ch.setGroup(&simChainGroup{ID: groupID, ParentID: parentID, Name: name})
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
	ch.addCorp(&c)
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
	ch := s.book(ownerCorpID).chains[chainID]
	if ch == nil {
		return false
	}
	c := ch.byPending[pendingCorpID]
	if c != nil && c.CorpID != "" {
		c = nil // joined already: look for another corp pending under the same ID
		for _, other := range ch.Corps {
			if other.PendingCorpID == pendingCorpID && other.CorpID == "" {
				c = other
				break
			}
		}
	}
	if c == nil {
		return false
	}
	c.CorpID = corpID
	if ch.byCorp[corpID] == nil {
		ch.byCorp[corpID] = c
	}
	return true
}

// corp finds a joined corp by corpID or, without corpID, a corp by its pending ID.
func (ch *simChain) corp(corpID, pendingID string) *ChainCorp {
	switch {
	case corpID != "":
		return ch.byCorp[corpID]
	case pendingID != "":
		return ch.byPending[pendingID]
	}
	return nil
}

func (b *addressBook) chain(id string) (*simChain, error) {
	ch := b.chains[id]
	if ch == nil {
		return nil, errc(client.CodeInvalidChainID, "invalid chain_id")
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
		found := ch.groupByName[chainGroupKey{id, name}]
		if found == 0 {
			found = 2
			for ch.Groups[found] != nil {
				found++
			}
			ch.setGroup(&simChainGroup{ID: found, ParentID: id, Name: name})
		}
		id = found
	}
	return id
}

// chainReq is the body shared by the chain endpoints; each reads the fields it needs.
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

// chainCall decodes a chain request and finds its chain: 670002 for an unknown or missing one.
func (s *Server) chainCall(c *Call) (*chainReq, *simChain, error) {
	in, err := decode[chainReq](c)
	if err != nil {
		return nil, nil, err
	}
	if in.ChainID == "" {
		return nil, nil, errc(client.CodeInvalidChainID, "invalid chain_id")
	}
	ch, err := s.callBook(c).chain(in.ChainID)
	return &in, ch, err
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

func (s *Server) chainList(c *Call) (any, error) {
	out := []J{}
	for _, ch := range s.callBook(c).sortedChains() {
		out = append(out, J{"chain_id": ch.ID, "chain_name": ch.Name})
	}
	return J{"chains": out}, nil
}

func (s *Server) chainGroups(c *Call) (any, error) {
	in, ch, err := s.chainCall(c)
	if err != nil {
		return nil, err
	}
	want := 0
	if in.GroupID != nil {
		want = *in.GroupID
	}
	if want != 0 && ch.Groups[want] == nil {
		return nil, errc(client.CodeInvalidChainGroupID, "invalid groupid")
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
		if want == 0 || want == id {
			out = append(out, J{"groupid": g.ID, "group_name": g.Name, "parentid": g.ParentID, "order": g.Order})
		}
	}
	return J{"groups": out}, nil
}

func (s *Server) chainCorpList(c *Call) (any, error) {
	in, ch, err := s.chainCall(c)
	if err != nil {
		return nil, err
	}
	group := 1
	if in.GroupID != nil && *in.GroupID != 0 {
		group = *in.GroupID
	}
	if ch.Groups[group] == nil {
		return nil, errc(client.CodeInvalidChainGroupID, "invalid groupid")
	}
	var keys []string
	byKey := map[string]*ChainCorp{}
	for i, cp := range ch.byGroup[group] {
		if cp.CorpID != "" || in.NeedPending {
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
}

func (s *Server) chainCorpInfo(c *Call) (any, error) {
	in, ch, err := s.chainCall(c)
	if err != nil {
		return nil, err
	}
	cp := ch.corp(in.CorpID, in.PendingCorpID)
	if cp == nil {
		return nil, errc(client.CodeCorpNotInChain, "corp not in the chain")
	}
	out := corpJSON(cp)
	if cp.CorpID != "" {
		out["qualification_status"] = max(cp.Qualification, 1)
	}
	return out, nil
}

func (s *Server) chainRemoveCorp(c *Call) (any, error) {
	in, ch, err := s.chainCall(c)
	if err != nil {
		return nil, err
	}
	if in.CorpID == c.Token.CorpID {
		return nil, errc(client.CodeChainCreatorUnremovable, "the chain creator can not be removed")
	}
	cp := ch.corp(in.CorpID, in.PendingCorpID)
	if cp == nil {
		return nil, errc(client.CodeCorpNotInChain, "corp not in the chain")
	}
	ch.Corps = slices.DeleteFunc(ch.Corps, func(x *ChainCorp) bool { return x == cp })
	ch.reindex()
	return J{}, nil
}

func (s *Server) chainImportResult(c *Call) (any, error) {
	j := s.callBook(c).jobs[c.Query("jobid")]
	if j == nil || j.Extra == nil {
		return nil, errc(client.CodeJobIDNotFound, "invalid jobid")
	}
	if j.Polls > 0 {
		j.Polls--
		return J{"status": 2}, nil
	}
	return J{"status": 3, "result": j.Extra}, nil
}

func (s *Server) chainUserCustomID(c *Call) (any, error) {
	in, ch, err := s.chainCall(c)
	if err != nil {
		return nil, err
	}
	cp := ch.corp(in.CorpID, "")
	if cp == nil || in.CorpID == "" {
		return nil, errc(client.CodeCorpNotInChain, "corp not in the chain")
	}
	id, ok := cp.UserCustomIDs[in.UserID]
	if !ok {
		return nil, errc(670035, "user custom id not set") // no client constant: the spec lists 670035 in prose, not in an errcode table
	}
	return J{"user_custom_id": id}, nil
}

func (s *Server) chainSharedList(c *Call) (any, error) {
	in, err := decode[chainReq](c)
	if err != nil {
		return nil, err
	}
	out := []J{}
	for _, ch := range s.callBook(c).sortedChains() {
		if in.CorpID != "" && ch.corp(in.CorpID, "") != nil {
			out = append(out, J{"chain_id": ch.ID, "chain_name": ch.Name})
		}
	}
	return J{"chains": out}, nil
}

// unionReq is the body of the unionid conversions.
type unionReq struct {
	UnionID string `json:"unionid"`
	OpenID  string `json:"openid"`
	CorpID  string `json:"corpid"`
}

func (s *Server) chainUnionToExternal(c *Call) (any, error) {
	in, err := decode[unionReq](c)
	if err != nil {
		return nil, err
	}
	if in.UnionID == "" || in.OpenID == "" {
		return nil, errc(610014, "invalid unionid") // no client constant: the spec lists 610014 in prose, not in an errcode table
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
}

func (s *Server) chainUnionToPending(c *Call) (any, error) {
	in, err := decode[unionReq](c)
	if err != nil {
		return nil, err
	}
	if in.UnionID == "" || in.OpenID == "" {
		return nil, errc(610014, "invalid unionid") // no client constant: the spec lists 610014 in prose, not in an errcode table
	}
	return J{"pending_id": pendingID(in.UnionID)}, nil
}

func (s *Server) chainExternalToPending(c *Call) (any, error) {
	in, err := decode[struct {
		IDs []string `json:"external_userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	if len(in.IDs) == 0 || len(in.IDs) > 100 {
		return nil, errc(client.CodeInvalidParameter, "external_userid: 1-100 ids")
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
}

func pendingID(unionID string) string {
	return "pd" + base64.RawURLEncoding.EncodeToString([]byte(unionID))
}

// downstreamCorps lists the joined corps of every chain owner owns, sorted, without repeats.
func (s *Server) downstreamCorps(owner string) []string {
	var out []string
	seen := map[string]bool{}
	for _, ch := range s.book(owner).chains {
		for _, c := range ch.Corps {
			if c.CorpID != "" && !seen[c.CorpID] {
				seen[c.CorpID] = true
				out = append(out, c.CorpID)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (s *Server) chainImport(c *Call) (any, error) {
	in, err := decode[struct {
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
	}](c)
	if err != nil {
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
			return nil, errc(client.CodeImportTooLarge, "too many contacts for one corp")
		}
	}
	if len(in.Contacts) == 0 || len(in.Contacts) > 1000 || total > 2000 {
		return nil, errc(client.CodeImportTooLarge, "import data over the limits")
	}
	for _, j := range b.jobs {
		if j.Extra != nil && j.Polls > 0 {
			return nil, errc(client.CodeImportRunning, "an import job is running")
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
			code, msg = client.CodeEmptyCorpName, "corp name empty"
		case utf8.RuneCountInString(cp.CorpName) > 32:
			code, msg = client.CodeInvalidCorpName, "invalid corp name"
		case len(cp.CustomID) > 64 || strings.ContainsFunc(cp.CustomID, func(r rune) bool {
			return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
		}):
			code, msg = client.CodeInvalidCustomID, "invalid custom id"
		case inCharge > 5:
			code, msg = client.CodeTooManyPersonsInCharge, "too many persons in charge"
		}
		switch {
		case code != 0:
		case ch.names[cp.CorpName] > 0:
			code, msg = client.CodeCorpNameNotUnique, "corp name not unique"
		case cp.CustomID != "" && ch.customIDs[cp.CustomID] > 0:
			code, msg = client.CodeCustomIDNotUnique, "custom id not unique"
		}
		var contactFails []J
		for _, p := range cp.Info {
			switch {
			case p.IdentityType != 1 && p.IdentityType != 2:
				contactFails = append(contactFails, J{"mobile": p.Mobile, "errcode": client.CodeInvalidIdentityType, "errmsg": "invalid contact identity"})
			case p.Name == "" || utf8.RuneCountInString(p.Name) > 32:
				contactFails = append(contactFails, J{"mobile": p.Mobile, "errcode": client.CodeInvalidContactName, "errmsg": "invalid contact name"})
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
		ch.addCorp(&ChainCorp{PendingCorpID: s.newID("pend"), Name: cp.CorpName, GroupID: s.groupByPath(ch, cp.GroupPath),
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

// ruleCall decodes a rule request; with need, its rule_id must exist (670006).
func (s *Server) ruleCall(c *Call, need bool) (*chainReq, *simChain, error) {
	in, ch, err := s.chainCall(c)
	if err != nil {
		return nil, nil, err
	}
	if need && ch.Rules[in.RuleID] == nil {
		return nil, nil, errc(client.CodeInvalidRuleID, "invalid rule id")
	}
	return in, ch, nil
}

// checkRuleInfo requires both ranges of a rule to name someone.
func checkRuleInfo(info J) error {
	owner, _ := info["owner_corp_range"].(map[string]any)
	member, _ := info["member_corp_range"].(map[string]any)
	nonEmpty := func(m map[string]any, a, b string) bool {
		x, _ := m[a].([]any)
		y, _ := m[b].([]any)
		return len(x)+len(y) > 0
	}
	if !nonEmpty(owner, "userids", "departmentids") || !nonEmpty(member, "groupids", "corpids") {
		return errc(client.CodeInvalidParameter, "rule_info ranges may not be empty")
	}
	return nil
}

func (s *Server) ruleListIDs(c *Call) (any, error) {
	_, ch, err := s.ruleCall(c, false)
	if err != nil {
		return nil, err
	}
	ids := []int{}
	for id := range ch.Rules {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return J{"rule_ids": ids}, nil
}

func (s *Server) ruleGet(c *Call) (any, error) {
	in, ch, err := s.ruleCall(c, true)
	if err != nil {
		return nil, err
	}
	return J{"rule_info": ch.Rules[in.RuleID]}, nil
}

func (s *Server) ruleAdd(c *Call) (any, error) {
	in, ch, err := s.ruleCall(c, false)
	if err != nil {
		return nil, err
	}
	if err := checkRuleInfo(in.RuleInfo); err != nil {
		return nil, err
	}
	id := ch.nextRule
	ch.nextRule++
	ch.Rules[id] = in.RuleInfo
	return J{"rule_id": id}, nil
}

func (s *Server) ruleModify(c *Call) (any, error) {
	in, ch, err := s.ruleCall(c, true)
	if err != nil {
		return nil, err
	}
	if err := checkRuleInfo(in.RuleInfo); err != nil {
		return nil, err
	}
	ch.Rules[in.RuleID] = in.RuleInfo
	return J{}, nil
}

func (s *Server) ruleDelete(c *Call) (any, error) {
	in, ch, err := s.ruleCall(c, true)
	if err != nil {
		return nil, err
	}
	delete(ch.Rules, in.RuleID)
	return J{}, nil
}

// applyMassCallTicket answers once per corp; a second apply answers the same ticket (the real
// answer is undocumented).
func (s *Server) applyMassCallTicket(c *Call) (any, error) {
	b := s.callBook(c)
	if b.massCall == "" {
		b.massCall = s.newID("MASSCALL")
	}
	return J{"mass_call_ticket": b.massCall}, nil
}

func (s *Server) transferSession(c *Call) (any, error) {
	in, err := decode[struct {
		UserID     string `json:"userid"`
		SessionKey string `json:"session_key"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.UserID == "" || in.SessionKey == "" {
		return nil, errc(client.CodeInvalidParameter, "userid and session_key are required")
	}
	// The downstream session names the calling (downstream) corp.
	return J{"userid": c.Token.CorpID + ":" + in.UserID, "session_key": "dn-" + in.SessionKey}, nil
}
