package contacts

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestTFAMatrix(t *testing.T) {
	t.Parallel()
	var codes sync.Map // *Service → the page code its prepare made
	start := func(t *testing.T, srv *wecomtest.Server, s *Service) {
		seedUser(t, s, "li.na", 1)
		code, err := srv.StartTFA(wecomtest.CorpID, "li.na")
		if err != nil {
			t.Fatal(err)
		}
		codes.Store(s, code)
	}
	code := func(s *Service) string { c, _ := codes.Load(s); return c.(string) }
	runMatrix(t, []endpoint{
		{name: "get_tfa_info", path: "/cgi-bin/auth/get_tfa_info", prepare: start, call: func(ctx context.Context, s *Service) error {
			info, err := s.GetTFAInfo(ctx, code(s))
			if err == nil && (info.UserID != "li.na" || info.TFACode == "") {
				return fmt.Errorf("info %+v", info)
			}
			return err
		}},
		{name: "tfa_succ", path: "/cgi-bin/user/tfa_succ", prepare: start, call: func(ctx context.Context, s *Service) error {
			info, err := s.GetTFAInfo(ctx, code(s))
			if err != nil {
				return fmt.Errorf("get_tfa_info (not the path under test): %w", err)
			}
			return s.PassTFA(ctx, info.UserID, info.TFACode)
		}},
		{name: "authsucc", path: "/cgi-bin/user/authsucc", retried: true, prepare: func(t *testing.T, _ *wecomtest.Server, s *Service) { seedUser(t, s, "li.na", 1) },
			call: func(ctx context.Context, s *Service) error { return s.PassLoginTFA(ctx, "li.na") }},
	})
}

// The verification page's code is traded once for a tfa_code, which lets its member through
// once; the login confirmation activates the member.
func TestTFAFlow(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	seedUser(t, s, "li.na", 1)
	seedUser(t, s, "zhao.lei", 1)
	code, err := srv.StartTFA(wecomtest.CorpID, "li.na")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.GetTFAInfo(ctx, code)
	if err != nil || info.UserID != "li.na" {
		t.Fatalf("%+v, %v", info, err)
	}
	if _, err := s.GetTFAInfo(ctx, code); wecomtest.ErrCode(err) != client.CodeInvalidOAuthCode {
		t.Errorf("code used twice: %v, want 40029", err)
	}
	if err := s.PassTFA(ctx, "zhao.lei", info.TFACode); wecomtest.ErrCode(err) != 40207 {
		t.Errorf("another member's tfa_code: %v, want 40207", err)
	}
	if err := s.PassTFA(ctx, "li.na", info.TFACode); err != nil {
		t.Fatal(err)
	}
	if n := srv.TFAPassed(wecomtest.CorpID, "li.na"); n != 1 {
		t.Errorf("passed %d times, want 1", n)
	}
	if err := s.PassTFA(ctx, "li.na", info.TFACode); wecomtest.ErrCode(err) != 40207 {
		t.Errorf("tfa_code used twice: %v, want 40207", err)
	}
	if err := s.PassLoginTFA(ctx, "zhao.lei"); err != nil || !srv.LoginConfirmed(wecomtest.CorpID, "zhao.lei") {
		t.Fatalf("authsucc: %v", err)
	}
	if err := s.PassLoginTFA(ctx, "ghost"); wecomtest.ErrCode(err) != client.CodeUserIDNotFound {
		t.Errorf("unknown member: %v, want 60111", err)
	}
	if _, err := srv.StartTFA(wecomtest.CorpID, "ghost"); err == nil {
		t.Error("StartTFA for an unknown member")
	}
}

func TestTFAValidation(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	_, err := s.GetTFAInfo(ctx, "")
	wecomtest.WantInvalid(t, err, "code")
	wecomtest.WantInvalid(t, s.PassTFA(ctx, "", "c"), "userid")
	wecomtest.WantInvalid(t, s.PassTFA(ctx, "li.na", ""), "tfa_code")
	wecomtest.WantInvalid(t, s.PassLoginTFA(ctx, ""), "userid")
	wecomtest.WantInvalid(t, s.PassLoginTFA(ctx, "-bad"), "userid")
	for _, p := range []string{"/cgi-bin/auth/get_tfa_info", "/cgi-bin/user/tfa_succ", "/cgi-bin/user/authsucc"} {
		if n := srv.Calls(p); n != 0 {
			t.Errorf("%s called %d times", p, n)
		}
	}
}

// Golden requests: get_tfa_info and tfa_succ bodies in the documented order, authsucc's query.
func TestTFAEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	ctx := context.Background()
	info := captureJSON(mt, "POST", "/cgi-bin/auth/get_tfa_info", `{"errcode":0,"errmsg":"ok","userid":"USERID","tfa_code":"TFA_CODE"}`)
	got, err := s.GetTFAInfo(ctx, "CODE")
	if err != nil || *got != (TFAInfo{UserID: "USERID", TFACode: "TFA_CODE"}) || (*info)[0].raw != `{"code":"CODE"}` {
		t.Fatalf("%+v, %v, body %s", got, err, (*info)[0].raw)
	}
	succ := captureJSON(mt, "POST", "/cgi-bin/user/tfa_succ", `{"errcode":0,"errmsg":"ok"}`)
	if err := s.PassTFA(ctx, "USERID", "TFA_CODE"); err != nil || (*succ)[0].raw != `{"userid":"USERID","tfa_code":"TFA_CODE"}` {
		t.Fatalf("%v, body %s", err, (*succ)[0].raw)
	}
	auth := captureJSON(mt, "GET", "/cgi-bin/user/authsucc", `{"errcode":0,"errmsg":"ok"}`)
	if err := s.PassLoginTFA(ctx, "li.na"); err != nil || (*auth)[0].query["userid"][0] != "li.na" || (*auth)[0].raw != "" {
		t.Fatalf("%v, %+v", err, (*auth)[0])
	}
}
