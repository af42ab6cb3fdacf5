package main

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The simulated network has the six tiers, each corp in a group at its tier's depth under its
// parent's group, with unique custom IDs and names WeCom accepts.
func TestPlan(t *testing.T) {
	for _, c := range []struct {
		stores int
		want   [tiers]int
	}{
		{4000, [tiers]int{0, 2, 8, 40, 200, 4000}},
		{1, [tiers]int{0, 1, 1, 1, 1, 1}},
		{21, [tiers]int{0, 1, 1, 1, 2, 21}},
		{10000, [tiers]int{0, 5, 20, 100, 500, 10000}},
	} {
		corps := plan(c.stores)
		var got [tiers]int
		ids, names := map[string]bool{}, map[string]bool{}
		paths := map[string]bool{} // the groups of the distributors
		for _, p := range corps {
			got[p.tier-1]++
			if ids[p.customID] || names[p.name] {
				t.Errorf("%d stores: %s / %q repeated", c.stores, p.customID, p.name)
			}
			ids[p.customID], names[p.name] = true, true
			if utf8.RuneCountInString(p.name) > 32 {
				t.Errorf("corp name %q over 32 characters", p.name)
			}
			segs := strings.Split(p.groupPath, "/")
			if len(segs) != p.tier-1 {
				t.Errorf("%s of tier %d is in group %q at depth %d", p.customID, p.tier, p.groupPath, len(segs))
			}
			if parent := strings.Join(segs[:len(segs)-1], "/"); len(segs) > 1 && !paths[parent] && p.tier < 6 {
				t.Errorf("%s's group %q has no distributor above it", p.customID, p.groupPath)
			}
			if p.tier == 6 && !paths[strings.Join(segs[:len(segs)-1], "/")] {
				t.Errorf("store %s's group %q is not under a district distributor's", p.customID, p.groupPath)
			}
			paths[p.groupPath] = true
		}
		if got != c.want {
			t.Errorf("%d stores: corps per tier %v, want %v", c.stores, got, c.want)
		}
	}
}

// windowWait is the wait fixed calendar windows impose on a burst of calls.
func TestWindowWait(t *testing.T) {
	for _, c := range []struct {
		calls int
		want  time.Duration
	}{
		{0, 0}, {1, 0}, {10000, 0}, {10001, time.Minute}, {25000, 2 * time.Minute},
		{150000, 14 * time.Minute}, {150001, time.Hour}, {300001, 2 * time.Hour},
	} {
		if got := windowWait(c.calls, corpAPIPerMinute, corpAPIPerHour); got != c.want {
			t.Errorf("windowWait(%d) = %v, want %v", c.calls, got, c.want)
		}
	}
}

// The projection is the package comment's arithmetic, and the limits take over once the
// token fetches outgrow a minute's budget.
func TestProject(t *testing.T) {
	p := project(4250, 16, 80*time.Millisecond)
	if p.calls != 42560*time.Millisecond || p.limits != 0 || p.total != p.calls || round(p.total) != 42600*time.Millisecond {
		t.Errorf("4,250 corps: %+v, want 266 rounds × 160 ms = 42.56 s and no wait", p)
	}
	if !strings.Contains(p.explain, "(266 rounds × 2 calls)") || !strings.HasSuffix(p.explain, "add no wait") {
		t.Errorf("explanation %q", p.explain)
	}
	p = project(25000, 256, time.Millisecond)
	if p.limits != 2*time.Minute || p.total != 2*time.Minute || !strings.HasSuffix(p.explain, "make the token fetches take 2m0s at least") {
		t.Errorf("25,000 corps, 256 at a time: %+v, want the 2 minutes the token fetches wait", p)
	}
}

// Interrupted at a random point and resumed, the broadcast still gives every corp exactly one
// acknowledged card (run fails otherwise: the simulator's records are checked at the end).
func TestInterruptAtRandomPoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	for range 3 {
		at := 1 + rng.IntN(200)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := run(ctx, options{stores: 200, workers: 8, interrupt: at, rtt: 80 * time.Millisecond})
		cancel()
		if err != nil {
			t.Fatalf("interrupted after %d: %v", at, err)
		}
	}
}

// discover takes a corp's tier from its group's depth on any chain: the root group's corps are
// the first tier below the brand, corps deeper than the stores count as stores, and corps the
// app is not shared with, or that have not joined, are left out.
func TestDiscoverTiers(t *testing.T) {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddChain(wecomtest.CorpID, "ch1", "Chain")
	for g := 2; g <= 8; g++ { // a line of groups: 2 at depth 1, 3 at depth 2, … 8 at depth 7
		srv.AddChainGroup(wecomtest.CorpID, "ch1", g, g-1, fmt.Sprintf("G%d", g))
	}
	want := map[string]int{}
	for g := 1; g <= 8; g++ {
		corp := fmt.Sprintf("wwcorp%d", g)
		srv.AddChainCorp(wecomtest.CorpID, "ch1", wecomtest.ChainCorp{CorpID: corp, Name: corp, GroupID: g, CustomID: fmt.Sprintf("C%d", g)})
		srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: corp, AgentID: 1000100 + g, BusinessType: 1})
		want[corp] = min(max(g, 2), tiers)
	}
	srv.AddChainCorp(wecomtest.CorpID, "ch1", wecomtest.ChainCorp{PendingCorpID: "pend1", Name: "Not joined", GroupID: 3})
	srv.AddChainCorp(wecomtest.CorpID, "ch1", wecomtest.ChainCorp{CorpID: "wwnotshared", Name: "Not shared", GroupID: 3})
	up, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		t.Fatal(err)
	}
	nw, err := discover(context.Background(), up, wecomtest.AgentID, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, d := range nw.dealers {
		got[d.corp.CorpID] = d.tier
	}
	if !maps.Equal(got, want) {
		t.Errorf("tiers %v, want %v", got, want)
	}
	if !slices.IsSortedFunc(nw.dealers, func(a, b *dealer) int { return a.tier - b.tier }) {
		t.Error("dealers are not in tier order")
	}
}
