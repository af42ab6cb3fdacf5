package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/store"
)

// echoForms are the ways a gateway or an errmsg may echo the request back.
var echoForms = map[string]func(string) string{
	"raw":   func(s string) string { return s },
	"query": url.QueryEscape,
	"query-lower": func(s string) string {
		return regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(s), strings.ToLower)
	},
	"path":         url.PathEscape,
	"unescaped":    func(s string) string { u, _ := url.QueryUnescape(s); return u },
	"html":         html.EscapeString,
	"json-in-text": func(s string) string { b, _ := json.Marshal(s); return string(b) },
	"double-query": func(s string) string { return url.QueryEscape(url.QueryEscape(s)) },
}

// Every secret a credential holds stays out of errors and logs whatever form an echo of the
// request takes, on token endpoints and business calls alike.
func TestEchoedSecretsNeverShown(t *testing.T) {
	t.Parallel()
	const (
		corpSecret = "corp-SECRET<&>'\"/+=1"
		suiteSec   = "suite-SECRET<&>'/+=2"
		ticket     = "ticket-VALUE<&>'/+=3"
		provSecret = "prov-SECRET<&>'/+=4"
		permCode   = "perm-CODE<&>'/+=5"
		robotKey   = "robot-KEY<&>'/+=6"
	)
	secrets := []string{corpSecret, suiteSec, ticket, provSecret, permCode, robotKey}
	for name, form := range echoForms {
		for _, asJSON := range []bool{true, false} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				echo := form(r.URL.RawQuery + " " + string(body))
				if !asJSON {
					w.WriteHeader(http.StatusBadGateway)
					_, _ = io.WriteString(w, "<html>gateway echo "+echo+"</html>")
					return
				}
				msg, _ := json.Marshal(echo)
				_, _ = io.WriteString(w, `{"errcode":40001,"errmsg":`+string(msg)+`}`)
			}))
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			st := store.NewMemory()
			if err := client.StoreSuiteTicket(context.Background(), st, "suite1", ticket); err != nil {
				t.Fatal(err)
			}
			opts := []client.Option{client.WithBaseURL(srv.URL), client.WithLogger(log), client.WithStore(st),
				client.WithRetry(client.RetryPolicy{MaxAttempts: 1})}
			var errs []error
			for _, cred := range []client.Credential{
				client.CorpApp{CorpID: "ww1", Secret: corpSecret},
				client.Suite{SuiteID: "suite1", Secret: suiteSec},
				client.Provider{CorpID: "ww1", ProviderSecret: provSecret},
				client.WebhookKey(robotKey),
			} {
				c, err := client.New(cred, opts...)
				if err != nil {
					t.Fatal(err)
				}
				errs = append(errs, c.Do(context.Background(), http.MethodPost, "/cgi-bin/x", nil, map[string]string{"a": "b"}, nil))
			}
			// An authorised corp's token comes through the suite with the permanent code in the
			// body; give the suite a token first so the echo is of get_corp_token.
			tokSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/cgi-bin/service/get_suite_token" {
					_, _ = io.WriteString(w, `{"suite_access_token":"STOK-abcdef","expires_in":7200}`)
					return
				}
				srv.Config.Handler.ServeHTTP(w, r)
			}))
			opts[0] = client.WithBaseURL(tokSrv.URL)
			sc, _ := client.New(client.Suite{SuiteID: "suite1", Secret: suiteSec}, opts...)
			ac, err := sc.AuthCorp("wwcorp", permCode)
			if err != nil {
				t.Fatal(err)
			}
			errs = append(errs, ac.Do(context.Background(), http.MethodGet, "/cgi-bin/x", nil, nil, nil))
			out := logs.String()
			for _, err := range errs {
				if err == nil {
					t.Fatalf("%s: want an error from the echoing server", name)
				}
				out += "\n" + err.Error()
				var apiErr *client.APIError
				if errors.As(err, &apiErr) {
					out += apiErr.Message
				}
			}
			for _, sec := range secrets {
				for fname, f := range echoForms {
					if v := f(sec); strings.Contains(out, v) {
						t.Errorf("echo %s (json=%v): secret %q appears in form %s", name, asJSON, sec[:8], fname)
					}
				}
			}
			tokSrv.Close()
			srv.Close()
		}
	}
}
