package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/webhook"
)

const (
	// linkName is the programme's customer acquisition link (at most 30 characters): the
	// program finds it by name, so runs reuse it.
	linkName = "Sprout feeding advisors"
	// kfChannel is the customer_channel of the link cards the kf desk sends: it comes back as
	// the State of the customers they bring.
	kfChannel = "kfdesk"
	// guideURL is the feeding guide the welcome message and the weekly tip link to.
	guideURL = "https://www.example.com/sprout/feeding-guide"
)

// chinaTime is the zone WeCom's statistics count days in.
var chinaTime = time.FixedZone("CST", 8*3600)

// programme is the brand's back office for its advisors: the kf desk's advisor requests, the
// callbacks of customer contact, and the weekly routines.
type programme struct {
	ct    *contacts.Service
	kf    *customerservice.Service
	log   *narrator
	names map[string]string // advisor userid → name, for the welcome messages

	link    *contacts.AcquisitionLink
	cardURL string // link.URL with customer_channel=kfdesk

	mu sync.Mutex
	st counts
}

// counts are what the programme saw through its callbacks and calls.
type counts struct {
	Cards        int // link cards the kf desk sent
	Added        int // add_external_contact callbacks of link customers (with a WelcomeCode)
	FromDesk     int // … of them with State kfdesk
	Welcomed     int // welcome messages sent
	TakenOver    int // add_external_contact callbacks of handovers (no WelcomeCode)
	Refused      int // transfer_fail callbacks
	OwnerChanges int // change_external_chat change_owner callbacks
	Failed       int // failed steps (FAILED lines)
}

func newProgramme(c *client.Client, names map[string]string, log *narrator) *programme {
	return &programme{ct: contacts.New(c), kf: customerservice.New(c), log: log, names: names}
}

func (p *programme) snapshot() counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.st
}

func (p *programme) count(f func(*counts)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.st)
}

// fail records a failed step that the run goes on after.
func (p *programme) fail(what string, err error) {
	p.count(func(c *counts) { c.Failed++ })
	p.log.Printf("    FAILED    %s: %v", what, err)
}

// ---- step 1: the acquisition link, the kf desk and the welcome message ----

// setupLink finds the programme's link among those this app created, or creates it, with the
// advisors as its range: the link hands each new customer to the next advisor.
func (p *programme) setupLink(ctx context.Context, advisors []string) error {
	for id, err := range p.ct.ListAcquisitionLinks(ctx, contacts.ListAcquisitionLinksParams{}) {
		if err != nil {
			return fmt.Errorf("list acquisition links: %w", err)
		}
		d, err := p.ct.GetAcquisitionLink(ctx, id)
		if err != nil {
			return fmt.Errorf("acquisition link %s: %w", id, err)
		}
		if d.Link.Name != linkName {
			continue
		}
		if !slices.Equal(slices.Sorted(slices.Values(d.Range.Users)), slices.Sorted(slices.Values(advisors))) || len(d.Range.Departments) > 0 {
			err := p.ct.UpdateAcquisitionLink(ctx, contacts.UpdateAcquisitionLinkParams{LinkID: id, Range: &contacts.AcquisitionRange{Users: advisors}})
			if err != nil {
				return fmt.Errorf("update the range of link %s: %w", id, err)
			}
			p.log.Printf("  link %q (%s): range set to the %d advisors", linkName, id, len(advisors))
		}
		p.link = &d.Link
		break
	}
	if p.link == nil {
		l, err := p.ct.CreateAcquisitionLink(ctx, contacts.CreateAcquisitionLinkParams{
			Name: linkName, Range: contacts.AcquisitionRange{Users: advisors}, SkipVerify: client.Ptr(true),
		})
		if err != nil {
			return fmt.Errorf("create the acquisition link: %w", err)
		}
		p.link = l
		p.log.Printf("  created the acquisition link %q (%s) for %d advisors", linkName, l.LinkID, len(advisors))
	}
	u, err := url.Parse(p.link.URL)
	if err != nil {
		return fmt.Errorf("link URL %q: %w", p.link.URL, err)
	}
	q := u.Query()
	q.Set("customer_channel", kfChannel)
	u.RawQuery = q.Encode()
	p.cardURL = u.String()
	p.log.Printf("  card the kf desk sends: %s", p.cardURL)
	return nil
}

// listen builds the callback handler: kf messages (the desk) and customer contact events
// (adds, failed handovers, group owner changes) share one callback URL and its settings.
func (p *programme) listen(token, aesKey, corpID string) (*webhook.Handler, error) {
	cr, err := webhook.NewCrypto(token, aesKey, corpID)
	if err != nil {
		return nil, fmt.Errorf("callback settings: %w", err)
	}
	h := webhook.NewHandler(cr)
	if err := p.kf.HandleKfCallbacks(h, customerservice.CallbackParams{Handle: p.handleKf}); err != nil {
		return nil, err
	}
	webhook.On(h, p.onAdded)
	webhook.On(h, p.onTransferFailed)
	webhook.On(h, p.onChatUpdated)
	return h, nil
}

// handleKf is the kf desk's part of the programme: a parent who writes to the desk gets the
// link card. (examples/kfdesk is the full desk.) Replies carry msgids derived from the
// parent's message, so a message handled twice is answered once.
func (p *programme) handleKf(ctx context.Context, m customerservice.Message) error {
	t, ok := m.(*customerservice.TextMessage)
	if !ok || t.Origin != customerservice.FromCustomer {
		return nil
	}
	replies := []customerservice.Content{
		customerservice.Text{Content: "Of course! Tap the card to add your own feeding advisor: they follow your baby from stage to stage, 9:00–21:00 every day."},
		customerservice.CALink{LinkURL: p.cardURL},
	}
	for i, c := range replies {
		_, err := p.kf.Send(ctx, customerservice.SendParams{OpenKfID: t.OpenKfID, ExternalUserID: t.ExternalUserID,
			MsgID: customerservice.ReplyMsgID(t.MsgID, i), Content: c})
		if err != nil && !errors.Is(err, customerservice.ErrDuplicateMsgID) {
			p.fail("kf reply to "+t.ExternalUserID, err)
			return nil
		}
	}
	p.count(func(c *counts) { c.Cards++ })
	p.log.Event("card", "%s asked %q → link card", t.ExternalUserID, t.Text.Content)
	return nil
}

// onAdded welcomes a parent the link brought, with the callback's one-shot WelcomeCode (valid
// 20 seconds); an add without a code is a customer a handover gave to a colleague.
func (p *programme) onAdded(ctx context.Context, ev *webhook.ExternalContactAdded) (webhook.Reply, error) {
	if ev.WelcomeCode == "" {
		p.count(func(c *counts) { c.TakenOver++ })
		p.log.Event("taken", "%s is now a customer of %s", ev.ExternalUserID, ev.UserID)
		return nil, nil
	}
	p.count(func(c *counts) {
		c.Added++
		if ev.State == kfChannel {
			c.FromDesk++
		}
	})
	name := p.names[ev.UserID]
	if name == "" {
		name = ev.UserID
	}
	err := p.ct.SendWelcomeMessage(ctx, contacts.WelcomeMessageParams{
		WelcomeCode: ev.WelcomeCode,
		Text: &contacts.Text{Content: fmt.Sprintf("Hi, I'm %s, your feeding advisor at Little Sprout Dairy. "+
			"Tell me your baby's age and I'll send you this week's feeding plan.", name)},
		Attachments: []contacts.Attachment{{MsgType: contacts.AttachLink,
			Link: &contacts.LinkAttachment{Title: "The Little Sprout feeding guide", URL: guideURL, Desc: "Stage by stage, from the first bottle"}}},
	})
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code == client.CodeCustomerAlreadyChatting:
		// 41051: welcomed already (a redelivered callback) or the advisor wrote first.
		p.log.Event("welcome", "%s: already welcomed", ev.ExternalUserID)
	case err != nil:
		// The code is single use and short-lived: nothing to gain from a redelivery.
		p.fail("welcome "+ev.ExternalUserID, err)
	default:
		p.count(func(c *counts) { c.Welcomed++ })
		p.log.Event("welcome", "%s added %s (channel %q) → welcome message sent", ev.ExternalUserID, name, ev.State)
	}
	return nil, nil
}

func (p *programme) onTransferFailed(_ context.Context, ev *webhook.ExternalTransferFailed) (webhook.Reply, error) {
	p.count(func(c *counts) { c.Refused++ })
	p.log.Printf("    callback  transfer_fail: %s stays with the previous advisor, not taken over by %s (%s)", ev.ExternalUserID, ev.UserID, ev.FailReason)
	return nil, nil
}

func (p *programme) onChatUpdated(_ context.Context, ev *webhook.ExternalChatUpdated) (webhook.Reply, error) {
	if ev.UpdateDetail == webhook.ChatChangeOwner {
		p.count(func(c *counts) { c.OwnerChanges++ })
		p.log.Event("owner", "club %s has a new owner", ev.ChatID)
	}
	return nil, nil
}

// linkCustomers lists the customers the link brought, by advisor and by channel.
func (p *programme) linkCustomers(ctx context.Context) ([]contacts.AcquisitionCustomer, error) {
	var all []contacts.AcquisitionCustomer
	for c, err := range p.ct.ListAcquisitionCustomers(ctx, contacts.AcquisitionCustomersParams{LinkID: p.link.LinkID}) {
		if err != nil {
			return nil, fmt.Errorf("customers of the link: %w", err)
		}
		all = append(all, c)
	}
	byAdvisor, byChannel := map[string]int{}, map[string]int{}
	for _, c := range all {
		byAdvisor[c.UserID]++
		byChannel[c.State]++
	}
	p.log.Printf("  the link brought %d customers: %s; by channel: %s", len(all), tally(byAdvisor, 8), tally(byChannel, 8))
	return all, nil
}

// tally prints "k n, k n, …" for the first max keys in order.
func tally(m map[string]int, max int) string {
	var parts []string
	keys := slices.Sorted(maps.Keys(m))
	for i, k := range keys {
		if i == max {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(keys)-max))
			break
		}
		name := k
		if name == "" {
			name = `""`
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// ---- step 2: the weekly report and the weekly tip ----

// week is a statistics period: whole days, China time, from..to both included.
type week struct{ from, to int64 }

// lastWeek is the seven days before today.
func lastWeek(now time.Time) week {
	today := contacts.StatDay(now.Unix())
	return week{from: today - 7*86400, to: today - 86400}
}

func day(ts int64) string { return time.Unix(ts, 0).In(chinaTime).Format("Mon 01-02") }

// weeklyReport reads the contact statistics of the team for the week, per day and per advisor,
// and returns the new contacts.
func (p *programme) weeklyReport(ctx context.Context, advisors []string, w week) (int, error) {
	days, err := p.ct.GetUserBehaviorData(ctx, contacts.UserBehaviorParams{Users: advisors, StartTime: w.from, EndTime: w.to})
	if err != nil {
		return 0, fmt.Errorf("contact statistics: %w", err)
	}
	total := contacts.BehaviorData{}
	var perDay []string
	for _, d := range days {
		total.NewContactCount += d.NewContactCount
		total.NewApplyCount += d.NewApplyCount
		total.ChatCount += d.ChatCount
		total.NegativeFeedbackCount += d.NegativeFeedbackCount
		perDay = append(perDay, fmt.Sprintf("%s %d", day(d.StatTime), d.NewContactCount))
	}
	p.log.Printf("  contact statistics %s – %s, %s: %s (%s sent by advisors, %s, %d deleted or blocked)",
		day(w.from), day(w.to), plural(len(advisors), "advisor"), plural(total.NewContactCount, "new contact"),
		plural(total.NewApplyCount, "friend request"), plural(total.ChatCount, "chat"), total.NegativeFeedbackCount)
	p.log.Printf("    new contacts by day: %s", strings.Join(perDay, ", "))
	for _, a := range advisors {
		days, err := p.ct.GetUserBehaviorData(ctx, contacts.UserBehaviorParams{Users: []string{a}, StartTime: w.from, EndTime: w.to})
		if err != nil {
			return 0, fmt.Errorf("contact statistics of %s: %w", a, err)
		}
		n := 0
		for _, d := range days {
			n += d.NewContactCount
		}
		p.log.Event("advisor", "%-14s %s", a, plural(n, "new contact"))
	}
	p.log.Flush()
	return total.NewContactCount, nil
}

// weeklyTip creates the week's mass message to the programme's customers: each advisor gets a
// task for their own customers and sends it from the WeCom app.
func (p *programme) weeklyTip(ctx context.Context, customers []string) (string, error) {
	res, err := p.ct.AddMassMessage(ctx, contacts.MassMessageParams{
		ChatType:        contacts.MassToCustomers,
		ExternalUserIDs: customers,
		Text:            &contacts.Text{Content: "This week's tip: a baby ready for stage 2 sleeps longer between feeds and watches you eat. Ask me before you switch!"},
		Attachments: []contacts.Attachment{{MsgType: contacts.AttachLink,
			Link: &contacts.LinkAttachment{Title: "When to move to stage 2", URL: guideURL + "#stage-2"}}},
	})
	if err != nil {
		return "", fmt.Errorf("create the weekly mass message: %w", err)
	}
	p.log.Printf("  mass message %s created for %d customers (%d cannot receive it)", res.MsgID, len(customers), len(res.FailList))
	return res.MsgID, nil
}

// massTasks returns the advisors who sent their part of a mass message and those who did not.
func (p *programme) massTasks(ctx context.Context, msgID string) (sent, unsent []string, err error) {
	for t, err := range p.ct.ListMassMessageTasks(ctx, contacts.MassTasksParams{MsgID: msgID}) {
		if err != nil {
			return nil, nil, fmt.Errorf("tasks of mass message %s: %w", msgID, err)
		}
		if t.Status == contacts.MassTaskSent {
			sent = append(sent, t.UserID)
		} else {
			unsent = append(unsent, t.UserID)
		}
	}
	return sent, unsent, nil
}

// massReach collects the send results of every advisor's part of a mass message and returns
// the customers it reached.
func (p *programme) massReach(ctx context.Context, msgID string) (int, error) {
	sent, unsent, err := p.massTasks(ctx, msgID)
	if err != nil {
		return 0, err
	}
	by := map[contacts.MassSendStatus]int{}
	for _, u := range slices.Concat(sent, unsent) {
		for r, err := range p.ct.ListMassMessageResults(ctx, contacts.MassResultsParams{MsgID: msgID, UserID: u}) {
			if err != nil {
				return 0, fmt.Errorf("results of %s's part of mass message %s: %w", u, msgID, err)
			}
			by[r.Status]++
		}
	}
	p.log.Printf("  mass message %s: %d of %d advisors sent it; reached %d customers (%d unsent, %d no longer a customer, %d over the monthly limit)",
		msgID, len(sent), len(sent)+len(unsent), by[contacts.MassSent], by[contacts.MassUnsent], by[contacts.MassNotFriend], by[contacts.MassLimitReached])
	return by[contacts.MassSent], nil
}

// ---- step 3: the moment ----

// postMoment asks the advisors to post the week's moment and waits for the job that creates
// the task.
func (p *programme) postMoment(ctx context.Context, advisors []string) (string, error) {
	job, err := p.ct.AddMomentTask(ctx, contacts.MomentParams{
		Text:         &contacts.Text{Content: "Sunday picnic with Little Sprout: bring the little ones, we bring the yogurt. Ask your advisor for a seat!"},
		VisibleRange: &contacts.MomentVisibleRange{Senders: &contacts.MomentSenders{UserIDs: advisors}},
	})
	if err != nil {
		return "", fmt.Errorf("create the moment task: %w", err)
	}
	wait, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r, err := p.ct.WaitMomentTask(wait, job)
	if err != nil {
		return "", fmt.Errorf("moment job %s: %w", job, err)
	}
	p.log.Printf("  moment %s created by job %s for %d advisors (%d unknown senders ignored)", r.MomentID, job, len(advisors), len(r.InvalidSenders.UserIDs))
	return r.MomentID, nil
}

// listMoment finds the moment in the corp's list of moments created since the run began.
func (p *programme) listMoment(ctx context.Context, momentID string, since time.Time) error {
	byCorp := contacts.CreatedByCorp
	for m, err := range p.ct.ListMoments(ctx, contacts.ListMomentsParams{StartTime: since.Add(-time.Minute).Unix(), EndTime: time.Now().Add(time.Minute).Unix(), CreatedBy: &byCorp}) {
		if err != nil {
			return fmt.Errorf("list moments: %w", err)
		}
		if m.MomentID == momentID {
			text := ""
			if m.Text != nil {
				text = m.Text.Content
			}
			p.log.Printf("  get_moment_list: %s created %s, visible to all: %t, %q", m.MomentID, time.Unix(m.CreateTime, 0).In(chinaTime).Format("Mon 15:04"),
				m.VisibleType == contacts.MomentVisibleToAll, text)
			return nil
		}
	}
	return fmt.Errorf("moment %s is not in get_moment_list", momentID)
}

// momentReach reads a corp moment back: its tasks, the customers who can see each published
// copy, and the likes and comments on them.
func (p *programme) momentReach(ctx context.Context, momentID string) (seen, likes, comments int, err error) {
	var published, pending []string
	for t, err := range p.ct.ListMomentTasks(ctx, contacts.MomentTasksParams{MomentID: momentID}) {
		if err != nil {
			return 0, 0, 0, fmt.Errorf("tasks of moment %s: %w", momentID, err)
		}
		if t.PublishStatus == contacts.MomentPublished {
			published = append(published, t.UserID)
		} else {
			pending = append(pending, t.UserID)
		}
	}
	for _, u := range published {
		n := 0
		for _, err := range p.ct.ListMomentSendResults(ctx, contacts.MomentCustomersParams{MomentID: momentID, UserID: u}) {
			if err != nil {
				return 0, 0, 0, fmt.Errorf("who sees %s's moment: %w", u, err)
			}
			n++
		}
		c, err := p.ct.GetMomentComments(ctx, momentID, u)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("comments on %s's moment: %w", u, err)
		}
		seen, likes, comments = seen+n, likes+len(c.Likes), comments+len(c.Comments)
		p.log.Event("moment", "%-14s visible to %s, %s, %s", u, plural(n, "customer"), plural(len(c.Likes), "like"), plural(len(c.Comments), "comment"))
	}
	p.log.Flush()
	p.log.Printf("  moment %s: published by %d of %d advisors (not yet: %s); seen by %d customers, %d likes, %d comments",
		momentID, len(published), len(published)+len(pending), orNone(pending), seen, likes, comments)
	return seen, likes, comments, nil
}

// plural says "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func orNone(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	if len(ids) > 5 {
		return strings.Join(ids[:5], ", ") + fmt.Sprintf(" and %d more", len(ids)-5)
	}
	return strings.Join(ids, ", ")
}

// ---- step 4: handovers ----

// handover is a pair of members whose customer handovers are followed.
type handover struct {
	from, to string
	resigned bool
}

// handOverResigned hands the customers and groups of an advisor who left to colleagues in turn.
func (p *programme) handOverResigned(ctx context.Context, leaver string, colleagues []string) (pairs []handover, chats int, err error) {
	var theirs []string
	for c, err := range p.ct.ListUnassignedCustomers(ctx, contacts.UnassignedParams{}) {
		if err != nil {
			return nil, 0, fmt.Errorf("customers awaiting a handover: %w", err)
		}
		if c.HandoverUserID == leaver {
			theirs = append(theirs, c.ExternalUserID)
		}
	}
	p.log.Printf("  %d customers of %s await a handover (get_unassigned_list)", len(theirs), leaver)
	byTaker := map[string][]string{}
	for i, ext := range theirs {
		to := colleagues[i%len(colleagues)]
		byTaker[to] = append(byTaker[to], ext)
	}
	for _, to := range slices.Sorted(maps.Keys(byTaker)) {
		parts, err := p.ct.TransferResignedCustomersInParts(ctx, contacts.TransferCustomersParams{HandoverUserID: leaver, TakeoverUserID: to, ExternalUserIDs: byTaker[to]})
		if err != nil {
			return nil, 0, fmt.Errorf("hand %s's customers to %s: %w", leaver, to, err)
		}
		p.reportOutcomes(leaver, to, parts)
		pairs = append(pairs, handover{leaver, to, true})
	}
	chats, err = p.handOverChats(ctx, leaver, colleagues, p.ct.TransferResignedGroupChatsInParts)
	return pairs, chats, err
}

// handOverOnJob hands an advisor's customers and groups to a successor while she stays with
// the corp; each customer is told who takes over.
func (p *programme) handOverOnJob(ctx context.Context, mover, successor string) (pairs []handover, chats int, err error) {
	theirs, err := p.ct.ListExternalContacts(ctx, mover)
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.Code == client.CodeNoExternalContactRelation {
		theirs, err = nil, nil // 84061: she has no customers
	}
	if err != nil {
		return nil, 0, fmt.Errorf("customers of %s: %w", mover, err)
	}
	p.log.Printf("  %s moves to a training role: her %d customers go to %s", mover, len(theirs), successor)
	if len(theirs) > 0 {
		parts, err := p.ct.TransferCustomersInParts(ctx, contacts.TransferCustomersParams{HandoverUserID: mover, TakeoverUserID: successor, ExternalUserIDs: theirs,
			SuccessMessage: fmt.Sprintf("Hi, I'm %s, your new feeding advisor at Little Sprout Dairy: %s has handed your baby's file to me.", p.name(successor), p.name(mover))})
		if err != nil {
			return nil, 0, fmt.Errorf("hand %s's customers to %s: %w", mover, successor, err)
		}
		p.reportOutcomes(mover, successor, parts)
		pairs = append(pairs, handover{mover, successor, false})
	}
	chats, err = p.handOverChats(ctx, mover, []string{successor}, p.ct.TransferGroupChatsInParts)
	return pairs, chats, err
}

func (p *programme) name(userID string) string {
	if n := p.names[userID]; n != "" {
		return n
	}
	return userID
}

// reportOutcomes logs the customers a handover call could not start.
func (p *programme) reportOutcomes(from, to string, parts []client.Part[contacts.TransferCustomersParams, contacts.TransferCustomersResult]) {
	out := contacts.TransferOutcomes(parts)
	failed := 0
	for _, o := range out {
		if o.Code != 0 {
			failed++
			p.log.Event("refused", "%s cannot go from %s to %s: errcode %d %s", o.ExternalUserID, from, to, o.Code, client.CodeText(o.Code))
		}
	}
	p.log.Printf("    %s → %s: %s started, %d refused by WeCom", from, to, plural(len(out)-failed, "customer handover"), failed)
}

// handOverChats gives the customer groups owned by from to the new owners in turn.
func (p *programme) handOverChats(ctx context.Context, from string, owners []string,
	transfer func(context.Context, contacts.TransferGroupChatsParams) ([]client.Part[contacts.TransferGroupChatsParams, contacts.TransferGroupChatsResult], error)) (int, error) {
	var ids []string
	for c, err := range p.ct.ListGroupChats(ctx, contacts.GroupChatListParams{OwnerUserIDs: []string{from}}) {
		if err != nil {
			return 0, fmt.Errorf("group chats of %s: %w", from, err)
		}
		ids = append(ids, c.ChatID)
	}
	byOwner := map[string][]string{}
	for i, id := range ids {
		byOwner[owners[i%len(owners)]] = append(byOwner[owners[i%len(owners)]], id)
	}
	moved := 0
	for _, to := range slices.Sorted(maps.Keys(byOwner)) {
		parts, err := transfer(ctx, contacts.TransferGroupChatsParams{ChatIDs: byOwner[to], NewOwner: to})
		if err != nil {
			return moved, fmt.Errorf("hand %s's group chats to %s: %w", from, to, err)
		}
		failed := contacts.FailedChats(parts)
		for _, f := range failed {
			p.fail("hand over group chat "+f.ChatID, fmt.Errorf("errcode %d %s", f.Code, f.Message))
		}
		moved += len(byOwner[to]) - len(failed)
		p.log.Printf("    %s → %s: %s (group chats) handed over, %d failed", from, to, plural(len(byOwner[to])-len(failed), "parent club"), len(failed))
	}
	return moved, nil
}

// transferStatus counts where the customer handovers of the pairs stand.
func (p *programme) transferStatus(ctx context.Context, pairs []handover) (map[contacts.TransferStatus]int, error) {
	by := map[contacts.TransferStatus]int{}
	var next int64
	for _, h := range pairs {
		list := p.ct.ListTransferResults
		if h.resigned {
			list = p.ct.ListResignedTransferResults
		}
		for c, err := range list(ctx, contacts.TransferResultsParams{HandoverUserID: h.from, TakeoverUserID: h.to}) {
			if err != nil {
				return nil, fmt.Errorf("handovers %s → %s: %w", h.from, h.to, err)
			}
			by[c.Status]++
			if c.Status == contacts.TransferWaiting && (next == 0 || c.TakeoverTime < next) {
				next = c.TakeoverTime
			}
		}
	}
	var parts []string
	for _, s := range slices.Sorted(maps.Keys(by)) {
		parts = append(parts, fmt.Sprintf("%d %s", by[s], s))
	}
	line := fmt.Sprintf("  handovers of %d pairs: %s", len(pairs), strings.Join(parts, ", "))
	if next != 0 {
		line += "; the first completes " + time.Unix(next, 0).In(chinaTime).Format("Mon 15:04 MST")
	}
	if len(parts) == 0 {
		line = fmt.Sprintf("  handovers of %d pairs: none", len(pairs))
	}
	p.log.Printf("%s", line)
	return by, nil
}

// ---- step 5: statistics ----

// linkStats reads the link's use over the week and the corp's acquisition quota.
func (p *programme) linkStats(ctx context.Context, w week) error {
	st, err := p.ct.GetAcquisitionStatistic(ctx, contacts.AcquisitionStatisticParams{LinkID: p.link.LinkID, StartTime: w.from, EndTime: w.to})
	if err != nil {
		return fmt.Errorf("link statistics: %w", err)
	}
	p.log.Printf("  link %s, %s – %s: %d customers opened it, %d new customers", p.link.LinkID, day(w.from), day(w.to), st.ClickCount, st.NewCustomerCount)
	q, err := p.ct.GetAcquisitionQuota(ctx)
	if err != nil {
		return fmt.Errorf("acquisition quota: %w", err)
	}
	expiring := ""
	if len(q.Expiring) > 0 {
		expiring = fmt.Sprintf(", %d of them expiring %s", q.Expiring[0].Balance, time.Unix(q.Expiring[0].ExpireDate, 0).In(chinaTime).Format(time.DateOnly))
	}
	p.log.Printf("  acquisition quota: %d units in all, %d left%s", q.Total, q.Balance, expiring)
	return nil
}

// groupStats reads the statistics of the advisors' customer groups over the week: per day for
// the whole team, and the owners with the most members.
func (p *programme) groupStats(ctx context.Context, owners []string, w week) error {
	days, err := p.ct.GetGroupChatDailyStats(ctx, contacts.GroupChatDailyStatsParams{DayBeginTime: w.from, DayEndTime: w.to, Owners: owners})
	if err != nil {
		return fmt.Errorf("group chat statistics by day: %w", err)
	}
	// The totals (chat_total, member_total, msg_total, …) are as of each day's end (截至当天);
	// the new counts are the day's.
	var joined int
	var last contacts.GroupChatStats
	for _, d := range days {
		joined += d.Data.NewMemberCount
		last = d.Data
	}
	p.log.Printf("  parent clubs %s – %s: %d parents joined during the week; on %s: %d groups, %d members, %d of them wrote, %d messages in all",
		day(w.from), day(w.to), joined, day(w.to), last.ChatTotal, last.MemberTotal, last.MemberHasMsg, last.MsgTotal)
	var top []string
	for o, err := range p.ct.ListGroupChatOwnerStats(ctx, contacts.GroupChatOwnerStatsParams{DayBeginTime: w.from, DayEndTime: w.to, Owners: owners,
		OrderBy: contacts.OrderByMemberTotal, Limit: 3}) {
		if err != nil {
			return fmt.Errorf("group chat statistics by owner: %w", err)
		}
		top = append(top, fmt.Sprintf("%s %d groups/%d members", o.Owner, o.Data.ChatTotal, o.Data.MemberTotal))
		if len(top) == 3 {
			break
		}
	}
	p.log.Printf("  largest clubs by owner: %s", orNone(top))
	return nil
}
