package wecomtest

import (
	"errors"
	"fmt"
	"hash/crc32"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/client"
)

func (s *Server) oauthRoutes() []route {
	return []route{
		{get, "/cgi-bin/auth/getuserinfo", TokenCorp, s.oauthUserInfo},
		{get, "/cgi-bin/user/getuserinfo", TokenCorp, s.oauthLegacyUserInfo},
		{post, "/cgi-bin/auth/getuserdetail", TokenCorp, s.oauthUserDetail},
		{get, "/cgi-bin/service/auth/getuserinfo3rd", TokenSuite, s.oauthUserInfo3rd},
		{post, "/cgi-bin/service/auth/getuserdetail3rd", TokenSuite, s.oauthUserDetail3rd},
	}
}

// NewOAuthCode mints a member OAuth code (the code WeCom appends to the redirect URI) for the
// identity in o: valid once, for 5 minutes.
func (s *Server) NewOAuthCode(o OAuthCode) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	code := fmt.Sprintf("sim-code-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
	s.apps.oauth[code] = &oauthRec{OAuthCode: o, expiry: time.Now().Add(oauthCodeTTL)}
	return code
}

// ExpireOAuthCode makes code expired, as if its 5 minutes had passed (42003).
func (s *Server) ExpireOAuthCode(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.apps.oauth[code]; o != nil {
		o.expiry = time.Now().Add(-time.Second)
	}
}

// takeOAuthCode checks and consumes an OAuth code for the token's corp or suite.
func (s *Server) takeOAuthCode(c *Call, suite bool) (*oauthRec, error) {
	code := c.Query("code")
	o := s.apps.oauth[code]
	switch {
	case code == "":
		return nil, errc(41008, "missing code") // no client constant: the spec does not list 41008
	case o == nil || o.used:
		return nil, errc(client.CodeInvalidOAuthCode, "invalid code")
	case suite && o.SuiteID != c.Token.CorpID, !suite && (o.SuiteID != "" || o.CorpID != c.Token.CorpID):
		return nil, errc(client.CodeInvalidOAuthCode, "invalid code")
	case !time.Now().Before(o.expiry):
		return nil, errc(client.CodeOAuthCodeExpired, "code expired")
	}
	o.used = true
	if o.PrivateInfo && o.UserID != "" {
		s.seq++
		o.ticket = fmt.Sprintf("sim-uticket-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
		o.ticketExpiry = time.Now().Add(userTicketTTL)
		s.apps.tickets[o.ticket] = o
	}
	return o, nil
}

func (s *Server) oauthUserInfo(c *Call) (any, error) {
	o, err := s.takeOAuthCode(c, false)
	if err != nil {
		return nil, err
	}
	if o.UserID == "" {
		out := J{"openid": o.OpenID}
		if o.ExternalUserID != "" {
			out["external_userid"] = o.ExternalUserID
		}
		return out, nil
	}
	out := J{"userid": o.UserID}
	if o.ticket != "" {
		out["user_ticket"] = o.ticket
	}
	return out, nil
}

// oauthLegacyUserInfo is user/getuserinfo, the predecessor of auth/getuserinfo: the same code
// rules, the old capitalised keys (UserId, OpenId, DeviceId) and the ticket's lifetime.
func (s *Server) oauthLegacyUserInfo(c *Call) (any, error) {
	o, err := s.takeOAuthCode(c, false)
	if err != nil {
		return nil, err
	}
	if o.UserID == "" {
		out := J{"OpenId": o.OpenID, "DeviceId": deviceID(o.OpenID)}
		if o.ExternalUserID != "" {
			out["external_userid"] = o.ExternalUserID
		}
		return out, nil
	}
	out := J{"UserId": o.UserID, "DeviceId": deviceID(o.UserID)}
	if o.ticket != "" {
		out["user_ticket"], out["expires_in"] = o.ticket, int(userTicketTTL/time.Second)
	}
	return out, nil
}

// deviceID is the stable device ID the legacy answer carries for a visitor.
func deviceID(who string) string {
	return fmt.Sprintf("simdev%08x", crc32.ChecksumIEEE([]byte(strings.ToLower(who))))
}

func (s *Server) oauthUserInfo3rd(c *Call) (any, error) {
	o, err := s.takeOAuthCode(c, true)
	if err != nil {
		return nil, err
	}
	if o.UserID == "" {
		return J{"openid": o.OpenID}, nil
	}
	out := J{"corpid": o.CorpID, "userid": o.UserID, "open_userid": o.OpenUserID}
	if o.ticket != "" {
		out["user_ticket"], out["expires_in"] = o.ticket, int(userTicketTTL/time.Second)
	}
	return out, nil
}

// userTicket checks a user_ticket: 84090 missing, 84015 invalid, 84014 expired.
func (s *Server) userTicket(c *Call, suite bool) (*oauthRec, error) {
	in, err := decode[struct {
		Ticket string `json:"user_ticket"`
	}](c)
	if err != nil {
		return nil, err
	}
	o := s.apps.tickets[in.Ticket]
	switch {
	case in.Ticket == "":
		return nil, errc(client.CodeMissingUserTicket, "missing user_ticket")
	case o == nil, suite && o.SuiteID != c.Token.CorpID, !suite && o.CorpID != c.Token.CorpID:
		return nil, errc(client.CodeInvalidUserTicket, "invalid user_ticket")
	case !time.Now().Before(o.ticketExpiry):
		return nil, errc(client.CodeUserTicketExpired, "user_ticket expired")
	}
	return o, nil
}

func (s *Server) oauthUserDetail(c *Call) (any, error) {
	o, err := s.userTicket(c, false)
	if err != nil {
		return nil, err
	}
	return J{"userid": o.UserID, "gender": genderString(o.Gender), "avatar": o.Avatar, "mobile": o.Mobile, "email": o.Email}, nil
}

func (s *Server) oauthUserDetail3rd(c *Call) (any, error) {
	o, err := s.userTicket(c, true)
	if err != nil {
		return nil, err
	}
	return J{"corpid": o.CorpID, "userid": o.UserID, "name": o.UserID, "gender": genderString(o.Gender), "avatar": o.Avatar}, nil
}

// genderString answers a gender as the documented string, "0" when not set or not consented.
func genderString(g string) string {
	if g == "" {
		return "0"
	}
	return g
}

// MemberLogin simulates a member opening an OAuth authorize or web-login URL that the SDK built
// and consenting: it checks the URL as WeCom does (redirect_uri an absolute http(s) URL once
// decoded, state of [a-zA-Z0-9] up to 128 bytes), mints a code for o like [Server.NewOAuthCode]
// and returns the URL the browser is redirected to, carrying code and state.
func (s *Server) MemberLogin(loginURL string, o OAuthCode) (string, error) {
	u, err := url.Parse(loginURL)
	if err != nil {
		return "", fmt.Errorf("wecomtest: login URL: %w", err)
	}
	q := u.Query()
	if q.Get("appid") == "" {
		return "", errors.New("wecomtest: login URL has no appid")
	}
	r, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || (r.Scheme != "http" && r.Scheme != "https") || r.Host == "" {
		return "", fmt.Errorf("wecomtest: redirect_uri %q is not an absolute URL (encoded twice?)", q.Get("redirect_uri"))
	}
	state := q.Get("state")
	if len(state) > 128 || strings.TrimFunc(state, isAlnum) != "" {
		return "", fmt.Errorf("wecomtest: invalid state %q (84025)", state)
	}
	rq := r.Query()
	rq.Set("code", s.NewOAuthCode(o))
	rq.Set("state", state)
	r.RawQuery = rq.Encode()
	return r.String(), nil
}

func isAlnum(r rune) bool {
	return r < utf8.RuneSelf && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
}
