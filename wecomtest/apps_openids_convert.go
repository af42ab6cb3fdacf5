package wecomtest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

// The ID conversions (ID转换接口) of third-party, 代开发 and internal apps.

func (s *Server) idConvertRoutes() []route {
	return []route{
		// Replaces the provider-blind answer of apps_isv.go with the provider's own open corp ID.
		{post, "/cgi-bin/service/corpid_to_opencorpid", TokenProvider, s.corpIDToOpen},
		{post, "/cgi-bin/corp/opencorpid_to_corpid", TokenCorp, s.openCorpIDToCorp},
		{post, "/cgi-bin/batch/userid_to_openuserid", TokenCorp, s.userIDsToOpen},
		{post, "/cgi-bin/batch/openuserid_to_userid", TokenCorp, s.openUserIDsToUser},
		{post, "/cgi-bin/externalcontact/get_new_external_userid", TokenCorp, s.newExternalUserIDs},
		{post, "/cgi-bin/externalcontact/groupchat/get_new_external_userid", TokenCorp, s.newGroupChatExternalUserIDs},
		{post, "/cgi-bin/externalcontact/from_service_external_userid", TokenCorp, s.fromServiceExternalUserID},
		{post, "/cgi-bin/idconvert/unionid_to_external_userid", TokenCorp, s.unionIDToOpenExternal},
		{post, "/cgi-bin/idconvert/batch/external_userid_to_pending_id", TokenCorp, s.externalToPendingIDs},
		{post, "/cgi-bin/idconvert/external_tagid", TokenCorp, s.convertTagIDs},
		{post, "/cgi-bin/idconvert/open_kfid", TokenCorp, s.convertKfIDs},
		{post, "/cgi-bin/idconvert/convert_tmp_external_userid", TokenCorp, s.convertTmpIDs},
		{post, "/cgi-bin/service/externalcontact/unionid_to_external_userid_3rd", TokenSuite, s.unionIDToExternal3rd},
	}
}

// checkIDCap checks a list of IDs against WeCom's per-call cap: 40058 when empty or longer.
func checkIDCap(field string, ids []string, limit int) error {
	if len(ids) == 0 || len(ids) > limit {
		return errc(client.CodeInvalidParameter, fmt.Sprintf("%s: 1 to %d ids, got %d", field, limit, len(ids)))
	}
	return nil
}

// corpIDToOpen answers the provider's encrypted corp ID. Once the provider owns a suite, the
// corp must have authorised one of them (48004 otherwise); an ID already the provider's comes
// back unchanged.
func (s *Server) corpIDToOpen(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
	}](c)
	if err != nil {
		return nil, err
	}
	provider := c.Token.CorpID
	if in.CorpID == "" {
		return nil, errc(client.CodeInvalidCorpID, "invalid corpid")
	}
	if _, own := s.ownOpenID(in.CorpID, oidCorp, provider, s.plainCorp(provider, in.CorpID)); own {
		return J{"open_corpid": in.CorpID}, nil
	}
	if s.providerSuites(provider) && len(s.providerAuths(provider, in.CorpID, false))+len(s.providerAuths(provider, in.CorpID, true)) == 0 {
		return nil, errc(client.CodeAuthInvalid, "the corp has not authorised any app of this provider")
	}
	return J{"open_corpid": s.openID(oidCorp, provider, in.CorpID, in.CorpID)}, nil
}

func (s *Server) openCorpIDToCorp(c *Call) (any, error) {
	who, err := s.internalCaller(c)
	if err != nil {
		return nil, err
	}
	in, err := decode[struct {
		OpenCorpID    string   `json:"open_corpid"`
		SourceAgentID wire.Int `json:"source_agentid"`
	}](c)
	if err != nil {
		return nil, err
	}
	_, subject, err := s.sourceApp(who.corp, int(in.SourceAgentID))
	if err != nil {
		return nil, err
	}
	r, ok := s.ownOpenID(in.OpenCorpID, oidCorp, subject, who.corp)
	if !ok {
		return nil, errc(client.CodeInvalidCorpID, "invalid open_corpid")
	}
	return J{"corpid": r.real}, nil
}

func (s *Server) userIDsToOpen(c *Call) (any, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return nil, err
	}
	in, err := decode[struct {
		UserIDs []string `json:"userid_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	if len(in.UserIDs) == 0 {
		return nil, errc(client.CodeInvalidParameter, "userid_list missing")
	}
	if len(in.UserIDs) > 1000 {
		return nil, errc(client.CodeUserIDListTooLong, "userid_list: at most 1000")
	}
	b, app := s.book(who.corp), s.callerAgent(who.corp, who.agentID)
	items, invalid := []J{}, []string{}
	for _, id := range in.UserIDs {
		real, open := id, ""
		if r, own := s.ownOpenID(id, oidUser, who.subject, who.corp); own {
			real, open = r.real, id // a third-party app's userids are already open: they come back as they are
		}
		if u := b.users[strings.ToLower(real)]; u != nil && inAppRange(b, app, u.ID) {
			if open == "" {
				open = s.openID(oidUser, who.subject, who.corp, u.ID)
			}
			items = append(items, J{"userid": id, "open_userid": open})
		} else {
			invalid = append(invalid, id)
		}
	}
	out := J{"open_userid_list": items}
	if len(invalid) > 0 {
		out["invalid_userid_list"] = invalid
	}
	return out, nil
}

func (s *Server) openUserIDsToUser(c *Call) (any, error) {
	who, err := s.internalCaller(c)
	if err != nil {
		return nil, err
	}
	in, err := decode[struct {
		OpenUserIDs   []string `json:"open_userid_list"`
		SourceAgentID wire.Int `json:"source_agentid"`
	}](c)
	if err != nil {
		return nil, err
	}
	if err := checkIDCap("open_userid_list", in.OpenUserIDs, 1000); err != nil {
		return nil, err
	}
	src, subject, err := s.sourceApp(who.corp, int(in.SourceAgentID))
	if err != nil {
		return nil, err
	}
	b := s.book(who.corp)
	mine, theirs := s.callerAgent(who.corp, who.agentID), s.callerAgent(who.corp, src.AgentID)
	items, invalid := []J{}, []string{}
	for _, id := range in.OpenUserIDs {
		r, ok := s.ownOpenID(id, oidUser, subject, who.corp)
		u := b.users[strings.ToLower(r.real)]
		if ok && u != nil && inAppRange(b, mine, u.ID) && inAppRange(b, theirs, u.ID) {
			items = append(items, J{"open_userid": id, "userid": u.ID})
		} else {
			invalid = append(invalid, id)
		}
	}
	out := J{"userid_list": items}
	if len(invalid) > 0 {
		out["invalid_open_userid_list"] = invalid
	}
	return out, nil
}

// newExternalUserIDs converts customers the app may see; other IDs are left out of items, as
// WeCom documents no invalid list here.
func (s *Server) newExternalUserIDs(c *Call) (any, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return nil, err
	}
	if !who.customized && s.oid().migrated[migrationKey(who.subject, who.corp, 3)] {
		return nil, errc(client.CodeAPIForbidden, "api forbidden: the external_userid migration of this corp is finished")
	}
	in, err := decode[struct {
		IDs []string `json:"external_userid_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	if err := checkIDCap("external_userid_list", in.IDs, 1000); err != nil {
		return nil, err
	}
	b, app := s.book(who.corp), s.callerAgent(who.corp, who.agentID)
	items := []J{}
	for _, id := range in.IDs {
		if _, own := s.ownOpenID(id, oidExternal, who.subject, who.corp); own {
			items = append(items, J{"external_userid": id, "new_external_userid": id})
		} else if x := b.external.contacts[id]; x != nil && followedInRange(b, x, app) {
			items = append(items, J{"external_userid": id, "new_external_userid": s.openID(oidExternal, who.subject, who.corp, id)})
		}
	}
	return J{"items": items}, nil
}

// newGroupChatExternalUserIDs converts customer members of a group whose owner the app may see
// (60011 otherwise).
func (s *Server) newGroupChatExternalUserIDs(c *Call) (any, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return nil, err
	}
	if !who.customized && s.oid().migrated[migrationKey(who.subject, who.corp, 3)] {
		return nil, errc(client.CodeAPIForbidden, "api forbidden: the external_userid migration of this corp is finished")
	}
	in, err := decode[struct {
		ChatID string   `json:"chat_id"`
		IDs    []string `json:"external_userid_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.ChatID == "" {
		return nil, errc(client.CodeInvalidParameter, "chat_id missing")
	}
	if err := checkIDCap("external_userid_list", in.IDs, 1000); err != nil {
		return nil, err
	}
	b := s.book(who.corp)
	g := b.external.chats[in.ChatID]
	if g == nil {
		return nil, errc(client.CodeChatNotFound, "chat id not exist")
	}
	if !inAppRange(b, s.callerAgent(who.corp, who.agentID), g.Owner) {
		return nil, errc(client.CodeNoPrivilege, "the group owner is outside the app's visible range")
	}
	items := []J{}
	for _, id := range in.IDs {
		if r, own := s.ownOpenID(id, oidExternal, who.subject, who.corp); own && groupHasCustomer(g, r.real) {
			items = append(items, J{"external_userid": id, "new_external_userid": id})
		} else if groupHasCustomer(g, id) {
			items = append(items, J{"external_userid": id, "new_external_userid": s.openID(oidExternal, who.subject, who.corp, id)})
		}
	}
	return J{"items": items}, nil
}

// groupHasCustomer reports whether id is a customer member (type 2) of g.
func groupHasCustomer(g *SeedGroupChat, id string) bool {
	return slices.ContainsFunc(g.Members, func(m SeedGroupMember) bool { return m.Type == 2 && m.UserID == id })
}

// groupCustomer returns the customer member id of g, if any.
func groupCustomer(g *SeedGroupChat, id string) *SeedGroupMember {
	for i := range g.Members {
		if m := &g.Members[i]; m.Type == 2 && m.UserID == id {
			return m
		}
	}
	return nil
}

// fromServiceExternalUserID turns the source app's external_userid into the corp's: 40096
// unless the ID is that app's and the customer is seen by both apps (through a follow-up
// member, or the owner of a group the customer is in).
func (s *Server) fromServiceExternalUserID(c *Call) (any, error) {
	who, err := s.internalCaller(c)
	if err != nil {
		return nil, err
	}
	in, err := decode[struct {
		ExternalUserID string   `json:"external_userid"`
		SourceAgentID  wire.Int `json:"source_agentid"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.ExternalUserID == "" {
		return nil, errc(client.CodeMissingExternalUserID, "external_userid missing")
	}
	src, subject, err := s.sourceApp(who.corp, int(in.SourceAgentID))
	if err != nil {
		return nil, err
	}
	r, ok := s.ownOpenID(in.ExternalUserID, oidExternal, subject, who.corp)
	b := s.book(who.corp)
	mine, theirs := s.callerAgent(who.corp, who.agentID), s.callerAgent(who.corp, src.AgentID)
	if ok && s.seenCustomer(b, r.real, "", mine, theirs) {
		return J{"external_userid": r.real}, nil
	}
	return nil, errc(client.CodeInvalidExternalUserID, "invalid external userid")
}

// seenCustomer reports whether customer id (the corp's form) is seen by every app given: a
// follow-up member in their ranges, or (chatID "" meaning any group) the owner of a group the
// customer is in.
func (s *Server) seenCustomer(b *addressBook, id, chatID string, apps ...*agentRec) bool {
	if x := b.external.contacts[id]; chatID == "" && x != nil && followedInRange(b, x, apps...) {
		return true
	}
	for cid, g := range b.external.chats {
		if (chatID == "" || cid == chatID) && groupHasCustomer(g, id) {
			ok := true
			for _, a := range apps {
				ok = ok && inAppRange(b, a, g.Owner)
			}
			if ok {
				return true
			}
		}
	}
	return false
}

// unionPendingRec is a pending_id handed out for a unionid.
type unionPendingRec struct {
	id     string
	issued time.Time
}

func unionPendingKey(subject, corp, unionID string) string {
	return subject + "|" + strings.ToLower(corp) + "|" + unionID
}

// livePending returns the live pending ID issued to subject for unionID in corp, or "".
func (s *Server) livePending(subject, corp, unionID string) string {
	if p, ok := s.oid().pending[unionPendingKey(subject, corp, unionID)]; ok && time.Since(p.issued) < pendingIDTTL {
		return p.id
	}
	return ""
}

// unionIDToOpenExternal answers the idCaller's external_userid of the customer with the unionid
// that the app may see, else a pending_id (90 days). A mass_call_ticket must be the corp's.
func (s *Server) unionIDToOpenExternal(c *Call) (any, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return nil, err
	}
	in, err := decode[struct {
		UnionID        string   `json:"unionid"`
		OpenID         string   `json:"openid"`
		SubjectType    wire.Int `json:"subject_type"`
		MassCallTicket string   `json:"mass_call_ticket"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.book(who.corp)
	switch {
	case in.UnionID == "" || in.OpenID == "":
		return nil, errc(codeIDConvInvalidUnionID, "invalid unionid")
	case in.SubjectType != 0 && in.SubjectType != 1:
		return nil, errc(client.CodeInvalidParameter, "subject_type: 0 or 1")
	case in.MassCallTicket != "" && in.MassCallTicket != b.massCall:
		return nil, errc(client.CodeInvalidParameter, "invalid mass_call_ticket")
	}
	app := s.callerAgent(who.corp, who.agentID)
	out := J{}
	if id := s.customerByUnion(b, in.UnionID, app); id != "" {
		out["external_userid"] = s.openID(oidExternal, who.subject, who.corp, id)
	}
	p := s.livePending(who.subject, who.corp, in.UnionID)
	if p == "" && out["external_userid"] == nil {
		p = s.openID(oidPending, who.subject, who.corp, in.UnionID)
		s.oid().pending[unionPendingKey(who.subject, who.corp, in.UnionID)] = unionPendingRec{id: p, issued: time.Now()}
	}
	if p != "" {
		out["pending_id"] = p
	}
	return out, nil
}

// customerByUnion finds the customer (the corp's external_userid) with unionID whom app sees:
// a followed customer first, then a group member.
func (s *Server) customerByUnion(b *addressBook, unionID string, app *agentRec) string {
	for _, id := range b.external.byUnion(unionID) {
		if followedInRange(b, b.external.contacts[id], app) {
			return id
		}
	}
	chats := slices.Sorted(maps.Keys(b.external.chats))
	for _, cid := range chats {
		g := b.external.chats[cid]
		for _, m := range g.Members {
			if m.Type == 2 && m.UnionID == unionID && inAppRange(b, app, g.Owner) {
				return m.UserID
			}
		}
	}
	return ""
}

// externalToPendingIDs answers the pending IDs of customers whose unionid the idCaller queried
// before they became customers.
func (s *Server) externalToPendingIDs(c *Call) (any, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return nil, err
	}
	in, err := decode[struct {
		ChatID string   `json:"chat_id"`
		IDs    []string `json:"external_userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	if err := checkIDCap("external_userid", in.IDs, 100); err != nil {
		return nil, err
	}
	b, app := s.book(who.corp), s.callerAgent(who.corp, who.agentID)
	var chat *SeedGroupChat
	if in.ChatID != "" {
		if chat = b.external.chats[in.ChatID]; chat == nil {
			return nil, errc(client.CodeChatNotFound, "chat id not exist")
		}
	}
	result := []J{}
	for _, id := range in.IDs {
		real := id
		if r, own := s.ownOpenID(id, oidExternal, who.subject, who.corp); own {
			real = r.real
		}
		union := ""
		if chat != nil {
			if m := groupCustomer(chat, real); m != nil && inAppRange(b, app, chat.Owner) {
				union = m.UnionID
				if x := b.external.contacts[real]; union == "" && x != nil {
					union = x.UnionID
				}
			}
		} else if x := b.external.contacts[real]; x != nil && followedInRange(b, x, app) {
			union = x.UnionID
		}
		if p := s.livePending(who.subject, who.corp, union); union != "" && p != "" {
			result = append(result, J{"external_userid": id, "pending_id": p})
		}
	}
	return J{"result": result}, nil
}

func (s *Server) convertTagIDs(c *Call) (any, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return nil, err
	}
	in, err := decode[struct {
		IDs []string `json:"external_tagid_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	if err := checkIDCap("external_tagid_list", in.IDs, 1000); err != nil {
		return nil, err
	}
	e := &s.book(who.corp).external
	items, invalid := []J{}, []string{}
	for _, id := range in.IDs {
		_, tag := e.tagByID(id)
		switch _, own := s.ownOpenID(id, oidTag, who.subject, who.corp); {
		case own:
			items = append(items, J{"external_tagid": id, "open_external_tagid": id})
		case tag != nil || e.groups[id] != nil:
			items = append(items, J{"external_tagid": id, "open_external_tagid": s.openID(oidTag, who.subject, who.corp, id)})
		default:
			invalid = append(invalid, id)
		}
	}
	out := J{"items": items}
	if len(invalid) > 0 {
		out["invalid_external_tagid_list"] = invalid
	}
	return out, nil
}

func (s *Server) convertKfIDs(c *Call) (any, error) {
	who, err := s.isvCaller(c)
	if err != nil {
		return nil, err
	}
	in, err := decode[struct {
		IDs []string `json:"open_kfid_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	if err := checkIDCap("open_kfid_list", in.IDs, 1000); err != nil {
		return nil, err
	}
	items, invalid := []J{}, []string{}
	for _, id := range in.IDs {
		a := s.kf.accounts[id]
		switch _, own := s.ownOpenID(id, oidKf, who.subject, who.corp); {
		case own:
			items = append(items, J{"open_kfid": id, "new_open_kfid": id})
		case a != nil && strings.EqualFold(a.corpID, who.corp):
			items = append(items, J{"open_kfid": id, "new_open_kfid": s.openID(oidKf, who.subject, who.corp, id)})
		default:
			invalid = append(invalid, id)
		}
	}
	out := J{"items": items}
	if len(invalid) > 0 {
		out["invalid_open_kfid_list"] = invalid
	}
	return out, nil
}

// TmpExternalUser is what a temporary external user ID (tmp_external_userid) stands for, as a
// meeting, form or smart sheet hands it to one app.
type TmpExternalUser struct {
	CorpID  string // the corp of the app that got the ID
	AgentID int    // that app: only it may convert the ID
	// BusinessType is the product: 1 meeting, 2 collection form, 3 smart sheet.
	BusinessType int
	// UserType is the kind of person: 1 customer, 2 linked-corp member, 3 upstream/downstream
	// member, 4 member of an interconnected corp.
	UserType       int
	ExternalUserID string // UserType 1: the customer, in the corp's own form
	UserCorpID     string // UserType 2-4: the member's corp
	UserID         string // UserType 2-4: the member
}

// NewTmpExternalUserID mints a tmp_external_userid ("ou…") for t, as meeting details, form
// answers or smart-sheet records give one to t's app, for idconvert/convert_tmp_external_userid.
func (s *Server) NewTmpExternalUserID(t TmpExternalUser) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("ouSimTmp%06d%x", s.seq, time.Now().UnixNano()&0xfff)
	s.oid().tmp[id] = t
	return id
}

// convertTmpIDs converts the tmp IDs the calling app got for the business and user type asked;
// any app may call it. A third-party or 代开发 app gets its own external_userids.
func (s *Server) convertTmpIDs(c *Call) (any, error) {
	if c.Token.AgentID == 0 {
		return nil, errc(client.CodeAPIForbidden, "api forbidden: use an app's access_token")
	}
	in, err := decode[struct {
		BusinessType wire.Int `json:"business_type"`
		UserType     wire.Int `json:"user_type"`
		IDs          []string `json:"tmp_external_userid_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch {
	case in.BusinessType < 1 || in.BusinessType > 3:
		return nil, errc(client.CodeInvalidParameter, "business_type: 1 to 3")
	case in.UserType < 1 || in.UserType > 4:
		return nil, errc(client.CodeInvalidParameter, "user_type: 1 to 4")
	}
	if err := checkIDCap("tmp_external_userid_list", in.IDs, 100); err != nil {
		return nil, err
	}
	suite, isv := strings.CutPrefix(c.Token.Secret, authSecret(""))
	results, invalid := []J{}, []string{}
	for _, id := range in.IDs {
		t, ok := s.oid().tmp[id]
		if !ok || !strings.EqualFold(t.CorpID, c.Token.CorpID) || t.AgentID != c.Token.AgentID ||
			t.BusinessType != int(in.BusinessType) || t.UserType != int(in.UserType) {
			invalid = append(invalid, id)
			continue
		}
		r := J{"tmp_external_userid": id}
		switch {
		case t.UserType != 1:
			r["corpid"], r["userid"] = t.UserCorpID, t.UserID
		case isv:
			r["external_userid"] = s.openID(oidExternal, s.subjectOf(suite), c.Token.CorpID, t.ExternalUserID)
		default:
			r["external_userid"] = t.ExternalUserID
		}
		results = append(results, r)
	}
	out := J{"results": results}
	if len(invalid) > 0 {
		out["invalid_tmp_external_userid_list"] = invalid
	}
	return out, nil
}

// unionIDToExternal3rd is the legacy suite-level lookup: the customer in every corp that
// authorised the suite (or the corpid asked, plaintext or the suite's encrypted one).
func (s *Server) unionIDToExternal3rd(c *Call) (any, error) {
	in, err := decode[unionReq](c)
	if err != nil {
		return nil, err
	}
	if in.UnionID == "" || in.OpenID == "" {
		return nil, errc(codeIDConvInvalidUnionID, "invalid unionid")
	}
	suite := c.Token.CorpID
	subject := s.subjectOf(suite)
	want := s.plainCorp(subject, in.CorpID)
	var corps []string
	for key, a := range s.apps.auths {
		if strings.HasPrefix(key, suite+"|") && !a.revoked && (in.CorpID == "" || strings.EqualFold(a.CorpID, want)) {
			corps = append(corps, a.CorpID)
		}
	}
	slices.Sort(corps)
	out := []J{}
	for _, corp := range corps {
		a := s.apps.auths[suite+"|"+corp]
		b := s.book(corp)
		if id := s.customerByUnion(b, in.UnionID, s.callerAgent(corp, a.AgentID)); id != "" {
			out = append(out, J{"corpid": corp, "external_userid": s.openID(oidExternal, subject, corp, id)})
		}
	}
	return J{"external_userid_info": out}, nil
}
