package redisstore

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
)

// BenchmarkDoRateLimit measures one API call against a loopback server with the limiter
// counting in Redis (one Lua script per batch; redis-scripts/op says how many per call),
// against the same call with no limiter and with the in-process one, in the same run.
func BenchmarkDoRateLimit(b *testing.B) {
	answer := []byte(`{"errcode":0,"errmsg":"ok","userid":"zhangsan","name":"张三","department":[1,2],"status":1}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/gettoken" {
			_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok","access_token":"TOKEN","expires_in":7200}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	r := startRedis(b)
	rs := New(r.Client(b))
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	type user struct {
		UserID string `json:"userid"`
	}
	for _, tc := range []struct {
		name string
		st   store.Store
		opts []client.Option
	}{
		{"redis-store-no-limiter", rs, []client.Option{client.WithRateLimit(0, 0)}},
		{"redis-limiter", rs, nil},
		{"memory-limiter", store.NewMemory(), nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c, err := client.New(client.CorpApp{CorpID: "ww1", Secret: "s"}, append([]client.Option{client.WithBaseURL(srv.URL),
				client.WithHTTPClient(hc), client.WithStore(tc.st), client.WithRateLimit(1<<30, 1<<30)}, tc.opts...)...)
			if err != nil {
				b.Fatal(err)
			}
			q := map[string][]string{"userid": {"zhangsan"}}
			rdb := r.Client(b)
			before := scriptCalls(b, rdb)
			b.ReportAllocs()
			for b.Loop() {
				var u user
				if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/user/get", q, nil, &u); err != nil || u.UserID == "" {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(scriptCalls(b, rdb)-before)/float64(b.N), "redis-scripts/op")
		})
	}
}

// scriptCalls is how many Lua scripts Redis has run.
func scriptCalls(b *testing.B, rdb *redis.Client) int64 {
	var n int64
	stats, err := rdb.Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(stats, "\n") {
		for _, cmd := range []string{"cmdstat_evalsha:calls=", "cmdstat_eval:calls="} {
			if rest, ok := strings.CutPrefix(line, cmd); ok {
				v, _, _ := strings.Cut(rest, ",")
				c, _ := strconv.ParseInt(v, 10, 64)
				n += c
			}
		}
	}
	return n
}
