package wecomtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
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

func newKfState() kfState {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return kfState{
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
// corp's callback URL (see [Server.SetCallbackURL]). The session state does not change.
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
// and the 5-message quota restart, and the corp's callback URL is notified. It returns the msgid.
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

// kfNotify issues a fresh callback token and sends the kf_msg_or_event notice to the
// account's corp's callback URL (see [Server.SetCallbackURL]), in the background.
func (s *Server) kfNotify(a *kfAccount) {
	tok := s.kfToken(a.openKfID, s.kf.now().Add(kfTokenTTL))
	s.kf.latest[a.openKfID] = tok
	s.emitLater(toCorp(a.corpID, KfCallback(a.corpID, a.openKfID, tok)))
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
		return nil, errc(client.CodeInvalidOpenKfID, "invalid open_kfid")
	}
	a := s.kf.accounts[id]
	if a == nil || a.corpID != c.Token.CorpID {
		return nil, errc(client.CodeAccountNotFound, "open_kfid not exist")
	}
	return a, nil
}
