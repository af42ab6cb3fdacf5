package messages

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

// MediaType is the type of a temporary media upload (临时素材类型).
type MediaType string

// Media types with their documented limits: image ≤10 MB (JPG, PNG), voice ≤2 MB (AMR),
// video ≤10 MB (MP4), file ≤20 MB (any format). Every file must be larger than 5 bytes.
const (
	MediaImage MediaType = "image"
	MediaVoice MediaType = "voice"
	MediaVideo MediaType = "video"
	MediaFile  MediaType = "file"
)

// Media size limits in bytes.
const (
	MinMediaBytes      = 6
	MaxImageBytes      = 10 << 20
	MaxVoiceBytes      = 2 << 20
	MaxVideoBytes      = 10 << 20
	MaxFileBytes       = 20 << 20
	MaxUploadImgBytes  = 2 << 20 // media/uploadimg
	MaxRobotImageBytes = 2 << 20 // robot image messages, before Base64
)

type mediaRule struct {
	max         int64
	exts        []string // allowed extensions; nil: any
	contentType string
}

var mediaRules = map[MediaType]mediaRule{
	MediaImage: {MaxImageBytes, []string{".jpg", ".jpeg", ".png"}, "image/jpeg"},
	MediaVoice: {MaxVoiceBytes, []string{".amr"}, "voice/amr"},
	MediaVideo: {MaxVideoBytes, []string{".mp4"}, "video/mp4"},
	MediaFile:  {MaxFileBytes, nil, "application/octet-stream"},
}

// UploadParams is a file to upload as temporary media, streamed from Body. Size is the file's
// length; when zero it is taken from Body if that is a file or an in-memory reader, otherwise
// the stream is cut off with an error as soon as it passes the type's limit.
type UploadParams struct {
	Type        MediaType
	Filename    string // shown as the file name of file messages; its extension is checked
	ContentType string // optional; derived from Type when empty
	Body        io.Reader
	Size        int64
}

// Media is an uploaded temporary media, valid for 3 days.
type Media struct {
	Type      MediaType
	MediaID   string
	CreatedAt time.Time
}

type mediaAnswer struct {
	Type      MediaType `json:"type"`
	MediaID   string    `json:"media_id"`
	CreatedAt string    `json:"created_at"`
}

func (a mediaAnswer) media() *Media {
	m := &Media{Type: a.Type, MediaID: a.MediaID}
	if sec, err := strconv.ParseInt(a.CreatedAt, 10, 64); err == nil {
		m.CreatedAt = time.Unix(sec, 0)
	}
	return m
}

// UploadMedia uploads temporary media (上传临时素材), streaming Body without holding the file in
// memory. Type, file extension and size are checked before the request.
// 上传临时素材
//
// https://developer.work.weixin.qq.com/document/path/90253
//
//wecom:api POST /cgi-bin/media/upload
func (s *Service) UploadMedia(ctx context.Context, p UploadParams) (*Media, error) {
	up, err := p.upload(nil)
	if err != nil {
		return nil, err
	}
	var out mediaAnswer
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/media/upload", url.Values{"type": {string(p.Type)}}, up, &out); err != nil {
		return nil, err
	}
	return out.media(), nil
}

// UploadImage uploads an image (上传图片) of at most 2 MB, JPG or PNG, and returns its
// permanent URL, usable inside WeCom only (mpnews bodies, welcome messages).
// 上传图片
//
// https://developer.work.weixin.qq.com/document/path/90256
//
//wecom:api POST /cgi-bin/media/uploadimg
func (s *Service) UploadImage(ctx context.Context, p UploadParams) (string, error) {
	p.Type = MediaImage
	up, err := p.upload(&mediaRule{MaxUploadImgBytes, mediaRules[MediaImage].exts, "image/jpeg"})
	if err != nil {
		return "", err
	}
	var out struct {
		URL string `json:"url"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/media/uploadimg", nil, up, &out); err != nil {
		return "", err
	}
	return out.URL, nil
}

// upload checks p against rule (the Type's rule when nil) and builds the streamed body.
func (p UploadParams) upload(rule *mediaRule) (*client.Upload, error) {
	r, ok := mediaRules[p.Type]
	if rule != nil {
		r = *rule
	}
	switch {
	case !ok:
		return nil, check.Invalid("type", "unknown media type %q (want image, voice, video or file)", p.Type)
	case p.Body == nil:
		return nil, check.Invalid("media", "no Body")
	case p.Filename == "":
		return nil, check.Invalid("filename", "required")
	case r.exts != nil && !slices.Contains(r.exts, strings.ToLower(path.Ext(p.Filename))):
		return nil, check.Invalid("filename", "%s media must be one of %v", p.Type, r.exts)
	}
	size := p.Size
	if size <= 0 {
		size = stream.Length(p.Body)
	}
	body := p.Body
	switch {
	case size < 0:
		body = stream.Cap(p.Body, r.max, ErrMediaTooLarge)
		size = 0
	case size < MinMediaBytes:
		return nil, check.Invalid("media", "%d bytes: media must be larger than 5 bytes", size)
	case size > r.max:
		return nil, &client.ValidationError{Field: "media", Reason: fmt.Sprintf("%d bytes, limit %d for %s", size, r.max, p.Type), TooLong: true}
	}
	ct := p.ContentType
	if ct == "" {
		ct = r.contentType
		if strings.EqualFold(path.Ext(p.Filename), ".png") {
			ct = "image/png"
		}
	}
	return &client.Upload{Field: "media", Filename: p.Filename, ContentType: ct, Body: body, Size: size}, nil
}

// ErrMediaTooLarge is the error of an upload of unknown length that passed its type's limit
// while streaming; the request is abandoned.
var ErrMediaTooLarge = errors.New("wecom: media: larger than its type allows")

// DownloadInfo describes a downloaded media file.
type DownloadInfo struct {
	Filename    string // from Content-Disposition
	ContentType string
	Size        int64 // bytes written
}

// DownloadMedia streams a temporary media file (获取临时素材) into w. A JSON error answer
// (expired media_id: 40007) is returned as *client.APIError with nothing written to w.
// 获取临时素材
//
// https://developer.work.weixin.qq.com/document/path/90254
//
//wecom:api GET /cgi-bin/media/get
func (s *Service) DownloadMedia(ctx context.Context, mediaID string, w io.Writer) (*DownloadInfo, error) {
	return s.download(ctx, "/cgi-bin/media/get", mediaID, w)
}

// DownloadHDVoice streams a high-definition voice (获取高清语音素材, Speex 16 kHz) recorded
// with the JS-SDK into w.
// 获取高清语音素材
//
// https://developer.work.weixin.qq.com/document/path/90255
//
//wecom:api GET /cgi-bin/media/get/jssdk
func (s *Service) DownloadHDVoice(ctx context.Context, mediaID string, w io.Writer) (*DownloadInfo, error) {
	return s.download(ctx, "/cgi-bin/media/get/jssdk", mediaID, w)
}

func (s *Service) download(ctx context.Context, p, mediaID string, w io.Writer) (*DownloadInfo, error) {
	if mediaID == "" {
		return nil, check.Invalid("media_id", "required")
	}
	if w == nil {
		return nil, check.Invalid("media", "no Writer")
	}
	dl := &client.Download{W: w}
	if err := s.c.Do(ctx, http.MethodGet, p, url.Values{"media_id": {mediaID}}, nil, dl); err != nil {
		return nil, err
	}
	return &DownloadInfo{Filename: dl.Filename, ContentType: dl.ContentType, Size: dl.Written}, nil
}

// UploadByURLParams asks WeCom to fetch a large file (up to 200 MB) from URL, which must
// support HTTP Range, as temporary media (异步上传临时素材). Only Scene 1 (customer group welcome
// material) exists; Type is video or file; MD5 is the file's hex MD5, checked after the fetch.
type UploadByURLParams struct {
	Scene    int       `json:"scene"`
	Type     MediaType `json:"type"`
	Filename string    `json:"filename"`
	URL      string    `json:"url"`
	MD5      string    `json:"md5"`
}

// UploadByURL starts an asynchronous upload and returns its job ID, valid for an hour; poll
// [Service.UploadByURLResult] (or wait for the upload_media_job_finish callback).
// 生成异步上传任务
//
// https://developer.work.weixin.qq.com/document/path/96219
//
//wecom:api POST /cgi-bin/media/upload_by_url
func (s *Service) UploadByURL(ctx context.Context, p UploadByURLParams) (string, error) {
	err := firstErr(check.Required("filename", p.Filename), maxBytes("filename", p.Filename, 128),
		checkURL("url", p.URL, true), maxBytes("url", p.URL, 1024))
	switch {
	case err != nil:
		return "", err
	case p.Scene != 1:
		return "", check.Invalid("scene", "only scene 1 is supported")
	case p.Type != MediaVideo && p.Type != MediaFile:
		return "", check.Invalid("type", "video or file, not %q", p.Type)
	case len(p.MD5) != 32:
		return "", check.Invalid("md5", "want the 32 hex digits of the file's MD5")
	}
	var out struct {
		JobID string `json:"jobid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/media/upload_by_url", nil, p, &out); err != nil {
		return "", err
	}
	return out.JobID, nil
}

// UploadJobStatus is the state of an asynchronous upload.
type UploadJobStatus int

// Upload job states.
const (
	UploadProcessing UploadJobStatus = 1
	UploadDone       UploadJobStatus = 2
	UploadFailed     UploadJobStatus = 3
)

// UploadJob is the result of an asynchronous upload. When Status is [UploadFailed], Err holds
// the job's errcode (830001 URL without Range support, 830003 fetch failed, 45001 size,
// 301019 MD5 mismatch).
type UploadJob struct {
	Status    UploadJobStatus
	MediaID   string
	CreatedAt time.Time
	Err       *client.APIError
}

// UploadByURLResult reads the state of an asynchronous upload job (查询异步任务结果).
// 查询异步任务结果
//
// https://developer.work.weixin.qq.com/document/path/96219
//
//wecom:api POST /cgi-bin/media/get_upload_by_url_result
func (s *Service) UploadByURLResult(ctx context.Context, jobID string) (*UploadJob, error) {
	if err := check.Required("jobid", jobID); err != nil {
		return nil, err
	}
	var out struct {
		Status wire.Int `json:"status"`
		Detail struct {
			ErrCode   int    `json:"errcode"`
			ErrMsg    string `json:"errmsg"`
			MediaID   string `json:"media_id"`
			CreatedAt string `json:"created_at"`
		} `json:"detail"`
	}
	const path = "/cgi-bin/media/get_upload_by_url_result"
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(struct {
		JobID string `json:"jobid"`
	}{jobID}), &out); err != nil {
		return nil, err
	}
	job := &UploadJob{Status: UploadJobStatus(out.Status), MediaID: out.Detail.MediaID}
	job.CreatedAt = mediaAnswer{CreatedAt: out.Detail.CreatedAt}.media().CreatedAt
	if out.Detail.ErrCode != 0 {
		job.Err = &client.APIError{Code: out.Detail.ErrCode, Message: out.Detail.ErrMsg, Path: path}
	}
	return job, nil
}
