package apps_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// corpService is the apps service of the default internal app.
func corpService(t testing.TB, srv *wecomtest.Server) *apps.Service {
	return apps.New(srv.NewClient(t))
}

func TestGenderDecodesNumberAndString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]apps.Gender{`1`: apps.GenderMale, `"1"`: apps.GenderMale, `2`: apps.GenderFemale, `"2"`: apps.GenderFemale, `""`: apps.GenderUndefined, `null`: apps.GenderUndefined} {
		var d apps.UserDetail
		if err := json.Unmarshal([]byte(`{"gender":`+in+`}`), &d); err != nil || d.Gender != want {
			t.Errorf("%s: %v, %v", in, d.Gender, err)
		}
	}
	var g apps.Gender
	if err := json.Unmarshal([]byte(`"x"`), &g); err == nil {
		t.Error(`"x" accepted as a gender`)
	}
}

// Each service takes one token kind. NewSuite and NewProvider refuse another kind at once; a
// Service on a non-corp client fails its calls before sending; nothing reaches the simulator.
func TestWrongKind(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	srv.AddSuite(wecomtest.Suite{ID: testSuiteID, Secret: testSuiteSecret})
	srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	corp := srv.NewClient(t)
	suite := suiteClientOn(t, srv, store.NewMemory())
	provider := providerClient(t, srv)
	ctx := t.Context()

	for _, c := range []*client.Client{corp, provider} {
		if s, err := apps.NewSuite(c); !errors.Is(err, client.ErrWrongKind) || s != nil {
			t.Errorf("NewSuite(%v) = %v, %v; want ErrWrongKind", c, s, err)
		}
	}
	for _, c := range []*client.Client{corp, suite} {
		if s, err := apps.NewProvider(c); !errors.Is(err, client.ErrWrongKind) || s != nil {
			t.Errorf("NewProvider(%v) = %v, %v; want ErrWrongKind", c, s, err)
		}
	}
	for _, c := range []*client.Client{suite, provider} {
		if _, err := apps.New(c).GetAgent(ctx, wecomtest.AgentID); !errors.Is(err, client.ErrWrongKind) {
			t.Errorf("GetAgent on %v: %v, want ErrWrongKind", c, err)
		}
		if _, err := apps.New(c).GetUserInfo(ctx, "code"); !errors.Is(err, client.ErrWrongKind) {
			t.Errorf("GetUserInfo on %v: %v, want ErrWrongKind", c, err)
		}
	}
	for _, p := range []string{"/cgi-bin/agent/get", "/cgi-bin/auth/getuserinfo", "/cgi-bin/gettoken", "/cgi-bin/service/get_suite_token", "/cgi-bin/service/get_provider_token"} {
		if n := srv.Calls(p); n != 0 {
			t.Errorf("%s called %d times", p, n)
		}
	}
}

// Printing a service with any verb shows the credential's tag, never its secret.
func TestServicesPrintNoSecret(t *testing.T) {
	t.Parallel()
	x := newSuiteSetup(t)
	x.srv.AddProvider("wwprov0000000001", "sim-provider-secret")
	for _, tc := range []struct {
		svc          any
		name, secret string
	}{
		{apps.New(x.srv.NewClient(t)), "apps.Service(", wecomtest.Secret},
		{suiteService(t, x.suite), "apps.SuiteService(", testSuiteSecret},
		{providerService(t, x.srv), "apps.ProviderService(", "sim-provider-secret"},
	} {
		s := fmt.Sprintf("%v %+v %#v %s %q %d %x", tc.svc, tc.svc, tc.svc, tc.svc, tc.svc, tc.svc, tc.svc)
		if strings.Contains(s, tc.secret) || !strings.HasPrefix(s, tc.name) {
			t.Errorf("printed %s", s)
		}
	}
}

// suiteSetup is a simulator with a suite whose ticket has arrived in st.
type suiteSetup struct {
	srv   *wecomtest.Server
	st    store.Store
	suite *client.Client
	isv   *apps.SuiteService
}

const (
	testSuiteID     = "wwsuite0001"
	testSuiteSecret = "sim-suite-secret"
)

func newSuiteSetup(t *testing.T) *suiteSetup {
	t.Helper()
	srv := wecomtest.Start(t)
	srv.AddSuite(wecomtest.Suite{ID: testSuiteID, Secret: testSuiteSecret})
	st := store.NewMemory()
	if err := client.StoreSuiteTicket(t.Context(), st, testSuiteID, srv.IssueSuiteTicket(testSuiteID)); err != nil {
		t.Fatal(err)
	}
	c := suiteClientOn(t, srv, st)
	return &suiteSetup{srv: srv, st: st, suite: c, isv: suiteService(t, c)}
}

func suiteClientOn(t *testing.T, srv *wecomtest.Server, st store.Store) *client.Client {
	t.Helper()
	c, err := client.New(client.Suite{SuiteID: testSuiteID, Secret: testSuiteSecret}, client.WithBaseURL(srv.URL()), client.WithStore(st), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// suiteService is the suite service on c, a suite client.
func suiteService(t testing.TB, c *client.Client) *apps.SuiteService {
	t.Helper()
	s, err := apps.NewSuite(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// providerClient is the client of the provider wwprov0000000001, which srv must know.
func providerClient(t testing.TB, srv *wecomtest.Server) *client.Client {
	t.Helper()
	c, err := client.New(client.Provider{CorpID: "wwprov0000000001", ProviderSecret: "sim-provider-secret"}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// providerService is the provider service of wwprov0000000001 on srv.
func providerService(t testing.TB, srv *wecomtest.Server) *apps.ProviderService {
	t.Helper()
	s, err := apps.NewProvider(providerClient(t, srv))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
