package apps_test

import (
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestMenuLifecycle(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	s := corpService(t, srv)
	ctx := t.Context()
	_, err := s.GetMenu(ctx, wecomtest.AgentID)
	wecomtest.WantCode(t, err, 46003)

	m := apps.Menu{Buttons: []apps.Button{
		{Type: apps.ButtonClick, Name: "Today", Key: "PROGRESS_TODAY"},
		{Name: "Orders", SubButtons: []apps.Button{
			{Type: apps.ButtonView, Name: "Open orders", URL: "https://progress.example.com/orders"},
			{Type: apps.ButtonScanCodePush, Name: "Scan bundle", Key: "SCAN_BUNDLE"},
		}},
	}}
	if err := s.CreateMenu(ctx, wecomtest.AgentID, m); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetMenu(ctx, wecomtest.AgentID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Buttons) != 2 || got.Buttons[1].SubButtons[0].URL != "https://progress.example.com/orders" || got.Buttons[0].Key != "PROGRESS_TODAY" {
		t.Errorf("menu read back: %+v", got)
	}
	if err := s.DeleteMenu(ctx, wecomtest.AgentID); err != nil {
		t.Fatal(err)
	}
	_, err = s.GetMenu(ctx, wecomtest.AgentID)
	wecomtest.WantCode(t, err, 46003)
	wecomtest.WantCode(t, s.DeleteMenu(ctx, 1000077), 40056)
}

func TestMenuValidation(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	s := corpService(t, srv)
	click := apps.Button{Type: apps.ButtonClick, Name: "A", Key: "K"}
	for _, tc := range []struct {
		name  string
		menu  apps.Menu
		field string
	}{
		{"no buttons", apps.Menu{}, "button"},
		{"four buttons", apps.Menu{Buttons: []apps.Button{click, click, click, click}}, "button"},
		{"six sub-buttons", apps.Menu{Buttons: []apps.Button{{Name: "M", SubButtons: []apps.Button{click, click, click, click, click, click}}}}, "button[0].sub_button"},
		{"top name over 16 bytes", apps.Menu{Buttons: []apps.Button{{Type: apps.ButtonClick, Name: strings.Repeat("进", 6), Key: "K"}}}, "button[0].name"},
		{"key over 128 bytes", apps.Menu{Buttons: []apps.Button{{Type: apps.ButtonClick, Name: "A", Key: strings.Repeat("k", 129)}}}, "button[0].key"},
		{"missing type", apps.Menu{Buttons: []apps.Button{{Name: "A"}}}, "button[0].type"},
		{"three levels", apps.Menu{Buttons: []apps.Button{{Name: "M", SubButtons: []apps.Button{{Name: "S", SubButtons: []apps.Button{click}}}}}}, "button[0].sub_button[0]"},
	} {
		wecomtest.WantInvalid(t, s.CreateMenu(t.Context(), wecomtest.AgentID, tc.menu), tc.field)
	}
	if n := srv.Calls("/cgi-bin/menu/create"); n != 0 {
		t.Errorf("%d invalid menus reached the server", n)
	}
}
