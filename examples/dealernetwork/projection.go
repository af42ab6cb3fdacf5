package main

import (
	"fmt"
	"time"
)

// WeCom's documented limits that bear on the broadcast (see the package comment).
const (
	// Base limits (基础频率) per corp and API, and per IP and API.
	corpAPIPerMinute = 10000
	corpAPIPerHour   = 150000
	ipAPIPerMinute   = 20000
	ipAPIPerHour     = 600000
	// App messages (发送应用消息频率), per app and member; message/send is not under the base
	// limits.
	memberPerMinute = 30
	memberPerHour   = 1000
)

// projection is the broadcast's time against the real API.
type projection struct {
	calls   time.Duration // the calls themselves: rounds of workers × 2 round trips
	limits  time.Duration // the waits WeCom's limits add
	total   time.Duration
	explain string
}

// project estimates the broadcast to corps corps with workers sends at once and a round trip of
// rtt. Each corp costs one corpgroup/corp/gettoken (the brand's budget) and one message/send
// (the corp's), one after the other; each manager gets one message.
func project(corps, workers int, rtt time.Duration) projection {
	var p projection
	rounds := ceilDiv(corps, workers)
	p.calls = time.Duration(rounds) * 2 * rtt
	// Token fetches: under the brand's per-corp budget and this machine's per-IP budget.
	p.limits = max(windowWait(corps, corpAPIPerMinute, corpAPIPerHour), windowWait(corps, ipAPIPerMinute, ipAPIPerHour))
	// Sends: one message per member per app, far under 30 a minute and 1,000 an hour.
	p.limits = max(p.limits, windowWait(1, memberPerMinute, memberPerHour))
	p.total = max(p.calls, p.limits)
	wait := "add no wait"
	if p.limits > 0 {
		wait = fmt.Sprintf("make the token fetches take %s at least", round(p.limits))
	}
	p.explain = fmt.Sprintf("%d token fetches and %d sends, %d at a time, %s a call (%d rounds × 2 calls); WeCom's limits (%d token fetches a minute per corp, %d messages a minute per member) %s",
		corps, corps, workers, rtt, rounds, corpAPIPerMinute, memberPerMinute, wait)
	return p
}

// windowWait is the least time calls take under fixed calendar windows of perMinute and
// perHour, starting at a window's start: once a window is full the calls wait for the next.
func windowWait(calls, perMinute, perHour int) time.Duration {
	if calls <= 0 {
		return 0
	}
	hours := (calls - 1) / perHour
	rest := calls - hours*perHour
	return time.Duration(hours)*time.Hour + time.Duration((rest-1)/perMinute)*time.Minute
}
