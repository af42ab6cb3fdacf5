package client

import (
	"regexp"
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

// scrub removes the client's own current secrets from s as well as secret-looking fields.
func (c *Client) scrub(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "REDACTED")
		}
	}
	return Redact(s)
}
