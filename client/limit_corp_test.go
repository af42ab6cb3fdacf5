package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// Two secrets of one corp share the corp's budget through Do: WeCom counts per corp and API.
func TestRateLimitPerCorpThroughDo(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "second-secret", AgentID: 1000003, Name: "second"})
	st := store.NewMemory()
	fc := &fakeClock{t: limitT0}
	mk := func(secret string) *client.Client {
		c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: secret}, client.WithBaseURL(srv.URL()),
			client.WithStore(st), client.WithRateLimit(1, 0))
		if err != nil {
			t.Fatal(err)
		}
		client.SetLimiterClock(c, fc.Now, realSleep)
		return c
	}
	a, b := mk(wecomtest.Secret), mk("second-secret")
	if err := a.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Do(ctx, http.MethodGet, ipPath, nil, nil, nil); !errors.Is(err, client.ErrRateLimited) {
		t.Fatalf("the corp's second secret: got %v, want ErrRateLimited (one budget per corp)", err)
	}
}
