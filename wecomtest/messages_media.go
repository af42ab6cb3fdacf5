package wecomtest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

type msgMedia struct {
	typ, name, contentType string
	data                   []byte
	expiry                 time.Time
	robotKey               string // "" for app media
}

// WithMediaTTL sets how long a temporary media ID stays valid (default 3 days).
func WithMediaTTL(d time.Duration) Option { return func(s *Server) { s.messages.mediaTTL = d } }

func (s *Server) mediaRoutes() []route {
	return []route{
		{post, "/cgi-bin/media/upload", TokenCorp, s.msgMediaUpload},
		{post, "/cgi-bin/media/uploadimg", TokenCorp, s.msgMediaUploadImg},
		{get, "/cgi-bin/media/get", TokenCorp, s.msgMediaGet},
		{get, "/cgi-bin/media/get/jssdk", TokenCorp, s.msgMediaGet},
		{post, "/cgi-bin/media/upload_by_url", TokenCorp, s.msgUploadByURL},
		{post, "/cgi-bin/media/get_upload_by_url_result", TokenCorp, s.msgUploadByURLResult},
	}
}

// AddMedia stores a temporary media file as if uploaded and returns its media_id.
func (s *Server) AddMedia(typ, filename, contentType string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgStoreMedia(&msgMedia{typ: typ, name: filename, contentType: contentType, data: bytes.Clone(data)})
}

// MediaData returns the bytes of an uploaded media (app or robot) and whether it exists.
func (s *Server) MediaData(mediaID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.messages.media[mediaID]
	if !ok {
		return nil, false
	}
	return bytes.Clone(m.data), true
}

// msgMediaLimits are the upload limits per type: maximum size and allowed extensions.
var msgMediaLimits = map[string]struct {
	max  int
	exts []string
}{
	"image": {10 << 20, []string{".jpg", ".jpeg", ".png"}},
	"voice": {2 << 20, []string{".amr"}},
	"video": {10 << 20, []string{".mp4"}},
	"file":  {20 << 20, nil},
}

// msgReadUpload reads the multipart file part named media.
func msgReadUpload(c *Call) (name, contentType string, data []byte, err error) {
	_, params, perr := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	if perr != nil || params["boundary"] == "" {
		return "", "", nil, errc(client.CodeEmptyMediaFile, "empty media data, not multipart")
	}
	mr := multipart.NewReader(bytes.NewReader(c.Body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			return "", "", nil, errc(client.CodeEmptyMediaFile, "empty media data")
		}
		if p.FormName() != "media" {
			continue
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return "", "", nil, errc(client.CodeEmptyMediaFile, "bad media data")
		}
		return p.FileName(), p.Header.Get("Content-Type"), b, nil
	}
}

func (s *Server) msgStoreMedia(m *msgMedia) string {
	id := s.msgNextID("media")
	m.expiry = time.Now().Add(s.messages.mediaTTL)
	s.messages.media[id] = m
	return id
}

// msgUpload checks and stores an upload of typ; robotKey binds it to a robot.
func (s *Server) msgUpload(c *Call, typ, robotKey string) (any, error) {
	lim, ok := msgMediaLimits[typ]
	if !ok {
		return nil, errc(client.CodeInvalidMediaTypeParam, "invalid media type")
	}
	name, ct, data, err := msgReadUpload(c)
	switch {
	case err != nil:
		return nil, err
	case len(data) == 0:
		return nil, errc(client.CodeEmptyMediaFile, "empty media data")
	case len(data) <= 5:
		return nil, errc(client.CodeInvalidFileSize, "invalid file size")
	case len(data) > lim.max:
		return nil, errc(client.CodeMediaTooLarge, "media size out of limit")
	case lim.exts != nil && !slices.Contains(lim.exts, strings.ToLower(path.Ext(name))):
		return nil, errc(client.CodeInvalidMediaFileType, "invalid media file type")
	}
	id := s.msgStoreMedia(&msgMedia{typ: typ, name: name, contentType: ct, data: data, robotKey: robotKey})
	return J{"type": typ, "media_id": id, "created_at": strconv.FormatInt(time.Now().Unix(), 10)}, nil
}

func (s *Server) msgMediaUpload(c *Call) (any, error) { return s.msgUpload(c, c.Query("type"), "") }

func (s *Server) msgMediaUploadImg(c *Call) (any, error) {
	name, _, data, err := msgReadUpload(c)
	switch ext := strings.ToLower(path.Ext(name)); {
	case err != nil:
		return nil, err
	case len(data) <= 5 || len(data) > 2<<20:
		return nil, errc(client.CodeInvalidFileSize, "invalid file size")
	case ext != ".jpg" && ext != ".jpeg" && ext != ".png":
		return nil, errc(client.CodeInvalidMediaFileType, "invalid media file type")
	}
	id := s.msgStoreMedia(&msgMedia{typ: "image", name: name, data: data})
	return J{"url": "https://wework.qpic.cn/wwpic/" + id + "/0"}, nil
}

func (s *Server) msgMediaGet(c *Call) (any, error) {
	id := c.Query("media_id")
	m := s.messages.media[id]
	switch {
	case id == "":
		return nil, errc(client.CodeMissingMediaID, "media_id missing")
	case m == nil || m.robotKey != "" || !time.Now().Before(m.expiry):
		return nil, errc(client.CodeInvalidMediaID, "invalid media_id")
	}
	h := http.Header{}
	ct := m.contentType
	if c.Path == "/cgi-bin/media/get/jssdk" {
		ct = "voice/speex"
	}
	h.Set("Content-Type", msgOr(ct, "application/octet-stream"))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": m.name}))
	h.Set("Accept-Ranges", "bytes")
	data, status := m.data, http.StatusOK
	if rg := c.R.Header.Get("Range"); rg != "" {
		var lo, hi int
		if _, err := fmt.Sscanf(rg, "bytes=%d-%d", &lo, &hi); err != nil || lo < 0 || lo > hi || lo >= len(data) {
			return nil, errc(client.CodeDownloadTooLarge, "invalid range")
		}
		hi = min(hi, len(data)-1)
		h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", lo, hi, len(data)))
		data, status = data[lo:hi+1], http.StatusPartialContent
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	return Raw{Status: status, Header: h, Body: bytes.Clone(data)}, nil
}

func msgOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// msgJob is an asynchronous upload by URL: status 1 while the simulator fetches the URL, then 2
// with a media ID or 3 with an errcode.
type msgJob struct {
	status  int
	errcode int
	mediaID string
	created time.Time
}

func (s *Server) msgUploadByURL(c *Call) (any, error) {
	req, err := decode[struct {
		Scene    int    `json:"scene"`
		Type     string `json:"type"`
		Filename string `json:"filename"`
		URL      string `json:"url"`
		MD5      string `json:"md5"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch {
	case req.Scene != 1 || req.Filename == "" || req.URL == "" || len(req.MD5) != 32:
		return nil, errc(client.CodeInvalidParameter, "invalid parameter")
	case req.Type != "video" && req.Type != "file":
		return nil, errc(client.CodeInvalidMediaTypeParam, "invalid media type")
	}
	id := s.msgNextID("job")
	job := &msgJob{status: 1}
	s.messages.jobs[id] = job
	go s.msgFetch(job, req.Type, req.Filename, req.URL, req.MD5)
	return J{"jobid": id}, nil
}

// msgFetch downloads the file of an upload job, like WeCom does, and settles the job.
func (s *Server) msgFetch(job *msgJob, typ, name, url, sum string) {
	code, data := 0, []byte(nil)
	hc := &http.Client{Timeout: 30 * time.Second}
	resp, err := hc.Get(url)
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(resp.Body, 200<<20+1))
		resp.Body.Close()
	}
	got := md5.Sum(data)
	switch {
	case err != nil || resp.StatusCode != http.StatusOK:
		code = client.CodeUploadURLFetchFailed
	case len(data) <= 5 || len(data) > 200<<20:
		code = client.CodeMediaTooLarge
	case !strings.EqualFold(hex.EncodeToString(got[:]), sum):
		code = client.CodeMD5Mismatch
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if code != 0 {
		job.status, job.errcode = 3, code
		return
	}
	job.status, job.created = 2, time.Now()
	job.mediaID = s.msgStoreMedia(&msgMedia{typ: typ, name: name, data: data})
}

func (s *Server) msgUploadByURLResult(c *Call) (any, error) {
	req, err := decode[struct {
		JobID string `json:"jobid"`
	}](c)
	if err != nil {
		return nil, err
	}
	job := s.messages.jobs[req.JobID]
	if job == nil {
		return nil, errc(client.CodeInvalidParameter, "invalid jobid")
	}
	detail := J{"errcode": job.errcode, "errmsg": "ok"}
	if job.errcode != 0 {
		detail["errmsg"] = "upload failed"
	}
	if job.status == 2 {
		detail["media_id"], detail["created_at"] = job.mediaID, strconv.FormatInt(job.created.Unix(), 10)
	}
	return J{"status": job.status, "detail": detail}, nil
}
