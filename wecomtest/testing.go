package wecomtest

import (
	"errors"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Start is [NewServer] for a test: the server closes when t and its subtests end.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// FastRetry returns a retry policy of millisecond waits (the pause after 45009 included), so
// tests of faults and retries run fast. [Server.NewClient] applies it; add it to clients built
// with client.New (suite, provider, robot or mock-transport clients).
func FastRetry() client.Option {
	return client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, RateLimitWait: 10 * time.Millisecond})
}

// NewClient returns a client of the default internal app (CorpID, Secret) pointed at the
// server, with [FastRetry]; opts come after and override. It fails t if the client cannot be
// built.
func (s *Server) NewClient(t testing.TB, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{client.WithBaseURL(s.URL()), FastRetry()}
	c, err := client.New(client.CorpApp{CorpID: CorpID, Secret: Secret}, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// NotAPIError is what [ErrCode] returns for an error that holds no *client.APIError (a
// transport failure, a validation error); no WeCom errcode equals it.
const NotAPIError = -999

// ErrCode returns the errcode of the *client.APIError in err's chain: 0 for a nil err,
// [NotAPIError] when err holds none.
func ErrCode(err error) int {
	if err == nil {
		return 0
	}
	if e, ok := errors.AsType[*client.APIError](err); ok {
		return e.Code
	}
	return NotAPIError
}

// WantCode fails t at once unless err holds a *client.APIError with code.
func WantCode(t testing.TB, err error, code int) {
	t.Helper()
	if err == nil || ErrCode(err) != code {
		t.Fatalf("got %v, want errcode %d", err, code)
	}
}

// WantInvalid fails t at once unless err holds a *client.ValidationError about field (the
// refusal before sending, matching client.ErrInvalidParams).
func WantInvalid(t testing.TB, err error, field string) {
	t.Helper()
	ve, ok := errors.AsType[*client.ValidationError](err)
	switch {
	case !ok || !errors.Is(err, client.ErrInvalidParams):
		t.Fatalf("got %v, want a ValidationError on %s", err, field)
	case ve.Field != field:
		t.Fatalf("ValidationError on %q, want %q (%v)", ve.Field, field, err)
	}
}
