package wecomtest

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/wecom-connector/wecom/client"
)

// The licence check on the calls of an installed app (许可账号失效的表现, 95652). Once the trial of
// a suite in a corp is over, the corp's token from that suite reaches the documented calls only
// for members with a valid account:
//
//   - message/send: members without a base account are answered in unlicenseduser and, as
//     members of a department or tag, get nothing;
//   - customer contact and kf calls need a 互通 account: externalcontact/list and
//     service_state/trans answer 701008 for such a member; externalcontact/get leaves them out
//     of follow_user (701008 when none is left); batch/get_by_user lists them in
//     fail_info.unlicensed_userid_list (701008 when all are); groupchat/list with an owner
//     filter of such members only and groupchat/get of a chat they own answer 701008;
//     upgrade_service to such a member answers 701008; kf/servicer/add answers 701008 for them
//     in result_list.
//
// A 互通 account includes the base account. With auto-activation on (95873), a member named in
// the call without a valid account of the needed type is first given the corp's free code of
// that type, as WeCom does when the provider sends a message or calls a 互通 API (97198).
//
// Calls from internal apps, and the API's other calls, are not checked.
//
// Callbacks, delivered in the background after the call (see [Server.SetCallbackURL]): an
// auto-activation sends auto_activate (scene 2 for message/send, 3 for the 互通 calls) to the
// system event URL of the provider whose order created the code ([Server.SetProviderCallbackURL]),
// one per call listing the accounts; a member refused for want of an account sends
// unlicensed_notify to the suite's data callback URL ([Server.SetSuiteDataCallbackURL]), once per
// member and call, with the installation's AgentID.

// licenseRule applies the check to one call, with s.mu held.
type licenseRule func(s *Server, c *Call, corp string, h handlerFunc) (any, error)

var licenseRules = map[string]licenseRule{
	"/cgi-bin/message/send":                      licGateSend,
	"/cgi-bin/externalcontact/list":              licGateQueryUser("userid"),
	"/cgi-bin/externalcontact/get":               licGateFollowUsers,
	"/cgi-bin/externalcontact/batch/get_by_user": licGateByUser,
	"/cgi-bin/externalcontact/groupchat/list":    licGateChatList,
	"/cgi-bin/externalcontact/groupchat/get":     licGateChatGet,
	"/cgi-bin/kf/service_state/trans":            licGateBodyUser(func(b licGateBody) string { return b.Servicer }),
	"/cgi-bin/kf/customer/upgrade_service":       licGateBodyUser(licUpgradeMember),
	"/cgi-bin/kf/servicer/add":                   licGateServicers,
}

// licenseGate runs h for c, with the licence check when c is a corp token issued through a
// suite whose trial in that corp is over.
func (s *Server) licenseGate(c *Call, h handlerFunc) (any, error) {
	t := c.Token
	if t == nil || t.Kind != TokenCorp {
		return h(c)
	}
	suite, ok := strings.CutPrefix(t.Secret, authSecret(""))
	if !ok {
		return h(c)
	}
	st := &s.licenses
	trial := st.trial(suite, t.CorpID) // the first call as the corp starts the trial
	rule := licenseRules[c.Path]
	if rule == nil || st.now().Before(trial.end) {
		return h(c)
	}
	g := &licGateCall{suite: suite, corp: t.CorpID, scene: licSceneInterworking, refused: map[string]bool{}}
	if c.Path == "/cgi-bin/message/send" {
		g.scene = licSceneMessage
	}
	st.gate = g
	defer func() {
		st.gate = nil
		s.emitLater(s.licGateEvents(g))
	}()
	return rule(s, c, t.CorpID, h)
}

// Scenes (Scene) of auto_activate (95994).
const (
	licSceneMessage      = 2 // 服务商调用消息推送接口
	licSceneInterworking = 3 // 服务商调用互通接口
)

// licGateCall collects what one checked call's licence check did, for its callbacks.
type licGateCall struct {
	suite, corp string
	scene       int
	activated   []licAutoActivation
	refused     map[string]bool // lower-case userids already reported
	unlicensed  []string        // members refused, in order
}

type licAutoActivation struct {
	provider string
	account  autoActivatedAccount
}

// licPrevious is a member's account before an auto-activation, as auto_activate reports it:
// PreviousStatus 1 none, 2 valid (7 days or less left), 3 expired, and the former code.
func (st *licenseState) licPrevious(prev *licCode) (status int, code string) {
	switch {
	case prev == nil:
		return 1, ""
	case prev.valid(st.now()):
		return 2, prev.code
	}
	return 3, prev.code
}

// licAutoActivated records an auto-activation of k for userID (prevStatus, prevCode from
// licPrevious before it).
func (st *licenseState) licAutoActivated(k *licCode, prevStatus int, prevCode, userID string) {
	if g := st.gate; g != nil {
		g.activated = append(g.activated, licAutoActivation{provider: k.provider, account: autoActivatedAccount{
			code: k.code, userID: userID, typ: k.typ, expire: k.expire.Unix(), previousStatus: prevStatus, previousCode: prevCode}})
	}
}

// licGateEvents are the callbacks of a checked call.
func (s *Server) licGateEvents(g *licGateCall) []cbEvent {
	var events []cbEvent
	var providers []string
	byProvider := map[string][]autoActivatedAccount{}
	for _, a := range g.activated {
		if byProvider[a.provider] == nil {
			providers = append(providers, a.provider)
		}
		byProvider[a.provider] = append(byProvider[a.provider], a.account)
	}
	for _, p := range providers {
		events = append(events, cbEvent{cbDest{cbProvider, p}, autoActivateCallback(p, g.corp, g.scene, byProvider[p])})
	}
	agentID := 0
	if a := s.apps.auths[g.suite+"|"+g.corp]; a != nil {
		agentID = a.AgentID
	}
	// The suite's app knows the corp and the member by the IDs it sees (open ones for a
	// third-party app).
	corp := s.seenCorpID(g.suite, g.corp)
	for _, id := range g.unlicensed {
		seen, _ := s.seenUserID(g.suite, g.corp, id)
		events = append(events, cbEvent{cbDest{cbSuiteData, g.suite}, EventCallback(corp, seen, agentID, "unlicensed_notify", nil)})
	}
	return events
}

// licHas reports whether userID has a valid account for need, auto-activating one first when
// the corp has auto-activation on and a free code of the type.
func (s *Server) licHas(corp, userID string, need int) bool {
	st := &s.licenses
	lc := st.licCorpOf(corp)
	auto := lc != nil && lc.autoActive == 1 && s.licMember(corp, userID)
	if st.licensed(corp, userID, need) {
		// Auto-activation also renews an account with 7 days or less left (97198).
		if k := st.licBound(corp, userID, need); auto && k != nil && k.valid(st.now()) && k.expire.Sub(st.now()) <= licAutoRenewDay*licDay {
			ps, pc := st.licPrevious(k)
			if free := st.freeCode(corp, need); free != nil && s.licBind(corp, free, userID) == nil {
				st.licAutoActivated(free, ps, pc, userID)
			}
		}
		return true
	}
	if auto {
		ps, pc := st.licPrevious(st.licBound(corp, userID, need))
		if k := st.freeCode(corp, need); k != nil && s.licBind(corp, k, userID) == nil && st.licensed(corp, userID, need) {
			st.licAutoActivated(k, ps, pc, userID)
			return true
		}
	}
	if g := st.gate; g != nil && s.licMember(corp, userID) && !g.refused[strings.ToLower(userID)] {
		g.refused[strings.ToLower(userID)] = true
		g.unlicensed = append(g.unlicensed, userID)
	}
	return false
}

// licLacking returns the members of ids without a valid account for need.
func (s *Server) licLacking(corp string, ids []string, need int) []string {
	var out []string
	for _, id := range ids {
		if !s.licHas(corp, id, need) {
			out = append(out, id)
		}
	}
	return out
}

// licNoLicence is the answer of a call for members without a 互通 account (95652).
func licNoLicence() error {
	return errc(client.CodeNoInterfaceLicense, "no valid interface licence (互通账号) for the member")
}

// licList reads a list of objects from an answer.
func licList(v any) ([]J, bool) {
	switch l := v.(type) {
	case []J:
		return l, true
	case []any:
		out := make([]J, 0, len(l))
		for _, e := range l {
			j, ok := e.(J)
			if !ok {
				return nil, false
			}
			out = append(out, j)
		}
		return out, true
	}
	return nil, false
}

// licGateSend marks the members without a base account unlicensed in the messages state for the
// duration of the send, so message/send reports and skips them like any unlicensed member.
func licGateSend(s *Server, c *Call, corp string, h handlerFunc) (any, error) {
	var in struct {
		ToUser string `json:"touser"`
	}
	_ = json.Unmarshal(c.Body, &in)
	named := msgSplitBar(in.ToUser)
	var all []string
	if b := s.contacts.books[corp]; b != nil {
		for _, u := range b.users {
			all = append(all, u.ID)
		}
	}
	if slices.Contains(named, "@all") {
		named = all
	}
	s.licLacking(corp, named, licBase) // auto-activates the named members where it may
	var marked []string
	for _, id := range append(named, all...) {
		k := strings.ToLower(id)
		// Not a member: message/send answers it in invaliduser, as without the check.
		if !s.messages.unlicensed[k] && s.licMember(corp, id) && !s.licenses.licensed(corp, id, licBase) {
			s.messages.unlicensed[k] = true
			marked = append(marked, k)
		}
	}
	defer func() {
		for _, k := range marked {
			delete(s.messages.unlicensed, k)
		}
	}()
	return h(c)
}

// licGateQueryUser refuses the call when the member in the query has no 互通 account.
func licGateQueryUser(name string) licenseRule {
	return func(s *Server, c *Call, corp string, h handlerFunc) (any, error) {
		if id := c.Query(name); id != "" && !s.licHas(corp, id, licExternal) {
			return nil, licNoLicence()
		}
		return h(c)
	}
}

type licGateBody struct {
	Servicer string `json:"servicer_userid"`
	Type     int    `json:"type"`
	Member   *struct {
		UserID string `json:"userid"`
	} `json:"member"`
}

func licUpgradeMember(b licGateBody) string {
	if b.Type == 1 && b.Member != nil {
		return b.Member.UserID
	}
	return ""
}

// licGateBodyUser refuses the call when the member the body names has no 互通 account.
func licGateBodyUser(user func(licGateBody) string) licenseRule {
	return func(s *Server, c *Call, corp string, h handlerFunc) (any, error) {
		var b licGateBody
		_ = json.Unmarshal(c.Body, &b)
		if id := user(b); id != "" && !s.licHas(corp, id, licExternal) {
			return nil, licNoLicence()
		}
		return h(c)
	}
}

// licAnswer turns a handler's answer into a J to edit; ok is false for a Raw answer.
func licAnswer(v any) (J, bool) {
	if j, ok := v.(J); ok {
		return j, true
	}
	if _, raw := v.(Raw); raw || v == nil {
		return nil, false
	}
	b, err := json.Marshal(v)
	var j J
	if err != nil || json.Unmarshal(b, &j) != nil {
		return nil, false
	}
	return j, true
}

// licGateFollowUsers leaves the follow-up members without a 互通 account out of
// externalcontact/get, and refuses the call when none is left.
func licGateFollowUsers(s *Server, c *Call, corp string, h handlerFunc) (any, error) {
	v, err := h(c)
	out, ok := licAnswer(v)
	if err != nil || !ok {
		return v, err
	}
	follows, ok := licList(out["follow_user"])
	if !ok {
		return v, nil
	}
	kept := []J{}
	for _, f := range follows {
		if id, _ := f["userid"].(string); s.licHas(corp, id, licExternal) {
			kept = append(kept, f)
		}
	}
	if len(follows) > 0 && len(kept) == 0 {
		return nil, licNoLicence()
	}
	out["follow_user"] = kept
	return out, nil
}

// licRewrite replaces one top-level field of the call's JSON body.
func licRewrite(c *Call, field string, v any) {
	var body map[string]json.RawMessage
	if json.Unmarshal(c.Body, &body) != nil {
		return
	}
	b, _ := json.Marshal(v)
	body[field] = b
	c.Body, _ = json.Marshal(body)
}

// licGateByUser reads batch/get_by_user for the members with a 互通 account only and lists the
// others in fail_info.unlicensed_userid_list; 701008 when no member has one.
func licGateByUser(s *Server, c *Call, corp string, h handlerFunc) (any, error) {
	var in struct {
		UserIDs []string `json:"userid_list"`
	}
	if json.Unmarshal(c.Body, &in) != nil || len(in.UserIDs) == 0 || len(in.UserIDs) > 100 {
		return h(c) // the handler answers the bad request
	}
	lacking := s.licLacking(corp, in.UserIDs, licExternal)
	if len(lacking) == 0 {
		return h(c)
	}
	if len(lacking) == len(in.UserIDs) {
		return nil, licNoLicence()
	}
	licRewrite(c, "userid_list", slices.DeleteFunc(slices.Clone(in.UserIDs), func(id string) bool { return slices.Contains(lacking, id) }))
	v, err := h(c)
	out, ok := licAnswer(v)
	if err != nil || !ok {
		return v, err
	}
	out["fail_info"] = J{"unlicensed_userid_list": lacking}
	return out, nil
}

// licGateChatList refuses groupchat/list filtered on owners none of whom has a 互通 account.
func licGateChatList(s *Server, c *Call, corp string, h handlerFunc) (any, error) {
	var in struct {
		Owner struct {
			UserIDs []string `json:"userid_list"`
		} `json:"owner_filter"`
	}
	_ = json.Unmarshal(c.Body, &in)
	if ids := in.Owner.UserIDs; len(ids) > 0 && len(s.licLacking(corp, ids, licExternal)) == len(ids) {
		return nil, licNoLicence()
	}
	return h(c)
}

// licGateChatGet refuses groupchat/get of a chat whose owner has no 互通 account.
func licGateChatGet(s *Server, c *Call, corp string, h handlerFunc) (any, error) {
	v, err := h(c)
	out, ok := licAnswer(v)
	if err != nil || !ok {
		return v, err
	}
	chat, _ := out["group_chat"].(J)
	if owner, _ := chat["owner"].(string); owner != "" && !s.licHas(corp, owner, licExternal) {
		return nil, licNoLicence()
	}
	return v, nil
}

// licGateServicers adds only the members with a 互通 account as kf servicers; the others get
// 701008 in result_list.
func licGateServicers(s *Server, c *Call, corp string, h handlerFunc) (any, error) {
	var in struct {
		UserIDs []string `json:"userid_list"`
		Depts   []uint32 `json:"department_id_list"`
	}
	if json.Unmarshal(c.Body, &in) != nil {
		return h(c)
	}
	var lacking []string
	for _, id := range in.UserIDs {
		if id != "" && !s.licHas(corp, id, licExternal) {
			lacking = append(lacking, id)
		}
	}
	if len(lacking) == 0 {
		return h(c)
	}
	failed := []J{}
	for _, id := range lacking {
		failed = append(failed, J{"userid": id, "errcode": client.CodeNoInterfaceLicense, "errmsg": "no valid interface licence"})
	}
	rest := slices.DeleteFunc(slices.Clone(in.UserIDs), func(id string) bool { return slices.Contains(lacking, id) })
	if len(rest) == 0 && len(in.Depts) == 0 {
		return J{"result_list": failed}, nil
	}
	licRewrite(c, "userid_list", rest)
	v, err := h(c)
	out, ok := licAnswer(v)
	if err != nil || !ok {
		return v, err
	}
	list, _ := licList(out["result_list"])
	out["result_list"] = append(list, failed...)
	return out, nil
}
