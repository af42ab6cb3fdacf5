package messages

import (
	"context"
	"net/http"
	"strconv"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
	"github.com/wecom-connector/wecom/internal/fanout"
	"github.com/wecom-connector/wecom/internal/wire"
)

// LinkedRecipients are who receives a linked-corp message (互联企业): Users as "CorpID/UserID"
// (plain UserIDs for the own corp), Departments as "LinkedID/DepartmentID", Tags the own corp's
// tag IDs, or All: everyone in the app's visible range, linked corps included.
type LinkedRecipients struct {
	Users       []string
	Departments []string
	Tags        []int
	All         bool
}

func (r LinkedRecipients) empty() bool {
	return !r.All && len(r.Users) == 0 && len(r.Departments) == 0 && len(r.Tags) == 0
}

// split removes repeated IDs and cuts the lists into the calls of a fan-out.
func (r LinkedRecipients) split() []LinkedRecipients {
	if r.All {
		return []LinkedRecipients{{All: true}}
	}
	return split(r.Users, r.Departments, r.Tags, func(users, deps []string, tags []int) LinkedRecipients {
		return LinkedRecipients{Users: users, Departments: deps, Tags: tags}
	})
}

// LinkedSendParams is a message to members of linked corps (互联企业). Template cards are not
// accepted.
type LinkedSendParams struct {
	To      LinkedRecipients
	AgentID int
	Message Message
	Safe    Safe
}

// LinkedSendResult is the answer to one linkedcorp/message/send call: the entries that were not
// delivered to.
type LinkedSendResult struct {
	InvalidUsers       []string
	InvalidDepartments []string // "LinkedID/DepartmentID"
	InvalidTags        []int
}

type linkedHead struct {
	ToUser  []string `json:"touser,omitempty"`
	ToParty []string `json:"toparty,omitempty"`
	ToTag   []int    `json:"totag,omitempty"`
	ToAll   int      `json:"toall,omitempty"`
	MsgType MsgType  `json:"msgtype"`
	AgentID int      `json:"agentid"`
	Safe    Safe     `json:"safe,omitempty"`
}

type linkedAnswer struct {
	InvalidUser  []string      `json:"invaliduser"`
	InvalidParty []string      `json:"invalidparty"`
	InvalidTag   []wire.String `json:"invalidtag"`
}

// SendLinked sends an app message to linked-corp members (互联企业消息推送) in exactly one
// linkedcorp/message/send call. Recipients that one call cannot carry (more than
// [MaxUsersPerCall] users, [MaxDepartmentsPerCall] departments or [MaxTagsPerCall] tags) are
// refused with a [*client.ValidationError] before sending: [Service.SendLinkedInParts] splits
// them. The endpoint has no duplicate check, so a call is never retried once it may have
// reached WeCom.
// 互联企业消息推送
//
// https://developer.work.weixin.qq.com/document/path/90250
//
//wecom:api POST /cgi-bin/linkedcorp/message/send
func (s *Service) SendLinked(ctx context.Context, p LinkedSendParams) (*LinkedSendResult, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	calls := p.To.split()
	if len(calls) > 1 {
		return nil, tooMany(calls[1].Users, calls[1].Departments, calls[1].Tags, "SendLinkedInParts")
	}
	return s.sendLinked(ctx, p, calls[0])
}

// SendLinkedInParts sends an app message to linked-corp members of any number in as few
// linkedcorp/message/send calls as the per-call limits allow, one after another, and returns
// one part per call made, with the rules of [Service.SendInParts] and [client.Part]: a call
// answering 81013 is kept and the fan-out goes on, any other failure ends it with the parts
// made so far. There is no duplicate check here, so sending the same params again repeats the
// delivered parts.
func (s *Service) SendLinkedInParts(ctx context.Context, p LinkedSendParams) ([]client.Part[LinkedRecipients, LinkedSendResult], error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	return fanout.Run(ctx, p.To.split(), func(ctx context.Context, to LinkedRecipients) (*LinkedSendResult, error) {
		return s.sendLinked(ctx, p, to)
	}, allInvalid)
}

func (p LinkedSendParams) validate() error {
	if isNil(p.Message) {
		return check.Invalid("msgtype", "no Message")
	}
	if err := firstErr(p.Message.check(toLinked), checkSafeNoCorpOnly(p.Message.MsgType(), p.Safe)); err != nil {
		return err
	}
	switch {
	case p.AgentID <= 0:
		return check.Invalid("agentid", "required")
	case p.To.empty():
		return check.Invalid("touser", "no recipients")
	}
	return nil
}

// sendLinked makes one linkedcorp/message/send call to recipients that fit it.
func (s *Service) sendLinked(ctx context.Context, p LinkedSendParams, to LinkedRecipients) (*LinkedSendResult, error) {
	mt := p.Message.MsgType()
	h := linkedHead{ToUser: to.Users, ToParty: to.Departments, ToTag: to.Tags, MsgType: mt, AgentID: p.AgentID, Safe: p.Safe}
	if to.All {
		h.ToAll = 1
	}
	var out linkedAnswer
	if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/linkedcorp/message/send", nil, envelope{h, mt, p.Message}, &out); err != nil {
		return nil, err
	}
	res := &LinkedSendResult{InvalidUsers: out.InvalidUser, InvalidDepartments: out.InvalidParty}
	for _, t := range out.InvalidTag {
		if n, err := strconv.Atoi(string(t)); err == nil {
			res.InvalidTags = append(res.InvalidTags, n)
		}
	}
	return res, nil
}
