package client_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestReadRetriedThroughFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault wecomtest.Fault
	}{
		{"http 502", wecomtest.Fault{Status: http.StatusBadGateway}},
		{"busy -1", wecomtest.Fault{Errcode: client.CodeBusy}},
		{"dropped connection", wecomtest.Fault{Drop: true}},
		{"token expired", wecomtest.Fault{Errcode: client.CodeAccessTokenExpired}},
		{"concurrency limit", wecomtest.Fault{Errcode: client.CodeConcurrencyLimit}},
		{"frequency limit", wecomtest.Fault{Errcode: client.CodeFrequencyLimit}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			c := newClient(t, srv)
			n := 2
			if tc.fault.Errcode == client.CodeAccessTokenExpired || tc.fault.Errcode == client.CodeFrequencyLimit {
				n = 1 // refreshed once / waited once, then retried once
			}
			srv.Inject(ipPath, tc.fault, n)
			var out ipList
			if err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, &out); err != nil {
				t.Fatalf("read failed despite retries: %v", err)
			}
			if len(out.IPList) == 0 {
				t.Fatal("no payload decoded")
			}
			if got := srv.Calls(ipPath); got != n+1 {
				t.Fatalf("%d attempts, want %d", got, n+1)
			}
		})
	}
}

func TestSendNotRetriedWhenItMayHaveArrived(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault wecomtest.Fault
	}{
		{"http 502", wecomtest.Fault{Status: http.StatusBadGateway}},
		{"busy -1", wecomtest.Fault{Errcode: client.CodeBusy}},
		{"dropped before handling", wecomtest.Fault{Drop: true}},
		{"answer lost after handling", wecomtest.Fault{Drop: true, AfterHandler: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			sent := addSend(srv)
			c := newClient(t, srv)
			srv.Inject(sendPath, tc.fault, 1)
			err := c.Do(context.Background(), http.MethodPost, sendPath, nil, map[string]string{"text": "hi"}, nil)
			if err == nil {
				t.Fatal("send succeeded; want the fault returned")
			}
			if got := srv.Calls(sendPath); got != 1 {
				t.Fatalf("send attempted %d times, want 1", got)
			}
			if *sent > 1 {
				t.Fatalf("send happened %d times", *sent)
			}
		})
	}
}

func TestIdempotentSendRetried(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	sent := addSend(srv)
	c := newClient(t, srv)
	srv.Inject(sendPath, wecomtest.Fault{Status: http.StatusServiceUnavailable}, 2)
	if err := c.Do(context.Background(), http.MethodPost, sendPath, nil, client.Idempotent(map[string]string{"msgid": "x"}), nil); err != nil {
		t.Fatal(err)
	}
	if *sent != 1 || srv.Calls(sendPath) != 3 {
		t.Fatalf("sent %d times in %d attempts, want 1 in 3", *sent, srv.Calls(sendPath))
	}
}

func TestSendRetriedWhenRefused(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	sent := addSend(srv)
	c := newClient(t, srv)
	srv.FailNext(sendPath, client.CodeInvalidAccessToken, 1)
	if err := c.Do(context.Background(), http.MethodPost, sendPath, nil, map[string]int{"a": 1}, nil); err != nil {
		t.Fatal(err)
	}
	if *sent != 1 {
		t.Fatalf("sent %d times, want 1", *sent)
	}
}

func TestSendRetriedAfterFailedDial(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv) // warm the token first
	if err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	dead := newSim(t)
	url := dead.URL()
	dead.Close()
	d, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(url), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = d.Do(context.Background(), http.MethodPost, sendPath, nil, map[string]int{}, nil)
	var te *client.TransportError
	if !errors.As(err, &te) || te.Status != 0 {
		t.Fatalf("got %v, want a TransportError with no status", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("dial retries not bounded")
	}
}

func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv)
	srv.FailNext(ipPath, client.CodeBusy, 100)
	err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil)
	if !errors.Is(err, client.ErrRetryable) {
		t.Fatalf("got %v, want ErrRetryable", err)
	}
	if got := srv.Calls(ipPath); got != 4 {
		t.Fatalf("%d attempts, want 4 (1 + 3 busy retries)", got)
	}
	srv.ClearFaults()
	srv.FailNextHTTP(ipPath, http.StatusBadGateway, 100)
	err = c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil)
	var te *client.TransportError
	if !errors.As(err, &te) || te.Status != http.StatusBadGateway {
		t.Fatalf("got %v, want HTTP 502 TransportError", err)
	}
}

func TestPermissionNotRetried(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv)
	srv.FailNext(ipPath, client.CodeNoPrivilege, 5)
	err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil)
	if !errors.Is(err, client.ErrPermission) || !errors.Is(err, &client.APIError{Code: 60011}) {
		t.Fatalf("got %v, want a 60011 permission error", err)
	}
	if got := srv.Calls(ipPath); got != 1 {
		t.Fatalf("%d attempts, want 1", got)
	}
}

func TestCancelDuringWaits(t *testing.T) {
	t.Parallel()
	slow := client.WithRetry(client.RetryPolicy{MinBackoff: 10 * time.Second, MaxBackoff: 20 * time.Second, RateLimitWait: time.Minute})
	for _, tc := range []struct {
		name  string
		fault wecomtest.Fault
		opts  []client.Option
	}{
		{"transport backoff", wecomtest.Fault{Status: http.StatusBadGateway}, []client.Option{slow}},
		{"busy backoff", wecomtest.Fault{Errcode: client.CodeBusy}, []client.Option{slow}},
		{"frequency-limit pause", wecomtest.Fault{Errcode: client.CodeFrequencyLimit}, []client.Option{slow}},
		{"rate limiter", wecomtest.Fault{}, []client.Option{client.WithRateLimit(1, 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newSim(t)
			c := newClient(t, srv, tc.opts...)
			if tc.fault == (wecomtest.Fault{}) {
				_ = c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil) // use the only token of the bucket
			} else {
				srv.Inject(ipPath, tc.fault, 10)
			}
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			start := time.Now()
			err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("returned after %v, want promptly", d)
			}
		})
	}
}

func TestNilContext(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv)
	var nilCtx context.Context // a nil ctx is the bad input under test
	if err := c.Do(nilCtx, http.MethodGet, ipPath, nil, nil, nil); err == nil {
		t.Fatal("nil ctx accepted")
	}
	if srv.Calls(ipPath) != 0 {
		t.Fatal("a request was sent with a nil ctx")
	}
}

func TestDecodeFailures(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	srv.HandleFunc("", "/cgi-bin/test/html", wecomtest.TokenCorp, func(*wecomtest.Call) (any, error) {
		return wecomtest.Raw{Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte("<html>gateway says hello</html>")}, nil
	})
	big := make([]byte, 2048)
	for i := range big {
		big[i] = 'a'
	}
	srv.HandleFunc("", "/cgi-bin/test/big", wecomtest.TokenCorp, func(*wecomtest.Call) (any, error) {
		return wecomtest.J{"blob": string(big)}, nil
	})
	c := newClient(t, srv, client.WithMaxResponseSize(1024))
	err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/test/html", nil, nil, nil)
	var te *client.TransportError
	if !errors.As(err, &te) || te.Status != 200 || te.Snippet != "<html>gateway says hello</html>" {
		t.Fatalf("got %v, want a TransportError with the HTML snippet", err)
	}
	if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/test/big", nil, nil, nil); err == nil {
		t.Fatal("oversize answer accepted")
	}
	var wrong struct {
		IPList int `json:"ip_list"`
	}
	if err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, &wrong); err == nil {
		t.Fatal("answer of the wrong shape decoded without error")
	}
}

// One call makes at most RetryPolicy.MaxAttempts HTTP attempts, however transport failures and
// busy answers mix (the two retry layers once multiplied to about 24).
func TestOneAttemptBudgetPerCall(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv, client.WithRetry(client.RetryPolicy{MaxAttempts: 5, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond, BusyRetries: 10}))
	if err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil); err != nil {
		t.Fatal(err) // warm the token, so only the call's own attempts are counted
	}
	before := srv.Calls(ipPath)
	srv.FailNextHTTP(ipPath, http.StatusBadGateway, 2)
	srv.FailNext(ipPath, client.CodeBusy, 100)
	err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, nil)
	if err == nil {
		t.Fatal("want an error after the budget")
	}
	if got := srv.Calls(ipPath) - before; got != 5 {
		t.Fatalf("%d HTTP attempts, want exactly the budget of 5", got)
	}
}
