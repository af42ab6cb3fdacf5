package xmlscan

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzScan checks the scanner against encoding/xml in both directions: whatever encoding/xml
// refuses, Scan and Fields refuse; whatever it reads (within what the scanner supports, see
// the package doc), Scan reads as the same element names and texts and Fields as the same
// top-level texts.
func FuzzScan(f *testing.F) {
	files, _ := filepath.Glob("../../webhook/testdata/events/*.xml")
	if len(files) == 0 {
		f.Fatal("no seed documents in ../../webhook/testdata/events")
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range accepted {
		f.Add([]byte(s))
	}
	for _, s := range refused {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, ok, comparable := oracle(data)
		got, gotOK := Scan(data, string(data))
		names := []string{"a", "Encrypt"}
		if want != nil {
			names = names[:0]
			for _, k := range want.kids {
				if len(names) < 3 && !slices.Contains(names, k.name) {
					names = append(names, k.name)
				}
			}
			names = append(names, "absent")
		}
		vals := make([][]byte, len(names))
		ferr := Fields(data, names, vals)
		if gotOK != (ferr == nil) {
			t.Fatalf("Scan ok %v, Fields %v for %q", gotOK, ferr, data)
		}
		// FieldsOneSegment refuses what Fields refuses, and reads what it accepts the same.
		one := make([][]byte, len(names))
		switch err := FieldsOneSegment(data, names, one); {
		case err == nil && ferr != nil:
			t.Fatalf("FieldsOneSegment reads %q, Fields refuses it: %v", data, ferr)
		case err == nil:
			for i := range vals {
				if (one[i] == nil) != (vals[i] == nil) || string(one[i]) != string(vals[i]) {
					t.Fatalf("FieldsOneSegment %s = %q, Fields %q in %q", names[i], one[i], vals[i], data)
				}
			}
		case err != ErrSegmented && ferr == nil:
			t.Fatalf("FieldsOneSegment refuses %q (%v), Fields reads it", data, err)
		}
		if !ok {
			if gotOK {
				t.Fatalf("encoding/xml refuses %q, the scanner reads it", data)
			}
			return
		}
		if !comparable {
			return
		}
		if !gotOK {
			t.Fatalf("encoding/xml reads %q, the scanner refuses it", data)
		}
		if err := sameTree(&got, Root, want); err != "" {
			t.Fatalf("%s in %q", err, data)
		}
		for i, name := range names {
			var w *onode
			for _, k := range want.kids {
				if k.name == name {
					w = k
					break
				}
			}
			switch {
			case w == nil && vals[i] != nil:
				t.Fatalf("Fields found absent %s in %q", name, data)
			case w != nil && (vals[i] == nil || string(vals[i]) != string(bytes.TrimSpace([]byte(w.text)))):
				t.Fatalf("Fields %s = %q, want %q in %q", name, vals[i], w.text, data)
			}
		}
	})
}

type onode struct {
	name string
	text string
	kids []*onode
}

// oracle reads data with encoding/xml up to the end of the root element, as xml.Unmarshal
// does. ok reports whether encoding/xml accepts it; comparable is false when it uses what the
// scanner refuses by design (directives, names outside ASCII, deep nesting). The tree keeps
// names as written (prefix:local).
func oracle(data []byte) (root *onode, ok, comparable bool) {
	d := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, false, false
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
		if depth == 0 {
			if _, ok := tok.(xml.EndElement); ok {
				break
			}
		}
	}
	// Accepted: read it again raw, for names as written.
	d = xml.NewDecoder(bytes.NewReader(data))
	var stack []*onode
	for {
		tok, err := d.RawToken()
		if err != nil {
			panic("second read failed: " + err.Error())
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth || !asciiName(tk.Name) {
				return nil, true, false
			}
			for _, a := range tk.Attr {
				if !asciiName(a.Name) {
					return nil, true, false
				}
			}
			n := &onode{name: rawName(tk.Name)}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
				p.text = ""
			}
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) > 0 && len(stack[len(stack)-1].kids) == 0 {
				stack[len(stack)-1].text += string(tk)
			}
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return n, true, true
			}
		case xml.ProcInst:
			if !isASCII(tk.Target) {
				return nil, true, false
			}
		case xml.Directive:
			return nil, true, false
		}
	}
}

func rawName(n xml.Name) string {
	if n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return n.Local
}

func asciiName(n xml.Name) bool { return isASCII(n.Space) && isASCII(n.Local) }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func sameTree(t *Tree, n int32, o *onode) string {
	nd := &t.nodes[n]
	if nd.name != o.name {
		return "name " + nd.name + " vs " + o.name
	}
	var kids []int32
	for c := nd.first; c >= 0; c = t.nodes[c].next {
		kids = append(kids, c)
	}
	if len(kids) != len(o.kids) {
		return "children of " + o.name
	}
	if len(kids) == 0 && nd.text != o.text {
		return "text of " + o.name + ": " + nd.text + " vs " + o.text
	}
	for i, c := range kids {
		if err := sameTree(t, c, o.kids[i]); err != "" {
			return err
		}
	}
	return ""
}
