package wecomtest

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

// Customer handover (在职继承, 离职继承): a member's customers are handed to another member. A
// handover starts per customer and waits 24 hours, during which the customer may refuse
// (RefuseTransfer); then the follow-up relationship moves to the taking-over member (status 1),
// or the handover fails (status 3 refused, 4 the taking-over member has too many customers) and
// a transfer_fail callback goes out. Time runs on the corp's handover clock, wall time plus
// what AdvanceTransferClock added. Group chat handover is in contacts_transfers_chats.go;
// the corp's 「加入群聊」 ways and group welcome templates share this state (see
// contacts_joinways.go and contacts_welcome.go).
//
// A member has left (离职) once ResignUser removed them, or when the corp has members (see
// AddUsers) and they are not among them: removed by user/delete, or a follow-up member who
// never was in the address book. In a corp without members nobody else has left, as message
// sends take every recipient there.

// Errcodes of these pages that package client has no constant for.
const (
	codeTakeoverCustomerLimit = client.CodeCustomerLimitReached     // 成员的外部联系人数量已达上限
	codeCustomerInTransfer    = client.CodeCustomerInTransfer       // 当前客户正在转接中
	codeChatOwnerNotResigned  = client.CodeGroupOwnerNotResigned    // 群主并未离职
	codeNotCustomerGroup      = client.CodeNotCustomerGroup         // 该群不是客户群
	codeChatOwnerResigned     = client.CodeGroupOwnerResigned       // 群主已经离职
	codeChatOwnerUnchanged    = client.CodeGroupOwnerUnchanged      // 群主没变
	codeChatAlreadyInherited  = client.CodeResignedGroupTransferred // 离职群已经继承
)

// Handover statuses (接替状态) of transfer_result.
const (
	transferDone    = 1 // 接替完毕
	transferWaiting = 2 // 等待接替
	transferRefused = 3 // 客户拒绝
	transferLimit   = 4 // 接替成员客户达到上限
)

const (
	transferWait      = 24 * time.Hour      // a started handover completes after this
	transferWindow    = 90 * 24 * time.Hour // at most transferPerWindow on-job handovers per customer / chat
	transferPerWindow = 2
	chatsPerOwnerDay  = 300 // group chats of one owner handed over per day
	maxTransferIDs    = 100 // external_userid and chat_id_list per call
)

// transferState is one corp's handover state, plus its join ways and group welcome templates.
// Its zero value is usable: the maps are made on first use (ready).
type transferState struct {
	offset    time.Duration                      // added to the wall clock: AdvanceTransferClock
	results   map[string]map[string]*simTransfer // kind|handover|takeover → external_userid → latest handover
	pending   map[string]*simTransfer            // external_userid|handover → handover waiting
	nextDue   time.Time                          // no waiting handover completes before
	history   map[string][]time.Time             // external_userid → starts of on-job handovers
	resigned  map[string]time.Time               // lower-case userid → when the member was seen gone
	limits    map[string]int                     // lower-case userid → customer cap (SetCustomerLimit)
	chatMoves map[string][]time.Time             // chat_id → on-job group chat handovers
	chatDaily map[string]int                     // old owner|day → group chats handed over that day
	inherited map[string]bool                    // chat_ids taken over from a member who left

	joinWays  joinWayState
	templates groupWelcomeState
}

// simTransfer is one customer's handover.
type simTransfer struct {
	resigned           bool
	handover, takeover string
	external           string
	status             int
	due                time.Time // when a waiting handover completes
	takeoverTime       int64     // answered takeover_time
}

func (t *transferState) ready() {
	if t.results == nil {
		t.results = map[string]map[string]*simTransfer{}
		t.pending = map[string]*simTransfer{}
		t.history = map[string][]time.Time{}
		t.resigned = map[string]time.Time{}
		t.limits = map[string]int{}
		t.chatMoves = map[string][]time.Time{}
		t.chatDaily = map[string]int{}
		t.inherited = map[string]bool{}
	}
}

func (t *transferState) now() time.Time { return time.Now().Add(t.offset) }

func resultKey(resigned bool, handover, takeover string) string {
	kind := "onjob"
	if resigned {
		kind = "resigned"
	}
	return kind + "|" + strings.ToLower(handover) + "|" + strings.ToLower(takeover)
}

// ---- exported controls ----

// AdvanceTransferClock moves corpID's handover clock forward by d: handovers whose 24 hours
// are up complete (or fail, with a transfer_fail callback), and the 90-day and per-day
// handover limits age by d. The callbacks go to the corp's callback URL (see
// [Server.SetCallbackURL]) before it returns.
func (s *Server) AdvanceTransferClock(corpID string, d time.Duration) {
	s.mu.Lock()
	b := s.book(corpID)
	b.transfers.ready()
	b.transfers.offset += d
	events := s.settleTransfers(corpID, b)
	s.mu.Unlock()
	_ = s.emit(context.Background(), toCorp(corpID, events...))
}

// RefuseTransfer makes a customer refuse its waiting handovers, as the customer can within 24
// hours: each gets status 3 (客户拒绝), the customer stays where it was, and a transfer_fail
// callback (customer_refused) goes to the corp's callback URL (see [Server.SetCallbackURL])
// before it returns. It reports whether a handover
// was waiting.
func (s *Server) RefuseTransfer(corpID, externalUserID string) bool {
	s.mu.Lock()
	b := s.book(corpID)
	ts := &b.transfers
	ts.ready()
	var events [][]byte
	for _, key := range slices.Sorted(maps.Keys(ts.pending)) {
		if t := ts.pending[key]; t.external == externalUserID {
			events = append(events, s.failTransfer(corpID, ts, t, transferRefused))
		}
	}
	s.mu.Unlock()
	_ = s.emit(context.Background(), toCorp(corpID, events...))
	return len(events) > 0
}

// ResignUser removes a member from corpID's address book as leaving the corp (离职) at the
// current handover clock time: their customers show in get_unassigned_list and their
// customers and group chats can be handed over with the resigned APIs. Removing a member with
// user/delete has the same effect, dated when a handover call first notices it.
func (s *Server) ResignUser(corpID, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	b.transfers.ready()
	b.deleteUser(userID)
	b.transfers.resigned[strings.ToLower(userID)] = b.transfers.now()
}

// SetCustomerLimit caps the customers userID may have (0 removes the cap; there is none by
// default). A handover to a member at the cap is refused per customer with 40099; one that
// would pass it when its 24 hours are up ends with status 4 (接替成员客户达到上限) and a
// transfer_fail callback (customer_limit_exceed).
func (s *Server) SetCustomerLimit(corpID, userID string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := &s.book(corpID).transfers
	ts.ready()
	if n <= 0 {
		delete(ts.limits, strings.ToLower(userID))
		return
	}
	ts.limits[strings.ToLower(userID)] = n
}

// ---- members who left ----

// member returns the active member userID (nil in a corp without members, where everyone who
// has not been resigned counts as a member) and whether they are one.
func (b *addressBook) member(userID string) (*simUser, bool) {
	id := strings.ToLower(userID)
	if u := b.users[id]; u != nil {
		return u, true
	}
	if _, gone := b.transfers.resigned[id]; gone {
		return nil, false
	}
	return nil, b.open()
}

// hasLeft reports whether userID left the corp, noting when it was first seen gone.
func (b *addressBook) hasLeft(userID string) bool {
	if _, ok := b.member(userID); ok {
		return false
	}
	ts := &b.transfers
	if _, ok := ts.resigned[strings.ToLower(userID)]; !ok {
		ts.resigned[strings.ToLower(userID)] = ts.now()
	}
	return true
}

// takeoverMember checks the member taking over customers or group chats.
func (b *addressBook) takeoverMember(userID string) error {
	u, ok := b.member(userID)
	switch {
	case !ok:
		return errc(client.CodeInvalidUserID, "invalid userid "+userID)
	case u != nil && u.Status != 1:
		return errc(client.CodeMemberNotActivated, "member not activated: "+userID)
	}
	return nil
}

// memberName returns userID as the address book spells it.
func (b *addressBook) memberName(userID string) string {
	if u := b.users[strings.ToLower(userID)]; u != nil {
		return u.ID
	}
	return userID
}

// customers counts userID's customers.
func (b *addressBook) customers(userID string) int {
	id := strings.ToLower(userID)
	n := 0
	for _, x := range b.external.contacts {
		if x.follows[id] != nil {
			n++
		}
	}
	return n
}

// customersOf counts userID's customers plus the handovers waiting to give them more.
func (b *addressBook) customersOf(userID string) int {
	n := b.customers(userID)
	for _, t := range b.transfers.pending {
		if strings.EqualFold(t.takeover, userID) {
			n++
		}
	}
	return n
}

// ---- routes ----

func (s *Server) transferRoutes() []route {
	return append([]route{
		{post, "/cgi-bin/externalcontact/transfer_customer", TokenCorp, s.transferOnJob},
		{post, "/cgi-bin/externalcontact/transfer_result", TokenCorp, s.transferResultOnJob},
		{post, "/cgi-bin/externalcontact/resigned/transfer_customer", TokenCorp, s.transferResigned},
		{post, "/cgi-bin/externalcontact/resigned/transfer_result", TokenCorp, s.transferResultResigned},
		{post, "/cgi-bin/externalcontact/get_unassigned_list", TokenCorp, s.unassignedList},
		{post, "/cgi-bin/externalcontact/groupchat/transfer", TokenCorp, s.chatTransferResigned},
		{post, "/cgi-bin/externalcontact/groupchat/onjob_transfer", TokenCorp, s.chatTransferOnJob},
	}, s.joinWayRoutes()...)
}

// transferBook is the caller's address book with its handovers settled up to now.
func (s *Server) transferBook(c *Call) *addressBook {
	b := s.callBook(c)
	b.transfers.ready()
	s.emitLater(toCorp(c.Token.CorpID, s.settleTransfers(c.Token.CorpID, b)...))
	return b
}

type transferBody struct {
	Handover   string   `json:"handover_userid"`
	Takeover   string   `json:"takeover_userid"`
	External   []string `json:"external_userid"`
	SuccessMsg *string  `json:"transfer_success_msg"`
}

func (s *Server) transferOnJob(c *Call) (any, error)    { return s.transferCustomers(c, false) }
func (s *Server) transferResigned(c *Call) (any, error) { return s.transferCustomers(c, true) }

func (s *Server) transferCustomers(c *Call, resigned bool) (any, error) {
	in, err := decode[transferBody](c)
	if err != nil {
		return nil, err
	}
	b := s.transferBook(c)
	ts := &b.transfers
	switch {
	case in.Handover == "" || in.Takeover == "":
		return nil, errc(client.CodeMissingUserID, "handover_userid and takeover_userid are required")
	case len(in.External) == 0:
		return nil, errc(client.CodeMissingExternalUserID, "external_userid is required")
	case len(in.External) > maxTransferIDs:
		return nil, errc(client.CodeInvalidParameter, "external_userid: at most 100 customers a call")
	case strings.EqualFold(in.Handover, in.Takeover):
		return nil, errc(client.CodeInvalidParameter, "handover_userid and takeover_userid are the same member")
	case in.SuccessMsg != nil && utf8.RuneCountInString(*in.SuccessMsg) > 200:
		return nil, errc(client.CodeInvalidParameter, "transfer_success_msg: at most 200 characters")
	}
	if err := b.takeoverMember(in.Takeover); err != nil {
		return nil, err
	}
	if left := b.hasLeft(in.Handover); resigned && !left {
		return nil, errc(client.CodeMemberNotResigned, "handover_userid has not left the corp")
	} else if !resigned && left {
		return nil, errc(client.CodeInvalidUserID, "handover_userid is not an active member")
	}
	now := ts.now()
	limit, capped := ts.limits[strings.ToLower(in.Takeover)]
	held := 0
	if capped {
		held = b.customersOf(in.Takeover)
	}
	hand, take := strings.ToLower(in.Handover), strings.ToLower(in.Takeover)
	out := make([]J, 0, len(in.External))
	for _, ext := range in.External {
		code := 0
		x := b.external.contacts[ext]
		switch {
		case x == nil:
			code = client.CodeInvalidExternalUserID
		case x.follows[hand] == nil:
			code = client.CodeNoExternalContactRelation
		case ts.pending[ext+"|"+hand] != nil:
			code = codeCustomerInTransfer
		case !resigned && len(recent(ts.history[ext], now)) >= transferPerWindow:
			code = client.CodeCustomerTransferTooFrequent
		case capped && x.follows[take] == nil && held >= limit:
			code = codeTakeoverCustomerLimit
		}
		out = append(out, J{"external_userid": ext, "errcode": code})
		if code != 0 {
			continue
		}
		t := &simTransfer{resigned: resigned, handover: b.memberName(in.Handover), takeover: b.memberName(in.Takeover), external: ext,
			status: transferWaiting, due: now.Add(transferWait)}
		t.takeoverTime = t.due.Unix()
		ts.pending[ext+"|"+hand] = t
		if ts.nextDue.IsZero() || t.due.Before(ts.nextDue) {
			ts.nextDue = t.due
		}
		key := resultKey(resigned, in.Handover, in.Takeover)
		if ts.results[key] == nil {
			ts.results[key] = map[string]*simTransfer{}
		}
		ts.results[key][ext] = t
		if !resigned {
			ts.history[ext] = append(recent(ts.history[ext], now), now)
		}
		held++
	}
	return J{"customer": out}, nil
}

// recent returns the times within the 90-day window before now.
func recent(ts []time.Time, now time.Time) []time.Time {
	return slices.DeleteFunc(ts, func(t time.Time) bool { return !t.After(now.Add(-transferWindow)) })
}

// settleTransfers completes or fails the handovers whose 24 hours are up and returns the
// callbacks to deliver. s.mu is held.
func (s *Server) settleTransfers(corpID string, b *addressBook) [][]byte {
	ts := &b.transfers
	now := ts.now()
	if len(ts.pending) == 0 || now.Before(ts.nextDue) {
		return nil
	}
	var due []string
	ts.nextDue = time.Time{}
	for key, t := range ts.pending {
		switch {
		case !now.Before(t.due):
			due = append(due, key)
		case ts.nextDue.IsZero() || t.due.Before(ts.nextDue):
			ts.nextDue = t.due
		}
	}
	slices.Sort(due)
	var events [][]byte
	for _, key := range due {
		t := ts.pending[key]
		x := b.external.contacts[t.external]
		var f *SeedFollow
		if x != nil {
			f = x.follows[strings.ToLower(t.handover)]
		}
		take := strings.ToLower(t.takeover)
		switch {
		case f == nil: // the relationship ended while waiting: nothing to take over
			events = append(events, s.failTransfer(corpID, ts, t, transferRefused))
			continue
		case x.follows[take] == nil && ts.limits[take] > 0 && b.customers(t.takeover) >= ts.limits[take]:
			events = append(events, s.failTransfer(corpID, ts, t, transferLimit))
			continue
		}
		delete(ts.pending, key)
		delete(x.follows, strings.ToLower(t.handover))
		t.status = transferDone
		if x.follows[take] == nil {
			nf := *f
			nf.UserID, nf.AddWay, nf.CreateTime = t.takeover, 202, t.due.Unix() // 202: assigned by an admin
			nf.TagIDs, nf.RemarkMobiles = slices.Clone(f.TagIDs), slices.Clone(f.RemarkMobiles)
			x.follows[take] = &nf
			events = append(events, EventCallback(corpID, "sys", 0, "change_external_contact",
				map[string]string{"ChangeType": "add_external_contact", "UserID": t.takeover, "ExternalUserID": t.external}))
		}
	}
	return events
}

// failTransfer ends a waiting handover with status and returns its transfer_fail callback.
func (s *Server) failTransfer(corpID string, ts *transferState, t *simTransfer, status int) []byte {
	delete(ts.pending, t.external+"|"+strings.ToLower(t.handover))
	t.status, t.takeoverTime = status, 0
	reason := "customer_refused"
	if status == transferLimit {
		reason = "customer_limit_exceed"
	}
	return EventCallback(corpID, "sys", 0, "change_external_contact",
		map[string]string{"ChangeType": "transfer_fail", "FailReason": reason, "UserID": t.takeover, "ExternalUserID": t.external})
}

func (s *Server) transferResultOnJob(c *Call) (any, error)    { return s.transferResult(c, false) }
func (s *Server) transferResultResigned(c *Call) (any, error) { return s.transferResult(c, true) }

func (s *Server) transferResult(c *Call, resigned bool) (any, error) {
	in, err := decode[struct {
		Handover string `json:"handover_userid"`
		Takeover string `json:"takeover_userid"`
		Cursor   string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.Handover == "" || in.Takeover == "" {
		return nil, errc(client.CodeMissingUserID, "handover_userid and takeover_userid are required")
	}
	b := s.transferBook(c)
	all := b.transfers.results[resultKey(resigned, in.Handover, in.Takeover)]
	page, next, err := pageOf(slices.Sorted(maps.Keys(all)), in.Cursor, 1000)
	if err != nil {
		return nil, err
	}
	out := make([]J, 0, len(page))
	for _, ext := range page {
		t := all[ext]
		out = append(out, J{"external_userid": ext, "status": t.status, "takeover_time": t.takeoverTime})
	}
	return J{"customer": out, "next_cursor": next}, nil
}

func (s *Server) unassignedList(c *Call) (any, error) {
	in, err := decode[struct {
		PageID   int    `json:"page_id"`
		Cursor   string `json:"cursor"`
		PageSize *int   `json:"page_size"`
	}](c)
	if err != nil {
		return nil, err
	}
	size := 1000
	if in.PageSize != nil {
		size = *in.PageSize
	}
	if size < 1 || size > 1000 {
		return nil, errc(client.CodeInvalidParameter, "page_size: 1-1000")
	}
	after, err := decodeCursor(in.Cursor)
	if err != nil {
		return nil, err
	}
	b := s.transferBook(c)
	ts := &b.transfers
	// Walk (external_userid, handover) pairs in order from the cursor, skipping members still
	// here and customers waiting for a handover; stop one past the page.
	afterID, afterUser, _ := strings.Cut(after, "\x00")
	order := b.external.order()
	start := 0
	if in.Cursor != "" {
		start, _ = slices.BinarySearch(order, afterID)
	}
	left := map[string]bool{}
	out := make([]J, 0, min(size, 100))
	next, last := "", ""
walk:
	for _, id := range order[start:] {
		x := b.external.contacts[id]
		for _, u := range slices.Sorted(maps.Keys(x.follows)) {
			if in.Cursor != "" && id == afterID && u <= afterUser {
				continue
			}
			gone, seen := left[u]
			if !seen {
				gone = b.hasLeft(x.follows[u].UserID)
				left[u] = gone
			}
			if !gone || ts.pending[id+"|"+u] != nil {
				continue
			}
			if len(out) == size {
				next = encodeCursor(last)
				break walk
			}
			out = append(out, J{"handover_userid": x.follows[u].UserID, "external_userid": id, "dimission_time": ts.resigned[u].Unix()})
			last = id + "\x00" + u
		}
	}
	return J{"info": out, "is_last": next == "", "next_cursor": next}, nil
}
