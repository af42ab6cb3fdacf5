package wecomtest

import (
	"fmt"
	"maps"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

// The product album (商品图册): every product's description, price in fen, product code and
// images. Any app reads every product; only the app that created a product may change or
// delete it (60011 otherwise). Images are taken by any non-empty media_id: the simulator does
// not keep attachment resources (上传附件资源).

// Errcodes of the product album; the client has no constants for them yet.
const (
	codeAlbumDeleted        = client.CodeProductAlbumDeleted // 商品图册数据已经被删除
	codeInvalidAlbumID      = client.CodeInvalidProductID    // 无效的商品图册id或者数据不存在
	codeInvalidProductSN    = client.CodeInvalidProductSN    // 无效商品编码
	codeInvalidProductPrice = client.CodeInvalidProductPrice // 无效商品价格
	codeInvalidProductDesc  = client.CodeInvalidProductDesc  // 无效商品描述
	codeEmptyAttachments    = client.CodeEmptyAttachments    // 附件列表为empty
)

type simAlbum struct {
	ID          string
	Description string
	Price       int64
	SN          string
	MediaIDs    []string
	Created     int64
	Owner       string // the creating app's secret; "" for seeded products, which any app may change
}

func (a *simAlbum) json(withCreated bool) J {
	atts := make([]J, len(a.MediaIDs))
	for i, m := range a.MediaIDs {
		atts[i] = J{"type": "image", "image": J{"media_id": m}}
	}
	out := J{"product_id": a.ID, "description": a.Description, "price": a.Price, "attachments": atts}
	if a.SN != "" {
		out["product_sn"] = a.SN
	}
	if withCreated {
		out["create_time"] = a.Created
	}
	return out
}

func (s *Server) albumRoutes() []route {
	return []route{
		{post, "/cgi-bin/externalcontact/add_product_album", TokenCorp, s.albumAdd},
		{post, "/cgi-bin/externalcontact/get_product_album", TokenCorp, s.albumGet},
		{post, "/cgi-bin/externalcontact/get_product_album_list", TokenCorp, s.albumList},
		{post, "/cgi-bin/externalcontact/update_product_album", TokenCorp, s.albumUpdate},
		{post, "/cgi-bin/externalcontact/delete_product_album", TokenCorp, s.albumDelete},
	}
}

func (st *strategyState) addAlbum(a *simAlbum) {
	if st.albums == nil {
		st.albums = map[string]*simAlbum{}
	}
	st.albumSeq++
	a.ID = fmt.Sprintf("pa%010d", st.albumSeq)
	st.albums[a.ID] = a
}

// SeedProductAlbums adds n products to corpID's product album without API calls (for large
// fixtures) and returns their product ids in list order. Any app may change them.
func (s *Server) SeedProductAlbums(corpID string, n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.book(corpID).strategies
	ids := make([]string, n)
	for i := range ids {
		a := &simAlbum{Description: fmt.Sprintf("Product %d", i+1), Price: int64(100 * (i%500 + 1)), SN: fmt.Sprintf("SKU%06d", i+1),
			MediaIDs: []string{fmt.Sprintf("sim-attachment-%06d", i+1)}, Created: 1700000000 + int64(i)}
		st.addAlbum(a)
		ids[i] = a.ID
	}
	return ids
}

// ProductAlbums returns the product ids of corpID's product album, in list order.
func (s *Server) ProductAlbums(corpID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.book(corpID).strategies.albums))
}

// albumBody is a product as add and update send it; pointers tell an unsent field.
type albumBody struct {
	ProductID   string  `json:"product_id"`
	Description *string `json:"description"`
	Price       *int64  `json:"price"`
	SN          *string `json:"product_sn"`
	Attachments *[]struct {
		Type  string `json:"type"`
		Image *struct {
			MediaID string `json:"media_id"`
		} `json:"image"`
	} `json:"attachments"`
}

// check validates the sent fields and returns the images' media ids.
func (in *albumBody) check() ([]string, error) {
	if in.Description != nil {
		if n := utf8.RuneCountInString(*in.Description); n < 1 || n > 300 {
			return nil, errc(codeInvalidProductDesc, "description must be 1-300 characters")
		}
	}
	if in.Price != nil && (*in.Price <= 0 || *in.Price > 5000000) {
		return nil, errc(codeInvalidProductPrice, "price must be 1-5000000 fen")
	}
	if in.SN != nil {
		if len(*in.SN) > 128 {
			return nil, errc(codeInvalidProductSN, "product_sn longer than 128 bytes")
		}
		for _, r := range *in.SN {
			if (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
				return nil, errc(codeInvalidProductSN, "product_sn takes letters and digits only")
			}
		}
	}
	if in.Attachments == nil {
		return nil, nil
	}
	atts := *in.Attachments
	switch {
	case len(atts) == 0:
		return nil, errc(codeEmptyAttachments, "attachments is empty")
	case len(atts) > 9:
		return nil, errc(client.CodeTooManyAttachments, "at most 9 attachments")
	}
	ids := make([]string, len(atts))
	for i, a := range atts {
		switch {
		case a.Type != "image":
			return nil, errc(client.CodeInvalidAttachmentType, "only image attachments are supported")
		case a.Image == nil || a.Image.MediaID == "":
			return nil, errc(client.CodeInvalidMediaID, "invalid media_id")
		}
		ids[i] = a.Image.MediaID
	}
	return ids, nil
}

func (s *Server) albumAdd(c *Call) (any, error) {
	in, err := decode[albumBody](c)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Description == nil:
		return nil, errc(codeInvalidProductDesc, "missing description")
	case in.Price == nil:
		return nil, errc(codeInvalidProductPrice, "missing price")
	case in.Attachments == nil:
		return nil, errc(codeEmptyAttachments, "missing attachments")
	}
	media, err := in.check()
	if err != nil {
		return nil, err
	}
	a := &simAlbum{Description: *in.Description, Price: *in.Price, MediaIDs: media, Created: time.Now().Unix(), Owner: stratOwner(c)}
	if in.SN != nil {
		a.SN = *in.SN
	}
	s.callBook(c).strategies.addAlbum(a)
	return J{"product_id": a.ID}, nil
}

// album finds the product a request names.
func (s *Server) album(c *Call, id string) (*simAlbum, error) {
	st := &s.callBook(c).strategies
	switch {
	case id == "":
		return nil, errc(codeInvalidAlbumID, "missing product_id")
	case st.albumGone[id]:
		return nil, errc(codeAlbumDeleted, "product album deleted")
	case st.albums[id] == nil:
		return nil, errc(codeInvalidAlbumID, "invalid product_id")
	}
	return st.albums[id], nil
}

// ownAlbum finds a product the caller may change.
func (s *Server) ownAlbum(c *Call, id string) (*simAlbum, error) {
	a, err := s.album(c, id)
	if err == nil && a.Owner != "" && a.Owner != stratOwner(c) {
		return nil, errc(client.CodeNoPrivilege, "the product album was created by another app")
	}
	return a, err
}

func (s *Server) albumGet(c *Call) (any, error) {
	in, err := decode[albumBody](c)
	if err != nil {
		return nil, err
	}
	a, err := s.album(c, in.ProductID)
	if err != nil {
		return nil, err
	}
	return J{"product": a.json(true)}, nil
}

func (s *Server) albumList(c *Call) (any, error) {
	in, err := decode[struct {
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	limit := in.Limit
	if limit <= 0 || limit > 100 { // past the maximum WeCom takes the default
		limit = 50
	}
	albums := s.callBook(c).strategies.albums
	page, next, err := pageOf(slices.Sorted(maps.Keys(albums)), in.Cursor, limit)
	if err != nil {
		return nil, err
	}
	out := make([]J, len(page))
	for i, id := range page {
		out[i] = albums[id].json(false)
	}
	return J{"product_list": out, "next_cursor": next}, nil
}

func (s *Server) albumUpdate(c *Call) (any, error) {
	in, err := decode[albumBody](c)
	if err != nil {
		return nil, err
	}
	a, err := s.ownAlbum(c, in.ProductID)
	if err != nil {
		return nil, err
	}
	media, err := in.check()
	if err != nil {
		return nil, err
	}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if in.Price != nil {
		a.Price = *in.Price
	}
	if in.SN != nil {
		a.SN = *in.SN
	}
	if media != nil {
		a.MediaIDs = media
	}
	return J{}, nil
}

func (s *Server) albumDelete(c *Call) (any, error) {
	in, err := decode[albumBody](c)
	if err != nil {
		return nil, err
	}
	a, err := s.ownAlbum(c, in.ProductID)
	if err != nil {
		return nil, err
	}
	st := &s.callBook(c).strategies
	delete(st.albums, a.ID)
	if st.albumGone == nil {
		st.albumGone = map[string]bool{}
	}
	st.albumGone[a.ID] = true
	return J{}, nil
}
