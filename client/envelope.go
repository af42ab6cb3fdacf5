package client

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// scanEnvelope reads errcode and errmsg from the top level of a JSON object in one pass over
// the bytes, skipping every other value without decoding it, so the payload is decoded by
// reflection only once (into the caller's out). ok is false for anything that is not a
// well-formed top-level object as far as it reads; the caller then falls back to
// encoding/json, which reports the error.
func scanEnvelope(b []byte) (env envelope, ok bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return env, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return env, skipSpace(b, i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return env, false
		}
		ks := i
		i = skipString(b, i)
		if i < 0 {
			return env, false
		}
		key := b[ks+1 : i-1]
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != ':' {
			return env, false
		}
		vs := skipSpace(b, i+1)
		i = skipValue(b, vs)
		if i < 0 {
			return env, false
		}
		if bytes.IndexByte(key, '\\') >= 0 {
			return env, false // an escaped key: leave it to encoding/json
		}
		switch {
		case bytes.EqualFold(key, []byte("errcode")): // encoding/json matches keys case-insensitively
			n, err := strconv.Atoi(string(b[vs:i]))
			if err != nil {
				return env, false
			}
			env.ErrCode = n
		case bytes.EqualFold(key, []byte("errmsg")):
			if err := json.Unmarshal(b[vs:i], &env.ErrMsg); err != nil {
				return env, false
			}
		}
		i = skipSpace(b, i)
		if i >= len(b) {
			return env, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return env, skipSpace(b, i+1) == len(b)
		default:
			return env, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"', or -1.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// skipValue returns the index after the value starting at b[i], or -1. Nested values are
// skipped by bracket depth; their inner syntax is left to the decoder of the payload.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	s := i
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
		i++
	}
	if i == s {
		return -1
	}
	return i
}
