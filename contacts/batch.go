package contacts

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/ctxtime"
)

// JobStatus is the state of an asynchronous job (batch import, chain import).
type JobStatus int

// Job states.
const (
	JobStarted  JobStatus = 1
	JobRunning  JobStatus = 2
	JobFinished JobStatus = 3
)

// JobType names a batch job; decode any string (completion events also name invite_user).
type JobType string

// Batch job types.
const (
	JobSyncUser     JobType = "sync_user"
	JobReplaceUser  JobType = "replace_user"
	JobReplaceParty JobType = "replace_party"
	JobInviteUser   JobType = "invite_user"
)

// InviteParams names members, departments and tags to invite: at most 1000 users, 100
// departments and 100 tags, at least one entry.
type InviteParams struct {
	UserIDs     []string `json:"user,omitempty"`
	Departments []int    `json:"party,omitempty"`
	TagIDs      []int    `json:"tag,omitempty"`
}

// InviteResult lists the invitees WeCom rejected.
type InviteResult struct {
	InvalidUsers       []string `json:"invaliduser"`
	InvalidDepartments []int    `json:"invalidparty"`
	InvalidTags        []int    `json:"invalidtag"`
}

// Invite sends activation invitations; delivery happens asynchronously.
// 邀请成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90975
//
//wecom:api POST /cgi-bin/batch/invite
func (s *Service) Invite(ctx context.Context, p InviteParams) (*InviteResult, error) {
	switch {
	case len(p.UserIDs)+len(p.Departments)+len(p.TagIDs) == 0:
		return nil, check.Invalid("user", "user, party and tag may not all be empty")
	case len(p.UserIDs) > 1000:
		return nil, check.Invalid("user", "%d users, at most 1000", len(p.UserIDs))
	case len(p.Departments) > 100:
		return nil, check.Invalid("party", "%d departments, at most 100", len(p.Departments))
	case len(p.TagIDs) > 100:
		return nil, check.Invalid("tag", "%d tags, at most 100", len(p.TagIDs))
	}
	var out InviteResult
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/batch/invite", nil, p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// JobCallback is where WeCom posts the job's completion event instead of the app's callback URL.
type JobCallback struct {
	URL            string `json:"url,omitempty"`
	Token          string `json:"token,omitempty"`
	EncodingAESKey string `json:"encodingaeskey,omitempty"`
}

// SyncUsersParams is the body of batch/syncuser and batch/replaceuser: the media_id of an
// uploaded CSV file. ToInvite nil keeps WeCom's default (invite).
type SyncUsersParams struct {
	MediaID  string       `json:"media_id"`
	ToInvite *bool        `json:"to_invite,omitempty"`
	Callback *JobCallback `json:"callback,omitempty"`
}

// ReplaceDepartmentsParams is the body of batch/replaceparty.
type ReplaceDepartmentsParams struct {
	MediaID  string       `json:"media_id"`
	Callback *JobCallback `json:"callback,omitempty"`
}

// SyncUsers starts an incremental member import from a CSV file and returns the job id.
// 增量更新成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90980
//
//wecom:api POST /cgi-bin/batch/syncuser
func (s *Service) SyncUsers(ctx context.Context, p SyncUsersParams) (string, error) {
	return s.startJob(ctx, "/cgi-bin/batch/syncuser", p.MediaID, p)
}

// ReplaceUsers starts a full overwrite of the members from a CSV file (members missing from it
// are deleted) and returns the job id.
// 全量覆盖成员
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90981
//
//wecom:api POST /cgi-bin/batch/replaceuser
func (s *Service) ReplaceUsers(ctx context.Context, p SyncUsersParams) (string, error) {
	return s.startJob(ctx, "/cgi-bin/batch/replaceuser", p.MediaID, p)
}

// ReplaceDepartments starts a full overwrite of the department tree from a CSV file and
// returns the job id.
// 全量覆盖部门
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90982
//
//wecom:api POST /cgi-bin/batch/replaceparty
func (s *Service) ReplaceDepartments(ctx context.Context, p ReplaceDepartmentsParams) (string, error) {
	return s.startJob(ctx, "/cgi-bin/batch/replaceparty", p.MediaID, p)
}

func (s *Service) startJob(ctx context.Context, path, mediaID string, body any) (string, error) {
	if err := check.Required("media_id", mediaID); err != nil {
		return "", err
	}
	var out struct {
		JobID string `json:"jobid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, path, nil, body, &out); err != nil {
		return "", err
	}
	return out.JobID, nil
}

// JobResult is the state of a batch job; Result holds per-row outcomes once finished.
type JobResult struct {
	Status     JobStatus  `json:"status"`
	Type       JobType    `json:"type"`
	Total      int        `json:"total"`
	Percentage int        `json:"percentage"`
	Result     []JobEntry `json:"result"`
}

// JobEntry is one row's outcome: UserID for member jobs, PartyID and Action for replace_party.
type JobEntry struct {
	UserID  string `json:"userid,omitempty"`
	PartyID int    `json:"partyid,omitempty"`
	Action  int    `json:"action,omitempty"` // bit mask: 1 created, 2 renamed, 4 moved, 8 order changed
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// GetJobResult reads the state of a batch job.
// 获取异步任务结果
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90983
//
//wecom:api GET /cgi-bin/batch/getresult
func (s *Service) GetJobResult(ctx context.Context, jobID string) (*JobResult, error) {
	if err := check.Required("jobid", jobID); err != nil {
		return nil, err
	}
	var out JobResult
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/batch/getresult", url.Values{"jobid": {jobID}}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitJob polls a batch job with backoff (100 ms doubling to 5 s) until it finishes, an error
// occurs or ctx ends.
func (s *Service) WaitJob(ctx context.Context, jobID string) (*JobResult, error) {
	return ctxtime.Poll(ctx, func(ctx context.Context) (*JobResult, bool, error) {
		r, err := s.GetJobResult(ctx, jobID)
		return r, err == nil && r.Status == JobFinished, err
	})
}
