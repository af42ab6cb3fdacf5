package broadcast_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/store"
)

// The core module does not depend on Redis (redisstore is its own module), so these tests talk
// to a redis-server of their own through respStore, a minimal RESP client with the commands
// redisstore uses for the same operations (GET, SET PX [NX], DEL, and one Lua script for the
// compare-and-delete).

// redisBinary finds redis-server as the redisstore tests do: outside CI a test without it skips
// with a message; with CI=true it fails, because CI must install it.
func redisBinary(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err == nil {
		return bin
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("redis-server not found (CI=true): install it with apt-get install -y redis-server: %v", err)
	}
	t.Skipf("redis-server not installed; install it (apt-get install -y redis-server) to run this Redis test: %v", err)
	return ""
}

// startRedis starts a redis-server on a free loopback port, without persistence, killed when
// the test ends, and returns its address.
func startRedis(t testing.TB) string {
	t.Helper()
	bin := redisBinary(t)
	dir := t.TempDir()
	var last error
	for range 3 { // a free port can be taken between the probe and redis' bind
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		_, port, _ := net.SplitHostPort(addr)
		cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir, "--daemonize", "no", "--logfile", "")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			select {
			case <-exited:
				last = errors.New("redis-server exited")
			default:
			}
			if last != nil {
				break
			}
			if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
				c.Close()
				return addr
			}
			time.Sleep(10 * time.Millisecond)
		}
		if last == nil {
			last = fmt.Errorf("redis-server did not listen on %s", addr)
		}
	}
	t.Fatalf("start redis-server: %v", last)
	return ""
}

// respStore is a store.Store on Redis through a small pool of RESP connections.
type respStore struct {
	addr string
	pool chan *respConn
}

type respConn struct {
	c net.Conn
	r *bufio.Reader
}

func newRespStore(addr string) *respStore {
	return &respStore{addr: addr, pool: make(chan *respConn, 16)}
}

func (s *respStore) Close() {
	for {
		select {
		case c := <-s.pool:
			c.c.Close()
		default:
			return
		}
	}
}

var errNil = errors.New("nil reply")

// do sends one command and returns its reply: a string for simple and bulk strings, an int64
// for integers, errNil for a nil bulk string.
func (s *respStore) do(ctx context.Context, args ...string) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var c *respConn
	select {
	case c = <-s.pool:
	default:
		nc, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return nil, err
		}
		c = &respConn{c: nc, r: bufio.NewReader(nc)}
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.c.SetDeadline(dl)
	} else {
		_ = c.c.SetDeadline(time.Now().Add(5 * time.Second))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	v, err := func() (any, error) {
		if _, err := io.WriteString(c.c, b.String()); err != nil {
			return nil, err
		}
		line, err := c.r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimSuffix(line, "\r\n")
		switch line[0] {
		case '+':
			return line[1:], nil
		case '-':
			return nil, &redisError{line[1:]}
		case ':':
			return strconv.ParseInt(line[1:], 10, 64)
		case '$':
			n, err := strconv.Atoi(line[1:])
			if err != nil || n < 0 {
				return nil, errNil
			}
			buf := make([]byte, n+2)
			if _, err := io.ReadFull(c.r, buf); err != nil {
				return nil, err
			}
			return string(buf[:n]), nil
		}
		return nil, fmt.Errorf("unexpected reply %q", line)
	}()
	var re *redisError
	if err != nil && err != errNil && !errors.As(err, &re) {
		c.c.Close() // the connection's state is unknown
		return nil, err
	}
	select {
	case s.pool <- c:
	default:
		c.c.Close()
	}
	return v, err
}

type redisError struct{ msg string }

func (e *redisError) Error() string { return "redis: " + e.msg }

func (s *respStore) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := s.do(ctx, "GET", key)
	if err == errNil {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return []byte(v.(string)), nil
}

func ttlArgs(ttl time.Duration) []string {
	if ttl <= 0 {
		return nil
	}
	return []string{"PX", strconv.FormatInt(max(ttl.Milliseconds(), 1), 10)}
}

func (s *respStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	_, err := s.do(ctx, append([]string{"SET", key, string(val)}, ttlArgs(ttl)...)...)
	return err
}

func (s *respStore) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	_, err := s.do(ctx, append(append([]string{"SET", key, string(val)}, ttlArgs(ttl)...), "NX")...)
	if err == errNil {
		return false, nil
	}
	return err == nil, err
}

func (s *respStore) Delete(ctx context.Context, key string) error {
	_, err := s.do(ctx, "DEL", key)
	return err
}

const casDelete = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`

func (s *respStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	v, err := s.do(ctx, "EVAL", casDelete, "1", key, string(old))
	if err != nil {
		return false, err
	}
	return v.(int64) == 1, nil
}

var _ store.CompareAndDeleter = (*respStore)(nil)

// storeServer serves a store.Store over loopback HTTP to a child process (httpStore), for the
// kill test without Redis: GET/PUT/DELETE /key?k=…&ttl=…&nx=1&old=….
type storeServer struct{ s store.Store }

func (h storeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key := q.Get("k")
	ttl, _ := time.ParseDuration(q.Get("ttl"))
	body, _ := io.ReadAll(r.Body)
	var err error
	switch {
	case r.Method == http.MethodGet:
		var v []byte
		if v, err = h.s.Get(r.Context(), key); err == nil {
			_, _ = w.Write(v)
			return
		}
		if errors.Is(err, store.ErrNotFound) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
	case r.Method == http.MethodPut && q.Get("nx") == "1":
		var ok bool
		if ok, err = h.s.SetNX(r.Context(), key, body, ttl); err == nil {
			fmt.Fprint(w, ok)
			return
		}
	case r.Method == http.MethodPut:
		err = h.s.Set(r.Context(), key, body, ttl)
	case r.Method == http.MethodDelete && q.Has("old"):
		var ok bool
		if ok, err = store.CompareAndDelete(r.Context(), h.s, key, []byte(q.Get("old"))); err == nil {
			fmt.Fprint(w, ok)
			return
		}
	case r.Method == http.MethodDelete:
		err = h.s.Delete(r.Context(), key)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// httpStore is the child's side of storeServer.
type httpStore struct{ base string }

func (s httpStore) call(ctx context.Context, method string, q url.Values, body string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.base+"/?"+q.Encode(), strings.NewReader(body))
	if err != nil {
		return "", 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		return "", resp.StatusCode, fmt.Errorf("store server: %s", b)
	}
	return string(b), resp.StatusCode, err
}

func (s httpStore) Get(ctx context.Context, key string) ([]byte, error) {
	b, code, err := s.call(ctx, http.MethodGet, url.Values{"k": {key}}, "")
	if err == nil && code == http.StatusNotFound {
		return nil, store.ErrNotFound
	}
	return []byte(b), err
}

func (s httpStore) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	_, _, err := s.call(ctx, http.MethodPut, url.Values{"k": {key}, "ttl": {ttl.String()}}, string(val))
	return err
}

func (s httpStore) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	b, _, err := s.call(ctx, http.MethodPut, url.Values{"k": {key}, "ttl": {ttl.String()}, "nx": {"1"}}, string(val))
	return b == "true", err
}

func (s httpStore) Delete(ctx context.Context, key string) error {
	_, _, err := s.call(ctx, http.MethodDelete, url.Values{"k": {key}}, "")
	return err
}

func (s httpStore) CompareAndDelete(ctx context.Context, key string, old []byte) (bool, error) {
	b, _, err := s.call(ctx, http.MethodDelete, url.Values{"k": {key}, "old": {string(old)}}, "")
	return b == "true", err
}
