package fanout_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/fanout"
)

// chunk cuts s into calls of size items with Calls and Window, as the helpers do.
func chunk(s []int, size int) [][]int {
	ins := make([][]int, fanout.Calls(len(s), size))
	for i := range ins {
		ins[i] = fanout.Window(s, i, size)
	}
	return ins
}

func TestWindows(t *testing.T) {
	t.Parallel()
	s := []int{1, 2, 3, 4, 5}
	for _, tc := range []struct {
		size int
		want [][]int
	}{
		{2, [][]int{{1, 2}, {3, 4}, {5}}},
		{5, [][]int{{1, 2, 3, 4, 5}}},
		{9, [][]int{{1, 2, 3, 4, 5}}},
	} {
		if got := chunk(s, tc.size); !slices.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("size %d: %v, want %v", tc.size, got, tc.want)
		}
	}
	if got := chunk(nil, 3); len(got) != 0 {
		t.Errorf("no items: %v, want no calls", got)
	}
	if w := fanout.Window(s, 3, 2); w != nil {
		t.Errorf("a window past the end is %v, want nil", w)
	}
}

var (
	errRefused = &client.APIError{Code: 60011, Message: "no privilege", Path: "/cgi-bin/x"}
	errEmpty   = &client.APIError{Code: 81013, Message: "all invalid", Path: "/cgi-bin/x"}
)

// sum answers the sum of its input, or the error planned for that call (by input's first item).
func sum(fail map[int]error, calls *int) func(context.Context, []int) (*int, error) {
	return func(_ context.Context, in []int) (*int, error) {
		*calls++
		total := 0
		for _, v := range in {
			total += v
		}
		return &total, fail[in[0]] // an answer with an error must not reach the part
	}
}

func isEmpty(err error) bool {
	var e *client.APIError
	return errors.As(err, &e) && e.Code == 81013
}

// TestRunStopsAtFirstFailure: the second of three calls fails, so the run stops there and
// returns both parts made, the failed one last with no answer, and its error with its place.
func TestRunStopsAtFirstFailure(t *testing.T) {
	t.Parallel()
	calls := 0
	parts, err := fanout.Run(t.Context(), chunk([]int{1, 2, 3, 4, 5}, 2), sum(map[int]error{3: errRefused}, &calls), nil)
	if !errors.Is(err, client.ErrPermission) || !errors.Is(err, errRefused) {
		t.Fatalf("error %v: want one matching the cause", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "wecom: call 2 of 3: /cgi-bin/x: errcode 60011") || strings.Count(msg, "wecom:") != 1 {
		t.Errorf("error %q: want the call's place under one prefix", msg)
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 60011 {
		t.Errorf("errors.As: %v", apiErr)
	}
	if calls != 2 || len(parts) != 2 {
		t.Fatalf("%d calls, %d parts, want 2 and 2", calls, len(parts))
	}
	if p := parts[0]; p.Err != nil || p.Out == nil || *p.Out != 3 || !slices.Equal(p.In, []int{1, 2}) {
		t.Errorf("part 1 %+v", p)
	}
	if p := parts[1]; p.Err != errRefused || p.Out != nil || !slices.Equal(p.In, []int{3, 4}) {
		t.Errorf("part 2 %+v: want its input, no answer and the call's own error", p)
	}
}

// TestRunGoesOnPastKeptErrors: an error goOn accepts stays in its part and the run goes on;
// the run fails only when no call went through, with the last such error.
func TestRunGoesOnPastKeptErrors(t *testing.T) {
	t.Parallel()
	calls := 0
	parts, err := fanout.Run(t.Context(), chunk([]int{1, 2, 3}, 1), sum(map[int]error{2: errEmpty}, &calls), isEmpty)
	if err != nil || calls != 3 || len(parts) != 3 {
		t.Fatalf("%d calls, %d parts, %v; want 3, 3, nil", calls, len(parts), err)
	}
	if parts[1].Err != errEmpty || parts[1].Out != nil || *parts[2].Out != 3 {
		t.Errorf("parts %+v", parts)
	}

	calls = 0
	parts, err = fanout.Run(t.Context(), chunk([]int{1, 2}, 1), sum(map[int]error{1: errEmpty, 2: errEmpty}, &calls), isEmpty)
	if !isEmpty(err) || !strings.HasPrefix(err.Error(), "wecom: call 2 of 2: ") || calls != 2 || len(parts) != 2 {
		t.Errorf("every call kept: %d calls, %d parts, %v; want the last call's 81013", calls, len(parts), err)
	}

	// A kept error does not stop the run, another one still does.
	calls = 0
	parts, err = fanout.Run(t.Context(), chunk([]int{1, 2, 3}, 1), sum(map[int]error{1: errEmpty, 2: errRefused}, &calls), isEmpty)
	if !errors.Is(err, errRefused) || calls != 2 || len(parts) != 2 {
		t.Errorf("%d calls, %d parts, %v; want a stop at call 2", calls, len(parts), err)
	}
}

func TestRunNothing(t *testing.T) {
	t.Parallel()
	parts, err := fanout.Run(t.Context(), nil, func(context.Context, int) (*int, error) { return nil, errRefused }, nil)
	if err != nil || len(parts) != 0 {
		t.Errorf("no inputs: %v, %v", parts, err)
	}
}
