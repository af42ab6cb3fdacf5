package wecomtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/webhook"
)

// callbackState records callbacks delivered to users' URLs, and where callbacks go
// (callbacks_targets.go).
type callbackState struct {
	deliveries []CallbackDelivery
	sinks      map[cbDest]*cbSink
}

// CallbackConfig is a callback URL's configuration as an admin enters it in the console (URL,
// Token, EncodingAESKey) plus how the simulator delivers to it.
type CallbackConfig struct {
	// Token and EncodingAESKey are the callback settings the receiver was configured with.
	Token          string
	EncodingAESKey string
	// ReceiveID is the receive ID put inside the ciphertext. Default: the plaintext's SuiteId
	// for ISV command callbacks (InfoType), its ServiceCorpId for provider system events,
	// else its ToUserName, else CorpID.
	ReceiveID string
	// ToUserName and AgentID are the envelope's unsigned elements. Default: ReceiveID and the
	// plaintext's AgentID (empty when it has none).
	ToUserName string
	AgentID    int
	// Timeout is how long one attempt may take: default 5 s, 1 s for ISV authorization events
	// and URL verification, as WeCom enforces.
	Timeout time.Duration
	// Attempts is the number of deliveries when no acknowledgement comes: default 4 (the first
	// and WeCom's three retries); 1 disables retries.
	Attempts int
	// RetryInterval is the pause between attempts (default none: WeCom's is not documented).
	RetryInterval time.Duration
	// Fault corrupts every attempt, to test a receiver's rejections.
	Fault CallbackFault
}

// CallbackFault is a corruption the simulator applies to a delivery.
type CallbackFault int

// Callback faults (spec webhook.md §19).
const (
	CallbackNoFault           CallbackFault = iota
	CallbackBadSignature                    // msg_signature does not match
	CallbackWrongReceiveID                  // the ciphertext carries another receive ID
	CallbackTruncatedCipher                 // the base64 ciphertext loses its last 8 characters
	CallbackOversizedBody                   // the envelope is padded past 2 MiB
	CallbackTimestampFromPast               // the signed timestamp is a day old
)

// CallbackAttempt is one HTTP delivery of a callback.
type CallbackAttempt struct {
	Status   int           // HTTP status, 0 when no answer came
	Body     []byte        // the response body
	Err      error         // transport error or timeout
	Duration time.Duration // time to the answer or the error
}

// CallbackDelivery is one callback as the simulator delivered it.
type CallbackDelivery struct {
	URL       string
	Plaintext []byte // the plaintext XML, identical in every attempt
	Attempts  []CallbackAttempt
	// Acked reports whether an attempt was acknowledged: HTTP 200 with an empty body,
	// "success" or a passive reply ("success" only, for ISV command callbacks).
	Acked bool
	// Reply is the decrypted passive reply plaintext, nil if none.
	Reply []byte
}

// ErrCallbackNotAcked is returned when no attempt of a delivery was acknowledged.
var ErrCallbackNotAcked = errors.New("wecomtest: callback not acknowledged")

// ErrBadReply is returned when the receiver answered with a passive reply that does not verify
// or decrypt.
var ErrBadReply = errors.New("wecomtest: passive reply does not verify")

// Callbacks returns the callbacks delivered so far, in order.
func (s *Server) Callbacks() []CallbackDelivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CallbackDelivery, len(s.callbacks.deliveries))
	copy(out, s.callbacks.deliveries)
	return out
}

// DeliverCallback sends plaintext (a callback's XML) to target, a callback URL, as WeCom does:
// encrypted with a fresh random prefix, signed, POSTed with msg_signature, timestamp and nonce,
// and redelivered with a new nonce, timestamp and ciphertext when no acknowledgement comes
// within the timeout (see CallbackConfig). A passive reply is verified and decrypted into the
// result, and recorded like WeCom delivers it: as a message to the member (Received) or as an
// update of the clicked card. The delivery is recorded (Callbacks); the error is
// ErrCallbackNotAcked, ErrBadReply or ctx's.
func (s *Server) DeliverCallback(ctx context.Context, target string, cfg CallbackConfig, plaintext []byte) (CallbackDelivery, error) {
	d := CallbackDelivery{URL: target, Plaintext: bytes.Clone(plaintext)}
	err := s.deliverCallback(ctx, &d, cfg)
	s.mu.Lock()
	s.callbacks.deliveries = append(s.callbacks.deliveries, d)
	if d.Reply != nil {
		s.msgPassiveReply(d.Plaintext, d.Reply)
	}
	s.mu.Unlock()
	return d, err
}

func (s *Server) deliverCallback(ctx context.Context, d *CallbackDelivery, cfg CallbackConfig) error {
	// The plaintext's header supplies defaults; a plaintext that is not XML is sent as is, to
	// test a receiver's parse errors.
	var ev webhook.Event = &webhook.Unknown{}
	if parsed, err := webhook.Parse(d.Plaintext); err == nil {
		ev = parsed
	}
	hd := ev.EventHeader()
	if cfg.ReceiveID == "" {
		cfg.ReceiveID = CorpID
		switch {
		case hd.IsISV() && hd.SuiteID != "":
			cfg.ReceiveID = hd.SuiteID
		case hd.IsISV() && hd.ServiceCorpID != "":
			cfg.ReceiveID = hd.ServiceCorpID
		case hd.ToUserName != "":
			cfg.ReceiveID = hd.ToUserName
		}
	}
	if cfg.ToUserName == "" {
		cfg.ToUserName = cfg.ReceiveID
	}
	if cfg.AgentID == 0 {
		cfg.AgentID = hd.AgentID
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
		switch ev.(type) {
		case *webhook.CreateAuth, *webhook.ChangeAuth, *webhook.CancelAuth, *webhook.ResetPermanentCode:
			cfg.Timeout = time.Second
		}
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 4
	}
	c, err := webhook.NewCrypto(cfg.Token, cfg.EncodingAESKey, cfg.ReceiveID)
	if err != nil {
		return fmt.Errorf("wecomtest: callback config: %w", err)
	}
	hc := &http.Client{Timeout: cfg.Timeout}
	for i := 0; i < cfg.Attempts; i++ {
		if i > 0 && cfg.RetryInterval > 0 {
			select {
			case <-time.After(cfg.RetryInterval):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		req, err := newCallbackRequest(ctx, c, d.URL, cfg, d.Plaintext)
		if err != nil {
			return err
		}
		a := CallbackAttempt{}
		start := time.Now()
		resp, err := hc.Do(req)
		if err == nil {
			a.Status = resp.StatusCode
			a.Body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		a.Err, a.Duration = err, time.Since(start)
		d.Attempts = append(d.Attempts, a)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil || a.Status != http.StatusOK {
			continue
		}
		body := string(a.Body)
		switch {
		case hd.IsISV():
			if body != "success" {
				continue
			}
		case body == "" || body == "success":
		default:
			// A passive reply: encrypted for the corp, as WeCom checks it.
			d.Acked = true
			reply, err := cbOpenReply(c, a.Body)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrBadReply, err)
			}
			d.Reply = reply
			return nil
		}
		d.Acked = true
		return nil
	}
	return ErrCallbackNotAcked
}

func newCallbackRequest(ctx context.Context, c *webhook.Crypto, target string, cfg CallbackConfig, plaintext []byte) (*http.Request, error) {
	rid := cfg.ReceiveID
	if cfg.Fault == CallbackWrongReceiveID {
		rid += "-other"
	}
	enc, err := c.Encrypt(plaintext, rid)
	if err != nil {
		return nil, err
	}
	ts := time.Now().Unix()
	if cfg.Fault == CallbackTimestampFromPast {
		ts -= 86400
	}
	tsStr, nonce := strconv.FormatInt(ts, 10), cbDigits(10)
	sig := c.Sign(tsStr, nonce, enc)
	switch cfg.Fault {
	case CallbackBadSignature:
		sig = strings.Repeat("0", len(sig))
	case CallbackTruncatedCipher:
		enc = enc[:len(enc)-8]
		sig = c.Sign(tsStr, nonce, enc)
	}
	agent := ""
	if cfg.AgentID != 0 {
		agent = strconv.Itoa(cfg.AgentID)
	}
	body := "<xml><ToUserName><![CDATA[" + cfg.ToUserName + "]]></ToUserName><Encrypt><![CDATA[" + enc +
		"]]></Encrypt><AgentID><![CDATA[" + agent + "]]></AgentID>"
	if cfg.Fault == CallbackOversizedBody {
		body += "<Padding>" + strings.Repeat(" ", 2<<20) + "</Padding>"
	}
	body += "</xml>"
	q := url.Values{"msg_signature": {sig}, "timestamp": {tsStr}, "nonce": {nonce}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cbWithQuery(target, q), strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("wecomtest: callback URL: %w", err)
	}
	req.Header.Set("Content-Type", "text/xml")
	return req, nil
}

// openReply verifies a passive reply envelope (Encrypt, MsgSignature, TimeStamp, Nonce) and
// returns its plaintext.
func cbOpenReply(c *webhook.Crypto, body []byte) ([]byte, error) {
	env, err := webhook.Parse(body)
	if err != nil {
		return nil, err
	}
	hd := env.EventHeader()
	sig, _ := hd.Lookup("MsgSignature")
	nonce, _ := hd.Lookup("Nonce")
	ts, _ := hd.Lookup("TimeStamp")
	return c.Decrypt(strings.TrimSpace(sig), strings.TrimSpace(ts), strings.TrimSpace(nonce), body)
}

// VerifyCallbackURL performs the URL verification WeCom runs when an admin saves callback
// settings: a GET with an encrypted echostr whose plaintext must come back as the whole body
// within the timeout (default 1 s).
func (s *Server) VerifyCallbackURL(ctx context.Context, target string, cfg CallbackConfig) error {
	if cfg.ReceiveID == "" {
		cfg.ReceiveID = CorpID
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	c, err := webhook.NewCrypto(cfg.Token, cfg.EncodingAESKey, cfg.ReceiveID)
	if err != nil {
		return fmt.Errorf("wecomtest: callback config: %w", err)
	}
	echo := cbDigits(19)
	enc, err := c.Encrypt([]byte(echo), cfg.ReceiveID)
	if err != nil {
		return err
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), cbDigits(9)
	q := url.Values{"msg_signature": {c.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cbWithQuery(target, q), nil)
	if err != nil {
		return fmt.Errorf("wecomtest: callback URL: %w", err)
	}
	resp, err := (&http.Client{Timeout: cfg.Timeout}).Do(req)
	if err != nil {
		return fmt.Errorf("wecomtest: URL verification: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK || string(body) != echo {
		return fmt.Errorf("wecomtest: URL verification failed: HTTP %d, body %q, want %q", resp.StatusCode, body, echo)
	}
	return nil
}

func cbWithQuery(target string, q url.Values) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + q.Encode()
}

// PushSuiteTickets pushes a fresh suite_ticket of suiteID (see IssueSuiteTicket) to the suite's
// command callback URL (see [Server.SetSuiteCommandCallbackURL]) every interval, as WeCom does
// every 10 minutes, until ctx ends. The first push is immediate.
func (s *Server) PushSuiteTickets(ctx context.Context, suiteID string, every time.Duration) {
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			ticket := s.IssueSuiteTicket(suiteID)
			if ticket == "" {
				return
			}
			_ = s.emit(ctx, []cbEvent{{cbDest{cbSuiteCommand, suiteID}, SuiteTicketCallback(suiteID, ticket)}})
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
	}()
}

func cbDigits(n int) string {
	var b strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

// Callback builders: plaintext XML of common callbacks, as WeCom sends them.

func cbCDATA(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// TextCallback is the plaintext of a text message a member sent to an app.
func TextCallback(corpID, fromUser string, agentID int, msgID int64, content string) []byte {
	return []byte("<xml><ToUserName>" + cbCDATA(corpID) + "</ToUserName><FromUserName>" + cbCDATA(fromUser) +
		"</FromUserName><CreateTime>" + strconv.FormatInt(time.Now().Unix(), 10) + "</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>" +
		cbCDATA(content) + "</Content><MsgId>" + strconv.FormatInt(msgID, 10) + "</MsgId><AgentID>" + strconv.Itoa(agentID) + "</AgentID></xml>")
}

// EventCallback is the plaintext of any app event callback (MsgType event): Event is the event
// kind (click, change_contact, change_external_contact, …) and fields its other elements, by
// XML name (ChangeType, UserID, EventKey, …), written in name order. agentID 0 leaves AgentID out.
func EventCallback(corpID, fromUser string, agentID int, event string, fields map[string]string) []byte {
	var b strings.Builder
	b.WriteString("<xml><ToUserName>" + cbCDATA(corpID) + "</ToUserName><FromUserName>" + cbCDATA(fromUser) +
		"</FromUserName><CreateTime>" + strconv.FormatInt(time.Now().Unix(), 10) +
		"</CreateTime><MsgType><![CDATA[event]]></MsgType><Event>" + cbCDATA(event) + "</Event>")
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		b.WriteString("<" + k + ">" + cbCDATA(fields[k]) + "</" + k + ">")
	}
	if agentID != 0 {
		b.WriteString("<AgentID>" + strconv.Itoa(agentID) + "</AgentID>")
	}
	b.WriteString("</xml>")
	return []byte(b.String())
}

// CardEventCallback is the plaintext of the template_card_event callback of a click (see
// ClickCard).
func CardEventCallback(e CardEvent) []byte {
	return []byte("<xml><ToUserName>" + cbCDATA(e.ToUserName) + "</ToUserName><FromUserName>" + cbCDATA(e.FromUserName) +
		"</FromUserName><CreateTime>" + strconv.FormatInt(time.Now().Unix(), 10) +
		"</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey>" + cbCDATA(e.EventKey) +
		"</EventKey><TaskId>" + cbCDATA(e.TaskID) + "</TaskId><CardType>" + cbCDATA(string(e.CardType)) + "</CardType><ResponseCode>" +
		cbCDATA(e.ResponseCode) + "</ResponseCode><AgentID>" + strconv.Itoa(e.AgentID) + "</AgentID></xml>")
}

// KfCallback is the plaintext of a kf_msg_or_event notice (see SetCallbackURL, KfSyncToken).
func KfCallback(corpID, openKfID, token string) []byte {
	return []byte("<xml><ToUserName>" + cbCDATA(corpID) + "</ToUserName><CreateTime>" + strconv.FormatInt(time.Now().Unix(), 10) +
		"</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[kf_msg_or_event]]></Event><Token>" + cbCDATA(token) +
		"</Token><OpenKfId>" + cbCDATA(openKfID) + "</OpenKfId></xml>")
}

// CreateAuthCallback is the plaintext of a create_auth notice carrying authCode (see
// AuthorizeCorp); state may be empty.
func CreateAuthCallback(suiteID, authCode, state string) []byte {
	return []byte("<xml><SuiteId>" + cbCDATA(suiteID) + "</SuiteId><AuthCode>" + cbCDATA(authCode) +
		"</AuthCode><InfoType><![CDATA[create_auth]]></InfoType><TimeStamp>" + strconv.FormatInt(time.Now().Unix(), 10) +
		"</TimeStamp><State>" + cbCDATA(state) + "</State></xml>")
}

// SuiteTicketCallback is the plaintext of a suite_ticket push (see IssueSuiteTicket).
func SuiteTicketCallback(suiteID, ticket string) []byte {
	return []byte("<xml><SuiteId>" + cbCDATA(suiteID) + "</SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>" +
		strconv.FormatInt(time.Now().Unix(), 10) + "</TimeStamp><SuiteTicket>" + cbCDATA(ticket) + "</SuiteTicket></xml>")
}

// providerEvent is the plaintext of a provider system event (服务商系统事件) of infoType about
// authCorpID; body holds its other elements, already XML.
func providerEvent(providerCorpID, infoType, authCorpID, body string) []byte {
	return []byte("<xml><ServiceCorpId>" + cbCDATA(providerCorpID) + "</ServiceCorpId><InfoType>" + cbCDATA(infoType) +
		"</InfoType><AuthCorpId>" + cbCDATA(authCorpID) + "</AuthCorpId>" + body + "<TimeStamp>" +
		strconv.FormatInt(time.Now().Unix(), 10) + "</TimeStamp></xml>")
}

// licensePaySuccessCallback is the plaintext of license_pay_success (支付成功通知, 95804).
func licensePaySuccessCallback(providerCorpID, authCorpID, orderID, buyer string) []byte {
	return providerEvent(providerCorpID, "license_pay_success", authCorpID,
		"<OrderId>"+cbCDATA(orderID)+"</OrderId><BuyerUserId>"+cbCDATA(buyer)+"</BuyerUserId>")
}

// autoActivatedAccount is one account of an auto_activate event.
type autoActivatedAccount struct {
	code, userID, previousCode string
	typ, previousStatus        int
	expire                     int64
}

// autoActivateCallback is the plaintext of auto_activate (自动激活回调通知, 95994).
func autoActivateCallback(providerCorpID, authCorpID string, scene int, accounts []autoActivatedAccount) []byte {
	var b strings.Builder
	b.WriteString("<Scene>" + strconv.Itoa(scene) + "</Scene>")
	for _, a := range accounts {
		b.WriteString("<AccountList><ActiveCode>" + cbCDATA(a.code) + "</ActiveCode><Type>" + strconv.Itoa(a.typ) +
			"</Type><ExpireTime>" + strconv.FormatInt(a.expire, 10) + "</ExpireTime><UserId>" + cbCDATA(a.userID) +
			"</UserId><PreviousStatus>" + strconv.Itoa(a.previousStatus) + "</PreviousStatus>")
		if a.previousCode != "" {
			b.WriteString("<PreviousActiveCode>" + cbCDATA(a.previousCode) + "</PreviousActiveCode>")
		}
		b.WriteString("</AccountList>")
	}
	return providerEvent(providerCorpID, "auto_activate", authCorpID, b.String())
}

// registerCorpCallback is the plaintext of register_corp (注册完成回调事件, 90585); syncToken is
// empty without address-book migration, state without a state.
func registerCorpCallback(providerCorpID, corpID, registerCode, syncToken string, syncExpiresIn int, admin, state, templateID string) []byte {
	body := "<RegisterCode>" + cbCDATA(registerCode) + "</RegisterCode>"
	if syncToken != "" {
		body += "<ContactSync><AccessToken>" + cbCDATA(syncToken) + "</AccessToken><ExpiresIn>" +
			strconv.Itoa(syncExpiresIn) + "</ExpiresIn></ContactSync>"
	}
	body += "<AuthUserInfo><UserId>" + cbCDATA(admin) + "</UserId></AuthUserInfo>"
	if state != "" {
		body += "<State>" + cbCDATA(state) + "</State>"
	}
	body += "<TemplateId>" + cbCDATA(templateID) + "</TemplateId>"
	return providerEvent(providerCorpID, "register_corp", corpID, body)
}
