package wecomtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// tfaCodeTTL is how long both the page code and the tfa_code live: 5 minutes, once each.
const tfaCodeTTL = 5 * time.Minute

// tfaState is one corp's two-factor authentication (二次验证): the codes WeCom hands the
// verification page, the tfa_codes get_tfa_info trades them for, and who passed. It lives in
// the corp's exportState (the address-book extras); its zero value is usable.
type tfaState struct {
	codes    map[string]*tfaRec // page code → record
	tfaCodes map[string]*tfaRec // tfa_code → record
	passed   map[string]int     // lower-case userid → user/tfa_succ calls that passed
	joined   map[string]bool    // lower-case userid → user/authsucc confirmed the login
}

type tfaRec struct {
	user    string
	expiry  time.Time
	used    bool
	tfaCode string
	tfaExp  time.Time
	tfaUsed bool
}

// StartTFA simulates a member of corpID reaching the corp's two-factor verification page
// (二次验证页面) and returns the code WeCom appends to the page URL (code=CODE): valid 5 minutes,
// once, for auth/get_tfa_info.
func (s *Server) StartTFA(corpID, userID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.book(corpID)
	u, err := b.user(userID)
	if err != nil {
		return "", fmt.Errorf("wecomtest: %w", err)
	}
	st := &b.exports.tfa
	if st.codes == nil {
		st.codes, st.tfaCodes = make(map[string]*tfaRec), make(map[string]*tfaRec)
		st.passed, st.joined = make(map[string]int), make(map[string]bool)
	}
	s.seq++
	code := fmt.Sprintf("sim-tfa-page-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
	st.codes[code] = &tfaRec{user: u.ID, expiry: time.Now().Add(tfaCodeTTL)}
	return code, nil
}

// TFAPassed reports how often user/tfa_succ let userID of corpID through (使用二次验证).
func (s *Server) TFAPassed(corpID, userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.book(corpID).exports.tfa.passed[strings.ToLower(userID)]
}

// LoginConfirmed reports whether user/authsucc confirmed userID's login (登录二次验证).
func (s *Server) LoginConfirmed(corpID, userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.book(corpID).exports.tfa.joined[strings.ToLower(userID)]
}

func (s *Server) tfaInfo(c *Call) (any, error) {
	in, err := decode[struct {
		Code string `json:"code"`
	}](c)
	if err != nil {
		return nil, err
	}
	st := &s.callBook(c).exports.tfa
	r := st.codes[in.Code]
	switch {
	case in.Code == "":
		return nil, errc(41008, "missing code") // no client constant: the spec does not list 41008
	case r == nil || r.used:
		return nil, errc(client.CodeInvalidOAuthCode, "invalid code")
	case !time.Now().Before(r.expiry):
		return nil, errc(client.CodeOAuthCodeExpired, "code expired")
	}
	r.used = true
	s.seq++
	r.tfaCode = fmt.Sprintf("sim-tfa-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
	r.tfaExp = time.Now().Add(tfaCodeTTL)
	st.tfaCodes[r.tfaCode] = r
	return J{"userid": r.user, "tfa_code": r.tfaCode}, nil
}

func (s *Server) tfaSucc(c *Call) (any, error) {
	in, err := decode[struct {
		UserID  string `json:"userid"`
		TFACode string `json:"tfa_code"`
	}](c)
	if err != nil {
		return nil, err
	}
	b := s.callBook(c)
	if in.UserID == "" || in.TFACode == "" {
		return nil, errc(client.CodeEmptyParameter, "userid and tfa_code are required")
	}
	if _, err := b.user(in.UserID); err != nil {
		return nil, err
	}
	st := &b.exports.tfa
	r := st.tfaCodes[in.TFACode]
	if r == nil || r.tfaUsed || !strings.EqualFold(r.user, in.UserID) || !time.Now().Before(r.tfaExp) {
		return nil, errc(client.CodeInvalidTFACode, "invalid tfa_code") // no client constant: 40207 不合法的tfa_code
	}
	r.tfaUsed = true
	st.passed[strings.ToLower(r.user)]++
	return J{}, nil
}

// authSucc confirms a member's login after the corp's own verification (登录二次验证): the
// member becomes active.
func (s *Server) authSucc(c *Call) (any, error) {
	id := c.Query("userid")
	if id == "" {
		return nil, errc(client.CodeMissingUserID, "missing userid")
	}
	b := s.callBook(c)
	u, err := b.user(id)
	if err != nil {
		return nil, err
	}
	u.Status = 1
	st := &b.exports.tfa
	if st.joined == nil {
		st.joined = make(map[string]bool)
	}
	st.joined[strings.ToLower(u.ID)] = true
	return J{}, nil
}
