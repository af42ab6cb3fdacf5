package wecomtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// scaleFigures is what one scale run measured, per corp.
type scaleFigures struct {
	n                           int
	seed, token, send, click    time.Duration // per corp
	baseline                    time.Duration // per plain API call of the upstream corp
	heapPerCorp                 float64       // bytes of live heap the server holds per corp
	gettokens, sends            int
	importPerCorp, listPerGroup time.Duration
}

const scaleWorkers = 16

// parallel runs f(i) for i in [0, n) on scaleWorkers goroutines and returns the wall time.
func parallel(t testing.TB, n int, f func(i int) error) time.Duration {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for range scaleWorkers {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("item %d: %w", i, err)
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
	return time.Since(start)
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// scaleRun fills a simulator with a chain of n joined downstream corps that share the default
// app, each with a manager, then through the API (16 calls at a time) mints each corp's
// downstream token (corpgroup/corp/gettoken), sends each manager a button card with that token
// and presses the button (ClickCard). The baseline is n plain calls of the upstream corp
// (agent/get) in the same run.
func scaleRun(t testing.TB, n int) scaleFigures {
	t.Helper()
	ctx := context.Background()
	before := heapInUse()
	srv := wecomtest.NewServer()
	defer srv.Close()
	f := scaleFigures{n: n}

	start := time.Now()
	srv.AddChain(wecomtest.CorpID, "chScale", "Network")
	for g := 2; g <= 1+n/20+1; g++ {
		srv.AddChainGroup(wecomtest.CorpID, "chScale", g, 1, fmt.Sprintf("Group %d", g))
	}
	for i := range n {
		corp := fmt.Sprintf("wwscale%05d", i)
		srv.AddChainCorp(wecomtest.CorpID, "chScale", wecomtest.ChainCorp{PendingCorpID: fmt.Sprintf("pend%05d", i),
			Name: fmt.Sprintf("Store %d", i), GroupID: 2 + i/20, CustomID: fmt.Sprintf("S%05d", i)})
		if !srv.JoinChainCorp(wecomtest.CorpID, "chScale", fmt.Sprintf("pend%05d", i), corp) {
			t.Fatalf("corp %d did not join", i)
		}
		srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: corp, AgentID: 1000100 + i, BusinessType: 1})
		srv.AddUsers(corp, wecomtest.SeedUser{UserID: fmt.Sprintf("m%05d", i), Name: "Manager"})
	}
	f.seed = time.Since(start) / time.Duration(n)

	// One connection pool for every client of the run, closed with it so that nothing of this
	// run stays reachable into the next one's heap figure.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: scaleWorkers}}
	defer hc.CloseIdleConnections()
	up, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()),
		client.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	f.baseline = parallel(t, n, func(int) error {
		return up.Do(ctx, http.MethodGet, "/cgi-bin/agent/get", map[string][]string{"agentid": {fmt.Sprint(wecomtest.AgentID)}}, nil, nil)
	}) / time.Duration(n)

	tokens := make([]string, n)
	f.token = parallel(t, n, func(i int) error {
		var out struct {
			AccessToken string `json:"access_token"`
		}
		err := up.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/corp/gettoken", nil,
			map[string]any{"corpid": fmt.Sprintf("wwscale%05d", i), "agentid": 1000100 + i, "business_type": 1}, &out)
		tokens[i] = out.AccessToken
		return err
	}) / time.Duration(n)

	f.send = parallel(t, n, func(i int) error {
		c, err := client.New(client.FromTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tokens[i]})),
			client.WithBaseURL(srv.URL()), client.WithHTTPClient(hc))
		if err != nil {
			return err
		}
		body := json.RawMessage(fmt.Sprintf(`{"touser":"m%05d","msgtype":"template_card","agentid":%d,"enable_duplicate_check":1,"template_card":{"card_type":"button_interaction","main_title":{"title":"New prices"},"task_id":"task%05d","button_list":[{"text":"Acknowledge","key":"ack"}]}}`, i, 1000100+i, i))
		return c.Do(ctx, http.MethodPost, "/cgi-bin/message/send", nil, client.Idempotent(body), nil)
	}) / time.Duration(n)

	f.click = parallel(t, n, func(i int) error {
		_, err := srv.ClickCard(fmt.Sprintf("m%05d", i), fmt.Sprintf("task%05d", i), "ack")
		return err
	}) / time.Duration(n)

	// Reading the network back: every group's corps, as a brand walks its tiers.
	groups := 1 + n/20
	f.listPerGroup = parallel(t, groups, func(g int) error {
		return up.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_corpinfo_list", nil,
			map[string]any{"chain_id": "chScale", "groupid": 2 + g}, nil)
	}) / time.Duration(groups)

	// Importing as many corps again through import_chain_contact, 1,000 a job.
	start = time.Now()
	for from := 0; from < n; from += 1000 {
		var list []map[string]any
		for i := from; i < min(from+1000, n); i++ {
			list = append(list, map[string]any{"corp_name": fmt.Sprintf("Imported %d", i), "custom_id": fmt.Sprintf("I%05d", i),
				"group_path":        fmt.Sprintf("Region %d/District %d", i/200, i/20),
				"contact_info_list": []map[string]any{{"name": "Manager", "identity_type": 2, "mobile": fmt.Sprintf("139%08d", i)}}})
		}
		var job struct {
			JobID string `json:"jobid"`
		}
		if err := up.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/import_chain_contact", nil, map[string]any{"chain_id": "chScale", "contact_list": list}, &job); err != nil {
			t.Fatal(err)
		}
		for range 2 { // running, then finished
			if err := up.Do(ctx, http.MethodGet, "/cgi-bin/corpgroup/getresult", map[string][]string{"jobid": {job.JobID}}, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.importPerCorp = time.Since(start) / time.Duration(n)

	f.heapPerCorp = (float64(heapInUse()) - float64(before)) / float64(n)
	f.gettokens, f.sends = srv.Served("/cgi-bin/corpgroup/corp/gettoken"), srv.Served("/cgi-bin/message/send")
	if got := len(srv.ChainCorps(wecomtest.CorpID, "chScale")); got != 2*n {
		t.Fatalf("the chain holds %d corps, want %d", got, 2*n)
	}
	runtime.KeepAlive(srv)
	return f
}

// TestScale4000Corps: the simulator holds 4,000 downstream corps and their tokens, minted and
// used through the API as the dealernetwork example does. Figures are per corp, with the cost
// of a plain API call of the same run as the baseline (TestScaleHandlersPerCorp checks that
// the costs do not grow with the number of corps).
func TestScale4000Corps(t *testing.T) {
	if testing.Short() {
		t.Skip("scale: skipped with -short")
	}
	if wecomtest.ScaleRace() {
		t.Skip("scale figures are measured without the race detector (TestScaleHandlersPerCorp runs with it)")
	}
	start := time.Now()
	f := scaleRun(t, 4000)
	if f.gettokens != 4000 || f.sends != 4000 {
		t.Fatalf("%d tokens minted and %d cards sent, want 4,000 each", f.gettokens, f.sends)
	}
	ratio := func(a time.Duration) float64 { return float64(a) / float64(max(f.baseline, 1)) }
	t.Logf("4,000 corps in %v; per corp: seed %v (%.2f× a plain call of %v), token %v (%.2f×), card sent %v (%.2f×), press %v (%.2f×), "+
		"import %v (%.2f×); reading a group %v (%.2f×); heap %.1f KiB a corp (%.1f MiB in all)",
		time.Since(start).Round(time.Millisecond), f.seed, ratio(f.seed), f.baseline, f.token, ratio(f.token), f.send, ratio(f.send), f.click, ratio(f.click),
		f.importPerCorp, ratio(f.importPerCorp), f.listPerGroup, ratio(f.listPerGroup), f.heapPerCorp/1024, f.heapPerCorp*4000/(1<<20))
	if f.heapPerCorp > 64<<10 || f.heapPerCorp <= 0 {
		t.Errorf("%.1f KiB of heap per corp, want some, under 64", f.heapPerCorp/1024)
	}
}
