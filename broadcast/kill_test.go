package broadcast_test

import (
	"bytes"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/broadcast"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The kill test re-runs this test binary as a child process (os.Args[0] -test.run=^TestX$) with
// these variables set; the child runs the job against the parent's simulator and store.
const (
	envKillStore = "BROADCAST_KILL_STORE" // the store server's URL; set only in the child
	envKillSim   = "BROADCAST_KILL_SIM"   // the simulator's URL
	killStores   = 60                     // targets of the job
	killLease    = 300 * time.Millisecond
	killJobID    = "price-change-kill"
)

// TestSIGKILLResume: a real process running the job is killed with SIGKILL at a random point,
// three times in a row, each time while sends are in flight (WeCom delivers each message 40 ms
// before it answers); then this process runs the job again. The store is this process's memory
// store served over loopback HTTP (the redisstore module runs the same test on Redis). Every
// store is messaged exactly once, and the kills did interrupt sends.
func TestSIGKILLResume(t *testing.T) {
	if base := os.Getenv(envKillStore); base != "" {
		killChild(t, base)
		return
	}
	t.Parallel()
	mem := store.NewMemory()
	ss := httptest.NewServer(storeServer{mem})
	t.Cleanup(ss.Close)
	srv := wecomtest.NewServer()
	t.Cleanup(srv.Close)
	seedNetwork(srv, killStores)
	srv.Inject(sendPath, wecomtest.Fault{Delay: 40 * time.Millisecond, AfterHandler: true}, 1<<30)

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	for round := 1; round <= 3; round++ {
		at := srv.Served(sendPath) + 1 + rng.IntN(12)
		killAt(t, srv, ss.URL, at)
		t.Logf("round %d: child killed after %d sends served", round, srv.Served(sendPath))
	}

	nw := dialNetwork(t, srv.URL(), killStores, mem, srv)
	ctx := ctxFor(t, 30*time.Second)
	job := &broadcast.Job{ID: killJobID, Targets: nw.corps, Send: nw.send, Store: mem, Workers: 4, Lease: killLease}
	res, err := job.Run(ctx)
	if err != nil || res.Done() != killStores {
		t.Fatalf("resumed run: %+v, %v; want all %d done", res, err, killStores)
	}
	t.Logf("resumed run: %+v; sends served in all: %d", res.Counts, srv.Served(sendPath))
	checkOnce(t, srv, killJobID, killStores)
	if srv.Served(sendPath) <= killStores {
		t.Errorf("%d sends served for %d stores: no kill hit a send in flight", srv.Served(sendPath), killStores)
	}
}

// killAt starts a child running the job on the store served at storeURL and SIGKILLs it once
// the simulator has served at least sends message/send calls.
func killAt(t *testing.T, srv *wecomtest.Server, storeURL string, sends int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSIGKILLResume$", "-test.count=1")
	cmd.Env = append(os.Environ(), envKillStore+"="+storeURL, envKillSim+"="+srv.URL())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for srv.Served(sendPath) < sends {
		select {
		case err := <-exited:
			t.Fatalf("the child ended before it was killed: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the child did not reach %d sends\n%s", sends, out.String())
		}
		time.Sleep(time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended with %v, want killed; output:\n%s", err, out.String())
	}
}

// killChild runs the job on the store served at base until it is killed (or finishes).
func killChild(t *testing.T, base string) {
	st := httpStore{base: base}
	nw := dialNetwork(t, os.Getenv(envKillSim), killStores, st, nil)
	ctx := ctxFor(t, 60*time.Second)
	job := &broadcast.Job{ID: killJobID, Targets: nw.corps, Send: nw.send, Store: st, Workers: 4, Lease: killLease}
	if _, err := job.Run(ctx); err != nil {
		t.Fatal(err)
	}
}
