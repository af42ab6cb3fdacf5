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

// MassChatType says whom a mass message (企业群发) goes to.
type MassChatType string

// Mass message targets.
const (
	MassToCustomers MassChatType = "single" // customers (the default)
	MassToGroups    MassChatType = "group"  // customer groups (客户群)
)

// MassMessageParams creates a mass-message task (创建企业群发). Nothing is sent until the
// Sender confirms it in the WeCom client. For customers, Sender, ExternalUserIDs and TagFilter
// may not all be empty (Sender alone means all of that member's customers); for groups Sender
// is required. Text and Attachments may not both be empty.
type MassMessageParams struct {
	ChatType        MassChatType `json:"chat_type,omitempty"`
	ExternalUserIDs []string     `json:"external_userid,omitempty"` // ≤ 10,000 customers
	ChatIDs         []string     `json:"chat_id_list,omitempty"`    // ≤ 2,000 groups
	TagFilter       *TagFilter   `json:"tag_filter,omitempty"`      // ignored with ExternalUserIDs
	Sender          string       `json:"sender,omitempty"`
	AllowSelect     bool         `json:"allow_select,omitempty"` // the member may change the recipients
	Text            *Text        `json:"text,omitempty"`
	Attachments     []Attachment `json:"attachments,omitempty"` // ≤ 9
}

// TagFilter selects customers by corp tags: tags within one group are OR-ed, the groups AND-ed.
type TagFilter struct {
	Groups []TagFilterGroup `json:"group_list"`
}

// TagFilterGroup is one OR-ed set of up to 100 corp tag IDs.
type TagFilterGroup struct {
	TagIDs []string `json:"tag_list"`
}

// MassMessageResult is the created task: its msgid and the recipients that cannot receive it.
type MassMessageResult struct {
	MsgID    string   `json:"msgid"`
	FailList []string `json:"fail_list"`
}

// AddMassMessage creates a mass message to customers or customer groups (企业群发), for
// example a campaign to every customer tagged "stage 2 formula". Recipients over WeCom's
// monthly receiving limit get nothing ([MassLimitReached] in [Service.ListMassMessageResults]).
// 创建企业群发
//
// https://developer.work.weixin.qq.com/document/path/92135
//
//wecom:api POST /cgi-bin/externalcontact/add_msg_template
func (s *Service) AddMassMessage(ctx context.Context, p MassMessageParams) (*MassMessageResult, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	var out MassMessageResult
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/add_msg_template", nil, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p MassMessageParams) check() error {
	switch p.ChatType {
	case "", MassToCustomers:
		if p.Sender == "" && len(p.ExternalUserIDs) == 0 && p.TagFilter == nil {
			return check.Invalid("sender", "give a sender, customers or a tag filter")
		}
		if len(p.ChatIDs) > 0 {
			return check.Invalid("chat_id_list", "only for chat_type group")
		}
	case MassToGroups:
		if p.Sender == "" {
			return check.Invalid("sender", "required for chat_type group")
		}
		if len(p.ExternalUserIDs) > 0 || p.AllowSelect {
			return check.Invalid("external_userid", "customers and allow_select are for chat_type single")
		}
	default:
		return check.Invalid("chat_type", "want single or group, have %q", p.ChatType)
	}
	switch {
	case len(p.ExternalUserIDs) > 10000:
		return check.Invalid("external_userid", "%d customers, at most 10000", len(p.ExternalUserIDs))
	case len(p.ChatIDs) > 2000:
		return check.Invalid("chat_id_list", "%d groups, at most 2000", len(p.ChatIDs))
	}
	if p.TagFilter != nil {
		for _, g := range p.TagFilter.Groups {
			if len(g.TagIDs) == 0 || len(g.TagIDs) > 100 {
				return check.Invalid("tag_filter.group_list.tag_list", "%d tags, want 1 to 100", len(g.TagIDs))
			}
		}
	}
	return checkContent(p.Text, p.Attachments)
}

// CreateType says who created a mass message or a customer moment (创建来源).
type CreateType int

// Creators of mass messages and moments.
const (
	CreatedByCorp   CreateType = 0 // 企业发表: created by the corp (admin console or API), sent by members
	CreatedByMember CreateType = 1 // 个人发表: created and sent by a member
)

// maxMassRecordRange is the longest range get_groupmsg_list_v2 takes: WeCom says one month;
// the SDK allows the longest month, 31 days.
const maxMassRecordRange = 31 * 24 * 3600

// checkTimeRange checks a required [start, end] range of Unix seconds no longer than max seconds.
func checkTimeRange(start, end, max int64, limit string) error {
	switch {
	case start <= 0:
		return check.Invalid("start_time", "required")
	case end <= 0:
		return check.Invalid("end_time", "required")
	case end < start:
		return check.Invalid("end_time", "before start_time")
	case end-start > max:
		return check.Invalid("end_time", "%s after start_time, at most %s", time.Duration(end-start)*time.Second, limit)
	}
	return nil
}

// pageLimit checks a list's limit: negative is refused, over max is sent as max (WeCom would
// fall back to its smaller default), 0 is left out for WeCom's default.
func pageLimit(limit, max int) (int, error) {
	if limit < 0 {
		return 0, check.Invalid("limit", "%d, want 0 (the default) to %d", limit, max)
	}
	return min(limit, max), nil
}

// ListMassMessagesParams selects mass-message records (群发记录) created in [StartTime,
// EndTime] (Unix seconds, both required, at most a month apart). ChatType "" lists messages to
// customers. CreatedBy nil lists both kinds; Creator keeps one member's messages (those the API
// created have no creator). Limit is at most 100 (0: WeCom's default, 50).
type ListMassMessagesParams struct {
	ChatType  MassChatType `json:"chat_type"`
	StartTime int64        `json:"start_time"`
	EndTime   int64        `json:"end_time"`
	Creator   string       `json:"creator,omitempty"`
	CreatedBy *CreateType  `json:"filter_type,omitempty"`
	Limit     int          `json:"limit,omitempty"`
	Cursor    string       `json:"cursor,omitempty"`
}

// MassMessageRecord is a mass message as the records list it: its msgid (for the member tasks
// and send results), creator, source and content. Creator is empty for messages the API created.
type MassMessageRecord struct {
	MsgID       string       `json:"msgid"`
	Creator     string       `json:"creator,omitempty"`
	CreateTime  wire.Int64   `json:"create_time"` // Unix seconds (WeCom sends a string)
	CreateType  CreateType   `json:"create_type"`
	Text        *Text        `json:"text,omitempty"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// MassMessagePage is one page of mass-message records; NextCursor is empty on the last page.
type MassMessagePage struct {
	Records    []MassMessageRecord `json:"group_msg_list"`
	NextCursor string              `json:"next_cursor"`
}

// ListMassMessagesPage reads one page of the corp's and members' mass messages.
// 获取群发记录列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93338
//
//wecom:api POST /cgi-bin/externalcontact/get_groupmsg_list_v2
func (s *Service) ListMassMessagesPage(ctx context.Context, p ListMassMessagesParams) (*MassMessagePage, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if p.ChatType == "" {
		p.ChatType = MassToCustomers
	}
	p.Limit = min(p.Limit, 100)
	var out MassMessagePage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_groupmsg_list_v2", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p ListMassMessagesParams) check() error {
	if p.ChatType != "" && p.ChatType != MassToCustomers && p.ChatType != MassToGroups {
		return check.Invalid("chat_type", "want single or group, have %q", p.ChatType)
	}
	if p.CreatedBy != nil && *p.CreatedBy != CreatedByCorp && *p.CreatedBy != CreatedByMember {
		return check.Invalid("filter_type", "%d, want CreatedByCorp or CreatedByMember (nil: both)", *p.CreatedBy)
	}
	if _, err := pageLimit(p.Limit, 100); err != nil {
		return err
	}
	return checkTimeRange(p.StartTime, p.EndTime, maxMassRecordRange, "one month (31 days)")
}

// ListMassMessages walks every mass-message record matching p.
func (s *Service) ListMassMessages(ctx context.Context, p ListMassMessagesParams) iter.Seq2[MassMessageRecord, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]MassMessageRecord, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListMassMessagesPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Records, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// MassTaskStatus is whether a member has sent their part of a mass message.
type MassTaskStatus int

// Member task states.
const (
	MassTaskUnsent MassTaskStatus = 0 // 未发送
	MassTaskSent   MassTaskStatus = 2 // 已发送
)

// MassTasksParams pages the member tasks of a mass message. Limit is at most 1000 (0: WeCom's
// default, 500).
type MassTasksParams struct {
	MsgID  string `json:"msgid"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// MassTask is one member's part of a mass message; SendTime (Unix seconds) is 0 until sent.
type MassTask struct {
	UserID   string         `json:"userid"`
	Status   MassTaskStatus `json:"status"`
	SendTime int64          `json:"send_time,omitempty"`
}

// MassTaskPage is one page of member tasks; NextCursor is empty on the last page.
type MassTaskPage struct {
	Tasks      []MassTask `json:"task_list"`
	NextCursor string     `json:"next_cursor"`
}

// ListMassMessageTasksPage reads one page of the members who were to send a mass message and
// whether they did (messages created before 2020-11-17 have no tasks).
// 获取群发成员发送任务列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93338
//
//wecom:api POST /cgi-bin/externalcontact/get_groupmsg_task
func (s *Service) ListMassMessageTasksPage(ctx context.Context, p MassTasksParams) (*MassTaskPage, error) {
	if err := check.Required("msgid", p.MsgID); err != nil {
		return nil, err
	}
	var err error
	if p.Limit, err = pageLimit(p.Limit, 1000); err != nil {
		return nil, err
	}
	var out MassTaskPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_groupmsg_task", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListMassMessageTasks walks every member task of a mass message.
func (s *Service) ListMassMessageTasks(ctx context.Context, p MassTasksParams) iter.Seq2[MassTask, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]MassTask, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListMassMessageTasksPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Tasks, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// MassSendStatus is what became of a mass message for one customer or group.
type MassSendStatus int

// Send results.
const (
	MassUnsent       MassSendStatus = 0 // 未发送
	MassSent         MassSendStatus = 1 // 已发送
	MassNotFriend    MassSendStatus = 2 // not sent: the customer is no longer the member's contact (客户不是好友)
	MassLimitReached MassSendStatus = 3 // not sent: the customer already got the most mass messages allowed (已经收到其他群发消息)
)

// MassResultsParams pages the send results of one member's part of a mass message. Limit is at
// most 1000 (0: WeCom's default, 500).
type MassResultsParams struct {
	MsgID  string `json:"msgid"`
	UserID string `json:"userid"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// MassSendResult is the result for one customer (ExternalUserID) or customer group (ChatID);
// SendTime (Unix seconds) is set when Status is [MassSent].
type MassSendResult struct {
	ExternalUserID string         `json:"external_userid,omitempty"`
	ChatID         string         `json:"chat_id,omitempty"`
	UserID         string         `json:"userid"`
	Status         MassSendStatus `json:"status"`
	SendTime       int64          `json:"send_time,omitempty"`
}

// MassResultPage is one page of send results; NextCursor is empty on the last page.
type MassResultPage struct {
	Results    []MassSendResult `json:"send_list"`
	NextCursor string           `json:"next_cursor"`
}

// ListMassMessageResultsPage reads one page of what a member's part of a mass message did for
// each recipient. For groups only sent records are listed: the member chooses the groups when
// sending.
// 获取企业群发成员执行结果
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93338
//
//wecom:api POST /cgi-bin/externalcontact/get_groupmsg_send_result
func (s *Service) ListMassMessageResultsPage(ctx context.Context, p MassResultsParams) (*MassResultPage, error) {
	if err := check.RequiredAll("msgid", p.MsgID, "userid", p.UserID); err != nil {
		return nil, err
	}
	var err error
	if p.Limit, err = pageLimit(p.Limit, 1000); err != nil {
		return nil, err
	}
	var out MassResultPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_groupmsg_send_result", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListMassMessageResults walks every send result of a member's part of a mass message.
func (s *Service) ListMassMessageResults(ctx context.Context, p MassResultsParams) iter.Seq2[MassSendResult, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]MassSendResult, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListMassMessageResultsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Results, pg.NextCursor, pg.NextCursor != "", nil
	})
}

type msgIDBody struct {
	MsgID string `json:"msgid"`
}

// RemindMassMessage notifies the members who have not sent a mass message yet again. WeCom
// allows three reminders per message in 24 hours (41094 past them) and none for a cancelled
// message (41093). A reminder is not retried after a busy answer: it may have counted.
// 提醒成员群发
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97610
//
//wecom:api POST /cgi-bin/externalcontact/remind_groupmsg_send
func (s *Service) RemindMassMessage(ctx context.Context, msgID string) error {
	if err := check.Required("msgid", msgID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/remind_groupmsg_send", nil, msgIDBody{msgID}, nil)
}

// CancelMassMessage stops a corp mass message: members who have not sent it can no longer
// send; what was sent stays with the customers. Cancelling twice is harmless, so the call is
// retried like a read.
// 停止企业群发
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97611
//
//wecom:api POST /cgi-bin/externalcontact/cancel_groupmsg_send
func (s *Service) CancelMassMessage(ctx context.Context, msgID string) error {
	if err := check.Required("msgid", msgID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/cancel_groupmsg_send", nil, client.Idempotent(msgIDBody{msgID}), nil)
}
