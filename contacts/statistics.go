package contacts

import (
	"context"
	"iter"
	"net/http"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Statistics (统计管理): members' contact statistics and customer group statistics. WeCom
// counts by day, China time (UTC+8): a timestamp stands for its whole day, and a period's both
// ends are included.

// Limits of the statistics calls.
const (
	MaxStatisticsUsers   = 100                  // userid, partyid and owner_filter.userid_list entries
	MaxStatisticsSpan    = 30 * 24 * time.Hour  // between the first and the last day of a period
	MaxStatisticsAge     = 180 * 24 * time.Hour // statistics are kept for the last 180 days
	MaxGroupChatStatPage = 1000                 // limit of groupchat/statistic
)

var chinaTime = time.FixedZone("CST", 8*3600)

// StatDay returns the Unix seconds of midnight, China time, of the day ts falls in: the day
// WeCom's statistics count ts in.
func StatDay(ts int64) int64 {
	t := time.Unix(ts, 0).In(chinaTime)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, chinaTime).Unix()
}

// checkStatDays checks a statistics period: start set, end (0 means start when !endRequired)
// not before it, the days at most 30 apart and the start within the last 180 days (a day of
// slack for clocks).
func checkStatDays(startField, endField string, start, end int64, endRequired bool) error {
	switch {
	case start <= 0:
		return check.Invalid(startField, "required")
	case end == 0 && !endRequired:
		end = start
	case end <= 0:
		return check.Invalid(endField, "required")
	}
	from, to := StatDay(start), StatDay(end)
	oldest := StatDay(time.Now().Add(-MaxStatisticsAge).Unix()) - 86400
	switch {
	case to < from:
		return check.Invalid(endField, "before %s", startField)
	case time.Duration(to-from)*time.Second > MaxStatisticsSpan:
		return check.Invalid(endField, "%d days after %s, at most 30", (to-from)/86400, startField)
	case from < oldest:
		return check.Invalid(startField, "older than 180 days: WeCom keeps statistics for 180 days")
	}
	return nil
}

// UserBehaviorParams asks for the contact statistics of members between two days (Unix
// seconds, both included, at most 30 days apart, within the last 180 days). Several members
// and departments give their total. At least one of Users and Parties is required; each holds
// at most [MaxStatisticsUsers].
type UserBehaviorParams struct {
	Users     []string `json:"userid,omitempty"`
	Parties   []int    `json:"partyid,omitempty"`
	StartTime int64    `json:"start_time"`
	EndTime   int64    `json:"end_time"`
}

// BehaviorData is one day of members' contact statistics (联系客户统计). ReplyPercentage and
// AvgReplyMinutes are nil on days without a chat the customer started.
type BehaviorData struct {
	StatTime              int64    `json:"stat_time"`             // midnight of the day
	NewApplyCount         int      `json:"new_apply_cnt"`         // friend requests members sent (发起申请数)
	NewContactCount       int      `json:"new_contact_cnt"`       // customers added (新增客户数)
	ChatCount             int      `json:"chat_cnt"`              // single chats members wrote in (聊天总数)
	MessageCount          int      `json:"message_cnt"`           // messages members sent in single chats (发送消息数)
	ReplyPercentage       *float64 `json:"reply_percentage"`      // % of customer-started chats answered the same day
	AvgReplyMinutes       *float64 `json:"avg_reply_time"`        // mean minutes to the first answer
	NegativeFeedbackCount int      `json:"negative_feedback_cnt"` // customers who deleted or blocked a member
}

// GetUserBehaviorData reads members' contact statistics, one entry per day.
// 获取「联系客户统计」数据
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92132
//
//wecom:api POST /cgi-bin/externalcontact/get_user_behavior_data
func (s *Service) GetUserBehaviorData(ctx context.Context, p UserBehaviorParams) ([]BehaviorData, error) {
	switch {
	case len(p.Users)+len(p.Parties) == 0:
		return nil, check.Invalid("userid", "userid and partyid are both empty")
	case len(p.Users) > MaxStatisticsUsers:
		return nil, check.Invalid("userid", "%d members, at most %d", len(p.Users), MaxStatisticsUsers)
	case len(p.Parties) > MaxStatisticsUsers:
		return nil, check.Invalid("partyid", "%d departments, at most %d", len(p.Parties), MaxStatisticsUsers)
	}
	if err := checkStatDays("start_time", "end_time", p.StartTime, p.EndTime, true); err != nil {
		return nil, err
	}
	var out struct {
		Data []BehaviorData `json:"behavior_data"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_user_behavior_data", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return out.Data, nil
}

// GroupChatStatOrder is what groupchat/statistic sorts owners by.
type GroupChatStatOrder int

// Orders of the owner statistics (0 sends nothing: WeCom's default, new groups).
const (
	OrderByNewChats    GroupChatStatOrder = 1 // 新增群的数量
	OrderByChatTotal   GroupChatStatOrder = 2 // 群总数
	OrderByNewMembers  GroupChatStatOrder = 3 // 新增群人数
	OrderByMemberTotal GroupChatStatOrder = 4 // 群总人数
)

// GroupChatStats are the customer group statistics of a day or a period. The totals are as of
// the end of the day (截至当天); the new counts are of the day, or summed over the period.
type GroupChatStats struct {
	NewChatCount          int `json:"new_chat_cnt"`             // groups created (新增客户群数量)
	ChatTotal             int `json:"chat_total"`               // groups
	ChatHasMsg            int `json:"chat_has_msg"`             // groups with a message
	NewMemberCount        int `json:"new_member_cnt"`           // people who joined (新增群人数)
	MemberTotal           int `json:"member_total"`             // members of the groups
	MemberHasMsg          int `json:"member_has_msg"`           // members who sent a message
	MsgTotal              int `json:"msg_total"`                // messages
	MigrateTraineeChatCnt int `json:"migrate_trainee_chat_cnt"` // migrated groups (education corps only)
}

// GroupChatOwnerStatsParams asks for the customer group statistics of owners over days (Unix
// seconds of any time of the first and last day; DayEndTime 0 means one day). The days may be
// from 180 days ago to yesterday, at most 30 days apart. Owners holds 1–100 owners; empty asks
// for every owner in the app's visible range (81017 when that is over 1000 members). Limit is
// 1–1000, 0 sends nothing (WeCom's default 500).
type GroupChatOwnerStatsParams struct {
	DayBeginTime int64
	DayEndTime   int64
	Owners       []string
	OrderBy      GroupChatStatOrder
	OrderAsc     bool
	Offset       int
	Limit        int
}

func newOwnerFilter(owners []string) *ownerFilter {
	if len(owners) == 0 {
		return nil
	}
	return &ownerFilter{owners}
}

func checkGroupChatDays(begin, end int64, owners []string) error {
	if err := checkStatDays("day_begin_time", "day_end_time", begin, end, false); err != nil {
		return err
	}
	if end == 0 {
		end = begin
	}
	today := StatDay(time.Now().Unix())
	switch {
	case StatDay(end) >= today:
		return check.Invalid("day_end_time", "today or later: statistics cover the days up to yesterday")
	case len(owners) > MaxStatisticsUsers:
		return check.Invalid("owner_filter.userid_list", "%d owners, at most %d", len(owners), MaxStatisticsUsers)
	}
	return nil
}

// OwnerGroupChatStats are the statistics of the groups one member owns.
type OwnerGroupChatStats struct {
	Owner string         `json:"owner"`
	Data  GroupChatStats `json:"data"`
}

// GroupChatOwnerStatsPage is one page of owner statistics: Total owners matched; the walk is
// complete when NextOffset reaches Total.
type GroupChatOwnerStatsPage struct {
	Total      int                   `json:"total"`
	NextOffset int                   `json:"next_offset"`
	Items      []OwnerGroupChatStats `json:"items"`
}

// ListGroupChatOwnerStatsPage reads one page of customer group statistics per owner.
// 获取「群聊数据统计」数据 按群主聚合的方式
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92133
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/statistic
func (s *Service) ListGroupChatOwnerStatsPage(ctx context.Context, p GroupChatOwnerStatsParams) (*GroupChatOwnerStatsPage, error) {
	switch {
	case p.OrderBy < 0 || p.OrderBy > OrderByMemberTotal:
		return nil, check.Invalid("order_by", "%d, want 1–4", p.OrderBy)
	case p.Offset < 0:
		return nil, check.Invalid("offset", "%d, negative", p.Offset)
	case p.Limit < 0 || p.Limit > MaxGroupChatStatPage:
		return nil, check.Invalid("limit", "%d, want 1–%d", p.Limit, MaxGroupChatStatPage)
	}
	if err := checkGroupChatDays(p.DayBeginTime, p.DayEndTime, p.Owners); err != nil {
		return nil, err
	}
	in := struct {
		Begin    int64              `json:"day_begin_time"`
		End      int64              `json:"day_end_time,omitempty"`
		Owners   *ownerFilter       `json:"owner_filter,omitempty"`
		OrderBy  GroupChatStatOrder `json:"order_by,omitempty"`
		OrderAsc wire.Flag          `json:"order_asc,omitempty"`
		Offset   int                `json:"offset,omitempty"`
		Limit    int                `json:"limit,omitempty"`
	}{p.DayBeginTime, p.DayEndTime, newOwnerFilter(p.Owners), p.OrderBy, wire.Flag(p.OrderAsc), p.Offset, p.Limit}
	var out GroupChatOwnerStatsPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/groupchat/statistic", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListGroupChatOwnerStats walks the owner statistics of every page from p.Offset on.
func (s *Service) ListGroupChatOwnerStats(ctx context.Context, p GroupChatOwnerStatsParams) iter.Seq2[OwnerGroupChatStats, error] {
	limit := p.Limit
	if limit == 0 {
		limit = 500
	}
	return pager.Offset(ctx, p.Offset, limit, func(ctx context.Context, offset, limit int) ([]OwnerGroupChatStats, bool, error) {
		q := p
		q.Offset, q.Limit = offset, limit
		pg, err := s.ListGroupChatOwnerStatsPage(ctx, q)
		if err != nil {
			return nil, false, err
		}
		return pg.Items, pg.NextOffset < pg.Total, nil
	})
}

// GroupChatDailyStatsParams asks for the customer group statistics of owners per day; the
// days and Owners follow the rules of [GroupChatOwnerStatsParams].
type GroupChatDailyStatsParams struct {
	DayBeginTime int64
	DayEndTime   int64
	Owners       []string
}

// DailyGroupChatStats are the statistics of one day (StatTime is its midnight).
type DailyGroupChatStats struct {
	StatTime int64          `json:"stat_time"`
	Data     GroupChatStats `json:"data"`
}

// GetGroupChatDailyStats reads the customer group statistics of owners, one entry per day.
// 获取「群聊数据统计」数据 按自然日聚合的方式
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/92133
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/statistic_group_by_day
func (s *Service) GetGroupChatDailyStats(ctx context.Context, p GroupChatDailyStatsParams) ([]DailyGroupChatStats, error) {
	if err := checkGroupChatDays(p.DayBeginTime, p.DayEndTime, p.Owners); err != nil {
		return nil, err
	}
	in := struct {
		Begin  int64        `json:"day_begin_time"`
		End    int64        `json:"day_end_time,omitempty"`
		Owners *ownerFilter `json:"owner_filter,omitempty"`
	}{p.DayBeginTime, p.DayEndTime, newOwnerFilter(p.Owners)}
	var out struct {
		Items []DailyGroupChatStats `json:"items"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/groupchat/statistic_group_by_day", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return out.Items, nil
}
