// Package wire holds the SDK's one set of lenient JSON types and the concept types shared by
// several packages. WeCom sends the same field as a number in one answer and a string in
// another, or a flag as true, 1 or "1"; these types decode every form the platform is known to
// send and encode the one form its docs ask for. Public packages use them in their structs and
// alias the shared concept types ([Gender], [CardType]) under their own names.
package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

var null = []byte("null")

// unquote strips one pair of surrounding quotes, so "7" and 7 read alike.
func unquote(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// String is a string WeCom sometimes sends as a JSON number (IDs, parentid). null decodes as "".
type String string

// UnmarshalJSON accepts a JSON string, a number or null.
func (s *String) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, null):
		*s = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = String(v)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("%s is neither a string nor a number", b)
	}
	*s = String(n)
	return nil
}

// Int is an integer WeCom sometimes sends as a JSON string ("7"). null and "" decode as 0.
type Int int

// UnmarshalJSON accepts 7, "7", "" and null.
func (n *Int) UnmarshalJSON(b []byte) error {
	v, err := parseInt(b, strconv.IntSize)
	*n = Int(v)
	return err
}

// Int64 is Int for 64-bit values (timestamps, message IDs).
type Int64 int64

// UnmarshalJSON accepts 7, "7", "" and null.
func (n *Int64) UnmarshalJSON(b []byte) error {
	v, err := parseInt(b, 64)
	*n = Int64(v)
	return err
}

func parseInt(b []byte, bits int) (int64, error) {
	t := unquote(b)
	if len(t) == 0 || bytes.Equal(t, null) {
		return 0, nil
	}
	v, err := strconv.ParseInt(string(t), 10, bits)
	if err != nil {
		return 0, fmt.Errorf("%s is not an integer", b)
	}
	return v, nil
}

// Bool is a flag WeCom sends as true/false, 0/1 or "0"/"1"; it encodes as a JSON boolean.
type Bool bool

// UnmarshalJSON accepts true, false, 0, 1, "0", "1", "true", "false", "" and null.
func (f *Bool) UnmarshalJSON(b []byte) error {
	v, err := parseBool(b)
	*f = Bool(v)
	return err
}

// Flag is a 0/1 switch: it decodes like [Bool] and encodes as 0 or 1, for the fields whose
// docs ask for a number.
type Flag bool

// MarshalJSON encodes 0 or 1.
func (f Flag) MarshalJSON() ([]byte, error) {
	if f {
		return []byte("1"), nil
	}
	return []byte("0"), nil
}

// UnmarshalJSON accepts what [Bool] accepts.
func (f *Flag) UnmarshalJSON(b []byte) error {
	v, err := parseBool(b)
	*f = Flag(v)
	return err
}

func parseBool(b []byte) (bool, error) {
	switch string(unquote(b)) {
	case "true", "1":
		return true, nil
	case "false", "0", "", "null":
		return false, nil
	}
	return false, fmt.Errorf("%s is not a boolean or 0/1", b)
}

// IntList is a list of integer IDs that also decodes from numeric strings (["2", 3]); null
// decodes as an empty list.
type IntList []int

// UnmarshalJSON accepts an array of numbers or numeric strings, or null.
func (l *IntList) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, null) {
		*l = nil
		return nil
	}
	var raw []Int
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(IntList, len(raw))
	for i, v := range raw {
		out[i] = int(v)
	}
	*l = out
	return nil
}
