package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
)

// payPoll is how often the real-API path reads an order while the buyer pays it.
const payPoll = 5 * time.Second

// license buys interface licences (接口调用许可) for the corp's admin and members: one order of
// one-month 互通 accounts (the app reads the members' customers, which needs 互通), paid by the
// buyer, whose active codes then activate the admin and the members. On the simulator the
// corp's free trial ends first, and the app's call for a member is refused until the member is
// activated.
func (f *flow) license(ctx context.Context, c customer) error {
	users := c.users()
	if len(users) == 0 {
		fmt.Printf("licences: %s: no member to license\n", c.name)
		return nil
	}
	corp, err := f.fleet.Corp(ctx, c.corpID)
	if err != nil {
		return err
	}
	probe := users[len(users)-1] // a member whose customers the app reads
	var before string
	if f.sim != nil {
		f.sim.srv.EndLicenseTrial(c.corpID) // 90 days later
		_, err := contacts.New(corp).ListExternalContacts(ctx, probe)
		if errCode(err) != client.CodeNoInterfaceLicense {
			return fmt.Errorf("%s's customers without a licence: %v, want errcode %d", probe, err, client.CodeNoInterfaceLicense)
		}
		before = fmt.Sprintf("trial over, %s's customers refused (errcode %d); ", probe, client.CodeNoInterfaceLicense)
	}
	if f.provider == nil || f.set.buyer == "" {
		fmt.Printf("licences: %s: skipped (set WECOM_PROVIDER_CORP_ID, WECOM_PROVIDER_SECRET and WECOM_LICENSE_BUYER)\n", c.name)
		return nil
	}

	orderID, err := f.provider.CreateLicenseOrder(ctx, apps.CreateLicenseOrderParams{
		CorpID: c.corpID, BuyerUserID: f.set.buyer,
		Count: apps.LicenseCount{ExternalContact: len(users)}, Duration: apps.LicenseDuration{Months: 1},
	})
	if err != nil {
		return fmt.Errorf("order: %w", err)
	}
	paid, err := f.pay(ctx, c, orderID)
	if err != nil || !paid {
		return err
	}
	var codes []string
	for a, err := range f.provider.ListLicenseOrderAccounts(ctx, apps.ListLicenseOrderAccountsParams{OrderID: orderID}) {
		if err != nil {
			return fmt.Errorf("codes of order %s: %w", orderID, err)
		}
		codes = append(codes, a.ActiveCode)
	}
	if len(codes) < len(users) {
		return fmt.Errorf("order %s has %d active codes for %d members", orderID, len(codes), len(users))
	}

	// The admin with one call, the members with one batch call.
	var activated []string
	var failed []string
	rest := users
	if c.admin != "" {
		err := f.provider.ActivateLicense(ctx, apps.ActivateLicenseParams{ActiveCode: codes[0], CorpID: c.corpID, UserID: c.admin})
		switch code := errCode(err); {
		case code == 0:
			activated = append(activated, "admin "+c.admin)
		case code > 0:
			failed = append(failed, fmt.Sprintf("%s (errcode %d)", c.admin, code))
		default:
			return fmt.Errorf("activating %s: %w", c.admin, err)
		}
		codes, rest = codes[1:], users[1:]
	}
	if len(rest) > 0 {
		list := make([]apps.LicenseActivation, len(rest))
		holder := make(map[string]string, len(rest)) // active code → member
		for i, id := range rest {
			list[i] = apps.LicenseActivation{ActiveCode: codes[i], UserID: id}
			holder[codes[i]] = id
		}
		results, err := f.provider.BatchActivateLicenses(ctx, c.corpID, list)
		if err != nil {
			return fmt.Errorf("activating the members: %w", err)
		}
		ok := 0
		for _, r := range results {
			if r.ErrCode == 0 {
				ok++
			} else {
				failed = append(failed, fmt.Sprintf("%s (errcode %d)", holder[r.ActiveCode], r.ErrCode))
			}
		}
		activated = append(activated, fmt.Sprintf("%d members", ok))
	}
	if f.sim != nil && len(failed) > 0 {
		return fmt.Errorf("activation failed for %s", strings.Join(failed, ", "))
	}

	var after string
	if f.sim != nil {
		ids, err := contacts.New(corp).ListExternalContacts(ctx, probe)
		if err != nil {
			return fmt.Errorf("%s's customers after activation: %w", probe, err)
		}
		after = fmt.Sprintf(", %s reads %d customers", probe, len(ids))
	}
	active := 0
	for _, err := range f.provider.ListActivatedLicenses(ctx, apps.ListActivatedLicensesParams{CorpID: c.corpID}) {
		if err != nil {
			return fmt.Errorf("active accounts: %w", err)
		}
		active++
	}
	f.licences += active
	var failures string
	if len(failed) > 0 {
		failures = "; not activated: " + strings.Join(failed, ", ")
	}
	fmt.Printf("licences: %s: %sorder %s for %d 互通 accounts paid, %s activated%s%s; %d licences active\n",
		c.name, before, orderID, len(users), strings.Join(activated, " and "), failures, after, active)
	return nil
}

// pay has the buyer pay the order: the simulator pays it as the buyer does in the provider
// admin console; on the real API it waits for that, up to -pay-timeout, and cancels the order
// still unpaid then (paid false).
func (f *flow) pay(ctx context.Context, c customer, orderID string) (paid bool, err error) {
	if f.sim != nil {
		return true, f.sim.srv.PayLicenseOrder(orderID)
	}
	fmt.Printf("licences: %s: order %s waits for the buyer to pay it in the provider admin console (up to %s)\n", c.name, orderID, f.cfg.payTimeout)
	wait, cancel := context.WithTimeout(ctx, f.cfg.payTimeout)
	defer cancel()
	tick := time.NewTicker(payPoll)
	defer tick.Stop()
	for {
		o, err := f.provider.GetLicenseOrder(wait, orderID)
		switch {
		case err == nil && o.OrderStatus == apps.LicenseOrderPaid:
			return true, nil
		case err == nil && o.OrderStatus != apps.LicenseOrderPending:
			return false, fmt.Errorf("order %s: status %d, neither pending nor paid", orderID, o.OrderStatus)
		case err != nil && wait.Err() == nil:
			return false, fmt.Errorf("order %s: %w", orderID, err)
		}
		select {
		case <-tick.C:
			continue
		case <-wait.Done():
		}
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err := f.provider.CancelLicenseOrder(ctx, c.corpID, orderID); err != nil {
			// Paid since the last look: cancel_order takes unpaid orders only.
			if o, err := f.provider.GetLicenseOrder(ctx, orderID); err == nil && o.OrderStatus == apps.LicenseOrderPaid {
				return true, nil
			}
			return false, fmt.Errorf("order %s unpaid after %s, and cancelling it failed: %w", orderID, f.cfg.payTimeout, err)
		}
		fmt.Printf("licences: %s: order %s unpaid after %s: cancelled, no member activated\n", c.name, orderID, f.cfg.payTimeout)
		return false, nil
	}
}
