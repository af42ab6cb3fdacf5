package wecomtest

import (
	"slices"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

func (s *Server) workbenchRoutes() []route {
	return []route{
		{post, "/cgi-bin/agent/set_workbench_template", TokenCorp, s.workbenchSetTemplate},
		{post, "/cgi-bin/agent/get_workbench_template", TokenCorp, s.workbenchGetTemplate},
		{post, "/cgi-bin/agent/set_workbench_data", TokenCorp, s.workbenchSetData},
		{post, "/cgi-bin/agent/batch_set_workbench_data", TokenCorp, s.workbenchBatchSetData},
		{post, "/cgi-bin/agent/get_workbench_data", TokenCorp, s.workbenchGetData},
	}
}

var workbenchTypes = []string{"keydata", "image", "list", "webview", "normal"}

// checkWorkbench validates a workbench payload: a known type and the item limits (40058).
func checkWorkbench(v J) error {
	typ, _ := v["type"].(string)
	if !slices.Contains(workbenchTypes, typ) {
		return errc(client.CodeInvalidParameter, "invalid workbench type")
	}
	items := func(obj string) int {
		o, _ := v[obj].(map[string]any)
		l, _ := o["items"].([]any)
		return len(l)
	}
	if items("keydata") > 4 || items("list") > 3 {
		return errc(client.CodeInvalidParameter, "too many items")
	}
	return nil
}

// workbenchContent keeps the type and its data object only.
func workbenchContent(v J) J {
	typ, _ := v["type"].(string)
	out := J{"type": typ}
	if d, ok := v[typ]; ok {
		out[typ] = d
	}
	return out
}

// workbenchReq holds the typed fields of the workbench calls; the rest of the body is the
// workbench content, kept as sent.
type workbenchReq struct {
	AgentID         wire.Int `json:"agentid"`
	UserID          string   `json:"userid"`
	ReplaceUserData bool     `json:"replace_user_data"`
}

// workbenchCall decodes a workbench call and finds the token's agent it names.
func (s *Server) workbenchCall(c *Call) (*workbenchReq, J, *agentRec, error) {
	in, err := decode[workbenchReq](c)
	if err != nil {
		return nil, nil, nil, err
	}
	v, _ := decode[J](c)
	a, err := s.tokenAgent(c, int(in.AgentID))
	return &in, v, a, err
}

func (s *Server) workbenchSetTemplate(c *Call) (any, error) {
	in, v, a, err := s.workbenchCall(c)
	if err != nil {
		return nil, err
	}
	if err := checkWorkbench(v); err != nil {
		return nil, err
	}
	a.template = workbenchContent(v)
	if in.ReplaceUserData {
		a.template["replace_user_data"] = true
		clear(a.userData)
	}
	return J{}, nil
}

func (s *Server) workbenchGetTemplate(c *Call) (any, error) {
	_, _, a, err := s.workbenchCall(c)
	if err != nil {
		return nil, err
	}
	if a.template == nil {
		return J{"type": "normal"}, nil
	}
	return a.template, nil
}

func (s *Server) workbenchSetData(c *Call) (any, error) {
	in, v, a, err := s.workbenchCall(c)
	if err != nil {
		return nil, err
	}
	if in.UserID == "" {
		return nil, errc(client.CodeMissingUserID, "missing userid")
	}
	if err := checkWorkbench(v); err != nil {
		return nil, err
	}
	a.userData[in.UserID] = workbenchContent(v)
	return J{}, nil
}

func (s *Server) workbenchBatchSetData(c *Call) (any, error) {
	in, err := decode[struct {
		AgentID wire.Int `json:"agentid"`
		Users   []string `json:"userid_list"`
		Data    J        `json:"data"`
	}](c)
	if err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, int(in.AgentID))
	if err != nil {
		return nil, err
	}
	if len(in.Users) == 0 || len(in.Users) > 1000 {
		return nil, errc(client.CodeInvalidParameter, "userid_list must hold 1 to 1000 userids")
	}
	if err := checkWorkbench(in.Data); err != nil {
		return nil, err
	}
	for _, u := range in.Users {
		a.userData[u] = workbenchContent(in.Data)
	}
	return J{}, nil
}

func (s *Server) workbenchGetData(c *Call) (any, error) {
	in, _, a, err := s.workbenchCall(c)
	if err != nil {
		return nil, err
	}
	if d, ok := a.userData[in.UserID]; ok {
		return J{"data": d}, nil
	}
	if a.template != nil {
		return J{"data": workbenchContent(a.template)}, nil
	}
	return J{"data": J{"type": "normal"}}, nil
}
