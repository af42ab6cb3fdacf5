package client

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// secretParams are the query and body fields whose values never leave the client in a string.
var secretParams = regexp.MustCompile(`(?i)((?:access_token|suite_access_token|provider_access_token|corpsecret|key|suite_secret|provider_secret|permanent_code|suite_ticket|secret)["']?\s*[=:]\s*["']?)[^&\s"',}]+`)

// Redact blanks the values of secret query and body fields (access_token, corpsecret, robot key,
// suite_ticket, permanent_code, …) in s, for URLs and messages that may reach a log or an error.
func Redact(s string) string {
	if !strings.ContainsAny(s, "=:") {
		return s
	}
	return secretParams.ReplaceAllString(s, "${1}REDACTED")
}

// scrub removes every secret the call knows (the token sent, the credential's secrets, the
// request's own, such as a suite_ticket) from s, in each form an echo can take: raw, percent-
// encoded, JSON- and HTML-escaped. Secret-looking fields are blanked as well.
func (c *Client) scrub(s string, r *request, tok string) string {
	for _, v := range append(append([]string{tok}, c.auth.secrets...), r.secrets...) {
		if len(v) < 4 {
			continue
		}
		for _, f := range echoForms(v) {
			s = strings.ReplaceAll(s, f, "REDACTED")
		}
	}
	return Redact(s)
}

// echoForms lists the spellings of v a gateway or an errmsg may echo: the text forms (raw,
// JSON- and HTML-escaped) and each of them percent-encoded once or twice, in either case.
func echoForms(v string) []string {
	text := []string{v, html.EscapeString(v)}
	var xb strings.Builder
	_ = xml.EscapeText(&xb, []byte(v))
	text = append(text, xb.String())
	if j, err := json.Marshal(v); err == nil {
		text = append(text, string(j[1:len(j)-1]))
	}
	var jb strings.Builder
	enc := json.NewEncoder(&jb)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) == nil {
		j := strings.TrimSpace(jb.String())
		text = append(text, j[1:len(j)-1])
	}
	var forms []string
	for _, t := range text {
		q := url.QueryEscape(t)
		forms = append(forms, t, q, url.PathEscape(t), lowerHexEscapes(q), url.QueryEscape(q), lowerHexEscapes(url.QueryEscape(q)))
	}
	// Longest first, so a form that contains another is replaced whole.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return slices.Compact(forms)
}

// lowerHexEscapes spells percent escapes in lower case (%2f), as some proxies do.
func lowerHexEscapes(s string) string {
	return percentEscape.ReplaceAllStringFunc(s, strings.ToLower)
}

var percentEscape = regexp.MustCompile(`%[0-9A-F]{2}`)
