package customerservice_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestUpgradeService(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	srv.SetKfUpgradeConfig([]string{"wangwu"}, []string{"wrGroup1"})
	cfg, err := svc.GetUpgradeServiceConfig(ctx)
	if err != nil || len(cfg.MemberRange.UserIDs) != 1 || cfg.GroupChatRange.ChatIDs[0] != "wrGroup1" {
		t.Fatalf("config %+v %v", cfg, err)
	}
	p := customerservice.UpgradeParams{OpenKfID: kf, ExternalUserID: "wmU", Type: customerservice.UpgradeMember,
		Member: &customerservice.UpgradeMemberParams{UserID: "wangwu", Wording: "Wang Wu follows up"}}
	if err := svc.UpgradeService(ctx, p); err != nil {
		t.Fatal(err)
	}
	if r := srv.KfRecommendation(kf, "wmU"); r["userid"] != "wangwu" {
		t.Fatalf("recommendation %v", r)
	}
	p.Member.UserID = "zhaoliu"
	if err := svc.UpgradeService(ctx, p); wecomtest.ErrCode(err) != client.CodeUpgradeNotConfigured {
		t.Fatalf("unconfigured specialist: %v", err)
	}
	if err := svc.UpgradeService(ctx, customerservice.UpgradeParams{OpenKfID: kf, ExternalUserID: "wmU", Type: customerservice.UpgradeGroupChat,
		GroupChat: &customerservice.UpgradeGroupChatParams{ChatID: "wrGroup1"}}); err != nil {
		t.Fatal(err)
	}
	if err := svc.CancelUpgradeService(ctx, customerservice.Session{OpenKfID: kf, ExternalUserID: "wmU"}); err != nil {
		t.Fatal(err)
	}
	if r := srv.KfRecommendation(kf, "wmU"); r != nil {
		t.Fatalf("after cancel: %v", r)
	}
	for name, bad := range map[string]customerservice.UpgradeParams{
		"no member": {OpenKfID: kf, ExternalUserID: "wmU", Type: customerservice.UpgradeMember},
		"no group":  {OpenKfID: kf, ExternalUserID: "wmU", Type: customerservice.UpgradeGroupChat},
		"bad type":  {OpenKfID: kf, ExternalUserID: "wmU", Type: 3},
		"both": {OpenKfID: kf, ExternalUserID: "wmU", Type: customerservice.UpgradeMember,
			Member: &customerservice.UpgradeMemberParams{UserID: "a"}, GroupChat: &customerservice.UpgradeGroupChatParams{ChatID: "b"}},
		"no customer": {OpenKfID: kf, Type: 1, Member: &customerservice.UpgradeMemberParams{UserID: "a"}},
	} {
		if err := svc.UpgradeService(ctx, bad); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
