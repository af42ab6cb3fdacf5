package wecomtest_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The simulator answers 45009 past the per-corp, per-API window, as WeCom does, so users' tests
// meet the limits; other paths and other corps keep their own budgets.
func TestFrequencyLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var ips struct{}
	for try := 0; ; try++ {
		srv := wecomtest.Start(t, wecomtest.WithRateLimits(3, 0))
		c := srv.NewClient(t, client.WithRateLimit(0, 0), client.WithRetry(client.RetryPolicy{RateLimitRetries: -1}))
		minute := time.Now().Truncate(time.Minute)
		for i := range 3 {
			if err := c.Do(ctx, http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, &ips); err != nil {
				t.Fatalf("call %d: %v", i+1, err)
			}
		}
		err := c.Do(ctx, http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, &ips)
		if !time.Now().Truncate(time.Minute).Equal(minute) && try == 0 {
			continue // the calls straddled a minute boundary: the window started again
		}
		if !errors.Is(err, client.ErrRateLimited) || wecomtest.ErrCode(err) != client.CodeFrequencyLimit {
			t.Fatalf("4th call in the minute: got %v, want 45009", err)
		}
		if err := c.Do(ctx, http.MethodGet, "/cgi-bin/get_api_domain_ip", nil, nil, &ips); err != nil {
			t.Fatalf("another API has its own budget: %v", err)
		}
		return
	}
}
