package messages

import (
	"context"
	"net/http"

	"github.com/wecom-connector/wecom/internal/check"
)

// Recall withdraws an app message sent by [Service.Send] or [Service.SendInParts] within the
// last 24 hours (撤回应用消息). Copies delivered to the WeChat plugin stay. 42052 means the
// message is older than 24 h; 40058 usually means another app's token.
// 撤回应用消息
//
// https://developer.work.weixin.qq.com/document/path/94867
//
//wecom:api POST /cgi-bin/message/recall
func (s *Service) Recall(ctx context.Context, msgID string) error {
	if msgID == "" {
		return check.Invalid("msgid", "required")
	}
	return s.c.Do(ctx, http.MethodPost, "/cgi-bin/message/recall", nil, struct {
		MsgID string `json:"msgid"`
	}{msgID}, nil)
}

// UpdateCardParams updates an interactive template card already sent. ResponseCode comes from
// [SendResult].ResponseCode or from a template_card_event callback (its ResponseCode); each
// code works once, within 72 hours. Set exactly one of ReplaceName (grey out the buttons with
// this text; button, vote and multiple cards) and Card (replace the whole card; no TaskID, and
// ReplaceText and the Disable flags are allowed). To says whose copies change: at least one of
// Users, Departments, Tags or All.
type UpdateCardParams struct {
	To            Recipients
	AgentID       int
	ResponseCode  string
	ReplaceName   string
	Card          *TemplateCard
	EnableIDTrans bool
}

// UpdateCardResult lists the users whose card could not be updated (not visible to the app or
// not a recipient), lower-cased.
type UpdateCardResult struct {
	InvalidUsers []string `json:"invaliduser"`
}

type updateCardBody struct {
	UserIDs       []string      `json:"userids,omitempty"`
	PartyIDs      []int         `json:"partyids,omitempty"`
	TagIDs        []int         `json:"tagids,omitempty"`
	AtAll         int           `json:"atall,omitempty"`
	AgentID       int           `json:"agentid"`
	ResponseCode  string        `json:"response_code"`
	EnableIDTrans int           `json:"enable_id_trans,omitempty"`
	Button        *replaceName  `json:"button,omitempty"`
	TemplateCard  *TemplateCard `json:"template_card,omitempty"`
}

type replaceName struct {
	ReplaceName string `json:"replace_name"`
}

// UpdateTemplateCard updates a sent interactive template card for some or all of its
// recipients (更新模版卡片消息). 60140 means the response code was used already or expired.
// 更新模版卡片消息
//
// https://developer.work.weixin.qq.com/document/path/94888
//
//wecom:api POST /cgi-bin/message/update_template_card
func (s *Service) UpdateTemplateCard(ctx context.Context, p UpdateCardParams) (*UpdateCardResult, error) {
	b, err := p.body()
	if err != nil {
		return nil, err
	}
	var out UpdateCardResult
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/message/update_template_card", nil, b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (p UpdateCardParams) body() (*updateCardBody, error) {
	err := firstErr(check.Required("response_code", p.ResponseCode), p.To.check(),
		countRange("userids", len(p.To.Users), 0, MaxUsersPerCall),
		countRange("partyids", len(p.To.Departments), 0, MaxDepartmentsPerCall),
		countRange("tagids", len(p.To.Tags), 0, MaxTagsPerCall))
	switch {
	case err != nil:
		return nil, err
	case p.AgentID <= 0:
		return nil, check.Invalid("agentid", "required")
	case (p.ReplaceName == "") == (p.Card == nil):
		return nil, check.Invalid("button", "set exactly one of ReplaceName and Card")
	case p.EnableIDTrans && p.Card == nil:
		return nil, check.Invalid("enable_id_trans", "only with a new Card")
	}
	b := &updateCardBody{UserIDs: p.To.Users, PartyIDs: p.To.Departments, TagIDs: p.To.Tags,
		AgentID: p.AgentID, ResponseCode: p.ResponseCode, TemplateCard: p.Card}
	if p.To.All {
		b = &updateCardBody{AtAll: 1, AgentID: p.AgentID, ResponseCode: p.ResponseCode, TemplateCard: p.Card}
	}
	if p.EnableIDTrans {
		b.EnableIDTrans = 1
	}
	if p.ReplaceName != "" {
		b.Button = &replaceName{p.ReplaceName}
	} else if err := p.Card.validate(cardUpdate); err != nil {
		return nil, err
	}
	return b, nil
}
