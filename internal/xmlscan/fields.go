package xmlscan

import "bytes"

// SyntaxError says why Fields refused a document; the reason holds no content of it.
type SyntaxError string

// Error returns the reason.
func (e SyntaxError) Error() string { return "wecom: malformed XML: " + string(e) }

// ErrSegmented is returned by FieldsOneSegment for a wanted value split into several text or
// CDATA segments.
const ErrSegmented = SyntaxError("value split into several text or CDATA segments")

// Fields reads the first child of the root element named names[i] into vals[i], for every i,
// without building a tree: what Scan would give as its Text, with surrounding white space
// removed. vals[i] is nil when there is no such child and empty, not nil, when it is empty.
// Values alias body unless they needed decoding or came in several segments. Fields refuses
// exactly the documents Scan refuses.
func Fields(body []byte, names []string, vals [][]byte) error {
	return fields(body, names, vals, false)
}

// FieldsOneSegment is Fields for values that must come in one piece, like a ciphertext: it
// refuses, with ErrSegmented and as soon as it sees the second piece, a wanted value whose
// text comes in more than one text or CDATA segment holding more than white space (text
// split by CDATA sections or comments). A document it accepts reads as with Fields.
func FieldsOneSegment(body []byte, names []string, vals [][]byte) error {
	return fields(body, names, vals, true)
}

func fields(body []byte, names []string, vals [][]byte, oneSegment bool) error {
	if len(names) != len(vals) {
		panic("wecom: xmlscan: Fields needs one value per name")
	}
	clear(vals)
	l := lexer{b: body}
	var stack [MaxDepth][2]int // name spans of the open elements
	depth := 0
	cur := -1          // index in vals of the depth-1 child being read, if wanted
	segs := 0          // segments of cur so far with more than white space
	var pending []byte // white space after them, kept if more text follows
	mixed := false     // cur has child elements: its text is ""
	for {
		kind, st, en, ok := l.next()
		if !ok {
			return SyntaxError("syntax error")
		}
		switch kind {
		case tokEOF:
			return SyntaxError("unexpected end")
		case tokStart, tokSelfClose:
			if depth == MaxDepth {
				return SyntaxError("nested too deep")
			}
			switch depth {
			case 1:
				cur, segs, mixed, pending = -1, 0, false, pending[:0]
				for i, name := range names {
					if vals[i] == nil && string(body[st:en]) == name {
						cur = i
						vals[i] = body[st:st] // present, possibly empty
						break
					}
				}
			case 2:
				if cur >= 0 && !mixed {
					mixed = true
					vals[cur] = body[st:st]
				}
			}
			if kind == tokSelfClose {
				if depth == 0 {
					return nil
				}
				if depth == 1 {
					cur = -1
				}
				continue
			}
			stack[depth] = [2]int{st, en}
			depth++
		case tokEnd:
			if depth == 0 || !bytes.Equal(body[stack[depth-1][0]:stack[depth-1][1]], body[st:en]) {
				return SyntaxError("mismatched end tag")
			}
			depth--
			switch depth {
			case 0:
				return nil
			case 1:
				if cur >= 0 {
					if v := bytes.TrimSpace(vals[cur]); v != nil {
						vals[cur] = v
					} else {
						vals[cur] = vals[cur][:0] // all space: present and empty, not absent
					}
					cur = -1
				}
			}
		case tokText, tokCDATA:
			if cur < 0 || depth != 2 || mixed {
				continue
			}
			seg := body[st:en]
			if !l.plain {
				seg = []byte(decodeText(string(seg), kind == tokCDATA))
			}
			// White space around the value is trimmed in the end: leave it out now, so that
			// an indented single value still aliases body.
			if len(bytes.TrimSpace(seg)) == 0 {
				if segs > 0 {
					pending = append(pending, seg...)
				}
				continue
			}
			if oneSegment && segs > 0 {
				return ErrSegmented
			}
			switch segs {
			case 0:
				vals[cur] = seg
			case 1:
				vals[cur] = append(append(append([]byte(nil), vals[cur]...), pending...), seg...)
			default:
				vals[cur] = append(append(vals[cur], pending...), seg...)
			}
			pending = pending[:0]
			segs++
		}
	}
}
