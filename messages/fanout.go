package messages

import (
	"errors"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/fanout"
)

// split removes repeated IDs and cuts the lists into as few calls as the per-call limits allow:
// call i takes the i-th window of each list, built into a call's recipients by mk. The app
// and linked-corp sends share it; their department IDs differ in type.
func split[D comparable, T any](users []string, deps []D, tags []int, mk func(users []string, deps []D, tags []int) T) []T {
	users, deps, tags = dedupe(users), dedupe(deps), dedupe(tags)
	n := max(fanout.Calls(len(users), MaxUsersPerCall), fanout.Calls(len(deps), MaxDepartmentsPerCall), fanout.Calls(len(tags), MaxTagsPerCall))
	calls := make([]T, n)
	for i := range calls {
		calls[i] = mk(fanout.Window(users, i, MaxUsersPerCall), fanout.Window(deps, i, MaxDepartmentsPerCall), fanout.Window(tags, i, MaxTagsPerCall))
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

// allInvalid reports WeCom's 81013: every recipient of one call was invalid. A fan-out keeps
// that call as a failed part and goes on, since the other calls' recipients may still be reached.
func allInvalid(err error) bool {
	var e *client.APIError
	return errors.As(err, &e) && e.Code == client.CodeAllRecipientsInvalid
}
