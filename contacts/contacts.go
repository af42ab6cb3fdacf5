// Package contacts wraps WeCom's (企业微信) address book (通讯录: members, departments, tags, batch
// jobs, ID conversion), upstream/downstream chains (上下游) and linked corps (互联企业), and customer
// contact (客户联系: external contacts, corporate customer tags, customer groups, welcome
// messages and "contact me" ways).
//
// Every call goes through the one request path of [client.Client]. Lists that page by cursor are
// offered twice: a ...Page call returning one page with its next cursor, and an iterator
// (iter.Seq2) that walks all pages with memory bounded by one page.
//
//	svc := contacts.New(c)
//	for m, err := range svc.ListUserIDs(ctx, contacts.ListUserIDsParams{Limit: 1000}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(m.UserID, m.Department)
//	}
package contacts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// Service calls the contacts, chain and customer-contact APIs. It holds only the client, so it
// is safe for concurrent use.
type Service struct {
	c *client.Client
}

// Format prints the service and its client's credential tag whatever the verb: fmt would
// otherwise dump the unexported *client.Client field, secret included, for %s and %q.
func (s *Service) Format(f fmt.State, _ rune) {
	io.WriteString(f, "contacts.Service("+s.c.String()+")")
}

// New returns a Service that sends its calls through c.
func New(c *client.Client) *Service { return &Service{c: c} }

// ErrInvalidParams matches every [*ValidationError] with errors.Is.
var ErrInvalidParams = client.ErrInvalidParams

// ValidationError is a request refused before sending because it breaks a documented limit
// (required field, length, charset, list size). Field is the wire name of the offending field.
type ValidationError = client.ValidationError

var invalid = check.Invalid

// ErrCursorLoop is returned by an iterator when WeCom answers the same non-empty cursor twice
// in a row; the walk stops instead of looping forever.
var ErrCursorLoop = errors.New("contacts: server repeated the same cursor")

// pageFunc fetches one page for cursor and returns its items, the next cursor and whether more
// pages follow.
type pageFunc[T any] func(ctx context.Context, cursor string) (items []T, next string, more bool, err error)

// walk turns a page call into an iterator. Only one page is held at a time; an error is yielded
// once and ends the walk; breaking out of the loop stops fetching.
func walk[T any](ctx context.Context, cursor string, page pageFunc[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
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
			if !more || next == "" {
				return
			}
			if next == cursor {
				yield(zero, ErrCursorLoop)
				return
			}
			cursor = next
		}
	}
}

// FlexBool decodes WeCom flags sent as true/false, 0/1 or "0"/"1" (is_joined and similar) and
// encodes as a JSON boolean.
type FlexBool bool

// UnmarshalJSON accepts a boolean, a number or a quoted number or boolean.
func (b *FlexBool) UnmarshalJSON(data []byte) error {
	s := string(bytes.Trim(data, `"`))
	switch s {
	case "true", "1":
		*b = true
	case "false", "0", "", "null":
		*b = false
	default:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("contacts: flag %s: not a boolean", data)
		}
		*b = n != 0
	}
	return nil
}

// FlexString decodes an identifier WeCom sends either as a JSON string or as a number (linked
// corp department ids) and encodes as a string.
type FlexString string

// UnmarshalJSON accepts a string or a number.
func (s *FlexString) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var v string
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		*s = FlexString(v)
		return nil
	}
	if string(data) == "null" {
		*s = ""
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("contacts: id %s: not a string or number", data)
	}
	*s = FlexString(n.String())
	return nil
}
