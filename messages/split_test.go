package messages_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wecom-connector/wecom/messages"
)

func TestSplitText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		text string
		max  int
		want []string
	}{
		{"empty", "", 10, nil},
		{"fits", "hello", 10, []string{"hello"}},
		{"at line breaks", "line one\nline two\nline three", 18, []string{"line one\nline two\n", "line three"}},
		{"long line by runes", "订单进度落后计划", 7, []string{"订单", "进度", "落后", "计划"}},
		{"mixed", "ok\n好好好好", 8, []string{"ok\n", "好好", "好好"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := messages.SplitText(tc.text, tc.max)
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("SplitText(%q, %d) = %q, want %q", tc.text, tc.max, got, tc.want)
			}
		})
	}
}

func TestSplitTextFitsRobotSend(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 300 {
		b.WriteString("工厂 A 第 ")
		b.WriteString(strings.Repeat("九", i%7))
		b.WriteString(" 批次完成\n")
	}
	parts := messages.SplitText(b.String(), messages.MaxTextBytes)
	if len(parts) < 2 {
		t.Fatalf("%d bytes gave %d parts", b.Len(), len(parts))
	}
	for _, p := range parts[:len(parts)-1] {
		if !strings.HasSuffix(p, "\n") {
			t.Errorf("part does not end at a line break: %q", p[len(p)-20:])
		}
	}
}

func FuzzSplitText(f *testing.F) {
	f.Add("订单进度\n落后计划 behind plan", 7)
	f.Add("\xff\xfe abc", 4)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, text string, max int) {
		max = max%5000 + 1
		if max < 0 {
			max = -max
		}
		parts := messages.SplitText(text, max)
		if strings.Join(parts, "") != text {
			t.Fatalf("parts do not join back to the text")
		}
		limit := max
		if limit < utf8.UTFMax {
			limit = utf8.UTFMax
		}
		for _, p := range parts {
			if len(p) == 0 || len(p) > limit {
				t.Fatalf("part of %d bytes, limit %d", len(p), limit)
			}
			if utf8.ValidString(text) && !utf8.ValidString(p) {
				t.Fatalf("part %q cuts a rune", p)
			}
		}
	})
}
