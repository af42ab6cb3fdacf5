package client

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Fleet holds one client per authorised corp (授权企业) of a suite, built on first use from the
// corp's permanent code (永久授权码), for an ISV serving thousands of corps. A corp's client
// costs about 1.5 KiB of heap with its token cached; Drop forgets it (on cancel_auth, or to
// bound memory) and leaves nothing behind. The tokens themselves live in the suite client's
// store, so a dropped corp rebuilt later, or the same corp in another process, reuses its
// token.
type Fleet struct {
	suite *Client
	code  func(ctx context.Context, corpID string) (string, error)

	mu    sync.RWMutex
	corps map[string]*Client
	peak  int // the most corps held since the map was last rebuilt
}

// NewFleet returns a Fleet of suite's authorised corps. suite must be a [Suite] client;
// permanentCode looks a corp's permanent code up (from the ISV's database, where the
// create_auth handler saved it) and is called once per corp built.
func NewFleet(suite *Client, permanentCode func(ctx context.Context, corpID string) (string, error)) (*Fleet, error) {
	switch {
	case suite == nil || permanentCode == nil:
		return nil, errors.New("wecom: NewFleet needs a suite client and a permanent-code lookup")
	case suite.auth.param != suiteParam:
		return nil, fmt.Errorf("wecom: NewFleet needs a Suite client, not %s", suite.cred)
	}
	return &Fleet{suite: suite, code: permanentCode, corps: make(map[string]*Client)}, nil
}

// Corp returns the client acting as corpID, building it on first use. Concurrent first uses
// may each look the permanent code up; one client is kept.
func (f *Fleet) Corp(ctx context.Context, corpID string) (*Client, error) {
	f.mu.RLock()
	c := f.corps[corpID]
	f.mu.RUnlock()
	if c != nil {
		return c, nil
	}
	if corpID == "" {
		return nil, errors.New("wecom: Fleet.Corp: empty corp ID")
	}
	code, err := f.code(ctx, corpID)
	if err != nil {
		return nil, fmt.Errorf("wecom: permanent code of %s: %w", corpID, err)
	}
	built, err := f.suite.AuthCorp(corpID, code)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c = f.corps[corpID]; c == nil {
		c = built
		f.corps[corpID] = c
		f.peak = max(f.peak, len(f.corps))
	}
	return c, nil
}

// Drop forgets corpID's client; the next Corp builds it again. Clients already handed out keep
// working.
func (f *Fleet) Drop(corpID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.corps, corpID)
	// A Go map keeps its buckets after deletes: rebuild it once it holds a quarter of its peak.
	if f.peak > 64 && len(f.corps) < f.peak/4 {
		corps := make(map[string]*Client, len(f.corps))
		for id, c := range f.corps {
			corps[id] = c
		}
		f.corps, f.peak = corps, len(corps)
	}
}

// Len reports how many corps' clients the Fleet holds.
func (f *Fleet) Len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.corps)
}
