package redisstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/broadcast"
	"github.com/wecom-connector/wecom/store"
)

// BenchmarkBroadcastJobOverhead is the Redis case of the broadcast package's
// BenchmarkJobOverhead: it sends cards to downstream corps of the simulator, 16 at a time, in
// rounds of 300 corps that alternate between a plain loop of sends (the baseline) and a
// broadcast Job keeping its progress in Redis (a redis-server of the benchmark's own).
// Alternating keeps a shared machine's load swings out of the ratio. It reports ns per send of
// each way and, as redis-x, the median of the rounds' ratios to the baseline: the job's cost per
// target (six store round trips: the job-state read, a lease, a read under it, an attempt mark, a
// done mark and the lease's release) against the simulator's few hundred microseconds a send.
func BenchmarkBroadcastJobOverhead(b *testing.B) {
	const perRound, workers = 300, 16
	rs := New(startRedis(b).Client(b))
	ctx := context.Background()
	rounds := max(b.N, 3)
	_, nw := newBcastNetwork(b, 2*perRound*rounds, store.NewMemory())
	for _, c := range nw.corps { // every token first: the benchmark is the sends
		if err := warmBcastClient(ctx, nw, c); err != nil {
			b.Fatal(err)
		}
	}
	plain := func(corps []string) {
		var wg sync.WaitGroup
		next := make(chan string)
		for range workers {
			wg.Go(func() {
				for c := range next {
					if err := nw.send(ctx, broadcast.Target{ID: c, Key: broadcast.Key("plain", c)}); err != nil {
						b.Error(err)
					}
				}
			})
		}
		for _, c := range corps {
			next <- c
		}
		close(next)
		wg.Wait()
	}
	var took [2][]time.Duration
	var redisX []float64
	b.ResetTimer()
	for r := range rounds {
		batch := func(k int) []string { return nw.corps[(2*r+k)*perRound : (2*r+k+1)*perRound] }
		start := time.Now()
		plain(batch(0))
		took[0] = append(took[0], time.Since(start))
		start = time.Now()
		j := &broadcast.Job{ID: fmt.Sprintf("redis-%d", r), Targets: batch(1), Send: nw.send, Store: rs, Workers: workers}
		if res, err := j.Run(ctx); err != nil || res.Sent != perRound {
			b.Fatalf("%+v, %v", res, err)
		}
		took[1] = append(took[1], time.Since(start))
		redisX = append(redisX, float64(took[1][r])/float64(took[0][r]))
	}
	b.StopTimer()
	for k, name := range []string{"plain-ns/send", "redis-ns/send"} {
		var sum time.Duration
		for _, d := range took[k] {
			sum += d
		}
		b.ReportMetric(float64(sum)/float64(rounds*perRound), name)
	}
	slices.Sort(redisX)
	b.ReportMetric(redisX[len(redisX)/2], "redis-x")
	b.ReportMetric(0, "ns/op")
}

// warmBcastClient fetches corp's downstream token ahead of the sends.
func warmBcastClient(ctx context.Context, nw *bcastNetwork, corp string) error {
	c, err := nw.clientOf(corp)
	if err != nil {
		return err
	}
	return c.Do(ctx, "GET", "/cgi-bin/agent/get", map[string][]string{"agentid": {fmt.Sprint(bcastAgent(bcastIndex(corp)))}}, nil, nil)
}
