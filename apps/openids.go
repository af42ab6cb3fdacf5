package apps

// Account IDs (账号ID): a third-party or 代开发 app sees the corp ID, userids and external
// userids encrypted per service provider (服务商主体), an internal app sees them in the
// corp's own form (企业主体). The calls here convert between the two, link WeChat unionids to
// customers, and set or read the upgrade (迁移) state of each ID family.
//
// Calls with a documented cap on the IDs per call refuse longer lists before sending; their
// …InParts helper splits any number of IDs into calls of the cap, one after the other, and
// returns one [client.Part] per call; [Merged] joins the answers of the calls that went through.

import (
	"context"
	"net/http"
	"slices"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/fanout"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Per-call caps of the conversions, as WeCom documents them.
const (
	convMaxUserIDs         = 1000 // batch/userid_to_openuserid, batch/openuserid_to_userid
	convStepNewExternalIDs = 200  // get_new_external_userid: "建议200个，最多不超过1000个"
	convMaxNewExternalIDs  = 1000 // the hard cap of the same calls
	convMaxPendingIDs      = 100  // idconvert/batch/external_userid_to_pending_id
	convMaxTagIDs          = 1000 // idconvert/external_tagid
	convMaxKfIDs           = 1000 // idconvert/open_kfid
	convMaxTmpIDs          = 100  // idconvert/convert_tmp_external_userid
)

// checkConvIDs validates a list of IDs sent as field: at least one, at most limit (0: no cap), none
// empty. inParts names the helper that takes longer lists.
func checkConvIDs(field string, ids []string, limit int, inParts string) error {
	switch n := len(ids); {
	case n == 0:
		return check.Invalid(field, "required: at least one ID")
	case limit > 0 && n > limit:
		return check.Invalid(field, "%d IDs, at most %d a call (%s splits them)", n, limit, inParts)
	}
	for i, id := range ids {
		if id == "" {
			return check.Invalid(field, "ID %d is empty", i)
		}
	}
	return nil
}

func checkSourceAgent(agentID int) error {
	if agentID <= 0 {
		return check.Invalid("source_agentid", "required: the agentid of the third-party or 代开发 app that got the ID")
	}
	return nil
}

// conversionMerger is a conversion answer that several calls' answers can be joined into.
type conversionMerger[Out any] interface {
	*Out
	merge(*Out)
}

// Merged joins the answers of a conversion fan-out (the …InParts methods of the account-ID
// calls): the converted items and the invalid IDs of every call that went through, in call
// order. A failed call adds nothing; its part's In holds the IDs it did not convert.
func Merged[In, Out any, P conversionMerger[Out]](parts []client.Part[In, Out]) *Out {
	all := new(Out)
	for _, p := range parts {
		if p.Out != nil {
			P(all).merge(p.Out)
		}
	}
	return all
}

// ---- corpid ----

// OpenCorpIDToCorpID turns the encrypted corp ID (密文corpid) that a third-party or 代开发
// app of the corp got back into the corp's own ID. Call it with an internal app's client;
// sourceAgentID is the agentid of the app that got openCorpID.
// corpid转换（密文corpid转明文）
//
// The call is in the page's source but hidden from its rendered form: WeCom may not offer it to
// every corp.
//
// https://developer.work.weixin.qq.com/document/path/95884
//
//wecom:api POST /cgi-bin/corp/opencorpid_to_corpid
func (s *Service) OpenCorpIDToCorpID(ctx context.Context, openCorpID string, sourceAgentID int) (string, error) {
	if err := check.Required("open_corpid", openCorpID); err != nil {
		return "", err
	}
	if err := checkSourceAgent(sourceAgentID); err != nil {
		return "", err
	}
	in := struct {
		OpenCorpID    string `json:"open_corpid"`
		SourceAgentID int    `json:"source_agentid"`
	}{openCorpID, sourceAgentID}
	var out struct {
		CorpID string `json:"corpid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corp/opencorpid_to_corpid", nil, client.Idempotent(in), &out); err != nil {
		return "", err
	}
	return out.CorpID, nil
}

// ---- userid ----

// UserIDConversion pairs a member's userid in the corp's own form (明文userid) with the
// service provider's encrypted userid (open_userid, 密文userid).
type UserIDConversion struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid"`
}

// OpenUserIDResult is what batch/userid_to_openuserid answers: the converted members and the
// userids it could not convert (unknown, or outside the app's visible range).
type OpenUserIDResult struct {
	Items   []UserIDConversion `json:"open_userid_list"`
	Invalid []string           `json:"invalid_userid_list"`
}

func (r *OpenUserIDResult) merge(o *OpenUserIDResult) {
	r.Items = append(r.Items, o.Items...)
	r.Invalid = append(r.Invalid, o.Invalid...)
}

// UserIDsToOpenUserIDs converts up to 1000 userids of the corp into the service provider's
// open_userids. Call it with a third-party app's authorised-corp client (client.AuthCorp) or a
// 代开发 app's client; the members must be in the app's visible range. Many wrong userids block
// the call for a day, so send userids read from the corp.
// userid的转换（明文userid转密文userid）
//
// [Service.UserIDsToOpenUserIDsInParts] takes longer lists.
//
// https://developer.work.weixin.qq.com/document/path/97062
//
//wecom:api POST /cgi-bin/batch/userid_to_openuserid
func (s *Service) UserIDsToOpenUserIDs(ctx context.Context, userIDs []string) (*OpenUserIDResult, error) {
	if err := checkConvIDs("userid_list", userIDs, convMaxUserIDs, "UserIDsToOpenUserIDsInParts"); err != nil {
		return nil, err
	}
	in := struct {
		UserIDs []string `json:"userid_list"`
	}{userIDs}
	out := new(OpenUserIDResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/batch/userid_to_openuserid", nil, client.Idempotent(in), out); err != nil {
		return nil, err
	}
	return out, nil
}

// UserIDsToOpenUserIDsInParts is [Service.UserIDsToOpenUserIDs] for any number of userids: one
// call per 1000, one after the other, one part per call made; it stops at the first failing
// call ([client.Part]). [Merged] joins the parts.
func (s *Service) UserIDsToOpenUserIDsInParts(ctx context.Context, userIDs []string) ([]client.Part[[]string, OpenUserIDResult], error) {
	if err := checkConvIDs("userid_list", userIDs, 0, ""); err != nil {
		return nil, err
	}
	return fanout.Run(ctx, slices.Collect(slices.Chunk(userIDs, convMaxUserIDs)), s.UserIDsToOpenUserIDs, nil)
}

// OpenUserIDsParams asks an internal app to convert open_userids a third-party or 代开发 app of
// the corp got.
type OpenUserIDsParams struct {
	// OpenUserIDs are the encrypted userids: 1 to 1000 for OpenUserIDsToUserIDs, any number for
	// OpenUserIDsToUserIDsInParts.
	OpenUserIDs []string `json:"open_userid_list"`
	// SourceAgentID is the agentid of the third-party or 代开发 app that got them (required).
	SourceAgentID int `json:"source_agentid"`
}

// UserIDResult is what batch/openuserid_to_userid answers: the converted members and the
// open_userids it could not convert.
type UserIDResult struct {
	Items   []UserIDConversion `json:"userid_list"`
	Invalid []string           `json:"invalid_open_userid_list"`
}

func (r *UserIDResult) merge(o *UserIDResult) {
	r.Items = append(r.Items, o.Items...)
	r.Invalid = append(r.Invalid, o.Invalid...)
}

// OpenUserIDsToUserIDs converts up to 1000 open_userids that the app p.SourceAgentID got back
// into the corp's userids. Call it with an internal app's client; the members must be in the
// visible range of both apps.
// userid转换（密文userid转明文）
//
// [Service.OpenUserIDsToUserIDsInParts] takes longer lists.
//
// https://developer.work.weixin.qq.com/document/path/95884
//
//wecom:api POST /cgi-bin/batch/openuserid_to_userid
func (s *Service) OpenUserIDsToUserIDs(ctx context.Context, p OpenUserIDsParams) (*UserIDResult, error) {
	if err := checkConvIDs("open_userid_list", p.OpenUserIDs, convMaxUserIDs, "OpenUserIDsToUserIDsInParts"); err != nil {
		return nil, err
	}
	if err := checkSourceAgent(p.SourceAgentID); err != nil {
		return nil, err
	}
	out := new(UserIDResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/batch/openuserid_to_userid", nil, client.Idempotent(p), out); err != nil {
		return nil, err
	}
	return out, nil
}

// OpenUserIDsToUserIDsInParts is [Service.OpenUserIDsToUserIDs] for any number of open_userids:
// one call per 1000, one after the other, one part per call made; it stops at the first failing
// call ([client.Part]). [Merged] joins the parts.
func (s *Service) OpenUserIDsToUserIDsInParts(ctx context.Context, p OpenUserIDsParams) ([]client.Part[OpenUserIDsParams, UserIDResult], error) {
	if err := checkConvIDs("open_userid_list", p.OpenUserIDs, 0, ""); err != nil {
		return nil, err
	}
	if err := checkSourceAgent(p.SourceAgentID); err != nil {
		return nil, err
	}
	var calls []OpenUserIDsParams
	for ids := range slices.Chunk(p.OpenUserIDs, convMaxUserIDs) {
		calls = append(calls, OpenUserIDsParams{OpenUserIDs: ids, SourceAgentID: p.SourceAgentID})
	}
	return fanout.Run(ctx, calls, s.OpenUserIDsToUserIDs, nil)
}

// ---- external_userid ----

// ExternalUserIDConversion pairs a customer's external_userid in the corp's form with the
// service provider's (new_external_userid).
type ExternalUserIDConversion struct {
	ExternalUserID    string `json:"external_userid"`
	NewExternalUserID string `json:"new_external_userid"`
}

// NewExternalUserIDResult is what the external_userid conversions answer. An ID that is already
// the provider's comes back unchanged; an ID the app may not see is left out.
type NewExternalUserIDResult struct {
	Items []ExternalUserIDConversion `json:"items"`
}

func (r *NewExternalUserIDResult) merge(o *NewExternalUserIDResult) {
	r.Items = append(r.Items, o.Items...)
}

// GetNewExternalUserIDs converts customers' external_userids in the corp's form into the service
// provider's. Call it with a third-party app's authorised-corp client or a 代开发 app's client;
// each customer's follow-up member must be in the app's visible range. WeCom recommends 200 IDs
// a call and accepts up to 1000. A third-party app may not call it once the corp's
// external_userid migration is finished.
// 转换客户external_userid
//
// [Service.GetNewExternalUserIDsInParts] takes longer lists, 200 a call.
//
// https://developer.work.weixin.qq.com/document/path/97063
//
//wecom:api POST /cgi-bin/externalcontact/get_new_external_userid
func (s *Service) GetNewExternalUserIDs(ctx context.Context, externalUserIDs []string) (*NewExternalUserIDResult, error) {
	if err := checkConvIDs("external_userid_list", externalUserIDs, convMaxNewExternalIDs, "GetNewExternalUserIDsInParts"); err != nil {
		return nil, err
	}
	in := struct {
		IDs []string `json:"external_userid_list"`
	}{externalUserIDs}
	out := new(NewExternalUserIDResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/get_new_external_userid", nil, client.Idempotent(in), out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetNewExternalUserIDsInParts is [Service.GetNewExternalUserIDs] for any number of IDs: one
// call per 200 (WeCom's recommendation), one after the other, one part per call made; it stops
// at the first failing call ([client.Part]). [Merged] joins the parts.
func (s *Service) GetNewExternalUserIDsInParts(ctx context.Context, externalUserIDs []string) ([]client.Part[[]string, NewExternalUserIDResult], error) {
	if err := checkConvIDs("external_userid_list", externalUserIDs, 0, ""); err != nil {
		return nil, err
	}
	return fanout.Run(ctx, slices.Collect(slices.Chunk(externalUserIDs, convStepNewExternalIDs)), s.GetNewExternalUserIDs, nil)
}

// GroupChatExternalUserIDsParams names members of a customer group (客户群) without a
// friendship to any member, for their new external_userids.
type GroupChatExternalUserIDsParams struct {
	ChatID string `json:"chat_id"` // the customer group (required)
	// ExternalUserIDs: 1 to 1000 for GetNewGroupChatExternalUserIDs, any number for
	// GetNewGroupChatExternalUserIDsInParts.
	ExternalUserIDs []string `json:"external_userid_list"`
}

// GetNewGroupChatExternalUserIDs converts the external_userids of customer-group members into
// the service provider's, for members that are nobody's customer (GetNewExternalUserIDs does not
// cover them). The group's owner must be in the app's visible range.
// 转换客户群成员external_userid
//
// [Service.GetNewGroupChatExternalUserIDsInParts] takes longer lists, 200 a call.
//
// https://developer.work.weixin.qq.com/document/path/97063
//
//wecom:api POST /cgi-bin/externalcontact/groupchat/get_new_external_userid
func (s *Service) GetNewGroupChatExternalUserIDs(ctx context.Context, p GroupChatExternalUserIDsParams) (*NewExternalUserIDResult, error) {
	if err := check.Required("chat_id", p.ChatID); err != nil {
		return nil, err
	}
	if err := checkConvIDs("external_userid_list", p.ExternalUserIDs, convMaxNewExternalIDs, "GetNewGroupChatExternalUserIDsInParts"); err != nil {
		return nil, err
	}
	out := new(NewExternalUserIDResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/groupchat/get_new_external_userid", nil, client.Idempotent(p), out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetNewGroupChatExternalUserIDsInParts is [Service.GetNewGroupChatExternalUserIDs] for any
// number of IDs: one call per 200, one after the other, one part per call made; it stops at the
// first failing call ([client.Part]). [Merged] joins the parts.
func (s *Service) GetNewGroupChatExternalUserIDsInParts(ctx context.Context, p GroupChatExternalUserIDsParams) ([]client.Part[GroupChatExternalUserIDsParams, NewExternalUserIDResult], error) {
	if err := check.Required("chat_id", p.ChatID); err != nil {
		return nil, err
	}
	if err := checkConvIDs("external_userid_list", p.ExternalUserIDs, 0, ""); err != nil {
		return nil, err
	}
	var calls []GroupChatExternalUserIDsParams
	for ids := range slices.Chunk(p.ExternalUserIDs, convStepNewExternalIDs) {
		calls = append(calls, GroupChatExternalUserIDsParams{ChatID: p.ChatID, ExternalUserIDs: ids})
	}
	return fanout.Run(ctx, calls, s.GetNewGroupChatExternalUserIDs, nil)
}

// FromServiceExternalUserID turns a customer's external_userid as the third-party or 代开发 app
// sourceAgentID got it (服务商主体) into the corp's own (企业主体). Call it with an internal
// app's client; the customer's follow-up member (or group owner) must be in both apps' visible
// ranges.
// external_userid转换（服务商主体转企业主体）
//
// https://developer.work.weixin.qq.com/document/path/95884
//
//wecom:api POST /cgi-bin/externalcontact/from_service_external_userid
func (s *Service) FromServiceExternalUserID(ctx context.Context, externalUserID string, sourceAgentID int) (string, error) {
	if err := check.Required("external_userid", externalUserID); err != nil {
		return "", err
	}
	if err := checkSourceAgent(sourceAgentID); err != nil {
		return "", err
	}
	in := struct {
		ExternalUserID string `json:"external_userid"`
		SourceAgentID  int    `json:"source_agentid"`
	}{externalUserID, sourceAgentID}
	var out struct {
		ExternalUserID string `json:"external_userid"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/externalcontact/from_service_external_userid", nil, client.Idempotent(in), &out); err != nil {
		return "", err
	}
	return out.ExternalUserID, nil
}

// ---- unionid ----

// SubjectType says whose mini program or official account (小程序或公众号) a unionid came
// from.
type SubjectType int

// Subjects of the WeChat account.
const (
	SubjectCorp     SubjectType = 0 // the corp's (the default)
	SubjectProvider SubjectType = 1 // the service provider's
)

// UnionIDParams identifies a WeChat user by the unionid and openid a mini program or official
// account got.
type UnionIDParams struct {
	UnionID     string      `json:"unionid"` // required
	OpenID      string      `json:"openid"`  // required, from the same mini program or account
	SubjectType SubjectType `json:"subject_type,omitempty"`
	// MassCallTicket (大批量调用凭据, from corp/apply_mass_call_ticket in the corp's first three
	// months) lifts the business rate limit for an initial data load.
	MassCallTicket string `json:"mass_call_ticket,omitempty"`
}

func (p UnionIDParams) check() error {
	if err := check.RequiredAll("unionid", p.UnionID, "openid", p.OpenID); err != nil {
		return err
	}
	if p.SubjectType != SubjectCorp && p.SubjectType != SubjectProvider {
		return check.Invalid("subject_type", "0 (the corp's) or 1 (the provider's), got %d", p.SubjectType)
	}
	return nil
}

// UnionIDMatch is the customer behind a unionid: ExternalUserID when the WeChat user is a
// customer the app may see, else PendingID (valid 90 days), which
// [Service.ExternalUserIDsToPendingIDs] matches once the user becomes a customer. A pending ID is
// no external_userid: no other call takes it.
type UnionIDMatch struct {
	ExternalUserID string `json:"external_userid"`
	PendingID      string `json:"pending_id"`
}

// UnionIDToExternalUserID finds the customer behind a WeChat user's unionid in the calling corp.
// Call it with a third-party app's authorised-corp client or a 代开发 app's client. It is rate
// limited per corp (or per provider for SubjectProvider): 100,000 calls an hour, 480,000 a day.
// unionid转换为第三方external_userid
//
// https://developer.work.weixin.qq.com/document/path/95900
//
//wecom:api POST /cgi-bin/idconvert/unionid_to_external_userid
func (s *Service) UnionIDToExternalUserID(ctx context.Context, p UnionIDParams) (*UnionIDMatch, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	out := new(UnionIDMatch)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/idconvert/unionid_to_external_userid", nil, client.Idempotent(p), out); err != nil {
		return nil, err
	}
	return out, nil
}

// PendingIDsParams asks for the pending IDs of customers.
type PendingIDsParams struct {
	// ChatID, when set, checks only the group owner's visibility and ignores customers outside
	// that group; unset, the follow-up member's.
	ChatID string `json:"chat_id,omitempty"`
	// ExternalUserIDs: 1 to 100 for ExternalUserIDsToPendingIDs, any number for
	// ExternalUserIDsToPendingIDsInParts.
	ExternalUserIDs []string `json:"external_userid"`
}

// PendingIDMatch pairs a customer with the pending ID UnionIDToExternalUserID once gave for
// their unionid.
type PendingIDMatch struct {
	ExternalUserID string `json:"external_userid"`
	PendingID      string `json:"pending_id"`
}

// PendingIDResult is what external_userid_to_pending_id answers: only the customers that have a
// live pending ID.
type PendingIDResult struct {
	Items []PendingIDMatch `json:"result"`
}

func (r *PendingIDResult) merge(o *PendingIDResult) { r.Items = append(r.Items, o.Items...) }

// ExternalUserIDsToPendingIDs finds, for up to 100 customers, the pending IDs that
// [Service.UnionIDToExternalUserID] gave before they became customers, linking them to the
// unionids then queried. Verified corps only.
// external_userid查询pending_id
//
// [Service.ExternalUserIDsToPendingIDsInParts] takes longer lists.
//
// https://developer.work.weixin.qq.com/document/path/95900
//
//wecom:api POST /cgi-bin/idconvert/batch/external_userid_to_pending_id
func (s *Service) ExternalUserIDsToPendingIDs(ctx context.Context, p PendingIDsParams) (*PendingIDResult, error) {
	if err := checkConvIDs("external_userid", p.ExternalUserIDs, convMaxPendingIDs, "ExternalUserIDsToPendingIDsInParts"); err != nil {
		return nil, err
	}
	out := new(PendingIDResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/idconvert/batch/external_userid_to_pending_id", nil, client.Idempotent(p), out); err != nil {
		return nil, err
	}
	return out, nil
}

// ExternalUserIDsToPendingIDsInParts is [Service.ExternalUserIDsToPendingIDs] for any number of
// customers: one call per 100, one after the other, one part per call made; it stops at the
// first failing call ([client.Part]). [Merged] joins the parts.
func (s *Service) ExternalUserIDsToPendingIDsInParts(ctx context.Context, p PendingIDsParams) ([]client.Part[PendingIDsParams, PendingIDResult], error) {
	if err := checkConvIDs("external_userid", p.ExternalUserIDs, 0, ""); err != nil {
		return nil, err
	}
	var calls []PendingIDsParams
	for ids := range slices.Chunk(p.ExternalUserIDs, convMaxPendingIDs) {
		calls = append(calls, PendingIDsParams{ChatID: p.ChatID, ExternalUserIDs: ids})
	}
	return fanout.Run(ctx, calls, s.ExternalUserIDsToPendingIDs, nil)
}

// UnionID3rdParams identifies a WeChat user for the legacy suite-level unionid lookup.
type UnionID3rdParams struct {
	UnionID string `json:"unionid"`          // required
	OpenID  string `json:"openid"`           // required
	CorpID  string `json:"corpid,omitempty"` // one authorised corp; empty: every corp
}

// CorpExternalUserID is a customer's external_userid inside one authorised corp.
type CorpExternalUserID struct {
	CorpID         string `json:"corpid"`
	ExternalUserID string `json:"external_userid"`
}

// UnionIDToExternalUserID3rd is the legacy suite-level unionid lookup: the customer's
// external_userid in every corp that authorised the suite (or in p.CorpID). WeCom has withdrawn
// its page in favour of [Service.UnionIDToExternalUserID]; it was limited to 50,000 calls an
// hour and 240,000 a day per provider.
// 第三方主体unionid转换为第三方external_userid（旧）
//
// https://developer.work.weixin.qq.com/document/path/96516
//
//wecom:api POST /cgi-bin/service/externalcontact/unionid_to_external_userid_3rd
func (s *SuiteService) UnionIDToExternalUserID3rd(ctx context.Context, p UnionID3rdParams) ([]CorpExternalUserID, error) {
	if err := check.RequiredAll("unionid", p.UnionID, "openid", p.OpenID); err != nil {
		return nil, err
	}
	var out struct {
		List []CorpExternalUserID `json:"external_userid_info"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/externalcontact/unionid_to_external_userid_3rd", nil, client.Idempotent(p), &out); err != nil {
		return nil, err
	}
	return out.List, nil
}

// ---- customer tag IDs and kf IDs ----

// ExternalTagIDConversion pairs a customer tag or tag group ID (客户标签ID) in the corp's form
// with the service provider's.
type ExternalTagIDConversion struct {
	ExternalTagID     string `json:"external_tagid"`
	OpenExternalTagID string `json:"open_external_tagid"`
}

// ExternalTagIDResult is what idconvert/external_tagid answers. An ID that is already the
// provider's comes back unchanged.
type ExternalTagIDResult struct {
	Items   []ExternalTagIDConversion `json:"items"`
	Invalid []string                  `json:"invalid_external_tagid_list"`
}

func (r *ExternalTagIDResult) merge(o *ExternalTagIDResult) {
	r.Items = append(r.Items, o.Items...)
	r.Invalid = append(r.Invalid, o.Invalid...)
}

// ConvertExternalTagIDs converts up to 1000 customer tag or tag group IDs of the corp into the
// service provider's. The app needs the customer-contact basic permission (客户基础信息).
// 客户标签ID的转换
//
// [Service.ConvertExternalTagIDsInParts] takes longer lists.
//
// https://developer.work.weixin.qq.com/document/path/96169
//
//wecom:api POST /cgi-bin/idconvert/external_tagid
func (s *Service) ConvertExternalTagIDs(ctx context.Context, tagIDs []string) (*ExternalTagIDResult, error) {
	if err := checkConvIDs("external_tagid_list", tagIDs, convMaxTagIDs, "ConvertExternalTagIDsInParts"); err != nil {
		return nil, err
	}
	in := struct {
		IDs []string `json:"external_tagid_list"`
	}{tagIDs}
	out := new(ExternalTagIDResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/idconvert/external_tagid", nil, client.Idempotent(in), out); err != nil {
		return nil, err
	}
	return out, nil
}

// ConvertExternalTagIDsInParts is [Service.ConvertExternalTagIDs] for any number of IDs: one
// call per 1000, one after the other, one part per call made; it stops at the first failing
// call ([client.Part]). [Merged] joins the parts.
func (s *Service) ConvertExternalTagIDsInParts(ctx context.Context, tagIDs []string) ([]client.Part[[]string, ExternalTagIDResult], error) {
	if err := checkConvIDs("external_tagid_list", tagIDs, 0, ""); err != nil {
		return nil, err
	}
	return fanout.Run(ctx, slices.Collect(slices.Chunk(tagIDs, convMaxTagIDs)), s.ConvertExternalTagIDs, nil)
}

// OpenKfIDConversion pairs a WeChat Customer Service account ID (open_kfid) in the corp's form
// with the service provider's.
type OpenKfIDConversion struct {
	OpenKfID    string `json:"open_kfid"`
	NewOpenKfID string `json:"new_open_kfid"`
}

// OpenKfIDResult is what idconvert/open_kfid answers. An ID that is already the provider's
// comes back unchanged.
type OpenKfIDResult struct {
	Items   []OpenKfIDConversion `json:"items"`
	Invalid []string             `json:"invalid_open_kfid_list"`
}

func (r *OpenKfIDResult) merge(o *OpenKfIDResult) {
	r.Items = append(r.Items, o.Items...)
	r.Invalid = append(r.Invalid, o.Invalid...)
}

// ConvertOpenKfIDs converts up to 1000 WeChat Customer Service account IDs of the corp into the
// service provider's. The app needs the kf permission "管理账号、分配会话和收发消息".
// 微信客服ID的转换
//
// [Service.ConvertOpenKfIDsInParts] takes longer lists.
//
// https://developer.work.weixin.qq.com/document/path/97064
//
//wecom:api POST /cgi-bin/idconvert/open_kfid
func (s *Service) ConvertOpenKfIDs(ctx context.Context, openKfIDs []string) (*OpenKfIDResult, error) {
	if err := checkConvIDs("open_kfid_list", openKfIDs, convMaxKfIDs, "ConvertOpenKfIDsInParts"); err != nil {
		return nil, err
	}
	in := struct {
		IDs []string `json:"open_kfid_list"`
	}{openKfIDs}
	out := new(OpenKfIDResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/idconvert/open_kfid", nil, client.Idempotent(in), out); err != nil {
		return nil, err
	}
	return out, nil
}

// ConvertOpenKfIDsInParts is [Service.ConvertOpenKfIDs] for any number of IDs: one call per
// 1000, one after the other, one part per call made; it stops at the first failing call
// ([client.Part]). [Merged] joins the parts.
func (s *Service) ConvertOpenKfIDsInParts(ctx context.Context, openKfIDs []string) ([]client.Part[[]string, OpenKfIDResult], error) {
	if err := checkConvIDs("open_kfid_list", openKfIDs, 0, ""); err != nil {
		return nil, err
	}
	return fanout.Run(ctx, slices.Collect(slices.Chunk(openKfIDs, convMaxKfIDs)), s.ConvertOpenKfIDs, nil)
}

// ---- tmp_external_userid ----

// TmpBusinessType is the product a tmp_external_userid came from.
type TmpBusinessType int

// Products that hand out tmp_external_userids.
const (
	TmpBusinessMeeting    TmpBusinessType = 1 // meetings (会议)
	TmpBusinessForm       TmpBusinessType = 2 // collection forms (收集表)
	TmpBusinessSmartsheet TmpBusinessType = 3 // documents / smart sheets (文档 / 智能表)
)

// TmpUserType is what a tmp_external_userid is converted into.
type TmpUserType int

// Target kinds of a tmp_external_userid.
const (
	TmpUserCustomer   TmpUserType = 1 // a customer: external_userid (the app needs customer contact)
	TmpUserLinkedCorp TmpUserType = 2 // a linked corp's member (企业互联): corpid + userid
	TmpUserChain      TmpUserType = 3 // an upstream/downstream member (上下游): corpid + userid
	TmpUserCircle     TmpUserType = 4 // a member of an interconnected corp (互联企业/圈子): corpid + userid
)

// TmpExternalUserIDsParams asks for the IDs behind temporary external user IDs.
type TmpExternalUserIDsParams struct {
	BusinessType TmpBusinessType `json:"business_type"` // required
	UserType     TmpUserType     `json:"user_type"`     // required
	// TmpExternalUserIDs: 1 to 100 for ConvertTmpExternalUserIDs, any number for
	// ConvertTmpExternalUserIDsInParts.
	TmpExternalUserIDs []string `json:"tmp_external_userid_list"`
}

func (p TmpExternalUserIDsParams) check(limit int) error {
	switch {
	case p.BusinessType < TmpBusinessMeeting || p.BusinessType > TmpBusinessSmartsheet:
		return check.Invalid("business_type", "1 meeting, 2 form or 3 smart sheet, got %d", p.BusinessType)
	case p.UserType < TmpUserCustomer || p.UserType > TmpUserCircle:
		return check.Invalid("user_type", "1 to 4, got %d", p.UserType)
	}
	return checkConvIDs("tmp_external_userid_list", p.TmpExternalUserIDs, limit, "ConvertTmpExternalUserIDsInParts")
}

// TmpExternalUserIDConversion is one converted tmp_external_userid: ExternalUserID for
// customers, CorpID and UserID for the other user types.
type TmpExternalUserIDConversion struct {
	TmpExternalUserID string `json:"tmp_external_userid"`
	ExternalUserID    string `json:"external_userid,omitempty"`
	CorpID            string `json:"corpid,omitempty"`
	UserID            string `json:"userid,omitempty"`
}

// TmpExternalUserIDResult is what convert_tmp_external_userid answers: the converted IDs and
// those it could not convert (invalid, or outside the app's permission).
type TmpExternalUserIDResult struct {
	Items   []TmpExternalUserIDConversion `json:"results"`
	Invalid []string                      `json:"invalid_tmp_external_userid_list"`
}

func (r *TmpExternalUserIDResult) merge(o *TmpExternalUserIDResult) {
	r.Items = append(r.Items, o.Items...)
	r.Invalid = append(r.Invalid, o.Invalid...)
}

// ConvertTmpExternalUserIDs converts up to 100 temporary external user IDs (tmp_external_userid)
// that meetings, forms or smart sheets gave the calling app. It must be the app that got them;
// internal, 代开发 and third-party apps may call it.
// tmp_external_userid的转换
//
// [Service.ConvertTmpExternalUserIDsInParts] takes longer lists.
//
// https://developer.work.weixin.qq.com/document/path/98412
//
//wecom:api POST /cgi-bin/idconvert/convert_tmp_external_userid
func (s *Service) ConvertTmpExternalUserIDs(ctx context.Context, p TmpExternalUserIDsParams) (*TmpExternalUserIDResult, error) {
	if err := p.check(convMaxTmpIDs); err != nil {
		return nil, err
	}
	out := new(TmpExternalUserIDResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/idconvert/convert_tmp_external_userid", nil, client.Idempotent(p), out); err != nil {
		return nil, err
	}
	return out, nil
}

// ConvertTmpExternalUserIDsInParts is [Service.ConvertTmpExternalUserIDs] for any number of IDs:
// one call per 100, one after the other, one part per call made; it stops at the first failing
// call ([client.Part]). [Merged] joins the parts.
func (s *Service) ConvertTmpExternalUserIDsInParts(ctx context.Context, p TmpExternalUserIDsParams) ([]client.Part[TmpExternalUserIDsParams, TmpExternalUserIDResult], error) {
	if err := p.check(0); err != nil {
		return nil, err
	}
	var calls []TmpExternalUserIDsParams
	for ids := range slices.Chunk(p.TmpExternalUserIDs, convMaxTmpIDs) {
		calls = append(calls, TmpExternalUserIDsParams{BusinessType: p.BusinessType, UserType: p.UserType, TmpExternalUserIDs: ids})
	}
	return fanout.Run(ctx, calls, s.ConvertTmpExternalUserIDs, nil)
}

// ---- migration state ----

// OpenIDType is a family of IDs the account-ID upgrade (账号ID升级) migrates.
type OpenIDType int

// ID families.
const (
	// OpenIDCorpUser is corpid and userid, which migrate together.
	OpenIDCorpUser OpenIDType = 1
	// OpenIDExternal is external_userid (for 代开发 apps also external_tagid, open_kfid and
	// msgid, which migrate with it).
	OpenIDExternal OpenIDType = 3
)

// FinishOpenIDMigrationParams marks a corp's ID migration done.
type FinishOpenIDMigrationParams struct {
	CorpID string `json:"corpid"` // required
	// AgentID is the 代开发 app whose IDs were migrated; 0 marks every third-party app of the
	// provider in the corp.
	AgentID int          `json:"agentid,omitempty"`
	Types   []OpenIDType `json:"openid_type"` // required: OpenIDCorpUser and/or OpenIDExternal
}

func (p FinishOpenIDMigrationParams) check() error {
	if err := check.Required("corpid", p.CorpID); err != nil {
		return err
	}
	if p.AgentID < 0 {
		return check.Invalid("agentid", "negative: %d", p.AgentID)
	}
	if len(p.Types) == 0 {
		return check.Invalid("openid_type", "required: 1 (corpid and userid) and/or 3 (external_userid)")
	}
	for _, t := range p.Types {
		if t != OpenIDCorpUser && t != OpenIDExternal {
			return check.Invalid("openid_type", "1 or 3, got %d", t)
		}
	}
	return nil
}

// FinishOpenIDMigration tells WeCom the provider finished migrating a corp's IDs to the
// upgraded ones: from then on the app (or, without AgentID, every third-party app of the
// provider in the corp) gets the upgraded IDs and no more unionids. It cannot be undone. Call
// it with the provider's client.
// ID迁移完成状态的设置
//
// https://developer.work.weixin.qq.com/document/path/99375
//
//wecom:api POST /cgi-bin/service/finish_openid_migration
func (s *ProviderService) FinishOpenIDMigration(ctx context.Context, p FinishOpenIDMigrationParams) error {
	if err := p.check(); err != nil {
		return err
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/finish_openid_migration", nil, client.Idempotent(p), nil)
}

// FinishExternalUserIDMigration tells WeCom the provider finished migrating a corp's
// external_userids (for the 2022 upgrade of historical authorisations): from then on its
// third-party apps get the new external_userids and no more unionids. Not needed for a provider
// authorising itself.
// 设置迁移完成（external_userid）
//
// https://developer.work.weixin.qq.com/document/path/96516
//
//wecom:api POST /cgi-bin/service/externalcontact/finish_external_userid_migration
func (s *ProviderService) FinishExternalUserIDMigration(ctx context.Context, corpID string) error {
	if err := check.Required("corpid", corpID); err != nil {
		return err
	}
	in := struct {
		CorpID string `json:"corpid"`
	}{corpID}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/service/externalcontact/finish_external_userid_migration", nil, client.Idempotent(in), nil)
}

// OpenIDMigration is the upgrade state of one ID family for the calling app.
type OpenIDMigration struct {
	Type     OpenIDType `json:"openid_type"`
	Upgraded wire.Flag  `json:"status"` // 0 not upgraded, 1 upgraded
}

// GetOpenIDMigration reads which ID families the calling 代开发 or third-party app gets in
// their upgraded form. Call it with the app's corp client.
// 代开发应用查询迁移状态
//
// https://developer.work.weixin.qq.com/document/path/96518
//
//wecom:api POST /cgi-bin/corp/get_openid_migration
func (s *Service) GetOpenIDMigration(ctx context.Context) ([]OpenIDMigration, error) {
	var out struct {
		Info []OpenIDMigration `json:"migration_info"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/corp/get_openid_migration", nil, client.Idempotent(struct{}{}), &out); err != nil {
		return nil, err
	}
	return out.Info, nil
}

// AppMigrateType is a kind of data a 代开发 app migrates (应用升级或迁移完成的数据类型).
type AppMigrateType int

// AppMigrateSensitiveInfo is the members' sensitive-information permission (成员敏感信息权限),
// the only kind WeCom documents.
const AppMigrateSensitiveInfo AppMigrateType = 1

func (t AppMigrateType) check() error {
	if t != AppMigrateSensitiveInfo {
		return check.Invalid("app_migrate_type", "1 (member sensitive information), got %d", t)
	}
	return nil
}

// SetAppMigrateFlag marks a historical 代开发 app's migration of typ done: for
// AppMigrateSensitiveInfo, members then grant their sensitive information themselves at OAuth
// login. Call it with the 代开发 app's client. WeCom keeps its page hidden.
// 设置历史已授权应用成员敏感信息迁移完成
//
// https://developer.work.weixin.qq.com/document/path/96518
//
//wecom:api POST /cgi-bin/agent/set_app_migrate_flag
func (s *Service) SetAppMigrateFlag(ctx context.Context, typ AppMigrateType) error {
	if err := typ.check(); err != nil {
		return err
	}
	in := struct {
		Type AppMigrateType `json:"app_migrate_type"`
	}{typ}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/set_app_migrate_flag", nil, client.Idempotent(in), nil)
}

// GetAppMigrateFlag reports whether a historical 代开发 app finished migrating typ. Call it with
// the 代开发 app's client. WeCom keeps its page hidden.
// 读取历史已授权应用成员敏感信息迁移状态
//
// https://developer.work.weixin.qq.com/document/path/96518
//
//wecom:api POST /cgi-bin/agent/get_app_migrate_flag
func (s *Service) GetAppMigrateFlag(ctx context.Context, typ AppMigrateType) (bool, error) {
	if err := typ.check(); err != nil {
		return false, err
	}
	in := struct {
		Type AppMigrateType `json:"app_migrate_type"`
	}{typ}
	var out struct {
		Flag wire.Flag `json:"app_migrate_flag"`
	}
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/agent/get_app_migrate_flag", nil, client.Idempotent(in), &out); err != nil {
		return false, err
	}
	return bool(out.Flag), nil
}
