package wecomtest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/wecom-connector/wecom/client"
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

func newAppsState() appsState {
	return appsState{
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
		return nil, errc(client.CodeInvalidAgentID, "invalid agentid")
	case c.Token.AgentID != id:
		return nil, errc(client.CodeAppNoPrivilege, "not allow operate another agent with this accesstoken")
	}
	return a, nil
}

func queryAgent(c *Call) int {
	id, _ := strconv.Atoi(c.Query("agentid"))
	return id
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
