package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
)

// nopStore keeps nothing, so a heap measurement counts the clients and not the store (Redis, in
// production, holds the tokens outside the process).
type nopStore struct{}

func (nopStore) Get(context.Context, string) ([]byte, error)                        { return nil, store.ErrNotFound }
func (nopStore) Set(context.Context, string, []byte, time.Duration) error           { return nil }
func (nopStore) SetNX(context.Context, string, []byte, time.Duration) (bool, error) { return true, nil }
func (nopStore) Delete(context.Context, string) error                               { return nil }

// fleetSuite returns a suite client whose HTTP answers every token request at once: the suite
// token, then one corp token per corp, counted in corpTokens.
func fleetSuite(t testing.TB, st store.Store, corpTokens *atomic.Int64) *client.Client {
	t.Helper()
	mt := httpmock.NewMockTransport()
	mt.RegisterResponder(http.MethodPost, "https://sim.test/cgi-bin/service/get_suite_token",
		httpmock.NewStringResponder(200, `{"errcode":0,"suite_access_token":"suite-tok","expires_in":7200}`))
	mt.RegisterResponder(http.MethodPost, "https://sim.test/cgi-bin/service/get_corp_token",
		func(*http.Request) (*http.Response, error) {
			n := corpTokens.Add(1)
			return httpmock.NewStringResponse(200, fmt.Sprintf(`{"errcode":0,"access_token":"corp-tok-%032d","expires_in":7200}`, n)), nil
		})
	if err := client.StoreSuiteTicket(context.Background(), st, "wwsuite", "ticket"); err != nil {
		t.Fatal(err)
	}
	suite, err := client.New(client.Suite{SuiteID: "wwsuite", Secret: "suite-secret"}, client.WithBaseURL("https://sim.test"),
		client.WithHTTPClient(&http.Client{Transport: mt}), client.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	return suite
}

type ticketOnly struct {
	nopStore
	ticket []byte
}

func (s *ticketOnly) Get(_ context.Context, key string) ([]byte, error) {
	if strings.Contains(key, "suite_ticket") && s.ticket != nil {
		return s.ticket, nil
	}
	return nil, store.ErrNotFound
}

func (s *ticketOnly) Set(_ context.Context, key string, val []byte, _ time.Duration) error {
	if strings.Contains(key, "suite_ticket") {
		s.ticket = val
	}
	return nil
}

func permCode(_ context.Context, corpID string) (string, error) {
	return "perm-" + corpID + "-0123456789abcdef0123456789abcdef", nil
}

func heapNow() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// 10,000 authorised corps, each with its token fetched: at most 2 KiB of heap a corp, and
// dropping them all gives the heap back.
func TestFleetHeapPerCorp(t *testing.T) {
	const corps = 10_000
	var fetched atomic.Int64
	suite := fleetSuite(t, &ticketOnly{}, &fetched)
	f, err := client.NewFleet(suite, permCode)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := suite.TokenSource().Token(); err != nil { // the suite token outside the measurement
		t.Fatal(err)
	}
	before := heapNow()
	for i := range corps {
		c, err := f.Corp(ctx, fmt.Sprintf("wwcorp%08d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.TokenSource().Token(); err != nil {
			t.Fatal(err)
		}
	}
	held := heapNow()
	perCorp := (int64(held) - int64(before)) / corps
	t.Logf("fleet: %d corps, %d bytes of heap each with a cached token, %d corp tokens fetched", corps, perCorp, fetched.Load())
	if perCorp > 2048 {
		t.Errorf("%d bytes per corp, want at most 2 KiB", perCorp)
	}
	if f.Len() != corps || fetched.Load() != corps {
		t.Fatalf("Len %d, tokens fetched %d; want %d each", f.Len(), fetched.Load(), corps)
	}
	for i := range corps {
		f.Drop(fmt.Sprintf("wwcorp%08d", i))
	}
	left := int64(heapNow()) - int64(before)
	t.Logf("fleet: %d bytes left over the starting heap after dropping every corp", left)
	if f.Len() != 0 || left > 64<<10 {
		t.Errorf("after Drop of every corp: Len %d, %d bytes left; want 0 and under 64 KiB", f.Len(), left)
	}
	runtime.KeepAlive(f)
}

// Concurrent first uses of one corp keep one client; the lookup's failure is returned wrapped.
func TestFleetCorp(t *testing.T) {
	t.Parallel()
	var fetched atomic.Int64
	suite := fleetSuite(t, store.NewMemory(), &fetched)
	var lookups atomic.Int64
	f, err := client.NewFleet(suite, func(ctx context.Context, corpID string) (string, error) {
		lookups.Add(1)
		if corpID == "wwgone" {
			return "", errors.New("no such corp")
		}
		return permCode(ctx, corpID)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]*client.Client, 50)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := f.Corp(ctx, "wwcorpA")
			if err != nil {
				t.Error(err)
			}
			got[i] = c
		}()
	}
	wg.Wait()
	for _, c := range got[1:] {
		if c != got[0] {
			t.Fatal("two clients kept for one corp")
		}
	}
	if got[0].CorpID() != "wwcorpA" || f.Len() != 1 {
		t.Fatalf("CorpID %q, Len %d", got[0].CorpID(), f.Len())
	}
	if c, _ := f.Corp(ctx, "wwcorpA"); c != got[0] || lookups.Load() > 50 {
		t.Fatal("a held corp was rebuilt")
	}
	if _, err := f.Corp(ctx, "wwgone"); err == nil || !strings.Contains(err.Error(), "no such corp") {
		t.Fatalf("failed lookup: %v", err)
	}
	if _, err := f.Corp(ctx, ""); err == nil {
		t.Fatal("empty corp ID accepted")
	}
	f.Drop("wwcorpA")
	if c, _ := f.Corp(ctx, "wwcorpA"); c == got[0] {
		t.Fatal("Drop kept the client")
	}
	corp, _ := client.New(client.CorpApp{CorpID: "ww1", Secret: "s"})
	if _, err := client.NewFleet(corp, permCode); err == nil {
		t.Fatal("a corp client accepted as a suite")
	}
	if _, err := client.NewFleet(suite, nil); err == nil {
		t.Fatal("nil lookup accepted")
	}
}

// BenchmarkFleetCorp measures the heap of one authorised corp's client with its token, built
// by a Fleet, against a client built from scratch with New, in the same run.
func BenchmarkFleetCorp(b *testing.B) {
	const corps = 2_000
	var fetched atomic.Int64
	ctx := context.Background()
	b.Run("fleet", func(b *testing.B) {
		for b.Loop() {
			suite := fleetSuite(b, &ticketOnly{}, &fetched)
			f, _ := client.NewFleet(suite, permCode)
			_, _ = suite.TokenSource().Token()
			before := heapNow()
			for i := range corps {
				c, _ := f.Corp(ctx, fmt.Sprintf("wwcorp%08d", i))
				_, _ = c.TokenSource().Token()
			}
			b.ReportMetric(float64(int64(heapNow())-int64(before))/corps, "B/corp")
			runtime.KeepAlive(f)
		}
	})
	b.Run("baseline-new", func(b *testing.B) {
		for b.Loop() {
			held := make([]*client.Client, corps)
			before := heapNow()
			for i := range held {
				held[i], _ = client.New(client.CorpApp{CorpID: fmt.Sprintf("wwcorp%08d", i), Secret: "secret"}, client.WithStore(nopStore{}))
			}
			b.ReportMetric(float64(int64(heapNow())-int64(before))/corps, "B/corp")
			runtime.KeepAlive(held)
		}
	})
}

// ExampleFleet keeps one client per authorised corp, built on first use from the permanent
// code the create_auth handler saved.
func ExampleFleet() {
	suite, err := client.New(client.Suite{SuiteID: "wwsuite", Secret: "suite-secret"})
	if err != nil {
		panic(err)
	}
	codes := map[string]string{"wwcorpA": "permanent-code-A"} // the ISV's database
	fleet, err := client.NewFleet(suite, func(ctx context.Context, corpID string) (string, error) {
		if code, ok := codes[corpID]; ok {
			return code, nil
		}
		return "", fmt.Errorf("corp %s never authorised the app", corpID)
	})
	if err != nil {
		panic(err)
	}
	corp, err := fleet.Corp(context.Background(), "wwcorpA")
	if err != nil {
		panic(err)
	}
	fmt.Println(corp.CorpID(), fleet.Len())
	fleet.Drop("wwcorpA") // on cancel_auth
	fmt.Println(fleet.Len())
	// Output:
	// wwcorpA 1
	// 0
}
