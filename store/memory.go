package store

import (
	"context"
	"sync"
	"time"
)

// Memory is an in-process [Store]: values live in a map guarded by a mutex, expired keys are
// dropped when read and swept now and then on writes. It is also a [Limiter] whose idle keys
// are dropped once their windows have ended.
type Memory struct {
	mu     sync.Mutex
	items  map[string]memItem
	writes int
	now    func() time.Time

	lmu       sync.Mutex // guards the rate-limit counters, apart from the values
	limits    map[string]*limitState
	nextSweep time.Time
}

type memItem struct {
	val     []byte
	expires time.Time // zero: never
}

// NewMemory returns an empty in-process Store, safe for concurrent use.
func NewMemory() Store { return newMemory() }

func newMemory() *Memory {
	return &Memory{items: make(map[string]memItem), now: time.Now, limits: make(map[string]*limitState)}
}

// sweepEvery bounds the garbage of expired keys nobody reads again (dedupe keys, mostly).
const sweepEvery = 1024

func (m *Memory) live(key string, now time.Time) (memItem, bool) {
	it, ok := m.items[key]
	if !ok {
		return memItem{}, false
	}
	if !it.expires.IsZero() && !now.Before(it.expires) {
		delete(m.items, key)
		return memItem{}, false
	}
	return it, true
}

func (m *Memory) put(key string, val []byte, ttl time.Duration, now time.Time) {
	it := memItem{val: append([]byte(nil), val...)}
	if ttl > 0 {
		it.expires = now.Add(ttl)
	}
	m.items[key] = it
	m.writes++
	if m.writes%sweepEvery == 0 {
		for k, v := range m.items {
			if !v.expires.IsZero() && !now.Before(v.expires) {
				delete(m.items, k)
			}
		}
	}
}

// Get returns a copy of the value under key, or ErrNotFound.
func (m *Memory) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.live(key, m.now())
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), it.val...), nil
}

// Set stores a copy of val under key for ttl (zero: no expiry).
func (m *Memory) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.put(key, val, ttl, m.now())
	return nil
}

// SetNX stores val under key only if no live value is there.
func (m *Memory) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if _, ok := m.live(key, now); ok {
		return false, nil
	}
	m.put(key, val, ttl, now)
	return true, nil
}

// Delete removes key.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, key)
	return nil
}

// CompareAndDelete deletes key if it still holds old.
func (m *Memory) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.live(key, m.now())
	if !ok || string(it.val) != string(old) {
		return false, nil
	}
	delete(m.items, key)
	return true, nil
}
