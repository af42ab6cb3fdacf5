package customerservice_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// newClient returns a client on srv with fast retries, sharing st when given.
func newClient(t testing.TB, srv *wecomtest.Server, st store.Store) *client.Client {
	t.Helper()
	if st == nil {
		st = store.NewMemory()
	}
	return srv.NewClient(t, client.WithStore(st))
}

// setup starts a simulator with one kf account served by zhangsan and lisi.
func setup(t testing.TB, opts ...wecomtest.Option) (*customerservice.Service, *wecomtest.Server, string) {
	t.Helper()
	srv := wecomtest.Start(t, opts...)
	kf := srv.AddKfAccount("Dairy desk", "zhangsan", "lisi")
	return customerservice.New(newClient(t, srv, nil)), srv, kf
}

// syncAll pulls everything new with the account's latest callback token.
func syncAll(t testing.TB, svc *customerservice.Service, srv *wecomtest.Server, kf string) []customerservice.Message {
	t.Helper()
	var out []customerservice.Message
	for m, err := range svc.Sync(context.Background(), customerservice.SyncParams{OpenKfID: kf, Token: srv.KfSyncToken(kf)}) {
		if err != nil {
			t.Fatalf("Sync: %v", err)
		}
		out = append(out, m)
	}
	return out
}

func wantState(t *testing.T, svc *customerservice.Service, kf, ext string, want customerservice.ServiceState, servicer string) {
	t.Helper()
	st, err := svc.GetState(context.Background(), customerservice.Session{OpenKfID: kf, ExternalUserID: ext})
	if err != nil {
		t.Fatalf("GetState: %v", err)
	}
	if st.State != want || (want == customerservice.Human && st.ServicerUserID != servicer) {
		t.Fatalf("state = %v/%q, want %v/%q", st.State, st.ServicerUserID, want, servicer)
	}
}

func TestServiceStateCanTransition(t *testing.T) {
	t.Parallel()
	const (
		U = customerservice.Untreated
		A = customerservice.SmartAssistant
		Q = customerservice.Queued
		H = customerservice.Human
		E = customerservice.Ended
	)
	allowed := map[[2]customerservice.ServiceState]bool{
		{U, A}: true, {U, Q}: true, {U, H}: true, {U, E}: true,
		{A, A}: true, {A, Q}: true, {A, H}: true, {A, E}: true,
		{Q, Q}: true, {Q, H}: true, {Q, E}: true,
		{H, H}: true, {H, E}: true,
	}
	for from := customerservice.ServiceState(-1); from <= 5; from++ {
		for to := customerservice.ServiceState(-1); to <= 5; to++ {
			if got := from.CanTransition(to); got != allowed[[2]customerservice.ServiceState{from, to}] {
				t.Errorf("%v.CanTransition(%v) = %v", from, to, got)
			}
		}
	}
	if H.String() != "human" || customerservice.ServiceState(9).String() != "ServiceState(9)" {
		t.Errorf("String: %q %q", H.String(), customerservice.ServiceState(9).String())
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	t.Parallel()
	svc, srv, kf := setup(t)
	srv.FailNext("/cgi-bin/kf/send_msg", 48007, 1)
	_, err := svc.Send(context.Background(), customerservice.SendParams{OpenKfID: kf, ExternalUserID: "wmX", Content: customerservice.Text{Content: "hi"}})
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if strings.Contains(msg, wecomtest.Secret) || strings.Contains(msg, "access_token=") || strings.Contains(msg, "sim-access_token") {
		t.Fatalf("error leaks a secret or token: %s", msg)
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != client.CodeAccountNotAuthorized {
		t.Fatalf("err = %v, want APIError 48007", err)
	}
}
