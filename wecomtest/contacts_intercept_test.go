package wecomtest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

func TestInterceptRuleRawAnswers(t *testing.T) {
	t.Parallel()
	srv, u0 := strategySim(t)
	u := func(path string) string { return u0("/cgi-bin/externalcontact/" + path) }
	const rng = `"applicable_range":{"user_list":["LI.NA"],"department_list":["12"]}`
	a := call(t, "POST", u("add_intercept_rule"), `{"rule_name":"r1","word_list":["加微信"],"semantics_list":[1,2],"intercept_type":1,`+rng+`}`)
	id, _ := a["rule_id"].(string)
	if code(a) != 0 || id == "" {
		t.Fatalf("add: %v", a)
	}
	r := call(t, "POST", u("get_intercept_rule"), fmt.Sprintf(`{"rule_id":%q}`, id))["rule"].(map[string]any)
	if r["rule_id"] != id || fmt.Sprint(r["semantics_list"]) != "[1 2]" || r["intercept_type"] != float64(1) ||
		fmt.Sprint(r["applicable_range"]) != "map[department_list:[12] user_list:[li.na]]" || r["create_time"].(float64) == 0 {
		t.Errorf("get: %v", r)
	}
	// update takes semantics in extra_rule (as documented) and also at the top level.
	if a := call(t, "POST", u("update_intercept_rule"), fmt.Sprintf(`{"rule_id":%q,"extra_rule":{"semantics_list":[3]},"word_list":[]}`, id)); code(a) != 0 {
		t.Fatalf("update: %v", a)
	}
	r = call(t, "POST", u("get_intercept_rule"), fmt.Sprintf(`{"rule_id":%q}`, id))["rule"].(map[string]any)
	if fmt.Sprint(r["semantics_list"]) != "[3]" || fmt.Sprint(r["word_list"]) != "[加微信]" {
		t.Errorf("after extra_rule (an empty word_list is ignored): %v", r)
	}
	if a := call(t, "POST", u("update_intercept_rule"), fmt.Sprintf(`{"rule_id":%q,"semantics_list":[]}`, id)); code(a) != 0 {
		t.Fatalf("update: %v", a)
	}
	r = call(t, "POST", u("get_intercept_rule"), fmt.Sprintf(`{"rule_id":%q}`, id))["rule"].(map[string]any)
	if fmt.Sprint(r["semantics_list"]) != "[]" {
		t.Errorf("an empty list clears the semantics: %v", r["semantics_list"])
	}
	l := call(t, "GET", u("get_intercept_rule_list"), "")
	if code(l) != 0 || fmt.Sprint(l["rule_list"].([]any)[0].(map[string]any)["rule_name"]) != "r1" {
		t.Errorf("list: %v", l)
	}
	words := make([]string, 301)
	for i := range words {
		words[i] = fmt.Sprintf(`"w%d"`, i)
	}
	users := make([]string, 1001)
	for i := range users {
		users[i] = `"li.na"`
	}
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "add_intercept_rule", `{"rule_name":"r1","word_list":["x"],"intercept_type":1,` + rng + `}`, 41077},
		{"POST", "add_intercept_rule", `{"rule_name":"","word_list":["x"],"intercept_type":1,` + rng + `}`, client.CodeInvalidParameter},
		{"POST", "add_intercept_rule", `{"rule_name":"` + strings.Repeat("规", 21) + `","word_list":["x"],"intercept_type":1,` + rng + `}`, client.CodeInvalidParameter},
		{"POST", "add_intercept_rule", `{"rule_name":"r2","word_list":[],"intercept_type":1,` + rng + `}`, 41068},
		{"POST", "add_intercept_rule", `{"rule_name":"r2","word_list":[` + strings.Join(words, ",") + `],"intercept_type":1,` + rng + `}`, 41068},
		{"POST", "add_intercept_rule", `{"rule_name":"r2","word_list":["` + strings.Repeat("词", 33) + `"],"intercept_type":1,` + rng + `}`, 41083},
		{"POST", "add_intercept_rule", `{"rule_name":"r2","word_list":["x"],"semantics_list":[4],"intercept_type":1,` + rng + `}`, 41084},
		{"POST", "add_intercept_rule", `{"rule_name":"r2","word_list":["x"],"intercept_type":3,` + rng + `}`, client.CodeInvalidParameter},
		{"POST", "add_intercept_rule", `{"rule_name":"r2","word_list":["x"],"intercept_type":1,"applicable_range":{}}`, client.CodeInvalidParameter},
		{"POST", "add_intercept_rule", `{"rule_name":"r2","word_list":["x"],"intercept_type":1,"applicable_range":{"user_list":[` + strings.Join(users, ",") + `]}}`, 41076},
		{"POST", "add_intercept_rule", `{"rule_name":"r2","word_list":["x"],"intercept_type":1,"applicable_range":{"user_list":["ghost"]}}`, client.CodeInvalidUserID},
		{"POST", "add_intercept_rule", `{"rule_name":"r2","word_list":["x"],"intercept_type":1,"applicable_range":{"department_list":[99]}}`, client.CodeInvalidDepartmentID},
		{"POST", "get_intercept_rule", `{"rule_id":"nope"}`, 41070},
		{"POST", "get_intercept_rule", `{}`, 41070},
		{"POST", "get_intercept_rule_list", `{}`, client.CodeInvalidParameter}, // a GET endpoint
		{"POST", "update_intercept_rule", fmt.Sprintf(`{"rule_id":%q,"remove_applicable_range":{"user_list":[%s]}}`, id, strings.Join(users, ",")), 41076},
		{"POST", "update_intercept_rule", fmt.Sprintf(`{"rule_id":%q,"extra_rule":{"semantics_list":[0]}}`, id), 41084},
	} {
		if got := code(call(t, tc.method, u(tc.path), tc.body)); got != tc.want {
			t.Errorf("%s %s %.90s: errcode %d, want %d", tc.method, tc.path, tc.body, got, tc.want)
		}
	}
	if a := call(t, "POST", u("del_intercept_rule"), fmt.Sprintf(`{"rule_id":%q}`, id)); code(a) != 0 {
		t.Fatalf("delete: %v", a)
	}
	if got := code(call(t, "POST", u("update_intercept_rule"), fmt.Sprintf(`{"rule_id":%q,"intercept_type":2}`, id))); got != 41071 {
		t.Errorf("update deleted: %d, want 41071", got)
	}
	if ids := srv.InterceptRules(wecomtest.CorpID); len(ids) != 0 {
		t.Errorf("left %v", ids)
	}
}
