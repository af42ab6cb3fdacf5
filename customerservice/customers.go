package customerservice

import (
	"context"
	"net/http"
	"slices"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/fanout"
	"github.com/wecom-connector/wecom/internal/wire"
)

// Gender is a WeChat customer's gender as customer/batchget reports it (the SDK's one gender
// type, decoding 1 and "1" alike); third-party apps always get GenderUnknown.
type Gender = wire.Gender

// Genders.
const (
	GenderUnknown = wire.GenderUndefined
	GenderMale    = wire.GenderMale
	GenderFemale  = wire.GenderFemale
)

// EnterSessionContext is where the customer last entered a session within 48 hours.
type EnterSessionContext struct {
	Scene          string          `json:"scene"`
	SceneParam     string          `json:"scene_param"`
	WechatChannels *WechatChannels `json:"wechat_channels"`
}

// Customer is a WeChat customer's profile (客户基础信息).
type Customer struct {
	ExternalUserID string `json:"external_userid"`
	Nickname       string `json:"nickname"`
	Avatar         string `json:"avatar"` // not for third-party apps
	Gender         Gender `json:"gender"`
	// UnionID is set when the kf is bound to a WeChat developer account of the same entity.
	UnionID             string               `json:"unionid"`
	EnterSessionContext *EnterSessionContext `json:"enter_session_context"`
}

// CustomersParams asks for customer profiles.
type CustomersParams struct {
	// ExternalUserIDs are the customers: 1 to 100 for BatchGetCustomers, any number for
	// BatchGetCustomersInParts.
	ExternalUserIDs []string
	// NeedEnterSessionContext also returns each customer's latest entry context.
	NeedEnterSessionContext bool
}

// check validates the IDs; limit > 0 caps their number.
func (p CustomersParams) check(limit int) error {
	switch n := len(p.ExternalUserIDs); {
	case n == 0:
		return check.Invalid("external_userid_list", "at least one ID")
	case limit > 0 && n > limit:
		return check.Invalid("external_userid_list", "at most %d IDs a call, have %d (BatchGetCustomersInParts splits them)", limit, n)
	}
	for i, id := range p.ExternalUserIDs {
		if id == "" {
			return check.Invalid("external_userid_list", "ID %d is empty", i)
		}
	}
	return nil
}

// CustomersResult holds the profiles found and the IDs that were not (customers not seen in
// the last 48 hours, or unknown).
type CustomersResult struct {
	Customers []Customer `json:"customer_list"`
	Invalid   []string   `json:"invalid_external_userid"`
}

// batchGetMax is the platform's limit of IDs per customer/batchget call.
const batchGetMax = 100

// BatchGetCustomers returns the profiles of up to 100 customers who entered a session or wrote
// to a kf account in the last 48 hours (获取客户基础信息); for more IDs use
// [Service.BatchGetCustomersInParts].
// 获取客户基础信息
//
// https://developer.work.weixin.qq.com/document/path/95159
//
//wecom:api POST /cgi-bin/kf/customer/batchget
func (s *Service) BatchGetCustomers(ctx context.Context, p CustomersParams) (*CustomersResult, error) {
	if err := p.check(batchGetMax); err != nil {
		return nil, err
	}
	in := struct {
		IDs  []string  `json:"external_userid_list"`
		Need wire.Flag `json:"need_enter_session_context,omitempty"`
	}{p.ExternalUserIDs, wire.Flag(p.NeedEnterSessionContext)}
	out := new(CustomersResult)
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/customer/batchget", nil, client.Idempotent(in), out); err != nil {
		return nil, err
	}
	return out, nil
}

// BatchGetCustomersInParts is [Service.BatchGetCustomers] for any number of IDs: it makes one
// customer/batchget call per 100 IDs, one after the other, and returns one part per call made.
// It stops at the first failing call ([client.Part]).
func (s *Service) BatchGetCustomersInParts(ctx context.Context, p CustomersParams) ([]client.Part[CustomersParams, CustomersResult], error) {
	if err := p.check(0); err != nil {
		return nil, err
	}
	var calls []CustomersParams
	for ids := range slices.Chunk(p.ExternalUserIDs, batchGetMax) {
		calls = append(calls, CustomersParams{ExternalUserIDs: ids, NeedEnterSessionContext: p.NeedEnterSessionContext})
	}
	return fanout.Run(ctx, calls, s.BatchGetCustomers, nil)
}
