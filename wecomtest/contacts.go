package wecomtest

import (
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/wecom-connector/wecom/client"
)

// contactsState is the address book of every corp (departments, users, tags, batch jobs), the
// chains the corps own with their member corps, linked corps, and customer contact (external
// contacts, corporate customer tags, customer groups, contact ways).
type contactsState struct {
	books map[string]*addressBook // corp ID → its address book
	seq   int                     // for generated ids
}

func newContactsState() contactsState {
	return contactsState{books: make(map[string]*addressBook)}
}

// addressBook is one corp's contacts data.
type addressBook struct {
	depts    map[int]*simDept
	nextDept int
	users    map[string]*simUser // lower-case userid → user
	tags     map[int]*simTag
	nextTag  int
	jobs     map[string]*simJob
	chains   map[string]*simChain
	linked   *linkedState
	external externalState
	massCall string // the corp's mass_call_ticket, once applied for

	acquisition acquisitionState
	moments     momentState
	transfers   transferState
	strategies  strategyState
	exports     exportState
}

// book returns corpID's address book, creating it with the root department on first use.
func (s *Server) book(corpID string) *addressBook {
	b := s.contacts.books[corpID]
	if b == nil {
		b = &addressBook{
			depts:    map[int]*simDept{1: {ID: 1, Name: "Root", ParentID: 0}},
			nextDept: 2,
			users:    make(map[string]*simUser),
			tags:     make(map[int]*simTag),
			nextTag:  1,
			jobs:     make(map[string]*simJob),
			chains:   make(map[string]*simChain),
		}
		b.external.init()
		s.contacts.books[corpID] = b
	}
	return b
}

func (s *Server) callBook(c *Call) *addressBook { return s.book(c.Token.CorpID) }

// newID returns a fresh id with prefix, unique in this server.
func (s *Server) newID(prefix string) string {
	s.contacts.seq++
	return fmt.Sprintf("%s%06d", prefix, s.contacts.seq)
}

// Cursors are opaque to clients: the base64 of the last key served.
func encodeCursor(key string) string {
	return "cur" + base64.RawURLEncoding.EncodeToString([]byte(key))
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(c, "cur")
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if !ok || err != nil {
		return "", errc(client.CodeInvalidCursor, "invalid cursor")
	}
	return string(b), nil
}

// pageOf returns the keys after cursor (keys sorted), at most limit, and the next cursor.
func pageOf(keys []string, cursor string, limit int) ([]string, string, error) {
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	i := 0
	if cursor != "" {
		i = sort.Search(len(keys), func(i int) bool { return keys[i] > after })
	}
	end := min(i+limit, len(keys))
	next := ""
	if end < len(keys) {
		next = encodeCursor(keys[end-1])
	}
	return keys[i:end], next, nil
}

// ---- recipients: departments and tags resolve to members ----

// open reports whether the corp has no members yet. Message sends then take every recipient ID
// as valid (and deliver to users by the ID sent), so a test that only sends needs no address
// book; once the corp has members, recipients are checked against it as WeCom does.
func (b *addressBook) open() bool { return len(b.users) == 0 }

// deptMembers returns the members of department id and of its sub-departments, as WeCom
// resolves a toparty entry.
func (b *addressBook) deptMembers(id int) []*simUser {
	in := map[int]bool{}
	for _, d := range b.subtree(id) {
		in[d.ID] = true
	}
	var out []*simUser
	for _, u := range b.sortedUsers() {
		if slices.ContainsFunc(u.Depts, func(d int) bool { return in[d] }) {
			out = append(out, u)
		}
	}
	return out
}

// tagMembers returns the tag's members and the members of its departments (with their
// sub-departments), as WeCom resolves a totag entry.
func (b *addressBook) tagMembers(t *simTag) []*simUser {
	var out []*simUser
	for _, u := range b.sortedUsers() {
		if t.Users[strings.ToLower(u.ID)] {
			out = append(out, u)
		}
	}
	for _, p := range slices.Sorted(func(yield func(int) bool) {
		for p := range t.Parties {
			if !yield(p) {
				return
			}
		}
	}) {
		out = append(out, b.deptMembers(p)...)
	}
	return out
}

// ---- seeding ----

// SeedUser is a member added directly to a corp's address book by [Server.AddUsers].
type SeedUser struct {
	UserID     string
	Name       string
	Mobile     string
	Email      string
	Department []int // unknown ids are created under the root; empty means the root
}

// AddUsers puts members into corpID's address book without API calls (for large fixtures), as
// activated members. An existing userid is replaced. Once a corp has members, message sends
// check their recipients against the address book (see [Server.Received]).
func (s *Server) AddUsers(corpID string, users ...SeedUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	for _, su := range users {
		u := &simUser{ID: su.UserID, Status: 1, Name: su.Name, Mobile: su.Mobile, Email: su.Email}
		b.placeUser(u, su.Department)
		b.users[strings.ToLower(su.UserID)] = u
	}
}

// UserIDs returns the userids of corpID's members, sorted.
func (s *Server) UserIDs(corpID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, u := range s.book(corpID).sortedUsers() {
		out = append(out, u.ID)
	}
	return out
}
