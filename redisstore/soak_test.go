package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The soak's settings. A worker's function times out well inside the visibility timeout, and
// its dedupe lease (ack budget + 1 s) expires soon after it, so a killed worker's entry is
// handled again within a few seconds.
const (
	soakStream     = "soak"
	soakGroup      = "workers"
	soakWorkers    = 4
	soakVisibility = 2 * time.Second
	soakSend       = 15 * time.Second        // callbacks arrive this long
	soakRate       = 10 * time.Millisecond   // one callback per tick
	soakKillEvery  = 2500 * time.Millisecond // one worker SIGKILLed and restarted
	soakDrain      = 20 * time.Second        // then every acknowledged callback must be handled
	envSoakSlot    = "REDISSTORE_SOAK_SLOT"  // the worker's slot, kept across restarts
)

// TestSoakQueueKills: callbacks POSTed by the simulator to a webhook.Handler whose intake is a
// Queue on a real redis-server; 4 worker processes run Handler.Consume on it; the user function
// fails 20% of first attempts; one worker is SIGKILLed every few seconds and restarted. Every
// acknowledged callback is handled; one is handled twice only if a kill hit it in flight.
func TestSoakQueueKills(t *testing.T) {
	if os.Getenv(envRole) == "soak" {
		soakWorker(t)
		return
	}
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	t.Parallel()
	start := time.Now()
	f := newFleet(t)
	ctx := ctxFor(t, 90*time.Second)
	q, err := NewQueue(f.rdb, soakStream, soakGroup, WithVisibilityTimeout(soakVisibility))
	if err != nil {
		t.Fatal(err)
	}
	cr, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	intake := httptest.NewServer(webhook.NewHandler(cr, webhook.WithQueue(q)))
	defer intake.Close()
	srv := wecomtest.NewServer()
	defer srv.Close()

	workers := make([]*child, soakWorkers)
	for slot := range workers {
		workers[slot] = f.spawn("soak", 1, envSoakSlot+"="+itoa(slot))[0]
	}

	// Senders: one callback per tick, each with a new MsgId, until soakSend has passed.
	var (
		sent, acked  atomic.Int64
		mu           sync.Mutex
		ackedIDs     []int64
		deliverErrs  []string
		senders      sync.WaitGroup
		sendUntil    = time.Now().Add(soakSend)
		cfg          = wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: cbAESKey, Attempts: 1}
		tick         = time.NewTicker(soakRate)
		nextMsgID    atomic.Int64
		killedPIDs   = map[string]bool{}
		kills        int
		nextKillSlot int
	)
	senders.Go(func() {
		defer tick.Stop()
		var inflight sync.WaitGroup
		for now := range tick.C {
			if now.After(sendUntil) {
				break
			}
			inflight.Go(func() {
				id := nextMsgID.Add(1)
				sent.Add(1)
				plain := wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, id, "soak")
				d, err := srv.DeliverCallback(ctx, intake.URL, cfg, plain)
				mu.Lock()
				defer mu.Unlock()
				if err != nil || !d.Acked {
					deliverErrs = append(deliverErrs, fmt.Sprintf("msg %d: acked %v, %v", id, d.Acked, err))
					return
				}
				acked.Add(1)
				ackedIDs = append(ackedIDs, id)
			})
		}
		inflight.Wait()
	})

	// Meanwhile one worker after another is killed and replaced under its consumer name.
	for time.Now().Add(soakKillEvery).Before(sendUntil) {
		time.Sleep(soakKillEvery)
		slot := nextKillSlot % soakWorkers
		nextKillSlot++
		c := workers[slot]
		select {
		case <-c.done:
			t.Fatalf("worker %d exited on its own: %v\n%s", slot, c.err, c.out.String())
		default:
		}
		killedPIDs[strconv.Itoa(c.cmd.Process.Pid)] = true
		if err := c.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-c.done
		kills++
		workers[slot] = f.spawn("soak", 1, envSoakSlot+"="+itoa(slot))[0]
	}
	senders.Wait()

	// Drain: every acknowledged callback handled, the stream empty.
	var st soakStats
	deadline := time.Now().Add(soakDrain)
	for {
		st = readSoak(t, ctx, f.rdb, ackedIDs, killedPIDs)
		backlog, err := f.rdb.XLen(ctx, soakStream).Result()
		if err != nil {
			t.Fatal(err)
		}
		if (st.lost == 0 && backlog == 0) || time.Now().After(deadline) {
			break
		}
		for slot, c := range workers {
			select {
			case <-c.done:
				t.Fatalf("worker %d exited on its own: %v\n%s", slot, c.err, c.out.String())
			default:
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	dead, err := f.rdb.XLen(ctx, soakStream+":dead").Result()
	if err != nil {
		t.Fatal(err)
	}
	backlog, _ := f.rdb.XLen(ctx, soakStream).Result()
	invocations := 0
	tries, err := f.rdb.HVals(ctx, "ctl:soak:tries").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range tries {
		n, _ := strconv.Atoi(v)
		invocations += n
	}
	t.Logf("soak: sent=%d kills=%d injected_faults=%d invocations=%d dead_letters=%d backlog=%d elapsed=%s",
		sent.Load(), kills, st.faults, invocations, dead, backlog, time.Since(start).Round(time.Millisecond))
	summary := fmt.Sprintf("soak: acked=%d handled=%d lost=%d duplicates=%d extra_after_kill=%d",
		acked.Load(), st.handled, st.lost, st.duplicates, st.extraAfterKill)
	t.Log(summary)

	if len(deliverErrs) > 0 {
		t.Errorf("%d callbacks not acknowledged by the intake, e.g. %s", len(deliverErrs), deliverErrs[0])
	}
	if st.lost != 0 || st.duplicates != 0 || st.handled != int(acked.Load()) {
		t.Errorf("%s: want lost=0 duplicates=0 handled=acked; e.g. %s", summary, st.example)
	}
	if dead != 0 || backlog != 0 {
		t.Errorf("%d entries dead-lettered and %d left in the stream, want none", dead, backlog)
	}
	if kills == 0 || st.faults == 0 || acked.Load() == 0 {
		t.Errorf("kills=%d faults=%d acked=%d: the soak proved nothing", kills, st.faults, acked.Load())
	}
}

type soakStats struct {
	handled, lost, duplicates, extraAfterKill, faults int
	example                                           string // one problem, for the failure message
}

// readSoak tallies the workers' records. A callback handled more than once counts as an extra
// after a kill when the handling before the extra one ran in a process that was later killed
// and had not recorded the queue ack; otherwise (the entry had been acknowledged, or nobody
// died on it) as a duplicate.
func readSoak(t *testing.T, ctx context.Context, rdb *redis.Client, ackedIDs []int64, killed map[string]bool) soakStats {
	t.Helper()
	oks, err := rdb.LRange(ctx, "ctl:soak:ok", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	ackRecs, err := rdb.LRange(ctx, "ctl:soak:acked", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	ackedBy := map[string]bool{} // "msgid pid"
	for _, a := range ackRecs {
		ackedBy[a] = true
	}
	var st soakStats
	lastBy := map[string]string{} // msgid → pid of its latest successful handling
	for _, ok := range oks {      // in the order the handlings succeeded
		id, pid, _ := strings.Cut(ok, " ")
		prev, again := lastBy[id]
		lastBy[id] = pid
		switch {
		case !again:
			st.handled++
		case killed[prev] && !ackedBy[id+" "+prev]:
			st.extraAfterKill++
		default:
			st.duplicates++
			st.example = fmt.Sprintf("msg %s handled by %s and again by %s", id, prev, pid)
		}
	}
	for _, id := range ackedIDs {
		if id%5 == 0 {
			st.faults++
		}
		if _, ok := lastBy[strconv.FormatInt(id, 10)]; !ok {
			st.lost++
			if st.example == "" {
				st.example = fmt.Sprintf("msg %d acknowledged, never handled", id)
			}
		}
	}
	return st
}

// soakWorker is one worker process: it consumes the queue until it is killed.
func soakWorker(t *testing.T) {
	m := joinFleet(t)
	q, err := NewQueue(m.rdb, soakStream, soakGroup, WithVisibilityTimeout(soakVisibility))
	if err != nil {
		t.Fatal(err)
	}
	cr, err := webhook.NewCrypto(cbToken, cbAESKey, wecomtest.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(os.Getpid())
	h := webhook.NewHandler(cr, webhook.WithStore(m.st), webhook.WithAckBudget(500*time.Millisecond),
		webhook.WithHandlerTimeout(time.Second))
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		id := strconv.FormatInt(ev.MsgID, 10)
		tries, err := m.rdb.HIncrBy(ctx, "ctl:soak:tries", id, 1).Result()
		if err != nil {
			return nil, err
		}
		if tries == 1 && ev.MsgID%5 == 0 {
			return nil, errors.New("soak: injected fault")
		}
		if err := m.rdb.RPush(ctx, "ctl:soak:ok", id+" "+pid).Err(); err != nil {
			return nil, err
		}
		// More work after the effect, for kills to land between it and the acknowledgement.
		time.Sleep(time.Duration(ev.MsgID%7) * time.Millisecond)
		return nil, nil
	})
	rq := &ackRecorder{Queue: q, rdb: m.rdb, pid: pid, msgIDs: map[string]string{}}
	err = h.Consume(m.ctx, rq, "soak-"+os.Getenv(envSoakSlot), webhook.ConsumeOptions{Block: 200 * time.Millisecond, MaxAttempts: 10})
	if !errors.Is(err, context.DeadlineExceeded) { // m.ctx's end, if the parent never kills it
		t.Fatal(err)
	}
}

// ackRecorder records "msgid pid" in ctl:soak:acked once the queue acknowledged an entry.
type ackRecorder struct {
	*Queue
	rdb *redis.Client
	pid string

	mu     sync.Mutex
	msgIDs map[string]string // entry ID → MsgId
}

func (a *ackRecorder) Receive(ctx context.Context, consumer string, n int, block time.Duration) ([]webhook.Delivery, error) {
	ds, err := a.Queue.Receive(ctx, consumer, n, block)
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, d := range ds {
		if ev, perr := webhook.Parse(d.Event.Plaintext); perr == nil {
			a.msgIDs[d.ID] = strconv.FormatInt(ev.EventHeader().MsgID, 10)
		}
	}
	return ds, err
}

func (a *ackRecorder) Ack(ctx context.Context, id string) error {
	if err := a.Queue.Ack(ctx, id); err != nil {
		return err
	}
	a.mu.Lock()
	msgID := a.msgIDs[id]
	delete(a.msgIDs, id)
	a.mu.Unlock()
	return a.rdb.RPush(ctx, "ctl:soak:acked", msgID+" "+a.pid).Err()
}
