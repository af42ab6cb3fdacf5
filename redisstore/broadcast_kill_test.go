package redisstore

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/broadcast"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The SIGKILL test's job. Its children are fleet children (see fleet_test.go) with the role
// bcastKillRole: they run the job on the parent's simulator (envSim) and Redis (envRedis), with
// the store under fleetPrefix, until they are killed.
const (
	bcastKillRole   = "bcast-kill"
	bcastKillStores = 60 // targets of the job
	bcastKillLease  = 300 * time.Millisecond
	bcastKillJobID  = "price-change-kill"
)

// TestBroadcastSIGKILLResume: a real process running the job with its progress in Redis is
// killed with SIGKILL at a random point, three times in a row, each time while sends are in
// flight (WeCom delivers each message 40 ms before it answers); then this process runs the job
// again on the same Redis. Every store is messaged exactly once, and the kills did interrupt
// sends.
func TestBroadcastSIGKILLResume(t *testing.T) {
	if os.Getenv(envRole) == bcastKillRole {
		bcastKillMember(t)
		return
	}
	t.Parallel()
	f := newFleet(t)
	srv := wecomtest.NewServer()
	t.Cleanup(srv.Close)
	seedBcastNetwork(srv, bcastKillStores)
	srv.Inject(bcastSendPath, wecomtest.Fault{Delay: 40 * time.Millisecond, AfterHandler: true}, 1<<30)

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	for round := 1; round <= 3; round++ {
		at := srv.Served(bcastSendPath) + 1 + rng.IntN(12)
		c := f.spawn(bcastKillRole, 1, envSim+"="+srv.URL())[0]
		deadline := time.Now().Add(30 * time.Second)
		for srv.Served(bcastSendPath) < at {
			select {
			case <-c.done:
				t.Fatalf("round %d: the child ended before it was killed: %v\n%s", round, c.err, c.out.String())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the child did not reach %d sends\n%s", round, at, c.out.String())
			}
			time.Sleep(time.Millisecond)
		}
		if err := c.cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		<-c.done
		if c.err == nil || !strings.Contains(c.err.Error(), "killed") {
			t.Fatalf("round %d: child ended with %v, want killed; output:\n%s", round, c.err, c.out.String())
		}
		t.Logf("round %d: child killed after %d sends served", round, srv.Served(bcastSendPath))
	}

	st := New(f.rdb, WithPrefix(fleetPrefix))
	nw := dialBcastNetwork(t, srv.URL(), bcastKillStores, st)
	ctx := ctxFor(t, 30*time.Second)
	job := &broadcast.Job{ID: bcastKillJobID, Targets: nw.corps, Send: nw.send, Store: st, Workers: 4, Lease: bcastKillLease}
	res, err := job.Run(ctx)
	if err != nil || res.Done() != bcastKillStores {
		t.Fatalf("resumed run: %+v, %v; want all %d done", res, err, bcastKillStores)
	}
	t.Logf("resumed run: %+v; sends served in all: %d", res.Counts, srv.Served(bcastSendPath))
	checkBcastOnce(t, srv, bcastKillJobID, bcastKillStores)
	if srv.Served(bcastSendPath) <= bcastKillStores {
		t.Errorf("%d sends served for %d stores: no kill hit a send in flight", srv.Served(bcastSendPath), bcastKillStores)
	}
}

// bcastKillMember runs the job until it is killed (or finishes).
func bcastKillMember(t *testing.T) {
	m := joinFleet(t)
	nw := dialBcastNetwork(t, os.Getenv(envSim), bcastKillStores, m.st)
	job := &broadcast.Job{ID: bcastKillJobID, Targets: nw.corps, Send: nw.send, Store: m.st, Workers: 4, Lease: bcastKillLease}
	if _, err := job.Run(m.ctx); err != nil {
		t.Fatal(err)
	}
}
