package client_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
)

// Log levels say what happened: DEBUG for answers the caller handles, INFO for a retry with its
// reason, WARN when the client gives up on a busy platform or a dead server.
func TestLogLevels(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv, client.WithLogger(log))
	ctx := context.Background()

	srv.FailNext(ipPath, client.CodeBusy, 1)
	if err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, &ipList{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var info, debug int
	for _, l := range lines {
		switch {
		case strings.Contains(l, "level=INFO") && strings.Contains(l, "retry=busy") && strings.Contains(l, ipPath):
			info++
		case strings.Contains(l, "level=DEBUG") && strings.Contains(l, ipPath):
			debug++
		}
	}
	if info != 1 || debug != 1 {
		t.Fatalf("want one INFO retry line and one DEBUG line for the path, got:\n%s", buf.String())
	}

	buf.Reset()
	srv.FailNext(ipPath, client.CodeBusy, 10)
	err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, &ipList{})
	if !errors.Is(err, client.ErrRetryable) {
		t.Fatalf("want a busy error after the retries, got %v", err)
	}
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 {
		t.Fatalf("giving up on busy answers should log one WARN line, got %d:\n%s", n, buf.String())
	}

	buf.Reset()
	srv.ClearFaults()
	srv.FailNext(ipPath, client.CodeNoPrivilege, 1)
	_ = c.Do(ctx, http.MethodGet, ipPath, nil, nil, &ipList{})
	if strings.Contains(buf.String(), "level=WARN") || strings.Contains(buf.String(), "level=INFO") {
		t.Fatalf("a business errcode is the caller's to handle: DEBUG only, got:\n%s", buf.String())
	}
}

// An APIError says what its errcode means, so 60020 reads as an IP problem without a lookup.
func TestAPIErrorShowsMeaning(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv)
	srv.FailNext(ipPath, client.CodeInsecureIP, 1)
	err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, &ipList{})
	if err == nil || !strings.Contains(err.Error(), "errcode 60020 (") || !strings.Contains(err.Error(), "trusted IP") || !strings.HasPrefix(err.Error(), "wecom: ") {
		t.Fatalf("want the errcode's meaning in the message, got %v", err)
	}
}

// A dead token endpoint is reported once, with one prefix, not "wecom: … wecom: …".
func TestNoDoubledPrefix(t *testing.T) {
	t.Parallel()
	srv := newSim(t)
	c := newClient(t, srv, client.WithRetry(client.RetryPolicy{MaxAttempts: 1}))
	srv.Close()
	err := c.Do(context.Background(), http.MethodGet, ipPath, nil, nil, &ipList{})
	if err == nil || strings.Count(err.Error(), "wecom:") != 1 {
		t.Fatalf("want exactly one prefix, got %v", err)
	}
}
