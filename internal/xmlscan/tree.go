package xmlscan

import "strings"

// node is one element of a parsed document. Children form a linked list through next.
type node struct {
	name    string
	text    string // character data, kept only while the element has no child elements
	first   int32  // first child, -1 if none
	last    int32  // last child, -1 if none
	next    int32  // next sibling, -1 if none
	hasText bool
}

// Tree is a parsed document. Elements are numbered from Root; -1 means none.
type Tree struct {
	nodes []node
}

// Root is the root element of a Tree.
const Root int32 = 0

// Scan parses the first element of b (WeCom's <xml>…</xml>) into a Tree; s must hold the same
// bytes as b. Text before the root is checked and skipped, anything after it ignored, as
// encoding/xml's Unmarshal does. ok is false when encoding/xml would fail (or the document uses
// what WeCom never sends; see the package doc). Names and texts are substrings of s whenever
// no decoding is needed.
func Scan(b []byte, s string) (t Tree, ok bool) {
	l := lexer{b: b}
	t.nodes = make([]node, 0, strings.Count(s, "<")/2+1)
	var stackBuf [8]int32
	stack := stackBuf[:0]
	var acc []byte       // text of accNode while it arrives in several segments
	accNode := int32(-1) // the open leaf whose text is in acc
	for {
		kind, st, en, ok := l.next()
		if !ok {
			return Tree{}, false
		}
		switch kind {
		case tokEOF:
			return Tree{}, false
		case tokText, tokCDATA:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			n := &t.nodes[top]
			if n.first >= 0 {
				continue
			}
			txt := s[st:en]
			if !l.plain {
				txt = decodeText(txt, kind == tokCDATA)
			}
			switch {
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
			if len(stack) >= MaxDepth {
				return Tree{}, false
			}
			idx := int32(len(t.nodes))
			t.nodes = append(t.nodes, node{name: s[st:en], first: -1, last: -1, next: -1})
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				parent := &t.nodes[top]
				if parent.first < 0 {
					parent.first = idx
					parent.text, parent.hasText = "", false
					if accNode == top {
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
				return Tree{}, false
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

// decodeText returns the character data seg (already checked by the lexer) with references
// decoded (not in CDATA) and \r\n or \r turned into \n, as XML requires.
func decodeText(seg string, cdata bool) string {
	var sb strings.Builder
	sb.Grow(len(seg))
	var prev byte
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		switch {
		case c == '&' && !cdata:
			j := strings.IndexByte(seg[i+1:], ';')
			r, _ := entityValue(seg[i+1 : i+1+j])
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
	return sb.String()
}

// Child returns the first child of parent named name, or -1.
func (t *Tree) Child(parent int32, name string) int32 {
	for c := t.nodes[parent].first; c >= 0; c = t.nodes[c].next {
		if t.nodes[c].name == name {
			return c
		}
	}
	return -1
}

// Text returns the character data of element n: its decoded text, or "" when it has child
// elements.
func (t *Tree) Text(n int32) string { return t.nodes[n].text }

// first returns the first element at path below n, or -1.
func (t *Tree) first(n int32, path []string) int32 {
	if len(path) == 0 {
		return n
	}
	for c := t.nodes[n].first; c >= 0; c = t.nodes[c].next {
		if t.nodes[c].name == path[0] {
			if m := t.first(c, path[1:]); m >= 0 {
				return m
			}
		}
	}
	return -1
}

// all appends every element at path below n, in document order.
func (t *Tree) all(n int32, path []string, out []int32) []int32 {
	if len(path) == 0 {
		return append(out, n)
	}
	for c := t.nodes[n].first; c >= 0; c = t.nodes[c].next {
		if t.nodes[c].name == path[0] {
			out = t.all(c, path[1:], out)
		}
	}
	return out
}
