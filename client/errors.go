package client

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// APIError is a non-zero errcode answered by the WeCom API. HTTP 200 with errcode ≠ 0 is always
// an APIError. Path is the request path without its query, so no token is ever in it; Message is
// errmsg (with its hint id and caller IP) scrubbed of anything secret.
type APIError struct {
	Code    int
	Message string
	Path    string
}

// Error reports the path, the errcode with its documented meaning and, where the SDK knows
// what usually fixes it, a hint, then errmsg.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "wecom: %s: errcode %d", e.Path, e.Code)
	if text := CodeText(e.Code); text != "" {
		b.WriteString(" (" + text + ")")
	}
	if hint := e.hint(); hint != "" {
		b.WriteString(" [hint: " + hint + "]")
	}
	b.WriteString(": " + e.Message)
	return b.String()
}

// hint is the fix the SDK suggests for the errcode; 40001 means a bad secret only where a token
// is fetched, so its hint shows there alone.
func (e *APIError) hint() string {
	if e.Code == CodeInvalidCredential && !tokenPaths[e.Path] {
		return ""
	}
	return codeHintOf(e.Code)
}

// tokenPaths are the endpoints that fetch a token from a secret.
var tokenPaths = map[string]bool{"/cgi-bin/gettoken": true, "/cgi-bin/service/get_suite_token": true, "/cgi-bin/service/get_provider_token": true}

// Is lets errors.Is match an APIError against the class sentinels ([ErrTokenInvalid],
// [ErrRetryable], [ErrRateLimited], [ErrPermission], [ErrBadCredential]) and against another
// *APIError with the same Code.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrTokenInvalid:
		return e.IsTokenInvalid()
	case ErrRetryable:
		return e.IsRetryable()
	case ErrRateLimited:
		return e.IsRateLimited()
	case ErrPermission:
		return e.IsPermission()
	case ErrBadCredential:
		return e.isBadCredential()
	}
	var t *APIError
	return errors.As(target, &t) && t.Code == e.Code
}

// IsTokenInvalid reports whether the token sent was invalid or expired (40014, 42001, 41001,
// 40001 on a business call, and the suite variants 40082, 42009).
func (e *APIError) IsTokenInvalid() bool {
	if e.Code == CodeInvalidCredential && tokenPaths[e.Path] {
		return false // a wrong secret on the token endpoint itself: refreshing never helps
	}
	return isCorpTokenInvalid(e.Code) || isSuiteTokenInvalid(e.Code) || e.Code == CodeMissingAccessToken
}

// IsRetryable reports whether WeCom was busy (-1 系统繁忙, 6000 data version conflict, 45033
// concurrency limit): the same call may succeed after a pause.
func (e *APIError) IsRetryable() bool {
	return e.Code == CodeBusy || e.Code == CodeDataVersionConflict || e.Code == CodeConcurrencyLimit
}

// IsRateLimited reports whether a frequency limit (频率限制) was hit (45009, 45033); minute-window
// limits stay blocked for 60 s.
func (e *APIError) IsRateLimited() bool {
	return e.Code == CodeFrequencyLimit || e.Code == CodeConcurrencyLimit
}

// IsPermission reports whether the token's app may not do this (48002, 60011, 301002, 60020,
// 48009, 50002, 60021): a new token of the same secret never helps.
func (e *APIError) IsPermission() bool {
	return slices.Contains([]int{CodeAPIForbidden, CodeNoPrivilege, CodeAppNoPrivilege,
		CodeInsecureIP, CodeContactsNewIP, CodeOutOfScope, CodeUserOutOfScope}, e.Code)
}

func (e *APIError) isBadCredential() bool {
	return e.Code == CodeInvalidCredential || e.Code == CodeInvalidCorpID || e.Code == CodeSecretInvalid ||
		e.Code == CodeInvalidSuiteSecret || e.Code == CodeInvalidSuiteTicket || e.Code == CodeInvalidPermanentCode ||
		e.Code == CodeAuthInvalid
}

// Sentinels for errors.Is; an [*APIError] matches each of its classes.
var (
	// ErrTokenInvalid matches token errcodes (40014, 42001, 41001, 40082, 42009, 40001 on a
	// business call). The client already refreshed once before returning one.
	ErrTokenInvalid = errors.New("wecom: access token invalid")
	// ErrRetryable matches busy errcodes (-1, 6000, 45033) left after the client's retries.
	ErrRetryable = errors.New("wecom: busy, retry later")
	// ErrRateLimited matches frequency-limit errcodes (45009, 45033).
	ErrRateLimited = errors.New("wecom: frequency limit")
	// ErrPermission matches errcodes meaning the secret's app may not do this.
	ErrPermission = errors.New("wecom: no permission")
	// ErrBadCredential matches credential errors from a token fetch (40001 bad secret, 40013
	// bad corp ID, 40091, 40080, 40085, 40084, 48004): permanent, never retried.
	ErrBadCredential = errors.New("wecom: bad credential")
	// ErrWrongKind matches a service built on a client of the wrong token kind (a suite
	// client for a corp service, a corp client for suite calls); see [Client.Require].
	ErrWrongKind = errors.New("wecom: wrong credential kind")
	// ErrCursorLoop ends a list iterator whose server answered the cursor it was given: the
	// walk stops instead of looping forever.
	ErrCursorLoop = errors.New("wecom: server repeated the same cursor")
)

// isCorpTokenInvalid reports whether code says a corp access token was bad: 40014, 42001, and
// 40001 from a business call (it means a bad secret only on gettoken itself).
func isCorpTokenInvalid(code int) bool {
	return code == CodeInvalidAccessToken || code == CodeAccessTokenExpired || code == CodeInvalidCredential
}

// isSuiteTokenInvalid reports whether code says a suite_access_token was bad: 40082, 42009.
func isSuiteTokenInvalid(code int) bool {
	return code == CodeInvalidSuiteToken || code == CodeSuiteTokenExpired
}

// The errcode constants (Code*), codeText and codeHint are generated into codes_gen.go from the
// errcode tables in internal/inventory/spec and the names in internal/inventory/errcodes.tsv.
//go:generate go run ../internal/gen/codes -spec ../internal/inventory/spec -names ../internal/inventory/errcodes.tsv -o codes_gen.go

// CodeText returns the documented meaning of a WeCom errcode (the global errcode table 全局错误码
// and the errcode tables of each API family), or "" for a code no table lists.
func CodeText(code int) string { return codeText[code] }

// CodeURL returns WeCom's official lookup page for an errcode (错误码查询工具).
func CodeURL(code int) string {
	return fmt.Sprintf("https://open.work.weixin.qq.com/devtool/query?e=%d", code)
}
