package redisstore

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// benchStores is the baseline (the in-process store) and this store, measured in one run.
func benchStores(b *testing.B) []struct {
	name string
	st   store.Store
} {
	r := startRedis(b)
	return []struct {
		name string
		st   store.Store
	}{{"memory", store.NewMemory()}, {"redis", New(r.Client(b))}}
}

// BenchmarkStore measures the store calls behind a callback's dedupe (SetNX), a cursor load
// (Get) and a token invalidation (CompareAndDelete) against the in-memory baseline.
func BenchmarkStore(b *testing.B) {
	ctx := context.Background()
	for _, s := range benchStores(b) {
		b.Run(s.name+"/Get", func(b *testing.B) {
			if err := s.st.Set(ctx, "cursor", []byte("4gw7MepFLfgF2VC5npN"), 0); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := s.st.Get(ctx, "cursor"); err != nil {
					b.Fatal(err)
				}
			}
		})
		i := 0 // outside the closure: -count re-runs it on the same store
		b.Run(s.name+"/SetNX", func(b *testing.B) {
			for b.Loop() {
				i++
				if ok, err := s.st.SetNX(ctx, "cb:"+itoa(i), []byte("p"), time.Minute); err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
		})
		b.Run(s.name+"/CompareAndDelete", func(b *testing.B) {
			cd := s.st.(store.CompareAndDeleter)
			for b.Loop() {
				if _, err := cd.CompareAndDelete(ctx, "tok", []byte("old")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAPICall measures a whole API call with a warm token against the simulator: once a
// process holds a fresh token it does not touch the store, so Redis should cost nothing here.
func BenchmarkAPICall(b *testing.B) {
	srv := wecomtest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	for _, s := range benchStores(b) {
		b.Run(s.name, func(b *testing.B) {
			c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
				client.WithBaseURL(srv.URL()), client.WithStore(s.st), client.WithLogger(slog.New(slog.DiscardHandler)),
				client.WithRateLimit(0, 0))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if err := callIPs(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
