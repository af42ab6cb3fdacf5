package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Errors the store's operations wrap; match them with errors.Is. The wrapped go-redis error
// stays reachable too (errors.As with redis.Error, or errors.Is with a net error).
var (
	// ErrUnavailable means Redis could not be reached or cannot serve now: connection refused
	// or reset, a timeout, a closed client, or a server that is loading, read-only or down.
	ErrUnavailable = errors.New("redis unavailable")
	// ErrAuth means Redis refused the client's credentials (NOAUTH, WRONGPASS) or its ACL user
	// lacks a permission (NOPERM).
	ErrAuth = errors.New("redis refused authentication or permission")
	// ErrWrongType means the key holds a Redis value this store never writes (a hash, a list,
	// …): another program shares the key space; see [WithPrefix].
	ErrWrongType = errors.New("key holds a value of another Redis type")
	// ErrInvalidTTL means a negative TTL was given; zero means no expiry.
	ErrInvalidTTL = errors.New("negative ttl")
)

// wrapErr classifies a go-redis error; ctx is the caller's, to tell its own end from a
// timeout inside go-redis (a dial timeout also unwraps to context.DeadlineExceeded).
func wrapErr(ctx context.Context, op, key string, err error) error {
	var kind error
	switch {
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		return fmt.Errorf("%s: %w", where(op, key), err)
	case redis.IsAuthError(err) || redis.IsPermissionError(err):
		kind = ErrAuth
	case redis.HasErrorPrefix(err, "WRONGTYPE"):
		kind = ErrWrongType
	case unavailable(err):
		kind = ErrUnavailable
	default:
		return fmt.Errorf("%s: %w", where(op, key), err)
	}
	return fmt.Errorf("%s: %w: %w", where(op, key), kind, err)
}

// where names the failed operation and its key (no secret: token keys hold a hash only).
func where(op, key string) string {
	if key == "" {
		return "wecom: redisstore: " + op
	}
	return "wecom: redisstore: " + op + " " + strconv.Quote(key)
}

// unavailable reports whether err says Redis cannot serve now rather than refusing the command:
// any failure that is not a server reply (network, pool, closed client), or a reply that says
// the server is not ready.
func unavailable(err error) bool {
	var re redis.Error
	if !errors.As(err, &re) {
		return true
	}
	return redis.IsLoadingError(err) || redis.IsReadOnlyError(err) || redis.IsClusterDownError(err) ||
		redis.IsTryAgainError(err) || redis.IsMasterDownError(err) || redis.IsMaxClientsError(err)
}
