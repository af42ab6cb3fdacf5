package wecomtest

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// kfState holds WeChat Customer Service accounts, servicers and conversations.
type kfState struct {
	offset    time.Duration // added to the wall clock: AdvanceKfClock
	seq       int
	accounts  map[string]*kfAccount // open_kfid → account
	order     []string              // creation order, for account/list
	customers map[string]*kfProfile // external_userid → profile (corp-wide)
	codes     map[string]*kfCode
	latest    map[string]string // open_kfid → newest callback token
	tokenKey  []byte            // signs callback tokens, so they need no storage
	allowed   map[[2]int]bool   // service_state/trans moves the server accepts
	pageMax   int               // largest sync_msg page the server returns
	noTokenPM int               // sync_msg calls without token per minute and account
	emptyPage bool              // answer an empty page with has_more=1 before each real one
	hooks     []func(corpID, openKfID, token string)
	upgrade   kfUpgradeConfig
	groups    []*kfGroup
	intents   []*kfIntent
}

type kfAccount struct {
	corpID, openKfID, name, mediaID string
	servicers                       map[string]*kfServicer
	servicerOrder                   []string
	departments                     []uint32
	convs                           map[string]*kfConv
	msgs                            []kfMsg
	sentIDs                         map[string]bool // msgids used by send_msg / send_msg_on_event
	noToken                         []time.Time
	emptyDone                       bool         // the empty page before the next real one was served
	recommend                       map[string]J // external_userid → upgrade_service recommendation
}

type kfServicer struct {
	status, stopType int // list encoding: 0 receiving, 1 stopped; stop 0 stopped, 1 suspended
}

// kfConv is one customer's session with one account.
type kfConv struct {
	state        int
	servicer     string
	lastCustomer time.Time // the customer's latest message: opens the 48 h window
	sent         int       // send_msg messages since that message (quota 5)
	lastWelcome  time.Time
	queuedCode   bool // a queue code was issued in this session
	humanCode    bool // a picked-up code was issued in this session
	received     []KfDelivery
}

type kfProfile struct {
	nickname, avatar, unionID string
	gender                    int
	lastSeen                  time.Time
	scene, sceneParam         string
}

// kfMsg is one element of the sync_msg stream, kept compact: the body is rendered on demand.
type kfMsg struct {
	msgid    string
	at       time.Time
	origin   int
	ext      string
	servicer string
	msgtype  string
	text     string          // body of plain text messages
	body     json.RawMessage // body object of other types (the event object for events)
}

type kfCode struct {
	openKfID, ext string
	state         int // the state the code belongs to; -1 for a welcome code
	expiry        time.Time
	used          bool
}

type kfUpgradeConfig struct {
	userIDs, chatIDs []string
}

type kfGroup struct {
	id, name  string
	isDefault bool
}

type kfIntent struct {
	id, groupID string
	question    json.RawMessage
	similar     json.RawMessage
	answers     json.RawMessage
}

// KfDelivery is one message a customer received from the API (send_msg or send_msg_on_event),
// as the simulator recorded it.
type KfDelivery struct {
	MsgID   string
	MsgType string
	Via     string          // "send_msg" or "send_msg_on_event"
	Text    string          // the content of a text message
	Body    json.RawMessage // the body object under the msgtype key
	Time    time.Time       // on the simulator's kf clock
}

// KfSession is the simulator's view of one customer's session with a kf account.
type KfSession struct {
	State          int       // service_state: 0 untreated … 4 ended / not started
	ServicerUserID string    // the serving member in state 3
	Sent           int       // send_msg messages since the customer's latest message
	LastCustomer   time.Time // the customer's latest message (kf clock)
}

// The kf errcodes the simulator answers (customerservice spec §17).
const (
	kfInvalidOpenKfID  = 95000
	kfQuotaExceeded    = 95001
	kfWindowExceeded   = 95002
	kfNotFound         = 95004
	kfBadName          = 95006
	kfBadToken         = 95007
	kfTooManyMenus     = 95008
	kfBadMenuType      = 95009
	kfNotServicer      = 95014
	kfBadTransition    = 95016
	kfStateNoSend      = 95018
	kfServicerStopped  = 95019
	kfServicerLimit    = 95020
	kfUpgradeNotConfig = 95021
	kfDuplicateMsgID   = 95033
	kfCodeExpired      = 42003
	kfCodeUsed         = 42022
	kfBadMsgType       = 40008
	kfBadParam         = 40058
)

const (
	kfWindow       = 48 * time.Hour
	kfQuota        = 5
	kfTokenTTL     = 10 * time.Minute
	kfHistory      = 72 * time.Hour
	kfWelcomeTTL   = 20 * time.Second
	kfEndTTL       = 20 * time.Second
	kfPromptTTL    = 48 * time.Hour
	kfMaxServicers = 2000
	kfMaxDepts     = 20
)

var kfMsgIDRe = regexp.MustCompile(`^[0-9a-zA-Z_-]{1,32}$`)

// WithKfTransition sets whether service_state/trans accepts the move from → to. The defaults
// follow the spec's table: 0→1 and 1→4 allowed, 0→4 and 2→4 refused with 95016 (those cells
// are unverified against the real platform), same-state moves of 1 and 2 are no-ops.
func WithKfTransition(from, to int, allowed bool) Option {
	return func(s *Server) { s.kf.allowed[[2]int{from, to}] = allowed }
}

// WithKfSyncPageSize caps how many messages one sync_msg answer carries (default 1000, the
// platform's maximum), so tests can page through few messages.
func WithKfSyncPageSize(n int) Option {
	return func(s *Server) {
		if n > 0 {
			s.kf.pageMax = n
		}
	}
}

// WithKfEmptyPages makes sync_msg answer an empty page with has_more=1 before every page that
// has messages, as the platform may do: a client must page on has_more, not on an empty list.
func WithKfEmptyPages() Option { return func(s *Server) { s.kf.emptyPage = true } }

// WithKfNoTokenLimit sets how many sync_msg calls without a callback token an account may make
// per minute before the simulator answers 45009 (default 10; the real limit is undisclosed).
func WithKfNoTokenLimit(n int) Option { return func(s *Server) { s.kf.noTokenPM = n } }

func (s *Server) registerKf() {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s.kf = kfState{
		accounts:  make(map[string]*kfAccount),
		customers: make(map[string]*kfProfile),
		codes:     make(map[string]*kfCode),
		latest:    make(map[string]string),
		tokenKey:  key,
		pageMax:   1000,
		noTokenPM: 10,
		allowed: map[[2]int]bool{
			{0, 1}: true, {0, 2}: true, {0, 3}: true,
			{1, 1}: true, {1, 2}: true, {1, 3}: true, {1, 4}: true,
			{2, 2}: true, {2, 3}: true,
			{3, 3}: true, {3, 4}: true,
		},
		groups: []*kfGroup{{id: "GRP_default_0000", name: "默认分组", isDefault: true}},
	}
	p := func(path string, h handlerFunc) { s.handle(http.MethodPost, "/cgi-bin/kf/"+path, TokenCorp, h) }
	g := func(path string, h handlerFunc) { s.handle(http.MethodGet, "/cgi-bin/kf/"+path, TokenCorp, h) }
	p("account/add", s.kfAccountAdd)
	p("account/del", s.kfAccountDel)
	p("account/update", s.kfAccountUpdate)
	p("account/list", s.kfAccountList)
	p("add_contact_way", s.kfContactWay)
	p("servicer/add", func(c *Call) (any, error) { return s.kfServicers(c, true) })
	p("servicer/del", func(c *Call) (any, error) { return s.kfServicers(c, false) })
	g("servicer/list", s.kfServicerList)
	p("service_state/get", s.kfStateGet)
	p("service_state/trans", s.kfStateTrans)
	p("sync_msg", s.kfSyncMsg)
	p("send_msg", s.kfSendMsg)
	p("send_msg_on_event", s.kfSendOnEvent)
	p("customer/batchget", s.kfCustomerBatchGet)
	g("customer/get_upgrade_service_config", s.kfUpgradeConfig)
	p("customer/upgrade_service", s.kfUpgrade)
	p("customer/cancel_upgrade_service", s.kfCancelUpgrade)
	p("get_corp_statistic", func(c *Call) (any, error) { return s.kfStatistic(c, false) })
	p("get_servicer_statistic", func(c *Call) (any, error) { return s.kfStatistic(c, true) })
	p("knowledge/add_group", s.kfAddGroup)
	p("knowledge/del_group", s.kfDelGroup)
	p("knowledge/mod_group", s.kfModGroup)
	p("knowledge/list_group", s.kfListGroup)
	p("knowledge/add_intent", s.kfAddIntent)
	p("knowledge/del_intent", s.kfDelIntent)
	p("knowledge/mod_intent", s.kfModIntent)
	p("knowledge/list_intent", s.kfListIntent)
	g("get_corp_qualification", func(*Call) (any, error) { return J{"wechat_channels_binding": false}, nil })
}

func (k *kfState) now() time.Time { return time.Now().Add(k.offset) }

func (k *kfState) next(prefix string) string {
	k.seq++
	return fmt.Sprintf("%s%012d", prefix, k.seq)
}

// ---- public helpers (take s.mu) ----

// AddKfAccount creates a kf account (客服账号) in the default corp, with the given members as
// receiving servicers, and returns its open_kfid.
func (s *Server) AddKfAccount(name string, servicers ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.kfNewAccount(CorpID, name, "sim-avatar-media")
	for _, u := range servicers {
		a.addServicer(u)
	}
	return a.openKfID
}

// SetKfServicerStatus sets a servicer's receiving status as the member would in the WeCom
// client: status 0 receiving, 1 stopped (servicer/list encoding), stopType 0 stopped or 1
// suspended. It adds a servicer_status_change event to the account's sync_msg stream.
func (s *Server) SetKfServicerStatus(openKfID, userID string, status, stopType int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, sv, err := s.kfServicer(openKfID, userID)
	if err != nil {
		return err
	}
	sv.status, sv.stopType = status, stopType
	ev := J{"event_type": "servicer_status_change", "servicer_userid": userID, "status": status + 1, "open_kfid": a.openKfID}
	if status == 1 {
		ev["stop_type"] = stopType
	}
	s.kfEvent(a, "", ev)
	return nil
}

func (s *Server) kfServicer(openKfID, userID string) (*kfAccount, *kfServicer, error) {
	a := s.kf.accounts[openKfID]
	if a == nil {
		return nil, nil, fmt.Errorf("wecomtest: no kf account %q", openKfID)
	}
	sv := a.servicers[userID]
	if sv == nil {
		return nil, nil, fmt.Errorf("wecomtest: %q is not a servicer of %q", userID, openKfID)
	}
	return a, sv, nil
}

// SetKfCustomer sets the WeChat profile customer/batchget returns for a customer.
func (s *Server) SetKfCustomer(externalUserID, nickname string, gender int, unionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.kfProfile(externalUserID)
	p.nickname, p.gender, p.unionID = nickname, gender, unionID
}

func (s *Server) kfProfile(ext string) *kfProfile {
	p := s.kf.customers[ext]
	if p == nil {
		p = &kfProfile{nickname: "Customer " + ext, avatar: "https://wx.qlogo.cn/mmhead/sim/" + ext}
		s.kf.customers[ext] = p
	}
	return p
}

// CustomerEnters simulates a WeChat customer opening the account's chat through a link made
// with scene (add_contact_way; "" for none; "scene&scene_param=URL-encoded value" for a link
// with a parameter appended): it adds an enter_session event, with a welcome_code
// when the customer got no welcome and wrote nothing in the past 48 h, and notifies the
// callback hooks. The session state does not change.
func (s *Server) CustomerEnters(openKfID, externalUserID, scene string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.kf.accounts[openKfID]
	if a == nil || externalUserID == "" {
		return fmt.Errorf("wecomtest: no kf account %q or empty customer", openKfID)
	}
	now := s.kf.now()
	scene, param, _ := strings.Cut(scene, "&scene_param=")
	if p, err := url.QueryUnescape(param); err == nil {
		param = p
	}
	p := s.kfProfile(externalUserID)
	p.lastSeen, p.scene, p.sceneParam = now, scene, param
	conv := a.conv(externalUserID)
	ev := J{"event_type": "enter_session", "open_kfid": openKfID, "external_userid": externalUserID}
	if scene != "" {
		ev["scene"] = scene
	}
	if param != "" {
		ev["scene_param"] = param
	}
	if now.Sub(conv.lastWelcome) > kfWindow && now.Sub(conv.lastCustomer) > kfWindow {
		code := s.kf.next("WELCOME_")
		s.kf.codes[code] = &kfCode{openKfID: openKfID, ext: externalUserID, state: -1, expiry: now.Add(kfWelcomeTTL)}
		ev["welcome_code"] = code
	}
	s.kfEvent(a, externalUserID, ev)
	return nil
}

// CustomerSays simulates the customer writing text to the account: the message joins the
// sync_msg stream, an ended or not-started session becomes untreated (0), the 48-hour window
// and the 5-message quota restart, and the callback hooks are notified. It returns the msgid.
func (s *Server) CustomerSays(openKfID, externalUserID, text string) (string, error) {
	return s.CustomerSends(openKfID, externalUserID, "text", J{"content": text})
}

// CustomerSends is CustomerSays for any message type: body is the object under the msgtype key
// (nil for types without content such as note).
func (s *Server) CustomerSends(openKfID, externalUserID, msgtype string, body any) (string, error) {
	var raw json.RawMessage
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return "", fmt.Errorf("wecomtest: message body: %w", err)
		}
		raw = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.kf.accounts[openKfID]
	if a == nil || externalUserID == "" || msgtype == "" || msgtype == "event" {
		return "", fmt.Errorf("wecomtest: no kf account %q, empty customer or bad msgtype", openKfID)
	}
	now := s.kf.now()
	conv := a.conv(externalUserID)
	if conv.state == 4 {
		conv.state, conv.servicer, conv.queuedCode, conv.humanCode = 0, "", false, false
	}
	conv.lastCustomer, conv.sent = now, 0
	s.kfProfile(externalUserID).lastSeen = now
	m := kfMsg{msgid: s.kf.next("from_msgid_"), at: now, origin: 3, ext: externalUserID, msgtype: msgtype, body: raw}
	if msgtype == "text" && body != nil {
		var t struct {
			Content string `json:"content"`
			MenuID  string `json:"menu_id"`
		}
		if json.Unmarshal(raw, &t) == nil && t.MenuID == "" {
			m.text, m.body = t.Content, nil
		}
	}
	a.msgs = append(a.msgs, m)
	s.kfNotify(a)
	return m.msgid, nil
}

// ServicerSays simulates a servicer writing to the customer from the WeCom client (origin 5).
func (s *Server) ServicerSays(openKfID, externalUserID, servicerUserID, text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.kf.accounts[openKfID]
	if a == nil || a.convs[externalUserID] == nil {
		return fmt.Errorf("wecomtest: no kf conversation %q/%q", openKfID, externalUserID)
	}
	a.msgs = append(a.msgs, kfMsg{msgid: s.kf.next("from_msgid_"), at: s.kf.now(), origin: 5, ext: externalUserID,
		servicer: servicerUserID, msgtype: "text", text: text})
	s.kfNotify(a)
	return nil
}

// PushKfEvent adds a system event (origin 4) to the account's sync_msg stream, such as a
// msg_send_fail or user_recall_msg; event is the object under "event" and must hold
// event_type. Its open_kfid and external_userid are filled in when absent.
func (s *Server) PushKfEvent(openKfID, externalUserID string, event map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.kf.accounts[openKfID]
	if a == nil || event["event_type"] == nil {
		return fmt.Errorf("wecomtest: no kf account %q or no event_type", openKfID)
	}
	ev := J{"open_kfid": openKfID}
	if externalUserID != "" {
		ev["external_userid"] = externalUserID
	}
	for k, v := range event {
		ev[k] = v
	}
	s.kfEvent(a, externalUserID, ev)
	return nil
}

// KfReceived returns what the customer received from the account through the API, oldest
// first. A message sent twice with the same msgid appears once.
func (s *Server) KfReceived(openKfID, externalUserID string) []KfDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.kf.accounts[openKfID]; a != nil && a.convs[externalUserID] != nil {
		return append([]KfDelivery(nil), a.convs[externalUserID].received...)
	}
	return nil
}

// KfSessionOf returns the session of a customer with an account; ok is false when the customer
// never entered or wrote.
func (s *Server) KfSessionOf(openKfID, externalUserID string) (sess KfSession, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.kf.accounts[openKfID]
	if a == nil || a.convs[externalUserID] == nil {
		return KfSession{}, false
	}
	c := a.convs[externalUserID]
	return KfSession{State: c.state, ServicerUserID: c.servicer, Sent: c.sent, LastCustomer: c.lastCustomer}, true
}

// KfSyncToken returns the newest kf msg token (the Token of the latest kf_msg_or_event
// notice) of an account, "" if none was issued.
func (s *Server) KfSyncToken(openKfID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kf.latest[openKfID]
}

// AdvanceKfClock moves the simulator's kf clock forward by d: the 48-hour window, callback
// tokens, one-shot codes and the 3-day history all age by d.
func (s *Server) AdvanceKfClock(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kf.offset += d
}

// OnKfMsgOrEvent registers fn to run, in its own goroutine, each time an account has new
// sync_msg data: it receives what a kf_msg_or_event callback carries (OpenKfId and Token).
func (s *Server) OnKfMsgOrEvent(fn func(openKfID, token string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kf.hooks = append(s.kf.hooks, func(_, openKfID, token string) { fn(openKfID, token) })
}

// SetKfCallbackURL makes the simulator deliver a signed, encrypted kf_msg_or_event callback
// (接收消息和事件) to target each time an account has new sync_msg data, with cfg's Token and
// EncodingAESKey and its redelivery rules (see DeliverCallback; deliveries are recorded in
// Callbacks).
func (s *Server) SetKfCallbackURL(target string, cfg CallbackConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kf.hooks = append(s.kf.hooks, func(corpID, openKfID, token string) {
		_, _ = s.DeliverCallback(context.Background(), target, cfg, KfCallback(corpID, openKfID, token))
	})
}

// SetKfUpgradeConfig sets the upgrade-service (升级服务) specialists and customer groups that
// customer/get_upgrade_service_config returns and customer/upgrade_service accepts.
func (s *Server) SetKfUpgradeConfig(userIDs, chatIDs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kf.upgrade.userIDs, s.kf.upgrade.chatIDs = userIDs, chatIDs
}

// KfRecommendation returns the upgrade-service recommendation set for a customer (nil if none).
func (s *Server) KfRecommendation(openKfID, externalUserID string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.kf.accounts[openKfID]; a != nil {
		return a.recommend[externalUserID]
	}
	return nil
}

// ---- internals (s.mu held) ----

func (s *Server) kfNewAccount(corpID, name, mediaID string) *kfAccount {
	a := &kfAccount{
		corpID: corpID, openKfID: s.kf.next("wkSIM"), name: name, mediaID: mediaID,
		servicers: make(map[string]*kfServicer), convs: make(map[string]*kfConv),
		sentIDs: make(map[string]bool), recommend: make(map[string]J),
	}
	s.kf.accounts[a.openKfID] = a
	s.kf.order = append(s.kf.order, a.openKfID)
	return a
}

func (a *kfAccount) addServicer(u string) bool {
	if a.servicers[u] != nil {
		return false
	}
	a.servicers[u] = &kfServicer{}
	a.servicerOrder = append(a.servicerOrder, u)
	return true
}

func (a *kfAccount) conv(ext string) *kfConv {
	c := a.convs[ext]
	if c == nil {
		c = &kfConv{state: 4}
		a.convs[ext] = c
	}
	return c
}

// kfEvent appends a system event and notifies.
func (s *Server) kfEvent(a *kfAccount, ext string, ev J) {
	b, _ := json.Marshal(ev)
	a.msgs = append(a.msgs, kfMsg{msgid: s.kf.next("from_msgid_"), at: s.kf.now(), origin: 4, ext: ext, msgtype: "event", body: b})
	s.kfNotify(a)
}

// kfNotify issues a fresh callback token and runs the hooks.
func (s *Server) kfNotify(a *kfAccount) {
	tok := s.kfToken(a.openKfID, s.kf.now().Add(kfTokenTTL))
	s.kf.latest[a.openKfID] = tok
	for _, h := range s.kf.hooks {
		go h(a.corpID, a.openKfID, tok)
	}
}

// kfToken signs (account, expiry) so tokens need no storage however many notices there are.
func (s *Server) kfToken(openKfID string, expiry time.Time) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(expiry.UnixNano()))
	m := hmac.New(sha256.New, s.kf.tokenKey)
	m.Write([]byte(openKfID))
	m.Write(b[:])
	return "ENC" + base64.RawURLEncoding.EncodeToString(append(b[:], m.Sum(nil)[:16]...))
}

func (s *Server) kfTokenValid(openKfID, tok string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, "ENC"))
	if err != nil || len(raw) != 24 || !strings.HasPrefix(tok, "ENC") {
		return false
	}
	expiry := time.Unix(0, int64(binary.BigEndian.Uint64(raw[:8])))
	return hmac.Equal([]byte(s.kfToken(openKfID, expiry)), []byte(tok)) && s.kf.now().Before(expiry)
}

// account finds the caller's account: 95000 for a malformed ID, 95004 for an unknown one.
func (s *Server) kfAccountOf(c *Call, id string) (*kfAccount, error) {
	if id == "" || len(id) > 64 {
		return nil, errc(kfInvalidOpenKfID, "invalid open_kfid")
	}
	a := s.kf.accounts[id]
	if a == nil || a.corpID != c.Token.CorpID {
		return nil, errc(kfNotFound, "open_kfid not exist")
	}
	return a, nil
}

func (s *Server) kfAccountAdd(c *Call) (any, error) {
	var in struct {
		Name    string `json:"name"`
		MediaID string `json:"media_id"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 16 {
		return nil, errc(kfBadName, "invalid kf name")
	}
	if in.MediaID == "" {
		return nil, errc(40007, "invalid media_id")
	}
	return J{"open_kfid": s.kfNewAccount(c.Token.CorpID, in.Name, in.MediaID).openKfID}, nil
}

func (s *Server) kfAccountDel(c *Call) (any, error) {
	var in struct {
		OpenKfID string `json:"open_kfid"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	delete(s.kf.accounts, a.openKfID)
	for i, id := range s.kf.order {
		if id == a.openKfID {
			s.kf.order = append(s.kf.order[:i:i], s.kf.order[i+1:]...)
			break
		}
	}
	return J{}, nil
}

func (s *Server) kfAccountUpdate(c *Call) (any, error) {
	var in struct {
		OpenKfID string  `json:"open_kfid"`
		Name     *string `json:"name"`
		MediaID  *string `json:"media_id"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	if in.Name != nil {
		if *in.Name == "" || utf8.RuneCountInString(*in.Name) > 16 {
			return nil, errc(kfBadName, "invalid kf name")
		}
		a.name = *in.Name
	}
	if in.MediaID != nil {
		if *in.MediaID == "" {
			return nil, errc(40007, "invalid media_id")
		}
		a.mediaID = *in.MediaID
	}
	return J{}, nil
}

func (s *Server) kfAccountList(c *Call) (any, error) {
	var in struct {
		Offset int `json:"offset"`
		Limit  int `json:"limit"`
	}
	if len(c.Body) > 0 {
		if err := c.Decode(&in); err != nil {
			return nil, err
		}
	}
	if in.Limit == 0 {
		in.Limit = 100
	}
	if in.Limit < 0 || in.Limit > 100 || in.Offset < 0 {
		return nil, errc(kfBadParam, "invalid offset or limit")
	}
	list := []J{}
	n := 0
	for _, id := range s.kf.order {
		a := s.kf.accounts[id]
		if a.corpID != c.Token.CorpID {
			continue
		}
		if n >= in.Offset && len(list) < in.Limit {
			list = append(list, J{"open_kfid": id, "name": a.name, "avatar": "https://wework.qpic.cn/wwhead/sim/" + a.mediaID, "manage_privilege": true})
		}
		n++
	}
	return J{"account_list": list}, nil
}

var kfSceneRe = regexp.MustCompile(`^[0-9a-zA-Z_-]{1,32}$`)

func (s *Server) kfContactWay(c *Call) (any, error) {
	var in struct {
		OpenKfID string `json:"open_kfid"`
		Scene    string `json:"scene"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	if in.Scene != "" && !kfSceneRe.MatchString(in.Scene) {
		return nil, errc(kfBadParam, "invalid scene")
	}
	u := "https://work.weixin.qq.com/kf/kfc" + strings.TrimPrefix(a.openKfID, "wkSIM")
	if in.Scene != "" {
		u += "?enc_scene=ENC" + base64.RawURLEncoding.EncodeToString([]byte(in.Scene))
	}
	return J{"url": u}, nil
}

func (s *Server) kfServicers(c *Call, add bool) (any, error) {
	var in struct {
		OpenKfID string   `json:"open_kfid"`
		UserIDs  []string `json:"userid_list"`
		Depts    []uint32 `json:"department_id_list"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	maxDepts := 100
	if add {
		maxDepts = kfMaxDepts
	}
	switch {
	case len(in.UserIDs)+len(in.Depts) == 0:
		return nil, errc(kfBadParam, "userid_list and department_id_list are empty")
	case len(in.UserIDs) > 100 || len(in.Depts) > maxDepts:
		return nil, errc(kfBadParam, "too many userids or departments")
	case add && (len(a.servicers)+len(in.UserIDs) > kfMaxServicers || len(a.departments)+len(in.Depts) > kfMaxDepts):
		return nil, errc(kfServicerLimit, "servicer count exceed limit")
	}
	res := []J{}
	for _, u := range in.UserIDs {
		r := J{"userid": u, "errcode": 0, "errmsg": "success"}
		switch {
		case u == "":
			r["errcode"], r["errmsg"] = 40003, "invalid userid"
		case add && !a.addServicer(u):
			r["errmsg"] = "ignored"
		case !add && a.servicers[u] == nil:
			r["errcode"], r["errmsg"] = kfNotServicer, "not a servicer"
		case !add:
			delete(a.servicers, u)
			for i, v := range a.servicerOrder {
				if v == u {
					a.servicerOrder = append(a.servicerOrder[:i:i], a.servicerOrder[i+1:]...)
					break
				}
			}
		}
		res = append(res, r)
	}
	for _, d := range in.Depts {
		i := indexOf(a.departments, d)
		switch {
		case add && i < 0:
			a.departments = append(a.departments, d)
		case !add && i >= 0:
			a.departments = append(a.departments[:i:i], a.departments[i+1:]...)
		}
		res = append(res, J{"department_id": d, "errcode": 0, "errmsg": "success"})
	}
	return J{"result_list": res}, nil
}

func indexOf(list []uint32, v uint32) int {
	for i, x := range list {
		if x == v {
			return i
		}
	}
	return -1
}

func (s *Server) kfServicerList(c *Call) (any, error) {
	a, err := s.kfAccountOf(c, c.Query("open_kfid"))
	if err != nil {
		return nil, err
	}
	list := []J{}
	for _, u := range a.servicerOrder {
		sv := a.servicers[u]
		e := J{"userid": u, "status": sv.status}
		if sv.status == 1 {
			e["stop_type"] = sv.stopType
		}
		list = append(list, e)
	}
	for _, d := range a.departments {
		list = append(list, J{"department_id": d})
	}
	return J{"servicer_list": list}, nil
}

type kfConvParams struct {
	OpenKfID       string `json:"open_kfid"`
	ExternalUserID string `json:"external_userid"`
}

func (s *Server) kfConvOf(c *Call, in kfConvParams) (*kfAccount, *kfConv, error) {
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, nil, err
	}
	if in.ExternalUserID == "" {
		return nil, nil, errc(kfBadParam, "external_userid missing")
	}
	return a, a.conv(in.ExternalUserID), nil
}

func (s *Server) kfStateGet(c *Call) (any, error) {
	var in kfConvParams
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	_, conv, err := s.kfConvOf(c, in)
	if err != nil {
		return nil, err
	}
	out := J{"service_state": conv.state}
	if conv.state == 3 {
		out["servicer_userid"] = conv.servicer
	}
	return out, nil
}

func (s *Server) kfStateTrans(c *Call) (any, error) {
	var in struct {
		kfConvParams
		State    *int   `json:"service_state"`
		Servicer string `json:"servicer_userid"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, conv, err := s.kfConvOf(c, in.kfConvParams)
	if err != nil {
		return nil, err
	}
	if in.State == nil || *in.State < 0 || *in.State > 4 {
		return nil, errc(kfBadParam, "invalid service_state")
	}
	to := *in.State
	if !s.kf.allowed[[2]int{conv.state, to}] {
		return nil, errc(kfBadTransition, fmt.Sprintf("service state transition %d -> %d not allowed", conv.state, to))
	}
	if to == 3 {
		if in.Servicer == "" {
			return nil, errc(kfBadParam, "servicer_userid missing")
		}
		sv := a.servicers[in.Servicer]
		if sv == nil {
			return nil, errc(kfNotServicer, "user is not servicer")
		}
		if sv.status != 0 {
			return nil, errc(kfServicerStopped, "servicer stopped or suspended")
		}
	}
	now := s.kf.now()
	var code string
	issue := func(ttl time.Duration) {
		code = s.kf.next("MSGCODE_")
		s.kf.codes[code] = &kfCode{openKfID: a.openKfID, ext: in.ExternalUserID, state: to, expiry: now.Add(ttl)}
	}
	switch {
	case to == 2 && conv.state != 2 && !conv.queuedCode:
		conv.queuedCode = true
		issue(kfPromptTTL)
	case to == 3 && conv.state != 3 && !conv.humanCode:
		conv.humanCode = true
		issue(kfPromptTTL)
	case to == 4:
		issue(kfEndTTL)
	}
	conv.state = to
	conv.servicer = ""
	if to == 3 {
		conv.servicer = in.Servicer
	}
	out := J{}
	if code != "" {
		out["msg_code"] = code
	}
	return out, nil
}

// ---- sync_msg ----

// kfCursor encodes a stream position with the account it belongs to.
func kfCursor(openKfID string, pos int) string {
	h := sha256.Sum256([]byte(openKfID))
	return "CUR" + base64.RawURLEncoding.EncodeToString(h[:4]) + strconv.FormatInt(int64(pos), 36)
}

func kfCursorPos(openKfID, cur string) (int, bool) {
	pre := kfCursor(openKfID, 0)
	pre = pre[:len(pre)-1]
	if !strings.HasPrefix(cur, pre) {
		return 0, false
	}
	n, err := strconv.ParseInt(cur[len(pre):], 36, 64)
	return int(n), err == nil && n >= 0
}

func (s *Server) kfSyncMsg(c *Call) (any, error) {
	var in struct {
		Cursor      string `json:"cursor"`
		Token       string `json:"token"`
		Limit       int    `json:"limit"`
		VoiceFormat int    `json:"voice_format"`
		OpenKfID    string `json:"open_kfid"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if in.OpenKfID == "" {
		return nil, errc(kfBadParam, "invalid Request Parameter: open_kfid")
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	now := s.kf.now()
	if in.Token != "" {
		if !s.kfTokenValid(a.openKfID, in.Token) {
			return nil, errc(kfBadToken, "invalid kf msg token")
		}
	} else {
		cut := 0
		for cut < len(a.noToken) && now.Sub(a.noToken[cut]) >= time.Minute {
			cut++
		}
		a.noToken = a.noToken[cut:]
		if len(a.noToken) >= s.kf.noTokenPM {
			return nil, errc(45009, "api freq out of limit: sync_msg without token")
		}
		a.noToken = append(a.noToken, now)
	}
	pos := 0
	if in.Cursor != "" {
		p, ok := kfCursorPos(a.openKfID, in.Cursor)
		if !ok || p > len(a.msgs) {
			return nil, errc(kfBadParam, "invalid cursor")
		}
		pos = p
	}
	limit := in.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	limit = min(limit, s.kf.pageMax)
	for pos < len(a.msgs) && now.Sub(a.msgs[pos].at) > kfHistory {
		pos++
	}
	if s.kf.emptyPage && pos < len(a.msgs) && !a.emptyDone {
		a.emptyDone = true
		return J{"next_cursor": kfCursor(a.openKfID, pos), "has_more": 1, "msg_list": []J{}}, nil
	}
	a.emptyDone = false
	end := min(pos+limit, len(a.msgs))
	list := make([]json.RawMessage, 0, end-pos)
	for _, m := range a.msgs[pos:end] {
		list = append(list, a.render(m))
	}
	hasMore := 0
	if end < len(a.msgs) {
		hasMore = 1
	}
	return J{"next_cursor": kfCursor(a.openKfID, end), "has_more": hasMore, "msg_list": list}, nil
}

// render builds one msg_list element.
func (a *kfAccount) render(m kfMsg) json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"msgid":`)
	writeJSONString(&b, m.msgid)
	if m.origin != 4 {
		b.WriteString(`,"open_kfid":`)
		writeJSONString(&b, a.openKfID)
		b.WriteString(`,"external_userid":`)
		writeJSONString(&b, m.ext)
	}
	fmt.Fprintf(&b, `,"send_time":%d,"origin":%d`, m.at.Unix(), m.origin)
	if m.servicer != "" {
		b.WriteString(`,"servicer_userid":`)
		writeJSONString(&b, m.servicer)
	}
	b.WriteString(`,"msgtype":`)
	writeJSONString(&b, m.msgtype)
	switch {
	case m.body != nil:
		b.WriteString(`,`)
		writeJSONString(&b, m.msgtype)
		b.WriteString(`:`)
		b.Write(m.body)
	case m.msgtype == "text":
		b.WriteString(`,"text":{"content":`)
		writeJSONString(&b, m.text)
		b.WriteString(`}`)
	}
	b.WriteString(`}`)
	return json.RawMessage(b.String())
}

func writeJSONString(b *strings.Builder, v string) {
	q, _ := json.Marshal(v)
	b.Write(q)
}

// ---- send_msg / send_msg_on_event ----

type kfSendIn struct {
	ToUser   string                     `json:"touser"`
	OpenKfID string                     `json:"open_kfid"`
	Code     string                     `json:"code"`
	MsgID    *string                    `json:"msgid"`
	MsgType  string                     `json:"msgtype"`
	Bodies   map[string]json.RawMessage `json:"-"`
}

func decodeSend(c *Call) (kfSendIn, error) {
	var in kfSendIn
	if err := c.Decode(&in); err != nil {
		return in, err
	}
	if err := json.Unmarshal(c.Body, &in.Bodies); err != nil {
		return in, errc(kfBadParam, "Warning: wrong json format.")
	}
	if in.MsgID != nil && !kfMsgIDRe.MatchString(*in.MsgID) {
		return in, errc(kfBadParam, "invalid msgid")
	}
	return in, nil
}

var kfSendTypes = map[string]bool{"text": true, "image": true, "voice": true, "video": true, "file": true,
	"link": true, "miniprogram": true, "msgmenu": true, "location": true, "ca_link": true}

// checkBody validates the message body of a send; maxMenu is the menu item limit.
func checkBody(in kfSendIn, maxMenu int) (json.RawMessage, string, error) {
	body := in.Bodies[in.MsgType]
	if !kfSendTypes[in.MsgType] {
		return nil, "", errc(kfBadMsgType, "invalid message type")
	}
	if len(body) == 0 {
		return nil, "", errc(kfBadParam, "missing "+in.MsgType)
	}
	switch in.MsgType {
	case "text":
		var t struct {
			Content string `json:"content"`
		}
		if json.Unmarshal(body, &t) != nil || t.Content == "" || len(t.Content) > 2048 {
			return nil, "", errc(kfBadParam, "invalid text content")
		}
		return body, t.Content, nil
	case "msgmenu":
		var m struct {
			List []struct {
				Type string `json:"type"`
			} `json:"list"`
		}
		if json.Unmarshal(body, &m) != nil {
			return nil, "", errc(kfBadParam, "invalid msgmenu")
		}
		active := 0
		for _, it := range m.List {
			switch it.Type {
			case "click", "view", "miniprogram":
				active++
			case "text":
			default:
				return nil, "", errc(kfBadMenuType, "invalid menu item type")
			}
		}
		if len(m.List) > maxMenu || (maxMenu > 10 && active > 10) {
			return nil, "", errc(kfTooManyMenus, "too many menu items")
		}
	}
	return body, "", nil
}

func (s *Server) kfSendMsg(c *Call) (any, error) {
	in, err := decodeSend(c)
	if err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	if in.ToUser == "" {
		return nil, errc(kfBadParam, "touser missing")
	}
	if in.MsgID != nil && a.sentIDs[*in.MsgID] {
		return nil, errc(kfDuplicateMsgID, "duplicate msgid")
	}
	body, text, err := checkBody(in, 50)
	if err != nil {
		return nil, err
	}
	conv := a.convs[in.ToUser]
	now := s.kf.now()
	switch {
	case conv == nil || conv.lastCustomer.IsZero():
		return nil, errc(95031, "customer has not started a consultation within 48 hours")
	case now.Sub(conv.lastCustomer) > kfWindow:
		return nil, errc(kfWindowExceeded, "send msg out of 48 hours window")
	case conv.state != 0 && conv.state != 1:
		return nil, errc(kfStateNoSend, "send msg session status invalid")
	case conv.sent >= kfQuota:
		return nil, errc(kfQuotaExceeded, "send msg count limit")
	}
	id := s.kfDeliver(a, conv, in, body, text, "send_msg")
	conv.sent++
	if conv.state == 0 {
		conv.state = 1
	}
	return J{"msgid": id}, nil
}

func (s *Server) kfDeliver(a *kfAccount, conv *kfConv, in kfSendIn, body json.RawMessage, text, via string) string {
	id := ""
	if in.MsgID != nil {
		id = *in.MsgID
	} else {
		id = s.kf.next("MSGID_sim_")
	}
	a.sentIDs[id] = true
	conv.received = append(conv.received, KfDelivery{MsgID: id, MsgType: in.MsgType, Via: via, Text: text,
		Body: append(json.RawMessage(nil), body...), Time: s.kf.now()})
	return id
}

func (s *Server) kfSendOnEvent(c *Call) (any, error) {
	in, err := decodeSend(c)
	if err != nil {
		return nil, err
	}
	code := s.kf.codes[in.Code]
	if in.Code == "" || code == nil {
		return nil, errc(kfCodeExpired, "invalid code")
	}
	a := s.kf.accounts[code.openKfID]
	if a == nil || a.corpID != c.Token.CorpID {
		return nil, errc(kfCodeExpired, "invalid code")
	}
	// The duplicate msgid check comes first so a retry after a lost answer is recognisable
	// (unverified for this endpoint: spec §20 item 1).
	if in.MsgID != nil && a.sentIDs[*in.MsgID] {
		return nil, errc(kfDuplicateMsgID, "duplicate msgid")
	}
	switch {
	case code.used:
		return nil, errc(kfCodeUsed, "code has been used")
	case !s.kf.now().Before(code.expiry):
		return nil, errc(kfCodeExpired, "code expired")
	}
	conv := a.conv(code.ext)
	if code.state >= 0 && conv.state != code.state {
		return nil, errc(kfStateNoSend, "session status changed, code invalid")
	}
	maxMenu := 10
	if (code.state == 2 || code.state == 3) && in.MsgType != "text" {
		return nil, errc(kfBadMsgType, "only text is allowed for this code")
	}
	if in.MsgType != "text" && in.MsgType != "msgmenu" {
		return nil, errc(kfBadMsgType, "invalid message type")
	}
	body, text, err := checkBody(in, maxMenu)
	if err != nil {
		return nil, err
	}
	code.used = true
	if code.state < 0 {
		conv.lastWelcome = s.kf.now()
	}
	return J{"msgid": s.kfDeliver(a, conv, in, body, text, "send_msg_on_event")}, nil
}

// ---- customers, upgrade service ----

func (s *Server) kfCustomerBatchGet(c *Call) (any, error) {
	var in struct {
		IDs  []string `json:"external_userid_list"`
		Need int      `json:"need_enter_session_context"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if len(in.IDs) == 0 || len(in.IDs) > 100 {
		return nil, errc(kfBadParam, "external_userid_list size must be 1-100")
	}
	now := s.kf.now()
	list, invalid := []J{}, []string{}
	for _, id := range in.IDs {
		p := s.kf.customers[id]
		if p == nil || p.lastSeen.IsZero() || now.Sub(p.lastSeen) > kfWindow {
			invalid = append(invalid, id)
			continue
		}
		e := J{"external_userid": id, "nickname": p.nickname, "avatar": p.avatar, "gender": p.gender}
		if p.unionID != "" {
			e["unionid"] = p.unionID
		}
		if in.Need == 1 {
			e["enter_session_context"] = J{"scene": p.scene, "scene_param": p.sceneParam}
		}
		list = append(list, e)
	}
	return J{"customer_list": list, "invalid_external_userid": invalid}, nil
}

func (s *Server) kfUpgradeConfig(*Call) (any, error) {
	u := s.kf.upgrade
	return J{
		"member_range":    J{"userid_list": append([]string{}, u.userIDs...), "department_id_list": []uint32{}},
		"groupchat_range": J{"chat_id_list": append([]string{}, u.chatIDs...)},
	}, nil
}

func (s *Server) kfUpgrade(c *Call) (any, error) {
	var in struct {
		kfConvParams
		Type   int `json:"type"`
		Member *struct {
			UserID  string `json:"userid"`
			Wording string `json:"wording"`
		} `json:"member"`
		GroupChat *struct {
			ChatID  string `json:"chat_id"`
			Wording string `json:"wording"`
		} `json:"groupchat"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, _, err := s.kfConvOf(c, in.kfConvParams)
	if err != nil {
		return nil, err
	}
	contains := func(list []string, v string) bool {
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	switch {
	case in.Type == 1 && in.Member != nil && in.Member.UserID != "":
		if !contains(s.kf.upgrade.userIDs, in.Member.UserID) {
			return nil, errc(kfUpgradeNotConfig, "member not configured for upgrade service")
		}
		a.recommend[in.ExternalUserID] = J{"type": 1, "userid": in.Member.UserID, "wording": in.Member.Wording}
	case in.Type == 2 && in.GroupChat != nil && in.GroupChat.ChatID != "":
		if !contains(s.kf.upgrade.chatIDs, in.GroupChat.ChatID) {
			return nil, errc(kfUpgradeNotConfig, "group chat not configured for upgrade service")
		}
		a.recommend[in.ExternalUserID] = J{"type": 2, "chat_id": in.GroupChat.ChatID, "wording": in.GroupChat.Wording}
	default:
		return nil, errc(kfBadParam, "invalid type or missing member/groupchat")
	}
	return J{}, nil
}

func (s *Server) kfCancelUpgrade(c *Call) (any, error) {
	var in kfConvParams
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, _, err := s.kfConvOf(c, in)
	if err != nil {
		return nil, err
	}
	delete(a.recommend, in.ExternalUserID)
	return J{}, nil
}

// ---- statistics ----

var kfChina = time.FixedZone("CST", 8*3600)

func (s *Server) kfStatistic(c *Call, servicer bool) (any, error) {
	var in struct {
		OpenKfID string `json:"open_kfid"`
		Servicer string `json:"servicer_userid"`
		Start    int64  `json:"start_time"`
		End      int64  `json:"end_time"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.kfAccountOf(c, in.OpenKfID)
	if err != nil {
		return nil, err
	}
	day := func(t int64) time.Time {
		y, m, d := time.Unix(t, 0).In(kfChina).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, kfChina)
	}
	start, end := day(in.Start), day(in.End)
	today := day(s.kf.now().Unix())
	switch {
	case in.Start <= 0 || in.End <= 0 || end.Before(start):
		return nil, errc(kfBadParam, "invalid start_time or end_time")
	case end.Sub(start) > 30*24*time.Hour:
		return nil, errc(kfBadParam, "time range exceeds 31 days")
	case !end.Before(today) || today.Sub(start) > 180*24*time.Hour:
		return nil, errc(kfBadParam, "time range must be within the last 180 days, yesterday at the latest")
	}
	list := []J{}
	for d := start; !d.After(end); d = d.AddDate(0, 0, 1) {
		msgs, customers := 0, map[string]bool{}
		for _, m := range a.msgs {
			if m.origin == 3 && !m.at.Before(d) && m.at.Before(d.AddDate(0, 0, 1)) {
				msgs++
				customers[m.ext] = true
			}
		}
		e := J{"stat_time": d.Unix()}
		if msgs > 0 {
			st := J{"customer_cnt": len(customers), "customer_msg_cnt": msgs, "session_cnt": len(customers)}
			if servicer {
				st["reply_rate"] = 0
			}
			e["statistic"] = st
		}
		list = append(list, e)
	}
	return J{"statistic_list": list}, nil
}

// ---- knowledge base ----

func (s *Server) kfGroup(id string) (*kfGroup, int) {
	for i, g := range s.kf.groups {
		if g.id == id {
			return g, i
		}
	}
	return nil, -1
}

func kfGroupName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 12 {
		return errc(kfBadParam, "invalid group name")
	}
	return nil
}

func (s *Server) kfAddGroup(c *Call) (any, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if err := kfGroupName(in.Name); err != nil {
		return nil, err
	}
	for _, g := range s.kf.groups {
		if g.name == in.Name {
			return nil, errc(kfBadParam, "group name already exists")
		}
	}
	if len(s.kf.groups) >= 100 {
		return nil, errc(kfBadParam, "too many groups")
	}
	g := &kfGroup{id: s.kf.next("GRP_"), name: in.Name}
	s.kf.groups = append(s.kf.groups, g)
	return J{"group_id": g.id}, nil
}

func (s *Server) kfDelGroup(c *Call) (any, error) {
	var in struct {
		GroupID string `json:"group_id"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	g, i := s.kfGroup(in.GroupID)
	if g == nil || g.isDefault {
		return nil, errc(kfBadParam, "invalid group_id")
	}
	s.kf.groups = append(s.kf.groups[:i:i], s.kf.groups[i+1:]...)
	kept := s.kf.intents[:0:0]
	for _, it := range s.kf.intents {
		if it.groupID != g.id {
			kept = append(kept, it)
		}
	}
	s.kf.intents = kept
	return J{}, nil
}

func (s *Server) kfModGroup(c *Call) (any, error) {
	var in struct {
		GroupID string `json:"group_id"`
		Name    string `json:"name"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	g, _ := s.kfGroup(in.GroupID)
	if g == nil || g.isDefault {
		return nil, errc(kfBadParam, "invalid group_id")
	}
	if err := kfGroupName(in.Name); err != nil {
		return nil, err
	}
	g.name = in.Name
	return J{}, nil
}

type kfListIn struct {
	Cursor   string `json:"cursor"`
	Limit    int    `json:"limit"`
	GroupID  string `json:"group_id"`
	IntentID string `json:"intent_id"`
}

// page cuts [start, start+limit) from n items, with the opaque cursor of the rest.
func kfPage(in kfListIn, n int) (start, end int, next string, more int, err error) {
	if in.Cursor != "" {
		p, perr := strconv.Atoi(strings.TrimPrefix(in.Cursor, "KCUR"))
		if perr != nil || !strings.HasPrefix(in.Cursor, "KCUR") || p < 0 || p > n {
			return 0, 0, "", 0, errc(kfBadParam, "invalid cursor")
		}
		start = p
	}
	limit := in.Limit
	if limit == 0 {
		limit = 500
	}
	if limit < 0 || limit > 1000 {
		return 0, 0, "", 0, errc(kfBadParam, "invalid limit")
	}
	end = min(start+limit, n)
	if end < n {
		more = 1
	}
	return start, end, "KCUR" + strconv.Itoa(end), more, nil
}

func (s *Server) kfListGroup(c *Call) (any, error) {
	var in kfListIn
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	groups := s.kf.groups
	if in.GroupID != "" {
		g, _ := s.kfGroup(in.GroupID)
		if g == nil {
			return nil, errc(kfBadParam, "invalid group_id")
		}
		groups = []*kfGroup{g}
	}
	start, end, next, more, err := kfPage(in, len(groups))
	if err != nil {
		return nil, err
	}
	list := []J{}
	for _, g := range groups[start:end] {
		d := 0
		if g.isDefault {
			d = 1
		}
		list = append(list, J{"group_id": g.id, "name": g.name, "is_default": d})
	}
	return J{"next_cursor": next, "has_more": more, "group_list": list}, nil
}

type kfIntentIn struct {
	GroupID  string          `json:"group_id"`
	IntentID string          `json:"intent_id"`
	Question json.RawMessage `json:"question"`
	Similar  json.RawMessage `json:"similar_questions"`
	Answers  json.RawMessage `json:"answers"`
}

func checkIntent(in kfIntentIn) error {
	if in.Question != nil {
		var q struct {
			Text struct {
				Content string `json:"content"`
			} `json:"text"`
		}
		if json.Unmarshal(in.Question, &q) != nil || q.Text.Content == "" || utf8.RuneCountInString(q.Text.Content) > 200 {
			return errc(kfBadParam, "invalid question")
		}
	}
	if in.Answers != nil {
		var a []json.RawMessage
		if json.Unmarshal(in.Answers, &a) != nil || len(a) != 1 {
			return errc(kfBadParam, "exactly one answer is supported")
		}
	}
	return nil
}

func (s *Server) kfAddIntent(c *Call) (any, error) {
	var in kfIntentIn
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if g, _ := s.kfGroup(in.GroupID); g == nil {
		return nil, errc(kfBadParam, "invalid group_id")
	}
	if in.Question == nil || in.Answers == nil {
		return nil, errc(kfBadParam, "question and answers are required")
	}
	if err := checkIntent(in); err != nil {
		return nil, err
	}
	it := &kfIntent{id: s.kf.next("INTENT_"), groupID: in.GroupID, question: in.Question, similar: in.Similar, answers: in.Answers}
	s.kf.intents = append(s.kf.intents, it)
	return J{"intent_id": it.id}, nil
}

func (s *Server) kfIntent(id string) (*kfIntent, int) {
	for i, it := range s.kf.intents {
		if it.id == id {
			return it, i
		}
	}
	return nil, -1
}

func (s *Server) kfDelIntent(c *Call) (any, error) {
	var in kfIntentIn
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	it, i := s.kfIntent(in.IntentID)
	if it == nil {
		return nil, errc(kfBadParam, "invalid intent_id")
	}
	s.kf.intents = append(s.kf.intents[:i:i], s.kf.intents[i+1:]...)
	return J{}, nil
}

func (s *Server) kfModIntent(c *Call) (any, error) {
	var in kfIntentIn
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	it, _ := s.kfIntent(in.IntentID)
	if it == nil {
		return nil, errc(kfBadParam, "invalid intent_id")
	}
	if err := checkIntent(in); err != nil {
		return nil, err
	}
	if in.Question != nil {
		it.question = in.Question
	}
	if in.Similar != nil {
		it.similar = in.Similar
	}
	if in.Answers != nil {
		it.answers = in.Answers
	}
	return J{}, nil
}

func (s *Server) kfListIntent(c *Call) (any, error) {
	var in kfListIn
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	var sel []*kfIntent
	for _, it := range s.kf.intents {
		if (in.GroupID == "" || it.groupID == in.GroupID) && (in.IntentID == "" || it.id == in.IntentID) {
			sel = append(sel, it)
		}
	}
	start, end, next, more, err := kfPage(in, len(sel))
	if err != nil {
		return nil, err
	}
	list := []J{}
	for _, it := range sel[start:end] {
		e := J{"group_id": it.groupID, "intent_id": it.id, "question": it.question, "answers": it.answers}
		if it.similar != nil {
			e["similar_questions"] = it.similar
		}
		list = append(list, e)
	}
	return J{"next_cursor": next, "has_more": more, "intent_list": list}, nil
}
