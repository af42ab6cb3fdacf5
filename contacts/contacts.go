// Package contacts wraps WeCom's (企业微信) address book (通讯录: members, departments, tags, batch
// jobs, ID conversion), upstream/downstream chains (上下游) and linked corps (互联企业), and customer
// contact (客户联系: external contacts, corporate customer tags, customer groups, welcome
// messages and "contact me" ways).
//
// Every call goes through the one request path of [client.Client]. Lists that page by cursor are
// offered twice: a ...Page call returning one page with its next cursor, and an iterator
// (iter.Seq2) that walks all pages with memory bounded by one page. A call whose lists WeCom
// caps sends one request and refuses longer lists; its ...InParts helper (DeleteUsersInParts,
// AddTagMembersInParts) splits them and returns one part per call. The service needs a
// corp-token client; errors of the request path and validation are the client's
// ([client.ErrInvalidParams], [client.ErrCursorLoop], [client.ErrWrongKind]).
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
	"context"
	"fmt"
	"io"
	"iter"
	"slices"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/pager"
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

// New returns a Service that sends its calls through c, a corp-token client (internal app,
// authorised corp or downstream corp). On a client of another kind every call fails with
// [client.ErrWrongKind] before anything is sent.
func New(c *client.Client) *Service {
	c, _ = c.Require(client.KindCorp)
	return &Service{c: c}
}

// chunkedCursor walks one cursor list per chunk of at most size ids, in turn, for the calls
// that take a bounded id list; cursor applies to the first chunk. No ids walk one list
// without an id filter.
func chunkedCursor[T any](ctx context.Context, ids []string, size int, cursor string, page func(chunk []string) pager.CursorPage[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		chunks := slices.Chunk(ids, size)
		if len(ids) == 0 {
			chunks = slices.Values([][]string{nil})
		}
		from := cursor
		for chunk := range chunks {
			for v, err := range pager.Cursor(ctx, from, page(chunk)) {
				if !yield(v, err) || err != nil {
					return
				}
			}
			from = ""
		}
	}
}
