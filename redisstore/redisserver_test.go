package redisstore

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestMain(m *testing.M) {
	// go-redis logs each failed dial through a package-level logger; the tests of a dead Redis
	// check the errors themselves.
	redis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// redisServer is a redis-server of the test's own: a free loopback port, a temp dir, no
// persistence. It is killed when the test ends.
type redisServer struct {
	Addr string
	bin  string
	dir  string
	args []string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	log    *lockedBuffer
}

// redisBinary finds redis-server: outside CI a test without it skips with a message; with
// CI=true it fails, because CI must install it (apt-get install -y redis-server).
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

// startRedis starts a redis-server; extra are more config directives ("--requirepass", "pw").
func startRedis(t testing.TB, extra ...string) *redisServer {
	t.Helper()
	r := &redisServer{bin: redisBinary(t), dir: t.TempDir()}
	t.Cleanup(r.Kill)
	var err error
	for range 3 { // a free port can be taken between our probe and redis' bind
		r.Addr = freeAddr(t)
		_, port, _ := net.SplitHostPort(r.Addr)
		r.args = append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", r.dir, "--daemonize", "no", "--logfile", ""}, extra...)
		if err = r.start(); err == nil {
			return r
		}
	}
	t.Fatalf("start redis-server: %v", err)
	return nil
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs redis-server with r's arguments and waits until it accepts connections.
func (r *redisServer) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cmd := exec.Command(r.bin, r.args...)
	r.log = &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = r.log, r.log
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	r.cmd, r.exited = cmd, exited
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			r.cmd = nil
			return fmt.Errorf("redis-server exited: %s", r.log.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", r.Addr, 100*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exited
	r.cmd = nil
	return fmt.Errorf("redis-server did not listen on %s: %s", r.Addr, r.log.String())
}

// Kill ends redis-server with SIGKILL, as a crash would; stopped (paused) servers die too.
func (r *redisServer) Kill() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.exited // its port is closed and its files are written: later calls see a refusal
	r.cmd = nil
}

// Restart starts a killed server again on the same port (empty, without persistence).
func (r *redisServer) Restart(t testing.TB) {
	t.Helper()
	if err := r.start(); err != nil {
		t.Fatalf("restart redis-server: %v", err)
	}
}

// Client returns a go-redis client for the server, closed when the test ends; edit adjusts
// its options.
func (r *redisServer) Client(t testing.TB, edit ...func(*redis.Options)) *redis.Client {
	t.Helper()
	return newClient(t, r.Addr, edit...)
}

func newClient(t testing.TB, addr string, edit ...func(*redis.Options)) *redis.Client {
	t.Helper()
	// Fewer dial retries than go-redis' defaults keep tests of a dead Redis short.
	o := &redis.Options{Addr: addr, DialTimeout: time.Second, ContextTimeoutEnabled: true,
		MaxRetries: 1, DialerRetries: 2, DialerRetryTimeout: 20 * time.Millisecond}
	for _, e := range edit {
		e(o)
	}
	c := redis.NewClient(o)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// ctx returns a context that ends with the test or after d.
func ctxFor(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// itoa is strconv.Itoa, short for test tables.
func itoa(i int) string { return strconv.Itoa(i) }
