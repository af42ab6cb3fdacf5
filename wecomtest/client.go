package wecomtest

import (
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// NewClient returns a client of the default internal app (CorpID, Secret) pointed at the
// server, with retry waits of milliseconds so fault tests run fast; opts come after and
// override. It fails t if the client cannot be built.
func (s *Server) NewClient(t testing.TB, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{
		client.WithBaseURL(s.URL()),
		client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, RateLimitWait: 10 * time.Millisecond}),
	}
	c, err := client.New(client.CorpApp{CorpID: CorpID, Secret: Secret}, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
