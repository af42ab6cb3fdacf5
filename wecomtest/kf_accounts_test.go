package wecomtest_test

import (
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// kf/account/list takes its long-standing GET form (offset and limit in the query) beside POST.
func TestKfAccountListGetForm(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	for _, name := range []string{"After-sales", "VIP", "Returns"} {
		srv.AddKfAccount(name)
	}
	u := srv.URL() + "/cgi-bin/kf/account/list?access_token=" + corpToken(t, srv)
	names := func(a map[string]any) []string {
		t.Helper()
		if code(a) != 0 {
			t.Fatalf("answer %v", a)
		}
		var out []string
		for _, x := range a["account_list"].([]any) {
			out = append(out, x.(map[string]any)["name"].(string))
		}
		return out
	}
	if got := names(call(t, "GET", u, "")); len(got) != 3 {
		t.Errorf("GET without paging: %v", got)
	}
	if got := names(call(t, "GET", u+"&offset=1&limit=1", "")); len(got) != 1 || got[0] != "VIP" {
		t.Errorf("GET offset=1 limit=1: %v", got)
	}
	if got := names(call(t, "POST", u, `{"offset":2,"limit":100}`)); len(got) != 1 || got[0] != "Returns" {
		t.Errorf("POST offset=2: %v", got)
	}
	if got := code(call(t, "GET", u+"&limit=x", "")); got != client.CodeInvalidParameter {
		t.Errorf("GET limit=x: errcode %d, want 40058", got)
	}
}
