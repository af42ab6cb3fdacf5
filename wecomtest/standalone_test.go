package wecomtest

import (
	"encoding/json"
	"net"
	"net/http"
	"testing"
)

func TestListenServesOnListenerWithWrap(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Listen(l, func(_ *Server, api http.Handler) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("/extra", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
		mux.Handle("/", api)
		return mux
	})
	defer s.Close()
	if want := "http://" + l.Addr().String(); s.URL() != want {
		t.Fatalf("URL = %q, want %q", s.URL(), want)
	}
	resp, err := http.Get(s.URL() + "/cgi-bin/gettoken?corpid=" + CorpID + "&corpsecret=" + Secret)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		Errcode     int    `json:"errcode"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.Errcode != 0 || tok.AccessToken == "" {
		t.Fatalf("gettoken: %+v, %v", tok, err)
	}
	extra, err := http.Get(s.URL() + "/extra")
	if err != nil {
		t.Fatal(err)
	}
	extra.Body.Close()
	if extra.StatusCode != http.StatusOK {
		t.Fatalf("/extra: %s", extra.Status)
	}
}
