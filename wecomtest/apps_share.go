package wecomtest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/internal/wire"
)

func (s *Server) shareRoutes() []route {
	return []route{
		{post, "/cgi-bin/corpgroup/corp/list_app_share_info", TokenCorp, s.listAppShareInfo},
		{post, "/cgi-bin/corpgroup/corp/gettoken", TokenCorp, s.corpgroupGetToken},
	}
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

// downstreamSecret is the simulator's internal "secret" of downstream tokens: one per shared app.
func downstreamSecret(upCorp string, upAgent int) string {
	return fmt.Sprintf("corpgroup|%s|%d", upCorp, upAgent)
}

func (s *Server) listAppShareInfo(c *Call) (any, error) {
	in, err := decode[struct {
		AgentID      wire.Int `json:"agentid"`
		BusinessType int      `json:"business_type"`
		CorpID       string   `json:"corpid"`
		Limit        int      `json:"limit"`
		Cursor       string   `json:"cursor"`
	}](c)
	if err != nil {
		return nil, err
	}
	agentID, business, limit := int(in.AgentID), in.BusinessType, in.Limit
	if _, err := s.tokenAgent(c, agentID); err != nil {
		return nil, err
	}
	if limit < 0 || limit > 100 {
		return nil, errc(client.CodeInvalidParameter, "limit must be at most 100")
	}
	shares, ok := s.apps.shares[c.Token.CorpID][agentID]
	if !ok {
		return nil, errc(client.CodeNotInShareScope, "app is not in the share scope")
	}
	start := 0
	if in.Cursor != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.Cursor, "cur-"))
		if err != nil || n < 0 {
			return nil, errc(client.CodeInvalidCursor, "invalid cursor")
		}
		start = n
	}
	// One pass over the shares that stops after the page: a network of thousands read 100 at a
	// time costs each page its position, not the whole list.
	page := []J{}
	matched, more := 0, false
	for _, d := range shares {
		if d.BusinessType != business || (in.CorpID != "" && in.CorpID != d.CorpID) {
			continue
		}
		if limit > 0 && matched >= start+limit {
			more = true
			break
		}
		if matched >= start {
			page = append(page, J{"corpid": d.CorpID, "corp_name": d.CorpName, "agentid": d.AgentID})
		}
		matched++
	}
	if start > matched {
		return nil, errc(client.CodeInvalidCursor, "invalid cursor")
	}
	out := J{"ending": 1, "next_cursor": "", "corp_list": page}
	if more {
		out["ending"], out["next_cursor"] = 0, fmt.Sprintf("cur-%d", start+limit)
	}
	return out, nil
}

func (s *Server) corpgroupGetToken(c *Call) (any, error) {
	in, err := decode[struct {
		CorpID       string   `json:"corpid"`
		AgentID      wire.Int `json:"agentid"`
		BusinessType int      `json:"business_type"`
	}](c)
	if err != nil {
		return nil, err
	}
	if in.CorpID == "" || in.AgentID == 0 {
		return nil, errc(client.CodeEmptyParameter, "corpid and agentid are required")
	}
	up := c.Token
	for _, d := range s.apps.shares[up.CorpID][up.AgentID] {
		if d.CorpID != in.CorpID || d.BusinessType != in.BusinessType {
			continue
		}
		if d.AgentID != int(in.AgentID) {
			return nil, errc(client.CodeInvalidAgentID, "invalid agentid")
		}
		t := s.issueToken(TokenCorp, d.CorpID, downstreamSecret(up.CorpID, up.AgentID), d.AgentID)
		return s.tokenAnswer("access_token", t), nil
	}
	return nil, errc(client.CodeNotInShareScope, "app is not shared with this corp")
}
