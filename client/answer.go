package client

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// envelope is the errcode/errmsg pair of every answer; a missing errcode means success.
type envelope struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// decodeAnswer reads the errcode envelope of an answer and, when out is not nil, the answer
// into out, with encoding/json alone: anything encoding/json rejects is an error here too. When
// out points to a plain struct the envelope and the answer are read in one pass, through a
// struct type with out's fields plus the envelope's; otherwise the envelope is read first and
// out only on success. After a non-zero errcode out's content is unspecified.
func decodeAnswer(b []byte, out any) (envelope, error) {
	if ct := combinedType(reflect.TypeOf(out)); ct != nil {
		dst := reflect.ValueOf(out).Elem()
		tmp := reflect.New(ct.t).Elem()
		for i, f := range ct.fields {
			tmp.Field(i).Set(dst.Field(f))
		}
		err := json.Unmarshal(b, tmp.Addr().Interface())
		for i, f := range ct.fields {
			dst.Field(f).Set(tmp.Field(i))
		}
		n := len(ct.fields)
		return envelope{ErrCode: int(tmp.Field(n).Int()), ErrMsg: tmp.Field(n + 1).String()}, err
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil || env.ErrCode != 0 || out == nil {
		return env, err
	}
	return env, json.Unmarshal(b, out)
}

// combined is a struct type holding the exported fields of an answer struct (at indices fields
// of the original) followed by the envelope's two fields.
type combined struct {
	t      reflect.Type
	fields []int
}

var combinedTypes sync.Map // reflect.Type of out -> *combined (nil: not combinable)

// combinedType returns the one-pass type for out of type *S, or nil when S is not a plain
// struct: one with a custom decoder (any exported method), embedded fields, or a field of its
// own named errcode or errmsg (the envelope would shadow it) or the envelope's Go names.
func combinedType(pt reflect.Type) *combined {
	if pt == nil || pt.Kind() != reflect.Pointer || pt.Elem().Kind() != reflect.Struct {
		return nil
	}
	if ct, ok := combinedTypes.Load(pt); ok {
		return ct.(*combined)
	}
	ct := newCombined(pt)
	combinedTypes.Store(pt, ct)
	return ct
}

func newCombined(pt reflect.Type) *combined {
	if pt.NumMethod() != 0 {
		return nil
	}
	st := pt.Elem()
	ct := &combined{}
	var fields []reflect.StructField
	for i := range st.NumField() {
		f := st.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if f.Anonymous || strings.EqualFold(name, "errcode") || strings.EqualFold(name, "errmsg") ||
			f.Name == "WecomErrCode" || f.Name == "WecomErrMsg" {
			return nil
		}
		if !f.IsExported() {
			continue // encoding/json never writes it
		}
		ct.fields = append(ct.fields, i)
		fields = append(fields, reflect.StructField{Name: f.Name, Type: f.Type, Tag: f.Tag})
	}
	fields = append(fields,
		reflect.StructField{Name: "WecomErrCode", Type: reflect.TypeFor[int](), Tag: `json:"errcode"`},
		reflect.StructField{Name: "WecomErrMsg", Type: reflect.TypeFor[string](), Tag: `json:"errmsg"`})
	ct.t = reflect.StructOf(fields)
	return ct
}
