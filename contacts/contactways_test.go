package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func seedAdvisors(t *testing.T, srv *wecomtest.Server, _ *Service) {
	t.Helper()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{12}},
		wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊", Department: []int{12}})
}

var expoWay = ContactWayParams{Type: ContactWayMulti, Scene: SceneQRCode, Remark: "Spring expo booth", SkipVerify: client.Ptr(true),
	State: "expo2024", Users: []string{"li.na"}, Parties: []int{12}}

func TestContactWaysMatrix(t *testing.T) {
	t.Parallel()
	withWay := func(t *testing.T, srv *wecomtest.Server, s *Service) {
		seedAdvisors(t, srv, s)
		if _, err := s.AddContactWay(context.Background(), expoWay); err != nil {
			t.Fatal(err)
		}
	}
	// wayID finds the way withWay created (through list_contact_way, not the path under test).
	wayID := func(ctx context.Context, s *Service) string {
		pg, err := s.ListContactWaysPage(ctx, ListContactWaysParams{})
		if err != nil || len(pg.ConfigIDs) == 0 {
			return "missing"
		}
		return pg.ConfigIDs[0]
	}
	runMatrix(t, []endpoint{
		{name: "add_contact_way", path: "/cgi-bin/externalcontact/add_contact_way", prepare: seedAdvisors, call: func(ctx context.Context, s *Service) error {
			r, err := s.AddContactWay(ctx, expoWay)
			if err == nil && (r.ConfigID == "" || r.QRCode == "") {
				return fmt.Errorf("result %+v", r)
			}
			return err
		}},
		{name: "get_contact_way", path: "/cgi-bin/externalcontact/get_contact_way", retried: true, prepare: withWay, call: func(ctx context.Context, s *Service) error {
			w, err := s.GetContactWay(ctx, wayID(ctx, s))
			if err == nil && (w.State != "expo2024" || !slices.Equal(w.Parties, []int{12})) {
				return fmt.Errorf("way %+v", w)
			}
			return err
		}},
		{name: "list_contact_way", path: "/cgi-bin/externalcontact/list_contact_way", retried: true, prepare: withWay, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListContactWaysPage(ctx, ListContactWaysParams{})
			if err == nil && len(pg.ConfigIDs) != 1 {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "update_contact_way", path: "/cgi-bin/externalcontact/update_contact_way", prepare: withWay, call: func(ctx context.Context, s *Service) error {
			return s.UpdateContactWay(ctx, UpdateContactWayParams{ConfigID: wayID(ctx, s), Remark: "Autumn expo"})
		}},
		{name: "del_contact_way", path: "/cgi-bin/externalcontact/del_contact_way", prepare: withWay, call: func(ctx context.Context, s *Service) error {
			return s.DeleteContactWay(ctx, wayID(ctx, s))
		}},
		{name: "close_temp_chat", path: "/cgi-bin/externalcontact/close_temp_chat", prepare: seedCustomers, call: func(ctx context.Context, s *Service) error {
			return s.CloseTempChat(ctx, "li.na", "wmAbc123")
		}},
	})
}

func TestContactWayLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedAdvisors(t, srv, s)
	ctx := context.Background()
	r, err := s.AddContactWay(ctx, expoWay)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.QRCode, "https://") {
		t.Errorf("QR URL %q", r.QRCode)
	}
	btn, err := s.AddContactWay(ctx, ContactWayParams{Type: ContactWaySingle, Scene: SceneMiniprogram, Style: 1, Users: []string{"zhao.lei"}})
	if err != nil || btn.QRCode != "" {
		t.Fatalf("mini-program way: %+v, %v (no QR code for scene 1)", btn, err)
	}
	if err := s.UpdateContactWay(ctx, UpdateContactWayParams{ConfigID: r.ConfigID, Users: []string{"zhao.lei"}, SkipVerify: client.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	w, err := s.GetContactWay(ctx, r.ConfigID)
	if err != nil || !slices.Equal(w.Users, []string{"zhao.lei"}) || w.SkipVerify || w.Remark != "Spring expo booth" || w.QRCode != r.QRCode {
		t.Errorf("after update: %+v, %v", w, err)
	}
	var ids []string
	for id, err := range s.ListContactWays(ctx, ListContactWaysParams{Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if len(ids) != 2 {
		t.Errorf("listed %v", ids)
	}
	if err := s.DeleteContactWay(ctx, r.ConfigID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetContactWay(ctx, r.ConfigID); wecomtest.ErrCode(err) != 41044 {
		t.Errorf("get deleted: %v, want 41044", err)
	}
	if _, err := s.AddContactWay(ctx, ContactWayParams{Type: ContactWaySingle, Scene: SceneQRCode, Users: []string{"ghost"}}); wecomtest.ErrCode(err) != 40003 {
		t.Errorf("unknown member: %v, want 40003", err)
	}
	many := make([]wecomtest.SeedUser, 101)
	for i := range many {
		many[i] = wecomtest.SeedUser{UserID: fmt.Sprintf("rep%03d", i), Name: "r", Department: []int{50}}
	}
	srv.AddUsers(wecomtest.CorpID, many...)
	if _, err := s.AddContactWay(ctx, ContactWayParams{Type: ContactWayMulti, Scene: SceneQRCode, Parties: []int{50}}); wecomtest.ErrCode(err) != 41041 {
		t.Errorf("101 members after expansion: %v, want 41041", err)
	}
}

func TestContactWayValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	one := func(f func(p *ContactWayParams)) ContactWayParams {
		p := ContactWayParams{Type: ContactWaySingle, Scene: SceneQRCode, Users: []string{"a"}}
		f(&p)
		return p
	}
	for _, tc := range []struct {
		p     ContactWayParams
		field string
	}{
		{one(func(p *ContactWayParams) { p.Type = 0 }), "type"},
		{one(func(p *ContactWayParams) { p.Scene = 3 }), "scene"},
		{one(func(p *ContactWayParams) { p.Users = []string{"a", "b"} }), "user"},
		{one(func(p *ContactWayParams) { p.Parties = []int{1} }), "user"},
		{one(func(p *ContactWayParams) { p.Type, p.Users = ContactWayMulti, nil }), "user"},
		{one(func(p *ContactWayParams) { p.Type, p.IsTemp = ContactWayMulti, true }), "is_temp"},
		{one(func(p *ContactWayParams) { p.Remark = strings.Repeat("备", 31) }), "remark"},
		{one(func(p *ContactWayParams) { p.State = strings.Repeat("s", 31) }), "state"},
		{one(func(p *ContactWayParams) { p.Style = 4 }), "style"},
		{one(func(p *ContactWayParams) { p.ExpiresIn = 15 * 24 * 3600 }), "expires_in"},
	} {
		_, err := s.AddContactWay(context.Background(), tc.p)
		var ve *client.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("want %s: %v", tc.field, err)
		}
	}
}

func TestContactWayEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/externalcontact/add_contact_way", `{"errcode":0,"config_id":"c1","qr_code":"https://q/1"}`)
	r, err := s.AddContactWay(context.Background(), ContactWayParams{Type: ContactWaySingle, Scene: SceneQRCode, Users: []string{"li.na"}, SkipVerify: client.Ptr(false)})
	if err != nil || r.QRCode != "https://q/1" {
		t.Fatalf("%+v, %v", r, err)
	}
	if raw := (*got)[0].raw; raw != `{"type":1,"scene":2,"skip_verify":false,"user":["li.na"]}` {
		t.Errorf("body %s: skip_verify=false must be sent, unset defaults omitted", raw)
	}
}
