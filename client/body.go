package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/go-retryablehttp"
)

// Upload is a multipart/form-data file body for media uploads (media/upload, media/uploadimg,
// the robot's upload_media, …). Do streams Body without buffering it; a retry needs Body to be
// an io.Seeker (a file, a bytes.Reader), otherwise the call fails rather than send a truncated
// file.
type Upload struct {
	Field       string    // form field name; "media" when empty
	Filename    string    // file name WeCom records
	ContentType string    // the file part's type; application/octet-stream when empty
	Body        io.Reader // the file's bytes
	Size        int64     // the file's length; > 0 lets Do send a Content-Length
}

type reqBody struct {
	contentType string
	length      int64 // -1: unknown (chunked)
	json        []byte
	up          *Upload
	head, tail  []byte
	start       int64 // where a seekable Upload.Body started
	used        atomic.Bool
}

func newBody(in any) (*reqBody, error) {
	switch v := in.(type) {
	case nil:
		return nil, nil
	case *Upload:
		return newUpload(v)
	}
	b, err := marshal(in)
	if err != nil {
		return nil, err
	}
	return &reqBody{contentType: "application/json", length: int64(len(b)), json: b}, nil
}

// marshal encodes v as JSON without \uXXXX escapes of <, >, &, U+2028 and U+2029: WeCom may
// reject such escapes (40033), and texts and card URLs contain these characters.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !bytes.Contains(b, []byte(`\u202`)) {
		return b, nil
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 == len(b) {
			out = append(out, b[i])
			continue
		}
		if esc := string(b[i:min(i+6, len(b))]); esc == `\u2028` || esc == `\u2029` {
			out = append(out, 0xe2, 0x80, 0xa8+esc[5]-'8')
			i += 5
			continue
		}
		out = append(out, b[i], b[i+1]) // any other escape pair, \\ included, stays as is
		i++
	}
	return out, nil
}

func newUpload(u *Upload) (*reqBody, error) {
	if u.Body == nil {
		return nil, errors.New("upload has no Body")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := make(textproto.MIMEHeader)
	field := u.Field
	if field == "" {
		field = "media"
	}
	h.Set("Content-Disposition", multipart.FileContentDisposition(field, u.Filename))
	ct := u.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	if u.Size > 0 {
		h.Set("filelength", fmt.Sprint(u.Size))
	}
	if _, err := mw.CreatePart(h); err != nil {
		return nil, err
	}
	head := bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := mw.Close(); err != nil {
		return nil, err
	}
	b := &reqBody{contentType: mw.FormDataContentType(), length: -1, up: u, head: head, tail: bytes.Clone(buf.Bytes())}
	if u.Size > 0 {
		b.length = int64(len(head)) + u.Size + int64(len(b.tail))
	}
	if s, ok := u.Body.(io.Seeker); ok {
		pos, err := s.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		b.start = pos
	}
	return b, nil
}

// reader gives retryablehttp a fresh reader per attempt. retryablehttp also calls it once when
// building the request, so upload readers open lazily, on their first Read.
func (b *reqBody) reader() any {
	switch {
	case b == nil:
		return nil
	case b.up == nil:
		return b.json
	}
	return retryablehttp.ReaderFunc(func() (io.Reader, error) {
		return &lazyReader{open: b.openUpload}, nil
	})
}

func (b *reqBody) openUpload() (io.Reader, error) {
	if b.used.Swap(true) {
		s, ok := b.up.Body.(io.Seeker)
		if !ok {
			return nil, errors.New("upload body cannot be replayed for a retry (not an io.Seeker)")
		}
		if _, err := s.Seek(b.start, io.SeekStart); err != nil {
			return nil, err
		}
	}
	return io.MultiReader(bytes.NewReader(b.head), b.up.Body, bytes.NewReader(b.tail)), nil
}

type lazyReader struct {
	open func() (io.Reader, error)
	r    io.Reader
}

func (l *lazyReader) Read(p []byte) (int, error) {
	if l.r == nil {
		r, err := l.open()
		if err != nil {
			return 0, err
		}
		l.r = r
	}
	return l.r.Read(p)
}

// filename reads the file name from a Content-Disposition value, quoted, RFC 5987 or bare.
func filename(cd string) string {
	if cd == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(cd); err == nil && params["filename"] != "" {
		return params["filename"]
	}
	// WeCom sometimes sends raw UTF-8 names that mime rejects; take the text after filename=.
	if i := strings.Index(cd, "filename="); i >= 0 {
		return strings.Trim(strings.TrimSpace(strings.SplitN(cd[i+len("filename="):], ";", 2)[0]), `"`)
	}
	return ""
}
