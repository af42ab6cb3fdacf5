package messages_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/jarcoal/httpmock"
	"golang.org/x/oauth2"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

const agentID = wecomtest.AgentID

// newService starts a simulator and the messages service of its default app.
func newService(t testing.TB, opts ...wecomtest.Option) (*messages.Service, *wecomtest.Server) {
	t.Helper()
	srv := wecomtest.Start(t, opts...)
	return messages.New(srv.NewClient(t)), srv
}

// recorded is one request the mock transport saw.
type recorded struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Body         []byte
}

// mock is an httpmock transport that records requests and answers each path with a fixed
// JSON answer (errcode 0 unless the answer says otherwise).
type mock struct {
	mu   sync.Mutex
	reqs []recorded
}

const mockBase = "http://wecom.test"

const mockToken = "tok-mock-7f3a9c"

func newMock(t testing.TB, answers map[string]string) (*mock, []client.Option) {
	t.Helper()
	m := &mock{}
	tr := httpmock.NewMockTransport()
	for p, answer := range answers {
		respond := func(r *http.Request) (*http.Response, error) {
			var b []byte
			if r.Body != nil {
				b, _ = io.ReadAll(r.Body)
			}
			m.mu.Lock()
			m.reqs = append(m.reqs, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: b})
			m.mu.Unlock()
			resp := httpmock.NewStringResponse(http.StatusOK, answer)
			resp.Header.Set("Content-Type", "application/json")
			return resp, nil
		}
		tr.RegisterResponder(http.MethodGet, mockBase+p, respond)
		tr.RegisterResponder(http.MethodPost, mockBase+p, respond)
	}
	return m, []client.Option{client.WithBaseURL(mockBase), client.WithHTTPClient(&http.Client{Transport: tr}), wecomtest.FastRetry()}
}

func mockService(t testing.TB, answers map[string]string) (*messages.Service, *mock) {
	t.Helper()
	m, opts := newMock(t, answers)
	c, err := client.New(client.FromTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: mockToken})), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return messages.New(c), m
}

func (m *mock) all() []recorded {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]recorded(nil), m.reqs...)
}

func (m *mock) last(t testing.TB) recorded {
	t.Helper()
	r := m.all()
	if len(r) == 0 {
		t.Fatal("no request was sent")
	}
	return r[len(r)-1]
}

// assertGolden compares a request body with testdata/name.json, a request example from the
// WeCom docs. The SDK omits flags equal to their default (safe 0, enable_id_trans 0,
// desc_color 0), so those are dropped from the example before comparing.
func assertGolden(t testing.TB, name string, got []byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var want, have map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatalf("request body is not a JSON object: %v\n%s", err, got)
	}
	dropDefaults(want)
	if !reflect.DeepEqual(want, have) {
		w, _ := json.Marshal(want)
		h, _ := json.Marshal(have)
		t.Errorf("%s: request body differs from the documented example\nwant %s\ngot  %s", name, w, h)
	}
}

func TestValidationErrorClasses(t *testing.T) {
	t.Parallel()
	svc, m := mockService(t, map[string]string{"/cgi-bin/message/send": `{"errcode":0}`})
	long := string(bytes.Repeat([]byte("好"), 683)) // 2049 bytes
	err := func() error {
		_, err := svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("a"), AgentID: agentID, Message: messages.Text{Content: long}})
		return err
	}()
	wecomtest.WantInvalid(t, err, "text.content")
	if !errors.Is(err, client.ErrTooLong) {
		t.Errorf("oversize text should match ErrTooLong: %v", err)
	}
	_, err = svc.Send(t.Context(), messages.SendParams{To: messages.ToUsers("a"), AgentID: agentID, Message: messages.Text{}})
	wecomtest.WantInvalid(t, err, "text.content")
	if errors.Is(err, client.ErrTooLong) {
		t.Errorf("empty text is not too long: %v", err)
	}
	if n := len(m.all()); n != 0 {
		t.Errorf("%d requests sent for invalid input, want 0", n)
	}
}

// TestErrorPrefix: the package's own errors carry the SDK's one prefix.
func TestErrorPrefix(t *testing.T) {
	t.Parallel()
	for _, err := range []error{messages.ErrRobotRateLimited, messages.ErrMediaTooLarge} {
		if !strings.HasPrefix(err.Error(), "wecom: ") {
			t.Errorf("%q does not start with \"wecom: \"", err)
		}
	}
}

func dropDefaults(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if (k == "safe" || k == "enable_id_trans" || k == "desc_color") && x == float64(0) {
				delete(v, k)
				continue
			}
			dropDefaults(x)
		}
	case []any:
		for _, x := range v {
			dropDefaults(x)
		}
	}
}
