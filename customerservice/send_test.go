package customerservice_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/wecomtest"
)

const sendPath = "/cgi-bin/kf/send_msg"

func text(kf, cust, s string) customerservice.SendParams {
	return customerservice.SendParams{OpenKfID: kf, ExternalUserID: cust, Content: customerservice.Text{Content: s}}
}

// TestSendRetriedOnce drops the connection around send_msg and checks the customer receives
// the message exactly once.
func TestSendRetriedOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		fault    wecomtest.Fault
		msgID    string
		wantErr  error
		wantDupl bool
	}{
		{name: "dropped before the handler", fault: wecomtest.Fault{Drop: true}},
		{name: "answer lost after delivery", fault: wecomtest.Fault{Drop: true, AfterHandler: true}, wantDupl: true},
		{name: "answer lost, caller msgid", fault: wecomtest.Fault{Drop: true, AfterHandler: true}, msgID: "reply-88231-0001",
			wantErr: customerservice.ErrDuplicateMsgID},
		{name: "gateway 502 after delivery", fault: wecomtest.Fault{Status: 502, AfterHandler: true}, wantDupl: true},
		{name: "busy", fault: wecomtest.Fault{Errcode: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, srv, kf := setup(t)
			const cust = "wmRetry"
			if _, err := srv.CustomerSays(kf, cust, "hello?"); err != nil {
				t.Fatal(err)
			}
			srv.Inject(sendPath, tc.fault, 1)
			p := text(kf, cust, "Your parcel left yesterday.")
			p.MsgID = tc.msgID
			res, err := svc.Send(context.Background(), p)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			} else if err != nil || res.MsgID == "" || res.AlreadySent != tc.wantDupl {
				t.Fatalf("Send = %+v, %v", res, err)
			}
			if n := srv.Calls(sendPath); n != 2 {
				t.Errorf("send_msg called %d times, want 2 (one retry)", n)
			}
			got := srv.KfReceived(kf, cust)
			if len(got) != 1 || got[0].Text != "Your parcel left yesterday." {
				t.Fatalf("customer received %+v, want the message once", got)
			}
			if tc.msgID != "" && got[0].MsgID != tc.msgID || tc.msgID == "" && got[0].MsgID != res.MsgID {
				t.Errorf("delivered msgid %q, result %q", got[0].MsgID, res.MsgID)
			}
		})
	}
}

func TestSendLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	const cust = "wmLimits"

	if _, err := svc.Send(ctx, text(kf, cust, "cold call")); !errors.Is(err, &client.APIError{Code: client.CodeNoConsultation}) {
		t.Fatalf("before the customer wrote: %v", err)
	}
	if _, err := srv.CustomerSays(kf, cust, "hi"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := svc.Send(ctx, text(kf, cust, "reply")); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
	}
	_, err := svc.Send(ctx, text(kf, cust, "sixth"))
	var apiErr *client.APIError
	if !errors.Is(err, customerservice.ErrSendQuota) || !errors.As(err, &apiErr) || apiErr.Code != 95001 {
		t.Fatalf("sixth message: %v, want ErrSendQuota", err)
	}
	// A new customer message restores the quota.
	if _, err := srv.CustomerSays(kf, cust, "thanks"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Send(ctx, text(kf, cust, "you're welcome")); err != nil {
		t.Fatalf("after the customer wrote again: %v", err)
	}
	srv.AdvanceKfClock(49 * time.Hour)
	if _, err := svc.Send(ctx, text(kf, cust, "late")); !errors.Is(err, customerservice.ErrSendWindow) {
		t.Fatalf("after 49 hours: %v, want ErrSendWindow", err)
	}
	if n := len(srv.KfReceived(kf, cust)); n != 6 {
		t.Fatalf("customer received %d, want 6", n)
	}
}

func TestSendValidation(t *testing.T) {
	t.Parallel()
	svc, srv, kf := setup(t)
	many := func(n int, item customerservice.MenuItem) []customerservice.MenuItem {
		out := make([]customerservice.MenuItem, n)
		for i := range out {
			out[i] = item
		}
		return out
	}
	click := customerservice.ClickItem("a", "A")
	cases := map[string]customerservice.SendParams{
		"no content":     {OpenKfID: kf, ExternalUserID: "wm"},
		"no account":     {ExternalUserID: "wm", Content: customerservice.Text{Content: "x"}},
		"no customer":    {OpenKfID: kf, Content: customerservice.Text{Content: "x"}},
		"empty text":     {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Text{}},
		"long text":      {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Text{Content: strings.Repeat("奶", 683)}},
		"bad msgid":      {OpenKfID: kf, ExternalUserID: "wm", MsgID: "has space", Content: customerservice.Text{Content: "x"}},
		"long msgid":     {OpenKfID: kf, ExternalUserID: "wm", MsgID: strings.Repeat("a", 33), Content: customerservice.Text{Content: "x"}},
		"11 clicks":      {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Menu{Items: many(11, click)}},
		"51 items":       {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Menu{Items: many(51, customerservice.TextItem("t", false))}},
		"bad item":       {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Menu{Items: []customerservice.MenuItem{{Type: "button"}}}},
		"empty click":    {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Menu{Items: []customerservice.MenuItem{{Type: customerservice.MenuClick}}}},
		"ftp link":       {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Link{Title: "t", URL: "ftp://x", ThumbMediaID: "m"}},
		"no thumb":       {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Link{Title: "t", URL: "https://x"}},
		"north of pole":  {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Location{Latitude: 91}},
		"no media":       {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.Image{}},
		"no appid":       {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.MiniProgram{PagePath: "p.html", ThumbMediaID: "m"}},
		"no ca link url": {OpenKfID: kf, ExternalUserID: "wm", Content: customerservice.CALink{}},
	}
	for name, p := range cases {
		if _, err := svc.Send(context.Background(), p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: err = %v, want ErrInvalidParams", name, err)
		}
	}
	// On-event limits: text or menu of at most 10 items.
	for name, p := range map[string]customerservice.SendOnEventParams{
		"no code":     {Content: customerservice.Text{Content: "x"}},
		"image":       {Code: "c", Content: customerservice.Image{MediaID: "m"}},
		"11 items":    {Code: "c", Content: customerservice.Menu{Items: many(11, customerservice.TextItem("t", true))}},
		"long msgid":  {Code: "c", MsgID: strings.Repeat("b", 40), Content: customerservice.Text{Content: "x"}},
		"nil content": {Code: "c"},
	} {
		if _, err := svc.SendOnEvent(context.Background(), p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("on event %s: err = %v, want ErrInvalidParams", name, err)
		}
	}
	if n := srv.Calls(sendPath) + srv.Calls("/cgi-bin/kf/send_msg_on_event"); n != 0 {
		t.Fatalf("invalid sends reached the server %d times", n)
	}
	var ve *client.ValidationError
	_, err := svc.Send(context.Background(), cases["bad msgid"])
	if !errors.As(err, &ve) || ve.Field != "msgid" {
		t.Fatalf("ValidationError = %+v", ve)
	}
}

// TestSendEveryType sends each content type and checks the wire body the customer received.
func TestSendEveryType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	contents := []customerservice.Content{
		customerservice.Text{Content: "hi"},
		customerservice.Image{MediaID: "img"},
		customerservice.Voice{MediaID: "voice"},
		customerservice.Video{MediaID: "video"},
		customerservice.File{MediaID: "file"},
		customerservice.Link{Title: "Returns", URL: "https://shop.example.com/r", ThumbMediaID: "thumb"},
		customerservice.MiniProgram{AppID: "wx123", PagePath: "pages/a.html", ThumbMediaID: "cover"},
		customerservice.Menu{Items: []customerservice.MenuItem{
			customerservice.MiniProgramItem("wx123", "pages/o.html", "Open"), customerservice.TextItem("hours", true)}},
		customerservice.Location{Latitude: 22.5, Longitude: 113.9, Name: "Store"},
		customerservice.CALink{LinkURL: "https://work.weixin.qq.com/ca/cawcde"},
	}
	for i, c := range contents {
		if i%5 == 0 { // the quota: 5 per customer message
			if _, err := srv.CustomerSays(kf, "wmTypes", "more"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := svc.Send(ctx, customerservice.SendParams{OpenKfID: kf, ExternalUserID: "wmTypes", MsgID: "m" + string(rune('a'+i)), Content: c}); err != nil {
			t.Fatalf("%s: %v", c.MsgType(), err)
		}
	}
	got := srv.KfReceived(kf, "wmTypes")
	if len(got) != len(contents) {
		t.Fatalf("received %d", len(got))
	}
	for i, d := range got {
		if d.MsgType != string(contents[i].MsgType()) {
			t.Errorf("%d: type %s, want %s", i, d.MsgType, contents[i].MsgType())
		}
	}
	var menu struct {
		List []map[string]json.RawMessage `json:"list"`
	}
	if err := json.Unmarshal(got[7].Body, &menu); err != nil || len(menu.List) != 2 || string(menu.List[1]["type"]) != `"text"` ||
		string(menu.List[1]["text"]) != `{"content":"hours","no_newline":1}` {
		t.Fatalf("menu body %s", got[7].Body)
	}
	if string(got[8].Body) != `{"latitude":22.5,"longitude":113.9,"name":"Store"}` {
		t.Errorf("location body %s", got[8].Body)
	}
}

func TestSendOnEventCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	const cust = "wmCodes"
	if err := srv.CustomerEnters(kf, cust, ""); err != nil {
		t.Fatal(err)
	}
	var welcome string
	for _, m := range syncAll(t, svc, srv, kf) {
		if e, ok := m.(*customerservice.EnterSessionEvent); ok {
			welcome = e.WelcomeCode
		}
	}
	if welcome == "" {
		t.Fatal("no welcome code")
	}
	hi := customerservice.Text{Content: "Welcome!"}
	if _, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: welcome, Content: hi}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: welcome, Content: hi}); err == nil {
		t.Fatal("a used code was accepted")
	}
	// A second entry within 48 hours of a welcome brings no new code.
	if err := srv.CustomerEnters(kf, cust, ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range syncAll(t, svc, srv, kf) {
		if e, ok := m.(*customerservice.EnterSessionEvent); ok && e.WelcomeCode != "" {
			t.Fatal("second welcome code within 48 hours")
		}
	}
	// A queue code works only while the session is queued, and only for text.
	if _, err := srv.CustomerSays(kf, cust, "hello"); err != nil {
		t.Fatal(err)
	}
	q, err := svc.Trans(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: cust, State: customerservice.Queued})
	if err != nil || q.MsgCode == "" {
		t.Fatalf("queue: %v %+v", err, q)
	}
	if _, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: q.MsgCode, Content: customerservice.Menu{HeadContent: "x"}}); !errors.Is(err, &client.APIError{Code: client.CodeInvalidMsgType}) {
		t.Fatalf("menu with a queue code: %v", err)
	}
	if _, err := svc.Trans(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: cust, State: customerservice.Human, ServicerUserID: "zhangsan"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: q.MsgCode, Content: hi}); !errors.Is(err, customerservice.ErrSessionStateNoSend) {
		t.Fatalf("queue code after pick-up: %v", err)
	}
	// A lost answer is retried with the same msgid and reported as sent once.
	end, err := svc.Trans(ctx, customerservice.TransParams{OpenKfID: kf, ExternalUserID: cust, State: customerservice.Ended})
	if err != nil {
		t.Fatal(err)
	}
	before := len(srv.KfReceived(kf, cust))
	srv.Inject("/cgi-bin/kf/send_msg_on_event", wecomtest.Fault{Drop: true, AfterHandler: true}, 1)
	res, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: end.MsgCode, Content: customerservice.Text{Content: "Bye"}})
	if err != nil || !res.AlreadySent {
		t.Fatalf("retried ending: %+v %v", res, err)
	}
	if n := len(srv.KfReceived(kf, cust)) - before; n != 1 {
		t.Fatalf("ending delivered %d times", n)
	}
	srv.AdvanceKfClock(time.Minute)
	if _, err := svc.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: "MSGCODE_unknown", Content: hi}); err == nil {
		t.Fatal("unknown code accepted")
	}
}

// TestRecall runs the undocumented recall_msg against a handler added to the simulator (the
// simulator does not offer it by default).
func TestRecall(t *testing.T) {
	t.Parallel()
	svc, srv, kf := setup(t)
	var got map[string]string
	srv.HandleFunc(http.MethodPost, "/cgi-bin/kf/recall_msg", wecomtest.TokenCorp, func(c *wecomtest.Call) (any, error) {
		if err := json.Unmarshal(c.Body, &got); err != nil {
			return nil, err
		}
		if got["msgid"] == "gone" {
			return nil, wecomtest.NewError(95028, "msgid not found")
		}
		return map[string]any{}, nil
	})
	if err := svc.Recall(context.Background(), customerservice.RecallParams{OpenKfID: kf, MsgID: "reply-1"}); err != nil {
		t.Fatal(err)
	}
	if got["open_kfid"] != kf || got["msgid"] != "reply-1" {
		t.Fatalf("body %v", got)
	}
	if err := svc.Recall(context.Background(), customerservice.RecallParams{OpenKfID: kf, MsgID: "gone"}); wecomtest.ErrCode(err) != client.CodeRecallMsgNotFound {
		t.Fatalf("not found: %v", err)
	}
	if err := svc.Recall(context.Background(), customerservice.RecallParams{OpenKfID: kf}); !errors.Is(err, client.ErrInvalidParams) {
		t.Fatalf("no msgid: %v", err)
	}
}

// TestSendTypedNilContent: a nil pointer in Content is refused like nil Content, not a panic.
func TestSendTypedNilContent(t *testing.T) {
	t.Parallel()
	svc, srv, kf := setup(t)
	for name, c := range map[string]customerservice.Content{
		"*Text": (*customerservice.Text)(nil),
		"*Menu": (*customerservice.Menu)(nil),
		"*Link": (*customerservice.Link)(nil),
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			p := customerservice.SendParams{OpenKfID: kf, ExternalUserID: "wm", Content: c}
			if _, err := svc.Send(context.Background(), p); !errors.Is(err, client.ErrInvalidParams) {
				t.Errorf("%s: err = %v, want ErrInvalidParams", name, err)
			}
		}()
	}
	if n := srv.Calls(sendPath); n != 0 {
		t.Fatalf("nil contents reached the server %d times", n)
	}
}
