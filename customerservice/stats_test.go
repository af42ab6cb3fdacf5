package customerservice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestStatistics(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, srv, kf := setup(t)
	for _, c := range []string{"wmS1", "wmS2", "wmS1"} {
		if _, err := srv.CustomerSays(kf, c, "hi"); err != nil {
			t.Fatal(err)
		}
	}
	srv.AdvanceKfClock(24 * time.Hour) // statistics end yesterday
	now := time.Now().Add(24 * time.Hour)
	p := customerservice.StatisticsParams{OpenKfID: kf, Start: now.AddDate(0, 0, -2), End: now.AddDate(0, 0, -1)}
	days, err := svc.CorpStatistics(ctx, p)
	if err != nil || len(days) != 2 {
		t.Fatalf("corp: %+v %v", days, err)
	}
	if days[0].Statistic != nil {
		t.Errorf("a day without data has figures: %+v", days[0].Statistic)
	}
	st := days[1].Statistic
	if st == nil || *st.CustomerMsgCnt != 3 || *st.CustomerCnt != 2 || st.AITransferRate != nil {
		t.Fatalf("yesterday: %+v", st)
	}
	p.ServicerUserID = "zhangsan"
	sdays, err := svc.ServicerStatistics(ctx, p)
	if err != nil || len(sdays) != 2 || sdays[1].Statistic == nil || *sdays[1].Statistic.ReplyRate != 0 {
		t.Fatalf("servicer: %+v %v", sdays, err)
	}
	for name, bad := range map[string]customerservice.StatisticsParams{
		"32 days":      {OpenKfID: kf, Start: now.AddDate(0, 0, -33), End: now.AddDate(0, 0, -1)},
		"reversed":     {OpenKfID: kf, Start: now, End: now.AddDate(0, 0, -1)},
		"no account":   {Start: now.AddDate(0, 0, -2), End: now.AddDate(0, 0, -1)},
		"corp+member":  {OpenKfID: kf, ServicerUserID: "x", Start: now.AddDate(0, 0, -2), End: now.AddDate(0, 0, -1)},
		"unset period": {OpenKfID: kf},
	} {
		if _, err := svc.CorpStatistics(ctx, bad); !errors.Is(err, client.ErrInvalidParams) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := svc.CorpStatistics(ctx, customerservice.StatisticsParams{OpenKfID: kf, Start: now, End: now}); wecomtest.ErrCode(err) != client.CodeInvalidParameter {
		t.Errorf("today: %v, want the platform's 40058", err)
	}
	if bound, err := svc.CorpQualification(ctx); err != nil || bound {
		t.Errorf("CorpQualification = %v, %v", bound, err)
	}
}

// TestStatisticsRangeInChinaDays: the platform rounds both ends down to 00:00 China time, so
// 23:00 on day 1 to 01:00 on day 32 is 32 days although the instants are under 31 days apart.
func TestStatisticsRangeInChinaDays(t *testing.T) {
	t.Parallel()
	svc, srv, kf := setup(t)
	cst := time.FixedZone("CST", 8*3600)
	y, m, d := time.Now().In(cst).AddDate(0, 0, -1).Date()
	end := time.Date(y, m, d, 1, 0, 0, 0, cst)       // 01:00 yesterday
	start := time.Date(y, m, d-31, 23, 0, 0, 0, cst) // 23:00, 31 days before
	p := customerservice.StatisticsParams{OpenKfID: kf, Start: start, End: end}
	if _, err := svc.CorpStatistics(context.Background(), p); !errors.Is(err, client.ErrInvalidParams) {
		t.Fatalf("32 China days: %v, want ErrInvalidParams", err)
	}
	if n := srv.Calls("/cgi-bin/kf/get_corp_statistic"); n != 0 {
		t.Fatalf("sent %d times", n)
	}
	p.Start = time.Date(y, m, d-30, 23, 0, 0, 0, cst) // 31 days: allowed
	if days, err := svc.CorpStatistics(context.Background(), p); err != nil || len(days) != 31 {
		t.Fatalf("31 China days: %d days, %v", len(days), err)
	}
}
