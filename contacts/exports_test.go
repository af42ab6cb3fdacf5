package contacts

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wecom-connector/wecom/client"
	"github.com/wecom-connector/wecom/wecomtest"
)

const exportFilePath = "/wecomtest/export/file"

// seedBook puts n members into departments 2–6 of the default corp, and a tag (id 1) with two
// members and department 3.
func seedBook(t *testing.T, srv *wecomtest.Server, s *Service, n int) {
	t.Helper()
	users := make([]wecomtest.SeedUser, n)
	for i := range users {
		users[i] = wecomtest.SeedUser{UserID: fmt.Sprintf("u%06d", i), Name: fmt.Sprintf("成员 %d", i), Department: []int{2 + i%5}}
	}
	srv.AddUsers(wecomtest.CorpID, users...)
	ctx := context.Background()
	id, err := s.CreateTag(ctx, CreateTagParams{Name: "Night shift"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddTagMembers(ctx, TagMembersParams{TagID: id, UserIDs: []string{"u000001", "u000002"}, Departments: []int{3}}); err != nil {
		t.Fatal(err)
	}
}

func seedSmallBook(t *testing.T, srv *wecomtest.Server, s *Service) { seedBook(t, srv, s, 12) }

var exportKeyForTests = NewExportKey()

func TestExportsMatrix(t *testing.T) {
	t.Parallel()
	p := ExportParams{EncodingAESKey: exportKeyForTests, BlockSize: MinExportBlockSize}
	started := func(f func(ctx context.Context, s *Service) (string, error)) func(ctx context.Context, s *Service) error {
		return func(ctx context.Context, s *Service) error {
			id, err := f(ctx, s)
			if err == nil && !strings.HasPrefix(id, "jobid_") {
				return fmt.Errorf("jobid %q", id)
			}
			return err
		}
	}
	runMatrix(t, []endpoint{
		{name: "simple_user", path: "/cgi-bin/export/simple_user", retried: true, prepare: seedSmallBook,
			call: started(func(ctx context.Context, s *Service) (string, error) { return s.ExportSimpleUsers(ctx, p) })},
		{name: "user", path: "/cgi-bin/export/user", retried: true, prepare: seedSmallBook,
			call: started(func(ctx context.Context, s *Service) (string, error) { return s.ExportUsers(ctx, p) })},
		{name: "department", path: "/cgi-bin/export/department", retried: true, prepare: seedSmallBook,
			call: started(func(ctx context.Context, s *Service) (string, error) { return s.ExportDepartments(ctx, p) })},
		{name: "taguser", path: "/cgi-bin/export/taguser", retried: true, prepare: seedSmallBook,
			call: started(func(ctx context.Context, s *Service) (string, error) {
				return s.ExportTagUsers(ctx, ExportTagUsersParams{TagID: 1, EncodingAESKey: exportKeyForTests})
			})},
		{name: "get_result", path: "/cgi-bin/export/get_result", retried: true, prepare: seedSmallBook, call: func(ctx context.Context, s *Service) error {
			id, err := s.ExportSimpleUsers(ctx, p)
			if err != nil {
				return fmt.Errorf("start (not the path under test): %w", err)
			}
			r, err := s.GetExportResult(ctx, id)
			if err == nil && r.Status != ExportRunning && r.Status != ExportPending {
				return fmt.Errorf("first result %+v, want pending or running", r)
			}
			return err
		}},
	})
}

// The round trip over 12,000 members in two blocks of at most 10,000: every member comes back
// once, in the documented shape, as do the departments and the tag's entries.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	const n = 12_000
	seedBook(t, srv, s, n)
	ctx := context.Background()
	key := NewExportKey()
	read := ExportReadParams{EncodingAESKey: key}
	wait := func(id string, err error) *ExportResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.WaitExport(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	r := wait(s.ExportSimpleUsers(ctx, ExportParams{EncodingAESKey: key, BlockSize: 10_000}))
	if r.Status != ExportDone || len(r.Files) != 2 || r.Files[0].Size == 0 || len(r.Files[0].MD5) != 32 {
		t.Fatalf("result %+v", r)
	}
	var ids []string
	for u, err := range s.ReadExportedSimpleUsers(ctx, r, read) {
		if err != nil {
			t.Fatal(err)
		}
		if u.Name == "" || len(u.Department) != 1 {
			t.Fatalf("member %+v", u)
		}
		ids = append(ids, u.UserID)
	}
	if want := srv.UserIDs(wecomtest.CorpID); !slices.Equal(ids, want) {
		t.Fatalf("exported %d members, the corp has %d", len(ids), len(want))
	}

	r = wait(s.ExportUsers(ctx, ExportParams{EncodingAESKey: key}))
	count := 0
	for u, err := range s.ReadExportedUsers(ctx, r, read) {
		if err != nil {
			t.Fatal(err)
		}
		if u.Status != UserActive || u.MainDepartment == 0 {
			t.Fatalf("member details %+v", u)
		}
		count++
	}
	if len(r.Files) != 1 || count != n {
		t.Fatalf("details: %d files, %d members", len(r.Files), count)
	}

	r = wait(s.ExportDepartments(ctx, ExportParams{EncodingAESKey: key}))
	var depts []int
	for d, err := range s.ReadExportedDepartments(ctx, r, read) {
		if err != nil {
			t.Fatal(err)
		}
		depts = append(depts, d.ID)
	}
	if !slices.Equal(depts, []int{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("departments %v", depts)
	}

	r = wait(s.ExportTagUsers(ctx, ExportTagUsersParams{TagID: 1, EncodingAESKey: key}))
	var entries []string
	for e, err := range s.ReadExportedTagUsers(ctx, r, read) {
		if err != nil {
			t.Fatal(err)
		}
		if e.TagName != "Night shift" {
			t.Fatalf("entry %+v", e)
		}
		if e.User != nil {
			entries = append(entries, e.User.UserID)
		} else {
			entries = append(entries, fmt.Sprint(e.DepartmentID))
		}
	}
	if !slices.Equal(entries, []string{"u000001", "u000002", "3"}) {
		t.Fatalf("tag entries %v", entries)
	}

	// Breaking out of the loop stops reading.
	before := srv.Calls(exportFilePath)
	for range s.ReadExportedSimpleUsers(ctx, wait(s.ExportSimpleUsers(ctx, ExportParams{EncodingAESKey: key, BlockSize: 10_000})), read) {
		break
	}
	if n := srv.Calls(exportFilePath) - before; n != 1 {
		t.Errorf("%d files fetched after a break in the first, want 1", n)
	}
}

// A download that breaks off is resumed with a Range request where it stopped.
func TestExportResumesBrokenDownload(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedBook(t, srv, s, 300)
	ctx := context.Background()
	id, err := s.ExportUsers(ctx, ExportParams{EncodingAESKey: exportKeyForTests})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.WaitExport(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	srv.CutExportDownloads(wecomtest.CorpID, 2)
	n := 0
	for _, err := range s.ReadExportedUsers(ctx, r, ExportReadParams{EncodingAESKey: exportKeyForTests}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 300 || srv.Calls(exportFilePath) != 3 {
		t.Fatalf("%d members in %d requests, want 300 in 3 (two resumed)", n, srv.Calls(exportFilePath))
	}
	srv.CutExportDownloads(wecomtest.CorpID, maxResumes+1)
	var last error
	for _, err := range s.ReadExportedUsers(ctx, r, ExportReadParams{EncodingAESKey: exportKeyForTests}) {
		last = err
	}
	if last == nil || !strings.Contains(last.Error(), "broke off") || strings.Contains(last.Error(), "sign=") {
		t.Fatalf("after %d breaks: %v, want a broke-off error without the URL", maxResumes+1, last)
	}
}

// A wrong key, a tampered MD5 or size, an unfinished or failed job: errors, never silent data.
func TestExportReadErrors(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedBook(t, srv, s, 50)
	ctx := context.Background()
	id, err := s.ExportSimpleUsers(ctx, ExportParams{EncodingAESKey: exportKeyForTests})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.WaitExport(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	lastErr := func(r *ExportResult, key string) (int, error) {
		n := 0
		for _, err := range s.ReadExportedSimpleUsers(ctx, r, ExportReadParams{EncodingAESKey: key}) {
			if err != nil {
				return n, err
			}
			n++
		}
		return n, nil
	}
	if _, err := lastErr(r, NewExportKey()); err == nil {
		t.Error("a wrong key decoded")
	}
	bad := *r
	bad.Files = []ExportFile{r.Files[0]}
	bad.Files[0].MD5 = strings.Repeat("0", 32)
	if n, err := lastErr(&bad, exportKeyForTests); err == nil || !strings.Contains(err.Error(), "MD5") || n > 50 {
		t.Errorf("tampered MD5: %d members, %v", n, err)
	}
	bad.Files[0] = r.Files[0]
	bad.Files[0].Size++
	if _, err := lastErr(&bad, exportKeyForTests); err == nil {
		t.Error("a wrong size passed")
	}
	bad.Files[0] = r.Files[0]
	bad.Files[0].URL += "x" // a wrong signature: 404
	if _, err := lastErr(&bad, exportKeyForTests); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("bad link: %v", err)
	}
	if _, err := lastErr(&ExportResult{Status: ExportRunning}, exportKeyForTests); err == nil {
		t.Error("an unfinished job was read")
	}
	if _, err := lastErr(r, "short"); !errors.Is(err, client.ErrInvalidParams) {
		t.Errorf("short key: %v", err)
	}

	srv.FailNextExports(wecomtest.CorpID, 1)
	id, err = s.ExportDepartments(ctx, ExportParams{EncodingAESKey: exportKeyForTests})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.WaitExport(ctx, id); !errors.Is(err, ErrExportFailed) || r.Status != ExportFailed {
		t.Errorf("failed job: %+v, %v", r, err)
	}
}

func TestWaitExport(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	seedBook(t, srv, s, 10)
	ctx := context.Background()
	srv.SetExportPolls(wecomtest.CorpID, 2)
	id, err := s.ExportSimpleUsers(ctx, ExportParams{EncodingAESKey: exportKeyForTests})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext("/cgi-bin/export/get_result", -1, 1) // a busy poll is retried by the client
	start := time.Now()
	r, err := s.WaitExport(ctx, id)
	if err != nil || r.Status != ExportDone {
		t.Fatalf("%+v, %v", r, err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("done after %v: no backoff between polls", d)
	}
	if n := srv.Served("/cgi-bin/export/get_result"); n != 3 {
		t.Errorf("polls = %d, want 3", n)
	}
	srv.SetExportPolls(wecomtest.CorpID, 1000)
	id, err = s.ExportUsers(ctx, ExportParams{EncodingAESKey: exportKeyForTests})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()
	if _, err := s.WaitExport(cctx, id); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitExport past the deadline: %v", err)
	}
	if _, err := s.GetExportResult(ctx, "jobid_nope"); wecomtest.ErrCode(err) != client.CodeJobIDNotFound {
		t.Errorf("unknown job: %v, want 40088", err)
	}
	// Only the app that started the job may read its result.
	srv.AddApp(wecomtest.App{CorpID: wecomtest.CorpID, Secret: "other-app", AgentID: 1000005})
	other, err := client.New(client.CorpApp{CorpID: wecomtest.CorpID, Secret: "other-app"}, client.WithBaseURL(srv.URL()), wecomtest.FastRetry())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(other).GetExportResult(ctx, id); wecomtest.ErrCode(err) != client.CodeJobIDNotFound {
		t.Errorf("another app's job: %v, want 40088", err)
	}
}

func TestExportValidation(t *testing.T) {
	t.Parallel()
	srv, s := newSim(t)
	ctx := context.Background()
	for _, tc := range []struct {
		p     ExportParams
		field string
	}{
		{ExportParams{}, "encoding_aeskey"},
		{ExportParams{EncodingAESKey: exportKeyForTests[:42]}, "encoding_aeskey"},
		{ExportParams{EncodingAESKey: exportKeyForTests[:42] + "+"}, "encoding_aeskey"},
		{ExportParams{EncodingAESKey: exportKeyForTests, BlockSize: 9_999}, "block_size"},
		{ExportParams{EncodingAESKey: exportKeyForTests, BlockSize: 1_000_001}, "block_size"},
	} {
		_, err := s.ExportSimpleUsers(ctx, tc.p)
		wecomtest.WantInvalid(t, err, tc.field)
		if strings.Contains(err.Error(), exportKeyForTests[:20]) {
			t.Errorf("the key is in the error: %v", err)
		}
		_, err = s.ExportTagUsers(ctx, ExportTagUsersParams{TagID: 1, EncodingAESKey: tc.p.EncodingAESKey, BlockSize: tc.p.BlockSize})
		wecomtest.WantInvalid(t, err, tc.field)
	}
	_, err := s.ExportTagUsers(ctx, ExportTagUsersParams{TagID: -1, EncodingAESKey: exportKeyForTests})
	wecomtest.WantInvalid(t, err, "tagid")
	_, err = s.GetExportResult(ctx, "")
	wecomtest.WantInvalid(t, err, "jobid")
	for _, p := range []string{"/cgi-bin/export/simple_user", "/cgi-bin/export/taguser", "/cgi-bin/export/get_result"} {
		if n := srv.Calls(p); n != 0 {
			t.Errorf("%s called %d times", p, n)
		}
	}
	// The simulator is as strict as WeCom for what got through.
	if _, err := s.ExportTagUsers(ctx, ExportTagUsersParams{TagID: 77, EncodingAESKey: exportKeyForTests}); wecomtest.ErrCode(err) != client.CodeInvalidTagID {
		t.Errorf("unknown tag: %v, want 40068", err)
	}
	for range 100 {
		if _, err := exportKey(NewExportKey()); err != nil {
			t.Fatalf("NewExportKey made a bad key: %v", err)
		}
	}
}

// Golden request bodies: the wire names, block_size left out at 0, tagid always sent.
func TestExportEncoding(t *testing.T) {
	t.Parallel()
	s, mt := mockService(t)
	const key = "IJUiXNpvGbODwKEBSEsAeOAPAhkqHqNCF6g19t9wfg2" // the doc's example key
	ctx := context.Background()
	for _, tc := range []struct {
		path string
		call func() error
		want []string
	}{
		{"/cgi-bin/export/simple_user", func() error {
			if _, err := s.ExportSimpleUsers(ctx, ExportParams{EncodingAESKey: key, BlockSize: 1_000_000}); err != nil {
				return err
			}
			_, err := s.ExportSimpleUsers(ctx, ExportParams{EncodingAESKey: key})
			return err
		}, []string{`{"encoding_aeskey":"` + key + `","block_size":1000000}`, `{"encoding_aeskey":"` + key + `"}`}},
		{"/cgi-bin/export/user", func() error {
			_, err := s.ExportUsers(ctx, ExportParams{EncodingAESKey: key, BlockSize: 10_000})
			return err
		}, []string{`{"encoding_aeskey":"` + key + `","block_size":10000}`}},
		{"/cgi-bin/export/department", func() error {
			_, err := s.ExportDepartments(ctx, ExportParams{EncodingAESKey: key})
			return err
		}, []string{`{"encoding_aeskey":"` + key + `"}`}},
		{"/cgi-bin/export/taguser", func() error {
			_, err := s.ExportTagUsers(ctx, ExportTagUsersParams{TagID: 0, EncodingAESKey: key, BlockSize: 1_000_000})
			return err
		}, []string{`{"tagid":0,"encoding_aeskey":"` + key + `","block_size":1000000}`}},
	} {
		got := captureJSON(mt, "POST", tc.path, `{"errcode":0,"errmsg":"ok","jobid":"jobid_xxxxxxxxx"}`)
		if err := tc.call(); err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		for i, want := range tc.want {
			if (*got)[i].raw != want {
				t.Errorf("%s body %d: %s, want %s", tc.path, i, (*got)[i].raw, want)
			}
		}
	}
	got := captureJSON(mt, "GET", "/cgi-bin/export/get_result",
		`{"errcode":0,"errmsg":"ok","status":2,"data_list":[{"url":"https://xxxxx","size":1024,"md5":"d41d8cd98f00b204e9800998ecf8427e"}]}`)
	r, err := s.GetExportResult(ctx, "jobid_xxxxxxxxxxxxxxx")
	if err != nil || r.Status != ExportDone || r.Files[0] != (ExportFile{URL: "https://xxxxx", Size: 1024, MD5: "d41d8cd98f00b204e9800998ecf8427e"}) {
		t.Fatalf("result %+v, %v", r, err)
	}
	if q := (*got)[0].query["jobid"]; !slices.Equal(q, []string{"jobid_xxxxxxxxxxxxxxx"}) {
		t.Errorf("jobid query %v", q)
	}
}

func TestExportKeyNeverPrinted(t *testing.T) {
	t.Parallel()
	key := NewExportKey()
	for _, v := range []any{ExportParams{EncodingAESKey: key}, ExportTagUsersParams{EncodingAESKey: key}, ExportReadParams{EncodingAESKey: key}} {
		if out := fmt.Sprintf("%v %+v %#v %s %q %x", v, v, v, v, v, v); strings.Contains(out, key) || !strings.Contains(out, "REDACTED") {
			t.Errorf("printed %s", out)
		}
	}
}
