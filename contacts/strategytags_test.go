package contacts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// seedStrategyTags adds the rule groups of seedStrategies and, in the customer group, group
// "Level" with tags Gold and Silver.
func seedStrategyTags(t *testing.T, srv *wecomtest.Server, s *Service) {
	t.Helper()
	seedStrategies(t, srv, s)
	ctx := context.Background()
	if _, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: firstStrategy(ctx, s.ListCustomerStrategiesPage), GroupName: "Level",
		Tags: []NewCorpTag{{Name: "Gold", Order: 2}, {Name: "Silver", Order: 1}}}); err != nil {
		t.Fatal(err)
	}
}

func TestStrategyTagsMatrix(t *testing.T) {
	t.Parallel()
	// level finds the seeded group through the list call.
	level := func(ctx context.Context, s *Service) StrategyTagGroup {
		gs, err := s.ListStrategyTags(ctx, StrategyTagFilter{})
		if err != nil || len(gs) == 0 {
			return StrategyTagGroup{CorpTagGroup: CorpTagGroup{GroupID: "missing", Tags: []CorpTag{{ID: "missing"}}}}
		}
		return gs[0]
	}
	runMatrix(t, []endpoint{
		{name: "get_strategy_tag_list", path: "/cgi-bin/externalcontact/get_strategy_tag_list", retried: true, prepare: seedStrategyTags, call: func(ctx context.Context, s *Service) error {
			gs, err := s.ListStrategyTags(ctx, StrategyTagFilter{StrategyID: firstStrategy(ctx, s.ListCustomerStrategiesPage)})
			if err == nil && (len(gs) != 1 || gs[0].StrategyID == 0 || gs[0].GroupName != "Level" || len(gs[0].Tags) != 2) {
				return fmt.Errorf("groups %+v", gs)
			}
			return err
		}},
		{name: "add_strategy_tag", path: "/cgi-bin/externalcontact/add_strategy_tag", prepare: seedStrategies, call: func(ctx context.Context, s *Service) error {
			g, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: firstStrategy(ctx, s.ListCustomerStrategiesPage), GroupName: "Region", Tags: []NewCorpTag{{Name: "East"}}})
			if err == nil && (g.GroupName != "Region" || len(g.Tags) != 1 || !strings.HasPrefix(g.Tags[0].ID, "et")) {
				return fmt.Errorf("group %+v", g)
			}
			return err
		}},
		{name: "edit_strategy_tag", path: "/cgi-bin/externalcontact/edit_strategy_tag", prepare: seedStrategyTags, call: func(ctx context.Context, s *Service) error {
			return s.EditStrategyTag(ctx, EditStrategyTagParams{ID: level(ctx, s).Tags[0].ID, Name: "Platinum"})
		}},
		{name: "del_strategy_tag", path: "/cgi-bin/externalcontact/del_strategy_tag", prepare: seedStrategyTags, call: func(ctx context.Context, s *Service) error {
			return s.DeleteStrategyTags(ctx, DeleteStrategyTagsParams{GroupIDs: []string{level(ctx, s).GroupID}})
		}},
	})
}

func TestStrategyTagLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedStrategies(t, srv, s)
	ctx := context.Background()
	east := firstStrategy(ctx, s.ListCustomerStrategiesPage)
	west, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{Name: "West", Admins: []string{"li.na"}})
	if err != nil {
		t.Fatal(err)
	}
	g, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: east, GroupName: "Level", Order: 3, Tags: []NewCorpTag{{Name: "Gold"}, {Name: "Gold"}, {Name: "Silver"}}})
	if err != nil || len(g.Tags) != 2 || g.Order != 3 {
		t.Fatalf("add with a repeated name creates one tag: %+v, %v", g, err)
	}
	// Group names are scoped to their rule group: "Level" in West is a new group.
	w, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: west, GroupName: "Level", Tags: []NewCorpTag{{Name: "Gold"}}})
	if err != nil || w.GroupID == g.GroupID {
		t.Fatalf("same name in another rule group: %+v, %v", w, err)
	}
	again, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: east, GroupName: "Level", Tags: []NewCorpTag{{Name: "Bronze"}}})
	if err != nil || again.GroupID != g.GroupID || len(again.Tags) != 1 {
		t.Errorf("adding to the existing group by name: %+v, %v", again, err)
	}
	if _, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: east, GroupID: g.GroupID, Tags: []NewCorpTag{{Name: "Gold"}}}); wecomtest.ErrCode(err) != client.CodeTagNameExists {
		t.Errorf("duplicate tag: %v, want 40071", err)
	}
	if _, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: west, GroupID: g.GroupID, Tags: []NewCorpTag{{Name: "x"}}}); wecomtest.ErrCode(err) != client.CodeInvalidTagID {
		t.Errorf("a group of another rule group: %v, want 40068", err)
	}
	child, err := s.CreateCustomerStrategy(ctx, CreateCustomerStrategyParams{ParentID: east, Name: "East sub", Admins: []string{"li.na"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: child, GroupName: "Sub", Tags: []NewCorpTag{{Name: "x"}}}); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("tags under a sub-group: %v, want 40058 (top-level groups only)", err)
	}
	// Filters: strategy first, then group_id over tag_id.
	gs, err := s.ListStrategyTags(ctx, StrategyTagFilter{StrategyID: east, TagIDs: []string{g.Tags[0].ID}, GroupIDs: []string{w.GroupID}})
	if err != nil || len(gs) != 0 {
		t.Errorf("group_id of another rule group wins over tag_id: %+v, %v", gs, err)
	}
	gs, err = s.ListStrategyTags(ctx, StrategyTagFilter{TagIDs: []string{g.Tags[1].ID}})
	if err != nil || len(gs) != 1 || gs[0].StrategyID != east || len(gs[0].Tags) != 1 || gs[0].Tags[0].Name != "Silver" {
		t.Errorf("by tag id: %+v, %v", gs, err)
	}
	if all, _ := s.ListStrategyTags(ctx, StrategyTagFilter{}); len(all) != 2 {
		t.Errorf("all groups: %+v", all)
	}
	if err := s.EditStrategyTag(ctx, EditStrategyTagParams{ID: g.Tags[0].ID, Name: "Silver"}); wecomtest.ErrCode(err) != client.CodeTagNameExists {
		t.Errorf("rename onto a sibling: %v, want 40071", err)
	}
	if err := s.EditStrategyTag(ctx, EditStrategyTagParams{ID: g.GroupID, Name: "Tier", Order: client.Ptr(0)}); err != nil {
		t.Fatal(err)
	}
	gs, _ = s.ListStrategyTags(ctx, StrategyTagFilter{GroupIDs: []string{g.GroupID}})
	if len(gs) != 1 || gs[0].GroupName != "Tier" || gs[0].Order != 0 || len(gs[0].Tags) != 3 {
		t.Errorf("after edit: %+v", gs)
	}
	// Corp tags are not rule group tags.
	corp, err := s.AddCorpTags(ctx, AddCorpTagsParams{GroupName: "Corp", Tags: []NewCorpTag{{Name: "VIP"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EditStrategyTag(ctx, EditStrategyTagParams{ID: corp.Tags[0].ID, Name: "x"}); wecomtest.ErrCode(err) != client.CodeInvalidTagID {
		t.Errorf("edit a corp tag as a rule group tag: %v, want 40068", err)
	}
	// Deleting every tag of a group deletes the group; deleting a rule group deletes its tags.
	if err := s.DeleteStrategyTags(ctx, DeleteStrategyTagsParams{TagIDs: []string{w.Tags[0].ID}}); err != nil {
		t.Fatal(err)
	}
	if gs, _ := s.ListStrategyTags(ctx, StrategyTagFilter{StrategyID: west}); len(gs) != 0 {
		t.Errorf("empty group kept: %+v", gs)
	}
	if err := s.DeleteCustomerStrategy(ctx, east); err != nil {
		t.Fatal(err)
	}
	if gs, _ := s.ListStrategyTags(ctx, StrategyTagFilter{}); len(gs) != 0 {
		t.Errorf("tags of a deleted rule group: %+v", gs)
	}
	if _, err := s.ListStrategyTags(ctx, StrategyTagFilter{StrategyID: east}); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("list tags of a deleted rule group: %v, want 40058", err)
	}
}

// TestStrategyTagsShareTheCorpTagLimit: corp tags and rule group tags together are at most
// 10,000.
func TestStrategyTagsShareTheCorpTagLimit(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedStrategies(t, srv, s)
	ctx := context.Background()
	id := firstStrategy(ctx, s.ListCustomerStrategiesPage)
	tags := make([]NewCorpTag, 5000)
	for i := range tags {
		tags[i] = NewCorpTag{Name: fmt.Sprintf("t%04d", i)}
	}
	if _, err := s.AddCorpTags(ctx, AddCorpTagsParams{GroupName: "Corp", Tags: tags}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: id, GroupName: "A", Tags: tags}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: id, GroupName: "B", Tags: tags[:1]}); wecomtest.ErrCode(err) != client.CodeCorpTagLimit {
		t.Errorf("tag 10,001: %v, want 40126", err)
	}
}

func TestStrategyTagValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	add := func(p AddStrategyTagsParams) error { _, err := s.AddStrategyTags(ctx, p); return err }
	one := []NewCorpTag{{Name: "t"}}
	for _, tc := range []struct {
		err   error
		field string
	}{
		{add(AddStrategyTagsParams{GroupName: "g", Tags: one}), "strategy_id"},
		{add(AddStrategyTagsParams{StrategyID: 1, Tags: one}), "group_name"},
		{add(AddStrategyTagsParams{StrategyID: 1, GroupName: strings.Repeat("组", 31), Tags: one}), "group_name"},
		{add(AddStrategyTagsParams{StrategyID: 1, GroupName: "g", Order: -1, Tags: one}), "order"},
		{add(AddStrategyTagsParams{StrategyID: 1, GroupName: "g"}), "tag"},
		{add(AddStrategyTagsParams{StrategyID: 1, GroupID: "etG", Tags: []NewCorpTag{{Name: strings.Repeat("签", 31)}}}), "tag.name"},
		{add(AddStrategyTagsParams{StrategyID: 1, GroupID: "etG", Tags: []NewCorpTag{{Name: "t", Order: 1 << 32}}}), "tag.order"},
		{s.EditStrategyTag(ctx, EditStrategyTagParams{Name: "n"}), "id"},
		{s.EditStrategyTag(ctx, EditStrategyTagParams{ID: "et1", Name: strings.Repeat("n", 31)}), "name"},
		{s.EditStrategyTag(ctx, EditStrategyTagParams{ID: "et1", Order: client.Ptr(-1)}), "order"},
		{s.DeleteStrategyTags(ctx, DeleteStrategyTagsParams{}), "tag_id"},
		{func() error { _, err := s.ListStrategyTags(ctx, StrategyTagFilter{StrategyID: -1}); return err }(), "strategy_id"},
	} {
		var ve *client.ValidationError
		if !errors.As(tc.err, &ve) || ve.Field != tc.field {
			t.Errorf("want a validation error on %s, got %v", tc.field, tc.err)
		}
	}
}

// TestStrategyTagEncoding is the golden request of add and list, and the list answer decoded
// into a CorpTagGroup with its rule group id.
func TestStrategyTagEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	add := captureJSON(mt, "POST", "/cgi-bin/externalcontact/add_strategy_tag",
		`{"errcode":0,"tag_group":{"group_id":"TAG_GROUPID1","group_name":"GOURP_NAME","create_time":1557838797,"order":1,"tag":[{"id":"TAG_ID1","name":"NAME1","create_time":1557838797,"order":1}]}}`)
	g, err := s.AddStrategyTags(ctx, AddStrategyTagsParams{StrategyID: 1, GroupName: "GROUP_NAME", Order: 1, Tags: []NewCorpTag{{Name: "TAG_NAME_1", Order: 1}, {Name: "TAG_NAME_2"}}})
	if err != nil || g.GroupID != "TAG_GROUPID1" || g.Tags[0].ID != "TAG_ID1" {
		t.Fatalf("%+v, %v", g, err)
	}
	if raw, want := (*add)[0].raw, `{"strategy_id":1,"group_name":"GROUP_NAME","order":1,"tag":[{"name":"TAG_NAME_1","order":1},{"name":"TAG_NAME_2"}]}`; raw != want {
		t.Errorf("add body %s, want %s", raw, want)
	}
	list := captureJSON(mt, "POST", "/cgi-bin/externalcontact/get_strategy_tag_list",
		`{"errcode":0,"tag_group":[{"group_id":"G1","group_name":"N","create_time":1557838797,"order":1,"strategy_id":1,"tag":[{"id":"T1","name":"N1","create_time":1557838797,"order":2}]}]}`)
	gs, err := s.ListStrategyTags(ctx, StrategyTagFilter{StrategyID: 1, GroupIDs: []string{"G1"}})
	if err != nil || len(gs) != 1 || gs[0].StrategyID != 1 || gs[0].GroupID != "G1" || gs[0].Tags[0].Order != 2 {
		t.Errorf("list %+v, %v", gs, err)
	}
	if raw, want := (*list)[0].raw, `{"strategy_id":1,"group_id":["G1"]}`; raw != want {
		t.Errorf("list body %s, want %s", raw, want)
	}
	del := captureJSON(mt, "POST", "/cgi-bin/externalcontact/del_strategy_tag", `{"errcode":0}`)
	if err := s.DeleteStrategyTags(ctx, DeleteStrategyTagsParams{TagIDs: []string{"T1"}}); err != nil {
		t.Fatal(err)
	}
	if raw := (*del)[0].raw; raw != `{"tag_id":["T1"]}` {
		t.Errorf("del body %s", raw)
	}
}
