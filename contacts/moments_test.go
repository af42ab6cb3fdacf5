package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// finishMomentJob polls a new add_moment_task job through its documented states (started,
// then finished: the simulator's default) and returns its result.
func finishMomentJob(t testing.TB, s *Service, jobID string) *MomentTaskResult {
	t.Helper()
	ctx := context.Background()
	r, err := s.GetMomentTaskResult(ctx, jobID)
	if err != nil || r.Status != JobStarted || r.MomentID != "" {
		t.Fatalf("first poll: %+v, %v; want started", r, err)
	}
	if r, err = s.GetMomentTaskResult(ctx, jobID); err != nil || r.Status != JobFinished || r.Type != "add_moment_task" {
		t.Fatalf("second poll: %+v, %v; want finished", r, err)
	}
	return r
}

// seedMoment gives li.na n customers and a corp moment to post to them; publish makes li.na
// publish it.
func seedMoment(t testing.TB, srv *wecomtest.Server, s *Service, n int, publish bool) string {
	t.Helper()
	srv.SeedCustomers(wecomtest.CorpID, "li.na", n)
	job, err := s.AddMomentTask(context.Background(), MomentParams{Text: &Text{Content: "New store opening"},
		VisibleRange: &MomentVisibleRange{Senders: &MomentSenders{UserIDs: []string{"li.na"}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := finishMomentJob(t, s, job).MomentID
	if publish {
		if err := srv.PublishMoment(wecomtest.CorpID, id, "li.na"); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

func TestMomentsMatrix(t *testing.T) {
	t.Parallel()
	var moment, job ids
	created := func(t *testing.T, srv *wecomtest.Server, s *Service) { moment.put(s, seedMoment(t, srv, s, 3, false)) }
	published := func(t *testing.T, srv *wecomtest.Server, s *Service) { moment.put(s, seedMoment(t, srv, s, 3, true)) }
	runMatrix(t, []endpoint{
		{name: "add_moment_task", path: "/cgi-bin/externalcontact/add_moment_task", call: func(ctx context.Context, s *Service) error {
			id, err := s.AddMomentTask(ctx, MomentParams{Attachments: []MomentAttachment{{MsgType: AttachImage, Image: &MediaAttachment{MediaID: "WWCISP_1"}}}})
			if err == nil && id == "" {
				return errors.New("no jobid")
			}
			return err
		}},
		{name: "get_moment_task_result", path: "/cgi-bin/externalcontact/get_moment_task_result", retried: true, prepare: func(t *testing.T, srv *wecomtest.Server, s *Service) {
			srv.SeedCustomers(wecomtest.CorpID, "li.na", 1)
			id, err := s.AddMomentTask(context.Background(), MomentParams{Text: &Text{Content: "hi"}})
			if err != nil {
				t.Fatal(err)
			}
			job.put(s, id)
		}, call: func(ctx context.Context, s *Service) error {
			r, err := s.GetMomentTaskResult(ctx, job.get(s))
			if err == nil && r.Status != JobStarted {
				return fmt.Errorf("result %+v", r)
			}
			return err
		}},
		{name: "cancel_moment_task", path: "/cgi-bin/externalcontact/cancel_moment_task", retried: true, prepare: created, call: func(ctx context.Context, s *Service) error {
			return s.CancelMomentTask(ctx, moment.get(s))
		}},
		{name: "get_moment_list", path: "/cgi-bin/externalcontact/get_moment_list", retried: true, prepare: created, call: func(ctx context.Context, s *Service) error {
			start, end := lastHour()
			pg, err := s.ListMomentsPage(ctx, ListMomentsParams{StartTime: start, EndTime: end})
			if err == nil && (len(pg.Moments) != 1 || pg.Moments[0].MomentID != moment.get(s) || pg.Moments[0].Text.Content != "New store opening" ||
				pg.Moments[0].CreateType != CreatedByCorp || pg.Moments[0].VisibleType != MomentVisibleToAll) {
				return fmt.Errorf("moments %+v", pg.Moments)
			}
			return err
		}},
		{name: "get_moment_task", path: "/cgi-bin/externalcontact/get_moment_task", retried: true, prepare: created, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListMomentTasksPage(ctx, MomentTasksParams{MomentID: moment.get(s)})
			if err == nil && !slices.Equal(pg.Tasks, []MomentTask{{UserID: "li.na", PublishStatus: MomentUnpublished}}) {
				return fmt.Errorf("tasks %+v", pg.Tasks)
			}
			return err
		}},
		{name: "get_moment_customer_list", path: "/cgi-bin/externalcontact/get_moment_customer_list", retried: true, prepare: published, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListMomentCustomersPage(ctx, MomentCustomersParams{MomentID: moment.get(s), UserID: "li.na"})
			if err == nil && (len(pg.Customers) != 3 || pg.Customers[0] != (MomentCustomer{UserID: "li.na", ExternalUserID: "wmSim000001"})) {
				return fmt.Errorf("customers %+v", pg.Customers)
			}
			return err
		}},
		{name: "get_moment_send_result", path: "/cgi-bin/externalcontact/get_moment_send_result", retried: true, prepare: published, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListMomentSendResultsPage(ctx, MomentCustomersParams{MomentID: moment.get(s), UserID: "li.na"})
			if err == nil && !slices.Equal(pg.ExternalUserIDs, []string{"wmSim000001", "wmSim000002", "wmSim000003"}) {
				return fmt.Errorf("send result %+v", pg)
			}
			return err
		}},
		{name: "get_moment_comments", path: "/cgi-bin/externalcontact/get_moment_comments", retried: true, prepare: func(t *testing.T, srv *wecomtest.Server, s *Service) {
			published(t, srv, s)
			if err := srv.AddMomentComment(wecomtest.CorpID, moment.get(s), "li.na", wecomtest.MomentInteraction{ExternalUserID: "wmSim000002", CreateTime: 1605172726}); err != nil {
				t.Fatal(err)
			}
		}, call: func(ctx context.Context, s *Service) error {
			c, err := s.GetMomentComments(ctx, moment.get(s), "li.na")
			if err == nil && (len(c.Comments) != 1 || c.Comments[0] != (MomentInteraction{ExternalUserID: "wmSim000002", CreateTime: 1605172726}) || len(c.Likes) != 0) {
				return fmt.Errorf("comments %+v", c)
			}
			return err
		}},
	})
}

// TestMomentLifecycle follows a corp moment from the asynchronous job through members
// publishing, customer visibility, interactions and cancellation.
func TestMomentLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	srv.AddUsers(wecomtest.CorpID,
		wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{2}},
		wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊", Department: []int{2}},
		wecomtest.SeedUser{UserID: "wang.wei", Name: "王伟", Department: []int{3}},
		wecomtest.SeedUser{UserID: "chen.jie", Name: "陈杰", Department: []int{2}},
	)
	follow := func(ids ...string) []wecomtest.SeedFollow {
		var out []wecomtest.SeedFollow
		for _, id := range ids {
			out = append(out, wecomtest.SeedFollow{UserID: id})
		}
		return out
	}
	srv.AddExternalContacts(wecomtest.CorpID,
		wecomtest.SeedExternalContact{ExternalUserID: "wmA", FollowUsers: follow("li.na")},
		wecomtest.SeedExternalContact{ExternalUserID: "wmB", FollowUsers: follow("li.na")},
		wecomtest.SeedExternalContact{ExternalUserID: "wmC", FollowUsers: follow("zhao.lei")},
		wecomtest.SeedExternalContact{ExternalUserID: "wmD", FollowUsers: follow("wang.wei")},
	)
	g, err := s.AddCorpTags(ctx, AddCorpTagsParams{GroupName: "Stage", Tags: []NewCorpTag{{Name: "VIP"}}})
	if err != nil {
		t.Fatal(err)
	}
	vip := g.Tags[0].ID
	for _, rel := range [][2]string{{"li.na", "wmA"}, {"zhao.lei", "wmC"}, {"wang.wei", "wmD"}} {
		if err := s.MarkTags(ctx, MarkTagsParams{UserID: rel[0], ExternalUserID: rel[1], AddTags: []string{vip}}); err != nil {
			t.Fatal(err)
		}
	}

	job, err := s.AddMomentTask(ctx, MomentParams{
		Text:        &Text{Content: "VIP preview night"},
		Attachments: []MomentAttachment{{MsgType: AttachLink, Link: &MomentLink{Title: "Tickets", URL: "https://example.com/vip", MediaID: "WWCISP_cover"}}},
		VisibleRange: &MomentVisibleRange{
			Senders:   &MomentSenders{UserIDs: []string{"li.na", "ghost"}, DepartmentIDs: []int{2, 999}},
			Customers: &MomentAudience{TagIDs: []string{vip, "etNope"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The job runs asynchronously: started, running, running, finished.
	srv.SetMomentJobPolls(wecomtest.CorpID, 3)
	var states []JobStatus
	var r *MomentTaskResult
	for range 4 {
		if r, err = s.GetMomentTaskResult(ctx, job); err != nil {
			t.Fatal(err)
		}
		states = append(states, r.Status)
	}
	if !slices.Equal(states, []JobStatus{JobStarted, JobRunning, JobRunning, JobFinished}) {
		t.Fatalf("job states %v", states)
	}
	if r.MomentID == "" || r.Err != nil || !slices.Equal(r.InvalidSenders.UserIDs, []string{"ghost"}) ||
		!slices.Equal(r.InvalidSenders.DepartmentIDs, []int{999}) || !slices.Equal(r.InvalidTagIDs, []string{"etNope"}) {
		t.Fatalf("result %+v", r)
	}
	moment := r.MomentID
	// Senders in department 2 with a VIP customer: chen.jie has no customers, wang.wei is not a sender.
	tasks := collect(t, s.ListMomentTasks(ctx, MomentTasksParams{MomentID: moment}))
	if !slices.Equal(tasks, []MomentTask{{UserID: "li.na"}, {UserID: "zhao.lei"}}) {
		t.Fatalf("tasks %+v", tasks)
	}
	_, err = s.ListMomentCustomersPage(ctx, MomentCustomersParams{MomentID: moment, UserID: "li.na"})
	wecomtest.WantCode(t, err, 41062) // not published yet
	_, err = s.ListMomentCustomersPage(ctx, MomentCustomersParams{MomentID: moment, UserID: "wang.wei"})
	wecomtest.WantCode(t, err, 41061) // not one of its members

	if err := srv.PublishMoment(wecomtest.CorpID, moment, "li.na"); err != nil {
		t.Fatal(err)
	}
	if err := srv.PublishMoment(wecomtest.CorpID, moment, "li.na"); err == nil {
		t.Error("published twice")
	}
	custs := collect(t, s.ListMomentCustomers(ctx, MomentCustomersParams{MomentID: moment, UserID: "li.na"}))
	if !slices.Equal(custs, []MomentCustomer{{UserID: "li.na", ExternalUserID: "wmA"}}) {
		t.Errorf("visible customers %+v; want only the VIP wmA", custs)
	}
	start, end := lastHour()
	ms := collect(t, s.ListMoments(ctx, ListMomentsParams{StartTime: start, EndTime: end}))
	if len(ms) != 1 || ms[0].MomentID != moment || ms[0].VisibleType != MomentVisiblePartly || ms[0].Creator != "" ||
		ms[0].Link == nil || ms[0].Link.URL != "https://example.com/vip" || ms[0].Text.Content != "VIP preview night" {
		t.Errorf("moments %+v", ms)
	}

	if err := srv.AddMomentComment(wecomtest.CorpID, moment, "li.na", wecomtest.MomentInteraction{ExternalUserID: "wmA"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddMomentLike(wecomtest.CorpID, moment, "li.na", wecomtest.MomentInteraction{UserID: "zhao.lei", CreateTime: 1700000000}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddMomentComment(wecomtest.CorpID, moment, "li.na", wecomtest.MomentInteraction{ExternalUserID: "wmB"}); err == nil {
		t.Error("a customer outside the range commented")
	}
	if err := srv.AddMomentLike(wecomtest.CorpID, moment, "zhao.lei", wecomtest.MomentInteraction{UserID: "li.na"}); err == nil {
		t.Error("a like on an unpublished copy")
	}
	c, err := s.GetMomentComments(ctx, moment, "li.na")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Comments) != 1 || c.Comments[0].ExternalUserID != "wmA" || c.Comments[0].CreateTime == 0 ||
		len(c.Likes) != 1 || c.Likes[0] != (MomentInteraction{UserID: "zhao.lei", CreateTime: 1700000000}) {
		t.Errorf("interactions %+v", c)
	}

	// wmA deletes li.na: it was published to wmA but wmA no longer sees it.
	srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wmA", FollowUsers: follow("wang.wei")})
	if got := collect(t, s.ListMomentSendResults(ctx, MomentCustomersParams{MomentID: moment, UserID: "li.na"})); len(got) != 0 {
		t.Errorf("send result %v after the customer left", got)
	}
	if got := collect(t, s.ListMomentCustomers(ctx, MomentCustomersParams{MomentID: moment, UserID: "li.na"})); len(got) != 1 {
		t.Errorf("chosen range %v changed after publishing", got)
	}

	if err := s.CancelMomentTask(ctx, moment); err != nil {
		t.Fatal(err)
	}
	if err := srv.PublishMoment(wecomtest.CorpID, moment, "zhao.lei"); err == nil {
		t.Error("published a cancelled moment")
	}
	tasks = collect(t, s.ListMomentTasks(ctx, MomentTasksParams{MomentID: moment}))
	if tasks[0].PublishStatus != MomentPublished || tasks[1].PublishStatus != MomentUnpublished {
		t.Errorf("tasks after cancelling %+v; li.na's stays published", tasks)
	}
	wecomtest.WantCode(t, s.CancelMomentTask(ctx, "momNoSuch"), 41060)
	_, err = s.GetMomentTaskResult(ctx, "jobNoSuch")
	wecomtest.WantCode(t, err, 40088)
}

func TestMemberMoments(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	corp := seedMoment(t, srv, s, 2, false)
	own := srv.PostMemberMoment(wecomtest.CorpID, wecomtest.SeedMoment{Creator: "li.na", Text: "Lunch at the expo",
		ImageIDs: []string{"WWCISP_a", "WWCISP_b"}, Location: &wecomtest.SeedLocation{Latitude: "23.10647", Longitude: "113.32446", Name: "广州市 · 广州塔"}})
	old := srv.PostMemberMoment(wecomtest.CorpID, wecomtest.SeedMoment{Creator: "zhao.lei", VideoMediaID: "WWCISP_v",
		CreateTime: time.Now().Add(-20 * 24 * time.Hour).Unix(), VisibleTo: []string{"wmSim000001"}})
	start, end := lastHour()
	ms := collect(t, s.ListMoments(ctx, ListMomentsParams{StartTime: start, EndTime: end, CreatedBy: client.Ptr(CreatedByMember)}))
	if len(ms) != 1 || ms[0].MomentID != own || ms[0].Creator != "li.na" || ms[0].CreateType != CreatedByMember || len(ms[0].Images) != 2 ||
		ms[0].Location == nil || ms[0].Location.Latitude != "23.10647" || ms[0].VisibleType != MomentVisibleToAll {
		t.Errorf("member moments %+v", ms)
	}
	if ms := collect(t, s.ListMoments(ctx, ListMomentsParams{StartTime: start, EndTime: end, CreatedBy: client.Ptr(CreatedByCorp)})); len(ms) != 1 || ms[0].MomentID != corp {
		t.Errorf("corp moments %+v", ms)
	}
	ms = collect(t, s.ListMoments(ctx, ListMomentsParams{StartTime: time.Now().Add(-25 * 24 * time.Hour).Unix(), EndTime: end, Creator: "zhao.lei"}))
	if len(ms) != 1 || ms[0].MomentID != old || ms[0].Video == nil || ms[0].Video.ThumbMediaID == "" || ms[0].VisibleType != MomentVisiblePartly {
		t.Errorf("zhao.lei's moments %+v", ms)
	}
	_, err := s.ListMomentTasksPage(ctx, MomentTasksParams{MomentID: own})
	wecomtest.WantCode(t, err, 41067) // a member's own moment has no tasks
	wecomtest.WantCode(t, s.CancelMomentTask(ctx, own), 41067)
	if got := collect(t, s.ListMomentSendResults(ctx, MomentCustomersParams{MomentID: own, UserID: "li.na"})); !slices.Equal(got, []string{"wmSim000001", "wmSim000002"}) {
		t.Errorf("own moment seen by %v", got)
	}
	_, err = s.ListMomentSendResultsPage(ctx, MomentCustomersParams{MomentID: own, UserID: "zhao.lei"})
	wecomtest.WantCode(t, err, 41061)
	// Pages of one over three moments in the range.
	n := 0
	for _, err := range s.ListMoments(ctx, ListMomentsParams{StartTime: time.Now().Add(-25 * 24 * time.Hour).Unix(), EndTime: end, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d moments in pages of one, want 3", n)
	}
}

func TestMomentTaskFailure(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "li.na", Name: "李娜"})
	job, err := s.AddMomentTask(ctx, MomentParams{Text: &Text{Content: "hi"}, VisibleRange: &MomentVisibleRange{Senders: &MomentSenders{UserIDs: []string{"ghost"}}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.WaitMomentTask(ctx, job)
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Code != 41048 || r == nil || r.Err != ae || r.MomentID != "" || !slices.Equal(r.InvalidSenders.UserIDs, []string{"ghost"}) {
		t.Fatalf("result %+v, %v; want errcode 41048 and ghost invalid", r, err)
	}
	if !strings.Contains(err.Error(), "get_moment_task_result") {
		t.Errorf("error %q does not name the endpoint", err)
	}
}

func TestMomentValidation(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	img := MomentAttachment{MsgType: AttachImage, Image: &MediaAttachment{MediaID: "m"}}
	vid := MomentAttachment{MsgType: AttachVideo, Video: &MediaAttachment{MediaID: "v"}}
	link := MomentAttachment{MsgType: AttachLink, Link: &MomentLink{URL: "https://example.com", MediaID: "c"}}
	for name, p := range map[string]MomentParams{
		"empty":           {},
		"empty text":      {Text: &Text{}},
		"long text":       {Text: &Text{Content: strings.Repeat("a", 4001)}},
		"mixed":           {Attachments: []MomentAttachment{img, vid}},
		"ten images":      {Attachments: slices.Repeat([]MomentAttachment{img}, 10)},
		"two videos":      {Attachments: []MomentAttachment{vid, vid}},
		"two links":       {Attachments: []MomentAttachment{link, link}},
		"file":            {Attachments: []MomentAttachment{{MsgType: AttachFile}}},
		"image no media":  {Attachments: []MomentAttachment{{MsgType: AttachImage, Image: &MediaAttachment{}}}},
		"video nil":       {Attachments: []MomentAttachment{{MsgType: AttachVideo}}},
		"link no url":     {Attachments: []MomentAttachment{{MsgType: AttachLink, Link: &MomentLink{MediaID: "c"}}}},
		"link no cover":   {Attachments: []MomentAttachment{{MsgType: AttachLink, Link: &MomentLink{URL: "https://example.com"}}}},
		"link long title": {Attachments: []MomentAttachment{{MsgType: AttachLink, Link: &MomentLink{Title: strings.Repeat("标", 65), URL: "u", MediaID: "c"}}}},
		"100001 senders":  {Text: &Text{Content: "hi"}, VisibleRange: &MomentVisibleRange{Senders: &MomentSenders{UserIDs: make([]string, 100001)}}},
	} {
		if _, err := s.AddMomentTask(ctx, p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v, want client.ErrInvalidParams", name, err)
		}
	}
	if _, err := s.AddMomentTask(ctx, MomentParams{Attachments: slices.Repeat([]MomentAttachment{img}, 9)}); err != nil {
		t.Errorf("nine images: %v", err)
	}
	now := time.Now().Unix()
	const day = 24 * 3600
	for name, p := range map[string]ListMomentsParams{
		"no start":       {EndTime: now},
		"no end":         {StartTime: now},
		"reversed":       {StartTime: now, EndTime: now - 1},
		"31 days":        {StartTime: now - 31*day, EndTime: now},
		"bad filter":     {StartTime: now - day, EndTime: now, CreatedBy: client.Ptr(CreateType(2))},
		"negative limit": {StartTime: now - day, EndTime: now, Limit: -1},
	} {
		if _, err := s.ListMomentsPage(ctx, p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("list %s: %v, want client.ErrInvalidParams", name, err)
		}
	}
	checks := map[string]error{}
	_, checks["task result"] = s.GetMomentTaskResult(ctx, "")
	checks["cancel"] = s.CancelMomentTask(ctx, "")
	_, checks["tasks"] = s.ListMomentTasksPage(ctx, MomentTasksParams{})
	_, checks["customers"] = s.ListMomentCustomersPage(ctx, MomentCustomersParams{MomentID: "m"})
	_, checks["send result"] = s.ListMomentSendResultsPage(ctx, MomentCustomersParams{UserID: "u"})
	_, checks["send result limit"] = s.ListMomentSendResultsPage(ctx, MomentCustomersParams{MomentID: "m", UserID: "u", Limit: -1})
	_, checks["comments"] = s.GetMomentComments(ctx, "m", "")
	for name, err := range checks {
		if !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v, want client.ErrInvalidParams", name, err)
		}
	}
	for _, p := range []string{"get_moment_task_result", "cancel_moment_task", "get_moment_list", "get_moment_task", "get_moment_customer_list", "get_moment_send_result", "get_moment_comments"} {
		if n := srv.Calls("/cgi-bin/externalcontact/" + p); n != 0 {
			t.Errorf("%s: %d requests sent for invalid params", p, n)
		}
	}
	if n := srv.Calls("/cgi-bin/externalcontact/add_moment_task"); n != 1 {
		t.Errorf("add_moment_task: %d requests, want only the valid one", n)
	}
}

// TestMomentEncoding pins the request bodies of the moment endpoints (golden JSON, the
// documented examples).
func TestMomentEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	for _, tc := range []struct {
		path, want string
		call       func() error
	}{
		{"add_moment_task", `{"text":{"content":"文本消息内容"},"attachments":[{"msgtype":"link","link":{"title":"消息标题","url":"https://example.link.com/path","media_id":"MEDIA_ID"}}],"visible_range":{"sender_list":{"user_list":["zhangshan","lisi"],"department_list":[2,3]},"external_contact_list":{"tag_list":["etXXXXXXXXXX","etYYYYYYYYYY"]}}}`, func() error {
			_, err := s.AddMomentTask(ctx, MomentParams{Text: &Text{Content: "文本消息内容"},
				Attachments: []MomentAttachment{{MsgType: AttachLink, Link: &MomentLink{Title: "消息标题", URL: "https://example.link.com/path", MediaID: "MEDIA_ID"}}},
				VisibleRange: &MomentVisibleRange{Senders: &MomentSenders{UserIDs: []string{"zhangshan", "lisi"}, DepartmentIDs: []int{2, 3}},
					Customers: &MomentAudience{TagIDs: []string{"etXXXXXXXXXX", "etYYYYYYYYYY"}}}})
			return err
		}},
		{"add_moment_task", `{"attachments":[{"msgtype":"image","image":{"media_id":"MEDIA_ID"}},{"msgtype":"image","image":{"media_id":"MEDIA_ID2"}}]}`, func() error {
			_, err := s.AddMomentTask(ctx, MomentParams{Attachments: []MomentAttachment{{MsgType: AttachImage, Image: &MediaAttachment{MediaID: "MEDIA_ID"}}, {MsgType: AttachImage, Image: &MediaAttachment{MediaID: "MEDIA_ID2"}}}})
			return err
		}},
		{"get_moment_list", `{"start_time":1605000000,"end_time":1605172726,"creator":"zhangsan","filter_type":1,"cursor":"CURSOR","limit":10}`, func() error {
			_, err := s.ListMomentsPage(ctx, ListMomentsParams{StartTime: 1605000000, EndTime: 1605172726, Creator: "zhangsan", CreatedBy: client.Ptr(CreatedByMember), Cursor: "CURSOR", Limit: 10})
			return err
		}},
		{"get_moment_list", `{"start_time":1605000000,"end_time":1605172726,"limit":20}`, func() error {
			_, err := s.ListMomentsPage(ctx, ListMomentsParams{StartTime: 1605000000, EndTime: 1605172726, Limit: 50})
			return err
		}},
		{"get_moment_task", `{"moment_id":"momxxx","cursor":"CURSOR","limit":10}`, func() error {
			_, err := s.ListMomentTasksPage(ctx, MomentTasksParams{MomentID: "momxxx", Cursor: "CURSOR", Limit: 10})
			return err
		}},
		{"get_moment_customer_list", `{"moment_id":"momxxx","userid":"xxx","cursor":"CURSOR","limit":1000}`, func() error {
			_, err := s.ListMomentCustomersPage(ctx, MomentCustomersParams{MomentID: "momxxx", UserID: "xxx", Cursor: "CURSOR", Limit: 3000})
			return err
		}},
		{"get_moment_send_result", `{"moment_id":"momxxx","userid":"xxx","cursor":"CURSOR","limit":3000}`, func() error {
			_, err := s.ListMomentSendResultsPage(ctx, MomentCustomersParams{MomentID: "momxxx", UserID: "xxx", Cursor: "CURSOR", Limit: 3000})
			return err
		}},
		{"get_moment_comments", `{"moment_id":"momxxx","userid":"xxx"}`, func() error {
			_, err := s.GetMomentComments(ctx, "momxxx", "xxx")
			return err
		}},
		{"cancel_moment_task", `{"moment_id":"momXXXXXXXXXX"}`, func() error {
			return s.CancelMomentTask(ctx, "momXXXXXXXXXX")
		}},
	} {
		got := captureJSON(mt, "POST", "/cgi-bin/externalcontact/"+tc.path, `{"errcode":0,"errmsg":"ok"}`)
		if err := tc.call(); err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if raw := (*got)[len(*got)-1].raw; raw != tc.want {
			t.Errorf("%s body\n got %s\nwant %s", tc.path, raw, tc.want)
		}
	}
	got := captureJSON(mt, "GET", "/cgi-bin/externalcontact/get_moment_task_result", `{"errcode":0,"errmsg":"ok","status":1,"type":"add_moment_task"}`)
	if _, err := s.GetMomentTaskResult(ctx, "JOBID"); err != nil {
		t.Fatal(err)
	}
	if c := (*got)[0]; c.raw != "" || c.query["jobid"][0] != "JOBID" {
		t.Errorf("get_moment_task_result sent body %q, query %v", c.raw, c.query)
	}
}

// TestMomentAnswers decodes the documented answers.
func TestMomentAnswers(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	captureJSON(mt, "GET", "/cgi-bin/externalcontact/get_moment_task_result", `{"errcode":0,"errmsg":"ok","status":3,"type":"add_moment_task",
		"result":{"errcode":0,"errmsg":"ok","moment_id":"xxxx","invalid_sender_list":{"user_list":["zhangshan","lisi"],"department_list":[2,3]},
		"invalid_external_contact_list":{"tag_list":["xxx"]}}}`)
	r, err := s.WaitMomentTask(ctx, "JOBID")
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != JobFinished || r.MomentID != "xxxx" || !slices.Equal(r.InvalidSenders.UserIDs, []string{"zhangshan", "lisi"}) ||
		!slices.Equal(r.InvalidSenders.DepartmentIDs, []int{2, 3}) || !slices.Equal(r.InvalidTagIDs, []string{"xxx"}) || r.Err != nil {
		t.Errorf("result %+v", r)
	}
	captureJSON(mt, "POST", "/cgi-bin/externalcontact/get_moment_list", `{"errcode":0,"errmsg":"ok","next_cursor":"CURSOR","moment_list":[{
		"moment_id":"momxxx","creator":"xxxx","create_time":1605000000,"create_type":1,"visible_type":1,"text":{"content":"test"},
		"image":[{"media_id":"WWCISP_xxxxx"}],"video":{"media_id":"WWCISP_xxxxx","thumb_media_id":"WWCISP_xxxxx"},
		"link":{"title":"腾讯网-QQ.COM","url":"https://www.qq.com"},"location":{"latitude":"23.10647","longitude":113.32446,"name":"广州市 · 广州塔"}}]}`)
	pg, err := s.ListMomentsPage(ctx, ListMomentsParams{StartTime: 1605000000, EndTime: 1605172726})
	if err != nil {
		t.Fatal(err)
	}
	m := pg.Moments[0]
	if pg.NextCursor != "CURSOR" || m.CreateTime != 1605000000 || m.CreateType != CreatedByMember || m.Images[0].MediaID != "WWCISP_xxxxx" ||
		m.Video.ThumbMediaID != "WWCISP_xxxxx" || m.Link.Title != "腾讯网-QQ.COM" || m.Location.Latitude != "23.10647" || m.Location.Longitude != "113.32446" {
		t.Errorf("moment %+v", m)
	}
	captureJSON(mt, "POST", "/cgi-bin/externalcontact/get_moment_comments", `{"errcode":0,"errmsg":"ok",
		"comment_list":[{"external_userid":"woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA","create_time":1605172726},{"userid":"zhangshan","create_time":1605172729}],
		"like_list":[{"external_userid":"woAJ2GCAAAXtWyujaWJHDDGi0mACBBBB","create_time":1605172726}]}`)
	c, err := s.GetMomentComments(ctx, "momxxx", "zhangshan")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Comments) != 2 || c.Comments[1] != (MomentInteraction{UserID: "zhangshan", CreateTime: 1605172729}) || len(c.Likes) != 1 {
		t.Errorf("comments %+v", c)
	}
}

// TestMomentSendResultsWalk10000 walks the 10,000 customers who can see a moment: two pages of
// 5000 (the largest page).
func TestMomentSendResultsWalk10000(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	id := seedMoment(t, srv, s, 10000, true)
	n := 0
	for _, err := range s.ListMomentSendResults(context.Background(), MomentCustomersParams{MomentID: id, UserID: "li.na", Limit: 5000}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 10000 || srv.Served("/cgi-bin/externalcontact/get_moment_send_result") != 2 {
		t.Errorf("%d customers in %d pages, want 10000 in 2", n, srv.Served("/cgi-bin/externalcontact/get_moment_send_result"))
	}
}
