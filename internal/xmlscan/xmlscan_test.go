package xmlscan

import (
	"encoding/xml"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// accepted are documents both encoding/xml and the scanner read, with the same tree.
var accepted = []string{
	"<x/>",
	"<x></x >",
	"<x a='1'b=\"2\" c = '3'/>",
	"<x:></x:>",
	"<:a/>",
	"<p:x xmlns:p='urn:p'><p:y>1</p:y></p:x>",
	"<?xml?><x/>",
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><x/>",
	"<?xml-stylesheet href='a'?><x/>",
	"<?xml version = '1.1'?><x/>", // encoding/xml reads only version="…" without spaces
	"<?x=y?><x/>",
	"\ufeff<x/>",
	"junk<xml><a>1</a></xml>tail",
	"<x>&#xD800;&#x10FFFF;&#xFFFD;&#9;&lt;&#x41;&#66;</x>",
	"<x a='&amp;]]>'/>",
	"<!-- c - d --><x><!----></x>",
	"<x>\r<![CDATA[\n]]>\r\n</x>",
	"<?xml version=\"1.0\"?><!-- c --><xml a='>'>\r\n<a>&lt;&#x41;&#66;\r<![CDATA[\r\n]]></a><b/></xml>tail",
	"<x><a>1</a>text after<a>2</a></x>",
	"<x>b<a/>c</x>",
}

// refused are documents encoding/xml refuses; the scanner must refuse them too.
var refused = []string{
	"", "   ", "hello", "<", "<x>", "<xml><a></b></xml>", "</x>", "<x></ x>", "<x/ >", "< x/>",
	"<1x/>", "<a:b:c/>", "<x a:b:c='1'/>", "<x a/>", "<x a=1/>", "<x a='1/>", "<x a='<'/>",
	"<x a='&#1;'/>", "<x a='&bogus;'/>", "<x></x:>", "<x:y></x>",
	"<x>\x00</x>", "<x>\x1f</x>", "<x>&#0;</x>", "<x>&#xFFFE;</x>", "<x>\xef\xbf\xbf</x>", "<x>&#x110000;</x>",
	"<x>&#X41;</x>", "<x>&#;</x>", "<x>&#x;</x>", "<x>&#1a;</x>", "<x>&amp</x>", "<x>&lt x;</x>",
	"<x>\xff</x>", "\xff<x/>", "<x a='\xff'/>", "<x><![CDATA[\xff]]></x>", "<x><![CDATA[\x01]]></x>",
	"<x>]]></x>", "]]><x/>", "<x><![CDATA[x</x>",
	"<!--a--b--><x/>", "<!--->", "<!-x--><x/>",
	"<?xml version='1.1'?><x/>", "<?xml encoding='latin1'?><x/>", "<??><x/>", "<?1?><x/>", "<?x<x/>",
	"<![CDAT[x]]><x/>",
}

// stricter are documents encoding/xml reads that the scanner refuses by design.
var stricter = []string{
	"<!DOCTYPE x><x/>",
	"<xé/>",
	"<x é='1'/>",
	"<?é?><x/>",
	strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1),
}

func TestScanMatchesEncodingXML(t *testing.T) {
	t.Parallel()
	for _, s := range accepted {
		want, ok, comparable := oracle([]byte(s))
		if !ok || !comparable {
			t.Errorf("%q: encoding/xml ok %v comparable %v; the table is wrong", s, ok, comparable)
			continue
		}
		got, ok := Scan([]byte(s), s)
		if !ok {
			t.Errorf("%q refused", s)
			continue
		}
		if err := sameTree(&got, Root, want); err != "" {
			t.Errorf("%q: %s", s, err)
		}
	}
	for _, s := range refused {
		if _, ok, _ := oracle([]byte(s)); ok {
			t.Errorf("%q: encoding/xml reads it; the table is wrong", s)
		}
		if _, ok := Scan([]byte(s), s); ok {
			t.Errorf("%q read", s)
		}
		if err := Fields([]byte(s), []string{"a"}, make([][]byte, 1)); err == nil {
			t.Errorf("%q: Fields read it", s)
		}
	}
	for _, s := range stricter {
		if _, ok, comparable := oracle([]byte(s)); !ok || comparable {
			t.Errorf("%q: encoding/xml ok %v comparable %v; the table is wrong", s, ok, comparable)
		}
		if _, ok := Scan([]byte(s), s); ok {
			t.Errorf("%q read", s)
		}
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	body := []byte("<xml><ToUserName> <![CDATA[ww1]]>\n</ToUserName><Encrypt>ab<![CDATA[cd]]>&amp;</Encrypt>" +
		"<Empty>  </Empty><Mixed>x<y/>z</Mixed><ToUserName>second</ToUserName><Self/></xml>")
	names := []string{"ToUserName", "Encrypt", "Empty", "Mixed", "Self", "AgentID"}
	vals := make([][]byte, len(names))
	if err := Fields(body, names, vals); err != nil {
		t.Fatal(err)
	}
	want := []string{"ww1", "abcd&", "", "", "", ""}
	for i, name := range names {
		if string(vals[i]) != want[i] {
			t.Errorf("%s = %q, want %q", name, vals[i], want[i])
		}
		if absent := name == "AgentID"; (vals[i] == nil) != absent {
			t.Errorf("%s: nil %v", name, vals[i] == nil)
		}
	}
	// A single plain segment aliases the input.
	if &vals[0][0] != &body[strings.Index(string(body), "ww1")] {
		t.Error("ToUserName was copied")
	}
	err := Fields([]byte("<xml><a>"), []string{"a"}, make([][]byte, 1))
	if se, ok := err.(SyntaxError); !ok || !strings.HasPrefix(se.Error(), "wecom: ") {
		t.Errorf("error %v", err)
	}
}

type inner struct {
	Name  string   `wecom:"Name" xml:"Name"`
	Items []string `wecom:"List>Item" xml:"List>Item"`
}

type embedded struct {
	Shared string `wecom:"Shared" xml:"Shared"`
}

type sample struct {
	embedded
	Text    string  `wecom:"Text,raw" xml:"Text"`
	Trimmed string  `wecom:"Text" xml:"-"`
	Int     int     `wecom:"Int" xml:"Int"`
	Uint    uint32  `wecom:"Uint" xml:"Uint"`
	Bad     int     `wecom:"Bad" xml:"-"`
	Float   float64 `wecom:"Float" xml:"Float"`
	Bool    bool    `wecom:"Bool" xml:"Bool"`
	Alt     string  `wecom:"Missing|Alt" xml:"Alt"`
	Commas  []int   `wecom:"Commas,comma" xml:"-"`
	Words   []myStr `wecom:"Words,comma" xml:"-"`
	Empty   []int   `wecom:"Empty,comma" xml:"-"`
	Inner   inner   `wecom:"Inner" xml:"Inner"`
	Inners  []inner `wecom:"Inners>Inner" xml:"Inners>Inner"`
	Deep    string  `wecom:"Inners>Inner>Name" xml:"-"`
	Untyped string
}

type myStr string

const sampleDoc = `<xml><Shared>s</Shared><Text> a&amp;b </Text><Int> -7 </Int><Uint>7</Uint><Bad>x</Bad>
<Float>1.5</Float><Bool>1</Bool><Alt> alt </Alt><Commas>1, 2,x,3</Commas><Words>a,,b</Words><Empty> </Empty>
<Inner><Name>n</Name><List><Item>1</Item><Item>2</Item></List><List><Item>3</Item></List></Inner>
<Inners><Inner><Name>i1</Name></Inner><Inner><Name>i2</Name></Inner></Inners><Inners><Inner><Name>i3</Name></Inner></Inners>
<Untyped>u</Untyped></xml>`

func TestDecode(t *testing.T) {
	t.Parallel()
	tree, ok := Scan([]byte(sampleDoc), sampleDoc)
	if !ok {
		t.Fatal("not read")
	}
	var got sample
	tree.Decode(&got)
	want := sample{
		embedded: embedded{Shared: "s"}, Text: " a&b ", Trimmed: "a&b", Int: -7, Uint: 7, Float: 1.5, Bool: true,
		Alt: "alt", Commas: []int{1, 2, 3}, Words: []myStr{"a", "b"}, Empty: []int{},
		Inner:  inner{Name: "n", Items: []string{"1", "2", "3"}},
		Inners: []inner{{Name: "i1"}, {Name: "i2"}, {Name: "i3"}}, Deep: "i1",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	// The xml tags are what encoding/xml reads the same way: the struct serves both.
	var std sample
	if err := xml.Unmarshal([]byte(strings.Replace(sampleDoc, "<Bad>x</Bad>", "", 1)), &std); err != nil {
		t.Fatal(err)
	}
	if std.Text != got.Text || std.Int != got.Int || std.Uint != got.Uint || std.Inner.Name != got.Inner.Name ||
		!reflect.DeepEqual(std.Inners, got.Inners) || !reflect.DeepEqual(std.Inner.Items, got.Inner.Items) {
		t.Fatalf("encoding/xml read %+v", std)
	}
}

func TestDecodeRejectsUnsupportedTypes(t *testing.T) {
	t.Parallel()
	tree, _ := Scan([]byte("<x/>"), "<x/>")
	for _, v := range []any{
		&struct {
			M map[string]string `wecom:"M"`
		}{},
		&struct {
			S [][]int `wecom:"S"`
		}{},
	} {
		func() {
			defer func() {
				if p, _ := recover().(string); !strings.HasPrefix(p, "wecom: ") {
					t.Errorf("%T: panic %v", v, p)
				}
			}()
			tree.Decode(v)
		}()
	}
}

// BenchmarkScan compares Scan plus Decode with xml.Unmarshal into the same struct.
func BenchmarkScan(b *testing.B) {
	doc := []byte(strings.Replace(sampleDoc, "<Bad>x</Bad>", "", 1))
	b.Run("xmlscan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tree, ok := Scan(doc, string(doc))
			if !ok {
				b.Fatal("not read")
			}
			var v sample
			tree.Decode(&v)
		}
	})
	b.Run("encoding_xml", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v sample
			if err := xml.Unmarshal(doc, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestScanChecksEveryByte puts a bad byte at every position of long CDATA and text, so that
// each lane of the word-at-a-time check is covered.
func TestScanChecksEveryByte(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"\x00", "\x0e", "\x1f", "\xff", "\xef\xbf\xbe"} {
		for i := 0; i < 70; i++ {
			body := []byte(strings.Repeat("a", 70))
			copy(body[i:], bad)
			for _, doc := range []string{"<x><![CDATA[" + string(body) + "]]></x>", "<x>" + string(body) + "</x>", "<x a='" + string(body) + "'/>"} {
				if _, ok := Scan([]byte(doc), doc); ok {
					t.Errorf("%q read", doc)
				}
			}
		}
	}
}

// TestDecodeAlternativesAndPaths: the first alternative wins wherever it is in the document,
// and a path finds its element through a later parent when the first one lacks it.
func TestDecodeAlternativesAndPaths(t *testing.T) {
	t.Parallel()
	const doc = "<x><B>b</B><A>a</A><P><Q>no</Q></P><P><R>r</R></P><P><R>r2</R></P><Q>q</Q></x>"
	tree, ok := Scan([]byte(doc), doc)
	if !ok {
		t.Fatal("not read")
	}
	var got struct {
		AB   string   `wecom:"A|B"`
		BA   string   `wecom:"B|A"`
		ZB   string   `wecom:"Z|B"`
		PR   string   `wecom:"P>R"`
		PRs  []string `wecom:"P>R"`
		Miss string   `wecom:"P>Z|Q"`
	}
	tree.Decode(&got)
	if got.AB != "a" || got.BA != "b" || got.ZB != "b" || got.PR != "r" || len(got.PRs) != 2 || got.Miss != "q" {
		t.Fatalf("%+v", got)
	}
}

func TestTrimSpace(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", " ", "a", " a ", "王芳", "\u3000王芳\u00a0", "王 芳", "\n王", "芳\t", "\x85"} {
		if got, want := trimSpace(s), strings.TrimSpace(s); got != want {
			t.Errorf("trimSpace(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestDecodeManyFields covers structs with more fields than decodeStruct's stack buffers.
func TestDecodeManyFields(t *testing.T) {
	t.Parallel()
	var fields []reflect.StructField
	doc := "<x>"
	for i := range 60 {
		name := "F" + strconv.Itoa(i)
		fields = append(fields, reflect.StructField{Name: name, Type: reflect.TypeFor[int](), Tag: reflect.StructTag(`wecom:"` + name + `"`)})
		doc += "<" + name + ">" + strconv.Itoa(i) + "</" + name + ">"
	}
	doc += "</x>"
	tree, ok := Scan([]byte(doc), doc)
	if !ok {
		t.Fatal("not read")
	}
	v := reflect.New(reflect.StructOf(fields))
	tree.Decode(v.Interface())
	for i := range 60 {
		if got := v.Elem().Field(i).Int(); got != int64(i) {
			t.Fatalf("F%d = %d", i, got)
		}
	}
}
