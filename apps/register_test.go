package apps_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestRegisterMatrix(t *testing.T) {
	t.Parallel()
	template := func(t *testing.T, w *isvWorld) {
		w.srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tplSim01", ProviderCorpID: idProvider, SuiteIDs: []string{testSuiteID}})
	}
	registered := func(t *testing.T, w *isvWorld) { w.register(t) }
	runIDMatrix(t, []idRow{
		{name: "get_register_code", path: "/cgi-bin/service/get_register_code", kind: asProvider, prepare: template, call: func(ctx context.Context, w *isvWorld) error {
			rc, err := w.provider.GetRegisterCode(ctx, apps.RegisterCodeParams{TemplateID: "tplSim01"})
			return errors.Join(err, wantOK(err != nil || rc.Code != "" && rc.ExpiresIn == 600, "code %+v", rc))
		}},
		{name: "get_register_info", path: "/cgi-bin/service/get_register_info", kind: asProvider, retried: true, prepare: registered, call: func(ctx context.Context, w *isvWorld) error {
			info, err := w.provider.GetRegisterInfo(ctx, w.regCode)
			return errors.Join(err, wantOK(err != nil || info.CorpID == registeredCorp, "info %v", info))
		}},
		{name: "set_scope", path: "/cgi-bin/agent/set_scope", kind: asSync, retried: true, prepare: registered, call: func(ctx context.Context, w *isvWorld) error {
			r, err := w.sync.SetScope(ctx, apps.SetScopeParams{AgentID: isvAgentID, Parties: []int{1}})
			return errors.Join(err, wantOK(err != nil || len(r.InvalidParties) == 0, "result %+v", r))
		}},
		{name: "contact_sync_success", path: "/cgi-bin/sync/contact_sync_success", kind: asSync, retried: true, prepare: registered, call: func(ctx context.Context, w *isvWorld) error {
			return w.sync.ContactSyncSuccess(ctx)
		}},
	})
}

// The register-code flow end to end: a code and its link, a visitor registers, the provider
// reads the registration, installs the app, sets its scope with the contact-sync token,
// unlocks the address book; the token then stops working.
func TestRegisterFlow(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	srv, ctx := w.srv, t.Context()
	srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tplSim01", ProviderCorpID: idProvider, SuiteIDs: []string{testSuiteID}, ContactSync: true})

	rc, err := w.provider.GetRegisterCode(ctx, apps.RegisterCodeParams{TemplateID: "tplSim01", CorpName: "Jinhua Knitting No.3", State: "expo2024"})
	if err != nil || rc.ExpiresIn != 600 {
		t.Fatalf("register code %+v, %v", rc, err)
	}
	u, _ := url.Parse(rc.URL())
	if u.Host != "open.work.weixin.qq.com" || u.Path != "/3rdservice/wework/register" || u.Query().Get("register_code") != rc.Code {
		t.Errorf("register link %s", rc.URL())
	}
	_, err = w.provider.GetRegisterInfo(ctx, rc.Code) // not registered yet
	wecomtest.WantCode(t, err, 84024)

	reg, err := srv.RegisterCorp(wecomtest.Registration{RegisterCode: rc.Code, CorpID: registeredCorp, AdminUserID: "boss"})
	if err != nil || reg.ContactSyncToken == "" || reg.AuthCodes[testSuiteID] == "" {
		t.Fatalf("registration %+v, %v", reg, err)
	}
	if _, err := srv.RegisterCorp(wecomtest.Registration{RegisterCode: rc.Code, CorpID: "wwsecond"}); err == nil {
		t.Error("a register code worked twice")
	}
	info, err := w.provider.GetRegisterInfo(ctx, rc.Code)
	if err != nil || info.CorpID != registeredCorp || info.AuthUser.UserID != "boss" || info.State != "expo2024" || info.TemplateID != "tplSim01" ||
		info.ContactSync == nil || info.ContactSync.AccessToken != reg.ContactSyncToken || info.ContactSync.ExpiresIn <= 0 || info.ContactSync.ExpiresIn > 1800 {
		t.Fatalf("register info %+v, %v", info, err)
	}
	// The contact-sync token never shows when the info is printed or logged.
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("registered", "info", info, "sync", info.ContactSync)
	if s := fmt.Sprintf("%v %+v %#v %s %v %+v", info, *info, info, info, info.ContactSync, *info.ContactSync) + logs.String(); strings.Contains(s, reg.ContactSyncToken) {
		t.Errorf("contact-sync token printed: %s", s)
	}

	// The app install arrives (create_auth): the permanent code carries the code's state.
	perm, err := w.suite.GetPermanentCode(ctx, reg.AuthCodes[testSuiteID])
	if err != nil || perm.State != "expo2024" || perm.AuthCorpInfo.CorpID != srv.OpenCorpID(idProvider, registeredCorp) {
		t.Fatalf("permanent code %v, state %q, %v", perm, perm.State, err)
	}

	// The provider fills the address book and sets the app's scope with the contact-sync token.
	sc, err := info.ContactSync.Client(client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	sync := apps.New(sc)
	srv.AddUsers(registeredCorp, wecomtest.SeedUser{UserID: "sales1", Department: []int{2}}, wecomtest.SeedUser{UserID: "plant1", Department: []int{3}})
	r, err := sync.SetScope(ctx, apps.SetScopeParams{AgentID: isvAgentID, Users: []string{"boss", "nobody"}, Parties: []int{2, 99}, Tags: []int{7}})
	if err != nil || !slices.Equal(r.InvalidUsers, []string{"nobody"}) || !slices.Equal(r.InvalidParties, []int{99}) || !slices.Equal(r.InvalidTags, []int{7}) {
		t.Fatalf("set_scope %+v, %v", r, err)
	}
	_, err = sync.SetScope(ctx, apps.SetScopeParams{AgentID: 1000999, Parties: []int{1}})
	wecomtest.WantCode(t, err, client.CodeInvalidAgentID)

	// The app sees the new scope: its agent record and its userid conversions follow it.
	corp, err := w.suiteCli.AuthCorp(perm.AuthCorpInfo.CorpID, perm.PermanentCode)
	if err != nil {
		t.Fatal(err)
	}
	a, err := apps.New(corp).GetAgent(ctx, isvAgentID)
	if err != nil || !slices.Equal(a.AllowParties.PartyIDs, []int{2}) || len(a.AllowUsers.Users) != 1 || a.AllowUsers.Users[0].UserID != srv.OpenUserID(idProvider, registeredCorp, "boss") {
		t.Errorf("agent after set_scope: %+v, %v", a, err)
	}
	conv, err := apps.New(corp).UserIDsToOpenUserIDs(ctx, []string{"boss", "sales1", "plant1"})
	if err != nil || len(conv.Items) != 2 || !slices.Equal(conv.Invalid, []string{"plant1"}) {
		t.Errorf("conversion within the scope: %+v, %v", conv, err)
	}

	// Another token may not unlock the address book; the contact-sync token may, once.
	wecomtest.WantCode(t, w.internal.ContactSyncSuccess(ctx), 84023)
	_, err = w.internal.SetScope(ctx, apps.SetScopeParams{AgentID: isvAgentID})
	wecomtest.WantCode(t, err, client.CodeAPIForbidden)
	if err := sync.ContactSyncSuccess(ctx); err != nil {
		t.Fatal(err)
	}
	if !srv.ContactSynced(rc.Code) {
		t.Error("the simulator did not record the sync")
	}
	_, err = sync.SetScope(ctx, apps.SetScopeParams{AgentID: isvAgentID})
	wecomtest.WantCode(t, err, client.CodeInvalidAccessToken)
	if info, err := w.provider.GetRegisterInfo(ctx, rc.Code); err != nil || info.ContactSync != nil {
		t.Errorf("info after the sync: %v, contact sync %v, %v", info, info.ContactSync != nil, err)
	}
}

func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	srv, ctx := w.srv, t.Context()
	srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tplSim01", ProviderCorpID: idProvider, SuiteIDs: []string{testSuiteID}})
	srv.AddRegisterTemplate(wecomtest.RegisterTemplate{ID: "tplOther", ProviderCorpID: "wwsomeoneelse", SuiteIDs: []string{testSuiteID}})

	_, err := w.provider.GetRegisterCode(ctx, apps.RegisterCodeParams{TemplateID: "tplNope"})
	wecomtest.WantCode(t, err, 84020)
	_, err = w.provider.GetRegisterCode(ctx, apps.RegisterCodeParams{TemplateID: "tplOther"})
	wecomtest.WantCode(t, err, 84020)
	_, err = w.provider.GetRegisterInfo(ctx, "sim-reg-unknown")
	wecomtest.WantCode(t, err, 84022)

	// A corp the simulator knew is no new registration: 84024, though the app is installed.
	rc, err := w.provider.GetRegisterCode(ctx, apps.RegisterCodeParams{TemplateID: "tplSim01"})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := srv.RegisterCorp(wecomtest.Registration{RegisterCode: rc.Code, CorpID: wecomtest.CorpID})
	if err != nil || reg.ContactSyncToken != "" {
		t.Fatalf("%+v, %v", reg, err)
	}
	_, err = w.provider.GetRegisterInfo(ctx, rc.Code)
	wecomtest.WantCode(t, err, 84024)

	for _, tc := range []struct {
		field string
		p     apps.RegisterCodeParams
	}{
		{"template_id", apps.RegisterCodeParams{}},
		{"template_id", apps.RegisterCodeParams{TemplateID: strings.Repeat("t", 129)}},
		{"state", apps.RegisterCodeParams{TemplateID: "tplSim01", State: "spring-2024"}},
		{"state", apps.RegisterCodeParams{TemplateID: "tplSim01", State: strings.Repeat("s", 129)}},
	} {
		_, err := w.provider.GetRegisterCode(ctx, tc.p)
		wecomtest.WantInvalid(t, err, tc.field)
	}
	_, err = w.provider.GetRegisterCode(ctx, apps.RegisterCodeParams{TemplateID: "tplSim01", State: strings.Repeat("s", 129)})
	if !errors.Is(err, client.ErrTooLong) {
		t.Errorf("a long state is no ErrTooLong: %v", err)
	}
	_, err = w.provider.GetRegisterInfo(ctx, "")
	wecomtest.WantInvalid(t, err, "register_code")
	_, err = w.provider.GetRegisterInfo(ctx, strings.Repeat("c", 513))
	wecomtest.WantInvalid(t, err, "register_code")
	_, err = w.corp.SetScope(ctx, apps.SetScopeParams{})
	wecomtest.WantInvalid(t, err, "agentid")
	if _, err := (apps.ContactSync{}).Client(); err == nil {
		t.Error("a client without a contact-sync token")
	}
	if n := srv.Calls("/cgi-bin/agent/set_scope"); n != 0 {
		t.Errorf("set_scope called %d times", n)
	}
}

func TestRegisterGolden(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	w.register(t)
	prov, corp := wecomtest.TokenProvider, wecomtest.TokenCorp
	runIDGolden(t, w, []idGolden{
		{"/cgi-bin/service/get_register_code", prov,
			`{"template_id":"TEMPLATEID","corp_name":"腾讯科技","admin_name":"张三","admin_mobile":"12345678901","state":"TestState123","follow_user":"lisi"}`,
			`{"register_code":"pIKi3wRPNWCGF-pyP-YU5KWjDDD","expires_in":600}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.provider.GetRegisterCode(ctx, apps.RegisterCodeParams{TemplateID: "TEMPLATEID", CorpName: "腾讯科技", AdminName: "张三",
					AdminMobile: "12345678901", State: "TestState123", FollowUser: "lisi"})
			},
			func(v any) bool {
				rc := v.(*apps.RegisterCode)
				return *rc == apps.RegisterCode{Code: "pIKi3wRPNWCGF-pyP-YU5KWjDDD", ExpiresIn: 600} &&
					rc.URL() == "https://open.work.weixin.qq.com/3rdservice/wework/register?register_code=pIKi3wRPNWCGF-pyP-YU5KWjDDD"
			}},
		{"/cgi-bin/service/get_register_info", prov, `{"register_code":"pIKi3wRPNWCGF-pyP-YU5KWjDDD"}`,
			`{"corpid":"wwddddccc7775555aaa","contact_sync":{"access_token":"accesstoken000001","expires_in":1800},"auth_user_info":{"userid":"zhangshan"},"state":"TestState123","template_id":"tpltest"}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.provider.GetRegisterInfo(ctx, "pIKi3wRPNWCGF-pyP-YU5KWjDDD")
			},
			func(v any) bool {
				i := v.(*apps.RegisterInfo)
				return i.CorpID == "wwddddccc7775555aaa" && i.ContactSync.AccessToken == "accesstoken000001" && i.ContactSync.ExpiresIn == 1800 &&
					i.AuthUser.UserID == "zhangshan" && i.State == "TestState123" && i.TemplateID == "tpltest"
			}},
		{"/cgi-bin/agent/set_scope", corp, `{"agentid":1,"allow_user":["zhansan","lisi"],"allow_party":[1,2,3],"allow_tag":[1,2,3]}`,
			`{"invaliduser":["zhangshan","lisi"],"invalidparty":[2,3],"invalidtag":[2,3]}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.sync.SetScope(ctx, apps.SetScopeParams{AgentID: 1, Users: []string{"zhansan", "lisi"}, Parties: []int{1, 2, 3}, Tags: []int{1, 2, 3}})
			},
			func(v any) bool {
				r := v.(*apps.SetScopeResult)
				return len(r.InvalidUsers) == 2 && slices.Equal(r.InvalidParties, []int{2, 3}) && slices.Equal(r.InvalidTags, []int{2, 3})
			}},
	})
}
