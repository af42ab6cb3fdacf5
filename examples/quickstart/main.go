// Command quickstart shows the SDK's client working end to end: a token is fetched once and
// cached, calls go through the single request path, and errors come back typed.
//
// With WECOM_CORP_ID and WECOM_SECRET in the environment it talks to the real WeCom API
// (WECOM_BASE_URL optionally points elsewhere, e.g. a forwarding proxy); without them it starts
// the wecomtest simulator in process, so it runs anywhere with no credentials:
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	cred := client.CorpApp{CorpID: os.Getenv("WECOM_CORP_ID"), Secret: os.Getenv("WECOM_SECRET")}
	var opts []client.Option
	if cred.CorpID == "" || cred.Secret == "" {
		srv := wecomtest.NewServer()
		defer srv.Close()
		cred = client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}
		opts = append(opts, client.WithBaseURL(srv.URL()))
		fmt.Println("No WECOM_CORP_ID/WECOM_SECRET set: using the in-process simulator at", srv.URL())
	} else if base := os.Getenv("WECOM_BASE_URL"); base != "" {
		opts = append(opts, client.WithBaseURL(base))
	}

	c, err := client.New(cred, opts...)
	if err != nil {
		return err
	}
	fmt.Println("Client ready:", c)

	var ips struct {
		IPList []string `json:"ip_list"`
	}
	if err := c.Do(ctx, http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, &ips); err != nil {
		return fmt.Errorf("callback IPs: %w", err)
	}
	fmt.Printf("WeCom sends callbacks from %d addresses: %v\n", len(ips.IPList), ips.IPList)

	if err := c.Do(ctx, http.MethodGet, "/cgi-bin/get_api_domain_ip", nil, nil, &ips); err != nil {
		return fmt.Errorf("API IPs: %w", err)
	}
	fmt.Printf("The API host resolves to %d addresses (one cached token served both calls)\n", len(ips.IPList))

	err = c.Do(ctx, http.MethodGet, "/cgi-bin/user/get", nil, nil, nil)
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr):
		fmt.Printf("Errors are typed: %s answered errcode %d\n", apiErr.Path, apiErr.Code)
	case err != nil:
		fmt.Println("A call failed before WeCom answered:", err)
	}
	fmt.Println("quickstart finished")
	return nil
}
