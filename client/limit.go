package client

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wecom-connector/wecom/internal/ctxtime"
	"github.com/wecom-connector/wecom/store"
)

// WeCom's base frequency limits (基础频率) per corp and API: 10,000 calls a minute and 150,000
// an hour, counted per calendar minute and hour.
const (
	defaultPerMinute = 10000
	defaultPerHour   = 150000
)

const (
	limitPrefix = "wecom:v1:rl:" // store key of a budget: limitPrefix + limit key + " " + path
	// localPrefix marks a limit key no other process can share (a token source's): counted
	// in process only.
	localPrefix = "local:"
	// limitStoreTimeout bounds one call to a shared limiter on the call path; the caller's
	// deadline bounds it further.
	limitStoreTimeout = 300 * time.Millisecond
	// limitStoreBreak is how long a shared limiter that failed is left alone.
	limitStoreBreak = 5 * time.Second
	// A busy process takes admissions from a remote store in batches sized to about
	// leaseSpan of its calls, at most maxLease and a hundredth of the smallest window: one
	// round trip then serves many calls, and what a batch leaves unused when its window ends
	// stays small.
	leaseSpan = 20 * time.Millisecond
	maxLease  = 100
)

// clock is the limiter's time; tests replace it to run hours of traffic in seconds.
type clock struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// limiter keeps every call within WeCom's frequency limits per corp and API (频率限制): fixed
// minute and hour windows counted in the store when it implements [store.Limiter], so a fleet
// sharing the store shares one budget, and in process otherwise or while the store fails. A
// 45009 answer blocks the corp and path for the fleet. Derived clients share the limiter; their
// limit keys keep corps apart.
//
// From a remote store a busy process takes small batches (see leaseSpan): admissions counted
// in the store and used by this process's next calls, never after the earliest window they
// were counted in has ended, so no calendar window ever sees more calls than its limit.
//
// Limit keys: "corp:"+corpID for internal, customized, authorised and downstream corp apps
// (WeCom counts per corp, whatever the secret), "suite:"+suiteID, "provider:"+corpID, and
// "robot:"+hash(key) per group robot (the messages package keeps a robot to WeCom's 20 a
// minute, far below these windows; the key lets a 45009 pause that robot alone, fleet-wide). A
// [FromTokenSource] client names no corp: each such client counts its own calls, in process.
type limiter struct {
	windows []store.Window // empty: the limit is off and only 45009 blocks apply, in process
	shared  store.Limiter  // the store's; nil when it counts no windows
	bounded bool           // shared can hang or fail: bound each call and skip it after a failure
	local   store.Limiter  // in-process counting, same semantics
	clock   clock
	down    atomic.Int64 // UnixNano until which shared is skipped after a failure; 0: healthy
	batch   int          // the largest batch to take from shared; 1: none

	mu        sync.Mutex
	leases    map[string]*lease // by store key; expired ones are swept
	nextSweep time.Time
}

// lease is what is left of the last batch a key took from the shared limiter.
type lease struct {
	left  int       // admissions counted in the store and not used yet
	got   int       // the batch's size
	asked time.Time // when it was taken
	until time.Time // the end of the earliest window it was counted in
}

func newLimiter(st store.Store, perMinute, perHour int) *limiter {
	l := &limiter{local: store.NewMemory().(store.Limiter), clock: clock{now: time.Now, sleep: ctxtime.Sleep}}
	if perMinute > 0 {
		l.windows = append(l.windows, store.Window{Limit: perMinute, Period: time.Minute})
	}
	if perHour > 0 {
		l.windows = append(l.windows, store.Window{Limit: perHour, Period: time.Hour})
	}
	if sl, ok := st.(store.Limiter); ok {
		_, mem := st.(*store.Memory)
		l.shared, l.bounded = sl, !mem
	}
	l.batch = 1
	if l.bounded {
		l.batch = maxLease
		for _, w := range l.windows {
			l.batch = max(1, min(l.batch, w.Limit/100))
		}
		l.leases = make(map[string]*lease)
	}
	return l
}

// localLimitKey is the limit key of a credential that names no corp: unique to the client.
func localLimitKey() string { return localPrefix + rand.Text() }

// limitedBy sets the limit key of a credential made by newCredential.
func limitedBy(cred Credential, key string) Credential {
	c := cred.(customCred)
	c.b.limitKey = key
	return c
}

// errLimitWait is the error of a call whose deadline comes before the limit has room for it.
type errLimitWait time.Duration

func (e errLimitWait) Error() string {
	return fmt.Sprintf("client-side frequency limit: room for this call in %v, after the deadline", time.Duration(e).Round(time.Millisecond))
}

// Is makes the error match [ErrRateLimited].
func (e errLimitWait) Is(target error) bool { return target == ErrRateLimited }

// wait returns when key ("limitKey path") may be called: at once when its windows have room,
// after the wait otherwise, and says how long it waited. It fails at once, with an error
// matching [ErrRateLimited] that says the wait, when ctx's deadline comes first.
func (l *limiter) wait(ctx context.Context, key string) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	k := limitPrefix + key
	var waited time.Duration
	for {
		ok, after, err := l.admit(ctx, k)
		if err != nil || ok {
			return waited, err
		}
		if dl, has := ctx.Deadline(); has && time.Until(dl) < after {
			return waited, errLimitWait(after)
		}
		start := l.clock.now()
		err = l.clock.sleep(ctx, after)
		waited += l.clock.now().Sub(start)
		if err != nil {
			return waited, err
		}
	}
}

// admit counts one call under k in the shared limiter, or in process when there is none, k is
// not shareable or the shared one fails.
func (l *limiter) admit(ctx context.Context, k string) (bool, time.Duration, error) {
	now := l.clock.now()
	windows := l.windows
	if keyless(k) {
		windows = nil // a credential WeCom counts no budget for: only blocks apply
	}
	if len(windows) > 0 && l.useShared(k, now) {
		n := 1
		if l.batch > 1 {
			var leased bool
			if leased, n = l.fromLease(k, now); leased {
				return true, 0, nil
			}
		}
		sctx, cancel := l.storeCtx(ctx)
		got, after, err := l.shared.Admit(sctx, k, now, n, windows)
		cancel()
		if err != nil && ctx.Err() != nil {
			return false, 0, ctx.Err()
		}
		if !l.failed(now, err) {
			if l.batch > 1 && got > 0 {
				l.keepLease(k, now, got, windows)
			}
			return got > 0, after, nil
		}
	}
	got, after, err := l.local.Admit(ctx, k, now, 1, windows)
	return got > 0, after, err
}

// fromLease takes one admission from k's batch if one is left and its window runs; otherwise
// it says how many to ask the store for: about leaseSpan of k's calls at the rate the last
// batch was used.
func (l *limiter) fromLease(k string, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.nextSweep) {
		l.nextSweep = now.Add(time.Minute)
		for key, ls := range l.leases {
			if !now.Before(ls.until) {
				delete(l.leases, key)
			}
		}
	}
	ls := l.leases[k]
	if ls == nil {
		return false, 1
	}
	if ls.left > 0 && now.Before(ls.until) {
		ls.left--
		return true, 0
	}
	used, took := ls.got-ls.left, now.Sub(ls.asked)
	n := l.batch
	if took > 0 {
		n = int(min(int64(l.batch), int64(used)*int64(leaseSpan)/int64(took)))
	}
	return false, max(n, 1)
}

// keepLease keeps the rest of a batch of got admissions counted at now for k's next calls.
func (l *limiter) keepLease(k string, now time.Time, got int, windows []store.Window) {
	var until time.Time
	ms := now.UnixMilli()
	for _, w := range windows { // windows are aligned to the Unix epoch, as the store counts them
		p := w.Period.Milliseconds()
		if end := time.UnixMilli(ms - ms%p + p); until.IsZero() || end.Before(until) {
			until = end
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.leases[k]
	if ls == nil {
		ls = &lease{}
		l.leases[k] = ls
	}
	if ls.until.Equal(until) {
		ls.left += got - 1 // another caller's batch of the same window: keep both
	} else {
		ls.left = got - 1
	}
	ls.got, ls.asked, ls.until = got, now, until
}

// pause blocks key ("limitKey path") for d after a 45009 answer: for the fleet through the
// shared limiter, and in process in any case, so a failing store cannot lift it.
func (l *limiter) pause(key string, d time.Duration) {
	k := limitPrefix + key
	now := l.clock.now()
	_ = l.local.Block(context.Background(), k, now, d)
	if l.batch > 1 {
		l.mu.Lock()
		delete(l.leases, k) // blocked: a batch taken before must not be used
		l.mu.Unlock()
	}
	if len(l.windows) > 0 && !keyless(k) && l.useShared(k, now) {
		ctx, cancel := l.storeCtx(context.Background())
		err := l.shared.Block(ctx, k, now, d)
		cancel()
		l.failed(now, err)
	}
}

// keyless reports whether k names no budget: its credential gave no limit key.
func keyless(k string) bool { return strings.HasPrefix(k, limitPrefix+" ") }

// useShared reports whether k goes to the shared limiter now: it must be shareable and the
// shared limiter healthy. After a failure one caller probes it again once the break is over;
// the others count in process meanwhile.
func (l *limiter) useShared(k string, now time.Time) bool {
	if l.shared == nil || strings.HasPrefix(k, limitPrefix+localPrefix) {
		return false
	}
	d := l.down.Load()
	if d == 0 {
		return true
	}
	return now.UnixNano() >= d && l.down.CompareAndSwap(d, now.Add(limitStoreTimeout).UnixNano())
}

// storeCtx bounds a shared-limiter call to limitStoreTimeout and to half of what is left of
// ctx, so a hanging store leaves the call time to go on without it.
func (l *limiter) storeCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if !l.bounded {
		return ctx, func() {}
	}
	d := limitStoreTimeout
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, time.Until(dl)/2)
	}
	return context.WithTimeout(ctx, d)
}

// failed reports whether a shared-limiter call failed; the store is then skipped for
// limitStoreBreak.
func (l *limiter) failed(now time.Time, err error) bool {
	if err == nil {
		if l.down.Load() != 0 {
			l.down.Store(0)
		}
		return false
	}
	l.down.Store(now.Add(limitStoreBreak).UnixNano())
	return true
}
