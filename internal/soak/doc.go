// Package soak holds the SDK's reliability proofs; it has no code of its own, only tests.
//
// soak_test.go drives the wecomtest simulator with concurrent app sends, group robot posts,
// WeChat Customer Service (微信客服) sends and callback deliveries while about one request in
// five meets an injected fault, and checks that every intended message arrives exactly once,
// every callback is handled once, every error is typed, gettoken stays at its minimum and no
// goroutine leaks. The default run is CI-sized; longer runs take flags:
//
//	go test -race -run TestSoak -v ./internal/soak -soak.n=400 -soak.duration=2m
//
// secrets_test.go builds every credential kind with planted secrets, runs failing and
// succeeding calls with debug logging, formats every value and error, and greps the output for
// the secrets, tokens, permanent codes, EncodingAESKeys and robot keys.
package soak
