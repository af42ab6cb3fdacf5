package contacts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func seedGroupChats(t *testing.T, srv *wecomtest.Server, _ *Service) {
	t.Helper()
	for _, id := range []string{"wrSales1", "wrSales2"} {
		srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: id, Name: "销售客服群", Owner: "li.na"})
	}
}

var salesWay = JoinWayParams{Scene: SceneQRCode, Remark: "aa_remark", AutoCreateRoom: client.Ptr(true), RoomBaseName: "销售客服群",
	RoomBaseID: 10, ChatIDs: []string{"wrSales1", "wrSales2"}, State: "klsdup3kj3s1"}

// made remembers what a matrix row's prepare created, per service (the rows run in parallel).
type made struct{ m sync.Map }

func (k *made) set(s *Service, id string) { k.m.Store(s, id) }

func (k *made) get(s *Service) string {
	v, _ := k.m.Load(s)
	id, _ := v.(string)
	return id
}

func TestJoinWaysMatrix(t *testing.T) {
	t.Parallel()
	var ways made
	withWay := func(t *testing.T, srv *wecomtest.Server, s *Service) {
		seedGroupChats(t, srv, s)
		id, err := s.AddJoinWay(context.Background(), salesWay)
		if err != nil {
			t.Fatal(err)
		}
		ways.set(s, id)
	}
	runMatrix(t, []endpoint{
		{name: "add_join_way", path: "/cgi-bin/externalcontact/groupchat/add_join_way", prepare: seedGroupChats, call: func(ctx context.Context, s *Service) error {
			id, err := s.AddJoinWay(ctx, salesWay)
			if err == nil && id == "" {
				return fmt.Errorf("no config_id")
			}
			return err
		}},
		{name: "get_join_way", path: "/cgi-bin/externalcontact/groupchat/get_join_way", retried: true, prepare: withWay, call: func(ctx context.Context, s *Service) error {
			w, err := s.GetJoinWay(ctx, ways.get(s))
			if err == nil && (w.State != "klsdup3kj3s1" || !slices.Equal(w.ChatIDs, salesWay.ChatIDs) || !bool(w.AutoCreateRoom) || w.QRCode == "") {
				return fmt.Errorf("way %+v", w)
			}
			return err
		}},
		{name: "update_join_way", path: "/cgi-bin/externalcontact/groupchat/update_join_way", prepare: withWay, call: func(ctx context.Context, s *Service) error {
			return s.UpdateJoinWay(ctx, UpdateJoinWayParams{ConfigID: ways.get(s), JoinWayParams: JoinWayParams{Scene: SceneQRCode, ChatIDs: []string{"wrSales2"}}})
		}},
		{name: "del_join_way", path: "/cgi-bin/externalcontact/groupchat/del_join_way", prepare: withWay, call: func(ctx context.Context, s *Service) error {
			return s.DeleteJoinWay(ctx, ways.get(s))
		}},
	})
}

func TestJoinWayLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedGroupChats(t, srv, s)
	ctx := context.Background()
	id, err := s.AddJoinWay(ctx, JoinWayParams{Scene: SceneMiniprogram, Remark: strings.Repeat("备", 35), ChatIDs: []string{"wrSales1"}})
	if err != nil {
		t.Fatal(err)
	}
	w, err := s.GetJoinWay(ctx, id)
	if err != nil || w.ConfigID != id || w.Scene != SceneMiniprogram || !bool(w.AutoCreateRoom) || !bool(w.MarkSource) || w.Remark != strings.Repeat("备", 30) {
		t.Errorf("defaults and a cut remark: %+v, %v", w, err)
	}
	// An update overwrites: what is not sent goes back to the defaults.
	if err := s.UpdateJoinWay(ctx, UpdateJoinWayParams{ConfigID: id, JoinWayParams: JoinWayParams{Scene: SceneQRCode, AutoCreateRoom: client.Ptr(false), ChatIDs: []string{"wrSales1", "wrSales2"}, MarkSource: client.Ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	w2, err := s.GetJoinWay(ctx, id)
	if err != nil || w2.Scene != SceneQRCode || bool(w2.AutoCreateRoom) || bool(w2.MarkSource) || w2.Remark != "" || len(w2.ChatIDs) != 2 || w2.QRCode != w.QRCode {
		t.Errorf("after update: %+v, %v", w2, err)
	}
	// Another app of the corp neither sees nor changes the way.
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "other-secret", AgentID: 1000003})
	other := otherApp(t, srv)
	if _, err := other.GetJoinWay(ctx, id); wecomtest.ErrCode(err) != client.CodeInvalidConfigID {
		t.Errorf("another app's way: %v, want 41044", err)
	}
	if err := other.DeleteJoinWay(ctx, id); wecomtest.ErrCode(err) != client.CodeInvalidConfigID {
		t.Errorf("deleting another app's way: %v, want 41044", err)
	}
	if err := s.DeleteJoinWay(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetJoinWay(ctx, id); wecomtest.ErrCode(err) != client.CodeInvalidConfigID {
		t.Errorf("deleted way: %v, want 41044", err)
	}
	if _, err := s.AddJoinWay(ctx, JoinWayParams{Scene: SceneQRCode, ChatIDs: []string{"wrNone"}}); wecomtest.ErrCode(err) != client.CodeChatNotFound {
		t.Errorf("unknown group chat: %v, want 86003", err)
	}
}

func TestJoinWayValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	with := func(f func(p *JoinWayParams)) JoinWayParams {
		p := JoinWayParams{Scene: SceneQRCode, ChatIDs: []string{"wr1"}}
		f(&p)
		return p
	}
	for _, tc := range []struct {
		p     JoinWayParams
		field string
	}{
		{with(func(p *JoinWayParams) { p.Scene = 3 }), "scene"},
		{with(func(p *JoinWayParams) { p.ChatIDs = nil }), "chat_id_list"},
		{with(func(p *JoinWayParams) { p.ChatIDs = make([]string, 6) }), "chat_id_list"},
		{with(func(p *JoinWayParams) { p.RoomBaseName = strings.Repeat("群", 41) }), "room_base_name"},
		{with(func(p *JoinWayParams) { p.State = strings.Repeat("s", 31) }), "state"},
		{with(func(p *JoinWayParams) { p.RoomBaseID = -1 }), "room_base_id"},
	} {
		_, err := s.AddJoinWay(ctx, tc.p)
		wecomtest.WantInvalid(t, err, tc.field)
		wecomtest.WantInvalid(t, s.UpdateJoinWay(ctx, UpdateJoinWayParams{ConfigID: "c", JoinWayParams: tc.p}), tc.field)
	}
	wecomtest.WantInvalid(t, s.UpdateJoinWay(ctx, UpdateJoinWayParams{JoinWayParams: with(func(*JoinWayParams) {})}), "config_id")
	_, err := s.GetJoinWay(ctx, "")
	wecomtest.WantInvalid(t, err, "config_id")
	wecomtest.WantInvalid(t, s.DeleteJoinWay(ctx, ""), "config_id")
}

func TestJoinWayEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	add := captureJSON(mt, "POST", "/cgi-bin/externalcontact/groupchat/add_join_way", `{"errcode":0,"config_id":"9ad7fa5cdaa6511298498f979c472aaa"}`)
	id, err := s.AddJoinWay(ctx, salesWay)
	if err != nil || id != "9ad7fa5cdaa6511298498f979c472aaa" {
		t.Fatalf("%q, %v", id, err)
	}
	want := `{"scene":2,"remark":"aa_remark","room_base_name":"销售客服群","room_base_id":10,"chat_id_list":["wrSales1","wrSales2"],"state":"klsdup3kj3s1","auto_create_room":1}`
	if raw := (*add)[0].raw; raw != want {
		t.Errorf("add body\n got %s\nwant %s", raw, want)
	}
	upd := captureJSON(mt, "POST", "/cgi-bin/externalcontact/groupchat/update_join_way", `{"errcode":0}`)
	if err := s.UpdateJoinWay(ctx, UpdateJoinWayParams{ConfigID: "c1", JoinWayParams: JoinWayParams{Scene: SceneMiniprogram, AutoCreateRoom: client.Ptr(false), ChatIDs: []string{"wr1"}, MarkSource: client.Ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	if raw := (*upd)[0].raw; raw != `{"config_id":"c1","scene":1,"chat_id_list":["wr1"],"mark_source":false,"auto_create_room":0}` {
		t.Errorf("update body %s: auto_create_room 0 and mark_source false must be sent", raw)
	}
	get := captureJSON(mt, "POST", "/cgi-bin/externalcontact/groupchat/get_join_way", `{"errcode":0,"join_way":{"config_id":"c1","scene":2,"auto_create_room":1,"chat_id_list":["wr1"],"qr_code":"http://p.qpic.cn/x/0","mark_source":true}}`)
	w, err := s.GetJoinWay(ctx, "c1")
	if err != nil || (*get)[0].raw != `{"config_id":"c1"}` || !bool(w.AutoCreateRoom) || !bool(w.MarkSource) || w.QRCode != "http://p.qpic.cn/x/0" {
		t.Errorf("get: body %s, way %+v, %v", (*get)[0].raw, w, err)
	}
	del := captureJSON(mt, "POST", "/cgi-bin/externalcontact/groupchat/del_join_way", `{"errcode":0}`)
	if err := s.DeleteJoinWay(ctx, "c1"); err != nil || (*del)[0].raw != `{"config_id":"c1"}` {
		t.Errorf("del: body %s, %v", (*del)[0].raw, err)
	}
}

// otherApp returns a Service of a second app of the default corp.
func otherApp(t *testing.T, srv *wecomtest.Server) *Service {
	t.Helper()
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "other-secret", AgentID: 1000003})
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: "other-secret"}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	return New(c)
}
