package broadcast_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wecom-connector/wecom/store"
)

// The broadcast tests keep the job's progress in store.NewMemory, in this process or, for the
// kill test's child processes, served over loopback HTTP by storeServer. The same behaviour on
// Redis is tested in the redisstore module (broadcast*_test.go there): the core module does not
// depend on Redis.

// storeServer serves a store.Store over loopback HTTP to a child process (httpStore), for the
// kill test: GET/PUT/DELETE /key?k=…&ttl=…&nx=1&old=….
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
