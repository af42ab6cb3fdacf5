package wecomtest

import (
	"fmt"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

func (s *Server) isvRoutes() []route {
	return []route{
		{post, "/cgi-bin/service/get_provider_token", TokenNone, s.getProviderToken},
		{post, "/cgi-bin/service/get_suite_token", TokenNone, s.getSuiteToken},
		{get, "/cgi-bin/service/get_pre_auth_code", TokenSuite, s.getPreAuthCode},
		{post, "/cgi-bin/service/set_session_info", TokenSuite, s.setSessionInfo},
		{post, "/cgi-bin/service/get_permanent_code", TokenSuite, s.getPermanentCode},
		{post, "/cgi-bin/service/v2/get_permanent_code", TokenSuite, s.getPermanentCodeV2},
		{post, "/cgi-bin/service/get_auth_info", TokenSuite, s.getAuthInfo},
		{post, "/cgi-bin/service/v2/get_auth_info", TokenSuite, s.getAuthInfo},
		{post, "/cgi-bin/service/get_corp_token", TokenSuite, s.getCorpToken},
		{post, "/cgi-bin/service/get_admin_list", TokenSuite, s.suiteAdminList},
		{post, "/cgi-bin/agent/get_admin_list", TokenCorp, s.agentAdminList},
		// The provider token travels as access_token here; the handler checks it itself.
		{post, "/cgi-bin/service/get_login_info", TokenNone, s.getLoginInfo},
	}
}

// AddProvider registers a service provider (服务商): its corp ID and provider secret, for
// service/get_provider_token.
func (s *Server) AddProvider(corpID, providerSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps.providers[corpID] = providerSecret
}

func (s *Server) getProviderToken(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
		Secret string `json:"provider_secret"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch secret, ok := s.apps.providers[in.CorpID]; {
	case in.CorpID == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case in.Secret == "":
		return nil, errc(client.CodeMissingSecret, "provider_secret missing")
	case !ok:
		return nil, errc(client.CodeInvalidCorpID, "invalid corpid")
	case secret != in.Secret:
		return nil, errc(client.CodeInvalidCredential, "invalid credential")
	}
	return noErrcode(s.tokenAnswer("provider_access_token", s.issueToken(TokenProvider, in.CorpID, in.Secret, 0)))
}

// AddSuite registers a third-party suite (or 代开发 template) and its secret.
func (s *Server) AddSuite(su Suite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps.suites[su.ID] = &suiteRec{id: su.ID, secret: su.Secret, tickets: make(map[string]time.Time)}
}

// IssueSuiteTicket mints a new suite_ticket for suiteID, valid 30 minutes, as WeCom pushes one
// to the instruction callback URL every 10 minutes. Tests hand it to the SDK as the callback
// handler would (client.StoreSuiteTicket). It returns "" for an unknown suite.
func (s *Server) IssueSuiteTicket(suiteID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	su := s.apps.suites[suiteID]
	if su == nil {
		return ""
	}
	su.seq++
	t := fmt.Sprintf("sim-ticket-%s-%d-%x", suiteID, su.seq, time.Now().UnixNano()&0xffffff)
	su.tickets[t] = time.Now().Add(suiteTicketTTL)
	return t
}

// ExpireSuiteTickets makes every ticket of suiteID invalid (get_suite_token answers 40085).
func (s *Server) ExpireSuiteTickets(suiteID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if su := s.apps.suites[suiteID]; su != nil {
		clear(su.tickets)
	}
}

func (s *Server) getSuiteToken(c *Call) (any, error) {
	in, err := decode[struct {
		SuiteID string `json:"suite_id"`
		Secret  string `json:"suite_secret"`
		Ticket  string `json:"suite_ticket"`
	}](c)
	if err != nil {
		return nil, err
	}
	su := s.apps.suites[in.SuiteID]
	switch {
	case in.SuiteID == "":
		return nil, errc(client.CodeMissingSuiteID, "suite_id missing")
	case in.Secret == "":
		return nil, errc(client.CodeMissingSuiteSecret, "suite_secret missing")
	case in.Ticket == "":
		return nil, errc(client.CodeMissingSuiteTicket, "suite_ticket missing")
	case su == nil:
		return nil, errc(client.CodeInvalidSuiteID, "invalid suite_id")
	case su.secret != in.Secret:
		return nil, errc(client.CodeInvalidSuiteSecret, "invalid suite_secret")
	}
	if exp, ok := su.tickets[in.Ticket]; !ok || !time.Now().Before(exp) {
		return nil, errc(client.CodeInvalidSuiteTicket, "invalid suite_ticket")
	}
	return noErrcode(s.tokenAnswer("suite_access_token", s.issueToken(TokenSuite, su.id, su.secret, 0)))
}

func (s *Server) getPreAuthCode(c *Call) (any, error) {
	s.seq++
	code := fmt.Sprintf("sim-pac-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
	s.apps.preAuth[code] = &preAuthRec{suite: c.Token.CorpID, expiry: time.Now().Add(preAuthTTL)}
	return J{"pre_auth_code": code, "expires_in": int(preAuthTTL / time.Second)}, nil
}

// preAuthCode checks a pre_auth_code of suite: 40077 unknown, 42007 expired.
func (s *Server) preAuthCode(suite, code string) (*preAuthRec, error) {
	p := s.apps.preAuth[code]
	switch {
	case p == nil || p.suite != suite:
		return nil, errc(client.CodeInvalidPreAuthCode, "invalid pre_auth_code")
	case !time.Now().Before(p.expiry):
		return nil, errc(client.CodePreAuthCodeExpired, "pre_auth_code expired")
	}
	return p, nil
}

func (s *Server) setSessionInfo(c *Call) (any, error) {
	in, err := decode[struct {
		PreAuthCode string `json:"pre_auth_code"`
		SessionInfo *struct {
			AuthType int `json:"auth_type"`
		} `json:"session_info"`
	}](c)
	if err != nil {
		return nil, err
	}
	if _, err := s.preAuthCode(c.Token.CorpID, in.PreAuthCode); err != nil {
		return nil, err
	}
	if in.SessionInfo == nil || in.SessionInfo.AuthType < 0 || in.SessionInfo.AuthType > 1 {
		return nil, errc(client.CodeInvalidParameter, "invalid session_info")
	}
	return J{}, nil
}

// AuthorizeCorp simulates an admin of a.CorpID confirming the install of a.SuiteID's app and
// returns the auth_code that WeCom sends to the install redirect (or in the create_auth
// callback): valid 10 minutes, once, for service/get_permanent_code.
func (s *Server) AuthorizeCorp(a Authorization) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps.suites[a.SuiteID] == nil {
		return "", fmt.Errorf("wecomtest: unknown suite %q", a.SuiteID)
	}
	if a.CorpID == "" {
		return "", fmt.Errorf("wecomtest: authorisation needs a CorpID")
	}
	if a.PreAuthCode != "" {
		if _, err := s.preAuthCode(a.SuiteID, a.PreAuthCode); err != nil {
			return "", fmt.Errorf("wecomtest: %w", err)
		}
	}
	if a.AgentID == 0 {
		a.AgentID = 1000100
	}
	if a.AdminUserID == "" {
		a.AdminUserID = "admin01"
	}
	if a.CorpName == "" {
		a.CorpName = a.CorpID
	}
	s.seq++
	code := fmt.Sprintf("sim-authcode-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
	s.apps.authCodes[code] = &authCodeRec{suite: a.SuiteID, auth: a, expiry: time.Now().Add(authCodeTTL)}
	return code, nil
}

// RevokeAuthorization simulates the corp uninstalling the suite's app (cancel_auth):
// get_corp_token and get_auth_info answer 48004 and the corp tokens issued for it stop working.
func (s *Server) RevokeAuthorization(suiteID, corpID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps.auths[suiteID+"|"+corpID]; a != nil {
		a.revoked = true
	}
	s.dropTokens(func(t *Token) bool { return t.CorpID == corpID && t.Secret == authSecret(suiteID) })
}

// authSecret is the simulator's internal "secret" of corp tokens issued through a suite.
func authSecret(suiteID string) string { return "suite|" + suiteID }

// seenCorpID is the corp ID suite's apps see for corp: the encrypted one (密文corpid) for a
// third-party app, the corp's own for a 代开发 template.
func (s *Server) seenCorpID(suite, corp string) string {
	if s.customizedSuite(suite) {
		return corp
	}
	return s.openID(oidCorp, s.subjectOf(suite), corp, corp)
}

// seenUserID is the userid suite's apps see for a member of corp (open_userid for a
// third-party app) and the member's open_userid.
func (s *Server) seenUserID(suite, corp, userID string) (seen, open string) {
	open = s.openID(oidUser, s.subjectOf(suite), corp, userID)
	if s.customizedSuite(suite) {
		return userID, open
	}
	return open, open
}

func (s *Server) authCorpInfo(suite string, a *authRec, full bool) J {
	info := J{"corpid": s.seenCorpID(suite, a.CorpID), "corp_name": a.CorpName}
	if full {
		info["corp_type"] = "verified"
		info["subject_type"] = 1
		info["corp_user_max"] = 200
	}
	return info
}

func (s *Server) authAgentInfo(a *authRec) J {
	ag := s.apps.agents[a.CorpID][a.AgentID]
	return J{"agent": []J{{
		"agentid": a.AgentID, "name": ag.Name, "auth_mode": 0, "is_customized_app": false,
		"privilege": J{"level": 1, "allow_party": []int{1}, "allow_user": []string{}, "allow_tag": []int{}},
	}}}
}

func (s *Server) getPermanentCode(c *Call) (any, error) { return s.permanentCode(c, false) }

func (s *Server) getPermanentCodeV2(c *Call) (any, error) { return s.permanentCode(c, true) }

// permanentCode answers get_permanent_code: v2 without the corp token and with less corp info.
func (s *Server) permanentCode(c *Call, v2 bool) (any, error) {
	in, err := decode[struct {
		AuthCode string `json:"auth_code"`
	}](c)
	if err != nil {
		return nil, err
	}
	ac := s.apps.authCodes[in.AuthCode]
	if ac == nil || ac.used || ac.suite != c.Token.CorpID || !time.Now().Before(ac.expiry) {
		return nil, errc(client.CodeInvalidAuthCode, "invalid auth_code")
	}
	ac.used = true
	su := s.apps.suites[ac.suite]
	su.seq++
	a := &authRec{Authorization: ac.auth, permanentCode: fmt.Sprintf("sim-perm-%s-%d-%x", ac.auth.CorpID, su.seq, time.Now().UnixNano()&0xffffff)}
	s.apps.auths[ac.suite+"|"+a.CorpID] = a
	s.dropTokens(func(t *Token) bool { return t.CorpID == a.CorpID && t.Secret == authSecret(ac.suite) })
	ag := s.putAgent(a.CorpID, &agentRec{AgentID: a.AgentID, Name: "Suite app " + ac.suite, thirdParty: true})
	ag.admins = []J{{"userid": a.AdminUserID, "auth_type": 1}}
	seen, open := s.seenUserID(ac.suite, a.CorpID, a.AdminUserID)
	user := J{"userid": seen, "open_userid": open, "name": a.AdminUserID}
	out := J{"permanent_code": a.permanentCode, "auth_corp_info": s.authCorpInfo(ac.suite, a, !v2), "auth_user_info": user, "state": a.State}
	if v2 {
		return out, nil
	}
	t := s.issueToken(TokenCorp, a.CorpID, authSecret(ac.suite), a.AgentID)
	out["access_token"], out["expires_in"] = t.Value, int(time.Until(t.Expiry)/time.Second)
	out["auth_info"] = s.authAgentInfo(a)
	return noErrcode(out)
}

// authorised finds a live authorisation of the token's suite: 40084 for a wrong permanent
// code, 48004 once the corp cancelled it.
// corpID may be the encrypted corp ID the suite's apps see or, leniently, the corp's own.
func (s *Server) authorised(c *Call, corpID, permanentCode string) (*authRec, error) {
	a := s.apps.auths[c.Token.CorpID+"|"+s.plainCorp(s.subjectOf(c.Token.CorpID), corpID)]
	switch {
	case corpID == "":
		return nil, errc(client.CodeMissingAuthCorpID, "auth_corpid missing")
	case permanentCode == "":
		return nil, errc(client.CodeMissingPermanentCode, "permanent_code missing")
	case a == nil || a.permanentCode != permanentCode:
		return nil, errc(client.CodeInvalidPermanentCode, "invalid permanent_code")
	case a.revoked:
		return nil, errc(client.CodeAuthInvalid, "auth relation is invalid")
	}
	return a, nil
}

type authCorpIn struct {
	CorpID        string `json:"auth_corpid"`
	PermanentCode string `json:"permanent_code"`
}

func (s *Server) getAuthInfo(c *Call) (any, error) {
	in, err := decode[authCorpIn](c)
	if err != nil {
		return nil, err
	}
	a, err := s.authorised(c, in.CorpID, in.PermanentCode)
	if err != nil {
		return nil, err
	}
	return J{"auth_corp_info": s.authCorpInfo(c.Token.CorpID, a, true), "auth_info": s.authAgentInfo(a)}, nil
}

func (s *Server) getCorpToken(c *Call) (any, error) {
	in, err := decode[authCorpIn](c)
	if err != nil {
		return nil, err
	}
	a, err := s.authorised(c, in.CorpID, in.PermanentCode)
	if err != nil {
		return nil, err
	}
	return noErrcode(s.tokenAnswer("access_token", s.issueToken(TokenCorp, a.CorpID, authSecret(c.Token.CorpID), a.AgentID)))
}

func (s *Server) suiteAdminList(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID  string   `json:"auth_corpid"`
		AgentID wire.Int `json:"agentid"`
	}](c)
	if err != nil {
		return nil, err
	}
	a := s.apps.auths[c.Token.CorpID+"|"+s.plainCorp(s.subjectOf(c.Token.CorpID), in.CorpID)]
	switch {
	case a == nil:
		return nil, errc(client.CodeInvalidCorpID, "invalid corpid")
	case a.revoked:
		return nil, errc(client.CodeAuthInvalid, "auth relation is invalid")
	case a.AgentID != int(in.AgentID):
		return nil, errc(client.CodeInvalidAgentID, "invalid agentid")
	}
	admins := []J{}
	for _, ad := range s.apps.agents[a.CorpID][a.AgentID].admins {
		id, _ := ad["userid"].(string)
		seen, open := s.seenUserID(c.Token.CorpID, a.CorpID, id)
		admins = append(admins, J{"userid": seen, "open_userid": open, "auth_type": ad["auth_type"]})
	}
	return J{"admin": admins}, nil
}

func (s *Server) agentAdminList(c *Call) (any, error) {
	a := s.agent(c.Token.CorpID, c.Token.AgentID)
	if a == nil {
		return nil, errc(client.CodeAppNoPrivilege, "no app for this access token")
	}
	admins := []J{}
	for _, ad := range a.admins {
		admins = append(admins, J{"userid": ad["userid"], "auth_type": ad["auth_type"]})
	}
	return J{"admin": admins}, nil
}

func (s *Server) getLoginInfo(c *Call) (any, error) {
	r := c.R.Clone(c.R.Context())
	q := r.URL.Query()
	q.Set(string(TokenProvider), q.Get("access_token"))
	r.URL.RawQuery = q.Encode()
	if _, err := s.checkToken(r, TokenProvider); err != nil {
		return nil, err
	}
	in, err := decode[struct {
		AuthCode string `json:"auth_code"`
	}](c)
	if err != nil {
		return nil, err
	}
	o := s.apps.oauth[in.AuthCode]
	switch {
	case in.AuthCode == "":
		return nil, errc(41008, "missing auth_code") // no client constant: the spec does not list 41008
	case o == nil || o.used || o.UserType == 0:
		return nil, errc(client.CodeInvalidOAuthCode, "invalid code")
	case !time.Now().Before(o.expiry):
		return nil, errc(client.CodeOAuthCodeExpired, "code expired")
	}
	o.used = true
	out := J{
		"usertype":  o.UserType,
		"user_info": J{"userid": o.UserID, "open_userid": o.OpenUserID, "name": o.Name, "avatar": o.Avatar},
		"corp_info": J{"corpid": o.CorpID},
	}
	if o.UserType < 5 {
		var agents []J
		for id := range s.apps.agents[o.CorpID] {
			agents = append(agents, J{"agentid": id, "auth_type": 1})
		}
		out["agent"] = agents
		out["auth_info"] = J{"department": []J{{"id": 1, "writable": true}}}
	}
	return out, nil
}
