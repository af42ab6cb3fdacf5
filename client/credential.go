package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/wecom-connector/wecom/internal/secret"
)

// Credential is what a [Client] authenticates with: an internal app's corp ID and secret
// ([CorpApp]), any oauth2.TokenSource ([FromTokenSource]), or one of the ISV and downstream-corp
// credentials. Its String never shows the secret.
type Credential interface {
	// String names the credential (kind and corp), never the secret.
	String() string
	bind(c *Client) (binding, error)
}

// binding is how a credential authenticates each request.
type binding struct {
	param   string // query parameter that carries the token
	static  string // a fixed value (a robot key); no fetching, no caching
	cacheID string // store key part: kind:corp:hash(secret); empty: in-process only
	fetch   func(ctx context.Context) (*oauth2.Token, error)
	// invalid reports whether an errcode means the token sent was bad and is worth one refresh.
	invalid func(code int) bool
	secrets []string // the credential's secrets, scrubbed from every error and log line
	// limitKey names the budget WeCom counts the calls against (see limiter); empty: none.
	limitKey string
}

// CorpApp is the credential of an internal app (自建应用), a customized app (代开发应用) or a
// tool secret (通讯录同步, 客户联系, 微信客服): the corp ID (企业ID) and the secret of the app
// whose token is wanted. Each secret gets its own cached token.
//
//wecom:api GET /cgi-bin/gettoken
type CorpApp struct{ CorpID, Secret string }

// String names the corp, never the secret.
func (a CorpApp) String() string { return "CorpApp(" + a.CorpID + ")" }

// GoString is String, so %#v prints no secret either.
func (a CorpApp) GoString() string { return a.String() }

// Format prints String whatever the verb, so no verb (%d, %x, …) reaches the secret.
func (a CorpApp) Format(f fmt.State, _ rune) { io.WriteString(f, a.String()) }

// LogValue keeps the secret out of slog output.
func (a CorpApp) LogValue() slog.Value { return slog.StringValue(a.String()) }

func (a CorpApp) bind(c *Client) (binding, error) {
	if a.CorpID == "" {
		return binding{}, errors.New("wecom: CorpApp needs a CorpID")
	}
	if a.Secret == "" {
		return binding{}, errors.New("wecom: CorpApp needs a Secret")
	}
	q := url.Values{"corpid": {a.CorpID}, "corpsecret": {a.Secret}}
	return binding{
		param:   "access_token",
		cacheID: "corp:" + a.CorpID + ":" + secret.Hash(a.Secret),
		secrets: []string{a.Secret},
		fetch: func(ctx context.Context) (*oauth2.Token, error) {
			return c.fetchToken(ctx, http.MethodGet, "/cgi-bin/gettoken", q, nil, "access_token")
		},
		invalid: isCorpTokenInvalid,
		// WeCom counts calls per corp, whatever the secret.
		limitKey: "corp:" + a.CorpID,
	}, nil
}

// FromTokenSource authenticates with any oauth2.TokenSource whose tokens are corp access tokens
// (for example one the caller's own token service provides). The client keeps the token until
// shortly before its Expiry and asks ts again after an invalid-token answer.
func FromTokenSource(ts oauth2.TokenSource) Credential { return tokenSourceCred{ts} }

type tokenSourceCred struct{ ts oauth2.TokenSource }

func (t tokenSourceCred) String() string { return "TokenSource" }

func (t tokenSourceCred) bind(*Client) (binding, error) {
	if t.ts == nil {
		return binding{}, errors.New("wecom: nil oauth2.TokenSource")
	}
	return binding{
		param: "access_token",
		fetch: func(ctx context.Context) (*oauth2.Token, error) {
			type result struct {
				t   *oauth2.Token
				err error
			}
			ch := make(chan result, 1)
			go func() { tok, err := t.ts.Token(); ch <- result{tok, err} }()
			select {
			case r := <-ch:
				if r.err == nil && (r.t == nil || r.t.AccessToken == "") {
					r.err = errors.New("wecom: token source returned an empty token")
				}
				return r.t, r.err
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
		invalid: isCorpTokenInvalid,
		// No corp ID to count by: each client counts its own calls, in process.
		limitKey: localLimitKey(),
	}, nil
}

// WebhookKey is the credential of a group robot (群机器人): the key in its webhook URL. The key is
// a secret: it is sent as the key query value and redacted everywhere else. Robot calls need no
// access token.
type WebhookKey string

// String never shows the key.
func (k WebhookKey) String() string { return "WebhookKey(REDACTED)" }

// GoString is String, so %#v prints no key either.
func (k WebhookKey) GoString() string { return k.String() }

// Format prints String whatever the verb, so no verb (%d, %x, …) reaches the key.
func (k WebhookKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue keeps the key out of slog output.
func (k WebhookKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

func (k WebhookKey) bind(*Client) (binding, error) {
	if k == "" {
		return binding{}, errors.New("wecom: empty robot webhook key")
	}
	return binding{param: robotParam, static: string(k), invalid: func(int) bool { return false }, secrets: []string{string(k)}, limitKey: "robot:" + secret.Hash(string(k))}, nil
}

// newCredential builds a credential from its parts, for the kinds that live beside the client
// (suites, authorised corps, downstream corps): name is what String shows, param the query
// parameter carrying the token, cacheID the store key part (kind:corp:hash(secret); empty keeps
// the token in process only), fetch obtains a new token, invalid tells which errcodes mean
// the sent token was bad, and secrets are scrubbed from every error and log line.
func newCredential(name, param, cacheID string, fetch func(ctx context.Context) (*oauth2.Token, error), invalid func(code int) bool, secrets ...string) Credential {
	return customCred{name, binding{param: param, cacheID: cacheID, fetch: fetch, invalid: invalid, secrets: secrets}}
}

type customCred struct {
	name string
	b    binding
}

func (c customCred) String() string { return c.name }

func (c customCred) bind(*Client) (binding, error) {
	if c.b.param == "" || c.b.fetch == nil || c.b.invalid == nil {
		return binding{}, errors.New("wecom: credential " + c.name + " is incomplete")
	}
	return c.b, nil
}
