package client_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// fastRetry keeps retry waits short so tests of retry paths run in milliseconds.
var fastRetry = client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, RateLimitWait: 10 * time.Millisecond})

func newSim(t testing.TB, opts ...wecomtest.Option) *wecomtest.Server {
	t.Helper()
	srv := wecomtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t testing.TB, srv *wecomtest.Server, opts ...client.Option) *client.Client {
	t.Helper()
	return srv.NewClient(t, append([]client.Option{fastRetry}, opts...)...)
}

const (
	ipPath   = "/cgi-bin/getcallbackip"
	sendPath = "/cgi-bin/test/send"
	tokPath  = "/cgi-bin/gettoken"
)

type ipList struct {
	IPList []string `json:"ip_list"`
}

// addSend adds a POST endpoint that counts what it received, standing for any send.
func addSend(srv *wecomtest.Server) *int {
	n := new(int)
	srv.HandleFunc(http.MethodPost, sendPath, wecomtest.TokenCorp, func(c *wecomtest.Call) (any, error) {
		*n++
		return wecomtest.J{"msgid": "m1"}, nil
	})
	return n
}
