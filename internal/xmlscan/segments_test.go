package xmlscan

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestFieldsOneSegment(t *testing.T) {
	t.Parallel()
	names := []string{"Encrypt", "ToUserName"}
	for _, tc := range []struct {
		body string
		want string // "" with segmented
		seg  bool
	}{
		{"<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>", "abc", false},
		{"<xml><Encrypt>\n  <![CDATA[abc]]>\n</Encrypt></xml>", "abc", false}, // indented: blank pieces do not count
		{"<xml><Encrypt>a&amp;b</Encrypt></xml>", "a&b", false},
		{"<xml><Encrypt>ab<!-- c --> </Encrypt></xml>", "ab", false},
		{"<xml><Encrypt>ab<![CDATA[cd]]></Encrypt></xml>", "", true},
		{"<xml><Encrypt><![CDATA[ab]]><![CDATA[cd]]></Encrypt></xml>", "", true},
		{"<xml><Encrypt>ab<!---->cd</Encrypt></xml>", "", true},
		{"<xml><Encrypt>ab<?pi?>cd</Encrypt></xml>", "", true},
		// Only wanted values count: a split value elsewhere is read as with Fields.
		{"<xml><Other>a<![CDATA[b]]></Other><Encrypt>x</Encrypt></xml>", "x", false},
	} {
		vals := make([][]byte, len(names))
		err := FieldsOneSegment([]byte(tc.body), names, vals)
		switch {
		case tc.seg && err != ErrSegmented:
			t.Errorf("%q: %v, want ErrSegmented", tc.body, err)
		case !tc.seg && (err != nil || string(vals[0]) != tc.want):
			t.Errorf("%q: %q, %v; want %q", tc.body, vals[0], err, tc.want)
		}
	}
	if !strings.HasPrefix(ErrSegmented.Error(), "wecom: ") {
		t.Error(ErrSegmented.Error())
	}
}

// TestFieldsOneSegmentLinear: a 1 MiB value split into tiny segments (the hostile shape) is
// refused within 10x the time a plain 1 MiB value takes to read; a value padded with blank
// pieces, which do not count as segments, is read in time linear in its size.
func TestFieldsOneSegmentLinear(t *testing.T) {
	build := func(size int, piece string) []byte {
		var b bytes.Buffer
		b.WriteString("<xml><Encrypt>")
		for b.Len() < size-32 {
			b.WriteString(piece)
		}
		b.WriteString("x</Encrypt></xml>")
		return b.Bytes()
	}
	names := []string{"Encrypt", "ToUserName", "AgentID"}
	// The best of 9 runs, each after a GC: a loaded machine (parallel tests, -race) stalls some.
	best := func(body []byte) (time.Duration, error) {
		var err error
		d := time.Duration(1 << 62)
		for range 9 {
			vals := make([][]byte, len(names))
			runtime.GC()
			start := time.Now()
			err = FieldsOneSegment(body, names, vals)
			d = min(d, time.Since(start))
		}
		return d, err
	}
	const size = 1 << 20
	base, err := best([]byte("<xml><Encrypt><![CDATA[" + strings.Repeat("A", size-48) + "]]></Encrypt></xml>"))
	if err != nil {
		t.Fatal(err)
	}
	for _, piece := range []string{"a<![CDATA[b]]>", "<![CDATA[b]]>", "a<!---->", "a<?p?>", "&amp;<!---->"} {
		d, err := best(build(size, piece))
		if err != ErrSegmented {
			t.Errorf("%q: %v, want ErrSegmented", piece, err)
		}
		if d > 10*base { // relative: absolute times mean little under -race
			t.Errorf("%q: refused after %v for 1 MiB; a plain 1 MiB value reads in %v", piece, d, base)
		}
	}
	for _, piece := range []string{" <!----> ", "<![CDATA[ ]]>", "&#32;<?p?>"} {
		small, err := best(build(size/8, piece))
		if err != nil {
			t.Fatal(err)
		}
		large, _ := best(build(size, piece))
		// Linear: 8x the input takes about 8x the time; quadratic would take 64x.
		if large > 24*small {
			t.Errorf("%q: %v for 1 MiB, %v for 128 KiB", piece, large, small)
		}
	}
}
