// Package redisstore keeps the SDK's shared state (access tokens 调用凭证, suite tickets, kf sync
// cursors and callback dedupe keys) in Redis, so a fleet of processes shares one token per
// secret, handles each callback once and resumes cursors after a restart.
//
// It lives in its own module so the core module does not depend on Redis:
//
//	rdb := redis.NewClient(&redis.Options{Addr: "10.0.0.5:6379", ContextTimeoutEnabled: true})
//	c, err := client.New(client.CorpApp{CorpID: corpID, Secret: secret},
//		client.WithStore(redisstore.New(rdb, redisstore.WithPrefix("prod:"))))
//
// [New] accepts any [redis.UniversalClient]: a single node, a sentinel-backed failover client or a
// cluster. Every operation touches one key, or, for rate limits, a few keys under one hash tag;
// the compare-and-delete the token cache uses and the rate-limit admission are each one Lua
// script, so all of them are atomic on a cluster too.
//
// # Rate limits
//
// The store implements [store.Limiter], so every client sharing it keeps one budget per corp
// and API for the whole fleet: WeCom's 10,000 calls a minute and 150,000 an hour (频率限制), or
// what client.WithRateLimit sets. One Lua script per admission checks a block key and the
// counter of each window (fixed windows: the calendar minute, the calendar hour) and counts in
// all of them only if all have room. A busy process takes a small batch of admissions in that
// one script and uses it before the minute ends. A 45009 answer sets the block key, so the
// whole fleet pauses that corp and API. Windows follow the callers' clocks: keep them in sync
// (NTP); a counter lives a period past its window, so clocks a little apart still share it.
//
// # Values and TTLs
//
// Values are stored as the exact bytes the SDK gives, so an operator can read or seed a cursor
// with redis-cli. TTLs are exact to the millisecond (SET … PX, or EX for whole seconds); a TTL
// that is not a whole number of milliseconds is rounded up, zero means no expiry and a negative
// TTL is refused with [ErrInvalidTTL].
//
// # When Redis is unreachable
//
// Every operation then fails fast with an error matching [ErrUnavailable] (connection refused
// or reset, timeouts, a closed client, a server that is loading, read-only or down), [ErrAuth]
// (wrong password or missing ACL permission) or, when the caller's ctx ended first, the ctx
// error. What the SDK does with that error is a documented choice per kind of state:
//
//   - Access tokens: the client logs a warning ("token store unavailable, using in-process
//     cache") and keeps working with a token fetched and cached in its own process. The fleet
//     then fetches one token per process instead of one in total until Redis is back.
//   - kf sync cursors and claims: customerservice.Sync and Pull yield the error before calling
//     sync_msg: a guessed cursor would replay or skip messages.
//   - Callback dedupe leases: webhook.Handler logs a warning and runs the function anyway, but
//     acknowledges the callback only if it succeeded within the ack budget (otherwise 503, and
//     WeCom redelivers): a possible duplicate, never a lost event. With WithQueue on a Redis
//     queue, a callback that cannot be enqueued is not acknowledged either.
//   - Rate limits: the client waits at most 300 ms (and half of what is left of the caller's
//     deadline) for Redis, then counts in its own process with the same windows and leaves Redis
//     alone for 5 s. The fleet may then send up to one budget per process until Redis is back.
//
// How fast "fails fast" is depends on the Redis client's options. Against a stopped Redis,
// go-redis' defaults (5 dial attempts, 3 retries) take about 2 s per call; lower DialerRetries
// and MaxRetries to fail sooner, which matters to a webhook.Handler that must answer within
// 5 s. Set ContextTimeoutEnabled so a ctx deadline also bounds a read from a Redis that hangs
// without closing its connections; otherwise go-redis waits for its ReadTimeout.
//
// # Durable callback intake
//
// [NewQueue] gives webhook.WithQueue a queue on a Redis stream and consumer group: the Handler
// acknowledges a callback only once XADD stored it (Redis down: it answers 503 and WeCom
// redelivers), and workers in any number of processes run Handler.Consume on it. An entry its
// consumer has not acknowledged within the visibility timeout (the worker died) goes to the next
// consumer that asks (XAUTOCLAIM); one that keeps failing goes to the dead-letter stream with
// its error. Use maxmemory-policy noeviction: an evicted stream loses callbacks.
package redisstore
