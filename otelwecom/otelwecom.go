// Package otelwecom turns the observability hooks of the WeCom SDK's client and webhook Handler
// into OpenTelemetry spans and metrics:
//
//	c, err := client.New(cred, client.WithHooks(otelwecom.ClientHooks(tp, mp)))
//	h := webhook.NewHandler(crypto, webhook.WithHooks(otelwecom.WebhookHooks(tp, mp)))
//
// Each HTTP attempt of a client call becomes a client span named after its path ("wecom
// /cgi-bin/user/get"), a child of the span in the call's ctx, with the attributes wecom.path,
// wecom.errcode, wecom.attempt, wecom.retry_reason, http.request.method and
// http.response.status_code; a token fetch, a rate-limiter wait and an answered callback get
// spans of their own. Metrics count attempts and callbacks and record durations (see the
// Metric* constants).
//
// The hooks never see a token, a secret or a query string (the SDK's paths carry no query and
// its errors are redacted), so neither do the spans and metrics: a stock tracing transport, by
// contrast, would record the access token WeCom puts in the URL. Corp IDs go on spans only,
// never on metrics, to keep metric cardinality bounded for ISVs serving many corps.
package otelwecom

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/webhook"
)

// ScopeName is the instrumentation scope of the tracer and meter.
const ScopeName = "github.com/wecom-connector/wecom/otelwecom"

// Metric names.
const (
	MetricAttempts         = "wecom.client.attempts"               // counter of HTTP attempts
	MetricAttemptDuration  = "wecom.client.attempt.duration"       // histogram, seconds
	MetricTokenRefresh     = "wecom.client.token_refresh.duration" // histogram, seconds
	MetricLimiterWait      = "wecom.client.limiter.wait.duration"  // histogram, seconds
	MetricCallbacks        = "wecom.webhook.callbacks"             // counter of answered callbacks
	MetricCallbackDuration = "wecom.webhook.callback.duration"     // histogram, seconds
)

// Attribute keys.
const (
	AttrPath        = attribute.Key("wecom.path")
	AttrErrCode     = attribute.Key("wecom.errcode")
	AttrAttempt     = attribute.Key("wecom.attempt")
	AttrRetryReason = attribute.Key("wecom.retry_reason")
	AttrTokenKind   = attribute.Key("wecom.token_kind")
	AttrCorpID      = attribute.Key("wecom.corp_id") // spans only
	AttrKind        = attribute.Key("wecom.callback.kind")
	AttrOutcome     = attribute.Key("wecom.callback.outcome")
	AttrRunning     = attribute.Key("wecom.callback.running")
	AttrMethod      = attribute.Key("http.request.method")
	AttrStatus      = attribute.Key("http.response.status_code")
	// AttrErrorType classifies a failure: the errcode of a WeCom answer, "rate_limited" (the
	// client-side limiter), "transport", "timeout", "canceled" or "other"; absent on success.
	AttrErrorType = attribute.Key("error.type")
)

// buckets are histogram bounds in seconds: those OpenTelemetry's HTTP conventions advise, and
// a minute for rate-limiter waits.
var buckets = metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60)

// ClientHooks returns client hooks that record spans with tp and metrics with mp; a nil
// provider means the global one.
func ClientHooks(tp trace.TracerProvider, mp metric.MeterProvider) client.Hooks {
	tracer, meter := providers(tp, mp)
	attempts := must(meter.Int64Counter(MetricAttempts, metric.WithUnit("{attempt}"),
		metric.WithDescription("HTTP attempts of WeCom API calls")))
	attemptDur := must(meter.Float64Histogram(MetricAttemptDuration, metric.WithUnit("s"), buckets,
		metric.WithDescription("Duration of HTTP attempts of WeCom API calls")))
	refreshDur := must(meter.Float64Histogram(MetricTokenRefresh, metric.WithUnit("s"), buckets,
		metric.WithDescription("Duration of WeCom token fetches")))
	waitDur := must(meter.Float64Histogram(MetricLimiterWait, metric.WithUnit("s"), buckets,
		metric.WithDescription("Time WeCom API calls waited for the client-side rate limiter")))
	return client.Hooks{
		OnAttempt: func(ctx context.Context, a client.AttemptInfo) {
			attrs := []attribute.KeyValue{AttrPath.String(a.Path), AttrMethod.String(a.Method), AttrErrCode.Int(a.ErrCode)}
			if a.HTTPStatus != 0 {
				attrs = append(attrs, AttrStatus.Int(a.HTTPStatus))
			}
			if a.RetryReason != "" {
				attrs = append(attrs, AttrRetryReason.String(a.RetryReason))
			}
			if a.Err != nil {
				attrs = append(attrs, AttrErrorType.String(errorType(a.Err)))
			}
			set := metric.WithAttributeSet(attribute.NewSet(attrs...))
			attempts.Add(ctx, 1, set)
			attemptDur.Record(ctx, a.Duration.Seconds(), set)
			span(ctx, tracer, "wecom "+a.Path, trace.SpanKindClient, a.Duration, a.Err, append(attrs, AttrAttempt.Int(a.Attempt))...)
		},
		OnTokenRefresh: func(ctx context.Context, t client.TokenRefreshInfo) {
			attrs := []attribute.KeyValue{AttrTokenKind.String(string(t.Kind))}
			if t.Err != nil {
				attrs = append(attrs, AttrErrorType.String(errorType(t.Err)))
			}
			refreshDur.Record(ctx, t.Duration.Seconds(), metric.WithAttributes(attrs...))
			if t.CorpID != "" {
				attrs = append(attrs, AttrCorpID.String(t.CorpID))
			}
			span(ctx, tracer, "wecom token refresh", trace.SpanKindInternal, t.Duration, t.Err, attrs...)
		},
		OnLimiterWait: func(ctx context.Context, w client.LimiterWaitInfo) {
			attrs := []attribute.KeyValue{AttrPath.String(w.Path)}
			if w.Err != nil {
				attrs = append(attrs, AttrErrorType.String(errorType(w.Err)))
			}
			waitDur.Record(ctx, w.Wait.Seconds(), metric.WithAttributes(attrs...))
			span(ctx, tracer, "wecom rate limit wait", trace.SpanKindInternal, w.Wait, w.Err, attrs...)
		},
	}
}

// WebhookHooks returns webhook Handler hooks that record a span and metrics per answered
// callback with tp and mp; a nil provider means the global one.
func WebhookHooks(tp trace.TracerProvider, mp metric.MeterProvider) webhook.Hooks {
	tracer, meter := providers(tp, mp)
	count := must(meter.Int64Counter(MetricCallbacks, metric.WithUnit("{callback}"),
		metric.WithDescription("WeCom callbacks answered, by kind and outcome")))
	dur := must(meter.Float64Histogram(MetricCallbackDuration, metric.WithUnit("s"), buckets,
		metric.WithDescription("Time from a WeCom callback's arrival to its answer")))
	return webhook.Hooks{
		OnCallback: func(ctx context.Context, c webhook.CallbackInfo) {
			attrs := []attribute.KeyValue{AttrKind.String(c.Kind), AttrOutcome.String(string(c.Outcome))}
			set := metric.WithAttributeSet(attribute.NewSet(attrs...))
			count.Add(ctx, 1, set)
			dur.Record(ctx, c.Duration.Seconds(), set)
			if c.Running {
				attrs = append(attrs, AttrRunning.Bool(true))
			}
			span(ctx, tracer, "wecom callback", trace.SpanKindServer, c.Duration, c.Err, attrs...)
		},
	}
}

func providers(tp trace.TracerProvider, mp metric.MeterProvider) (trace.Tracer, metric.Meter) {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	return tp.Tracer(ScopeName), mp.Meter(ScopeName)
}

// must reports an instrument's creation error to the global OpenTelemetry error handler, as
// instrumentation libraries do; the instrument returned still works (or does nothing).
func must[T any](inst T, err error) T {
	if err != nil {
		otel.Handle(err)
	}
	return inst
}

// span records a span that ended now and lasted d: hooks report what has just happened.
func span(ctx context.Context, tracer trace.Tracer, name string, kind trace.SpanKind, d time.Duration, err error, attrs ...attribute.KeyValue) {
	end := time.Now()
	_, s := tracer.Start(ctx, name, trace.WithTimestamp(end.Add(-d)), trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
	if err != nil {
		s.RecordError(err)
		s.SetStatus(codes.Error, err.Error())
	}
	s.End(trace.WithTimestamp(end))
}

// errorType classifies err for the error.type attribute with a bounded set of values.
func errorType(err error) string {
	var apiErr *client.APIError
	var te *client.TransportError
	switch {
	case errors.As(err, &apiErr):
		return strconv.Itoa(apiErr.Code)
	case errors.Is(err, client.ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &te):
		return "transport"
	}
	return "other"
}
