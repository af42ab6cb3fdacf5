package client_test

import (
	"context"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A client built per request and closed leaves no connection goroutines behind.
func TestCloseReleasesConnections(t *testing.T) {
	srv := newSim(t)
	settle := func() int {
		n := runtime.NumGoroutine()
		for range 50 {
			time.Sleep(10 * time.Millisecond)
			if m := runtime.NumGoroutine(); m == n {
				return n
			} else {
				n = m
			}
		}
		return n
	}
	base := settle()
	for range 20 {
		c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if after := settle(); after > base+4 {
		t.Fatalf("%d goroutines after 20 closed clients, %d before: connections leak", after, base)
	}
}
