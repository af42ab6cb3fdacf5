package wecomtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Mass messages (企业群发) to customers and customer groups. add_msg_template creates a task with
// a msgid, a member task per sender (unsent until the member sends it, see
// [Server.ConfirmMassMessage]) and a result per customer or group; the record endpoints
// (get_groupmsg_list_v2, get_groupmsg_task, get_groupmsg_send_result) read them back, and
// remind_groupmsg_send / cancel_groupmsg_send act on the unsent part.

// Errcodes of the mass-message records (the official global errcode page's).
const (
	codeMissingMassMsgID = client.CodeMissingMassMsgID     // 缺少企业群发消息id
	codeInvalidMassMsgID = client.CodeInvalidMassMsgID     // 无效的企业群发消息id
	codeMassCancelled    = client.CodeMassMessageCancelled // 群发任务已取消
	codeMassRemindLimit  = client.CodeMassRemindLimit      // 群发提醒超过频率限制
)

// Member task states (get_groupmsg_task) and per-recipient results (get_groupmsg_send_result).
const (
	massUnsent      = 0 // 未发送 (both)
	massMemberSent  = 2 // 已发送 (member task)
	massSent        = 1 // 已发送 (recipient)
	massNotFriend   = 2 // 因客户不是好友导致发送失败
	massOverLimit   = 3 // 因客户已经收到其他群发消息导致发送失败
	massRemindLimit = 3 // reminders per task in any 24 hours
)

// massMonthZone is the zone whose calendar months bound a recipient's monthly receiving limit:
// WeCom counts in China Standard Time.
var massMonthZone = time.FixedZone("CST", 8*3600)

// massState holds one corp's mass-message tasks; the zero value is usable.
type massState struct {
	tasks    map[string]*simMassTask // msgid → task
	order    []string                // msgids in creation order (sorted: newID pads its counter)
	received map[string]int          // recipient + "|" + month → mass messages received that month
}

type simMassTask struct {
	msgID      string
	chatType   string // "single" (customers) or "group" (customer groups)
	creator    string // member-created messages only: API tasks answer no creator
	createType int    // 0 created by the corp (API), 1 by a member
	createTime int64
	content    J                         // text and attachments as the creator sent them
	members    map[string]*simMassMember // lower-case userid → the member's part
	cancelled  bool
	reminds    []time.Time
}

// simMassMember is one member's part of a task.
type simMassMember struct {
	userID      string
	sendTime    int64                  // 0 until the member sent
	targets     []string               // customer or group ids, sorted
	results     map[string]*massResult // target → result
	chooseChats bool                   // a group task without chat_id_list: groups are chosen when sending
}

type massResult struct {
	status   int
	sendTime int64
}

func (m *massState) init() {
	if m.tasks == nil {
		m.tasks = map[string]*simMassTask{}
		m.received = map[string]int{}
	}
}

func (t *simMassTask) add(userID, target string) {
	k := strings.ToLower(userID)
	m := t.members[k]
	if m == nil {
		m = &simMassMember{userID: userID, results: map[string]*massResult{}}
		t.members[k] = m
	}
	if target != "" && m.results[target] == nil {
		m.targets = append(m.targets, target)
		m.results[target] = &massResult{}
	}
}

func (s *Server) massMessageRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/add_msg_template", TokenCorp, s.massAdd},
		{post, "/cgi-bin/externalcontact/get_groupmsg_list_v2", TokenCorp, s.massList},
		{post, "/cgi-bin/externalcontact/get_groupmsg_task", TokenCorp, s.massTasks},
		{post, "/cgi-bin/externalcontact/get_groupmsg_send_result", TokenCorp, s.massResults},
		{post, "/cgi-bin/externalcontact/remind_groupmsg_send", TokenCorp, s.massRemind},
		{post, "/cgi-bin/externalcontact/cancel_groupmsg_send", TokenCorp, s.massCancel},
	}
}

func (s *Server) massAdd(c *Call) (any, error) {
	in, err := decode[struct {
		ChatType    string   `json:"chat_type"`
		External    []string `json:"external_userid"`
		ChatIDs     []string `json:"chat_id_list"`
		Sender      string   `json:"sender"`
		Text        *J       `json:"text"`
		Attachments []J      `json:"attachments"`
		TagFilter   *struct {
			Groups []struct {
				TagIDs []string `json:"tag_list"`
			} `json:"group_list"`
		} `json:"tag_filter"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Text == nil && len(in.Attachments) == 0:
		return nil, errc(client.CodeInvalidParameter, "text and attachments are both empty")
	case len(in.Attachments) > 9:
		return nil, errc(client.CodeTooManyAttachments, "too many attachments")
	case in.ChatType != "" && in.ChatType != "single" && in.ChatType != "group":
		return nil, errc(client.CodeInvalidParameter, "invalid chat_type")
	case in.ChatType == "group" && in.Sender == "":
		return nil, errc(client.CodeInvalidParameter, "sender is required for chat_type group")
	case len(in.External) > 10000 || len(in.ChatIDs) > 2000:
		return nil, errc(client.CodeInvalidParameter, "too many customers or groups")
	}
	b := s.callBook(c)
	e := &b.external
	ms := b.moments.massState()
	now := b.moments.clock()
	t := &simMassTask{chatType: "single", createTime: now.Unix(), members: map[string]*simMassMember{}}
	var fail []string
	seen := map[string]bool{}
	if in.ChatType == "group" {
		t.chatType = "group"
		t.add(in.Sender, "")
		t.members[strings.ToLower(in.Sender)].chooseChats = len(in.ChatIDs) == 0
		for _, id := range in.ChatIDs {
			if g := e.chats[id]; g != nil && strings.EqualFold(g.Owner, in.Sender) && !seen[id] {
				t.add(in.Sender, id)
			} else if !seen[id] {
				fail = append(fail, id)
			}
			seen[id] = true
		}
		if len(in.ChatIDs) > 0 && len(t.members[strings.ToLower(in.Sender)].targets) == 0 {
			return nil, errc(client.CodeNoCustomersToSend, "no valid customer group")
		}
	} else {
		sender := strings.ToLower(in.Sender)
		if len(in.External) > 0 {
			// external_userid given: tag_filter is ignored, as documented.
			for _, id := range in.External {
				if seen[id] {
					continue
				}
				seen[id] = true
				var f *SeedFollow
				if x := e.contacts[id]; x != nil && sender != "" {
					f = x.follows[sender]
				} else if x != nil {
					f = lastFollow(x, nil)
				}
				if f == nil {
					fail = append(fail, id)
					continue
				}
				t.add(f.UserID, id)
			}
		} else {
			var groups [][]string
			if in.TagFilter != nil {
				for _, g := range in.TagFilter.Groups {
					groups = append(groups, g.TagIDs)
				}
			}
			for _, id := range e.order() {
				f := lastFollow(e.contacts[id], func(f *SeedFollow) bool {
					return (sender == "" || strings.ToLower(f.UserID) == sender) && tagsMatch(f.TagIDs, groups)
				})
				if f != nil {
					t.add(f.UserID, id)
				}
			}
		}
		if len(t.members) == 0 {
			return nil, errc(client.CodeNoCustomersToSend, "no valid recipients")
		}
	}
	for _, m := range t.members {
		slices.Sort(m.targets)
	}
	body, _ := decode[J](c)
	t.msgID = s.newID("msgSIMMASS")
	t.content = J{}
	for _, k := range []string{"text", "attachments"} {
		if v, ok := body[k]; ok {
			t.content[k] = v
		}
	}
	ms.tasks[t.msgID] = t
	ms.order = append(ms.order, t.msgID)
	body["msgid"] = t.msgID
	e.mass = append(e.mass, body)
	return J{"msgid": t.msgID, "fail_list": append([]string{}, fail...)}, nil
}

// lastFollow is the follow-up member a message to x goes to: WeCom pushes a mass message to the
// member who last talked with the customer; the simulator takes the newest relationship
// (ties: the lowest userid) among those ok accepts (nil: all).
func lastFollow(x *simExternal, ok func(*SeedFollow) bool) *SeedFollow {
	var best *SeedFollow
	for _, k := range slices.Sorted(maps.Keys(x.follows)) {
		f := x.follows[k]
		if (ok == nil || ok(f)) && (best == nil || f.CreateTime > best.CreateTime) {
			best = f
		}
	}
	return best
}

// tagsMatch applies a tag filter: tags within a group are OR-ed, the groups AND-ed.
func tagsMatch(have []string, groups [][]string) bool {
	for _, g := range groups {
		if !slices.ContainsFunc(g, func(id string) bool { return slices.Contains(have, id) }) {
			return false
		}
	}
	return true
}

// deliver sends a task's message to one recipient of member m at now: a customer who is no
// longer m's customer (or a group that is gone) fails with 2, one that reached its monthly
// limit (as many mass messages as the month has days) fails with 3.
func (b *addressBook) deliver(t *simMassTask, m *simMassMember, target string, now time.Time) {
	r := m.results[target]
	e := &b.external
	if t.chatType == "group" {
		if e.chats[target] == nil {
			r.status = massNotFriend
			return
		}
	} else if x := e.contacts[target]; x == nil || x.follows[strings.ToLower(m.userID)] == nil {
		r.status = massNotFriend
		return
	}
	local := now.In(massMonthZone)
	key := target + "|" + local.Format("2006-01")
	days := time.Date(local.Year(), local.Month()+1, 0, 0, 0, 0, 0, massMonthZone).Day()
	ms := b.moments.massState()
	if ms.received[key] >= days {
		r.status = massOverLimit
		return
	}
	ms.received[key]++
	r.status, r.sendTime = massSent, now.Unix()
}

// send makes member m send their part of t at now.
func (b *addressBook) send(t *simMassTask, m *simMassMember, now time.Time) {
	m.sendTime = now.Unix()
	if m.chooseChats {
		// The member picks the groups in the app: the simulator picks every group they own.
		for _, id := range slices.Sorted(maps.Keys(b.external.chats)) {
			if strings.EqualFold(b.external.chats[id].Owner, m.userID) {
				m.targets = append(m.targets, id)
				m.results[id] = &massResult{}
			}
		}
	}
	for _, id := range m.targets {
		b.deliver(t, m, id, now)
	}
}

// ConfirmMassMessage makes member userID send their part of mass-message task msgID, as the
// member does by confirming the task in the WeCom app (成员确认发送): the member's task turns
// sent and each recipient gets a result — sent, not a customer of the member any more (2), or
// over the monthly receiving limit (3). For a group task created without chat_id_list the
// member sends to every customer group they own. It fails for an unknown task or member, a
// part already sent, and a task stopped by cancel_groupmsg_send.
func (s *Server) ConfirmMassMessage(corpID, msgID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	t := b.moments.massState().tasks[msgID]
	switch {
	case t == nil:
		return fmt.Errorf("wecomtest: corp %s has no mass message %q", corpID, msgID)
	case t.cancelled:
		return fmt.Errorf("wecomtest: mass message %q was cancelled", msgID)
	}
	m := t.members[strings.ToLower(userID)]
	switch {
	case m == nil:
		return fmt.Errorf("wecomtest: %s is not a sender of mass message %q", userID, msgID)
	case m.sendTime != 0:
		return fmt.Errorf("wecomtest: %s already sent mass message %q", userID, msgID)
	}
	b.send(t, m, b.moments.clock())
	return nil
}

// SeedMassMessage is a mass message a member created and sent in the WeCom app (个人发表), added
// by [Server.AddMemberMassMessage].
type SeedMassMessage struct {
	Creator         string
	ChatType        string   // "single" (the default) or "group"
	CreateTime      int64    // Unix seconds; 0 means now
	Text            string   // the message text
	ExternalUserIDs []string // the customers it went to (single)
	ChatIDs         []string // the customer groups it went to (group)
}

// AddMemberMassMessage records a mass message member m.Creator created and sent themselves, so
// the record lists have member-created entries (create_type 1) beside the API's tasks, and
// returns its msgid. The message counts against the recipients' monthly limit like any other.
func (s *Server) AddMemberMassMessage(corpID string, m SeedMassMessage) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	ms := b.moments.massState()
	now := b.moments.clock()
	if m.CreateTime != 0 {
		now = time.Unix(m.CreateTime, 0)
	}
	t := &simMassTask{msgID: s.newID("msgSIMMASS"), chatType: "single", creator: m.Creator, createType: 1,
		createTime: now.Unix(), content: J{"text": J{"content": m.Text}}, members: map[string]*simMassMember{}}
	targets := m.ExternalUserIDs
	if m.ChatType == "group" {
		t.chatType, targets = "group", m.ChatIDs
	}
	t.add(m.Creator, "")
	for _, id := range targets {
		t.add(m.Creator, id)
	}
	mm := t.members[strings.ToLower(m.Creator)]
	slices.Sort(mm.targets)
	b.send(t, mm, now)
	ms.tasks[t.msgID] = t
	ms.order = append(ms.order, t.msgID)
	return t.msgID
}

// MassMessages returns the mass-message tasks (企业群发) created in corpID through
// add_msg_template, in order, as their request bodies plus the msgid they got.
func (s *Server) MassMessages(corpID string) []J {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.book(corpID).external.mass)
}

// maxGroupMsgRange is the longest get_groupmsg_list_v2 range: "no more than one month", taken
// as 31 days.
const maxGroupMsgRange = 31 * 24 * 3600

// listLimit is WeCom's limit rule for the record lists: absent, zero or over max takes the default.
func listLimit(limit, def, max int) int {
	if limit <= 0 || limit > max {
		return def
	}
	return limit
}

// checkRange refuses a missing or reversed time range and one longer than max seconds.
func checkRange(start, end, max int64) error {
	switch {
	case start <= 0 || end <= 0:
		return errc(client.CodeInvalidParameter, "start_time and end_time are required")
	case end < start:
		return errc(client.CodeInvalidParameter, "end_time is before start_time")
	case end-start > max:
		return errc(client.CodeInvalidParameter, fmt.Sprintf("time range exceeds %d days", max/(24*3600)))
	}
	return nil
}

func (s *Server) massList(c *Call) (any, error) {
	in, err := decode[struct {
		ChatType   string `json:"chat_type"`
		StartTime  int64  `json:"start_time"`
		EndTime    int64  `json:"end_time"`
		Creator    string `json:"creator"`
		FilterType *int   `json:"filter_type"`
		Limit      int    `json:"limit"`
		Cursor     string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	chat := in.ChatType
	if chat == "" {
		chat = "single"
	}
	filter := 2
	if in.FilterType != nil {
		filter = *in.FilterType
	}
	switch {
	case chat != "single" && chat != "group":
		return nil, errc(client.CodeInvalidParameter, "invalid chat_type")
	case filter < 0 || filter > 2:
		return nil, errc(client.CodeInvalidParameter, "invalid filter_type")
	}
	if err := checkRange(in.StartTime, in.EndTime, maxGroupMsgRange); err != nil {
		return nil, err
	}
	ms := s.callBook(c).moments.massState()
	var keys []string
	for _, id := range ms.order {
		t := ms.tasks[id]
		if t.chatType == chat && t.createTime >= in.StartTime && t.createTime <= in.EndTime &&
			(in.Creator == "" || strings.EqualFold(t.creator, in.Creator)) && (filter == 2 || t.createType == filter) {
			keys = append(keys, id)
		}
	}
	page, next, err := pageOf(keys, in.Cursor, listLimit(in.Limit, 50, 100))
	if err != nil {
		return nil, err
	}
	out := []J{}
	for _, id := range page {
		t := ms.tasks[id]
		// create_time is a string in the documented answer.
		j := J{"msgid": t.msgID, "create_time": fmt.Sprint(t.createTime), "create_type": t.createType}
		if t.creator != "" {
			j["creator"] = t.creator
		}
		maps.Copy(j, t.content)
		out = append(out, j)
	}
	return J{"group_msg_list": out, "next_cursor": next}, nil
}

// massTask finds the task a record request names.
func (s *Server) massTask(c *Call, msgID string) (*simMassTask, error) {
	if msgID == "" {
		return nil, errc(codeMissingMassMsgID, "missing msgid")
	}
	t := s.callBook(c).moments.massState().tasks[msgID]
	if t == nil {
		return nil, errc(codeInvalidMassMsgID, "invalid msgid")
	}
	return t, nil
}

func (s *Server) massTasks(c *Call) (any, error) {
	in, err := decode[struct {
		MsgID  string `json:"msgid"`
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	t, err := s.massTask(c, in.MsgID)
	if err != nil {
		return nil, err
	}
	page, next, err := pageOf(slices.Sorted(maps.Keys(t.members)), in.Cursor, listLimit(in.Limit, 500, 1000))
	if err != nil {
		return nil, err
	}
	out := []J{}
	for _, k := range page {
		m := t.members[k]
		j := J{"userid": m.userID, "status": massUnsent}
		if m.sendTime != 0 {
			j["status"], j["send_time"] = massMemberSent, m.sendTime
		}
		out = append(out, j)
	}
	return J{"task_list": out, "next_cursor": next}, nil
}

func (s *Server) massResults(c *Call) (any, error) {
	in, err := decode[struct {
		MsgID  string `json:"msgid"`
		UserID string `json:"userid"`
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	t, err := s.massTask(c, in.MsgID)
	if err != nil {
		return nil, err
	}
	if in.UserID == "" {
		return nil, errc(client.CodeMissingUserID, "missing userid")
	}
	var keys []string
	m := t.members[strings.ToLower(in.UserID)]
	if m != nil {
		keys = m.targets
		if t.chatType == "group" {
			// The member has not chosen groups before sending: only sent records are listed.
			keys = slices.DeleteFunc(slices.Clone(keys), func(id string) bool { return m.results[id].status == massUnsent })
		}
	}
	page, next, err := pageOf(keys, in.Cursor, listLimit(in.Limit, 500, 1000))
	if err != nil {
		return nil, err
	}
	out := make([]J, 0, len(page))
	idField := "external_userid"
	if t.chatType == "group" {
		idField = "chat_id"
	}
	for _, id := range page {
		r := m.results[id]
		j := J{idField: id, "userid": m.userID, "status": r.status}
		if r.status == massSent {
			j["send_time"] = r.sendTime
		}
		out = append(out, j)
	}
	return J{"send_list": out, "next_cursor": next}, nil
}

type msgIDBody struct {
	MsgID string `json:"msgid"`
}

func (s *Server) massRemind(c *Call) (any, error) {
	in, err := decode[msgIDBody](c)
	if err != nil {
		return nil, err
	}
	t, err := s.massTask(c, in.MsgID)
	if err != nil {
		return nil, err
	}
	if t.cancelled {
		return nil, errc(codeMassCancelled, "group msg task has been cancelled")
	}
	now := s.callBook(c).moments.clock()
	t.reminds = slices.DeleteFunc(t.reminds, func(at time.Time) bool { return now.Sub(at) >= 24*time.Hour })
	if len(t.reminds) >= massRemindLimit {
		return nil, errc(codeMassRemindLimit, "remind group msg freq out of limit: 3 times in 24 hours")
	}
	t.reminds = append(t.reminds, now)
	return J{}, nil
}

// massCancel stops the members' unsent parts; what was sent stays sent.
func (s *Server) massCancel(c *Call) (any, error) {
	in, err := decode[msgIDBody](c)
	if err != nil {
		return nil, err
	}
	t, err := s.massTask(c, in.MsgID)
	if err != nil {
		return nil, err
	}
	t.cancelled = true
	return J{}, nil
}
