package messages

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// Part is one call of a fan-out helper ([Service.SendFanout], [Service.SendLinkedFanout]): the
// recipients it carried (To), WeCom's answer (Result, nil when the call failed) and the call's
// error (Err).
type Part[T, R any] struct {
	To     T
	Result *R
	Err    error
}

// split removes repeated IDs and cuts the lists into as few calls as the per-call limits allow:
// call i takes the i-th window of each list, built into a call's recipients by mk. The app
// and linked-corp sends share it; their department IDs differ in type.
func split[D comparable, T any](users []string, deps []D, tags []int, mk func(users []string, deps []D, tags []int) T) []T {
	users, deps, tags = dedupe(users), dedupe(deps), dedupe(tags)
	n := max(chunks(len(users), MaxUsersPerCall), chunks(len(deps), MaxDepartmentsPerCall), chunks(len(tags), MaxTagsPerCall))
	calls := make([]T, n)
	for i := range calls {
		calls[i] = mk(window(users, i, MaxUsersPerCall), window(deps, i, MaxDepartmentsPerCall), window(tags, i, MaxTagsPerCall))
	}
	return calls
}

// tooMany refuses recipients a one-call method cannot carry. users, deps and tags are what a
// second call would take, so the first non-empty one names a list over its limit.
func tooMany[D any](users []string, deps []D, tags []int, helper string) error {
	field, limit := "totag", MaxTagsPerCall
	switch {
	case len(users) > 0:
		field, limit = "touser", MaxUsersPerCall
	case len(deps) > 0:
		field, limit = "toparty", MaxDepartmentsPerCall
	}
	return check.Invalid(field, "more than %d IDs for one call: use %s, which splits the recipients into several calls", limit, helper)
}

// fanOut makes one call per entry of calls, in order. A call whose recipients were all invalid
// (81013) is kept as a failed part and the fan-out goes on, since the other calls' recipients
// may still be reached; any other failure ends it, so the failed part is the last one. The
// error is nil when some call delivered and every failure was 81013.
func fanOut[T, R any](ctx context.Context, calls []T, send func(context.Context, T) (*R, error)) ([]Part[T, R], error) {
	parts := make([]Part[T, R], 0, len(calls))
	var allInvalid error
	delivered := false
	for i, to := range calls {
		res, err := send(ctx, to)
		parts = append(parts, Part[T, R]{To: to, Result: res, Err: err})
		var apiErr *client.APIError
		switch {
		case err == nil:
			delivered = true
		case errors.As(err, &apiErr) && apiErr.Code == CodeAllRecipientsInvalid:
			allInvalid = err
		default:
			return parts, &partError{n: i + 1, of: len(calls), err: err}
		}
	}
	if !delivered {
		return parts, allInvalid
	}
	return parts, nil
}

// partError is the error of the call that ended a fan-out: that call's error with its place in
// the fan-out, under one "wecom: " prefix.
type partError struct {
	n, of int
	err   error
}

func (e *partError) Error() string {
	return fmt.Sprintf("wecom: call %d of %d: %s", e.n, e.of, strings.TrimPrefix(e.err.Error(), "wecom: "))
}

func (e *partError) Unwrap() error { return e.err }

func chunks(n, size int) int { return (n + size - 1) / size }

func window[T any](s []T, i, size int) []T {
	lo := i * size
	if lo >= len(s) {
		return nil
	}
	return s[lo:min(lo+size, len(s))]
}

func dedupe[T comparable](s []T) []T {
	seen := make(map[T]bool, len(s))
	out := make([]T, 0, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}
