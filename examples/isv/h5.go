package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/wecom-connector/wecom/jssdk"
)

// signPage signs the corp's H5 page of the app for the JS-SDK: wx.config with the corp's
// jsapi_ticket, wx.agentConfig with the app's, both cached by the corp's client. In a real
// service the page fetches them from an endpoint of the ISV's server (see package jssdk's
// example); here they are printed, and on the simulator checked as the WeCom client does.
func (f *flow) signPage(ctx context.Context, c customer) error {
	if f.set.h5URL == "" {
		fmt.Printf("h5: %s: skipped (set WECOM_H5_URL)\n", c.name)
		return nil
	}
	page, err := pageURL(f.set.h5URL, c.corpID)
	if err != nil {
		return err
	}
	corp, err := f.fleet.Corp(ctx, c.corpID)
	if err != nil {
		return err
	}
	signer := jssdk.New(corp, jssdk.WithAgentID(c.agentID))
	cfg, err := signer.Config(ctx, page)
	if err != nil {
		return fmt.Errorf("wx.config: %w", err)
	}
	agentCfg, err := signer.AgentConfig(ctx, page)
	if err != nil {
		return fmt.Errorf("wx.agentConfig: %w", err)
	}
	if f.sim == nil {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // keep the URLs' & readable
		if err := enc.Encode(map[string]any{"config": cfg, "agentConfig": agentCfg}); err != nil {
			return err
		}
		f.signed++
		fmt.Printf("h5: %s: %s signed: %s\n", c.name, cfg.URL, strings.TrimSpace(b.String()))
		return nil
	}
	if err := f.sim.checkSignatures(cfg, agentCfg); err != nil {
		return err
	}
	f.signed++
	fmt.Printf("h5: %s: %s signed for wx.config (appId %s) and wx.agentConfig (agentid %d); the WeCom client accepted both\n",
		c.name, cfg.URL, cfg.AppID, agentCfg.AgentID)
	return nil
}

// pageURL is the app's page for one corp: base with ?corpid=… added, so the shared page knows
// whose data to show.
func pageURL(base, corpID string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("page URL: %w", err)
	}
	q := u.Query()
	q.Set("corpid", corpID)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
