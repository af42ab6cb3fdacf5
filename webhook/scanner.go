package webhook

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds a small XML reader for the subset WeCom sends: one root element, nested
// elements, text and CDATA, comments and processing instructions skipped, attributes skipped,
// the five predefined entities and character references decoded, line endings normalised as
// XML requires. encoding/xml is the oracle it is fuzzed against (FuzzScanner); it is several
// times faster because it builds no tokens, interfaces or reflection per element and reuses the
// input for every value that needs no decoding.

// maxDepth bounds nesting; WeCom payloads are at most four levels deep.
const maxDepth = 64

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
}

var (
	cdataOpen  = []byte("<![CDATA[")
	cdataClose = []byte("]]>")
	commentEnd = []byte("-->")
	piEnd      = []byte("?>")
)

// next returns the next token's kind and the [start, end) span of its name (elements) or
// content (text, CDATA). Comments and processing instructions are skipped.
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
			l.pos = p + i
			return tokText, p, p + i, true
		}
		rest := b[p:]
		switch {
		case bytes.HasPrefix(rest, cdataOpen):
			s := p + len(cdataOpen)
			i := bytes.Index(b[s:], cdataClose)
			if i < 0 {
				return 0, 0, 0, false
			}
			l.pos = s + i + len(cdataClose)
			return tokCDATA, s, s + i, true
		case len(rest) >= 4 && rest[1] == '!' && rest[2] == '-' && rest[3] == '-':
			i := bytes.Index(b[p+4:], commentEnd)
			if i < 0 {
				return 0, 0, 0, false
			}
			l.pos = p + 4 + i + len(commentEnd)
			continue
		case len(rest) >= 2 && rest[1] == '?':
			i := bytes.Index(b[p+2:], piEnd)
			if i < 0 {
				return 0, 0, 0, false
			}
			l.pos = p + 2 + i + len(piEnd)
			continue
		case len(rest) >= 2 && rest[1] == '!':
			return 0, 0, 0, false // DOCTYPE and other directives: not part of WeCom's XML
		case len(rest) >= 2 && rest[1] == '/':
			s := p + 2
			e := s
			for e < len(b) && !isNameEnd(b[e]) {
				e++
			}
			q := e
			for q < len(b) && isSpace(b[q]) {
				q++
			}
			if e == s || q >= len(b) || b[q] != '>' {
				return 0, 0, 0, false
			}
			l.pos = q + 1
			return tokEnd, s, e, true
		}
		s := p + 1
		e := s
		for e < len(b) && !isNameEnd(b[e]) {
			e++
		}
		if e == s {
			return 0, 0, 0, false
		}
		// Skip attributes up to '>' or '/>', honouring quotes.
		for q := e; q < len(b); q++ {
			switch c := b[q]; c {
			case '"', '\'':
				i := bytes.IndexByte(b[q+1:], c)
				if i < 0 {
					return 0, 0, 0, false
				}
				q += i + 1
			case '>':
				l.pos = q + 1
				if b[q-1] == '/' && q-1 >= e {
					return tokSelfClose, s, e, true
				}
				return tokStart, s, e, true
			}
		}
		return 0, 0, 0, false
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isNameEnd(c byte) bool { return isSpace(c) || c == '/' || c == '>' }

// node is one element of a parsed document. Children form a linked list through next.
type node struct {
	name    string
	text    string // character data, kept only while the element has no child elements
	first   int32  // first child, -1 if none
	last    int32  // last child, -1 if none
	next    int32  // next sibling, -1 if none
	hasText bool
}

// tree is a parsed document; nodes[0] is the root element.
type tree struct {
	nodes []node
}

// scan parses the first element of b (WeCom's <xml>…</xml>) into a tree; s must hold the same
// bytes as b. Text before the root is skipped and anything after it ignored, as encoding/xml's
// Unmarshal does. Names and values are substrings of s whenever no decoding is needed.
func scan(b []byte, s string) (tree, bool) {
	l := lexer{b: b}
	t := tree{nodes: make([]node, 0, strings.Count(s, "<")/2+1)}
	var stackBuf [8]int32
	stack := stackBuf[:0]
	var acc []byte       // text of accNode while it arrives in several segments
	accNode := int32(-1) // the open leaf whose text is in acc
	for {
		kind, st, en, ok := l.next()
		if !ok {
			return tree{}, false
		}
		switch kind {
		case tokEOF:
			return tree{}, false
		case tokText, tokCDATA:
			if len(stack) == 0 {
				continue
			}
			n := &t.nodes[stack[len(stack)-1]]
			if n.first >= 0 {
				continue
			}
			txt, ok := decodeText(s, st, en, kind == tokCDATA)
			if !ok {
				return tree{}, false
			}
			switch top := stack[len(stack)-1]; {
			case !n.hasText:
				n.text, n.hasText = txt, true
			case accNode == top:
				acc = append(acc, txt...)
			default:
				// A second segment (text next to CDATA): gather in one buffer, not by repeated
				// concatenation, so many segments stay linear.
				acc = append(append(acc[:0], n.text...), txt...)
				accNode = top
			}
		case tokStart, tokSelfClose:
			if len(stack) >= maxDepth {
				return tree{}, false
			}
			idx := int32(len(t.nodes))
			t.nodes = append(t.nodes, node{name: s[st:en], first: -1, last: -1, next: -1})
			if len(stack) > 0 {
				parent := &t.nodes[stack[len(stack)-1]]
				if parent.first < 0 {
					parent.first = idx
					parent.text, parent.hasText = "", false
					if accNode == stack[len(stack)-1] {
						accNode = -1
					}
				} else {
					t.nodes[parent.last].next = idx
				}
				parent.last = idx
			}
			if kind == tokSelfClose {
				if len(stack) == 0 {
					return t, true
				}
				continue
			}
			stack = append(stack, idx)
		case tokEnd:
			if len(stack) == 0 || t.nodes[stack[len(stack)-1]].name != s[st:en] {
				return tree{}, false
			}
			if top := stack[len(stack)-1]; accNode == top {
				t.nodes[top].text = string(acc)
				accNode = -1
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return t, true
			}
		}
	}
}

// decodeText returns the character data in s[st:en]: entities decoded (not in CDATA) and
// \r\n or \r turned into \n, as XML requires.
func decodeText(s string, st, en int, cdata bool) (string, bool) {
	seg := s[st:en]
	if strings.IndexByte(seg, '\r') < 0 && (cdata || strings.IndexByte(seg, '&') < 0) {
		return seg, true
	}
	var sb strings.Builder
	sb.Grow(len(seg))
	var prev byte
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c == '&' && !cdata:
			j := strings.IndexByte(seg[i+1:], ';')
			if j < 0 {
				return "", false
			}
			r, ok := entityValue(seg[i+1 : i+1+j])
			if !ok {
				return "", false
			}
			sb.WriteString(r)
			i += j + 1
			prev = 0
			continue
		case c == '\r':
			sb.WriteByte('\n')
		case c == '\n' && prev == '\r':
		default:
			sb.WriteByte(c)
		}
		prev = c
	}
	return sb.String(), true
}

// entityValue decodes the name between '&' and ';'.
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
	return string(rune(n)), true
}

// child returns the first child of parent named name, or -1.
func (t *tree) child(parent int32, name string) int32 {
	for c := t.nodes[parent].first; c >= 0; c = t.nodes[c].next {
		if t.nodes[c].name == name {
			return c
		}
	}
	return -1
}

// text returns the text of parent's first child named name.
func (t *tree) childText(parent int32, name string) (string, bool) {
	c := t.child(parent, name)
	if c < 0 {
		return "", false
	}
	return t.nodes[c].text, true
}
