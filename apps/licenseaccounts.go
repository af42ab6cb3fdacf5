package apps

import (
	"context"
	"iter"
	"net/http"
	"strings"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/pager"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Licence accounts (接口调用许可 · 账号管理): binding active codes to members, reading codes and
// members, the corp's account list, inheritance and sharing with downstream corps.
//
// A member holds at most one account of each type. Activating a member who already holds the
// type replaces the old code (only when it has 20 days or less left; the time left carries over,
// up to 5 years in all, and the old code becomes merged).

// ActivateLicenseParams binds an active code of CorpID to a member.
type ActivateLicenseParams struct {
	ActiveCode string `json:"active_code"`
	CorpID     string `json:"corpid"`
	UserID     string `json:"userid"`
}

// ActivateLicense binds an active code to a member of the corp it was bought for.
// 激活账号
//
// https://developer.work.weixin.qq.com/document/path/95553
//
//wecom:api POST /cgi-bin/license/active_account
func (s *ProviderService) ActivateLicense(ctx context.Context, p ActivateLicenseParams) error {
	if err := check.RequiredAll("active_code", p.ActiveCode, "corpid", p.CorpID, "userid", p.UserID); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/active_account", nil, p, nil)
}

// LicenseActivation is one code-to-member binding of a batch.
type LicenseActivation struct {
	ActiveCode string `json:"active_code"`
	UserID     string `json:"userid"`
}

// LicenseActivationResult is the outcome of one binding: ErrCode 0 for success.
type LicenseActivationResult struct {
	ActiveCode string `json:"active_code"`
	UserID     string `json:"userid"` // encrypted userid
	ErrCode    int    `json:"errcode"`
}

// BatchActivateLicenses binds up to 1000 codes to members of one corp and returns each binding's
// outcome.
// 批量激活账号
//
// https://developer.work.weixin.qq.com/document/path/95553
//
//wecom:api POST /cgi-bin/license/batch_active_account
func (s *ProviderService) BatchActivateLicenses(ctx context.Context, corpID string, list []LicenseActivation) ([]LicenseActivationResult, error) {
	if err := checkLicenseActivations(corpID, list); err != nil {
		return nil, err
	}
	in := struct {
		CorpID string              `json:"corpid"`
		List   []LicenseActivation `json:"active_list"`
	}{corpID, list}
	var out struct {
		Results []LicenseActivationResult `json:"active_result"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/batch_active_account", nil, in, &out); err != nil {
		return nil, err
	}
	return out.Results, nil
}

func checkLicenseActivations(corpID string, list []LicenseActivation) error {
	if err := check.Required("corpid", corpID); err != nil {
		return err
	}
	if err := checkLicenseBatch("active_list", len(list), licenseMaxBatch); err != nil {
		return err
	}
	for _, a := range list {
		if err := check.RequiredAll("active_list.active_code", a.ActiveCode, "active_list.userid", a.UserID); err != nil {
			return err
		}
	}
	return nil
}

// ActivateLicenseByTypeParams activates an account of Type for a member without a valid one.
type ActivateLicenseByTypeParams struct {
	Type   LicenseType `json:"type"`
	CorpID string      `json:"corpid"`
	UserID string      `json:"userid"`
}

// ActivateLicenseByType binds the corp's unbound code of a type whose activation deadline is
// earliest to a member who has no valid account of that type.
// 指定账号类型激活
//
// https://developer.work.weixin.qq.com/document/path/95553
//
//wecom:api POST /cgi-bin/license/active_account_by_type
func (s *ProviderService) ActivateLicenseByType(ctx context.Context, p ActivateLicenseByTypeParams) error {
	if err := check.Required("corpid", p.CorpID); err != nil {
		return err
	}
	if err := checkLicenseAccount("", p.UserID, p.Type); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/active_account_by_type", nil, p, nil)
}

// LicenseCodeStatus is the state of an active code (账号状态).
type LicenseCodeStatus int

// Code states.
const (
	LicenseCodeUnbound    LicenseCodeStatus = 1 // 未绑定
	LicenseCodeBound      LicenseCodeStatus = 2 // 已绑定且有效
	LicenseCodeExpired    LicenseCodeStatus = 3 // 已过期
	LicenseCodeToTransfer LicenseCodeStatus = 4 // 待转移: the member left (auto-activation on)
	LicenseCodeMerged     LicenseCodeStatus = 5 // 已合并: replaced by a newer code, no longer usable
	LicenseCodeShared     LicenseCodeStatus = 6 // 已分配给下游
)

// LicenseMergeInfo links a code with the one that replaced it (ToActiveCode) or the one it
// replaced (FromActiveCode).
type LicenseMergeInfo struct {
	ToActiveCode   string `json:"to_active_code,omitempty"`
	FromActiveCode string `json:"from_active_code,omitempty"`
}

// LicenseShareInfo links a code shared between an upstream and a downstream corp: ToCorpID as
// the upstream reads it, FromCorpID as the downstream does.
type LicenseShareInfo struct {
	ToCorpID   string `json:"to_corpid,omitempty"`
	FromCorpID string `json:"from_corpid,omitempty"`
}

// LicenseCodeInfo is an active code's state and binding (激活码详情). UserID (encrypted),
// ActiveTime and ExpireTime are set once the code was bound.
type LicenseCodeInfo struct {
	ActiveCode string            `json:"active_code"`
	Type       LicenseType       `json:"type"`
	Status     LicenseCodeStatus `json:"status"`
	UserID     string            `json:"userid,omitempty"`
	CreateTime int64             `json:"create_time"`
	ActiveTime int64             `json:"active_time,omitempty"`
	ExpireTime int64             `json:"expire_time,omitempty"`
	MergeInfo  *LicenseMergeInfo `json:"merge_info,omitempty"`
	ShareInfo  *LicenseShareInfo `json:"share_info,omitempty"`
}

// GetLicenseCode reads an active code of a corp.
// 获取激活码详情
//
// https://developer.work.weixin.qq.com/document/path/95552
//
//wecom:api POST /cgi-bin/license/get_active_info_by_code
func (s *ProviderService) GetLicenseCode(ctx context.Context, corpID, activeCode string) (*LicenseCodeInfo, error) {
	if err := check.RequiredAll("corpid", corpID, "active_code", activeCode); err != nil {
		return nil, err
	}
	in := struct {
		CorpID string `json:"corpid"`
		Code   string `json:"active_code"`
	}{corpID, activeCode}
	var out struct {
		Info LicenseCodeInfo `json:"active_info"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/get_active_info_by_code", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out.Info, nil
}

// LicenseCodeBatch is the answer of a batch code read: the codes found and the invalid ones.
type LicenseCodeBatch struct {
	Codes   []LicenseCodeInfo `json:"active_info_list"`
	Invalid []string          `json:"invalid_active_code_list"`
}

// BatchGetLicenseCodes reads up to 1000 active codes of a corp.
// 批量获取激活码详情
//
// https://developer.work.weixin.qq.com/document/path/95552
//
//wecom:api POST /cgi-bin/license/batch_get_active_info_by_code
func (s *ProviderService) BatchGetLicenseCodes(ctx context.Context, corpID string, activeCodes []string) (*LicenseCodeBatch, error) {
	if err := check.Required("corpid", corpID); err != nil {
		return nil, err
	}
	if err := checkLicenseBatch("active_code_list", len(activeCodes), licenseMaxBatch); err != nil {
		return nil, err
	}
	in := struct {
		CorpID string   `json:"corpid"`
		Codes  []string `json:"active_code_list"`
	}{corpID, activeCodes}
	var out LicenseCodeBatch
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/batch_get_active_info_by_code", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListActivatedLicensesParams pages a corp's activated accounts (for a chain: the upstream
// corp's own). Limit is 1–1000 (0: WeCom's default 500).
type ListActivatedLicensesParams struct {
	CorpID string `json:"corpid"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// ActivatedLicense is an activated account of a corp, expired ones included.
type ActivatedLicense struct {
	UserID     string      `json:"userid"` // encrypted userid
	Type       LicenseType `json:"type"`
	ExpireTime int64       `json:"expire_time"`
	ActiveTime int64       `json:"active_time"`
}

// ActivatedLicensePage is one page of a corp's activated accounts.
type ActivatedLicensePage struct {
	Accounts   []ActivatedLicense `json:"account_list"`
	NextCursor string             `json:"next_cursor"`
	HasMore    wire.Flag          `json:"has_more"`
}

// ListActivatedLicensesPage reads one page of a corp's activated accounts.
// 获取企业的账号列表
//
// https://developer.work.weixin.qq.com/document/path/95544
//
//wecom:api POST /cgi-bin/license/list_actived_account
func (s *ProviderService) ListActivatedLicensesPage(ctx context.Context, p ListActivatedLicensesParams) (*ActivatedLicensePage, error) {
	if err := check.Required("corpid", p.CorpID); err != nil {
		return nil, err
	}
	if err := checkLicenseLimit(p.Limit); err != nil {
		return nil, err
	}
	var out ActivatedLicensePage
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/list_actived_account", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListActivatedLicenses walks every activated account of a corp, page by page from p.Cursor.
func (s *ProviderService) ListActivatedLicenses(ctx context.Context, p ListActivatedLicensesParams) iter.Seq2[ActivatedLicense, error] {
	return pager.Cursor(ctx, p.Cursor, func(ctx context.Context, cursor string) ([]ActivatedLicense, string, bool, error) {
		q := p
		q.Cursor = cursor
		pg, err := s.ListActivatedLicensesPage(ctx, q)
		if err != nil {
			return nil, "", false, err
		}
		return pg.Accounts, pg.NextCursor, bool(pg.HasMore), nil
	})
}

// MemberLicense is an account a member holds.
type MemberLicense struct {
	ActiveCode string      `json:"active_code"`
	Type       LicenseType `json:"type"`
	UserID     string      `json:"userid"` // encrypted userid
	ActiveTime int64       `json:"active_time"`
	ExpireTime int64       `json:"expire_time"`
}

// MemberLicenses is a member's activation: Active once an account was activated, and the
// accounts (one per type at most).
type MemberLicenses struct {
	Active   wire.Flag       `json:"active_status"`
	Accounts []MemberLicense `json:"active_info_list"`
}

// GetMemberLicenses reads the accounts of a member.
// 获取成员的激活详情
//
// https://developer.work.weixin.qq.com/document/path/95555
//
//wecom:api POST /cgi-bin/license/get_active_info_by_user
func (s *ProviderService) GetMemberLicenses(ctx context.Context, corpID, userID string) (*MemberLicenses, error) {
	if err := check.RequiredAll("corpid", corpID, "userid", userID); err != nil {
		return nil, err
	}
	in := struct {
		CorpID string `json:"corpid"`
		UserID string `json:"userid"`
	}{corpID, userID}
	var out MemberLicenses
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/get_active_info_by_user", nil, client.Idempotent(in), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// LicenseTransfer moves the valid accounts of a member (handover) to another member of the same
// corp (takeover).
type LicenseTransfer struct {
	HandoverUserID string `json:"handover_userid"`
	TakeoverUserID string `json:"takeover_userid"`
}

// LicenseTransferResult is the outcome of one transfer: ErrCode 0 for success, 701017 when the
// account moved less than 30 days ago (members in service), 701018 when the receiver already
// holds the type with more than 20 days left.
type LicenseTransferResult struct {
	HandoverUserID string `json:"handover_userid"`
	TakeoverUserID string `json:"takeover_userid"`
	ErrCode        int    `json:"errcode"`
}

// TransferLicenses moves the accounts of up to 1000 members to others of the same corp, for
// members who left or changed roles, and returns each transfer's outcome.
// 账号继承
//
// https://developer.work.weixin.qq.com/document/path/95673
//
//wecom:api POST /cgi-bin/license/batch_transfer_license
func (s *ProviderService) TransferLicenses(ctx context.Context, corpID string, transfers []LicenseTransfer) ([]LicenseTransferResult, error) {
	if err := checkLicenseTransfers(corpID, transfers); err != nil {
		return nil, err
	}
	in := struct {
		CorpID string            `json:"corpid"`
		List   []LicenseTransfer `json:"transfer_list"`
	}{corpID, transfers}
	var out struct {
		Results []LicenseTransferResult `json:"transfer_result"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/batch_transfer_license", nil, in, &out); err != nil {
		return nil, err
	}
	return out.Results, nil
}

func checkLicenseTransfers(corpID string, transfers []LicenseTransfer) error {
	if err := check.Required("corpid", corpID); err != nil {
		return err
	}
	if err := checkLicenseBatch("transfer_list", len(transfers), licenseMaxBatch); err != nil {
		return err
	}
	for _, t := range transfers {
		if err := check.RequiredAll("handover_userid", t.HandoverUserID, "takeover_userid", t.TakeoverUserID); err != nil {
			return err
		}
		if strings.EqualFold(t.HandoverUserID, t.TakeoverUserID) {
			return check.Invalid("takeover_userid", "%q hands over to itself", t.TakeoverUserID)
		}
	}
	return nil
}

// CorpLinkType is how an upstream and a downstream corp are linked.
type CorpLinkType int

// Link types.
const (
	CorpLinkChain  CorpLinkType = 0 // 上下游
	CorpLinkLinked CorpLinkType = 1 // 企业互联 (局校互联 included)
)

// ShareLicenseCodesParams gives unbound codes of an upstream corp to a downstream corp the
// provider's app is shared with: at most 1000 codes a call, and in all no more than twice the
// downstream's members in the chain's address book.
type ShareLicenseCodesParams struct {
	FromCorpID  string
	ToCorpID    string
	ActiveCodes []string
	LinkType    CorpLinkType
}

// LicenseShareFailure is a code that could not be shared, with WeCom's reason.
type LicenseShareFailure struct {
	ActiveCode string `json:"active_code"`
	ErrCode    int    `json:"errcode"`
	ErrMsg     string `json:"errmsg"`
}

// ShareLicenseCodes gives unbound codes of an upstream corp to a downstream corp and returns the
// codes that failed (none: all shared).
// 分配激活码给下游/下级企业
//
// https://developer.work.weixin.qq.com/document/path/96059
//
//wecom:api POST /cgi-bin/license/batch_share_active_code
func (s *ProviderService) ShareLicenseCodes(ctx context.Context, p ShareLicenseCodesParams) ([]LicenseShareFailure, error) {
	in, err := p.body()
	if err != nil {
		return nil, err
	}
	var out struct {
		Results []LicenseShareFailure `json:"share_result"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/batch_share_active_code", nil, in, &out); err != nil {
		return nil, err
	}
	return out.Results, nil
}

type licenseShareCode struct {
	ActiveCode string `json:"active_code"`
}

type licenseShareBody struct {
	FromCorpID string             `json:"from_corpid"`
	ToCorpID   string             `json:"to_corpid"`
	ShareList  []licenseShareCode `json:"share_list"`
	LinkType   CorpLinkType       `json:"corp_link_type"`
}

func (p *ShareLicenseCodesParams) body() (*licenseShareBody, error) {
	if err := check.RequiredAll("from_corpid", p.FromCorpID, "to_corpid", p.ToCorpID); err != nil {
		return nil, err
	}
	switch {
	case p.FromCorpID == p.ToCorpID:
		return nil, check.Invalid("to_corpid", "the same corp as from_corpid")
	case p.LinkType != CorpLinkChain && p.LinkType != CorpLinkLinked:
		return nil, check.Invalid("corp_link_type", "%d, want 0 (上下游) or 1 (企业互联)", p.LinkType)
	}
	if err := checkLicenseBatch("share_list", len(p.ActiveCodes), licenseMaxBatch); err != nil {
		return nil, err
	}
	b := &licenseShareBody{FromCorpID: p.FromCorpID, ToCorpID: p.ToCorpID, LinkType: p.LinkType, ShareList: make([]licenseShareCode, len(p.ActiveCodes))}
	for i, c := range p.ActiveCodes {
		if c == "" {
			return nil, check.Invalid("share_list.active_code", "required")
		}
		b.ShareList[i] = licenseShareCode{c}
	}
	return b, nil
}
