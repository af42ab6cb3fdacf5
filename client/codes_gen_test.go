package client

import (
	"strings"
	"testing"
)

func TestCodeHint(t *testing.T) {
	t.Parallel()
	if h := codeHintOf(CodeInsecureIP); !strings.Contains(h, "trusted IP list") {
		t.Errorf("hint for 60020 = %q", h)
	}
	if h := codeHintOf(CodeInvalidUserID); h != "" {
		t.Errorf("40003 has a hint: %q", h)
	}
	if h := codeHintOf(123456789); h != "" {
		t.Errorf("unknown code has a hint: %q", h)
	}
	if CodeText(CodeInvalidOpenKfID) == "" || CodeText(CodeChatNotFound) == "" {
		t.Error("domain errcodes (95000, 86003) have no text")
	}
}
