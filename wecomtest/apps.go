package wecomtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Lifetimes the apps family enforces, as WeCom documents them.
const (
	suiteTicketTTL = 30 * time.Minute // a suite_ticket is valid 30 minutes
	preAuthTTL     = 20 * time.Minute // pre_auth_code expires_in 1200
	authCodeTTL    = 10 * time.Minute // an install auth_code is valid 10 minutes, once
	oauthCodeTTL   = 5 * time.Minute  // an OAuth code is valid 5 minutes, once
	userTicketTTL  = 30 * time.Minute // user_ticket lives 1800 s
)

// appsState holds agents, menus, workbench data, shared apps and downstream corps, suites and
// their authorisations, providers, and OAuth codes.
type appsState struct {
	agents    map[string]map[int]*agentRec         // corp → agentid → agent
	shares    map[string]map[int][]*DownstreamCorp // upstream corp → upstream agentid → shares
	suites    map[string]*suiteRec                 // suite id → suite
	providers map[string]string                    // provider corp id → provider secret
	preAuth   map[string]*preAuthRec               // pre_auth_code → record
	authCodes map[string]*authCodeRec              // install auth_code → record
	auths     map[string]*authRec                  // suite|corp → authorisation
	oauth     map[string]*oauthRec                 // OAuth code → record
	tickets   map[string]*oauthRec                 // user_ticket → the code's record
}

type agentRec struct {
	AgentID        int             `json:"agentid"`
	Name           string          `json:"name"`
	SquareLogoURL  string          `json:"square_logo_url"`
	Description    string          `json:"description"`
	Close          int             `json:"close"`
	RedirectDomain string          `json:"redirect_domain"`
	ReportLocation int             `json:"report_location_flag"`
	IsReportEnter  int             `json:"isreportenter"`
	HomeURL        string          `json:"home_url"`
	AllowUserInfos J               `json:"allow_userinfos"`
	AllowPartys    J               `json:"allow_partys"`
	AllowTags      J               `json:"allow_tags"`
	menu           json.RawMessage // published menu buttons
	template       J               // workbench template
	userData       map[string]J    // userid → workbench data
	admins         []J             // app admins
	thirdParty     bool            // installed through a suite: agent/set and menus refused
}

// DownstreamCorp is a corp an upstream app is shared with (上下游 / 企业互联 共享应用).
type DownstreamCorp struct {
	CorpID   string // the downstream corp
	CorpName string
	AgentID  int // the shared app's agentid inside the downstream corp
	// UpstreamCorpID and UpstreamAgentID name the shared app; default CorpID and AgentID.
	UpstreamCorpID  string
	UpstreamAgentID int
	// BusinessType is 1 for upstream/downstream chains (上下游), 0 for linked corps (企业互联).
	BusinessType int
}

type suiteRec struct {
	id, secret string
	tickets    map[string]time.Time // ticket → expiry
	seq        int
}

type preAuthRec struct {
	suite  string
	expiry time.Time
}

type authCodeRec struct {
	suite  string
	auth   Authorization
	expiry time.Time
	used   bool
}

type authRec struct {
	Authorization
	permanentCode string
	revoked       bool
}

type oauthRec struct {
	OAuthCode
	expiry       time.Time
	used         bool
	ticket       string
	ticketExpiry time.Time
}

// Suite is a third-party app (第三方应用) or 代开发 template the simulator knows.
type Suite struct{ ID, Secret string }

// Authorization is one corp installing (authorising, 授权) a suite's app.
type Authorization struct {
	SuiteID string
	// PreAuthCode, when set, must be a live code from service/get_pre_auth_code of the suite
	// (the install-link flow); empty stands for a marketplace install (create_auth callback).
	PreAuthCode string
	CorpID      string // the authorising corp
	CorpName    string
	AgentID     int    // the app's agentid in that corp; default 1000100
	AdminUserID string // the installing admin; default "admin01"
	State       string // state of the install link
}

// OAuthCode is the identity behind a member OAuth code (网页授权 / 扫码登录 code).
type OAuthCode struct {
	// CorpID is the corp whose app token may exchange the code (auth/getuserinfo); for a
	// third-party code (SuiteID set) it is the visitor's corp.
	CorpID string
	// SuiteID, when set, makes the code one for service/auth/getuserinfo3rd of that suite.
	SuiteID        string
	UserID         string // a member; empty for a non-member visitor
	OpenUserID     string // third-party only
	OpenID         string // a non-member visitor
	ExternalUserID string // a visitor who is a customer of the corp
	PrivateInfo    bool   // scope snsapi_privateinfo: the exchange also yields a user_ticket
	// UserType, when set, makes the code a provider-site login auth_code for
	// service/get_login_info: 1 creator, 2 internal admin, 3 external admin, 4 delegated
	// admin, 5 member. CorpID is then the member's corp.
	UserType int
	Name     string // the member's name, for get_login_info
	// Detail fields returned by getuserdetail when PrivateInfo is set.
	Gender        string
	Avatar        string
	Mobile, Email string
}

func (s *Server) registerApps() {
	s.apps = appsState{
		agents:    make(map[string]map[int]*agentRec),
		shares:    make(map[string]map[int][]*DownstreamCorp),
		suites:    make(map[string]*suiteRec),
		providers: make(map[string]string),
		preAuth:   make(map[string]*preAuthRec),
		authCodes: make(map[string]*authCodeRec),
		auths:     make(map[string]*authRec),
		oauth:     make(map[string]*oauthRec),
		tickets:   make(map[string]*oauthRec),
	}
	get, post := http.MethodGet, http.MethodPost
	s.handle(get, "/cgi-bin/agent/get", TokenCorp, s.agentGet)
	s.handle(get, "/cgi-bin/agent/list", TokenCorp, s.agentList)
	s.handle(post, "/cgi-bin/agent/set", TokenCorp, s.agentSet)
	s.handle(post, "/cgi-bin/menu/create", TokenCorp, s.menuCreate)
	s.handle(get, "/cgi-bin/menu/get", TokenCorp, s.menuGet)
	s.handle(get, "/cgi-bin/menu/delete", TokenCorp, s.menuDelete)
	s.handle(post, "/cgi-bin/agent/set_workbench_template", TokenCorp, s.workbenchSetTemplate)
	s.handle(post, "/cgi-bin/agent/get_workbench_template", TokenCorp, s.workbenchGetTemplate)
	s.handle(post, "/cgi-bin/agent/set_workbench_data", TokenCorp, s.workbenchSetData)
	s.handle(post, "/cgi-bin/agent/batch_set_workbench_data", TokenCorp, s.workbenchBatchSetData)
	s.handle(post, "/cgi-bin/agent/get_workbench_data", TokenCorp, s.workbenchGetData)
	s.handle(post, "/cgi-bin/agent/get_admin_list", TokenCorp, s.agentAdminList)
	s.handle(post, "/cgi-bin/corpgroup/corp/list_app_share_info", TokenCorp, s.listAppShareInfo)
	s.handle(post, "/cgi-bin/corpgroup/corp/gettoken", TokenCorp, s.corpgroupGetToken)
	s.handle(post, "/cgi-bin/service/get_provider_token", TokenNone, s.getProviderToken)
	s.handle(post, "/cgi-bin/service/get_suite_token", TokenNone, s.getSuiteToken)
	s.handle(get, "/cgi-bin/service/get_pre_auth_code", TokenSuite, s.getPreAuthCode)
	s.handle(post, "/cgi-bin/service/set_session_info", TokenSuite, s.setSessionInfo)
	s.handle(post, "/cgi-bin/service/get_permanent_code", TokenSuite, func(c *Call) (any, error) { return s.getPermanentCode(c, false) })
	s.handle(post, "/cgi-bin/service/v2/get_permanent_code", TokenSuite, func(c *Call) (any, error) { return s.getPermanentCode(c, true) })
	s.handle(post, "/cgi-bin/service/get_auth_info", TokenSuite, s.getAuthInfo)
	s.handle(post, "/cgi-bin/service/v2/get_auth_info", TokenSuite, s.getAuthInfo)
	s.handle(post, "/cgi-bin/service/get_corp_token", TokenSuite, s.getCorpToken)
	s.handle(post, "/cgi-bin/service/get_admin_list", TokenSuite, s.suiteAdminList)
	s.handle(post, "/cgi-bin/service/corpid_to_opencorpid", TokenProvider, s.corpIDToOpenCorpID)
	// The provider token travels as access_token here; the handler checks it itself.
	s.handle(post, "/cgi-bin/service/get_login_info", TokenNone, s.getLoginInfo)
	s.handle(get, "/cgi-bin/auth/getuserinfo", TokenCorp, s.oauthUserInfo)
	s.handle(post, "/cgi-bin/auth/getuserdetail", TokenCorp, s.oauthUserDetail)
	s.handle(get, "/cgi-bin/service/auth/getuserinfo3rd", TokenSuite, s.oauthUserInfo3rd)
	s.handle(post, "/cgi-bin/service/auth/getuserdetail3rd", TokenSuite, s.oauthUserDetail3rd)
}

// noErrcode answers like the ISV token endpoints: the payload without errcode/errmsg on success.
func noErrcode(v J) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Raw{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/json; charset=UTF-8"}}, Body: b}, nil
}

// agent finds an agent of corp, creating the record of a registered app on first use.
func (s *Server) agent(corp string, id int) *agentRec {
	if a := s.apps.agents[corp][id]; a != nil {
		return a
	}
	for _, app := range s.corps[corp] {
		if app.AgentID == id && id != 0 {
			return s.putAgent(corp, &agentRec{AgentID: id, Name: app.Name})
		}
	}
	return nil
}

func (s *Server) putAgent(corp string, a *agentRec) *agentRec {
	if s.apps.agents[corp] == nil {
		s.apps.agents[corp] = make(map[int]*agentRec)
	}
	if a.Name == "" {
		a.Name = "App " + strconv.Itoa(a.AgentID)
	}
	a.AllowUserInfos = J{"user": []J{}}
	a.AllowPartys = J{"partyid": []int{1}}
	a.AllowTags = J{"tagid": []int{}}
	a.userData = make(map[string]J)
	s.apps.agents[corp][a.AgentID] = a
	return a
}

// tokenAgent resolves the agentid a request names against the token's own app: 40056 for an
// unknown agent, 301002 for another app's.
func (s *Server) tokenAgent(c *Call, id int) (*agentRec, error) {
	a := s.agent(c.Token.CorpID, id)
	switch {
	case id == 0 || a == nil:
		return nil, errc(40056, "invalid agentid")
	case c.Token.AgentID != id:
		return nil, errc(301002, "not allow operate another agent with this accesstoken")
	}
	return a, nil
}

func queryAgent(c *Call) int {
	id, _ := strconv.Atoi(c.Query("agentid"))
	return id
}

func (s *Server) agentGet(c *Call) (any, error) {
	return s.tokenAgent(c, queryAgent(c))
}

func (s *Server) agentList(c *Call) (any, error) {
	list := []J{}
	if a := s.agent(c.Token.CorpID, c.Token.AgentID); a != nil {
		list = append(list, J{"agentid": a.AgentID, "name": a.Name, "square_logo_url": a.SquareLogoURL})
	}
	return J{"agentlist": list}, nil
}

func (s *Server) agentSet(c *Call) (any, error) {
	var in struct {
		AgentID        int     `json:"agentid"`
		Name           *string `json:"name"`
		Description    *string `json:"description"`
		RedirectDomain *string `json:"redirect_domain"`
		HomeURL        *string `json:"home_url"`
		ReportLocation *int    `json:"report_location_flag"`
		IsReportEnter  *int    `json:"isreportenter"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, in.AgentID)
	if err != nil {
		return nil, err
	}
	switch {
	case a.thirdParty:
		return nil, errc(48002, "api forbidden for third-party apps")
	case in.Name != nil && (*in.Name == "" || utf8.RuneCountInString(*in.Name) > 32):
		return nil, errc(45022, "agent name is invalid")
	case in.Description != nil && (utf8.RuneCountInString(*in.Description) < 4 || utf8.RuneCountInString(*in.Description) > 120):
		return nil, errc(45004, "invalid description size")
	case in.HomeURL != nil && !strings.HasPrefix(*in.HomeURL, "http://") && !strings.HasPrefix(*in.HomeURL, "https://"):
		return nil, errc(40094, "invalid url")
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.Name, in.Name)
	set(&a.Description, in.Description)
	set(&a.RedirectDomain, in.RedirectDomain)
	set(&a.HomeURL, in.HomeURL)
	if in.ReportLocation != nil {
		a.ReportLocation = *in.ReportLocation
	}
	if in.IsReportEnter != nil {
		a.IsReportEnter = *in.IsReportEnter
	}
	return J{}, nil
}

type simButton struct {
	Type      string      `json:"type"`
	Name      string      `json:"name"`
	Key       string      `json:"key"`
	URL       string      `json:"url"`
	SubButton []simButton `json:"sub_button"`
}

var menuTypes = []string{"click", "view", "scancode_push", "scancode_waitmsg", "pic_sysphoto",
	"pic_photo_or_album", "pic_weixin", "location_select", "view_miniprogram"}

// checkButton applies the menu/create limits (errcodes from doc 90231).
func checkButton(b simButton, sub bool) error {
	nameMax, typeErr, nameErr, keyErr, urlErr := 16, 40017, 40018, 40019, 40020
	if sub {
		nameMax, typeErr, nameErr, keyErr, urlErr = 40, 40024, 40025, 40026, 40027
	}
	switch {
	case b.Name == "":
		return errc(41102, "menu name missing")
	case len(b.Name) > nameMax:
		return errc(nameErr, "invalid button name size")
	case len(b.Key) > 128:
		return errc(keyErr, "invalid button key size")
	case len(b.URL) > 1024:
		return errc(urlErr, "invalid button url size")
	case len(b.SubButton) > 0 && sub:
		return errc(40022, "invalid sub button level")
	case len(b.SubButton) == 0 && !slices.Contains(menuTypes, b.Type):
		return errc(typeErr, "invalid button type")
	case len(b.SubButton) > 5:
		return errc(40023, "invalid sub button size")
	}
	for _, sb := range b.SubButton {
		if err := checkButton(sb, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) menuCreate(c *Call) (any, error) {
	var in struct {
		Button []simButton `json:"button"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, queryAgent(c))
	if err != nil {
		return nil, err
	}
	if a.thirdParty {
		return nil, errc(48002, "api forbidden for third-party apps")
	}
	if len(in.Button) < 1 || len(in.Button) > 3 {
		return nil, errc(40016, "invalid button size")
	}
	for _, b := range in.Button {
		if err := checkButton(b, false); err != nil {
			return nil, err
		}
	}
	var raw struct {
		Button json.RawMessage `json:"button"`
	}
	_ = json.Unmarshal(c.Body, &raw)
	a.menu = raw.Button
	return J{}, nil
}

func (s *Server) menuGet(c *Call) (any, error) {
	a, err := s.tokenAgent(c, queryAgent(c))
	if err != nil {
		return nil, err
	}
	if a.menu == nil {
		return nil, errc(46003, "menu no exist")
	}
	return J{"button": a.menu}, nil
}

func (s *Server) menuDelete(c *Call) (any, error) {
	a, err := s.tokenAgent(c, queryAgent(c))
	if err != nil {
		return nil, err
	}
	a.menu = nil
	return J{}, nil
}

var workbenchTypes = []string{"keydata", "image", "list", "webview", "normal"}

// checkWorkbench validates a workbench payload: a known type and the item limits (40058).
func checkWorkbench(v J) error {
	typ, _ := v["type"].(string)
	if !slices.Contains(workbenchTypes, typ) {
		return errc(40058, "invalid workbench type")
	}
	items := func(obj string) int {
		o, _ := v[obj].(map[string]any)
		l, _ := o["items"].([]any)
		return len(l)
	}
	if items("keydata") > 4 || items("list") > 3 {
		return errc(40058, "too many items")
	}
	return nil
}

// workbenchContent keeps the type and its data object only.
func workbenchContent(v J) J {
	typ, _ := v["type"].(string)
	out := J{"type": typ}
	if d, ok := v[typ]; ok {
		out[typ] = d
	}
	return out
}

func decodeJ(c *Call) (J, int, error) {
	var v J
	if err := c.Decode(&v); err != nil {
		return nil, 0, err
	}
	id, _ := v["agentid"].(float64)
	return v, int(id), nil
}

func (s *Server) workbenchSetTemplate(c *Call) (any, error) {
	v, id, err := decodeJ(c)
	if err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, id)
	if err != nil {
		return nil, err
	}
	if err := checkWorkbench(v); err != nil {
		return nil, err
	}
	a.template = workbenchContent(v)
	if r, _ := v["replace_user_data"].(bool); r {
		a.template["replace_user_data"] = true
		clear(a.userData)
	}
	return J{}, nil
}

func (s *Server) workbenchGetTemplate(c *Call) (any, error) {
	_, id, err := decodeJ(c)
	if err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, id)
	if err != nil {
		return nil, err
	}
	if a.template == nil {
		return J{"type": "normal"}, nil
	}
	return a.template, nil
}

func (s *Server) workbenchSetData(c *Call) (any, error) {
	v, id, err := decodeJ(c)
	if err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, id)
	if err != nil {
		return nil, err
	}
	user, _ := v["userid"].(string)
	if user == "" {
		return nil, errc(41009, "missing userid")
	}
	if err := checkWorkbench(v); err != nil {
		return nil, err
	}
	a.userData[user] = workbenchContent(v)
	return J{}, nil
}

func (s *Server) workbenchBatchSetData(c *Call) (any, error) {
	var in struct {
		AgentID int      `json:"agentid"`
		Users   []string `json:"userid_list"`
		Data    J        `json:"data"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, in.AgentID)
	if err != nil {
		return nil, err
	}
	if len(in.Users) == 0 || len(in.Users) > 1000 {
		return nil, errc(40058, "userid_list must hold 1 to 1000 userids")
	}
	if err := checkWorkbench(in.Data); err != nil {
		return nil, err
	}
	for _, u := range in.Users {
		a.userData[u] = workbenchContent(in.Data)
	}
	return J{}, nil
}

func (s *Server) workbenchGetData(c *Call) (any, error) {
	v, id, err := decodeJ(c)
	if err != nil {
		return nil, err
	}
	a, err := s.tokenAgent(c, id)
	if err != nil {
		return nil, err
	}
	user, _ := v["userid"].(string)
	if d, ok := a.userData[user]; ok {
		return J{"data": d}, nil
	}
	if a.template != nil {
		return J{"data": workbenchContent(a.template)}, nil
	}
	return J{"data": J{"type": "normal"}}, nil
}

func (s *Server) agentAdminList(c *Call) (any, error) {
	a := s.agent(c.Token.CorpID, c.Token.AgentID)
	if a == nil {
		return nil, errc(301002, "no app for this access token")
	}
	admins := []J{}
	for _, ad := range a.admins {
		admins = append(admins, J{"userid": ad["userid"], "auth_type": ad["auth_type"]})
	}
	return J{"admin": admins}, nil
}

// AddDownstreamCorp shares an upstream app with a downstream corp: the upstream lists it in
// corpgroup/corp/list_app_share_info and obtains its token with corpgroup/corp/gettoken. The
// token acts only for the downstream corp (agent/get answers the downstream agent).
func (s *Server) AddDownstreamCorp(d DownstreamCorp) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.UpstreamCorpID == "" {
		d.UpstreamCorpID = CorpID
	}
	if d.UpstreamAgentID == 0 {
		d.UpstreamAgentID = AgentID
	}
	if d.CorpName == "" {
		d.CorpName = d.CorpID
	}
	up := s.apps.shares[d.UpstreamCorpID]
	if up == nil {
		up = make(map[int][]*DownstreamCorp)
		s.apps.shares[d.UpstreamCorpID] = up
	}
	up[d.UpstreamAgentID] = append(up[d.UpstreamAgentID], &d)
	name := "Shared app"
	if a := s.agent(d.UpstreamCorpID, d.UpstreamAgentID); a != nil {
		name = a.Name
	}
	if s.apps.agents[d.CorpID][d.AgentID] == nil {
		s.putAgent(d.CorpID, &agentRec{AgentID: d.AgentID, Name: name})
	}
}

// RemoveDownstreamCorp ends the share of an upstream app with corpID; the downstream tokens
// already issued stop working (40014).
func (s *Server) RemoveDownstreamCorp(upstreamCorpID string, upstreamAgentID int, corpID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	up := s.apps.shares[upstreamCorpID]
	up[upstreamAgentID] = slices.DeleteFunc(up[upstreamAgentID], func(d *DownstreamCorp) bool { return d.CorpID == corpID })
	s.dropTokens(func(t *Token) bool {
		return t.CorpID == corpID && t.Secret == downstreamSecret(upstreamCorpID, upstreamAgentID)
	})
}

// dropTokens forgets the tokens drop selects, with s.mu held.
func (s *Server) dropTokens(drop func(t *Token) bool) {
	for v, t := range s.tokens {
		if drop(t) {
			delete(s.tokens, v)
		}
	}
	for k, t := range s.bySecret {
		if drop(t) {
			delete(s.bySecret, k)
		}
	}
}

// downstreamSecret is the simulator's internal "secret" of downstream tokens: one per shared app.
func downstreamSecret(upCorp string, upAgent int) string {
	return fmt.Sprintf("corpgroup|%s|%d", upCorp, upAgent)
}

func (s *Server) listAppShareInfo(c *Call) (any, error) {
	var in struct {
		AgentID      int    `json:"agentid"`
		BusinessType int    `json:"business_type"`
		CorpID       string `json:"corpid"`
		Limit        int    `json:"limit"`
		Cursor       string `json:"cursor"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if _, err := s.tokenAgent(c, in.AgentID); err != nil {
		return nil, err
	}
	if in.Limit < 0 || in.Limit > 100 {
		return nil, errc(40058, "limit must be at most 100")
	}
	shares, ok := s.apps.shares[c.Token.CorpID][in.AgentID]
	if !ok {
		return nil, errc(670001, "app is not in the share scope")
	}
	var list []J
	for _, d := range shares {
		if d.BusinessType == in.BusinessType && (in.CorpID == "" || in.CorpID == d.CorpID) {
			list = append(list, J{"corpid": d.CorpID, "corp_name": d.CorpName, "agentid": d.AgentID})
		}
	}
	start := 0
	if in.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.Cursor, "cur-"))
		if err != nil || n < 0 || n > len(list) {
			return nil, errc(50100, "invalid cursor")
		}
		start = n
	}
	end := len(list)
	if in.Limit > 0 {
		end = min(start+in.Limit, len(list))
	}
	out := J{"ending": 1, "next_cursor": "", "corp_list": append([]J{}, list[start:end]...)}
	if end < len(list) {
		out["ending"], out["next_cursor"] = 0, fmt.Sprintf("cur-%d", end)
	}
	return out, nil
}

func (s *Server) corpgroupGetToken(c *Call) (any, error) {
	var in struct {
		CorpID       string `json:"corpid"`
		AgentID      int    `json:"agentid"`
		BusinessType int    `json:"business_type"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if in.CorpID == "" || in.AgentID == 0 {
		return nil, errc(40063, "corpid and agentid are required")
	}
	up := c.Token
	for _, d := range s.apps.shares[up.CorpID][up.AgentID] {
		if d.CorpID != in.CorpID || d.BusinessType != in.BusinessType {
			continue
		}
		if d.AgentID != in.AgentID {
			return nil, errc(40056, "invalid agentid")
		}
		t := s.issueToken(TokenCorp, d.CorpID, downstreamSecret(up.CorpID, up.AgentID), d.AgentID)
		return s.tokenAnswer("access_token", t), nil
	}
	return nil, errc(670001, "app is not shared with this corp")
}

// AddProvider registers a service provider (服务商): its corp ID and provider secret, for
// service/get_provider_token.
func (s *Server) AddProvider(corpID, providerSecret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps.providers[corpID] = providerSecret
}

func (s *Server) getProviderToken(c *Call) (any, error) {
	var in struct {
		CorpID string `json:"corpid"`
		Secret string `json:"provider_secret"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	switch secret, ok := s.apps.providers[in.CorpID]; {
	case in.CorpID == "":
		return nil, errc(41002, "corpid missing")
	case in.Secret == "":
		return nil, errc(41004, "provider_secret missing")
	case !ok:
		return nil, errc(40013, "invalid corpid")
	case secret != in.Secret:
		return nil, errc(40001, "invalid credential")
	}
	return noErrcode(s.tokenAnswer("provider_access_token", s.issueToken(TokenProvider, in.CorpID, in.Secret, 0)))
}

func (s *Server) corpIDToOpenCorpID(c *Call) (any, error) {
	var in struct {
		CorpID string `json:"corpid"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if in.CorpID == "" {
		return nil, errc(40013, "invalid corpid")
	}
	return J{"open_corpid": "wpopen" + strings.TrimPrefix(in.CorpID, "ww")}, nil
}

// AddSuite registers a third-party suite (or 代开发 template) and its secret.
func (s *Server) AddSuite(su Suite) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps.suites[su.ID] = &suiteRec{id: su.ID, secret: su.Secret, tickets: make(map[string]time.Time)}
}

// IssueSuiteTicket mints a new suite_ticket for suiteID, valid 30 minutes, as WeCom pushes one
// to the instruction callback URL every 10 minutes. Tests hand it to the SDK as the callback
// handler would (client.StoreSuiteTicket). It returns "" for an unknown suite.
func (s *Server) IssueSuiteTicket(suiteID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	su := s.apps.suites[suiteID]
	if su == nil {
		return ""
	}
	su.seq++
	t := fmt.Sprintf("sim-ticket-%s-%d-%x", suiteID, su.seq, time.Now().UnixNano()&0xffffff)
	su.tickets[t] = time.Now().Add(suiteTicketTTL)
	return t
}

// ExpireSuiteTickets makes every ticket of suiteID invalid (get_suite_token answers 40085).
func (s *Server) ExpireSuiteTickets(suiteID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if su := s.apps.suites[suiteID]; su != nil {
		clear(su.tickets)
	}
}

func (s *Server) getSuiteToken(c *Call) (any, error) {
	var in struct {
		SuiteID string `json:"suite_id"`
		Secret  string `json:"suite_secret"`
		Ticket  string `json:"suite_ticket"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	su := s.apps.suites[in.SuiteID]
	switch {
	case in.SuiteID == "":
		return nil, errc(41021, "suite_id missing")
	case in.Secret == "":
		return nil, errc(41024, "suite_secret missing")
	case in.Ticket == "":
		return nil, errc(41023, "suite_ticket missing")
	case su == nil:
		return nil, errc(40083, "invalid suite_id")
	case su.secret != in.Secret:
		return nil, errc(40080, "invalid suite_secret")
	}
	if exp, ok := su.tickets[in.Ticket]; !ok || !time.Now().Before(exp) {
		return nil, errc(40085, "invalid suite_ticket")
	}
	return noErrcode(s.tokenAnswer("suite_access_token", s.issueToken(TokenSuite, su.id, su.secret, 0)))
}

func (s *Server) getPreAuthCode(c *Call) (any, error) {
	s.seq++
	code := fmt.Sprintf("sim-pac-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
	s.apps.preAuth[code] = &preAuthRec{suite: c.Token.CorpID, expiry: time.Now().Add(preAuthTTL)}
	return J{"pre_auth_code": code, "expires_in": int(preAuthTTL / time.Second)}, nil
}

// preAuthCode checks a pre_auth_code of suite: 40077 unknown, 42007 expired.
func (s *Server) preAuthCode(suite, code string) (*preAuthRec, error) {
	p := s.apps.preAuth[code]
	switch {
	case p == nil || p.suite != suite:
		return nil, errc(40077, "invalid pre_auth_code")
	case !time.Now().Before(p.expiry):
		return nil, errc(42007, "pre_auth_code expired")
	}
	return p, nil
}

func (s *Server) setSessionInfo(c *Call) (any, error) {
	var in struct {
		PreAuthCode string `json:"pre_auth_code"`
		SessionInfo *struct {
			AuthType int `json:"auth_type"`
		} `json:"session_info"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	if _, err := s.preAuthCode(c.Token.CorpID, in.PreAuthCode); err != nil {
		return nil, err
	}
	if in.SessionInfo == nil || in.SessionInfo.AuthType < 0 || in.SessionInfo.AuthType > 1 {
		return nil, errc(40058, "invalid session_info")
	}
	return J{}, nil
}

// AuthorizeCorp simulates an admin of a.CorpID confirming the install of a.SuiteID's app and
// returns the auth_code that WeCom sends to the install redirect (or in the create_auth
// callback): valid 10 minutes, once, for service/get_permanent_code.
func (s *Server) AuthorizeCorp(a Authorization) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps.suites[a.SuiteID] == nil {
		return "", fmt.Errorf("wecomtest: unknown suite %q", a.SuiteID)
	}
	if a.CorpID == "" {
		return "", fmt.Errorf("wecomtest: authorisation needs a CorpID")
	}
	if a.PreAuthCode != "" {
		if _, err := s.preAuthCode(a.SuiteID, a.PreAuthCode); err != nil {
			return "", fmt.Errorf("wecomtest: %w", err)
		}
	}
	if a.AgentID == 0 {
		a.AgentID = 1000100
	}
	if a.AdminUserID == "" {
		a.AdminUserID = "admin01"
	}
	if a.CorpName == "" {
		a.CorpName = a.CorpID
	}
	s.seq++
	code := fmt.Sprintf("sim-authcode-%d-%x", s.seq, time.Now().UnixNano()&0xffffff)
	s.apps.authCodes[code] = &authCodeRec{suite: a.SuiteID, auth: a, expiry: time.Now().Add(authCodeTTL)}
	return code, nil
}

// RevokeAuthorization simulates the corp uninstalling the suite's app (cancel_auth):
// get_corp_token and get_auth_info answer 48004 and the corp tokens issued for it stop working.
func (s *Server) RevokeAuthorization(suiteID, corpID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.apps.auths[suiteID+"|"+corpID]; a != nil {
		a.revoked = true
	}
	s.dropTokens(func(t *Token) bool { return t.CorpID == corpID && t.Secret == authSecret(suiteID) })
}

// authSecret is the simulator's internal "secret" of corp tokens issued through a suite.
func authSecret(suiteID string) string { return "suite|" + suiteID }

func authCorpInfo(a *authRec, full bool) J {
	info := J{"corpid": a.CorpID, "corp_name": a.CorpName}
	if full {
		info["corp_type"] = "verified"
		info["subject_type"] = 1
		info["corp_user_max"] = 200
	}
	return info
}

func (s *Server) authAgentInfo(a *authRec) J {
	ag := s.apps.agents[a.CorpID][a.AgentID]
	return J{"agent": []J{{
		"agentid": a.AgentID, "name": ag.Name, "auth_mode": 0, "is_customized_app": false,
		"privilege": J{"level": 1, "allow_party": []int{1}, "allow_user": []string{}, "allow_tag": []int{}},
	}}}
}

func (s *Server) getPermanentCode(c *Call, v2 bool) (any, error) {
	var in struct {
		AuthCode string `json:"auth_code"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	ac := s.apps.authCodes[in.AuthCode]
	if ac == nil || ac.used || ac.suite != c.Token.CorpID || !time.Now().Before(ac.expiry) {
		return nil, errc(40078, "invalid auth_code")
	}
	ac.used = true
	su := s.apps.suites[ac.suite]
	su.seq++
	a := &authRec{Authorization: ac.auth, permanentCode: fmt.Sprintf("sim-perm-%s-%d-%x", ac.auth.CorpID, su.seq, time.Now().UnixNano()&0xffffff)}
	s.apps.auths[ac.suite+"|"+a.CorpID] = a
	s.dropTokens(func(t *Token) bool { return t.CorpID == a.CorpID && t.Secret == authSecret(ac.suite) })
	ag := s.putAgent(a.CorpID, &agentRec{AgentID: a.AgentID, Name: "Suite app " + ac.suite, thirdParty: true})
	ag.admins = []J{{"userid": a.AdminUserID, "open_userid": "wo" + a.AdminUserID, "auth_type": 1}}
	user := J{"userid": a.AdminUserID, "open_userid": "wo" + a.AdminUserID, "name": a.AdminUserID}
	out := J{"permanent_code": a.permanentCode, "auth_corp_info": authCorpInfo(a, !v2), "auth_user_info": user, "state": a.State}
	if v2 {
		return out, nil
	}
	t := s.issueToken(TokenCorp, a.CorpID, authSecret(ac.suite), a.AgentID)
	out["access_token"], out["expires_in"] = t.Value, int(time.Until(t.Expiry)/time.Second)
	out["auth_info"] = s.authAgentInfo(a)
	return noErrcode(out)
}

// authorised finds a live authorisation of the token's suite: 40084 for a wrong permanent
// code, 48004 once the corp cancelled it.
func (s *Server) authorised(c *Call, corpID, permanentCode string) (*authRec, error) {
	a := s.apps.auths[c.Token.CorpID+"|"+corpID]
	switch {
	case corpID == "":
		return nil, errc(84054, "auth_corpid missing")
	case permanentCode == "":
		return nil, errc(41025, "permanent_code missing")
	case a == nil || a.permanentCode != permanentCode:
		return nil, errc(40084, "invalid permanent_code")
	case a.revoked:
		return nil, errc(48004, "auth relation is invalid")
	}
	return a, nil
}

type authCorpIn struct {
	CorpID        string `json:"auth_corpid"`
	PermanentCode string `json:"permanent_code"`
}

func (s *Server) getAuthInfo(c *Call) (any, error) {
	var in authCorpIn
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.authorised(c, in.CorpID, in.PermanentCode)
	if err != nil {
		return nil, err
	}
	return J{"auth_corp_info": authCorpInfo(a, true), "auth_info": s.authAgentInfo(a)}, nil
}

func (s *Server) getCorpToken(c *Call) (any, error) {
	var in authCorpIn
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a, err := s.authorised(c, in.CorpID, in.PermanentCode)
	if err != nil {
		return nil, err
	}
	return noErrcode(s.tokenAnswer("access_token", s.issueToken(TokenCorp, a.CorpID, authSecret(c.Token.CorpID), a.AgentID)))
}

func (s *Server) suiteAdminList(c *Call) (any, error) {
	var in struct {
		CorpID  string `json:"auth_corpid"`
		AgentID int    `json:"agentid"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	a := s.apps.auths[c.Token.CorpID+"|"+in.CorpID]
	switch {
	case a == nil:
		return nil, errc(40013, "invalid corpid")
	case a.revoked:
		return nil, errc(48004, "auth relation is invalid")
	case a.AgentID != in.AgentID:
		return nil, errc(40056, "invalid agentid")
	}
	return J{"admin": s.apps.agents[a.CorpID][a.AgentID].admins}, nil
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
		return nil, errc(41008, "missing code")
	case o == nil || o.used:
		return nil, errc(40029, "invalid code")
	case suite && o.SuiteID != c.Token.CorpID, !suite && (o.SuiteID != "" || o.CorpID != c.Token.CorpID):
		return nil, errc(40029, "invalid code")
	case !time.Now().Before(o.expiry):
		return nil, errc(42003, "code expired")
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

func (s *Server) getLoginInfo(c *Call) (any, error) {
	r := c.R.Clone(c.R.Context())
	q := r.URL.Query()
	q.Set(string(TokenProvider), q.Get("access_token"))
	r.URL.RawQuery = q.Encode()
	if _, err := s.checkToken(r, TokenProvider); err != nil {
		return nil, err
	}
	var in struct {
		AuthCode string `json:"auth_code"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	o := s.apps.oauth[in.AuthCode]
	switch {
	case in.AuthCode == "":
		return nil, errc(41008, "missing auth_code")
	case o == nil || o.used || o.UserType == 0:
		return nil, errc(40029, "invalid code")
	case !time.Now().Before(o.expiry):
		return nil, errc(42003, "code expired")
	}
	o.used = true
	out := J{
		"usertype":  o.UserType,
		"user_info": J{"userid": o.UserID, "open_userid": o.OpenUserID, "name": o.Name, "avatar": o.Avatar},
		"corp_info": J{"corpid": o.CorpID},
	}
	if o.UserType < 5 {
		var agents []J
		for id := range s.apps.agents[o.CorpID] {
			agents = append(agents, J{"agentid": id, "auth_type": 1})
		}
		out["agent"] = agents
		out["auth_info"] = J{"department": []J{{"id": 1, "writable": true}}}
	}
	return out, nil
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
	var in struct {
		Ticket string `json:"user_ticket"`
	}
	if err := c.Decode(&in); err != nil {
		return nil, err
	}
	o := s.apps.tickets[in.Ticket]
	switch {
	case in.Ticket == "":
		return nil, errc(84090, "missing user_ticket")
	case o == nil, suite && o.SuiteID != c.Token.CorpID, !suite && o.CorpID != c.Token.CorpID:
		return nil, errc(84015, "invalid user_ticket")
	case !time.Now().Before(o.ticketExpiry):
		return nil, errc(84014, "user_ticket expired")
	}
	return o, nil
}

func (s *Server) oauthUserDetail(c *Call) (any, error) {
	o, err := s.userTicket(c, false)
	if err != nil {
		return nil, err
	}
	return J{"userid": o.UserID, "gender": o.Gender, "avatar": o.Avatar, "mobile": o.Mobile, "email": o.Email}, nil
}

func (s *Server) oauthUserDetail3rd(c *Call) (any, error) {
	o, err := s.userTicket(c, true)
	if err != nil {
		return nil, err
	}
	return J{"corpid": o.CorpID, "userid": o.UserID, "name": o.UserID, "gender": o.Gender, "avatar": o.Avatar}, nil
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
