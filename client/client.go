// Package client is the one authenticated WeCom (企业微信) API client every service package is built
// on. It owns the single request path ([Client.Do]): it adds the access token (调用凭证) to the
// query, encodes JSON, sends through go-retryablehttp, decodes the errcode envelope into
// [*APIError], refreshes an invalid token once, backs off on busy and frequency-limit errcodes,
// keeps a client-side rate limit and logs one redacted debug line per call.
//
// Tokens are cached in a [store.Store] so several processes can share one token per secret.
package client

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/wecom-connector/wecom/store"
)

// DefaultBaseURL is the WeCom server API host.
const DefaultBaseURL = "https://qyapi.weixin.qq.com"

// Client is an authenticated WeCom API client for one credential (one corp + one secret, one
// suite, one provider, …). It is safe for concurrent use and immutable after [New].
type Client struct {
	base    string
	hc      *http.Client
	safe    *retryablehttp.Client // retries network errors and 5xx: reads and idempotent sends
	unsafe  *retryablehttp.Client // retries only requests that never left the machine
	store   store.Store
	log     *slog.Logger
	limits  *limiter
	retry   RetryPolicy
	maxBody int64
	cred    Credential
	auth    binding
	tokens  *tokenCache // nil when the credential is a static key
	refused error       // set by Require on a client of the wrong kind: every call fails with it
	ownHC   bool        // hc was made by New, so Close may close its connections
	hooks   Hooks
}

// Option configures a [Client] in [New].
type Option func(*settings) error

type settings struct {
	base      string
	hc        *http.Client
	store     store.Store
	log       *slog.Logger
	perMinute int
	perHour   int
	retry     RetryPolicy
	maxBody   int64
	hooks     Hooks
}

// WithBaseURL points the client at another scheme+host, such as the wecomtest simulator or a
// forwarding proxy. The default is [DefaultBaseURL].
func WithBaseURL(u string) Option {
	return func(s *settings) error {
		p, err := url.Parse(u)
		if err != nil || p.Scheme == "" || p.Host == "" {
			return fmt.Errorf("wecom: base URL %q: want scheme://host", Redact(u))
		}
		s.base = strings.TrimRight(p.Scheme+"://"+p.Host+p.Path, "/")
		return nil
	}
}

// WithHTTPClient sends every request through hc (a proxy for the trusted-IP list, tracing,
// timeouts). The client adds retries on top of it; hc's Timeout bounds each attempt.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("wecom: nil *http.Client")
		}
		s.hc = hc
		return nil
	}
}

// WithStore keeps tokens (and other shared state) in st, so a fleet of processes shares one
// access token per secret. The default is an in-process store.
func WithStore(st store.Store) Option {
	return func(s *settings) error {
		if st == nil {
			return errors.New("wecom: nil store")
		}
		s.store = st
		return nil
	}
}

// WithLogger sets the logger; the client writes one redacted debug line per call. The default
// discards everything.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("wecom: nil logger")
		}
		s.log = l
		return nil
	}
}

// WithRateLimit sets the client-side limit per corp and API path (频率限制): at most perMinute
// calls in a calendar minute and perHour in a calendar hour. The default is WeCom's documented
// base limit, 10,000 and 150,000; set lower values to leave room for other programs of the same
// corp. When the store implements [store.Limiter] (redisstore does), every client sharing the
// store, in any process, shares the budget, and a 45009 answer pauses the path for all of them.
// A limit of 0 or less drops that window; with both dropped the limiter is off and a 45009
// answer pauses the path in this process only. A call waits for room, or fails at once with
// an error matching [ErrRateLimited] when its deadline comes first.
func WithRateLimit(perMinute, perHour int) Option {
	return func(s *settings) error {
		s.perMinute, s.perHour = perMinute, perHour
		return nil
	}
}

// WithRetry replaces the retry policy; zero fields keep their defaults.
func WithRetry(p RetryPolicy) Option {
	return func(s *settings) error {
		s.retry = p.withDefaults()
		return nil
	}
}

// WithMaxResponseSize bounds a JSON answer's size (default 32 MiB); a larger answer is an error,
// not an out-of-memory crash. File downloads are streamed and not bounded by it.
func WithMaxResponseSize(n int64) Option {
	return func(s *settings) error {
		if n <= 0 {
			return errors.New("wecom: max response size must be positive")
		}
		s.maxBody = n
		return nil
	}
}

// RetryPolicy bounds every kind of retry the client makes. Whatever the policy, a cancelled ctx
// ends the wait at once, and a call that is not idempotent is only retried when the request
// provably never reached the server or the server refused it without acting (frequency limits,
// invalid token).
type RetryPolicy struct {
	// MaxAttempts bounds the HTTP attempts of one call, the first included, across both retry
	// layers: transport retries (network errors, HTTP 5xx) and errcode retries (busy, frequency
	// limit, token refresh) draw on the same budget. Default 4.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the jittered exponential backoff between attempts.
	// Defaults 200ms and 5s.
	MinBackoff, MaxBackoff time.Duration
	// BusyRetries is how often a busy answer (-1 系统繁忙, 6000, 45033) is retried. Default 3, as
	// WeCom recommends.
	BusyRetries int
	// RateLimitRetries is how often a 45009 frequency-limit answer is retried after
	// RateLimitWait. Default 1; negative never retries. A call whose ctx deadline is sooner
	// than the wait gets the 45009 at once; either way the path is paused for the fleet.
	RateLimitRetries int
	// RateLimitWait is the pause after 45009 before that path is called again. WeCom blocks
	// minute windows for 60 s, the default.
	RateLimitWait time.Duration
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	p.MaxAttempts = cmp.Or(p.MaxAttempts, 4)
	p.MinBackoff = cmp.Or(p.MinBackoff, 200*time.Millisecond)
	p.MaxBackoff = cmp.Or(p.MaxBackoff, 5*time.Second)
	p.BusyRetries = cmp.Or(p.BusyRetries, 3)
	p.RateLimitRetries = cmp.Or(p.RateLimitRetries, 1)
	p.RateLimitWait = cmp.Or(p.RateLimitWait, 60*time.Second)
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	return p
}

// New returns a client that authenticates with cred. Options set the base URL, HTTP client,
// store, logger, rate limit and retry policy.
func New(cred Credential, opts ...Option) (*Client, error) {
	if cred == nil {
		return nil, errors.New("wecom: nil credential")
	}
	s := settings{
		base:      DefaultBaseURL,
		perMinute: defaultPerMinute,
		perHour:   defaultPerHour,
		retry:     RetryPolicy{}.withDefaults(),
		maxBody:   32 << 20,
	}
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("wecom: option %d is nil", i)
		}
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	ownHC := s.hc == nil
	if ownHC {
		s.hc = cleanhttp.DefaultPooledClient()
		s.hc.Timeout = 30 * time.Second
	}
	if s.store == nil {
		s.store = store.NewMemory()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		base:    s.base,
		hc:      s.hc,
		store:   s.store,
		log:     s.log,
		limits:  newLimiter(s.store, s.perMinute, s.perHour),
		retry:   s.retry,
		maxBody: s.maxBody,
		ownHC:   ownHC,
		hooks:   s.hooks,
	}
	c.safe = c.transport(retryAll)
	c.unsafe = c.transport(retryUnsent)
	if err := c.bind(cred); err != nil {
		return nil, err
	}
	return c, nil
}

// Derive returns a client for another credential that shares this client's transport, store,
// logger, rate limits and retry policy. It is cheap: an ISV serving thousands of corps, or an
// upstream corp acting as each downstream factory, derives one client per corp.
func (c *Client) Derive(cred Credential) (*Client, error) {
	if cred == nil {
		return nil, errors.New("wecom: nil credential")
	}
	d := *c
	d.tokens = nil
	if err := d.bind(cred); err != nil {
		return nil, err
	}
	return &d, nil
}

func (c *Client) bind(cred Credential) error {
	b, err := cred.bind(c)
	if err != nil {
		return err
	}
	c.cred, c.auth = cred, b
	if b.fetch != nil {
		c.tokens = newTokenCache(c, b)
	}
	return nil
}

// TokenKind is the kind of token a client sends, which decides the endpoints it may call: WeCom
// answers 41001 or 41022 when a corp token reaches a suite endpoint or the other way round.
type TokenKind string

// Token kinds.
const (
	KindCorp     TokenKind = "corp"     // access_token: internal, customized, authorised or downstream corp apps
	KindSuite    TokenKind = "suite"    // suite_access_token (第三方应用凭证)
	KindProvider TokenKind = "provider" // provider_access_token (服务商凭证)
	KindRobot    TokenKind = "robot"    // a group robot's webhook key (群机器人), no token
)

// Kind returns the kind of token c sends.
func (c *Client) Kind() TokenKind {
	switch c.auth.param {
	case suiteParam:
		return KindSuite
	case providerParam:
		return KindProvider
	case robotParam:
		return KindRobot
	}
	return KindCorp
}

// Require returns c and nil when c sends a token of kind. Otherwise it returns an error matching
// [ErrWrongKind] and a copy of c whose every call fails with that error before anything is
// sent. Service constructors use it, so a service built on the wrong kind of client fails at
// construction (or, behind a constructor that cannot return an error, on its first call)
// instead of at WeCom.
func (c *Client) Require(kind TokenKind) (*Client, error) {
	if got := c.Kind(); got != kind {
		d := *c
		d.refused = fmt.Errorf("%w: this service needs a %s client, not %s", ErrWrongKind, kind, c.cred)
		return &d, d.refused
	}
	return c, nil
}

// Close releases the idle connections (and their goroutines) of the HTTP transport New made;
// a transport passed with [WithHTTPClient] is the caller's and is left alone. Clients made with
// Derive, Downstream, LinkedCorp or AuthCorp share their parent's transport, so close the client
// New returned once all of them are done. A closed client still works: it dials again.
func (c *Client) Close() error {
	if c.ownHC {
		c.hc.CloseIdleConnections()
	}
	return nil
}

// HTTPClient returns the HTTP client c sends with (the one given to [WithHTTPClient], or its
// own), for downloads from WeCom's file servers outside the API host, such as address-book
// export files. Requests sent with it carry no token and are not retried.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// CorpID returns the corp the client acts for (企业ID): a CorpApp's corp, or the downstream,
// linked or authorised corp of a derived client. It is "" for suite, provider, robot and
// token-source clients, which name no single corp.
func (c *Client) CorpID() string {
	id, _ := strings.CutPrefix(c.auth.limitKey, "corp:")
	if id == c.auth.limitKey {
		return ""
	}
	return id
}

// Store returns the store the client keeps its shared state in, for packages that keep
// cursors, tickets or dedupe keys beside the tokens.
func (c *Client) Store() store.Store { return c.store }

// Logger returns the client's logger.
func (c *Client) Logger() *slog.Logger { return c.log }

// String names the client's credential without any secret.
func (c *Client) String() string { return "wecom.Client(" + c.cred.String() + ")" }

// GoString is String, so %#v prints no secret either.
func (c *Client) GoString() string { return c.String() }

// Format prints String whatever the verb, so no verb (%d, %x, …) reaches a secret or token.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }
