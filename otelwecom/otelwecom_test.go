package otelwecom_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/otelwecom"
	"github.com/wecom-connector/wecom/webhook"
	"github.com/wecom-connector/wecom/wecomtest"
)

const (
	corpID   = "wwoteltest000001"
	secret   = "PLANTED-otel-corp-secret-3b9d"
	cbToken  = "PLANTEDcbToken8c2f"
	aesKey   = "PLANTEDaesKey0123456789abcdefghijklmnopqrst" // 43 characters
	ipPath   = "/cgi-bin/getcallbackip"
	tokPath  = "/cgi-bin/gettoken"
	fastWait = time.Millisecond
)

type telemetry struct {
	spans  *tracetest.InMemoryExporter
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newTelemetry(t *testing.T) *telemetry {
	t.Helper()
	tel := &telemetry{spans: tracetest.NewInMemoryExporter(), reader: sdkmetric.NewManualReader()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSyncer(tel.spans))
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() {
		_ = tel.tp.Shutdown(context.Background())
		_ = tel.mp.Shutdown(context.Background())
	})
	return tel
}

func (tel *telemetry) metrics(t *testing.T) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

func attrs(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

// findMetric returns the named metric's data.
func findMetric(rm metricdata.ResourceMetrics, name string) metricdata.Aggregation {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m.Data
			}
		}
	}
	return nil
}

// dump renders every span (name, attributes, events, status, links) and every metric (name,
// data point attributes) as text, for the secret grep.
func dump(t *testing.T, spans tracetest.SpanStubs, rm metricdata.ResourceMetrics) string {
	t.Helper()
	var b strings.Builder
	for _, s := range spans {
		fmt.Fprintf(&b, "span %q %v status=%v %q\n", s.Name, s.Attributes, s.Status.Code, s.Status.Description)
		for _, e := range s.Events {
			fmt.Fprintf(&b, "  event %q %v\n", e.Name, e.Attributes)
		}
		for _, l := range s.Links {
			fmt.Fprintf(&b, "  link %v\n", l.Attributes)
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			fmt.Fprintf(&b, "metric %q %q %q\n", m.Name, m.Description, m.Unit)
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					fmt.Fprintf(&b, "  %v = %d\n", p.Attributes.ToSlice(), p.Value)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					fmt.Fprintf(&b, "  %v count %d\n", p.Attributes.ToSlice(), p.Count)
				}
			default:
				t.Fatalf("metric %s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	raw, err := json.Marshal(struct {
		Spans   tracetest.SpanStubs
		Metrics metricdata.ResourceMetrics
	}{spans, rm})
	if err != nil {
		t.Fatal(err)
	}
	b.Write(raw)
	return b.String()
}

// Calls on the simulator become spans and metrics with the documented attributes, and no token,
// secret or callback key reaches any of them.
func TestClientAndWebhookTelemetry(t *testing.T) {
	t.Parallel()
	tel := newTelemetry(t)
	sim := wecomtest.NewServer(wecomtest.WithApp(wecomtest.App{CorpID: corpID, Secret: secret, AgentID: 1000002}))
	t.Cleanup(sim.Close)
	c, err := client.New(client.CorpApp{CorpID: corpID, Secret: secret}, client.WithBaseURL(sim.URL()),
		client.WithRetry(client.RetryPolicy{MinBackoff: fastWait, MaxBackoff: fastWait}),
		client.WithHooks(otelwecom.ClientHooks(tel.tp, tel.mp)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, parent := tel.tp.Tracer("test").Start(context.Background(), "job")
	var tokens []string
	keepToken := func() {
		tok, err := c.TokenSource().Token()
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok.AccessToken)
	}

	sim.FailNext(ipPath, client.CodeBusy, 1)
	if err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	keepToken()
	sim.ExpireTokens()
	if err := c.Do(ctx, http.MethodGet, ipPath, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	keepToken()
	bad, _ := client.New(client.CorpApp{CorpID: corpID, Secret: secret + "x"}, client.WithBaseURL(sim.URL()),
		client.WithHooks(otelwecom.ClientHooks(tel.tp, tel.mp)))
	if err := bad.Do(ctx, http.MethodGet, ipPath, nil, nil, nil); err == nil {
		t.Fatal("want a bad-secret error")
	}
	parent.End()

	spans := tel.spans.GetSpans()
	var busy, retried, refresh, refused int
	for _, s := range spans {
		a := attrs(s.Attributes)
		if s.Name != "job" && s.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %q is not a child of the call's span", s.Name)
		}
		if !s.EndTime.After(s.StartTime) {
			t.Errorf("span %q: start %v end %v", s.Name, s.StartTime, s.EndTime)
		}
		switch {
		case s.Name == "wecom "+ipPath && a["wecom.errcode"].AsInt64() == int64(client.CodeBusy):
			busy++
			if a["wecom.path"].AsString() != ipPath || a["wecom.attempt"].AsInt64() != 1 || a["wecom.retry_reason"].AsString() != "busy" ||
				a["http.response.status_code"].AsInt64() != 200 || a["http.request.method"].AsString() != "GET" ||
				a["error.type"].AsString() != "-1" || s.Status.Code != codes.Error || len(s.Events) != 1 {
				t.Errorf("busy attempt span: %+v %+v", s.Attributes, s.Status)
			}
		case s.Name == "wecom "+ipPath && a["wecom.attempt"].AsInt64() == 2:
			retried++
			if _, ok := a["wecom.retry_reason"]; ok || a["wecom.errcode"].AsInt64() != 0 || s.Status.Code != codes.Unset {
				t.Errorf("retried attempt span: %+v %+v", s.Attributes, s.Status)
			}
		case s.Name == "wecom token refresh" && s.Status.Code == codes.Unset:
			refresh++
			if a["wecom.token_kind"].AsString() != "corp" || a["wecom.corp_id"].AsString() != corpID {
				t.Errorf("token refresh span: %+v", s.Attributes)
			}
		case s.Name == "wecom "+tokPath && a["wecom.errcode"].AsInt64() == int64(client.CodeInvalidCredential):
			refused++
		}
	}
	// busy then retried; expired token (42001, token invalid) then retried; two fetches
	if busy != 1 || retried != 2 || refresh != 2 || refused != 1 {
		t.Errorf("busy %d retried %d refresh %d refused %d spans; all:\n%s", busy, retried, refresh, refused, dump(t, spans, tel.metrics(t)))
	}

	// The limiter hook, fed directly: a real wait takes a calendar minute.
	hooks := otelwecom.ClientHooks(tel.tp, tel.mp)
	hooks.OnLimiterWait(context.Background(), client.LimiterWaitInfo{Path: ipPath, Wait: 2 * time.Second})

	// A callback delivered by the simulator to a Handler with the webhook hooks.
	crypto, err := webhook.NewCrypto(cbToken, aesKey, corpID)
	if err != nil {
		t.Fatal(err)
	}
	h := webhook.NewHandler(crypto, webhook.WithHooks(otelwecom.WebhookHooks(tel.tp, tel.mp)))
	webhook.On(h, func(context.Context, *webhook.TextMessage) (webhook.Reply, error) { return nil, nil })
	webhook.On(h, func(context.Context, *webhook.MenuClick) (webhook.Reply, error) { return nil, errors.New("menu down") })
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := wecomtest.CallbackConfig{Token: cbToken, EncodingAESKey: aesKey}
	text := `<xml><ToUserName><![CDATA[` + corpID + `]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1732500060</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content><MsgId>42</MsgId><AgentID>1000002</AgentID></xml>`
	click := `<xml><ToUserName><![CDATA[` + corpID + `]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1732500061</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event><EventKey><![CDATA[k]]></EventKey><AgentID>1000002</AgentID></xml>`
	for _, p := range []string{text, text, click} {
		_, _ = sim.DeliverCallback(context.Background(), srv.URL, cfg, []byte(p))
	}

	rm := tel.metrics(t)
	attempts, _ := findMetric(rm, otelwecom.MetricAttempts).(metricdata.Sum[int64])
	var busyCount int64
	for _, p := range attempts.DataPoints {
		if v, _ := p.Attributes.Value("wecom.retry_reason"); v.AsString() == "busy" {
			busyCount += p.Value
			if path, _ := p.Attributes.Value("wecom.path"); path.AsString() != ipPath {
				t.Errorf("busy attempt metric: %v", p.Attributes.ToSlice())
			}
		}
	}
	if busyCount != 1 {
		t.Errorf("busy attempts counted %d; metrics:\n%s", busyCount, dump(t, nil, rm))
	}
	if d, ok := findMetric(rm, otelwecom.MetricAttemptDuration).(metricdata.Histogram[float64]); !ok || len(d.DataPoints) == 0 {
		t.Errorf("no attempt durations")
	}
	if d, ok := findMetric(rm, otelwecom.MetricTokenRefresh).(metricdata.Histogram[float64]); !ok || len(d.DataPoints) != 2 { // ok and refused
		t.Errorf("token refresh durations: %+v", d)
	}
	if d, ok := findMetric(rm, otelwecom.MetricLimiterWait).(metricdata.Histogram[float64]); !ok || len(d.DataPoints) != 1 || d.DataPoints[0].Sum != 2 {
		t.Errorf("limiter waits: %+v", d)
	}
	callbacks, _ := findMetric(rm, otelwecom.MetricCallbacks).(metricdata.Sum[int64])
	got := map[string]int64{}
	for _, p := range callbacks.DataPoints {
		k, _ := p.Attributes.Value("wecom.callback.kind")
		o, _ := p.Attributes.Value("wecom.callback.outcome")
		got[k.AsString()+" "+o.AsString()] += p.Value
	}
	if want := fmt.Sprint(map[string]int64{"text acked": 1, "text duplicate": 1, "event:click failed": 4}); fmt.Sprint(got) != want {
		// WeCom (and the simulator) redeliver a failed callback 3 times: 4 attempts in all.
		t.Errorf("callbacks %v, want %v", got, want)
	}
	var cbSpans int
	for _, s := range tel.spans.GetSpans() {
		if s.Name == "wecom callback" {
			cbSpans++
			if a := attrs(s.Attributes); a["wecom.callback.outcome"].AsString() == "failed" &&
				(s.Status.Code != codes.Error || !strings.Contains(s.Status.Description, "menu down")) {
				t.Errorf("failed callback span: %+v %+v", s.Attributes, s.Status)
			}
		}
	}
	if cbSpans != 6 {
		t.Errorf("%d callback spans, want 6", cbSpans)
	}

	all := dump(t, tel.spans.GetSpans(), rm)
	if !strings.Contains(all, corpID) || !strings.Contains(all, "menu down") || !strings.Contains(all, "event:click") {
		t.Fatalf("the dump misses span attributes, events or metric attributes:\n%s", all)
	}
	planted := append([]string{secret, cbToken, aesKey}, tokens...)
	for _, s := range planted {
		if len(s) < 8 {
			t.Fatalf("token %q too short to grep for", s)
		}
		if strings.Contains(all, s) {
			t.Errorf("%q appears in the telemetry:\n%s", s, all)
		}
	}
	for _, s := range []string{"access_token=", "corpsecret=", ipPath + "?", tokPath + "?"} {
		if strings.Contains(all, s) {
			t.Errorf("%q appears in the telemetry (a URL query?):\n%s", s, all)
		}
	}
}

// Nil providers mean the global ones (no-ops by default): the hooks still run.
func TestGlobalProviders(t *testing.T) {
	t.Parallel()
	h := otelwecom.ClientHooks(nil, nil)
	h.OnAttempt(context.Background(), client.AttemptInfo{Method: "GET", Path: ipPath, Attempt: 1, Err: errors.New("x")})
	h.OnTokenRefresh(context.Background(), client.TokenRefreshInfo{Kind: client.KindCorp})
	otelwecom.WebhookHooks(nil, nil).OnCallback(context.Background(), webhook.CallbackInfo{Kind: "text", Outcome: webhook.OutcomeAcked})
}
