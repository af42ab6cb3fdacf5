package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/broadcast"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The broadcast package's behaviour with its progress in Redis: a broadcast.Job whose Store is
// this module's, on a redis-server of the test's own. The broadcast package's own tests cover
// the in-memory store (the core module does not depend on Redis).

const bcastSendPath = "/cgi-bin/message/send"

// bcastNetwork is what the tests broadcast to: n downstream corps of the simulator's default
// corp, the default app shared with each, one manager per corp. The targets are the corp IDs; a
// send is a button card to the corp's manager through the corp's own downstream token, its
// task_id the target's key, with message/send's duplicate check on (the SDK's default).
type bcastNetwork struct {
	up    *client.Client
	corps []string

	mu      sync.Mutex
	clients map[string]*client.Client
}

func bcastCorp(i int) string    { return fmt.Sprintf("wwstore%05d", i) }
func bcastManager(i int) string { return fmt.Sprintf("s%05d.manager", i) }
func bcastAgent(i int) int      { return 1000100 + i }

func bcastIndex(corp string) int {
	var i int
	fmt.Sscanf(corp, "wwstore%05d", &i)
	return i
}

// seedBcastNetwork puts n corps into srv.
func seedBcastNetwork(srv *wecomtest.Server, n int) {
	for i := range n {
		srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: bcastCorp(i), CorpName: fmt.Sprintf("Store %d", i), AgentID: bcastAgent(i), BusinessType: 1})
		srv.AddUsers(bcastCorp(i), wecomtest.SeedUser{UserID: bcastManager(i), Name: "Manager"})
	}
}

// dialBcastNetwork is the network of n corps of the simulator at url; its upstream client keeps
// its tokens in st.
func dialBcastNetwork(t testing.TB, url string, n int, st store.Store) *bcastNetwork {
	t.Helper()
	up, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
		client.WithBaseURL(url), client.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	corps := make([]string, n)
	for i := range corps {
		corps[i] = bcastCorp(i)
	}
	return &bcastNetwork{up: up, corps: corps, clients: map[string]*client.Client{}}
}

// newBcastNetwork seeds n corps into a new simulator (closed with the test).
func newBcastNetwork(t testing.TB, n int, st store.Store) (*wecomtest.Server, *bcastNetwork) {
	t.Helper()
	srv := wecomtest.NewServer()
	t.Cleanup(srv.Close)
	seedBcastNetwork(srv, n)
	return srv, dialBcastNetwork(t, srv.URL(), n, st)
}

// clientOf returns the client acting as corp.
func (nw *bcastNetwork) clientOf(corp string) (*client.Client, error) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	c := nw.clients[corp]
	if c == nil {
		var err error
		if c, err = nw.up.Downstream(corp, bcastAgent(bcastIndex(corp))); err != nil {
			return nil, err
		}
		nw.clients[corp] = c
	}
	return c, nil
}

// send is the job's SendFunc: the same card bytes on every attempt for one target.
func (nw *bcastNetwork) send(ctx context.Context, t broadcast.Target) error {
	i := bcastIndex(t.ID)
	c, err := nw.clientOf(t.ID)
	if err != nil {
		return err
	}
	card := messages.TemplateCard{
		CardType:     messages.CardButtonInteraction,
		MainTitle:    &messages.MainTitle{Title: "New price list", Desc: "valid from 1 July"},
		SubTitleText: "Model X1: 1,299 (was 1,399)",
		TaskID:       t.Key,
		ButtonList:   []messages.Button{{Text: "Acknowledge", Key: "ack"}},
	}
	_, err = messages.New(c).Send(ctx, messages.SendParams{To: messages.ToUsers(bcastManager(i)), AgentID: bcastAgent(i), Message: card})
	if broadcast.AlreadySent(t, err) {
		return nil
	}
	return err
}

// checkBcastOnce fails the test unless every manager of the first n corps holds exactly one
// card, the job's (its task_id is the target's key).
func checkBcastOnce(t testing.TB, srv *wecomtest.Server, jobID string, n int) {
	t.Helper()
	bad := 0
	for i := range n {
		got := srv.Received(bcastManager(i))
		ok := len(got) == 1
		if ok {
			var c struct {
				TaskID string `json:"task_id"`
			}
			ok = json.Unmarshal(got[0].Content, &c) == nil && c.TaskID == broadcast.Key(jobID, bcastCorp(i))
		}
		if !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s of %s holds %d cards, want the job's one", bcastManager(i), bcastCorp(i), len(got))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d stores not messaged exactly once", bad, n)
	}
}

// TestBroadcastRunSendsEachOnce: every target is messaged once, the progress reports each, and
// a second run of the finished job sends nothing.
func TestBroadcastRunSendsEachOnce(t *testing.T) {
	t.Parallel()
	st := New(startRedis(t).Client(t))
	srv, nw := newBcastNetwork(t, 50, st)
	ctx := ctxFor(t, 30*time.Second)
	var seen []string
	var last broadcast.Progress
	job := &broadcast.Job{ID: "price-2024-07", Targets: nw.corps, Send: nw.send, Store: st, Workers: 4,
		OnProgress: func(p broadcast.Progress) {
			seen, last = append(seen, p.Target), p
			if p.Outcome != broadcast.OutcomeSent {
				t.Errorf("%s: outcome %d, want OutcomeSent", p.Target, p.Outcome)
			}
		}}
	res, err := job.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 50 || res.Sent != 50 || res.AlreadyDone != 0 || res.Failed != 0 || res.Resent != 0 {
		t.Errorf("result %+v, want 50 sent", res.Counts)
	}
	slices.Sort(seen)
	if !slices.Equal(seen, nw.corps) || last.Done() != 50 {
		t.Errorf("progress saw %d targets (last: %+v), want each of the 50 once", len(seen), last)
	}
	checkBcastOnce(t, srv, job.ID, 50)

	calls := srv.Calls(bcastSendPath)
	job.OnProgress = nil
	res, err = job.Run(ctx)
	if err != nil || res.AlreadyDone != 50 || res.Sent != 0 {
		t.Fatalf("second run: %+v, %v; want all 50 already done", res, err)
	}
	if n := srv.Calls(bcastSendPath); n != calls {
		t.Errorf("the finished job sent %d more messages", n-calls)
	}
}

// TestBroadcastCancelAtRandomPoints: cancelled at random points (some sends in flight,
// delivered by WeCom but unanswered), the job started again and again finishes with every
// store messaged exactly once.
func TestBroadcastCancelAtRandomPoints(t *testing.T) {
	t.Parallel()
	const n = 120
	st := New(startRedis(t).Client(t))
	srv, nw := newBcastNetwork(t, n, st)
	// Every send is answered 30 ms after WeCom delivered it, so a cancellation finds sends that
	// reached WeCom but whose answer never came.
	srv.Inject(bcastSendPath, wecomtest.Fault{Delay: 30 * time.Millisecond, AfterHandler: true}, 1<<30)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var resent, runs int
	for done := false; !done; runs++ {
		if runs > 40 {
			t.Fatal("the job did not finish in 40 runs")
		}
		ctx, cancel := context.WithCancel(ctxFor(t, 30*time.Second))
		stopAt := 1 + rng.IntN(n/4)
		job := &broadcast.Job{ID: "cancel", Targets: nw.corps, Send: nw.send, Store: st, Workers: 8,
			Lease: 2 * time.Second, OnProgress: func(p broadcast.Progress) {
				if p.Sent >= stopAt {
					cancel()
				}
			}}
		res, err := job.Run(ctx)
		cancel()
		resent += res.Resent
		switch {
		case err == nil:
			done = true
		case !errors.Is(err, context.Canceled):
			t.Fatalf("run %d: %v", runs, err)
		}
	}
	t.Logf("%d runs, %d targets resent after an interrupted attempt", runs, resent)
	if runs < 2 || resent == 0 {
		t.Errorf("%d runs and %d resends: the cancellations hit no send in flight", runs, resent)
	}
	checkBcastOnce(t, srv, "cancel", n)
}

// TestBroadcastConcurrentRunners: three runners of one job at once, each with its own
// connection pool to the shared Redis, message each target once between them.
func TestBroadcastConcurrentRunners(t *testing.T) {
	t.Parallel()
	r := startRedis(t)
	srv, nw := newBcastNetwork(t, 80, New(r.Client(t)))
	ctx := ctxFor(t, 30*time.Second)
	var wg sync.WaitGroup
	results := make([]*broadcast.Result, 3)
	errs := make([]error, 3)
	for i := range results {
		st := New(r.Client(t))
		wg.Go(func() {
			job := &broadcast.Job{ID: "shared", Targets: nw.corps, Send: nw.send, Store: st, Workers: 4, Lease: time.Second}
			results[i], errs[i] = job.Run(ctx)
		})
	}
	wg.Wait()
	sent := 0
	for i, res := range results {
		if errs[i] != nil || res.Done() != 80 {
			t.Errorf("runner %d: %+v, %v; want all 80 done", i, res.Counts, errs[i])
		}
		sent += res.Sent
	}
	if sent != 80 {
		t.Errorf("the runners sent %d messages between them, want 80", sent)
	}
	checkBcastOnce(t, srv, "shared", 80)
}
