package broadcast_test

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

// BenchmarkJobOverhead sends cards to downstream corps of the simulator, 16 at a time, in
// rounds of 300 corps that alternate between two ways: a plain loop of sends (the baseline) and
// a broadcast Job keeping its progress in memory. Alternating keeps a shared machine's load
// swings out of the ratio. It reports ns per send of each way and, as memory-x, the median of
// the rounds' ratios to the baseline: the job's cost per target (a lease, an attempt mark and a
// done mark around each send) against the simulator's few hundred microseconds a send; against
// WeCom's tens of milliseconds it is smaller by as much again. The same with the progress in
// Redis is the redisstore module's BenchmarkBroadcastJobOverhead.
func BenchmarkJobOverhead(b *testing.B) {
	const perRound, workers = 300, 16
	ctx := context.Background()
	rounds := max(b.N, 3)
	nw := newNetwork(b, 2*perRound*rounds, store.NewMemory())
	for _, c := range nw.corps { // every token first: the benchmark is the sends
		nw.clientOf(b, c)
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
	job := func(st store.Store, id string, corps []string) {
		j := &broadcast.Job{ID: id, Targets: corps, Send: nw.send, Store: st, Workers: workers}
		if res, err := j.Run(ctx); err != nil || res.Sent != len(corps) {
			b.Fatalf("%+v, %v", res, err)
		}
	}
	var took [2][]time.Duration
	var memX []float64
	b.ResetTimer()
	for r := range rounds {
		batch := func(k int) []string { return nw.corps[(2*r+k)*perRound : (2*r+k+1)*perRound] }
		start := time.Now()
		plain(batch(0))
		took[0] = append(took[0], time.Since(start))
		start = time.Now()
		job(store.NewMemory(), fmt.Sprintf("mem-%d", r), batch(1))
		took[1] = append(took[1], time.Since(start))
		memX = append(memX, float64(took[1][r])/float64(took[0][r]))
	}
	b.StopTimer()
	for k, name := range []string{"plain-ns/send", "memory-ns/send"} {
		var sum time.Duration
		for _, d := range took[k] {
			sum += d
		}
		b.ReportMetric(float64(sum)/float64(rounds*perRound), name)
	}
	b.ReportMetric(medianOf(memX), "memory-x")
	b.ReportMetric(0, "ns/op")
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkRunNoop is the job's own cost per target, with a send that does nothing and the
// progress in memory: the floor under BenchmarkJobOverhead's memory-x.
func BenchmarkRunNoop(b *testing.B) {
	targets := make([]string, b.N)
	for i := range targets {
		targets[i] = fmt.Sprintf("t%07d", i)
	}
	j := &broadcast.Job{ID: "noop", Targets: targets, Store: store.NewMemory(), Workers: 16,
		Send: func(context.Context, broadcast.Target) error { return nil }}
	b.ResetTimer()
	if res, err := j.Run(context.Background()); err != nil || res.Sent != b.N {
		b.Fatalf("%+v, %v", res, err)
	}
}
