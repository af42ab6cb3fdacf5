package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Window is one rate-limit window: at most Limit admissions per Period. Windows are fixed and
// aligned to multiples of Period since the Unix epoch, so a minute window is a calendar minute
// (:00 to :59) and an hour window a calendar hour, as WeCom counts its frequency limits
// (频率限制). Period must be a whole number of milliseconds, at least one.
type Window struct {
	Limit  int
	Period time.Duration
}

// Limiter is implemented by stores that count rate-limit windows, so every process sharing the
// store shares one budget per key. The client uses it when its store implements it and falls
// back to counting in its own process while the store fails.
type Limiter interface {
	// Admit counts up to n admissions (n >= 1) under key at now, as many as every window has
	// room for, in one atomic step, and returns how many it counted. When no window may refuse
	// it counts nothing and returns 0 with retryAfter: how long until every window that is
	// full, and any block, has ended. A caller that takes more than one uses them before the
	// earliest of its windows ends.
	Admit(ctx context.Context, key string, now time.Time, n int, windows []Window) (granted int, retryAfter time.Duration, err error)
	// Block refuses every admission under key from now until now+d, whatever the windows
	// say; a longer block already in place stays.
	Block(ctx context.Context, key string, now time.Time, d time.Duration) error
}

var _ Limiter = (*Memory)(nil)

// checkWindows refuses windows an implementation cannot count.
func checkWindows(windows []Window) error {
	for _, w := range windows {
		if w.Limit <= 0 || w.Period < time.Millisecond || w.Period%time.Millisecond != 0 {
			return fmt.Errorf("store: invalid rate-limit window %d per %v", w.Limit, w.Period)
		}
	}
	return nil
}

// windowStart returns the start of the window of period that holds t.
func windowStart(t time.Time, period time.Duration) time.Time {
	ms := t.UnixMilli()
	p := period.Milliseconds()
	start := ms - ms%p
	if ms < 0 && ms%p != 0 {
		start -= p
	}
	return time.UnixMilli(start)
}

// limitState is one key's counters: one per period, and a block.
type limitState struct {
	block time.Time
	wins  []winCount
}

type winCount struct {
	period time.Duration
	start  time.Time // the counted window's start
	n      int
}

// idle reports whether nothing in s matters any more at now: every window counted has ended
// and the block has passed.
func (s *limitState) idle(now time.Time) bool {
	if s.block.After(now) {
		return false
	}
	for _, w := range s.wins {
		if w.start.Add(w.period).After(now) {
			return false
		}
	}
	return true
}

// limitSweepEvery is how often (by the callers' clock) idle keys are dropped, so a process
// that meets a stream of corps and paths keeps only the live ones.
const limitSweepEvery = time.Minute

// Admit counts up to n admissions under key at now, as many as every window has room for (see
// [Limiter]).
func (m *Memory) Admit(ctx context.Context, key string, now time.Time, n int, windows []Window) (int, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if err := checkWindows(windows); err != nil {
		return 0, 0, err
	}
	if n < 1 {
		return 0, 0, fmt.Errorf("store: admit %d: want at least 1", n)
	}
	m.lmu.Lock()
	defer m.lmu.Unlock()
	m.sweepLimits(now)
	s := m.limits[key]
	if s == nil {
		if len(windows) == 0 {
			return n, 0, nil // nothing to count, no block
		}
		s = &limitState{}
		m.limits[key] = s
	}
	var wait time.Duration
	if s.block.After(now) {
		wait = s.block.Sub(now)
	}
	grant := n
	for _, w := range windows {
		start := windowStart(now, w.Period)
		used := 0
		if c := s.count(w.Period, start); c != nil {
			used = c.n
		}
		if used >= w.Limit {
			wait = max(wait, start.Add(w.Period).Sub(now))
		}
		grant = min(grant, w.Limit-used)
	}
	if wait > 0 {
		return 0, wait, nil
	}
	for _, w := range windows {
		start := windowStart(now, w.Period)
		c := s.count(w.Period, start)
		if c == nil {
			s.wins = append(s.wins, winCount{period: w.Period, start: start})
			c = &s.wins[len(s.wins)-1]
		}
		c.n += grant
	}
	return grant, 0, nil
}

// count returns the counter of period, or nil; a counter left from an earlier window starts
// over at start.
func (s *limitState) count(period time.Duration, start time.Time) *winCount {
	for i := range s.wins {
		if s.wins[i].period == period {
			if !s.wins[i].start.Equal(start) {
				s.wins[i].start, s.wins[i].n = start, 0
			}
			return &s.wins[i]
		}
	}
	return nil
}

// Block refuses admissions under key until now+d (see [Limiter]).
func (m *Memory) Block(ctx context.Context, key string, now time.Time, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return errors.New("store: block duration must be positive")
	}
	m.lmu.Lock()
	defer m.lmu.Unlock()
	m.sweepLimits(now)
	s := m.limits[key]
	if s == nil {
		s = &limitState{}
		m.limits[key] = s
	}
	if until := now.Add(d); until.After(s.block) {
		s.block = until
	}
	return nil
}

// sweepLimits drops idle keys once per limitSweepEvery.
func (m *Memory) sweepLimits(now time.Time) {
	if now.Before(m.nextSweep) {
		return
	}
	m.nextSweep = now.Add(limitSweepEvery)
	for k, s := range m.limits {
		if s.idle(now) {
			delete(m.limits, k)
		}
	}
}
