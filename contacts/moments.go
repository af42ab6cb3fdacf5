package contacts

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/ctxtime"
	"github.com/wecom-connector/wecom/internal/pager"
	"github.com/wecom-connector/wecom/internal/wire"
)

// MomentParams is a moment the corp asks members to post to their customers' WeChat moments
// (企业发表内容到客户的朋友圈). Text and Attachments may not both be empty; the attachments are up
// to 9 images, or one video, or one link, never mixed. VisibleRange nil sends the task to every
// member in the app's visible scope, for all their customers.
type MomentParams struct {
	Text         *Text               `json:"text,omitempty"` // at most 4000 bytes
	Attachments  []MomentAttachment  `json:"attachments,omitempty"`
	VisibleRange *MomentVisibleRange `json:"visible_range,omitempty"`
}

// MomentAttachment is one attachment of a moment: set MsgType ([AttachImage], [AttachVideo] or
// [AttachLink]) and the matching field. Media ids come from the attachment upload
// (上传附件资源, media/upload_attachment).
type MomentAttachment struct {
	MsgType AttachmentType   `json:"msgtype"`
	Image   *MediaAttachment `json:"image,omitempty"`
	Video   *MediaAttachment `json:"video,omitempty"` // at most 30 s and 10 MB
	Link    *MomentLink      `json:"link,omitempty"`
}

// MomentLink is a link attachment of a moment: its URL, title (at most 64 characters) and the
// media id of its cover image.
type MomentLink struct {
	Title   string `json:"title,omitempty"`
	URL     string `json:"url"`
	MediaID string `json:"media_id"`
}

// MomentVisibleRange says who posts a moment and which customers see it (可见范围). With Senders
// only, the senders' customers all see it; with Customers only, the task goes to the members
// following customers with those tags; with both, to the senders who have such customers. Only
// the tagged customers see a moment with Customers set.
type MomentVisibleRange struct {
	Senders   *MomentSenders  `json:"sender_list,omitempty"`
	Customers *MomentAudience `json:"external_contact_list,omitempty"`
}

// MomentSenders are the members asked to post a moment: up to 100,000 userids and any number
// of departments. Those outside the app's visible scope are ignored and reported in the task's
// result.
type MomentSenders struct {
	UserIDs       []string `json:"user_list,omitempty"`
	DepartmentIDs []int    `json:"department_list,omitempty"`
}

// MomentAudience selects the customers who see a moment by corp customer tags (企业客户标签; not
// rule-group tags).
type MomentAudience struct {
	TagIDs []string `json:"tag_list,omitempty"`
}

const maxMomentSenders = 100000

func (p MomentParams) check() error {
	switch {
	case (p.Text == nil || p.Text.Content == "") && len(p.Attachments) == 0:
		return check.Invalid("text", "text and attachments may not both be empty")
	case p.Text != nil && len(p.Text.Content) > 4000:
		return check.Invalid("text.content", "%d bytes, at most 4000", len(p.Text.Content))
	}
	for i, a := range p.Attachments {
		if a.MsgType != p.Attachments[0].MsgType {
			return check.Invalid("attachments.msgtype", "attachment %d is %q after %q: one kind only", i, a.MsgType, p.Attachments[0].MsgType)
		}
		var missing bool
		switch a.MsgType {
		case AttachImage:
			missing = a.Image == nil || a.Image.MediaID == ""
		case AttachVideo:
			missing = a.Video == nil || a.Video.MediaID == ""
		case AttachLink:
			switch {
			case a.Link == nil || a.Link.URL == "":
				return check.Invalid("attachments.link.url", "required")
			case a.Link.MediaID == "":
				return check.Invalid("attachments.link.media_id", "required (the cover image)")
			case utf8.RuneCountInString(a.Link.Title) > 64 || len(a.Link.Title) > 128:
				return check.Invalid("attachments.link.title", "at most 64 characters (128 bytes)")
			}
		default:
			return check.Invalid("attachments.msgtype", "%q, want image, video or link", a.MsgType)
		}
		if missing {
			return check.Invalid("attachments."+string(a.MsgType)+".media_id", "required")
		}
	}
	if n := len(p.Attachments); n > 0 {
		if kind := p.Attachments[0].MsgType; (kind == AttachImage && n > 9) || (kind != AttachImage && n > 1) {
			return check.Invalid("attachments", "%d %s attachments: at most 9 images, one video or one link", n, kind)
		}
	}
	if r := p.VisibleRange; r != nil && r.Senders != nil && len(r.Senders.UserIDs) > maxMomentSenders {
		return check.Invalid("visible_range.sender_list.user_list", "%d members, at most 100000", len(r.Senders.UserIDs))
	}
	return nil
}

// AddMomentTask asks members to post a moment to their customers and returns the id of the
// asynchronous job that creates the task (valid 24 hours); [Service.WaitMomentTask] waits for
// its moment id. WeCom allows 10 calls a minute and 100,000 moments a month per corp. Nothing
// is posted until each member publishes it in the WeCom app.
// 创建发表任务
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95094
//
//wecom:api POST /cgi-bin/externalcontact/add_moment_task
func (s *Service) AddMomentTask(ctx context.Context, p MomentParams) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	var out struct {
		JobID string `json:"jobid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/add_moment_task", nil, p, &out); err != nil {
		return "", err
	}
	return out.JobID, nil
}

// MomentTaskResult is the state of an add_moment_task job. Once Status is [JobFinished], MomentID
// names the moment, and the invalid lists the senders (unknown or outside the app's visible
// scope) and tags that were ignored; Err holds the job's errcode when it failed.
type MomentTaskResult struct {
	Status         JobStatus
	Type           string // "add_moment_task"
	MomentID       string
	InvalidSenders MomentSenders
	InvalidTagIDs  []string
	Err            *client.APIError
}

// GetMomentTaskResult reads the state of an add_moment_task job.
// 获取任务创建结果
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95094
//
//wecom:api GET /cgi-bin/externalcontact/get_moment_task_result
func (s *Service) GetMomentTaskResult(ctx context.Context, jobID string) (*MomentTaskResult, error) {
	if err := check.Required("jobid", jobID); err != nil {
		return nil, err
	}
	var out momentJobAnswer
	const path = "/cgi-bin/externalcontact/get_moment_task_result"
	if err := s.c.Do(ctx, http.MethodGet, path, url.Values{"jobid": {jobID}}, nil, &out); err != nil {
		return nil, err
	}
	return out.result(path), nil
}

// momentJobAnswer is get_moment_task_result's answer.
type momentJobAnswer struct {
	Status wire.Int `json:"status"`
	Type   string   `json:"type"`
	Result struct {
		ErrCode        int           `json:"errcode"`
		ErrMsg         string        `json:"errmsg"`
		MomentID       string        `json:"moment_id"`
		InvalidSenders MomentSenders `json:"invalid_sender_list"`
		InvalidTags    struct {
			TagIDs []string `json:"tag_list"`
		} `json:"invalid_external_contact_list"`
	} `json:"result"`
}

func (a *momentJobAnswer) result(path string) *MomentTaskResult {
	r := &MomentTaskResult{Status: JobStatus(a.Status), Type: a.Type, MomentID: a.Result.MomentID,
		InvalidSenders: a.Result.InvalidSenders, InvalidTagIDs: a.Result.InvalidTags.TagIDs}
	if a.Result.ErrCode != 0 {
		r.Err = &client.APIError{Code: a.Result.ErrCode, Message: a.Result.ErrMsg, Path: path}
	}
	return r
}

// WaitMomentTask polls an add_moment_task job with backoff (100 ms doubling to 5 s) until it
// finishes, an error occurs or ctx ends. A job that finished with an errcode returns its
// result and that errcode as the error.
func (s *Service) WaitMomentTask(ctx context.Context, jobID string) (*MomentTaskResult, error) {
	r, err := ctxtime.Poll(ctx, func(ctx context.Context) (*MomentTaskResult, bool, error) {
		r, err := s.GetMomentTaskResult(ctx, jobID)
		return r, err == nil && r.Status == JobFinished, err
	})
	if err == nil && r.Err != nil {
		return r, r.Err
	}
	return r, err
}

type momentIDBody struct {
	MomentID string `json:"moment_id"`
}

// CancelMomentTask stops a corp moment: members who have not published it can no longer do so;
// what was published stays. Stopping twice is harmless, so the call is retried like a read.
// 停止发表企业朋友圈
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97612
//
//wecom:api POST /cgi-bin/externalcontact/cancel_moment_task
func (s *Service) CancelMomentTask(ctx context.Context, momentID string) error {
	if err := check.Required("moment_id", momentID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/cancel_moment_task", nil, client.Idempotent(momentIDBody{momentID}), nil)
}

// maxMomentListRange is the longest range get_moment_list takes: 30 days.
const maxMomentListRange = 30 * 24 * 3600

// ListMomentsParams selects the moments created between StartTime and EndTime (Unix seconds,
// both required, at most 30 days apart; WeCom lists those strictly inside the range).
// CreatedBy nil lists both kinds; Creator keeps one member's own moments (those the corp
// created have no creator). Limit is at most 20 (0: WeCom's default, 20).
type ListMomentsParams struct {
	StartTime int64       `json:"start_time"`
	EndTime   int64       `json:"end_time"`
	Creator   string      `json:"creator,omitempty"`
	CreatedBy *CreateType `json:"filter_type,omitempty"`
	Cursor    string      `json:"cursor,omitempty"`
	Limit     int         `json:"limit,omitempty"`
}

// MomentVisibility says whether all of the poster's customers see a moment.
type MomentVisibility int

// Moment visibilities.
const (
	MomentVisiblePartly MomentVisibility = 0 // 部分可见: only the customers of the chosen tags
	MomentVisibleToAll  MomentVisibility = 1 // 公开
)

// Moment is a customer moment (客户朋友圈) as the list gives it. Deleted moments are not listed.
type Moment struct {
	MomentID    string            `json:"moment_id"`
	Creator     string            `json:"creator,omitempty"` // members' own moments only
	CreateTime  int64             `json:"create_time"`
	CreateType  CreateType        `json:"create_type"`
	VisibleType MomentVisibility  `json:"visible_type"`
	Text        *Text             `json:"text,omitempty"`
	Images      []MediaAttachment `json:"image,omitempty"`
	Video       *MomentVideo      `json:"video,omitempty"`
	Link        *MomentLinkInfo   `json:"link,omitempty"`
	Location    *MomentLocation   `json:"location,omitempty"`
}

// MomentVideo is the video of a moment and its cover, as media ids to download.
type MomentVideo struct {
	MediaID      string `json:"media_id"`
	ThumbMediaID string `json:"thumb_media_id"`
}

// MomentLinkInfo is the web link of a moment.
type MomentLinkInfo struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// MomentLocation is where a moment was posted; WeCom sends the coordinates as decimal strings.
type MomentLocation struct {
	Latitude  wire.String `json:"latitude"`
	Longitude wire.String `json:"longitude"`
	Name      string      `json:"name"`
}

// MomentPage is one page of moments; NextCursor is empty on the last page.
type MomentPage struct {
	Moments    []Moment `json:"moment_list"`
	NextCursor string   `json:"next_cursor"`
}

// ListMomentsPage reads one page of the corp's and members' moments.
// 获取企业全部的发表列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93333
//
//wecom:api POST /cgi-bin/externalcontact/get_moment_list
func (s *Service) ListMomentsPage(ctx context.Context, p ListMomentsParams) (*MomentPage, error) {
	if p.CreatedBy != nil && *p.CreatedBy != CreatedByCorp && *p.CreatedBy != CreatedByMember {
		return nil, check.Invalid("filter_type", "%d, want CreatedByCorp or CreatedByMember (nil: both)", *p.CreatedBy)
	}
	if err := checkTimeRange(p.StartTime, p.EndTime, maxMomentListRange, "30 days"); err != nil {
		return nil, err
	}
	var err error
	if p.Limit, err = pageLimit(p.Limit, 20); err != nil {
		return nil, err
	}
	var out MomentPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_moment_list", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListMoments walks every moment matching p.
func (s *Service) ListMoments(ctx context.Context, p ListMomentsParams) iter.Seq2[Moment, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]Moment, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListMomentsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Moments, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// MomentTasksParams pages the member tasks of a corp moment. Limit is at most 1000 (0:
// WeCom's default, 500).
type MomentTasksParams struct {
	MomentID string `json:"moment_id"`
	Cursor   string `json:"cursor,omitempty"`
	Limit    int    `json:"limit,omitempty"`
}

// MomentPublishStatus is whether a member has published a corp moment.
type MomentPublishStatus int

// Publish states.
const (
	MomentUnpublished MomentPublishStatus = 0 // 未发表
	MomentPublished   MomentPublishStatus = 1 // 已发表
)

// MomentTask is one member's task of a corp moment.
type MomentTask struct {
	UserID        string              `json:"userid"`
	PublishStatus MomentPublishStatus `json:"publish_status"`
}

// MomentTaskPage is one page of member tasks; NextCursor is empty on the last page.
type MomentTaskPage struct {
	Tasks      []MomentTask `json:"task_list"`
	NextCursor string       `json:"next_cursor"`
}

// ListMomentTasksPage reads one page of the members asked to post a corp moment and whether
// they did (41067 for a member's own moment).
// 获取客户朋友圈企业发表的列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93333
//
//wecom:api POST /cgi-bin/externalcontact/get_moment_task
func (s *Service) ListMomentTasksPage(ctx context.Context, p MomentTasksParams) (*MomentTaskPage, error) {
	if err := check.Required("moment_id", p.MomentID); err != nil {
		return nil, err
	}
	var err error
	if p.Limit, err = pageLimit(p.Limit, 1000); err != nil {
		return nil, err
	}
	var out MomentTaskPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_moment_task", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListMomentTasks walks every member task of a corp moment.
func (s *Service) ListMomentTasks(ctx context.Context, p MomentTasksParams) iter.Seq2[MomentTask, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]MomentTask, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListMomentTasksPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Tasks, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// MomentCustomersParams pages the customers of one member's copy of a moment: UserID is the
// member who published it (the creator, for a member's own moment). Limit is at most 1000 for
// [Service.ListMomentCustomersPage] (default 500) and 5000 for [Service.ListMomentSendResultsPage]
// (default 3000); 0 takes the default.
type MomentCustomersParams struct {
	MomentID string `json:"moment_id"`
	UserID   string `json:"userid"`
	Cursor   string `json:"cursor,omitempty"`
	Limit    int    `json:"limit,omitempty"`
}

func (p *MomentCustomersParams) check(maxLimit int) error {
	if err := check.RequiredAll("moment_id", p.MomentID, "userid", p.UserID); err != nil {
		return err
	}
	var err error
	p.Limit, err = pageLimit(p.Limit, maxLimit)
	return err
}

// MomentCustomer is a customer a member's moment was published to.
type MomentCustomer struct {
	UserID         string `json:"userid"`
	ExternalUserID string `json:"external_userid"`
}

// MomentCustomerPage is one page of a moment's customers; NextCursor is empty on the last page.
type MomentCustomerPage struct {
	Customers  []MomentCustomer `json:"customer_list"`
	NextCursor string           `json:"next_cursor"`
}

// ListMomentCustomersPage reads one page of the customers a member chose to see the moment when
// publishing it (41062 while a corp moment is unpublished by the member, 41061 for a member
// without it).
// 获取客户朋友圈发表时选择的可见范围
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93333
//
//wecom:api POST /cgi-bin/externalcontact/get_moment_customer_list
func (s *Service) ListMomentCustomersPage(ctx context.Context, p MomentCustomersParams) (*MomentCustomerPage, error) {
	if err := p.check(1000); err != nil {
		return nil, err
	}
	var out MomentCustomerPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_moment_customer_list", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListMomentCustomers walks every customer of a member's copy of a moment.
func (s *Service) ListMomentCustomers(ctx context.Context, p MomentCustomersParams) iter.Seq2[MomentCustomer, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]MomentCustomer, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListMomentCustomersPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Customers, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// MomentSendResultPage is one page of the customers who can see a member's moment; NextCursor
// is empty on the last page.
type MomentSendResultPage struct {
	ExternalUserIDs []string
	NextCursor      string
}

// ListMomentSendResultsPage reads one page of the customers who can see a member's published
// moment in WeChat.
// 获取客户朋友圈发表后的可见客户列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93333
//
//wecom:api POST /cgi-bin/externalcontact/get_moment_send_result
func (s *Service) ListMomentSendResultsPage(ctx context.Context, p MomentCustomersParams) (*MomentSendResultPage, error) {
	if err := p.check(5000); err != nil {
		return nil, err
	}
	var out momentSendAnswer
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_moment_send_result", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return out.page(), nil
}

// momentSendAnswer is get_moment_send_result's answer.
type momentSendAnswer struct {
	Customers []struct {
		ExternalUserID string `json:"external_userid"`
	} `json:"customer_list"`
	NextCursor string `json:"next_cursor"`
}

func (a *momentSendAnswer) page() *MomentSendResultPage {
	pg := &MomentSendResultPage{ExternalUserIDs: make([]string, len(a.Customers)), NextCursor: a.NextCursor}
	for i, c := range a.Customers {
		pg.ExternalUserIDs[i] = c.ExternalUserID
	}
	return pg
}

// ListMomentSendResults walks the external_userids of every customer who can see a member's
// published moment.
func (s *Service) ListMomentSendResults(ctx context.Context, p MomentCustomersParams) iter.Seq2[string, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]string, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListMomentSendResultsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.ExternalUserIDs, pg.NextCursor, pg.NextCursor != "", nil
	})
}

// MomentInteraction is a comment or a like on a moment, by a customer (ExternalUserID) or by a
// member of the corp (UserID); never both. CreateTime is in Unix seconds.
type MomentInteraction struct {
	ExternalUserID string `json:"external_userid,omitempty"`
	UserID         string `json:"userid,omitempty"`
	CreateTime     int64  `json:"create_time"`
}

// MomentComments are the comments and likes on a member's copy of a moment (互动数据).
type MomentComments struct {
	Comments []MomentInteraction `json:"comment_list"`
	Likes    []MomentInteraction `json:"like_list"`
}

// GetMomentComments reads the comments and likes on the copy of a moment that member userID
// published.
// 获取客户朋友圈的互动数据
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/93333
//
//wecom:api POST /cgi-bin/externalcontact/get_moment_comments
func (s *Service) GetMomentComments(ctx context.Context, momentID, userID string) (*MomentComments, error) {
	if err := check.RequiredAll("moment_id", momentID, "userid", userID); err != nil {
		return nil, err
	}
	in := struct {
		MomentID string `json:"moment_id"`
		UserID   string `json:"userid"`
	}{momentID, userID}
	var out MomentComments
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_moment_comments", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out, nil
}
