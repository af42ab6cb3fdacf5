package contacts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// pngBytes is enough of a PNG for the simulator (it checks size and extension, not pixels).
var pngBytes = []byte("\x89PNG\r\n\x1a\n-sample-image-bytes-")

func TestAttachmentsMatrix(t *testing.T) {
	t.Parallel()
	runMatrix(t, []endpoint{
		{name: "upload_attachment", path: "/cgi-bin/media/upload_attachment", call: func(ctx context.Context, s *Service) error {
			a, err := s.UploadAttachment(ctx, UploadAttachmentParams{MediaType: AttachImage, Scene: AttachmentSceneMoment, Filename: "spring.png", Body: bytes.NewReader(pngBytes)})
			if err == nil && (a.MediaID == "" || a.Type != AttachImage || a.CreatedAt.IsZero()) {
				return fmt.Errorf("attachment %+v", a)
			}
			return err
		}},
	})
}

func TestUploadAttachmentStoresMedia(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	video := bytes.Repeat([]byte("mp4!"), 1000)
	a, err := s.UploadAttachment(ctx, UploadAttachmentParams{MediaType: AttachVideo, Scene: AttachmentSceneMoment, Filename: "Tour.MP4", Body: bytes.NewReader(video)})
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := srv.MediaData(a.MediaID); !ok || !bytes.Equal(got, video) {
		t.Errorf("stored media: %d bytes, %v", len(got), ok)
	}
	if _, err := s.UploadAttachment(ctx, UploadAttachmentParams{MediaType: AttachImage, Scene: AttachmentSceneProductAlbum, Filename: "shoe.jpg",
		Body: strings.NewReader("jpeg-bytes")}); err != nil {
		t.Errorf("product album image: %v", err)
	}
	// A stream of unknown length is cut off once it passes 10 MB.
	_, err = s.UploadAttachment(ctx, UploadAttachmentParams{MediaType: AttachFile, Scene: AttachmentSceneMoment, Filename: "a.bin",
		Body: io.LimitReader(zeroReader{}, MaxAttachmentBytes+1)})
	if err == nil {
		t.Fatal("11 MB of a moment file accepted")
	}
	wecomtest.WantInvalid(t, err, "media_type") // moments take no files: refused before streaming
	_, err = s.UploadAttachment(ctx, UploadAttachmentParams{MediaType: AttachVideo, Scene: AttachmentSceneMoment, Filename: "a.mp4",
		Body: io.LimitReader(zeroReader{}, MaxAttachmentBytes+1)})
	if !errors.Is(err, ErrAttachmentTooLarge) {
		t.Errorf("a stream past 10 MB: %v, want ErrAttachmentTooLarge", err)
	}
}

func TestUploadAttachmentValidation(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	body := func() io.Reader { return strings.NewReader("hello attachment") }
	for _, tc := range []struct {
		name  string
		p     UploadAttachmentParams
		field string
	}{
		{"media type", UploadAttachmentParams{MediaType: "voice", Scene: AttachmentSceneMoment, Filename: "a.amr", Body: body()}, "media_type"},
		{"scene", UploadAttachmentParams{MediaType: AttachImage, Scene: 3, Filename: "a.png", Body: body()}, "attachment_type"},
		{"file in moments", UploadAttachmentParams{MediaType: AttachFile, Scene: AttachmentSceneMoment, Filename: "a.pdf", Body: body()}, "media_type"},
		{"video in album", UploadAttachmentParams{MediaType: AttachVideo, Scene: AttachmentSceneProductAlbum, Filename: "a.mp4", Body: body()}, "media_type"},
		{"no body", UploadAttachmentParams{MediaType: AttachImage, Scene: AttachmentSceneMoment, Filename: "a.png"}, "media"},
		{"no filename", UploadAttachmentParams{MediaType: AttachImage, Scene: AttachmentSceneMoment, Body: body()}, "filename"},
		{"gif image", UploadAttachmentParams{MediaType: AttachImage, Scene: AttachmentSceneMoment, Filename: "a.gif", Body: body()}, "filename"},
		{"mov video", UploadAttachmentParams{MediaType: AttachVideo, Scene: AttachmentSceneMoment, Filename: "a.mov", Body: body()}, "filename"},
		{"five bytes", UploadAttachmentParams{MediaType: AttachImage, Scene: AttachmentSceneMoment, Filename: "a.png", Body: strings.NewReader("12345")}, "media"},
		{"over 10 MB", UploadAttachmentParams{MediaType: AttachVideo, Scene: AttachmentSceneMoment, Filename: "a.mp4", Body: body(), Size: MaxAttachmentBytes + 1}, "media"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.UploadAttachment(ctx, tc.p)
			wecomtest.WantInvalid(t, err, tc.field)
			if tc.name == "over 10 MB" && !errors.Is(err, client.ErrTooLong) {
				t.Errorf("size error %v is not ErrTooLong", err)
			}
		})
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

// TestUploadAttachmentEncoding checks the query and the multipart part WeCom documents: field
// "media" with filename, filelength and content type.
func TestUploadAttachmentEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	var req *http.Request
	var raw []byte
	mt.RegisterResponder("POST", "https://sim.test/cgi-bin/media/upload_attachment", func(r *http.Request) (*http.Response, error) {
		req = r
		raw, _ = io.ReadAll(r.Body)
		return httpmock.NewStringResponse(200, `{"errcode":0,"errmsg":"","type":"image","media_id":"1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0","created_at":1380000000}`), nil
	})
	a, err := s.UploadAttachment(context.Background(), UploadAttachmentParams{MediaType: AttachImage, Scene: AttachmentSceneProductAlbum, Filename: "wework.png", Body: bytes.NewReader(pngBytes)})
	if err != nil {
		t.Fatal(err)
	}
	if a.MediaID != "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0" || a.CreatedAt.Unix() != 1380000000 || a.Type != AttachImage {
		t.Errorf("attachment %+v", a)
	}
	q := req.URL.Query()
	if q.Get("media_type") != "image" || q.Get("attachment_type") != "2" {
		t.Errorf("query %v", q)
	}
	_, params, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	part, err := multipart.NewReader(bytes.NewReader(raw), params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(part)
	if part.FormName() != "media" || part.FileName() != "wework.png" || part.Header.Get("Content-Type") != "image/png" ||
		part.Header.Get("filelength") != fmt.Sprint(len(pngBytes)) || !bytes.Equal(data, pngBytes) {
		t.Errorf("part %q %q %v, %d bytes", part.FormName(), part.FileName(), part.Header, len(data))
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestUploadAttachmentStreams uploads 10 MB and checks the process allocated far less than
// the file while doing it (the receiving server discards the body). Not parallel: the
// allocation counter is process-wide.
func TestUploadAttachmentStreams(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"errcode":0,"type":"video","media_id":"m1","created_at":1380000000}`)
	}))
	t.Cleanup(ts.Close)
	c, err := client.New(client.FromTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "static"})), client.WithBaseURL(ts.URL))
	if err != nil {
		t.Fatal(err)
	}
	s := New(c)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = s.UploadAttachment(context.Background(), UploadAttachmentParams{MediaType: AttachVideo, Scene: AttachmentSceneMoment, Filename: "big.mp4",
		Body: io.LimitReader(zeroReader{}, MaxAttachmentBytes), Size: MaxAttachmentBytes})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > MaxAttachmentBytes/8 {
		t.Errorf("uploading 10 MB allocated %d bytes; a streamed upload stays far below the file size", alloc)
	}
}
