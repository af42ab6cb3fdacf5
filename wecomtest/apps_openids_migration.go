package wecomtest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// The upgrade state of the account IDs (ID迁移) and of 代开发 apps' sensitive-information
// permission. Third-party apps migrate per provider and corp, 代开发 apps per app.

func (s *Server) migrationRoutes() []route {
	return []route{
		{post, "/cgi-bin/service/externalcontact/finish_external_userid_migration", TokenProvider, s.finishExternalMigration},
		{post, "/cgi-bin/service/finish_openid_migration", TokenProvider, s.finishOpenIDMigration},
		{post, "/cgi-bin/corp/get_openid_migration", TokenCorp, s.getOpenIDMigration},
		{post, "/cgi-bin/agent/set_app_migrate_flag", TokenCorp, s.setAppMigrateFlag},
		{post, "/cgi-bin/agent/get_app_migrate_flag", TokenCorp, s.getAppMigrateFlag},
	}
}

// migrationKey is where the state of an ID family lives: subject|corp for a provider's
// third-party apps in a corp.
func migrationKey(subject, corp string, openIDType int) string {
	return fmt.Sprintf("%s|%s|%d", subject, strings.ToLower(corp), openIDType)
}

// agentMigrationKey is the state of one 代开发 app.
func agentMigrationKey(corp string, agentID, openIDType int) string {
	return fmt.Sprintf("agent|%s|%d|%d", strings.ToLower(corp), agentID, openIDType)
}

// migrationCorp checks the corpid of a provider's migration call: 610022 for the provider
// itself, and returns the simulator's corp ID.
func (s *Server) migrationCorp(c *Call, corpID string) (string, error) {
	provider := c.Token.CorpID
	switch {
	case corpID == "":
		return "", errc(client.CodeMissingCorpID, "corpid missing")
	case strings.EqualFold(corpID, provider):
		return "", errc(codeIDConvSelfAuthorised, "the corp is the provider itself: no migration needed")
	}
	return s.plainCorp(provider, corpID), nil
}

func (s *Server) finishExternalMigration(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp, err := s.migrationCorp(c, in.CorpID)
	if err != nil {
		return nil, err
	}
	provider := c.Token.CorpID
	if len(s.providerAuths(provider, corp, false)) == 0 {
		return nil, errc(codeIDConvNoThirdPartyApp, "no third-party app of this provider is installed")
	}
	s.oid().migrated[migrationKey(provider, corp, 3)] = true
	return J{}, nil
}

func (s *Server) finishOpenIDMigration(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID  string     `json:"corpid"`
		AgentID wire.Int   `json:"agentid"`
		Types   []wire.Int `json:"openid_type"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp, err := s.migrationCorp(c, in.CorpID)
	if err != nil {
		return nil, err
	}
	if len(in.Types) == 0 || slices.ContainsFunc(in.Types, func(t wire.Int) bool { return t != 1 && t != 3 }) {
		return nil, errc(client.CodeInvalidParameter, "openid_type: 1 and/or 3")
	}
	provider := c.Token.CorpID
	key := func(t int) string { return migrationKey(provider, corp, t) }
	if in.AgentID != 0 {
		if !slices.ContainsFunc(s.providerAuths(provider, corp, true), func(a *authRec) bool { return a.AgentID == int(in.AgentID) }) {
			return nil, errc(client.CodeInvalidAgentID, "invalid agentid: no customized app of this provider")
		}
		key = func(t int) string { return agentMigrationKey(corp, int(in.AgentID), t) }
	} else if len(s.providerAuths(provider, corp, false)) == 0 {
		return nil, errc(codeIDConvNoThirdPartyApp, "no third-party app of this provider is installed")
	}
	for _, t := range in.Types {
		s.oid().migrated[key(int(t))] = true
	}
	return J{}, nil
}

func (s *Server) getOpenIDMigration(c *Call) (any, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return nil, err
	}
	info := []J{}
	for _, t := range []int{1, 3} {
		k := migrationKey(who.subject, who.corp, t)
		if who.customized {
			k = agentMigrationKey(who.corp, who.agentID, t)
		}
		info = append(info, J{"openid_type": t, "status": wire.Flag(s.oid().migrated[k])})
	}
	return J{"migration_info": info}, nil
}

// appMigrateCall checks a 代开发 app's app_migrate_type call: 48002 for other apps, 40058 for
// a type other than 1.
func (s *Server) appMigrateCall(c *Call) (string, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return "", err
	}
	if !who.customized {
		return "", errc(client.CodeAPIForbidden, "api forbidden: only customized apps may call it")
	}
	in, err := decode[struct {
		Type wire.Int `json:"app_migrate_type"`
	}](c)
	if err != nil {
		return "", err
	}
	if in.Type != 1 {
		return "", errc(client.CodeInvalidParameter, "app_migrate_type: 1")
	}
	return fmt.Sprintf("%s|%d", strings.ToLower(who.corp), who.agentID), nil
}

func (s *Server) setAppMigrateFlag(c *Call) (any, error) {
	k, err := s.appMigrateCall(c)
	if err != nil {
		return nil, err
	}
	s.oid().appFlags[k] = true
	return J{}, nil
}

func (s *Server) getAppMigrateFlag(c *Call) (any, error) {
	k, err := s.appMigrateCall(c)
	if err != nil {
		return nil, err
	}
	return J{"app_migrate_flag": wire.Flag(s.oid().appFlags[k])}, nil
}
