package redisstore

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/webhook/webhooktest"
)

// conformance runs the webhook.Queue contract on queues on rdb, each on a stream of its own.
func conformance(t *testing.T, rdb redis.UniversalClient) {
	var n atomic.Int64
	webhooktest.TestQueue(t, func(t *testing.T, visibility time.Duration) webhook.Queue {
		q, err := NewQueue(rdb, "conformance:"+itoa(int(n.Add(1))), "workers", WithVisibilityTimeout(visibility))
		if err != nil {
			t.Fatal(err)
		}
		return q
	})
}

func TestQueueConformance(t *testing.T) {
	t.Parallel()
	conformance(t, startRedis(t).Client(t))
}

// TestQueueConformanceCluster: every command and script touches one key, so the queue works on
// a Redis Cluster too.
func TestQueueConformanceCluster(t *testing.T) {
	t.Parallel()
	conformance(t, startCluster(t))
}
