package customerservice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/ctxtime"
	"github.com/wecom-connector/wecom/store"
)

// DefaultLease is how long a [Service.Pull]'s claim on a message and its lock on the account
// live without renewal. The holder renews both every third of it while it works, so a long
// action keeps its claim, and a process that dies lets them go within one lease.
const DefaultLease = 30 * time.Second

// DedupeTTL is how long a message stays marked done: the 3 days sync_msg can replay, and a day
// more.
const DedupeTTL = 4 * 24 * time.Hour

// doneMark is the value of a done message's key; a claim holds "claim:" + its owner.
const doneMark = "done"

// errBusy: another live pull holds the account (SafetyPull then skips it).
var errBusy = errors.New("wecom: kf account is being pulled by another pull")

// Claim is a message a [Service.Pull] holds for its caller. Nobody else handles it while the
// claim lasts: the Pull renews it until the caller calls Done (after its action succeeded) or
// Release (after it failed). If the process dies the claim expires within the lease and a later
// pull, in this process or a sibling, yields the message again.
type Claim struct {
	// Message is the claimed message or event.
	Message Message

	pl  *puller
	key string
	val []byte

	mu    sync.Mutex // serialises Done, Release and the renewal's store calls
	state claimState
}

type claimState int

const (
	claimOpen claimState = iota
	claimDone
	claimReleased
)

// Done marks the message handled, for [DedupeTTL]: no pull yields it again. Call it only after
// the action succeeded. If the store fails, the claim stays open and Done may be called again;
// a claim still open when the loop body returns is released. Done after Done is a no-op. Done
// and Release work even after ctx ended (a deadline hit mid-action is a usual reason to
// release), within a third of the lease.
func (c *Claim) Done(ctx context.Context) error {
	ctx, cancel := c.pl.bounded(ctx)
	defer cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case claimDone:
		return nil
	case claimReleased:
		return fmt.Errorf("wecom: kf message %s: Done after Release", c.Message.Header().MsgID)
	}
	if err := c.pl.st.Set(ctx, c.key, []byte(doneMark), DedupeTTL); err != nil {
		return fmt.Errorf("wecom: mark kf message done: %w", err)
	}
	c.state = claimDone
	c.pl.forget(c)
	return nil
}

// Release gives the message up after a failed action: the Pull stops at the end of the page
// without moving the cursor, and the next pull yields the message again. If the store fails the
// claim simply expires within the lease. Release after Done or Release is a no-op.
func (c *Claim) Release(ctx context.Context) error {
	ctx, cancel := c.pl.bounded(ctx)
	defer cancel()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != claimOpen {
		return nil
	}
	c.state = claimReleased
	c.pl.forget(c)
	if _, err := store.CompareAndDelete(ctx, c.pl.st, c.key, c.val); err != nil {
		return fmt.Errorf("wecom: release kf message (it expires within the lease): %w", err)
	}
	return nil
}

// renew extends an open claim that is still this one's.
func (c *Claim) renew(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == claimOpen {
		c.pl.extend(ctx, c.key, c.val)
	}
}

// end returns the state the loop body left the claim in, releasing it if still open.
func (c *Claim) end(ctx context.Context) (claimState, error) {
	c.mu.Lock()
	st := c.state
	c.mu.Unlock()
	if st != claimOpen {
		return st, nil
	}
	return claimOpen, c.Release(ctx)
}

// Pull yields the account's new messages and events like [Service.Sync], each as a [Claim], and
// commits only what the caller marked done:
//
//	for c, err := range svc.Pull(ctx, p) {
//		if err != nil {
//			return err
//		}
//		if err := act(ctx, c.Message); err != nil {
//			c.Release(ctx) // the next pull yields it again
//			return err
//		}
//		if err := c.Done(ctx); err != nil {
//			return err
//		}
//	}
//
// Settle each claim with Done or Release in the loop body: a claim left open when the body
// returns is released and the Pull ends with an error saying so. The stored cursor moves past a
// page only once every message of it is done, so a failure or a crash anywhere in the loop
// loses nothing: a message is handled at least once, and exactly once when no process dies
// between its action and Done (make the action idempotent for that case; see [ReplyMsgID]).
// A released message ends the Pull at the end of its page.
//
// Messages already done are skipped. Pull holds the account with a lease in the client's store
// (p.Lease, default [DefaultLease]), shared by every process on that store: a second Pull of the
// account waits for the first to end, or for its lease to expire if it died, and a message
// still claimed by another pull is waited for, not failed. ctx bounds the waits. Store keys
// start with the cursor key (see [SyncParams]). Errors are yielded last, as in Sync.
func (s *Service) Pull(ctx context.Context, p SyncParams) iter.Seq2[*Claim, error] {
	return s.pull(ctx, p, true)
}

// pull is Pull; without wait it ends with errBusy at once when another pull holds the account.
func (s *Service) pull(ctx context.Context, p SyncParams, wait bool) iter.Seq2[*Claim, error] {
	return func(yield func(*Claim, error) bool) {
		if err := check.Required("open_kfid", p.OpenKfID); err != nil {
			yield(nil, err)
			return
		}
		if p.Lease < 0 {
			yield(nil, check.Invalid("lease", "want a positive duration, have %v", p.Lease))
			return
		}
		pl, err := s.lock(ctx, p, wait)
		if err != nil {
			yield(nil, err)
			return
		}
		defer pl.unlock()
		err = s.walk(ctx, p, func(ms []Message) (bool, error) {
			complete := true
			for i, m := range ms {
				ms[i] = nil // memory stays one page, as in Sync
				if pl.lost.Load() {
					return false, fmt.Errorf("wecom: kf pull of %s lost its lock (lease expired); stopped", p.OpenKfID)
				}
				c, err := pl.claim(ctx, m)
				if err != nil {
					return false, err
				}
				if c == nil {
					continue // done before
				}
				if !yield(c, nil) {
					_, _ = c.end(ctx)
					return false, nil
				}
				switch st, err := c.end(ctx); st {
				case claimReleased:
					complete = false
				case claimOpen:
					return false, errors.Join(fmt.Errorf("wecom: kf message %s left neither done nor released; released", m.Header().MsgID), err)
				}
			}
			return complete, nil
		})
		if err != nil {
			yield(nil, err)
		}
	}
}

// puller is one Pull's hold on an account: its lock and its open claims, renewed together.
type puller struct {
	st    store.Store
	lease time.Duration
	poll  time.Duration // how often a waiter looks again
	key   string        // the cursor key; every other key hangs off it
	owner string
	lock  []byte
	lost  atomic.Bool // the lock expired under us

	mu   sync.Mutex
	open map[*Claim]struct{}
	seq  int

	stop, done chan struct{}
}

// lock takes the account's pull lock, waiting (if wait) while another live pull holds it, and
// starts renewing it.
func (s *Service) lock(ctx context.Context, p SyncParams, wait bool) (*puller, error) {
	lease := p.Lease
	if lease == 0 {
		lease = DefaultLease
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	pl := &puller{
		st: s.c.Store(), lease: lease, poll: min(max(lease/10, 10*time.Millisecond), time.Second),
		key: s.cursorKey(p), owner: hex.EncodeToString(id[:]),
		open: make(map[*Claim]struct{}), stop: make(chan struct{}), done: make(chan struct{}),
	}
	pl.lock = []byte("pull:" + pl.owner)
	for {
		ok, err := pl.st.SetNX(ctx, pl.key+":pull", pl.lock, lease)
		if err != nil {
			return nil, fmt.Errorf("wecom: lock kf account: %w", err)
		}
		if ok {
			break
		}
		if !wait {
			return nil, errBusy
		}
		if err := pl.sleep(ctx); err != nil {
			return nil, err
		}
	}
	go pl.renewLoop(context.WithoutCancel(ctx))
	return pl, nil
}

// unlock stops renewing and frees the account for the next pull.
func (pl *puller) unlock() {
	close(pl.stop)
	<-pl.done
	ctx, cancel := pl.bounded(context.Background())
	defer cancel()
	_, _ = store.CompareAndDelete(ctx, pl.st, pl.key+":pull", pl.lock) // else it expires
}

// bounded is ctx without its cancellation, for a third of the lease.
func (pl *puller) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), pl.lease/3)
}

func (pl *puller) sleep(ctx context.Context) error { return ctxtime.Sleep(ctx, pl.poll) }

// renewLoop extends the lock and the open claims every third of the lease; each round is
// bounded by that third, so a hung store cannot pile rounds up.
func (pl *puller) renewLoop(ctx context.Context) {
	defer close(pl.done)
	tick := time.NewTicker(pl.lease / 3)
	defer tick.Stop()
	for {
		select {
		case <-pl.stop:
			return
		case <-tick.C:
		}
		rctx, cancel := context.WithTimeout(ctx, pl.lease/3)
		if !pl.extend(rctx, pl.key+":pull", pl.lock) {
			pl.lost.Store(true)
		}
		pl.mu.Lock()
		open := make([]*Claim, 0, len(pl.open))
		for c := range pl.open {
			open = append(open, c)
		}
		pl.mu.Unlock()
		for _, c := range open {
			c.renew(rctx)
		}
		cancel()
	}
}

// extend renews key if it still holds val and reports false once it holds something else. The
// Store has no compare-and-set, so this is a Get then a Set: a lease that expires in between
// and is taken at once can be overwritten, which costs a duplicate action, never a lost message.
// A store error counts as still held: the lease then simply runs out.
func (pl *puller) extend(ctx context.Context, key string, val []byte) bool {
	cur, err := pl.st.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) || err == nil && string(cur) != string(val) {
		return false
	}
	if err == nil {
		_ = pl.st.Set(ctx, key, val, pl.lease)
	}
	return true
}

// claim takes m for the caller, or returns nil if m is done. A message another live pull holds
// is waited for until that pull marks it done, releases it or lets it expire.
func (pl *puller) claim(ctx context.Context, m Message) (*Claim, error) {
	key := pl.key + ":msg:" + messageID(m)
	pl.mu.Lock()
	pl.seq++
	c := &Claim{Message: m, pl: pl, key: key, val: []byte("claim:" + pl.owner + ":" + strconv.Itoa(pl.seq))}
	pl.mu.Unlock()
	for {
		ok, err := pl.st.SetNX(ctx, key, c.val, pl.lease)
		if err != nil {
			return nil, fmt.Errorf("wecom: claim kf message: %w", err)
		}
		if ok {
			pl.mu.Lock()
			pl.open[c] = struct{}{}
			pl.mu.Unlock()
			return c, nil
		}
		cur, err := pl.st.Get(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
			continue // released or expired since: claim it now
		case err != nil:
			return nil, fmt.Errorf("wecom: claim kf message: %w", err)
		case string(cur) == doneMark:
			return nil, nil
		}
		if err := pl.sleep(ctx); err != nil {
			return nil, fmt.Errorf("wecom: kf message %s is claimed by another pull: %w", m.Header().MsgID, err)
		}
	}
}

// forget stops renewing c.
func (pl *puller) forget(c *Claim) {
	pl.mu.Lock()
	delete(pl.open, c)
	pl.mu.Unlock()
}
