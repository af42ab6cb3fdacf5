package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func mockClient(t *testing.T) (*client.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://wecom.test/cgi-bin/gettoken",
		httpmock.NewStringResponder(200, `{"errcode":0,"errmsg":"ok","access_token":"TOK","expires_in":7200}`))
	c, err := client.New(client.CorpApp{CorpID: "ww1", Secret: "s1"},
		client.WithBaseURL("https://wecom.test"), client.WithHTTPClient(&http.Client{Transport: mt}), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func TestRequestEncoding(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	type params struct {
		UserID  string `json:"userid"`
		Enable  int    `json:"enable,omitempty"`
		ToParty string `json:"toparty"`
	}
	var seen *http.Request
	var body []byte
	mt.RegisterResponder(http.MethodPost, "https://wecom.test/cgi-bin/user/update", func(r *http.Request) (*http.Response, error) {
		seen = r
		body, _ = io.ReadAll(r.Body)
		return httpmock.NewStringResponse(200, `{"errcode":0,"errmsg":"updated","x":5}`), nil
	})
	var out struct {
		X int `json:"x"`
	}
	err := c.Do(context.Background(), http.MethodPost, "/cgi-bin/user/update", map[string][]string{"debug": {"0"}}, params{UserID: "zhangsan", ToParty: "1|2<&>"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	q := seen.URL.Query()
	if q.Get("access_token") != "TOK" || q.Get("debug") != "0" {
		t.Errorf("query = %v, want the token and the call's own values", q)
	}
	if ct := seen.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if string(body) != `{"userid":"zhangsan","toparty":"1|2<&>"}` {
		t.Errorf("body = %s", body)
	}
	if seen.ContentLength != int64(len(body)) {
		t.Errorf("Content-Length %d for %d bytes", seen.ContentLength, len(body))
	}
	if out.X != 5 {
		t.Errorf("payload not decoded: %+v", out)
	}
	// a missing errcode means success (get_suite_token answers so)
	mt.RegisterResponder(http.MethodGet, "https://wecom.test/cgi-bin/noerrcode", httpmock.NewStringResponder(200, `{"x":7}`))
	if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/noerrcode", nil, nil, &out); err != nil || out.X != 7 {
		t.Fatalf("answer without errcode: %v, %+v", err, out)
	}
	// a GET carries no body
	mt.RegisterResponder(http.MethodGet, "https://wecom.test/cgi-bin/user/get", func(r *http.Request) (*http.Response, error) {
		if r.Body != nil && r.Body != http.NoBody {
			if b, _ := io.ReadAll(r.Body); len(b) > 0 {
				return nil, errors.New("GET with a body")
			}
		}
		if r.URL.Query().Get("userid") != "lisi" {
			return nil, errors.New("missing userid")
		}
		return httpmock.NewStringResponse(200, `{"errcode":60111,"errmsg":"userid not found, access_token=TOK"}`), nil
	})
	err = c.Do(context.Background(), http.MethodGet, "/cgi-bin/user/get", map[string][]string{"userid": {"lisi"}}, nil, nil)
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 60111 || apiErr.Path != "/cgi-bin/user/get" || strings.Contains(apiErr.Message, "TOK") {
		t.Fatalf("got %#v", err)
	}
}

func TestUploadStreamsMultipart(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	var got struct {
		field, name, ctype string
		data               []byte
		length             int64
	}
	srv.HandleFunc(http.MethodPost, "/cgi-bin/test/upload", wecomtest.TokenCorp, func(c *wecomtest.Call) (any, error) {
		_, params, err := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
		if err != nil {
			return nil, err
		}
		mr := multipart.NewReader(bytes.NewReader(c.Body), params["boundary"])
		p, err := mr.NextPart()
		if err != nil {
			return nil, err
		}
		got.field, got.name, got.ctype = p.FormName(), p.FileName(), p.Header.Get("Content-Type")
		got.data, _ = io.ReadAll(p)
		got.length = c.R.ContentLength
		return wecomtest.J{"media_id": "MEDIA1"}, nil
	})
	c := newClient(t, srv)
	data := bytes.Repeat([]byte("0123456789"), 1000)
	up := &client.Upload{Filename: "订单.csv", ContentType: "text/csv", Body: bytes.NewReader(data), Size: int64(len(data))}
	// the first attempt is refused with a bad token, so the body is replayed from the Seeker
	srv.FailNext("/cgi-bin/test/upload", client.CodeAccessTokenExpired, 1)
	var out struct {
		MediaID string `json:"media_id"`
	}
	if err := c.Do(context.Background(), http.MethodPost, "/cgi-bin/test/upload", nil, up, &out); err != nil {
		t.Fatal(err)
	}
	if out.MediaID != "MEDIA1" || got.field != "media" || got.name != "订单.csv" || got.ctype != "text/csv" || !bytes.Equal(got.data, data) {
		t.Fatalf("upload arrived as field %q name %q type %q, %d bytes", got.field, got.name, got.ctype, len(got.data))
	}
	if got.length <= int64(len(data)) {
		t.Fatalf("Content-Length %d, want the multipart length", got.length)
	}
	// a plain reader cannot be replayed: the retry fails loudly instead of sending a partial file
	srv.FailNext("/cgi-bin/test/upload", client.CodeAccessTokenExpired, 1)
	err := c.Do(context.Background(), http.MethodPost, "/cgi-bin/test/upload", nil,
		&client.Upload{Filename: "a.txt", Body: io.MultiReader(strings.NewReader("abc"))}, &out)
	if err == nil || !strings.Contains(err.Error(), "replayed") {
		t.Fatalf("got %v, want a replay error", err)
	}
}

func TestDownloadBytesOrJSONError(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	file := bytes.Repeat([]byte{0xff, 0xd8, 'x'}, 5000)
	srv.HandleFunc(http.MethodGet, "/cgi-bin/test/media", wecomtest.TokenCorp, func(c *wecomtest.Call) (any, error) {
		switch c.Query("media_id") {
		case "ok":
			return wecomtest.Raw{Header: http.Header{"Content-Type": {"image/jpeg"}, "Content-Disposition": {`attachment; filename="ok.jpg"`}}, Body: file}, nil
		case "json-looking":
			// a text file whose bytes happen to be JSON, sent as a file
			return wecomtest.Raw{Header: http.Header{"Content-Disposition": {`attachment; filename="a.json"`}}, Body: []byte(`{"errcode":1}`)}, nil
		}
		return nil, wecomtest.NewError(40007, "invalid media_id")
	})
	c := newClient(t, srv)
	var buf bytes.Buffer
	dl := &client.Download{W: &buf}
	if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/test/media", map[string][]string{"media_id": {"ok"}}, nil, dl); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), file) || dl.Filename != "ok.jpg" || dl.ContentType != "image/jpeg" || dl.Written != int64(len(file)) {
		t.Fatalf("download: %d bytes, %+v", buf.Len(), dl)
	}
	buf.Reset()
	err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/test/media", map[string][]string{"media_id": {"gone"}}, nil, &client.Download{W: &buf})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 40007 || buf.Len() != 0 {
		t.Fatalf("got %v with %d bytes written, want 40007 and nothing written", err, buf.Len())
	}
	if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/test/media", map[string][]string{"media_id": {"json-looking"}}, nil, &client.Download{W: &buf}); err != nil || buf.String() != `{"errcode":1}` {
		t.Fatalf("file with Content-Disposition: %v, %q", err, buf.String())
	}
}

func TestEncodeError(t *testing.T) {
	t.Parallel()
	c, _ := mockClient(t)
	err := c.Do(context.Background(), http.MethodPost, "/cgi-bin/x", nil, map[string]any{"f": func() {}}, nil)
	var ue *json.UnsupportedTypeError
	if !errors.As(err, &ue) {
		t.Fatalf("got %v, want the JSON encoding error", err)
	}
}

func TestJSONKeepsCharactersRaw(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var body string
	mt.RegisterResponder(http.MethodPost, "https://wecom.test/cgi-bin/x", func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		return httpmock.NewStringResponse(200, `{"errcode":0}`), nil
	})
	in := map[string]string{"t": "a<b>&c\u2028d\u2029e\\u2028f\"\n"}
	if err := c.Do(context.Background(), http.MethodPost, "/cgi-bin/x", nil, client.Idempotent(in), nil); err != nil {
		t.Fatal(err)
	}
	if want := `{"t":"a<b>&c` + "\u2028d\u2029" + `e\\u2028f\"\n"}`; body != want {
		t.Fatalf("body %q, want %q", body, want)
	}
	var back map[string]string
	if err := json.Unmarshal([]byte(body), &back); err != nil || back["t"] != in["t"] {
		t.Fatalf("body does not decode back: %v %q", err, back["t"])
	}
}

// A file without Content-Disposition whose bytes look like a success envelope (errcode 0) is
// still the file: it is streamed to W, never swallowed with a nil error.
func TestDownloadJSONFileWithoutDisposition(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	file := `{"errcode":0,"rows":[` + strings.Repeat(`"0123456789",`, 100) + `"end"]}`
	mt.RegisterResponder(http.MethodGet, "https://wecom.test/cgi-bin/test/media",
		httpmock.NewStringResponder(200, file).HeaderSet(http.Header{"Content-Type": {"application/json"}}))
	var buf bytes.Buffer
	dl := &client.Download{W: &buf}
	if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/test/media", nil, nil, dl); err != nil {
		t.Fatal(err)
	}
	if buf.String() != file || dl.Written != int64(len(file)) || dl.Status != 200 {
		t.Fatalf("got %d bytes (Written %d, Status %d), want the %d-byte file", buf.Len(), dl.Written, dl.Status, len(file))
	}
}

// RFC 7578 §4.2 forbids the RFC 5987 filename* form in multipart/form-data; WeCom's own sample
// sends filename="…" and takes it as the display name, Chinese names included.
func TestUploadFilenameIsPlainQuoted(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var disposition string
	mt.RegisterResponder(http.MethodPost, "https://wecom.test/cgi-bin/test/upload", func(r *http.Request) (*http.Response, error) {
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			return nil, err
		}
		p, err := multipart.NewReader(r.Body, params["boundary"]).NextPart()
		if err != nil {
			return nil, err
		}
		disposition = p.Header.Get("Content-Disposition")
		return httpmock.NewStringResponse(200, `{"errcode":0,"media_id":"M"}`), nil
	})
	up := &client.Upload{Filename: `周报 "终版".pdf`, Body: strings.NewReader("hello")}
	if err := c.Do(context.Background(), http.MethodPost, "/cgi-bin/test/upload", nil, up, nil); err != nil {
		t.Fatal(err)
	}
	if want := `form-data; name="media"; filename="周报 \"终版\".pdf"`; disposition != want {
		t.Fatalf("part Content-Disposition %q, want %q", disposition, want)
	}
}
