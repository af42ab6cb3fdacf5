package wecomtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// cbRecorder is a callback URL: a webhook.Handler for one receive ID that collects the typed
// events it decrypted and verified.
type cbRecorder struct {
	url string
	got chan webhook.Event
}

func newCBRecorder(t *testing.T, receiveID string) *cbRecorder {
	t.Helper()
	h := newReceiver(t, receiveID)
	r := &cbRecorder{got: make(chan webhook.Event, 64)}
	h.OnAny(func(_ context.Context, ev webhook.Event) (webhook.Reply, error) {
		r.got <- ev
		return nil, nil
	})
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	r.url = ts.URL
	return r
}

// next waits for the next event (bounded by the test's deadline, not a sleep).
func (r *cbRecorder) next(t *testing.T) webhook.Event {
	t.Helper()
	select {
	case ev := <-r.got:
		return ev
	case <-t.Context().Done():
		t.Fatal("no callback")
		return nil
	}
}

// delivered parses the plaintext of the i-th recorded delivery.
func delivered(t *testing.T, srv *wecomtest.Server, i int) (webhook.Event, wecomtest.CallbackDelivery) {
	t.Helper()
	ds := srv.Callbacks()
	if len(ds) <= i {
		t.Fatalf("%d deliveries, want more than %d", len(ds), i)
	}
	ev, err := webhook.Parse(ds[i].Plaintext)
	if err != nil {
		t.Fatalf("delivery %d does not parse: %v\n%s", i, err, ds[i].Plaintext)
	}
	return ev, ds[i]
}

// A licence order paid by the buyer (PayLicenseOrder) sends license_pay_success to the
// provider's system event URL before PayLicenseOrder returns; one paid from the balance
// (submit_pay_job), in the background.
func TestProviderCallbackLicensePaid(t *testing.T) {
	t.Parallel()
	l := newLicSim(t)
	rec := newCBRecorder(t, "wwlicprov")
	l.srv.SetProviderCallbackURL("wwlicprov", rec.url, cbConfig())
	order := func() string {
		return l.ok(t, "create_new_order", map[string]any{"corpid": licSimCorp, "buyer_userid": "buyer01",
			"account_count": map[string]int{"base_count": 1}, "account_duration": map[string]int{"months": 1}})["order_id"].(string)
	}
	id := order()
	if err := l.srv.PayLicenseOrder(id); err != nil {
		t.Fatal(err)
	}
	ev, d := delivered(t, l.srv, 0) // recorded before PayLicenseOrder returned
	p, ok := ev.(*webhook.LicensePaySuccess)
	if !ok || !d.Acked || p.OrderID != id || p.BuyerUserID != "buyer01" || p.AuthCorpID != licSimCorp || p.ServiceCorpID != "wwlicprov" || p.TimeStamp == 0 {
		t.Fatalf("license_pay_success %#v (acked %v)", ev, d.Acked)
	}
	if got, ok := rec.next(t).(*webhook.LicensePaySuccess); !ok || got.OrderID != id {
		t.Errorf("receiver got %#v", got)
	}

	l.srv.SetProviderBalance("wwlicprov", 1<<40)
	id2 := order()
	l.ok(t, "submit_pay_job", map[string]any{"payer_userid": "payer", "order_id": id2})
	if got, ok := rec.next(t).(*webhook.LicensePaySuccess); !ok || got.OrderID != id2 || got.BuyerUserID != "buyer01" {
		t.Errorf("balance payment: %#v", got)
	}

	// The background delivery is recorded once its answer is back, a little after the receiver
	// saw it.
	for deadline := time.Now().Add(5 * time.Second); len(l.srv.Callbacks()) < 2 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	// Without a receiver the payment still works and nothing is delivered.
	l.srv.SetProviderCallbackURL("wwlicprov", "", wecomtest.CallbackConfig{})
	if err := l.srv.PayLicenseOrder(order()); err != nil {
		t.Fatal(err)
	}
	if n := len(l.srv.Callbacks()); n != 2 {
		t.Errorf("%d deliveries after the URL was removed, want 2", n)
	}
}

// An unacknowledged license_pay_success is PayLicenseOrder's error; the order stays paid.
func TestProviderCallbackNotAcked(t *testing.T) {
	t.Parallel()
	l := newLicSim(t)
	deaf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }))
	t.Cleanup(deaf.Close)
	cfg := cbConfig()
	cfg.Attempts = 1
	l.srv.SetProviderCallbackURL("wwlicprov", deaf.URL, cfg)
	id := l.ok(t, "create_new_order", map[string]any{"corpid": licSimCorp, "buyer_userid": "b",
		"account_count": map[string]int{"base_count": 1}, "account_duration": map[string]int{"months": 1}})["order_id"].(string)
	if err := l.srv.PayLicenseOrder(id); !errors.Is(err, wecomtest.ErrCallbackNotAcked) {
		t.Fatalf("PayLicenseOrder = %v, want ErrCallbackNotAcked", err)
	}
	if st := l.ok(t, "get_order", map[string]any{"order_id": id})["order"].(map[string]any)["order_status"]; st != 1.0 {
		t.Errorf("order status %v, want 1 (paid)", st)
	}
}

// Auto-activation by a checked call sends auto_activate to the provider (scene 2 for
// message/send); a member refused for want of an account sends unlicensed_notify to the suite's
// data callback URL, encrypted for the corp.
func TestLicenseGateCallbacks(t *testing.T) {
	t.Parallel()
	l := newLicSim(t)
	l.srv.EndLicenseTrial(licSimCorp)
	free := l.codes(t, 1, 0)
	l.ok(t, "set_auto_active_status", map[string]any{"corpid": licSimCorp, "auto_active_status": 1})
	prov := newCBRecorder(t, "wwlicprov")
	l.srv.SetProviderCallbackURL("wwlicprov", prov.url, cbConfig())
	openCorp := l.srv.OpenCorpID(licSimSuite, licSimCorp) // what the third-party app knows the corp by
	data := newCBRecorder(t, openCorp)
	l.srv.SetSuiteDataCallbackURL(licSimSuite, data.url, cbConfig())
	send := func(to string) {
		t.Helper()
		if _, c := l.corpCall(t, http.MethodPost, "/cgi-bin/message/send", nil, map[string]any{"touser": to, "msgtype": "text", "agentid": licSimAgent, "text": map[string]string{"content": "hi"}}); c != 0 {
			t.Fatalf("send: %d", c)
		}
	}
	send("wang.fang")
	ev := prov.next(t)
	a, ok := ev.(*webhook.LicenseAutoActivated)
	if !ok || a.Scene != 2 || a.AuthCorpID != licSimCorp || a.ServiceCorpID != "wwlicprov" || len(a.Accounts) != 1 {
		t.Fatalf("auto_activate %#v", ev)
	}
	if acc := a.Accounts[0]; acc.ActiveCode != free[0] || acc.UserID != "wang.fang" || acc.Type != 1 || acc.PreviousStatus != 1 ||
		acc.PreviousActiveCode != "" || acc.ExpireTime <= l.srv.LicenseClock().Unix() {
		t.Errorf("account %+v", acc)
	}

	// No free code left: chen.jie is refused, once per call however often the call names him.
	send("chen.jie|wang.fang|chen.jie")
	ev = data.next(t)
	u, ok := ev.(*webhook.UnlicensedNotify)
	if !ok || u.FromUserName != l.open("chen.jie") || u.ToUserName != openCorp || u.AgentID != licSimAgent {
		t.Fatalf("unlicensed_notify %#v", ev)
	}
	// 互通 calls are scene 3: a fresh 互通 code is auto-activated by externalcontact/list.
	l.srv.AddExternalContacts(licSimCorp, wecomtest.SeedExternalContact{ExternalUserID: "wmLic01", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}})
	l.codes(t, 0, 1)
	if _, c := l.corpCall(t, http.MethodGet, "/cgi-bin/externalcontact/list", map[string][]string{"userid": {"li.na"}}, nil); c != 0 {
		t.Fatalf("externalcontact/list: %d", c)
	}
	if a, ok := prov.next(t).(*webhook.LicensePaySuccess); !ok {
		t.Fatalf("the 互通 order's payment first, got %#v", a)
	}
	ev = prov.next(t)
	if a, ok := ev.(*webhook.LicenseAutoActivated); !ok || a.Scene != 3 || len(a.Accounts) != 1 || a.Accounts[0].Type != 2 || a.Accounts[0].UserID != "li.na" {
		t.Errorf("auto_activate of a 互通 call %#v", ev)
	}
	select {
	case ev := <-data.got:
		t.Errorf("a second unlicensed_notify: %#v", ev)
	default:
	}
}

// RegisterCorp sends register_corp to the provider before it returns, with ContactSync when
// the template migrates the address book.
func TestProviderCallbackRegisterCorp(t *testing.T) {
	t.Parallel()
	x := newISVSim(t, true)
	srv := x.srv
	srv.SetProviderCallbackURL("wwprov", newCBRecorder(t, "wwprov").url, cbConfig())
	srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tplSync", ProviderCorpID: "wwprov", SuiteIDs: []string{"wwsuite"}, ContactSync: true})
	srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tplPlain", ProviderCorpID: "wwprov", SuiteIDs: []string{"wwsuite"}})
	regCode := func(body string) string {
		return x.post(t, "/cgi-bin/service/get_register_code", "provider_access_token", x.p, body)["register_code"].(string)
	}
	c1 := regCode(`{"template_id":"tplSync","state":"s1"}`)
	reg, err := srv.RegisterCorp(wecomtest.Registration{RegisterCode: c1, CorpID: "wwreg1", AdminUserID: "boss"})
	if err != nil {
		t.Fatal(err)
	}
	ev, d := delivered(t, srv, 0)
	r, ok := ev.(*webhook.RegisterCorp)
	if !ok || !d.Acked || r.ServiceCorpID != "wwprov" || r.AuthCorpID != "wwreg1" || r.RegisterCode != c1 || r.AdminUserID != "boss" ||
		r.State != "s1" || r.TemplateID != "tplSync" || r.ContactSync.AccessToken != reg.ContactSyncToken || r.ContactSync.ExpiresIn <= 0 || r.ContactSync.ExpiresIn > 1800 {
		t.Fatalf("register_corp %#v (acked %v)", ev, d.Acked)
	}
	c2 := regCode(`{"template_id":"tplPlain"}`)
	if _, err := srv.RegisterCorp(wecomtest.Registration{RegisterCode: c2, CorpID: "wwreg2"}); err != nil {
		t.Fatal(err)
	}
	ev, _ = delivered(t, srv, 1)
	if r, ok := ev.(*webhook.RegisterCorp); !ok || r.AuthCorpID != "wwreg2" || r.ContactSync.AccessToken != "" || r.State != "" || r.AdminUserID != "admin01" {
		t.Fatalf("register_corp without migration %#v", ev)
	}
	// A corp the server knew is no new registration: no callback.
	if _, err := srv.RegisterCorp(wecomtest.Registration{RegisterCode: regCode(`{"template_id":"tplPlain"}`), CorpID: wecomtest.CorpID}); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Callbacks()); n != 2 {
		t.Errorf("%d deliveries, want 2", n)
	}
}

// One URL per corp app: acquisition, handover and kf callbacks all reach SetCallbackURL's URL
// and the OnCallback functions; a helper returns an unacknowledged delivery as its error.
func TestCorpCallbackURLGetsEveryAppEvent(t *testing.T) {
	t.Parallel()
	srv, u := handoverServer(t)
	ctx := context.Background()
	rec := newCBRecorder(t, wecomtest.CorpID)
	srv.SetCallbackURL(wecomtest.CorpID, rec.url, cbConfig())
	var mu sync.Mutex
	var kinds []string
	srv.OnCallback(wecomtest.CorpID, func(_ context.Context, pt []byte) error {
		ev, err := webhook.Parse(pt)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		kinds = append(kinds, ev.EventHeader().Kind())
		return nil
	})
	// Acquisition: a balance crossing 20 sends balance_low after the add.
	link := call(t, "POST", u("/cgi-bin/externalcontact/customer_acquisition/create_link"), `{"link_name":"ads","range":{"user_list":["li.na"]}}`)["link"].(map[string]any)["link_id"].(string)
	srv.ClearAcquisitionQuota(wecomtest.CorpID)
	if err := srv.GrantAcquisitionQuota(ctx, wecomtest.CorpID, 20, time.Now().AddDate(0, 1, 0)); err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.next(t).(*webhook.AcquisitionBalanceIncreased); !ok {
		t.Error("no balance_increased first")
	}
	add, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: link, Channel: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := rec.next(t).(*webhook.ExternalContactAdded); !ok || a.ExternalUserID != add.ExternalUserID || a.State != "c1" || a.WelcomeCode != add.WelcomeCode {
		t.Errorf("add_external_contact %#v", a)
	}
	if _, ok := rec.next(t).(*webhook.AcquisitionBalanceLow); !ok {
		t.Error("no balance_low")
	}
	// Handover: a refusal sends transfer_fail before RefuseTransfer returns.
	if a := call(t, "POST", u("/cgi-bin/externalcontact/transfer_customer"), `{"handover_userid":"li.na","takeover_userid":"wang.wei","external_userid":["wm1"]}`); code(a) != 0 {
		t.Fatal(a)
	}
	n := len(srv.Callbacks())
	srv.RefuseTransfer(wecomtest.CorpID, "wm1")
	ev, _ := delivered(t, srv, n)
	if f, ok := ev.(*webhook.ExternalTransferFailed); !ok || f.FailReason != webhook.FailCustomerRefused || f.ExternalUserID != "wm1" {
		t.Errorf("transfer_fail %#v", ev)
	}
	rec.next(t)
	// kf: a customer message sends kf_msg_or_event, in the background.
	kf := srv.AddKfAccount("Desk")
	if _, err := srv.CustomerSays(kf, "wmKf", "hello"); err != nil {
		t.Fatal(err)
	}
	if k, ok := rec.next(t).(*webhook.KfMsgOrEvent); !ok || k.OpenKfID != kf {
		t.Errorf("kf_msg_or_event %#v", k)
	}
	mu.Lock()
	got := append([]string(nil), kinds...)
	mu.Unlock()
	want := []string{"event:customer_acquisition:balance_increased", "event:change_external_contact:add_external_contact",
		"event:customer_acquisition:balance_low", "event:change_external_contact:transfer_fail"}
	if len(got) < len(want) {
		t.Fatalf("OnCallback saw %v, want %v first", got, want)
	}
	for i, k := range want {
		if got[i] != k {
			t.Errorf("OnCallback saw %v, want %v first", got, want)
			break
		}
	}

	// Another URL replaces the first; one that does not acknowledge fails the helper.
	deaf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }))
	t.Cleanup(deaf.Close)
	cfg := cbConfig()
	cfg.Attempts = 1
	srv.SetCallbackURL(wecomtest.CorpID, deaf.URL, cfg)
	add2, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: link})
	if !errors.Is(err, wecomtest.ErrCallbackNotAcked) || add2 == nil {
		t.Errorf("AddCustomerViaLink = %v, %v; want the add and ErrCallbackNotAcked", add2, err)
	}
	select {
	case ev := <-rec.got:
		t.Errorf("the replaced URL got %#v", ev)
	default:
	}
}
