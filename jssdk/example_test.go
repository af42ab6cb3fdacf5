package jssdk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/wecom-connector/wecom/apps"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/jssdk"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A page of an internal app asks its server for the registrations ww.register needs; the
// server signs them with the tickets its client caches. Against the real API drop WithBaseURL.
func Example() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	signer := jssdk.New(c, jssdk.WithAgentID(wecomtest.AgentID))

	// GET /jssdk/sign?url=… answers {"config": …, "agentConfig": …}.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("url") // location.href.split('#')[0] on the page
		cfg, err := signer.Config(r.Context(), page)
		if err != nil {
			http.Error(w, "cannot sign", http.StatusBadRequest)
			return
		}
		agentCfg, err := signer.AgentConfig(r.Context(), page)
		if err != nil {
			http.Error(w, "cannot sign", http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"config": cfg, "agentConfig": agentCfg})
	})

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/jssdk/sign?url="+url.QueryEscape("https://oa.example.com/approve?id=42"), nil))
	var answer struct {
		Config      jssdk.Config
		AgentConfig jssdk.AgentConfig
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		panic(err)
	}
	fmt.Println(answer.Config.AppID, answer.AgentConfig.AgentID, answer.Config.URL)

	// The WeCom client on the page accepts both signatures.
	a, ag := answer.Config, answer.AgentConfig
	fmt.Println(srv.CheckJSSignature(wecomtest.JSSignature{CorpID: a.AppID, URL: a.URL, NonceStr: a.NonceStr, Timestamp: a.Timestamp, Signature: a.Signature}),
		srv.CheckJSSignature(wecomtest.JSSignature{CorpID: ag.CorpID, AgentID: ag.AgentID, URL: ag.URL, NonceStr: ag.NonceStr, Timestamp: ag.Timestamp, Signature: ag.Signature}))
	// Output:
	// wwsimcorp00000001 1000002 https://oa.example.com/approve?id=42
	// <nil> <nil>
}

// Sign is the bare algorithm, shown with the official page's example values.
func ExampleSign() {
	fmt.Println(jssdk.Sign("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"))
	// Output: 0f9de62fce790f9a083d5c99e95740ceb90c27ed
}

// An ISV signs for a corp that authorised its app: the corp's client comes from the suite
// client's AuthCorp, the agentid from the authorisation (auth_info.agent).
func ExampleNew_authorisedCorp() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddSuite(wecomtest.Suite{ID: "wwsuite0001", Secret: "suite-secret"})
	ctx := context.Background()
	st := store.NewMemory()
	// The suite_ticket callback handler stores each ticket WeCom pushes.
	if err := client.StoreSuiteTicket(ctx, st, "wwsuite0001", srv.IssueSuiteTicket("wwsuite0001")); err != nil {
		panic(err)
	}
	suiteClient, err := client.New(client.Suite{SuiteID: "wwsuite0001", Secret: "suite-secret"}, client.WithBaseURL(srv.URL()), client.WithStore(st))
	if err != nil {
		panic(err)
	}
	suite, err := apps.NewSuite(suiteClient)
	if err != nil {
		panic(err)
	}
	// An admin of the garment maker installs the app; the install callback brings an auth_code.
	authCode, err := srv.AuthorizeCorp(wecomtest.Authorization{SuiteID: "wwsuite0001", CorpID: "wwgarment001", AgentID: 1000100})
	if err != nil {
		panic(err)
	}
	perm, err := suite.GetPermanentCode(ctx, authCode)
	if err != nil {
		panic(err)
	}
	corp, err := suiteClient.AuthCorp(perm.AuthCorpInfo.CorpID, perm.PermanentCode)
	if err != nil {
		panic(err)
	}
	signer := jssdk.New(corp, jssdk.WithAgentID(perm.AuthInfo.Agents[0].AgentID))
	cfg, err := signer.AgentConfig(ctx, "https://isv.example.com/orders?corp=wwgarment001")
	if err != nil {
		panic(err)
	}
	// A third-party app knows the corp by its encrypted corp ID (密文corpid): wx.agentConfig
	// takes that one.
	fmt.Println(cfg.CorpID, cfg.AgentID)
	// Output: wpcv5zcH0pbYxgeXYVj7iDxcFjvAEOLI 1000100
}
