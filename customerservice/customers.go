package customerservice

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/client"
)

// Gender is a WeChat customer's gender as customer/batchget reports it (values per the usual
// WeChat convention, unverified for kf); third-party apps always get GenderUnknown.
type Gender int

// Genders.
const (
	GenderUnknown Gender = 0
	GenderMale    Gender = 1
	GenderFemale  Gender = 2
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
	// ExternalUserIDs may hold any number of IDs: BatchGetCustomers asks 100 at a time.
	ExternalUserIDs []string
	// NeedEnterSessionContext also returns each customer's latest entry context.
	NeedEnterSessionContext bool
}

// CustomersResult holds the profiles found and the IDs that were not (customers not seen in
// the last 48 hours, or unknown).
type CustomersResult struct {
	Customers []Customer
	Invalid   []string
}

// batchGetMax is the platform's limit of IDs per customer/batchget call.
const batchGetMax = 100

// BatchGetCustomers returns the profiles of customers who entered a session or wrote to a kf
// account in the last 48 hours (获取客户基础信息). More than 100 IDs are split into calls of 100,
// made one after the other; the first failing call ends it with its error.
// 获取客户基础信息
//
// https://developer.work.weixin.qq.com/document/path/95159
//
//wecom:api POST /cgi-bin/kf/customer/batchget
func (s *Service) BatchGetCustomers(ctx context.Context, p CustomersParams) (CustomersResult, error) {
	var res CustomersResult
	if len(p.ExternalUserIDs) == 0 {
		return res, invalid("external_userid_list", "at least one ID")
	}
	for i, id := range p.ExternalUserIDs {
		if id == "" {
			return res, invalid("external_userid_list", "ID %d is empty", i)
		}
	}
	need := 0
	if p.NeedEnterSessionContext {
		need = 1
	}
	for start := 0; start < len(p.ExternalUserIDs); start += batchGetMax {
		in := struct {
			IDs  []string `json:"external_userid_list"`
			Need int      `json:"need_enter_session_context,omitempty"`
		}{p.ExternalUserIDs[start:min(start+batchGetMax, len(p.ExternalUserIDs))], need}
		var out struct {
			Customers []Customer `json:"customer_list"`
			Invalid   []string   `json:"invalid_external_userid"`
		}
		if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/kf/customer/batchget", nil, client.Idempotent(in), &out); err != nil {
			return CustomersResult{}, err
		}
		res.Customers = append(res.Customers, out.Customers...)
		res.Invalid = append(res.Invalid, out.Invalid...)
	}
	return res, nil
}
