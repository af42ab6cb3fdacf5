package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"golang.org/x/oauth2"
)

// Downstream returns a client acting as a downstream corp (下游企业) of c's app's chain.
// 获取下级/下游企业的access_token
//
// corpID is a corp of an upstream/downstream chain (上下游) that c's app is shared with, and
// agentID the shared app's agentid inside that corp (from corpgroup/corp/list_app_share_info).
// c must act for the upstream corp's app (a corp access_token). The downstream access_token
// comes from corpgroup/corp/gettoken with c's token, cached per upstream app, downstream corp
// and agent, and fetched once under concurrency; keep the returned client and reuse it. It
// shares c's transport, store and limits, so one client per factory is cheap.
//
// https://developer.work.weixin.qq.com/document/path/95816
//
//wecom:api POST /cgi-bin/corpgroup/corp/gettoken
func (c *Client) Downstream(corpID string, agentID int) (*Client, error) {
	return c.shared(corpID, agentID, 1)
}

// LinkedCorp is [Client.Downstream] for a corp of a linked-corp network (企业互联).
// 获取互联企业的access_token
//
// It asks corpgroup/corp/gettoken with business_type 0 instead of 1.
func (c *Client) LinkedCorp(corpID string, agentID int) (*Client, error) {
	return c.shared(corpID, agentID, 0)
}

func (c *Client) shared(corpID string, agentID, businessType int) (*Client, error) {
	switch {
	case c.auth.param != corpParam:
		return nil, fmt.Errorf("wecom: a downstream corp is reached through a corp app client, not %s", c.cred)
	case corpID == "":
		return nil, errors.New("wecom: downstream corp ID is empty")
	case agentID <= 0:
		return nil, errors.New("wecom: downstream agentid must be the shared app's agentid in that corp")
	}
	upstream := c
	body := Idempotent(map[string]any{"corpid": corpID, "agentid": agentID, "business_type": businessType})
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		var raw map[string]json.RawMessage
		if err := upstream.Do(ctx, http.MethodPost, "/cgi-bin/corpgroup/corp/gettoken", nil, body, &raw); err != nil {
			return nil, err
		}
		return tokenFromAnswer(raw, corpParam)
	}
	ids := strconv.Itoa(businessType) + ":" + corpID + ":" + strconv.Itoa(agentID)
	name := "Downstream(" + corpID + "/" + strconv.Itoa(agentID) + " via " + c.cred.String() + ")"
	cacheID := ""
	if c.auth.cacheID != "" {
		// The upstream part keeps two upstream apps (or corps) sharing with one factory apart.
		cacheID = "downstream:" + c.auth.cacheID + ":" + ids
	}
	return c.Derive(limitedBy(newCredential(name, corpParam, cacheID, fetch, isCorpTokenInvalid), "corp:"+corpID))
}
