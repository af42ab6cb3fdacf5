package apps_test

import (
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestWorkbench(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	s := corpService(t, srv)
	ctx := t.Context()
	tpl := apps.WorkbenchTemplate{AgentID: wecomtest.AgentID, WorkbenchContent: apps.WorkbenchContent{
		Type: apps.WorkbenchKeyData, KeyData: &apps.KeyDataTile{Items: []apps.KeyDataItem{
			{Key: "Open orders", Data: "42", JumpURL: "https://progress.example.com/orders"},
			{Key: "Behind plan", Data: "3"},
		}}}}
	if err := s.SetWorkbenchTemplate(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetWorkbenchTemplate(ctx, wecomtest.AgentID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != apps.WorkbenchKeyData || got.KeyData == nil || got.KeyData.Items[0].Data != "42" {
		t.Errorf("template read back: %+v", got)
	}
	// A member without own data sees the default; with data, their own.
	d, err := s.GetWorkbenchData(ctx, wecomtest.AgentID, "li.na")
	if err != nil || d.KeyData == nil || d.KeyData.Items[1].Data != "3" {
		t.Fatalf("default data: %+v, %v", d, err)
	}
	mine := apps.WorkbenchContent{Type: apps.WorkbenchKeyData, KeyData: &apps.KeyDataTile{Items: []apps.KeyDataItem{{Key: "My lines", Data: "2"}}}}
	if err := s.SetWorkbenchData(ctx, apps.WorkbenchData{AgentID: wecomtest.AgentID, UserID: "li.na", WorkbenchContent: mine}); err != nil {
		t.Fatal(err)
	}
	if err := s.BatchSetWorkbenchData(ctx, apps.BatchWorkbenchData{AgentID: wecomtest.AgentID, UserIDs: []string{"wang", "zhao"}, Data: mine}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"li.na", "zhao"} {
		d, err := s.GetWorkbenchData(ctx, wecomtest.AgentID, u)
		if err != nil || d.KeyData == nil || d.KeyData.Items[0].Key != "My lines" {
			t.Errorf("%s: %+v, %v", u, d, err)
		}
	}

	five := make([]apps.KeyDataItem, 5)
	wecomtest.WantInvalid(t, s.SetWorkbenchTemplate(ctx, apps.WorkbenchTemplate{AgentID: wecomtest.AgentID,
		WorkbenchContent: apps.WorkbenchContent{Type: apps.WorkbenchKeyData, KeyData: &apps.KeyDataTile{Items: five}}}), "keydata.items")
	wecomtest.WantInvalid(t, s.SetWorkbenchData(ctx, apps.WorkbenchData{AgentID: wecomtest.AgentID, WorkbenchContent: mine}), "userid")
	wecomtest.WantInvalid(t, s.BatchSetWorkbenchData(ctx, apps.BatchWorkbenchData{AgentID: wecomtest.AgentID, Data: mine}), "userid_list")
	wecomtest.WantInvalid(t, s.SetWorkbenchData(ctx, apps.WorkbenchData{AgentID: wecomtest.AgentID, UserID: "u",
		WorkbenchContent: apps.WorkbenchContent{Type: apps.WorkbenchList, List: &apps.ListTile{Items: make([]apps.ListItem, 4)}}}), "list.items")

	// The POST read is retried after a busy answer; a permission errcode is returned.
	srv.FailNext("/cgi-bin/agent/get_workbench_template", client.CodeBusy, 1)
	if _, err := s.GetWorkbenchTemplate(ctx, wecomtest.AgentID); err != nil {
		t.Errorf("busy retry: %v", err)
	}
	_, err = s.GetWorkbenchTemplate(ctx, 1000077)
	wecomtest.WantCode(t, err, 40056)
}
