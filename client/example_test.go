package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// An internal app's client, pointed at the simulator; against the real API drop WithBaseURL.
func ExampleNew() {
	srv := wecomtest.NewServer()
	defer srv.Close()

	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
		client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	var out struct {
		IPList []string `json:"ip_list"`
	}
	if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, &out); err != nil {
		panic(err)
	}
	fmt.Println(out.IPList)
	fmt.Println(c)
	// Output:
	// [127.0.0.1 127.0.0.2]
	// wecom.Client(CorpApp(wwsimcorp00000001))
}

// Errors classify themselves: match a class with errors.Is, read the errcode with errors.As.
func ExampleAPIError() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	c, _ := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))

	srv.FailNext("/cgi-bin/user/get", 60011, 1)
	srv.HandleFunc(http.MethodGet, "/cgi-bin/user/get", wecomtest.TokenCorp, func(*wecomtest.Call) (any, error) { return wecomtest.J{}, nil })
	err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/user/get", url.Values{"userid": {"zhangsan"}}, nil, nil)

	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, apiErr.Path, errors.Is(err, client.ErrPermission))
	}
	// Output: 60011 /cgi-bin/user/get true
}
