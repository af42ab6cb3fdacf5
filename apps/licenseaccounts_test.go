package apps_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// licEnd is when an account activated at t for days ends: 0:00 Beijing time after the last day.
func licEnd(t time.Time, days int) int64 {
	cst := time.FixedZone("CST", 8*3600)
	y, m, d := t.Add(time.Duration(days) * 24 * time.Hour).In(cst).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, cst).Unix()
}

// Activation: a code binds one member once; a member holds one code per type; a new code
// replaces an old one only with 20 days or less left, and takes over its time.
func TestLicenseActivation(t *testing.T) {
	t.Parallel()
	ls := newLicenseSetup(t)
	ctx := t.Context()
	codes := ls.codes(t, 3, 1)
	activate := func(code, user string) error {
		return ls.p.ActivateLicense(ctx, apps.ActivateLicenseParams{ActiveCode: code, CorpID: licCorp, UserID: user})
	}
	now := ls.srv.LicenseClock()
	if err := activate(codes[0], "li.na"); err != nil {
		t.Fatal(err)
	}
	wecomtest.WantCode(t, activate(codes[0], "li.na"), 701011)
	wecomtest.WantCode(t, activate(codes[0], "zhao.lei"), 701003)
	wecomtest.WantCode(t, activate("nope", "zhao.lei"), 701021)
	wecomtest.WantCode(t, ls.p.ActivateLicense(ctx, apps.ActivateLicenseParams{ActiveCode: codes[1], CorpID: "wwother", UserID: "x"}), 701021)
	info, err := ls.p.GetLicenseCode(ctx, licCorp, codes[0])
	if err != nil || info.Status != apps.LicenseCodeBound || info.UserID != "li.na" || info.Type != apps.LicenseBase ||
		info.ExpireTime != licEnd(now, 372) || info.ActiveTime < now.Unix() || info.CreateTime == 0 {
		t.Fatalf("bound code %+v, %v (want expiry %d)", info, err, licEnd(now, 372))
	}
	// A second base code for li.na: the first has a year left.
	wecomtest.WantCode(t, activate(codes[1], "li.na"), 701082)

	res, err := ls.p.BatchActivateLicenses(ctx, licCorp, []apps.LicenseActivation{
		{ActiveCode: codes[1], UserID: "zhao.lei"}, {ActiveCode: codes[0], UserID: "wang.fang"}, {ActiveCode: codes[2], UserID: "zhao.lei"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := []int{res[0].ErrCode, res[1].ErrCode, res[2].ErrCode}; !slices.Equal(got, []int{701020, 701003, 701020}) {
		t.Errorf("batch results %v", got)
	}
	if err := ls.p.ActivateLicenseByType(ctx, apps.ActivateLicenseByTypeParams{Type: apps.LicenseExternalContact, CorpID: licCorp, UserID: "li.na"}); err != nil {
		t.Fatal(err)
	}
	err = ls.p.ActivateLicenseByType(ctx, apps.ActivateLicenseByTypeParams{Type: apps.LicenseExternalContact, CorpID: licCorp, UserID: "zhao.lei"})
	wecomtest.WantCode(t, err, 701072) // no free 互通 code left
	m, err := ls.p.GetMemberLicenses(ctx, licCorp, "li.na")
	if err != nil || !bool(m.Active) || len(m.Accounts) != 2 || m.Accounts[1].ActiveCode != codes[3] {
		t.Errorf("li.na %+v, %v", m, err)
	}
	if m, err := ls.p.GetMemberLicenses(ctx, licCorp, "nobody"); err != nil || bool(m.Active) || len(m.Accounts) != 0 {
		t.Errorf("nobody %+v, %v", m, err)
	}

	// 19 days before the end, a new code takes over the rest.
	ls.srv.AdvanceLicenseClock(time.Unix(info.ExpireTime, 0).Sub(ls.srv.LicenseClock()) - 19*24*time.Hour)
	later := ls.srv.LicenseClock()
	if err := activate(codes[1], "li.na"); err != nil {
		t.Fatal(err)
	}
	old, _ := ls.p.GetLicenseCode(ctx, licCorp, codes[0])
	cur, _ := ls.p.GetLicenseCode(ctx, licCorp, codes[1])
	// The clock runs on during the call: allow a second or two.
	near := func(got, want int64) bool { return got >= want-2 && got <= want+2 }
	if old.Status != apps.LicenseCodeMerged || old.MergeInfo == nil || old.MergeInfo.ToActiveCode != codes[1] || !near(old.ExpireTime, later.Unix()) {
		t.Errorf("replaced code %+v, want expiry %d", old, later.Unix())
	}
	if cur.MergeInfo == nil || cur.MergeInfo.FromActiveCode != codes[0] || !near(cur.ExpireTime, licEnd(later, 372)+19*86400) {
		t.Errorf("new code %+v, want expiry %d", cur, licEnd(later, 372)+19*86400)
	}
	wecomtest.WantCode(t, activate(codes[0], "zhao.lei"), 701021) // a merged code is spent

	var listed []string
	for a, err := range ls.p.ListActivatedLicenses(ctx, apps.ListActivatedLicensesParams{CorpID: licCorp, Limit: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, a.UserID)
	}
	if !slices.Equal(listed, []string{"li.na", "li.na"}) { // zhao.lei's batch failed
		t.Errorf("activated accounts %v", listed)
	}
	batch, err := ls.p.BatchGetLicenseCodes(ctx, licCorp, []string{codes[0], codes[3], "nope"})
	if err != nil || len(batch.Codes) != 2 || !slices.Equal(batch.Invalid, []string{"nope"}) {
		t.Errorf("batch %+v, %v", batch, err)
	}
}

// An account expires at its end: the code shows 3, the member is no longer active, the corp's
// list keeps it.
func TestLicenseExpiry(t *testing.T) {
	t.Parallel()
	ls := newLicenseSetup(t)
	ctx := t.Context()
	code := ls.activate(t, "li.na", apps.LicenseBase)
	info, _ := ls.p.GetLicenseCode(ctx, licCorp, code)
	ls.srv.AdvanceLicenseClock(time.Unix(info.ExpireTime, 0).Sub(ls.srv.LicenseClock()))
	if info, err := ls.p.GetLicenseCode(ctx, licCorp, code); err != nil || info.Status != apps.LicenseCodeExpired {
		t.Errorf("code at its end %+v, %v", info, err)
	}
	if m, err := ls.p.GetMemberLicenses(ctx, licCorp, "li.na"); err != nil || bool(m.Active) || len(m.Accounts) != 1 {
		t.Errorf("member %+v, %v", m, err)
	}
	if pg, err := ls.p.ListActivatedLicensesPage(ctx, apps.ListActivatedLicensesParams{CorpID: licCorp}); err != nil || len(pg.Accounts) != 1 {
		t.Errorf("list %+v, %v", pg, err)
	}
	// An expired account takes a new code at once, with nothing left to stack.
	err := ls.p.ActivateLicenseByType(ctx, apps.ActivateLicenseByTypeParams{Type: apps.LicenseBase, CorpID: licCorp, UserID: "li.na"})
	wecomtest.WantCode(t, err, 701072) // no free code yet
	fresh := ls.codes(t, 1, 0)[0]
	now := ls.srv.LicenseClock()
	if err := ls.p.ActivateLicenseByType(ctx, apps.ActivateLicenseByTypeParams{Type: apps.LicenseBase, CorpID: licCorp, UserID: "li.na"}); err != nil {
		t.Fatal(err)
	}
	if info, err := ls.p.GetLicenseCode(ctx, licCorp, fresh); err != nil || info.Status != apps.LicenseCodeBound || info.ExpireTime != licEnd(now, 372) {
		t.Errorf("new code %+v, %v; want expiry %d", info, err, licEnd(now, 372))
	}
	if m, err := ls.p.GetMemberLicenses(ctx, licCorp, "li.na"); err != nil || !bool(m.Active) {
		t.Errorf("member after the new code %+v, %v", m, err)
	}
}

// Inheritance: valid accounts move to a member of the same corp; a member in service hands an
// account over again only after 30 days, one who left at any time; a receiver keeps a type only
// with 20 days or less left.
func TestLicenseTransfer(t *testing.T) {
	t.Parallel()
	ls := newLicenseSetup(t)
	ctx := t.Context()
	transfer := func(from, to string) int {
		t.Helper()
		res, err := ls.p.TransferLicenses(ctx, licCorp, []apps.LicenseTransfer{{HandoverUserID: from, TakeoverUserID: to}})
		if err != nil || len(res) != 1 {
			t.Fatalf("%+v, %v", res, err)
		}
		return res[0].ErrCode
	}
	code := ls.activate(t, "li.na", apps.LicenseBase)
	ls.activate(t, "sun.li", apps.LicenseBase)
	if c := transfer("li.na", "zhao.lei"); c != 0 {
		t.Fatalf("transfer: %d", c)
	}
	if info, _ := ls.p.GetLicenseCode(ctx, licCorp, code); info.UserID != "zhao.lei" || info.Status != apps.LicenseCodeBound {
		t.Errorf("moved code %+v", info)
	}
	if c := transfer("li.na", "wang.fang"); c != 701016 {
		t.Errorf("nothing left to hand over: %d, want 701016", c)
	}
	if c := transfer("sun.li", "zhao.lei"); c != 701018 {
		t.Errorf("receiver with a year left: %d, want 701018", c)
	}
	// The corp gets an address book without zhao.lei: he left, and may hand over at once.
	ls.srv.AddUsers(licCorp, wecomtest.SeedUser{UserID: "wang.fang", Name: "王芳", Department: []int{1}},
		wecomtest.SeedUser{UserID: "chen.jie", Name: "陈杰", Department: []int{1}})
	if c := transfer("zhao.lei", "li.na"); c != 701019 {
		t.Errorf("to a member who left: %d, want 701019", c)
	}
	if c := transfer("zhao.lei", "wang.fang"); c != 0 {
		t.Fatalf("from a member who left: %d", c)
	}
	// wang.fang is in service: 30 days before the account moves again.
	if c := transfer("wang.fang", "chen.jie"); c != 701017 {
		t.Errorf("moved again at once: %d, want 701017", c)
	}
	ls.srv.AdvanceLicenseClock(30 * 24 * time.Hour)
	if c := transfer("wang.fang", "chen.jie"); c != 0 {
		t.Errorf("after 30 days: %d", c)
	}
}

// Sharing: an upstream corp's unbound codes go to a downstream corp the app is shared with; the
// downstream activates them.
func TestLicenseShare(t *testing.T) {
	t.Parallel()
	ls := newLicenseSetup(t)
	ctx := t.Context()
	ls.chain(t)
	codes := ls.codes(t, 3, 0)
	if err := ls.p.ActivateLicense(ctx, apps.ActivateLicenseParams{ActiveCode: codes[2], CorpID: licCorp, UserID: "li.na"}); err != nil {
		t.Fatal(err)
	}
	share := func(to string, link apps.CorpLinkType, codes ...string) ([]apps.LicenseShareFailure, error) {
		return ls.p.ShareLicenseCodes(ctx, apps.ShareLicenseCodesParams{FromCorpID: licCorp, ToCorpID: to, ActiveCodes: codes, LinkType: link})
	}
	_, err := share(licDownstream, apps.CorpLinkLinked, codes[0])
	wecomtest.WantCode(t, err, 701058) // a chain, not linked corps
	_, err = share("wwstranger00001", apps.CorpLinkChain, codes[0])
	wecomtest.WantCode(t, err, 701058)
	failed, err := share(licDownstream, apps.CorpLinkChain, codes[0], codes[1], codes[2], "nope")
	if err != nil || len(failed) != 2 || failed[0].ActiveCode != codes[2] || failed[0].ErrCode != 701003 || failed[1].ErrCode != 701021 {
		t.Fatalf("share: %+v, %v", failed, err)
	}
	if failed, _ := share(licDownstream, apps.CorpLinkChain, codes[0]); len(failed) != 1 || failed[0].ErrCode != 701055 {
		t.Errorf("shared twice: %+v", failed)
	}
	up, _ := ls.p.GetLicenseCode(ctx, licCorp, codes[0])
	down, _ := ls.p.GetLicenseCode(ctx, licDownstream, codes[0])
	if up.Status != apps.LicenseCodeShared || up.ShareInfo == nil || up.ShareInfo.ToCorpID != licDownstream ||
		down.Status != apps.LicenseCodeUnbound || down.ShareInfo == nil || down.ShareInfo.FromCorpID != licCorp {
		t.Errorf("upstream view %+v, downstream view %+v", up, down)
	}
	wecomtest.WantCode(t, ls.p.ActivateLicense(ctx, apps.ActivateLicenseParams{ActiveCode: codes[0], CorpID: licCorp, UserID: "li.na"}), 701055)
	if err := ls.p.ActivateLicense(ctx, apps.ActivateLicenseParams{ActiveCode: codes[0], CorpID: licDownstream, UserID: "ding.yi"}); err != nil {
		t.Fatal(err)
	}
	pg, err := ls.p.ListActivatedLicensesPage(ctx, apps.ListActivatedLicensesParams{CorpID: licDownstream})
	if err != nil || len(pg.Accounts) != 1 || pg.Accounts[0].UserID != "ding.yi" {
		t.Errorf("downstream accounts %+v, %v", pg, err)
	}
	if pg, _ := ls.p.ListActivatedLicensesPage(ctx, apps.ListActivatedLicensesParams{CorpID: licCorp}); len(pg.Accounts) != 1 || pg.Accounts[0].UserID != "li.na" {
		t.Errorf("upstream accounts %+v", pg)
	}
}

// After the trial, the corp's 互通 calls are refused for a member without an account; an
// account, or auto-activation with a free code, lets them through.
func TestLicenseTrialAndCheck(t *testing.T) {
	t.Parallel()
	ls := newLicenseSetup(t)
	ctx := t.Context()
	list := func(user string) error {
		return ls.corp.Do(ctx, http.MethodGet, "/cgi-bin/externalcontact/list", url.Values{"userid": {user}}, nil, nil)
	}
	var follows []wecomtest.SeedFollow
	for _, u := range []string{"li.na", "zhao.lei", "wang.fang", "chen.jie"} {
		follows = append(follows, wecomtest.SeedFollow{UserID: u, AddWay: 1, CreateTime: 1700000000})
	}
	ls.srv.AddExternalContacts(licCorp, wecomtest.SeedExternalContact{ExternalUserID: "wmLic000001", Name: "Customer", FollowUsers: follows})
	if err := list("li.na"); err != nil {
		t.Fatalf("during the trial: %v", err)
	}
	info, err := ls.p.GetAppLicenseInfo(ctx, apps.AppLicenseInfoParams{CorpID: licCorp, SuiteID: testSuiteID})
	if err != nil || info.Trial == nil || info.LicenseCheckTime != info.Trial.EndTime {
		t.Fatalf("licence info %+v, %v", info, err)
	}
	ls.srv.AdvanceLicenseClock(time.Unix(info.Trial.EndTime, 0).Sub(ls.srv.LicenseClock()) + time.Second)
	wecomtest.WantCode(t, list("li.na"), client.CodeNoInterfaceLicense)
	ls.activate(t, "li.na", apps.LicenseBase)
	wecomtest.WantCode(t, list("li.na"), client.CodeNoInterfaceLicense) // a base account is not enough
	ls.activate(t, "zhao.lei", apps.LicenseExternalContact)
	if err := list("zhao.lei"); err != nil {
		t.Errorf("with a 互通 account: %v", err)
	}

	// Auto-activation gives wang.fang the corp's free 互通 code when the call needs it.
	_, err = ls.p.GetLicenseAutoActive(ctx, "wwnotbought0001")
	wecomtest.WantCode(t, err, 701071)
	free := ls.codes(t, 0, 1)[0]
	if err := ls.p.SetLicenseAutoActive(ctx, licCorp, apps.AutoActiveOn); err != nil {
		t.Fatal(err)
	}
	if err := list("wang.fang"); err != nil {
		t.Fatalf("auto-activated: %v", err)
	}
	if info, _ := ls.p.GetLicenseCode(ctx, licCorp, free); info.UserID != "wang.fang" {
		t.Errorf("free code %+v", info)
	}
	wecomtest.WantCode(t, list("chen.jie"), client.CodeNoInterfaceLicense) // no free code left
}
