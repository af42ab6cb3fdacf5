// Package fanout runs the calls of the SDK's fan-out helpers (the …InParts methods): one loop
// with the one failure policy described on [client.Part], for every package.
package fanout

import (
	"context"
	"fmt"
	"strings"

	"github.com/wecom-connector/wecom/client"
)

// Run makes one call per input, in order, and returns one part per call made. The first call
// that fails ends the run: its part is the last one and its error comes back as "wecom: call i
// of n: …". An error that goOn accepts (nil: none) is kept in its part and the run goes on;
// then the error returned is nil when some call went through, else the last such error.
func Run[In, Out any](ctx context.Context, ins []In, call func(context.Context, In) (*Out, error), goOn func(error) bool) ([]client.Part[In, Out], error) {
	parts := make([]client.Part[In, Out], 0, len(ins))
	var kept error
	through := false
	for i, in := range ins {
		out, err := call(ctx, in)
		if err != nil {
			out = nil // Out is WeCom's answer, and a failed call has none
		}
		parts = append(parts, client.Part[In, Out]{In: in, Out: out, Err: err})
		switch {
		case err == nil:
			through = true
		case goOn != nil && goOn(err):
			kept = &callError{n: i + 1, of: len(ins), err: err}
		default:
			return parts, &callError{n: i + 1, of: len(ins), err: err}
		}
	}
	if through {
		return parts, nil
	}
	return parts, kept
}

// Calls is how many calls n items need at size items a call.
func Calls(n, size int) int { return (n + size - 1) / size }

// Window is call i's share of s at size items a call: nil once s is used up, so lists of
// different lengths can be cut side by side.
func Window[T any](s []T, i, size int) []T {
	lo := i * size
	if lo >= len(s) {
		return nil
	}
	return s[lo:min(lo+size, len(s))]
}

// callError is a failed call's error with its place in the fan-out, under one "wecom: " prefix.
type callError struct {
	n, of int
	err   error
}

func (e *callError) Error() string {
	return fmt.Sprintf("wecom: call %d of %d: %s", e.n, e.of, strings.TrimPrefix(e.err.Error(), "wecom: "))
}

func (e *callError) Unwrap() error { return e.err }
