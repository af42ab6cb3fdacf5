package apps

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// Interface licences (接口调用许可): a provider buys accounts for the members of the corps that
// installed its third-party or 代开发 apps, and activates them; after the 90-day free trial
// WeCom serves the app's calls only for members with a valid account. The calls take the
// provider_access_token, so they hang off [ProviderService]:
//
//   - orders (licenseorders.go): [ProviderService.CreateLicenseOrder], renewal jobs, multi-corp
//     orders, order lists and details, cancel, payment from the recharge balance;
//   - accounts (licenseaccounts.go): activation, code and member details, the corp's account
//     list, inheritance between members, sharing codes with downstream corps;
//   - this file: the app's licence state, auto-activation, the support policy query and the
//     recharge balance.
//
// Overview: https://developer.work.weixin.qq.com/document/path/95652

// LicenseType is the type of an interface licence account (账号类型). A 互通 account includes
// the base account.
type LicenseType int

// Account types.
const (
	LicenseBase            LicenseType = 1 // 基础账号: identity, app messages, …
	LicenseExternalContact LicenseType = 2 // 互通账号: customer contact and WeChat Customer Service
)

// LicenseCount is how many accounts of each type an order buys (账号个数): each 0–1000000 (1000
// for a provider test corp), not both 0.
type LicenseCount struct {
	Base            int `json:"base_count,omitempty"`
	ExternalContact int `json:"external_contact_count,omitempty"`
}

// LicenseDuration is how long accounts last (账号购买时长). A purchase gives Months and/or Days
// (a month counts 31 days; 31–1860 days in all); a renewal gives Months (1–60) or NewExpireTime
// (Unix seconds, WeCom moves it to 24:00 of its day), one of them.
type LicenseDuration struct {
	Months        int   `json:"months,omitempty"`
	Days          int   `json:"days,omitempty"`
	NewExpireTime int64 `json:"new_expire_time,omitempty"`
}

// Documented limits.
const (
	licenseMaxCount   = 1000000 // accounts of a type per order
	licenseMinDays    = 31      // one month
	licenseMaxDays    = 1860    // 60 months
	licenseMaxMonths  = 60      // renewal
	licenseMaxBatch   = 1000    // entries per batch call
	licenseMaxPage    = 1000    // limit of the cursor lists
	licenseMaxBuyList = 10      // corps per create_new_order_job call
	licenseMaxRange   = 31 * 24 * 3600
)

func (c LicenseCount) validate(field string) error {
	switch {
	case c.Base < 0 || c.Base > licenseMaxCount:
		return check.Invalid(field+".base_count", "%d, want 0–1000000", c.Base)
	case c.ExternalContact < 0 || c.ExternalContact > licenseMaxCount:
		return check.Invalid(field+".external_contact_count", "%d, want 0–1000000", c.ExternalContact)
	case c.Base+c.ExternalContact == 0:
		return check.Invalid(field, "buys no account: base_count and external_contact_count are both 0")
	}
	return nil
}

// validatePurchase checks the duration of a purchase: 31–1860 days, no new_expire_time.
func (d LicenseDuration) validatePurchase(field string) error {
	days := d.Months*31 + d.Days
	switch {
	case d.Months < 0 || d.Days < 0:
		return check.Invalid(field, "negative months or days")
	case days < licenseMinDays || days > licenseMaxDays:
		return check.Invalid(field, "%d days (months*31+days), want 31–1860", days)
	case d.NewExpireTime != 0:
		return check.Invalid(field+".new_expire_time", "a purchase takes months and days only")
	}
	return nil
}

// validateRenewal checks the duration of a renewal: months 1–60 or new_expire_time, one of them.
func (d LicenseDuration) validateRenewal(field string) error {
	switch {
	case d.Days != 0:
		return check.Invalid(field+".days", "a renewal takes months or new_expire_time")
	case (d.Months == 0) == (d.NewExpireTime == 0):
		return check.Invalid(field, "give months or new_expire_time, one of them")
	case d.Months < 0 || d.Months > licenseMaxMonths:
		return check.Invalid(field+".months", "%d, want 1–60", d.Months)
	case d.NewExpireTime < 0:
		return check.Invalid(field+".new_expire_time", "negative")
	}
	return nil
}

// checkLicenseLimit checks the page size of a cursor list: 0 (WeCom's default, 500) to 1000.
func checkLicenseLimit(limit int) error {
	if limit < 0 || limit > licenseMaxPage {
		return check.Invalid("limit", "%d, want 1–1000 (0 for the default 500)", limit)
	}
	return nil
}

// checkLicenseBatch checks the length of a batch list: 1–most entries.
func checkLicenseBatch(field string, n, most int) error {
	if n == 0 || n > most {
		return check.Invalid(field, "%d entries, want 1–%d", n, most)
	}
	return nil
}

// LicenseTrial is the free trial of an app in a corp (接口许可试用期): 90 days from the first
// install, Unix seconds.
type LicenseTrial struct {
	StartTime int64 `json:"start_time"`
	EndTime   int64 `json:"end_time"`
}

// AppLicenseInfo is the licence state of an installed app (应用的接口许可状态).
type AppLicenseInfo struct {
	// LicenseStatus is 1 when WeCom checks licences for the app, 0 for historic apps not yet
	// checked.
	LicenseStatus int `json:"license_status"`
	// Trial is the app's trial; nil for test corps and migrated apps. (WeCom spells the field
	// trail_info.)
	Trial *LicenseTrial `json:"trail_info,omitempty"`
	// LicenseCheckTime is when WeCom starts refusing calls for members without an account.
	LicenseCheckTime int64 `json:"license_check_time"`
}

// AppLicenseInfoParams names an installed app: the corp and the suite (AppID only for the apps
// of a legacy multi-app suite).
type AppLicenseInfoParams struct {
	CorpID  string `json:"corpid"`
	SuiteID string `json:"suite_id"`
	AppID   int    `json:"appid,omitempty"`
}

// GetAppLicenseInfo reads the licence state and trial of an app a corp installed.
// 获取应用的接口许可状态
//
// https://developer.work.weixin.qq.com/document/path/95844
//
//wecom:api POST /cgi-bin/license/get_app_license_info
func (s *ProviderService) GetAppLicenseInfo(ctx context.Context, p AppLicenseInfoParams) (*AppLicenseInfo, error) {
	if err := check.RequiredAll("corpid", p.CorpID, "suite_id", p.SuiteID); err != nil {
		return nil, err
	}
	var out AppLicenseInfo
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/get_app_license_info", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AutoActiveStatus says whether a corp's members get a free account of the needed type
// automatically when they use the provider's apps (许可自动激活状态).
type AutoActiveStatus int

// Auto-activation states.
const (
	AutoActiveOff AutoActiveStatus = 0 // 关闭
	AutoActiveOn  AutoActiveStatus = 1 // 打开
)

type licenseAutoActiveBody struct {
	CorpID string           `json:"corpid"`
	Status AutoActiveStatus `json:"auto_active_status"`
}

// SetLicenseAutoActive turns auto-activation on or off for a corp the provider has bought
// licences for (701071 otherwise).
// 设置企业的许可自动激活状态
//
// https://developer.work.weixin.qq.com/document/path/95873
//
//wecom:api POST /cgi-bin/license/set_auto_active_status
func (s *ProviderService) SetLicenseAutoActive(ctx context.Context, corpID string, status AutoActiveStatus) error {
	if err := check.Required("corpid", corpID); err != nil {
		return err
	}
	if status != AutoActiveOff && status != AutoActiveOn {
		return check.Invalid("auto_active_status", "%d, want 0 (off) or 1 (on)", status)
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/set_auto_active_status", nil, client.Idempotent(licenseAutoActiveBody{corpID, status}), nil)
}

// GetLicenseAutoActive reads a corp's auto-activation state.
// 查询企业的许可自动激活状态
//
// https://developer.work.weixin.qq.com/document/path/95874
//
//wecom:api POST /cgi-bin/license/get_auto_active_status
func (s *ProviderService) GetLicenseAutoActive(ctx context.Context, corpID string) (AutoActiveStatus, error) {
	if err := check.Required("corpid", corpID); err != nil {
		return 0, err
	}
	var out licenseAutoActiveBody
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/get_auto_active_status", nil, client.Idempotent(licenseCorpBody{corpID}), &out); err != nil {
		return 0, err
	}
	return out.Status, nil
}

type licenseCorpBody struct {
	CorpID string `json:"corpid"`
}

// LicenseSupportPolicy is whether a corp met the 民生 industry discount conditions.
type LicenseSupportPolicy struct {
	// QueryResult is 1 when the corp qualifies, 0 when not.
	QueryResult int `json:"query_result"`
	// UnsatisfiedReasons are the errcodes of the unmet conditions (701090 verification, 701091
	// industry, 701092 credit code, 701096 risk review, 701110/701111 school conditions).
	UnsatisfiedReasons []int `json:"unsatisfied_reason"`
}

// QueryLicenseSupportPolicy asks whether a corp that installed the provider's app qualifies for
// the 民生 industry discount (once per corp in 30 days).
// 民生优惠条件查询
//
// The policy ended on 2023-03-31; WeCom now answers 701112.
//
// https://developer.work.weixin.qq.com/document/path/96515
//
//wecom:api POST /cgi-bin/license/support_policy_query
func (s *ProviderService) QueryLicenseSupportPolicy(ctx context.Context, corpID string) (*LicenseSupportPolicy, error) {
	if err := check.Required("corpid", corpID); err != nil {
		return nil, err
	}
	var out LicenseSupportPolicy
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/license/support_policy_query", nil, licenseCorpBody{corpID}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetAccountBalance reads the provider's recharge account balance (充值账户余额) in fen.
// 充值账户余额查询
//
// https://developer.work.weixin.qq.com/document/path/100137
//
//wecom:api GET /cgi-bin/service/get_account_balance
func (s *ProviderService) GetAccountBalance(ctx context.Context) (int64, error) {
	var out struct {
		Balance int64 `json:"balance"`
	}
	if err := s.c.Do(ctx, http.MethodGet, "/cgi-bin/service/get_account_balance", nil, nil, &out); err != nil {
		return 0, err
	}
	return out.Balance, nil
}
