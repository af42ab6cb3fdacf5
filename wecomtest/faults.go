package wecomtest

import (
	"net/http"
	"time"
)

// Fault is one injected failure for a path. Set one kind: an errcode answer, an HTTP status, a
// dropped connection; Delay may accompany any of them or stand alone. After defers any of them.
type Fault struct {
	Errcode int           // answer this errcode (HTTP 200) instead of running the handler
	Status  int           // answer this HTTP status (e.g. 502) with a gateway page
	Drop    bool          // close the connection without an answer
	Delay   time.Duration // wait this long first (past a client's timeout, it sees a timeout)
	// AfterHandler runs the real handler first and then applies the fault to the answer: the
	// call took effect but the client never learns it (a lost answer).
	AfterHandler bool
	// After lets that many requests for the path through untouched before the fault strikes,
	// e.g. After: 1 fails the second call of a fan-out. Faults queued behind this one wait too.
	After int
}

type fault struct {
	Fault
	after bool
	pass  int
	left  int
}

// Inject makes the next n requests for path fail with f (once f.After requests have passed).
func (s *Server) Inject(path string, f Fault, n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[path] = append(s.faults[path], &fault{Fault: f, after: f.AfterHandler, pass: f.After, left: n})
}

// FailNext makes the next n requests for path answer errcode (e.g. -1 busy, 45009, 42001).
func (s *Server) FailNext(path string, errcode, n int) { s.Inject(path, Fault{Errcode: errcode}, n) }

// FailAfter lets the next passes requests for path through and makes the n after them answer
// errcode: FailAfter(path, 1, code, 1) fails the second call of a fan-out.
func (s *Server) FailAfter(path string, passes, errcode, n int) {
	s.Inject(path, Fault{Errcode: errcode, After: passes}, n)
}

// FailNextHTTP makes the next n requests for path answer an HTTP status such as 502.
func (s *Server) FailNextHTTP(path string, status, n int) { s.Inject(path, Fault{Status: status}, n) }

// DropNext makes the next n requests for path lose their connection before any answer.
func (s *Server) DropNext(path string, n int) { s.Inject(path, Fault{Drop: true}, n) }

// DelayNext makes the next n requests for path wait d before they are handled.
func (s *Server) DelayNext(path string, d time.Duration, n int) { s.Inject(path, Fault{Delay: d}, n) }

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// takeFault pops the next fault for path, with s.mu held.
func (s *Server) takeFault(path string) *fault {
	q := s.faults[path]
	if len(q) == 0 {
		return nil
	}
	f := q[0]
	if f.pass > 0 {
		f.pass--
		return nil
	}
	f.left--
	if f.left <= 0 {
		s.faults[path] = q[1:]
	}
	return f
}

// apply carries the fault out and reports whether it answered the request.
func (f *fault) apply(w http.ResponseWriter, r *http.Request) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return true
		case <-t.C:
		}
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case f.Status != 0:
		http.Error(w, "<html><body>502 Bad Gateway</body></html>", f.Status)
		return true
	case f.Errcode != 0:
		writeAnswer(w, r, nil, errc(f.Errcode, "injected fault"))
		return true
	}
	return false
}
