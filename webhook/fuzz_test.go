package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecrypt feeds hostile envelopes and hostile decrypted layouts through the receive path.
// body is an envelope, signed correctly for whatever Encrypt it holds, so the fuzzer reaches
// base64, AES, padding and the length field; layout is a decrypted buffer (random prefix,
// length, message, receive ID, padding) encrypted as is, so every byte of the plaintext checks
// is under the fuzzer's control.
func FuzzDecrypt(f *testing.F) {
	c := specCrypto(f)
	f.Add(readTestdata(f, "spec_vector_body.xml"), pad(layout("<xml/>", specReceiveID)))
	f.Add([]byte("<xml><Encrypt>AAAA</Encrypt></xml>"), []byte("short"))
	f.Add([]byte(""), pad(layout("x", "")))
	f.Add([]byte("<xml><Encrypt>AAAA<![CDATA[AAAA]]></Encrypt></xml>"), []byte("split"))
	f.Fuzz(func(t *testing.T, body, layoutBytes []byte) {
		// Path 1: the envelope as sent.
		if enc, _, _, err := envelopeFields(body, true); err == nil {
			sig := c.Sign("1", "2", string(enc))
			msg, err := c.Decrypt(sig, "1", "2", body)
			checkOpen(t, c, msg, err)
		} else if !errors.Is(err, ErrParseXML) {
			t.Fatalf("envelope error %v", err)
		}
		if _, err := c.Decrypt("0000000000000000000000000000000000000000", "1", "2", body); err == nil {
			t.Fatal("wrong signature accepted")
		}
		// Path 2: a chosen decrypted buffer.
		buf := append([]byte(nil), layoutBytes...)
		if len(buf) == 0 || len(buf)%16 != 0 {
			buf = append(buf, make([]byte, 16-len(buf)%16)...)
		}
		enc := forge(c, buf)
		env, err := c.DecryptString(c.Sign("1", "2", enc), "1", "2", enc)
		checkOpen(t, c, env.Plaintext, err)
	})
}

// checkOpen asserts the decrypt contract: a typed error and no output, or a message that
// encrypts and decrypts back to itself.
func checkOpen(t *testing.T, c *Crypto, msg []byte, err error) {
	t.Helper()
	if err != nil {
		var we *Error
		if !errors.As(err, &we) || msg != nil {
			t.Fatalf("untyped error or partial output: %v %q", err, msg)
		}
		return
	}
	enc, err := c.Encrypt(msg, specReceiveID)
	if err != nil {
		t.Fatal(err)
	}
	back, err := c.DecryptString(c.Sign("3", "4", enc), "3", "4", enc)
	if err != nil || !bytes.Equal(back.Plaintext, msg) {
		t.Fatalf("re-encryption round trip: %v", err)
	}
}

// FuzzParse: any plaintext decodes to an event holding it whole, or fails with ErrParseXML and
// no event; it never panics.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/events/*.xml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := Parse(data)
		if err != nil {
			if ev != nil || !errors.Is(err, ErrParseXML) {
				t.Fatalf("%T %v", ev, err)
			}
			return
		}
		if !bytes.Equal(ev.Raw(), data) {
			t.Fatal("raw XML not kept")
		}
		_ = ev.Kind()
		_ = ev.EventHeader().Time()
		_, _ = ev.EventHeader().Lookup("a>b")
	})
}

// FuzzDecryptJSON: the JSON envelope reader agrees with encoding/json: it reads a body
// json.Unmarshal accepts as an object with exactly one encrypt member (any case) holding a
// non-empty string, as that string, and refuses everything else with ErrParseJSON.
func FuzzDecryptJSON(f *testing.F) {
	for _, s := range []string{`{"encrypt":"abc"}`, `{"Encrypt":"a","encrypt":"b"}`, `{"ToUserName":"x","Encrypt":"abc","AgentID":1}`,
		`{"encrypt":"a"} x`, `[]`, `{"encrypt":1}`, `{"a":{"encrypt":"b"}}`, `{"encrypt":"\u0041"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := jsonEncrypt(body)
		var m map[string]json.RawMessage
		want, members := "", 0
		ok := json.Unmarshal(body, &m) == nil && m != nil && bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{"))
		if ok {
			// Count the members as written: a map keeps one of repeated keys.
			dec := json.NewDecoder(bytes.NewReader(body))
			_, _ = dec.Token()
			for dec.More() {
				k, _ := dec.Token()
				var v json.RawMessage
				_ = dec.Decode(&v)
				if key, _ := k.(string); strings.EqualFold(key, "encrypt") {
					members++
					if json.Unmarshal(v, &want) != nil {
						want = ""
					}
				}
			}
		}
		if ok && members == 1 && want != "" {
			if err != nil || got != want {
				t.Fatalf("%q: %q %v, want %q", body, got, err, want)
			}
			return
		}
		if !errors.Is(err, ErrParseJSON) {
			t.Fatalf("%q: %q %v, want ErrParseJSON", body, got, err)
		}
	})
}
