// Package secret derives the short one-way tags the SDK uses in store keys in place of a secret
// (a corp secret, a permanent code, a robot key), so a key never holds the secret itself.
package secret

import (
	"crypto/sha256"
	"encoding/hex"
)

// Hash returns the first 12 hex digits of SHA-256(s): short enough for keys, long enough that
// two secrets of one corp never share a token.
func Hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}
