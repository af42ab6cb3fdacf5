package wecomtest

import "testing"

// The zero openIDState is usable: init makes its maps once and keeps them.
func TestOpenIDStateZeroValue(t *testing.T) {
	t.Parallel()
	var o openIDState
	o.init()
	o.minted["x"] = openRef{kind: oidUser}
	o.init()
	if o.owners == nil || o.registers == nil || o.customized == nil || o.minted["x"].kind != oidUser {
		t.Fatalf("state after init: %+v", o)
	}
	s := &Server{}
	if s.subjectOf("wwsuite") != "wwsuite" || s.customizedSuite("wwsuite") {
		t.Error("an unlinked suite on a zero state")
	}
}
