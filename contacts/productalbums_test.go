package contacts

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

var scarf = AddProductAlbumParams{Description: "Silk scarf, hand-rolled edges", Price: 29900, ProductSN: "SCARF01",
	Attachments: []ProductAttachment{ProductImage("att-scarf-1"), ProductImage("att-scarf-2")}}

func seedAlbum(t *testing.T, _ *wecomtest.Server, s *Service) {
	t.Helper()
	if _, err := s.AddProductAlbum(context.Background(), scarf); err != nil {
		t.Fatal(err)
	}
}

// firstProduct finds the seeded product through the list call.
func firstProduct(ctx context.Context, s *Service) string {
	pg, err := s.ListProductAlbumsPage(ctx, ListProductAlbumsParams{})
	if err != nil || len(pg.Products) == 0 {
		return "missing"
	}
	return pg.Products[0].ProductID
}

func TestProductAlbumsMatrix(t *testing.T) {
	t.Parallel()
	runMatrix(t, []endpoint{
		{name: "add_product_album", path: "/cgi-bin/externalcontact/add_product_album", call: func(ctx context.Context, s *Service) error {
			id, err := s.AddProductAlbum(ctx, scarf)
			if err == nil && id == "" {
				return errors.New("no product_id")
			}
			return err
		}},
		{name: "get_product_album", path: "/cgi-bin/externalcontact/get_product_album", retried: true, prepare: seedAlbum, call: func(ctx context.Context, s *Service) error {
			p, err := s.GetProductAlbum(ctx, firstProduct(ctx, s))
			if err == nil && (p.Price != 29900 || p.ProductSN != "SCARF01" || p.CreateTime == 0 || len(p.Attachments) != 2 || p.Attachments[1].Image.MediaID != "att-scarf-2") {
				return fmt.Errorf("product %+v", p)
			}
			return err
		}},
		{name: "get_product_album_list", path: "/cgi-bin/externalcontact/get_product_album_list", retried: true, prepare: seedAlbum, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListProductAlbumsPage(ctx, ListProductAlbumsParams{Limit: 10})
			if err == nil && (len(pg.Products) != 1 || pg.Products[0].Description != scarf.Description) {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "update_product_album", path: "/cgi-bin/externalcontact/update_product_album", prepare: seedAlbum, call: func(ctx context.Context, s *Service) error {
			return s.UpdateProductAlbum(ctx, UpdateProductAlbumParams{ProductID: firstProduct(ctx, s), Price: 25900})
		}},
		{name: "delete_product_album", path: "/cgi-bin/externalcontact/delete_product_album", prepare: seedAlbum, call: func(ctx context.Context, s *Service) error {
			return s.DeleteProductAlbum(ctx, firstProduct(ctx, s))
		}},
	})
}

func TestProductAlbumLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	id, err := s.AddProductAlbum(ctx, scarf)
	if err != nil {
		t.Fatal(err)
	}
	// Only the fields sent change; attachments replace the stored images.
	if err := s.UpdateProductAlbum(ctx, UpdateProductAlbumParams{ProductID: id, Price: 19900, Attachments: []ProductAttachment{ProductImage("att-new")}}); err != nil {
		t.Fatal(err)
	}
	p, err := s.GetProductAlbum(ctx, id)
	if err != nil || p.Price != 19900 || p.Description != scarf.Description || p.ProductSN != "SCARF01" || len(p.Attachments) != 1 || p.Attachments[0].Image.MediaID != "att-new" {
		t.Errorf("after update: %+v, %v", p, err)
	}
	// Another app reads the product but may not change or delete it.
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "shop-secret", AgentID: 1000004})
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: "shop-secret"}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	other := New(c)
	if _, err := other.GetProductAlbum(ctx, id); err != nil {
		t.Errorf("another app's read: %v", err)
	}
	if err := other.DeleteProductAlbum(ctx, id); wecomtest.ErrCode(err) != client.CodeNoPrivilege {
		t.Errorf("another app's delete: %v, want 60011", err)
	}
	if err := s.DeleteProductAlbum(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetProductAlbum(ctx, id); wecomtest.ErrCode(err) != 41074 {
		t.Errorf("get deleted: %v, want 41074", err)
	}
	if _, err := s.GetProductAlbum(ctx, "pa-nope"); wecomtest.ErrCode(err) != 41075 {
		t.Errorf("get unknown: %v, want 41075", err)
	}
	if len(srv.ProductAlbums(wecomtest.CorpID)) != 0 {
		t.Errorf("left: %v", srv.ProductAlbums(wecomtest.CorpID))
	}
}

func TestProductAlbumValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	with := func(f func(p *AddProductAlbumParams)) error {
		p := scarf
		p.Attachments = slices.Clone(scarf.Attachments)
		f(&p)
		_, err := s.AddProductAlbum(ctx, p)
		return err
	}
	nine := make([]ProductAttachment, 10)
	for i := range nine {
		nine[i] = ProductImage(fmt.Sprint("m", i))
	}
	for _, tc := range []struct {
		err   error
		field string
	}{
		{with(func(p *AddProductAlbumParams) { p.Description = "" }), "description"},
		{with(func(p *AddProductAlbumParams) { p.Description = strings.Repeat("好", 301) }), "description"},
		{with(func(p *AddProductAlbumParams) { p.Price = 0 }), "price"},
		{with(func(p *AddProductAlbumParams) { p.Price = 5000001 }), "price"},
		{with(func(p *AddProductAlbumParams) { p.Price = -1 }), "price"},
		{with(func(p *AddProductAlbumParams) { p.ProductSN = "SKU-1" }), "product_sn"},
		{with(func(p *AddProductAlbumParams) { p.ProductSN = strings.Repeat("a", 129) }), "product_sn"},
		{with(func(p *AddProductAlbumParams) { p.Attachments = nil }), "attachments"},
		{with(func(p *AddProductAlbumParams) { p.Attachments = nine }), "attachments"},
		{with(func(p *AddProductAlbumParams) { p.Attachments[0].Type = AttachVideo }), "attachments.type"},
		{with(func(p *AddProductAlbumParams) { p.Attachments[1] = ProductImage("") }), "attachments.image.media_id"},
		{s.UpdateProductAlbum(ctx, UpdateProductAlbumParams{Price: 1}), "product_id"},
		{s.UpdateProductAlbum(ctx, UpdateProductAlbumParams{ProductID: "p", Price: 5000001}), "price"},
		{s.UpdateProductAlbum(ctx, UpdateProductAlbumParams{ProductID: "p", Attachments: nine}), "attachments"},
		{s.DeleteProductAlbum(ctx, ""), "product_id"},
		{func() error { _, err := s.GetProductAlbum(ctx, ""); return err }(), "product_id"},
		{func() error { _, err := s.ListProductAlbumsPage(ctx, ListProductAlbumsParams{Limit: 101}); return err }(), "limit"},
	} {
		var ve *client.ValidationError
		if !errors.As(tc.err, &ve) || ve.Field != tc.field {
			t.Errorf("want a validation error on %s, got %v", tc.field, tc.err)
		}
	}
	if err := with(func(p *AddProductAlbumParams) { p.Price, p.ProductSN = MaxProductPrice, strings.Repeat("Z9", 64) }); err != nil {
		t.Errorf("the limits themselves: %v", err)
	}
}

// TestProductAlbumEncoding is the golden request of add and update, and the list answer.
func TestProductAlbumEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	add := captureJSON(mt, "POST", "/cgi-bin/externalcontact/add_product_album", `{"errcode":0,"errmsg":"ok","product_id":"xxxxxxxxxx"}`)
	id, err := s.AddProductAlbum(ctx, AddProductAlbumParams{Description: "世界上最好的商品", Price: 30000, ProductSN: "xxxxxxxx", Attachments: []ProductAttachment{ProductImage("MEDIA_ID")}})
	if err != nil || id != "xxxxxxxxxx" {
		t.Fatalf("%q, %v", id, err)
	}
	if raw, want := (*add)[0].raw, `{"description":"世界上最好的商品","price":30000,"product_sn":"xxxxxxxx","attachments":[{"type":"image","image":{"media_id":"MEDIA_ID"}}]}`; raw != want {
		t.Errorf("add body %s, want %s", raw, want)
	}
	upd := captureJSON(mt, "POST", "/cgi-bin/externalcontact/update_product_album", `{"errcode":0}`)
	if err := s.UpdateProductAlbum(ctx, UpdateProductAlbumParams{ProductID: "xxxxxxxxxx", Description: "新描述"}); err != nil {
		t.Fatal(err)
	}
	if raw, want := (*upd)[0].raw, `{"product_id":"xxxxxxxxxx","description":"新描述"}`; raw != want {
		t.Errorf("update body %s, want %s (unsent fields stay as they are)", raw, want)
	}
	list := captureJSON(mt, "POST", "/cgi-bin/externalcontact/get_product_album_list",
		`{"errcode":0,"next_cursor":"CURSOR","product_list":[{"product_id":"p1","description":"d","price":30000,"product_sn":"s","attachments":[{"type":"image","image":{"media_id":"M"}}]}]}`)
	pg, err := s.ListProductAlbumsPage(ctx, ListProductAlbumsParams{Limit: 50, Cursor: "C0"})
	if err != nil || pg.NextCursor != "CURSOR" || len(pg.Products) != 1 || pg.Products[0].Attachments[0].Image.MediaID != "M" {
		t.Errorf("list %+v, %v", pg, err)
	}
	if raw := (*list)[0].raw; raw != `{"limit":50,"cursor":"C0"}` {
		t.Errorf("list body %s", raw)
	}
}

func TestProductAlbumsWalk10000(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ids := srv.SeedProductAlbums(wecomtest.CorpID, 10000)
	n := 0
	for p, err := range s.ListProductAlbums(context.Background(), ListProductAlbumsParams{Limit: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		if p.ProductID != ids[n] {
			t.Fatalf("item %d is %s, want %s", n, p.ProductID, ids[n])
		}
		n++
	}
	if n != 10000 || srv.Served("/cgi-bin/externalcontact/get_product_album_list") != 100 {
		t.Errorf("%d products in %d pages, want 10000 in 100", n, srv.Served("/cgi-bin/externalcontact/get_product_album_list"))
	}
}

// TestProductAlbumIteratorMemoryIndependentOfTotal walks 1,000 and 10,000 products (pages of
// 100) and compares the live heap halfway through: one page is held at a time, so the growth
// must not scale with the total (holding the products would add about 1 MB by halfway).
func TestProductAlbumIteratorMemoryIndependentOfTotal(t *testing.T) {
	checkFlatHeap(t, "products", func(n int) iter.Seq2[ProductAlbum, error] {
		srv, s := newSim(t)
		srv.SeedProductAlbums(wecomtest.CorpID, n)
		p := ListProductAlbumsParams{Limit: 100}
		if _, err := s.ListProductAlbumsPage(context.Background(), p); err != nil { // warm up
			t.Fatal(err)
		}
		return s.ListProductAlbums(context.Background(), p)
	}, nil)
}
