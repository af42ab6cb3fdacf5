package soak

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// Planted secrets: each is unique enough that finding it (or its distinctive tail) anywhere
// in the output can only be a leak.
const (
	plantAppSecret   = "PLANTappSECRETq7Zx93"
	plantWrongSecret = "PLANTwrongSECRETm4Kd21"
	plantSuiteSecret = "PLANTsuiteSECRETv8Lp55"
	plantProvSecret  = "PLANTproviderSECRETn2Wq70"
	plantRobotKey    = "PLANTrobotKEY-6f1e2d3c"
	plantBadRobotKey = "PLANTunknownROBOT-0a9b8c"
	plantBogusToken  = "PLANTbogusTOKENr5Tz66"
	plantWrongPerm   = "PLANTwrongPERMk1Vb37"
	plantCbToken     = "PLANTcbTOKENh3Jy48"
	plantAESKey      = "PLANTaesKEYs6Gt29PLANTaesKEYs6Gt29PLANTaesK" // 43 characters
	plantBadAESKey   = "PLANTbadAESKEYw9Qe14"

	plantAgentID   = 1000005
	plantSuiteID   = "wwplantsuite01"
	plantAuthCorp  = "wwplantcust0001"
	plantProvCorp  = "wwplantprov0001"
	plantDownCorp  = "wwplantdown0001"
	plantDownAgent = 1000101
)

// rendering is one value printed one way.
type rendering struct{ what, s string }

// leakCheck collects every string the SDK produced and the secrets that must not be in them.
type leakCheck struct {
	t       *testing.T
	logs    bytes.Buffer
	log     *slog.Logger
	outs    []rendering
	secrets map[string]string // secret → what it is
}

func newLeakCheck(t *testing.T) *leakCheck {
	l := &leakCheck{t: t, secrets: map[string]string{}}
	l.log = slog.New(slog.NewTextHandler(&l.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for s, what := range map[string]string{
		plantAppSecret: "corp secret", plantWrongSecret: "wrong corp secret", plantSuiteSecret: "suite secret",
		plantProvSecret: "provider secret", plantRobotKey: "robot key", plantBadRobotKey: "unknown robot key",
		plantBogusToken: "token from a token source", plantWrongPerm: "wrong permanent code",
		plantCbToken: "callback Token", plantAESKey: "EncodingAESKey", plantBadAESKey: "malformed EncodingAESKey",
	} {
		l.secret(s, what)
	}
	key, err := base64.StdEncoding.DecodeString(plantAESKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	// The raw key's first AES block (the IV) as fmt would print a byte array or slice; no tail
	// needles here, as short runs of small numbers occur in any %d dump.
	l.secrets[strings.Trim(fmt.Sprint(key[:16]), "[]")] = "EncodingAESKey bytes (decimal)"
	l.secrets[fmt.Sprintf("%#v", [16]byte(key[:16]))[len("[16]uint8{"):]] = "EncodingAESKey bytes (Go syntax)"
	l.secrets[hex.EncodeToString(key[:16])] = "EncodingAESKey bytes (hex)"
	return l
}

// secret adds a value that must not appear; its last 10 characters count as the value too.
func (l *leakCheck) secret(s, what string) {
	if s == "" {
		l.t.Fatalf("empty %s: the test lost track of a secret", what)
	}
	l.secrets[s] = what
	l.secrets[hex.EncodeToString([]byte(s))] = what + " (hex)"
	if len(s) > 16 {
		l.secrets[s[len(s)-10:]] = what + " (tail)"
	}
}

// token records the current token of c as a secret.
func (l *leakCheck) token(c *client.Client, what string) string {
	tok, err := c.TokenSource().Token()
	if err != nil {
		l.t.Fatalf("%s: %v", what, err)
	}
	l.secret(tok.AccessToken, what)
	return tok.AccessToken
}

// format prints v every way a user might.
func (l *leakCheck) format(vs ...any) {
	for _, v := range vs {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			l.outs = append(l.outs, rendering{fmt.Sprintf("%T with %s", v, verb), fmt.Sprintf(verb, v)})
		}
		l.log.Info("value", "v", v, "any", slog.AnyValue(v))
	}
}

// err formats err and every error it wraps, and expects it to be non-nil.
func (l *leakCheck) err(what string, err error) {
	l.t.Helper()
	if err == nil {
		l.t.Errorf("%s: want an error, got nil", what)
		return
	}
	l.log.Error(what, "err", err)
	for _, e := range unwrapAll(err) {
		l.format(e)
	}
}

func unwrapAll(err error) []error {
	out := []error{err}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if e := u.Unwrap(); e != nil {
			out = append(out, unwrapAll(e)...)
		}
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
	}
	return out
}

func (l *leakCheck) ok(what string, err error) {
	l.t.Helper()
	if err != nil {
		l.t.Fatalf("%s: %v", what, err)
	}
}

func (l *leakCheck) verify() {
	outs := append(l.outs, rendering{"the debug log", l.logs.String()})
	if len(outs) < 100 || l.logs.Len() < 1000 {
		l.t.Fatalf("%d renderings, %d bytes of log: the test formatted nothing", len(outs), l.logs.Len())
	}
	// The debug log must hold what it is meant to guard: the client's call lines and the
	// webhook Handler's rejections.
	for _, want := range []string{"wecom call", "webhook:"} {
		if !strings.Contains(l.logs.String(), want) {
			l.t.Errorf("the debug log has no %q line: the calls were not logged", want)
		}
	}
	leaked := map[string]bool{}
	for _, o := range outs {
		for s, what := range l.secrets {
			i := strings.Index(o.s, s)
			if i < 0 || leaked[o.what] {
				continue
			}
			leaked[o.what] = true
			lo, hi := max(0, i-120), min(len(o.s), i+len(s)+40)
			l.t.Errorf("%s leaked by %s: …%s…", what, o.what, o.s[lo:hi])
		}
	}
}

// TestNoSecretInAnyOutput builds every credential kind with planted secrets, makes succeeding
// and failing calls with debug logging, formats every value and error, and looks for the
// secrets, the issued tokens, the permanent code, the suite ticket, the EncodingAESKey and the
// robot keys in all of it.
func TestNoSecretInAnyOutput(t *testing.T) {
	l := newLeakCheck(t)
	srv := wecomtest.NewServer(wecomtest.WithTokenReuse(wecomtest.ReuseNever))
	defer srv.Close()
	ctx := t.Context()
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: plantAppSecret, AgentID: plantAgentID, Name: "plant"})
	srv.AddRobot(plantRobotKey)
	srv.AddSuite(wecomtest.Suite{ID: plantSuiteID, Secret: plantSuiteSecret})
	srv.AddProvider(plantProvCorp, plantProvSecret)
	srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: plantDownCorp, CorpName: "Plant factory", AgentID: plantDownAgent,
		UpstreamCorpID: wecomtest.CorpID, UpstreamAgentID: plantAgentID, BusinessType: 1})
	kfID := srv.AddKfAccount("plant desk", "zhangsan")

	st := store.NewMemory()
	opts := []client.Option{
		client.WithBaseURL(srv.URL()), client.WithStore(st), client.WithLogger(l.log),
		client.WithHTTPClient(&http.Client{Timeout: 300 * time.Millisecond}),
		client.WithRetry(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, RateLimitWait: 5 * time.Millisecond}),
	}
	const sendPath = "/cgi-bin/message/send"

	// CorpApp: an internal app's corp ID and secret.
	cred := client.CorpApp{CorpID: wecomtest.CorpID, Secret: plantAppSecret}
	c, err := client.New(cred, opts...)
	l.ok("client.New", err)
	msg := messages.New(c)
	text := func(s string) messages.SendParams {
		return messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: plantAgentID, Message: messages.Text{Content: s}}
	}
	res, err := msg.Send(ctx, text("hello"))
	l.ok("send", err)
	l.token(c, "corp access token")
	l.format(cred, &cred, c, msg, res, contacts.New(c), customerservice.New(c))
	_, err = msg.Send(ctx, messages.SendParams{To: messages.ToUsers("zhangsan"), AgentID: wecomtest.AgentID, Message: messages.Text{Content: "x"}})
	l.err("send as another app (301002)", err)
	srv.FailNextHTTP(sendPath, http.StatusBadGateway, 4)
	_, err = msg.Send(ctx, text("502"))
	l.err("send after four 502s", err)
	srv.Inject(sendPath, wecomtest.Fault{Drop: true}, 4)
	_, err = msg.Send(ctx, text("drop"))
	l.err("send over dropped connections", err)
	srv.Inject(sendPath, wecomtest.Fault{Delay: time.Second}, 1)
	p := text("slow")
	p.NoDuplicateCheck = true
	_, err = msg.Send(ctx, p)
	l.err("send past the client timeout", err)
	srv.FailNext(sendPath, client.CodeAccessTokenExpired, 2)
	_, err = msg.Send(ctx, text("42001"))
	l.err("send with 42001 twice", err)
	l.token(c, "corp access token after refresh")
	srv.ExpireTokens()
	_, err = msg.Send(ctx, text("after expiry"))
	l.ok("send after expiry", err)
	l.token(c, "corp access token after expiry")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = msg.Send(cctx, text("cancelled"))
	l.err("send with a cancelled context", err)
	_, err = customerservice.New(c).Send(ctx, customerservice.SendParams{OpenKfID: kfID, ExternalUserID: "wmNobody", Content: customerservice.Text{Content: "hi"}})
	l.err("kf send to a customer who never wrote", err)

	// A wrong secret fails on gettoken (40001).
	wrong, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: plantWrongSecret}, opts...)
	l.ok("client.New", err)
	_, err = messages.New(wrong).Send(ctx, text("wrong secret"))
	l.err("send with a wrong secret", err)
	_, err = wrong.TokenSource().Token()
	l.err("token of a wrong secret", err)
	l.format(wrong)

	// FromTokenSource: the corp token from elsewhere, and a bogus one.
	corpTok := l.token(c, "corp access token")
	ts := client.FromTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: corpTok, Expiry: time.Now().Add(time.Hour)}))
	fromTS, err := client.New(ts, opts...)
	l.ok("client.New", err)
	_, err = messages.New(fromTS).Send(ctx, text("from a token source"))
	l.ok("send through a token source", err)
	bogus, err := client.New(client.FromTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: plantBogusToken})), opts...)
	l.ok("client.New", err)
	_, err = messages.New(bogus).Send(ctx, text("bogus token"))
	l.err("send with a bogus token", err)
	l.format(ts, fromTS, bogus)

	// Group robots: the key is the credential.
	robot, err := messages.NewRobot(plantRobotKey, opts...)
	l.ok("NewRobot", err)
	l.ok("robot post", robot.Send(ctx, messages.RobotText{Content: "hello"}))
	srv.FailNextHTTP("/cgi-bin/webhook/send", http.StatusBadGateway, 1)
	l.err("robot post after a 502", robot.Send(ctx, messages.RobotText{Content: "502"}))
	srv.Inject("/cgi-bin/webhook/send", wecomtest.Fault{Drop: true}, 1)
	l.err("robot post over a dropped connection", robot.Send(ctx, messages.RobotText{Content: "drop"}))
	unknown, err := messages.NewRobot(plantBadRobotKey, opts...)
	l.ok("NewRobot", err)
	l.err("post to an unknown robot", unknown.Send(ctx, messages.RobotText{Content: "who"}))
	l.err("robot text too long", robot.Send(ctx, messages.RobotText{Content: strings.Repeat("x", 3000)}))
	l.format(robot, unknown, client.WebhookKey(plantRobotKey))

	// A suite (third-party app), its suite_ticket, an install's permanent code and the
	// authorised corp's client.
	ticket := srv.IssueSuiteTicket(plantSuiteID)
	l.secret(ticket, "suite_ticket")
	l.ok("StoreSuiteTicket", client.StoreSuiteTicket(ctx, st, plantSuiteID, ticket))
	suiteCred := client.Suite{SuiteID: plantSuiteID, Secret: plantSuiteSecret}
	suite, err := client.New(suiteCred, opts...)
	l.ok("client.New", err)
	isv, err := apps.NewSuite(suite)
	l.ok("apps.NewSuite", err)
	pac, err := isv.GetPreAuthCode(ctx)
	l.ok("GetPreAuthCode", err)
	l.token(suite, "suite_access_token")
	authCode, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: plantSuiteID, PreAuthCode: pac.Code, CorpID: plantAuthCorp, AgentID: 1000200})
	l.ok("AuthorizeCorp", err)
	perm, err := isv.GetPermanentCode(ctx, authCode)
	l.ok("GetPermanentCode", err)
	l.secret(perm.PermanentCode, "permanent code")
	if perm.AccessToken != "" {
		l.secret(perm.AccessToken, "first corp token of an install")
	}
	_, err = isv.GetPermanentCode(ctx, authCode)
	l.err("auth code used twice", err)
	corp, err := suite.AuthCorp(perm.AuthCorpInfo.CorpID, perm.PermanentCode)
	l.ok("AuthCorp", err)
	agent, err := apps.New(corp).GetAgent(ctx, 1000200)
	l.ok("GetAgent as the authorised corp", err)
	l.token(corp, "authorised corp's access token")
	info, err := isv.GetAuthInfo(ctx, perm.AuthCorpInfo.CorpID, perm.PermanentCode)
	l.ok("GetAuthInfo", err)
	srv.FailNextHTTP("/cgi-bin/service/get_auth_info", http.StatusBadGateway, 4)
	_, err = isv.GetAuthInfo(ctx, perm.AuthCorpInfo.CorpID, perm.PermanentCode)
	l.err("GetAuthInfo after 502s", err)
	_, err = isv.GetAuthInfo(ctx, perm.AuthCorpInfo.CorpID, plantWrongPerm)
	l.err("GetAuthInfo with a wrong permanent code", err)
	badCorp, err := suite.AuthCorp(perm.AuthCorpInfo.CorpID, plantWrongPerm)
	l.ok("AuthCorp", err)
	_, err = apps.New(badCorp).GetAgent(ctx, 1000200)
	l.err("GetAgent with a wrong permanent code", err)
	noTicket, err := client.New(suiteCred, client.WithBaseURL(srv.URL()), client.WithLogger(l.log))
	l.ok("client.New", err)
	noTicketSuite, err := apps.NewSuite(noTicket)
	l.ok("apps.NewSuite", err)
	_, err = noTicketSuite.GetPreAuthCode(ctx)
	l.err("suite without a ticket", err)
	srv.ExpireSuiteTickets(plantSuiteID)
	srv.ExpireTokens()
	_, err = isv.GetPreAuthCode(ctx)
	l.err("suite with an expired ticket", err)
	srv.RevokeAuthorization(plantSuiteID, plantAuthCorp)
	_, err = apps.New(corp).GetAgent(ctx, 1000200)
	l.err("GetAgent after the corp uninstalled", err)
	l.format(suiteCred, suite, isv, pac, perm, *perm, corp, agent, info, badCorp)

	// A service provider.
	provCred := client.Provider{CorpID: plantProvCorp, ProviderSecret: plantProvSecret}
	prov, err := client.New(provCred, opts...)
	l.ok("client.New", err)
	var open struct {
		OpenCorpID string `json:"open_corpid"`
	}
	l.ok("corpid_to_opencorpid", prov.Do(ctx, http.MethodPost, "/cgi-bin/service/corpid_to_opencorpid", nil, map[string]string{"corpid": plantAuthCorp}, &open))
	l.token(prov, "provider_access_token")
	badProv, err := client.New(client.Provider{CorpID: plantProvCorp, ProviderSecret: plantWrongSecret}, opts...)
	l.ok("client.New", err)
	l.err("provider with a wrong secret", badProv.Do(ctx, http.MethodPost, "/cgi-bin/service/corpid_to_opencorpid", nil, map[string]string{"corpid": plantAuthCorp}, &open))
	l.format(provCred, prov, badProv)

	// A downstream corp of a chain, through the shared app.
	down, err := c.Downstream(plantDownCorp, plantDownAgent)
	l.ok("Downstream", err)
	dagent, err := apps.New(down).GetAgent(ctx, plantDownAgent)
	l.ok("GetAgent as the downstream corp", err)
	l.token(down, "downstream corp's access token")
	srv.RemoveDownstreamCorp(wecomtest.CorpID, plantAgentID, plantDownCorp)
	_, err = apps.New(down).GetAgent(ctx, plantDownAgent)
	l.err("GetAgent after the share ended", err)
	l.format(down, dagent)

	// Callbacks: a Crypto and a Handler with the planted Token and EncodingAESKey.
	_, err = webhook.NewCrypto(plantCbToken, plantBadAESKey, wecomtest.CorpID)
	l.err("NewCrypto with a malformed key", err)
	crypto, err := webhook.NewCrypto(plantCbToken, plantAESKey, wecomtest.CorpID)
	l.ok("NewCrypto", err)
	h := webhook.NewHandler(crypto, webhook.WithLogger(l.log), webhook.WithTimestampTolerance(time.Hour))
	webhook.On(h, func(ctx context.Context, ev *webhook.TextMessage) (webhook.Reply, error) {
		if ev.Content == "fail" {
			return nil, errors.New("user function failed")
		}
		return webhook.TextReply{Content: "echo " + ev.Content}, nil
	})
	recv := httptest.NewServer(h)
	defer recv.Close()
	cfg := wecomtest.CallbackConfig{Token: plantCbToken, EncodingAESKey: plantAESKey, Attempts: 1, Timeout: time.Second}
	l.ok("VerifyCallbackURL", srv.VerifyCallbackURL(ctx, recv.URL, cfg))
	d, err := srv.DeliverCallback(ctx, recv.URL, cfg, wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", plantAgentID, 1, "hi"))
	l.ok("DeliverCallback", err)
	l.format(d)
	_, err = srv.DeliverCallback(ctx, recv.URL, cfg, wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", plantAgentID, 2, "fail"))
	l.err("callback whose function fails", err)
	for _, f := range []wecomtest.CallbackFault{wecomtest.CallbackBadSignature, wecomtest.CallbackWrongReceiveID,
		wecomtest.CallbackTruncatedCipher, wecomtest.CallbackOversizedBody, wecomtest.CallbackTimestampFromPast} {
		bad := cfg
		bad.Fault = f
		_, err := srv.DeliverCallback(ctx, recv.URL, bad, wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", plantAgentID, int64(10+f), "spoilt"))
		l.err(fmt.Sprintf("callback fault %d", f), err)
	}
	_, err = crypto.VerifyURL("bad", "1", "n", "garbage")
	l.err("VerifyURL with a bad signature", err)
	_, err = crypto.Decrypt("bad", "1", "n", []byte("<xml><Encrypt>AAAA</Encrypt></xml>"))
	l.err("Decrypt with a bad signature", err)
	reply, err := crypto.EncryptReply([]byte("<xml/>"), "1", "nonce")
	l.ok("EncryptReply", err)
	l.format(crypto, *crypto, h, reply)
	l.ok("handler Wait", h.Wait(ctx))

	l.verify()
}
