package contacts

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/wecomtest"
)

// statDays returns midnight (China time) of three days ago and of two days ago.
func statDays() (int64, int64) {
	today := StatDay(time.Now().Unix())
	return today - 3*86400, today - 2*86400
}

// seedActivity gives li.na and zhao.lei customers, chats, a link customer and a lost customer
// over the two days of statDays.
func seedActivity(t *testing.T, srv *wecomtest.Server, s *Service) {
	t.Helper()
	ctx := context.Background()
	d0, d1 := statDays()
	id := withLink(t, srv, s)
	srv.AddExternalContacts(wecomtest.CorpID,
		wecomtest.SeedExternalContact{ExternalUserID: "wm1", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", AddWay: 1, CreateTime: d0 + 3600}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wm2", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na", AddWay: 2, CreateTime: d1 + 7200}}},
		wecomtest.SeedExternalContact{ExternalUserID: "wm3", FollowUsers: []wecomtest.SeedFollow{{UserID: "zhao.lei", AddWay: 1, CreateTime: d0 + 5*3600}}})
	if _, err := srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{LinkID: id, UserID: "li.na", At: time.Unix(d1+3*3600, 0)}); err != nil {
		t.Fatal(err)
	}
	for _, ch := range []wecomtest.SingleChat{
		{UserID: "li.na", ExternalUserID: "wm1", At: time.Unix(d0+4*3600, 0), MemberMessages: 4},
		{UserID: "li.na", ExternalUserID: "wm1", At: time.Unix(d1+3600, 0), CustomerStarted: true, CustomerMessages: 2, MemberMessages: 3, ReplyAfter: 10 * time.Minute},
		{UserID: "li.na", ExternalUserID: "wm2", At: time.Unix(d1+4*3600, 0), CustomerStarted: true, CustomerMessages: 1},
	} {
		if err := srv.AddSingleChat(ctx, wecomtest.CorpID, ch); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.DeleteFollowUser(ctx, wecomtest.CorpID, "wm1", "li.na", time.Unix(d1+5*3600, 0)); err != nil {
		t.Fatal(err)
	}
}

// seedGroups gives li.na two customer groups over the days of statDays and zhao.lei an older
// one, with messages.
func seedGroups(t *testing.T, srv *wecomtest.Server, _ *Service) {
	t.Helper()
	d0, d1 := statDays()
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrG1", Owner: "li.na", CreateTime: d0 + 3600, Members: []wecomtest.SeedGroupMember{
		{UserID: "li.na", Type: 1}, {UserID: "wmA", Type: 2, JoinTime: d0 + 7200}, {UserID: "wmB", Type: 2, JoinTime: d1 + 3600}}})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrG2", Owner: "li.na", CreateTime: d1 + 3600, Members: []wecomtest.SeedGroupMember{{UserID: "wmC", Type: 2}}})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrG3", Owner: "zhao.lei", CreateTime: d0 - 10*86400, Members: []wecomtest.SeedGroupMember{
		{UserID: "zhao.lei", Type: 1}, {UserID: "wmD", Type: 2}, {UserID: "wmE", Type: 2}}})
	for _, m := range []wecomtest.GroupChatMessages{
		{ChatID: "wrG1", Sender: "wmA", Count: 5, At: time.Unix(d0+3*3600, 0)},
		{ChatID: "wrG1", Sender: "li.na", Count: 2, At: time.Unix(d1+3600, 0)},
	} {
		if err := srv.AddGroupChatMessages(wecomtest.CorpID, m); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStatisticsMatrix(t *testing.T) {
	t.Parallel()
	d0, d1 := statDays()
	runMatrix(t, []endpoint{
		{name: "get_user_behavior_data", path: "/cgi-bin/externalcontact/get_user_behavior_data", retried: true, prepare: seedActivity, call: func(ctx context.Context, s *Service) error {
			data, err := s.GetUserBehaviorData(ctx, UserBehaviorParams{Users: []string{"li.na"}, StartTime: d0, EndTime: d1})
			if err == nil && (len(data) != 2 || data[1].NewContactCount != 2) {
				return fmt.Errorf("data %+v", data)
			}
			return err
		}},
		{name: "groupchat/statistic", path: "/cgi-bin/externalcontact/groupchat/statistic", retried: true, prepare: seedGroups, call: func(ctx context.Context, s *Service) error {
			pg, err := s.ListGroupChatOwnerStatsPage(ctx, GroupChatOwnerStatsParams{DayBeginTime: d0, DayEndTime: d1, Owners: []string{"li.na"}})
			if err == nil && (pg.Total != 1 || pg.Items[0].Data.NewChatCount != 2) {
				return fmt.Errorf("page %+v", pg)
			}
			return err
		}},
		{name: "groupchat/statistic_group_by_day", path: "/cgi-bin/externalcontact/groupchat/statistic_group_by_day", retried: true, prepare: seedGroups, call: func(ctx context.Context, s *Service) error {
			days, err := s.GetGroupChatDailyStats(ctx, GroupChatDailyStatsParams{DayBeginTime: d0, DayEndTime: d1, Owners: []string{"li.na"}})
			if err == nil && (len(days) != 2 || days[1].Data.ChatTotal != 2) {
				return fmt.Errorf("days %+v", days)
			}
			return err
		}},
	})
}

// TestBehaviorDataCountsWhatHappened checks each count of get_user_behavior_data against the
// activity seedActivity recorded.
func TestBehaviorDataCountsWhatHappened(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedActivity(t, srv, s)
	ctx := context.Background()
	d0, d1 := statDays()
	data, err := s.GetUserBehaviorData(ctx, UserBehaviorParams{Users: []string{"li.na"}, StartTime: d0 + 7200, EndTime: d1 + 60})
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 2 || data[0].StatTime != d0 || data[1].StatTime != d1 {
		t.Fatalf("days %+v", data)
	}
	first, second := data[0], data[1]
	// Day 0: wm1 added by li.na (later lost: still counted), one chat li.na started.
	if first.NewContactCount != 1 || first.NewApplyCount != 1 || first.ChatCount != 1 || first.MessageCount != 4 ||
		first.NegativeFeedbackCount != 0 || first.ReplyPercentage != nil || first.AvgReplyMinutes != nil {
		t.Errorf("day 0: %+v", first)
	}
	// Day 1: wm2 (li.na applied) and the link's customer (the customer applied); two chats the
	// customers started, one answered after 10 minutes; wm1 deleted li.na.
	if second.NewContactCount != 2 || second.NewApplyCount != 1 || second.ChatCount != 1 || second.MessageCount != 3 ||
		second.NegativeFeedbackCount != 1 || second.ReplyPercentage == nil || *second.ReplyPercentage != 50 ||
		second.AvgReplyMinutes == nil || *second.AvgReplyMinutes != 10 {
		t.Errorf("day 1: %+v", second)
	}
	// A department counts its members together: zhao.lei's wm3 joins day 0.
	data, err = s.GetUserBehaviorData(ctx, UserBehaviorParams{Parties: []int{12}, StartTime: d0, EndTime: d0})
	if err != nil || len(data) != 1 || data[0].NewContactCount != 2 {
		t.Errorf("department 12, day 0: %+v, %v", data, err)
	}
	if _, err := s.GetUserBehaviorData(ctx, UserBehaviorParams{Users: []string{"ghost"}, StartTime: d0, EndTime: d1}); wecomtest.ErrCode(err) != 40003 {
		t.Errorf("unknown member: %v, want 40003", err)
	}
}

func TestGroupChatStatsCountWhatHappened(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedAdvisors(t, srv, s)
	seedGroups(t, srv, s)
	ctx := context.Background()
	d0, d1 := statDays()
	days, err := s.GetGroupChatDailyStats(ctx, GroupChatDailyStatsParams{DayBeginTime: d0, DayEndTime: d1, Owners: []string{"li.na"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []DailyGroupChatStats{
		{d0, GroupChatStats{NewChatCount: 1, ChatTotal: 1, ChatHasMsg: 1, NewMemberCount: 2, MemberTotal: 2, MemberHasMsg: 1, MsgTotal: 5}},
		{d1, GroupChatStats{NewChatCount: 1, ChatTotal: 2, ChatHasMsg: 1, NewMemberCount: 2, MemberTotal: 4, MemberHasMsg: 2, MsgTotal: 7}},
	}
	if !slices.Equal(days, want) {
		t.Errorf("by day\n got %+v\nwant %+v", days, want)
	}
	pg, err := s.ListGroupChatOwnerStatsPage(ctx, GroupChatOwnerStatsParams{DayBeginTime: d0, DayEndTime: d1})
	if err != nil {
		t.Fatal(err)
	}
	li := GroupChatStats{NewChatCount: 2, ChatTotal: 2, ChatHasMsg: 1, NewMemberCount: 4, MemberTotal: 4, MemberHasMsg: 2, MsgTotal: 7}
	zhao := GroupChatStats{ChatTotal: 1, MemberTotal: 3}
	if pg.Total != 2 || pg.NextOffset != 2 || !slices.Equal(pg.Items, []OwnerGroupChatStats{{"li.na", li}, {"zhao.lei", zhao}}) {
		t.Errorf("by owner (new groups, descending) %+v", pg)
	}
	var order []string
	for o, err := range s.ListGroupChatOwnerStats(ctx, GroupChatOwnerStatsParams{DayBeginTime: d0, DayEndTime: d1, OrderBy: OrderByMemberTotal, OrderAsc: true, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, o.Owner)
	}
	if !slices.Equal(order, []string{"zhao.lei", "li.na"}) || srv.Served("/cgi-bin/externalcontact/groupchat/statistic") != 3 {
		t.Errorf("by member total ascending, one a page: %v in %d calls", order, srv.Served("/cgi-bin/externalcontact/groupchat/statistic")-1)
	}
	// One day: the default when no end is given.
	days, err = s.GetGroupChatDailyStats(ctx, GroupChatDailyStatsParams{DayBeginTime: d0 + 600})
	if err != nil || len(days) != 1 || days[0].StatTime != d0 || days[0].Data.ChatTotal != 2 {
		t.Errorf("one day for every owner: %+v, %v", days, err)
	}
}

func TestStatisticsValidation(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	d0, d1 := statDays()
	today := StatDay(time.Now().Unix())
	many := make([]string, 101)
	behavior := func(p UserBehaviorParams) error { _, err := s.GetUserBehaviorData(ctx, p); return err }
	owners := func(p GroupChatOwnerStatsParams) error { _, err := s.ListGroupChatOwnerStatsPage(ctx, p); return err }
	daily := func(p GroupChatDailyStatsParams) error { _, err := s.GetGroupChatDailyStats(ctx, p); return err }
	for _, tc := range []struct {
		name, field string
		err         error
	}{
		{"no members", "userid", behavior(UserBehaviorParams{StartTime: d0, EndTime: d1})},
		{"101 members", "userid", behavior(UserBehaviorParams{Users: many, StartTime: d0, EndTime: d1})},
		{"101 departments", "partyid", behavior(UserBehaviorParams{Parties: make([]int, 101), StartTime: d0, EndTime: d1})},
		{"no start", "start_time", behavior(UserBehaviorParams{Users: []string{"a"}, EndTime: d1})},
		{"no end", "end_time", behavior(UserBehaviorParams{Users: []string{"a"}, StartTime: d0})},
		{"end first", "end_time", behavior(UserBehaviorParams{Users: []string{"a"}, StartTime: d1, EndTime: d0})},
		{"31 days", "end_time", behavior(UserBehaviorParams{Users: []string{"a"}, StartTime: d1 - 31*86400, EndTime: d1})},
		{"181 days ago", "start_time", behavior(UserBehaviorParams{Users: []string{"a"}, StartTime: today - 182*86400, EndTime: today - 170*86400})},
		{"group today", "day_end_time", owners(GroupChatOwnerStatsParams{DayBeginTime: today})},
		{"group no begin", "day_begin_time", owners(GroupChatOwnerStatsParams{DayEndTime: d1})},
		{"group 31 days", "day_end_time", owners(GroupChatOwnerStatsParams{DayBeginTime: d1 - 31*86400, DayEndTime: d1})},
		{"group 101 owners", "owner_filter.userid_list", owners(GroupChatOwnerStatsParams{DayBeginTime: d0, Owners: many})},
		{"group order", "order_by", owners(GroupChatOwnerStatsParams{DayBeginTime: d0, OrderBy: 5})},
		{"group limit", "limit", owners(GroupChatOwnerStatsParams{DayBeginTime: d0, Limit: 1001})},
		{"group offset", "offset", owners(GroupChatOwnerStatsParams{DayBeginTime: d0, Offset: -1})},
		{"daily today", "day_end_time", daily(GroupChatDailyStatsParams{DayBeginTime: d0, DayEndTime: today + 3600})},
		{"daily 101 owners", "owner_filter.userid_list", daily(GroupChatDailyStatsParams{DayBeginTime: d0, Owners: many})},
	} {
		t.Run(tc.name, func(t *testing.T) { wecomtest.WantInvalid(t, tc.err, tc.field) })
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d requests sent for invalid input", n)
	}
}

// TestStatisticsEncoding compares the bodies with the documented request examples (recent
// days instead of the examples' old ones) and decodes the documented answers.
func TestStatisticsEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	d0, d1 := statDays()
	behavior := captureJSON(mt, "POST", "/cgi-bin/externalcontact/get_user_behavior_data", `{"errcode":0,"errmsg":"ok","behavior_data":[`+
		`{"stat_time":1536508800,"chat_cnt":100,"message_cnt":80,"reply_percentage":60.25,"avg_reply_time":1,"negative_feedback_cnt":0,"new_apply_cnt":6,"new_contact_cnt":5},`+
		`{"stat_time":1536595200,"chat_cnt":20,"message_cnt":40,"negative_feedback_cnt":0,"new_apply_cnt":6,"new_contact_cnt":5}]}`)
	data, err := s.GetUserBehaviorData(ctx, UserBehaviorParams{Users: []string{"zhangsan", "lisi"}, Parties: []int{1001, 1002}, StartTime: d0, EndTime: d1})
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 2 || *data[0].ReplyPercentage != 60.25 || *data[0].AvgReplyMinutes != 1 || data[1].ReplyPercentage != nil || data[1].ChatCount != 20 {
		t.Errorf("decoded %+v", data)
	}
	if raw, want := (*behavior)[0].raw, fmt.Sprintf(`{"userid":["zhangsan","lisi"],"partyid":[1001,1002],"start_time":%d,"end_time":%d}`, d0, d1); raw != want {
		t.Errorf("get_user_behavior_data body\n got %s\nwant %s", raw, want)
	}
	stats := `"data":{"new_chat_cnt":2,"chat_total":2,"chat_has_msg":0,"new_member_cnt":0,"member_total":6,"member_has_msg":0,"msg_total":0,"migrate_trainee_chat_cnt":3}`
	owner := captureJSON(mt, "POST", "/cgi-bin/externalcontact/groupchat/statistic",
		`{"errcode":0,"errmsg":"ok","total":2,"next_offset":2,"items":[{"owner":"zhangsan",`+stats+`},{"owner":"lisi",`+stats+`}]}`)
	pg, err := s.ListGroupChatOwnerStatsPage(ctx, GroupChatOwnerStatsParams{DayBeginTime: d0, DayEndTime: d1, Owners: []string{"zhangsan"}, OrderBy: OrderByChatTotal, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Total != 2 || pg.Items[1].Owner != "lisi" || pg.Items[0].Data.MemberTotal != 6 || pg.Items[0].Data.MigrateTraineeChatCnt != 3 {
		t.Errorf("decoded %+v", pg)
	}
	if raw, want := (*owner)[0].raw, fmt.Sprintf(`{"day_begin_time":%d,"day_end_time":%d,"owner_filter":{"userid_list":["zhangsan"]},"order_by":2,"limit":1000}`, d0, d1); raw != want {
		t.Errorf("groupchat/statistic body\n got %s\nwant %s (order_asc 0 and offset 0 are the defaults)", raw, want)
	}
	if _, err := s.ListGroupChatOwnerStatsPage(ctx, GroupChatOwnerStatsParams{DayBeginTime: d0, OrderAsc: true, Offset: 500}); err != nil {
		t.Fatal(err)
	}
	if raw, want := (*owner)[1].raw, fmt.Sprintf(`{"day_begin_time":%d,"order_asc":1,"offset":500}`, d0); raw != want {
		t.Errorf("groupchat/statistic body %s, want %s", raw, want)
	}
	day := captureJSON(mt, "POST", "/cgi-bin/externalcontact/groupchat/statistic_group_by_day",
		`{"errcode":0,"errmsg":"ok","items":[{"stat_time":1600272000,`+stats+`},{"stat_time":1600358400,`+stats+`}]}`)
	days, err := s.GetGroupChatDailyStats(ctx, GroupChatDailyStatsParams{DayBeginTime: d0, DayEndTime: d1, Owners: []string{"zhangsan"}})
	if err != nil || len(days) != 2 || days[1].StatTime != 1600358400 || days[1].Data.NewChatCount != 2 {
		t.Fatalf("%+v, %v", days, err)
	}
	if raw, want := (*day)[0].raw, fmt.Sprintf(`{"day_begin_time":%d,"day_end_time":%d,"owner_filter":{"userid_list":["zhangsan"]}}`, d0, d1); raw != want {
		t.Errorf("statistic_group_by_day body\n got %s\nwant %s", raw, want)
	}
}
