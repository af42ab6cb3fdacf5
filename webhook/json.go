package webhook

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// JSON-format callbacks (intelligent robots, 智能机器人 API mode) use the same crypto with a JSON
// envelope: {"encrypt": "…"} in, {"encrypt","msgsignature","timestamp","nonce"} out. The
// plaintext inside is returned raw; its schema belongs to the robot API.

// DecryptJSON checks the signature of a JSON callback body and returns its decrypted content.
// The ciphertext is read from the "encrypt" member, matched case-insensitively (older samples
// write "Encrypt"); other members are ignored. A body with more than one such member
// ({"encrypt":…,"Encrypt":…}, or "encrypt" twice) is refused with ErrParseJSON: which one
// counts would otherwise depend on the reader.
// 解密JSON格式回调
func (c *Crypto) DecryptJSON(msgSignature, timestamp, nonce string, body []byte) (Envelope, error) {
	enc, err := jsonEncrypt(body)
	if err != nil {
		return Envelope{}, err
	}
	return c.DecryptString(msgSignature, timestamp, nonce, enc)
}

// jsonEncrypt returns the one encrypt member of a JSON object, reading it once as tokens.
func jsonEncrypt(body []byte) (string, error) {
	notObject := wrap(ErrParseJSON, "body is not a JSON object")
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", notObject
	}
	var enc string
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", notObject
		}
		key, _ := tok.(string)
		if !strings.EqualFold(key, "encrypt") {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", notObject
			}
			continue
		}
		if found {
			return "", wrap(ErrParseJSON, "more than one encrypt member")
		}
		found = true
		if err := dec.Decode(&enc); err != nil || enc == "" {
			return "", wrap(ErrParseJSON, "encrypt is not a non-empty string")
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return "", notObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", notObject
	}
	if !found {
		return "", wrap(ErrParseJSON, "no encrypt member")
	}
	return enc, nil
}

// EncryptReplyJSON wraps a plaintext reply (usually JSON) into the signed JSON reply envelope
// {"encrypt","msgsignature","timestamp","nonce"}; the timestamp is written as a string, as the
// official libraries do.
// 加密JSON格式被动回复
func (c *Crypto) EncryptReplyJSON(plaintext []byte, receiveID, timestamp, nonce string) ([]byte, error) {
	if !isDigits(timestamp) || !isSafeNonce(nonce) {
		return nil, wrap(ErrGenReply, "timestamp must be digits, nonce letters, digits, '-' or '_'")
	}
	enc, err := c.Encrypt(plaintext, receiveID)
	if err != nil {
		return nil, err
	}
	out, err := json.Marshal(struct {
		Encrypt      string `json:"encrypt"`
		MsgSignature string `json:"msgsignature"`
		TimeStamp    string `json:"timestamp"`
		Nonce        string `json:"nonce"`
	}{enc, c.Sign(timestamp, nonce, enc), timestamp, nonce})
	if err != nil {
		return nil, wrap(ErrGenReply, "cannot encode JSON reply")
	}
	return out, nil
}
