package contacts

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestAddMassMessage(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	ids := srv.SeedCustomers(wecomtest.CorpID, "li.na", 3)
	res, err := s.AddMassMessage(ctx, MassMessageParams{
		ExternalUserIDs: append(ids, "wmGone"), Sender: "li.na",
		Text:        &Text{Content: "Stage 2 formula is back in stock"},
		Attachments: []Attachment{{MsgType: AttachLink, Link: &LinkAttachment{Title: "Shop", URL: "https://example.com/s2"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.MsgID == "" || len(res.FailList) != 1 || res.FailList[0] != "wmGone" {
		t.Fatalf("result %+v", res)
	}
	tasks := srv.MassMessages(wecomtest.CorpID)
	if len(tasks) != 1 || tasks[0]["sender"] != "li.na" || tasks[0]["msgid"] != res.MsgID {
		t.Fatalf("tasks %+v", tasks)
	}
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrGroup1", Owner: "li.na"})
	if _, err := s.AddMassMessage(ctx, MassMessageParams{ChatType: MassToGroups, ChatIDs: []string{"wrGroup1"}, Sender: "li.na", Text: &Text{Content: "hi"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddMassMessage(ctx, MassMessageParams{ExternalUserIDs: []string{"wmNobody"}, Text: &Text{Content: "hi"}}); wecomtest.ErrCode(err) != 41048 {
		t.Fatalf("no valid recipient: %v, want 41048", err)
	}
	for name, p := range map[string]MassMessageParams{
		"nobody":             {Text: &Text{Content: "hi"}},
		"no content":         {Sender: "li.na"},
		"group no sender":    {ChatType: MassToGroups, ChatIDs: []string{"wrGroup1"}, Text: &Text{Content: "hi"}},
		"bad type":           {ChatType: "all", Sender: "li.na", Text: &Text{Content: "hi"}},
		"too many customers": {ExternalUserIDs: make([]string, 10001), Text: &Text{Content: "hi"}},
		"empty tag group":    {TagFilter: &TagFilter{Groups: []TagFilterGroup{{}}}, Text: &Text{Content: "hi"}},
		"ten attachments":    {Sender: "li.na", Attachments: make([]Attachment, 10)},
	} {
		before := srv.Calls("/cgi-bin/externalcontact/add_msg_template")
		if _, err := s.AddMassMessage(ctx, p); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v, want client.ErrInvalidParams", name, err)
		}
		if srv.Calls("/cgi-bin/externalcontact/add_msg_template") != before {
			t.Errorf("%s: a request was sent", name)
		}
	}
}

// ids carries what a matrix row's prepare created to its call: both run on the same *Service
// inside one subtest, and rows run in parallel.
type ids struct{ m sync.Map }

func (x *ids) put(s *Service, id string) { x.m.Store(s, id) }

func (x *ids) get(s *Service) string {
	v, _ := x.m.Load(s)
	id, _ := v.(string)
	return id
}

// seedMassMessage gives li.na three customers and creates a mass message to them.
func seedMassMessage(t *testing.T, srv *wecomtest.Server, s *Service) string {
	t.Helper()
	srv.SeedCustomers(wecomtest.CorpID, "li.na", 3)
	res, err := s.AddMassMessage(context.Background(), MassMessageParams{Sender: "li.na", Text: &Text{Content: "Stage 2 formula is back"}})
	if err != nil {
		t.Fatal(err)
	}
	return res.MsgID
}

func lastHour() (int64, int64) {
	now := time.Now().Unix()
	return now - 3600, now + 60
}

func TestMassMessageRecordsMatrix(t *testing.T) {
	t.Parallel()
	var msg ids
	prepare := func(t *testing.T, srv *wecomtest.Server, s *Service) { msg.put(s, seedMassMessage(t, srv, s)) }
	runMatrix(t, []endpoint{
		{name: "add_msg_template", path: "/cgi-bin/externalcontact/add_msg_template", prepare: func(t *testing.T, srv *wecomtest.Server, _ *Service) {
			srv.SeedCustomers(wecomtest.CorpID, "li.na", 2)
		}, call: func(ctx context.Context, s *Service) error {
			res, err := s.AddMassMessage(ctx, MassMessageParams{Sender: "li.na", Text: &Text{Content: "hi"}})
			if err == nil && (res.MsgID == "" || len(res.FailList) != 0) {
				return fmt.Errorf("result %+v", res)
			}
			return err
		}},
		{name: "get_groupmsg_list_v2", path: "/cgi-bin/externalcontact/get_groupmsg_list_v2", retried: true, prepare: prepare, call: func(ctx context.Context, s *Service) error {
			start, end := lastHour()
			pg, err := s.ListMassMessagesPage(ctx, ListMassMessagesParams{StartTime: start, EndTime: end})
			if err == nil && (len(pg.Records) != 1 || pg.Records[0].MsgID != msg.get(s) || pg.Records[0].CreateType != CreatedByCorp ||
				pg.Records[0].Creator != "" || pg.Records[0].Text.Content != "Stage 2 formula is back" || int64(pg.Records[0].CreateTime) < start) {
				return fmt.Errorf("records %+v", pg.Records)
			}
			return err
		}},
		{name: "get_groupmsg_task", path: "/cgi-bin/externalcontact/get_groupmsg_task", retried: true, prepare: prepare, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListMassMessageTasksPage(ctx, MassTasksParams{MsgID: msg.get(s)})
			if err == nil && (len(pg.Tasks) != 1 || pg.Tasks[0] != (MassTask{UserID: "li.na", Status: MassTaskUnsent})) {
				return fmt.Errorf("tasks %+v", pg.Tasks)
			}
			return err
		}},
		{name: "get_groupmsg_send_result", path: "/cgi-bin/externalcontact/get_groupmsg_send_result", retried: true, prepare: func(t *testing.T, srv *wecomtest.Server, s *Service) {
			prepare(t, srv, s)
			if err := srv.ConfirmMassMessage(wecomtest.CorpID, msg.get(s), "li.na"); err != nil {
				t.Fatal(err)
			}
		}, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListMassMessageResultsPage(ctx, MassResultsParams{MsgID: msg.get(s), UserID: "li.na"})
			if err == nil && (len(pg.Results) != 3 || pg.Results[0].Status != MassSent || pg.Results[0].SendTime == 0 || pg.Results[0].ExternalUserID != "wmSim000001") {
				return fmt.Errorf("results %+v", pg.Results)
			}
			return err
		}},
		{name: "remind_groupmsg_send", path: "/cgi-bin/externalcontact/remind_groupmsg_send", prepare: prepare, call: func(ctx context.Context, s *Service) error {
			return s.RemindMassMessage(ctx, msg.get(s))
		}},
		{name: "cancel_groupmsg_send", path: "/cgi-bin/externalcontact/cancel_groupmsg_send", retried: true, prepare: prepare, call: func(ctx context.Context, s *Service) error {
			return s.CancelMassMessage(ctx, msg.get(s))
		}},
	})
}

// TestMassMessageLifecycle follows a task from creation through member sends, reminders and
// cancellation, as the record endpoints report it.
func TestMassMessageLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	srv.AddExternalContacts(wecomtest.CorpID,
		wecomtest.SeedExternalContact{ExternalUserID: "wmA", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", CreateTime: 100}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmB", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", CreateTime: 100}, {UserID: "zhao.lei", CreateTime: 200}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wmC", FollowUsers: []wecomtest.SeedFollow{{UserID: "zhao.lei", CreateTime: 100}}},
	)
	res, err := s.AddMassMessage(ctx, MassMessageParams{ExternalUserIDs: []string{"wmA", "wmB", "wmC"}, Text: &Text{Content: "Spring sale"}})
	if err != nil {
		t.Fatal(err)
	}
	tasks := collect(t, s.ListMassMessageTasks(ctx, MassTasksParams{MsgID: res.MsgID}))
	if len(tasks) != 2 || tasks[0] != (MassTask{UserID: "li.na"}) || tasks[1] != (MassTask{UserID: "zhao.lei"}) {
		t.Fatalf("tasks %+v: want li.na and zhao.lei unsent", tasks)
	}
	// wmB goes to zhao.lei, the member with the newest relationship.
	results := collect(t, s.ListMassMessageResults(ctx, MassResultsParams{MsgID: res.MsgID, UserID: "zhao.lei"}))
	if len(results) != 2 || results[0].ExternalUserID != "wmB" || results[1].ExternalUserID != "wmC" || results[0].Status != MassUnsent {
		t.Fatalf("zhao.lei's results %+v", results)
	}
	// wmC stops being zhao.lei's customer before zhao.lei sends.
	srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wmC", FollowUsers: []wecomtest.SeedFollow{{UserID: "wang.wei"}}})
	if err := srv.ConfirmMassMessage(wecomtest.CorpID, res.MsgID, "zhao.lei"); err != nil {
		t.Fatal(err)
	}
	if err := srv.ConfirmMassMessage(wecomtest.CorpID, res.MsgID, "zhao.lei"); err == nil {
		t.Error("a member sent the same task twice")
	}
	results = collect(t, s.ListMassMessageResults(ctx, MassResultsParams{MsgID: res.MsgID, UserID: "zhao.lei"}))
	if results[0].Status != MassSent || results[0].SendTime == 0 || results[1].Status != MassNotFriend || results[1].SendTime != 0 {
		t.Errorf("after sending: %+v; want wmB sent, wmC not a customer any more", results)
	}
	tasks = collect(t, s.ListMassMessageTasks(ctx, MassTasksParams{MsgID: res.MsgID}))
	if tasks[0].Status != MassTaskUnsent || tasks[1].Status != MassTaskSent || tasks[1].SendTime == 0 {
		t.Errorf("tasks after zhao.lei sent: %+v", tasks)
	}
	for i := range 3 {
		if err := s.RemindMassMessage(ctx, res.MsgID); err != nil {
			t.Fatalf("reminder %d: %v", i+1, err)
		}
	}
	wecomtest.WantCode(t, s.RemindMassMessage(ctx, res.MsgID), 41094) // three a day
	if err := s.CancelMassMessage(ctx, res.MsgID); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelMassMessage(ctx, res.MsgID); err != nil {
		t.Errorf("cancelling again: %v", err)
	}
	wecomtest.WantCode(t, s.RemindMassMessage(ctx, res.MsgID), 41093)
	if err := srv.ConfirmMassMessage(wecomtest.CorpID, res.MsgID, "li.na"); err == nil {
		t.Error("li.na sent a cancelled task")
	}
	if r := collect(t, s.ListMassMessageResults(ctx, MassResultsParams{MsgID: res.MsgID, UserID: "zhao.lei"})); r[0].Status != MassSent {
		t.Errorf("cancelling took back a sent message: %+v", r)
	}
	wecomtest.WantCode(t, s.CancelMassMessage(ctx, "msgNoSuch"), 41047)
	_, err = s.ListMassMessageTasksPage(ctx, MassTasksParams{MsgID: "msgNoSuch"})
	wecomtest.WantCode(t, err, 41047)
}

// TestMassMessageToGroups: a group task lists only what was sent, since the member chooses
// the groups when sending.
func TestMassMessageToGroups(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrA", Owner: "li.na"})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrB", Owner: "li.na"})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrZ", Owner: "zhao.lei"})
	res, err := s.AddMassMessage(ctx, MassMessageParams{ChatType: MassToGroups, Sender: "li.na", Text: &Text{Content: "Group offer"}})
	if err != nil {
		t.Fatal(err)
	}
	p := MassResultsParams{MsgID: res.MsgID, UserID: "li.na"}
	if r := collect(t, s.ListMassMessageResults(ctx, p)); len(r) != 0 {
		t.Errorf("unsent group results listed: %+v", r)
	}
	if err := srv.ConfirmMassMessage(wecomtest.CorpID, res.MsgID, "li.na"); err != nil {
		t.Fatal(err)
	}
	r := collect(t, s.ListMassMessageResults(ctx, p))
	if len(r) != 2 || r[0].ChatID != "wrA" || r[1].ChatID != "wrB" || r[0].ExternalUserID != "" || r[0].Status != MassSent {
		t.Errorf("group results %+v; want wrA and wrB sent", r)
	}
	start, end := lastHour()
	recs := collect(t, s.ListMassMessages(ctx, ListMassMessagesParams{ChatType: MassToGroups, StartTime: start, EndTime: end}))
	if len(recs) != 1 || recs[0].MsgID != res.MsgID {
		t.Errorf("group records %+v", recs)
	}
	if recs := collect(t, s.ListMassMessages(ctx, ListMassMessagesParams{StartTime: start, EndTime: end})); len(recs) != 0 {
		t.Errorf("customer records list a group message: %+v", recs)
	}
}

func TestListMassMessagesFilters(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	corp := seedMassMessage(t, srv, s)
	old := time.Now().Add(-40 * 24 * time.Hour).Unix()
	own := srv.AddMemberMassMessage(wecomtest.CorpID, wecomtest.SeedMassMessage{Creator: "li.na", Text: "My own note", ExternalUserIDs: []string{"wmSim000001"}})
	srv.AddMemberMassMessage(wecomtest.CorpID, wecomtest.SeedMassMessage{Creator: "zhao.lei", Text: "Old", CreateTime: old})
	start, end := lastHour()
	msgIDs := func(p ListMassMessagesParams) []string {
		var out []string
		for _, r := range collect(t, s.ListMassMessages(ctx, p)) {
			out = append(out, r.MsgID)
		}
		return out
	}
	if got := msgIDs(ListMassMessagesParams{StartTime: start, EndTime: end}); !slices.Equal(got, []string{corp, own}) {
		t.Errorf("all: %v", got)
	}
	if got := msgIDs(ListMassMessagesParams{StartTime: start, EndTime: end, CreatedBy: client.Ptr(CreatedByMember)}); !slices.Equal(got, []string{own}) {
		t.Errorf("member-created: %v", got)
	}
	if got := msgIDs(ListMassMessagesParams{StartTime: start, EndTime: end, CreatedBy: client.Ptr(CreatedByCorp)}); !slices.Equal(got, []string{corp}) {
		t.Errorf("corp-created: %v", got)
	}
	if got := msgIDs(ListMassMessagesParams{StartTime: start, EndTime: end, Creator: "LI.NA"}); !slices.Equal(got, []string{own}) {
		t.Errorf("by creator: %v (API tasks have no creator)", got)
	}
	if got := msgIDs(ListMassMessagesParams{StartTime: old - 60, EndTime: old + 60}); len(got) != 1 {
		t.Errorf("40 days ago: %v", got)
	}
	r := collect(t, s.ListMassMessageResults(ctx, MassResultsParams{MsgID: own, UserID: "li.na"}))
	if len(r) != 1 || r[0].Status != MassSent {
		t.Errorf("a member's own message: %+v, want sent", r)
	}
	// Pages of one.
	var n int
	for _, err := range s.ListMassMessages(ctx, ListMassMessagesParams{StartTime: start, EndTime: end, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 || srv.Served("/cgi-bin/externalcontact/get_groupmsg_list_v2") < 2+5 {
		t.Errorf("%d records in %d calls", n, srv.Served("/cgi-bin/externalcontact/get_groupmsg_list_v2"))
	}
}

func TestMassRecordValidation(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	now := time.Now().Unix()
	const day = 24 * 3600
	for name, p := range map[string]ListMassMessagesParams{
		"no start":          {EndTime: now},
		"no end":            {StartTime: now},
		"reversed":          {StartTime: now, EndTime: now - 1},
		"32 days":           {StartTime: now - 32*day, EndTime: now},
		"bad chat type":     {ChatType: "all", StartTime: now - day, EndTime: now},
		"bad filter":        {StartTime: now - day, EndTime: now, CreatedBy: client.Ptr(CreateType(2))},
		"negative limit":    {StartTime: now - day, EndTime: now, Limit: -1},
		"31 days 1 second":  {StartTime: now - 31*day - 1, EndTime: now},
		"start after epoch": {StartTime: -5, EndTime: now},
	} {
		_, err := s.ListMassMessagesPage(ctx, p)
		if !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v, want client.ErrInvalidParams", name, err)
		}
		for _, err := range s.ListMassMessages(ctx, p) {
			if !errors.Is(err, client.ErrInvalidParams) {
				t.Errorf("%s (iterator): %v", name, err)
			}
		}
	}
	if _, err := s.ListMassMessagesPage(ctx, ListMassMessagesParams{StartTime: now - 31*day, EndTime: now}); err != nil {
		t.Errorf("31 days: %v", err)
	}
	var ve *client.ValidationError
	if _, err := s.ListMassMessagesPage(ctx, ListMassMessagesParams{StartTime: now - 40*day, EndTime: now}); !errors.As(err, &ve) || ve.Field != "end_time" {
		t.Errorf("40 days: %v, want a ValidationError on end_time", err)
	}
	if _, err := s.ListMassMessageTasksPage(ctx, MassTasksParams{}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("tasks without msgid: %v", err)
	}
	if _, err := s.ListMassMessageResultsPage(ctx, MassResultsParams{MsgID: "m"}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("results without userid: %v", err)
	}
	if _, err := s.ListMassMessageTasksPage(ctx, MassTasksParams{MsgID: "m", Limit: -1}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("negative limit: %v", err)
	}
	if err := s.RemindMassMessage(ctx, ""); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("remind without msgid: %v", err)
	}
	if err := s.CancelMassMessage(ctx, ""); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("cancel without msgid: %v", err)
	}
	for _, p := range []string{"get_groupmsg_list_v2", "get_groupmsg_task", "get_groupmsg_send_result", "remind_groupmsg_send", "cancel_groupmsg_send"} {
		if n := srv.Calls("/cgi-bin/externalcontact/" + p); n != 0 && p != "get_groupmsg_list_v2" {
			t.Errorf("%s: %d requests sent for invalid params", p, n)
		}
	}
	if n := srv.Calls("/cgi-bin/externalcontact/get_groupmsg_list_v2"); n != 1 {
		t.Errorf("get_groupmsg_list_v2: %d requests, want only the valid 31-day one", n)
	}
}

// TestMassRecordEncoding pins the request bodies of the record endpoints (golden JSON).
func TestMassRecordEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	for _, tc := range []struct {
		path, want string
		call       func() error
	}{
		{"get_groupmsg_list_v2", `{"chat_type":"single","start_time":1605171726,"end_time":1605172726,"creator":"zhangshan","filter_type":1,"limit":100,"cursor":"CURSOR"}`, func() error {
			_, err := s.ListMassMessagesPage(ctx, ListMassMessagesParams{StartTime: 1605171726, EndTime: 1605172726, Creator: "zhangshan", CreatedBy: client.Ptr(CreatedByMember), Limit: 500, Cursor: "CURSOR"})
			return err
		}},
		{"get_groupmsg_list_v2", `{"chat_type":"group","start_time":1605171726,"end_time":1605172726,"filter_type":0}`, func() error {
			_, err := s.ListMassMessagesPage(ctx, ListMassMessagesParams{ChatType: MassToGroups, StartTime: 1605171726, EndTime: 1605172726, CreatedBy: client.Ptr(CreatedByCorp)})
			return err
		}},
		{"get_groupmsg_task", `{"msgid":"msgGCAAAXtWyujaWJHDDGi0mACAAAA","limit":50,"cursor":"CURSOR"}`, func() error {
			_, err := s.ListMassMessageTasksPage(ctx, MassTasksParams{MsgID: "msgGCAAAXtWyujaWJHDDGi0mACAAAA", Limit: 50, Cursor: "CURSOR"})
			return err
		}},
		{"get_groupmsg_send_result", `{"msgid":"msgGCAAAXtWyujaWJHDDGi0mACAAAA","userid":"zhangsan","limit":1000}`, func() error {
			_, err := s.ListMassMessageResultsPage(ctx, MassResultsParams{MsgID: "msgGCAAAXtWyujaWJHDDGi0mACAAAA", UserID: "zhangsan", Limit: 5000})
			return err
		}},
		{"remind_groupmsg_send", `{"msgid":"msgGCAAAXtWyujaWJHDDGi0mACAAAA"}`, func() error {
			return s.RemindMassMessage(ctx, "msgGCAAAXtWyujaWJHDDGi0mACAAAA")
		}},
		{"cancel_groupmsg_send", `{"msgid":"msgGCAAAXtWyujaWJHDDGi0mACAAAA"}`, func() error {
			return s.CancelMassMessage(ctx, "msgGCAAAXtWyujaWJHDDGi0mACAAAA")
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
}

// TestMassRecordAnswers decodes the documented answers, create_time as a string included.
func TestMassRecordAnswers(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	captureJSON(mt, "POST", "/cgi-bin/externalcontact/get_groupmsg_list_v2", `{"errcode":0,"errmsg":"ok","next_cursor":"CURSOR","group_msg_list":[
		{"msgid":"msgGCAAAXtWyujaWJHDDGi0mAAAA","creator":"xxxx","create_time":"1605172726","create_type":1,"text":{"content":"文本消息内容"},
		 "attachments":[{"msgtype":"image","image":{"media_id":"MEDIA_ID","pic_url":"http://p.qpic.cn/pic_wework/3474110808/7a6344sdadfwehe42060/0"}},
		  {"msgtype":"miniprogram","miniprogram":{"title":"消息标题","appid":"wx8bd80126147dfAAA","page":"/path/index.html"}}]}]}`)
	pg, err := s.ListMassMessagesPage(ctx, ListMassMessagesParams{StartTime: 1605171726, EndTime: 1605172726})
	if err != nil {
		t.Fatal(err)
	}
	r := pg.Records[0]
	if pg.NextCursor != "CURSOR" || r.CreateTime != 1605172726 || r.CreateType != CreatedByMember || r.Creator != "xxxx" ||
		len(r.Attachments) != 2 || r.Attachments[0].Image.MediaID != "MEDIA_ID" || r.Attachments[1].Miniprogram.AppID != "wx8bd80126147dfAAA" {
		t.Errorf("record %+v", pg)
	}
	captureJSON(mt, "POST", "/cgi-bin/externalcontact/get_groupmsg_send_result", `{"errcode":0,"errmsg":"ok","next_cursor":"",
		"send_list":[{"external_userid":"wmqfasd1e19278asdasAAAA","chat_id":"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA","userid":"zhangsan","status":1,"send_time":1552536375}]}`)
	res, err := s.ListMassMessageResultsPage(ctx, MassResultsParams{MsgID: "m", UserID: "zhangsan"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (MassSendResult{ExternalUserID: "wmqfasd1e19278asdasAAAA", ChatID: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", UserID: "zhangsan", Status: MassSent, SendTime: 1552536375}); res.Results[0] != want {
		t.Errorf("result %+v", res.Results[0])
	}
}

// TestMassResultsWalk10000 walks the 10,000 send results of one member's part, 20 pages of 500.
func TestMassResultsWalk10000(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	msgID := bigMassMessage(t, srv, s, 10000)
	n := 0
	var prev string
	for r, err := range s.ListMassMessageResults(context.Background(), MassResultsParams{MsgID: msgID, UserID: "li.na", Limit: 500}) {
		if err != nil {
			t.Fatal(err)
		}
		if r.ExternalUserID <= prev || r.Status != MassSent {
			t.Fatalf("result %+v after %s", r, prev)
		}
		prev = r.ExternalUserID
		n++
	}
	if n != 10000 || srv.Served("/cgi-bin/externalcontact/get_groupmsg_send_result") != 20 {
		t.Errorf("%d results in %d pages, want 10000 in 20", n, srv.Served("/cgi-bin/externalcontact/get_groupmsg_send_result"))
	}
}

// bigMassMessage creates a mass message from li.na to n customers and sends it.
func bigMassMessage(t testing.TB, srv *wecomtest.Server, s *Service, n int) string {
	t.Helper()
	srv.SeedCustomers(wecomtest.CorpID, "li.na", n)
	res, err := s.AddMassMessage(context.Background(), MassMessageParams{Sender: "li.na", Text: &Text{Content: "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.ConfirmMassMessage(wecomtest.CorpID, res.MsgID, "li.na"); err != nil {
		t.Fatal(err)
	}
	return res.MsgID
}

// TestMassResultsIteratorMemoryIndependentOfTotal walks 1,000 and 10,000 send results (pages
// of 500) and compares the live heap halfway through, as
// TestUserIDIteratorMemoryIndependentOfTotal does: one page is held at a time.
func TestMassResultsIteratorMemoryIndependentOfTotal(t *testing.T) {
	live := map[int]uint64{}
	for _, n := range []int{1000, 10000} {
		srv, s := newSim(t)
		p := MassResultsParams{MsgID: bigMassMessage(t, srv, s, n), UserID: "li.na", Limit: 500}
		if _, err := s.ListMassMessageResultsPage(context.Background(), p); err != nil { // warm up
			t.Fatal(err)
		}
		var before, mid runtime.MemStats
		settledHeap(&before)
		i := 0
		for _, err := range s.ListMassMessageResults(context.Background(), p) {
			if err != nil {
				t.Fatal(err)
			}
			if i++; i == n/2 {
				settledHeap(&mid)
			}
		}
		if i != n {
			t.Fatalf("walked %d of %d", i, n)
		}
		live[n] = max(mid.HeapAlloc, before.HeapAlloc) - before.HeapAlloc
		t.Logf("live heap growth halfway through %d results: %d B", n, live[n])
	}
	const budget = 256 << 10 // a page or two plus GC noise; 10,000 results held would be ~1 MB
	if live[10000] > budget || live[10000] > live[1000]+128<<10 {
		t.Errorf("live heap: %d B over 10,000 results vs %d B over 1,000; want flat and < %d", live[10000], live[1000], budget)
	}
}

// settledHeap reads the heap statistics after two collections: the second empties the
// sync.Pool victim caches (encoding/json's buffers, grown to a page's size on both sides of the
// loopback), which would otherwise count as live.
func settledHeap(ms *runtime.MemStats) {
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(ms)
}

// collect drains an iterator, failing t on an error.
func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}
