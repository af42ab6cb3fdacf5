package wecomtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// fatalTB records Fatalf instead of stopping the test, to check the Want helpers fail.
type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Helper()               {}
func (f *fatalTB) Fatalf(string, ...any) { f.failed = true }

func TestStartClosesWithTheTest(t *testing.T) {
	t.Parallel()
	var srv *wecomtest.Server
	t.Run("inner", func(t *testing.T) { srv = wecomtest.Start(t) })
	if resp, err := http.Get(srv.URL() + "/cgi-bin/gettoken"); err == nil {
		resp.Body.Close()
		t.Fatal("the server still answers after its test ended")
	}
}

// TestFastRetry: with FastRetry a 45009 and two busy answers are retried within a deadline
// that the default policy (a 60 s pause after 45009) would not fit.
func TestFastRetry(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	const path = "/cgi-bin/getcallbackip"
	srv.FailNext(path, client.CodeFrequencyLimit, 1)
	srv.FailNext(path, client.CodeBusy, 2)
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := c.Do(ctx, http.MethodGet, path, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := srv.Calls(path); n != 4 {
		t.Errorf("%d calls, want 4", n)
	}
}

func TestErrCode(t *testing.T) {
	t.Parallel()
	api := fmt.Errorf("wrapped: %w", &client.APIError{Code: client.CodeNoPrivilege})
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{api, client.CodeNoPrivilege},
		{errors.New("connection refused"), wecomtest.NotAPIError},
	} {
		if got := wecomtest.ErrCode(tc.err); got != tc.want {
			t.Errorf("ErrCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}

	for _, tc := range []struct {
		err  error
		fail bool
	}{{api, false}, {nil, true}, {&client.APIError{Code: client.CodeBusy}, true}, {errors.New("x"), true}} {
		f := &fatalTB{TB: t}
		wecomtest.WantCode(f, tc.err, client.CodeNoPrivilege)
		if f.failed != tc.fail {
			t.Errorf("WantCode(%v, 60011) failed = %v", tc.err, f.failed)
		}
	}
}

func TestWantInvalid(t *testing.T) {
	t.Parallel()
	ve := fmt.Errorf("send: %w", &client.ValidationError{Field: "touser", Reason: "empty"})
	for _, tc := range []struct {
		err  error
		fail bool
	}{{ve, false}, {&client.ValidationError{Field: "agentid"}, true}, {&client.APIError{Code: client.CodeInvalidParameter}, true}, {nil, true}} {
		f := &fatalTB{TB: t}
		wecomtest.WantInvalid(f, tc.err, "touser")
		if f.failed != tc.fail {
			t.Errorf("WantInvalid(%v, touser) failed = %v", tc.err, f.failed)
		}
	}
}
