// Command advisors runs the feeding-advisor programme (专属顾问) of a dairy brand, Little Sprout
// Dairy, on WeCom customer contact (客户联系): the whole life of the relationship between the
// brand's advisors and the parents who buy its formula.
//
//  1. A parent asks the brand's WeChat Customer Service (微信客服) desk for an advisor and gets
//     the card of a customer acquisition link (获客链接, 获客助手) tagged customer_channel=kfdesk;
//     tapping it adds the next advisor of the link. The add_external_contact callback reaches
//     the programme's webhook.Handler, which sends the advisor's welcome message (欢迎语) with
//     the callback's WelcomeCode.
//  2. Every Monday the programme reads the team's contact statistics (联系客户统计) for the past
//     week and creates the weekly tip as a mass message to customers (企业群发); each advisor
//     confirms it in the WeCom app, a late one is reminded, and the send results are collected.
//  3. The brand posts a moment to the customers' WeChat moments (客户朋友圈) through the
//     advisors, then reads back who published it, who can see it, and the likes and comments.
//  4. An advisor leaves: her customers and customer groups are handed to colleagues (离职继承);
//     another moves to a training role and hands hers over while still employed (在职继承), one
//     customer refusing (transfer_fail). The handovers are followed until they complete, 24
//     hours later.
//  5. The statistics of the week: the link's clicks and new customers, the acquisition quota,
//     and the statistics of the advisors' parent clubs (customer groups, 群聊数据统计).
//
// Without WECOM_* environment the program runs on the in-process wecomtest simulator, which
// plays the parents (chatting, tapping the card, joining the clubs, liking the moment) and the
// advisors (confirming the mass message, publishing the moment), and moves the handover clock
// past the 24 hours:
//
//	go run ./examples/advisors
//	go run ./examples/advisors -parents 600 -advisors 20 -v
//
// With WECOM_CORP_ID and WECOM_SECRET it runs on the real API, for a corp whose programme
// already runs, and only reads, apart from the programme's acquisition link: it finds the link
// (creating it the first time, and setting its range to WECOM_ADVISORS when that changed) and
// prints the card URL for the kf desk, then reads the link's customers,
// the past week's contact statistics, the mass messages and moments the corp created in the
// past week with their results, the customers awaiting a handover and the handovers of the
// pairs in WECOM_TRANSFERS, and the link, quota and customer group statistics. It sends and
// moves nothing: no kf message (that needs a parent writing to the desk: see
// examples/kfdesk), no welcome message (that needs the add_external_contact callback), no mass
// message or moment (they would reach real customers) and no handover. It reads:
//
//	WECOM_CORP_ID     the corp ID (企业ID)
//	WECOM_SECRET      secret of an app allowed to call customer contact (客户联系 → 可调用应用)
//	                  with the 获客助手 permission
//	WECOM_ADVISORS    userids of the advisors, comma-separated (at most 100)
//	WECOM_TRANSFERS   optional: handovers to follow, as handover:takeover userid pairs,
//	                  comma-separated
//	WECOM_BASE_URL    optional API base URL (a forwarding proxy)
//
// The last line is the summary; the exit status is non-zero when a step failed or, on the
// simulator, when what the parents and advisors saw differs from what the programme counted.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

const (
	maxParents  = 1000 // parents chat, tap and join one after another: keep the run short
	minAdvisors = 3    // one leaves, one changes role, at least one colleague takes over
	maxAdvisors = 100  // the contact statistics take at most 100 userids
)

type config struct {
	parents, advisors int
	verbose           bool
}

func main() {
	var cfg config
	flag.IntVar(&cfg.parents, "parents", 60, fmt.Sprintf("simulator: parents who ask the desk for an advisor, 1 to %d", maxParents))
	flag.IntVar(&cfg.advisors, "advisors", 6, fmt.Sprintf("simulator: advisors of the programme, %d to %d", minAdvisors, maxAdvisors))
	flag.BoolVar(&cfg.verbose, "v", false, "narrate every parent and handover, not only the first few")
	flag.Parse()
	switch {
	case cfg.parents < 1 || cfg.parents > maxParents:
		badFlag("invalid value %d for flag -parents: must be from 1 to %d", cfg.parents, maxParents)
	case cfg.advisors < minAdvisors || cfg.advisors > maxAdvisors:
		badFlag("invalid value %d for flag -advisors: must be from %d to %d", cfg.advisors, minAdvisors, maxAdvisors)
	case flag.NArg() > 0:
		badFlag("unexpected argument %q", flag.Arg(0))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if os.Getenv("WECOM_CORP_ID") == "" && os.Getenv("WECOM_SECRET") == "" {
		err = runSimulated(ctx, cfg)
	} else {
		err = runReal(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "advisors:", err)
		os.Exit(1)
	}
}

// badFlag reports a flag value out of range the way the flag package reports one it cannot
// parse: one line on stderr and exit status 2, before anything runs.
func badFlag(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "advisors: "+format+"\n", args...)
	os.Exit(2)
}

// narrator prints the story: steps and results in full, and per kind of event the first few
// lines only (all with -v), so a thousand parents stay readable.
type narrator struct {
	mu      sync.Mutex
	w       io.Writer
	verbose bool
	shown   map[string]int
	hidden  map[string]int
	order   []string
}

const narrateFirst = 3

func newNarrator(w io.Writer, verbose bool) *narrator {
	return &narrator{w: w, verbose: verbose, shown: map[string]int{}, hidden: map[string]int{}}
}

// Printf prints one line.
func (n *narrator) Printf(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	fmt.Fprintf(n.w, format+"\n", args...)
}

// Event prints one line of kind, or counts it once narrateFirst lines of kind were shown.
func (n *narrator) Event(kind, format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.verbose && n.shown[kind] >= narrateFirst {
		if n.hidden[kind] == 0 {
			n.order = append(n.order, kind)
		}
		n.hidden[kind]++
		return
	}
	n.shown[kind]++
	fmt.Fprintf(n.w, "    %-10s"+format+"\n", append([]any{kind}, args...)...)
}

// Flush says how many event lines were left out since the last Flush.
func (n *narrator) Flush() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, kind := range n.order {
		fmt.Fprintf(n.w, "    … and %d more %s (-v shows them)\n", n.hidden[kind], kind)
		delete(n.hidden, kind)
	}
	n.order = nil
}
