package wecomtest_test

import (
	"fmt"
	"testing"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

// user/get answers in the documented types whatever the client sent: gender a string, order
// and is_leader_in_dept arrays as long as department, direct_leader an array.
func TestUserAnswersDocumentedShape(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	tok := corpToken(t, srv)
	u := func(path string) string { return srv.URL() + path + "?access_token=" + tok }
	get := func(id string) map[string]any {
		t.Helper()
		a := call(t, "GET", u("/cgi-bin/user/get")+"&userid="+id, "")
		if code(a) != 0 {
			t.Fatalf("user/get %s: %v", id, a)
		}
		return a
	}
	shape := func(a map[string]any, gender, order, leader string) {
		t.Helper()
		if a["gender"] != gender {
			t.Errorf("%s: gender %#v, want %q", a["userid"], a["gender"], gender)
		}
		if got := fmt.Sprint(a["order"]); got != order {
			t.Errorf("%s: order %s, want %s", a["userid"], got, order)
		}
		if got := fmt.Sprint(a["is_leader_in_dept"]); got != leader {
			t.Errorf("%s: is_leader_in_dept %s, want %s", a["userid"], got, leader)
		}
		if _, ok := a["direct_leader"].([]any); !ok {
			t.Errorf("%s: direct_leader %#v, want an array", a["userid"], a["direct_leader"])
		}
	}

	// A client that sends gender as a number still reads it back as the documented string.
	if a := call(t, "POST", u("/cgi-bin/user/create"), `{"userid":"li.na","name":"李娜","mobile":"13900001111","gender":2,"department":[1,12],"order":[0,5],"is_leader_in_dept":[0,1]}`); code(a) != 0 {
		t.Fatal(a)
	}
	shape(get("li.na"), "2", "[0 5]", "[0 1]")
	if a := call(t, "POST", u("/cgi-bin/user/update"), `{"userid":"li.na","gender":1}`); code(a) != 0 {
		t.Fatal(a)
	}
	shape(get("li.na"), "1", "[0 5]", "[0 1]")

	// Seeded members have order and is_leader_in_dept too, one entry per department.
	srv.AddUsers(wecomtest.CorpID, wecomtest.SeedUser{UserID: "zhao.lei", Name: "赵磊", Department: []int{12, 31}})
	shape(get("zhao.lei"), "0", "[0 0]", "[0 0]")

	// A new department list without order resets both arrays to its length, never null.
	if a := call(t, "POST", u("/cgi-bin/user/update"), `{"userid":"zhao.lei","department":[31,12,1]}`); code(a) != 0 {
		t.Fatal(a)
	}
	shape(get("zhao.lei"), "0", "[0 0 0]", "[0 0 0]")
	if a := call(t, "POST", u("/cgi-bin/user/update"), `{"userid":"zhao.lei","department":[31],"order":[7],"is_leader_in_dept":[1]}`); code(a) != 0 {
		t.Fatal(a)
	}
	shape(get("zhao.lei"), "0", "[7]", "[1]")
	// order against the stored departments when department is not sent.
	if a := call(t, "POST", u("/cgi-bin/user/update"), `{"userid":"zhao.lei","order":[1,2]}`); code(a) != client.CodeInvalidParameter {
		t.Errorf("order longer than the stored departments: %v, want 40058", a)
	}

	// Fields other than gender keep their documented JSON type: a department list as a string
	// is a wrong JSON format.
	if a := call(t, "POST", u("/cgi-bin/user/update"), `{"userid":"zhao.lei","department":"31"}`); code(a) != client.CodeInvalidParameter {
		t.Errorf("department as a string: %v, want 40058", a)
	}

	list := call(t, "GET", u("/cgi-bin/user/list")+"&department_id=31", "")
	if users, _ := list["userlist"].([]any); len(users) != 1 {
		t.Fatalf("user/list: %v", list)
	} else {
		shape(users[0].(map[string]any), "0", "[7]", "[1]")
	}
	dept := call(t, "GET", u("/cgi-bin/department/get")+"&id=31", "")
	if got := fmt.Sprint(dept["department"].(map[string]any)["department_leader"]); got != "[zhao.lei]" {
		t.Errorf("department_leader %s", got)
	}
}

// linkedcorp/department/list answers department_id and parentid as strings.
func TestLinkedDepartmentListAnswersStrings(t *testing.T) {
	t.Parallel()
	srv := wecomtest.NewServer()
	defer srv.Close()
	srv.LinkCorp(wecomtest.CorpID, "wwsupplier", "lk1")
	srv.AddUsers("wwsupplier", wecomtest.SeedUser{UserID: "zhangsan", Name: "张三", Department: []int{5}})
	a := call(t, "POST", srv.URL()+"/cgi-bin/linkedcorp/department/list?access_token="+corpToken(t, srv), `{"department_id":"lk1/1"}`)
	list, _ := a["department_list"].([]any)
	if code(a) != 0 || len(list) != 2 {
		t.Fatalf("answer %v", a)
	}
	for _, d := range list {
		d := d.(map[string]any)
		if _, ok := d["parentid"].(string); !ok {
			t.Errorf("parentid %#v, want a string", d["parentid"])
		}
		if _, ok := d["department_id"].(string); !ok {
			t.Errorf("department_id %#v, want a string", d["department_id"])
		}
	}
	if sub := list[1].(map[string]any); sub["department_id"] != "5" || sub["parentid"] != "1" {
		t.Errorf("sub-department %v", sub)
	}
}
