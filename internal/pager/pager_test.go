package pager

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/wecom-connector/wecom/client"
)

func collect[T any](t *testing.T, seq func(func(T, error) bool)) ([]T, error) {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func TestCursorWalksPages(t *testing.T) {
	pages := map[string]struct {
		items []int
		next  string
	}{"": {[]int{1, 2}, "a"}, "a": {[]int{3}, "b"}, "b": {[]int{4}, ""}}
	got, err := collect(t, Cursor(context.Background(), "", func(_ context.Context, c string) ([]int, string, bool, error) {
		p := pages[c]
		return p.items, p.next, p.next != "", nil
	}))
	if err != nil || fmt.Sprint(got) != "[1 2 3 4]" {
		t.Fatal(got, err)
	}
}

func TestCursorFailures(t *testing.T) {
	boom := errors.New("boom")
	cases := map[string]struct {
		page CursorPage[int]
		want error
	}{
		"repeated cursor":     {func(_ context.Context, c string) ([]int, string, bool, error) { return []int{1}, "same", true, nil }, client.ErrCursorLoop},
		"more without cursor": {func(_ context.Context, c string) ([]int, string, bool, error) { return []int{1}, "", true, nil }, ErrNoCursor},
		"page error": {func(_ context.Context, c string) ([]int, string, bool, error) {
			if c == "" {
				return []int{1}, "x", true, nil
			}
			return nil, "", false, boom
		}, boom},
	}
	for name, tc := range cases {
		got, err := collect(t, Cursor(context.Background(), "", tc.page))
		if !errors.Is(err, tc.want) || len(got) == 0 {
			t.Errorf("%s: got %v %v, want the first items then %v", name, got, err, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	_, err := collect(t, Cursor(ctx, "", func(context.Context, string) ([]int, string, bool, error) { calls++; return nil, "", false, nil }))
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Fatalf("a cancelled walk must not fetch: %v, %d calls", err, calls)
	}
}

func TestCursorStopsOnBreak(t *testing.T) {
	calls := 0
	for range Cursor(context.Background(), "", func(context.Context, string) ([]int, string, bool, error) {
		calls++
		return []int{1, 2}, fmt.Sprint(calls), true, nil
	}) {
		break
	}
	if calls != 1 {
		t.Fatalf("breaking out must stop fetching, %d calls", calls)
	}
}

func TestOffset(t *testing.T) {
	data := []int{1, 2, 3, 4, 5}
	got, err := collect(t, Offset(context.Background(), 0, 2, func(_ context.Context, off, lim int) ([]int, bool, error) {
		end := min(off+lim, len(data))
		return data[off:end], end < len(data), nil
	}))
	if err != nil || fmt.Sprint(got) != "[1 2 3 4 5]" {
		t.Fatal(got, err)
	}
	// A server that keeps saying "more" with empty pages cannot loop.
	calls := 0
	_, _ = collect(t, Offset(context.Background(), 0, 2, func(context.Context, int, int) ([]int, bool, error) { calls++; return nil, true, nil }))
	if calls != 1 {
		t.Fatalf("an empty page must end the walk, %d calls", calls)
	}
}
