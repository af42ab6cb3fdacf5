package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// seedCorpTags creates group "Level" with tags Gold and Silver and returns their ids.
func seedCorpTags(t *testing.T, s *Service) (group, gold, silver string) {
	t.Helper()
	g, err := s.AddCorpTags(context.Background(), AddCorpTagsParams{GroupName: "Level", Order: 10, Tags: []NewCorpTag{{Name: "Gold", Order: 2}, {Name: "Silver", Order: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	return g.GroupID, g.Tags[0].ID, g.Tags[1].ID
}

func TestCorpTagsMatrix(t *testing.T) {
	t.Parallel()
	withTags := func(t *testing.T, srv *wecomtest.Server, s *Service) {
		seedCustomers(t, srv, s)
		seedCorpTags(t, s)
	}
	runMatrix(t, []endpoint{
		{name: "get_corp_tag_list", path: "/cgi-bin/externalcontact/get_corp_tag_list", retried: true, prepare: withTags, call: func(ctx context.Context, s *Service) error {
			gs, err := s.ListCorpTags(ctx, CorpTagFilter{})
			if err == nil && (len(gs) != 1 || len(gs[0].Tags) != 2) {
				return fmt.Errorf("groups %+v", gs)
			}
			return err
		}},
		{name: "add_corp_tag", path: "/cgi-bin/externalcontact/add_corp_tag", call: func(ctx context.Context, s *Service) error {
			_, err := s.AddCorpTags(ctx, AddCorpTagsParams{GroupName: "Region", Tags: []NewCorpTag{{Name: "East"}}})
			return err
		}},
		{name: "edit_corp_tag", path: "/cgi-bin/externalcontact/edit_corp_tag", prepare: withTags, call: func(ctx context.Context, s *Service) error {
			gs, _ := s.ListCorpTags(ctx, CorpTagFilter{})
			return s.EditCorpTag(ctx, EditCorpTagParams{ID: gs[0].Tags[0].ID, Name: "Platinum"})
		}},
		{name: "del_corp_tag", path: "/cgi-bin/externalcontact/del_corp_tag", prepare: withTags, call: func(ctx context.Context, s *Service) error {
			gs, _ := s.ListCorpTags(ctx, CorpTagFilter{})
			return s.DeleteCorpTags(ctx, DeleteCorpTagsParams{GroupIDs: []string{gs[0].GroupID}})
		}},
		{name: "mark_tag", path: "/cgi-bin/externalcontact/mark_tag", prepare: withTags, call: func(ctx context.Context, s *Service) error {
			gs, _ := s.ListCorpTags(ctx, CorpTagFilter{})
			return s.MarkTags(ctx, MarkTagsParams{UserID: "li.na", ExternalUserID: "wmAbc123", AddTags: []string{gs[0].Tags[0].ID}})
		}},
	})
}

func TestCorpTagLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedCustomers(t, srv, s)
	ctx := context.Background()
	group, gold, silver := seedCorpTags(t, s)
	g, err := s.AddCorpTags(ctx, AddCorpTagsParams{GroupName: "Level", Tags: []NewCorpTag{{Name: "Bronze"}}})
	if err != nil || g.GroupID != group || len(g.Tags) != 1 || g.Tags[0].Name != "Bronze" {
		t.Fatalf("adding to an existing group by name: %+v, %v", g, err)
	}
	if _, err := s.AddCorpTags(ctx, AddCorpTagsParams{GroupID: group, Tags: []NewCorpTag{{Name: "Gold"}}}); wecomtest.ErrCode(err) != 40071 {
		t.Errorf("duplicate tag: %v, want 40071", err)
	}
	if err := s.MarkTags(ctx, MarkTagsParams{UserID: "li.na", ExternalUserID: "wmAbc123", AddTags: []string{gold, silver}}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkTags(ctx, MarkTagsParams{UserID: "li.na", ExternalUserID: "wmAbc123", RemoveTags: []string{silver}}); err != nil {
		t.Fatal(err)
	}
	d, err := s.GetExternalContact(ctx, "wmAbc123")
	if err != nil || len(d.FollowUsers[0].Tags) != 1 || d.FollowUsers[0].Tags[0].TagName != "Gold" || d.FollowUsers[0].Tags[0].GroupName != "Level" {
		t.Errorf("tags on the customer: %+v, %v", d.FollowUsers[0].Tags, err)
	}
	if err := s.MarkTags(ctx, MarkTagsParams{UserID: "li.na", ExternalUserID: "wmAbc123", AddTags: []string{"etNope"}}); wecomtest.ErrCode(err) != 40068 {
		t.Errorf("unknown tag: %v, want 40068", err)
	}
	if err := s.EditCorpTag(ctx, EditCorpTagParams{ID: gold, Order: client.Ptr(0)}); err != nil {
		t.Fatal(err)
	}
	only, err := s.ListCorpTags(ctx, CorpTagFilter{TagIDs: []string{gold}})
	if err != nil || len(only) != 1 || len(only[0].Tags) != 1 || only[0].Tags[0].Order != 0 {
		t.Errorf("filtered list: %+v, %v", only, err)
	}
	if err := s.DeleteCorpTags(ctx, DeleteCorpTagsParams{TagIDs: []string{gold, silver, g.Tags[0].ID}}); err != nil {
		t.Fatal(err)
	}
	if gs, _ := s.ListCorpTags(ctx, CorpTagFilter{}); len(gs) != 0 {
		t.Errorf("deleting every tag must delete the group: %+v", gs)
	}
	if err := s.EditCorpTag(ctx, EditCorpTagParams{ID: gold, Name: "x"}); wecomtest.ErrCode(err) != 40068 {
		t.Errorf("edit deleted: %v, want 40068", err)
	}
	for _, err := range []error{
		s.DeleteCorpTags(ctx, DeleteCorpTagsParams{}),
		s.MarkTags(ctx, MarkTagsParams{UserID: "li.na", ExternalUserID: "wm"}),
		s.EditCorpTag(ctx, EditCorpTagParams{}),
	} {
		if !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("want a validation error, got %v", err)
		}
	}
	if _, err := s.AddCorpTags(ctx, AddCorpTagsParams{Tags: []NewCorpTag{{Name: "x"}}}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("no group: %v", err)
	}
}

func TestCorpTagEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/externalcontact/edit_corp_tag", `{"errcode":0}`)
	if err := s.EditCorpTag(context.Background(), EditCorpTagParams{ID: "et1", Order: client.Ptr(0)}); err != nil {
		t.Fatal(err)
	}
	if err := s.EditCorpTag(context.Background(), EditCorpTagParams{ID: "et1", Name: "n"}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal([]string{(*got)[0].raw, (*got)[1].raw}, []string{`{"id":"et1","order":0}`, `{"id":"et1","name":"n"}`}) {
		t.Errorf("bodies %q %q", (*got)[0].raw, (*got)[1].raw)
	}
}
