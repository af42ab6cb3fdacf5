package wire

import (
	"encoding/json"
	"testing"
)

func TestLenientDecoding(t *testing.T) {
	type all struct {
		S  String  `json:"s"`
		I  Int     `json:"i"`
		I6 Int64   `json:"i6"`
		B  Bool    `json:"b"`
		F  Flag    `json:"f"`
		L  IntList `json:"l"`
		G  Gender  `json:"g"`
	}
	for in, want := range map[string]all{
		`{"s":"x","i":7,"i6":1700000000000,"b":true,"f":1,"l":[1,2],"g":"2"}`: {"x", 7, 1700000000000, true, true, IntList{1, 2}, GenderFemale},
		`{"s":12,"i":"7","i6":"9","b":"1","f":"true","l":["1",2],"g":1}`:      {"12", 7, 9, true, true, IntList{1, 2}, GenderMale},
		`{"s":null,"i":null,"i6":"","b":0,"f":"0","l":null,"g":null}`:         {},
		`{"s":"","i":"","b":"false","f":false,"g":""}`:                        {},
	} {
		var got all
		if err := json.Unmarshal([]byte(in), &got); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Errorf("%s: got %s, want %s", in, gj, wj)
		}
	}
	for _, bad := range []string{`{"i":"x"}`, `{"b":"yes"}`, `{"s":{}}`, `{"l":["a"]}`, `{"g":"m"}`, `{"i":1.5}`} {
		var got all
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}

func TestEncodings(t *testing.T) {
	b, _ := json.Marshal(struct {
		F Flag   `json:"f"`
		B Bool   `json:"b"`
		G Gender `json:"g"`
	}{true, true, GenderMale})
	if string(b) != `{"f":1,"b":true,"g":"1"}` {
		t.Fatalf("got %s", b)
	}
	if GenderFemale.String() != "female" || Gender(9).String() != "undefined" {
		t.Fatal("Gender.String")
	}
}
