package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wecom-connector/wecom/wecomtest"
)

// admin serves the /_sim/ API (documented in the package doc).
type admin struct {
	srv    *wecomtest.Server
	kf     []kfAccount
	suites []string
}

// handler serves the admin API under /_sim/ and api everywhere else.
func (a *admin) handler(api http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", api)
	for pattern, h := range map[string]func(*http.Request) (any, error){
		"GET /_sim/{$}":                a.info,
		"POST /_sim/faults":            a.fault,
		"POST /_sim/faults/clear":      a.clearFaults,
		"GET /_sim/calls":              a.calls,
		"POST /_sim/tokens/expire":     a.expireTokens,
		"POST /_sim/kf/customer_says":  a.customerSays,
		"GET /_sim/kf/received":        a.kfReceived,
		"POST /_sim/kf/forward":        a.kfForward,
		"POST /_sim/cards/click":       a.clickCard,
		"POST /_sim/suite_ticket":      a.suiteTicket,
		"GET /_sim/received":           a.received,
		"GET /_sim/robot_posts":        a.robotPosts,
		"POST /_sim/callbacks/deliver": a.deliver,
		"GET /_sim/callbacks":          a.callbacks,
	} {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			v, err := h(r)
			w.Header().Set("Content-Type", "application/json")
			if err != nil {
				status := http.StatusBadRequest
				if errors.Is(err, errNotFound) {
					status = http.StatusNotFound
				}
				w.WriteHeader(status)
				v = map[string]string{"error": err.Error()}
			}
			_ = json.NewEncoder(w).Encode(v)
		})
	}
	mux.HandleFunc("/_sim/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "unknown admin endpoint; GET /_sim/ lists the defaults, the package doc the endpoints"})
	})
	return mux
}

var errNotFound = errors.New("not found")

// decodeBody reads r's JSON body into v, rejecting unknown fields so typos are reported.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 4<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

type ok struct {
	OK bool `json:"ok"`
}

func (a *admin) info(*http.Request) (any, error) {
	return map[string]any{
		"base_url": a.srv.URL(), "corpid": wecomtest.CorpID, "secret": wecomtest.Secret,
		"agentid": wecomtest.AgentID, "kf_accounts": append([]kfAccount{}, a.kf...),
		"suites": append([]string{}, a.suites...),
	}, nil
}

func (a *admin) fault(r *http.Request) (any, error) {
	var in struct {
		Path         string `json:"path"`
		Errcode      int    `json:"errcode"`
		Status       int    `json:"status"`
		Drop         bool   `json:"drop"`
		DelayMS      int    `json:"delay_ms"`
		After        int    `json:"after"`
		AfterHandler bool   `json:"after_handler"`
		N            int    `json:"n"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	switch {
	case in.Path == "":
		return nil, errors.New("path is required")
	case in.Errcode == 0 && in.Status == 0 && !in.Drop && in.DelayMS <= 0:
		return nil, errors.New("set one of errcode, status, drop or delay_ms")
	case in.Status != 0 && (in.Status < 100 || in.Status > 599):
		return nil, fmt.Errorf("status %d is not an HTTP status", in.Status)
	case in.N < 0:
		return nil, errors.New("n must not be negative")
	}
	n := max(in.N, 1)
	a.srv.Inject(in.Path, wecomtest.Fault{
		Errcode: in.Errcode, Status: in.Status, Drop: in.Drop, Delay: time.Duration(in.DelayMS) * time.Millisecond,
		After: in.After, AfterHandler: in.AfterHandler,
	}, n)
	return map[string]any{"ok": true, "path": in.Path, "n": n}, nil
}

func (a *admin) clearFaults(*http.Request) (any, error) {
	a.srv.ClearFaults()
	return ok{true}, nil
}

func (a *admin) calls(r *http.Request) (any, error) {
	p := r.URL.Query().Get("path")
	if p == "" {
		return nil, errors.New("query parameter path is required")
	}
	return map[string]any{"path": p, "calls": a.srv.Calls(p), "served": a.srv.Served(p)}, nil
}

func (a *admin) expireTokens(*http.Request) (any, error) {
	a.srv.ExpireTokens()
	return ok{true}, nil
}

func (a *admin) customerSays(r *http.Request) (any, error) {
	var in struct {
		OpenKfID       string `json:"open_kfid"`
		ExternalUserID string `json:"external_userid"`
		Text           string `json:"text"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	if in.OpenKfID == "" || in.ExternalUserID == "" {
		return nil, errors.New("open_kfid and external_userid are required")
	}
	id, err := a.srv.CustomerSays(in.OpenKfID, in.ExternalUserID, in.Text)
	if err != nil {
		return nil, err
	}
	return map[string]string{"msgid": id}, nil
}

func (a *admin) kfReceived(r *http.Request) (any, error) {
	q := r.URL.Query()
	type delivery struct {
		MsgID   string          `json:"msgid"`
		MsgType string          `json:"msgtype"`
		Via     string          `json:"via"`
		Body    json.RawMessage `json:"body"`
		Time    time.Time       `json:"time"`
	}
	out := []delivery{}
	for _, d := range a.srv.KfReceived(q.Get("open_kfid"), q.Get("external_userid")) {
		out = append(out, delivery{d.MsgID, d.MsgType, d.Via, d.Body, d.Time})
	}
	return map[string]any{"messages": out}, nil
}

// callbackIn is a callback URL and its settings as the admin API takes them.
type callbackIn struct {
	URL            string `json:"url"`
	Token          string `json:"token"`
	EncodingAESKey string `json:"encoding_aes_key"`
	ReceiveID      string `json:"receive_id"`
	Attempts       int    `json:"attempts"`
	TimeoutMS      int    `json:"timeout_ms"`
}

func (c *callbackIn) config() (string, wecomtest.CallbackConfig, error) {
	if c.URL == "" || c.Token == "" || len(c.EncodingAESKey) != 43 {
		return "", wecomtest.CallbackConfig{}, errors.New("callback needs url, token and a 43-character encoding_aes_key")
	}
	return c.URL, wecomtest.CallbackConfig{
		Token: c.Token, EncodingAESKey: c.EncodingAESKey, ReceiveID: c.ReceiveID,
		Attempts: c.Attempts, Timeout: time.Duration(c.TimeoutMS) * time.Millisecond,
	}, nil
}

// deliveryOut is a callback delivery as the admin API reports it.
type deliveryOut struct {
	URL      string       `json:"url"`
	Acked    bool         `json:"acked"`
	Reply    string       `json:"reply,omitempty"`
	Error    string       `json:"error,omitempty"`
	Attempts []attemptOut `json:"attempts"`
}

type attemptOut struct {
	Status     int    `json:"status"`
	Body       string `json:"body,omitempty"`
	Error      string `json:"error,omitempty"`
	DurationMS int64  `json:"duration_ms"`
}

func toDeliveryOut(d wecomtest.CallbackDelivery, err error) deliveryOut {
	out := deliveryOut{URL: d.URL, Acked: d.Acked, Reply: string(d.Reply), Attempts: []attemptOut{}}
	if err != nil {
		out.Error = err.Error()
	}
	for _, at := range d.Attempts {
		o := attemptOut{Status: at.Status, Body: string(at.Body), DurationMS: at.Duration.Milliseconds()}
		if at.Err != nil {
			o.Error = at.Err.Error()
		}
		out.Attempts = append(out.Attempts, o)
	}
	return out
}

func (a *admin) deliverTo(r *http.Request, cb *callbackIn, plaintext []byte) (deliveryOut, error) {
	target, cfg, err := cb.config()
	if err != nil {
		return deliveryOut{}, err
	}
	d, err := a.srv.DeliverCallback(r.Context(), target, cfg, plaintext)
	return toDeliveryOut(d, err), nil
}

func (a *admin) deliver(r *http.Request) (any, error) {
	var in struct {
		Callback callbackIn `json:"callback"`
		XML      string     `json:"xml"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	if in.XML == "" {
		return nil, errors.New("xml is required")
	}
	return a.deliverTo(r, &in.Callback, []byte(in.XML))
}

func (a *admin) callbacks(*http.Request) (any, error) {
	out := []deliveryOut{}
	for _, d := range a.srv.Callbacks() {
		var err error
		if !d.Acked {
			err = wecomtest.ErrCallbackNotAcked
		}
		out = append(out, toDeliveryOut(d, err))
	}
	return map[string]any{"callbacks": out}, nil
}

func (a *admin) kfForward(r *http.Request) (any, error) {
	var in struct {
		Callback callbackIn `json:"callback"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	target, cfg, err := in.Callback.config()
	if err != nil {
		return nil, err
	}
	corp := cfg.ReceiveID
	if corp == "" {
		corp = wecomtest.CorpID
	}
	a.srv.SetCallbackURL(corp, target, cfg)
	return ok{true}, nil
}

func (a *admin) clickCard(r *http.Request) (any, error) {
	var in struct {
		UserID   string      `json:"userid"`
		TaskID   string      `json:"task_id"`
		EventKey string      `json:"event_key"`
		Callback *callbackIn `json:"callback"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	e, err := a.srv.ClickCard(in.UserID, in.TaskID, in.EventKey)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errNotFound, err)
	}
	out := map[string]any{
		"corpid": e.ToUserName, "userid": e.FromUserName, "event_key": e.EventKey, "task_id": e.TaskID,
		"card_type": e.CardType, "response_code": e.ResponseCode, "agentid": e.AgentID,
	}
	if in.Callback != nil {
		d, err := a.deliverTo(r, in.Callback, wecomtest.CardEventCallback(e))
		if err != nil {
			return nil, err
		}
		out["delivery"] = d
	}
	return out, nil
}

func (a *admin) suiteTicket(r *http.Request) (any, error) {
	var in struct {
		SuiteID  string      `json:"suite_id"`
		Callback *callbackIn `json:"callback"`
	}
	if err := decodeBody(r, &in); err != nil {
		return nil, err
	}
	t := a.srv.IssueSuiteTicket(in.SuiteID)
	if t == "" {
		return nil, fmt.Errorf("%w: unknown suite %q", errNotFound, in.SuiteID)
	}
	out := map[string]any{"suite_id": in.SuiteID, "suite_ticket": t}
	if in.Callback != nil {
		d, err := a.deliverTo(r, in.Callback, wecomtest.SuiteTicketCallback(in.SuiteID, t))
		if err != nil {
			return nil, err
		}
		out["delivery"] = d
	}
	return out, nil
}

func (a *admin) received(r *http.Request) (any, error) {
	u := r.URL.Query().Get("userid")
	if u == "" {
		return nil, errors.New("query parameter userid is required")
	}
	type message struct {
		MsgID       string          `json:"msgid"`
		CorpID      string          `json:"corpid"`
		AgentID     int             `json:"agentid"`
		MsgType     string          `json:"msgtype"`
		Content     json.RawMessage `json:"content"`
		Time        time.Time       `json:"time"`
		DeliveredTo []string        `json:"delivered_to"`
		Recalled    bool            `json:"recalled"`
	}
	out := []message{}
	for _, m := range a.srv.Received(u) {
		out = append(out, message{m.MsgID, m.CorpID, m.AgentID, m.MsgType, m.Content, m.Time, m.DeliveredTo, m.Recalled})
	}
	return map[string]any{"userid": u, "messages": out}, nil
}

func (a *admin) robotPosts(r *http.Request) (any, error) {
	k := r.URL.Query().Get("key")
	if k == "" {
		return nil, errors.New("query parameter key is required")
	}
	type post struct {
		MsgType string          `json:"msgtype"`
		Content json.RawMessage `json:"content"`
		Time    time.Time       `json:"time"`
	}
	out := []post{}
	for _, p := range a.srv.RobotPosts(k) {
		out = append(out, post{p.MsgType, p.Content, p.Time})
	}
	return map[string]any{"key": k, "posts": out}, nil
}
