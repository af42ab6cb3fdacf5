package broadcast_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/wecom-connector/wecom/broadcast"
	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/messages"
	"github.com/wecom-connector/wecom/store"
	"github.com/wecom-connector/wecom/wecomtest"
)

// A network is what the tests broadcast to: n downstream corps of the simulator's default corp,
// the default app shared with each, one manager per corp. The targets are the corp IDs; a send
// is a button card to the corp's manager through the corp's own downstream token, its task_id
// the target's key, with message/send's duplicate check on (the SDK's default).
type network struct {
	srv   *wecomtest.Server
	up    *client.Client
	corps []string

	mu      sync.Mutex
	clients map[string]*messages.Service
	raw     map[string]*client.Client
}

func corpID(i int) string  { return fmt.Sprintf("wwstore%05d", i) }
func manager(i int) string { return fmt.Sprintf("s%05d.manager", i) }
func agentOf(i int) int    { return 1000100 + i }
func targetsOf(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = corpID(i)
	}
	return out
}

// seedNetwork puts the n corps into srv.
func seedNetwork(srv *wecomtest.Server, n int) {
	for i := range n {
		srv.AddDownstreamCorp(wecomtest.DownstreamCorp{CorpID: corpID(i), CorpName: fmt.Sprintf("Store %d", i), AgentID: agentOf(i), BusinessType: 1})
		srv.AddUsers(corpID(i), wecomtest.SeedUser{UserID: manager(i), Name: "Manager"})
	}
}

// newNetwork seeds n corps into a new simulator (closed with the test) and returns the
// network, whose upstream client keeps its tokens in st.
func newNetwork(t testing.TB, n int, st store.Store) *network {
	t.Helper()
	srv := wecomtest.NewServer()
	t.Cleanup(srv.Close)
	seedNetwork(srv, n)
	return dialNetwork(t, srv.URL(), n, st, srv)
}

// dialNetwork is the network of the simulator at url (srv may be nil: another process's).
func dialNetwork(t testing.TB, url string, n int, st store.Store, srv *wecomtest.Server) *network {
	t.Helper()
	up, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: wecomtest.Secret},
		client.WithBaseURL(url), client.WithStore(st))
	if err != nil {
		t.Fatal(err)
	}
	return &network{srv: srv, up: up, corps: targetsOf(n), clients: map[string]*messages.Service{}, raw: map[string]*client.Client{}}
}

func (nw *network) index(corp string) int {
	var i int
	fmt.Sscanf(corp, "wwstore%05d", &i)
	return i
}

// card is the message: the same bytes on every attempt for one target.
func card(key string) messages.TemplateCard {
	return messages.TemplateCard{
		CardType:     messages.CardButtonInteraction,
		MainTitle:    &messages.MainTitle{Title: "New price list", Desc: "valid from 1 July"},
		SubTitleText: "Model X1: 1,299 (was 1,399)",
		TaskID:       key,
		ButtonList:   []messages.Button{{Text: "Acknowledge", Key: "ack"}},
	}
}

// messagesOf returns the messages service acting as corp.
func (nw *network) messagesOf(corp string) (*messages.Service, error) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	m := nw.clients[corp]
	if m == nil {
		c, err := nw.up.Downstream(corp, agentOf(nw.index(corp)))
		if err != nil {
			return nil, err
		}
		m = messages.New(c)
		nw.clients[corp], nw.raw[corp] = m, c
	}
	return m, nil
}

// clientOf fetches corp's downstream token ahead of the sends.
func (nw *network) clientOf(t testing.TB, corp string) {
	t.Helper()
	_, err := nw.messagesOf(corp)
	if err == nil {
		nw.mu.Lock()
		c := nw.raw[corp]
		nw.mu.Unlock()
		err = c.Do(context.Background(), "GET", "/cgi-bin/agent/get", map[string][]string{"agentid": {fmt.Sprint(agentOf(nw.index(corp)))}}, nil, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// send is the job's SendFunc.
func (nw *network) send(ctx context.Context, t broadcast.Target) error {
	i := nw.index(t.ID)
	m, err := nw.messagesOf(t.ID)
	if err != nil {
		return err
	}
	_, err = m.Send(ctx, messages.SendParams{To: messages.ToUsers(manager(i)), AgentID: agentOf(i), Message: card(t.Key)})
	if broadcast.AlreadySent(t, err) {
		return nil
	}
	return err
}

// checkOnce fails the test unless every manager of the first n corps holds exactly one card,
// the job's (its task_id is the target's key).
func checkOnce(t testing.TB, srv *wecomtest.Server, jobID string, n int) {
	t.Helper()
	bad := 0
	for i := range n {
		got := srv.Received(manager(i))
		ok := len(got) == 1
		if ok {
			var c struct {
				TaskID string `json:"task_id"`
			}
			ok = json.Unmarshal(got[0].Content, &c) == nil && c.TaskID == broadcast.Key(jobID, corpID(i))
		}
		if !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s of %s holds %d cards, want the job's one", manager(i), corpID(i), len(got))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d stores not messaged exactly once", bad, n)
	}
}
