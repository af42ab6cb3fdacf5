package apps_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// addCustomizedTemplates registers the 代开发 templates dk1 and dk2 of the world's provider, and dkOther
// of another provider.
func addCustomizedTemplates(t *testing.T, w *isvWorld) {
	t.Helper()
	for _, id := range []string{"dk1", "dk2", "dkOther"} {
		w.srv.AddSuite(wecomtest.Suite{ID: id, Secret: "sim-" + id + "-secret"})
		owner := idProvider
		if id == "dkOther" {
			owner = "wwsomeoneelse"
		}
		w.srv.LinkSuite(wecomtest.ProviderSuite{ProviderCorpID: owner, SuiteID: id, Customized: true})
	}
}

// templateClient is the suite client of 代开发 template id, its ticket stored.
func templateClient(t *testing.T, srv *wecomtest.Server, id string) *client.Client {
	t.Helper()
	st := store.NewMemory()
	if err := client.StoreSuiteTicket(t.Context(), st, id, srv.IssueSuiteTicket(id)); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(client.Suite{SuiteID: id, Secret: "sim-" + id + "-secret"}, client.WithBaseURL(srv.URL()), client.WithStore(st), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCustomizedMatrix(t *testing.T) {
	t.Parallel()
	runIDMatrix(t, []idRow{
		{name: "get_customized_auth_url", path: "/cgi-bin/service/get_customized_auth_url", kind: asProvider, prepare: addCustomizedTemplates, call: func(ctx context.Context, w *isvWorld) error {
			u, err := w.provider.GetCustomizedAuthURL(ctx, apps.CustomizedAuthURLParams{State: "clinic7", TemplateIDs: []string{"dk1"}})
			return errors.Join(err, wantOK(err != nil || u.QRCodeURL != "" && u.ExpiresIn == 864000, "link %+v", u))
		}},
		{name: "get_permissions", path: "/cgi-bin/agent/get_permissions", kind: asISV, retried: true,
			prepare: func(t *testing.T, w *isvWorld) {
				w.srv.SetAppPermissions(testSuiteID, wecomtest.CorpID, "contact:base:base")
			},
			call: func(ctx context.Context, w *isvWorld) error {
				p, err := w.corp.GetPermissions(ctx)
				return errors.Join(err, wantOK(err != nil || slices.Equal(p, []apps.AppPermission{apps.PermContactBase}), "permissions %v", p))
			}},
	})
}

// A corp scans a provider's link for two 代开发 templates: each template's install carries the
// link's state, and each app reads the permissions the corp granted it.
func TestCustomizedAuthFlow(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	srv, ctx := w.srv, t.Context()
	addCustomizedTemplates(t, w)

	link, err := w.provider.GetCustomizedAuthURL(ctx, apps.CustomizedAuthURLParams{State: "clinic7", TemplateIDs: []string{"dk1", "dk2"}})
	if err != nil || !strings.HasPrefix(link.QRCodeURL, "https://") || link.ExpiresIn != 864000 {
		t.Fatalf("link %+v, %v", link, err)
	}
	codes, err := srv.ScanCustomizedAuthURL(link.QRCodeURL, wecomtest.Authorization{CorpID: "wwclinic00000001", CorpName: "Clinic", AdminUserID: "dr.wu"})
	if err != nil || len(codes) != 2 {
		t.Fatalf("scan: %v, %v", codes, err)
	}
	if _, err := srv.ScanCustomizedAuthURL("https://open.work.weixin.qq.com/wwopen/customized/auth?code=forged", wecomtest.Authorization{CorpID: "wwx"}); err == nil {
		t.Error("a forged link was accepted")
	}
	for i, id := range []string{"dk1", "dk2"} {
		tc := templateClient(t, srv, id)
		perm, err := suiteService(t, tc).GetPermanentCode(ctx, codes[id])
		if err != nil || perm.State != "clinic7" || perm.AuthCorpInfo.CorpID != "wwclinic00000001" || perm.AuthInfo.Agents[0].AgentID != 1000100+i {
			t.Fatalf("%s: permanent code %v, state %q, %v", id, perm, perm.State, err)
		}
		corp, err := tc.AuthCorp("wwclinic00000001", perm.PermanentCode)
		if err != nil {
			t.Fatal(err)
		}
		if id == "dk2" {
			srv.SetAppPermissions(id, "wwclinic00000001", string(apps.PermContactSensitiveAvatar), string(apps.PermExternalContactBase))
		}
		// A 代开发 app sees its provider's open IDs, like the provider's third-party apps.
		srv.AddUsers("wwclinic00000001", wecomtest.SeedUser{UserID: "dr.wu"})
		if r, err := apps.New(corp).UserIDsToOpenUserIDs(ctx, []string{"dr.wu"}); err != nil || r.Items[0].OpenUserID != srv.OpenUserID(idProvider, "wwclinic00000001", "dr.wu") {
			t.Errorf("%s open_userid %+v, %v", id, r, err)
		}
		p, err := apps.New(corp).GetPermissions(ctx)
		if err != nil || (id == "dk1") != (len(p) == 0) || id == "dk2" && !slices.Equal(p, []apps.AppPermission{apps.PermContactSensitiveAvatar, apps.PermExternalContactBase}) {
			t.Errorf("%s permissions %v, %v", id, p, err)
		}
	}
	// An internal app has no granted permissions to read.
	_, err = w.internal.GetPermissions(ctx)
	wecomtest.WantCode(t, err, client.CodeAPIForbidden)

	for _, ids := range [][]string{{testSuiteID}, {"dkOther"}, {"dk1", "dkNope"}} {
		_, err := w.provider.GetCustomizedAuthURL(ctx, apps.CustomizedAuthURLParams{State: "s", TemplateIDs: ids})
		wecomtest.WantCode(t, err, 84020)
	}
}

func TestCustomizedValidation(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	ctx := t.Context()
	ten := make([]string, 10)
	for i := range ten {
		ten[i] = "dk"
	}
	for _, tc := range []struct {
		field string
		p     apps.CustomizedAuthURLParams
	}{
		{"state", apps.CustomizedAuthURLParams{TemplateIDs: []string{"dk1"}}},
		{"state", apps.CustomizedAuthURLParams{State: "clinic-7", TemplateIDs: []string{"dk1"}}},
		{"state", apps.CustomizedAuthURLParams{State: strings.Repeat("s", 33), TemplateIDs: []string{"dk1"}}},
		{"templateid_list", apps.CustomizedAuthURLParams{State: "s"}},
		{"templateid_list", apps.CustomizedAuthURLParams{State: "s", TemplateIDs: ten}},
		{"templateid_list", apps.CustomizedAuthURLParams{State: "s", TemplateIDs: []string{""}}},
	} {
		_, err := w.provider.GetCustomizedAuthURL(ctx, tc.p)
		wecomtest.WantInvalid(t, err, tc.field)
	}
	if n := w.srv.Calls("/cgi-bin/service/get_customized_auth_url"); n != 0 {
		t.Errorf("get_customized_auth_url called %d times", n)
	}
}

func TestCustomizedGolden(t *testing.T) {
	t.Parallel()
	w := newISVWorld(t, false)
	runIDGolden(t, w, []idGolden{
		{"/cgi-bin/service/get_customized_auth_url", wecomtest.TokenProvider, `{"state":"test","templateid_list":["dk1","dk2"]}`,
			`{"qrcode_url":"xxxxx","expires_in":864000}`,
			func(ctx context.Context, w *isvWorld) (any, error) {
				return w.provider.GetCustomizedAuthURL(ctx, apps.CustomizedAuthURLParams{State: "test", TemplateIDs: []string{"dk1", "dk2"}})
			},
			func(v any) bool {
				return *v.(*apps.CustomizedAuthURL) == apps.CustomizedAuthURL{QRCodeURL: "xxxxx", ExpiresIn: 864000}
			}},
		{"/cgi-bin/agent/get_permissions", wecomtest.TokenCorp, `{}`, `{"app_permissions":["xxx::xxx::xx"]}`,
			func(ctx context.Context, w *isvWorld) (any, error) { return w.corp.GetPermissions(ctx) },
			func(v any) bool { return slices.Equal(v.([]apps.AppPermission), []apps.AppPermission{"xxx::xxx::xx"}) }},
	})
}
