package customerservice

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wecom-connector/wecom/client"
)

// ServicersParams adds members and departments to an account's servicers (接待人员) or
// removes them. At least one list must be non-empty; user IDs beyond WeCom's 100 per call are
// sent in further calls; at most 20 departments to add or 100 to remove.
type ServicersParams struct {
	OpenKfID      string   `json:"open_kfid"`
	UserIDs       []string `json:"userid_list,omitempty"`
	DepartmentIDs []uint32 `json:"department_id_list,omitempty"`
}

func (p ServicersParams) check(maxDepts int) error {
	switch {
	case p.OpenKfID == "":
		return invalid("open_kfid", "required")
	case len(p.UserIDs) == 0 && len(p.DepartmentIDs) == 0:
		return invalid("userid_list", "give at least one user ID or department ID")
	case len(p.DepartmentIDs) > maxDepts:
		return invalid("department_id_list", "%d departments, at most %d per call", len(p.DepartmentIDs), maxDepts)
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

// AddServicers adds servicers to an account (添加接待人员). The call can succeed while entries
// fail: check each result. An account holds at most 2000 members and 20 departments (95020).
// 添加接待人员
//
// https://developer.work.weixin.qq.com/document/path/94646
//
//wecom:api POST /cgi-bin/kf/servicer/add
func (s *Service) AddServicers(ctx context.Context, p ServicersParams) ([]ServicerResult, error) {
	if err := p.check(20); err != nil {
		return nil, err
	}
	return s.servicers(ctx, "/cgi-bin/kf/servicer/add", p)
}

// DeleteServicers removes servicers from an account (删除接待人员); check each result.
// 删除接待人员
//
// https://developer.work.weixin.qq.com/document/path/94647
//
//wecom:api POST /cgi-bin/kf/servicer/del
func (s *Service) DeleteServicers(ctx context.Context, p ServicersParams) ([]ServicerResult, error) {
	if err := p.check(100); err != nil {
		return nil, err
	}
	return s.servicers(ctx, "/cgi-bin/kf/servicer/del", p)
}

// servicers sends p in calls of at most 100 user IDs (departments ride in the first) and merges
// the per-entry results; after a failed call it returns the results so far with the error.
func (s *Service) servicers(ctx context.Context, path string, p ServicersParams) ([]ServicerResult, error) {
	var all []ServicerResult
	users := p.UserIDs
	for first := true; first || len(users) > 0; first = false {
		call := ServicersParams{OpenKfID: p.OpenKfID, UserIDs: users[:min(len(users), maxServicersPerCall)]}
		if first {
			call.DepartmentIDs = p.DepartmentIDs
		}
		users = users[len(call.UserIDs):]
		var out struct {
			List []ServicerResult `json:"result_list"`
		}
		// Adding or removing the same members again is harmless ("ignored").
		if err := s.c.Do(ctx, http.MethodPost, path, nil, client.Idempotent(call), &out); err != nil {
			return all, err
		}
		all = append(all, out.List...)
	}
	return all, nil
}

// maxServicersPerCall is WeCom's limit of user IDs in one servicer/add or servicer/del call.
const maxServicersPerCall = 100

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
	if err := required("open_kfid", openKfID); err != nil {
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
