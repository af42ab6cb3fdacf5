package client

import (
	"encoding/json"
	"testing"
)

func TestScanEnvelope(t *testing.T) {
	for _, tc := range []struct {
		in   string
		code int
		msg  string
		ok   bool
	}{
		{`{"errcode":0,"errmsg":"ok","x":1}`, 0, "ok", true},
		{` {"ip_list":["a","b"],"errcode":42001,"errmsg":"expired, hint: [x]"} `, 42001, "expired, hint: [x]", true},
		{`{"result_list":[{"errcode":95000,"errmsg":"bad"}],"errcode":0,"errmsg":"ok"}`, 0, "ok", true},
		{`{"s":"a\"}{,","errcode":-1,"errmsg":"busy \u5fd9"}`, -1, "busy 忙", true},
		{`{"x":7}`, 0, "", true},
		{`{}`, 0, "", true},
		{`{"errcode":"1"}`, 0, "", false},
		{`<html>`, 0, "", false},
		{`{"errcode":1`, 0, "", false},
		{`{"a":{"b":[1,2,{"c":"}"}]},"errcode":7}`, 7, "", true},
		{`{"errcode":1} trailing`, 0, "", false},
		{``, 0, "", false},
		{`{"ErrCode":3}`, 3, "", true},
	} {
		env, ok := scanEnvelope([]byte(tc.in))
		if ok != tc.ok || (ok && (env.ErrCode != tc.code || env.ErrMsg != tc.msg)) {
			t.Errorf("scanEnvelope(%s) = %+v, %v; want %d %q %v", tc.in, env, ok, tc.code, tc.msg, tc.ok)
		}
	}
}

// FuzzScanEnvelope checks the scanner against encoding/json: whenever it accepts an input that
// encoding/json can decode as an envelope, both read the same errcode and errmsg.
func FuzzScanEnvelope(f *testing.F) {
	for _, s := range []string{`{"errcode":0,"errmsg":"ok"}`, `{"a":[{"errcode":1}],"errcode":2,"errmsg":"x"}`, `{"s":"\"\\"}`, `[]`, `{"errcode":1e3}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		env, ok := scanEnvelope(b)
		if !ok {
			return
		}
		var want envelope
		if err := json.Unmarshal(b, &want); err != nil {
			return // the payload decode that follows reports malformed input
		}
		if env != want {
			t.Fatalf("scan %+v, encoding/json %+v for %q", env, want, b)
		}
	})
}
