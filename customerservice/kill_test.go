package customerservice_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/customerservice"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// The kill test re-runs this test binary as a child process (os.Args[0] -test.run=^TestX$) with
// these variables set. Parent and child share the parent's in-memory store over loopback HTTP.
const (
	envKillStore = "CUSTOMERSERVICE_KILL_STORE" // the parent's store URL; set only in the child
	envKillSim   = "CUSTOMERSERVICE_KILL_SIM"   // the simulator's URL
	envKillKf    = "CUSTOMERSERVICE_KILL_KF"    // the open_kfid
	envKillToken = "CUSTOMERSERVICE_KILL_TOKEN" // the callback token
)

// TestPullSIGKILL: a real process pulling the account is killed with SIGKILL in the middle of
// a message. Nothing of it runs afterwards; this process's SafetyPull takes over once the
// child's leases run out, and every message is answered once.
func TestPullSIGKILL(t *testing.T) {
	if os.Getenv(envKillStore) != "" {
		killChild(t)
		return
	}
	t.Parallel()
	d := newDesk(t, 4, wecomtest.WithKfNoTokenLimit(1000))
	shared := store.NewMemory()
	ss := httptest.NewServer(storeServer{shared})
	defer ss.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), envKillStore+"="+ss.URL, envKillSim+"="+d.srv.URL(), envKillKf+"="+d.kf,
		envKillToken+"="+d.srv.KfSyncToken(d.kf))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // if the test fails before it does
	waitFor(t, "the child to reach message 2", func() bool {
		_, err := shared.Get(context.Background(), "test:victim")
		return err == nil
	})
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	if err := <-exited; err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child ended with %v, want killed; output:\n%s", err, out.String())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := customerservice.New(newClient(t, d.srv, shared))
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() {
		_ = svc.SafetyPull(ctx, customerservice.CallbackParams{Handle: d.handler(svc, "parent"), Lease: testLease,
			SafetyInterval: 50 * time.Millisecond})
	})
	waitFor(t, "every message handled", func() bool {
		for _, id := range d.ids[:2] { // the child's own record of what it answered
			if v, err := shared.Get(ctx, "test:handled:"+id); err == nil {
				d.mu.Lock()
				if len(d.handled[id]) == 0 {
					d.handled[id] = append(d.handled[id], string(v))
				}
				d.mu.Unlock()
			}
		}
		return d.allHandled()
	})
	d.check(t)
	if got := fmt.Sprint(d.handled[d.ids[1]], d.handled[d.ids[2]]); got != "[child] [parent]" {
		t.Errorf("messages 1 and 2 handled by %s, want [child] [parent]", got)
	}
}

// killChild pulls the account, answering messages 0 and 1, and hangs in message 2 until the
// parent kills it.
func killChild(t *testing.T) {
	st := storeClient{url: os.Getenv(envKillStore)}
	c, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
		client.WithBaseURL(os.Getenv(envKillSim)), client.WithStore(st), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	svc := customerservice.New(c)
	ctx := context.Background()
	p := customerservice.SyncParams{OpenKfID: os.Getenv(envKillKf), Token: os.Getenv(envKillToken), Lease: testLease}
	n := 0
	for cl, err := range svc.Pull(ctx, p) {
		if err != nil {
			t.Fatal(err)
		}
		m := cl.Message.Header()
		if n == 2 {
			if err := st.Set(ctx, "test:victim", []byte(m.MsgID), 0); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Minute) // killed here
			t.Fatal("not killed")
		}
		_, err := svc.Send(ctx, customerservice.SendParams{OpenKfID: m.OpenKfID, ExternalUserID: m.ExternalUserID,
			MsgID: customerservice.ReplyMsgID(m.MsgID, 0), Content: customerservice.Text{Content: "answer to " + m.MsgID}})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Set(ctx, "test:handled:"+m.MsgID, []byte("child"), 0); err != nil {
			t.Fatal(err)
		}
		if err := cl.Done(ctx); err != nil {
			t.Fatal(err)
		}
		n++
	}
	t.Fatal("the pull ended before message 2")
}

// storeOp is one store call over HTTP.
type storeOp struct {
	Op  string        `json:"op"` // get, set, setnx, delete
	Key string        `json:"key"`
	Val []byte        `json:"val,omitempty"`
	TTL time.Duration `json:"ttl,omitempty"`
}

type storeAnswer struct {
	Val      []byte `json:"val,omitempty"`
	OK       bool   `json:"ok,omitempty"`
	NotFound bool   `json:"not_found,omitempty"`
	Err      string `json:"err,omitempty"`
}

// storeServer serves a store to child processes.
type storeServer struct{ st store.Store }

func (s storeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var op storeOp
	if err := json.NewDecoder(r.Body).Decode(&op); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var a storeAnswer
	var err error
	switch op.Op {
	case "get":
		a.Val, err = s.st.Get(r.Context(), op.Key)
		a.NotFound = errors.Is(err, store.ErrNotFound)
	case "set":
		err = s.st.Set(r.Context(), op.Key, op.Val, op.TTL)
	case "setnx":
		a.OK, err = s.st.SetNX(r.Context(), op.Key, op.Val, op.TTL)
	case "delete":
		err = s.st.Delete(r.Context(), op.Key)
	}
	if err != nil && !a.NotFound {
		a.Err = err.Error()
	}
	_ = json.NewEncoder(w).Encode(a)
}

// storeClient is the child's side of storeServer.
type storeClient struct{ url string }

func (s storeClient) do(ctx context.Context, op storeOp) (storeAnswer, error) {
	var a storeAnswer
	b, _ := json.Marshal(op)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(b))
	if err != nil {
		return a, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return a, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return a, err
	}
	switch {
	case a.NotFound:
		return a, store.ErrNotFound
	case a.Err != "":
		return a, errors.New(a.Err)
	}
	return a, nil
}

func (s storeClient) Get(ctx context.Context, key string) ([]byte, error) {
	a, err := s.do(ctx, storeOp{Op: "get", Key: key})
	return a.Val, err
}

func (s storeClient) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	_, err := s.do(ctx, storeOp{Op: "set", Key: key, Val: val, TTL: ttl})
	return err
}

func (s storeClient) SetNX(ctx context.Context, key string, val []byte, ttl time.Duration) (bool, error) {
	a, err := s.do(ctx, storeOp{Op: "setnx", Key: key, Val: val, TTL: ttl})
	return a.OK, err
}

func (s storeClient) Delete(ctx context.Context, key string) error {
	_, err := s.do(ctx, storeOp{Op: "delete", Key: key})
	return err
}
