package customerservice

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/fanout"
)

// ServicersParams adds members and departments to an account's servicers (接待人员) or
// removes them. At least one list must be non-empty. One call takes at most 100 user IDs and
// 20 departments to add or 100 to remove; the …InParts helpers take any number of user IDs.
type ServicersParams struct {
	OpenKfID      string   `json:"open_kfid"`
	UserIDs       []string `json:"userid_list,omitempty"`
	DepartmentIDs []int    `json:"department_id_list,omitempty"`
}

// maxServicersPerCall is WeCom's limit of user IDs in one servicer/add or servicer/del call.
const maxServicersPerCall = 100

// check validates p for one call (maxUsers > 0) or for a batched run (maxUsers 0: no cap).
func (p ServicersParams) check(maxUsers, maxDepts int) error {
	switch {
	case p.OpenKfID == "":
		return check.Invalid("open_kfid", "required")
	case len(p.UserIDs) == 0 && len(p.DepartmentIDs) == 0:
		return check.Invalid("userid_list", "give at least one user ID or department ID")
	case maxUsers > 0 && len(p.UserIDs) > maxUsers:
		return check.Invalid("userid_list", "%d user IDs, at most %d per call (the InParts helpers split them)", len(p.UserIDs), maxUsers)
	case len(p.DepartmentIDs) > maxDepts:
		return check.Invalid("department_id_list", "%d departments, at most %d per call", len(p.DepartmentIDs), maxDepts)
	}
	return nil
}

// ServicersResult is the answer to one servicer/add or servicer/del call: one entry per
// requested member and department.
type ServicersResult struct {
	Results []ServicerResult `json:"result_list"`
}

// ServicerResult is the outcome for one requested member or department: Code 0 means done
// (Message "ignored" when nothing had to change), anything else is that entry's errcode.
type ServicerResult struct {
	UserID       string `json:"userid"`
	DepartmentID int    `json:"department_id"`
	Code         int    `json:"errcode"`
	Message      string `json:"errmsg"`
}

// OK reports whether the entry succeeded.
func (r ServicerResult) OK() bool { return r.Code == 0 }

// The servicer limits per call: departments to add, departments to remove.
const (
	maxAddDepts = 20
	maxDelDepts = 100
)

// AddServicers adds up to 100 members and 20 departments to an account's servicers
// (添加接待人员) in one call. The call can succeed while entries fail: check each result. An
// account holds at most 2000 members and 20 departments (95020). For more than 100 members use
// [Service.AddServicersInParts].
// 添加接待人员
//
// https://developer.work.weixin.qq.com/document/path/94646
//
//wecom:api POST /cgi-bin/kf/servicer/add
func (s *Service) AddServicers(ctx context.Context, p ServicersParams) (*ServicersResult, error) {
	if err := p.check(maxServicersPerCall, maxAddDepts); err != nil {
		return nil, err
	}
	return s.servicers(ctx, "/cgi-bin/kf/servicer/add", p)
}

// DeleteServicers removes up to 100 members and 100 departments from an account's servicers
// (删除接待人员) in one call; check each result. For more than 100 members use
// [Service.DeleteServicersInParts].
// 删除接待人员
//
// https://developer.work.weixin.qq.com/document/path/94647
//
//wecom:api POST /cgi-bin/kf/servicer/del
func (s *Service) DeleteServicers(ctx context.Context, p ServicersParams) (*ServicersResult, error) {
	if err := p.check(maxServicersPerCall, maxDelDepts); err != nil {
		return nil, err
	}
	return s.servicers(ctx, "/cgi-bin/kf/servicer/del", p)
}

func (s *Service) servicers(ctx context.Context, path string, p ServicersParams) (*ServicersResult, error) {
	out := new(ServicersResult)
	// Adding or removing the same members again is harmless ("ignored").
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(p), out); err != nil {
		return nil, err
	}
	return out, nil
}

// AddServicersInParts is [Service.AddServicers] for any number of members: it makes one
// servicer/add call per 100 user IDs (the departments ride in the first), one after the other,
// and returns one part per call made. It stops at the first failing call ([client.Part]).
// Entries can fail inside a call that went through: check each part's Out.Results.
func (s *Service) AddServicersInParts(ctx context.Context, p ServicersParams) ([]client.Part[ServicersParams, ServicersResult], error) {
	if err := p.check(0, maxAddDepts); err != nil {
		return nil, err
	}
	return fanout.Run(ctx, p.split(), s.AddServicers, nil)
}

// DeleteServicersInParts is [Service.DeleteServicers] for any number of members, split and
// reported like [Service.AddServicersInParts].
func (s *Service) DeleteServicersInParts(ctx context.Context, p ServicersParams) ([]client.Part[ServicersParams, ServicersResult], error) {
	if err := p.check(0, maxDelDepts); err != nil {
		return nil, err
	}
	return fanout.Run(ctx, p.split(), s.DeleteServicers, nil)
}

// split cuts p into calls of at most 100 user IDs, the departments in the first.
func (p ServicersParams) split() []ServicersParams {
	calls := make([]ServicersParams, max(1, fanout.Calls(len(p.UserIDs), maxServicersPerCall)))
	for i := range calls {
		calls[i] = ServicersParams{OpenKfID: p.OpenKfID, UserIDs: fanout.Window(p.UserIDs, i, maxServicersPerCall)}
	}
	calls[0].DepartmentIDs = p.DepartmentIDs
	return calls
}

// Servicer is one entry of an account's servicers: a member (UserID) or a whole department
// (DepartmentID, no status).
type Servicer struct {
	UserID       string
	DepartmentID int
	// Status is Receiving or Stopped; zero when the app lacks manage permission or for a
	// department.
	Status   ServicerStatus
	StopType StopType // when Stopped
}

// ListServicers returns an account's servicers (获取接待人员列表).
// 获取接待人员列表
//
// https://developer.work.weixin.qq.com/document/path/94645
//
//wecom:api GET /cgi-bin/kf/servicer/list
func (s *Service) ListServicers(ctx context.Context, openKfID string) ([]Servicer, error) {
	if err := check.Required("open_kfid", openKfID); err != nil {
		return nil, err
	}
	var out struct {
		List []struct {
			UserID       string   `json:"userid"`
			Status       *int     `json:"status"` // 0 receiving, 1 stopped: not the event's 1/2
			StopType     StopType `json:"stop_type"`
			DepartmentID int      `json:"department_id"`
		} `json:"servicer_list"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/kf/servicer/list", url.Values{"open_kfid": {openKfID}}, nil, &out); err != nil {
		return nil, err
	}
	list := make([]Servicer, len(out.List))
	for i, e := range out.List {
		list[i] = Servicer{UserID: e.UserID, DepartmentID: e.DepartmentID, StopType: e.StopType}
		if e.UserID != "" && e.Status != nil {
			list[i].Status = Receiving
			if *e.Status == 1 {
				list[i].Status = Stopped
			}
		}
	}
	return list, nil
}
