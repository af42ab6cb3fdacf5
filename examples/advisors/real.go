package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
)

// runReal makes the read-only run on the real API (see the package comment for what it skips).
func runReal(ctx context.Context, cfg config) error {
	env := func(k string) string { return strings.TrimSpace(os.Getenv(k)) }
	var missing []string
	for _, k := range []string{"WECOM_CORP_ID", "WECOM_SECRET", "WECOM_ADVISORS"} {
		if env(k) == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("real API mode needs %s (see go doc ./examples/advisors)", strings.Join(missing, ", "))
	}
	var advisors []string
	for _, id := range strings.Split(env("WECOM_ADVISORS"), ",") {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(advisors, id) {
			advisors = append(advisors, id)
		}
	}
	if len(advisors) > maxAdvisors {
		return fmt.Errorf("WECOM_ADVISORS has %d userids, at most %d", len(advisors), maxAdvisors)
	}
	var pairs []handover
	for _, pr := range strings.Split(env("WECOM_TRANSFERS"), ",") {
		if pr = strings.TrimSpace(pr); pr == "" {
			continue
		}
		from, to, ok := strings.Cut(pr, ":")
		if !ok || from == "" || to == "" {
			return fmt.Errorf("WECOM_TRANSFERS: %q is not handover:takeover", pr)
		}
		pairs = append(pairs, handover{from: from, to: to})
	}
	var opts []client.Option
	if base := env("WECOM_BASE_URL"); base != "" {
		opts = append(opts, client.WithBaseURL(base))
	}
	c, err := client.New(client.CorpApp{CorpID: env("WECOM_CORP_ID"), Secret: env("WECOM_SECRET")}, opts...)
	if err != nil {
		return err
	}
	log := newNarrator(os.Stdout, cfg.verbose)
	log.Printf("advisors: Little Sprout Dairy's feeding-advisor programme on the WeCom API, corp %s (reads only, apart from the programme's link; -parents and -advisors are for the simulator)", env("WECOM_CORP_ID"))
	names := map[string]string{}
	for _, a := range advisors {
		names[a] = a
	}
	p := newProgramme(c, names, log)
	now := time.Now()
	wk := lastWeek(now)
	var sum realSummary

	log.Printf("Step 1 — the acquisition link (kf messages and welcome messages need live parents and callbacks: skipped)")
	if err := p.setupLink(ctx, advisors); err != nil {
		return err
	}
	customers, err := p.linkCustomers(ctx)
	if err != nil {
		return err
	}
	sum.customers = len(customers)

	log.Printf("Step 2 — the weekly report and the past week's mass messages (creating one would reach real customers: skipped)")
	if sum.newContacts, err = p.weeklyReport(ctx, advisors, wk); err != nil {
		return err
	}
	byCorp := contacts.CreatedByCorp
	for m, err := range p.ct.ListMassMessages(ctx, contacts.ListMassMessagesParams{StartTime: wk.from, EndTime: now.Unix(), CreatedBy: &byCorp}) {
		if err != nil {
			return fmt.Errorf("mass messages of the week: %w", err)
		}
		sum.massMessages++
		n, err := p.massReach(ctx, m.MsgID)
		if err != nil {
			return err
		}
		sum.reached += n
	}
	if sum.massMessages == 0 {
		log.Printf("  no mass message created by the corp since %s", day(wk.from))
	}

	log.Printf("Step 3 — the past week's moments (posting one would reach real customers: skipped)")
	for m, err := range p.ct.ListMoments(ctx, contacts.ListMomentsParams{StartTime: wk.from, EndTime: now.Unix(), CreatedBy: &byCorp}) {
		if err != nil {
			return fmt.Errorf("moments of the week: %w", err)
		}
		sum.moments++
		seen, _, _, err := p.momentReach(ctx, m.MomentID)
		if err != nil {
			return err
		}
		sum.seen += seen
	}
	if sum.moments == 0 {
		log.Printf("  no moment created by the corp since %s", day(wk.from))
	}

	log.Printf("Step 4 — handovers (starting one would move real customers: skipped)")
	waiting := map[string]int{}
	for u, err := range p.ct.ListUnassignedCustomers(ctx, contacts.UnassignedParams{}) {
		if err != nil {
			return fmt.Errorf("customers awaiting a handover: %w", err)
		}
		waiting[u.HandoverUserID]++
		sum.unassigned++
	}
	log.Printf("  %d customers of members who left await a handover: %s", sum.unassigned, tally(waiting, 8))
	if len(pairs) > 0 {
		var both []handover
		for _, h := range pairs {
			both = append(both, h, handover{from: h.from, to: h.to, resigned: true})
		}
		by, err := p.transferStatus(ctx, both)
		if err != nil {
			return err
		}
		sum.handedOver, sum.refused = by[contacts.TransferDone], by[contacts.TransferRefused]
	} else {
		log.Printf("  set WECOM_TRANSFERS=handover:takeover,… to follow handovers")
	}

	log.Printf("Step 5 — the week's statistics")
	if err := p.linkStats(ctx, wk); err != nil {
		return err
	}
	if err := p.groupStats(ctx, advisors, wk); err != nil {
		return err
	}
	log.Flush()
	st := p.snapshot()
	log.Printf("advisors: %d customers through the link, %d mass messages reached %d, %d moments seen by %d, %d customers awaiting a handover, %d handed over (%d refused), stats: %d new contacts",
		sum.customers, sum.massMessages, sum.reached, sum.moments, sum.seen, sum.unassigned, sum.handedOver, sum.refused, sum.newContacts)
	if st.Failed > 0 {
		return errors.New("some steps failed (see the FAILED lines)")
	}
	return nil
}

// realSummary holds the numbers of the real run's last line.
type realSummary struct {
	customers, massMessages, reached, moments, seen, unassigned, handedOver, refused, newContacts int
}
