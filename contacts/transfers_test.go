package contacts

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// seedHandover gives li.na two customers and a customer group, zhao.lei one customer, and
// makes wang.wei a member without customers; chen.jie left the corp with two customers and a
// group.
func seedHandover(t *testing.T, srv *wecomtest.Server, _ *Service) {
	t.Helper()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"}, wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊"},
		wecomtest.SeedUser{UserID: "wang.wei", Name: "王伟"}, wecomtest.SeedUser{UserID: "chen.jie", Name: "陈杰"})
	srv.AddExternalContacts(wecomtest.CorpID,
		wecomtest.SeedExternalContact{ExternalUserID: "wmGrace", Name: "Grace", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", Remark: "Grace (Hangzhou shop)"}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmHenry", Name: "Henry", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmIris", Name: "Iris", FollowUsers: []wecomtest.SeedFollow{{UserID: "zhao.lei"}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmJack", Name: "Jack", FollowUsers: []wecomtest.SeedFollow{{UserID: "chen.jie"}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmKate", Name: "Kate", FollowUsers: []wecomtest.SeedFollow{{UserID: "chen.jie"}}})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrLina", Name: "VIP Hangzhou", Owner: "li.na"})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrChen", Name: "VIP Suzhou", Owner: "chen.jie"})
	srv.ResignUser(wecomtest.CorpID, "chen.jie")
}

func handoverLina() TransferCustomersParams {
	return TransferCustomersParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei", ExternalUserIDs: []string{"wmGrace"}}
}

func handoverChen() TransferCustomersParams {
	return TransferCustomersParams{HandoverUserID: "chen.jie", TakeoverUserID: "wang.wei", ExternalUserIDs: []string{"wmJack"}}
}

func TestTransfersMatrix(t *testing.T) {
	t.Parallel()
	started := func(resigned bool) func(t *testing.T, srv *wecomtest.Server, s *Service) {
		return func(t *testing.T, srv *wecomtest.Server, s *Service) {
			seedHandover(t, srv, s)
			var err error
			if resigned {
				_, err = s.TransferResignedCustomers(context.Background(), handoverChen())
			} else {
				_, err = s.TransferCustomers(context.Background(), handoverLina())
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	oneWaiting := func(pg *TransferResultsPage, err error) error {
		if err == nil && (len(pg.Customers) != 1 || pg.Customers[0].Status != TransferWaiting || pg.NextCursor != "") {
			return fmt.Errorf("page %+v", pg)
		}
		return err
	}
	started0 := func(r *TransferCustomersResult, err error) error {
		if err == nil && (len(r.Customers) != 1 || r.Customers[0].Code != 0) {
			return fmt.Errorf("result %+v", r)
		}
		return err
	}
	noFailures := func(r *TransferGroupChatsResult, err error) error {
		if err == nil && len(r.Failed) != 0 {
			return fmt.Errorf("failed %+v", r.Failed)
		}
		return err
	}
	runMatrix(t, []endpoint{
		{name: "transfer_customer", path: "/cgi-bin/externalcontact/transfer_customer", prepare: seedHandover, call: func(ctx context.Context, s *Service) error {
			return started0(s.TransferCustomers(ctx, handoverLina()))
		}},
		{name: "transfer_result", path: "/cgi-bin/externalcontact/transfer_result", retried: true, prepare: started(false), call: func(ctx context.Context, s *Service) error {
			return oneWaiting(s.ListTransferResultsPage(ctx, TransferResultsParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei"}))
		}},
		{name: "resigned/transfer_customer", path: "/cgi-bin/externalcontact/resigned/transfer_customer", prepare: seedHandover, call: func(ctx context.Context, s *Service) error {
			return started0(s.TransferResignedCustomers(ctx, handoverChen()))
		}},
		{name: "resigned/transfer_result", path: "/cgi-bin/externalcontact/resigned/transfer_result", retried: true, prepare: started(true), call: func(ctx context.Context, s *Service) error {
			return oneWaiting(s.ListResignedTransferResultsPage(ctx, TransferResultsParams{HandoverUserID: "chen.jie", TakeoverUserID: "wang.wei"}))
		}},
		{name: "get_unassigned_list", path: "/cgi-bin/externalcontact/get_unassigned_list", retried: true, prepare: seedHandover, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListUnassignedCustomersPage(ctx, UnassignedParams{})
			if err == nil && (len(pg.Customers) != 2 || pg.Customers[0].HandoverUserID != "chen.jie" || pg.Customers[0].DimissionTime == 0 || !pg.IsLast) {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "groupchat/transfer", path: "/cgi-bin/externalcontact/groupchat/transfer", prepare: seedHandover, call: func(ctx context.Context, s *Service) error {
			return noFailures(s.TransferResignedGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wrChen"}, NewOwner: "wang.wei"}))
		}},
		{name: "groupchat/onjob_transfer", path: "/cgi-bin/externalcontact/groupchat/onjob_transfer", prepare: seedHandover, call: func(ctx context.Context, s *Service) error {
			return noFailures(s.TransferGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wrLina"}, NewOwner: "wang.wei"}))
		}},
	})
}

// callbackSink is a callback receiver that acknowledges everything and counts deliveries, so
// a test can wait for background ones.
type callbackSink struct {
	url  string
	seen chan struct{}
}

func newCallbackSink(t *testing.T, srv *wecomtest.Server) *callbackSink {
	t.Helper()
	k := &callbackSink{seen: make(chan struct{}, 1024)}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k.seen <- struct{}{}
	}))
	t.Cleanup(ts.Close)
	k.url = ts.URL
	srv.SetCallbackURL(wecomtest.CorpID, ts.URL, wecomtest.CallbackConfig{Token: "tok", EncodingAESKey: strings.Repeat("k", 43)})
	return k
}

// wait blocks until n deliveries arrived (bounded by the test's deadline, not a sleep).
func (k *callbackSink) wait(n int) {
	for range n {
		<-k.seen
	}
}

// deliveredEvents parses the plaintexts of the callbacks delivered so far.
func deliveredEvents(t *testing.T, srv *wecomtest.Server) []webhook.Event {
	t.Helper()
	var out []webhook.Event
	for _, d := range srv.Callbacks() {
		ev, err := webhook.Parse(d.Plaintext)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

func statuses(t *testing.T, seq func(func(CustomerTransferStatus, error) bool)) map[string]CustomerTransferStatus {
	t.Helper()
	out := map[string]CustomerTransferStatus{}
	for c, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out[c.ExternalUserID] = c
	}
	return out
}

func TestCustomerHandoverOnJob(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedHandover(t, srv, s)
	newCallbackSink(t, srv)
	ctx := context.Background()
	before := time.Now()
	r, err := s.TransferCustomers(ctx, TransferCustomersParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei",
		ExternalUserIDs: []string{"wmGrace", "wmHenry", "wmIris", "wmNobody"}, SuccessMessage: "您好，后续将由我的同事王伟为您服务。"})
	if err != nil {
		t.Fatal(err)
	}
	want := []CustomerTransfer{{"wmGrace", 0}, {"wmHenry", 0}, {"wmIris", client.CodeNoExternalContactRelation}, {"wmNobody", client.CodeInvalidExternalUserID}}
	if !slices.Equal(r.Customers, want) || len(r.Failed()) != 2 {
		t.Fatalf("outcomes %+v, want %+v", r.Customers, want)
	}
	if r, err := s.TransferCustomers(ctx, handoverLina()); err != nil || r.Customers[0].Code != 40129 {
		t.Errorf("second handover while waiting: %+v, %v; want 40129", r, err)
	}
	p := TransferResultsParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei"}
	st := statuses(t, s.ListTransferResults(ctx, p))
	due := before.Add(24 * time.Hour).Unix()
	if g := st["wmGrace"]; len(st) != 2 || g.Status != TransferWaiting || g.TakeoverTime < due || g.TakeoverTime > due+60 {
		t.Errorf("waiting: %+v (takeover_time must be 24 h ahead, ~%d)", st, due)
	}

	// Henry refuses: he stays with li.na and a transfer_fail callback goes out.
	if !srv.RefuseTransfer(wecomtest.CorpID, "wmHenry") || srv.RefuseTransfer(wecomtest.CorpID, "wmHenry") {
		t.Error("RefuseTransfer: want true once, then false")
	}
	if h := statuses(t, s.ListTransferResults(ctx, p))["wmHenry"]; h.Status != TransferRefused || h.TakeoverTime != 0 {
		t.Errorf("refused: %+v", h)
	}
	evs := deliveredEvents(t, srv)
	if f, ok := evs[len(evs)-1].(*webhook.ExternalTransferFailed); !ok || f.FailReason != webhook.FailCustomerRefused || f.UserID != "wang.wei" || f.ExternalUserID != "wmHenry" {
		t.Fatalf("callback %#v, want transfer_fail customer_refused", evs[len(evs)-1])
	}

	// 24 hours later Grace belongs to wang.wei, with li.na's notes and an add callback.
	srv.AdvanceTransferClock(wecomtest.CorpID, 24*time.Hour)
	if g := statuses(t, s.ListTransferResults(ctx, p))["wmGrace"]; g.Status != TransferDone || g.TakeoverTime < due {
		t.Errorf("after 24 h: %+v", g)
	}
	if ids, _ := s.ListExternalContacts(ctx, "li.na"); !slices.Equal(ids, []string{"wmHenry"}) {
		t.Errorf("li.na keeps %v, want [wmHenry]", ids)
	}
	d, err := s.GetExternalContact(ctx, "wmGrace")
	if err != nil || len(d.FollowUsers) != 1 || d.FollowUsers[0].UserID != "wang.wei" || d.FollowUsers[0].AddWay != AddWayAssigned || d.FollowUsers[0].Remark != "Grace (Hangzhou shop)" {
		t.Errorf("Grace after the handover: %+v, %v", d, err)
	}
	evs = deliveredEvents(t, srv)
	if a, ok := evs[len(evs)-1].(*webhook.ExternalContactAdded); !ok || a.UserID != "wang.wei" || a.ExternalUserID != "wmGrace" {
		t.Errorf("callback %#v, want add_external_contact for wang.wei", evs[len(evs)-1])
	}
	if n := len(srv.Callbacks()); n != 2 {
		t.Errorf("%d callbacks, want 2", n)
	}

	// Twice in 90 days: back to li.na, then once more is refused until the window passes.
	back := TransferCustomersParams{HandoverUserID: "wang.wei", TakeoverUserID: "li.na", ExternalUserIDs: []string{"wmGrace"}}
	if r, err := s.TransferCustomers(ctx, back); err != nil || r.Customers[0].Code != 0 {
		t.Fatalf("second handover: %+v, %v", r, err)
	}
	srv.AdvanceTransferClock(wecomtest.CorpID, 24*time.Hour)
	if r, err := s.TransferCustomers(ctx, handoverLina()); err != nil || r.Customers[0].Code != client.CodeCustomerTransferTooFrequent {
		t.Errorf("third handover in 90 days: %+v, %v; want 40128", r, err)
	}
	srv.AdvanceTransferClock(wecomtest.CorpID, 89*24*time.Hour)
	if r, err := s.TransferCustomers(ctx, handoverLina()); err != nil || r.Customers[0].Code != 0 {
		t.Errorf("after 90 days: %+v, %v", r, err)
	}
	// An on-job handover needs an active member handing over and an activated one taking over.
	if _, err := s.TransferCustomers(ctx, handoverChen()); wecomtest.ErrCode(err) != client.CodeInvalidUserID {
		t.Errorf("on-job handover from a member who left: %v, want 40003", err)
	}
	if _, err := s.TransferCustomers(ctx, TransferCustomersParams{HandoverUserID: "zhao.lei", TakeoverUserID: "ghost", ExternalUserIDs: []string{"wmIris"}}); wecomtest.ErrCode(err) != client.CodeInvalidUserID {
		t.Errorf("unknown taking-over member: %v, want 40003", err)
	}
}

func TestCustomerHandoverResigned(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedHandover(t, srv, s)
	ctx := context.Background()
	if _, err := s.TransferResignedCustomers(ctx, TransferCustomersParams{HandoverUserID: "zhao.lei", TakeoverUserID: "wang.wei", ExternalUserIDs: []string{"wmIris"}}); wecomtest.ErrCode(err) != client.CodeMemberNotResigned {
		t.Errorf("handover from an active member: %v, want 40097", err)
	}
	unassigned := func() []string {
		var out []string
		for c, err := range s.ListUnassignedCustomers(ctx, UnassignedParams{PageSize: 1}) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, c.HandoverUserID+"/"+c.ExternalUserID)
		}
		return out
	}
	if got := unassigned(); !slices.Equal(got, []string{"chen.jie/wmJack", "chen.jie/wmKate"}) {
		t.Errorf("unassigned %v", got)
	}
	r, err := s.TransferResignedCustomers(ctx, TransferCustomersParams{HandoverUserID: "chen.jie", TakeoverUserID: "wang.wei", ExternalUserIDs: []string{"wmJack", "wmGrace"}})
	if err != nil || !slices.Equal(r.Customers, []CustomerTransfer{{"wmJack", 0}, {"wmGrace", client.CodeNoExternalContactRelation}}) {
		t.Fatalf("resigned handover: %+v, %v", r, err)
	}
	if got := unassigned(); !slices.Equal(got, []string{"chen.jie/wmKate"}) {
		t.Errorf("unassigned while Jack waits: %v", got)
	}
	srv.AdvanceTransferClock(wecomtest.CorpID, 24*time.Hour)
	if st := statuses(t, s.ListResignedTransferResults(ctx, TransferResultsParams{HandoverUserID: "chen.jie", TakeoverUserID: "wang.wei"})); st["wmJack"].Status != TransferDone {
		t.Errorf("after 24 h: %+v", st)
	}
	if ids, _ := s.ListExternalContacts(ctx, "wang.wei"); !slices.Equal(ids, []string{"wmJack"}) {
		t.Errorf("wang.wei has %v", ids)
	}
	// A member removed through user/delete has left too: their customers wait for a new advisor.
	if err := s.DeleteUser(ctx, "zhao.lei"); err != nil {
		t.Fatal(err)
	}
	if got := unassigned(); !slices.Equal(got, []string{"zhao.lei/wmIris", "chen.jie/wmKate"}) {
		t.Errorf("unassigned after user/delete: %v", got)
	}
	if _, err := s.TransferResignedCustomers(ctx, TransferCustomersParams{HandoverUserID: "chen.jie", TakeoverUserID: "wang.wei", ExternalUserIDs: []string{"wmKate"}, SuccessMessage: "hi"}); !isInvalid(err, "transfer_success_msg") {
		t.Errorf("message on a resigned handover: %v", err)
	}
}

func isInvalid(err error, field string) bool {
	ve, ok := errors.AsType[*client.ValidationError](err)
	return ok && ve.Field == field
}

func TestCustomerHandoverLimit(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedHandover(t, srv, s)
	sink := newCallbackSink(t, srv)
	ctx := context.Background()
	srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wmLiam", FollowUsers: []wecomtest.SeedFollow{{UserID: "wang.wei"}}})
	srv.SetCustomerLimit(wecomtest.CorpID, "wang.wei", 1)
	if r, err := s.TransferCustomers(ctx, handoverLina()); err != nil || r.Customers[0].Code != 40099 {
		t.Errorf("taking-over member at the cap: %+v, %v; want 40099", r, err)
	}
	srv.SetCustomerLimit(wecomtest.CorpID, "wang.wei", 2)
	if r, err := s.TransferCustomers(ctx, TransferCustomersParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei", ExternalUserIDs: []string{"wmGrace", "wmHenry"}}); err != nil ||
		!slices.Equal(r.Customers, []CustomerTransfer{{"wmGrace", 0}, {"wmHenry", 40099}}) {
		t.Errorf("one place left: %+v, %v", r, err)
	}
	// wang.wei gains a customer meanwhile: the handover fails when its 24 hours are up.
	srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wmMia", FollowUsers: []wecomtest.SeedFollow{{UserID: "wang.wei"}}})
	srv.AdvanceTransferClock(wecomtest.CorpID, 25*time.Hour)
	sink.wait(1)
	if g := statuses(t, s.ListTransferResults(ctx, TransferResultsParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei"}))["wmGrace"]; g.Status != TransferLimitExceeded {
		t.Errorf("Grace: %+v, want status 4", g)
	}
	if f, ok := deliveredEvents(t, srv)[0].(*webhook.ExternalTransferFailed); !ok || f.FailReason != webhook.FailCustomerLimitExceed {
		t.Errorf("callback %#v, want customer_limit_exceed", deliveredEvents(t, srv)[0])
	}
	if ids, _ := s.ListExternalContacts(ctx, "li.na"); !slices.Contains(ids, "wmGrace") {
		t.Errorf("Grace left li.na: %v", ids)
	}
}

func TestGroupChatHandover(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedHandover(t, srv, s)
	sink := newCallbackSink(t, srv)
	ctx := context.Background()
	r, err := s.TransferResignedGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wrLina", "wrChen", "wrNone"}, NewOwner: "wang.wei"})
	if err != nil {
		t.Fatal(err)
	}
	codes := func(r *TransferGroupChatsResult) map[string]int {
		m := map[string]int{}
		for _, f := range r.Failed {
			m[f.ChatID] = f.Code
		}
		return m
	}
	if got := codes(r); len(got) != 2 || got["wrLina"] != 90500 || got["wrNone"] != 90501 {
		t.Errorf("failed %+v, want wrLina 90500 and wrNone 90501", r.Failed)
	}
	sink.wait(1) // change_owner, delivered in the background
	g, err := s.GetGroupChat(ctx, "wrChen", false)
	if err != nil || g.Owner != "wang.wei" {
		t.Errorf("wrChen after the handover: %+v, %v", g, err)
	}
	if u, ok := deliveredEvents(t, srv)[0].(*webhook.ExternalChatUpdated); !ok || u.ChatID != "wrChen" || u.UpdateDetail != webhook.ChatChangeOwner {
		t.Errorf("callback %#v, want change_owner of wrChen", deliveredEvents(t, srv)[0])
	}
	pg, err := s.ListGroupChatsPage(ctx, GroupChatListParams{StatusFilter: GroupChatTransferred})
	if err != nil || len(pg.Chats) != 1 || pg.Chats[0].ChatID != "wrChen" {
		t.Errorf("transferred chats: %+v, %v", pg, err)
	}
	if r, _ := s.TransferResignedGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wrChen"}, NewOwner: "li.na"}); codes(r)["wrChen"] != 90508 {
		t.Errorf("inherited twice: %+v, want 90508", r)
	}
	// On-job: not to the owner itself, not from a member who left, twice in 90 days.
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrGone", Owner: "chen.jie"})
	r, err = s.TransferGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wrLina", "wrChen", "wrGone"}, NewOwner: "wang.wei"})
	if got := codes(r); err != nil || len(got) != 2 || got["wrChen"] != 90504 || got["wrGone"] != 90502 {
		t.Errorf("on-job: %+v, %v; want wrChen 90504, wrGone 90502", r, err)
	}
	if _, err := s.TransferGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wrLina"}, NewOwner: "li.na"}); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.TransferGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wrLina"}, NewOwner: "wang.wei"}); codes(r)["wrLina"] != client.CodeCustomerTransferTooFrequent {
		t.Errorf("third on-job handover in 90 days: %+v", r)
	}
	if _, err := s.TransferGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wrLina"}, NewOwner: "ghost"}); wecomtest.ErrCode(err) != client.CodeInvalidUserID {
		t.Errorf("unknown new owner: %v", err)
	}
	sink.wait(2) // the two on-job owner changes
}

func TestGroupChatHandoverInPartsAndDailyCap(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na"}, wecomtest.SeedUser{UserID: "wang.wei"})
	ids := make([]string, 301)
	for i := range ids {
		ids[i] = fmt.Sprintf("wr%03d", i)
		srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: ids[i], Owner: "li.na"})
	}
	parts, err := s.TransferGroupChatsInParts(context.Background(), TransferGroupChatsParams{ChatIDs: append(ids, "wr000"), NewOwner: "wang.wei"})
	if err != nil || len(parts) != 4 || len(parts[3].In.ChatIDs) != 1 {
		t.Fatalf("%d parts, %v; want 4 (301 distinct chats)", len(parts), err)
	}
	if f := FailedChats(parts); len(f) != 1 || f[0].ChatID != "wr300" || f[0].Code != client.CodeFrequencyLimit {
		t.Errorf("failed %+v, want wr300 past 300 a day", f)
	}
	srv.AdvanceTransferClock(wecomtest.CorpID, 24*time.Hour)
	if r, err := s.TransferGroupChats(context.Background(), TransferGroupChatsParams{ChatIDs: []string{"wr300"}, NewOwner: "wang.wei"}); err != nil || len(r.Failed) != 0 {
		t.Errorf("next day: %+v, %v", r, err)
	}
}

func TestTransferCustomersInParts(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na"}, wecomtest.SeedUser{UserID: "wang.wei"})
	ids := srv.SeedCustomers(wecomtest.CorpID, "li.na", 250)
	parts, err := s.TransferCustomersInParts(context.Background(), TransferCustomersParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei",
		ExternalUserIDs: append(slices.Clone(ids), ids[0], "wmNobody")})
	if err != nil || len(parts) != 3 {
		t.Fatalf("%d parts, %v; want 3", len(parts), err)
	}
	out := TransferOutcomes(parts)
	if len(out) != 251 || out[250].ExternalUserID != "wmNobody" || out[250].Code != client.CodeInvalidExternalUserID || out[0].Code != 0 {
		t.Errorf("%d merged outcomes (last %+v), want 251 with wmNobody refused", len(out), out[len(out)-1])
	}
	// The second call fails: the fan-out stops there, the first call's handovers stand.
	srv, s = newSim(t)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na"}, wecomtest.SeedUser{UserID: "wang.wei"})
	ids = srv.SeedCustomers(wecomtest.CorpID, "li.na", 250)
	srv.Inject("/cgi-bin/externalcontact/transfer_customer", wecomtest.Fault{Errcode: 60011, After: 1}, 1)
	parts, err = s.TransferCustomersInParts(context.Background(), TransferCustomersParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei", ExternalUserIDs: ids})
	if wecomtest.ErrCode(err) != 60011 || !strings.Contains(err.Error(), "call 2 of 3") || len(parts) != 2 || parts[1].Out != nil || len(TransferOutcomes(parts)) != 100 {
		t.Errorf("parts %d, err %v; want 2 parts, the second failed with 60011", len(parts), err)
	}
	if _, err := s.TransferCustomersInParts(context.Background(), TransferCustomersParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei"}); !isInvalid(err, "external_userid") {
		t.Errorf("no customers: %v", err)
	}
}

// TestTransferResultsWalk10000 hands 10,000 customers over in 100 calls and walks their
// states in pages of 1000.
func TestTransferResultsWalk10000(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na"}, wecomtest.SeedUser{UserID: "wang.wei"})
	ids := srv.SeedCustomers(wecomtest.CorpID, "li.na", 10000)
	ctx := context.Background()
	if _, err := s.TransferResignedCustomersInParts(ctx, TransferCustomersParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei", ExternalUserIDs: ids}); wecomtest.ErrCode(err) != client.CodeMemberNotResigned {
		t.Fatalf("li.na has not left: %v", err)
	}
	parts, err := s.TransferCustomersInParts(ctx, TransferCustomersParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei", ExternalUserIDs: ids})
	if err != nil || len(parts) != 100 {
		t.Fatalf("%d parts, %v", len(parts), err)
	}
	n, prev := 0, ""
	for c, err := range s.ListTransferResults(ctx, TransferResultsParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei"}) {
		if err != nil {
			t.Fatal(err)
		}
		if c.ExternalUserID <= prev || c.Status != TransferWaiting {
			t.Fatalf("%+v after %s", c, prev)
		}
		prev = c.ExternalUserID
		n++
	}
	if n != 10000 || srv.Served("/cgi-bin/externalcontact/transfer_result") != 10 {
		t.Errorf("walked %d in %d pages, want 10000 in 10", n, srv.Served("/cgi-bin/externalcontact/transfer_result"))
	}
}

// TestUnassignedIteratorMemoryIndependentOfTotal walks the customers of a member who left,
// 1,000 and then 10,000 of them in pages of 100, and compares the live heap halfway through:
// one page is held at a time, so the growth must not scale with the total.
func TestUnassignedIteratorMemoryIndependentOfTotal(t *testing.T) {
	checkFlatHeap(t, "customers", func(n int) iter.Seq2[UnassignedCustomer, error] {
		srv, s := newSim(t)
		srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na"}, wecomtest.SeedUser{UserID: "wang.wei"})
		srv.SeedCustomers(wecomtest.CorpID, "li.na", n)
		srv.ResignUser(wecomtest.CorpID, "li.na")
		p := UnassignedParams{PageSize: 100}
		if _, err := s.ListUnassignedCustomersPage(context.Background(), p); err != nil { // warm up
			t.Fatal(err)
		}
		return s.ListUnassignedCustomers(context.Background(), p)
	}, func(c UnassignedCustomer) error {
		if c.HandoverUserID != "li.na" || c.DimissionTime == 0 {
			return fmt.Errorf("entry %+v", c)
		}
		return nil
	})
}

func TestTransferValidation(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	ok := TransferCustomersParams{HandoverUserID: "li.na", TakeoverUserID: "wang.wei", ExternalUserIDs: []string{"wm1"}}
	with := func(f func(p *TransferCustomersParams)) TransferCustomersParams {
		p := ok
		f(&p)
		return p
	}
	for _, tc := range []struct {
		p     TransferCustomersParams
		field string
	}{
		{with(func(p *TransferCustomersParams) { p.HandoverUserID = "" }), "handover_userid"},
		{with(func(p *TransferCustomersParams) { p.TakeoverUserID = "" }), "takeover_userid"},
		{with(func(p *TransferCustomersParams) { p.ExternalUserIDs = nil }), "external_userid"},
		{with(func(p *TransferCustomersParams) { p.ExternalUserIDs = make([]string, 101) }), "external_userid"},
		{with(func(p *TransferCustomersParams) { p.SuccessMessage = strings.Repeat("您", 201) }), "transfer_success_msg"},
	} {
		_, err := s.TransferCustomers(ctx, tc.p)
		wecomtest.WantInvalid(t, err, tc.field)
	}
	_, err := s.TransferCustomers(ctx, with(func(p *TransferCustomersParams) { p.SuccessMessage = strings.Repeat("您", 200) }))
	if wecomtest.ErrCode(err) == wecomtest.NotAPIError {
		t.Errorf("200 characters refused: %v", err)
	}
	_, err = s.ListTransferResultsPage(ctx, TransferResultsParams{HandoverUserID: "li.na"})
	wecomtest.WantInvalid(t, err, "takeover_userid")
	_, err = s.ListUnassignedCustomersPage(ctx, UnassignedParams{PageSize: 1001})
	wecomtest.WantInvalid(t, err, "page_size")
	_, err = s.TransferGroupChats(ctx, TransferGroupChatsParams{ChatIDs: make([]string, 101), NewOwner: "x"})
	wecomtest.WantInvalid(t, err, "chat_id_list")
	_, err = s.TransferResignedGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wr1"}})
	wecomtest.WantInvalid(t, err, "new_owner")
	_, err = s.TransferGroupChatsInParts(ctx, TransferGroupChatsParams{NewOwner: "x"})
	wecomtest.WantInvalid(t, err, "chat_id_list")
	for _, p := range []string{"/cgi-bin/externalcontact/transfer_customer", "/cgi-bin/externalcontact/groupchat/onjob_transfer"} {
		if n := srv.Served(p); n > 1 {
			t.Errorf("%s served %d times: invalid params were sent", p, n)
		}
	}
}

// TestTransferEncoding pins the request bodies (golden JSON) and the decoding of answers.
func TestTransferEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	for _, tc := range []struct {
		path, answer, want string
		call               func() error
	}{
		{"/cgi-bin/externalcontact/transfer_customer", `{"errcode":0,"customer":[{"external_userid":"wm1","errcode":40096}]}`,
			`{"handover_userid":"zhangsan","takeover_userid":"lisi","external_userid":["wm1","wm2"],"transfer_success_msg":"您好"}`,
			func() error {
				r, err := s.TransferCustomers(ctx, TransferCustomersParams{HandoverUserID: "zhangsan", TakeoverUserID: "lisi", ExternalUserIDs: []string{"wm1", "wm2"}, SuccessMessage: "您好"})
				if err == nil && (len(r.Failed()) != 1 || r.Failed()[0].Code != 40096) {
					return fmt.Errorf("result %+v", r)
				}
				return err
			}},
		{"/cgi-bin/externalcontact/resigned/transfer_customer", `{"errcode":0,"customer":[]}`,
			`{"handover_userid":"zhangsan","takeover_userid":"lisi","external_userid":["wm1"]}`,
			func() error {
				_, err := s.TransferResignedCustomers(ctx, TransferCustomersParams{HandoverUserID: "zhangsan", TakeoverUserID: "lisi", ExternalUserIDs: []string{"wm1"}})
				return err
			}},
		{"/cgi-bin/externalcontact/transfer_result", `{"errcode":0,"customer":[{"external_userid":"wm1","status":2,"takeover_time":1588482400}],"next_cursor":""}`,
			`{"handover_userid":"zhangsan","takeover_userid":"lisi","cursor":"CURSOR"}`,
			func() error {
				pg, err := s.ListTransferResultsPage(ctx, TransferResultsParams{HandoverUserID: "zhangsan", TakeoverUserID: "lisi", Cursor: "CURSOR"})
				if err == nil && pg.Customers[0] != (CustomerTransferStatus{"wm1", TransferWaiting, 1588482400}) {
					return fmt.Errorf("page %+v", pg)
				}
				return err
			}},
		{"/cgi-bin/externalcontact/resigned/transfer_result", `{"errcode":0,"customer":[],"next_cursor":""}`,
			`{"handover_userid":"zhangsan","takeover_userid":"lisi"}`,
			func() error {
				_, err := s.ListResignedTransferResultsPage(ctx, TransferResultsParams{HandoverUserID: "zhangsan", TakeoverUserID: "lisi"})
				return err
			}},
		{"/cgi-bin/externalcontact/get_unassigned_list", `{"errcode":0,"info":[{"handover_userid":"zhangsan","external_userid":"wm1","dimission_time":1550838571}],"is_last":true,"next_cursor":""}`,
			`{"page_size":100}`,
			func() error {
				pg, err := s.ListUnassignedCustomersPage(ctx, UnassignedParams{PageSize: 100})
				if err == nil && (!pg.IsLast || pg.Customers[0] != (UnassignedCustomer{"zhangsan", "wm1", 1550838571})) {
					return fmt.Errorf("page %+v", pg)
				}
				return err
			}},
		{"/cgi-bin/externalcontact/groupchat/transfer", `{"errcode":0,"failed_chat_list":[{"chat_id":"wr2","errcode":90500,"errmsg":"the owner of this chat is not resigned"}]}`,
			`{"chat_id_list":["wr1","wr2"],"new_owner":"zhangsan"}`,
			func() error {
				r, err := s.TransferResignedGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wr1", "wr2"}, NewOwner: "zhangsan"})
				if err == nil && r.Failed[0] != (FailedChat{"wr2", 90500, "the owner of this chat is not resigned"}) {
					return fmt.Errorf("result %+v", r)
				}
				return err
			}},
		{"/cgi-bin/externalcontact/groupchat/onjob_transfer", `{"errcode":0,"failed_chat_list":[]}`,
			`{"chat_id_list":["wr1"],"new_owner":"zhangsan"}`,
			func() error {
				_, err := s.TransferGroupChats(ctx, TransferGroupChatsParams{ChatIDs: []string{"wr1"}, NewOwner: "zhangsan"})
				return err
			}},
	} {
		got := captureJSON(mt, "POST", tc.path, tc.answer)
		if err := tc.call(); err != nil {
			t.Errorf("%s: %v", tc.path, err)
			continue
		}
		if raw := (*got)[0].raw; raw != tc.want {
			t.Errorf("%s body\n got %s\nwant %s", tc.path, raw, tc.want)
		}
	}
}

// TestUnassignedWalkTrustsNextCursor: an answer with is_last false but no next_cursor (the
// page_id style) ends the walk; a repeated cursor is an error.
func TestUnassignedWalkTrustsNextCursor(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/externalcontact/get_unassigned_list",
		`{"errcode":0,"info":[{"handover_userid":"u","external_userid":"wm1"}],"is_last":false,"next_cursor":""}`)
	n := 0
	for _, err := range s.ListUnassignedCustomers(context.Background(), UnassignedParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 || len(*got) != 1 || (*got)[0].raw != `{}` {
		t.Errorf("%d items in %d calls (first body %s)", n, len(*got), (*got)[0].raw)
	}
}

func TestTransferStatusString(t *testing.T) {
	t.Parallel()
	for st, want := range map[TransferStatus]string{TransferDone: "done", TransferWaiting: "waiting", TransferRefused: "refused",
		TransferLimitExceeded: "limit exceeded", TransferNoRecord: "no record", 9: "TransferStatus(9)"} {
		if got := st.String(); got != want {
			t.Errorf("%d: %q, want %q", int(st), got, want)
		}
	}
}
