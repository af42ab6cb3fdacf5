// Package store holds the small key-value contract the SDK keeps its shared state in: cached
// access tokens (调用凭证), suite tickets, kf sync cursors and callback dedupe keys, and the
// optional [Limiter] that counts rate-limit windows.
//
// A single process can use [NewMemory]. A fleet of processes that must share one token per
// secret, handle each callback once and keep one rate-limit budget per corp uses a shared
// implementation such as the redisstore module.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by [Store.Get] when the key is absent or has expired.
var ErrNotFound = errors.New("store: key not found")

// Store is the key-value contract of the SDK's shared state. Implementations must be safe for
// concurrent use; a ttl of zero means the value does not expire.
type Store interface {
	// Get returns the value stored under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores val under key, replacing any previous value.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// SetNX stores val only if key is absent and reports whether it did; used for locks and dedupe.
	SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error)
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
}

// CompareAndDeleter is implemented by stores that can delete a key only while it still holds a
// given value, atomically. The token cache uses it to invalidate a token only if it is the one
// that failed; stores without it get a Get-then-Delete fallback.
type CompareAndDeleter interface {
	// CompareAndDelete deletes key if its value equals old and reports whether it did.
	CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error)
}

// CompareAndDelete deletes key from s if it still holds old, atomically when s implements
// [CompareAndDeleter].
func CompareAndDelete(ctx context.Context, s Store, key string, old []byte) (bool, error) {
	if cd, ok := s.(CompareAndDeleter); ok {
		return cd.CompareAndDelete(ctx, key, old)
	}
	cur, err := s.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if string(cur) != string(old) {
		return false, nil
	}
	return true, s.Delete(ctx, key)
}
