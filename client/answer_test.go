package client

import (
	"encoding/json"
	"reflect"
	"testing"
)

// decodeAnswer must agree with encoding/json on every input: it rejects what json.Unmarshal
// rejects (the old scanner took `{"x":[},"errcode":0}` for success) and reads the same values.
func TestDecodeAnswerMatchesEncodingJSON(t *testing.T) {
	type named struct {
		UserID string `json:"userid"`
		Dept   []int  `json:"department"`
	}
	inputs := []string{
		`{"errcode":0,"errmsg":"ok","userid":"u1","department":[1,2]}`,
		`{"x":[},"errcode":0}`,
		`{"errcode":0,"userid":"u1"`,
		`{"errcode":40014,"errmsg":"invalid access_token"}`,
		`{"userid":"u2"}`,
		`{"errcode":"0"}`,
		`[]`, `null`, `"x"`, ``, `{"errcode":0} trailing`,
		`{"errcode":0,"errmsg":"ok","userid":5}`,
		`{"errcode":1,"errcode":0}`,
	}
	for _, in := range inputs {
		var wantEnv envelope
		envErr := json.Unmarshal([]byte(in), &wantEnv)
		wantErr := envErr
		var want named
		if wantErr == nil && wantEnv.ErrCode == 0 {
			wantErr = json.Unmarshal([]byte(in), &want)
		}
		for _, out := range []any{&named{}, &struct {
			UserID string `json:"userid"`
			Dept   []int  `json:"department"`
		}{}, nil} {
			env, err := decodeAnswer([]byte(in), out)
			wantErr := wantErr
			if out == nil {
				wantErr = envErr
			}
			if (err != nil) != (wantErr != nil) {
				t.Errorf("%q into %T: err %v, encoding/json says %v", in, out, err, wantErr)
				continue
			}
			if err == nil && env != wantEnv {
				t.Errorf("%q: envelope %+v, want %+v", in, env, wantEnv)
			}
			if n, ok := out.(*named); ok && err == nil && env.ErrCode == 0 && (n.UserID != want.UserID || len(n.Dept) != len(want.Dept)) {
				t.Errorf("%q: decoded %+v, want %+v", in, *n, want)
			}
		}
	}
}

// A struct of the single pass is really decoded in one pass (the combined type is built), and
// structs that cannot be combined still decode.
func TestCombinedType(t *testing.T) {
	type plain struct{ A int }
	type withCode struct {
		ErrCode int `json:"errcode"`
	}
	if combinedType(reflect.TypeOf(&plain{})) == nil {
		t.Error("a plain struct should decode in one pass")
	}
	if combinedType(reflect.TypeOf(&withCode{})) != nil {
		t.Error("a struct with its own errcode must not be combined: the envelope would shadow it")
	}
	var m map[string]any
	if combinedType(reflect.TypeOf(&m)) != nil {
		t.Error("a map is not a struct")
	}
	var wc withCode
	if env, err := decodeAnswer([]byte(`{"errcode":0,"errmsg":"ok"}`), &wc); err != nil || env.ErrCode != 0 {
		t.Fatal(env, err)
	}
}

// FuzzDecodeAnswer checks, on any input, that decodeAnswer errs exactly when encoding/json does.
func FuzzDecodeAnswer(f *testing.F) {
	for _, s := range []string{`{"errcode":0,"a":1}`, `{"x":[},"errcode":0}`, `{"errcode":45009,"errmsg":"x"}`, `{"a":"\u00e9"}`} {
		f.Add([]byte(s))
	}
	type out struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var env envelope
		wantErr := json.Unmarshal(b, &env)
		var o out
		if wantErr == nil && env.ErrCode == 0 {
			wantErr = json.Unmarshal(b, &o)
		}
		var got out
		gotEnv, err := decodeAnswer(b, &got)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: err %v, encoding/json %v", b, err, wantErr)
		}
		if err == nil && (gotEnv != env || (env.ErrCode == 0 && got != o)) {
			t.Fatalf("%q: %+v %+v, encoding/json %+v %+v", b, gotEnv, got, env, o)
		}
	})
}

type withUnexportedMethod struct{ A int }

func (withUnexportedMethod) hidden() {}

// A struct with unexported methods, or a name that clashes with the envelope's Go fields, still
// decodes in one pass (reflect.StructOf cannot embed such types, so the fields are copied).
func TestCombinedTypeOddStructs(t *testing.T) {
	var w withUnexportedMethod
	w.hidden()
	if env, err := decodeAnswer([]byte(`{"errcode":0,"A":7}`), &w); err != nil || env.ErrCode != 0 || w.A != 7 {
		t.Fatal(env, err, w)
	}
	var clash struct {
		WecomErrCode string `json:"code"`
		keep         int
	}
	clash.keep = 3
	if env, err := decodeAnswer([]byte(`{"errcode":0,"code":"x"}`), &clash); err != nil || env.ErrCode != 0 || clash.WecomErrCode != "x" || clash.keep != 3 || combinedType(reflect.TypeOf(&clash)) != nil {
		t.Fatal(env, err, clash)
	}
}
