package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestBatchMatrix(t *testing.T) {
	t.Parallel()
	runMatrix(t, []endpoint{
		{name: "invite", path: "/cgi-bin/batch/invite", prepare: func(t *testing.T, _ *wecomtest.Server, s *Service) { seedUser(t, s, "li.na") },
			call: func(ctx context.Context, s *Service) error {
				r, err := s.Invite(ctx, InviteParams{UserIDs: []string{"li.na", "ghost"}, TagIDs: []int{99}})
				if err == nil && (!slices.Equal(r.InvalidUsers, []string{"ghost"}) || !slices.Equal(r.InvalidTags, []int{99})) {
					return fmt.Errorf("invalid lists %+v", r)
				}
				return err
			}},
		{name: "syncuser", path: "/cgi-bin/batch/syncuser", call: func(ctx context.Context, s *Service) error {
			_, err := s.SyncUsers(ctx, SyncUsersParams{MediaID: "m1", ToInvite: client.Ptr(false)})
			return err
		}},
		{name: "replaceuser", path: "/cgi-bin/batch/replaceuser", call: func(ctx context.Context, s *Service) error {
			_, err := s.ReplaceUsers(ctx, SyncUsersParams{MediaID: "m1"})
			return err
		}},
		{name: "replaceparty", path: "/cgi-bin/batch/replaceparty", call: func(ctx context.Context, s *Service) error {
			_, err := s.ReplaceDepartments(ctx, ReplaceDepartmentsParams{MediaID: "m1"})
			return err
		}},
	})
}

func TestWaitJob(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	job, err := s.SyncUsers(ctx, SyncUsersParams{MediaID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceUsers(ctx, SyncUsersParams{MediaID: "m2"}); wecomtest.ErrCode(err) != 302008 {
		t.Errorf("second job while one runs: %v, want 302008", err)
	}
	srv.SetJobPolls(wecomtest.CorpID, 2)
	srv.FailNext("/cgi-bin/batch/getresult", -1, 1) // a busy poll is retried by the client
	start := time.Now()
	r, err := s.WaitJob(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != JobFinished || r.Type != JobSyncUser || r.Percentage != 100 {
		t.Errorf("result %+v", r)
	}
	// Two "running" answers: waits of 100 ms and 200 ms.
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("finished after %v: no backoff between polls", d)
	}
	if n := srv.Served("/cgi-bin/batch/getresult"); n != 3 {
		t.Errorf("polls = %d, want 3", n)
	}

	job2, err := s.ReplaceDepartments(ctx, ReplaceDepartmentsParams{MediaID: "m3"})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetJobPolls(wecomtest.CorpID, 1000)
	cctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()
	if _, err := s.WaitJob(cctx, job2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitJob past the deadline: %v", err)
	}
	if _, err := s.GetJobResult(ctx, "nope"); wecomtest.ErrCode(err) != 40088 {
		t.Errorf("unknown job: %v, want 40088", err)
	}
}

func TestBatchValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	ctx := context.Background()
	for _, p := range []InviteParams{{}, {UserIDs: make([]string, 1001)}, {Departments: make([]int, 101)}, {TagIDs: make([]int, 101)}} {
		if _, err := s.Invite(ctx, p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("invite %d/%d/%d: %v", len(p.UserIDs), len(p.Departments), len(p.TagIDs), err)
		}
	}
	if _, err := s.SyncUsers(ctx, SyncUsersParams{}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("no media_id: %v", err)
	}
}

func TestBatchEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	got := captureJSON(mt, "POST", "/cgi-bin/batch/syncuser", `{"errcode":0,"jobid":"j1"}`)
	if _, err := s.SyncUsers(context.Background(), SyncUsersParams{MediaID: "m", ToInvite: client.Ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncUsers(context.Background(), SyncUsersParams{MediaID: "m"}); err != nil {
		t.Fatal(err)
	}
	if (*got)[0].raw != `{"media_id":"m","to_invite":false}` || (*got)[1].raw != `{"media_id":"m"}` {
		t.Errorf("bodies %q %q: to_invite false must be sent, nil omitted", (*got)[0].raw, (*got)[1].raw)
	}
	captureJSON(mt, "GET", "/cgi-bin/batch/getresult",
		`{"errcode":0,"status":3,"type":"replace_party","total":1,"percentage":100,"result":[{"action":5,"partyid":31,"errcode":0,"errmsg":"ok"}]}`)
	r, err := s.GetJobResult(context.Background(), "j1")
	if err != nil || r.Result[0].PartyID != 31 || r.Result[0].Action != 5 {
		t.Errorf("replace_party result %+v, %v", r, err)
	}
}
