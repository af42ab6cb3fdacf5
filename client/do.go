package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/wecom-connector/wecom/internal/ctxtime"
)

// IdempotentRequest is implemented by request bodies that are safe to send more than once: POST
// reads, and sends that carry an idempotency mechanism (the kf send_msg msgid, message/send with
// enable_duplicate_check). Do retries such calls, like GETs, after network errors, HTTP 5xx and
// busy errcodes; any other POST is retried only when the request provably never left the machine
// (a failed dial) or WeCom refused it without acting (45009, 45033, an invalid token).
type IdempotentRequest interface {
	Idempotent() bool
}

// Idempotent wraps a request body to mark it safe to retry (see [IdempotentRequest]); it encodes
// exactly as v.
func Idempotent(v any) any { return idempotentBody{v} }

type idempotentBody struct{ v any }

func (b idempotentBody) MarshalJSON() ([]byte, error) { return marshal(b.v) }
func (b idempotentBody) Idempotent() bool             { return true }

type request struct {
	method, path string
	query        url.Values
	in, out      any
	noAuth       bool
	secrets      []string // values this call sends that errors must never show (a suite_ticket)
}

// Do sends one API call through the client's single request path. path is like
// "/cgi-bin/user/get"; query holds the call's own query values (the token is added); in is
// JSON-encoded as the body (nil: no body, normally a GET), or an [*Upload] for multipart file
// uploads; out receives the decoded JSON answer, or is a [*Download] that streams a file answer.
//
// A non-zero errcode returns [*APIError]. An invalid or expired token is refreshed once and the
// call retried once; busy and frequency-limit answers back off within the [RetryPolicy]; every
// wait ends when ctx does. ctx must not be nil: a nil ctx is a programming error and returns an
// error without sending anything.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	return c.call(ctx, &request{method: method, path: path, query: query, in: in, out: out})
}

func (c *Client) call(ctx context.Context, r *request) error {
	if ctx == nil {
		return errors.New("wecom: nil context")
	}
	if c.refused != nil {
		return c.refused
	}
	if !strings.HasPrefix(r.path, "/") {
		return fmt.Errorf("wecom: path %q must start with /", r.path)
	}
	body, err := newBody(r.in)
	if err != nil {
		return fmt.Errorf("wecom: %s: encode request: %w", r.path, err)
	}
	idem := r.method == http.MethodGet || isIdempotent(r.in)
	b := newBudget(c.retry.MaxAttempts)
	b.take() // the first attempt
	ctx = context.WithValue(ctx, budgetKey{}, b)
	var refreshed bool
	var busy, limited int
	for attempt := 1; ; attempt++ {
		waited, err := c.limits.wait(ctx, c.auth.limitKey+" "+r.path)
		if h := c.hooks.OnLimiterWait; h != nil && (waited > 0 || err != nil) {
			h(ctx, LimiterWaitInfo{Path: r.path, Wait: waited, Err: err})
		}
		if err != nil {
			return fmt.Errorf("wecom: %s: rate limit wait: %w", r.path, err)
		}
		tok, err := c.authValue(ctx, r)
		if err != nil {
			return err
		}
		start := time.Now()
		code, err := c.attempt(ctx, r, body, tok, idem)
		elapsed := time.Since(start)
		apiErr, ok := err.(*APIError)
		if !ok {
			c.logCall(ctx, r, code, attempt, elapsed, err, "")
			return err
		}
		var wait time.Duration
		retry := ""
		switch {
		case !r.noAuth && c.tokens != nil && !refreshed && c.auth.invalid(code):
			refreshed, retry = true, "token invalid"
		case code == CodeFrequencyLimit && limited < c.retry.RateLimitRetries && fitsDeadline(ctx, c.retry.RateLimitWait):
			limited, retry = limited+1, "frequency limit"
		case (code == CodeConcurrencyLimit || (idem && apiErr.IsRetryable())) && busy < c.retry.BusyRetries:
			wait = c.backoff(c.retry.MinBackoff, c.retry.MaxBackoff, busy, nil)
			if fitsDeadline(ctx, wait) {
				busy, retry = busy+1, "busy"
			}
		}
		if retry != "" && !b.take() {
			retry = "" // the call's attempt budget is spent
		}
		if code == CodeFrequencyLimit {
			// WeCom blocks the window for everyone: tell the fleet even when this call gives up.
			c.limits.pause(c.auth.limitKey+" "+r.path, c.retry.RateLimitWait)
		}
		c.logCall(ctx, r, code, attempt, elapsed, err, retry)
		switch retry {
		case "":
			return err
		case "token invalid":
			c.tokens.invalidate(ctx, tok)
		case "busy":
			if err := ctxtime.Sleep(ctx, wait); err != nil {
				return fmt.Errorf("wecom: %s: backoff: %w", r.path, err)
			}
		}
	}
}

func isIdempotent(in any) bool {
	ir, ok := in.(IdempotentRequest)
	return ok && ir.Idempotent()
}

func (c *Client) authValue(ctx context.Context, r *request) (string, error) {
	switch {
	case r.noAuth:
		return "", nil
	case c.tokens == nil:
		return c.auth.static, nil
	}
	t, err := c.tokens.token(ctx)
	if err != nil {
		if strings.HasPrefix(err.Error(), "wecom: ") {
			return "", err // the SDK's own error, which names the token endpoint already
		}
		return "", fmt.Errorf("wecom: %s: get token: %w", r.path, err)
	}
	return t.Value, nil
}

// attempt sends the request once (plus the transport's own retries) and decodes the answer.
func (c *Client) attempt(ctx context.Context, r *request, body *reqBody, tok string, idem bool) (int, error) {
	q := make(url.Values, len(r.query)+1)
	for k, v := range r.query {
		q[k] = v
	}
	if !r.noAuth {
		param := c.auth.param
		if param == providerParam && providerAsAccessToken[r.path] {
			param = corpParam
		}
		q.Set(param, tok)
	}
	u := c.base + r.path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u, body.reader())
	if err != nil {
		return 0, fmt.Errorf("wecom: %s: build request: %s", r.path, c.scrub(err.Error(), r, tok))
	}
	if body != nil {
		req.Header.Set("Content-Type", body.contentType)
		if body.length >= 0 {
			req.ContentLength = body.length
		}
	}
	dl, _ := r.out.(*Download)
	if dl != nil && dl.Range != "" {
		req.Header.Set("Range", dl.Range)
	}
	hc := c.unsafe
	if idem {
		hc = c.safe
	}
	resp, err := hc.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ctx.Err() != nil {
			return 0, fmt.Errorf("wecom: %s: %w", r.path, ctx.Err())
		}
		return 0, &TransportError{Path: r.path, Status: statusOf(resp), Err: c.cleanErr(err, r, tok)}
	}
	defer resp.Body.Close()
	if dl != nil {
		return c.download(r, resp, dl, tok)
	}
	return c.decode(r, resp, tok)
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

func (c *Client) decode(r *request, resp *http.Response, tok string) (int, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return 0, &TransportError{Path: r.path, Status: resp.StatusCode, Err: c.cleanErr(err, r, tok)}
	}
	if int64(len(b)) > c.maxBody {
		return 0, fmt.Errorf("wecom: %s: answer larger than %d bytes", r.path, c.maxBody)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, &TransportError{Path: r.path, Status: resp.StatusCode, Snippet: c.snippet(b, r, tok)}
	}
	env, err := decodeAnswer(b, r.out)
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return 0, &TransportError{Path: r.path, Status: resp.StatusCode, Snippet: c.snippet(b, r, tok),
			Err: fmt.Errorf("answer is not JSON (Content-Type %q): %w", resp.Header.Get("Content-Type"), err)}
	case env.ErrCode != 0:
		return env.ErrCode, &APIError{Code: env.ErrCode, Message: c.scrub(env.ErrMsg, r, tok), Path: r.path}
	case err != nil:
		return 0, fmt.Errorf("wecom: %s: decode answer: %w", r.path, err)
	}
	return 0, nil
}

func (c *Client) snippet(b []byte, r *request, tok string) string {
	const n = 160
	if len(b) > n {
		b = b[:n]
	}
	return c.scrub(strings.ToValidUTF8(string(b), "?"), r, tok)
}

// cleanErr drops the URL (it carries the token) from a transport error and scrubs the rest.
func (c *Client) cleanErr(err error, r *request, tok string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &redactedError{msg: c.scrub(err.Error(), r, tok), cause: err}
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }

// Unwrap keeps errors.Is working (io.EOF, net errors, timeouts); the cause has no URL.
func (e *redactedError) Unwrap() error { return e.cause }

// TransportError is a call that got no usable WeCom answer: a network failure after the
// allowed retries, an HTTP status other than 200, or a body that is not JSON. It never holds
// the URL, so no token leaks through it.
type TransportError struct {
	Path    string
	Status  int    // HTTP status, 0 when no answer arrived
	Snippet string // the start of a non-JSON answer, redacted
	Err     error
}

// Error says which step failed and shows the status and answer start.
func (e *TransportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wecom: %s: ", e.Path)
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
	} else {
		b.WriteString("send")
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Snippet != "" {
		fmt.Fprintf(&b, ": %q", e.Snippet)
	}
	return b.String()
}

// Unwrap returns the network cause, if any.
func (e *TransportError) Unwrap() error { return e.Err }

// logCall reports each attempt to the OnAttempt hook and writes one line per attempt: DEBUG
// for answers the caller handles (success, a business errcode), INFO when the client retries
// (with the reason), WARN when it gives up on a transport failure or on busy and
// frequency-limit answers.
func (c *Client) logCall(ctx context.Context, r *request, code, attempt int, d time.Duration, err error, retry string) {
	if h := c.hooks.OnAttempt; h != nil {
		h(ctx, AttemptInfo{Method: r.method, Path: r.path, Attempt: attempt, ErrCode: code, HTTPStatus: attemptStatus(r, err),
			Duration: d, RetryReason: retry, Err: err})
	}
	level := slog.LevelDebug
	var apiErr *APIError
	switch {
	case retry != "":
		level = slog.LevelInfo
	case err == nil:
	case errors.As(err, &apiErr):
		if apiErr.IsRetryable() || apiErr.IsRateLimited() {
			level = slog.LevelWarn
		}
	case ctx.Err() == nil:
		level = slog.LevelWarn
	}
	if !c.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.method), slog.String("path", r.path), slog.Int("errcode", code),
		slog.Int("attempt", attempt), slog.Duration("duration", d),
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	if retry != "" {
		attrs = append(attrs, slog.String("retry", retry))
	}
	c.log.LogAttrs(ctx, level, "wecom call", attrs...)
}

func fitsDeadline(ctx context.Context, wait time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Until(dl) > wait
}

// Download receives a file answer (media/get and similar) instead of JSON: Do streams the bytes
// into W and fills the answer's metadata. A JSON error answer in place of the file (WeCom answers
// HTTP 200 either way) is detected from the first bytes and returned as [*APIError]; nothing is
// written to W then.
type Download struct {
	W     io.Writer
	Range string // optional HTTP Range, e.g. "bytes=0-1048575", for files over 20 MB

	Status       int    // 200, or 206 for a range
	ContentType  string // the media's Content-Type
	Filename     string // from Content-Disposition
	ContentRange string // for a 206 answer
	Written      int64  // bytes written to W
}

func (c *Client) download(r *request, resp *http.Response, dl *Download, tok string) (int, error) {
	if dl.W == nil {
		return 0, errors.New("wecom: Download needs a Writer")
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, &TransportError{Path: r.path, Status: resp.StatusCode, Snippet: c.snippet(b, r, tok)}
	}
	br := bufio.NewReaderSize(resp.Body, 512)
	var body io.Reader = br
	if resp.Header.Get("Content-Disposition") == "" {
		head, _ := br.Peek(512)
		if t := bytes.TrimLeft(head, " \t\r\n"); len(t) > 0 && t[0] == '{' && bytes.Contains(head, []byte(`"errcode"`)) {
			var seen bytes.Buffer
			jr := *r
			jr.out = nil
			rest := &http.Response{StatusCode: http.StatusOK, Header: resp.Header, Body: io.NopCloser(io.TeeReader(br, &seen))}
			if code, err := c.decode(&jr, rest, tok); code != 0 {
				return code, err
			}
			// No non-zero errcode: the file itself merely looks like an envelope.
			body = io.MultiReader(&seen, br)
		}
	}
	dl.Status = resp.StatusCode
	dl.ContentType = resp.Header.Get("Content-Type")
	dl.ContentRange = resp.Header.Get("Content-Range")
	dl.Filename = filename(resp.Header.Get("Content-Disposition"))
	n, err := io.Copy(dl.W, body)
	dl.Written = n
	if err != nil {
		return 0, &TransportError{Path: r.path, Status: resp.StatusCode, Err: c.cleanErr(err, r, tok)}
	}
	return 0, nil
}
