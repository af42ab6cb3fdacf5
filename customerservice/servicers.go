package customerservice

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// ServicersParams adds members and departments to an account's servicers (接待人员) or
// removes them. At least one list must be non-empty. One call takes at most 100 user IDs and
// 20 departments to add or 100 to remove; the …InBatches helpers take any number of user IDs.
type ServicersParams struct {
	OpenKfID      string   `json:"open_kfid"`
	UserIDs       []string `json:"userid_list,omitempty"`
	DepartmentIDs []uint32 `json:"department_id_list,omitempty"`
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
		return check.Invalid("userid_list", "%d user IDs, at most %d per call (the InBatches helpers split them)", len(p.UserIDs), maxUsers)
	case len(p.DepartmentIDs) > maxDepts:
		return check.Invalid("department_id_list", "%d departments, at most %d per call", len(p.DepartmentIDs), maxDepts)
	}
	return nil
}

// ServicerResult is the outcome for one requested member or department: Code 0 means done
// (Message "ignored" when nothing had to change), anything else is that entry's errcode.
type ServicerResult struct {
	UserID       string `json:"userid"`
	DepartmentID uint32 `json:"department_id"`
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
// [Service.AddServicersInBatches].
// 添加接待人员
//
// https://developer.work.weixin.qq.com/document/path/94646
//
//wecom:api POST /cgi-bin/kf/servicer/add
func (s *Service) AddServicers(ctx context.Context, p ServicersParams) ([]ServicerResult, error) {
	if err := p.check(maxServicersPerCall, maxAddDepts); err != nil {
		return nil, err
	}
	return s.servicers(ctx, "/cgi-bin/kf/servicer/add", p)
}

// DeleteServicers removes up to 100 members and 100 departments from an account's servicers
// (删除接待人员) in one call; check each result. For more than 100 members use
// [Service.DeleteServicersInBatches].
// 删除接待人员
//
// https://developer.work.weixin.qq.com/document/path/94647
//
//wecom:api POST /cgi-bin/kf/servicer/del
func (s *Service) DeleteServicers(ctx context.Context, p ServicersParams) ([]ServicerResult, error) {
	if err := p.check(maxServicersPerCall, maxDelDepts); err != nil {
		return nil, err
	}
	return s.servicers(ctx, "/cgi-bin/kf/servicer/del", p)
}

func (s *Service) servicers(ctx context.Context, path string, p ServicersParams) ([]ServicerResult, error) {
	var out struct {
		List []ServicerResult `json:"result_list"`
	}
	// Adding or removing the same members again is harmless ("ignored").
	if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return out.List, nil
}

// ServicersPart is one servicer/add or servicer/del call of the InBatches helpers: the members
// and departments it carried and their results, or its error.
type ServicersPart struct {
	UserIDs       []string
	DepartmentIDs []uint32
	Results       []ServicerResult
	Err           error
}

// AddServicersInBatches is [Service.AddServicers] for any number of members: it makes one
// servicer/add call per 100 user IDs (the departments ride in the first), one after the other,
// and returns one part per call in order. A failed call does not stop the others; the error
// returned is the first part's error (nil when every call succeeded), or a validation error
// before any call. Entries can fail inside a successful call: check each part's Results.
func (s *Service) AddServicersInBatches(ctx context.Context, p ServicersParams) ([]ServicersPart, error) {
	if err := p.check(0, maxAddDepts); err != nil {
		return nil, err
	}
	return s.servicersInBatches(ctx, p, s.AddServicers)
}

// DeleteServicersInBatches is [Service.DeleteServicers] for any number of members, split and
// reported like [Service.AddServicersInBatches].
func (s *Service) DeleteServicersInBatches(ctx context.Context, p ServicersParams) ([]ServicersPart, error) {
	if err := p.check(0, maxDelDepts); err != nil {
		return nil, err
	}
	return s.servicersInBatches(ctx, p, s.DeleteServicers)
}

func (s *Service) servicersInBatches(ctx context.Context, p ServicersParams, call func(context.Context, ServicersParams) ([]ServicerResult, error)) ([]ServicersPart, error) {
	var parts []ServicersPart
	var first error
	users := p.UserIDs
	for len(parts) == 0 || len(users) > 0 {
		part := ServicersPart{UserIDs: users[:min(len(users), maxServicersPerCall)]}
		if len(parts) == 0 {
			part.DepartmentIDs = p.DepartmentIDs
		}
		users = users[len(part.UserIDs):]
		part.Results, part.Err = call(ctx, ServicersParams{OpenKfID: p.OpenKfID, UserIDs: part.UserIDs, DepartmentIDs: part.DepartmentIDs})
		if first == nil {
			first = part.Err
		}
		parts = append(parts, part)
	}
	return parts, first
}

// Servicer is one entry of an account's servicers: a member (UserID) or a whole department
// (DepartmentID, no status).
type Servicer struct {
	UserID       string
	DepartmentID uint32
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
			DepartmentID uint32   `json:"department_id"`
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
