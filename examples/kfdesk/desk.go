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

	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/customerservice"
)

// menuHuman is the menu_id of the "talk to a nutritionist" item of every reply.
const menuHuman = "talk_to_human"

// advisor is a member customers can add as their exclusive feeding advisor (专属顾问).
type advisor struct {
	UserID, Name string
	QRCode       string // of the advisor's "contact me" way (联系我)
}

// desk answers the customers of every kf account of the brand. Its Handle runs for each new
// message or event pulled by Sync; Handle calls of one account never overlap (the SDK
// serialises pulls per account), calls of different accounts do.
type desk struct {
	kf       *customerservice.Service
	ct       *contacts.Service
	crm      crm
	advisors map[stage]advisor
	log      *narrator

	mu        sync.Mutex
	customers map[customerservice.Session]*customer
	pools     map[string]*pool // open_kfid → servicers
	stats     stats
}

type customer struct {
	Nickname, UnionID string
	Servicer          string // in human service
	Asked, Answered   bool
}

type stats struct {
	Arrived, Welcomed, Asked, Answered, HandedOff, Transferred, Invited, Failed int

	Scenes map[string]int // arrivals per entry point
}

// pool hands out an account's receiving servicers in turn.
type pool struct {
	ids       []string
	receiving map[string]bool
	next      int
}

// pick returns the receiving servicers other than except, the next one in turn first.
func (p *pool) pick(except string) []string {
	var out []string
	first, n := 0, len(p.ids)
	for i := range n {
		j := (p.next + i) % n
		if id := p.ids[j]; p.receiving[id] && id != except {
			if out == nil {
				first = j
			}
			out = append(out, id)
		}
	}
	if out != nil {
		p.next = first + 1
	}
	return out
}

// setup reads the accounts and their servicers and creates one "contact me" way per advisor.
func (d *desk) setup(ctx context.Context, advisors []advisor) error {
	d.customers = map[customerservice.Session]*customer{}
	d.pools = map[string]*pool{}
	d.stats.Scenes = map[string]int{}
	for acc, err := range d.kf.ListAccounts(ctx, customerservice.ListAccountsParams{}) {
		if err != nil {
			return fmt.Errorf("list kf accounts: %w", err)
		}
		if !acc.ManagePrivilege {
			continue
		}
		svs, err := d.kf.ListServicers(ctx, acc.OpenKfID)
		if err != nil {
			return fmt.Errorf("servicers of %s: %w", acc.Name, err)
		}
		p := &pool{receiving: map[string]bool{}}
		for _, s := range svs {
			if s.UserID != "" {
				p.ids = append(p.ids, s.UserID)
				p.receiving[s.UserID] = s.Status == customerservice.Receiving
			}
		}
		d.pools[acc.OpenKfID] = p
		d.log.Printf("  kf account %-18q %s: %d servicers", acc.Name, acc.OpenKfID, len(p.ids))
	}
	if len(d.pools) == 0 {
		return errors.New("no kf account is managed by this app (微信客服 → 可调用接口的应用)")
	}
	// One "contact me" QR code per advisor, each advisor covering stages in turn.
	if len(advisors) == 0 {
		return errors.New("no advisor to invite customers to")
	}
	advisors = slices.Clone(advisors)
	d.advisors = map[stage]advisor{}
	for st := expecting; st <= kids; st++ {
		i := int(st) % len(advisors)
		a := advisors[i]
		if a.QRCode == "" {
			way, err := d.ct.AddContactWay(ctx, contacts.ContactWayParams{
				Type: contacts.ContactWaySingle, Scene: contacts.SceneQRCode, Users: []string{a.UserID},
				State: fmt.Sprintf("kfdesk_advisor_%d", i), Remark: "kf desk advisor invitation",
			})
			if err != nil {
				return fmt.Errorf("contact me way of advisor %s: %w", a.UserID, err)
			}
			a.QRCode = way.QRCode
			advisors[i] = a
		}
		d.advisors[st] = a
		d.log.Printf("  advisor for %-11s %-10s %s", st, a.Name, a.QRCode)
	}
	return nil
}

// Handle is the customerservice.CallbackParams Handle function. An error makes WeCom deliver
// the callback again, so it is returned only when retrying can help.
func (d *desk) Handle(ctx context.Context, m customerservice.Message) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	switch m := m.(type) {
	case *customerservice.EnterSessionEvent:
		return d.welcome(ctx, m)
	case *customerservice.TextMessage:
		if m.Origin != customerservice.FromCustomer {
			return nil
		}
		if m.Text.MenuID == menuHuman {
			return d.handOff(ctx, m.OpenKfID, m.ExternalUserID)
		}
		return d.answer(ctx, m)
	case *customerservice.ServicerStatusChangeEvent:
		return d.servicerStatus(ctx, m)
	case *customerservice.SessionStatusChangeEvent:
		d.servicerChanged(m) // a servicer picked up, transferred or ended it in the WeCom client
	case *customerservice.MsgSendFailEvent:
		d.fail("delivery", m.ExternalUserID, fmt.Errorf("message %s not delivered (fail_type %d)", m.FailMsgID, m.FailType))
	}
	return nil
}

// customer returns what the desk knows about a customer, asking WeCom for the WeChat profile
// (nickname, unionid) the first time.
func (d *desk) customer(ctx context.Context, s customerservice.Session) (*customer, error) {
	d.mu.Lock()
	c := d.customers[s]
	d.mu.Unlock()
	if c != nil {
		return c, nil
	}
	res, err := d.kf.BatchGetCustomers(ctx, customerservice.CustomersParams{ExternalUserIDs: []string{s.ExternalUserID}})
	if err != nil {
		return nil, fmt.Errorf("profile of %s: %w", s.ExternalUserID, err)
	}
	c = &customer{Nickname: "there"}
	if len(res.Customers) == 1 {
		c.Nickname, c.UnionID = res.Customers[0].Nickname, res.Customers[0].UnionID
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if prev := d.customers[s]; prev != nil {
		return prev, nil
	}
	d.customers[s] = c
	d.stats.Arrived++
	return c, nil
}

// welcome greets a customer who opened the chat, with the one-shot code of enter_session.
func (d *desk) welcome(ctx context.Context, e *customerservice.EnterSessionEvent) error {
	c, err := d.customer(ctx, customerservice.Session{OpenKfID: e.OpenKfID, ExternalUserID: e.ExternalUserID})
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.stats.Scenes[e.Scene]++
	d.mu.Unlock()
	if e.WelcomeCode == "" { // welcomed in the last 48 hours already
		return nil
	}
	hello := "Hi " + c.Nickname + ", welcome to Little Sprout Dairy! Ask us anything about feeding your little one."
	if p, ok := d.crm[c.UnionID]; ok {
		hello = fmt.Sprintf("Welcome back, %s! How are you and %s doing?", p.Parent, p.Baby)
	}
	_, err = d.kf.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: e.WelcomeCode, Content: customerservice.Text{Content: hello}})
	if err != nil {
		d.fail("welcome", e.ExternalUserID, err) // the code is single use: nothing to retry
		return nil
	}
	d.mu.Lock()
	d.stats.Welcomed++
	d.mu.Unlock()
	from := e.Scene
	if e.SceneParam != "" {
		from += " " + e.SceneParam
	}
	d.log.Event("welcome", "%s %s (from %s)", e.ExternalUserID, c.Nickname, from)
	return nil
}

// answer consults the CRM and replies with a recommendation, the advisor's QR code and a way
// to reach a human.
func (d *desk) answer(ctx context.Context, m *customerservice.TextMessage) error {
	sess := customerservice.Session{OpenKfID: m.OpenKfID, ExternalUserID: m.ExternalUserID}
	c, err := d.customer(ctx, sess)
	if err != nil {
		return err
	}
	d.mu.Lock()
	if !c.Asked {
		c.Asked = true
		d.stats.Asked++
	}
	d.mu.Unlock()
	rec := d.crm.recommend(c.UnionID, time.Now())
	adv := d.advisors[rec.Stage]
	_, err = d.kf.Send(ctx, customerservice.SendParams{
		OpenKfID: m.OpenKfID, ExternalUserID: m.ExternalUserID,
		Content: customerservice.Menu{
			HeadContent: fmt.Sprintf("Our pick for you: %s (%s).", rec.Product, rec.Why),
			Items: []customerservice.MenuItem{
				customerservice.ViewItem("https://mall.example.com/p?name="+url.QueryEscape(rec.Product), "See "+rec.Product),
				customerservice.ViewItem(adv.QRCode, "Add "+adv.Name+", your exclusive feeding advisor"),
				customerservice.ClickItem(menuHuman, "Talk to a nutritionist"),
			},
		},
	})
	if errors.Is(err, customerservice.ErrSessionStateNoSend) {
		d.log.Event("skip", "%s is queued for or talking with a servicer: the servicer answers", m.ExternalUserID)
		return nil
	}
	if err != nil {
		d.fail("reply", m.ExternalUserID, err)
		return nil
	}
	d.mu.Lock()
	if !c.Answered {
		c.Answered = true
		d.stats.Answered++
		d.stats.Invited++
	}
	d.mu.Unlock()
	d.log.Event("answer", "%s %q → %s; %s; advisor %s", m.ExternalUserID, m.Text.Content, rec.Product, rec.Why, adv.Name)
	return nil
}

// handOff gives the session to the next receiving servicer and tells the customer who took
// over, with the code the move returned.
func (d *desk) handOff(ctx context.Context, openKfID, ext string) error {
	sess := customerservice.Session{OpenKfID: openKfID, ExternalUserID: ext}
	c, err := d.customer(ctx, sess)
	if err != nil {
		return err
	}
	sv, res, err := d.assign(ctx, sess, "", nil) // From nil: Transition reads the state first
	if err != nil {
		d.fail("hand-off", ext, err)
		return nil
	}
	d.mu.Lock()
	c.Servicer = sv
	d.stats.HandedOff++
	d.mu.Unlock()
	if res.MsgCode != "" {
		if _, err := d.kf.SendOnEvent(ctx, customerservice.SendOnEventParams{Code: res.MsgCode,
			Content: customerservice.Text{Content: "Our nutritionist " + sv + " will answer you now."}}); err != nil {
			d.fail("hand-off prompt", ext, err)
		}
	}
	d.log.Event("hand-off", "%s → servicer %s", ext, sv)
	return nil
}

// servicerStatus follows servicers switching receiving on and off in the WeCom client; the
// sessions of one who stopped go to a colleague.
func (d *desk) servicerStatus(ctx context.Context, e *customerservice.ServicerStatusChangeEvent) error {
	d.mu.Lock()
	p := d.pools[e.OpenKfID]
	var moving []customerservice.Session
	if p != nil {
		p.receiving[e.ServicerUserID] = e.Status == customerservice.Receiving
		for s, c := range d.customers {
			if s.OpenKfID == e.OpenKfID && c.Servicer == e.ServicerUserID && e.Status == customerservice.Stopped {
				moving = append(moving, s)
			}
		}
	}
	d.mu.Unlock()
	slices.SortFunc(moving, func(a, b customerservice.Session) int { return strings.Compare(a.ExternalUserID, b.ExternalUserID) })
	human := customerservice.Human
	for _, s := range moving {
		sv, _, err := d.assign(ctx, s, e.ServicerUserID, &human)
		if err != nil {
			d.fail("transfer", s.ExternalUserID, err)
			continue
		}
		d.mu.Lock()
		d.customers[s].Servicer = sv
		d.stats.Transferred++
		d.mu.Unlock()
		d.log.Event("transfer", "%s: %s went off shift → %s", s.ExternalUserID, e.ServicerUserID, sv)
	}
	return nil
}

// servicerChanged records moves servicers made in the WeCom client (API moves produce no event).
func (d *desk) servicerChanged(e *customerservice.SessionStatusChangeEvent) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.customers[customerservice.Session{OpenKfID: e.OpenKfID, ExternalUserID: e.ExternalUserID}]; c != nil {
		c.Servicer = e.NewServicerUserID // empty once ended
	}
}

// assign moves a session to a receiving servicer other than except, skipping servicers the
// platform reports as not receiving (a status change the desk has not pulled yet).
func (d *desk) assign(ctx context.Context, s customerservice.Session, except string, from *customerservice.ServiceState) (string, *customerservice.TransResult, error) {
	d.mu.Lock()
	p := d.pools[s.OpenKfID]
	var candidates []string
	if p != nil {
		candidates = p.pick(except)
	}
	d.mu.Unlock()
	for _, sv := range candidates {
		tp := customerservice.TransParams{OpenKfID: s.OpenKfID, ExternalUserID: s.ExternalUserID,
			State: customerservice.Human, ServicerUserID: sv, From: from}
		move := d.kf.Trans
		if from == nil {
			move = d.kf.Transition // the desk does not know the state: read it, then move
		}
		res, err := move(ctx, tp)
		if errors.Is(err, customerservice.ErrServicerNotReceiving) || errors.Is(err, customerservice.ErrNotServicer) {
			d.mu.Lock()
			p.receiving[sv] = false
			d.mu.Unlock()
			continue
		}
		return sv, res, err
	}
	return "", nil, errors.New("no servicer is receiving")
}

func (d *desk) fail(step, ext string, err error) {
	d.mu.Lock()
	d.stats.Failed++
	d.mu.Unlock()
	d.log.Printf("  FAILED %s for %s: %v", step, ext, err)
}

func (d *desk) snapshot() stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.stats
	s.Scenes = maps.Clone(d.stats.Scenes)
	return s
}
