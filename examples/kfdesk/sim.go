package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	maxCustomers        = 10000 // the simulation ends after 2 minutes
	minServicers        = 6     // two for each of the three kf accounts, so a shift can change
	maxServicers        = 15000
	servicersPerAccount = 2000 // the platform's limit per kf account
	waitLimit           = 30 * time.Second
)

var regions = []string{"Sprout · North", "Sprout · East", "Sprout · South", "Sprout · West",
	"Sprout · Central", "Sprout · NE", "Sprout · NW", "Sprout · SW"}

var questions = []string{
	"Which formula should we use now?",
	"Is it time to change stage?",
	"My baby is a bit constipated, what do you suggest?",
	"Do you deliver to Chengdu this week?",
	"Is the can I just scanned genuine?",
}

// runSimulated plays the whole story on the in-process simulator: the brand's admin sets up the
// desk through the API, customers arrive, a shift ends; then it checks what customers received.
func runSimulated(ctx context.Context, cfg config) error {
	accounts := max(3, (cfg.servicers+servicersPerAccount-1)/servicersPerAccount) // at most 8, one per region
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	began := time.Now()
	srv := wecomtest.NewServer()
	defer srv.Close()
	log := newNarrator(os.Stdout, cfg.verbose)
	log.Printf("kfdesk: Little Sprout Dairy's WeChat Customer Service desk")
	log.Printf("No WECOM_* environment: the WeCom simulator runs in process at %s", srv.URL())

	// The address book: servicers and advisors are members of the corp.
	servicers := make([]string, cfg.servicers)
	seed := make([]wecomtest.SeedUser, 0, cfg.servicers+len(simAdvisors))
	for i := range servicers {
		servicers[i] = fmt.Sprintf("cs%05d", i+1)
		seed = append(seed, wecomtest.SeedUser{UserID: servicers[i], Name: "Servicer " + servicers[i], Department: []int{2}})
	}
	for _, a := range simAdvisors {
		seed = append(seed, wecomtest.SeedUser{UserID: a.UserID, Name: a.Name, Department: []int{3}})
	}
	srv.AddUsers(wecomtest.CorpID, seed...)

	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		return err
	}
	log.Printf("Setting up %d kf accounts and %d servicers through the API...", accounts, cfg.servicers)
	kfIDs, err := openAccounts(ctx, c, accounts, servicers)
	if err != nil {
		return err
	}
	d, err := newDesk(ctx, c, demoCRM(cfg.customers, time.Now()), simAdvisors, log)
	if err != nil {
		return err
	}

	token, aesKey := callbackSecrets()
	h, err := listen(d, token, aesKey, wecomtest.CorpID)
	if err != nil {
		return err
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	srv.SetCallbackURL(wecomtest.CorpID, hs.URL, wecomtest.CallbackConfig{Token: token, EncodingAESKey: aesKey})
	log.Printf("Callbacks: kf_msg_or_event → %s (webhook.Handler) → Sync → desk", hs.URL)

	w := &world{srv: srv, kfIDs: kfIDs, n: cfg.customers, perAccount: cfg.servicers / accounts}
	log.Printf("%d customers arrive from %d entry points...", cfg.customers, len(scenes))
	// Customers' phones show the desk's messages a moment before the desk's handler returns:
	// wait for the handlers before counting.
	var problems []error
	settle := func() {
		if err := h.Wait(ctx); err != nil {
			problems = append(problems, fmt.Errorf("waiting for running handlers: %w", err))
		}
		log.Flush()
	}
	problems = w.arrive(ctx)
	settle()
	problems = append(problems, w.shiftChange(ctx, log)...)
	settle()
	st := d.snapshot()
	problems = append(problems, w.check(log, st, d.advisors)...)
	log.Printf("  API calls: %d gettoken, %d sync_msg, %d send_msg, %d send_msg_on_event, %d service_state/trans, %d customer/batchget; %d callbacks delivered; %s",
		srv.Calls("/cgi-bin/gettoken"), srv.Calls("/cgi-bin/kf/sync_msg"), srv.Calls("/cgi-bin/kf/send_msg"),
		srv.Calls("/cgi-bin/kf/send_msg_on_event"), srv.Calls("/cgi-bin/kf/service_state/trans"),
		srv.Calls("/cgi-bin/kf/customer/batchget"), len(srv.Callbacks()), time.Since(began).Round(time.Millisecond))
	return report(log, st, cfg.customers, problems)
}

var simAdvisors = []advisor{
	{UserID: "adv_chenjing", Name: "Chen Jing"},
	{UserID: "adv_wangfang", Name: "Wang Fang"},
	{UserID: "adv_liuna", Name: "Liu Na"},
	{UserID: "adv_zhaolei", Name: "Zhao Lei"},
	{UserID: "adv_sunyue", Name: "Sun Yue"},
}

// openAccounts creates the kf accounts with an avatar and deals the servicers out to them.
func openAccounts(ctx context.Context, c *client.Client, n int, servicers []string) ([]string, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.RGBA{R: 250, G: 236, B: 190, A: 255}}, image.Point{}, draw.Src)
	var avatar bytes.Buffer
	if err := png.Encode(&avatar, img); err != nil {
		return nil, err
	}
	media, err := messages.New(c).UploadMedia(ctx, messages.UploadParams{Type: messages.MediaImage, Filename: "sprout.png", Body: &avatar})
	if err != nil {
		return nil, fmt.Errorf("upload avatar: %w", err)
	}
	kf := customerservice.New(c)
	var ids []string
	for i := range n {
		id, err := kf.AddAccount(ctx, customerservice.AccountParams{Name: regions[i], MediaID: media.MediaID})
		if err != nil {
			return nil, fmt.Errorf("create kf account %s: %w", regions[i], err)
		}
		mine := servicers[i*len(servicers)/n : (i+1)*len(servicers)/n]
		parts, err := kf.AddServicersInParts(ctx, customerservice.ServicersParams{OpenKfID: id, UserIDs: mine})
		if err != nil {
			return nil, fmt.Errorf("add servicers to %s: %w", regions[i], err)
		}
		for _, part := range parts {
			for _, r := range part.Out.Results {
				if !r.OK() {
					return nil, fmt.Errorf("add servicer %s to %s: errcode %d %s", r.UserID, regions[i], r.Code, r.Message)
				}
			}
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// callbackSecrets makes the Token and EncodingAESKey an admin would enter in the console.
func callbackSecrets() (token, aesKey string) {
	b := make([]byte, 44)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b[:12]), base64.RawStdEncoding.EncodeToString(b[12:])
}

// world plays the WeChat customers and the servicers, watching the simulator as their phones.
type world struct {
	srv        *wecomtest.Server
	kfIDs      []string
	n          int
	perAccount int
}

func (w *world) who(i int) (kf, ext string) {
	return w.kfIDs[i%len(w.kfIDs)], fmt.Sprintf("wmSprout%04d", i)
}

// wantsHuman: three customers in ten press "talk to a nutritionist".
func wantsHuman(i int) bool { return i%10 == 2 || i%10 == 5 || i%10 == 8 }

// arrive runs every customer's visit, 64 at a time.
func (w *world) arrive(ctx context.Context) []error {
	errs := make([]error, w.n)
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for i := range w.n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = w.visit(ctx, i)
		})
	}
	wg.Wait()
	return slices.DeleteFunc(errs, func(err error) bool { return err == nil })
}

// visit: the customer opens the chat from an entry point, waits for the welcome, asks a
// question, reads the answer and maybe asks for a human.
func (w *world) visit(ctx context.Context, i int) error {
	kf, ext := w.who(i)
	sc := scenes[i%len(scenes)]
	w.srv.SetKfCustomer(ext, parents[i%len(parents)], int(customerservice.GenderFemale), fmt.Sprintf("oSprout%04d", i))
	scene := sc.Name
	if sc.Param != "" {
		scene += "&scene_param=" + url.QueryEscape(sc.Param)
	}
	if err := w.srv.CustomerEnters(kf, ext, scene); err != nil {
		return err
	}
	if err := w.await(ctx, ext, "welcome", func() bool { return w.got(kf, ext, "send_msg_on_event") > 0 }); err != nil {
		return err
	}
	if _, err := w.srv.CustomerSays(kf, ext, questions[i%len(questions)]); err != nil {
		return err
	}
	if err := w.await(ctx, ext, "answer", func() bool { return w.got(kf, ext, "send_msg") > 0 }); err != nil {
		return err
	}
	if !wantsHuman(i) {
		return nil
	}
	if _, err := w.srv.CustomerSends(kf, ext, "text", map[string]string{"content": "Talk to a nutritionist", "menu_id": menuHuman}); err != nil {
		return err
	}
	return w.await(ctx, ext, "servicer", func() bool { s, _ := w.srv.KfSessionOf(kf, ext); return s.State == int(customerservice.Human) })
}

// shiftChange: the servicers holding sessions stop receiving in the WeCom client (at most half
// of each account's servicers); the desk must move their customers to colleagues.
func (w *world) shiftChange(ctx context.Context, log *narrator) []error {
	off := map[string][]string{} // open_kfid → servicers going off shift
	type held struct{ kf, ext string }
	var moving []held
	for i := range w.n {
		kf, ext := w.who(i)
		s, ok := w.srv.KfSessionOf(kf, ext)
		if !ok || s.State != int(customerservice.Human) {
			continue
		}
		if !slices.Contains(off[kf], s.ServicerUserID) && len(off[kf]) < w.perAccount/2 {
			off[kf] = append(off[kf], s.ServicerUserID)
		}
		if slices.Contains(off[kf], s.ServicerUserID) {
			moving = append(moving, held{kf, ext})
		}
	}
	var names []string
	for _, kf := range w.kfIDs {
		names = append(names, off[kf]...)
	}
	if len(names) == 0 {
		return nil
	}
	count := len(names)
	if count > 8 {
		names = append(names[:8:8], "…")
	}
	log.Printf("Shift change: %d servicers holding sessions stop receiving (停止接待): %s", count, strings.Join(names, " "))
	for kf, svs := range off {
		for _, sv := range svs {
			if err := w.srv.SetKfServicerStatus(kf, sv, 1, 0); err != nil {
				return []error{err}
			}
		}
	}
	var errs []error
	for _, m := range moving {
		err := w.await(ctx, m.ext, "transfer", func() bool {
			s, _ := w.srv.KfSessionOf(m.kf, m.ext)
			return s.State == int(customerservice.Human) && !slices.Contains(off[m.kf], s.ServicerUserID)
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// check compares the desk's counts with what the customers' phones show.
func (w *world) check(log *narrator, st stats, advisors map[stage]advisor) []error {
	var welcomed, answered, invited int
	for i := range w.n {
		kf, ext := w.who(i)
		got := w.srv.KfReceived(kf, ext)
		if len(got) > 0 && got[0].Via == "send_msg_on_event" {
			welcomed++
		}
		if j := slices.IndexFunc(got, func(d wecomtest.KfDelivery) bool { return d.Via == "send_msg" }); j >= 0 {
			answered++
			for _, a := range advisors {
				if bytes.Contains(got[j].Body, []byte(a.QRCode)) {
					invited++
					break
				}
			}
		}
	}
	log.Printf("  customers' phones (simulator): %d got a welcome, %d an answer, %d an advisor QR code", welcomed, answered, invited)
	if welcomed != st.Welcomed || answered != st.Answered || invited != st.Invited {
		return []error{fmt.Errorf("desk counted %d/%d/%d welcomes/answers/invitations, customers received %d/%d/%d",
			st.Welcomed, st.Answered, st.Invited, welcomed, answered, invited)}
	}
	return nil
}

// got counts the messages a customer received through the given endpoint.
func (w *world) got(kf, ext, via string) int {
	n := 0
	for _, d := range w.srv.KfReceived(kf, ext) {
		if d.Via == via {
			n++
		}
	}
	return n
}

func (w *world) await(ctx context.Context, ext, what string, done func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, waitLimit)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !done() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("customer %s: no %s within %s", ext, what, waitLimit)
		case <-tick.C:
		}
	}
	return nil
}
