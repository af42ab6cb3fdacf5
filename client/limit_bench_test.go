package client

import (
	"context"
	"testing"
)

// BenchmarkLimiterWait measures the limiter's share of a call: one admission per call, in
// process (the default memory store), for a client of the default limits raised out of reach.
func BenchmarkLimiterWait(b *testing.B) {
	c, err := New(CorpApp{CorpID: "ww1", Secret: "s"}, WithRateLimit(1<<30, 1<<30))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	key := c.auth.cacheID + " /cgi-bin/user/get" // the key Do passes
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.limits.wait(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}
