package wecomtest

import (
	"context"
	"errors"
	"slices"
)

// Where callbacks go. WeCom has one callback URL per receiver, and so has the simulator:
//
//   - a corp's app (接收事件服务器): every app event of the corp, customer contact (客户联系)
//     included: add_external_contact, del_follow_user, transfer_fail, change_external_chat,
//     customer_acquisition and kf_msg_or_event. Set it with [Server.SetCallbackURL]; a test
//     can also watch the same events in process with [Server.OnCallback].
//   - a suite's command URL (指令回调URL): suite_ticket ([Server.PushSuiteTickets]). Set it with
//     [Server.SetSuiteCommandCallbackURL].
//   - a suite's data URL (数据回调URL): the app events of the suite's app in each authorised
//     corp: unlicensed_notify. Set it with [Server.SetSuiteDataCallbackURL].
//   - a provider's system event URL (系统事件接收URL): license_pay_success, auto_activate and
//     register_corp. Set it with [Server.SetProviderCallbackURL].
//
// When they are delivered: see [Server.SetCallbackURL].

// cbKind is a kind of callback receiver.
type cbKind int

const (
	cbCorp         cbKind = iota // a corp's app: SetCallbackURL, OnCallback
	cbSuiteCommand               // a suite's command URL
	cbSuiteData                  // a suite's data URL
	cbProvider                   // a provider's system event URL
)

// cbDest is one receiver: a kind and the corp, suite or provider it belongs to.
type cbDest struct {
	kind cbKind
	id   string
}

// cbSink is where a receiver's callbacks go: a URL and in-process functions.
type cbSink struct {
	url string
	cfg CallbackConfig
	fns []func(ctx context.Context, plaintext []byte) error
}

// cbEvent is one callback for one receiver.
type cbEvent struct {
	to        cbDest
	plaintext []byte
}

func toCorp(corpID string, plaintexts ...[]byte) []cbEvent {
	out := make([]cbEvent, 0, len(plaintexts))
	for _, pt := range plaintexts {
		out = append(out, cbEvent{cbDest{cbCorp, corpID}, pt})
	}
	return out
}

// SetCallbackURL sets the callback URL of corpID's app (接收事件服务器: URL, Token,
// EncodingAESKey in cfg), which receives every app event of the corp the simulator sends:
// customer contact events (add_external_contact, del_follow_user, transfer_fail,
// change_external_chat, customer_acquisition) and kf_msg_or_event notices. It replaces the
// corp's URL; an empty target removes it. The other receivers are a suite's
// ([Server.SetSuiteCommandCallbackURL], [Server.SetSuiteDataCallbackURL]) and a provider's
// ([Server.SetProviderCallbackURL]).
//
// A URL delivery is signed and encrypted with cfg and redelivered as [Server.DeliverCallback]
// does, and recorded in [Server.Callbacks], for every receiver. When: a callback caused by an
// exported helper of the simulator (AddCustomerViaLink, DeleteFollowUser, AddSingleChat,
// GrantAcquisitionQuota, AdvanceTransferClock, RefuseTransfer, PayLicenseOrder, RegisterCorp)
// is delivered, its acknowledgement awaited, before the helper returns; a helper that returns
// an error returns an unacknowledged delivery (or an [Server.OnCallback] function's error) as
// its error, the change it made kept. A callback caused by an API call (handovers settled when
// a handover API is called, a group chat handed over, a licence order paid from the balance or
// at once for a test corp, auto-activation, a member refused by the licence check) is
// delivered in the background, in order per call. kf_msg_or_event notices always go in the
// background, each on its own (several may be in flight at once), as notices to pull sync_msg.
func (s *Server) SetCallbackURL(corpID, target string, cfg CallbackConfig) {
	s.setSinkURL(cbDest{cbCorp, corpID}, target, cfg)
}

// OnCallback registers fn to receive the plaintext of every callback that goes to
// corpID's app (see [Server.SetCallbackURL]), besides its URL: it runs outside the server's
// lock, before the helper that caused the callback returns (its error is then that helper's
// error), or in the background for callbacks caused by API calls and kf notices, in the
// order [Server.SetCallbackURL] describes.
func (s *Server) OnCallback(corpID string, fn func(ctx context.Context, plaintext []byte) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.sink(cbDest{cbCorp, corpID})
	k.fns = append(k.fns, fn)
}

// SetSuiteCommandCallbackURL sets the command callback URL (指令回调URL) of suiteID, where
// [Server.PushSuiteTickets] pushes its suite_ticket. It replaces the suite's URL; an empty
// target removes it.
func (s *Server) SetSuiteCommandCallbackURL(suiteID, target string, cfg CallbackConfig) {
	s.setSinkURL(cbDest{cbSuiteCommand, suiteID}, target, cfg)
}

// SetSuiteDataCallbackURL sets the data callback URL (数据回调URL) of suiteID, which receives
// the app events of the suite's app in every corp that installed it, encrypted for that corp
// (the receive ID is the corp's ID): unlicensed_notify when the licence check refuses a member
// (apps_licenses_gate.go). It replaces the suite's URL; an empty target removes it.
func (s *Server) SetSuiteDataCallbackURL(suiteID, target string, cfg CallbackConfig) {
	s.setSinkURL(cbDest{cbSuiteData, suiteID}, target, cfg)
}

// SetProviderCallbackURL sets the system event URL (系统事件接收URL, 通用开发参数) of the provider
// providerCorpID, which receives its system events (the receive ID is the provider's corp ID):
// license_pay_success when a licence order is paid, auto_activate when a member's account is
// activated automatically, and register_corp when a corp registers through one of its register
// codes. It replaces the provider's URL; an empty target removes it.
func (s *Server) SetProviderCallbackURL(providerCorpID, target string, cfg CallbackConfig) {
	s.setSinkURL(cbDest{cbProvider, providerCorpID}, target, cfg)
}

func (s *Server) setSinkURL(to cbDest, target string, cfg CallbackConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.sink(to)
	k.url, k.cfg = target, cfg
}

// sink returns the receiver's sink, made on first use; s.mu held.
func (s *Server) sink(to cbDest) *cbSink {
	if s.callbacks.sinks == nil {
		s.callbacks.sinks = map[cbDest]*cbSink{}
	}
	k := s.callbacks.sinks[to]
	if k == nil {
		k = &cbSink{}
		s.callbacks.sinks[to] = k
	}
	return k
}

// cbRoute is one callback with where it goes, resolved under the lock.
type cbRoute struct {
	plaintext []byte
	url       string
	cfg       CallbackConfig
	fns       []func(ctx context.Context, plaintext []byte) error
}

// cbRoutes resolves events to their receivers' current URLs and functions, leaving out those
// without a receiver; s.mu held.
func (s *Server) cbRoutes(events []cbEvent) []cbRoute {
	var out []cbRoute
	for _, e := range events {
		k := s.callbacks.sinks[e.to]
		if k == nil || (k.url == "" && len(k.fns) == 0) {
			continue
		}
		out = append(out, cbRoute{plaintext: e.plaintext, url: k.url, cfg: k.cfg, fns: slices.Clone(k.fns)})
	}
	return out
}

// emit delivers events before returning and reports the unacknowledged deliveries and the
// functions' errors; s.mu must not be held (deliveries take it).
func (s *Server) emit(ctx context.Context, events []cbEvent) error {
	if len(events) == 0 {
		return nil
	}
	s.mu.Lock()
	rs := s.cbRoutes(events)
	s.mu.Unlock()
	return s.send(ctx, rs)
}

// emitLater delivers events in the background, in order; s.mu held (as in a handler).
func (s *Server) emitLater(events []cbEvent) {
	if rs := s.cbRoutes(events); len(rs) > 0 {
		go func() { _ = s.send(context.Background(), rs) }()
	}
}

func (s *Server) send(ctx context.Context, rs []cbRoute) error {
	var errs []error
	for _, r := range rs {
		if r.url != "" {
			if _, err := s.DeliverCallback(ctx, r.url, r.cfg, r.plaintext); err != nil {
				errs = append(errs, err)
			}
		}
		for _, fn := range r.fns {
			if err := fn(ctx, r.plaintext); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
