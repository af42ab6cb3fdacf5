package webhook

import (
	"encoding/json"
	"strings"
)

// JSON-format callbacks (intelligent robots, 智能机器人 API mode) use the same crypto with a JSON
// envelope: {"encrypt": "…"} in, {"encrypt","msgsignature","timestamp","nonce"} out. The
// plaintext inside is returned raw; its schema belongs to the robot API.

// DecryptJSON checks the signature of a JSON callback body and returns its decrypted content.
// The ciphertext is read from the "encrypt" member, matched case-insensitively (older samples
// write "Encrypt"); other members are ignored.
// 解密JSON格式回调
func (c *Crypto) DecryptJSON(msgSignature, timestamp, nonce string, body []byte) (Envelope, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return Envelope{}, wrap(ErrParseJSON, "body is not a JSON object")
	}
	for k, v := range m {
		if !strings.EqualFold(k, "encrypt") {
			continue
		}
		var enc string
		if err := json.Unmarshal(v, &enc); err != nil || enc == "" {
			return Envelope{}, wrap(ErrParseJSON, "encrypt is not a non-empty string")
		}
		return c.DecryptString(msgSignature, timestamp, nonce, enc)
	}
	return Envelope{}, wrap(ErrParseJSON, "no encrypt member")
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
