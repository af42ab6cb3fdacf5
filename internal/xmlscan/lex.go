// Package xmlscan reads the XML that WeCom sends (one root element, nested elements, text and
// CDATA; comments, processing instructions and attributes checked and skipped) several times
// faster than encoding/xml: it builds no tokens, interfaces or per-element reflection and
// reuses the input for every value that needs no decoding.
//
// It rejects every document encoding/xml's Decoder rejects (names, attribute syntax, entities,
// UTF-8 and the XML character range, "--" in comments, "]]>" in text, the xml declaration's
// version and encoding), and reads the same element names and texts when both accept;
// FuzzScan checks both directions with encoding/xml as the oracle. It is stricter where WeCom
// never goes: directives (DOCTYPE), element or attribute names outside ASCII, nesting deeper
// than MaxDepth.
package xmlscan

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds nesting; WeCom payloads are at most four levels deep.
const MaxDepth = 64

// token kinds returned by lexer.next.
const (
	tokEOF = iota
	tokStart
	tokSelfClose
	tokEnd
	tokText
	tokCDATA
)

// lexer walks b and reports tokens as offsets into it; it never allocates.
type lexer struct {
	b   []byte
	pos int
	// plain is false when the last text or CDATA token holds '\r' or (text only) '&', so its
	// value must go through decodeText.
	plain bool
}

var (
	cdataOpen   = []byte("<![CDATA[")
	cdataClose  = []byte("]]>")
	commentOpen = []byte("<!--")
	dashes      = []byte("--")
	piEnd       = []byte("?>")
)

// next returns the next token's kind and the [start, end) span of its name (elements) or
// content (text, CDATA). Comments and processing instructions are checked and skipped. ok is
// false when the input is not well-formed as encoding/xml sees it.
func (l *lexer) next() (kind, start, end int, ok bool) {
	b := l.b
	for {
		p := l.pos
		if p >= len(b) {
			return tokEOF, 0, 0, true
		}
		if b[p] != '<' {
			i := bytes.IndexByte(b[p:], '<')
			if i < 0 {
				i = len(b) - p
			}
			if l.plain, ok = checkText(b[p : p+i]); !ok {
				return 0, 0, 0, false
			}
			l.pos = p + i
			return tokText, p, p + i, true
		}
		if p+1 >= len(b) {
			return 0, 0, 0, false
		}
		switch b[p+1] {
		case '!':
			rest := b[p:]
			switch {
			case bytes.HasPrefix(rest, cdataOpen):
				s := p + len(cdataOpen)
				i := bytes.Index(b[s:], cdataClose)
				if i < 0 {
					return 0, 0, 0, false
				}
				if l.plain, ok = checkChars(b[s : s+i]); !ok {
					return 0, 0, 0, false
				}
				l.pos = s + i + len(cdataClose)
				return tokCDATA, s, s + i, true
			case bytes.HasPrefix(rest, commentOpen):
				// The first "--" must end the comment.
				s := p + len(commentOpen)
				i := bytes.Index(b[s:], dashes)
				if i < 0 || s+i+2 >= len(b) || b[s+i+2] != '>' {
					return 0, 0, 0, false
				}
				l.pos = s + i + 3
				continue
			}
			return 0, 0, 0, false // DOCTYPE and other directives: not part of WeCom's XML
		case '?':
			s := p + 2
			e := nameEnd(b, s, false)
			if e < 0 {
				return 0, 0, 0, false
			}
			i := bytes.Index(b[e:], piEnd)
			if i < 0 {
				return 0, 0, 0, false
			}
			if string(b[s:e]) == "xml" && !declOK(b[e:e+i]) {
				return 0, 0, 0, false
			}
			l.pos = e + i + len(piEnd)
			continue
		case '/':
			s := p + 2
			e := nameEnd(b, s, true)
			if e < 0 {
				return 0, 0, 0, false
			}
			q := skipSpace(b, e)
			if q >= len(b) || b[q] != '>' {
				return 0, 0, 0, false
			}
			l.pos = q + 1
			return tokEnd, s, e, true
		}
		s := p + 1
		e := nameEnd(b, s, true)
		if e < 0 {
			return 0, 0, 0, false
		}
		for q := e; ; {
			q = skipSpace(b, q)
			if q >= len(b) {
				return 0, 0, 0, false
			}
			switch b[q] {
			case '>':
				l.pos = q + 1
				return tokStart, s, e, true
			case '/':
				if q+1 >= len(b) || b[q+1] != '>' {
					return 0, 0, 0, false
				}
				l.pos = q + 2
				return tokSelfClose, s, e, true
			}
			// An attribute: name = "value" (or 'value'); no space needed before the next one.
			if q = nameEnd(b, q, true); q < 0 {
				return 0, 0, 0, false
			}
			if q = skipSpace(b, q); q >= len(b) || b[q] != '=' {
				return 0, 0, 0, false
			}
			if q = skipSpace(b, q+1); q >= len(b) || b[q] != '"' && b[q] != '\'' {
				return 0, 0, 0, false
			}
			i := bytes.IndexByte(b[q+1:], b[q])
			if i < 0 {
				return 0, 0, 0, false
			}
			v := b[q+1 : q+1+i]
			if bytes.IndexByte(v, '<') >= 0 {
				return 0, 0, 0, false
			}
			if _, ok := checkChars(v); !ok || bytes.IndexByte(v, '&') >= 0 && !checkRefs(v) {
				return 0, 0, 0, false
			}
			q += i + 2
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// nameByte classifies bytes for names: nameStart may start one, nameMore only continue it,
// nameColon is ':' (either), nameOther (non-ASCII) ends the scan with a refusal, 0 ends the name.
var nameByte = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c], t[c+'a'-'A'] = nameStart, nameStart
	}
	t['_'], t[':'] = nameStart, nameColon
	for c := '0'; c <= '9'; c++ {
		t[c] = nameMore
	}
	t['-'], t['.'] = nameMore, nameMore
	for c := utf8.RuneSelf; c < 256; c++ {
		t[c] = nameOther
	}
	return t
}()

const (
	nameStart = 1 + iota
	nameColon
	nameMore
	nameOther
)

// nameEnd returns the end of the XML name starting at b[s], or -1 if there is none. Like
// encoding/xml, a name runs to the first ASCII byte that cannot be in one; names with other
// bytes are refused (encoding/xml would check them against Unicode tables). Element and
// attribute names (qualified) may hold at most one colon, as in encoding/xml.
func nameEnd(b []byte, s int, qualified bool) int {
	if s >= len(b) || nameByte[b[s]] != nameStart && nameByte[b[s]] != nameColon {
		return -1
	}
	colons := 0
	e := s
	for ; e < len(b); e++ {
		k := nameByte[b[e]]
		if k == 0 {
			break
		}
		if k == nameOther {
			return -1
		}
		if k == nameColon {
			colons++
		}
	}
	if qualified && colons > 1 {
		return -1
	}
	return e
}

// declOK checks an xml declaration's content as encoding/xml does: version, if given, is 1.0
// and encoding, if given, is UTF-8.
func declOK(content []byte) bool {
	s := string(content)
	v := declParam(s, "version")
	e := declParam(s, "encoding")
	return (v == "" || v == "1.0") && (e == "" || strings.EqualFold(e, "utf-8"))
}

// declParam returns the quoted value after the first `name=` directly followed by a quote,
// the way encoding/xml reads declaration parameters (so neither sees "version = '2'").
func declParam(s, name string) string {
	key := name + "="
	for {
		k := strings.Index(s, key)
		if k < 0 || k+len(key) >= len(s) {
			return ""
		}
		q := s[k+len(key)]
		s = s[k+len(key)+1:]
		if q == '"' || q == '\'' {
			if j := strings.IndexByte(s, q); j >= 0 {
				return s[:j]
			}
			return ""
		}
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// checkChars reports whether b is UTF-8 of XML characters (tab, newline, carriage return and
// everything from U+0020 but U+FFFE and U+FFFF; UTF-8 excludes surrogates), and whether it
// is plain: free of '\r', which reading turns into '\n'.
func checkChars(b []byte) (plain, ok bool) {
	plain = true
	i := 0
	for i < len(b) {
		// 32, then 8 bytes at a time while all are in U+0020..U+007F.
		for i+32 <= len(b) {
			w := b[i : i+32]
			x0 := binary.LittleEndian.Uint64(w)
			x1 := binary.LittleEndian.Uint64(w[8:])
			x2 := binary.LittleEndian.Uint64(w[16:])
			x3 := binary.LittleEndian.Uint64(w[24:])
			if ((x0-0x20*ones)|x0|(x1-0x20*ones)|x1|(x2-0x20*ones)|x2|(x3-0x20*ones)|x3)&highs != 0 {
				break
			}
			i += 32
		}
		for i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			if (x-0x20*ones|x)&highs != 0 {
				break
			}
			i += 8
		}
		if i >= len(b) {
			break
		}
		n, cr, ok := xmlChar(b, i)
		if !ok {
			return false, false
		}
		plain = plain && !cr
		i += n
	}
	return plain, true
}

// xmlChar reads the character at b[i]: its length in bytes, whether it is a '\r' (which the
// decoder normalises, so the text is not plain), and whether XML allows it at all.
func xmlChar(b []byte, i int) (n int, cr, ok bool) {
	switch c := b[i]; {
	case c >= 0x20 && c < utf8.RuneSelf, c == '\t', c == '\n':
		return 1, false, true
	case c == '\r':
		return 1, true, true
	case c < 0x20:
		return 0, false, false
	}
	r, n := utf8.DecodeRune(b[i:])
	if r == utf8.RuneError && n == 1 || r == 0xFFFE || r == 0xFFFF {
		return 0, false, false
	}
	return n, false, true
}

// checkText is checkChars for character data outside CDATA, where "]]>" is an error and every
// '&' must start a known entity or a character reference; plain is also false with an '&'.
func checkText(b []byte) (plain, ok bool) {
	plain = true
	for i := 0; i < len(b); {
		switch c := b[i]; {
		case c == '&':
			j := bytes.IndexByte(b[i+1:], ';')
			if j < 0 {
				return false, false
			}
			if _, ok := entityValue(string(b[i+1 : i+1+j])); !ok {
				return false, false
			}
			plain = false
			i += j + 2
		case c == ']':
			if i+2 < len(b) && b[i+1] == ']' && b[i+2] == '>' {
				return false, false
			}
			i++
		default:
			n, cr, ok := xmlChar(b, i)
			if !ok {
				return false, false
			}
			plain = plain && !cr
			i += n
		}
	}
	return plain, true
}

// checkRefs reports whether every '&' in b starts a reference that decodes.
func checkRefs(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '&')
		if i < 0 {
			return true
		}
		b = b[i+1:]
		j := bytes.IndexByte(b, ';')
		if j < 0 {
			return false
		}
		if _, ok := entityValue(string(b[:j])); !ok {
			return false
		}
		b = b[j+1:]
	}
}

// entityValue decodes the name between '&' and ';' as encoding/xml does: the five predefined
// entities, or a decimal or (lower-case x) hexadecimal character reference to an XML
// character; a surrogate code point becomes U+FFFD.
func entityValue(name string) (string, bool) {
	switch name {
	case "lt":
		return "<", true
	case "gt":
		return ">", true
	case "amp":
		return "&", true
	case "apos":
		return "'", true
	case "quot":
		return `"`, true
	}
	if len(name) < 2 || name[0] != '#' {
		return "", false
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return "", false
	}
	n, err := strconv.ParseUint(digits, base, 32)
	if err != nil || n > utf8.MaxRune {
		return "", false
	}
	s := string(rune(n))
	if r, _ := utf8.DecodeRuneInString(s); !isChar(r) {
		return "", false
	}
	return s, true
}

func isChar(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= utf8.MaxRune
}
