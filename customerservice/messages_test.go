package customerservice_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	cs "github.com/wecom-connector/wecom/customerservice"
)

const head = `"msgid":"m1","open_kfid":"wkA","external_userid":"wmB","send_time":1700000100,"origin":3`

func TestDecodeMessages(t *testing.T) {
	t.Parallel()
	checkDecoded(t, []decodeCase{
		{`{` + head + `,"msgtype":"text","text":{"content":"Talk to a human","menu_id":"menu_human"}}`,
			func(m cs.Message) bool {
				v := m.(*cs.TextMessage)
				return v.Text.Content == "Talk to a human" && v.Text.MenuID == "menu_human"
			}},
		{`{` + head + `,"msgtype":"image","image":{"media_id":"IMG"}}`,
			func(m cs.Message) bool { return m.(*cs.ImageMessage).Image.MediaID == "IMG" }},
		{`{` + head + `,"msgtype":"voice","voice":{"media_id":"V"}}`,
			func(m cs.Message) bool { return m.(*cs.VoiceMessage).Voice.MediaID == "V" }},
		{`{` + head + `,"msgtype":"video","video":{"media_id":"VID"}}`,
			func(m cs.Message) bool { return m.(*cs.VideoMessage).Video.MediaID == "VID" }},
		{`{` + head + `,"msgtype":"file","file":{"media_id":"F"}}`,
			func(m cs.Message) bool { return m.(*cs.FileMessage).File.MediaID == "F" }},
		{`{` + head + `,"msgtype":"location","location":{"latitude":22.540503,"longitude":113.934528,"name":"Tower","address":"1 Road"}}`,
			func(m cs.Message) bool {
				v := m.(*cs.LocationMessage)
				return v.Location.Latitude == 22.540503 && v.Location.Address == "1 Road"
			}},
		{`{` + head + `,"msgtype":"link","link":{"title":"Order","desc":"d","url":"https://x","pic_url":"https://p"}}`,
			func(m cs.Message) bool { return m.(*cs.LinkMessage).Link.PicURL == "https://p" }},
		{`{` + head + `,"msgtype":"business_card","business_card":{"userid":"wangwu"}}`,
			func(m cs.Message) bool { return m.(*cs.BusinessCardMessage).BusinessCard.UserID == "wangwu" }},
		{`{` + head + `,"msgtype":"miniprogram","miniprogram":{"title":"My orders","appid":"wx1","pagepath":"p.html","thumb_media_id":"T"}}`,
			func(m cs.Message) bool { return m.(*cs.MiniProgramMessage).MiniProgram.AppID == "wx1" }},
		{`{` + head + `,"msgtype":"msgmenu","msgmenu":{"head_content":"Satisfied?","list":[{"type":"click","click":{"id":"y","content":"Yes"}},{"type":"text","text":{"content":"t","no_newline":1}}],"tail_content":"Thanks"}}`,
			func(m cs.Message) bool {
				v := m.(*cs.MenuMessage)
				return len(v.Menu.Items) == 2 && v.Menu.Items[0].Click.ID == "y" && v.Menu.Items[1].Text.NoNewline == 1
			}},
		{`{` + head + `,"msgtype":"channels_shop_product","channels_shop_product":{"product_id":"1","head_image":"h","title":"Mug","sales_price":"3900","shop_nickname":"S","shop_head_image":"sh"}}`,
			func(m cs.Message) bool {
				v := m.(*cs.ChannelsShopProductMessage)
				return v.Product.SalesPrice == "3900" && v.Product.HeadImage == "h"
			}},
		{`{` + head + `,"msgtype":"channels_shop_product","channels_shop_product":{"product_id":"1","head_img":"h2","shop_head_img":"s2","sales_price":3900}}`,
			func(m cs.Message) bool {
				v := m.(*cs.ChannelsShopProductMessage)
				return v.Product.SalesPrice == "3900" && v.Product.HeadImage == "h2" && v.Product.ShopHeadImage == "s2"
			}},
		{`{` + head + `,"msgtype":"channels_shop_order","channels_shop_order":{"order_id":"370","product_titles":"Mug","price_wording":"¥39.00","state":"Shipped","image_url":"i","shop_nickname":"S"}}`,
			func(m cs.Message) bool { return m.(*cs.ChannelsShopOrderMessage).Order.PriceWording == "¥39.00" }},
		{`{` + head + `,"msgtype":"channels","channels":{"sub_type":1,"nickname":"N","title":"New mugs"}}`,
			func(m cs.Message) bool { return m.(*cs.ChannelsMessage).Channels.SubType == 1 }},
		{`{` + head + `,"msgtype":"note"}`,
			func(m cs.Message) bool { return m.(*cs.NoContentMessage).MsgType == cs.MsgNote }},
		{`{` + head + `,"msgtype":"meeting"}`,
			func(m cs.Message) bool { return m.(*cs.NoContentMessage).MsgType == cs.MsgMeeting }},
		{`{` + head + `,"msgtype":"calendar"}`,
			func(m cs.Message) bool { return m.(*cs.NoContentMessage).MsgType == cs.MsgCalendar }},
		{`{` + head + `,"msgtype":"hologram","hologram":{"x":1}}`,
			func(m cs.Message) bool {
				v := m.(*cs.UnknownMessage)
				return v.MsgType == "hologram" && string(v.Raw()) != ""
			}},
	})
}

type decodeCase struct {
	raw   string
	check func(m cs.Message) bool
}

// checkDecoded decodes each case, runs its check and verifies Raw keeps the input.
func checkDecoded(t *testing.T, cases []decodeCase) {
	t.Helper()
	for i, tc := range cases {
		m, err := cs.DecodeMessage([]byte(tc.raw))
		if err != nil {
			t.Errorf("%d: %v", i, err)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%d: decoded to %T", i, m)
				}
			}()
			if !tc.check(m) {
				t.Errorf("%d: wrong fields in %#v", i, m)
			}
		}()
		if string(m.Raw()) != tc.raw {
			t.Errorf("%d: Raw() = %s", i, m.Raw())
		}
	}
}

func TestDecodeMerged(t *testing.T) {
	t.Parallel()
	raw := `{` + head + `,"msgtype":"merged_msg","merged_msg":{"title":"History","item":[` +
		`{"send_time":1699990000,"msgtype":"text","sender_name":"Li","msg_content":"{\"msgtype\":\"text\",\"text\":{\"content\":\"The mug arrived broken\"}}"},` +
		`{"send_time":1699990060,"msgtype":2,"sender_name":12,"msg_content":"{\"msgtype\":\"image\",\"image\":{\"media_id\":\"IMG\"}}"}]}}`
	m, err := cs.DecodeMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	mm := m.(*cs.MergedMessage)
	if len(mm.Merged.Items) != 2 || mm.Merged.Items[1].MsgType != "2" || mm.Merged.Items[1].SenderName != "12" {
		t.Fatalf("items %+v", mm.Merged.Items)
	}
	first, err := mm.Merged.Items[0].Decode()
	if err != nil || first.(*cs.TextMessage).Text.Content != "The mug arrived broken" {
		t.Fatalf("item 0: %#v %v", first, err)
	}
	second, err := mm.Merged.Items[1].Decode()
	if err != nil || second.(*cs.ImageMessage).Image.MediaID != "IMG" {
		t.Fatalf("item 1: %#v %v", second, err)
	}
}

// TestDecodeBadInput: malformed elements come back as errors with the raw JSON kept, never a
// panic.
func TestDecodeBadInput(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		``, `null`, `[]`, `"text"`, `{`,
		`{"msgtype":"text","text":"not an object"}`,
		`{"msgtype":"event"}`,
		`{"msgtype":"event","event":"x"}`,
		`{"msgtype":"event","event":{"event_type":"msg_send_fail","fail_type":"many"}}`,
		`{"msgtype":"channels_shop_product","channels_shop_product":{"sales_price":{}}}`,
		`{"msgtype":"event","event":{"event_type":"enter_session","wechat_channels":{"scene":"four"}}}`,
	} {
		m, err := cs.DecodeMessage([]byte(raw))
		if m == nil {
			t.Errorf("%q: nil message", raw)
			continue
		}
		if raw != `null` && err == nil {
			t.Errorf("%q: no error, got %T", raw, m)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "wecom: ") {
			t.Errorf("%q: error %q lacks the wecom: prefix", raw, err)
		}
		if string(m.Raw()) != raw {
			t.Errorf("%q: raw lost: %q", raw, m.Raw())
		}
	}
}

// TestSyncDecodesSimulatedTypes sends several kinds through the simulator and checks the types
// Sync yields.
func TestSyncDecodesSimulatedTypes(t *testing.T) {
	t.Parallel()
	svc, srv, kf := setup(t)
	const cust = "wmKinds"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := srv.CustomerSends(kf, cust, "image", map[string]any{"media_id": "IMG1"})
	must(err)
	_, err = srv.CustomerSends(kf, cust, "text", map[string]any{"content": "Talk to a human", "menu_id": "menu_human"})
	must(err)
	_, err = srv.CustomerSends(kf, cust, "note", nil)
	must(err)
	must(srv.ServicerSays(kf, cust, "zhangsan", "Zhang here"))
	must(srv.PushKfEvent(kf, cust, map[string]any{"event_type": "msg_send_fail", "fail_msgid": "r1", "fail_type": 6}))
	must(srv.PushKfEvent(kf, cust, map[string]any{"event_type": "user_recall_msg", "recall_msgid": "m9"}))
	must(srv.SetKfServicerStatus(kf, "lisi", 1, 0))
	must(srv.PushKfEvent(kf, cust, map[string]any{"event_type": "brand_new"}))

	var types []string
	for _, m := range syncAll(t, svc, srv, kf) {
		types = append(types, reflect.TypeOf(m).Elem().Name())
		switch v := m.(type) {
		case *cs.TextMessage:
			if v.Origin == cs.FromServicer && v.ServicerUserID != "zhangsan" {
				t.Errorf("servicer text %+v", v.MessageHeader)
			}
		case *cs.MsgSendFailEvent:
			if v.FailType != cs.FailQuotaExceeded || v.ExternalUserID != cust || v.OpenKfID != kf {
				t.Errorf("fail event %+v", v)
			}
		case *cs.ServicerStatusChangeEvent:
			if v.Status != cs.Stopped || v.ServicerUserID != "lisi" {
				t.Errorf("status event %+v", v)
			}
		}
	}
	want := "[ImageMessage TextMessage NoContentMessage TextMessage MsgSendFailEvent UserRecallMsgEvent ServicerStatusChangeEvent UnknownEvent]"
	if fmt.Sprint(types) != want {
		t.Fatalf("types %v\nwant  %s", types, want)
	}
}

// FuzzDecodeMessage: any input decodes to a Message keeping the raw bytes, never a panic.
func FuzzDecodeMessage(f *testing.F) {
	f.Add(`{` + head + `,"msgtype":"text","text":{"content":"hi"}}`)
	f.Add(`{"msgtype":"event","event":{"event_type":"enter_session","wechat_channels":{"scene":4}}}`)
	f.Add(`{"msgtype":"merged_msg","merged_msg":{"item":[{"msgtype":1,"msg_content":"{}"}]}}`)
	f.Fuzz(func(t *testing.T, raw string) {
		m, _ := cs.DecodeMessage([]byte(raw))
		if m == nil || string(m.Raw()) != raw {
			t.Fatalf("DecodeMessage(%q) = %v", raw, m)
		}
		if mm, ok := m.(*cs.MergedMessage); ok {
			for _, it := range mm.Merged.Items {
				if d, _ := it.Decode(); d == nil {
					t.Fatal("nil merged item")
				}
			}
		}
	})
}
