package wecomtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

// Customer acquisition (获客助手): links created per app, the customers they bring (see
// [Server.AddCustomerViaLink]), the corp's usage quota, link statistics and the chat keys of
// message_from_customer events. The statistics of customer contact and customer groups, which
// count what happened here and in the rest of the simulator, are in contacts_statistics.go.

// DefaultAcquisitionQuota is the acquisition usage quota (使用量) a corp starts with; it expires
// a year after the corp's acquisition data is first used. [Server.GrantAcquisitionQuota] adds
// more.
const DefaultAcquisitionQuota = 1000

// The simulator's limits and errcodes of customer acquisition. WeCom documents no number for
// the link limit (41095); errcodes from the official global errcode page.
const (
	maxAcquisitionLinks  = 10000
	maxLinkRangeUsers    = 500
	maxLinkPriorityUsers = 1000
	lowQuotaBalance      = 20 // balance_low is sent when the balance falls below this
	chatKeyTTL           = 30 * time.Minute
	maxChannelBytes      = 64 // customer_channel is cut to this

	codeTooManyLinks   = client.CodeAcquisitionLinkLimit      // 获客链接数量超过上限
	codeInvalidChatKey = client.CodeInvalidAcquisitionChatKey // 无效的获客助手会话信息chatkey
)

// ErrAcquisitionQuotaExhausted is returned by [Server.AddCustomerViaLink] when the corp has no
// usage quota left: WeCom's links stop adding customers then.
var ErrAcquisitionQuotaExhausted = errors.New("wecomtest: acquisition quota exhausted")

// acquisitionState is one corp's customer acquisition data and the records the statistics
// count. Its zero value is usable: maps are made on first use.
type acquisitionState struct {
	links    map[string]*simLink
	seq      int
	adds     map[string]*simLinkAdd // relationKey(userid, external_userid) → the add that made it
	quota    *simQuota
	chatKeys map[string]*simChatKey

	chats     []simSingleChat // single chats recorded by AddSingleChat
	removed   []simRemoval    // relations customers ended (DeleteFollowUser)
	groupMsgs []simGroupMsg   // customer group messages (AddGroupChatMessages)
}

func (a *acquisitionState) init() {
	if a.links == nil {
		a.links = map[string]*simLink{}
		a.adds = map[string]*simLinkAdd{}
		a.chatKeys = map[string]*simChatKey{}
	}
}

type simLink struct {
	id, name, url string
	created       int64
	agentID       int // the app that created it
	skipVerify    bool
	markSource    bool
	users         []string
	depts         []int
	priority      *simPriority
	customers     []*simLinkAdd // in the order they were added
	clicks        []simClick
	next          int // round-robin position over the link's members
}

type simPriority struct {
	Type  int      `json:"priority_type"`
	Users []string `json:"priority_userid_list,omitempty"`
}

type simClick struct {
	ext string
	at  int64
}

type simLinkAdd struct {
	linkID, userID, ext, state string
	at                         int64
	chatStatus                 int
	received                   int // messages the member received from the customer
}

type simChatKey struct {
	add      *simLinkAdd
	received int
	expires  time.Time
}

type simQuota struct {
	total   int
	batches []*simQuotaBatch
}

type simQuotaBatch struct {
	left    int
	expires int64
}

func relationKey(userID, ext string) string { return strings.ToLower(userID) + "\x00" + ext }

// quotaOf returns the corp's quota, granting the default on first use.
func (a *acquisitionState) quotaOf(now time.Time) *simQuota {
	if a.quota == nil {
		a.quota = &simQuota{total: DefaultAcquisitionQuota,
			batches: []*simQuotaBatch{{left: DefaultAcquisitionQuota, expires: statDay(now.AddDate(1, 0, 0).Unix())}}}
	}
	return a.quota
}

func (q *simQuota) balance(now int64) int {
	n := 0
	for _, b := range q.batches {
		if b.expires > now {
			n += b.left
		}
	}
	return n
}

// take uses one unit from the batch that expires first.
func (q *simQuota) take(now int64) bool {
	var first *simQuotaBatch
	for _, b := range q.batches {
		if b.expires > now && b.left > 0 && (first == nil || b.expires < first.expires) {
			first = b
		}
	}
	if first == nil {
		return false
	}
	first.left--
	return true
}

// ---- callbacks ----

// acqEmit delivers corpID's callbacks before returning (see [Server.SetCallbackURL]); the
// caller must not hold s.mu.
func (s *Server) acqEmit(ctx context.Context, corpID string, plaintexts [][]byte) error {
	return s.emit(ctx, toCorp(corpID, plaintexts...))
}

func acquisitionEvent(corpID, changeType string, fields map[string]string) []byte {
	if fields == nil {
		fields = map[string]string{}
	}
	fields["ChangeType"] = changeType
	return EventCallback(corpID, "sys", 0, "customer_acquisition", fields)
}

// quotaEvents are the events of a balance change from before to after.
func quotaEvents(corpID string, before, after int) [][]byte {
	switch {
	case before == 0 && after > 0:
		return [][]byte{acquisitionEvent(corpID, "balance_increased", nil)}
	case after == 0 && before > 0:
		return [][]byte{acquisitionEvent(corpID, "balance_exhausted", nil)}
	case after < lowQuotaBalance && before >= lowQuotaBalance:
		return [][]byte{acquisitionEvent(corpID, "balance_low", nil)}
	}
	return nil
}

// ---- test helpers ----

// GrantAcquisitionQuota adds n (> 0) units of usage quota to corpID, valid until expires
// (counted from midnight, China time, of its day), as a purchase does. A balance going from 0
// to more sends balance_increased to the corp's callback URL (see [Server.SetCallbackURL]).
func (s *Server) GrantAcquisitionQuota(ctx context.Context, corpID string, n int, expires time.Time) error {
	if n <= 0 {
		return fmt.Errorf("wecomtest: grant of %d quota units", n)
	}
	s.mu.Lock()
	now := time.Now()
	q := s.book(corpID).acquisition.quotaOf(now)
	before := q.balance(now.Unix())
	q.total += n
	q.batches = append(q.batches, &simQuotaBatch{left: n, expires: statDay(expires.Unix())})
	events := quotaEvents(corpID, before, q.balance(now.Unix()))
	s.mu.Unlock()
	return s.acqEmit(ctx, corpID, events)
}

// ClearAcquisitionQuota leaves corpID with no acquisition quota at all (the default grant
// included), as a corp that never bought any; no callback is sent.
func (s *Server) ClearAcquisitionQuota(corpID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.book(corpID).acquisition.quota = &simQuota{}
}

// AcquisitionVisit is a WeChat user opening a customer acquisition link (获客链接).
type AcquisitionVisit struct {
	LinkID string
	// Channel is the customer_channel appended to the link's URL: the state of the relation
	// and of the link's customer list, cut to 64 bytes as WeCom does.
	Channel string
	// Customer is the WeChat user; an empty ExternalUserID gets a new one, an existing one
	// adds a member to that customer. FollowUsers is ignored.
	Customer SeedExternalContact
	// UserID is the member the customer adds, who must be in the link's range; empty picks
	// the link's members in turn (users, then departments' members), skipping members the
	// customer already has.
	UserID string
	// At is when it happens (create time of the relation, day of the statistics); zero is now.
	At time.Time
}

// AcquisitionAdd is what [Server.AddCustomerViaLink] did.
type AcquisitionAdd struct {
	ExternalUserID string
	UserID         string
	State          string
	WelcomeCode    string // valid for 20 seconds, once (send_welcome_msg)
	Callback       []byte // the add_external_contact plaintext sent to the corp's callback URL
}

// OpenAcquisitionLink records that a customer opened a link without adding anyone: it counts
// in the link's click_link_customer_cnt (once per customer and day).
func (s *Server) OpenAcquisitionLink(corpID string, v AcquisitionVisit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &s.book(corpID).acquisition
	a.init()
	l := a.links[v.LinkID]
	if l == nil {
		return fmt.Errorf("wecomtest: no acquisition link %q in corp %s", v.LinkID, corpID)
	}
	if v.Customer.ExternalUserID == "" {
		v.Customer.ExternalUserID = s.newID("wmAcq")
	}
	l.click(v.Customer.ExternalUserID, atOrNow(v.At))
	return nil
}

func (l *simLink) click(ext string, at int64) {
	day := statDay(at)
	for _, c := range l.clicks {
		if c.ext == ext && statDay(c.at) == day {
			return
		}
	}
	l.clicks = append(l.clicks, simClick{ext, at})
}

func atOrNow(t time.Time) int64 {
	if t.IsZero() {
		return time.Now().Unix()
	}
	return t.Unix()
}

// AddCustomerViaLink makes a WeChat user open a customer acquisition link and add one of its
// members, as WeCom does when a customer taps the link: it creates the customer (or adds the
// member to an existing one) with the follow relation (add_way 16, state = v.Channel), uses one
// unit of the corp's quota (ErrAcquisitionQuotaExhausted when none is left), records the add
// for customer_acquisition/customer, statistic and the contact statistics, issues a welcome
// code, and sends the add_external_contact callback (and balance_low or balance_exhausted when
// the balance crosses them) to the corp's callback URL and OnCallback functions (see
// [Server.SetCallbackURL]). When only a delivery fails, the add is kept: the result is
// returned with the delivery's error.
func (s *Server) AddCustomerViaLink(ctx context.Context, corpID string, v AcquisitionVisit) (*AcquisitionAdd, error) {
	s.mu.Lock()
	res, events, err := s.addViaLink(corpID, v)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return res, s.acqEmit(ctx, corpID, events)
}

func (s *Server) addViaLink(corpID string, v AcquisitionVisit) (*AcquisitionAdd, [][]byte, error) {
	b := s.book(corpID)
	a := &b.acquisition
	a.init()
	l := a.links[v.LinkID]
	if l == nil {
		return nil, nil, fmt.Errorf("wecomtest: no acquisition link %q in corp %s", v.LinkID, corpID)
	}
	now := time.Now()
	q := a.quotaOf(now)
	before := q.balance(now.Unix())
	if before == 0 {
		return nil, nil, ErrAcquisitionQuotaExhausted
	}
	e := &b.external
	ext := v.Customer.ExternalUserID
	if ext == "" {
		ext = s.newID("wmAcq")
	}
	x := e.contacts[ext]
	members := b.linkMembers(l)
	user := ""
	if v.UserID != "" {
		i := slices.IndexFunc(members, func(m string) bool { return strings.EqualFold(m, v.UserID) })
		if i < 0 {
			return nil, nil, fmt.Errorf("wecomtest: member %q is not in the range of link %s", v.UserID, l.id)
		}
		user = members[i]
		if x != nil && x.follows[strings.ToLower(user)] != nil {
			return nil, nil, fmt.Errorf("wecomtest: %s is already a customer of %s", ext, user)
		}
	} else {
		for i := range members {
			m := members[(l.next+i)%len(members)]
			if x == nil || x.follows[strings.ToLower(m)] == nil {
				user, l.next = m, l.next+i+1
				break
			}
		}
		if user == "" {
			return nil, nil, fmt.Errorf("wecomtest: no member of link %s is free for %s", l.id, ext)
		}
	}
	q.take(now.Unix())
	at := atOrNow(v.At)
	state := cutBytes(v.Channel, maxChannelBytes)
	if x == nil {
		c := v.Customer
		c.ExternalUserID, c.FollowUsers = ext, nil
		if c.Type == 0 {
			c.Type = 1
		}
		x = &simExternal{SeedExternalContact: c, follows: map[string]*SeedFollow{}}
		e.contacts[ext] = x
		e.sorted = nil
	}
	x.follows[strings.ToLower(user)] = &SeedFollow{UserID: user, CreateTime: at, AddWay: 16, State: state}
	code := s.newID("wc")
	e.codes[code] = &simWelcome{userID: user, externalUserID: ext, expires: now.Add(20 * time.Second)}
	add := &simLinkAdd{linkID: l.id, userID: user, ext: ext, state: state, at: at}
	l.customers = append(l.customers, add)
	l.click(ext, at)
	a.adds[relationKey(user, ext)] = add
	cb := EventCallback(corpID, "sys", 0, "change_external_contact", map[string]string{
		"ChangeType": "add_external_contact", "UserID": user, "ExternalUserID": ext, "State": state, "WelcomeCode": code})
	events := append([][]byte{cb}, quotaEvents(corpID, before, q.balance(now.Unix()))...)
	return &AcquisitionAdd{ExternalUserID: ext, UserID: user, State: state, WelcomeCode: code, Callback: cb}, events, nil
}

// cutBytes cuts s to at most n bytes on a character boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// linkMembers expands a link's range: its users, then its departments' members, without
// repeats.
func (b *addressBook) linkMembers(l *simLink) []string {
	var out []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[strings.ToLower(id)] {
			seen[strings.ToLower(id)] = true
			out = append(out, id)
		}
	}
	for _, u := range l.users {
		if su := b.users[strings.ToLower(u)]; su != nil {
			u = su.ID
		}
		add(u)
	}
	for _, d := range l.depts {
		for _, u := range b.deptMembers(d) {
			add(u.ID)
		}
	}
	return out
}

// AcquisitionLinkIDs returns the ids of corpID's acquisition links, oldest first.
func (s *Server) AcquisitionLinkIDs(corpID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.book(corpID).acquisition.linkIDs(0)
}

// linkIDs returns the sorted (= creation order) link ids of an app; agentID 0 means all.
func (a *acquisitionState) linkIDs(agentID int) []string {
	var ids []string
	for id, l := range a.links {
		if agentID == 0 || l.agentID == agentID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// ---- routes ----

func (s *Server) acquisitionRoutes() []route {
	return slices.Concat([]route{
		{post, "/cgi-bin/externalcontact/customer_acquisition/create_link", TokenCorp, s.acqCreateLink},
		{post, "/cgi-bin/externalcontact/customer_acquisition/update_link", TokenCorp, s.acqUpdateLink},
		{post, "/cgi-bin/externalcontact/customer_acquisition/delete_link", TokenCorp, s.acqDeleteLink},
		{post, "/cgi-bin/externalcontact/customer_acquisition/get", TokenCorp, s.acqGetLink},
		{post, "/cgi-bin/externalcontact/customer_acquisition/list_link", TokenCorp, s.acqListLinks},
		{post, "/cgi-bin/externalcontact/customer_acquisition/customer", TokenCorp, s.acqCustomers},
		{post, "/cgi-bin/externalcontact/customer_acquisition/statistic", TokenCorp, s.acqStatistic},
		{post, "/cgi-bin/externalcontact/customer_acquisition/get_chat_info", TokenCorp, s.acqChatInfo},
		{get, "/cgi-bin/externalcontact/customer_acquisition_quota", TokenCorp, s.acqQuota},
	}, s.statisticsRoutes(), s.servedContactRoutes(), s.attachmentRoutes())
}

// linkFields are the body of create_link and update_link; nil means absent.
type linkFields struct {
	LinkID string  `json:"link_id"`
	Name   *string `json:"link_name"`
	Range  *struct {
		Users []string `json:"user_list"`
		Depts []int    `json:"department_list"`
	} `json:"range"`
	SkipVerify *bool        `json:"skip_verify"`
	Priority   *simPriority `json:"priority_option"`
	MarkSource *bool        `json:"mark_source"`
}

func (s *Server) checkLinkFields(b *addressBook, in *linkFields) error {
	if in.Name != nil {
		switch n := utf8.RuneCountInString(*in.Name); {
		case n == 0:
			return errc(client.CodeInvalidParameter, "link_name is empty")
		case n > 30:
			return errc(client.CodeInvalidParameter, "link_name longer than 30 characters")
		}
	}
	if in.Range != nil {
		r := in.Range
		switch {
		case len(r.Users)+len(r.Depts) == 0:
			return errc(client.CodeInvalidParameter, "range.user_list and range.department_list are both empty")
		case len(r.Users) > maxLinkRangeUsers:
			return errc(client.CodeInvalidParameter, "range.user_list: at most 500 members")
		}
		if err := b.checkMembers(r.Users); err != nil {
			return err
		}
		for _, d := range r.Depts {
			if b.depts[d] == nil {
				return errc(client.CodeInvalidDepartmentID, "invalid department "+strconv.Itoa(d))
			}
		}
		if n := len(b.linkMembers(&simLink{users: r.Users, depts: r.Depts})); n > maxLinkRangeUsers {
			return errc(client.CodeInvalidParameter, fmt.Sprintf("range covers %d members, at most 500", n))
		}
	}
	if p := in.Priority; p != nil {
		switch {
		case p.Type != 1 && p.Type != 2:
			return errc(client.CodeInvalidParameter, "invalid priority_option.priority_type")
		case p.Type == 2 && len(p.Users) == 0:
			return errc(client.CodeInvalidParameter, "priority_option.priority_userid_list is required with priority_type 2")
		case len(p.Users) > maxLinkPriorityUsers:
			return errc(client.CodeInvalidParameter, "priority_option.priority_userid_list: at most 1000 members")
		}
		return b.checkMembers(p.Users)
	}
	return nil
}

// checkMembers answers 40003 for an unknown userid once the corp has members (an empty address
// book takes any id, as message sends do).
func (b *addressBook) checkMembers(ids []string) error {
	if b.open() {
		return nil
	}
	for _, u := range ids {
		if b.users[strings.ToLower(u)] == nil {
			return errc(client.CodeInvalidUserID, "invalid userid "+u)
		}
	}
	return nil
}

func (s *Server) acqCreateLink(c *Call) (any, error) {
	in, err := decode[linkFields](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	a := &b.acquisition
	a.init()
	switch {
	case in.Name == nil:
		return nil, errc(client.CodeInvalidParameter, "missing link_name")
	case in.Range == nil:
		return nil, errc(client.CodeInvalidParameter, "missing range")
	}
	if err := s.checkLinkFields(b, &in); err != nil {
		return nil, err
	}
	if len(a.links) >= maxAcquisitionLinks {
		return nil, errc(codeTooManyLinks, "too many customer acquisition links")
	}
	a.seq++
	id := fmt.Sprintf("cawcde%012x", a.seq)
	l := &simLink{id: id, name: *in.Name, url: "https://wecomtest.invalid/ca/" + id, created: time.Now().Unix(), agentID: c.Token.AgentID,
		skipVerify: in.SkipVerify == nil || *in.SkipVerify, markSource: in.MarkSource == nil || *in.MarkSource,
		users: in.Range.Users, depts: in.Range.Depts, priority: in.Priority}
	a.links[id] = l
	return J{"link": J{"link_id": id, "link_name": l.name, "url": l.url, "create_time": l.created}}, nil
}

// ownLink finds the link a request's link_id names among those the calling app created.
func (s *Server) ownLink(c *Call, id string) (*simLink, error) {
	if id == "" {
		return nil, errc(client.CodeInvalidParameter, "missing link_id")
	}
	a := &s.callBook(c).acquisition
	a.init()
	l := a.links[id]
	if l == nil || l.agentID != c.Token.AgentID {
		return nil, errc(client.CodeInvalidParameter, "invalid link_id: not a link of this app")
	}
	return l, nil
}

func (s *Server) acqUpdateLink(c *Call) (any, error) {
	in, err := decode[linkFields](c)
	if err != nil {
		return nil, err
	}
	l, err := s.ownLink(c, in.LinkID)
	if err != nil {
		return nil, err
	}
	if err := s.checkLinkFields(s.callBook(c), &in); err != nil {
		return nil, err
	}
	if in.Name != nil {
		l.name = *in.Name
	}
	if in.Range != nil {
		l.users, l.depts = in.Range.Users, in.Range.Depts
	}
	if in.Priority != nil {
		l.priority = in.Priority
	}
	if in.SkipVerify != nil {
		l.skipVerify = *in.SkipVerify
	}
	if in.MarkSource != nil {
		l.markSource = *in.MarkSource
	}
	return J{}, nil
}

func (s *Server) acqDeleteLink(c *Call) (any, error) {
	in, err := decode[linkFields](c)
	if err != nil {
		return nil, err
	}
	l, err := s.ownLink(c, in.LinkID)
	if err != nil {
		return nil, err
	}
	delete(s.callBook(c).acquisition.links, l.id)
	return J{}, nil
}

func (s *Server) acqGetLink(c *Call) (any, error) {
	in, err := decode[linkFields](c)
	if err != nil {
		return nil, err
	}
	l, err := s.ownLink(c, in.LinkID)
	if err != nil {
		return nil, err
	}
	out := J{
		"link":  J{"link_name": l.name, "url": l.url, "create_time": l.created, "skip_verify": l.skipVerify, "mark_source": l.markSource},
		"range": J{"user_list": nonNil(l.users), "department_list": nonNil(l.depts)},
	}
	if l.priority != nil {
		out["priority_option"] = J{"priority_type": l.priority.Type, "priority_userid_list": nonNil(l.priority.Users)}
	}
	return out, nil
}

func (s *Server) acqListLinks(c *Call) (any, error) {
	in, err := decode[struct {
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.Limit == 0 {
		in.Limit = 100
	}
	if in.Limit < 0 || in.Limit > 100 {
		return nil, errc(client.CodeInvalidParameter, "limit at most 100")
	}
	a := &s.callBook(c).acquisition
	a.init()
	page, next, err := pageOf(a.linkIDs(c.Token.AgentID), in.Cursor, in.Limit)
	if err != nil {
		return nil, err
	}
	return J{"link_id_list": nonNil(page), "next_cursor": next}, nil
}

func (s *Server) acqCustomers(c *Call) (any, error) {
	in, err := decode[struct {
		LinkID string `json:"link_id"`
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	l, err := s.ownLink(c, in.LinkID)
	if err != nil {
		return nil, err
	}
	if in.Limit == 0 {
		in.Limit = 1000
	}
	if in.Limit < 0 || in.Limit > 1000 {
		return nil, errc(client.CodeInvalidParameter, "limit at most 1000")
	}
	after, err := decodeCursor(in.Cursor)
	if err != nil {
		return nil, err
	}
	start := 0
	if in.Cursor != "" {
		if start, err = strconv.Atoi(strings.TrimPrefix(after, l.id+"/")); err != nil || !strings.HasPrefix(after, l.id+"/") || start < 0 || start > len(l.customers) {
			return nil, errc(client.CodeInvalidCursor, "invalid cursor")
		}
	}
	end := min(start+in.Limit, len(l.customers))
	out := make([]J, 0, end-start)
	for _, add := range l.customers[start:end] {
		out = append(out, J{"external_userid": add.ext, "userid": add.userID, "chat_status": add.chatStatus, "state": add.state})
	}
	next := ""
	if end < len(l.customers) {
		next = encodeCursor(l.id + "/" + strconv.Itoa(end))
	}
	return J{"customer_list": out, "next_cursor": next}, nil
}

func (s *Server) acqStatistic(c *Call) (any, error) {
	in, err := decode[struct {
		LinkID string `json:"link_id"`
		Start  int64  `json:"start_time"`
		End    int64  `json:"end_time"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.LinkID == "" {
		return nil, errc(client.CodeInvalidParameter, "missing link_id")
	}
	a := &s.callBook(c).acquisition
	a.init()
	l := a.links[in.LinkID]
	if l == nil {
		return nil, errc(client.CodeInvalidParameter, "invalid link_id")
	}
	from, to, err := statPeriod(in.Start, in.End, true, false)
	if err != nil {
		return nil, err
	}
	clicked := map[string]bool{}
	for _, k := range l.clicks {
		if k.at >= from && k.at < to {
			clicked[k.ext] = true
		}
	}
	added := 0
	for _, add := range l.customers {
		if add.at >= from && add.at < to {
			added++
		}
	}
	return J{"click_link_customer_cnt": len(clicked), "new_customer_cnt": added}, nil
}

func (s *Server) acqChatInfo(c *Call) (any, error) {
	in, err := decode[struct {
		ChatKey string `json:"chat_key"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.ChatKey == "" {
		return nil, errc(client.CodeInvalidParameter, "missing chat_key")
	}
	a := &s.callBook(c).acquisition
	a.init()
	k := a.chatKeys[in.ChatKey]
	if k == nil || !time.Now().Before(k.expires) {
		return nil, errc(codeInvalidChatKey, "invalid chat_key")
	}
	return J{"userid": k.add.userID, "external_userid": k.add.ext,
		"chat_info": J{"recv_msg_cnt": k.received, "link_id": k.add.linkID, "state": k.add.state}}, nil
}

func (s *Server) acqQuota(c *Call) (any, error) {
	now := time.Now()
	q := s.callBook(c).acquisition.quotaOf(now)
	batches := slices.Clone(q.batches)
	slices.SortStableFunc(batches, func(x, y *simQuotaBatch) int { return cmp.Compare(x.expires, y.expires) })
	list := []J{}
	for _, b := range batches {
		if b.expires > now.Unix() && b.left > 0 {
			list = append(list, J{"expire_date": b.expires, "balance": b.left})
		}
	}
	return J{"total": q.total, "balance": q.balance(now.Unix()), "quota_list": list}, nil
}
