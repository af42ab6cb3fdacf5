package webhook

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// register_corp carries an address-book access token: no verb prints it.
func TestRegisterCorpHidesAccessToken(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/events/register_corp.xml")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	rc, ok := ev.(*RegisterCorp)
	if !ok || rc.ContactSync.AccessToken != "accesstoken000001" {
		t.Fatalf("decoded %#v", ev)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		if s := fmt.Sprintf(verb, rc); strings.Contains(s, "accesstoken000001") {
			t.Errorf("%s prints the access token: %s", verb, s)
		}
		if s := fmt.Sprintf(verb, *rc); strings.Contains(s, "accesstoken000001") {
			t.Errorf("%s of the value prints the access token: %s", verb, s)
		}
	}
}
