package wecomtest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Customized apps (代开发): authorisation links with a state for 代开发 templates, and the
// permissions corps granted third-party and 代开发 apps.

func (s *Server) customizedRoutes() []route {
	return []route{
		{post, "/cgi-bin/service/get_customized_auth_url", TokenProvider, s.getCustomizedAuthURL},
		{post, "/cgi-bin/agent/get_permissions", TokenCorp, s.getPermissions},
	}
}

// customizedLinkRec is one get_customized_auth_url link.
type customizedLinkRec struct {
	provider, state string
	templates       []string
	expiry          time.Time
}

// getCustomizedAuthURL makes a link for 代开发 templates of the calling provider (see
// [Server.LinkSuite] with Customized): 84025 for a bad state, 84020 for a template that is not
// the provider's.
func (s *Server) getCustomizedAuthURL(c *Call) (any, error) {
	in, err := decode[struct {
		State     string   `json:"state"`
		Templates []string `json:"templateid_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	provider := c.Token.CorpID
	switch {
	case in.State == "" || !isvStateOK(in.State, 32):
		return nil, errc(codeRegInvalidState, "invalid state: a-zA-Z0-9, 1 to 32 bytes")
	case len(in.Templates) == 0 || len(in.Templates) > 9:
		return nil, errc(client.CodeInvalidParameter, "templateid_list: 1 to 9 templates")
	}
	for _, id := range in.Templates {
		if o, ok := s.oid().owners[id]; !ok || !o.Customized || o.ProviderCorpID != provider || s.apps.suites[id] == nil {
			return nil, errc(codeRegInvalidTemplateID, "templateid not exist: "+id)
		}
	}
	s.seq++
	code := fmt.Sprintf("sim-cauth-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
	s.oid().customized[code] = &customizedLinkRec{provider: provider, state: in.State, templates: slices.Clone(in.Templates),
		expiry: time.Now().Add(customizedLinkTTL)}
	return J{"qrcode_url": customizedLinkHost + "?" + url.Values{"code": {code}}.Encode(), "expires_in": int(customizedLinkTTL / time.Second)}, nil
}

// ScanCustomizedAuthURL simulates an admin of a.CorpID scanning a get_customized_auth_url QR
// code and authorising its 代开发 templates. It returns the auth_code of each template's install
// (template ID → auth_code, as the template's create_auth callback carries it); their
// get_permanent_code answers the link's state. a gives the corp, its name and the admin; each
// template's app gets agentid a.AgentID (default 1000100), +1, … in link order.
func (s *Server) ScanCustomizedAuthURL(qrcodeURL string, a Authorization) (map[string]string, error) {
	s.mu.Lock()
	u, err := url.Parse(qrcodeURL)
	var rec *customizedLinkRec
	if err == nil && strings.HasPrefix(qrcodeURL, customizedLinkHost+"?") {
		rec = s.oid().customized[u.Query().Get("code")]
	}
	switch {
	case rec == nil:
		s.mu.Unlock()
		return nil, fmt.Errorf("wecomtest: %q is no customized auth link of this server", qrcodeURL)
	case !time.Now().Before(rec.expiry):
		s.mu.Unlock()
		return nil, fmt.Errorf("wecomtest: customized auth link expired")
	}
	templates, state := slices.Clone(rec.templates), rec.state
	s.mu.Unlock()
	base := a.AgentID
	if base == 0 {
		base = 1000100
	}
	codes := make(map[string]string, len(templates))
	for i, id := range templates {
		code, err := s.AuthorizeCorp(Authorization{SuiteID: id, CorpID: a.CorpID, CorpName: a.CorpName, AgentID: base + i,
			AdminUserID: a.AdminUserID, State: state})
		if err != nil {
			return nil, err
		}
		codes[id] = code
	}
	return codes, nil
}

// SetAppPermissions sets the permissions (应用权限, e.g. "contact:sensitive:avatar") that
// agent/get_permissions answers to suiteID's app in corpID. The default is none.
func (s *Server) SetAppPermissions(suiteID, corpID string, perms ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oid().perms[suiteID+"|"+strings.ToLower(corpID)] = slices.Clone(perms)
}

// getPermissions answers the permissions of a third-party or 代开发 app (48002 for others).
func (s *Server) getPermissions(c *Call) (any, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return nil, err
	}
	perms := s.oid().perms[who.suite+"|"+strings.ToLower(who.corp)]
	if perms == nil {
		perms = []string{}
	}
	return J{"app_permissions": perms}, nil
}
