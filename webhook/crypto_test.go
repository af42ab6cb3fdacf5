package webhook

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"strings"
	"testing"
)

// The spec's worked example (webhook.md §9).
const (
	specToken     = "SpecExampleToken2024"
	specKey       = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	specReceiveID = "wwspecexample000001"
)

func specCrypto(t testing.TB) *Crypto {
	t.Helper()
	c, err := NewCrypto(specToken, specKey, specReceiveID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSpecKeyDerivation(t *testing.T) {
	t.Parallel()
	c := specCrypto(t)
	if got := hex.EncodeToString(c.iv[:]); got != "69b71d79f8218a39259a7a29aabb2dba" {
		t.Fatalf("IV = %s", got)
	}
	// The spec key's last character has non-zero trailing bits: strict decoding must fail.
	if _, err := base64.StdEncoding.Strict().DecodeString(specKey + "="); err == nil {
		t.Fatal("strict base64 accepted the spec key; the vector no longer tests non-strict decoding")
	}
}

func TestSpecVerifyURL(t *testing.T) {
	t.Parallel()
	c := specCrypto(t)
	// echostr as it arrives after URL decoding of the query.
	echostr := "eCyIe0+uiijGBq44XutxngyRIB25IsHIItS6HxVlewiWEQJb8fM3ZsQ5OqsfBQxwofus/TrPJJX9jjvdtyXNlw=="
	got, err := c.VerifyURL("2bce3364ac365656aa4652b04384c579ab23bb3d", "1732500000", "384729156", echostr)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "6743159823104466501" {
		t.Fatalf("echo = %q", got)
	}
	// A '+' decoded to a space by form decoding is repaired.
	got, err = c.VerifyURL("2bce3364ac365656aa4652b04384c579ab23bb3d", "1732500000", "384729156", strings.ReplaceAll(echostr, "+", " "))
	if err != nil || string(got) != "6743159823104466501" {
		t.Fatalf("space-mangled echostr: %q, %v", got, err)
	}
	// Upper-case hex signatures are accepted.
	if _, err := c.VerifyURL("2BCE3364AC365656AA4652B04384C579AB23BB3D", "1732500000", "384729156", echostr); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyURL("2bce3364ac365656aa4652b04384c579ab23bb3e", "1732500000", "384729156", echostr); !errors.Is(err, ErrSignature) {
		t.Fatalf("bad signature: %v", err)
	}
}

func TestSpecDecrypt(t *testing.T) {
	t.Parallel()
	c := specCrypto(t)
	body := readTestdata(t, "spec_vector_body.xml")
	want := readTestdata(t, "spec_vector_plain.xml")
	got, err := c.Decrypt("af6f70ce04a621a3e8b0d972955917dda1978595", "1732500060", "918273645", body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("plaintext:\n%s\nwant\n%s", got, want)
	}
	if len(got) != 288 {
		t.Fatalf("msg_len %d, spec says 288", len(got))
	}
	env, err := c.DecryptEnvelope("af6f70ce04a621a3e8b0d972955917dda1978595", "1732500060", "918273645", body)
	if err != nil {
		t.Fatal(err)
	}
	if env.ReceiveID != specReceiveID || env.ToUserName != specReceiveID || env.AgentID != 1000002 || !bytes.Equal(env.Plaintext, want) {
		t.Fatalf("envelope %+v", env)
	}
	ev, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	msg, ok := ev.(*TextMessage)
	if !ok {
		t.Fatalf("Parse gave %T", ev)
	}
	if msg.Content != "你好 spec" || msg.FromUserName != "zhangsan" || msg.MsgID != 1234567890123456789 || msg.AgentID != 1000002 || msg.CreateTime != 1732500060 {
		t.Fatalf("%+v", msg)
	}
}

func TestSpecEncryptReply(t *testing.T) {
	t.Parallel()
	c := specCrypto(t)
	c.rand = strings.NewReader("0123456789abcdef")
	plain := `<xml><ToUserName><![CDATA[zhangsan]]></ToUserName><FromUserName><![CDATA[wwspecexample000001]]></FromUserName><CreateTime>1732500061</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到]]></Content></xml>`
	out, err := c.EncryptReply([]byte(plain), "1732500061", "556677")
	if err != nil {
		t.Fatal(err)
	}
	const wantEnc = "Q3stYC6hdFzMh9T8HCvyDM4IgQ4/K7m9dl0ABPZ6CYRF0Yid+k43oapYOjSIdqnC5QToU1lIR7wrYzwMGYUowlLnLjdMb9Wgsp8qqz01v9mMZTB7zhBTqc701FZ3q/+dwNWhp7ueTkBLWfsagNsO68XGkXmng+brYtSPBkfyx9RDv7uhnLXsHnsmuRkJ4UJPltFO9RJC6oiofEiRmAmmOWiny0Wm/dIhSef9Xeaopyz5FbV1QNsEW6ltuGk8v0V2e86TtxHXM6YqAkzKsSGYr9CGzX6TL6T07jNs1VWR7+siHKRuDg28/AufpeHFUOc/g3pSeOXXaqltBIy3mMgeNdDz7Wf/D7I7NJfvfSY5dpLgTXL4Qhx8KRznjxcAN7Ez"
	want := "<xml><Encrypt><![CDATA[" + wantEnc + "]]></Encrypt><MsgSignature><![CDATA[ac99a4f46ec0ab9b82c802f5de1dff4bbb759615]]></MsgSignature><TimeStamp>1732500061</TimeStamp><Nonce><![CDATA[556677]]></Nonce></xml>"
	if string(out) != want {
		t.Fatalf("reply envelope:\n%s\nwant\n%s", out, want)
	}
	// The reply envelope is itself a valid signed envelope for Decrypt.
	back, err := c.Decrypt("ac99a4f46ec0ab9b82c802f5de1dff4bbb759615", "1732500061", "556677", out)
	if err != nil || string(back) != plain {
		t.Fatalf("round trip: %q %v", back, err)
	}
}

func TestEncryptReplyRejectsUnsafeTimestampNonce(t *testing.T) {
	t.Parallel()
	c := specCrypto(t)
	for _, tc := range []struct{ ts, nonce string }{{"", "1"}, {"12a", "1"}, {"1", ""}, {"1", "a]]>b"}, {"1", "a b"}} {
		if _, err := c.EncryptReply([]byte("x"), tc.ts, tc.nonce); !errors.Is(err, ErrGenReply) {
			t.Errorf("%q/%q: %v", tc.ts, tc.nonce, err)
		}
	}
}

func randomKey(r *mrand.Rand) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 43)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func TestRoundTripRandomKeysAndSizes(t *testing.T) {
	t.Parallel()
	r := mrand.New(mrand.NewPCG(1, 2))
	sizes := []int{0, 1, 11, 12, 13, 31, 32, 33, 63, 64, 1000, 4096, 64<<10 - 1, 64 << 10}
	for i := 0; i < 40; i++ {
		sizes = append(sizes, r.IntN(64<<10+1))
	}
	for i, size := range sizes {
		key := randomKey(r)
		rid := []string{"", "wwcorp" + fmt.Sprint(i), "企业" + fmt.Sprint(i)}[i%3]
		c, err := NewCrypto("tok"+fmt.Sprint(i), key, rid)
		if err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
		msg := make([]byte, size)
		_, _ = rand.Read(msg)
		enc, err := c.Encrypt(msg, rid)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.StdEncoding.DecodeString(enc)
		if len(raw)%32 != 0 {
			t.Fatalf("ciphertext length %d not a multiple of 32", len(raw))
		}
		ts, nonce := fmt.Sprint(1700000000+i), fmt.Sprint(r.Uint32())
		body := []byte("<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
		env, err := c.DecryptEnvelope(c.Sign(ts, nonce, enc), ts, nonce, body)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if !bytes.Equal(env.Plaintext, msg) || env.ReceiveID != rid {
			t.Fatalf("size %d: round trip mismatch (rid %q)", size, env.ReceiveID)
		}
	}
}

func TestNewCryptoRejectsBadKeys(t *testing.T) {
	t.Parallel()
	for name, key := range map[string]string{
		"empty":    "",
		"42 chars": specKey[:42],
		"44 chars": specKey + "A",
		"non-b64":  specKey[:42] + "!",
		"newline":  specKey[:42] + "\n",
		"padding":  specKey[:42] + "=",
	} {
		_, err := NewCrypto(specToken, key, "")
		if !errors.Is(err, ErrAESKey) {
			t.Errorf("%s: err = %v", name, err)
			continue
		}
		var we *Error
		if !errors.As(err, &we) || we.Code != -40004 {
			t.Errorf("%s: code %v", name, err)
		}
		if key != "" && strings.Contains(err.Error(), key) {
			t.Errorf("%s: error shows the key", name)
		}
	}
}

// TestNewCryptoNamesTheBadArgument: each bad argument gets its own error, which names the
// argument and shows neither the Token nor the key.
func TestNewCryptoNamesTheBadArgument(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, token, key string
		want             *Error
		msg              string
	}{
		{"empty token", "", specKey, ErrToken, "wecom: webhook: invalid Token: the Token is empty"},
		{"empty token and key", "", "", ErrToken, "wecom: webhook: invalid Token: the Token is empty"},
		{"short key", specToken, specKey[:42], ErrAESKey,
			"wecom: webhook: invalid EncodingAESKey: EncodingAESKey must be 43 characters, got 42"},
		{"bad character", specToken, specKey[:10] + "!" + specKey[11:], ErrAESKey,
			"wecom: webhook: invalid EncodingAESKey: EncodingAESKey has a character outside base64 at position 11"},
	} {
		c, err := NewCrypto(tc.token, tc.key, specReceiveID)
		if c != nil || !errors.Is(err, tc.want) || err.Error() != tc.msg {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if tc.want == ErrToken && errors.Is(err, ErrAESKey) {
			t.Errorf("%s: blames the key", tc.name)
		}
		if strings.Contains(err.Error(), specToken) || strings.Contains(err.Error(), specKey[:11]) {
			t.Errorf("%s: error shows a secret", tc.name)
		}
	}
	// An empty receive ID is valid: it skips the receive-ID check (individual-subject ISVs,
	// corp-internal robots).
	if _, err := NewCrypto(specToken, specKey, ""); err != nil {
		t.Errorf("empty receive ID: %v", err)
	}
}

// forge builds a ciphertext from raw plaintext bytes (already padded or not) to reach every
// decrypt failure.
func forge(c *Crypto, plain []byte) string {
	buf := append([]byte(nil), plain...)
	cipher.NewCBCEncrypter(c.block, c.iv[:]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

func layout(msg, rid string) []byte {
	b := make([]byte, 20, 20+len(msg)+len(rid))
	copy(b, "RRRRRRRRRRRRRRRR")
	binary.BigEndian.PutUint32(b[16:], uint32(len(msg)))
	return append(append(b, msg...), rid...)
}

func pad(b []byte) []byte {
	n := 32 - len(b)%32
	return append(b, bytes.Repeat([]byte{byte(n)}, n)...)
}

func TestDecryptBadInput(t *testing.T) {
	t.Parallel()
	c := specCrypto(t)
	good := layout("<xml/>", specReceiveID)
	withLen := func(n uint32) []byte {
		b := layout("<xml/>", specReceiveID)
		binary.BigEndian.PutUint32(b[16:], n)
		return pad(b)
	}
	badPad := pad(append([]byte(nil), good...))
	badPad[len(badPad)-2] ^= 1
	zeroPad := append(append([]byte(nil), good...), make([]byte, 32-len(good)%32)...)
	bigPad := append(append([]byte(nil), good...), bytes.Repeat([]byte{33}, 32-len(good)%32)...)
	short := pad([]byte("0123456789"))
	cases := []struct {
		name string
		enc  string // ciphertext; "" means use body as is
		body string
		sig  string // "" means the right signature
		want error
	}{
		{name: "empty body", body: "", want: ErrParseXML},
		{name: "blank body", body: " \n", want: ErrParseXML},
		{name: "not xml", body: "hello", want: ErrParseXML},
		{name: "json", body: `{"encrypt":"abc"}`, want: ErrParseXML},
		{name: "no Encrypt", body: "<xml><ToUserName>x</ToUserName></xml>", want: ErrParseXML},
		{name: "empty Encrypt", body: "<xml><Encrypt></Encrypt></xml>", want: ErrParseXML},
		{name: "truncated", body: "<xml><Encrypt><![CDATA[abc]]></Encrypt>", want: ErrParseXML},
		{name: "mismatched", body: "<xml><Encrypt>abc</Encrypt></xm>", want: ErrParseXML},
		{name: "non-base64", enc: "not base64!!", want: ErrBase64},
		{name: "block size", enc: base64.StdEncoding.EncodeToString(make([]byte, 17)), want: ErrDecryptAES},
		{name: "bad pad bytes", enc: forge(c, badPad), want: ErrDecryptAES},
		{name: "zero pad", enc: forge(c, zeroPad), want: ErrDecryptAES},
		{name: "pad > 32", enc: forge(c, bigPad), want: ErrDecryptAES},
		{name: "too short", enc: forge(c, short), want: ErrIllegalBuffer},
		{name: "length past end", enc: forge(c, withLen(1000)), want: ErrIllegalBuffer},
		{name: "length max", enc: forge(c, withLen(0xFFFFFFFF)), want: ErrIllegalBuffer},
		{name: "wrong receive id", enc: forge(c, pad(layout("<xml/>", "wwother"))), want: ErrReceiveIDMismatch},
		{name: "wrong signature", enc: forge(c, pad(good)), sig: strings.Repeat("0", 40), want: ErrSignature},
		{name: "short signature", enc: forge(c, pad(good)), sig: "abc", want: ErrSignature},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := []byte(tc.body)
			enc := tc.enc
			if enc != "" {
				body = []byte("<xml><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>")
			}
			sig := tc.sig
			if sig == "" {
				sig = c.Sign("1", "2", enc)
			}
			got, err := c.Decrypt(sig, "1", "2", body)
			if !errors.Is(err, tc.want) || got != nil {
				t.Fatalf("got %q, %v; want %v", got, err, tc.want)
			}
			if strings.Contains(err.Error(), specKey) || strings.Contains(err.Error(), specToken) {
				t.Fatal("error shows a secret")
			}
		})
	}
	// The good layout itself decrypts, so the cases above fail for the reason they name.
	enc := forge(c, pad(good))
	if got, err := c.Decrypt(c.Sign("1", "2", enc), "1", "2", []byte("<xml><Encrypt>"+enc+"</Encrypt></xml>")); err != nil || string(got) != "<xml/>" {
		t.Fatalf("control: %q %v", got, err)
	}
}

func TestReceiveIDSetAndFunc(t *testing.T) {
	t.Parallel()
	base := specCrypto(t)
	encFor := func(rid string) string { return forge(base, pad(layout("<xml/>", rid))) }
	try := func(c *Crypto, rid string) error {
		enc := encFor(rid)
		_, err := c.DecryptString(c.Sign("1", "2", enc), "1", "2", enc)
		return err
	}
	set := base.WithReceiveIDs("suite1", "wwcorpA")
	for rid, ok := range map[string]bool{"suite1": true, "wwcorpA": true, specReceiveID: false, "": false} {
		if err := try(set, rid); (err == nil) != ok {
			t.Errorf("set, %q: %v", rid, err)
		}
	}
	fn := base.WithReceiveIDFunc(func(id string) bool { return strings.HasPrefix(id, "ww") })
	for rid, ok := range map[string]bool{"wwx": true, "dk1": false} {
		if err := try(fn, rid); (err == nil) != ok {
			t.Errorf("func, %q: %v", rid, err)
		}
	}
	anyID, _ := NewCrypto(specToken, specKey, "")
	if err := try(anyID, "whatever"); err != nil {
		t.Errorf("empty receive ID must skip the check: %v", err)
	}
	if err := try(base, "wwother"); !errors.Is(err, ErrReceiveIDMismatch) {
		t.Errorf("base unchanged by With…: %v", err)
	}
}

func TestCryptoHidesSecrets(t *testing.T) {
	t.Parallel()
	c := specCrypto(t)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "crypto", c)
	outs := []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%v", *c), buf.String()}
	key, _ := base64.StdEncoding.DecodeString(specKey + "=")
	for _, s := range outs {
		if strings.Contains(s, specToken) || strings.Contains(s, specKey) || strings.Contains(s, string(key)) ||
			strings.Contains(s, fmt.Sprint(key[:4])) || strings.Contains(s, hex.EncodeToString(key[:4])) {
			t.Errorf("secret in %q", s)
		}
	}
}

// TestSignatureLastCharacter: a signature differing only in its last character is rejected.
func TestSignatureLastCharacter(t *testing.T) {
	t.Parallel()
	c := specCrypto(t)
	enc := forge(c, pad(layout("<xml/>", specReceiveID)))
	sig := []byte(c.Sign("1", "2", enc))
	if sig[39] == '0' {
		sig[39] = '1'
	} else {
		sig[39] = '0'
	}
	if _, err := c.DecryptString(string(sig), "1", "2", enc); !errors.Is(err, ErrSignature) {
		t.Fatal(err)
	}
}
