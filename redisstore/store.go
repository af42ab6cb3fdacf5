package redisstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecom-connector/wecom/store"
)

// Store is a [store.Store] on Redis, shared by every process that points at the same Redis and
// prefix. It also implements [store.CompareAndDeleter] atomically. It is safe for concurrent
// use; it does not own the Redis client and never closes it.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
}

var (
	_ store.Store             = (*Store)(nil)
	_ store.CompareAndDeleter = (*Store)(nil)
)

// Option configures a [Store] in [New].
type Option func(*Store)

// WithPrefix puts prefix before every key the store touches (for example "prod:" or
// "tenant42:"), so several deployments or environments can share one Redis without sharing
// tokens, cursors or dedupe keys. The default is no prefix; the SDK's keys already start with
// "wecom:".
func WithPrefix(prefix string) Option { return func(s *Store) { s.prefix = prefix } }

// New returns a store on rdb: a *redis.Client, a failover (sentinel) client, a
// *redis.ClusterClient or any other redis.UniversalClient. It does not connect; use
// [Store.Ping] to fail fast at startup. A nil rdb gives a store whose every call fails with
// [ErrUnavailable].
func New(rdb redis.UniversalClient, opts ...Option) *Store {
	if v := reflect.ValueOf(rdb); v.Kind() == reflect.Pointer && v.IsNil() {
		rdb = nil // a typed nil such as (*redis.Client)(nil) would panic on first use
	}
	s := &Store{rdb: rdb}
	for _, o := range opts {
		o(s)
	}
	return s
}

// errNoClient is what a store built on a nil client answers.
var errNoClient = errors.New("nil redis client")

// check refuses calls that would panic in go-redis: no client, or a nil ctx.
func (s *Store) check(ctx context.Context, op, key string) error {
	if s.rdb == nil {
		return fmt.Errorf("%s: %w: %w", where(op, key), ErrUnavailable, errNoClient)
	}
	if ctx == nil {
		return fmt.Errorf("%s: nil context", where(op, key))
	}
	return nil
}

// Ping checks that Redis answers and accepts the client's credentials, with the same typed
// errors as the other calls: a wrong address gives [ErrUnavailable], a wrong password [ErrAuth].
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(ctx, "ping", ""); err != nil {
		return err
	}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return wrapErr(ctx, "ping", "", err)
	}
	return nil
}

// Get returns the value stored under key, or [store.ErrNotFound] if it is absent or expired.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	k := s.prefix + key
	if err := s.check(ctx, "get", k); err != nil {
		return nil, err
	}
	b, err := s.rdb.Get(ctx, k).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, wrapErr(ctx, "get", k, err)
	}
	return b, nil
}

// Set stores val under key for ttl (zero: no expiry), replacing any previous value.
func (s *Store) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	k := s.prefix + key
	if err := s.check(ctx, "set", k); err != nil {
		return err
	}
	ttl, err := exact(ttl, "set", k)
	if err != nil {
		return err
	}
	if err := s.rdb.Set(ctx, k, val, ttl).Err(); err != nil {
		return wrapErr(ctx, "set", k, err)
	}
	return nil
}

// SetNX stores val under key for ttl only if key is absent, and reports whether it did, in one
// SET … NX command: of many processes racing for a lock or a dedupe key exactly one wins.
func (s *Store) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	k := s.prefix + key
	if err := s.check(ctx, "setnx", k); err != nil {
		return false, err
	}
	ttl, err := exact(ttl, "setnx", k)
	if err != nil {
		return false, err
	}
	ok, err := s.rdb.SetNX(ctx, k, val, ttl).Result()
	if err != nil {
		return false, wrapErr(ctx, "setnx", k, err)
	}
	return ok, nil
}

// Delete removes key; deleting an absent key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	k := s.prefix + key
	if err := s.check(ctx, "delete", k); err != nil {
		return err
	}
	if err := s.rdb.Del(ctx, k).Err(); err != nil {
		return wrapErr(ctx, "delete", k, err)
	}
	return nil
}

// compareAndDelete deletes KEYS[1] only while it holds ARGV[1]; one key, so cluster-safe.
var compareAndDelete = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// CompareAndDelete deletes key only if it still holds old, atomically in one Lua script, and
// reports whether it did. The token cache uses it to drop a token only if it is the one that
// failed, so a token another process has just refreshed survives.
func (s *Store) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	k := s.prefix + key
	if err := s.check(ctx, "compare-and-delete", k); err != nil {
		return false, err
	}
	n, err := compareAndDelete.Run(ctx, s.rdb, []string{k}, old).Int()
	if err != nil {
		return false, wrapErr(ctx, "compare-and-delete", k, err)
	}
	return n == 1, nil
}

// exact rounds a positive ttl up to whole milliseconds, Redis' resolution, so a key never
// expires before ttl has passed; it refuses a negative one (go-redis would read -1ns as KEEPTTL).
func exact(ttl time.Duration, op, key string) (time.Duration, error) {
	if ttl < 0 {
		return 0, fmt.Errorf("%s: %w: %s", where(op, key), ErrInvalidTTL, ttl)
	}
	if r := ttl % time.Millisecond; r != 0 {
		ttl += time.Millisecond - r
	}
	return ttl, nil
}
