package contacts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

const chainID = "Ch8a1b2c"

// seedChain builds the garment maker's chain: groups 2 and 3, one joined and one pending corp.
func seedChain(t *testing.T, srv *wecomtest.Server, _ *Service) {
	t.Helper()
	srv.AddChain(wecomtest.CorpID, chainID, "Knitwear suppliers")
	srv.AddChainGroup(wecomtest.CorpID, chainID, 2, 1, "Tier-1 factories")
	srv.AddChainGroup(wecomtest.CorpID, chainID, 3, 1, "Dye houses")
	srv.AddChainCorp(wecomtest.CorpID, chainID, wecomtest.ChainCorp{CorpID: "wwf00d1e5a0c1d2e3f", Name: "Jinhua Knitting No.3",
		GroupID: 2, CustomID: "F003", InviteUserID: "wang.wei", UserCustomIDs: map[string]string{"zhangsan": "300307"}})
	srv.AddChainCorp(wecomtest.CorpID, chainID, wecomtest.ChainCorp{PendingCorpID: "pend-77aa", Name: "Yiwu Trims", GroupID: 2, CustomID: "F031"})
}

func TestChainsMatrix(t *testing.T) {
	t.Parallel()
	joined := ChainCorpRef{ChainID: chainID, CorpID: "wwf00d1e5a0c1d2e3f"}
	rule := ChainRule{OwnerCorpRange: OwnerCorpRange{UserIDs: []string{"wang.wei"}}, MemberCorpRange: MemberCorpRange{GroupIDs: []int{2}}}
	withRule := func(t *testing.T, srv *wecomtest.Server, s *Service) {
		seedChain(t, srv, s)
		if _, err := s.AddChainRule(context.Background(), chainID, rule); err != nil {
			t.Fatal(err)
		}
	}
	runMatrix(t, []endpoint{
		{name: "get_chain_list", path: "/cgi-bin/corpgroup/corp/get_chain_list", retried: true, prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			cs, err := s.ListChains(ctx)
			if err == nil && (len(cs) != 1 || cs[0].Name != "Knitwear suppliers") {
				return fmt.Errorf("chains %+v", cs)
			}
			return err
		}},
		{name: "get_chain_group", path: "/cgi-bin/corpgroup/corp/get_chain_group", retried: true, prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			gs, err := s.ListChainGroups(ctx, chainID, 0)
			if err == nil && len(gs) != 2 {
				return fmt.Errorf("groups %+v", gs)
			}
			return err
		}},
		{name: "get_chain_corpinfo_list", path: "/cgi-bin/corpgroup/corp/get_chain_corpinfo_list", retried: true, prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			_, err := s.ListChainCorpsPage(ctx, ChainCorpsParams{ChainID: chainID, GroupID: 2})
			return err
		}},
		{name: "get_chain_corpinfo", path: "/cgi-bin/corpgroup/corp/get_chain_corpinfo", retried: true, prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			_, err := s.GetChainCorp(ctx, joined)
			return err
		}},
		{name: "remove_corp", path: "/cgi-bin/corpgroup/corp/remove_corp", prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			return s.RemoveChainCorp(ctx, joined)
		}},
		{name: "import_chain_contact", path: "/cgi-bin/corpgroup/import_chain_contact", prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			_, err := s.ImportChainContacts(ctx, ImportChainContactsParams{ChainID: chainID, Corps: []ImportCorp{{CorpName: "Ningbo Dye Works",
				Contacts: []ImportContact{{Name: "陈强", IdentityType: IdentityPersonInCharge, Mobile: "13700002222"}}}}})
			return err
		}},
		{name: "get_chain_user_custom_id", path: "/cgi-bin/corpgroup/corp/get_chain_user_custom_id", retried: true, prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			id, err := s.GetChainUserCustomID(ctx, ChainUserRef{ChainID: chainID, CorpID: "wwf00d1e5a0c1d2e3f", UserID: "zhangsan"})
			if err == nil && id != "300307" {
				return fmt.Errorf("id %q", id)
			}
			return err
		}},
		{name: "get_corp_shared_chain_list", path: "/cgi-bin/corpgroup/get_corp_shared_chain_list", retried: true, prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			cs, err := s.ListCorpSharedChains(ctx, "wwf00d1e5a0c1d2e3f")
			if err == nil && len(cs) != 1 {
				return fmt.Errorf("chains %+v", cs)
			}
			return err
		}},
		{name: "unionid_to_external_userid", path: "/cgi-bin/corpgroup/unionid_to_external_userid", retried: true, prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			_, err := s.UnionIDToExternalUserID(ctx, UnionIDParams{UnionID: "ou1", OpenID: "op1"})
			return err
		}},
		{name: "unionid_to_pending_id", path: "/cgi-bin/corpgroup/unionid_to_pending_id", retried: true, call: func(ctx context.Context, s *Service) error {
			_, err := s.UnionIDToPendingID(ctx, "ou1", "op1")
			return err
		}},
		{name: "external_userid_to_pending_id", path: "/cgi-bin/corpgroup/batch/external_userid_to_pending_id", retried: true, call: func(ctx context.Context, s *Service) error {
			_, err := s.ExternalUserIDsToPendingIDs(ctx, PendingIDsParams{ExternalUserIDs: []string{"wm1"}})
			return err
		}},
		{name: "rule/list_ids", path: "/cgi-bin/corpgroup/rule/list_ids", retried: true, prepare: withRule, call: func(ctx context.Context, s *Service) error {
			ids, err := s.ListChainRuleIDs(ctx, chainID)
			if err == nil && len(ids) != 1 {
				return fmt.Errorf("ids %v", ids)
			}
			return err
		}},
		{name: "rule/get_rule_info", path: "/cgi-bin/corpgroup/rule/get_rule_info", retried: true, prepare: withRule, call: func(ctx context.Context, s *Service) error {
			r, err := s.GetChainRule(ctx, chainID, 1)
			if err == nil && (len(r.MemberCorpRange.GroupIDs) != 1 || r.MemberCorpRange.GroupIDs[0] != 2) {
				return fmt.Errorf("rule %+v", r)
			}
			return err
		}},
		{name: "rule/add_rule", path: "/cgi-bin/corpgroup/rule/add_rule", prepare: seedChain, call: func(ctx context.Context, s *Service) error {
			_, err := s.AddChainRule(ctx, chainID, rule)
			return err
		}},
		{name: "rule/modify_rule", path: "/cgi-bin/corpgroup/rule/modify_rule", prepare: withRule, call: func(ctx context.Context, s *Service) error {
			return s.ModifyChainRule(ctx, ModifyChainRuleParams{ChainID: chainID, RuleID: 1, Rule: rule})
		}},
		{name: "rule/delete_rule", path: "/cgi-bin/corpgroup/rule/delete_rule", prepare: withRule, call: func(ctx context.Context, s *Service) error {
			return s.DeleteChainRule(ctx, chainID, 1)
		}},
	})
}

func TestChainCorpsAndRemoval(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedChain(t, srv, s)
	ctx := context.Background()
	pg, err := s.ListChainCorpsPage(ctx, ChainCorpsParams{ChainID: chainID, GroupID: 2})
	if err != nil || len(pg.Corps) != 1 || !bool(pg.Corps[0].IsJoined) || pg.Corps[0].InviteUserID != "wang.wei" {
		t.Fatalf("joined only: %+v, %v", pg, err)
	}
	var names []string
	for c, err := range s.ListChainCorps(ctx, ChainCorpsParams{ChainID: chainID, GroupID: 2, NeedPending: true, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, c.CorpName)
	}
	if strings.Join(names, ",") != "Jinhua Knitting No.3,Yiwu Trims" {
		t.Errorf("walk = %v", names)
	}
	info, err := s.GetChainCorp(ctx, ChainCorpRef{ChainID: chainID, PendingCorpID: "pend-77aa"})
	if err != nil || info.CorpName != "Yiwu Trims" || bool(info.IsJoined) || info.CustomID != "F031" {
		t.Errorf("pending corp = %+v, %v", info, err)
	}
	if _, err := s.ListChainGroups(ctx, "nope", 0); wecomtest.ErrCode(err) != 670002 {
		t.Errorf("unknown chain: %v, want 670002", err)
	}
	if _, err := s.ListChainGroups(ctx, chainID, 99); wecomtest.ErrCode(err) != 670003 {
		t.Errorf("unknown group: %v, want 670003", err)
	}
	if err := s.RemoveChainCorp(ctx, ChainCorpRef{ChainID: chainID, CorpID: wecomtest.CorpID}); wecomtest.ErrCode(err) != 670027 {
		t.Errorf("remove creator: %v, want 670027", err)
	}
	if err := s.RemoveChainCorp(ctx, ChainCorpRef{ChainID: chainID, PendingCorpID: "pend-77aa"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetChainCorp(ctx, ChainCorpRef{ChainID: chainID, PendingCorpID: "pend-77aa"}); wecomtest.ErrCode(err) != 670004 {
		t.Errorf("get removed: %v, want 670004", err)
	}
	if n := len(srv.ChainCorps(wecomtest.CorpID, chainID)); n != 1 {
		t.Errorf("%d corps left, want 1", n)
	}
	if _, err := s.GetChainUserCustomID(ctx, ChainUserRef{ChainID: chainID, CorpID: "wwf00d1e5a0c1d2e3f", UserID: "nobody"}); wecomtest.ErrCode(err) != 670035 {
		t.Errorf("no custom id: %v, want 670035", err)
	}
	if err := s.RemoveChainCorp(ctx, ChainCorpRef{ChainID: chainID}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("no corp named: %v", err)
	}
}

func TestImportChainContacts(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedChain(t, srv, s)
	ctx := context.Background()
	job, err := s.ImportChainContacts(ctx, ImportChainContactsParams{ChainID: chainID, Corps: []ImportCorp{
		{CorpName: "Ningbo Dye Works", GroupPath: "Dye houses/Zhejiang", CustomID: "F040",
			Contacts: []ImportContact{{Name: "陈强", IdentityType: IdentityPersonInCharge, Mobile: "13700002222", UserCustomID: "310001"}}},
		{CorpName: "Yiwu Trims", Contacts: []ImportContact{{Name: "王芳", IdentityType: IdentityMember, Mobile: "13700003333"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ImportChainContacts(ctx, ImportChainContactsParams{ChainID: chainID, Corps: []ImportCorp{{CorpName: "Other",
		Contacts: []ImportContact{{Name: "x", IdentityType: 1, Mobile: "1"}}}}}); wecomtest.ErrCode(err) != 670022 {
		t.Errorf("second job while running: %v, want 670022", err)
	}
	res, err := s.WaitChainImport(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != JobFinished || res.Result == nil || res.Result.ImportStatus != ImportSome || len(res.Result.FailList) != 1 ||
		res.Result.FailList[0].ErrCode != 670028 || res.Result.FailList[0].CorpName != "Yiwu Trims" {
		t.Fatalf("result = %+v", res.Result)
	}
	if srv.Served("/cgi-bin/corpgroup/getresult") < 2 {
		t.Errorf("WaitChainImport did not poll")
	}
	var added *wecomtest.ChainCorp
	for _, c := range srv.ChainCorps(wecomtest.CorpID, chainID) {
		if c.Name == "Ningbo Dye Works" {
			added = &c
		}
	}
	if added == nil || added.PendingCorpID == "" || added.GroupID < 4 {
		t.Fatalf("imported corp = %+v (want pending, in a new sub-group)", added)
	}
	if !srv.JoinChainCorp(wecomtest.CorpID, chainID, added.PendingCorpID, "wwnbdye000000001") {
		t.Fatal("join failed")
	}
	info, err := s.GetChainCorp(ctx, ChainCorpRef{ChainID: chainID, CorpID: "wwnbdye000000001"})
	if err != nil || !bool(info.IsJoined) || info.QualificationStatus != QualificationNone || info.CustomID != "F040" {
		t.Errorf("joined corp = %+v, %v", info, err)
	}
	if _, err := s.GetChainImportResult(ctx, "nope"); wecomtest.ErrCode(err) != 40088 {
		t.Errorf("unknown job: %v, want 40088", err)
	}
}

func TestImportChainValidation(t *testing.T) {
	t.Parallel()
	_, s := newSim(t)
	good := func() ImportCorp {
		return ImportCorp{CorpName: "A", Contacts: []ImportContact{{Name: "n", IdentityType: IdentityMember, Mobile: "1"}}}
	}
	many := make([]ImportCorp, 1001)
	for i := range many {
		many[i] = good()
	}
	big := make([]ImportCorp, 11)
	for i := range big {
		big[i] = good()
		big[i].Contacts = make([]ImportContact, 190)
		for j := range big[i].Contacts {
			big[i].Contacts[j] = ImportContact{Name: "n", IdentityType: IdentityMember, Mobile: "1"}
		}
	}
	mod := func(f func(c *ImportCorp)) []ImportCorp { c := good(); f(&c); return []ImportCorp{c} }
	for _, tc := range []struct {
		corps []ImportCorp
		field string
	}{
		{nil, "contact_list"},
		{many, "contact_list"},
		{big, "contact_list"},
		{mod(func(c *ImportCorp) { c.CorpName = strings.Repeat("厂", 33) }), "contact_list[0].corp_name"},
		{mod(func(c *ImportCorp) { c.CustomID = "F-1" }), "contact_list[0].custom_id"},
		{mod(func(c *ImportCorp) { c.Contacts[0].IdentityType = 3 }), "contact_list[0].contact_info_list[0].identity_type"},
		{mod(func(c *ImportCorp) { c.Contacts[0].Mobile = "" }), "contact_list[0].contact_info_list[0].mobile"},
		{mod(func(c *ImportCorp) { c.Contacts[0].UserCustomID = "01" }), "contact_list[0].contact_info_list[0].user_custom_id"},
		{mod(func(c *ImportCorp) { c.Contacts[0].UserCustomID = "13700002222" }), "contact_list[0].contact_info_list[0].user_custom_id"},
		{mod(func(c *ImportCorp) {
			for range 6 {
				c.Contacts = append(c.Contacts, ImportContact{Name: "b", IdentityType: IdentityPersonInCharge, Mobile: "2"})
			}
		}), "contact_list[0].contact_info_list"},
	} {
		_, err := s.ImportChainContacts(context.Background(), ImportChainContactsParams{ChainID: chainID, Corps: tc.corps})
		var ve *client.ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("want %s: %v", tc.field, err)
		}
	}
}

func TestChainRulesLifecycle(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedChain(t, srv, s)
	ctx := context.Background()
	if _, err := s.AddChainRule(ctx, chainID, ChainRule{}); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("empty rule: %v", err)
	}
	id, err := s.AddChainRule(ctx, chainID, ChainRule{OwnerCorpRange: OwnerCorpRange{DepartmentIDs: []int{12}},
		MemberCorpRange: MemberCorpRange{CorpIDs: []string{"wwf00d1e5a0c1d2e3f"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteChainRule(ctx, chainID, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetChainRule(ctx, chainID, id); wecomtest.ErrCode(err) != 670006 {
		t.Errorf("get deleted rule: %v, want 670006", err)
	}
}

func TestChainEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	got := captureJSON(mt, "POST", "/cgi-bin/corpgroup/corp/get_chain_corpinfo_list",
		`{"errcode":0,"has_more":false,"group_corps":[{"groupid":2,"corpid":"ww1","is_joined":1},{"groupid":2,"pending_corpid":"p","is_joined":"0"}]}`)
	pg, err := s.ListChainCorpsPage(ctx, ChainCorpsParams{ChainID: "c"})
	if err != nil || !bool(pg.Corps[0].IsJoined) || bool(pg.Corps[1].IsJoined) {
		t.Fatalf("is_joined 0/1 decoding: %+v, %v", pg, err)
	}
	if raw := (*got)[0].raw; raw != `{"chain_id":"c"}` {
		t.Errorf("body %s: root group, no paging and need_pending false are omitted", raw)
	}
	rules := captureJSON(mt, "POST", "/cgi-bin/corpgroup/rule/get_rule_info",
		`{"errcode":0,"rule_info":{"owner_corp_range":{"departmentids":["12",13]},"member_corp_range":{"groupids":["2"]}}}`)
	r, err := s.GetChainRule(ctx, "c", 5)
	if err != nil || r.OwnerCorpRange.DepartmentIDs[0] != 12 || r.OwnerCorpRange.DepartmentIDs[1] != 13 || r.MemberCorpRange.GroupIDs[0] != 2 {
		t.Errorf("string ids: %+v, %v", r, err)
	}
	if raw := (*rules)[0].raw; raw != `{"chain_id":"c","rule_id":5}` {
		t.Errorf("rule body %s", raw)
	}
	captureJSON(mt, "GET", "/cgi-bin/corpgroup/getresult",
		`{"errcode":0,"status":3,"result":{"chain_id":"c","import_status":3,"fail_list":[{"corp_name":"x","errcode":670016,"contact_info_list":[{"user_mobile":"137","errcode":670016}]}]}}`)
	res, err := s.GetChainImportResult(ctx, "j")
	if err != nil || res.Result.FailList[0].Contacts[0].Mobile != "137" {
		t.Errorf("user_mobile fallback: %+v, %v", res, err)
	}
}

func TestMassCallTicketAndMiniprogramSession(t *testing.T) {
	t.Parallel()
	srv, up := newSim(t)
	ctx := context.Background()
	ticket, err := up.ApplyMassCallTicket(ctx)
	if err != nil || ticket == "" {
		t.Fatalf("ticket %q, %v", ticket, err)
	}
	if again, _ := up.ApplyMassCallTicket(ctx); again != ticket {
		t.Errorf("second apply %q, want the same ticket %q", again, ticket)
	}
	srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: "wwfactory0001", AgentID: 1000101, BusinessType: 1})
	upc, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	dc, err := upc.Downstream("wwfactory0001", 1000101)
	if err != nil {
		t.Fatal(err)
	}
	got, err := New(dc).TransferMiniprogramSession(ctx, MiniprogramSession{UserID: "enc-user", SessionKey: "sk1"})
	if err != nil || got.UserID != "wwfactory0001:enc-user" || got.SessionKey != "dn-sk1" {
		t.Fatalf("session %+v, %v", got, err)
	}
	before := srv.Calls("/cgi-bin/miniprogram/transfer_session")
	for _, bad := range []MiniprogramSession{{SessionKey: "k"}, {UserID: "u"}, {UserID: strings.Repeat("u", 65), SessionKey: "k"}} {
		if _, err := up.TransferMiniprogramSession(ctx, bad); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	if srv.Calls("/cgi-bin/miniprogram/transfer_session") != before {
		t.Error("invalid sessions reached the server")
	}
}

// TestListChainCorpsHasMoreWithoutCursor: a page that says has_more but gives no cursor would
// cut the list short; the walk ends with an error instead.
func TestListChainCorpsHasMoreWithoutCursor(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	captureJSON(mt, "POST", "/cgi-bin/corpgroup/corp/get_chain_corpinfo_list",
		`{"errcode":0,"has_more":true,"next_cursor":"","group_corps":[{"groupid":2,"corpid":"ww1"}]}`)
	n, errs := 0, 0
	for _, err := range s.ListChainCorps(context.Background(), ChainCorpsParams{ChainID: "c"}) {
		if err != nil {
			errs++
			if !strings.HasPrefix(err.Error(), "wecom: ") || !strings.Contains(err.Error(), "has_more") {
				t.Errorf("err = %v", err)
			}
			continue
		}
		n++
	}
	if n != 0 || errs != 1 {
		t.Errorf("items %d, errors %d; want 0 and 1 (the page is not trusted)", n, errs)
	}
}
