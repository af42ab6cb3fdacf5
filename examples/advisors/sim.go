package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/wecomtest"
)

// advisorDept is the department of the advisors in the simulated address book.
const advisorDept = 7

var advisorNames = []string{"Chen Jing", "Wang Fang", "Liu Na", "Zhao Lei", "Sun Yue", "Zhou Min",
	"Wu Ting", "Xu Li", "Ma Lin", "Hu Jie", "Guo Hui", "He Ping"}

var babies = []string{"Mia", "Leo", "Yoyo", "Doudou", "Lele", "Nini", "Max", "Tiantian", "Guoguo", "Lily", "Bao", "Xixi"}

var questions = []string{
	"Could I have a personal feeding advisor?",
	"Is there someone who can follow my baby's feeding?",
	"I'd like an advisor for stage 2, please",
}

// runSimulated plays the programme's week on the in-process simulator: the programme acts
// through the API; the world (parents and advisors) through the simulator's helpers.
func runSimulated(ctx context.Context, cfg config) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	began := time.Now()
	srv := wecomtest.NewServer()
	defer srv.Close()
	log := newNarrator(os.Stdout, cfg.verbose)
	log.Printf("advisors: Little Sprout Dairy's feeding-advisor programme")
	log.Printf("No WECOM_* environment: the WeCom simulator runs in process at %s", srv.URL())

	w := newWorld(srv, cfg, time.Now())
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		return err
	}
	p := newProgramme(c, w.names(), log)
	token, aesKey := callbackSecrets()
	h, err := p.listen(token, aesKey, wecomtest.CorpID)
	if err != nil {
		return err
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	cb := wecomtest.CallbackConfig{Token: token, EncodingAESKey: aesKey}
	srv.SetCallbackURL(wecomtest.CorpID, hs.URL, cb) // the app's one URL: kf and customer contact events
	log.Printf("%d advisors, %d parents; callbacks (kf, customer contact) → %s (webhook.Handler)", len(w.advisors), len(w.parents), hs.URL)

	var problems []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			problems = append(problems, fmt.Errorf(format, args...))
		}
	}
	settle := func() {
		if err := h.Wait(ctx); err != nil {
			problems = append(problems, fmt.Errorf("waiting for running handlers: %w", err))
		}
		log.Flush()
	}
	ids := w.advisorIDs()
	leaver, mover := ids[len(ids)-1], ids[len(ids)-2]
	colleagues := ids[:len(ids)-2]
	wk := lastWeek(w.now)
	var sum summary

	// 1. Parents ask the desk, get the card, tap it and are welcomed.
	log.Printf("Step 1 — the kf desk hands out the acquisition link; parents add an advisor through it")
	if err := p.setupLink(ctx, ids); err != nil {
		return err
	}
	if err := w.chat(ctx); err != nil {
		return err
	}
	settle()
	if err := w.tap(ctx); err != nil {
		return err
	}
	settle()
	customers, err := p.linkCustomers(ctx)
	if err != nil {
		return err
	}
	w.joinClubs()
	log.Printf("  parents joined their advisor's clubs: %d customer groups (2 per advisor), one hello each", 2*len(w.advisors))
	st := p.snapshot()
	sum.added, sum.welcomed = len(customers), st.Welcomed
	check(st.Cards == len(w.parents) && w.cardsReceived() == len(w.parents), "%d parents asked, the desk counted %d cards, the parents' phones show %d", len(w.parents), st.Cards, w.cardsReceived())
	check(st.FromDesk == len(w.parents) && sum.added == len(w.parents), "%d parents tapped the card, the link brought %d, %d callbacks with channel %q", len(w.parents), sum.added, st.FromDesk, kfChannel)
	check(len(srv.WelcomeMessages(wecomtest.CorpID)) == st.Welcomed, "the programme counted %d welcomes, WeCom has %d", st.Welcomed, len(srv.WelcomeMessages(wecomtest.CorpID)))

	// 2. Monday: the weekly report and the weekly tip.
	log.Printf("Step 2 — Monday: the weekly report and the weekly tip as a mass message")
	if sum.newContacts, err = p.weeklyReport(ctx, ids, wk); err != nil {
		return err
	}
	var exts []string
	for _, c := range customers {
		exts = append(exts, c.ExternalUserID)
	}
	msgID, err := p.weeklyTip(ctx, exts)
	if err != nil {
		return err
	}
	late := ids[0] // at a baby fair on Monday
	if err := w.confirmMass(msgID, late); err != nil {
		return err
	}
	if _, unsent, err := p.massTasks(ctx, msgID); err != nil {
		return err
	} else if len(unsent) > 0 {
		if err := p.ct.RemindMassMessage(ctx, msgID); err != nil {
			return fmt.Errorf("remind %v: %w", unsent, err)
		}
		log.Printf("  Tuesday: %s not sent yet: reminded (remind_groupmsg_send)", orNone(unsent))
		if err := srv.ConfirmMassMessage(wecomtest.CorpID, msgID, late); err != nil {
			return err
		}
	}
	if sum.reached, err = p.massReach(ctx, msgID); err != nil {
		return err
	}
	check(sum.reached == len(w.parents), "the weekly tip reached %d of %d parents", sum.reached, len(w.parents))

	// 3. The moment.
	log.Printf("Step 3 — a moment for the customers' WeChat moments")
	momentID, err := p.postMoment(ctx, ids)
	if err != nil {
		return err
	}
	likes, comments, err := w.publishMoment(momentID, leaver)
	if err != nil {
		return err
	}
	log.Printf("  the advisors publish it (%s, on her last week, does not); parents like it %d times and comment %d times", leaver, likes, comments)
	if err := p.listMoment(ctx, momentID, w.now); err != nil {
		return err
	}
	var gotLikes, gotComments int
	if sum.seen, gotLikes, gotComments, err = p.momentReach(ctx, momentID); err != nil {
		return err
	}
	check(sum.seen == len(w.parents)-w.customersOf(leaver), "the moment is seen by %d customers, the advisors who published it have %d",
		sum.seen, len(w.parents)-w.customersOf(leaver))
	check(gotLikes == likes && gotComments == comments, "parents left %d likes and %d comments, the programme read %d and %d", likes, comments, gotLikes, gotComments)

	// 4. Handovers.
	log.Printf("Step 4 — %s leaves the corp, %s moves to training: handovers", leaver, mover)
	srv.ResignUser(wecomtest.CorpID, leaver)
	pairs, leaverChats, err := p.handOverResigned(ctx, leaver, colleagues)
	if err != nil {
		return err
	}
	moved, moverChats, err := p.handOverOnJob(ctx, mover, colleagues[len(colleagues)-1])
	if err != nil {
		return err
	}
	pairs = append(pairs, moved...)
	sum.chats = leaverChats + moverChats
	if _, err := p.transferStatus(ctx, pairs); err != nil {
		return err
	}
	refusing := w.firstCustomerOf(mover)
	if refusing != "" {
		log.Printf("  %s refuses the new advisor in WeChat", refusing)
		check(srv.RefuseTransfer(wecomtest.CorpID, refusing), "%s had no handover waiting to refuse", refusing)
	}
	log.Printf("  24 hours pass (the simulator's handover clock)")
	srv.AdvanceTransferClock(wecomtest.CorpID, 25*time.Hour)
	settle()
	by, err := p.transferStatus(ctx, pairs)
	if err != nil {
		return err
	}
	sum.handedOver, sum.refused = by[contacts.TransferDone], by[contacts.TransferRefused]
	check(by[contacts.TransferWaiting] == 0, "%d handovers still waiting after 24 hours", by[contacts.TransferWaiting])
	if err := w.awaitOwnerChanges(ctx, p, sum.chats); err != nil {
		problems = append(problems, err)
	}
	settle()
	st = p.snapshot()
	check(st.TakenOver == sum.handedOver, "%d handovers done, %d add_external_contact callbacks of colleagues", sum.handedOver, st.TakenOver)
	check(st.Refused == sum.refused, "%d handovers refused, %d transfer_fail callbacks", sum.refused, st.Refused)
	check(st.OwnerChanges == sum.chats, "%d group chats handed over, %d change_owner callbacks", sum.chats, st.OwnerChanges)
	for _, g := range w.clubs {
		if o := srv.GroupChatOwner(wecomtest.CorpID, g); o == leaver || o == mover {
			problems = append(problems, fmt.Errorf("club %s is still owned by %s", g, o))
		}
	}

	// 5. Statistics.
	log.Printf("Step 5 — the week's statistics")
	if err := p.linkStats(ctx, wk); err != nil {
		return err
	}
	active := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == leaver })
	if err := p.groupStats(ctx, active, wk); err != nil {
		return err
	}
	log.Printf("  API calls: %d add_msg_template, %d send_welcome_msg, %d kf/send_msg, %d transfer calls; %d callbacks delivered; %s",
		srv.Calls("/cgi-bin/externalcontact/add_msg_template"), srv.Calls("/cgi-bin/externalcontact/send_welcome_msg"), srv.Calls("/cgi-bin/kf/send_msg"),
		srv.Calls("/cgi-bin/externalcontact/transfer_customer")+srv.Calls("/cgi-bin/externalcontact/resigned/transfer_customer")+
			srv.Calls("/cgi-bin/externalcontact/groupchat/transfer")+srv.Calls("/cgi-bin/externalcontact/groupchat/onjob_transfer"),
		len(srv.Callbacks()), time.Since(began).Round(time.Millisecond))
	return sum.report(log, p.snapshot(), problems)
}

// summary holds the numbers of the last line.
type summary struct {
	added, welcomed, reached, seen, handedOver, refused, chats, newContacts int
}

func (s summary) report(log *narrator, st counts, problems []error) error {
	log.Flush()
	if st.Failed > 0 {
		problems = append(problems, fmt.Errorf("%d failed steps (see the FAILED lines)", st.Failed))
	}
	if s.welcomed != s.added {
		problems = append(problems, fmt.Errorf("%d of %d parents were not welcomed", s.added-s.welcomed, s.added))
	}
	for _, p := range problems {
		log.Printf("PROBLEM: %v", p)
	}
	log.Printf("advisors: %d parents added through links, %d welcomed, mass message reached %d, moment seen by %d, %d customers handed over (%d refused), %d group chats handed over, stats: %d new contacts",
		s.added, s.welcomed, s.reached, s.seen, s.handedOver, s.refused, s.chats, s.newContacts)
	return errors.Join(problems...)
}

// callbackSecrets makes the Token and EncodingAESKey an admin would enter in the console.
func callbackSecrets() (token, aesKey string) {
	b := make([]byte, 44)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b[:12]), base64.RawStdEncoding.EncodeToString(b[12:])
}

// world plays the parents and the advisors, and watches the simulator as their phones.
type world struct {
	srv      *wecomtest.Server
	now      time.Time
	kfID     string
	advisors []simAdvisor
	parents  []simParent
	clubs    []string // chat ids of the parent clubs
}

type simAdvisor struct{ UserID, Name string }

type simParent struct {
	ext, nickname, unionID string
	added                  time.Time // a day of the past week: when the parent adds the advisor
	card                   string    // the link URL the desk sent
	advisor                string    // whom the link gave them
}

func newWorld(srv *wecomtest.Server, cfg config, now time.Time) *world {
	w := &world{srv: srv, now: now}
	var seed []wecomtest.SeedUser
	for i := range cfg.advisors {
		a := simAdvisor{UserID: fmt.Sprintf("adv%03d", i+1), Name: fmt.Sprintf("Advisor %03d", i+1)}
		if i < len(advisorNames) {
			a.Name = advisorNames[i]
		}
		w.advisors = append(w.advisors, a)
		seed = append(seed, wecomtest.SeedUser{UserID: a.UserID, Name: a.Name, Department: []int{advisorDept}})
	}
	seed = append(seed, wecomtest.SeedUser{UserID: "cs_lin", Name: "Lin (desk)", Department: []int{2}})
	srv.AddUsers(wecomtest.CorpID, seed...)
	w.kfID = srv.AddKfAccount("Little Sprout Dairy", "cs_lin")
	today := contacts.StatDay(now.Unix())
	for i := range cfg.parents {
		day := today - int64(i%7+1)*86400 // one of the seven days before today
		w.parents = append(w.parents, simParent{
			ext:      fmt.Sprintf("wmSprout%04d", i),
			nickname: fmt.Sprintf("%s's %s", babies[i%len(babies)], []string{"mum", "dad"}[i/len(babies)%2]),
			unionID:  fmt.Sprintf("oSprout%04d", i),
			added:    time.Unix(day+9*3600+int64(i%600)*60, 0), // 9:00–19:00 China time
		})
	}
	return w
}

func (w *world) advisorIDs() []string {
	ids := make([]string, len(w.advisors))
	for i, a := range w.advisors {
		ids[i] = a.UserID
	}
	return ids
}

func (w *world) names() map[string]string {
	m := map[string]string{}
	for _, a := range w.advisors {
		m[a.UserID] = a.Name
	}
	return m
}

// chat: every parent writes to the desk, 32 at a time, and waits for the link card.
func (w *world) chat(ctx context.Context) error {
	errs := make([]error, len(w.parents))
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := range w.parents {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = w.ask(ctx, i)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (w *world) ask(ctx context.Context, i int) error {
	pa := &w.parents[i]
	w.srv.SetKfCustomer(pa.ext, pa.nickname, 2, pa.unionID)
	if _, err := w.srv.CustomerSays(w.kfID, pa.ext, questions[i%len(questions)]); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		if pa.card = w.card(pa.ext); pa.card != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("parent %s: no link card within 30 s", pa.ext)
		case <-tick.C:
		}
	}
}

// card returns the URL of the acquisition link card a parent received, if any.
func (w *world) card(ext string) string {
	for _, d := range w.srv.KfReceived(w.kfID, ext) {
		var body struct {
			LinkURL string `json:"link_url"`
		}
		if d.MsgType == "ca_link" && json.Unmarshal(d.Body, &body) == nil {
			return body.LinkURL
		}
	}
	return ""
}

func (w *world) cardsReceived() int {
	n := 0
	for _, pa := range w.parents {
		if w.card(pa.ext) != "" {
			n++
		}
	}
	return n
}

// tap: the parents tap their cards one after another (so parent i gets advisor i mod n): the
// link adds the next advisor and the add_external_contact callback reaches the programme
// before AddCustomerViaLink returns.
func (w *world) tap(ctx context.Context) error {
	for i := range w.parents {
		pa := &w.parents[i]
		u, err := url.Parse(pa.card)
		if err != nil {
			return fmt.Errorf("parent %s: card %q: %w", pa.ext, pa.card, err)
		}
		add, err := w.srv.AddCustomerViaLink(ctx, wecomtest.CorpID, wecomtest.AcquisitionVisit{
			LinkID:   path.Base(u.Path), // what the WeChat client resolves the link to
			Channel:  u.Query().Get("customer_channel"),
			Customer: wecomtest.SeedExternalContact{ExternalUserID: pa.ext, Name: pa.nickname, UnionID: pa.unionID, Gender: 2},
			At:       pa.added,
		})
		if add != nil {
			pa.advisor = add.UserID
		}
		if err != nil {
			return fmt.Errorf("parent %s taps the card: %w", pa.ext, err)
		}
	}
	return nil
}

// joinClubs: each advisor runs two parent clubs (customer groups) opened before the week; each
// parent joins one of their advisor's clubs the day they add the advisor and says hello.
func (w *world) joinClubs() {
	opened := contacts.StatDay(w.now.Unix()) - 10*86400 + 10*3600
	for _, a := range w.advisors {
		for k, club := range []string{"newborns", "toddlers"} {
			g := wecomtest.SeedGroupChat{ChatID: fmt.Sprintf("wrSprout_%s_%s", a.UserID, club), Name: fmt.Sprintf("Little Sprout %s · %s", club, a.Name),
				Owner: a.UserID, CreateTime: opened, Members: []wecomtest.SeedGroupMember{{UserID: a.UserID, Type: 1, JoinTime: opened, JoinScene: 1}}}
			var hellos []wecomtest.GroupChatMessages
			for i, pa := range w.parents {
				if pa.advisor == a.UserID && i/len(w.advisors)%2 == k {
					g.Members = append(g.Members, wecomtest.SeedGroupMember{UserID: pa.ext, Type: 2, UnionID: pa.unionID, JoinTime: pa.added.Unix() + 600, JoinScene: 3})
					hellos = append(hellos, wecomtest.GroupChatMessages{ChatID: g.ChatID, Sender: pa.ext, Count: 1, At: pa.added.Add(15 * time.Minute)})
				}
			}
			w.srv.AddGroupChat(wecomtest.CorpID, g)
			for _, m := range hellos {
				_ = w.srv.AddGroupChatMessages(wecomtest.CorpID, m) // the club was just added
			}
			w.clubs = append(w.clubs, g.ChatID)
		}
	}
}

// confirmMass: every advisor with customers sends the weekly tip from the WeCom app, except
// late.
func (w *world) confirmMass(msgID, late string) error {
	for _, a := range w.advisors {
		if a.UserID == late || w.firstCustomerOf(a.UserID) == "" {
			continue
		}
		if err := w.srv.ConfirmMassMessage(wecomtest.CorpID, msgID, a.UserID); err != nil {
			return err
		}
	}
	return nil
}

// publishMoment: every advisor but skip publishes the moment; on each copy the advisor's first
// two parents like it and the first one comments.
func (w *world) publishMoment(momentID, skip string) (likes, comments int, err error) {
	for _, a := range w.advisors {
		if a.UserID == skip {
			continue
		}
		if err := w.srv.PublishMoment(wecomtest.CorpID, momentID, a.UserID); err != nil {
			return 0, 0, err
		}
		n := 0
		for _, pa := range w.parents {
			if pa.advisor != a.UserID || n == 2 {
				continue
			}
			by := wecomtest.MomentInteraction{ExternalUserID: pa.ext}
			if err := w.srv.AddMomentLike(wecomtest.CorpID, momentID, a.UserID, by); err != nil {
				return 0, 0, err
			}
			likes++
			if n == 0 {
				if err := w.srv.AddMomentComment(wecomtest.CorpID, momentID, a.UserID, by); err != nil {
					return 0, 0, err
				}
				comments++
			}
			n++
		}
	}
	return likes, comments, nil
}

func (w *world) customersOf(userID string) int {
	n := 0
	for _, pa := range w.parents {
		if pa.advisor == userID {
			n++
		}
	}
	return n
}

func (w *world) firstCustomerOf(userID string) string {
	i := slices.IndexFunc(w.parents, func(pa simParent) bool { return pa.advisor == userID })
	if i < 0 {
		return ""
	}
	return w.parents[i].ext
}

// awaitOwnerChanges waits for the change_owner callbacks of n group chats: the simulator sends
// them in the background after a handover call.
func (w *world) awaitOwnerChanges(ctx context.Context, p *programme, n int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for p.snapshot().OwnerChanges < n {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d change_owner callbacks arrived", p.snapshot().OwnerChanges, n)
		case <-tick.C:
		}
	}
	return nil
}
