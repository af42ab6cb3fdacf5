package wecomtest

import (
	"net"
	"net/http"
	"net/http/httptest"
)

// Listen is [NewServer] serving on l instead of a fresh loopback port, for a standalone
// simulator on a fixed address (cmd/wecomsim). wrap, if not nil, receives the server and its
// API handler and returns the handler to serve, so a caller can add routes on the same address.
// URL is l's address; Close stops serving and closes l.
func Listen(l net.Listener, wrap func(s *Server, api http.Handler) http.Handler, opts ...Option) *Server {
	s := NewServer(opts...)
	s.ts.Close() // NewServer's own loopback server; l replaces it
	var h http.Handler = http.HandlerFunc(s.serveHTTP)
	if wrap != nil {
		h = wrap(s, h)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Listener.Close()
	ts.Listener = l
	ts.Start()
	s.ts = ts
	return s
}
