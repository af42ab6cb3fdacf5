package wecomtest

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Licence accounts (账号管理), the app's licence state (应用管理), auto-activation (自动激活设置)
// and the support policy query. Every route takes the provider_access_token.

func (s *Server) licenseAccountRoutes() []route {
	return []route{
		{post, "/cgi-bin/license/active_account", TokenProvider, s.licActiveAccount},
		{post, "/cgi-bin/license/batch_active_account", TokenProvider, s.licBatchActiveAccount},
		{post, "/cgi-bin/license/active_account_by_type", TokenProvider, s.licActiveByType},
		{post, "/cgi-bin/license/get_active_info_by_code", TokenProvider, s.licInfoByCode},
		{post, "/cgi-bin/license/batch_get_active_info_by_code", TokenProvider, s.licBatchInfoByCode},
		{post, "/cgi-bin/license/list_actived_account", TokenProvider, s.licListActivated},
		{post, "/cgi-bin/license/get_active_info_by_user", TokenProvider, s.licInfoByUser},
		{post, "/cgi-bin/license/batch_transfer_license", TokenProvider, s.licTransfer},
		{post, "/cgi-bin/license/batch_share_active_code", TokenProvider, s.licShare},
		{post, "/cgi-bin/license/get_app_license_info", TokenProvider, s.licAppInfo},
		{post, "/cgi-bin/license/set_auto_active_status", TokenProvider, s.licSetAutoActive},
		{post, "/cgi-bin/license/get_auto_active_status", TokenProvider, s.licGetAutoActive},
		{post, "/cgi-bin/license/support_policy_query", TokenProvider, s.licPolicyQuery},
	}
}

// licActivate binds code to userID in corp (95553): 701021 for a code that is not the corp's
// (701055 when it was shared to a downstream), 701003 for a code bound to someone else, 701011
// when the member already holds it, 701019 for a userid that is not a member.
func (s *Server) licActivate(corp, code, userID string) error {
	st := &s.licenses
	st.init()
	k := st.codes[code]
	switch {
	case k == nil || k.merged || (k.corp() != corp && k.owner != corp):
		return errc(licInvalidCode, "invalid active_code")
	case k.corp() != corp:
		return errc(licCodeSharedAway, "the code was shared to a downstream corp")
	case k.user != "" && strings.EqualFold(k.user, userID):
		return errc(licUserBound, "the member already holds this code")
	case k.user != "":
		return errc(licCodeBound, "active_code already bound")
	case !s.licMember(corp, userID):
		return errc(licInvalidUser, "invalid userid")
	}
	return s.licBind(corp, k, userID)
}

func (s *Server) licActiveAccount(c *Call) (any, error) {
	in, err := decode[struct {
		Code   string `json:"active_code"`
		CorpID string `json:"corpid"`
		UserID string `json:"userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch {
	case in.CorpID == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case in.Code == "" || in.UserID == "":
		return nil, errc(client.CodeEmptyParameter, "active_code and userid are required")
	}
	return J{}, s.licActivate(licCorpID(in.CorpID), in.Code, in.UserID)
}

// licBatchActiveAccount activates up to 1000 members (95553) and answers each one's errcode.
func (s *Server) licBatchActiveAccount(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
		List   []struct {
			Code   string `json:"active_code"`
			UserID string `json:"userid"`
		} `json:"active_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	switch {
	case in.CorpID == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case len(in.List) == 0:
		return nil, errc(licEmptyList, "active_list is empty")
	case len(in.List) > 1000:
		return nil, errc(licListTooLong, "active_list over 1000")
	}
	corp := licCorpID(in.CorpID)
	codes, users := map[string]int{}, map[string]int{}
	for _, a := range in.List {
		codes[a.Code]++
		users[strings.ToLower(a.UserID)]++
	}
	res := []J{}
	for _, a := range in.List {
		var err error
		switch {
		case a.Code == "" || a.UserID == "":
			err = errc(client.CodeEmptyParameter, "active_code and userid are required")
		case codes[a.Code] > 1:
			err = errc(licDuplicateCode, "active_code repeated")
		case users[strings.ToLower(a.UserID)] > 1:
			err = errc(licDuplicateUser, "userid repeated")
		default:
			err = s.licActivate(corp, a.Code, a.UserID)
		}
		res = append(res, J{"active_code": a.Code, "userid": a.UserID, "errcode": licErrCode(err)})
	}
	return J{"active_result": res}, nil
}

// licErrCode is the errcode of a handler error, 0 for nil.
func licErrCode(err error) int {
	if e, ok := err.(*Error); ok {
		return e.Code
	}
	if err != nil {
		return client.CodeBusy
	}
	return 0
}

// licActiveByType activates the corp's unbound code of a type that was created first for a
// member without a valid account of that type (95553).
func (s *Server) licActiveByType(c *Call) (any, error) {
	in, err := decode[struct {
		Type   int    `json:"type"`
		CorpID string `json:"corpid"`
		UserID string `json:"userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	st := &s.licenses
	switch {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case in.UserID == "":
		return nil, errc(client.CodeEmptyParameter, "userid missing")
	case in.Type != licBase && in.Type != licExternal:
		return nil, errc(licInvalidAccountType, "invalid type")
	case !s.licMember(corp, in.UserID):
		return nil, errc(licInvalidUser, "invalid userid")
	}
	if k := st.licBound(corp, in.UserID, in.Type); k != nil && k.valid(st.now()) {
		return nil, errc(licUserBound, "the member holds a valid account of this type")
	}
	k := st.freeCode(corp, in.Type)
	if k == nil {
		return nil, errc(licNoFreeCode, "no unbound code of this type")
	}
	return J{}, s.licBind(corp, k, in.UserID)
}

// licCodeInfo is a code's detail as viewer sees it (95552).
func (st *licenseState) licCodeInfo(k *licCode, viewer string) J {
	info := J{"active_code": k.code, "type": k.typ, "status": k.status(viewer, st.now()), "create_time": k.created.Unix()}
	if k.user != "" {
		info["userid"] = k.user
		info["active_time"] = k.activated.Unix()
		info["expire_time"] = k.expire.Unix()
	}
	if k.mergedTo != "" || k.mergedFrom != "" {
		m := J{}
		if k.mergedTo != "" {
			m["to_active_code"] = k.mergedTo
		}
		if k.mergedFrom != "" {
			m["from_active_code"] = k.mergedFrom
		}
		info["merge_info"] = m
	}
	switch {
	case k.sharedTo != "" && viewer == k.owner:
		info["share_info"] = J{"to_corpid": k.sharedTo}
	case k.sharedTo != "":
		info["share_info"] = J{"from_corpid": k.owner}
	}
	return info
}

// licVisible finds code as corp may read it: its own codes and the ones shared to it.
func (st *licenseState) licVisible(corp, code string) *licCode {
	st.init()
	if k := st.codes[code]; k != nil && (k.owner == corp || k.sharedTo == corp) {
		return k
	}
	return nil
}

func (s *Server) licInfoByCode(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
		Code   string `json:"active_code"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	switch {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case in.Code == "":
		return nil, errc(client.CodeEmptyParameter, "active_code missing")
	}
	k := s.licenses.licVisible(corp, in.Code)
	if k == nil {
		return nil, errc(licInvalidCode, "invalid active_code")
	}
	return J{"active_info": s.licenses.licCodeInfo(k, corp)}, nil
}

func (s *Server) licBatchInfoByCode(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string   `json:"corpid"`
		Codes  []string `json:"active_code_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	switch {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case len(in.Codes) == 0:
		return nil, errc(licEmptyList, "active_code_list is empty")
	case len(in.Codes) > 1000:
		return nil, errc(licListTooLong, "active_code_list over 1000")
	}
	infos, invalid := []J{}, []string{}
	for _, code := range in.Codes {
		if k := s.licenses.licVisible(corp, code); k != nil {
			infos = append(infos, s.licenses.licCodeInfo(k, corp))
		} else {
			invalid = append(invalid, code)
		}
	}
	return J{"active_info_list": infos, "invalid_active_code_list": invalid}, nil
}

// licAccounts returns the corp's current bindings keyed "userid\x00type", expired included.
func (st *licenseState) licAccounts(corp string) map[string]*licCode {
	out := map[string]*licCode{}
	lc := st.licCorpOf(corp)
	if lc == nil {
		return out
	}
	for u, types := range lc.users {
		for typ, code := range types {
			out[u+"\x00"+strconv.Itoa(typ)] = st.codes[code]
		}
	}
	return out
}

// licListActivated lists the corp's activated accounts, expired ones too (95544).
func (s *Server) licListActivated(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	if corp == "" {
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	}
	limit, err := licLimit(in.Limit)
	if err != nil {
		return nil, err
	}
	accounts := s.licenses.licAccounts(corp)
	page, next, err := pageOf(licSortedKeys(accounts), in.Cursor, limit)
	if err != nil {
		return nil, err
	}
	list := []J{}
	for _, key := range page {
		k := accounts[key]
		list = append(list, J{"userid": k.user, "type": k.typ, "expire_time": k.expire.Unix(), "active_time": k.activated.Unix()})
	}
	return J{"next_cursor": next, "has_more": licBoolInt(next != ""), "account_list": list}, nil
}

func (s *Server) licInfoByUser(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
		UserID string `json:"userid"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	switch {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case in.UserID == "":
		return nil, errc(client.CodeEmptyParameter, "userid missing")
	}
	st := &s.licenses
	status, list := 0, []J{}
	for _, typ := range []int{licBase, licExternal} {
		k := st.licBound(corp, in.UserID, typ)
		if k == nil {
			continue
		}
		if k.valid(st.now()) {
			status = 1
		}
		list = append(list, J{"active_code": k.code, "type": k.typ, "userid": k.user, "active_time": k.activated.Unix(), "expire_time": k.expire.Unix()})
	}
	return J{"active_status": status, "active_info_list": list}, nil
}

// licTransfer moves members' valid accounts to other members of the same corp (95673): the
// receiver may already hold the type only with ≤ 20 days left (701018, its code is then merged
// into the moved one); a member in service (in the address book) may hand an account over only
// 30 days after its previous move (701017); a member who left has no such limit.
func (s *Server) licTransfer(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
		List   []struct {
			From string `json:"handover_userid"`
			To   string `json:"takeover_userid"`
		} `json:"transfer_list"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	switch {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case len(in.List) == 0:
		return nil, errc(licEmptyList, "transfer_list is empty")
	case len(in.List) > 1000:
		return nil, errc(licListTooLong, "transfer_list over 1000")
	}
	st := &s.licenses
	now := st.now()
	seen := map[string]int{}
	for _, t := range in.List {
		seen[strings.ToLower(t.From)]++
		seen[strings.ToLower(t.To)]++
	}
	res := []J{}
	for _, t := range in.List {
		var moving []*licCode
		for _, typ := range []int{licBase, licExternal} {
			if k := st.licBound(corp, t.From, typ); k != nil && k.valid(now) {
				moving = append(moving, k)
			}
		}
		code := 0
		switch {
		case t.From == "" || t.To == "" || strings.EqualFold(t.From, t.To) || !s.licMember(corp, t.To):
			code = licInvalidUser
		case seen[strings.ToLower(t.From)] > 1 || seen[strings.ToLower(t.To)] > 1:
			code = licDuplicateUser
		case len(moving) == 0:
			code = licAccountInactive
		}
		for _, k := range moving {
			if code != 0 {
				break
			}
			if old := st.licBound(corp, t.To, k.typ); old != nil && old.valid(now) && old.expire.Sub(now) > licStackDays*licDay {
				code = licTakeoverHasAccount
			} else if s.licMember(corp, t.From) && !k.transferred.IsZero() && now.Before(k.transferred.Add(licRelockDays*licDay)) {
				code = licTransferredRecently
			}
		}
		if code == 0 {
			for _, k := range moving {
				s.licMove(corp, k, t.To, now)
			}
		}
		res = append(res, J{"handover_userid": t.From, "takeover_userid": t.To, "errcode": code})
	}
	return J{"transfer_result": res}, nil
}

// licMove binds k, held by another member, to userID: the receiver's old code of the type is
// merged into it with its remaining time.
func (s *Server) licMove(corp string, k *licCode, userID string, now time.Time) {
	lc := s.licenses.corp(corp)
	from, to := strings.ToLower(k.user), strings.ToLower(userID)
	delete(lc.users[from], k.typ)
	if old := s.licenses.codes[lc.users[to][k.typ]]; old != nil {
		if left := old.expire.Sub(now); left > 0 {
			k.expire = k.expire.Add(left)
			old.expire = now
		}
		old.merged, old.mergedTo, k.mergedFrom = true, k.code, old.code
	}
	if lc.users[to] == nil {
		lc.users[to] = make(map[int]string)
	}
	lc.users[to][k.typ] = k.code
	k.user, k.transferred = userID, now
}

// licShare gives unbound codes of an upstream corp to a downstream one (96059): the corps must
// be linked through a shared app (上下游 for corp_link_type 0, 企业互联 for 1), at most 1000
// codes a call and in all twice the downstream's members; only failures are answered.
func (s *Server) licShare(c *Call) (any, error) {
	in, err := decode[struct {
		From  string `json:"from_corpid"`
		To    string `json:"to_corpid"`
		Share []struct {
			Code string `json:"active_code"`
		} `json:"share_list"`
		LinkType int `json:"corp_link_type"`
	}](c)
	if err != nil {
		return nil, err
	}
	from, to := licCorpID(in.From), licCorpID(in.To)
	st := &s.licenses
	st.init()
	switch {
	case from == "" || to == "":
		return nil, errc(client.CodeMissingCorpID, "from_corpid and to_corpid are required")
	case len(in.Share) == 0:
		return nil, errc(licEmptyList, "share_list is empty")
	case len(in.Share) > 1000:
		return nil, errc(licListTooLong, "share_list over 1000")
	case in.LinkType != 0 && in.LinkType != 1:
		return nil, errc(client.CodeInvalidParameterValue, "invalid corp_link_type")
	case licTest(st.licCorpOf(from)) || licTest(st.licCorpOf(to)):
		return nil, errc(licTestCorpNoShare, "test corps cannot share licences")
	case !s.licAuthorised(from):
		return nil, errc(licUpstreamNotAuth, "the upstream corp has not installed the provider's app")
	case !s.licLinked(from, to, in.LinkType):
		return nil, errc(licNotLinked, "the corps are not upstream and downstream")
	}
	if b := s.contacts.books[to]; b != nil && !b.open() && st.corp(to).sharedIn+len(in.Share) > 2*len(b.users) {
		return nil, errc(licShareOverTwice, "more codes than twice the downstream's members")
	}
	res := []J{}
	fail := func(code string, errcode int, msg string) {
		res = append(res, J{"active_code": code, "errcode": errcode, "errmsg": msg})
	}
	for _, sh := range in.Share {
		k := st.codes[sh.Code]
		switch {
		case k != nil && k.sharedTo == from:
			fail(sh.Code, licCodeFromUpstream, "the code was shared from an upstream corp")
		case k == nil || k.owner != from || k.merged:
			fail(sh.Code, licInvalidCode, "invalid active_code")
		case k.sharedTo != "":
			fail(sh.Code, licCodeSharedAway, "the code was shared already")
		case k.user != "":
			fail(sh.Code, licCodeBound, "active_code already bound")
		default:
			k.sharedTo = to
			st.corp(to).sharedIn++
		}
	}
	return J{"share_result": res}, nil
}

func licTest(lc *licCorp) bool { return lc != nil && lc.test }

// licLinked reports whether from shares an app with to: a chain share (上下游) for link type 0,
// a linked-corp share (企业互联) for 1.
func (s *Server) licLinked(from, to string, linkType int) bool {
	want := 1 - linkType // DownstreamCorp.BusinessType: 1 chain, 0 linked corp
	for _, shares := range s.apps.shares[from] {
		if slices.ContainsFunc(shares, func(d *DownstreamCorp) bool { return d.CorpID == to && d.BusinessType == want }) {
			return true
		}
	}
	return false
}

// licAppInfo answers an installed app's licence state (95844): the check is on, the trial runs
// 90 days from the first install (none for a test corp; EndLicenseTrial ends it early), and
// calls are checked from its end.
func (s *Server) licAppInfo(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID  string `json:"corpid"`
		SuiteID string `json:"suite_id"`
		AppID   int    `json:"appid"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	switch a := s.apps.auths[in.SuiteID+"|"+corp]; {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case in.SuiteID == "":
		return nil, errc(client.CodeEmptyParameter, "suite_id missing")
	case a == nil || a.revoked:
		return nil, errc(licCorpNotAuthorised, "the corp has not installed this app")
	}
	t := s.licenses.trial(in.SuiteID, corp)
	out := J{"license_status": 1, "license_check_time": t.end.Unix()}
	if !s.licenses.corp(corp).test {
		out["trail_info"] = J{"start_time": t.start.Unix(), "end_time": t.end.Unix()}
	}
	return out, nil
}

func (s *Server) licSetAutoActive(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
		Status *int   `json:"auto_active_status"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	switch {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case in.Status == nil || (*in.Status != 0 && *in.Status != 1):
		return nil, errc(licBadAutoActive, "invalid auto_active_status")
	}
	lc := s.licenses.licCorpOf(corp)
	if lc == nil || !lc.bought {
		return nil, errc(licNeverBought, "no licence was ever bought for this corp")
	}
	lc.autoActive = *in.Status
	return J{}, nil
}

func (s *Server) licGetAutoActive(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	if corp == "" {
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	}
	lc := s.licenses.licCorpOf(corp)
	if lc == nil || !lc.bought {
		return nil, errc(licNeverBought, "no licence was ever bought for this corp")
	}
	return J{"auto_active_status": lc.autoActive}, nil
}

// licPolicyQuery answers 701112: the 民生 discount policy ended on 2023-03-31 and WeCom no
// longer answers the query (96515).
func (s *Server) licPolicyQuery(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID string `json:"corpid"`
	}](c)
	if err != nil {
		return nil, err
	}
	corp := licCorpID(in.CorpID)
	switch {
	case corp == "":
		return nil, errc(client.CodeMissingCorpID, "corpid missing")
	case !s.licAuthorised(corp):
		return nil, errc(licCorpNotAuthorised, "the corp has not installed the provider's app")
	}
	return nil, errc(licPolicyExpired, "the 民生 industry discount policy has ended")
}
