package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestTagsMatrix(t *testing.T) {
	t.Parallel()
	withTag := func(t *testing.T, _ *wecomtest.Server, s *Service) {
		seedUser(t, s, "li.na", 1)
		if _, err := s.CreateTag(context.Background(), CreateTagParams{Name: "QC", ID: client.Ptr(7)}); err != nil {
			t.Fatal(err)
		}
	}
	runMatrix(t, []endpoint{
		{name: "create", path: "/cgi-bin/tag/create", call: func(ctx context.Context, s *Service) error {
			_, err := s.CreateTag(ctx, CreateTagParams{Name: "Drivers"})
			return err
		}},
		{name: "update", path: "/cgi-bin/tag/update", prepare: withTag, call: func(ctx context.Context, s *Service) error {
			return s.UpdateTag(ctx, 7, "QC inspectors")
		}},
		{name: "delete", path: "/cgi-bin/tag/delete", retried: true, prepare: withTag, call: func(ctx context.Context, s *Service) error {
			return s.DeleteTag(ctx, 7)
		}},
		{name: "get", path: "/cgi-bin/tag/get", retried: true, prepare: withTag, call: func(ctx context.Context, s *Service) error {
			_, err := s.GetTag(ctx, 7)
			return err
		}},
		{name: "addtagusers", path: "/cgi-bin/tag/addtagusers", prepare: withTag, call: func(ctx context.Context, s *Service) error {
			_, err := s.AddTagMembers(ctx, TagMembersParams{TagID: 7, UserIDs: []string{"li.na"}})
			return err
		}},
		{name: "deltagusers", path: "/cgi-bin/tag/deltagusers", prepare: withTag, call: func(ctx context.Context, s *Service) error {
			_, err := s.RemoveTagMembers(ctx, TagMembersParams{TagID: 7, Departments: []int{1}})
			return err
		}},
	})
}

func TestTagLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	seedUser(t, s, "li.na", 1)
	id, err := s.CreateTag(ctx, CreateTagParams{Name: "QC inspectors"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTag(ctx, CreateTagParams{Name: "QC inspectors"}); wecomtest.ErrCode(err) != 40071 {
		t.Errorf("duplicate name: %v, want 40071", err)
	}
	res, err := s.AddTagMembers(ctx, TagMembersParams{TagID: id, UserIDs: []string{"li.na", "ghost", "nobody"}, Departments: []int{1, 99}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.InvalidUsers, []string{"ghost", "nobody"}) || !slices.Equal(res.InvalidDepartments, []int{99}) {
		t.Errorf("partial result = %+v", res)
	}
	if _, err := s.AddTagMembers(ctx, TagMembersParams{TagID: id, UserIDs: []string{"ghost"}}); wecomtest.ErrCode(err) != 40070 {
		t.Errorf("all invalid: %v, want 40070", err)
	}
	d, err := s.GetTag(ctx, id)
	if err != nil || d.Name != "QC inspectors" || len(d.Users) != 1 || d.Users[0].UserID != "li.na" || !slices.Equal(d.Departments, []int{1}) {
		t.Errorf("tag = %+v, %v", d, err)
	}
	if _, err := s.RemoveTagMembers(ctx, TagMembersParams{TagID: id, UserIDs: []string{"li.na"}}); err != nil {
		t.Fatal(err)
	}
	if d, _ := s.GetTag(ctx, id); len(d.Users) != 0 {
		t.Errorf("members after removal: %+v", d.Users)
	}

	// Only the creating app may change a tag: a second app of the corp gets 81011.
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "other-secret", AgentID: 1000003})
	c2, _ := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: "other-secret"}, client.WithBaseURL(srv.URL()))
	other := New(c2)
	if err := other.UpdateTag(ctx, id, "mine now"); wecomtest.ErrCode(err) != 81011 {
		t.Errorf("other app renames: %v, want 81011", err)
	}
	if tags, err := other.ListTags(ctx); err != nil || len(tags) != 1 {
		t.Errorf("other app lists: %+v, %v", tags, err)
	}
	if err := s.DeleteTag(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTag(ctx, id); wecomtest.ErrCode(err) != 40068 {
		t.Errorf("get after delete: %v, want 40068", err)
	}
}

func TestTagMembersInPartsSplitsLongLists(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	id, err := s.CreateTag(ctx, CreateTagParams{Name: "All"})
	if err != nil {
		t.Fatal(err)
	}
	users := make([]string, 2500)
	for i := range users {
		users[i] = fmt.Sprintf("nobody%04d", i)
	}
	seedUser(t, s, "real", 1)
	users[2400] = "real"
	if _, err := s.AddTagMembers(ctx, TagMembersParams{TagID: id, UserIDs: users}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("one call with 2500 users: %v, want a validation error", err)
	}
	if _, err := s.AddTagMembers(ctx, TagMembersParams{TagID: id, Departments: make([]int, 101)}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("one call with 101 departments: %v, want a validation error", err)
	}
	if srv.Calls("/cgi-bin/tag/addtagusers") != 0 {
		t.Error("an over-long call was sent")
	}
	parts, err := s.AddTagMembersInParts(ctx, TagMembersParams{TagID: id, UserIDs: users[1999:], Departments: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 || len(parts[0].In.UserIDs) != 501 || len(parts[0].Out.InvalidUsers) != 500 || !slices.Equal(parts[0].In.Departments, []int{1}) {
		t.Errorf("parts %+v", parts)
	}
	depts := make([]int, 150)
	for i := range depts {
		depts[i] = 1
	}
	parts, err = s.RemoveTagMembersInParts(ctx, TagMembersParams{TagID: id, UserIDs: []string{"real"}, Departments: depts})
	if err != nil || len(parts) != 2 || len(parts[0].In.Departments) != 100 || len(parts[1].In.Departments) != 50 || len(parts[1].In.UserIDs) != 0 {
		t.Errorf("remove in parts: %+v, %v; want 100 + 50 departments", parts, err)
	}
	// 3 calls; the first holds only unknown ids, so WeCom answers 40070 and the split stops
	// there: its part is the only one, carrying the error.
	parts, err = s.AddTagMembersInParts(ctx, TagMembersParams{TagID: id, UserIDs: users})
	if wecomtest.ErrCode(err) != 40070 || len(parts) != 1 || !strings.Contains(err.Error(), "call 1 of 3") {
		t.Errorf("parts %d, err = %v; want the failed one and 40070 from call 1 of 3", len(parts), err)
	}
	if len(parts) == 1 && (wecomtest.ErrCode(parts[0].Err) != 40070 || parts[0].Out != nil || len(parts[0].In.UserIDs) != 1000) {
		t.Errorf("failed part %+v: want its 1000 users, no answer and 40070", parts[0])
	}
	if n := srv.Calls("/cgi-bin/tag/addtagusers"); n != 2 {
		t.Errorf("addtagusers called %d times, want 2: the split stops at the failed call", n)
	}
	if _, err := s.AddTagMembersInParts(ctx, TagMembersParams{TagID: id}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("empty lists: %v", err)
	}
}

func TestTagEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/tag/addtagusers", `{"errcode":0,"errmsg":"ok","invalidlist":"u1|u2","invalidparty":[4]}`)
	res, err := s.AddTagMembers(context.Background(), TagMembersParams{TagID: 0, UserIDs: []string{"u1", "u2", "u3"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.InvalidUsers, []string{"u1", "u2"}) || !slices.Equal(res.InvalidDepartments, []int{4}) {
		t.Errorf("decoded %+v from a |-joined list", res)
	}
	if raw := (*got)[0].raw; raw != `{"tagid":0,"userlist":["u1","u2","u3"]}` {
		t.Errorf("body = %s (tag id 0 must be sent, empty partylist omitted)", raw)
	}
	create := captureJSON(mt, "POST", "/cgi-bin/tag/create", `{"errcode":0,"tagid":0}`)
	if _, err := s.CreateTag(context.Background(), CreateTagParams{Name: "x", ID: client.Ptr(0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTag(context.Background(), CreateTagParams{Name: "y"}); err != nil {
		t.Fatal(err)
	}
	if (*create)[0].raw != `{"tagname":"x","tagid":0}` || (*create)[1].raw != `{"tagname":"y"}` {
		t.Errorf("bodies %q %q", (*create)[0].raw, (*create)[1].raw)
	}
}
