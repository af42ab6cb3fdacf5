package xmlscan

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Decode fills v, a pointer to a struct, from the children of the root element, following the
// fields' `wecom` tags (their own key, so neither encoding/xml nor staticcheck misreads them):
//
//	wecom:"Name"         first child element Name
//	wecom:"A>B"          path; for slices every match, through every matching A
//	wecom:"A|B"          alternative spellings, the first present wins (OptionIds|OpitonIds)
//	wecom:"Name,raw"     string kept verbatim (message text); other strings are trimmed
//	wecom:"Name,comma"   slice parsed from a comma-separated value ("1,2,3")
//
// Fields without the tag are skipped, except embedded structs, whose fields are read as the
// outer struct's. Field types: strings, signed and unsigned integers, float64, bool, structs
// and slices of those. A number that does not parse leaves its field zero.
func (t *Tree) Decode(v any) {
	rv := reflect.ValueOf(v).Elem()
	t.decodeStruct(Root, rv, planFor(rv.Type()))
}

type fieldKind uint8

const (
	kString fieldKind = iota
	kInt
	kUint
	kFloat
	kBool
	kStruct
	kSlice
)

type fieldPlan struct {
	index []int
	alts  [][]string
	kind  fieldKind
	elem  fieldKind // slices: element kind
	raw   bool
	comma bool
	sub   *typePlan // structs and slices of structs
	typ   reflect.Type
}

type typePlan struct {
	fields []fieldPlan
	// byName lists, for the fields read from one element (not slices of elements), which
	// field and alternative each child name may fill.
	byName map[string][]fieldRef
}

type fieldRef struct {
	field, alt int
}

var plans sync.Map // reflect.Type -> *typePlan

func planFor(t reflect.Type) *typePlan {
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan)
	}
	p := &typePlan{byName: map[string][]fieldRef{}}
	buildPlan(p, t, nil)
	for i, fp := range p.fields {
		if fp.kind != kSlice || fp.comma {
			for a, alt := range fp.alts {
				p.byName[alt[0]] = append(p.byName[alt[0]], fieldRef{i, a})
			}
		}
	}
	actual, _ := plans.LoadOrStore(t, p)
	return actual.(*typePlan)
}

func kindOf(t reflect.Type) (fieldKind, bool) {
	switch t.Kind() {
	case reflect.String:
		return kString, true
	case reflect.Int, reflect.Int32, reflect.Int64:
		return kInt, true
	case reflect.Uint, reflect.Uint32, reflect.Uint64:
		return kUint, true
	case reflect.Float64:
		return kFloat, true
	case reflect.Bool:
		return kBool, true
	case reflect.Struct:
		return kStruct, true
	case reflect.Slice:
		return kSlice, true
	}
	return 0, false
}

func buildPlan(p *typePlan, t reflect.Type, prefix []int) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		tag, hasTag := f.Tag.Lookup("wecom")
		if f.Anonymous && !hasTag && f.Type.Kind() == reflect.Struct {
			buildPlan(p, f.Type, index)
			continue
		}
		if !f.IsExported() || !hasTag {
			continue
		}
		spec, opts, _ := strings.Cut(tag, ",")
		fp := fieldPlan{index: index, typ: f.Type, raw: opts == "raw", comma: opts == "comma"}
		for _, alt := range strings.Split(spec, "|") {
			fp.alts = append(fp.alts, strings.Split(alt, ">"))
		}
		k, ok := kindOf(f.Type)
		if !ok {
			panic("wecom: xmlscan: unsupported field type " + f.Type.String() + " in " + t.String())
		}
		fp.kind = k
		switch k {
		case kStruct:
			fp.sub = planFor(f.Type)
		case kSlice:
			ek, ok := kindOf(f.Type.Elem())
			if !ok || ek == kSlice {
				panic("wecom: xmlscan: unsupported slice type " + f.Type.String() + " in " + t.String())
			}
			fp.elem = ek
			if ek == kStruct {
				fp.sub = planFor(f.Type.Elem())
			}
		}
		p.fields = append(p.fields, fp)
	}
}

// decodeStruct fills v (a struct) from the children of element n. One pass over the children
// finds each field's element (the first match of the first alternative that has one), rather
// than a search through them per field.
func (t *Tree) decodeStruct(n int32, v reflect.Value, p *typePlan) {
	var foundBuf [48]int32
	var altBuf [48]int
	var found []int32 // the element of each field, -1 if none
	var alt []int     // the alternative it matched
	if len(p.fields) <= len(foundBuf) {
		found, alt = foundBuf[:len(p.fields)], altBuf[:len(p.fields)]
	} else {
		found, alt = make([]int32, len(p.fields)), make([]int, len(p.fields))
	}
	for i := range found {
		found[i] = -1
	}
	for c := t.nodes[n].first; c >= 0; c = t.nodes[c].next {
		for _, r := range p.byName[t.nodes[c].name] {
			if found[r.field] >= 0 && alt[r.field] <= r.alt {
				continue
			}
			if m := t.first(c, p.fields[r.field].alts[r.alt][1:]); m >= 0 {
				found[r.field], alt[r.field] = m, r.alt
			}
		}
	}
	var scratch [16]int32
	for i := range p.fields {
		fp := &p.fields[i]
		if fp.kind == kSlice && !fp.comma {
			var nodes []int32
			for _, alt := range fp.alts {
				if nodes = t.all(n, alt, scratch[:0]); len(nodes) > 0 {
					break
				}
			}
			if len(nodes) == 0 {
				continue
			}
			s := reflect.MakeSlice(fp.typ, len(nodes), len(nodes))
			for j, m := range nodes {
				t.setValue(m, s.Index(j), fp.elem, fp.raw, fp.sub)
			}
			v.FieldByIndex(fp.index).Set(s)
			continue
		}
		m := found[i]
		if m < 0 {
			continue
		}
		f := v.FieldByIndex(fp.index)
		if fp.kind == kSlice {
			setCommaList(t.nodes[m].text, f, fp.elem)
			continue
		}
		t.setValue(m, f, fp.kind, fp.raw, fp.sub)
	}
}

func (t *Tree) setValue(m int32, f reflect.Value, k fieldKind, raw bool, sub *typePlan) {
	text := t.nodes[m].text
	switch k {
	case kString:
		if !raw {
			text = trimSpace(text)
		}
		f.SetString(text)
	case kInt:
		if n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err == nil && !f.OverflowInt(n) {
			f.SetInt(n)
		}
	case kUint:
		if n, err := strconv.ParseUint(strings.TrimSpace(text), 10, 64); err == nil && !f.OverflowUint(n) {
			f.SetUint(n)
		}
	case kFloat:
		if x, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err == nil {
			f.SetFloat(x)
		}
	case kBool:
		switch strings.TrimSpace(text) {
		case "true", "1", "True", "TRUE":
			f.SetBool(true)
		}
	case kStruct:
		t.decodeStruct(m, f, sub)
	}
}

// trimSpace is strings.TrimSpace without its slow path for the common value that starts and
// ends with a non-space character outside ASCII (Chinese names and addresses).
func trimSpace(s string) string {
	if s == "" {
		return s
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return strings.TrimSpace(s)
	}
	return s
}

// setCommaList fills a slice of strings or integers from "a,b,c"; an empty value gives an
// empty slice, and entries that are not numbers are skipped for integer slices.
func setCommaList(text string, f reflect.Value, elem fieldKind) {
	text = strings.TrimSpace(text)
	if text == "" {
		f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		return
	}
	n := strings.Count(text, ",") + 1
	s := reflect.MakeSlice(f.Type(), 0, n)
	e := reflect.New(f.Type().Elem()).Elem()
	for part := range strings.SplitSeq(text, ",") {
		part = strings.TrimSpace(part)
		switch elem {
		case kString:
			if part == "" {
				continue
			}
			e.SetString(part)
		case kInt:
			x, err := strconv.ParseInt(part, 10, 64)
			if err != nil || e.OverflowInt(x) {
				continue
			}
			e.SetInt(x)
		case kUint:
			x, err := strconv.ParseUint(part, 10, 64)
			if err != nil || e.OverflowUint(x) {
				continue
			}
			e.SetUint(x)
		default:
			continue
		}
		s = reflect.Append(s, e)
	}
	f.Set(s)
}
