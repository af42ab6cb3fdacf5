package contacts

import (
	"context"
	"iter"
	"net/http"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
)

// Product album limits (商品图册).
const (
	MaxProductDescription = 300     // characters of a description
	MaxProductPrice       = 5000000 // fen (分): 50,000 yuan
	MaxProductSN          = 128     // bytes of a product code, letters and digits only
	MaxProductAttachments = 9       // images of a product
)

// ProductAttachment is an image of a product album entry; only images are supported. Build it
// with [ProductImage].
type ProductAttachment struct {
	Type  AttachmentType   `json:"type"`
	Image *MediaAttachment `json:"image,omitempty"`
}

// ProductImage is an image attachment by the media_id of an uploaded attachment resource
// (上传附件资源).
func ProductImage(mediaID string) ProductAttachment {
	return ProductAttachment{Type: AttachImage, Image: &MediaAttachment{MediaID: mediaID}}
}

// ProductAlbum is a product of the corp's product album (商品图册). Price is in fen (分).
// CreateTime is set by get_product_album only.
type ProductAlbum struct {
	ProductID   string              `json:"product_id"`
	Description string              `json:"description"`
	Price       int64               `json:"price"`
	CreateTime  int64               `json:"create_time,omitempty"`
	ProductSN   string              `json:"product_sn,omitempty"`
	Attachments []ProductAttachment `json:"attachments"`
}

// AddProductAlbumParams is a new product: a description of at most 300 characters, a price of
// 1 to 5,000,000 fen, an optional product code and 1–9 images.
type AddProductAlbumParams struct {
	Description string              `json:"description"`
	Price       int64               `json:"price"`
	ProductSN   string              `json:"product_sn,omitempty"`
	Attachments []ProductAttachment `json:"attachments"`
}

func checkProductSN(sn string) error {
	if len(sn) > MaxProductSN {
		return check.Invalid("product_sn", "%d bytes, at most %d", len(sn), MaxProductSN)
	}
	for _, r := range sn {
		if (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return check.Invalid("product_sn", "%q: only letters and digits", r)
		}
	}
	return nil
}

func checkProductAttachments(atts []ProductAttachment) error {
	if len(atts) > MaxProductAttachments {
		return check.Invalid("attachments", "%d attachments, at most %d", len(atts), MaxProductAttachments)
	}
	for _, a := range atts {
		switch {
		case a.Type != AttachImage:
			return check.Invalid("attachments.type", "%q: only image is supported", a.Type)
		case a.Image == nil || a.Image.MediaID == "":
			return check.Invalid("attachments.image.media_id", "required")
		}
	}
	return nil
}

func checkProductFields(desc string, price int64, sn string, atts []ProductAttachment) error {
	if n := utf8.RuneCountInString(desc); n > MaxProductDescription {
		return check.Invalid("description", "%d characters, at most %d", n, MaxProductDescription)
	}
	if price < 0 || price > MaxProductPrice {
		return check.Invalid("price", "%d fen, want 1–%d (at most 50,000 yuan)", price, MaxProductPrice)
	}
	if err := checkProductSN(sn); err != nil {
		return err
	}
	return checkProductAttachments(atts)
}

func (p *AddProductAlbumParams) validate() error {
	switch {
	case p.Description == "":
		return check.Invalid("description", "required")
	case p.Price == 0:
		return check.Invalid("price", "required (in fen)")
	case len(p.Attachments) == 0:
		return check.Invalid("attachments", "required (1–%d images)", MaxProductAttachments)
	}
	return checkProductFields(p.Description, p.Price, p.ProductSN, p.Attachments)
}

// AddProductAlbum adds a product to the product album and returns its product_id.
// 创建商品图册
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95096
//
//wecom:api POST /cgi-bin/externalcontact/add_product_album
func (s *Service) AddProductAlbum(ctx context.Context, p AddProductAlbumParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	var out productIDBody
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/add_product_album", nil, p, &out); err != nil {
		return "", err
	}
	return out.ProductID, nil
}

type productIDBody struct {
	ProductID string `json:"product_id"`
}

// GetProductAlbum reads a product of the product album.
// 获取商品图册
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95096
//
//wecom:api POST /cgi-bin/externalcontact/get_product_album
func (s *Service) GetProductAlbum(ctx context.Context, productID string) (*ProductAlbum, error) {
	if err := check.Required("product_id", productID); err != nil {
		return nil, err
	}
	var out struct {
		Product ProductAlbum `json:"product"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_product_album", nil, client.Idempotent(productIDBody{productID}), &out); err != nil {
		return nil, err
	}
	return &out.Product, nil
}

// ListProductAlbumsParams pages the product album; Limit is at most 100 (0: WeCom's default,
// 50; WeCom would silently answer 50 past 100, so larger values are refused).
type ListProductAlbumsParams struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// ProductAlbumPage is one page of the product album; NextCursor is empty on the last page.
type ProductAlbumPage struct {
	Products   []ProductAlbum `json:"product_list"`
	NextCursor string         `json:"next_cursor"`
}

// ListProductAlbumsPage reads one page of the product album.
// 获取商品图册列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95096
//
//wecom:api POST /cgi-bin/externalcontact/get_product_album_list
func (s *Service) ListProductAlbumsPage(ctx context.Context, p ListProductAlbumsParams) (*ProductAlbumPage, error) {
	if p.Limit < 0 || p.Limit > 100 {
		return nil, check.Invalid("limit", "%d, want 1–100 (0 for the default, 50)", p.Limit)
	}
	var out ProductAlbumPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_product_album_list", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListProductAlbums walks every product of the product album, one page in memory at a time.
func (s *Service) ListProductAlbums(ctx context.Context, p ListProductAlbumsParams) iter.Seq2[ProductAlbum, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]ProductAlbum, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListProductAlbumsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Products, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// UpdateProductAlbumParams changes a product: ProductID plus the fields to change (an empty
// field is left as it is; Attachments replace the stored images).
type UpdateProductAlbumParams struct {
	ProductID   string              `json:"product_id"`
	Description string              `json:"description,omitempty"`
	Price       int64               `json:"price,omitempty"`
	ProductSN   string              `json:"product_sn,omitempty"`
	Attachments []ProductAttachment `json:"attachments,omitempty"`
}

// UpdateProductAlbum changes a product the app created.
// 编辑商品图册
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95096
//
//wecom:api POST /cgi-bin/externalcontact/update_product_album
func (s *Service) UpdateProductAlbum(ctx context.Context, p UpdateProductAlbumParams) error {
	if err := check.Required("product_id", p.ProductID); err != nil {
		return err
	}
	if err := checkProductFields(p.Description, p.Price, p.ProductSN, p.Attachments); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/update_product_album", nil, p, nil)
}

// DeleteProductAlbum deletes a product the app created.
// 删除商品图册
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95096
//
//wecom:api POST /cgi-bin/externalcontact/delete_product_album
func (s *Service) DeleteProductAlbum(ctx context.Context, productID string) error {
	if err := check.Required("product_id", productID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/delete_product_album", nil, productIDBody{productID}, nil)
}
