package webhook

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/wecom-connector/wecom/internal/xmlscan"
)

// Crypto verifies, decrypts and encrypts WeCom callbacks with one callback configuration: the
// Token, the EncodingAESKey and the receive ID (corp ID, suite ID or template ID).
// 回调加解密（WXBizMsgCrypt）
//
// It is safe for concurrent use and immutable; the With… methods return modified copies. Its
// String and LogValue never show the token or the key.
type Crypto struct {
	token     string
	block     cipher.Block
	iv        [aes.BlockSize]byte
	receiveID string              // used by EncryptReply and, if non-empty and no set/func, checked
	ids       map[string]struct{} // WithReceiveIDs
	accept    func(string) bool   // WithReceiveIDFunc
	rand      io.Reader           // 16-byte random prefixes; tests inject a fixed one
}

// blockSize is WeCom's PKCS#7 block size, twice AES's.
const blockSize = 32

// NewCrypto returns a Crypto for one callback configuration. encodingAESKey must be the
// 43-character key from the admin console; receiveID is the corp ID for corp apps, the suite ID
// for an ISV's command callbacks, or empty to skip the receive-ID check (individual-subject
// apps, corp-internal robots).
// 回调配置：Token、EncodingAESKey、ReceiveId
//
// An ISV whose one URL serves many corps and its suite sets the accepted IDs with
// [Crypto.WithReceiveIDs] or [Crypto.WithReceiveIDFunc].
func NewCrypto(token, encodingAESKey, receiveID string) (*Crypto, error) {
	if token == "" {
		return nil, wrap(ErrToken, "the Token is empty")
	}
	if len(encodingAESKey) != 43 {
		return nil, wrap(ErrAESKey, "EncodingAESKey must be 43 characters, got "+strconv.Itoa(len(encodingAESKey)))
	}
	for i := 0; i < len(encodingAESKey); i++ {
		c := encodingAESKey[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			// The position, never the character: the rest of the key may be right.
			return nil, wrap(ErrAESKey, "EncodingAESKey has a character outside base64 at position "+strconv.Itoa(i+1))
		}
	}
	// Non-strict decoding on purpose: the 43rd character's two low bits are usually non-zero.
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, wrap(ErrAESKey, "EncodingAESKey does not decode to 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, wrap(ErrAESKey, "cannot build AES cipher")
	}
	c := &Crypto{token: token, block: block, receiveID: receiveID, rand: rand.Reader}
	copy(c.iv[:], key[:aes.BlockSize])
	return c, nil
}

// WithReceiveIDs returns a copy of c that accepts a callback whose receive ID is any of ids
// (for example an ISV's suite ID and the corp IDs of its authorizing corps). The receive ID given
// to NewCrypto stays the one EncryptReply uses.
// 多个 ReceiveId
func (c *Crypto) WithReceiveIDs(ids ...string) *Crypto {
	cp := *c
	cp.ids = make(map[string]struct{}, len(ids))
	for _, id := range ids {
		cp.ids[id] = struct{}{}
	}
	cp.accept = nil
	return &cp
}

// WithReceiveIDFunc returns a copy of c that accepts a callback when accept returns true for its
// decrypted receive ID, e.g. a lookup in the ISV's table of authorized corps.
func (c *Crypto) WithReceiveIDFunc(accept func(receiveID string) bool) *Crypto {
	cp := *c
	cp.accept = accept
	cp.ids = nil
	return &cp
}

// String describes c without its token or key.
func (c Crypto) String() string {
	return "webhook.Crypto{token:[redacted], key:[redacted]}"
}

// GoString is String, so %#v cannot print the key either.
func (c Crypto) GoString() string { return c.String() }

// Format prints String whatever the verb, so no verb (%d, %x, …) reaches the Token or key.
func (c Crypto) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue keeps the token and key out of slog output.
func (c Crypto) LogValue() slog.Value { return slog.StringValue(c.String()) }

// checkReceiveID applies the configured receive-ID rule to rid.
func (c *Crypto) checkReceiveID(rid []byte) bool {
	switch {
	case c.accept != nil:
		return c.accept(string(rid))
	case c.ids != nil:
		_, ok := c.ids[string(rid)]
		return ok
	case c.receiveID != "":
		return string(rid) == c.receiveID
	}
	return true
}

// Envelope is one decrypted callback: the plaintext and where it was addressed.
// 解密后的回调
type Envelope struct {
	// Plaintext is the decrypted message: XML for normal callbacks, the echo string for URL
	// verification.
	Plaintext []byte
	// ReceiveID is the receive ID found inside the ciphertext (signed, unlike ToUserName).
	ReceiveID string
	// ToUserName and AgentID are the unsigned envelope elements, informational only; AgentID
	// is 0 when absent or empty (ISV command callbacks).
	ToUserName string
	AgentID    int
}

// VerifyURL answers WeCom's URL-verification GET: it checks the signature over echostr,
// decrypts it and returns the plaintext that must be the whole 200 response body.
// 验证回调URL
func (c *Crypto) VerifyURL(msgSignature, timestamp, nonce, echostr string) ([]byte, error) {
	// A literal '+' in a raw query decodes to a space; base64 never holds spaces.
	echostr = strings.ReplaceAll(echostr, " ", "+")
	env, err := c.DecryptString(msgSignature, timestamp, nonce, echostr)
	if err != nil {
		return nil, err
	}
	return env.Plaintext, nil
}

// Decrypt checks the signature of the POSTed XML envelope body and returns the plaintext XML.
// 解密回调消息
func (c *Crypto) Decrypt(msgSignature, timestamp, nonce string, body []byte) ([]byte, error) {
	enc, _, _, err := envelopeFields(body, false)
	if err != nil {
		return nil, err
	}
	msg, _, err := c.open(msgSignature, timestamp, nonce, view{b: enc, isBytes: true})
	return msg, err
}

// DecryptEnvelope is Decrypt that also returns the decrypted receive ID and the envelope's
// ToUserName and AgentID; an ISV serving many corps learns the corp from ReceiveID.
func (c *Crypto) DecryptEnvelope(msgSignature, timestamp, nonce string, body []byte) (Envelope, error) {
	enc, to, agent, err := envelopeFields(body, true)
	if err != nil {
		return Envelope{}, err
	}
	msg, rid, err := c.open(msgSignature, timestamp, nonce, view{b: enc, isBytes: true})
	if err != nil {
		return Envelope{}, err
	}
	agentID, _ := strconv.Atoi(string(agent))
	return Envelope{Plaintext: msg, ReceiveID: string(rid), ToUserName: string(to), AgentID: agentID}, nil
}

// DecryptString verifies and decrypts one ciphertext given as a string: an echostr, or the
// encrypt value of a JSON-format callback (智能机器人).
func (c *Crypto) DecryptString(msgSignature, timestamp, nonce, encrypt string) (Envelope, error) {
	msg, rid, err := c.open(msgSignature, timestamp, nonce, view{s: encrypt})
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{Plaintext: msg, ReceiveID: string(rid)}, nil
}

// open runs the receive-side steps in the documented order: signature, base64, block size,
// AES-CBC, padding, length field, receive ID. msg and rid alias one fresh buffer.
func (c *Crypto) open(msgSignature, timestamp, nonce string, enc view) (msg, rid []byte, err error) {
	if !c.verify(msgSignature, timestamp, nonce, enc) {
		return nil, nil, ErrSignature
	}
	var src []byte
	if enc.isBytes {
		src = enc.b
	} else {
		src = []byte(enc.s)
	}
	buf := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	n, err := base64.StdEncoding.Decode(buf, src)
	if err != nil {
		return nil, nil, wrap(ErrBase64, "ciphertext is not base64")
	}
	buf = buf[:n]
	if n == 0 || n%aes.BlockSize != 0 {
		return nil, nil, wrap(ErrDecryptAES, "ciphertext is not a whole number of blocks")
	}
	cipher.NewCBCDecrypter(c.block, c.iv[:]).CryptBlocks(buf, buf)
	pad := int(buf[n-1])
	if pad < 1 || pad > blockSize || pad > n {
		return nil, nil, wrap(ErrDecryptAES, "bad padding")
	}
	for _, p := range buf[n-pad:] {
		if int(p) != pad {
			return nil, nil, wrap(ErrDecryptAES, "bad padding")
		}
	}
	buf = buf[:n-pad]
	if len(buf) < 20 {
		return nil, nil, wrap(ErrIllegalBuffer, "plaintext shorter than its header")
	}
	msgLen := uint64(binary.BigEndian.Uint32(buf[16:20]))
	if 20+msgLen > uint64(len(buf)) {
		return nil, nil, wrap(ErrIllegalBuffer, "length field past the end")
	}
	msg, rid = buf[20:20+msgLen:20+msgLen], buf[20+msgLen:]
	if !c.checkReceiveID(rid) {
		return nil, nil, ErrReceiveIDMismatch
	}
	return msg, rid, nil
}

// view is a string or a byte slice without converting one into the other.
type view struct {
	s       string
	b       []byte
	isBytes bool
}

func (v view) less(w view) bool {
	switch {
	case v.isBytes:
		return string(v.b) < w.s
	case w.isBytes:
		return v.s < string(w.b)
	}
	return v.s < w.s
}

var sigBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// signature computes msg_signature: SHA-1 over the four values sorted bytewise and joined.
func (c *Crypto) signature(timestamp, nonce string, enc view) [sha1.Size]byte {
	parts := [4]view{{s: c.token}, {s: timestamp}, {s: nonce}, enc}
	for i := 1; i < len(parts); i++ {
		for j := i; j > 0 && parts[j].less(parts[j-1]); j-- {
			parts[j], parts[j-1] = parts[j-1], parts[j]
		}
	}
	bp := sigBufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, p := range parts {
		if p.isBytes {
			buf = append(buf, p.b...)
		} else {
			buf = append(buf, p.s...)
		}
	}
	sum := sha1.Sum(buf)
	if cap(buf) <= 1<<20 {
		*bp = buf
		sigBufPool.Put(bp)
	}
	return sum
}

// verify compares msgSignature with the expected one in constant time; upper-case hex is
// accepted.
func (c *Crypto) verify(msgSignature, timestamp, nonce string, enc view) bool {
	if len(msgSignature) != 2*sha1.Size {
		return false
	}
	var got, want [2 * sha1.Size]byte
	for i := 0; i < len(got); i++ {
		ch := msgSignature[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		got[i] = ch
	}
	sum := c.signature(timestamp, nonce, enc)
	hex.Encode(want[:], sum[:])
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// Sign returns msg_signature for a ciphertext: what WeCom puts in the query string and what a
// passive reply carries as MsgSignature.
// 计算消息签名
func (c *Crypto) Sign(timestamp, nonce, encrypt string) string {
	sum := c.signature(timestamp, nonce, view{s: encrypt})
	return hex.EncodeToString(sum[:])
}

// Encrypt encrypts msg for receiveID the way WeCom does (random prefix, length, message,
// receive ID, PKCS#7 to 32 bytes, AES-256-CBC) and returns the base64 ciphertext.
// 加密
func (c *Crypto) Encrypt(msg []byte, receiveID string) (string, error) {
	if uint64(len(msg)) > math.MaxUint32 {
		return "", wrap(ErrEncryptAES, "message too long")
	}
	n := 20 + len(msg) + len(receiveID)
	pad := blockSize - n%blockSize
	buf := make([]byte, n+pad)
	if _, err := io.ReadFull(c.rand, buf[:16]); err != nil {
		return "", wrap(ErrEncryptAES, "no randomness")
	}
	binary.BigEndian.PutUint32(buf[16:20], uint32(len(msg)))
	copy(buf[20:], msg)
	copy(buf[20+len(msg):], receiveID)
	for i := n; i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(c.block, c.iv[:]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf), nil
}

// EncryptReply wraps a plaintext reply into the signed, encrypted reply envelope XML, for the
// receive ID given to NewCrypto. timestamp and nonce may be the request's.
// 被动回复加密
func (c *Crypto) EncryptReply(plaintext []byte, timestamp, nonce string) ([]byte, error) {
	return c.EncryptReplyFor(plaintext, c.receiveID, timestamp, nonce)
}

// EncryptReplyFor is EncryptReply for an explicit receive ID: the one decrypted from the request
// (Envelope.ReceiveID) when c accepts several.
func (c *Crypto) EncryptReplyFor(plaintext []byte, receiveID, timestamp, nonce string) ([]byte, error) {
	if !isDigits(timestamp) {
		return nil, wrap(ErrGenReply, "timestamp must be decimal digits")
	}
	if !isSafeNonce(nonce) {
		return nil, wrap(ErrGenReply, "nonce must be letters, digits, '-' or '_'")
	}
	enc, err := c.Encrypt(plaintext, receiveID)
	if err != nil {
		return nil, err
	}
	sig := c.Sign(timestamp, nonce, enc)
	var b bytes.Buffer
	b.Grow(len(enc) + len(timestamp) + len(nonce) + 160)
	b.WriteString("<xml><Encrypt><![CDATA[")
	b.WriteString(enc)
	b.WriteString("]]></Encrypt><MsgSignature><![CDATA[")
	b.WriteString(sig)
	b.WriteString("]]></MsgSignature><TimeStamp>")
	b.WriteString(timestamp)
	b.WriteString("</TimeStamp><Nonce><![CDATA[")
	b.WriteString(nonce)
	b.WriteString("]]></Nonce></xml>")
	return b.Bytes(), nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isSafeNonce(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// envelopeNames are the envelope elements read: Encrypt, then ToUserName and AgentID.
var envelopeNames = []string{"Encrypt", "ToUserName", "AgentID"}

// envelopeFields reads the Encrypt (and, if all, ToUserName and AgentID) children of the
// envelope's root without building a tree; values alias body unless they needed decoding. A
// value split into several text or CDATA segments is refused (ErrParseXML) as soon as the
// second one appears: WeCom never splits them, and the work done on a body before its
// signature is checked stays one pass over it.
func envelopeFields(body []byte, all bool) (enc, to, agent []byte, err error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, nil, wrap(ErrParseXML, "empty body")
	}
	var vals [3][]byte
	n := 1
	if all {
		n = 3
	}
	if err := xmlscan.FieldsOneSegment(body, envelopeNames[:n], vals[:n]); err != nil {
		return nil, nil, nil, wrap(ErrParseXML, "body: "+string(err.(xmlscan.SyntaxError)))
	}
	if len(vals[0]) == 0 {
		return nil, nil, nil, wrap(ErrParseXML, "no Encrypt element")
	}
	return vals[0], vals[1], vals[2], nil
}
