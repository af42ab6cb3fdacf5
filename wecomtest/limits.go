package wecomtest

import (
	"time"

	"github.com/wecom-connector/wecom/client"
)

// Frequency limits (频率限制) the simulator enforces by default: WeCom's base limits per corp
// per API, in fixed minute and hour windows. Past either, calls answer 45009 until the window
// ends, as WeCom's blocks last for the window.
const (
	DefaultPerMinute = 10000
	DefaultPerHour   = 150000
)

// unlimited are the paths WeCom's base limits do not count: message sends have their own
// per-member rules, valid OAuth codes are not limited, and token fetches are cached by clients.
var unlimited = map[string]bool{
	"/cgi-bin/message/send":               true,
	"/cgi-bin/linkedcorp/message/send":    true,
	"/cgi-bin/auth/getuserinfo":           true,
	"/cgi-bin/gettoken":                   true,
	"/cgi-bin/service/get_suite_token":    true,
	"/cgi-bin/service/get_provider_token": true,
	"/cgi-bin/service/get_corp_token":     true,
	"/cgi-bin/corpgroup/corp/gettoken":    true,
}

// WithRateLimits sets the per-corp, per-API limits the simulator enforces (45009 past either
// window); 0 or less turns that window off. The defaults are [DefaultPerMinute] and
// [DefaultPerHour].
func WithRateLimits(perMinute, perHour int) Option {
	return func(s *Server) { s.limits.perMinute, s.limits.perHour = perMinute, perHour }
}

// limits counts calls per corp and path in the current minute and hour windows.
type limits struct {
	perMinute, perHour int
	minute, hour       time.Time // start of the windows the counts belong to
	counts             map[string][2]int
}

// admit counts one call of corp to path and reports the 45009 answer when a window is full.
// Callers hold s.mu.
func (l *limits) admit(corp, path string, now time.Time) error {
	if unlimited[path] || (l.perMinute <= 0 && l.perHour <= 0) {
		return nil
	}
	m, h := now.Truncate(time.Minute), now.Truncate(time.Hour)
	if l.counts == nil || !h.Equal(l.hour) {
		l.counts, l.hour = map[string][2]int{}, h
	}
	key := corp + " " + path
	c := l.counts[key]
	if !m.Equal(l.minute) {
		// A new minute: every key's minute count starts again; the hour counts stay.
		for k, v := range l.counts {
			l.counts[k] = [2]int{0, v[1]}
		}
		l.minute = m
		c = l.counts[key]
	}
	if (l.perMinute > 0 && c[0] >= l.perMinute) || (l.perHour > 0 && c[1] >= l.perHour) {
		return errc(client.CodeFrequencyLimit, "api freq out of limit")
	}
	l.counts[key] = [2]int{c[0] + 1, c[1] + 1}
	return nil
}
