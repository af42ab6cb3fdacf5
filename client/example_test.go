package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/contacts"
	"github.com/wecom-connector/wecom/wecomtest"
)

// An internal app's client, pointed at the simulator (against the real API drop WithBaseURL),
// used through a typed service package.
func ExampleNew() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "zhangsan", Name: "张三"})

	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
		client.WithBaseURL(srv.URL()))
	if err != nil {
		panic(err)
	}
	defer c.Close()
	u, err := contacts.New(c).GetUser(context.Background(), "zhangsan")
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Name)
	fmt.Println(c)
	// Output:
	// 张三
	// wecom.Client(CorpApp(wwsimcorp00000001))
}

// Do is the one request path under every typed method; call it yourself for an endpoint the SDK
// does not wrap yet (here the simulator's stand-in for one). It adds the token, encodes, retries
// and decodes the errcode envelope like every typed method.
func ExampleClient_Do() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.HandleFunc(http.MethodPost, "/cgi-bin/checkin/getcheckindata", wecomtest.TokenCorp, func(*wecomtest.Call) (any, error) {
		return wecomtest.J{"checkindata": []wecomtest.J{{"userid": "zhangsan", "checkin_type": "上班打卡"}}}, nil
	})
	c, _ := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))

	in := map[string]any{"opencheckindatatype": 3, "starttime": 1700000000, "endtime": 1700086400, "useridlist": []string{"zhangsan"}}
	var out struct {
		CheckinData []struct {
			UserID      string `json:"userid"`
			CheckinType string `json:"checkin_type"`
		} `json:"checkindata"`
	}
	if err := c.Do(context.Background(), http.MethodPost, "/cgi-bin/checkin/getcheckindata", nil, in, &out); err != nil {
		panic(err)
	}
	fmt.Println(out.CheckinData[0].UserID, out.CheckinData[0].CheckinType)
	// Output: zhangsan 上班打卡
}

// Errors classify themselves: match a class with errors.Is, read the errcode with errors.As.
func ExampleAPIError() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	c, _ := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))

	srv.FailNext("/cgi-bin/user/get", client.CodeNoPrivilege, 1)
	_, err := contacts.New(c).GetUser(context.Background(), "zhangsan")

	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, apiErr.Path, errors.Is(err, client.ErrPermission))
	}
	// Output: 60011 /cgi-bin/user/get true
}
