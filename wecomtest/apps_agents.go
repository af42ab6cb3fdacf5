package wecomtest

import (
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

func (s *Server) agentRoutes() []route {
	return []route{
		{get, "/cgi-bin/agent/get", TokenCorp, s.agentGet},
		{get, "/cgi-bin/agent/list", TokenCorp, s.agentList},
		{post, "/cgi-bin/agent/set", TokenCorp, s.agentSet},
	}
}

func (s *Server) agentGet(c *Call) (any, error) {
	return s.tokenAgent(c, queryAgent(c))
}

func (s *Server) agentList(c *Call) (any, error) {
	list := []J{}
	if a := s.agent(c.Token.CorpID, c.Token.AgentID); a != nil {
		list = append(list, J{"agentid": a.AgentID, "name": a.Name, "square_logo_url": a.SquareLogoURL})
	}
	return J{"agentlist": list}, nil
}

func (s *Server) agentSet(c *Call) (any, error) {
	in, err := decode[struct {
		AgentID        wire.Int `json:"agentid"`
		Name           *string  `json:"name"`
		Description    *string  `json:"description"`
		RedirectDomain *string  `json:"redirect_domain"`
		HomeURL        *string  `json:"home_url"`
		ReportLocation *int     `json:"report_location_flag"`
		IsReportEnter  *int     `json:"isreportenter"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, int(in.AgentID))
	if err != nil {
		return nil, err
	}
	switch {
	case a.thirdParty:
		return nil, errc(client.CodeAPIForbidden, "api forbidden for third-party apps")
	case in.Name != nil && (*in.Name == "" || utf8.RuneCountInString(*in.Name) > 32):
		return nil, errc(client.CodeInvalidAppNameLength, "agent name is invalid")
	case in.Description != nil && (utf8.RuneCountInString(*in.Description) < 4 || utf8.RuneCountInString(*in.Description) > 120):
		return nil, errc(client.CodeInvalidAppDescriptionLength, "invalid description size")
	case in.HomeURL != nil && !strings.HasPrefix(*in.HomeURL, "http://") && !strings.HasPrefix(*in.HomeURL, "https://"):
		return nil, errc(client.CodeInvalidURL, "invalid url")
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.Name, in.Name)
	set(&a.Description, in.Description)
	set(&a.RedirectDomain, in.RedirectDomain)
	set(&a.HomeURL, in.HomeURL)
	if in.ReportLocation != nil {
		a.ReportLocation = *in.ReportLocation
	}
	if in.IsReportEnter != nil {
		a.IsReportEnter = *in.IsReportEnter
	}
	return J{}, nil
}
