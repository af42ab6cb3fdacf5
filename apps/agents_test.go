package apps_test

import (
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestGetAgent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		agentID int
		setup   func(*wecomtest.Server)
		code    int
	}{
		{"success", wecomtest.AgentID, nil, 0},
		{"token expired mid-call", wecomtest.AgentID, func(s *wecomtest.Server) { s.FailNext("/cgi-bin/agent/get", client.CodeAccessTokenExpired, 1) }, 0},
		{"busy then ok", wecomtest.AgentID, func(s *wecomtest.Server) { s.FailNext("/cgi-bin/agent/get", client.CodeBusy, 2) }, 0},
		{"another app", 1000009, func(s *wecomtest.Server) {
			s.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "x", AgentID: 1000009})
		}, 301002},
		{"unknown agent", 42, nil, 40056},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := wecomtest.Start(t)
			if tc.setup != nil {
				tc.setup(srv)
			}
			a, err := corpService(t, srv).GetAgent(t.Context(), tc.agentID)
			if tc.code != 0 {
				wecomtest.WantCode(t, err, tc.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.AgentID != wecomtest.AgentID || a.Name == "" || len(a.AllowParties.PartyIDs) == 0 {
				t.Errorf("agent %+v", a)
			}
		})
	}
}

func TestSetAgentAndList(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	s := corpService(t, srv)
	ctx := t.Context()
	err := s.SetAgent(ctx, apps.SetAgentParams{AgentID: wecomtest.AgentID, Name: client.Ptr("Production progress"),
		Description: client.Ptr("Order and line progress"), ReportEnter: client.Ptr(true), ReportLocation: client.Ptr(false), HomeURL: client.Ptr("https://progress.example.com/")})
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.GetAgent(ctx, wecomtest.AgentID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "Production progress" || !a.ReportEnter || a.ReportLocation || a.HomeURL != "https://progress.example.com/" {
		t.Errorf("after set: %+v", a)
	}
	list, err := s.ListAgents(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "Production progress" {
		t.Errorf("list: %+v, %v", list, err)
	}

	wecomtest.WantInvalid(t, s.SetAgent(ctx, apps.SetAgentParams{AgentID: wecomtest.AgentID, Name: client.Ptr("")}), "name")
	wecomtest.WantInvalid(t, s.SetAgent(ctx, apps.SetAgentParams{AgentID: wecomtest.AgentID, Description: client.Ptr("abc")}), "description")
	wecomtest.WantCode(t, s.SetAgent(ctx, apps.SetAgentParams{AgentID: wecomtest.AgentID, HomeURL: client.Ptr("progress.example.com")}), 40094)
}

// The flags of agent/set go as the 0/1 WeCom documents, never as JSON booleans.
func TestSetAgentSendsFlagsAsNumbers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	var body map[string]any
	srv.HandleFunc("POST", "/cgi-bin/agent/set", wecomtest.TokenCorp, func(c *wecomtest.Call) (any, error) {
		return wecomtest.J{}, c.Decode(&body)
	})
	err := corpService(t, srv).SetAgent(t.Context(), apps.SetAgentParams{AgentID: wecomtest.AgentID, ReportEnter: client.Ptr(true), ReportLocation: client.Ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	if body["isreportenter"] != 1.0 || body["report_location_flag"] != 0.0 || body["agentid"] != float64(wecomtest.AgentID) {
		t.Errorf("sent %v", body)
	}
	if _, ok := body["name"]; ok {
		t.Errorf("unset name sent: %v", body)
	}
}
