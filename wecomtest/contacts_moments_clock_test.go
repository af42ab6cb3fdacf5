package wecomtest

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
)

// The windows of the customer-contact tasks (reminders a day, moment tasks a minute and a
// month, job lifetime, monthly receiving limits) run on the corp's clock, which these tests
// set: no test waits for a real day.

// fakeClock sets corpID's clock to a time the test moves; the returned func advances it.
func fakeClock(s *Server, corpID string, start time.Time) func(time.Duration) {
	now := start
	s.mu.Lock()
	s.book(corpID).moments.now = func() time.Time { return now } // read under s.mu
	s.mu.Unlock()
	return func(d time.Duration) {
		s.mu.Lock()
		now = now.Add(d)
		s.mu.Unlock()
	}
}

// invoke runs a route's handler as the default corp's app would reach it.
func invoke(s *Server, method, path, query, body string) (J, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := s.routes[path]
	r := httptest.NewRequest(method, path+"?"+query, strings.NewReader(body))
	v, err := rt.h(&Call{R: r, Body: []byte(body), Token: &Token{Kind: TokenCorp, CorpID: CorpID}, Path: path})
	j, _ := v.(J)
	return j, err
}

func errCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestMassRemindWindow(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	advance := fakeClock(s, CorpID, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	s.SeedCustomers(CorpID, "li.na", 1)
	a, err := invoke(s, post, "/cgi-bin/externalcontact/add_msg_template", "", `{"sender":"li.na","text":{"content":"hi"}}`)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"msgid":"` + a["msgid"].(string) + `"}`
	remind := func() int {
		_, err := invoke(s, post, "/cgi-bin/externalcontact/remind_groupmsg_send", "", body)
		return errCode(err)
	}
	for i, step := range []time.Duration{0, 8 * time.Hour, 8 * time.Hour} {
		advance(step)
		if c := remind(); c != 0 {
			t.Fatalf("reminder %d: %d", i+1, c)
		}
	}
	advance(8*time.Hour - time.Second) // 23:59:59 after the first
	if c := remind(); c != codeMassRemindLimit {
		t.Errorf("fourth reminder within 24 hours: %d, want 41094", c)
	}
	advance(time.Second) // the first leaves the window
	if c := remind(); c != 0 {
		t.Errorf("reminder 24 hours after the first: %d", c)
	}
	if c := remind(); c != codeMassRemindLimit {
		t.Errorf("another at once: %d, want 41094", c)
	}
}

// TestMassMonthlyLimit: a customer receives at most as many mass messages a month as the month
// has days; the next one fails with status 3, and the count starts again next month.
func TestMassMonthlyLimit(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	advance := fakeClock(s, CorpID, time.Date(2026, 2, 27, 12, 0, 0, 0, massMonthZone)) // February 2026: 28 days
	s.SeedCustomers(CorpID, "li.na", 1)
	statuses := func() string {
		a, err := invoke(s, post, "/cgi-bin/externalcontact/add_msg_template", "", `{"sender":"li.na","text":{"content":"hi"}}`)
		if err != nil {
			t.Fatal(err)
		}
		id := a["msgid"].(string)
		if err := s.ConfirmMassMessage(CorpID, id, "li.na"); err != nil {
			t.Fatal(err)
		}
		r, err := invoke(s, post, "/cgi-bin/externalcontact/get_groupmsg_send_result", "", `{"msgid":"`+id+`","userid":"li.na"}`)
		if err != nil {
			t.Fatal(err)
		}
		return string(rune('0' + r["send_list"].([]J)[0]["status"].(int)))
	}
	var got strings.Builder
	for range 29 {
		got.WriteString(statuses())
	}
	if want := strings.Repeat("1", 28) + "3"; got.String() != want {
		t.Errorf("statuses over February %s, want %s", got.String(), want)
	}
	advance(3 * 24 * time.Hour) // March
	if st := statuses(); st != "1" {
		t.Errorf("in March: status %s, want 1", st)
	}
}

func TestMomentTaskLimits(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	advance := fakeClock(s, CorpID, time.Date(2026, 3, 31, 23, 59, 0, 0, massMonthZone))
	add := func() (string, int) {
		a, err := invoke(s, post, "/cgi-bin/externalcontact/add_moment_task", "", `{"text":{"content":"hi"},"visible_range":{"sender_list":{"user_list":["li.na"]}}}`)
		id, _ := a["jobid"].(string)
		return id, errCode(err)
	}
	var first string
	for i := range momentTasksPerMinute {
		id, c := add()
		if c != 0 {
			t.Fatalf("task %d: %d", i+1, c)
		}
		if i == 0 {
			first = id
		}
	}
	if _, c := add(); c != client.CodeFrequencyLimit {
		t.Errorf("eleventh task in a minute: %d, want 45009", c)
	}
	advance(time.Minute) // April, and a new minute
	if _, c := add(); c != 0 {
		t.Errorf("next minute: %d", c)
	}
	s.mu.Lock()
	s.book(CorpID).moments.monthCount = momentTasksPerMonth
	s.mu.Unlock()
	advance(time.Minute)
	if _, c := add(); c != codeMomentMonthlyLimit {
		t.Errorf("past 100000 moments in a month: %d, want 41210", c)
	}
	advance(30 * 24 * time.Hour) // May
	if _, c := add(); c != 0 {
		t.Errorf("next month: %d", c)
	}
	// The job of March 31 expired 24 hours after it was created.
	if _, err := invoke(s, get, "/cgi-bin/externalcontact/get_moment_task_result", "jobid="+first, ""); errCode(err) != client.CodeJobIDNotFound {
		t.Errorf("an expired job: %v, want 40088", err)
	}
}

func TestMomentZeroValueUsable(t *testing.T) {
	t.Parallel()
	var m momentState
	if m.clock().IsZero() || m.massState().tasks == nil {
		t.Error("a zero momentState is not usable")
	}
	m.init()
	if m.moments == nil || m.jobs == nil {
		t.Error("init made no maps")
	}
}
