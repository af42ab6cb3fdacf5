package wecomtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Account IDs (账号ID) of third-party and 代开发 apps, register codes (推广二维码) and
// customized-app links (代开发). Every service provider sees its own encrypted IDs (服务商主体):
// the simulator derives them with an HMAC keyed by the provider's corp ID (or, for a suite no
// provider owns, by the suite ID; see [Server.LinkSuite]), so they are deterministic, differ per
// provider and convert back. The conversions live in apps_openids_convert.go, the migration
// state in apps_openids_migration.go, register codes in apps_register.go and customized-app
// links in apps_customized.go.

// Errcodes these areas answer that have no client constant: the spec lists them in the global
// errcode table's prose, not in a table the generator reads.
const (
	codeRegInvalidTemplateID  = 84020  // templateid不存在
	codeRegMissingCode        = 84021  // 缺少register_code参数
	codeRegInvalidCode        = 84022  // 无效的register_code参数
	codeRegSyncNotAllowed     = 84023  // 不允许调用设置通讯录同步完成接口
	codeRegNoInfo             = 84024  // 无注册信息
	codeRegInvalidState       = 84025  // 不符合的state参数
	codeRegMissingTemplateID  = 84019  // 缺少templateid参数
	codeIDConvInvalidUnionID  = 610014 // 无效的unionid
	codeIDConvNoThirdPartyApp = 610019 // 没有安装第三方应用
	codeIDConvSelfAuthorised  = 610022 // 授权企业与服务商为同一企业，无需设置迁移
)

// Lifetimes of this area, as WeCom documents them.
const (
	registerCodeTTL    = 10 * time.Minute    // get_register_code expires_in 600
	registerInfoTTL    = 24 * time.Hour      // a registration can be read for 24 hours
	contactSyncTTL     = 30 * time.Minute    // the contact-sync token lives 1800 s
	pendingIDTTL       = 90 * 24 * time.Hour // a pending_id is valid 90 days
	customizedLinkTTL  = 10 * 24 * time.Hour // a customized auth link is valid 10 days
	customizedLinkHost = "https://open.work.weixin.qq.com/wwopen/customized/auth"
)

// openIDState holds the open IDs minted so far, the suites' owners, the pending IDs, the
// migration flags, tmp_external_userids, app permissions, registration templates and codes, and
// customized-app links. Its zero value is usable: init makes the maps on first use.
type openIDState struct {
	owners     map[string]ProviderSuite      // suite ID → owner
	minted     map[string]openRef            // open ID → what it stands for
	pending    map[string]unionPendingRec    // subject|corp|unionid → pending ID
	migrated   map[string]bool               // migration scope|openid_type → finished
	appFlags   map[string]bool               // corp|agentid → sensitive-info migration finished
	tmp        map[string]TmpExternalUser    // tmp_external_userid → what it stands for
	perms      map[string][]string           // suite|corp → app permissions
	templates  map[string]RegisterTemplate   // template ID → registration template
	registers  map[string]*registerRec       // register_code → record
	customized map[string]*customizedLinkRec // link code → record
	exempt     map[string]bool               // paths that translate IDs themselves (apps_openids_only.go)
}

func (o *openIDState) init() {
	if o.minted != nil {
		return
	}
	o.owners = make(map[string]ProviderSuite)
	o.minted = make(map[string]openRef)
	o.pending = make(map[string]unionPendingRec)
	o.migrated = make(map[string]bool)
	o.appFlags = make(map[string]bool)
	o.tmp = make(map[string]TmpExternalUser)
	o.perms = make(map[string][]string)
	o.templates = make(map[string]RegisterTemplate)
	o.registers = make(map[string]*registerRec)
	o.customized = make(map[string]*customizedLinkRec)
}

// oid returns the state, initialised; handlers and exported methods call it with s.mu held.
func (s *Server) oid() *openIDState {
	s.openIDs.init()
	return &s.openIDs
}

func (s *Server) openIDRoutes() []route {
	return slices.Concat(s.idConvertRoutes(), s.migrationRoutes(), s.registerRoutes(), s.customizedRoutes())
}

// ProviderSuite ties a suite (a third-party app, 第三方应用, or a 代开发 template) to the service
// provider that owns it. The provider's suites share its open IDs, and provider-token calls
// about a corp (corpid_to_opencorpid, the migration calls) need an authorisation of the corp by
// one of them.
type ProviderSuite struct {
	ProviderCorpID string
	SuiteID        string
	Customized     bool // a 代开发 template (代开发应用模板) rather than a third-party app
}

// LinkSuite records who owns a suite. A suite nobody owns is its own subject: its apps see open
// IDs of their own. Linking after IDs were handed out changes the IDs the suite's apps get.
func (s *Server) LinkSuite(p ProviderSuite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oid().owners[p.SuiteID] = p
}

// subjectOf is the key of suiteID's open IDs: its provider, or the suite itself.
func (s *Server) subjectOf(suiteID string) string {
	if o := s.oid().owners[suiteID]; o.ProviderCorpID != "" {
		return o.ProviderCorpID
	}
	return suiteID
}

func (s *Server) customizedSuite(suiteID string) bool { return s.oid().owners[suiteID].Customized }

// providerSuites reports whether any suite is linked to provider.
func (s *Server) providerSuites(provider string) bool {
	for _, o := range s.oid().owners {
		if o.ProviderCorpID == provider {
			return true
		}
	}
	return false
}

// ---- open IDs ----

// ID kinds, which also pick the ID's prefix.
const (
	oidCorp     = "corp"
	oidUser     = "user"
	oidExternal = "external"
	oidTag      = "tag"
	oidKf       = "kf"
	oidPending  = "pending"
)

// openRef is what an open ID stands for.
type openRef struct {
	kind    string
	subject string // the provider (or suite) whose ID it is
	corp    string // the corp it belongs to, as the simulator keys corps
	real    string // the corp's own ID (企业主体)
}

const oidAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// openID derives subject's ID of kind for real in corp, remembers it and returns it. It is
// deterministic: the same inputs give the same ID in every server.
func (s *Server) openID(kind, subject, corp, real string) string {
	key := real
	if kind == oidCorp || kind == oidUser {
		key = strings.ToLower(real) // plaintext corp IDs and userids ignore case, their open IDs do not
	}
	mac := hmac.New(sha256.New, []byte(subject))
	mac.Write([]byte(kind + "\x00" + strings.ToLower(corp) + "\x00" + key))
	sum := mac.Sum(nil)
	var b strings.Builder
	b.WriteString(oidPrefix(kind, real))
	for _, c := range sum[:30] {
		b.WriteByte(oidAlphabet[int(c)%len(oidAlphabet)])
	}
	id := b.String()
	s.oid().minted[id] = openRef{kind: kind, subject: subject, corp: corp, real: real}
	return id
}

// oidPrefix is the documented shape of each kind: encrypted corp IDs start "wp", open_userids
// "wo", external_userids keep "wm" (WeChat) or "wo" (WeCom), customer tags "et", kf accounts
// "wk".
func oidPrefix(kind, real string) string {
	switch kind {
	case oidCorp:
		return "wp"
	case oidUser:
		return "wo"
	case oidExternal:
		if strings.HasPrefix(real, "wo") {
			return "wo"
		}
		return "wm"
	case oidTag:
		return "et"
	case oidKf:
		return "wk"
	}
	return "pd"
}

// ownOpenID reports whether id is subject's open ID of kind in corp, and what it stands for.
func (s *Server) ownOpenID(id, kind, subject, corp string) (openRef, bool) {
	r, ok := s.oid().minted[id]
	return r, ok && r.kind == kind && r.subject == subject && strings.EqualFold(r.corp, corp)
}

// OpenCorpID returns the encrypted corp ID (密文corpid) subject sees for corpID: subject is a
// provider's corp ID, or a suite ID no provider owns (see [Server.LinkSuite]).
func (s *Server) OpenCorpID(subject, corpID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.openID(oidCorp, subject, corpID, corpID)
}

// OpenUserID returns the open_userid (密文userid) subject sees for a member of corpID.
func (s *Server) OpenUserID(subject, corpID, userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.openID(oidUser, subject, corpID, userID)
}

// OpenExternalUserID returns the external_userid subject sees (服务商主体) for a customer whose
// external_userid in corpID is externalUserID (企业主体).
func (s *Server) OpenExternalUserID(subject, corpID, externalUserID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.openID(oidExternal, subject, corpID, externalUserID)
}

// ---- who is calling ----

// idCaller is the app behind a corp token.
type idCaller struct {
	corp       string
	agentID    int
	suite      string // the suite that issued the token (get_corp_token); "" for an internal app
	subject    string // the suite's open-ID subject
	customized bool
}

// isvCaller answers 48002 unless the token is a third-party or 代开发 app's (仅代开发应用或第三方
// 应用可调用).
func (s *Server) isvCaller(c *Call) (idCaller, error) {
	suite, ok := strings.CutPrefix(c.Token.Secret, authSecret(""))
	if !ok {
		return idCaller{}, errc(client.CodeAPIForbidden, "api forbidden: only third-party and customized apps may call it")
	}
	return idCaller{corp: c.Token.CorpID, agentID: c.Token.AgentID, suite: suite, subject: s.subjectOf(suite), customized: s.customizedSuite(suite)}, nil
}

// internalCaller answers 48002 unless the token is an internal app's (自建应用).
func (s *Server) internalCaller(c *Call) (idCaller, error) {
	if strings.Contains(c.Token.Secret, "|") || c.Token.AgentID == 0 {
		return idCaller{}, errc(client.CodeAPIForbidden, "api forbidden: use an internal app's access_token")
	}
	return idCaller{corp: c.Token.CorpID, agentID: c.Token.AgentID}, nil
}

// sourceApp resolves the source_agentid of an internal app's conversion: the live third-party
// or 代开发 app of the corp with that agentid (40056 otherwise) and its subject.
func (s *Server) sourceApp(corp string, agentID int) (*authRec, string, error) {
	for key, a := range s.apps.auths {
		if a.AgentID == agentID && strings.EqualFold(a.CorpID, corp) && !a.revoked {
			suite, _, _ := strings.Cut(key, "|")
			return a, s.subjectOf(suite), nil
		}
	}
	return nil, "", errc(client.CodeInvalidAgentID, "invalid source_agentid: no third-party or customized app with this agentid")
}

// providerAuths returns the live authorisations of corp by the suites of provider (by
// customized: true 代开发 templates, false third-party apps).
func (s *Server) providerAuths(provider, corp string, customized bool) []*authRec {
	var out []*authRec
	for key, a := range s.apps.auths {
		suite, _, _ := strings.Cut(key, "|")
		if !a.revoked && strings.EqualFold(a.CorpID, corp) && s.subjectOf(suite) == provider && s.customizedSuite(suite) == customized {
			out = append(out, a)
		}
	}
	return out
}

// plainCorp turns a corp ID a provider sent (plaintext, or its own encrypted one) into the
// simulator's corp ID.
func (s *Server) plainCorp(subject, corpID string) string {
	if r, ok := s.oid().minted[corpID]; ok && r.kind == oidCorp && r.subject == subject {
		return r.real
	}
	return corpID
}

// ---- visible ranges ----

// inAppRange reports whether userID is in the visible range of app a (nil: every member). A
// follow-up member missing from the address book counts as visible when the range holds the
// root department.
func inAppRange(b *addressBook, a *agentRec, userID string) bool {
	if a == nil {
		return true
	}
	parties := rangeInts(a.AllowPartys["partyid"])
	u := b.users[strings.ToLower(userID)]
	if u == nil {
		return slices.Contains(parties, 1)
	}
	for _, e := range rangeObjects(a.AllowUserInfos["user"]) {
		if id, _ := e["userid"].(string); strings.EqualFold(id, u.ID) {
			return true
		}
	}
	if b.underDepts(u, parties) {
		return true
	}
	for _, id := range rangeInts(a.AllowTags["tagid"]) {
		if t := b.tags[id]; t != nil && (t.Users[strings.ToLower(u.ID)] || b.underDepts(u, slices.Collect(maps.Keys(t.Parties)))) {
			return true
		}
	}
	return false
}

// underDepts reports whether u belongs to one of depts or a sub-department of one.
func (b *addressBook) underDepts(u *simUser, depts []int) bool {
	for _, d := range u.Depts {
		for seen := 0; d != 0 && seen <= len(b.depts); seen++ {
			if slices.Contains(depts, d) {
				return true
			}
			p := b.depts[d]
			if p == nil {
				break
			}
			d = p.ParentID
		}
	}
	return false
}

// rangeInts reads a list of IDs an agent record holds, whether set by Go code or decoded JSON.
func rangeInts(v any) []int {
	switch l := v.(type) {
	case []int:
		return l
	case []any:
		var out []int
		for _, x := range l {
			if f, ok := x.(float64); ok {
				out = append(out, int(f))
			}
		}
		return out
	}
	return nil
}

func rangeObjects(v any) []J {
	switch l := v.(type) {
	case []J:
		return l
	case []any:
		var out []J
		for _, x := range l {
			if m, ok := x.(J); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// callerAgent is the agent record of the app behind a idCaller (nil for tool secrets).
func (s *Server) callerAgent(corp string, agentID int) *agentRec {
	if agentID == 0 {
		return nil
	}
	return s.agent(corp, agentID)
}

// followedInRange reports whether a customer has a follow-up member in the range of every app
// given.
func followedInRange(b *addressBook, x *simExternal, apps ...*agentRec) bool {
	for _, f := range x.follows {
		ok := true
		for _, a := range apps {
			ok = ok && inAppRange(b, a, f.UserID)
		}
		if ok {
			return true
		}
	}
	return false
}
