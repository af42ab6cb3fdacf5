package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/wecom-connector/wecom/internal/secret"

	"github.com/wecom-connector/wecom/store"
)

// Query parameters of the ISV token kinds.
const (
	suiteParam    = "suite_access_token"
	providerParam = "provider_access_token"
	corpParam     = "access_token"
	robotParam    = "key"
)

// providerAsAccessToken lists the provider endpoints whose docs want the provider token under
// the access_token parameter.
var providerAsAccessToken = map[string]bool{"/cgi-bin/service/get_login_info": true}

// SuiteTicketTTL is how long WeCom keeps a suite_ticket valid (30 minutes); it pushes a new one
// every 10 minutes.
const SuiteTicketTTL = 30 * time.Minute

// ErrNoSuiteTicket means no suite_ticket is stored for a suite: the suite_ticket instruction
// callback (指令回调) has not arrived yet, or not within the last 30 minutes.
var ErrNoSuiteTicket = errors.New("wecom: no suite_ticket stored: the suite_ticket callback has not arrived yet")

func suiteTicketKey(suiteID string) string { return "wecom:v1:suite_ticket:" + suiteID }

// StoreSuiteTicket saves the suite_ticket WeCom pushed to a suite's instruction callback URL,
// replacing whatever is stored. Prefer [StoreSuiteTicketAt] with the callback's TimeStamp: a
// late redelivery of an older ticket must not replace a newer one.
// 保存推送的 suite_ticket
//
// Every [Suite] client sharing st, in any process, then fetches its suite_access_token with
// it; a ticket is kept for [SuiteTicketTTL].
func StoreSuiteTicket(ctx context.Context, st store.Store, suiteID, ticket string) error {
	if err := checkSuiteTicket(st, suiteID, ticket); err != nil {
		return err
	}
	if err := st.Set(ctx, suiteTicketKey(suiteID), []byte(ticket), SuiteTicketTTL); err != nil {
		return fmt.Errorf("wecom: store suite_ticket of %s: %w", suiteID, err)
	}
	return nil
}

// StoreSuiteTicketAt saves the suite_ticket pushed at pushed (the callback's TimeStamp) unless
// the store holds one pushed later: WeCom redelivers a callback it saw fail, and an older
// ticket arriving after a newer one is dropped. A ticket saved by [StoreSuiteTicket] counts as
// older than any timestamped one.
// 保存推送的 suite_ticket (按推送时间)
func StoreSuiteTicketAt(ctx context.Context, st store.Store, suiteID, ticket string, pushed time.Time) error {
	if err := checkSuiteTicket(st, suiteID, ticket); err != nil {
		return err
	}
	key, val := suiteTicketKey(suiteID), encodeSuiteTicket(ticket, pushed)
	// Without a compare-and-swap in store.Store: delete the older value only if unchanged, then
	// claim the empty key; a race with another writer goes round again.
	for range 8 {
		cur, err := st.Get(ctx, key)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return fmt.Errorf("wecom: read suite_ticket of %s: %w", suiteID, err)
		default:
			if _, at := decodeSuiteTicket(cur); !at.Before(pushed) {
				return nil // the stored one is as new or newer
			}
			if ok, err := store.CompareAndDelete(ctx, st, key, cur); err != nil {
				return fmt.Errorf("wecom: store suite_ticket of %s: %w", suiteID, err)
			} else if !ok {
				continue
			}
		}
		ok, err := st.SetNX(ctx, key, val, SuiteTicketTTL)
		if err != nil {
			return fmt.Errorf("wecom: store suite_ticket of %s: %w", suiteID, err)
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("wecom: store suite_ticket of %s: too many concurrent writers", suiteID)
}

func checkSuiteTicket(st store.Store, suiteID, ticket string) error {
	switch {
	case st == nil:
		return errors.New("wecom: StoreSuiteTicket: nil store")
	case suiteID == "":
		return errors.New("wecom: StoreSuiteTicket: empty suite ID")
	case ticket == "":
		return errors.New("wecom: StoreSuiteTicket: empty suite_ticket")
	}
	return nil
}

// A timestamped ticket is stored as "\x00<unix seconds>\x00<ticket>"; a ticket never holds NUL.
func encodeSuiteTicket(ticket string, pushed time.Time) []byte {
	return []byte("\x00" + strconv.FormatInt(pushed.Unix(), 10) + "\x00" + ticket)
}

// decodeSuiteTicket returns the ticket and its push time (zero for an untimestamped one).
func decodeSuiteTicket(b []byte) (string, time.Time) {
	s := string(b)
	if rest, ok := strings.CutPrefix(s, "\x00"); ok {
		if ts, ticket, ok := strings.Cut(rest, "\x00"); ok {
			if n, err := strconv.ParseInt(ts, 10, 64); err == nil {
				return ticket, time.Unix(n, 0)
			}
		}
	}
	return s, time.Time{}
}

// Suite is the credential of a third-party app (第三方应用) or a 代开发 app template.
// 第三方应用凭证 (suite_access_token)
//
// It holds the suite ID (or template ID) and secret; the suite_ticket comes from the client's
// store, where [StoreSuiteTicket] put it. The suite_access_token is fetched once and cached like
// any token. 40082/42009 refresh it once; 40085 (expired ticket) and 40080 (bad secret) are
// returned, never retried; no stored ticket gives [ErrNoSuiteTicket] without a request.
//
//wecom:api POST /cgi-bin/service/get_suite_token
type Suite struct{ SuiteID, Secret string }

// String names the suite, never the secret.
func (s Suite) String() string { return "Suite(" + s.SuiteID + ")" }

// GoString is String, so %#v prints no secret either.
func (s Suite) GoString() string { return s.String() }

// Format prints String whatever the verb, so no verb (%d, %x, …) reaches the secret.
func (s Suite) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue keeps the secret out of slog output.
func (s Suite) LogValue() slog.Value { return slog.StringValue(s.String()) }

func (s Suite) bind(c *Client) (binding, error) {
	if s.SuiteID == "" || s.Secret == "" {
		return binding{}, errors.New("wecom: Suite needs a SuiteID and a Secret")
	}
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		ticket, err := c.store.Get(ctx, suiteTicketKey(s.SuiteID))
		if errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("%w for suite %s (WeCom pushes it every 10 minutes to the instruction callback URL; save it with StoreSuiteTicket)", ErrNoSuiteTicket, s.SuiteID)
		}
		if err != nil {
			return nil, fmt.Errorf("read the suite_ticket of suite %s: %w", s.SuiteID, err)
		}
		t, _ := decodeSuiteTicket(ticket)
		body := Idempotent(map[string]string{"suite_id": s.SuiteID, "suite_secret": s.Secret, "suite_ticket": t})
		return c.fetchToken(ctx, http.MethodPost, "/cgi-bin/service/get_suite_token", nil, body, suiteParam, t)
	}
	return limitedBy(newCredential(s.String(), suiteParam, "suite:"+s.SuiteID+":"+secret.Hash(s.Secret), fetch, isSuiteTokenInvalid, s.Secret), "suite:"+s.SuiteID).bind(c)
}

// Provider is the credential of a service provider (服务商): its corp ID and provider secret.
// 服务商凭证 (provider_access_token)
//
//wecom:api POST /cgi-bin/service/get_provider_token
type Provider struct{ CorpID, ProviderSecret string }

// String names the provider corp, never the secret.
func (p Provider) String() string { return "Provider(" + p.CorpID + ")" }

// GoString is String, so %#v prints no secret either.
func (p Provider) GoString() string { return p.String() }

// Format prints String whatever the verb, so no verb (%d, %x, …) reaches the secret.
func (p Provider) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue keeps the secret out of slog output.
func (p Provider) LogValue() slog.Value { return slog.StringValue(p.String()) }

func (p Provider) bind(c *Client) (binding, error) {
	if p.CorpID == "" || p.ProviderSecret == "" {
		return binding{}, errors.New("wecom: Provider needs a CorpID and a ProviderSecret")
	}
	body := Idempotent(map[string]string{"corpid": p.CorpID, "provider_secret": p.ProviderSecret})
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		return c.fetchToken(ctx, http.MethodPost, "/cgi-bin/service/get_provider_token", nil, body, providerParam)
	}
	// WeCom has no provider-specific token errcodes: 40014/42001 cover provider tokens too.
	return limitedBy(newCredential(p.String(), providerParam, "provider:"+p.CorpID+":"+secret.Hash(p.ProviderSecret), fetch, isCorpTokenInvalid, p.ProviderSecret), "provider:"+p.CorpID).bind(c)
}

// AuthCorp returns a client acting as corpID, a corp that authorised the suite's app.
// 获取企业凭证 (第三方应用授权企业)
//
// c must be a [Suite] client; permanentCode (永久授权码) comes from service/get_permanent_code.
// The corp's access_token comes from service/get_corp_token with c's suite_access_token,
// cached per suite, corp and permanent code, fetched once under concurrency. The new client
// shares c's transport, store and limits, so one client per corp is cheap even for thousands of
// corps. 40084 (wrong permanent code) and 48004 (authorisation cancelled) are returned, never
// retried.
//
// A 代开发 app's permanent code is that app's secret: use New(CorpApp{corpID, permanentCode})
// for it instead.
//
// https://developer.work.weixin.qq.com/document/path/90605
//
//wecom:api POST /cgi-bin/service/get_corp_token
func (c *Client) AuthCorp(corpID, permanentCode string) (*Client, error) {
	switch {
	case c.auth.param != suiteParam:
		return nil, fmt.Errorf("wecom: AuthCorp needs a Suite client, not %s", c.cred)
	case corpID == "" || permanentCode == "":
		return nil, errors.New("wecom: AuthCorp needs the authorised corp ID and its permanent code")
	}
	suite := c
	// A struct, not a map: a fleet holds one of these per corp.
	body := Idempotent(&struct {
		AuthCorpID    string `json:"auth_corpid"`
		PermanentCode string `json:"permanent_code"`
	}{corpID, permanentCode})
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		var raw map[string]json.RawMessage
		r := &request{method: http.MethodPost, path: "/cgi-bin/service/get_corp_token", in: body, out: &raw, secrets: []string{permanentCode}}
		if err := suite.call(ctx, r); err != nil {
			return nil, err
		}
		return tokenFromAnswer(raw, corpParam)
	}
	name := "AuthCorp(" + corpID + " via " + c.cred.String() + ")"
	cacheID := ""
	if c.auth.cacheID != "" {
		cacheID = "authcorp:" + c.auth.cacheID + ":" + corpID + ":" + secret.Hash(permanentCode)
	}
	return c.Derive(limitedBy(newCredential(name, corpParam, cacheID, fetch, isCorpTokenInvalid, permanentCode), "corp:"+corpID))
}
