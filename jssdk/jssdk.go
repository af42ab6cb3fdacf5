// Package jssdk signs WeCom (企业微信) JS-SDK page registrations (JS-SDK 签名) on the server: the
// parameters of wx.config / wx.agentConfig, or what ww.register's getConfigSignature and
// getAgentConfigSignature callbacks return.
//
// A [Signer] works on any corp-token client: an internal or customized app (client.CorpApp),
// an ISV acting for an authorised corp (client.Client.AuthCorp), a downstream corp. It signs
// with the client's JS-SDK tickets (jsapi_ticket), which the client caches like its access
// token: one fetch per process under concurrency, shared across processes through the client's
// store, refreshed before they expire. WeCom allows a corp 400 ticket fetches an hour and an
// app 100, so never fetch a ticket per page view yourself.
//
//	signer := jssdk.New(c, jssdk.WithAgentID(1000002))
//	cfg, err := signer.Config(ctx, pageURL)           // → wx.config / getConfigSignature
//	agentCfg, err := signer.AgentConfig(ctx, pageURL) // → wx.agentConfig / getAgentConfigSignature
//
// The page URL is the full URL of the page that calls the JS-SDK (location.href), with its
// query; the #fragment is cut off before signing, as the JS-SDK does.
package jssdk

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/check"
)

// Signer signs page registrations with the tickets of one client. It holds only the client and
// its settings, so it is safe for concurrent use.
type Signer struct {
	c       *client.Client
	corpID  string
	agentID int
}

// Option configures a [Signer] in [New].
type Option func(*Signer)

// WithAgentID sets the app's agentid (应用ID) that [Signer.AgentConfig] registers: the app whose
// secret (or authorisation) the client holds. WeCom's app ticket is valid for that app only.
func WithAgentID(agentID int) Option { return func(s *Signer) { s.agentID = agentID } }

// WithCorpID sets the corp ID the registrations name, for a client that names none (a token
// source client); by default it is the client's corp ([client.Client.CorpID]).
func WithCorpID(corpID string) Option { return func(s *Signer) { s.corpID = corpID } }

// New returns a Signer on c, a corp-token client. On a client of another kind every call fails
// with client.ErrWrongKind.
func New(c *client.Client, opts ...Option) *Signer {
	c, _ = c.Require(client.KindCorp)
	s := &Signer{c: c, corpID: c.CorpID()}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// Format prints the signer and its client's credential tag whatever the verb, never a secret.
func (s *Signer) Format(f fmt.State, _ rune) { io.WriteString(f, "jssdk.Signer("+s.c.String()+")") }

// Config is a corp registration (企业身份): the parameters of wx.config, or, without AppID,
// what getConfigSignature returns to ww.register. The JSON names are the JS-SDK's.
type Config struct {
	AppID     string `json:"appId"`     // the corp ID (企业ID)
	Timestamp int64  `json:"timestamp"` // seconds
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
	URL       string `json:"url"` // the page URL signed, without its #fragment
}

// AgentConfig is an app registration (应用身份): the parameters of wx.agentConfig, or, without
// CorpID and AgentID, what getAgentConfigSignature returns to ww.register.
type AgentConfig struct {
	CorpID    string `json:"corpid"`
	AgentID   int    `json:"agentid"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
	URL       string `json:"url"` // the page URL signed, without its #fragment
}

// Config signs pageURL with the corp's jsapi_ticket, for wx.config or getConfigSignature.
// 获取企业的jsapi_ticket并签名
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90506
//
//wecom:api GET /cgi-bin/get_jsapi_ticket
func (s *Signer) Config(ctx context.Context, pageURL string) (*Config, error) {
	page, err := s.page(pageURL)
	if err != nil {
		return nil, err
	}
	ts, nonce, sig, err := s.sign(ctx, client.TicketCorp, page)
	if err != nil {
		return nil, err
	}
	return &Config{AppID: s.corpID, Timestamp: ts, NonceStr: nonce, Signature: sig, URL: page}, nil
}

// AgentConfig signs pageURL with the app's jsapi_ticket (type agent_config), for
// wx.agentConfig or getAgentConfigSignature. The Signer needs the app's agentid
// ([WithAgentID]).
// 获取应用的jsapi_ticket并签名
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90506
//
//wecom:api GET /cgi-bin/ticket/get
func (s *Signer) AgentConfig(ctx context.Context, pageURL string) (*AgentConfig, error) {
	if s.agentID <= 0 {
		return nil, check.Invalid("agentid", "required: build the Signer with jssdk.WithAgentID")
	}
	page, err := s.page(pageURL)
	if err != nil {
		return nil, err
	}
	ts, nonce, sig, err := s.sign(ctx, client.TicketAgent, page)
	if err != nil {
		return nil, err
	}
	return &AgentConfig{CorpID: s.corpID, AgentID: s.agentID, Timestamp: ts, NonceStr: nonce, Signature: sig, URL: page}, nil
}

// ConfigFailed reports that a page's registration failed with 42012 (jsapi_ticket不可用: the
// ticket is no longer accepted). If cfg was signed with the ticket the client holds, that
// ticket is dropped and the next [Signer.Config] fetches a new one; see
// [client.Client.InvalidateJSAPITicket] for the limits. Do not report "invalid signature":
// it comes from a wrong URL or corp ID, which a new ticket does not fix. It reports whether the
// ticket was dropped.
func (s *Signer) ConfigFailed(ctx context.Context, cfg Config) bool {
	return s.failed(ctx, client.TicketCorp, cfg.URL, cfg.NonceStr, cfg.Timestamp, cfg.Signature)
}

// AgentConfigFailed is [Signer.ConfigFailed] for an app registration.
func (s *Signer) AgentConfigFailed(ctx context.Context, cfg AgentConfig) bool {
	return s.failed(ctx, client.TicketAgent, cfg.URL, cfg.NonceStr, cfg.Timestamp, cfg.Signature)
}

func (s *Signer) failed(ctx context.Context, kind client.TicketKind, page, nonce string, ts int64, sig string) bool {
	t, err := s.c.JSAPITicket(ctx, kind)
	if err != nil || Sign(t.Value, nonce, ts, page) != sig {
		return false // signed with another ticket, already replaced
	}
	return s.c.InvalidateJSAPITicket(ctx, kind, t.Value)
}

// sign returns a timestamp, a fresh nonce and the signature of page with the ticket of kind.
func (s *Signer) sign(ctx context.Context, kind client.TicketKind, page string) (int64, string, string, error) {
	t, err := s.c.JSAPITicket(ctx, kind)
	if err != nil {
		return 0, "", "", err
	}
	if s.corpID == "" {
		return 0, "", "", check.Invalid("corpid", "the client names no corp: build the Signer with jssdk.WithCorpID")
	}
	ts, nonce := time.Now().Unix(), NonceStr()
	return ts, nonce, Sign(t.Value, nonce, ts, page), nil
}

// page checks a page URL and cuts its #fragment off.
func (s *Signer) page(pageURL string) (string, error) {
	page, _, _ := strings.Cut(pageURL, "#")
	u, err := url.Parse(page)
	switch {
	case pageURL == "":
		return "", check.Invalid("url", "required: the full URL of the page (location.href)")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return "", check.Invalid("url", "want the page's full http(s) URL, as location.href gives it")
	case strings.ContainsFunc(page, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "", check.Invalid("url", "control characters")
	}
	return page, nil
}

// Sign returns the JS-SDK signature of a page: the lowercase hex SHA-1 of
// "jsapi_ticket=TICKET&noncestr=NONCESTR&timestamp=TIMESTAMP&url=URL", the parameters in this
// fixed order, nothing URL-encoded, and the URL without its #fragment (cut off here if
// present). The ticket is the corp's for wx.config and the app's for wx.agentConfig.
// JS-SDK签名算法
//
// WeCom docs: https://developer.work.weixin.qq.com/document/path/90506
func Sign(ticket, nonceStr string, timestamp int64, pageURL string) string {
	page, _, _ := strings.Cut(pageURL, "#")
	sum := sha1.Sum([]byte("jsapi_ticket=" + ticket + "&noncestr=" + nonceStr + "&timestamp=" +
		strconv.FormatInt(timestamp, 10) + "&url=" + page))
	return hex.EncodeToString(sum[:])
}

const nonceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NonceStr returns a random 16-character nonce (随机字符串) of letters and digits, from
// crypto/rand.
func NonceStr() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails: crypto/rand crashes the program instead
	for i := range b {
		b[i] = nonceChars[int(b[i])%len(nonceChars)]
	}
	return string(b[:])
}
