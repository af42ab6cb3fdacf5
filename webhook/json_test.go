package webhook

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestJSONCallbackRoundTrip(t *testing.T) {
	t.Parallel()
	c, _ := NewCrypto(specToken, specKey, "") // corp-internal robots use an empty receive ID
	plain := []byte(`{"msgid":"m1","msgtype":"text","text":{"content":"hi"}}`)
	out, err := c.EncryptReplyJSON(plain, "", "1732500061", "556677")
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Encrypt, MsgSignature, TimeStamp, Nonce string
	}
	if err := json.Unmarshal(out, &env); err != nil || env.TimeStamp != "1732500061" || env.Nonce != "556677" {
		t.Fatalf("%s %v", out, err)
	}
	// A request body carries the ciphertext under "encrypt" (any case).
	for _, body := range []string{`{"encrypt":"` + env.Encrypt + `"}`, `{"ToUserName":"x","Encrypt":"` + env.Encrypt + `","AgentID":"1"}`} {
		got, err := c.DecryptJSON(env.MsgSignature, env.TimeStamp, env.Nonce, []byte(body))
		if err != nil || string(got.Plaintext) != string(plain) || got.ReceiveID != "" {
			t.Fatalf("%s: %q %v", body, got.Plaintext, err)
		}
	}
	for _, body := range []string{``, `[]`, `{}`, `{"encrypt":1}`, `{"encrypt":""}`, `{"encrypt":"` + env.Encrypt + `"} x`, `{"encrypt":"` + env.Encrypt + `",}`} {
		if _, err := c.DecryptJSON(env.MsgSignature, env.TimeStamp, env.Nonce, []byte(body)); !errors.Is(err, ErrParseJSON) {
			t.Errorf("%q: %v", body, err)
		}
	}
	if _, err := c.DecryptJSON("0", env.TimeStamp, env.Nonce, []byte(`{"encrypt":"`+env.Encrypt+`"}`)); !errors.Is(err, ErrSignature) {
		t.Fatal(err)
	}
	if _, err := c.EncryptReplyJSON(plain, "", "x", "1"); !errors.Is(err, ErrGenReply) {
		t.Fatal(err)
	}
}

// TestDecryptJSONAmbiguous: a body with two encrypt members is refused, whichever is valid,
// rather than read one way or the other depending on map order.
func TestDecryptJSONAmbiguous(t *testing.T) {
	t.Parallel()
	c, _ := NewCrypto(specToken, specKey, "")
	enc, err := c.Encrypt([]byte(`{"msgid":"m1"}`), "")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := c.Encrypt([]byte(`{"msgid":"m2"}`), "")
	sig := c.Sign("1732500061", "556677", enc)
	for _, body := range []string{
		`{"encrypt":"` + enc + `","Encrypt":"` + other + `"}`,
		`{"Encrypt":"` + other + `","encrypt":"` + enc + `"}`,
		`{"encrypt":"` + enc + `","encrypt":"` + enc + `"}`,
		`{"ENCRYPT":"` + enc + `","encrypt":"` + enc + `"}`,
	} {
		for range 20 { // map order used to decide
			if _, err := c.DecryptJSON(sig, "1732500061", "556677", []byte(body)); !errors.Is(err, ErrParseJSON) {
				t.Fatalf("%s: %v, want ErrParseJSON", body, err)
			}
		}
	}
	if got, err := c.DecryptJSON(sig, "1732500061", "556677", []byte(`{"tousername":"x","agentid":1,"Encrypt":"`+enc+`","nested":{"encrypt":"y"}}`)); err != nil || string(got.Plaintext) != `{"msgid":"m1"}` {
		t.Fatalf("one encrypt member among others: %q %v", got.Plaintext, err)
	}
}
