package contacts

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wecom-connector/wecom/internal/check"
)

// JoinQRCodeSize is the size of a join QR code image (size_type).
type JoinQRCodeSize int

// Join QR code sizes; JoinQRCodeDefault sends no size_type and leaves WeCom's default.
const (
	JoinQRCodeDefault JoinQRCodeSize = 0
	JoinQRCode171     JoinQRCodeSize = 1 // 171 × 171
	JoinQRCode399     JoinQRCodeSize = 2 // 399 × 399
	JoinQRCode741     JoinQRCodeSize = 3 // 741 × 741
	JoinQRCode2052    JoinQRCodeSize = 4 // 2052 × 2052
)

// GetJoinQRCode returns the link of the corp's current QR code for joining it (加入企业二维码),
// valid 7 days. It needs address-book management rights: the contacts-sync secret.
// 获取加入企业二维码
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/91714
//
//wecom:api GET /cgi-bin/corp/get_join_qrcode
func (s *Service) GetJoinQRCode(ctx context.Context, size JoinQRCodeSize) (string, error) {
	if size < JoinQRCodeDefault || size > JoinQRCode2052 {
		return "", check.Invalid("size_type", "%d, want 1–4 (or 0 for the default)", size)
	}
	var q url.Values
	if size != JoinQRCodeDefault {
		q = url.Values{"size_type": {strconv.Itoa(int(size))}}
	}
	var out struct {
		JoinQRCode string `json:"join_qrcode"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/corp/get_join_qrcode", q, nil, &out); err != nil {
		return "", err
	}
	return out.JoinQRCode, nil
}
