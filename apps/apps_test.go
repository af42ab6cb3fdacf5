package apps_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// fastRetry keeps retry waits short so fault tests run in milliseconds.
var fastRetry = client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond})

func newSim(t testing.TB) *wecomtest.Server {
	t.Helper()
	srv := wecomtest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// corpClient is the default internal app's client on srv.
func corpClient(t testing.TB, srv *wecomtest.Server, opts ...client.Option) *client.Client {
	t.Helper()
	return srv.NewClient(t, append([]client.Option{fastRetry}, opts...)...)
}

// corpService is the apps service of the default internal app.
func corpService(t testing.TB, srv *wecomtest.Server) *apps.Service {
	return apps.New(corpClient(t, srv))
}

// wantCode fails unless err is an *client.APIError with code.
func wantCode(t *testing.T, err error, code int) {
	t.Helper()
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != code {
		t.Fatalf("got %v, want errcode %d", err, code)
	}
}

// wantInvalid fails unless err is a *apps.ValidationError about field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var v *apps.ValidationError
	if !errors.As(err, &v) || v.Field != field {
		t.Fatalf("got %v, want a validation error on %s", err, field)
	}
}

func TestFlagDecodesEveryShape(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{`1`: true, `"1"`: true, `true`: true, `0`: false, `"0"`: false, `false`: false, `null`: false} {
		var f apps.Flag
		if err := json.Unmarshal([]byte(in), &f); err != nil || bool(f) != want {
			t.Errorf("%s: %v, %v", in, f, err)
		}
	}
	var f apps.Flag
	if err := json.Unmarshal([]byte(`"yes"`), &f); err == nil {
		t.Error(`"yes" accepted as a flag`)
	}
	if b, _ := json.Marshal(apps.Flag(true)); string(b) != "1" {
		t.Errorf("Flag(true) encodes as %s", b)
	}
}

func TestGenderDecodesNumberAndString(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]apps.Gender{`2`: apps.GenderFemale, `"1"`: apps.GenderMale, `""`: apps.GenderUndefined} {
		var g apps.Gender
		if err := json.Unmarshal([]byte(in), &g); err != nil || g != want {
			t.Errorf("%s: %v, %v", in, g, err)
		}
	}
	var g apps.Gender
	if err := json.Unmarshal([]byte(`"x"`), &g); err == nil {
		t.Error(`"x" accepted as a gender`)
	}
}

// suiteSetup is a simulator with a suite whose ticket has arrived in st.
type suiteSetup struct {
	srv   *wecomtest.Server
	st    store.Store
	suite *client.Client
}

const (
	testSuiteID     = "wwsuite0001"
	testSuiteSecret = "sim-suite-secret"
)

func newSuiteSetup(t *testing.T) *suiteSetup {
	t.Helper()
	srv := newSim(t)
	srv.AddSuite(wecomtest.Suite{ID: testSuiteID, Secret: testSuiteSecret})
	st := store.NewMemory()
	if err := client.StoreSuiteTicket(t.Context(), st, testSuiteID, srv.IssueSuiteTicket(testSuiteID)); err != nil {
		t.Fatal(err)
	}
	return &suiteSetup{srv: srv, st: st, suite: suiteClientOn(t, srv, st)}
}

func suiteClientOn(t *testing.T, srv *wecomtest.Server, st store.Store) *client.Client {
	t.Helper()
	c, err := client.New(client.Suite{SuiteID: testSuiteID, Secret: testSuiteSecret}, client.WithBaseURL(srv.URL()), client.WithStore(st), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
