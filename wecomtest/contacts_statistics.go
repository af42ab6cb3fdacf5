package wecomtest

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Statistics (统计管理) of customer contact and customer groups. They count what happened in
// the simulator, by day, China time (UTC+8):
//
//   - new_contact_cnt: relations created that day (SeedFollow.CreateTime, links' adds), also
//     those a customer later ended;
//   - new_apply_cnt: those of them the member started: every relation except the ones added
//     through an acquisition link (add_way 16), which the customer starts;
//   - chat_cnt, message_cnt, reply_percentage, avg_reply_time: the single chats of
//     [Server.AddSingleChat];
//   - negative_feedback_cnt: relations customers ended ([Server.DeleteFollowUser]);
//   - customer groups: SeedGroupChat.CreateTime and the members' JoinTime (0: the group's
//     create time), and the messages of [Server.AddGroupChatMessages]. Totals are as of the
//     end of the day (截至当天).

var chinaTime = time.FixedZone("CST", 8*3600)

// statDay is midnight, China time, of the day ts falls in.
func statDay(ts int64) int64 {
	t := time.Unix(ts, 0).In(chinaTime)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, chinaTime).Unix()
}

const (
	day             = 86400
	maxStatSpanDays = 30
	maxStatAgeDays  = 180
	maxStatUsers    = 100
)

// statPeriod checks a statistics period and returns [from, to) covering its whole days: start
// required, end required unless endRequired is false (then 0 means start's day), at most 30
// days apart, within the last 180 days, and, for customer groups, up to yesterday. 40058
// otherwise (WeCom documents no errcode of its own for these).
func statPeriod(start, end int64, endRequired, toYesterday bool) (from, to int64, err error) {
	switch {
	case start <= 0:
		return 0, 0, errc(client.CodeInvalidParameter, "missing start time")
	case end == 0 && !endRequired:
		end = start
	case end <= 0:
		return 0, 0, errc(client.CodeInvalidParameter, "missing end time")
	}
	from, last := statDay(start), statDay(end)
	today := statDay(time.Now().Unix())
	switch {
	case last < from:
		return 0, 0, errc(client.CodeInvalidParameter, "end time before start time")
	case last-from > maxStatSpanDays*day:
		return 0, 0, errc(client.CodeInvalidParameter, "time span over 30 days")
	case from < today-maxStatAgeDays*day:
		return 0, 0, errc(client.CodeInvalidParameter, "start time older than 180 days")
	case toYesterday && last >= today:
		return 0, 0, errc(client.CodeInvalidParameter, "statistics cover the days up to yesterday")
	}
	return from, last + day, nil
}

// ---- test helpers ----

// SingleChat is a member's single chat with a customer on one day, as the contact statistics
// (联系客户统计) and customer acquisition count it.
type SingleChat struct {
	UserID           string
	ExternalUserID   string
	At               time.Time // the chat's day; zero is now
	CustomerMessages int       // messages the customer sent
	MemberMessages   int       // messages the member sent
	// CustomerStarted says the customer wrote first; ReplyAfter is then how long the member
	// took to answer (when MemberMessages > 0).
	CustomerStarted bool
	ReplyAfter      time.Duration
}

type simSingleChat struct {
	SingleChat
	user string // lower-case
	at   int64
}

type simRemoval struct {
	user    string // lower-case
	ext     string
	created int64 // when the relation began
	addWay  int
	at      int64 // when the customer ended it
}

type simGroupMsg struct {
	chatID, sender string
	count          int
	at             int64
}

// AddSingleChat records a single chat between a member and a customer who have a relation.
// It counts in get_user_behavior_data; for a customer a link brought, the customer's messages
// also set chat_status 1 in customer_acquisition/customer and send customer_start_chat on the
// first message and message_from_customer (with a ChatKey for get_chat_info, valid 30 minutes)
// on the 3rd, 5th and 10th, to the corp's callback URL (see [Server.SetCallbackURL]).
func (s *Server) AddSingleChat(ctx context.Context, corpID string, chat SingleChat) error {
	s.mu.Lock()
	b := s.book(corpID)
	x := b.external.contacts[chat.ExternalUserID]
	if x == nil || x.follows[strings.ToLower(chat.UserID)] == nil {
		s.mu.Unlock()
		return fmt.Errorf("wecomtest: %s is not a customer of %s", chat.ExternalUserID, chat.UserID)
	}
	a := &b.acquisition
	a.init()
	a.chats = append(a.chats, simSingleChat{SingleChat: chat, user: strings.ToLower(chat.UserID), at: atOrNow(chat.At)})
	var events [][]byte
	if add := a.adds[relationKey(chat.UserID, chat.ExternalUserID)]; add != nil && chat.CustomerMessages > 0 {
		before := add.received
		add.received += chat.CustomerMessages
		add.chatStatus = 1
		ids := map[string]string{"UserID": add.userID, "ExternalUserID": add.ext, "LinkId": add.linkID}
		if before == 0 {
			events = append(events, acquisitionEvent(corpID, "customer_start_chat", ids))
		}
		for _, seq := range []int{3, 5, 10} {
			if before < seq && add.received >= seq {
				key := "CK" + strings.ToUpper(s.newID("chatkey"))
				a.chatKeys[key] = &simChatKey{add: add, received: seq, expires: time.Now().Add(chatKeyTTL)}
				// Since 2024-12-19 WeCom sends only LinkId and ChatKey in this event.
				events = append(events, acquisitionEvent(corpID, "message_from_customer", map[string]string{"LinkId": add.linkID, "ChatKey": key}))
			}
		}
	}
	s.mu.Unlock()
	return s.acqEmit(ctx, corpID, events)
}

// DeleteFollowUser makes a customer delete (or block) a member (删除跟进成员): the relation ends,
// it counts in the member's negative_feedback_cnt on at's day (zero: now), and the
// del_follow_user callback goes to the corp's callback URL (see [Server.SetCallbackURL]). A customer
// left without members is removed.
func (s *Server) DeleteFollowUser(ctx context.Context, corpID, externalUserID, userID string, at time.Time) error {
	s.mu.Lock()
	b := s.book(corpID)
	e := &b.external
	x := e.contacts[externalUserID]
	lower := strings.ToLower(userID)
	if x == nil || x.follows[lower] == nil {
		s.mu.Unlock()
		return fmt.Errorf("wecomtest: %s is not a customer of %s", externalUserID, userID)
	}
	f := x.follows[lower]
	delete(x.follows, lower)
	if len(x.follows) == 0 {
		delete(e.contacts, externalUserID)
		e.sorted = nil
	}
	a := &b.acquisition
	a.init()
	a.removed = append(a.removed, simRemoval{user: lower, ext: externalUserID, created: f.CreateTime, addWay: f.AddWay, at: atOrNow(at)})
	cb := EventCallback(corpID, "sys", 0, "change_external_contact", map[string]string{
		"ChangeType": "del_follow_user", "UserID": f.UserID, "ExternalUserID": externalUserID})
	s.mu.Unlock()
	return s.acqEmit(ctx, corpID, [][]byte{cb})
}

// GroupChatMessages are messages sent in a customer group on one day.
type GroupChatMessages struct {
	ChatID string
	Sender string // a member's userid or a customer's external_userid
	Count  int
	At     time.Time // zero is now
}

// AddGroupChatMessages records messages of a customer group (see [Server.AddGroupChat]) for
// the customer group statistics.
func (s *Server) AddGroupChatMessages(corpID string, m GroupChatMessages) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	if b.external.chats[m.ChatID] == nil {
		return fmt.Errorf("wecomtest: no customer group %q in corp %s", m.ChatID, corpID)
	}
	b.acquisition.groupMsgs = append(b.acquisition.groupMsgs, simGroupMsg{m.ChatID, m.Sender, m.Count, atOrNow(m.At)})
	return nil
}

// ---- routes ----

func (s *Server) statisticsRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/get_user_behavior_data", TokenCorp, s.statBehavior},
		{post, "/cgi-bin/externalcontact/groupchat/statistic", TokenCorp, s.statGroupByOwner},
		{post, "/cgi-bin/externalcontact/groupchat/statistic_group_by_day", TokenCorp, s.statGroupByDay},
	}
}

// dayCounts are one day's contact statistics.
type dayCounts struct {
	apply, contact, chat, msgs, negative int
	started, replied                     int
	replyMinutes                         float64
}

func (s *Server) statBehavior(c *Call) (any, error) {
	in, err := decode[struct {
		Users   []string `json:"userid"`
		Parties []int    `json:"partyid"`
		Start   int64    `json:"start_time"`
		End     int64    `json:"end_time"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	switch {
	case len(in.Users)+len(in.Parties) == 0:
		return nil, errc(client.CodeInvalidParameter, "userid and partyid are both empty")
	case len(in.Users) > maxStatUsers || len(in.Parties) > maxStatUsers:
		return nil, errc(client.CodeInvalidParameter, "userid and partyid: at most 100 each")
	}
	if err := b.checkMembers(in.Users); err != nil {
		return nil, err
	}
	users := map[string]bool{}
	for _, u := range in.Users {
		users[strings.ToLower(u)] = true
	}
	for _, p := range in.Parties {
		if b.depts[p] == nil {
			return nil, errc(client.CodeInvalidDepartmentID, fmt.Sprintf("invalid partyid %d", p))
		}
		for _, u := range b.deptMembers(p) {
			users[strings.ToLower(u.ID)] = true
		}
	}
	from, to, err := statPeriod(in.Start, in.End, true, false)
	if err != nil {
		return nil, err
	}
	days := make([]dayCounts, (to-from)/day)
	at := func(ts int64) *dayCounts {
		if ts < from || ts >= to {
			return nil
		}
		return &days[(ts-from)/day]
	}
	added := func(created int64, addWay int) {
		if d := at(created); d != nil {
			d.contact++
			if addWay != 16 { // links' customers start the relation themselves
				d.apply++
			}
		}
	}
	for _, x := range b.external.contacts {
		for u, f := range x.follows {
			if users[u] {
				added(f.CreateTime, f.AddWay)
			}
		}
	}
	a := &b.acquisition
	for _, r := range a.removed {
		if users[r.user] {
			added(r.created, r.addWay)
			if d := at(r.at); d != nil {
				d.negative++
			}
		}
	}
	// One chat per (member, customer, day); a chat's first record gives its reply time.
	type chatKey struct {
		user, ext string
		day       int64
	}
	chats := map[chatKey]*struct {
		member, customer int
		started          bool
		reply            time.Duration
	}{}
	for _, ch := range a.chats {
		if !users[ch.user] || at(ch.at) == nil {
			continue
		}
		k := chatKey{ch.user, ch.ExternalUserID, statDay(ch.at)}
		v := chats[k]
		if v == nil {
			v = &struct {
				member, customer int
				started          bool
				reply            time.Duration
			}{started: ch.CustomerStarted, reply: ch.ReplyAfter}
			chats[k] = v
		}
		v.member += ch.MemberMessages
		v.customer += ch.CustomerMessages
	}
	for k, v := range chats {
		d := at(k.day)
		if v.member > 0 {
			d.chat++
			d.msgs += v.member
		}
		if v.started && v.customer > 0 {
			d.started++
			if v.member > 0 {
				d.replied++
				d.replyMinutes += v.reply.Minutes()
			}
		}
	}
	out := make([]J, len(days))
	for i, d := range days {
		j := J{"stat_time": from + int64(i)*day, "new_apply_cnt": d.apply, "new_contact_cnt": d.contact, "chat_cnt": d.chat,
			"message_cnt": d.msgs, "negative_feedback_cnt": d.negative}
		if d.started > 0 {
			j["reply_percentage"] = math.Round(float64(d.replied)*10000/float64(d.started)) / 100
			avg := 0.0
			if d.replied > 0 {
				avg = math.Round(d.replyMinutes / float64(d.replied))
			}
			j["avg_reply_time"] = int(avg)
		}
		out[i] = j
	}
	return J{"behavior_data": out}, nil
}

// groupStatsBody is the body of both customer group statistics calls.
type groupStatsBody struct {
	Begin  int64 `json:"day_begin_time"`
	End    int64 `json:"day_end_time"`
	Owners *struct {
		UserIDs []string `json:"userid_list"`
	} `json:"owner_filter"`
	OrderBy  int  `json:"order_by"`
	OrderAsc int  `json:"order_asc"`
	Offset   int  `json:"offset"`
	Limit    *int `json:"limit"`
}

// groupStats are one owner's (or all owners') customer group statistics.
type groupStats struct {
	newChat, chats, chatsWithMsg, newMembers, members, membersWithMsg, msgs int
}

func (g groupStats) json() J {
	return J{"new_chat_cnt": g.newChat, "chat_total": g.chats, "chat_has_msg": g.chatsWithMsg, "new_member_cnt": g.newMembers,
		"member_total": g.members, "member_has_msg": g.membersWithMsg, "msg_total": g.msgs, "migrate_trainee_chat_cnt": 0}
}

// groupChatsOf returns the groups of the filtered owners (all owners when none is given),
// sorted by chat id; 81017 for no filter in a corp of more than 1000 members, as WeCom refuses
// to answer for a visible range that large.
func (s *Server) groupChatsOf(c *Call, in *groupStatsBody) ([]*SeedGroupChat, error) {
	b := s.callBook(c)
	var owners []string
	if in.Owners != nil {
		owners = in.Owners.UserIDs
	}
	switch {
	case len(owners) > maxStatUsers:
		return nil, errc(client.CodeInvalidParameter, "owner_filter.userid_list: at most 100 owners")
	case len(owners) == 0 && len(b.users) > 1000:
		return nil, errc(client.CodeRequestTooLarge, "owner_filter is empty and the visible range has more than 1000 members")
	}
	var out []*SeedGroupChat
	for _, g := range b.external.chats {
		if len(owners) == 0 || slices.ContainsFunc(owners, func(o string) bool { return strings.EqualFold(o, g.Owner) }) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(x, y *SeedGroupChat) int { return cmp.Compare(x.ChatID, y.ChatID) })
	return out, nil
}

// groupDay adds the statistics of group g on the day [d, d+1 day) to st: the new counts of the
// day and the totals as of its end. It reports whether the group existed by then.
func (a *acquisitionState) groupDay(g *SeedGroupChat, d int64, st *groupStats) bool {
	end := d + day
	if g.CreateTime >= end {
		return false
	}
	if g.CreateTime >= d {
		st.newChat++
	}
	st.chats++
	for _, m := range g.Members {
		join := m.JoinTime
		if join == 0 {
			join = g.CreateTime
		}
		if join < end {
			st.members++
			if join >= d {
				st.newMembers++
			}
		}
	}
	senders := map[string]bool{}
	n := 0
	for _, m := range a.groupMsgs {
		if m.chatID == g.ChatID && m.at < end {
			n += m.count
			senders[m.sender] = true
		}
	}
	if n > 0 {
		st.chatsWithMsg++
	}
	st.msgs += n
	st.membersWithMsg += len(senders)
	return true
}

func (s *Server) statGroupByOwner(c *Call) (any, error) {
	in, err := decode[groupStatsBody](c)
	if err != nil {
		return nil, err
	}
	limit := 500
	if in.Limit != nil {
		limit = *in.Limit
	}
	switch {
	case in.OrderBy < 0 || in.OrderBy > 4:
		return nil, errc(client.CodeInvalidParameter, "invalid order_by")
	case in.OrderAsc != 0 && in.OrderAsc != 1:
		return nil, errc(client.CodeInvalidParameter, "invalid order_asc")
	case in.Offset < 0 || limit < 1 || limit > 1000:
		return nil, errc(client.CodeInvalidParameter, "offset from 0, limit 1-1000")
	}
	from, to, err := statPeriod(in.Begin, in.End, false, true)
	if err != nil {
		return nil, err
	}
	chats, err := s.groupChatsOf(c, &in)
	if err != nil {
		return nil, err
	}
	a := &s.callBook(c).acquisition
	byOwner := map[string]*groupStats{}
	for _, g := range chats {
		var sum groupStats
		existed := false
		for d := from; d < to; d += day {
			var st groupStats
			if !a.groupDay(g, d, &st) {
				continue
			}
			existed = true
			sum.newChat += st.newChat
			sum.newMembers += st.newMembers
			// The totals are those of the last day.
			sum.chats, sum.chatsWithMsg, sum.members, sum.membersWithMsg, sum.msgs = st.chats, st.chatsWithMsg, st.members, st.membersWithMsg, st.msgs
		}
		if !existed {
			continue
		}
		o := byOwner[g.Owner]
		if o == nil {
			o = &groupStats{}
			byOwner[g.Owner] = o
		}
		o.newChat += sum.newChat
		o.chats += sum.chats
		o.chatsWithMsg += sum.chatsWithMsg
		o.newMembers += sum.newMembers
		o.members += sum.members
		o.membersWithMsg += sum.membersWithMsg
		o.msgs += sum.msgs
	}
	key := func(g *groupStats) int {
		switch in.OrderBy {
		case 2:
			return g.chats
		case 3:
			return g.newMembers
		case 4:
			return g.members
		}
		return g.newChat
	}
	owners := make([]string, 0, len(byOwner))
	for o := range byOwner {
		owners = append(owners, o)
	}
	slices.SortFunc(owners, func(x, y string) int {
		c := cmp.Compare(key(byOwner[x]), key(byOwner[y]))
		if in.OrderAsc == 0 {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(x, y))
	})
	start := min(in.Offset, len(owners))
	end := min(start+limit, len(owners))
	items := make([]J, 0, end-start)
	for _, o := range owners[start:end] {
		items = append(items, J{"owner": o, "data": byOwner[o].json()})
	}
	return J{"total": len(owners), "next_offset": end, "items": items}, nil
}

func (s *Server) statGroupByDay(c *Call) (any, error) {
	in, err := decode[groupStatsBody](c)
	if err != nil {
		return nil, err
	}
	from, to, err := statPeriod(in.Begin, in.End, false, true)
	if err != nil {
		return nil, err
	}
	chats, err := s.groupChatsOf(c, &in)
	if err != nil {
		return nil, err
	}
	a := &s.callBook(c).acquisition
	items := []J{}
	for d := from; d < to; d += day {
		var st groupStats
		for _, g := range chats {
			a.groupDay(g, d, &st)
		}
		items = append(items, J{"stat_time": d, "data": st.json()})
	}
	return J{"items": items}, nil
}
