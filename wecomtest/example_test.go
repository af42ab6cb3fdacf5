package wecomtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

// Test your code's behaviour when WeCom is busy or invalidates tokens: faults are injected per
// path, and counters show what the client did.
func ExampleNewServer() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	c, _ := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret}, client.WithBaseURL(srv.URL()))
	ctx := context.Background()

	srv.FailNext("/cgi-bin/getcallbackip", client.CodeBusy, 2) // busy twice, then fine
	err := c.Do(ctx, http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, nil)
	fmt.Println("after two busy answers:", err, "- attempts:", srv.Calls("/cgi-bin/getcallbackip"))

	srv.ExpireTokens() // every token now answers 42001: the client refreshes once and retries
	err = c.Do(ctx, http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, nil)
	fmt.Println("after token expiry:", err, "- gettoken calls:", srv.Calls("/cgi-bin/gettoken"))

	srv.FailNext("/cgi-bin/getcallbackip", client.CodeInsecureIP, 1) // a permanent error comes back typed
	err = c.Do(ctx, http.MethodGet, "/cgi-bin/getcallbackip", nil, nil, nil)
	var apiErr *client.APIError
	fmt.Println("untrusted IP:", errors.As(err, &apiErr) && apiErr.Code == client.CodeInsecureIP, errors.Is(err, client.ErrPermission))
	// Output:
	// after two busy answers: <nil> - attempts: 3
	// after token expiry: <nil> - gettoken calls: 2
	// untrusted IP: true true
}

// The simulator delivers signed, encrypted callbacks to your handler, as WeCom does.
func ExampleServer_DeliverCallback() {
	srv := wecomtest.NewServer()
	defer srv.Close()
	const token, aesKey = "cb-token", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

	crypto, _ := webhook.NewCrypto(token, aesKey, wecomtest.CorpID)
	h := webhook.NewHandler(crypto)
	webhook.On(h, func(_ context.Context, m *webhook.TextMessage) (webhook.Reply, error) {
		fmt.Printf("%s wrote %q\n", m.FromUserName, m.Content)
		return nil, nil
	})
	receiver := httptest.NewServer(h)
	defer receiver.Close()

	cb := wecomtest.TextCallback(wecomtest.CorpID, "zhangsan", wecomtest.AgentID, 1001, "order 88231 shipped?")
	_, err := srv.DeliverCallback(context.Background(), receiver.URL, wecomtest.CallbackConfig{Token: token, EncodingAESKey: aesKey}, cb)
	fmt.Println("acknowledged:", err == nil)
	// Output:
	// zhangsan wrote "order 88231 shipped?"
	// acknowledged: true
}
