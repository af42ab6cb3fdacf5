package client_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wecom-connector/wecom/client"
)

// BenchmarkDo compares one authenticated call through the SDK (token cache, limiter, retry
// layer, envelope check with encoding/json, logging hook) with the floor: net/http plus encoding/json by hand,
// against the same loopback server in the same run.
func BenchmarkDo(b *testing.B) {
	answer := []byte(`{"errcode":0,"errmsg":"ok","userid":"zhangsan","name":"张三","department":[1,2],"status":1}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/gettoken" {
			_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok","access_token":"TOKEN","expires_in":7200}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	type user struct {
		ErrCode    int    `json:"errcode"`
		ErrMsg     string `json:"errmsg"`
		UserID     string `json:"userid"`
		Name       string `json:"name"`
		Department []int  `json:"department"`
		Status     int    `json:"status"`
	}
	// The SDK's answer types carry no errcode: Do reads the envelope itself.
	type answerUser struct {
		UserID     string `json:"userid"`
		Name       string `json:"name"`
		Department []int  `json:"department"`
		Status     int    `json:"status"`
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

	b.Run("baseline-nethttp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/cgi-bin/user/get?access_token=TOKEN&userid=zhangsan", nil)
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var u user
			err = json.NewDecoder(resp.Body).Decode(&u)
			resp.Body.Close()
			if err != nil || u.ErrCode != 0 || u.UserID == "" {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk-Do", func(b *testing.B) {
		c, err := client.New(client.CorpApp{CorpID: "ww1", Secret: "s"}, client.WithBaseURL(srv.URL),
			client.WithHTTPClient(hc), client.WithRateLimit(1<<30, 1<<30))
		if err != nil {
			b.Fatal(err)
		}
		q := map[string][]string{"userid": {"zhangsan"}}
		b.ReportAllocs()
		for b.Loop() {
			var u answerUser
			if err := c.Do(context.Background(), http.MethodGet, "/cgi-bin/user/get", q, nil, &u); err != nil || u.UserID == "" {
				b.Fatal(err)
			}
		}
	})
}
