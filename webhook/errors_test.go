package webhook

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestErrorsCarryTheSDKPrefix: every error of the package reads "wecom: webhook: …".
func TestErrorsCarryTheSDKPrefix(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		ErrSignature, ErrParseXML, ErrToken, ErrAESKey, ErrReceiveIDMismatch, ErrEncryptAES, ErrDecryptAES,
		ErrIllegalBuffer, ErrBase64, ErrGenReply, ErrParseJSON, ErrTimestamp, ErrBodyTooLarge,
		wrap(ErrParseXML, "detail"),
	} {
		if !strings.HasPrefix(err.Error(), "wecom: webhook: ") {
			t.Errorf("%q", err)
		}
	}
	_, err := Parse([]byte("<xml>"))
	if !errors.Is(err, ErrParseXML) || err.Error() != "wecom: webhook: malformed XML: plaintext is not XML" {
		t.Errorf("Parse: %v", err)
	}
	_, err = specCrypto(t).Decrypt("sig", "1", "2", []byte("<xml><Encrypt>a</b></xml>"))
	if !errors.Is(err, ErrParseXML) || err.Error() != "wecom: webhook: malformed XML: body: mismatched end tag" {
		t.Errorf("Decrypt: %v", err)
	}
	out := call(t.Context(), func(ctx context.Context, ev Event) (Reply, error) { panic("boom") }, &Unknown{})
	if out.err == nil || !strings.HasPrefix(out.err.Error(), "wecom: webhook: handler panicked: ") {
		t.Errorf("panic: %v", out.err)
	}
}
