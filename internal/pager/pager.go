// Package pager turns WeCom's paged list calls into iterators: one cursor walk and one offset
// walk for every package, so every list stops, fails and detects loops the same way.
package pager

import (
	"context"
	"errors"
	"iter"

	"github.com/wecom-connector/wecom/client"
)

// CursorPage fetches the page that starts at cursor ("" for the first) and returns its items,
// the next cursor and whether more pages follow. A list without a has_more flag passes
// next != "" as more.
type CursorPage[T any] func(ctx context.Context, cursor string) (items []T, next string, more bool, err error)

// Cursor yields the items of every page from cursor on. Only one page is held at a time; an
// error is yielded once and ends the walk; breaking out of the loop stops fetching; a server
// that says more pages follow without a cursor ends it with [ErrNoCursor] (the rest of the list
// would be lost silently otherwise), and one that answers the cursor it was given ends the walk with [client.ErrCursorLoop] instead of looping forever.
func Cursor[T any](ctx context.Context, cursor string, page CursorPage[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, next, more, err := page(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if !more {
				return
			}
			if next == "" {
				yield(zero, ErrNoCursor)
				return
			}
			if next == cursor {
				yield(zero, client.ErrCursorLoop)
				return
			}
			cursor = next
		}
	}
}

// ErrNoCursor ends a walk whose server said more pages follow but sent no cursor to fetch them.
var ErrNoCursor = errors.New("wecom: server said more pages follow but sent no cursor")

// OffsetPage fetches limit items from offset and returns them and whether more follow.
type OffsetPage[T any] func(ctx context.Context, offset, limit int) (items []T, more bool, err error)

// Offset yields the items of every page of an offset/limit list, limit items a call. An empty
// page ends the walk whatever more says, so a server that keeps saying "more" cannot loop.
func Offset[T any](ctx context.Context, offset, limit int, page OffsetPage[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, more, err := page(ctx, offset, limit)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if !more || len(items) == 0 {
				return
			}
			offset += len(items)
		}
	}
}
