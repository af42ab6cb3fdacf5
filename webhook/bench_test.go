package webhook

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Run: go test ./webhook -run '^$' -bench . -benchmem -count 6
//
// Each benchmark has its baseline as a sub-benchmark in the same run:
//   BenchmarkDecrypt/floor  sha1 + base64 + AES-CBC + unpad with the standard library, nothing else
//   BenchmarkDecrypt/usual  the common approach: encoding/xml for the envelope, then the floor
//   BenchmarkDecode/usual   encoding/xml envelope, decrypt, encoding/xml into a struct
//   BenchmarkHandler/usual  an http.Handler doing the usual decode and answering empty
//
// BenchmarkHandler/sdk claims a dedupe lease, runs the function and writes the done mark (two
// store calls); the Handler before leases made one (SetNX). Compare the two by running this
// benchmark on both versions, interleaved.

type benchInput struct {
	c                   *Crypto
	key                 []byte
	ts, nonce, sig, enc string
	body                []byte
}

func newBenchInput(b *testing.B) benchInput {
	c := specCrypto(b)
	plain := readTestdata(b, "events/create_user.xml")
	enc, err := c.Encrypt(plain, specReceiveID)
	if err != nil {
		b.Fatal(err)
	}
	key, _ := base64.StdEncoding.DecodeString(specKey + "=")
	in := benchInput{c: c, key: key, ts: "1732500060", nonce: "918273645", enc: enc}
	in.sig = c.Sign(in.ts, in.nonce, enc)
	in.body = []byte("<xml><ToUserName><![CDATA[" + specReceiveID + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>")
	return in
}

// floorDecrypt is the minimal standard-library receive path: signature, base64, AES-CBC, unpad.
func floorDecrypt(block cipher.Block, iv []byte, token, ts, nonce, sig, enc string) ([]byte, error) {
	parts := []string{token, ts, nonce, enc}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	if hex.EncodeToString(sum[:]) != sig {
		return nil, errors.New("signature")
	}
	buf, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(buf) == 0 || len(buf)%aes.BlockSize != 0 {
		return nil, errors.New("ciphertext")
	}
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(buf, buf)
	n := int(buf[len(buf)-1])
	if n < 1 || n > 32 || n > len(buf) {
		return nil, errors.New("padding")
	}
	return buf[:len(buf)-n], nil
}

type usualEnvelope struct {
	ToUserName string `xml:"ToUserName"`
	AgentID    string `xml:"AgentID"`
	Encrypt    string `xml:"Encrypt"`
}

// usualChangeContact is how callers usually decode change_contact: encoding/xml into a struct.
type usualChangeContact struct {
	ToUserName     string `xml:"ToUserName"`
	FromUserName   string `xml:"FromUserName"`
	CreateTime     int64  `xml:"CreateTime"`
	MsgType        string `xml:"MsgType"`
	Event          string `xml:"Event"`
	ChangeType     string `xml:"ChangeType"`
	UserID         string `xml:"UserID"`
	NewUserID      string `xml:"NewUserID"`
	Name           string `xml:"Name"`
	Department     string `xml:"Department"`
	MainDepartment int64  `xml:"MainDepartment"`
	IsLeaderInDept string `xml:"IsLeaderInDept"`
	DirectLeader   string `xml:"DirectLeader"`
	Position       string `xml:"Position"`
	Mobile         string `xml:"Mobile"`
	Gender         int    `xml:"Gender"`
	Email          string `xml:"Email"`
	BizMail        string `xml:"BizMail"`
	Status         int    `xml:"Status"`
	Avatar         string `xml:"Avatar"`
	Alias          string `xml:"Alias"`
	Telephone      string `xml:"Telephone"`
	Address        string `xml:"Address"`
	ExtAttr        []struct {
		Name  string `xml:"Name"`
		Type  int    `xml:"Type"`
		Value string `xml:"Text>Value"`
	} `xml:"ExtAttr>Item"`
}

func usualDecode(block cipher.Block, iv []byte, in *benchInput, body []byte) (*usualChangeContact, error) {
	var env usualEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	buf, err := floorDecrypt(block, iv, specToken, in.ts, in.nonce, in.sig, env.Encrypt)
	if err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(buf[16:20])
	if string(buf[20+n:]) != specReceiveID {
		return nil, errors.New("receive id")
	}
	var ev usualChangeContact
	if err := xml.Unmarshal(buf[20:20+n], &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

func BenchmarkDecrypt(b *testing.B) {
	in := newBenchInput(b)
	block, _ := aes.NewCipher(in.key)
	iv := in.key[:16]
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in.body)))
		for b.Loop() {
			if _, err := floorDecrypt(block, iv, specToken, in.ts, in.nonce, in.sig, in.enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in.body)))
		for b.Loop() {
			if _, err := in.c.Decrypt(in.sig, in.ts, in.nonce, in.body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("usual", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(in.body)))
		for b.Loop() {
			var env usualEnvelope
			if err := xml.Unmarshal(in.body, &env); err != nil {
				b.Fatal(err)
			}
			if _, err := floorDecrypt(block, iv, specToken, in.ts, in.nonce, in.sig, env.Encrypt); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	in := newBenchInput(b)
	block, _ := aes.NewCipher(in.key)
	iv := in.key[:16]
	b.Run("usual", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ev, err := usualDecode(block, iv, &in, in.body)
			if err != nil || ev.UserID != "WangFang" {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			plain, err := in.c.Decrypt(in.sig, in.ts, in.nonce, in.body)
			if err != nil {
				b.Fatal(err)
			}
			ev, err := Parse(plain)
			if err != nil || ev.(*UserCreated).UserID != "WangFang" {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkHandler(b *testing.B) {
	in := newBenchInput(b)
	block, _ := aes.NewCipher(in.key)
	iv := in.key[:16]
	target := "/callback?" + url.Values{"msg_signature": {in.sig}, "timestamp": {in.ts}, "nonce": {in.nonce}}.Encode()
	run := func(b *testing.B, h http.Handler) {
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(string(in.body)))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				b.Fatal(w.Code)
			}
		}
	}
	b.Run("usual", func(b *testing.B) {
		run(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				w.WriteHeader(400)
				return
			}
			q := r.URL.Query()
			if q.Get("msg_signature") != in.sig {
				w.WriteHeader(403)
				return
			}
			if _, err := usualDecode(block, iv, &in, body); err != nil {
				w.WriteHeader(400)
			}
		}))
	})
	b.Run("sdk", func(b *testing.B) {
		// Every iteration is a new delivery for dedupe (same payload, distinct key).
		var seq atomic.Int64
		h := NewHandler(in.c, WithDedupeKey(func(ev Event, p []byte, rid string) string {
			return DedupeKey(ev, p, rid) + ":" + strconv.FormatInt(seq.Add(1), 10)
		}))
		h.now = func() time.Time { return time.Unix(1732500060, 0) } // the input's timestamp
		On(h, func(ctx context.Context, ev *UserCreated) (Reply, error) { return nil, nil })
		run(b, h)
	})
}
