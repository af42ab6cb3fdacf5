package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/jarcoal/httpmock"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// newSim starts a simulator and a Service talking to it with the default corp app.
func newSim(t testing.TB, opts ...wecomtest.Option) (*wecomtest.Server, *Service) {
	t.Helper()
	srv := wecomtest.Start(t, opts...)
	return srv, New(srv.NewClient(t))
}

// endpoint is one row of the fault matrix: prepare builds the state the call needs, call runs it
// and check (optional) asserts the successful result.
type endpoint struct {
	name    string
	path    string
	retried bool // reads and idempotent writes survive a -1 busy answer
	prepare func(t *testing.T, srv *wecomtest.Server, s *Service)
	call    func(ctx context.Context, s *Service) error
}

// runMatrix runs every endpoint through success, token expiry mid-session, -1 busy and a
// permission errcode, each on a fresh simulator.
func runMatrix(t *testing.T, eps []endpoint) {
	t.Helper()
	for _, ep := range eps {
		cases := []struct {
			name   string
			inject func(srv *wecomtest.Server)
			check  func(t *testing.T, srv *wecomtest.Server, err error)
		}{
			{"ok", nil, func(t *testing.T, srv *wecomtest.Server, err error) {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			}},
			{"token expired", func(srv *wecomtest.Server) { srv.ExpireTokens() }, func(t *testing.T, srv *wecomtest.Server, err error) {
				if err != nil {
					t.Fatalf("err = %v, want a refreshed token and success", err)
				}
				if n := srv.Calls("/cgi-bin/gettoken"); n != 2 {
					t.Errorf("gettoken calls = %d, want 2", n)
				}
			}},
			{"busy", func(srv *wecomtest.Server) { srv.FailNext(ep.path, -1, 1) }, func(t *testing.T, srv *wecomtest.Server, err error) {
				if ep.retried {
					if err != nil {
						t.Fatalf("err = %v, want success after a retry", err)
					}
					if n := srv.Calls(ep.path); n < 2 {
						t.Errorf("calls = %d, want a retry", n)
					}
					return
				}
				if wecomtest.ErrCode(err) != -1 || !errors.Is(err, client.ErrRetryable) {
					t.Fatalf("err = %v, want errcode -1 (a write is not retried)", err)
				}
				if n := srv.Served(ep.path); n != 0 {
					t.Errorf("served = %d, want 0", n)
				}
			}},
			{"permission", func(srv *wecomtest.Server) { srv.FailNext(ep.path, 60011, 1) }, func(t *testing.T, srv *wecomtest.Server, err error) {
				if wecomtest.ErrCode(err) != 60011 || !errors.Is(err, client.ErrPermission) {
					t.Fatalf("err = %v, want errcode 60011", err)
				}
				var ae *client.APIError
				if errors.As(err, &ae) && ae.Path != ep.path {
					t.Errorf("APIError.Path = %q, want %q", ae.Path, ep.path)
				}
			}},
		}
		for _, tc := range cases {
			t.Run(ep.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv, s := newSim(t)
				ctx := context.Background()
				if ep.prepare != nil {
					ep.prepare(t, srv, s)
				}
				if _, err := s.ListTags(ctx); err != nil { // make sure a token is cached
					t.Fatal(err)
				}
				if tc.inject != nil {
					tc.inject(srv)
				}
				tc.check(t, srv, ep.call(ctx, s))
			})
		}
	}
}

// mockService returns a Service whose HTTP goes to an httpmock transport, for answers the
// simulator never gives (repeated cursors, odd encodings); captureJSON records what it sent.
func mockService(t *testing.T) (*Service, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodGet, "https://sim.test/cgi-bin/gettoken",
		httpmock.NewStringResponder(200, `{"errcode":0,"access_token":"tok-1","expires_in":7200}`))
	c, err := client.New(client.CorpApp{CorpID: "wwmock", Secret: "s"}, client.WithBaseURL("https://sim.test"),
		client.WithHTTPClient(&http.Client{Transport: mt}))
	if err != nil {
		t.Fatal(err)
	}
	return New(c), mt
}

// captureJSON answers path with answer and records each request body and query.
func captureJSON(mt *httpmock.MockTransport, method, path, answer string) *[]captured {
	var got []captured
	mt.RegisterResponder(method, "https://sim.test"+path, func(r *http.Request) (*http.Response, error) {
		var cp captured
		cp.query = r.URL.Query()
		if r.Body != nil {
			b, _ := io.ReadAll(r.Body)
			cp.raw = string(b)
		}
		got = append(got, cp)
		return httpmock.NewStringResponse(200, answer), nil
	})
	return &got
}

type captured struct {
	raw   string
	query map[string][]string
}

func (c captured) fields(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(c.raw), &m); err != nil {
		t.Fatalf("body %q: %v", c.raw, err)
	}
	return m
}

func TestValidationErrorNamesField(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	_, err := s.CreateUser(context.Background(), CreateUserParams{UserID: "-bad", Name: "x", Mobile: "1"})
	var ve *client.ValidationError
	if !errors.As(err, &ve) || ve.Field != "userid" || !errors.Is(err, client.ErrInvalidParams) {
		t.Fatalf("err = %v, want a ValidationError on userid", err)
	}
	if !strings.Contains(err.Error(), "userid") {
		t.Errorf("message %q does not name the field", err)
	}
}

// TestLenientAnswers decodes the encodings WeCom mixes in contacts answers: flags as 0/1 or
// "1", ids as numbers or strings (TestChainEncoding covers id lists).
func TestLenientAnswers(t *testing.T) {
	t.Parallel()
	var pg ChainCorpsPage
	if err := json.Unmarshal([]byte(`{"group_corps":[{"corp_name":"A","is_joined":1},{"corp_name":"B","is_joined":"0"}],"has_more":"1"}`), &pg); err != nil {
		t.Fatal(err)
	}
	if !pg.HasMore || !pg.Corps[0].IsJoined || pg.Corps[1].IsJoined {
		t.Errorf("flags decoded as %+v", pg)
	}
	var d LinkedDepartment
	if err := json.Unmarshal([]byte(`{"department_id":2,"parentid":"lk/1"}`), &d); err != nil || d.ID != "2" || d.ParentID != "lk/1" {
		t.Errorf("linked department %+v, %v", d, err)
	}
	if err := json.Unmarshal([]byte(`{"is_joined":"maybe"}`), &ChainCorp{}); err == nil {
		t.Error(`is_joined "maybe" accepted`)
	}
}

// TestGenderRoundTrip: members' gender goes out as the address book's string and comes back
// from a string or, as customer contact sends it, a number.
func TestGenderRoundTrip(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/user/create", `{"errcode":0}`)
	if _, err := s.CreateUser(context.Background(), CreateUserParams{UserID: "li.na", Name: "李娜", Mobile: "13900001111", Gender: GenderFemale}); err != nil {
		t.Fatal(err)
	}
	if g := string((*got)[0].fields(t)["gender"]); g != `"2"` {
		t.Errorf(`gender sent as %s, want "2"`, g)
	}
	for _, in := range []string{`{"gender":"2"}`, `{"gender":2}`} {
		var u User
		var c ExternalContact
		if err := json.Unmarshal([]byte(in), &u); err != nil || u.Gender != GenderFemale {
			t.Errorf("User from %s: %v, %v", in, u.Gender, err)
		}
		if err := json.Unmarshal([]byte(in), &c); err != nil || c.Gender != GenderFemale {
			t.Errorf("ExternalContact from %s: %v, %v", in, c.Gender, err)
		}
	}
}

// TestWrongKindClientFailsBeforeSending builds the service on a suite client: every call fails
// with ErrWrongKind and nothing reaches the server.
func TestWrongKindClientFailsBeforeSending(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	c, err := client.New(client.Suite{SuiteID: "wwsuite", Secret: "suite-secret"}, client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	s := New(c)
	if _, err := s.GetUser(context.Background(), "li.na"); !errors.Is(err, client.ErrWrongKind) {
		t.Errorf("GetUser: %v, want ErrWrongKind", err)
	}
	for _, err := range s.ListUserIDs(context.Background(), ListUserIDsParams{}) {
		if !errors.Is(err, client.ErrWrongKind) {
			t.Errorf("ListUserIDs: %v, want ErrWrongKind", err)
		}
	}
	for _, p := range []string{"/cgi-bin/user/get", "/cgi-bin/user/list_id", "/cgi-bin/service/get_suite_token"} {
		if n := srv.Calls(p); n != 0 {
			t.Errorf("%s called %d times", p, n)
		}
	}
}

func TestSecretNeverInErrors(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	srv.FailNext("/cgi-bin/user/get", 60011, 1)
	_, err := s.GetUser(context.Background(), "li.na")
	if err == nil || strings.Contains(err.Error(), wecomtest.Secret) || strings.Contains(err.Error(), "sim-access_token") {
		t.Fatalf("err = %v: missing, or leaks the secret/token", err)
	}
}

// checkFlatHeap walks walk(n) for n = 1,000 and 10,000 and compares the live heap halfway
// through: an iterator holds a page at a time, so the growth must not scale with the total.
// walk seeds n items, warms up, and returns the walk; check (optional) asserts each item.
func checkFlatHeap[T any](t *testing.T, what string, walk func(n int) iter.Seq2[T, error], check func(T) error) {
	t.Helper()
	live := map[int]uint64{}
	heap := func(m *runtime.MemStats) {
		runtime.GC()
		runtime.GC() // twice: the first leaves pooled buffers and finalizers
		runtime.ReadMemStats(m)
	}
	for _, n := range []int{1000, 10000} {
		seq := walk(n)
		var before, mid runtime.MemStats
		heap(&before)
		i := 0
		for v, err := range seq {
			if err == nil && check != nil {
				err = check(v)
			}
			if err != nil {
				t.Fatal(err)
			}
			if i++; i == n/2 {
				heap(&mid)
			}
		}
		if i != n {
			t.Fatalf("walked %d of %d %s", i, n, what)
		}
		live[n] = max(mid.HeapAlloc, before.HeapAlloc) - before.HeapAlloc
		t.Logf("live heap growth halfway through %d %s: %d B", n, what, live[n])
	}
	const budget = 256 << 10 // a page or two plus GC noise
	if live[10000] > budget || live[10000] > live[1000]+128<<10 {
		t.Errorf("live heap: %d B over 10,000 %s vs %d B over 1,000; want flat and < %d", live[10000], what, live[1000], budget)
	}
}
