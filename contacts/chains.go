package contacts

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/ctxtime"
	"github.com/wecom-connector/wecom/internal/pager"
	"github.com/wecom-connector/wecom/internal/wire"
)

// BusinessType tells linked-corp networks from upstream/downstream chains on corpgroup calls.
type BusinessType int

// Business types.
const (
	BusinessLinkedCorp BusinessType = 0 // 企业互联 / 局校互联
	BusinessChain      BusinessType = 1 // 上下游
)

// Chain is an upstream/downstream network (上下游空间) the calling corp owns.
type Chain struct {
	ID   string `json:"chain_id"`
	Name string `json:"chain_name"`
}

// ChainGroup is a group (分组) inside a chain; the root group's id is 1.
type ChainGroup struct {
	ID       int    `json:"groupid"`
	Name     string `json:"group_name"`
	ParentID int    `json:"parentid"`
	Order    uint32 `json:"order"`
}

// ChainCorp is a downstream corp of a chain group. Joined corps have CorpID; corps imported but
// not yet joined have PendingCorpID.
type ChainCorp struct {
	GroupID       int       `json:"groupid"`
	CorpID        string    `json:"corpid,omitempty"`
	PendingCorpID string    `json:"pending_corpid,omitempty"`
	CorpName      string    `json:"corp_name"`
	CustomID      string    `json:"custom_id,omitempty"`
	InviteUserID  string    `json:"invite_userid,omitempty"`
	IsJoined      wire.Bool `json:"is_joined"`
}

// ListChains lists the chains the calling corp manages.
// 获取上下游列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95820
//
//wecom:api GET /cgi-bin/corpgroup/corp/get_chain_list
func (s *Service) ListChains(ctx context.Context) ([]Chain, error) {
	var out struct {
		Chains []Chain `json:"chains"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/corpgroup/corp/get_chain_list", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Chains, nil
}

// ListChainGroups lists the groups of a chain; groupID 0 returns every group.
// 获取上下游通讯录分组
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95820
//
//wecom:api POST /cgi-bin/corpgroup/corp/get_chain_group
func (s *Service) ListChainGroups(ctx context.Context, chainID string, groupID int) ([]ChainGroup, error) {
	if err := check.Required("chain_id", chainID); err != nil {
		return nil, err
	}
	in := struct {
		ChainID string `json:"chain_id"`
		GroupID int    `json:"groupid,omitempty"`
	}{chainID, groupID}
	var out struct {
		Groups []ChainGroup `json:"groups"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_group", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return out.Groups, nil
}

// ChainCorpsParams selects the corps directly inside one chain group. GroupID 0 is the root
// group; Limit > 0 turns paging on (the iterator uses 100 when it is 0).
type ChainCorpsParams struct {
	ChainID     string `json:"chain_id"`
	GroupID     int    `json:"groupid,omitempty"`
	NeedPending bool   `json:"need_pending,omitempty"`
	Limit       int    `json:"limit,omitempty"`
	Cursor      string `json:"cursor,omitempty"`
}

// ChainCorpsPage is one page of a group's corps.
type ChainCorpsPage struct {
	Corps      []ChainCorp `json:"group_corps"`
	HasMore    wire.Bool   `json:"has_more"`
	NextCursor string      `json:"next_cursor"`
}

// ListChainCorpsPage reads the corps directly inside a group (one page when Limit > 0,
// everything otherwise). Walk the group tree from [Service.ListChainGroups] for sub-groups.
// 获取企业上下游通讯录分组下的企业详情列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95820
//
//wecom:api POST /cgi-bin/corpgroup/corp/get_chain_corpinfo_list
func (s *Service) ListChainCorpsPage(ctx context.Context, p ChainCorpsParams) (*ChainCorpsPage, error) {
	if err := check.Required("chain_id", p.ChainID); err != nil {
		return nil, err
	}
	if p.Limit < 0 {
		return nil, check.Invalid("limit", "%d, must not be negative", p.Limit)
	}
	var out ChainCorpsPage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_corpinfo_list", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListChainCorps walks the corps directly inside a group page by page (Limit 0 pages by 100).
// A page that says has_more without a next_cursor ends the walk with an error, not silently.
func (s *Service) ListChainCorps(ctx context.Context, p ChainCorpsParams) iter.Seq2[ChainCorp, error] {
	if p.Limit == 0 {
		p.Limit = 100
	}
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]ChainCorp, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListChainCorpsPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		if pg.HasMore && pg.NextCursor == "" {
			return nil, "", false, errors.New("wecom: contacts: get_chain_corpinfo_list answered has_more without a next_cursor")
		}
		return pg.Corps, pg.NextCursor, bool(pg.HasMore), nil
	})
}

// ChainCorpRef names one corp of a chain: a joined CorpID, or a PendingCorpID (CorpID wins when
// both are set).
type ChainCorpRef struct {
	ChainID       string `json:"chain_id"`
	CorpID        string `json:"corpid,omitempty"`
	PendingCorpID string `json:"pending_corpid,omitempty"`
}

func (r ChainCorpRef) validate() error {
	if err := check.Required("chain_id", r.ChainID); err != nil {
		return err
	}
	if r.CorpID == "" && r.PendingCorpID == "" {
		return check.Invalid("corpid", "corpid or pending_corpid is required")
	}
	return nil
}

// Qualification is a downstream corp's verification level.
type Qualification int

// Verification levels.
const (
	QualificationNone      Qualification = 1 // 未验证
	QualificationValidated Qualification = 2 // 已验证
	QualificationCertified Qualification = 3 // 已认证
)

// ChainCorpInfo is one downstream corp's details.
type ChainCorpInfo struct {
	CorpName            string        `json:"corp_name"`
	GroupID             int           `json:"groupid"`
	CustomID            string        `json:"custom_id"`
	QualificationStatus Qualification `json:"qualification_status"`
	IsJoined            wire.Bool     `json:"is_joined"`
}

// GetChainCorp reads one downstream corp of a chain.
// 获取企业上下游通讯录下的企业信息
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95820
//
//wecom:api POST /cgi-bin/corpgroup/corp/get_chain_corpinfo
func (s *Service) GetChainCorp(ctx context.Context, r ChainCorpRef) (*ChainCorpInfo, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	var out ChainCorpInfo
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_corpinfo", nil, client.Idempotent(r), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RemoveChainCorp removes a joined or pending corp from a chain (configured chain app only).
// 移除企业
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95822
//
//wecom:api POST /cgi-bin/corpgroup/corp/remove_corp
func (s *Service) RemoveChainCorp(ctx context.Context, r ChainCorpRef) error {
	if err := r.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/corp/remove_corp", nil, r, nil)
}

// IdentityType is an imported contact's role in the downstream corp.
type IdentityType int

// Identity types of imported chain contacts.
const (
	IdentityMember         IdentityType = 1 // 成员
	IdentityPersonInCharge IdentityType = 2 // 负责人
)

// ImportChainContactsParams lists corps (at most 1000, 2000 contacts in all) to import into a
// chain. They stay pending until a contact joins.
type ImportChainContactsParams struct {
	ChainID string       `json:"chain_id"`
	Corps   []ImportCorp `json:"contact_list"`
}

// ImportCorp is one corp to import: its name (1–32 characters, unique in the chain), target group
// path ("East/Zhejiang", empty = root), optional custom id and 1–200 contacts.
type ImportCorp struct {
	CorpName  string          `json:"corp_name"`
	GroupPath string          `json:"group_path,omitempty"`
	CustomID  string          `json:"custom_id,omitempty"`
	Contacts  []ImportContact `json:"contact_info_list"`
}

// ImportContact is a person WeCom invites into the imported corp.
type ImportContact struct {
	Name         string       `json:"name"`
	IdentityType IdentityType `json:"identity_type"`
	Mobile       string       `json:"mobile"`
	UserCustomID string       `json:"user_custom_id,omitempty"`
}

func (p *ImportChainContactsParams) validate() error {
	if err := check.Required("chain_id", p.ChainID); err != nil {
		return err
	}
	if len(p.Corps) == 0 || len(p.Corps) > 1000 {
		return check.Invalid("contact_list", "%d corps, want 1–1000 (one job at a time: import the rest after this job)", len(p.Corps))
	}
	total := 0
	for i, c := range p.Corps {
		f := "contact_list[" + strconv.Itoa(i) + "]"
		if err := checkChars(f+".corp_name", c.CorpName, 1, 32); err != nil {
			return err
		}
		if len(c.CustomID) > 64 || strings.TrimFunc(c.CustomID, isAlnum) != "" {
			return check.Invalid(f+".custom_id", "want at most 64 letters and digits")
		}
		if len(c.Contacts) == 0 || len(c.Contacts) > 200 {
			return check.Invalid(f+".contact_info_list", "%d contacts, want 1–200", len(c.Contacts))
		}
		total += len(c.Contacts)
		inCharge := 0
		for j, ct := range c.Contacts {
			cf := f + ".contact_info_list[" + strconv.Itoa(j) + "]"
			if err := checkChars(cf+".name", ct.Name, 1, 32); err != nil {
				return err
			}
			if ct.IdentityType != IdentityMember && ct.IdentityType != IdentityPersonInCharge {
				return check.Invalid(cf+".identity_type", "%d, want 1 (member) or 2 (person in charge)", ct.IdentityType)
			}
			if ct.IdentityType == IdentityPersonInCharge {
				inCharge++
			}
			if err := check.Required(cf+".mobile", ct.Mobile); err != nil {
				return err
			}
			if err := checkUserCustomID(cf+".user_custom_id", ct.UserCustomID); err != nil {
				return err
			}
		}
		if inCharge > 5 {
			return check.Invalid(f+".contact_info_list", "%d persons in charge, at most 5", inCharge)
		}
	}
	if total > 2000 {
		return check.Invalid("contact_list", "%d contacts, at most 2000 per call", total)
	}
	return nil
}

func isAlnum(r rune) bool {
	return r < utf8.RuneSelf && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
}

// checkUserCustomID: digits, no leading zero, 1..2^64-2, not 11 or 13 digits long.
func checkUserCustomID(field, id string) error {
	if id == "" {
		return nil
	}
	n, err := strconv.ParseUint(id, 10, 64)
	switch {
	case err != nil || n == 0 || n == 1<<64-1 || id[0] == '0':
		return check.Invalid(field, "%q, want an integer from 1 to 2^64-2 without leading zero", id)
	case len(id) == 11 || len(id) == 13:
		return check.Invalid(field, "%q: 11- and 13-digit ids are not allowed", id)
	}
	return nil
}

// ImportChainContacts submits an import job and returns its id; poll it with
// [Service.WaitChainImport] or [Service.GetChainImportResult]. One job runs at a time per corp.
// 批量导入上下游联系人
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95821
//
//wecom:api POST /cgi-bin/corpgroup/import_chain_contact
func (s *Service) ImportChainContacts(ctx context.Context, p ImportChainContactsParams) (string, error) {
	if err := p.validate(); err != nil {
		return "", err
	}
	var out struct {
		JobID string `json:"jobid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/import_chain_contact", nil, p, &out); err != nil {
		return "", err
	}
	return out.JobID, nil
}

// ImportStatus summarises an import job.
type ImportStatus int

// Import outcomes.
const (
	ImportAll  ImportStatus = 1 // every corp imported
	ImportSome ImportStatus = 2 // some corps imported
	ImportNone ImportStatus = 3 // every corp failed
)

// ChainImportResult is the state of an import job; Result is set once Status is JobFinished.
type ChainImportResult struct {
	Status JobStatus           `json:"status"`
	Result *ChainImportOutcome `json:"result,omitempty"`
}

// ChainImportOutcome is a finished import job.
type ChainImportOutcome struct {
	ChainID      string               `json:"chain_id"`
	ImportStatus ImportStatus         `json:"import_status"`
	FailList     []ChainImportFailure `json:"fail_list"`
}

// ChainImportFailure is a corp that was not imported (none of its contacts were).
type ChainImportFailure struct {
	CorpName string                      `json:"corp_name"`
	CustomID string                      `json:"custom_id"`
	ErrCode  int                         `json:"errcode"`
	ErrMsg   string                      `json:"errmsg"`
	Contacts []ChainImportContactFailure `json:"contact_info_list"`
}

// ChainImportContactFailure is one contact's import error.
type ChainImportContactFailure struct {
	Mobile  string `json:"mobile"`
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// UnmarshalJSON reads the phone from mobile or user_mobile (the docs' table and sample differ).
func (f *ChainImportContactFailure) UnmarshalJSON(b []byte) error {
	var v struct {
		Mobile     string `json:"mobile"`
		UserMobile string `json:"user_mobile"`
		ErrCode    int    `json:"errcode"`
		ErrMsg     string `json:"errmsg"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = ChainImportContactFailure{Mobile: v.Mobile, ErrCode: v.ErrCode, ErrMsg: v.ErrMsg}
	if f.Mobile == "" {
		f.Mobile = v.UserMobile
	}
	return nil
}

// GetChainImportResult reads the state of an import job.
// 获取异步任务结果
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95823
//
//wecom:api GET /cgi-bin/corpgroup/getresult
func (s *Service) GetChainImportResult(ctx context.Context, jobID string) (*ChainImportResult, error) {
	if err := check.Required("jobid", jobID); err != nil {
		return nil, err
	}
	var out ChainImportResult
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/corpgroup/getresult", url.Values{"jobid": {jobID}}, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// WaitChainImport polls an import job with backoff until it finishes or ctx ends.
func (s *Service) WaitChainImport(ctx context.Context, jobID string) (*ChainImportResult, error) {
	return ctxtime.Poll(ctx, func(ctx context.Context) (*ChainImportResult, bool, error) {
		r, err := s.GetChainImportResult(ctx, jobID)
		return r, err == nil && r.Status == JobFinished, err
	})
}

// ChainUserRef names a member of a joined downstream corp.
type ChainUserRef struct {
	ChainID string `json:"chain_id"`
	CorpID  string `json:"corpid"`
	UserID  string `json:"userid"`
}

// GetChainUserCustomID reads the upstream-assigned custom id of a downstream member.
// 查询成员自定义id
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97441
//
//wecom:api POST /cgi-bin/corpgroup/corp/get_chain_user_custom_id
func (s *Service) GetChainUserCustomID(ctx context.Context, r ChainUserRef) (string, error) {
	if err := check.RequiredAll("chain_id", r.ChainID, "corpid", r.CorpID, "userid", r.UserID); err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"user_custom_id"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_user_custom_id", nil, client.Idempotent(r), &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

// ListCorpSharedChains lists the calling corp's chains that a downstream corp belongs to.
// 查询下游企业所在的上下游
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97442
//
//wecom:api POST /cgi-bin/corpgroup/get_corp_shared_chain_list
func (s *Service) ListCorpSharedChains(ctx context.Context, corpID string) ([]Chain, error) {
	if err := check.Required("corpid", corpID); err != nil {
		return nil, err
	}
	in := struct {
		CorpID string `json:"corpid"`
	}{corpID}
	var out struct {
		Chains []Chain `json:"chains"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/get_corp_shared_chain_list", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return out.Chains, nil
}

// UnionIDParams identifies a WeChat customer by mini-program unionid and openid; CorpID limits
// the search to one downstream corp.
type UnionIDParams struct {
	UnionID        string `json:"unionid"`
	OpenID         string `json:"openid"`
	CorpID         string `json:"corpid,omitempty"`
	MassCallTicket string `json:"mass_call_ticket,omitempty"`
}

// CorpExternalUserID is a customer's external_userid inside one downstream corp.
type CorpExternalUserID struct {
	CorpID         string `json:"corpid"`
	ExternalUserID string `json:"external_userid"`
}

// UnionIDToExternalUserID finds a customer's external_userid in the downstream corps.
// 通过unionid和openid查询external_userid
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95818
//
//wecom:api POST /cgi-bin/corpgroup/unionid_to_external_userid
func (s *Service) UnionIDToExternalUserID(ctx context.Context, p UnionIDParams) ([]CorpExternalUserID, error) {
	if err := checkUnion(p.UnionID, p.OpenID); err != nil {
		return nil, err
	}
	var out struct {
		List []CorpExternalUserID `json:"external_userid_info"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/unionid_to_external_userid", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return out.List, nil
}

// ApplyMassCallTicket gets the bulk-call ticket (mass_call_ticket) that lifts the business
// limit of UnionIDToExternalUserID for an initial data load: once per corp, within three months
// of authorisation, valid seven days. Call it with the upstream shared app's client.
// 获取应用的接口批量调用凭证
//
// https://developer.work.weixin.qq.com/document/path/96250
//
//wecom:api GET /cgi-bin/corp/apply_mass_call_ticket
func (s *Service) ApplyMassCallTicket(ctx context.Context) (string, error) {
	var out struct {
		Ticket string `json:"mass_call_ticket"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/corp/apply_mass_call_ticket", nil, nil, &out); err != nil {
		return "", err
	}
	return out.Ticket, nil
}

// MiniprogramSession is a mini-program login session: the userid and session_key that the
// upstream's code2Session returned, or their downstream counterparts.
type MiniprogramSession struct {
	UserID     string `json:"userid"`
	SessionKey string `json:"session_key"`
}

// TransferMiniprogramSession turns an upstream mini-program session into the downstream corp's
// (a factory member logging in to the upstream's mini program). Call it with the downstream
// corp's client from client.Downstream, whose app is shared from the upstream app owning the
// session.
// 获取下级/下游企业小程序session
//
// https://developer.work.weixin.qq.com/document/path/95817
//
//wecom:api POST /cgi-bin/miniprogram/transfer_session
func (s *Service) TransferMiniprogramSession(ctx context.Context, upstream MiniprogramSession) (*MiniprogramSession, error) {
	switch {
	case upstream.UserID == "" || len(upstream.UserID) > 64:
		return nil, check.Invalid("userid", "want 1 to 64 bytes, have %d", len(upstream.UserID))
	case upstream.SessionKey == "" || len(upstream.SessionKey) > 64:
		return nil, check.Invalid("session_key", "want 1 to 64 bytes, have %d", len(upstream.SessionKey))
	}
	var out MiniprogramSession
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/miniprogram/transfer_session", nil, client.Idempotent(upstream), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func checkUnion(unionID, openID string) error {
	return check.RequiredAll("unionid", unionID, "openid", openID)
}

// UnionIDToPendingID returns the temporary pending_id (valid 90 days) of a WeChat user who is
// not yet a downstream customer.
// unionid查询pending_id
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97357
//
//wecom:api POST /cgi-bin/corpgroup/unionid_to_pending_id
func (s *Service) UnionIDToPendingID(ctx context.Context, unionID, openID string) (string, error) {
	if err := checkUnion(unionID, openID); err != nil {
		return "", err
	}
	in := UnionIDParams{UnionID: unionID, OpenID: openID}
	var out struct {
		PendingID string `json:"pending_id"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/unionid_to_pending_id", nil, client.Idempotent(in), &out); err != nil {
		return "", err
	}
	return out.PendingID, nil
}

// PendingIDsParams lists 1–100 customer ids to map back to pending ids; ChatID restricts the
// look-up to one customer group.
type PendingIDsParams struct {
	ExternalUserIDs []string `json:"external_userid"`
	ChatID          string   `json:"chat_id,omitempty"`
}

// PendingIDMapping is a customer id with the pending id it had.
type PendingIDMapping struct {
	ExternalUserID string `json:"external_userid"`
	PendingID      string `json:"pending_id"`
}

// ExternalUserIDsToPendingIDs maps customers back to the pending ids issued for them.
// external_userid查询pending_id
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/97357
//
//wecom:api POST /cgi-bin/corpgroup/batch/external_userid_to_pending_id
func (s *Service) ExternalUserIDsToPendingIDs(ctx context.Context, p PendingIDsParams) ([]PendingIDMapping, error) {
	if n := len(p.ExternalUserIDs); n == 0 || n > 100 {
		return nil, check.Invalid("external_userid", "%d ids, want 1–100", n)
	}
	var out struct {
		Result []PendingIDMapping `json:"result"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/batch/external_userid_to_pending_id", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return out.Result, nil
}

// ChainRule is a connection rule (对接规则): which upstream members or departments serve which
// downstream groups or corps.
type ChainRule struct {
	OwnerCorpRange  OwnerCorpRange  `json:"owner_corp_range"`
	MemberCorpRange MemberCorpRange `json:"member_corp_range"`
}

// OwnerCorpRange is the upstream side of a rule.
type OwnerCorpRange struct {
	UserIDs       []string     `json:"userids,omitempty"`
	DepartmentIDs wire.IntList `json:"departmentids,omitempty"`
}

// MemberCorpRange is the downstream side of a rule.
type MemberCorpRange struct {
	GroupIDs wire.IntList `json:"groupids,omitempty"`
	CorpIDs  []string     `json:"corpids,omitempty"`
}

func (r *ChainRule) validate() error {
	if len(r.OwnerCorpRange.UserIDs)+len(r.OwnerCorpRange.DepartmentIDs) == 0 {
		return check.Invalid("rule_info.owner_corp_range", "userids or departmentids is required")
	}
	if len(r.MemberCorpRange.GroupIDs)+len(r.MemberCorpRange.CorpIDs) == 0 {
		return check.Invalid("rule_info.member_corp_range", "groupids or corpids is required")
	}
	return nil
}

type ruleBody struct {
	ChainID string     `json:"chain_id"`
	RuleID  int        `json:"rule_id,omitempty"`
	Rule    *ChainRule `json:"rule_info,omitempty"`
}

// ListChainRuleIDs lists the ids of a chain's connection rules.
// 获取对接规则id列表
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95631
//
//wecom:api POST /cgi-bin/corpgroup/rule/list_ids
func (s *Service) ListChainRuleIDs(ctx context.Context, chainID string) ([]int, error) {
	if err := check.Required("chain_id", chainID); err != nil {
		return nil, err
	}
	var out struct {
		IDs []int `json:"rule_ids"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/rule/list_ids", nil, client.Idempotent(ruleBody{ChainID: chainID}), &out); err != nil {
		return nil, err
	}
	return out.IDs, nil
}

// GetChainRule reads one connection rule.
// 获取对接规则详情
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95633
//
//wecom:api POST /cgi-bin/corpgroup/rule/get_rule_info
func (s *Service) GetChainRule(ctx context.Context, chainID string, ruleID int) (*ChainRule, error) {
	if err := check.Required("chain_id", chainID); err != nil {
		return nil, err
	}
	var out struct {
		Rule ChainRule `json:"rule_info"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/rule/get_rule_info", nil, client.Idempotent(ruleBody{ChainID: chainID, RuleID: ruleID}), &out); err != nil {
		return nil, err
	}
	return &out.Rule, nil
}

// AddChainRule creates a connection rule and returns its id.
// 新增对接规则
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95634
//
//wecom:api POST /cgi-bin/corpgroup/rule/add_rule
func (s *Service) AddChainRule(ctx context.Context, chainID string, rule ChainRule) (int, error) {
	if err := check.Required("chain_id", chainID); err != nil {
		return 0, err
	}
	if err := rule.validate(); err != nil {
		return 0, err
	}
	var out struct {
		ID int `json:"rule_id"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/rule/add_rule", nil, ruleBody{ChainID: chainID, Rule: &rule}, &out); err != nil {
		return 0, err
	}
	return out.ID, nil
}

// ModifyChainRuleParams replaces a rule's ranges.
type ModifyChainRuleParams struct {
	ChainID string
	RuleID  int
	Rule    ChainRule
}

// ModifyChainRule replaces a connection rule.
// 更新对接规则
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95635
//
//wecom:api POST /cgi-bin/corpgroup/rule/modify_rule
func (s *Service) ModifyChainRule(ctx context.Context, p ModifyChainRuleParams) error {
	if err := check.Required("chain_id", p.ChainID); err != nil {
		return err
	}
	if err := p.Rule.validate(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/rule/modify_rule", nil, ruleBody{ChainID: p.ChainID, RuleID: p.RuleID, Rule: &p.Rule}, nil)
}

// DeleteChainRule removes a connection rule.
// 删除对接规则
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/95632
//
//wecom:api POST /cgi-bin/corpgroup/rule/delete_rule
func (s *Service) DeleteChainRule(ctx context.Context, chainID string, ruleID int) error {
	if err := check.Required("chain_id", chainID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/rule/delete_rule", nil, ruleBody{ChainID: chainID, RuleID: ruleID}, nil)
}
