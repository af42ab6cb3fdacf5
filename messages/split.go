package messages

import (
	"strings"
	"unicode/utf8"
)

// SplitText cuts text into parts of at most maxBytes UTF-8 bytes each, for texts over a
// documented limit ([MaxTextBytes], [MaxMarkdownBytes], [MaxRobotMarkdownBytes]). It cuts after
// the last line break that fits, and only inside a line longer than maxBytes does it cut
// between runes, so no character is broken. Nothing is dropped: joining the parts gives text
// back; an empty text gives no parts. Invalid UTF-8 bytes are kept as single-byte units. maxBytes below 4 is raised to 4, the
// longest rune.
func SplitText(text string, maxBytes int) []string {
	maxBytes = max(maxBytes, utf8.UTFMax)
	var parts []string
	for len(text) > maxBytes {
		cut := strings.LastIndexByte(text[:maxBytes], '\n') + 1
		if cut == 0 {
			cut = maxBytes
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
			if cut == 0 {
				cut = maxBytes
			}
		}
		parts = append(parts, text[:cut])
		text = text[cut:]
	}
	if text != "" {
		parts = append(parts, text)
	}
	return parts
}
