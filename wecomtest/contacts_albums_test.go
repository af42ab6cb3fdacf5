package wecomtest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestProductAlbumRawAnswers(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	tok := corpToken(t, srv)
	u := func(path string) string {
		return srv.URL() + "/cgi-bin/externalcontact/" + path + "?access_token=" + tok
	}
	const img = `"attachments":[{"type":"image","image":{"media_id":"M1"}}]`
	a := call(t, "POST", u("add_product_album"), `{"description":"世界上最好的商品","price":30000,"product_sn":"abc123",`+img+`}`)
	id, _ := a["product_id"].(string)
	if code(a) != 0 || id == "" {
		t.Fatalf("add: %v", a)
	}
	p := call(t, "POST", u("get_product_album"), fmt.Sprintf(`{"product_id":%q}`, id))["product"].(map[string]any)
	if p["price"] != float64(30000) || p["product_sn"] != "abc123" || p["create_time"].(float64) == 0 ||
		fmt.Sprint(p["attachments"]) != "[map[image:map[media_id:M1] type:image]]" {
		t.Errorf("get: %v", p)
	}
	// Only the fields sent change.
	if a := call(t, "POST", u("update_product_album"), fmt.Sprintf(`{"product_id":%q,"price":100}`, id)); code(a) != 0 {
		t.Fatalf("update: %v", a)
	}
	l := call(t, "POST", u("get_product_album_list"), `{"limit":500}`) // past 100: the default, 50
	item := l["product_list"].([]any)[0].(map[string]any)
	if item["price"] != float64(100) || item["description"] != "世界上最好的商品" || l["next_cursor"] != "" {
		t.Errorf("list: %v", l)
	}
	if _, ok := item["create_time"]; ok {
		t.Errorf("the list answer has no create_time: %v", item)
	}
	long := strings.Repeat("好", 301)
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"add_product_album", `{"price":1,` + img + `}`, 41087},
		{"add_product_album", `{"description":"` + long + `","price":1,` + img + `}`, 41087},
		{"add_product_album", `{"description":"d",` + img + `}`, 41086},
		{"add_product_album", `{"description":"d","price":5000001,` + img + `}`, 41086},
		{"add_product_album", `{"description":"d","price":1,"product_sn":"a-b",` + img + `}`, 41085},
		{"add_product_album", `{"description":"d","price":1,"product_sn":"` + strings.Repeat("a", 129) + `",` + img + `}`, 41085},
		{"add_product_album", `{"description":"d","price":1}`, 41088},
		{"add_product_album", `{"description":"d","price":1,"attachments":[]}`, 41088},
		{"add_product_album", `{"description":"d","price":1,"attachments":[` + strings.Repeat(`{"type":"image","image":{"media_id":"m"}},`, 9) + `{"type":"image","image":{"media_id":"m"}}]}`, client.CodeTooManyAttachments},
		{"add_product_album", `{"description":"d","price":1,"attachments":[{"type":"video","video":{"media_id":"m"}}]}`, client.CodeInvalidAttachmentType},
		{"add_product_album", `{"description":"d","price":1,"attachments":[{"type":"image","image":{}}]}`, client.CodeInvalidMediaID},
		{"add_product_album", `{"description":"d","price":"1",` + img + `}`, client.CodeInvalidParameter},
		{"get_product_album", `{"product_id":"nope"}`, 41075},
		{"get_product_album", `{}`, 41075},
		{"update_product_album", fmt.Sprintf(`{"product_id":%q,"price":0}`, id), 41086},
		{"update_product_album", `{"product_id":"nope","price":1}`, 41075},
		{"get_product_album_list", `{"cursor":"forged"}`, client.CodeInvalidCursor},
	} {
		if got := code(call(t, "POST", u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %.90s: errcode %d, want %d", tc.path, tc.body, got, tc.want)
		}
	}
	if a := call(t, "POST", u("delete_product_album"), fmt.Sprintf(`{"product_id":%q}`, id)); code(a) != 0 {
		t.Fatalf("delete: %v", a)
	}
	if got := code(call(t, "POST", u("delete_product_album"), fmt.Sprintf(`{"product_id":%q}`, id))); got != 41074 {
		t.Errorf("delete twice: %d, want 41074", got)
	}
}

func TestSeedProductAlbumsPages(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	ids := srv.SeedProductAlbums(wecomtest.CorpID, 120)
	tok := corpToken(t, srv)
	u := srv.URL() + "/cgi-bin/externalcontact/get_product_album_list?access_token=" + tok
	cursor, n, pages := "", 0, 0
	for {
		a := call(t, "POST", u, fmt.Sprintf(`{"cursor":%q}`, cursor))
		pages++
		for _, p := range a["product_list"].([]any) {
			if got := p.(map[string]any)["product_id"]; got != ids[n] {
				t.Fatalf("item %d: %v, want %s", n, got, ids[n])
			}
			n++
		}
		if cursor = a["next_cursor"].(string); cursor == "" || pages > 5 {
			break
		}
	}
	if n != 120 || pages != 3 {
		t.Errorf("%d products in %d pages, want 120 in 3 (default 50 a page)", n, pages)
	}
	// Seeded products belong to no app: any app may change them.
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "second-app", AgentID: 1000009})
	tok2 := call(t, "GET", srv.URL()+"/cgi-bin/gettoken?corpid="+wecomtest.CorpID+"&corpsecret=second-app", "")["access_token"].(string)
	if a := call(t, "POST", srv.URL()+"/cgi-bin/externalcontact/delete_product_album?access_token="+tok2, fmt.Sprintf(`{"product_id":%q}`, ids[0])); code(a) != 0 {
		t.Errorf("delete a seeded product: %v", a)
	}
	if got := len(srv.ProductAlbums(wecomtest.CorpID)); got != 119 {
		t.Errorf("%d products left", got)
	}
}
