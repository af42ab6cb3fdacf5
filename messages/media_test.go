package messages_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestMediaUploadDownload(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t)
	data := bytes.Repeat([]byte("weekly plan;"), 100)
	media, err := svc.UploadMedia(t.Context(), messages.UploadParams{Type: messages.MediaFile, Filename: "计划.csv", Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatal(err)
	}
	if media.Type != messages.MediaFile || media.MediaID == "" || time.Since(media.CreatedAt) > time.Minute {
		t.Errorf("media %+v", media)
	}
	var buf bytes.Buffer
	info, err := svc.DownloadMedia(t.Context(), media.MediaID, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) || info.Filename != "计划.csv" || info.Size != int64(len(data)) {
		t.Errorf("downloaded %d bytes as %+v", buf.Len(), info)
	}
	if _, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, Message: messages.File{MediaID: media.MediaID}}); err != nil {
		t.Fatal(err)
	}

	buf.Reset()
	_, err = svc.DownloadMedia(t.Context(), "expired-or-unknown", &buf)
	wecomtest.WantCode(t, err, client.CodeInvalidMediaID)
	if buf.Len() != 0 {
		t.Errorf("an error answer wrote %d bytes", buf.Len())
	}
	srv.FailNext("/cgi-bin/media/get", client.CodeBusy, 1)
	if _, err := svc.DownloadHDVoice(t.Context(), media.MediaID, &buf); err != nil {
		t.Fatalf("a busy download is retried: %v", err)
	}

	url, err := svc.UploadImage(t.Context(), messages.UploadParams{Filename: "logo.png", Body: bytes.NewReader(onePixelPNG)})
	if err != nil || !strings.HasPrefix(url, "https://") {
		t.Errorf("UploadImage = %q, %v", url, err)
	}
}

func TestMediaExpires(t *testing.T) {
	t.Parallel()
	svc, srv := newService(t, wecomtest.WithMediaTTL(time.Millisecond))
	id := srv.AddMedia("image", "a.png", "image/png", onePixelPNG)
	time.Sleep(5 * time.Millisecond)
	_, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: agentID, Message: messages.Image{MediaID: id}})
	wecomtest.WantCode(t, err, client.CodeInvalidMediaID)
	_, err = svc.DownloadMedia(t.Context(), id, io.Discard)
	wecomtest.WantCode(t, err, client.CodeInvalidMediaID)
}

func TestMediaValidation(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{"/cgi-bin/media/upload": `{"errcode":0,"type":"file","media_id":"m1","created_at":"1715331200"}`})
	small := strings.NewReader("12345")
	tests := []struct {
		name  string
		p     messages.UploadParams
		field string
	}{
		{"unknown type", messages.UploadParams{Type: "gif", Filename: "a.gif", Body: strings.NewReader("GIF89a....")}, "type"},
		{"no body", messages.UploadParams{Type: messages.MediaFile, Filename: "a.txt"}, "media"},
		{"no filename", messages.UploadParams{Type: messages.MediaFile, Body: strings.NewReader("hello world")}, "filename"},
		{"voice not amr", messages.UploadParams{Type: messages.MediaVoice, Filename: "a.mp3", Body: strings.NewReader("hello world")}, "filename"},
		{"image not jpg", messages.UploadParams{Type: messages.MediaImage, Filename: "a.bmp", Body: strings.NewReader("hello world")}, "filename"},
		{"five bytes", messages.UploadParams{Type: messages.MediaFile, Filename: "a.txt", Body: small}, "media"},
		{"video too large", messages.UploadParams{Type: messages.MediaVideo, Filename: "a.mp4", Body: strings.NewReader("x"), Size: messages.MaxVideoBytes + 1}, "media"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.UploadMedia(t.Context(), tc.p)
			wecomtest.WantInvalid(t, err, tc.field)
		})
	}
	if n := len(m.all()); n != 0 {
		t.Errorf("%d uploads sent for invalid input", n)
	}
	// A stream of unknown length is cut off once it passes the type's limit.
	over := io.LimitReader(zeros{}, messages.MaxVoiceBytes+1)
	_, err := drainService(t).UploadMedia(t.Context(), messages.UploadParams{Type: messages.MediaVoice, Filename: "a.amr", Body: over})
	if !errors.Is(err, messages.ErrMediaTooLarge) {
		t.Errorf("want ErrMediaTooLarge, got %v", err)
	}
	if _, err := drainService(t).UploadMedia(t.Context(), messages.UploadParams{Type: messages.MediaVoice, Filename: "a.amr",
		Body: io.LimitReader(zeros{}, messages.MaxVoiceBytes)}); err != nil {
		t.Errorf("a stream at the limit is accepted: %v", err)
	}
}

func TestMediaUploadEncoding(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{"/cgi-bin/media/upload": `{"errcode":0,"errmsg":"","type":"file","media_id":"3wPq_exampleTempMediaId","created_at":"1715331200"}`})
	media, err := svc.UploadMedia(t.Context(), messages.UploadParams{Type: messages.MediaFile, Filename: "notes.txt", Body: strings.NewReader("hello wecom")})
	if err != nil {
		t.Fatal(err)
	}
	if media.MediaID != "3wPq_exampleTempMediaId" || media.CreatedAt.Unix() != 1715331200 {
		t.Errorf("media %+v", media)
	}
	r := m.last(t)
	mr, err := multipartReader(r)
	if err != nil {
		t.Fatal(err)
	}
	part, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(part)
	if part.FormName() != "media" || part.FileName() != "notes.txt" || string(body) != "hello wecom" ||
		part.Header.Get("Content-Type") != "application/octet-stream" || r.Query.Get("type") != "file" {
		t.Errorf("part %q %q %q %v, query %v", part.FormName(), part.FileName(), body, part.Header, r.Query)
	}
}

func multipartReader(r recorded) (*multipart.Reader, error) {
	req := &http.Request{Header: r.Header, Body: io.NopCloser(bytes.NewReader(r.Body))}
	return req.MultipartReader()
}

// zeros is an endless reader with no Len, like a pipe.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// drainServer answers every upload after reading and discarding the body, like WeCom, so the
// measurement sees only the SDK's memory.
func drainServer(t testing.TB) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"errcode":0,"type":"file","media_id":"m`+strings.Repeat("1", int(n%2)+1)+`","created_at":"1715331200"}`)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

func drainService(t testing.TB) *messages.Service {
	c, err := client.New(client.FromTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: mockToken})), client.WithBaseURL(drainServer(t)))
	if err != nil {
		t.Fatal(err)
	}
	return messages.New(c)
}

const twentyMB = messages.MaxFileBytes

// TestUpload20MBStreams uploads a 20 MB file and checks the process allocated far less than the
// file while doing it. Not parallel: the allocation counter is process-wide.
func TestUpload20MBStreams(t *testing.T) {
	svc := drainService(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := svc.UploadMedia(t.Context(), messages.UploadParams{Type: messages.MediaFile, Filename: "big.bin",
		Body: io.LimitReader(zeros{}, twentyMB), Size: twentyMB})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > twentyMB/8 {
		t.Errorf("uploading 20 MB allocated %d bytes; a streamed upload stays far below the file size", alloc)
	}
}

// BenchmarkUpload20MB measures the streamed upload of a 20 MB file against the baseline of
// buffering the file and its multipart body in memory first. Compare B/op.
func BenchmarkUpload20MB(b *testing.B) {
	b.Run("streamed", func(b *testing.B) {
		svc := drainService(b)
		b.ReportAllocs()
		b.SetBytes(twentyMB)
		for b.Loop() {
			if _, err := svc.UploadMedia(b.Context(), messages.UploadParams{Type: messages.MediaFile, Filename: "big.bin",
				Body: io.LimitReader(zeros{}, twentyMB), Size: twentyMB}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline_buffered", func(b *testing.B) {
		url := drainServer(b)
		b.ReportAllocs()
		b.SetBytes(twentyMB)
		for b.Loop() {
			file, _ := io.ReadAll(io.LimitReader(zeros{}, twentyMB))
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			fw, _ := mw.CreateFormFile("media", "big.bin")
			_, _ = fw.Write(file)
			_ = mw.Close()
			resp, err := http.Post(url+"/cgi-bin/media/upload?type=file", mw.FormDataContentType(), &body)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func TestUploadByURLGolden(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{
		"/cgi-bin/media/upload_by_url":            `{"errcode":0,"errmsg":"ok","jobid":"job_example_01"}`,
		"/cgi-bin/media/get_upload_by_url_result": `{"errcode":0,"errmsg":"ok","status":"2","detail":{"errcode":0,"errmsg":"ok","media_id":"3*1*exampleAsyncMediaId","created_at":"1715331300"}}`,
	})
	job, err := svc.UploadByURL(t.Context(), messages.UploadByURLParams{Scene: 1, Type: messages.MediaVideo, Filename: "welcome.mp4",
		URL: "https://cdn.example.com/v/welcome.mp4", MD5: "9e107d9d372bb6826bd81d3542a419d6"})
	if err != nil || job != "job_example_01" {
		t.Fatalf("UploadByURL = %q, %v", job, err)
	}
	assertGolden(t, "media_upload_by_url", m.last(t).Body)
	res, err := svc.UploadByURLResult(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != messages.UploadDone || res.MediaID != "3*1*exampleAsyncMediaId" || res.CreatedAt.Unix() != 1715331300 || res.Err != nil {
		t.Errorf("job %+v (a quoted status decodes too)", res)
	}
	_, err = svc.UploadByURL(t.Context(), messages.UploadByURLParams{Scene: 1, Type: messages.MediaImage, Filename: "a.png", URL: "https://x", MD5: strings.Repeat("0", 32)})
	wecomtest.WantInvalid(t, err, "type")
}

func TestUploadByURLFetches(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	data := bytes.Repeat([]byte("welcome video "), 1000)
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "welcome.mp4", time.Time{}, bytes.NewReader(data))
	}))
	t.Cleanup(files.Close)
	sum := md5.Sum(data)
	wait := func(jobID string) *messages.UploadJob {
		t.Helper()
		for range 200 {
			job, err := svc.UploadByURLResult(t.Context(), jobID)
			if err != nil {
				t.Fatal(err)
			}
			if job.Status != messages.UploadProcessing {
				return job
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatal("job never finished")
		return nil
	}
	p := messages.UploadByURLParams{Scene: 1, Type: messages.MediaVideo, Filename: "welcome.mp4", URL: files.URL + "/welcome.mp4", MD5: hex.EncodeToString(sum[:])}
	id, err := svc.UploadByURL(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	job := wait(id)
	var buf bytes.Buffer
	if job.Status != messages.UploadDone {
		t.Fatalf("job %+v", job)
	}
	if _, err := svc.DownloadMedia(t.Context(), job.MediaID, &buf); err != nil || !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("download: %v, %d bytes", err, buf.Len())
	}
	p.MD5 = strings.Repeat("0", 32)
	id, err = svc.UploadByURL(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	if job := wait(id); job.Status != messages.UploadFailed || job.Err == nil || job.Err.Code != 301019 {
		t.Errorf("md5 mismatch: %+v", job)
	}
}
