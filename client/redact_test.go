package client_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// lockedBuffer collects log output from concurrent calls.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestNoSecretInAnyOutput(t *testing.T) {
	t.Parallel()
	const secret = "PLANTED-corp-secret-7f3a"
	const robotKey = "PLANTED-robot-key-91c2"
	srv := newSim(t, wecomtest.WithApp(wecomtest.App{CorpID: "wwplanted", Secret: secret, AgentID: 7}))
	var logs lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cred := client.CorpApp{CorpID: "wwplanted", Secret: secret}
	c, err := client.New(cred, client.WithBaseURL(srv.URL()), client.WithLogger(logger), fastRetry)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out []string
	collect := func(err error) {
		if err != nil {
			out = append(out, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
		}
	}
	collect(c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil))
	tok, err := c.TokenSource().Token()
	if err != nil {
		t.Fatal(err)
	}
	// errcode answers, HTML answers, lost connections, exhausted 5xx retries
	srv.FailNext(ipPath, client.CodeNoPrivilege, 1)
	collect(c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil))
	srv.FailNextHTTP(ipPath, http.StatusBadGateway, 10)
	collect(c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil))
	srv.DropNext(ipPath, 10)
	collect(c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil))
	srv.ClearFaults()
	// a dead host: the URL with the token would be in Go's *url.Error
	dead := wecomtest.NewServer()
	deadURL := dead.URL()
	dead.Close()
	d, _ := client.New(cred, client.WithBaseURL(deadURL), client.WithLogger(logger), fastRetry)
	collect(d.Do(ctx, http.MethodGet, ipPath, nil, nil, nil)) // gettoken with corpsecret in the URL fails
	bad, _ := client.New(client.CorpApp{CorpID: "wwplanted", Secret: secret + "x"}, client.WithBaseURL(srv.URL()), client.WithLogger(logger))
	collect(bad.Do(ctx, http.MethodGet, ipPath, nil, nil, nil))
	robot, _ := client.New(client.WebhookKey(robotKey), client.WithBaseURL(deadURL), client.WithLogger(logger), fastRetry)
	collect(robot.Do(ctx, http.MethodPost, "/cgi-bin/webhook/send", nil, map[string]string{"msgtype": "text"}, nil))

	out = append(out, logs.String(),
		fmt.Sprintf("%v %+v %#v %s", cred, cred, cred, cred),
		fmt.Sprintf("%v %+v %#v", c, c, c),
		fmt.Sprintf("%v %+v %#v", client.WebhookKey(robotKey), client.WebhookKey(robotKey), client.WebhookKey(robotKey)),
	)
	if len(out) < 8 || !strings.Contains(logs.String(), `"path":"/cgi-bin/getcallbackip"`) {
		t.Fatalf("expected failures and debug logs to inspect, got %d outputs, logs %q", len(out), logs.String())
	}
	all := strings.Join(out, "\n")
	for _, s := range []string{secret, tok.AccessToken, robotKey} {
		if strings.Contains(all, s) {
			t.Errorf("secret %q leaked into output:\n%s", s[:8]+"…", all)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://h/cgi-bin/gettoken?corpid=ww1&corpsecret=abc":   "https://h/cgi-bin/gettoken?corpid=ww1&corpsecret=REDACTED",
		"GET /x?access_token=tok123&debug=0":                     "GET /x?access_token=REDACTED&debug=0",
		`{"suite_secret":"s3","suite_ticket":"t"}`:               `{"suite_secret":"REDACTED","suite_ticket":"REDACTED"}`,
		"/cgi-bin/webhook/send?key=693a91f6-7xxx":                "/cgi-bin/webhook/send?key=REDACTED",
		"nothing secret here":                                    "nothing secret here",
		"provider_access_token=p1 and permanent_code: pc-secret": "provider_access_token=REDACTED and permanent_code: REDACTED",
	} {
		if got := client.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCodeText(t *testing.T) {
	t.Parallel()
	if got := client.CodeText(client.CodeAccessTokenExpired); got != "access_token expired" {
		t.Errorf("CodeText(42001) = %q", got)
	}
	if client.CodeText(123456789) != "" {
		t.Error("unknown code has a text")
	}
	if !strings.HasSuffix(client.CodeURL(60011), "?e=60011") {
		t.Error(client.CodeURL(60011))
	}
}

// A robot's webhook URL pasted as the base URL without its scheme is refused; the refusal must
// not print the robot key it carries.
func TestBaseURLErrorHidesKey(t *testing.T) {
	t.Parallel()
	const robotKey = "PLANTED-robot-key-5e1d"
	_, err := client.New(client.WebhookKey(robotKey), client.WithBaseURL("robot.example/cgi-bin/webhook/send?key="+robotKey))
	if err == nil {
		t.Fatal("a base URL without scheme was accepted")
	}
	if strings.Contains(err.Error(), robotKey) {
		t.Fatalf("error shows the robot key: %v", err)
	}
}
