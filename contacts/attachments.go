package contacts

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/stream"
	"github.com/wecom-connector/wecom/internal/wire"
)

// AttachmentScene is where an attachment will be used (attachment_type).
type AttachmentScene int

// Attachment scenes.
const (
	AttachmentSceneMoment       AttachmentScene = 1 // 朋友圈: images and videos (a video at most 30 s)
	AttachmentSceneProductAlbum AttachmentScene = 2 // 商品图册: images only
)

// Attachment size limits in bytes.
const (
	MinAttachmentBytes = 6
	MaxAttachmentBytes = 10 << 20
)

// UploadAttachmentParams is a file to upload as an attachment resource, streamed from Body.
// MediaType is [AttachImage] (JPG, PNG), [AttachVideo] (MP4) or [AttachFile]; every file is
// larger than 5 bytes and at most [MaxAttachmentBytes].
// Size is the file's length; when zero it is taken from Body if that is a file or an in-memory
// reader, otherwise the stream is cut off with [ErrAttachmentTooLarge] once it passes
// [MaxAttachmentBytes]. Filename is what WeCom shows; its extension is checked for images
// (.jpg, .jpeg, .png) and videos (.mp4). Moment images must also fit 1080×10800 pixels and
// moment videos last at most 30 s: WeCom checks those (41081, 41082).
type UploadAttachmentParams struct {
	MediaType   AttachmentType
	Scene       AttachmentScene
	Filename    string
	ContentType string // optional; derived from MediaType when empty
	Body        io.Reader
	Size        int64
}

// ErrAttachmentTooLarge is the error of an upload of unknown length that passed
// [MaxAttachmentBytes] while streaming; the request is abandoned.
var ErrAttachmentTooLarge = errors.New("wecom: attachment: larger than 10 MB")

var attachmentExts = map[AttachmentType][]string{
	AttachImage: {".jpg", ".jpeg", ".png"},
	AttachVideo: {".mp4"},
}

func (p *UploadAttachmentParams) upload() (*client.Upload, error) {
	ext := strings.ToLower(path.Ext(p.Filename))
	switch {
	case p.MediaType != AttachImage && p.MediaType != AttachVideo && p.MediaType != AttachFile:
		return nil, check.Invalid("media_type", "%q, want image, video or file", p.MediaType)
	case p.Scene != AttachmentSceneMoment && p.Scene != AttachmentSceneProductAlbum:
		return nil, check.Invalid("attachment_type", "%d, want 1 (moments) or 2 (product album)", p.Scene)
	case p.Scene == AttachmentSceneMoment && p.MediaType == AttachFile:
		return nil, check.Invalid("media_type", "moments take images and videos only")
	case p.Scene == AttachmentSceneProductAlbum && p.MediaType != AttachImage:
		return nil, check.Invalid("media_type", "product albums take images only")
	case p.Body == nil:
		return nil, check.Invalid("media", "no Body")
	case p.Filename == "":
		return nil, check.Invalid("filename", "required")
	case attachmentExts[p.MediaType] != nil && !slices.Contains(attachmentExts[p.MediaType], ext):
		return nil, check.Invalid("filename", "%s attachments must be one of %v", p.MediaType, attachmentExts[p.MediaType])
	}
	size := p.Size
	if size <= 0 {
		size = stream.Length(p.Body)
	}
	body := p.Body
	switch {
	case size < 0:
		body, size = stream.Cap(p.Body, MaxAttachmentBytes, ErrAttachmentTooLarge), 0
	case size < MinAttachmentBytes:
		return nil, check.Invalid("media", "%d bytes: attachments must be larger than 5 bytes", size)
	case size > MaxAttachmentBytes:
		return nil, &client.ValidationError{Field: "media", Reason: fmt.Sprintf("%d bytes, limit %d", size, MaxAttachmentBytes), TooLong: true}
	}
	ct := p.ContentType
	if ct == "" {
		switch {
		case ext == ".png":
			ct = "image/png"
		case p.MediaType == AttachImage:
			ct = "image/jpeg"
		case p.MediaType == AttachVideo:
			ct = "video/mp4"
		default:
			ct = "application/octet-stream"
		}
	}
	return &client.Upload{Field: "media", Filename: p.Filename, ContentType: ct, Body: body, Size: size}, nil
}

// UploadedAttachment is an uploaded attachment resource; its MediaID is valid for 3 days.
type UploadedAttachment struct {
	Type      AttachmentType
	MediaID   string
	CreatedAt time.Time
}

// UploadAttachment uploads an attachment resource for moments or product albums (上传附件资源),
// streaming Body without holding the file in memory. Type, scene, extension and size are
// checked before the request. An upload is not retried after a busy answer unless Body can
// seek back.
// 上传附件资源
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95098
//
//wecom:api POST /cgi-bin/media/upload_attachment
func (s *Service) UploadAttachment(ctx context.Context, p UploadAttachmentParams) (*UploadedAttachment, error) {
	up, err := p.upload()
	if err != nil {
		return nil, err
	}
	q := url.Values{"media_type": {string(p.MediaType)}, "attachment_type": {strconv.Itoa(int(p.Scene))}}
	var out struct {
		Type      AttachmentType `json:"type"`
		MediaID   string         `json:"media_id"`
		CreatedAt wire.Int64     `json:"created_at"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/media/upload_attachment", q, up, &out); err != nil {
		return nil, err
	}
	return &UploadedAttachment{Type: out.Type, MediaID: out.MediaID, CreatedAt: time.Unix(int64(out.CreatedAt), 0)}, nil
}
