package wecomtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// scaleSrv is a simulator holding a chain of n joined downstream corps that share the default
// app, 20 to a group, each with a manager who received a button card ("task%05d"), and the
// tokens to act as the brand and as each corp.
type scaleSrv struct {
	*Server
	n        int
	up       *Token
	down     []*Token
	fresh    int // corps added by the measured operations so far
	groups   int
	sendSeq  int
	chainTag string
}

func newScaleSrv(t testing.TB, n int) *scaleSrv {
	t.Helper()
	s := &scaleSrv{Server: NewServer(), n: n, groups: (n + 19) / 20, chainTag: "chScale"}
	t.Cleanup(s.Close)
	s.AddChain(CorpID, s.chainTag, "Network")
	for g := range s.groups {
		s.AddChainGroup(CorpID, s.chainTag, 2+g, 1, fmt.Sprintf("Group %d", g))
	}
	s.mu.Lock()
	s.up = s.issueToken(TokenCorp, CorpID, Secret, AgentID)
	s.mu.Unlock()
	for i := range n {
		s.addCorp(t, i)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		s.call(t, http.MethodPost, "/cgi-bin/corpgroup/corp/gettoken", s.up, J{"corpid": scaleCorp(i), "agentid": 1000100 + i, "business_type": 1}, &tok)
		s.down = append(s.down, s.tokens[tok.AccessToken])
		s.call(t, http.MethodPost, "/cgi-bin/message/send", s.down[i], J{"touser": scaleManager(i), "msgtype": "template_card", "agentid": 1000100 + i,
			"template_card": J{"card_type": "button_interaction", "main_title": J{"title": "New prices"}, "task_id": fmt.Sprintf("task%05d", i),
				"button_list": []J{{"text": "Acknowledge", "key": "ack"}}}}, nil)
	}
	return s
}

func scaleCorp(i int) string    { return fmt.Sprintf("wwscale%05d", i) }
func scaleManager(i int) string { return fmt.Sprintf("m%05d", i) }

// addCorp seeds corp i as the simulator's users do: imported (pending), joined, the app shared
// with it, its manager added.
func (s *scaleSrv) addCorp(t testing.TB, i int) {
	t.Helper()
	s.AddChainCorp(CorpID, s.chainTag, ChainCorp{PendingCorpID: fmt.Sprintf("pend%05d", i), Name: fmt.Sprintf("Store %d", i),
		GroupID: 2 + i%max(s.groups, 1), CustomID: fmt.Sprintf("S%05d", i)})
	if !s.JoinChainCorp(CorpID, s.chainTag, fmt.Sprintf("pend%05d", i), scaleCorp(i)) {
		t.Fatalf("corp %d did not join", i)
	}
	s.AddDownstreamCorp(DownstreamCorp{CorpID: scaleCorp(i), AgentID: 1000100 + i, BusinessType: 1})
	s.AddUsers(scaleCorp(i), SeedUser{UserID: scaleManager(i), Name: "Manager"})
}

// call runs one API call through the simulator's request path (token check, limits, handler)
// without HTTP, so that the measure is the simulator's own work.
func (s *scaleSrv) call(t testing.TB, method, path string, tok *Token, body any, out any) {
	t.Helper()
	r := httptest.NewRequest(method, path+"?access_token="+tok.Value, nil)
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	rt := s.routes[path]
	if method == http.MethodGet && path == "/cgi-bin/corpgroup/getresult" {
		r = httptest.NewRequest(method, path+"?access_token="+tok.Value+"&jobid="+body.(string), nil)
		b = nil
	}
	v, err := s.run(r, rt, b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if out != nil {
		raw, _ := json.Marshal(v)
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// TestScaleHandlersPerCorp measures the simulator's work per operation while it holds 4,000
// corps and while it holds 400, interleaved (the machine is shared: the fastest of rounds that
// alternate between the two, since load only ever adds time), and requires the cost not to grow with the corps: an operation
// that scanned every corp would cost about 10× as much.
func TestScaleHandlersPerCorp(t *testing.T) {
	if testing.Short() {
		t.Skip("scale: skipped with -short")
	}
	small, large := newScaleSrv(t, 400), newScaleSrv(t, 4000)
	batch, rounds := 200, 7
	if scaleRace {
		batch, rounds = 50, 5
	}
	ops := []struct {
		name   string
		assert bool
		op     func(s *scaleSrv, i int)
	}{
		{"AddChainCorp + JoinChainCorp", true, func(s *scaleSrv, i int) {
			s.fresh++
			s.AddChainCorp(CorpID, s.chainTag, ChainCorp{PendingCorpID: fmt.Sprintf("pend%07d", s.fresh), Name: fmt.Sprintf("Joined %d", s.fresh),
				GroupID: 2 + i%s.groups})
			if !s.JoinChainCorp(CorpID, s.chainTag, fmt.Sprintf("pend%07d", s.fresh), fmt.Sprintf("wwjoined%07d", s.fresh)) {
				t.Fatal("not joined")
			}
		}},
		{"AddDownstreamCorp + AddUsers", true, func(s *scaleSrv, i int) {
			s.fresh++
			s.AddDownstreamCorp(DownstreamCorp{CorpID: fmt.Sprintf("wwjoined%07d", s.fresh), AgentID: 1000100, BusinessType: 1})
			s.AddUsers(fmt.Sprintf("wwjoined%07d", s.fresh), SeedUser{UserID: fmt.Sprintf("j%07d", s.fresh), Name: "Manager"})
		}},
		{"corpgroup/corp/gettoken", false, func(s *scaleSrv, i int) {
			c := (i * 7919) % s.n
			s.call(t, http.MethodPost, "/cgi-bin/corpgroup/corp/gettoken", s.up, J{"corpid": scaleCorp(c), "agentid": 1000100 + c, "business_type": 1}, nil)
		}},
		{"message/send (a card, downstream token)", true, func(s *scaleSrv, i int) {
			c := (i * 7919) % s.n
			s.sendSeq++
			s.call(t, http.MethodPost, "/cgi-bin/message/send", s.down[c], J{"touser": scaleManager(c), "msgtype": "template_card", "agentid": 1000100 + c,
				"template_card": J{"card_type": "button_interaction", "main_title": J{"title": "New prices"}, "task_id": fmt.Sprintf("more%07d", s.sendSeq),
					"button_list": []J{{"text": "Acknowledge", "key": "ack"}}}}, nil)
		}},
		{"ClickCard", true, func(s *scaleSrv, i int) {
			c := (i * 7919) % s.n
			if _, err := s.ClickCard(scaleManager(c), fmt.Sprintf("task%05d", c), "ack"); err != nil {
				t.Fatal(err)
			}
		}},
		{"import_chain_contact (20 corps) + getresult", true, func(s *scaleSrv, i int) {
			var list []J
			for k := range 20 {
				s.fresh++
				list = append(list, J{"corp_name": fmt.Sprintf("Imported %d", s.fresh), "custom_id": fmt.Sprintf("I%07d", s.fresh),
					"group_path":        fmt.Sprintf("Region %d/District %d", k, i%20),
					"contact_info_list": []J{{"name": "Manager", "identity_type": 2, "mobile": fmt.Sprintf("139%08d", s.fresh)}}})
			}
			var job struct {
				JobID string `json:"jobid"`
			}
			s.call(t, http.MethodPost, "/cgi-bin/corpgroup/import_chain_contact", s.up, J{"chain_id": s.chainTag, "contact_list": list}, &job)
			s.call(t, http.MethodGet, "/cgi-bin/corpgroup/getresult", s.up, job.JobID, nil)
			s.call(t, http.MethodGet, "/cgi-bin/corpgroup/getresult", s.up, job.JobID, nil)
		}},
		{"get_chain_corpinfo_list (a group)", true, func(s *scaleSrv, i int) {
			s.call(t, http.MethodPost, "/cgi-bin/corpgroup/corp/get_chain_corpinfo_list", s.up, J{"chain_id": s.chainTag, "groupid": 2 + i%s.groups}, nil)
		}},
		{"list_app_share_info (a page of 100)", true, func(s *scaleSrv, i int) {
			s.call(t, http.MethodPost, "/cgi-bin/corpgroup/corp/list_app_share_info", s.up, J{"agentid": AgentID, "business_type": 1, "limit": 100,
				"cursor": fmt.Sprintf("cur-%d", (i*100)%(s.n-100))}, nil)
		}},
	}
	for _, o := range ops {
		var per [2][]time.Duration
		for range rounds {
			for k, s := range []*scaleSrv{small, large} {
				start := time.Now()
				for i := range batch {
					o.op(s, i)
				}
				per[k] = append(per[k], time.Since(start)/time.Duration(batch))
			}
		}
		a, b := slices.Min(per[0]), slices.Min(per[1])
		r := float64(b) / float64(a)
		t.Logf("%-45s %9v with 400 corps, %9v with 4,000: %.2f×", o.name, a, b, r)
		if o.assert && r > 3 {
			t.Errorf("%s costs %.1f× as much with 4,000 corps as with 400: it scans every corp", o.name, r)
		}
	}
}

// ScaleRace reports, to the external tests, that the race detector is on.
func ScaleRace() bool { return scaleRace }
