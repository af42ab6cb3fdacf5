package wecomtest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// JS-SDK ticket rules WeCom documents (JS-SDK 签名算法, 访问频率限制): a ticket lives expires_in
// 7200 s, and in one hour a corp may fetch at most 400 jsapi_tickets, one app at most 100.
const (
	jsapiTicketTTL      = 7200 * time.Second
	jsapiPerCorpPerHour = 400
	jsapiPerAppPerHour  = 100
)

// jsapiState holds the JS-SDK tickets issued per corp (get_jsapi_ticket) and per app
// (ticket/get?type=agent_config), and the hourly fetch counts. Its zero value is usable.
type jsapiState struct {
	ttl     time.Duration         // 0: jsapiTicketTTL
	seq     int                   // for ticket values
	tickets map[string]*simTicket // value → ticket
	hour    time.Time             // the window counts belongs to
	counts  map[string]int        // "corp" or "corp|app" → fetches in the window
}

// simTicket is an issued JS-SDK ticket: a corp ticket (agent 0) or an app's agent_config one.
type simTicket struct {
	corp   string
	agent  int
	app    string // the secret of the app that fetched it
	expiry time.Time
}

// WithJSAPITicketTTL sets the lifetime (expires_in) of the JS-SDK tickets the server issues;
// default 7200 s. Tests of early refresh use a short one.
func WithJSAPITicketTTL(d time.Duration) Option { return func(s *Server) { s.jsapi.ttl = d } }

func (s *Server) jsapiRoutes() []route {
	return []route{
		{get, "/cgi-bin/get_jsapi_ticket", TokenCorp, s.getJSAPITicket},
		{get, "/cgi-bin/ticket/get", TokenCorp, s.getAgentTicket},
	}
}

func (s *Server) getJSAPITicket(c *Call) (any, error) { return s.issueJSAPITicket(c, 0) }

func (s *Server) getAgentTicket(c *Call) (any, error) {
	switch t := c.Query("type"); {
	case t == "":
		return nil, errc(client.CodeEmptyParameter, "type missing")
	case t != "agent_config":
		return nil, errc(client.CodeInvalidParameter, "invalid type, want agent_config")
	case c.Token.AgentID == 0:
		// A tool secret (contacts sync, customer contact, …) is no app: it has no app ticket.
		return nil, errc(client.CodeAPIForbidden, "api forbidden: agent_config needs an app's access_token")
	}
	return s.issueJSAPITicket(c, c.Token.AgentID)
}

// issueJSAPITicket mints a new ticket for the token's corp (agent 0) or app, counting the fetch
// against the hourly limits of the corp and of the app; older tickets stay valid until they
// expire.
func (s *Server) issueJSAPITicket(c *Call, agent int) (any, error) {
	st := &s.jsapi
	now := time.Now()
	if h := now.Truncate(time.Hour); st.counts == nil || !h.Equal(st.hour) {
		st.counts, st.hour = make(map[string]int), h
	}
	corpKey, appKey := c.Token.CorpID, c.Token.CorpID+"|"+c.Token.Secret
	if st.counts[corpKey] >= jsapiPerCorpPerHour || st.counts[appKey] >= jsapiPerAppPerHour {
		return nil, errc(client.CodeFrequencyLimit, "api freq out of limit: jsapi_ticket fetches per hour")
	}
	st.counts[corpKey]++
	st.counts[appKey]++
	if st.tickets == nil {
		st.tickets = make(map[string]*simTicket)
	}
	for v, t := range st.tickets {
		if !now.Before(t.expiry) {
			delete(st.tickets, v)
		}
	}
	ttl := st.ttl
	if ttl <= 0 {
		ttl = jsapiTicketTTL
	}
	st.seq++
	kind := "corp"
	if agent != 0 {
		kind = "agent" + strconv.Itoa(agent)
	}
	v := fmt.Sprintf("sim-jsapi-%s-%06d-%x", kind, st.seq, now.UnixNano()&0xffffff)
	st.tickets[v] = &simTicket{corp: c.Token.CorpID, agent: agent, app: c.Token.Secret, expiry: now.Add(ttl)}
	return J{"ticket": v, "expires_in": int(ttl.Round(time.Second) / time.Second)}, nil
}

// ExpireJSAPITickets makes every JS-SDK ticket issued so far unusable: pages signed with one
// fail with 42012 in [Server.CheckJSSignature], as after WeCom revoked them.
func (s *Server) ExpireJSAPITickets() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.jsapi.tickets)
}

// JSSignature is a page's JS-SDK registration as the page hands it to the JS-SDK: the corp
// (wx.config appId, wx.agentConfig corpid), the agentid for an app registration (0 for the
// corp one), the page URL, and the timestamp, nonceStr and signature the server made.
type JSSignature struct {
	CorpID    string
	AgentID   int // 0: corp registration (wx.config); else app registration (wx.agentConfig)
	URL       string
	NonceStr  string
	Timestamp int64
	Signature string
}

// CheckJSSignature checks a registration as the JS-SDK in the WeCom client does: the signature
// must be the SHA-1 of "jsapi_ticket=…&noncestr=…&timestamp=…&url=…" (the URL without its
// #fragment) over a live ticket of that corp (AgentID 0) or of that app. It answers an
// [*Error] with 42012 (jsapi_ticket unusable) when no such ticket is live, 40093 (signature
// error) when none matches, and nil on success.
func (s *Server) CheckJSSignature(sig JSSignature) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	page, _, _ := strings.Cut(sig.URL, "#")
	sig.CorpID = s.realCorp(sig.CorpID) // a third-party app's page registers its encrypted corp ID
	now := time.Now()
	live := 0
	for v, t := range s.jsapi.tickets {
		if t.corp != sig.CorpID || t.agent != sig.AgentID || !now.Before(t.expiry) {
			continue
		}
		live++
		sum := sha1.Sum([]byte("jsapi_ticket=" + v + "&noncestr=" + sig.NonceStr + "&timestamp=" +
			strconv.FormatInt(sig.Timestamp, 10) + "&url=" + page))
		if hex.EncodeToString(sum[:]) == sig.Signature {
			return nil
		}
	}
	if live == 0 {
		return errc(client.CodeJSAPITicketUnusable, "jsapi_ticket unusable")
	}
	return errc(client.CodeJSAPISignatureError, "invalid signature")
}
