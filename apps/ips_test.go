package apps_test

import (
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestIPLists(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	s := corpService(t, srv)
	ctx := t.Context()
	cb, err := s.GetCallbackIPs(ctx)
	if err != nil || len(cb) == 0 {
		t.Fatalf("callback IPs: %v, %v", cb, err)
	}
	srv.ExpireTokens() // the token expires mid-session: refreshed once, call retried
	api, err := s.GetAPIDomainIPs(ctx)
	if err != nil || len(api) == 0 {
		t.Fatalf("API domain IPs: %v, %v", api, err)
	}
	if n := srv.Calls("/cgi-bin/gettoken"); n != 2 {
		t.Errorf("gettoken called %d times, want 2", n)
	}
	srv.FailNext("/cgi-bin/getcallbackip", client.CodeInsecureIP, 1)
	_, err = s.GetCallbackIPs(ctx)
	wecomtest.WantCode(t, err, client.CodeInsecureIP)
}

func TestServerDomainIPs(t *testing.T) {
	t.Parallel()
	srv := wecomtest.Start(t)
	got, err := corpService(t, srv).GetServerDomainIPs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Domains) == 0 || got.Domains[0].UniversalDomain == "" || len(got.IPs) == 0 || got.IPs[0].Necessary != 1 || len(got.IPs[0].Ports) != 2 {
		t.Fatalf("domains %+v", got)
	}
}
