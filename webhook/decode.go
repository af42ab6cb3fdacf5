package webhook

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Event structs are filled from the scanned tree by a per-type plan built once from their xml
// tags. Tag grammar (a subset of encoding/xml's, plus two WeCom needs):
//
//	xml:"Name"              first child element Name
//	xml:"A>B"               path; for slices every match, through every matching A
//	xml:"A|B"               alternative spellings, first present wins (OptionIds|OpitonIds)
//	xml:"Name,raw"          string kept verbatim (message text), others are trimmed
//	xml:"Name,comma"        slice parsed from a comma-separated value ("1,2,3")
//
// Numbers that do not parse leave the field zero; the raw XML keeps the text.

type fieldKind uint8

const (
	kString fieldKind = iota
	kInt
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
}

var plans sync.Map // reflect.Type -> *typePlan

func planFor(t reflect.Type) *typePlan {
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan)
	}
	p := &typePlan{}
	buildPlan(p, t, nil)
	actual, _ := plans.LoadOrStore(t, p)
	return actual.(*typePlan)
}

func kindOf(t reflect.Type) (fieldKind, bool) {
	switch t.Kind() {
	case reflect.String:
		return kString, true
	case reflect.Int, reflect.Int32, reflect.Int64:
		return kInt, true
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
		tag, hasTag := f.Tag.Lookup("xml")
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
			panic("webhook: unsupported field type " + f.Type.String() + " in " + t.String())
		}
		fp.kind = k
		switch k {
		case kStruct:
			fp.sub = planFor(f.Type)
		case kSlice:
			ek, ok := kindOf(f.Type.Elem())
			if !ok || ek == kSlice {
				panic("webhook: unsupported slice type " + f.Type.String() + " in " + t.String())
			}
			fp.elem = ek
			if ek == kStruct {
				fp.sub = planFor(f.Type.Elem())
			}
		}
		p.fields = append(p.fields, fp)
	}
}

// first returns the first node at path below n, or -1.
func (t *tree) first(n int32, path []string) int32 {
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

// all appends every node at path below n, in document order.
func (t *tree) all(n int32, path []string, out []int32) []int32 {
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

// decodeStruct fills v (a struct) from the children of node n.
func (t *tree) decodeStruct(n int32, v reflect.Value, p *typePlan) {
	var scratch [16]int32
	for i := range p.fields {
		fp := &p.fields[i]
		f := v.FieldByIndex(fp.index)
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
			f.Set(s)
			continue
		}
		m := int32(-1)
		for _, alt := range fp.alts {
			if m = t.first(n, alt); m >= 0 {
				break
			}
		}
		if m < 0 {
			continue
		}
		if fp.kind == kSlice {
			setCommaList(t.nodes[m].text, f, fp.elem)
			continue
		}
		t.setValue(m, f, fp.kind, fp.raw, fp.sub)
	}
}

func (t *tree) setValue(m int32, f reflect.Value, k fieldKind, raw bool, sub *typePlan) {
	text := t.nodes[m].text
	switch k {
	case kString:
		if !raw {
			text = strings.TrimSpace(text)
		}
		f.SetString(text)
	case kInt:
		if n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64); err == nil && !f.OverflowInt(n) {
			f.SetInt(n)
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

// setCommaList fills a []string or []int from "a,b,c"; an empty value gives an empty slice and
// entries that are not numbers are skipped for []int.
func setCommaList(text string, f reflect.Value, elem fieldKind) {
	text = strings.TrimSpace(text)
	if text == "" {
		f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		return
	}
	n := strings.Count(text, ",") + 1
	s := reflect.MakeSlice(f.Type(), 0, n)
	for part := range strings.SplitSeq(text, ",") {
		part = strings.TrimSpace(part)
		switch elem {
		case kString:
			if part != "" {
				s = reflect.Append(s, reflect.ValueOf(part).Convert(f.Type().Elem()))
			}
		case kInt:
			if x, err := strconv.ParseInt(part, 10, 64); err == nil {
				e := reflect.New(f.Type().Elem()).Elem()
				if !e.OverflowInt(x) {
					e.SetInt(x)
					s = reflect.Append(s, e)
				}
			}
		}
	}
	f.Set(s)
}
