package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/store"
)

var _ store.Limiter = (*Store)(nil)

// admitScript checks the block and every window's counter, then counts as many admissions
// as were asked for and every window has room for: one round trip, atomic, so a fleet never
// admits more than a window allows. KEYS[1] is the block (its value the end, Unix ms);
// KEYS[2..] the current window counters. ARGV[1] is now (Unix ms), ARGV[2] the number asked
// for; then per window its limit, the ms left in it and the counter's TTL. It returns the
// number counted, or minus the ms to wait. A counter holding garbage counts as empty and is
// overwritten.
var admitScript = redis.NewScript(`local now = tonumber(ARGV[1])
local grant = tonumber(ARGV[2])
local wait = 0
local b = tonumber(redis.call("GET", KEYS[1]))
if b and b > now then wait = b - now end
local n = {}
for i = 2, #KEYS do
	local a = 3 * i - 3
	local limit, left = tonumber(ARGV[a]), tonumber(ARGV[a + 1])
	n[i] = tonumber(redis.call("GET", KEYS[i])) or 0
	if n[i] >= limit then
		if left > wait then wait = left end
	elseif limit - n[i] < grant then
		grant = limit - n[i]
	end
end
if wait > 0 then return -wait end
for i = 2, #KEYS do
	if n[i] > 0 then
		redis.call("INCRBY", KEYS[i], grant)
	else
		redis.call("SET", KEYS[i], grant, "PX", ARGV[3 * i - 1])
	end
end
return grant`)

// blockScript sets the block's end unless a later one is there.
var blockScript = redis.NewScript(`local b = tonumber(redis.call("GET", KEYS[1]))
if b and b >= tonumber(ARGV[1]) then return 0 end
redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
return 1`)

// limitBase starts the names of key's Redis keys; the hash tag keeps them in one cluster slot,
// as one script needs.
func (s *Store) limitBase(key string) string { return s.prefix + "{" + key + "}" }

// Admit counts up to n admissions under key at now, as many as every window has room for, in
// one Lua script (see [store.Limiter]). Windows are fixed and aligned to their period; each
// counter expires a period after its window ends, which leaves room for clocks of the fleet
// that differ by less.
func (s *Store) Admit(ctx context.Context, key string, now time.Time, n int, windows []store.Window) (int, time.Duration, error) {
	base := s.limitBase(key)
	if err := s.check(ctx, "admit", base); err != nil {
		return 0, 0, err
	}
	if n < 1 {
		return 0, 0, fmt.Errorf("%s: admit %d: want at least 1", where("admit", base), n)
	}
	ms := now.UnixMilli()
	keys := make([]string, 1, 1+len(windows))
	keys[0] = base + ":block"
	args := make([]any, 2, 2+3*len(windows))
	args[0], args[1] = ms, n
	for _, w := range windows {
		p := w.Period.Milliseconds()
		if w.Limit <= 0 || p < 1 || w.Period%time.Millisecond != 0 {
			return 0, 0, fmt.Errorf("%s: invalid rate-limit window %d per %v", where("admit", base), w.Limit, w.Period)
		}
		start := ms - ms%p
		if ms < 0 && ms%p != 0 {
			start -= p
		}
		left := start + p - ms
		keys = append(keys, base+":"+strconv.FormatInt(p, 10)+":"+strconv.FormatInt(start/p, 10))
		args = append(args, w.Limit, left, left+p)
	}
	got, err := admitScript.Run(ctx, s.rdb, keys, args...).Int64()
	if err != nil {
		return 0, 0, wrapErr(ctx, "admit", base, err)
	}
	if got < 0 {
		return 0, time.Duration(-got) * time.Millisecond, nil
	}
	return int(got), 0, nil
}

// Block refuses admissions under key until now+d, for every process sharing the store (see
// [store.Limiter]).
func (s *Store) Block(ctx context.Context, key string, now time.Time, d time.Duration) error {
	base := s.limitBase(key)
	if err := s.check(ctx, "block", base); err != nil {
		return err
	}
	if d <= 0 {
		return errors.New(where("block", base) + ": block duration must be positive")
	}
	ttl, _ := exact(d, "block", base)
	until := now.Add(d)
	end := until.UnixMilli()
	if until.After(time.UnixMilli(end)) {
		end++ // rounded up: the block never ends early
	}
	if err := blockScript.Run(ctx, s.rdb, []string{base + ":block"}, end, ttl.Milliseconds()).Err(); err != nil {
		return wrapErr(ctx, "block", base, err)
	}
	return nil
}
