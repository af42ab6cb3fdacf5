package messages

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// LinkedSendParams is a message to members of linked corps (互联企业). Users are "CorpID/UserID"
// (plain UserIDs for the own corp), Departments "LinkedID/DepartmentID", Tags the own corp's tag
// IDs; All reaches everyone in the app's visible range, linked corps included. Template cards
// are not accepted.
type LinkedSendParams struct {
	Users       []string
	Departments []string
	Tags        []int
	All         bool
	AgentID     int
	Message     Message
	Safe        Safe
}

// LinkedSendResult merges the invalid entries of the calls one send took.
type LinkedSendResult struct {
	InvalidUsers       []string
	InvalidDepartments []string
	InvalidTags        []string
}

type linkedBody struct {
	ToUser  []string `json:"touser,omitempty"`
	ToParty []string `json:"toparty,omitempty"`
	ToTag   []int    `json:"totag,omitempty"`
	ToAll   int      `json:"toall,omitempty"`
	MsgType MsgType  `json:"msgtype"`
	AgentID int      `json:"agentid"`
	Safe    Safe     `json:"safe,omitempty"`
}

type linkedAnswer struct {
	InvalidUser  []string     `json:"invaliduser"`
	InvalidParty []string     `json:"invalidparty"`
	InvalidTag   []flexString `json:"invalidtag"`
}

// SendLinked sends an app message to linked-corp members (互联企业消息推送), split into calls
// of at most 1000 users, 100 departments and 100 tags. It has no duplicate check, so a call is
// never retried once it may have reached WeCom. On a failed later call the result so far is
// returned with the error.
// 互联企业消息推送
//
// https://developer.work.weixin.qq.com/document/path/90250
//
//wecom:api POST /cgi-bin/linkedcorp/message/send
func (s *Service) SendLinked(ctx context.Context, p LinkedSendParams) (*LinkedSendResult, error) {
	if isNil(p.Message) {
		return nil, invalid("msgtype", "no Message")
	}
	mt := p.Message.MsgType()
	if err := firstErr(p.Message.check(toLinked), checkSafeNoCorpOnly(mt, p.Safe)); err != nil {
		return nil, err
	}
	switch {
	case p.AgentID <= 0:
		return nil, invalid("agentid", "required")
	case !p.All && len(p.Users) == 0 && len(p.Departments) == 0 && len(p.Tags) == 0:
		return nil, invalid("touser", "no recipients")
	}
	users, deps, tags := dedupe(p.Users), dedupe(p.Departments), dedupe(p.Tags)
	n := max(chunks(len(users), MaxUsersPerCall), chunks(len(deps), MaxDepartmentsPerCall), chunks(len(tags), MaxTagsPerCall))
	if p.All {
		n = 1
	}
	res := &LinkedSendResult{}
	for i := range n {
		h := linkedBody{MsgType: mt, AgentID: p.AgentID, Safe: p.Safe}
		if p.All {
			h.ToAll = 1
		} else {
			h.ToUser, h.ToParty, h.ToTag = window(users, i, MaxUsersPerCall), window(deps, i, MaxDepartmentsPerCall), window(tags, i, MaxTagsPerCall)
		}
		var out linkedAnswer
		if err := s.c.Do(ctx, http.MethodPost, "/cgi-bin/linkedcorp/message/send", nil, wire{head: h, key: mt, body: p.Message}, &out); err != nil {
			if i == 0 {
				return nil, err
			}
			return res, fmt.Errorf("messages: linkedcorp/message/send part %d of %d: %w", i+1, n, err)
		}
		res.InvalidUsers = append(res.InvalidUsers, out.InvalidUser...)
		res.InvalidDepartments = append(res.InvalidDepartments, out.InvalidParty...)
		for _, t := range out.InvalidTag {
			res.InvalidTags = append(res.InvalidTags, string(t))
		}
	}
	return res, nil
}

// flexString decodes an ID sent as a string or a number.
type flexString string

// UnmarshalJSON accepts a JSON string or a bare number.
func (f *flexString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	*f = flexString(b)
	return nil
}
