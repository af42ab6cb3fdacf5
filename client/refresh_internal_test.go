package client

import (
	"math/rand/v2"
	"testing"
	"time"
)

// simulateFleetDay mints corps tokens spread over the first minute, then refreshes each at
// refreshAt of its latest token, for a day, and returns the refreshes in the busiest minute
// after the first hour and how many minutes saw refreshes at all.
func simulateFleetDay(corps int, randN func(int64) int64) (peak, busyMinutes int) {
	start := time.Unix(1_700_000_000, 0)
	const life = 7200 * time.Second
	perMinute := map[int64]int{}
	for i := range corps {
		at := start.Add(time.Duration(i) * time.Minute / time.Duration(corps))
		for {
			at = refreshAt(at, life, randN)
			if at.Sub(start) > 24*time.Hour {
				break
			}
			perMinute[int64(at.Sub(start)/time.Minute)]++
		}
	}
	for _, n := range perMinute {
		peak = max(peak, n)
	}
	return peak, len(perMinute)
}

// 10,000 tokens minted in one minute are not all refreshed in one later minute: the jitter
// spreads the first refresh over a few minutes and every later cycle further.
func TestFleetRefreshSpread(t *testing.T) {
	t.Parallel()
	const corps = 10_000
	rng := rand.New(rand.NewPCG(1, 2))
	peak, minutes := simulateFleetDay(corps, rng.Int64N)
	basePeak, baseMinutes := simulateFleetDay(corps, func(int64) int64 { return 0 })
	t.Logf("refreshes over a simulated day of %d corps: busiest minute %d (%.2fx the unjittered %d), %d minutes with refreshes (unjittered %d)",
		corps, peak, float64(peak)/float64(basePeak), basePeak, minutes, baseMinutes)
	if peak > corps/5 {
		t.Errorf("busiest minute has %d of %d refreshes; want them spread over at least 5 minutes", peak, corps)
	}
	if basePeak < corps || peak*2 > basePeak {
		t.Errorf("jittered peak %d against unjittered %d: want under half", peak, basePeak)
	}
}

// BenchmarkFleetRefreshSpread reports the busiest minute's refreshes of 10,000 corps over a
// simulated day with the jitter, against the same day without it (the baseline).
func BenchmarkFleetRefreshSpread(b *testing.B) {
	const corps = 10_000
	b.Run("jittered", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(1, 2))
		for b.Loop() {
			peak, _ := simulateFleetDay(corps, rng.Int64N)
			b.ReportMetric(float64(peak), "refreshes/busiest-min")
		}
	})
	b.Run("baseline-unjittered", func(b *testing.B) {
		for b.Loop() {
			peak, _ := simulateFleetDay(corps, func(int64) int64 { return 0 })
			b.ReportMetric(float64(peak), "refreshes/busiest-min")
		}
	})
}
