package apps_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	idProvider     = "wwprov0000000001" // the provider of providerClient, owner of testSuiteID
	isvAgentID     = 1000100            // the suite app's agentid in the default corp
	registeredCorp = "wwnewcorp0000001" // the corp registered through a register code
)

// isvWorld is a provider owning the suite testSuiteID, which the default corp installed; the
// corp has members, customers, a customer group and a kf account.
type isvWorld struct {
	srv      *wecomtest.Server
	suite    *apps.SuiteService
	suiteCli *client.Client
	corp     *apps.Service // the suite's app acting as the default corp (client.AuthCorp)
	internal *apps.Service // the default corp's internal app
	provider *apps.ProviderService
	kfID     string
	sync     *apps.Service // the contact-sync token of a registration, once register ran
	tagID    string        // a customer tag, once a idRow made one
	regCode  string        // the register code, once register ran
}

func newISVWorld(t *testing.T, customized bool) *isvWorld {
	t.Helper()
	x := newSuiteSetup(t)
	srv, ctx := x.srv, t.Context()
	srv.AddProvider(idProvider, "sim-provider-secret")
	srv.LinkSuite(wecomtest.ProviderSuite{ProviderCorpID: idProvider, SuiteID: testSuiteID, Customized: customized})
	srv.AddUsers(wecomtest.CorpID,
		wecomtest.SeedUser{UserID: "li.na", Name: "李娜", Department: []int{2}},
		wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊", Department: []int{3}})
	srv.AddExternalContacts(wecomtest.CorpID,
		wecomtest.SeedExternalContact{ExternalUserID: "wmCust001", Name: "Wang", UnionID: "ouUnion001", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}},
		wecomtest.SeedExternalContact{ExternalUserID: "woCust002", Name: "Chen", Type: 2, FollowUsers: []wecomtest.SeedFollow{{UserID: "zhao.lei"}}})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrChat001", Name: "Buyers", Owner: "li.na", Members: []wecomtest.SeedGroupMember{
		{UserID: "li.na", Type: 1}, {UserID: "wmGuest003", Type: 2, UnionID: "ouUnion003"}}})
	kfID := srv.AddKfAccount("Service desk")
	code, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: testSuiteID, CorpID: wecomtest.CorpID, AgentID: isvAgentID})
	if err != nil {
		t.Fatal(err)
	}
	perm, err := x.isv.GetPermanentCodeV2(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x.suite.AuthCorp(wecomtest.CorpID, perm.PermanentCode)
	if err != nil {
		t.Fatal(err)
	}
	return &isvWorld{srv: srv, suite: x.isv, suiteCli: x.suite, corp: apps.New(c), internal: corpService(t, srv), provider: providerService(t, srv), kfID: kfID}
}

// register runs a registration through a register code of a template installing the suite,
// with address-book migration, and keeps the contact-sync token's service in w.sync. It
// returns the register code.
func (w *isvWorld) register(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	w.srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tplSim01", ProviderCorpID: idProvider, SuiteIDs: []string{testSuiteID}, ContactSync: true})
	rc, err := w.provider.GetRegisterCode(ctx, apps.RegisterCodeParams{TemplateID: "tplSim01", State: "expo2024", CorpName: "Jinhua Knitting No.3"})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := w.srv.RegisterCorp(wecomtest.Registration{RegisterCode: rc.Code, CorpID: registeredCorp, AdminUserID: "boss"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.suite.GetPermanentCodeV2(ctx, reg.AuthCodes[testSuiteID]); err != nil {
		t.Fatal(err)
	}
	info, err := w.provider.GetRegisterInfo(ctx, rc.Code)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := info.ContactSync.Client(client.WithBaseURL(w.srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	w.sync, w.regCode = apps.New(sc), rc.Code
	return rc.Code
}

// idTokenKind is which client a matrix idRow calls with.
type idTokenKind int

const (
	asISV      idTokenKind = iota // the suite's app as the corp
	asInternal                    // the corp's internal app
	asProvider
	asSuite
	asSync // the contact-sync token of a registration: static, never refreshed
)

// tokenPath is the token endpoint of each kind, and warm caches its token with a call on
// another path.
func (w *isvWorld) tokenPath(k idTokenKind) string {
	return [...]string{"/cgi-bin/service/get_corp_token", "/cgi-bin/gettoken", "/cgi-bin/service/get_provider_token", "/cgi-bin/service/get_suite_token", ""}[k]
}

func (w *isvWorld) warm(ctx context.Context, k idTokenKind) error {
	var err error
	switch k {
	case asISV:
		_, err = w.corp.GetAgent(ctx, isvAgentID)
	case asInternal:
		_, err = w.internal.GetAgent(ctx, wecomtest.AgentID)
	case asProvider: // a call on no path under test
		if _, err = w.provider.GetRegisterInfo(ctx, "none"); wecomtest.ErrCode(err) == 84022 {
			err = nil
		}
	case asSuite:
		_, err = w.suite.GetPreAuthCode(ctx)
	}
	return err
}

// idRow is one endpoint of the fault matrix.
type idRow struct {
	name, path string
	kind       idTokenKind
	retried    bool // reads and idempotent writes survive a -1 busy answer
	customized bool // the suite is a 代开发 template
	prepare    func(t *testing.T, w *isvWorld)
	call       func(ctx context.Context, w *isvWorld) error
}

// runIDMatrix runs every row through success, token expiry mid-session, -1 busy and a permission
// errcode, each on a fresh world.
func runIDMatrix(t *testing.T, rows []idRow) {
	t.Helper()
	for _, r := range rows {
		cases := []struct {
			name   string
			inject func(srv *wecomtest.Server)
			check  func(t *testing.T, w *isvWorld, err error)
		}{
			{"ok", nil, func(t *testing.T, _ *isvWorld, err error) {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			}},
			{"token expired", func(srv *wecomtest.Server) { srv.ExpireTokens() }, func(t *testing.T, w *isvWorld, err error) {
				if r.kind == asSync { // a contact-sync token cannot be refreshed
					wecomtest.WantCode(t, err, client.CodeAccessTokenExpired)
					return
				}
				if err != nil {
					t.Fatalf("err = %v, want a refreshed token and success", err)
				}
				// The first fetch and the refresh; an authorised corp's refresh meets the expired
				// suite token first (42009) and fetches again once that is refreshed.
				wantFetches := 2
				if r.kind == asISV {
					wantFetches = 3
				}
				if n := w.srv.Calls(w.tokenPath(r.kind)); n != wantFetches {
					t.Errorf("%s calls = %d, want %d", w.tokenPath(r.kind), n, wantFetches)
				}
			}},
			{"busy", func(srv *wecomtest.Server) { srv.FailNext(r.path, client.CodeBusy, 1) }, func(t *testing.T, w *isvWorld, err error) {
				if r.retried {
					if err != nil {
						t.Fatalf("err = %v, want success after a retry", err)
					}
					if n := w.srv.Calls(r.path); n < 2 {
						t.Errorf("calls = %d, want a retry", n)
					}
					return
				}
				if wecomtest.ErrCode(err) != client.CodeBusy || !errors.Is(err, client.ErrRetryable) {
					t.Fatalf("err = %v, want errcode -1 (a write is not retried)", err)
				}
				if n := w.srv.Served(r.path); n != 0 {
					t.Errorf("served = %d, want 0", n)
				}
			}},
			{"permission", func(srv *wecomtest.Server) { srv.FailNext(r.path, client.CodeNoPrivilege, 1) }, func(t *testing.T, _ *isvWorld, err error) {
				if wecomtest.ErrCode(err) != client.CodeNoPrivilege || !errors.Is(err, client.ErrPermission) {
					t.Fatalf("err = %v, want errcode 60011", err)
				}
				if ae, ok := errors.AsType[*client.APIError](err); ok && ae.Path != r.path {
					t.Errorf("APIError.Path = %q, want %q", ae.Path, r.path)
				}
			}},
		}
		for _, tc := range cases {
			t.Run(r.name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				w := newISVWorld(t, r.customized)
				ctx := t.Context()
				if r.prepare != nil {
					r.prepare(t, w)
				}
				if err := w.warm(ctx, r.kind); err != nil {
					t.Fatal(err)
				}
				if tc.inject != nil {
					tc.inject(w.srv)
				}
				tc.check(t, w, r.call(ctx, w))
			})
		}
	}
}

// wantOK turns a failed expectation on a successful answer into an error for the matrix.
func wantOK(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// addCustomerTags creates a customer tag group with one tag through the internal app and returns
// the group and tag IDs.
func addCustomerTags(t *testing.T, w *isvWorld) (groupID, tagID string) {
	t.Helper()
	g, err := contacts.New(w.srv.NewClient(t)).AddCorpTags(t.Context(), contacts.AddCorpTagsParams{GroupName: "Level", Tags: []contacts.NewCorpTag{{Name: "VIP"}}})
	if err != nil {
		t.Fatal(err)
	}
	return g.GroupID, g.Tags[0].ID
}

func TestOpenIDsMatrix(t *testing.T) {
	t.Parallel()
	pendingFor := func(t *testing.T, w *isvWorld) {
		if _, err := w.corp.UnionIDToExternalUserID(t.Context(), apps.UnionIDParams{UnionID: "ouUnion009", OpenID: "oMini009"}); err != nil {
			t.Fatal(err)
		}
		w.srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wmLate009", UnionID: "ouUnion009", FollowUsers: []wecomtest.SeedFollow{{UserID: "li.na"}}})
	}
	runIDMatrix(t, []idRow{
		{name: "corpid_to_opencorpid", path: "/cgi-bin/service/corpid_to_opencorpid", kind: asProvider, retried: true,
			call: func(ctx context.Context, w *isvWorld) error {
				open, err := w.provider.CorpIDToOpenCorpID(ctx, wecomtest.CorpID)
				return errors.Join(err, wantOK(err != nil || strings.HasPrefix(open, "wp"), "open corp ID %q", open))
			}},
		{name: "opencorpid_to_corpid", path: "/cgi-bin/corp/opencorpid_to_corpid", kind: asInternal, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			id, err := w.internal.OpenCorpIDToCorpID(ctx, w.srv.OpenCorpID(idProvider, wecomtest.CorpID), isvAgentID)
			return errors.Join(err, wantOK(err != nil || id == wecomtest.CorpID, "corp ID %q", id))
		}},
		{name: "userid_to_openuserid", path: "/cgi-bin/batch/userid_to_openuserid", kind: asISV, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			r, err := w.corp.UserIDsToOpenUserIDs(ctx, []string{"li.na", "ghost"})
			return errors.Join(err, wantOK(err != nil || len(r.Items) == 1 && slices.Equal(r.Invalid, []string{"ghost"}), "result %+v", r))
		}},
		{name: "openuserid_to_userid", path: "/cgi-bin/batch/openuserid_to_userid", kind: asInternal, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			r, err := w.internal.OpenUserIDsToUserIDs(ctx, apps.OpenUserIDsParams{OpenUserIDs: []string{w.srv.OpenUserID(idProvider, wecomtest.CorpID, "zhao.lei")}, SourceAgentID: isvAgentID})
			return errors.Join(err, wantOK(err != nil || len(r.Items) == 1 && r.Items[0].UserID == "zhao.lei", "result %+v", r))
		}},
		{name: "get_new_external_userid", path: "/cgi-bin/externalcontact/get_new_external_userid", kind: asISV, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			r, err := w.corp.GetNewExternalUserIDs(ctx, []string{"wmCust001"})
			return errors.Join(err, wantOK(err != nil || len(r.Items) == 1, "result %+v", r))
		}},
		{name: "groupchat/get_new_external_userid", path: "/cgi-bin/externalcontact/groupchat/get_new_external_userid", kind: asISV, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			r, err := w.corp.GetNewGroupChatExternalUserIDs(ctx, apps.GroupChatExternalUserIDsParams{ChatID: "wrChat001", ExternalUserIDs: []string{"wmGuest003"}})
			return errors.Join(err, wantOK(err != nil || len(r.Items) == 1, "result %+v", r))
		}},
		{name: "from_service_external_userid", path: "/cgi-bin/externalcontact/from_service_external_userid", kind: asInternal, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			id, err := w.internal.FromServiceExternalUserID(ctx, w.srv.OpenExternalUserID(idProvider, wecomtest.CorpID, "wmCust001"), isvAgentID)
			return errors.Join(err, wantOK(err != nil || id == "wmCust001", "external_userid %q", id))
		}},
		{name: "unionid_to_external_userid", path: "/cgi-bin/idconvert/unionid_to_external_userid", kind: asISV, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			m, err := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "ouUnion001", OpenID: "oMini001", SubjectType: apps.SubjectProvider})
			return errors.Join(err, wantOK(err != nil || m.ExternalUserID != "" && m.PendingID == "", "match %+v", m))
		}},
		{name: "external_userid_to_pending_id", path: "/cgi-bin/idconvert/batch/external_userid_to_pending_id", kind: asISV, retried: true, prepare: pendingFor, call: func(ctx context.Context, w *isvWorld) error {
			r, err := w.corp.ExternalUserIDsToPendingIDs(ctx, apps.PendingIDsParams{ExternalUserIDs: []string{"wmLate009"}})
			return errors.Join(err, wantOK(err != nil || len(r.Items) == 1, "result %+v", r))
		}},
		{name: "external_tagid", path: "/cgi-bin/idconvert/external_tagid", kind: asISV, retried: true,
			prepare: func(t *testing.T, w *isvWorld) { _, w.tagID = addCustomerTags(t, w) },
			call: func(ctx context.Context, w *isvWorld) error {
				r, err := w.corp.ConvertExternalTagIDs(ctx, []string{w.tagID})
				return errors.Join(err, wantOK(err != nil || len(r.Items) == 1, "result %+v", r))
			}},
		{name: "open_kfid", path: "/cgi-bin/idconvert/open_kfid", kind: asISV, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			r, err := w.corp.ConvertOpenKfIDs(ctx, []string{w.kfID})
			return errors.Join(err, wantOK(err != nil || len(r.Items) == 1, "result %+v", r))
		}},
		{name: "convert_tmp_external_userid", path: "/cgi-bin/idconvert/convert_tmp_external_userid", kind: asInternal, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			tmp := w.srv.NewTmpExternalUserID(wecomtest.TmpExternalUser{CorpID: wecomtest.CorpID, AgentID: wecomtest.AgentID, BusinessType: 1, UserType: 1, ExternalUserID: "wmCust001"})
			r, err := w.internal.ConvertTmpExternalUserIDs(ctx, apps.TmpExternalUserIDsParams{BusinessType: apps.TmpBusinessMeeting, UserType: apps.TmpUserCustomer, TmpExternalUserIDs: []string{tmp}})
			return errors.Join(err, wantOK(err != nil || len(r.Items) == 1 && r.Items[0].ExternalUserID == "wmCust001", "result %+v", r))
		}},
		{name: "unionid_to_external_userid_3rd", path: "/cgi-bin/service/externalcontact/unionid_to_external_userid_3rd", kind: asSuite, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			l, err := w.suite.UnionIDToExternalUserID3rd(ctx, apps.UnionID3rdParams{UnionID: "ouUnion001", OpenID: "oMini001"})
			return errors.Join(err, wantOK(err != nil || len(l) == 1 && l[0].CorpID == wecomtest.CorpID, "list %+v", l))
		}},
		{name: "finish_external_userid_migration", path: "/cgi-bin/service/externalcontact/finish_external_userid_migration", kind: asProvider, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			return w.provider.FinishExternalUserIDMigration(ctx, wecomtest.CorpID)
		}},
		{name: "finish_openid_migration", path: "/cgi-bin/service/finish_openid_migration", kind: asProvider, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			return w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{CorpID: wecomtest.CorpID, Types: []apps.OpenIDType{apps.OpenIDCorpUser, apps.OpenIDExternal}})
		}},
		{name: "get_openid_migration", path: "/cgi-bin/corp/get_openid_migration", kind: asISV, retried: true, call: func(ctx context.Context, w *isvWorld) error {
			m, err := w.corp.GetOpenIDMigration(ctx)
			return errors.Join(err, wantOK(err != nil || len(m) == 2, "migration %+v", m))
		}},
		{name: "set_app_migrate_flag", path: "/cgi-bin/agent/set_app_migrate_flag", kind: asISV, retried: true, customized: true, call: func(ctx context.Context, w *isvWorld) error {
			return w.corp.SetAppMigrateFlag(ctx, apps.AppMigrateSensitiveInfo)
		}},
		{name: "get_app_migrate_flag", path: "/cgi-bin/agent/get_app_migrate_flag", kind: asISV, retried: true, customized: true, call: func(ctx context.Context, w *isvWorld) error {
			done, err := w.corp.GetAppMigrateFlag(ctx, apps.AppMigrateSensitiveInfo)
			return errors.Join(err, wantOK(err != nil || !done, "flag set"))
		}},
	})
}

// IDs round-trip between the suite's app and the corp's internal app; another provider's IDs
// differ and do not convert; customers, groups, unionids and pending IDs follow the docs.
func TestOpenIDConversions(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	srv, ctx := w.srv, t.Context()

	// corpid: provider → open → back through the internal app.
	open, err := w.provider.CorpIDToOpenCorpID(ctx, wecomtest.CorpID)
	if err != nil || !strings.HasPrefix(open, "wp") || open != srv.OpenCorpID(idProvider, wecomtest.CorpID) {
		t.Fatalf("open corp ID %q, %v", open, err)
	}
	if again, _ := w.provider.CorpIDToOpenCorpID(ctx, open); again != open {
		t.Errorf("an open corp ID converts to %q, want itself", again)
	}
	if id, err := w.internal.OpenCorpIDToCorpID(ctx, open, isvAgentID); err != nil || id != wecomtest.CorpID {
		t.Errorf("back: %q, %v", id, err)
	}
	_, err = w.internal.OpenCorpIDToCorpID(ctx, srv.OpenCorpID("wwotherprovider", wecomtest.CorpID), isvAgentID)
	wecomtest.WantCode(t, err, client.CodeInvalidCorpID)
	_, err = w.internal.OpenCorpIDToCorpID(ctx, open, 4242)
	wecomtest.WantCode(t, err, client.CodeInvalidAgentID)
	_, err = w.provider.CorpIDToOpenCorpID(ctx, "wwnotacustomer01")
	wecomtest.WantCode(t, err, client.CodeAuthInvalid)

	// userid: the suite's app converts, the internal app converts back.
	r, err := w.corp.UserIDsToOpenUserIDs(ctx, []string{"li.na", "ZHAO.LEI", "ghost"})
	if err != nil || len(r.Items) != 2 || !slices.Equal(r.Invalid, []string{"ghost"}) {
		t.Fatalf("userid_to_openuserid: %+v, %v", r, err)
	}
	li := r.Items[0]
	if li.UserID != "li.na" || !strings.HasPrefix(li.OpenUserID, "wo") || li.OpenUserID != srv.OpenUserID(idProvider, wecomtest.CorpID, "LI.NA") {
		t.Errorf("open_userid %+v", li)
	}
	other := srv.OpenUserID("wwotherprovider", wecomtest.CorpID, "li.na")
	if other == li.OpenUserID {
		t.Error("two providers see the same open_userid")
	}
	back, err := w.internal.OpenUserIDsToUserIDs(ctx, apps.OpenUserIDsParams{OpenUserIDs: []string{li.OpenUserID, r.Items[1].OpenUserID, other}, SourceAgentID: isvAgentID})
	if err != nil || len(back.Items) != 2 || back.Items[0].UserID != "li.na" || back.Items[1].UserID != "zhao.lei" || !slices.Equal(back.Invalid, []string{other}) {
		t.Errorf("openuserid_to_userid: %+v, %v", back, err)
	}
	_, err = w.internal.UserIDsToOpenUserIDs(ctx, []string{"li.na"}) // only third-party and 代开发 apps
	wecomtest.WantCode(t, err, client.CodeAPIForbidden)
	_, err = w.corp.OpenUserIDsToUserIDs(ctx, apps.OpenUserIDsParams{OpenUserIDs: []string{li.OpenUserID}, SourceAgentID: isvAgentID}) // only internal apps
	wecomtest.WantCode(t, err, client.CodeAPIForbidden)

	// external_userid: the provider's IDs keep wm/wo, convert back, and come back unchanged.
	ext, err := w.corp.GetNewExternalUserIDs(ctx, []string{"wmCust001", "woCust002", "wmNobody"})
	if err != nil || len(ext.Items) != 2 || !strings.HasPrefix(ext.Items[0].NewExternalUserID, "wm") || !strings.HasPrefix(ext.Items[1].NewExternalUserID, "wo") {
		t.Fatalf("get_new_external_userid: %+v, %v", ext, err)
	}
	newCust := ext.Items[0].NewExternalUserID
	if same, _ := w.corp.GetNewExternalUserIDs(ctx, []string{newCust}); len(same.Items) != 1 || same.Items[0].NewExternalUserID != newCust {
		t.Errorf("a provider ID converts to %+v, want itself", same)
	}
	if id, err := w.internal.FromServiceExternalUserID(ctx, newCust, isvAgentID); err != nil || id != "wmCust001" {
		t.Errorf("from_service_external_userid: %q, %v", id, err)
	}
	_, err = w.internal.FromServiceExternalUserID(ctx, srv.OpenExternalUserID("wwotherprovider", wecomtest.CorpID, "wmCust001"), isvAgentID)
	wecomtest.WantCode(t, err, client.CodeInvalidExternalUserID)

	// customer-group members without a friendship.
	g, err := w.corp.GetNewGroupChatExternalUserIDs(ctx, apps.GroupChatExternalUserIDsParams{ChatID: "wrChat001", ExternalUserIDs: []string{"wmGuest003", "wmCust001"}})
	if err != nil || len(g.Items) != 1 || g.Items[0].ExternalUserID != "wmGuest003" {
		t.Errorf("groupchat/get_new_external_userid: %+v, %v", g, err)
	}
	if id, err := w.internal.FromServiceExternalUserID(ctx, g.Items[0].NewExternalUserID, isvAgentID); err != nil || id != "wmGuest003" {
		t.Errorf("group member back: %q, %v", id, err)
	}
	_, err = w.corp.GetNewGroupChatExternalUserIDs(ctx, apps.GroupChatExternalUserIDsParams{ChatID: "wrNope", ExternalUserIDs: []string{"wmGuest003"}})
	wecomtest.WantCode(t, err, client.CodeChatNotFound)

	// Customer tags and kf accounts.
	groupID, tagID := addCustomerTags(t, w)
	tags, err := w.corp.ConvertExternalTagIDs(ctx, []string{tagID, groupID, "etNope"})
	if err != nil || len(tags.Items) != 2 || !strings.HasPrefix(tags.Items[0].OpenExternalTagID, "et") || !slices.Equal(tags.Invalid, []string{"etNope"}) {
		t.Errorf("external_tagid: %+v, %v", tags, err)
	}
	if again, _ := w.corp.ConvertExternalTagIDs(ctx, []string{tags.Items[0].OpenExternalTagID}); len(again.Items) != 1 || again.Items[0].OpenExternalTagID != tags.Items[0].OpenExternalTagID {
		t.Errorf("a provider tag ID converts to %+v", again)
	}
	kf, err := w.corp.ConvertOpenKfIDs(ctx, []string{w.kfID, "wkNope"})
	if err != nil || len(kf.Items) != 1 || !strings.HasPrefix(kf.Items[0].NewOpenKfID, "wk") || kf.Items[0].NewOpenKfID == w.kfID || !slices.Equal(kf.Invalid, []string{"wkNope"}) {
		t.Errorf("open_kfid: %+v, %v", kf, err)
	}

	// tmp_external_userid: only the app that got it, for its business and user type.
	mine := srv.NewTmpExternalUserID(wecomtest.TmpExternalUser{CorpID: wecomtest.CorpID, AgentID: isvAgentID, BusinessType: 2, UserType: 1, ExternalUserID: "wmCust001"})
	chain := srv.NewTmpExternalUserID(wecomtest.TmpExternalUser{CorpID: wecomtest.CorpID, AgentID: isvAgentID, BusinessType: 2, UserType: 3, UserCorpID: "wwfactory0001", UserID: "wu"})
	tmp, err := w.corp.ConvertTmpExternalUserIDs(ctx, apps.TmpExternalUserIDsParams{BusinessType: apps.TmpBusinessForm, UserType: apps.TmpUserCustomer, TmpExternalUserIDs: []string{mine, chain}})
	if err != nil || len(tmp.Items) != 1 || tmp.Items[0].ExternalUserID != newCust || !slices.Equal(tmp.Invalid, []string{chain}) {
		t.Errorf("tmp customer: %+v, %v", tmp, err)
	}
	tmp, err = w.corp.ConvertTmpExternalUserIDs(ctx, apps.TmpExternalUserIDsParams{BusinessType: apps.TmpBusinessForm, UserType: apps.TmpUserChain, TmpExternalUserIDs: []string{chain}})
	if err != nil || len(tmp.Items) != 1 || tmp.Items[0].CorpID != "wwfactory0001" || tmp.Items[0].UserID != "wu" {
		t.Errorf("tmp chain member: %+v, %v", tmp, err)
	}
	if tmp, _ := w.internal.ConvertTmpExternalUserIDs(ctx, apps.TmpExternalUserIDsParams{BusinessType: apps.TmpBusinessForm, UserType: apps.TmpUserCustomer, TmpExternalUserIDs: []string{mine}}); len(tmp.Invalid) != 1 {
		t.Errorf("another app converted the tmp ID: %+v", tmp)
	}
}

// A WeChat user queried before becoming a customer gets a pending ID; once a customer, the
// pending ID links the external_userid to the unionid, through a follow-up member or a group.
func TestUnionIDAndPendingIDs(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	srv, ctx := w.srv, t.Context()

	m, err := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "ouUnion001", OpenID: "oMini001"})
	if err != nil || m.ExternalUserID != srv.OpenExternalUserID(idProvider, wecomtest.CorpID, "wmCust001") || m.PendingID != "" {
		t.Fatalf("a customer: %+v, %v", m, err)
	}
	if m, err := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "ouUnion003", OpenID: "oMini003"}); err != nil || m.ExternalUserID == "" {
		t.Errorf("a group member: %+v, %v", m, err)
	}
	p, err := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "ouUnion009", OpenID: "oMini009"})
	if err != nil || p.ExternalUserID != "" || p.PendingID == "" {
		t.Fatalf("not yet a customer: %+v, %v", p, err)
	}
	p2, _ := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "ouUnion010", OpenID: "oMini010"})

	// They become a customer and a group member.
	srv.AddExternalContacts(wecomtest.CorpID, wecomtest.SeedExternalContact{ExternalUserID: "wmLate009", UnionID: "ouUnion009", FollowUsers: []wecomtest.SeedFollow{{UserID: "zhao.lei"}}})
	srv.AddGroupChat(wecomtest.CorpID, wecomtest.SeedGroupChat{ChatID: "wrChat002", Owner: "li.na", Members: []wecomtest.SeedGroupMember{{UserID: "wmLate010", Type: 2, UnionID: "ouUnion010"}}})
	late, err := w.corp.GetNewExternalUserIDs(ctx, []string{"wmLate009"})
	if err != nil || len(late.Items) != 1 {
		t.Fatal(late, err)
	}
	r, err := w.corp.ExternalUserIDsToPendingIDs(ctx, apps.PendingIDsParams{ExternalUserIDs: []string{late.Items[0].NewExternalUserID, m.ExternalUserID}})
	if err != nil || len(r.Items) != 1 || r.Items[0].PendingID != p.PendingID || r.Items[0].ExternalUserID != late.Items[0].NewExternalUserID {
		t.Errorf("pending IDs: %+v, %v (want only the customer queried before)", r, err)
	}
	r, err = w.corp.ExternalUserIDsToPendingIDs(ctx, apps.PendingIDsParams{ChatID: "wrChat002", ExternalUserIDs: []string{"wmLate010", "wmLate009"}})
	if err != nil || len(r.Items) != 1 || r.Items[0].PendingID != p2.PendingID {
		t.Errorf("pending IDs in a group: %+v, %v", r, err)
	}
	// Now a customer, the unionid gives the external_userid and keeps the pending ID.
	again, err := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "ouUnion009", OpenID: "oMini009"})
	if err != nil || again.ExternalUserID != late.Items[0].NewExternalUserID || again.PendingID != p.PendingID {
		t.Errorf("after: %+v, %v", again, err)
	}

	// The legacy suite-level lookup finds the customer in the authorised corp only.
	l, err := w.suite.UnionIDToExternalUserID3rd(ctx, apps.UnionID3rdParams{UnionID: "ouUnion001", OpenID: "oMini001", CorpID: w.srv.OpenCorpID(idProvider, wecomtest.CorpID)})
	if err != nil || len(l) != 1 || l[0].ExternalUserID != m.ExternalUserID {
		t.Errorf("3rd lookup: %+v, %v", l, err)
	}
	if l, err := w.suite.UnionIDToExternalUserID3rd(ctx, apps.UnionID3rdParams{UnionID: "ouUnion001", OpenID: "oMini001", CorpID: "wwother"}); err != nil || len(l) != 0 {
		t.Errorf("3rd lookup in another corp: %+v, %v", l, err)
	}

	// A mass_call_ticket must be the corp's own.
	_, err = w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "ouUnion001", OpenID: "oMini001", MassCallTicket: "forged"})
	wecomtest.WantCode(t, err, client.CodeInvalidParameter)
	ticket, err := contacts.New(w.srv.NewClient(t)).ApplyMassCallTicket(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "ouUnion001", OpenID: "oMini001", MassCallTicket: ticket}); err != nil {
		t.Errorf("with the corp's ticket: %v", err)
	}
}

// The migration calls set the state get_openid_migration reads; a third-party app may no
// longer convert external_userids once their migration is done.
func TestOpenIDMigration(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	ctx := t.Context()
	status := func() []apps.OpenIDMigration {
		m, err := w.corp.GetOpenIDMigration(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := status(); len(m) != 2 || m[0].Type != apps.OpenIDCorpUser || bool(m[0].Upgraded) || m[1].Type != apps.OpenIDExternal || bool(m[1].Upgraded) {
		t.Fatalf("before: %+v", m)
	}
	wecomtest.WantCode(t, w.provider.FinishExternalUserIDMigration(ctx, idProvider), 610022)
	wecomtest.WantCode(t, w.provider.FinishExternalUserIDMigration(ctx, "wwnotacustomer01"), 610019)
	wecomtest.WantCode(t, w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{CorpID: wecomtest.CorpID, AgentID: isvAgentID, Types: []apps.OpenIDType{apps.OpenIDCorpUser}}), client.CodeInvalidAgentID)

	if err := w.provider.FinishExternalUserIDMigration(ctx, w.srv.OpenCorpID(idProvider, wecomtest.CorpID)); err != nil {
		t.Fatal(err)
	}
	if m := status(); bool(m[0].Upgraded) || !bool(m[1].Upgraded) {
		t.Errorf("after the external_userid migration: %+v", m)
	}
	_, err := w.corp.GetNewExternalUserIDs(ctx, []string{"wmCust001"})
	wecomtest.WantCode(t, err, client.CodeAPIForbidden)
	if err := w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{CorpID: wecomtest.CorpID, Types: []apps.OpenIDType{apps.OpenIDCorpUser}}); err != nil {
		t.Fatal(err)
	}
	if m := status(); !bool(m[0].Upgraded) || !bool(m[1].Upgraded) {
		t.Errorf("after both: %+v", m)
	}
	// The sensitive-information flag is for 代开发 apps only.
	_, err = w.corp.GetAppMigrateFlag(ctx, apps.AppMigrateSensitiveInfo)
	wecomtest.WantCode(t, err, client.CodeAPIForbidden)
}

// A 代开发 app migrates by itself: finish_openid_migration names its agentid, and it keeps
// its own sensitive-information flag.
func TestCustomizedAppMigration(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, true)
	ctx := t.Context()
	if done, err := w.corp.GetAppMigrateFlag(ctx, apps.AppMigrateSensitiveInfo); err != nil || done {
		t.Fatalf("before: %v, %v", done, err)
	}
	if err := w.corp.SetAppMigrateFlag(ctx, apps.AppMigrateSensitiveInfo); err != nil {
		t.Fatal(err)
	}
	if done, err := w.corp.GetAppMigrateFlag(ctx, apps.AppMigrateSensitiveInfo); err != nil || !done {
		t.Errorf("after: %v, %v", done, err)
	}
	// Without agentid the call is about third-party apps, of which the corp has none.
	wecomtest.WantCode(t, w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{CorpID: wecomtest.CorpID, Types: []apps.OpenIDType{apps.OpenIDExternal}}), 610019)
	if err := w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{CorpID: wecomtest.CorpID, AgentID: isvAgentID, Types: []apps.OpenIDType{apps.OpenIDExternal}}); err != nil {
		t.Fatal(err)
	}
	m, err := w.corp.GetOpenIDMigration(ctx)
	if err != nil || bool(m[0].Upgraded) || !bool(m[1].Upgraded) {
		t.Errorf("migration %+v, %v", m, err)
	}
	// A 代开发 app may still convert external_userids after its migration.
	if _, err := w.corp.GetNewExternalUserIDs(ctx, []string{"wmCust001"}); err != nil {
		t.Errorf("customized app after migration: %v", err)
	}
}

// Every documented limit is refused before sending.
func TestOpenIDValidation(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	ctx := t.Context()
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("id%05d", i)
		}
		return out
	}
	for _, tc := range []struct {
		field string
		call  func() error
	}{
		{"open_corpid", func() error { _, err := w.internal.OpenCorpIDToCorpID(ctx, "", 1); return err }},
		{"source_agentid", func() error { _, err := w.internal.OpenCorpIDToCorpID(ctx, "wp1", 0); return err }},
		{"userid_list", func() error { _, err := w.corp.UserIDsToOpenUserIDs(ctx, nil); return err }},
		{"userid_list", func() error { _, err := w.corp.UserIDsToOpenUserIDs(ctx, ids(1001)); return err }},
		{"userid_list", func() error { _, err := w.corp.UserIDsToOpenUserIDs(ctx, []string{"a", ""}); return err }},
		{"userid_list", func() error { _, err := w.corp.UserIDsToOpenUserIDsInParts(ctx, nil); return err }},
		{"open_userid_list", func() error {
			_, err := w.internal.OpenUserIDsToUserIDs(ctx, apps.OpenUserIDsParams{OpenUserIDs: ids(1001), SourceAgentID: 1})
			return err
		}},
		{"source_agentid", func() error {
			_, err := w.internal.OpenUserIDsToUserIDs(ctx, apps.OpenUserIDsParams{OpenUserIDs: ids(1)})
			return err
		}},
		{"source_agentid", func() error {
			_, err := w.internal.OpenUserIDsToUserIDsInParts(ctx, apps.OpenUserIDsParams{OpenUserIDs: ids(2)})
			return err
		}},
		{"external_userid_list", func() error { _, err := w.corp.GetNewExternalUserIDs(ctx, ids(1001)); return err }},
		{"external_userid_list", func() error { _, err := w.corp.GetNewExternalUserIDsInParts(ctx, nil); return err }},
		{"chat_id", func() error {
			_, err := w.corp.GetNewGroupChatExternalUserIDs(ctx, apps.GroupChatExternalUserIDsParams{ExternalUserIDs: ids(1)})
			return err
		}},
		{"chat_id", func() error {
			_, err := w.corp.GetNewGroupChatExternalUserIDsInParts(ctx, apps.GroupChatExternalUserIDsParams{ExternalUserIDs: ids(1)})
			return err
		}},
		{"external_userid_list", func() error {
			_, err := w.corp.GetNewGroupChatExternalUserIDs(ctx, apps.GroupChatExternalUserIDsParams{ChatID: "wr", ExternalUserIDs: ids(1001)})
			return err
		}},
		{"external_userid", func() error { _, err := w.internal.FromServiceExternalUserID(ctx, "", 1); return err }},
		{"source_agentid", func() error { _, err := w.internal.FromServiceExternalUserID(ctx, "wm1", -1); return err }},
		{"unionid", func() error {
			_, err := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{OpenID: "o"})
			return err
		}},
		{"openid", func() error {
			_, err := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "u"})
			return err
		}},
		{"subject_type", func() error {
			_, err := w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "u", OpenID: "o", SubjectType: 2})
			return err
		}},
		{"external_userid", func() error {
			_, err := w.corp.ExternalUserIDsToPendingIDs(ctx, apps.PendingIDsParams{ExternalUserIDs: ids(101)})
			return err
		}},
		{"external_userid", func() error {
			_, err := w.corp.ExternalUserIDsToPendingIDsInParts(ctx, apps.PendingIDsParams{})
			return err
		}},
		{"unionid", func() error {
			_, err := w.suite.UnionIDToExternalUserID3rd(ctx, apps.UnionID3rdParams{OpenID: "o"})
			return err
		}},
		{"external_tagid_list", func() error { _, err := w.corp.ConvertExternalTagIDs(ctx, ids(1001)); return err }},
		{"external_tagid_list", func() error { _, err := w.corp.ConvertExternalTagIDsInParts(ctx, []string{""}); return err }},
		{"open_kfid_list", func() error { _, err := w.corp.ConvertOpenKfIDs(ctx, ids(1001)); return err }},
		{"open_kfid_list", func() error { _, err := w.corp.ConvertOpenKfIDsInParts(ctx, nil); return err }},
		{"business_type", func() error {
			_, err := w.corp.ConvertTmpExternalUserIDs(ctx, apps.TmpExternalUserIDsParams{UserType: 1, TmpExternalUserIDs: ids(1)})
			return err
		}},
		{"user_type", func() error {
			_, err := w.corp.ConvertTmpExternalUserIDs(ctx, apps.TmpExternalUserIDsParams{BusinessType: 3, UserType: 5, TmpExternalUserIDs: ids(1)})
			return err
		}},
		{"tmp_external_userid_list", func() error {
			_, err := w.corp.ConvertTmpExternalUserIDs(ctx, apps.TmpExternalUserIDsParams{BusinessType: 1, UserType: 1, TmpExternalUserIDs: ids(101)})
			return err
		}},
		{"business_type", func() error {
			_, err := w.corp.ConvertTmpExternalUserIDsInParts(ctx, apps.TmpExternalUserIDsParams{TmpExternalUserIDs: ids(1)})
			return err
		}},
		{"corpid", func() error { return w.provider.FinishExternalUserIDMigration(ctx, "") }},
		{"corpid", func() error {
			return w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{Types: []apps.OpenIDType{1}})
		}},
		{"openid_type", func() error {
			return w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{CorpID: "ww"})
		}},
		{"openid_type", func() error {
			return w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{CorpID: "ww", Types: []apps.OpenIDType{2}})
		}},
		{"agentid", func() error {
			return w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{CorpID: "ww", AgentID: -1, Types: []apps.OpenIDType{1}})
		}},
		{"app_migrate_type", func() error { return w.corp.SetAppMigrateFlag(ctx, 2) }},
		{"app_migrate_type", func() error { _, err := w.corp.GetAppMigrateFlag(ctx, 0); return err }},
	} {
		wecomtest.WantInvalid(t, tc.call(), tc.field)
	}
	// Nothing reached the simulator beyond the setup.
	for _, p := range []string{"/cgi-bin/batch/userid_to_openuserid", "/cgi-bin/batch/openuserid_to_userid", "/cgi-bin/idconvert/external_tagid",
		"/cgi-bin/idconvert/convert_tmp_external_userid", "/cgi-bin/service/finish_openid_migration", "/cgi-bin/agent/set_app_migrate_flag"} {
		if n := w.srv.Calls(p); n != 0 {
			t.Errorf("%s called %d times", p, n)
		}
	}
}

// The fan-out helpers cut lists at the documented caps, stop at the first failing call, and
// Merged joins what went through.
func TestOpenIDsInParts(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	ctx := t.Context()
	seed := make([]wecomtest.SeedUser, 2500)
	ids := make([]string, 0, 2501)
	for i := range seed {
		seed[i] = wecomtest.SeedUser{UserID: fmt.Sprintf("worker%04d", i), Name: "w"}
		ids = append(ids, seed[i].UserID)
	}
	w.srv.AddUsers(wecomtest.CorpID, seed...)
	ids = append(ids, "ghost")

	parts, err := w.corp.UserIDsToOpenUserIDsInParts(ctx, ids)
	if err != nil || len(parts) != 3 || len(parts[0].In) != 1000 || len(parts[2].In) != 501 {
		t.Fatalf("%d parts, %v", len(parts), err)
	}
	all := apps.Merged(parts)
	if len(all.Items) != 2500 || !slices.Equal(all.Invalid, []string{"ghost"}) || all.Items[2499].UserID != "worker2499" {
		t.Errorf("merged %d items, invalid %v", len(all.Items), all.Invalid)
	}
	opens := make([]string, len(all.Items))
	for i, it := range all.Items {
		opens[i] = it.OpenUserID
	}
	back, err := w.internal.OpenUserIDsToUserIDsInParts(ctx, apps.OpenUserIDsParams{OpenUserIDs: opens, SourceAgentID: isvAgentID})
	if m := apps.Merged(back); err != nil || len(back) != 3 || len(m.Items) != 2500 || m.Items[1234].UserID != "worker1234" || back[1].In.SourceAgentID != isvAgentID {
		t.Errorf("back: %d parts, %d items, %v", len(back), len(m.Items), err)
	}

	// The second call fails: two parts, the error says which, the first part's items stay.
	const path = "/cgi-bin/batch/userid_to_openuserid"
	w.srv.FailAfter(path, 1, client.CodeNoPrivilege, 1)
	parts, err = w.corp.UserIDsToOpenUserIDsInParts(ctx, ids)
	if !errors.Is(err, client.ErrPermission) || !strings.Contains(err.Error(), "call 2 of 3") || len(parts) != 2 || parts[1].Out != nil || parts[1].Err == nil {
		t.Fatalf("failing call: %d parts, %v", len(parts), err)
	}
	if m := apps.Merged(parts); len(m.Items) != 1000 {
		t.Errorf("merged %d items after a failure, want the first call's 1000", len(m.Items))
	}

	// Each helper's call size.
	for _, tc := range []struct {
		path  string
		n     int
		calls int
		run   func(ids []string) (int, error)
	}{
		{"/cgi-bin/externalcontact/get_new_external_userid", 450, 3, func(ids []string) (int, error) {
			p, err := w.corp.GetNewExternalUserIDsInParts(ctx, ids)
			return len(p), err
		}},
		{"/cgi-bin/externalcontact/groupchat/get_new_external_userid", 201, 2, func(ids []string) (int, error) {
			p, err := w.corp.GetNewGroupChatExternalUserIDsInParts(ctx, apps.GroupChatExternalUserIDsParams{ChatID: "wrChat001", ExternalUserIDs: ids})
			if err == nil && p[1].In.ChatID != "wrChat001" {
				err = errors.New("chat_id lost")
			}
			return len(p), err
		}},
		{"/cgi-bin/idconvert/batch/external_userid_to_pending_id", 250, 3, func(ids []string) (int, error) {
			p, err := w.corp.ExternalUserIDsToPendingIDsInParts(ctx, apps.PendingIDsParams{ExternalUserIDs: ids})
			return len(p), err
		}},
		{"/cgi-bin/idconvert/external_tagid", 1001, 2, func(ids []string) (int, error) {
			p, err := w.corp.ConvertExternalTagIDsInParts(ctx, ids)
			if m := apps.Merged(p); err == nil && len(m.Invalid) != 1001 {
				err = fmt.Errorf("%d invalid", len(m.Invalid))
			}
			return len(p), err
		}},
		{"/cgi-bin/idconvert/open_kfid", 2000, 2, func(ids []string) (int, error) {
			p, err := w.corp.ConvertOpenKfIDsInParts(ctx, ids)
			return len(p), err
		}},
		{"/cgi-bin/idconvert/convert_tmp_external_userid", 150, 2, func(ids []string) (int, error) {
			p, err := w.corp.ConvertTmpExternalUserIDsInParts(ctx, apps.TmpExternalUserIDsParams{BusinessType: 1, UserType: 1, TmpExternalUserIDs: ids})
			if m := apps.Merged(p); err == nil && len(m.Invalid) != 150 {
				err = fmt.Errorf("%d invalid", len(m.Invalid))
			}
			return len(p), err
		}},
	} {
		list := make([]string, tc.n)
		for i := range list {
			list[i] = fmt.Sprintf("x%05d", i)
		}
		n, err := tc.run(list)
		if err != nil || n != tc.calls || w.srv.Calls(tc.path) != tc.calls {
			t.Errorf("%s: %d parts, %d calls, %v; want %d", tc.path, n, w.srv.Calls(tc.path), err, tc.calls)
		}
	}
}

// idGolden is a request the SDK builds from a documented example, the body WeCom documents for it
// and, where useful, the documented answer and a check of its decoding.
type idGolden struct {
	path   string
	kind   wecomtest.TokenKind
	body   string // the documented request body
	answer string // the documented answer ("" for {})
	call   func(ctx context.Context, w *isvWorld) (any, error)
	check  func(v any) bool
}

// runIDGolden answers each path with its documented answer, compares the body sent with the
// documented one (as JSON values), and checks the decoded answer.
func runIDGolden(t *testing.T, w *isvWorld, cases []idGolden) {
	t.Helper()
	for _, g := range cases {
		var sent []byte
		w.srv.HandleFunc("", g.path, g.kind, func(c *wecomtest.Call) (any, error) {
			sent = c.Body
			out := wecomtest.J{}
			if g.answer != "" {
				if err := json.Unmarshal([]byte(g.answer), &out); err != nil {
					return nil, err
				}
			}
			return out, nil
		})
		v, err := g.call(t.Context(), w)
		if err != nil {
			t.Errorf("%s: %v", g.path, err)
			continue
		}
		var want, have any
		if err := json.Unmarshal([]byte(g.body), &want); err != nil {
			t.Fatalf("%s: bad idGolden: %v", g.path, err)
		}
		if err := json.Unmarshal(sent, &have); err != nil {
			t.Errorf("%s: body %q is not JSON: %v", g.path, sent, err)
			continue
		}
		if !reflect.DeepEqual(want, have) {
			t.Errorf("%s: request body differs from the documented example\nwant %s\ngot  %s", g.path, g.body, sent)
		}
		if g.check != nil && !g.check(v) {
			t.Errorf("%s: decoded answer %+v", g.path, v)
		}
	}
}

func TestOpenIDsGolden(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	corp, prov := wecomtest.TokenCorp, wecomtest.TokenProvider
	runIDGolden(t, w, []idGolden{
		{"/cgi-bin/corp/opencorpid_to_corpid", corp, `{"open_corpid":"aaaa","source_agentid":100001}`, `{"corpid":"xxxx"}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.internal.OpenCorpIDToCorpID(ctx, "aaaa", 100001)
			},
			func(v any) bool { return v == "xxxx" }},
		{"/cgi-bin/batch/userid_to_openuserid", corp, `{"userid_list":["aaa","bbb"]}`,
			`{"open_userid_list":[{"userid":"aaa","open_userid":"xxxxx"}],"invalid_userid_list":["bbb"]}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.corp.UserIDsToOpenUserIDs(ctx, []string{"aaa", "bbb"})
			},
			func(v any) bool {
				r := v.(*apps.OpenUserIDResult)
				return r.Items[0] == apps.UserIDConversion{UserID: "aaa", OpenUserID: "xxxxx"} && r.Invalid[0] == "bbb"
			}},
		{"/cgi-bin/batch/openuserid_to_userid", corp, `{"open_userid_list":["xxx","yyy"],"source_agentid":100001}`,
			`{"userid_list":[{"open_userid":"xxx","userid":"aaa"}],"invalid_open_userid_list":["yyy"]}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.internal.OpenUserIDsToUserIDs(ctx, apps.OpenUserIDsParams{OpenUserIDs: []string{"xxx", "yyy"}, SourceAgentID: 100001})
			},
			func(v any) bool {
				r := v.(*apps.UserIDResult)
				return r.Items[0].UserID == "aaa" && r.Invalid[0] == "yyy"
			}},
		{"/cgi-bin/externalcontact/get_new_external_userid", corp, `{"external_userid_list":["xxxxx","yyyyyy"]}`,
			`{"items":[{"external_userid":"xxxxx","new_external_userid":"AAAA"},{"external_userid":"yyyyy","new_external_userid":"BBBB"}]}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.corp.GetNewExternalUserIDs(ctx, []string{"xxxxx", "yyyyyy"})
			},
			func(v any) bool { return v.(*apps.NewExternalUserIDResult).Items[1].NewExternalUserID == "BBBB" }},
		{"/cgi-bin/externalcontact/groupchat/get_new_external_userid", corp, `{"chat_id":"wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA","external_userid_list":["xxxxx","yyyyyy"]}`, "",
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.corp.GetNewGroupChatExternalUserIDs(ctx, apps.GroupChatExternalUserIDsParams{ChatID: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", ExternalUserIDs: []string{"xxxxx", "yyyyyy"}})
			}, nil},
		{"/cgi-bin/externalcontact/from_service_external_userid", corp, `{"external_userid":"aaa","source_agentid":100001}`, `{"external_userid":"xxx"}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.internal.FromServiceExternalUserID(ctx, "aaa", 100001)
			},
			func(v any) bool { return v == "xxx" }},
		{"/cgi-bin/idconvert/unionid_to_external_userid", corp, `{"unionid":"oAAAAAAA","openid":"oBBBB","subject_type":1,"mass_call_ticket":"TICKET"}`,
			`{"external_userid":"ooAAAAAAAAAAA","pending_id":"ooBBBBBB"}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.corp.UnionIDToExternalUserID(ctx, apps.UnionIDParams{UnionID: "oAAAAAAA", OpenID: "oBBBB", SubjectType: apps.SubjectProvider, MassCallTicket: "TICKET"})
			},
			func(v any) bool {
				return *v.(*apps.UnionIDMatch) == apps.UnionIDMatch{ExternalUserID: "ooAAAAAAAAAAA", PendingID: "ooBBBBBB"}
			}},
		{"/cgi-bin/idconvert/batch/external_userid_to_pending_id", corp, `{"chat_id":"xxxxxx","external_userid":["oAAAAAAA","oBBBBB"]}`,
			`{"result":[{"external_userid":"oAAAAAAA","pending_id":"pAAAAA"},{"external_userid":"oBBBBB","pending_id":"pBBBBB"}]}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.corp.ExternalUserIDsToPendingIDs(ctx, apps.PendingIDsParams{ChatID: "xxxxxx", ExternalUserIDs: []string{"oAAAAAAA", "oBBBBB"}})
			},
			func(v any) bool { return v.(*apps.PendingIDResult).Items[1].PendingID == "pBBBBB" }},
		{"/cgi-bin/idconvert/external_tagid", corp, `{"external_tagid_list":["TAG_ID1","TAG_ID2","TAG_ID3","TAG_ID4"]}`,
			`{"items":[{"external_tagid":"TAG_ID1","open_external_tagid":"OPEN_TAG_ID1"},{"external_tagid":"TAG_ID2","open_external_tagid":"OPEN_TAG_ID2"}],"invalid_external_tagid_list":["TAG_ID3","TAG_ID4"]}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.corp.ConvertExternalTagIDs(ctx, []string{"TAG_ID1", "TAG_ID2", "TAG_ID3", "TAG_ID4"})
			},
			func(v any) bool {
				r := v.(*apps.ExternalTagIDResult)
				return r.Items[1].OpenExternalTagID == "OPEN_TAG_ID2" && len(r.Invalid) == 2
			}},
		{"/cgi-bin/idconvert/open_kfid", corp, `{"open_kfid_list":["KFID1","KFID2","KFID3","KFID4"]}`,
			`{"items":[{"open_kfid":"KFID1","new_open_kfid":"NEW_KFID1"}],"invalid_open_kfid_list":["KFID3","KFID4"]}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.corp.ConvertOpenKfIDs(ctx, []string{"KFID1", "KFID2", "KFID3", "KFID4"})
			},
			func(v any) bool {
				r := v.(*apps.OpenKfIDResult)
				return r.Items[0].NewOpenKfID == "NEW_KFID1" && len(r.Invalid) == 2
			}},
		{"/cgi-bin/idconvert/convert_tmp_external_userid", corp, `{"business_type":1,"user_type":1,"tmp_external_userid_list":["ouXXX1","ouXXX2","ouXXX3"]}`,
			`{"results":[{"tmp_external_userid":"ouXXX1","external_userid":"EXTERNAL_USER_ID"},{"tmp_external_userid":"ouXXX2","corpid":"CORPID","userid":"USERID"}],"invalid_tmp_external_userid_list":["ouXXX3"]}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.corp.ConvertTmpExternalUserIDs(ctx, apps.TmpExternalUserIDsParams{BusinessType: apps.TmpBusinessMeeting, UserType: apps.TmpUserCustomer, TmpExternalUserIDs: []string{"ouXXX1", "ouXXX2", "ouXXX3"}})
			},
			func(v any) bool {
				r := v.(*apps.TmpExternalUserIDResult)
				return r.Items[0].ExternalUserID == "EXTERNAL_USER_ID" && r.Items[1].UserID == "USERID" && r.Invalid[0] == "ouXXX3"
			}},
		{"/cgi-bin/service/externalcontact/unionid_to_external_userid_3rd", wecomtest.TokenSuite, `{"unionid":"xxxxx","openid":"xxxxx","corpid":"xxxxx"}`,
			`{"external_userid_info":[{"corpid":"AAAAA","external_userid":"BBBB"},{"corpid":"CCCCC","external_userid":"DDDDD"}]}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.suite.UnionIDToExternalUserID3rd(ctx, apps.UnionID3rdParams{UnionID: "xxxxx", OpenID: "xxxxx", CorpID: "xxxxx"})
			},
			func(v any) bool {
				l := v.([]apps.CorpExternalUserID)
				return len(l) == 2 && l[1].ExternalUserID == "DDDDD"
			}},
		{"/cgi-bin/service/externalcontact/finish_external_userid_migration", prov, `{"corpid":"xxxxx"}`, "",
			func(ctx context.Context, w *isvWorld) (any, error) {
				return nil, w.provider.FinishExternalUserIDMigration(ctx, "xxxxx")
			}, nil},
		{"/cgi-bin/service/finish_openid_migration", prov, `{"corpid":"xxxxx","agentid":1111,"openid_type":[1,3]}`, "",
			func(ctx context.Context, w *isvWorld) (any, error) {
				return nil, w.provider.FinishOpenIDMigration(ctx, apps.FinishOpenIDMigrationParams{CorpID: "xxxxx", AgentID: 1111, Types: []apps.OpenIDType{apps.OpenIDCorpUser, apps.OpenIDExternal}})
			}, nil},
		{"/cgi-bin/corp/get_openid_migration", corp, `{}`, `{"migration_info":[{"openid_type":1,"status":0},{"openid_type":3,"status":1}]}`,
			func(ctx context.Context, w *isvWorld) (any, error) { return w.corp.GetOpenIDMigration(ctx) },
			func(v any) bool {
				m := v.([]apps.OpenIDMigration)
				return len(m) == 2 && !bool(m[0].Upgraded) && m[1].Type == apps.OpenIDExternal && bool(m[1].Upgraded)
			}},
		{"/cgi-bin/agent/set_app_migrate_flag", corp, `{"app_migrate_type":1}`, "",
			func(ctx context.Context, w *isvWorld) (any, error) {
				return nil, w.corp.SetAppMigrateFlag(ctx, apps.AppMigrateSensitiveInfo)
			}, nil},
		{"/cgi-bin/agent/get_app_migrate_flag", corp, `{"app_migrate_type":1}`, `{"app_migrate_flag":1}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.corp.GetAppMigrateFlag(ctx, apps.AppMigrateSensitiveInfo)
			},
			func(v any) bool { return v == true }},
	})
}
