// Package wecomtest is a stateful, in-process fake WeCom (企业微信) server for tests and for the
// examples' embedded default. It keeps corps, apps and tokens, checks the token on every call,
// answers with WeCom's real errcodes and JSON envelope, counts calls per path and injects faults
// (errcodes, HTTP statuses, latency, dropped connections, token expiry).
//
// The files mirror the SDK's packages: contacts_*.go for the address book, chains and customer
// contact, messages_*.go, apps_*.go, kf_*.go for WeChat Customer Service, and callbacks.go. Each
// area lists its routes in a short table; every handler is a named method. The server speaks raw
// JSON like the real API and imports none of the SDK's service packages. It answers in the
// documented shape and types whatever the client sent (a gender stored from a number comes back
// as the documented string) and is as lenient as WeCom where WeCom is (an agentid sent as a
// numeric string is accepted). Messages sent to departments and tags reach their members
// through the corp's address book (see [Server.Received]).
//
// The callbacks the simulator causes go, signed and encrypted, to one URL per receiver WeCom
// has: a corp's app ([Server.SetCallbackURL], with [Server.OnCallback] to watch them in
// process), a suite's command and data URLs ([Server.SetSuiteCommandCallbackURL],
// [Server.SetSuiteDataCallbackURL]) and a provider's system event URL
// ([Server.SetProviderCallbackURL]); [Server.SetCallbackURL] says when they are delivered.
//
//	srv := wecomtest.NewServer()
//	defer srv.Close()
//	c, _ := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
//		client.WithBaseURL(srv.URL()))
package wecomtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// The corp and app every new server has, so tests and examples need no setup.
const (
	CorpID  = "wwsimcorp00000001" // the default corp's ID (企业ID)
	Secret  = "sim-app-secret"    // the default internal app's secret
	AgentID = 1000002             // the default internal app's agent ID
)

// TokenKind is the kind of token a route requires, which also names its query parameter.
type TokenKind string

// Token kinds the simulator issues.
const (
	TokenNone     TokenKind = ""                      // no token (gettoken itself, robots)
	TokenCorp     TokenKind = "access_token"          // corp access token (调用凭证)
	TokenSuite    TokenKind = "suite_access_token"    // third-party suite token (第三方应用凭证)
	TokenProvider TokenKind = "provider_access_token" // provider token (服务商凭证)
)

// Reuse says what gettoken answers while the current token of a secret is still valid.
type Reuse int

// Token reuse behaviours (platform spec §5); WeCom documents the first, the others are for tests.
const (
	ReuseExtend    Reuse = iota // same token, expiry reset to a full lifetime (default)
	ReuseRemaining              // same token, remaining lifetime
	ReuseNever                  // a new token on every fetch
)

// App is an app of a corp: an internal app, or a tool secret (contacts sync, kf, …).
type App struct {
	CorpID   string
	Secret   string
	AgentID  int
	Name     string
	Disabled bool // gettoken answers 40001, like a disabled app
}

// Token is an issued token as the simulator tracks it.
type Token struct {
	Value   string
	Kind    TokenKind
	CorpID  string // the corp the token acts for
	AgentID int    // the app the token belongs to (0 for tool secrets and suite/provider tokens)
	Secret  string // the secret (or suite ID) that minted it
	Expiry  time.Time
}

// Server is the fake WeCom server. All methods are safe for concurrent use.
type Server struct {
	ts *httptest.Server

	mu       sync.Mutex
	ttl      time.Duration
	reuse    Reuse
	corps    map[string]map[string]*App // corp ID → secret → app
	tokens   map[string]*Token          // value → token
	bySecret map[string]*Token          // kind|corp|secret → newest token
	seq      int
	routes   map[string]route
	faults   map[string][]*fault
	calls    map[string]int
	served   map[string]int

	contacts  contactsState
	messages  messagesState
	apps      appsState
	kf        kfState
	callbacks callbackState
	limits    limits
	licenses  licenseState
	openIDs   openIDState
	jsapi     jsapiState
}

// Option configures a [Server] in [NewServer].
type Option func(*Server)

// WithTokenTTL sets the lifetime of issued tokens (expires_in); default 7200 s.
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.ttl = d } }

// WithTokenReuse sets what gettoken answers while a token is still valid.
func WithTokenReuse(r Reuse) Option { return func(s *Server) { s.reuse = r } }

// WithApp registers one more app (see [Server.AddApp]).
func WithApp(a App) Option { return func(s *Server) { s.addApp(a) } }

// NewServer starts a simulator with the default corp and app ([CorpID], [Secret], [AgentID]).
// Close stops it.
func NewServer(opts ...Option) *Server {
	s := &Server{
		ttl:      7200 * time.Second,
		limits:   limits{perMinute: DefaultPerMinute, perHour: DefaultPerHour},
		corps:    make(map[string]map[string]*App),
		tokens:   make(map[string]*Token),
		bySecret: make(map[string]*Token),
		routes:   make(map[string]route),
		faults:   make(map[string][]*fault),
		calls:    make(map[string]int),
		served:   make(map[string]int),
		contacts: newContactsState(),
		messages: newMessagesState(),
		apps:     newAppsState(),
		kf:       newKfState(),
	}
	s.addApp(App{CorpID: CorpID, Secret: Secret, AgentID: AgentID, Name: "Simulated app"})
	for _, table := range [][]route{
		s.platformRoutes(), s.ipRoutes(),
		s.userRoutes(), s.idRoutes(), s.departmentRoutes(), s.tagRoutes(), s.batchRoutes(),
		s.linkedCorpRoutes(), s.chainRoutes(), s.externalContactRoutes(), s.corpTagRoutes(),
		s.groupChatRoutes(), s.massMessageRoutes(), s.welcomeRoutes(), s.contactWayRoutes(),
		s.sendRoutes(), s.updateRoutes(), s.linkedSendRoutes(), s.appChatRoutes(), s.mediaRoutes(), s.robotRoutes(),
		s.agentRoutes(), s.menuRoutes(), s.workbenchRoutes(), s.shareRoutes(), s.isvRoutes(), s.oauthRoutes(),
		s.kfAccountRoutes(), s.kfServicerRoutes(), s.kfSessionRoutes(), s.kfSyncRoutes(), s.kfSendRoutes(),
		s.kfCustomerRoutes(), s.kfUpgradeRoutes(), s.kfStatRoutes(), s.kfKnowledgeRoutes(),
		s.acquisitionRoutes(), s.momentRoutes(), s.transferRoutes(), s.strategyRoutes(),
		s.licenseRoutes(), s.openIDRoutes(), s.jsapiRoutes(), s.exportRoutes(),
	} {
		for _, r := range table {
			s.routes[r.path] = r
		}
	}
	for _, o := range opts {
		o(s)
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	return s
}

// URL is the server's base URL, for client.WithBaseURL.
func (s *Server) URL() string { return s.ts.URL }

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// AddApp registers an app (and its corp, if new) whose secret gettoken accepts.
func (s *Server) AddApp(a App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addApp(a)
}

func (s *Server) addApp(a App) {
	if s.corps[a.CorpID] == nil {
		s.corps[a.CorpID] = make(map[string]*App)
	}
	s.corps[a.CorpID][a.Secret] = &a
}

// ExpireTokens makes every token issued so far answer 42001 (expired) from now on, as WeCom
// does when it invalidates tokens early.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for _, t := range s.tokens {
		t.Expiry = past
	}
}

// Calls returns how many requests arrived for path (e.g. "/cgi-bin/gettoken"), faulted ones
// included.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// Served returns how many requests for path reached its handler (passed the token check and
// no injected fault stopped them before it), whatever the handler answered.
func (s *Server) Served(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served[path]
}

// issueToken mints a token of kind for corpID, as a token endpoint does, honouring the reuse
// setting per (kind, corp, secret). Handlers call it with s.mu held.
func (s *Server) issueToken(kind TokenKind, corpID, secret string, agentID int) *Token {
	now := time.Now()
	key := string(kind) + "|" + corpID + "|" + secret
	if t := s.bySecret[key]; t != nil && now.Before(t.Expiry) {
		switch s.reuse {
		case ReuseExtend:
			t.Expiry = now.Add(s.ttl)
			return t
		case ReuseRemaining:
			return t
		}
	}
	s.seq++
	t := &Token{
		Value: fmt.Sprintf("sim-%s-%06d-%x", kind, s.seq, now.UnixNano()&0xffffff),
		Kind:  kind, CorpID: corpID, AgentID: agentID, Secret: secret, Expiry: now.Add(s.ttl),
	}
	s.tokens[t.Value] = t
	s.bySecret[key] = t
	return t
}

// tokenAnswer is the JSON a token endpoint returns for t.
func (s *Server) tokenAnswer(field string, t *Token) J {
	return J{field: t.Value, "expires_in": int(time.Until(t.Expiry).Round(time.Second) / time.Second)}
}

// J is a JSON object as handlers return it.
type J = map[string]any

// Error is an errcode answer; handlers return it as their error.
type Error struct {
	Code int
	Msg  string
}

// Error formats the errcode and errmsg.
func (e *Error) Error() string { return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg) }

// errc builds an errcode answer.
func errc(code int, msg string) error { return &Error{Code: code, Msg: msg} }

// Raw is a non-JSON answer (a media download); handlers return it as their value.
type Raw struct {
	Status int
	Header http.Header
	Body   []byte
}

// Call is one request as a handler sees it.
type Call struct {
	R     *http.Request
	Body  []byte
	Token *Token // the checked token; nil on routes without one
	Path  string
}

// Decode reads the JSON body into v as WeCom does: an empty body answers 40063 (parameter
// empty, also what a GET on a POST endpoint gets), a body that is not JSON or has a value of the
// wrong type answers 40058 with the "Warning: wrong json format." WeCom adds.
func (c *Call) Decode(v any) error {
	if len(bytes.TrimSpace(c.Body)) == 0 {
		return errc(client.CodeEmptyParameter, "some parameters are empty")
	}
	if err := json.Unmarshal(c.Body, v); err != nil {
		return errc(client.CodeInvalidParameter, "Warning: wrong json format. "+err.Error())
	}
	return nil
}

// decode is [Call.Decode] into a fresh T, the one way handlers read a request body. Request
// structs use the lenient wire types where WeCom is lenient (an agentid as "1000002").
func decode[T any](c *Call) (T, error) {
	var v T
	err := c.Decode(&v)
	return v, err
}

// Query returns a query value.
func (c *Call) Query(name string) string { return c.R.URL.Query().Get(name) }

type handlerFunc func(c *Call) (any, error)

// route is one endpoint: method (GET or POST; "" accepts either), the token kind it needs, and
// its handler, which runs with s.mu held and returns a JSON object (J or a struct), a Raw, or an
// error (an *Error answers its errcode).
type route struct {
	method string
	path   string
	kind   TokenKind
	h      handlerFunc
}

const (
	get  = http.MethodGet
	post = http.MethodPost
)

// HandleFunc adds an endpoint the simulator lacks (or replaces one) for a test: method ("" for
// any), the token kind it requires, and a handler that returns a JSON object, a [Raw] answer or
// an [*Error]. The handler runs under the server's lock; it must not call the Server's methods.
func (s *Server) HandleFunc(method, path string, kind TokenKind, h func(c *Call) (any, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[path] = route{method: method, path: path, kind: kind, h: h}
}

// NewError returns an errcode answer for a [Server.HandleFunc] handler.
func NewError(code int, msg string) error { return errc(code, msg) }

func (s *Server) platformRoutes() []route {
	return []route{{get, "/cgi-bin/gettoken", TokenNone, s.getToken}}
}

func (s *Server) getToken(c *Call) (any, error) {
	corp, secret := c.Query("corpid"), c.Query("corpsecret")
	switch {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case secret == "":
		return nil, errc(client.CodeMissingSecret, "corpsecret missing")
	}
	apps, ok := s.corps[corp]
	if !ok {
		return nil, errc(client.CodeInvalidCorpID, "invalid corpid")
	}
	a, ok := apps[secret]
	if !ok {
		for id, other := range s.corps {
			if _, theirs := other[secret]; theirs && id != corp {
				return nil, errc(client.CodeSecretInvalid, "secret is invalid")
			}
		}
		return nil, errc(client.CodeInvalidCredential, "invalid credential")
	}
	if a.Disabled {
		return nil, errc(client.CodeInvalidCredential, "invalid credential, app disabled")
	}
	return s.tokenAnswer("access_token", s.issueToken(TokenCorp, corp, secret, a.AgentID)), nil
}

// checkToken finds the token a route needs in the query.
func (s *Server) checkToken(r *http.Request, kind TokenKind) (*Token, error) {
	v := r.URL.Query().Get(string(kind))
	missing, invalid, expired := client.CodeMissingAccessToken, client.CodeInvalidAccessToken, client.CodeAccessTokenExpired
	if kind == TokenSuite {
		missing, invalid, expired = client.CodeMissingSuiteToken, client.CodeInvalidSuiteToken, client.CodeSuiteTokenExpired
	}
	if v == "" {
		return nil, errc(missing, string(kind)+" missing")
	}
	t, ok := s.tokens[v]
	if !ok || t.Kind != kind {
		return nil, errc(invalid, "invalid "+string(kind))
	}
	if !time.Now().Before(t.Expiry) {
		return nil, errc(expired, string(kind)+" expired")
	}
	return t, nil
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls[r.URL.Path]++
	rt, ok := s.routes[r.URL.Path]
	f := s.takeFault(r.URL.Path)
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if f != nil && !f.after {
		if f.apply(w, r) {
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	if err != nil {
		return
	}
	val, err := s.run(r, rt, body)
	if f != nil && f.after && f.apply(w, r) {
		return
	}
	writeAnswer(w, r, val, err)
}

func (s *Server) run(r *http.Request, rt route, body []byte) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt.method != "" && r.Method != rt.method {
		// WeCom answers a wrong method with a parameter error, not 405.
		return nil, errc(client.CodeInvalidParameter, "invalid request method, use "+rt.method)
	}
	c := &Call{R: r, Body: body, Path: r.URL.Path}
	if rt.kind != TokenNone {
		t, err := s.checkToken(r, rt.kind)
		if err != nil {
			return nil, err
		}
		c.Token = t
		if err := s.limits.admit(t.CorpID, r.URL.Path, time.Now()); err != nil {
			return nil, err
		}
	}
	s.served[r.URL.Path]++
	// A third-party app's corp token sees only open IDs (apps_openids_only.go).
	if subject := s.openOnlyCaller(c); subject != "" && !s.openIDExempt(r.URL.Path) {
		sent := s.openIDsIn(c, subject)
		val, err := s.licenseGate(c, rt.h)
		if err != nil {
			return val, err
		}
		return s.openIDsOut(c, subject, sent, val)
	}
	if providerOpenIDs(c) {
		s.openIDsIn(c, "")
	}
	return s.licenseGate(c, rt.h) // the interface licence check (apps_licenses_gate.go)
}

func writeAnswer(w http.ResponseWriter, r *http.Request, val any, err error) {
	if raw, ok := val.(Raw); ok && err == nil {
		for k, v := range raw.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(max(raw.Status, http.StatusOK))
		_, _ = w.Write(raw.Body)
		return
	}
	code, msg := 0, "ok"
	if err != nil {
		code, msg = 500, err.Error() // a handler bug, not a WeCom errcode
		if e, ok := err.(*Error); ok {
			code, msg = e.Code, e.Msg
		}
		msg = fmt.Sprintf("%s, hint: [%d_%d_sim], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=%d",
			msg, time.Now().Unix(), code, code)
		val = nil
	}
	out, mErr := envelope(val, code, msg)
	if mErr != nil {
		http.Error(w, mErr.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("error-code", strconv.Itoa(code))
	w.Header().Set("error-msg", msg)
	_, _ = w.Write(out)
}

// envelope adds errcode and errmsg to a handler's answer, at the top level like WeCom.
func envelope(val any, code int, msg string) ([]byte, error) {
	obj := J{}
	if val != nil {
		b, err := json.Marshal(val)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, fmt.Errorf("wecomtest: handler answer is not a JSON object: %w", err)
		}
	}
	if _, ok := obj["errcode"]; !ok {
		obj["errcode"] = code
		obj["errmsg"] = msg
	}
	return json.Marshal(obj)
}
