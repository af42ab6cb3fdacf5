package webhook

// Error is a callback crypto or decoding failure with the numeric code of WeCom's official
// crypto libraries (WXBizMsgCrypt), so logs can be compared with theirs.
// 回调加解密错误码
//
// Match a kind with errors.Is against the exported sentinels (ErrSignature, …); read the code
// with errors.As. The message never holds the token, the key, the body or the plaintext.
type Error struct {
	// Code is the official library's code, e.g. -40001 for a bad signature; 0 for failures the
	// libraries do not number (timestamp window, body size).
	Code int
	msg  string
}

// Error returns the failure's description, never a secret.
func (e *Error) Error() string { return "wecom: webhook: " + e.msg }

// Sentinel errors returned (wrapped with detail) by Crypto, Parse and Handler.
var (
	// ErrSignature means msg_signature does not match token, timestamp, nonce and ciphertext (-40001).
	// 签名校验错误
	ErrSignature = &Error{Code: -40001, msg: "signature mismatch"}
	// ErrParseXML means the body or plaintext is not the expected XML: empty, not XML, or an
	// envelope without Encrypt (-40002).
	ErrParseXML = &Error{Code: -40002, msg: "malformed XML"}
	// ErrToken means NewCrypto was given an empty Token (the official libraries do not number
	// this case).
	ErrToken = &Error{msg: "invalid Token"}
	// ErrAESKey means the EncodingAESKey is not 43 characters of base64 for a 32-byte key (-40004).
	ErrAESKey = &Error{Code: -40004, msg: "invalid EncodingAESKey"}
	// ErrReceiveIDMismatch means the receive ID inside the plaintext (corp ID, suite ID) is not an
	// accepted one (-40005).
	// ReceiveId 校验错误
	ErrReceiveIDMismatch = &Error{Code: -40005, msg: "receive ID mismatch"}
	// ErrEncryptAES means a reply could not be encrypted (-40006).
	ErrEncryptAES = &Error{Code: -40006, msg: "encryption failed"}
	// ErrDecryptAES means the ciphertext has a wrong block size or bad PKCS#7 padding (-40007).
	ErrDecryptAES = &Error{Code: -40007, msg: "decryption failed"}
	// ErrIllegalBuffer means the decrypted buffer is too short or its length field points past
	// its end (-40008).
	ErrIllegalBuffer = &Error{Code: -40008, msg: "illegal plaintext buffer"}
	// ErrBase64 means the ciphertext is not valid base64 (-40010).
	ErrBase64 = &Error{Code: -40010, msg: "invalid base64 ciphertext"}
	// ErrGenReply means a passive reply could not be rendered (bad timestamp or nonce, XML
	// marshalling failure) (-40011).
	ErrGenReply = &Error{Code: -40011, msg: "cannot build reply"}
	// ErrParseJSON means a JSON-format callback body has no string "encrypt" member (-40012 in
	// the official Go JSON library).
	ErrParseJSON = &Error{Code: -40012, msg: "malformed JSON envelope"}
	// ErrTimestamp means the signed timestamp is outside the Handler's tolerance window.
	ErrTimestamp = &Error{msg: "timestamp outside tolerance"}
	// ErrBodyTooLarge means the request body exceeds the Handler's limit.
	ErrBodyTooLarge = &Error{msg: "body too large"}
)

func wrap(sentinel *Error, detail string) error {
	return &detailed{sentinel: sentinel, detail: detail}
}

// detailed adds a non-secret detail to a sentinel while keeping errors.Is and errors.As working.
type detailed struct {
	sentinel *Error
	detail   string
}

// Error returns the sentinel's message and the detail.
func (d *detailed) Error() string { return d.sentinel.Error() + ": " + d.detail }

// Unwrap returns the sentinel.
func (d *detailed) Unwrap() error { return d.sentinel }
