package wecomtest

import (
	"path"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Attachment resources (上传附件资源) for moments and product albums: stored as temporary media,
// so media/get serves them and their media_id expires like other media.

// Errcodes of upload_attachment without client constants yet.
const (
	codeAttachmentScene    = client.CodeAttachmentSceneMismatch // 资源附件场景使用错误 (media_type does not fit attachment_type)
	codeAttachmentTooLarge = client.CodeAttachmentTooLarge      // 附件资源大小超过限制
)

const maxAttachmentBytes = 10 << 20

var attachmentExts = map[string][]string{
	"image": {".jpg", ".jpeg", ".png"},
	"video": {".mp4"},
	"file":  nil,
}

func (s *Server) attachmentRoutes() []route {
	return []route{{post, "/cgi-bin/media/upload_attachment", TokenCorp, s.uploadAttachment}}
}

func (s *Server) uploadAttachment(c *Call) (any, error) {
	typ, scene := c.Query("media_type"), c.Query("attachment_type")
	exts, ok := attachmentExts[typ]
	switch {
	case !ok:
		return nil, errc(client.CodeInvalidMediaTypeParam, "invalid media_type")
	case scene != "1" && scene != "2":
		return nil, errc(client.CodeInvalidParameter, "invalid attachment_type")
	case scene == "1" && typ == "file", scene == "2" && typ != "image":
		return nil, errc(codeAttachmentScene, "media_type does not fit attachment_type")
	}
	name, ct, data, err := msgReadUpload(c)
	switch {
	case err != nil:
		return nil, err
	case len(data) == 0:
		return nil, errc(client.CodeEmptyMediaFile, "empty media data")
	case len(data) <= 5:
		return nil, errc(client.CodeInvalidFileSize, "invalid file size")
	case len(data) > maxAttachmentBytes:
		return nil, errc(codeAttachmentTooLarge, "attachment size out of limit")
	case exts != nil && !slices.Contains(exts, strings.ToLower(path.Ext(name))):
		return nil, errc(client.CodeInvalidMediaFileType, "invalid media file type")
	}
	id := s.msgStoreMedia(&msgMedia{typ: typ, name: name, contentType: ct, data: data})
	return J{"type": typ, "media_id": id, "created_at": time.Now().Unix()}, nil
}
