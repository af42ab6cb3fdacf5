package wecomtest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Register codes (推广二维码 / 注册定制化): a provider's registration template lets a visitor
// register a new corp with the provider's apps installed. [Server.RegisterCorp] plays the
// visitor and sends the register_corp callback to the provider's system event URL.

func (s *Server) registerRoutes() []route {
	return []route{
		{post, "/cgi-bin/service/get_register_code", TokenProvider, s.getRegisterCode},
		{post, "/cgi-bin/service/get_register_info", TokenProvider, s.getRegisterInfo},
		{post, "/cgi-bin/agent/set_scope", TokenCorp, s.setScope},
		{get, "/cgi-bin/sync/contact_sync_success", TokenCorp, s.contactSyncSuccess},
	}
}

// RegisterTemplate is a provider's registration template (推广包) as its admin console
// configures it.
type RegisterTemplate struct {
	ID             string   // template_id
	ProviderCorpID string   // the provider that owns it
	SuiteIDs       []string // the apps installed in a new corp, each a suite the server knows
	// ContactSync opens the new corp's address book for migration (通讯录迁移接口): the
	// registration yields a contact-sync token for 30 minutes or until contact_sync_success.
	ContactSync bool
}

// AddRegisterTemplate registers (or replaces) a registration template for
// service/get_register_code.
func (s *Server) AddRegisterTemplate(t RegisterTemplate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.SuiteIDs = slices.Clone(t.SuiteIDs)
	s.oid().templates[t.ID] = t
}

// registerRec is one register code and, once used, its registration.
type registerRec struct {
	code, provider, template, state, corpName string
	expiry                                    time.Time // the link must be opened before it
	used                                      bool
	// the registration
	corpID, admin string
	registered    time.Time
	notNew        bool   // the corp existed before: get_register_info answers 84024
	syncToken     string // contact-sync token; "" once synced or without migration
	synced        bool
}

// registerSecret is the simulator's internal "secret" of contact-sync tokens.
func registerSecret(code string) string { return "register|" + code }

func (s *Server) getRegisterCode(c *Call) (any, error) {
	in, err := decode[struct {
		TemplateID  string `json:"template_id"`
		CorpName    string `json:"corp_name"`
		AdminName   string `json:"admin_name"`
		AdminMobile string `json:"admin_mobile"`
		State       string `json:"state"`
		FollowUser  string `json:"follow_user"`
	}](c)
	if err != nil {
		return nil, err
	}
	provider := c.Token.CorpID
	t, ok := s.oid().templates[in.TemplateID]
	switch {
	case in.TemplateID == "":
		return nil, errc(codeRegMissingTemplateID, "template_id missing")
	case !ok || t.ProviderCorpID != provider || len(in.TemplateID) > 128:
		return nil, errc(codeRegInvalidTemplateID, "template_id not exist")
	case !isvStateOK(in.State, 128):
		return nil, errc(codeRegInvalidState, "invalid state: a-zA-Z0-9, at most 128 bytes")
	}
	if b := s.contacts.books[provider]; in.FollowUser != "" && b != nil && !b.open() && b.users[strings.ToLower(in.FollowUser)] == nil {
		return nil, errc(client.CodeInvalidUserID, "follow_user is not a member of the provider's corp")
	}
	s.seq++
	code := fmt.Sprintf("sim-reg-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
	s.oid().registers[code] = &registerRec{code: code, provider: provider, template: t.ID, state: in.State, corpName: in.CorpName,
		expiry: time.Now().Add(registerCodeTTL)}
	return J{"register_code": code, "expires_in": int(registerCodeTTL / time.Second)}, nil
}

func isvStateOK(s string, limit int) bool {
	if len(s) > limit {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// Registration is a visitor opening a register code's link and registering a corp.
type Registration struct {
	RegisterCode string
	CorpID       string // the new corp
	CorpName     string // default: the code's corp_name, else CorpID
	AdminUserID  string // the registering admin (创建者); default "admin01"
}

// Registered is what [Server.RegisterCorp] created.
type Registered struct {
	CorpID string
	// AuthCodes holds, per suite of the template, the auth_code of its install (as the
	// create_auth callback carries it), for service/get_permanent_code; the answer's state is
	// the register code's. Each app gets agentid 1000100, 1000101, … in template order.
	AuthCodes map[string]string
	// ContactSyncToken is the contact-sync token, "" when the template has no address-book
	// migration.
	ContactSyncToken string
}

// RegisterCorp simulates a visitor registering r.CorpID through a register code's link
// (within its 10 minutes, once): the corp is created with the admin as its member, the
// template's apps are installed (see [Registered.AuthCodes]), and get_register_info answers
// for 24 hours. A corp the server already knew is installed too, but is no new registration:
// get_register_info answers 84024 for it, as WeCom does, and no callback goes out. For a new
// corp the register_corp callback (with ContactSync when the template migrates the address
// book) goes to the provider's system event
// URL (see [Server.SetProviderCallbackURL]) before it returns; an unacknowledged delivery is
// its error, returned with the registration, which is kept.
func (s *Server) RegisterCorp(r Registration) (*Registered, error) {
	s.mu.Lock()
	rec, t, err := s.useRegisterCode(r)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("wecomtest: %w", err)
	}
	if r.AdminUserID == "" {
		r.AdminUserID = "admin01"
	}
	if r.CorpName == "" {
		r.CorpName = cmp.Or(rec.corpName, r.CorpID)
	}
	_, known := s.contacts.books[r.CorpID]
	_, hasApps := s.corps[r.CorpID]
	rec.used, rec.corpID, rec.admin, rec.registered, rec.notNew = true, r.CorpID, r.AdminUserID, time.Now(), known || hasApps
	b := s.book(r.CorpID)
	if b.users[strings.ToLower(r.AdminUserID)] == nil {
		u := &simUser{ID: r.AdminUserID, Status: 1, Name: r.AdminUserID}
		b.placeUser(u, nil)
		b.users[strings.ToLower(u.ID)] = u
	}
	out := &Registered{CorpID: r.CorpID, AuthCodes: map[string]string{}}
	syncTTL := 0
	if t.ContactSync {
		tok := s.issueToken(TokenCorp, r.CorpID, registerSecret(rec.code), 0)
		ttl := min(contactSyncTTL, s.ttl)
		tok.Expiry = time.Now().Add(ttl)
		rec.syncToken, out.ContactSyncToken, syncTTL = tok.Value, tok.Value, int(ttl/time.Second)
	}
	state := rec.state
	var events []cbEvent
	if !rec.notNew {
		events = append(events, cbEvent{cbDest{cbProvider, rec.provider},
			registerCorpCallback(rec.provider, r.CorpID, rec.code, out.ContactSyncToken, syncTTL, r.AdminUserID, state, t.ID)})
	}
	s.mu.Unlock()
	for i, suite := range t.SuiteIDs {
		code, err := s.AuthorizeCorp(Authorization{SuiteID: suite, CorpID: r.CorpID, CorpName: r.CorpName,
			AgentID: 1000100 + i, AdminUserID: r.AdminUserID, State: state})
		if err != nil {
			return nil, err
		}
		out.AuthCodes[suite] = code
	}
	if err := s.emit(context.Background(), events); err != nil {
		return out, err
	}
	return out, nil
}

// useRegisterCode checks a register code for a registration, with s.mu held.
func (s *Server) useRegisterCode(r Registration) (*registerRec, RegisterTemplate, error) {
	rec := s.oid().registers[r.RegisterCode]
	switch {
	case r.CorpID == "":
		return nil, RegisterTemplate{}, fmt.Errorf("registration needs a CorpID")
	case rec == nil:
		return nil, RegisterTemplate{}, fmt.Errorf("unknown register code %q", r.RegisterCode)
	case rec.used:
		return nil, RegisterTemplate{}, fmt.Errorf("register code %q already used", r.RegisterCode)
	case !time.Now().Before(rec.expiry):
		return nil, RegisterTemplate{}, fmt.Errorf("register code %q expired", r.RegisterCode)
	}
	t := s.oid().templates[rec.template]
	for _, suite := range t.SuiteIDs {
		if s.apps.suites[suite] == nil {
			return nil, RegisterTemplate{}, fmt.Errorf("template %s installs the unknown suite %q", t.ID, suite)
		}
	}
	return rec, t, nil
}

func (s *Server) getRegisterInfo(c *Call) (any, error) {
	in, err := decode[struct {
		Code string `json:"register_code"`
	}](c)
	if err != nil {
		return nil, err
	}
	rec := s.oid().registers[in.Code]
	switch {
	case in.Code == "":
		return nil, errc(codeRegMissingCode, "register_code missing")
	case rec == nil || rec.provider != c.Token.CorpID:
		return nil, errc(codeRegInvalidCode, "invalid register_code")
	case !rec.used || rec.notNew || time.Since(rec.registered) > registerInfoTTL:
		return nil, errc(codeRegNoInfo, "no register info")
	}
	out := J{"corpid": rec.corpID, "auth_user_info": J{"userid": rec.admin}, "template_id": rec.template}
	if rec.state != "" {
		out["state"] = rec.state
	}
	if t := s.tokens[rec.syncToken]; t != nil && time.Now().Before(t.Expiry) {
		out["contact_sync"] = J{"access_token": t.Value, "expires_in": int(time.Until(t.Expiry).Round(time.Second) / time.Second)}
	}
	return out, nil
}

// syncRegistration finds the registration a contact-sync token belongs to.
func (s *Server) syncRegistration(t *Token) *registerRec {
	code, ok := strings.CutPrefix(t.Secret, registerSecret(""))
	if !ok {
		return nil
	}
	return s.oid().registers[code]
}

// setScope sets the visible range of an app the registration installed: only with the
// contact-sync token (48002 otherwise); unknown members, departments and tags are answered
// back and left out.
func (s *Server) setScope(c *Call) (any, error) {
	rec := s.syncRegistration(c.Token)
	if rec == nil {
		return nil, errc(client.CodeAPIForbidden, "api forbidden: use the contact-sync access_token of a registration")
	}
	in, err := decode[struct {
		AgentID wire.Int     `json:"agentid"`
		Users   []string     `json:"allow_user"`
		Parties wire.IntList `json:"allow_party"`
		Tags    wire.IntList `json:"allow_tag"`
	}](c)
	if err != nil {
		return nil, err
	}
	a := s.apps.agents[rec.corpID][int(in.AgentID)]
	if a == nil || !a.thirdParty || !slices.ContainsFunc(s.oid().templates[rec.template].SuiteIDs, func(suite string) bool {
		au := s.apps.auths[suite+"|"+rec.corpID]
		return au != nil && au.AgentID == int(in.AgentID)
	}) {
		return nil, errc(client.CodeInvalidAgentID, "invalid agentid: no app of the registration's template")
	}
	b := s.book(rec.corpID)
	users, badUsers := []J{}, []string{}
	for _, id := range in.Users {
		if u := b.users[strings.ToLower(id)]; u != nil {
			users = append(users, J{"userid": u.ID})
		} else {
			badUsers = append(badUsers, id)
		}
	}
	parties, badParties := splitKnownIDs(in.Parties, func(id int) bool { return b.depts[id] != nil })
	tags, badTags := splitKnownIDs(in.Tags, func(id int) bool { return b.tags[id] != nil })
	a.AllowUserInfos, a.AllowPartys, a.AllowTags = J{"user": users}, J{"partyid": parties}, J{"tagid": tags}
	out := J{}
	if len(badUsers) > 0 {
		out["invaliduser"] = badUsers
	}
	if len(badParties) > 0 {
		out["invalidparty"] = badParties
	}
	if len(badTags) > 0 {
		out["invalidtag"] = badTags
	}
	return out, nil
}

// splitKnownIDs parts ids into those ok accepts and the others, both non-nil.
func splitKnownIDs(ids []int, ok func(int) bool) (good, bad []int) {
	good, bad = []int{}, []int{}
	for _, id := range ids {
		if ok(id) {
			good = append(good, id)
		} else {
			bad = append(bad, id)
		}
	}
	return good, bad
}

// contactSyncSuccess marks the migration done and ends the contact-sync token: 84023 with any
// other token.
func (s *Server) contactSyncSuccess(c *Call) (any, error) {
	rec := s.syncRegistration(c.Token)
	if rec == nil {
		return nil, errc(codeRegSyncNotAllowed, "contact_sync_success is not allowed with this access_token")
	}
	rec.synced, rec.syncToken = true, ""
	tok := c.Token.Value
	s.dropTokens(func(t *Token) bool { return t.Value == tok })
	return J{}, nil
}

// ContactSynced reports whether the registration through registerCode marked its address-book
// migration done (sync/contact_sync_success).
func (s *Server) ContactSynced(registerCode string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.oid().registers[registerCode]
	return rec != nil && rec.synced
}
