package wecomtest

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

func (s *Server) linkedSendRoutes() []route {
	return []route{{post, "/cgi-bin/linkedcorp/message/send", TokenCorp, s.msgLinkedSend}}
}

// linkedAudience resolves the recipients of linkedcorp/message/send: users "CorpID/UserID" (or
// plain UserIDs of the calling corp), departments "LinkedID/DepartmentID" of a linked corp (or
// plain IDs of the calling corp), tags of the calling corp. A member of another corp gets the
// copy as "CorpID/UserID".
func (s *Server) linkedAudience(corpID string, users, parties, tags []string, all bool) *audience {
	own := s.book(corpID)
	a := s.newAudience()
	if all {
		a.everyone(own, "")
		for _, lid := range own.linkedIDs() {
			corp := own.linkedCorp(lid)
			a.everyone(s.book(corp), corp+"/")
		}
		return a
	}
	for _, u := range users {
		corp, uid, ok := strings.Cut(u, "/")
		if !ok {
			a.user(own, "", u, u)
			continue
		}
		// A corp the simulator never saw has no address book: any member is taken.
		a.user(s.contacts.books[corp], corp+"/", uid, u)
	}
	for _, p := range parties {
		lid, d, linked := strings.Cut(p, "/")
		if !linked {
			d = lid
		}
		id, err := strconv.Atoi(d)
		switch {
		case err != nil:
			a.badParties = append(a.badParties, p)
		case !linked:
			if !a.party(own, "", id) {
				a.badParties = append(a.badParties, p)
			}
		case own.linkedCorp(lid) == "" || s.book(own.linkedCorp(lid)).depts[id] == nil:
			a.badParties = append(a.badParties, p)
		default:
			a.party(s.book(own.linkedCorp(lid)), own.linkedCorp(lid)+"/", id)
		}
	}
	for _, t := range tags {
		if !a.tag(own, t) {
			a.badTags = append(a.badTags, t)
		}
	}
	return a
}

func (s *Server) msgLinkedSend(c *Call) (any, error) {
	req, err := decode[struct {
		ToUser  []string      `json:"touser"`
		ToParty []string      `json:"toparty"`
		ToTag   []wire.String `json:"totag"`
		ToAll   int           `json:"toall"`
		MsgType string        `json:"msgtype"`
		AgentID wire.Int      `json:"agentid"`
	}](c)
	if err != nil {
		return nil, errc(client.CodeInvalidParameterValue, "invalid parameter: lists must be arrays")
	}
	raw := msgBodies(c)
	switch {
	case req.MsgType == "template_card" || !slices.Contains(msgAppTypes, req.MsgType):
		return nil, errc(client.CodeInvalidMsgType, "invalid message type")
	case int(req.AgentID) != c.Token.AgentID:
		return nil, errc(client.CodeAppNoPrivilege, "not allow operate another agent with this accesstoken")
	case req.ToAll != 1 && len(req.ToUser) == 0 && len(req.ToParty) == 0 && len(req.ToTag) == 0:
		return nil, errc(client.CodeNoRecipients, "All touser & toparty & totag invalid")
	case len(req.ToUser) > 1000:
		return nil, errc(client.CodeUserIDListTooLong, "invalid touser size")
	case len(req.ToParty) > 100:
		return nil, errc(client.CodeTooManyParties, "invalid toparty size")
	case len(req.ToTag) > 100:
		return nil, errc(client.CodeTooManyTags, "invalid totag size")
	}
	if err := s.msgCheckBody(req.MsgType, raw[req.MsgType], 2048, ""); err != nil {
		return nil, err
	}
	tags := make([]string, len(req.ToTag))
	for i, t := range req.ToTag {
		tags[i] = string(t)
	}
	a := s.linkedAudience(c.Token.CorpID, req.ToUser, req.ToParty, tags, req.ToAll == 1)
	if !a.reached {
		return nil, errc(client.CodeAllRecipientsInvalid, "user & party & tag all invalid")
	}
	m := &msgSent{id: s.msgNextID("lmsg"), corpID: c.Token.CorpID, agentID: c.Token.AgentID, at: time.Now(), copies: make(map[string]*Message)}
	s.msgRecord(m, req.MsgType, raw[req.MsgType], c.Body, a, req.ToParty, tags)
	badTags := []any{}
	for _, t := range a.badTags {
		if n, err := strconv.Atoi(t); err == nil {
			badTags = append(badTags, n)
		} else {
			badTags = append(badTags, t)
		}
	}
	return J{"invaliduser": nonNil(a.badUsers), "invalidparty": nonNil(a.badParties), "invalidtag": badTags}, nil
}
