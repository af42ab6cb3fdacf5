package inventory

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const codesGo = root + "/client/codes_gen.go"

// TestCodesCurrent keeps client/codes_gen.go generated from the spec extracts and errcodes.tsv.
func TestCodesCurrent(t *testing.T) {
	codes, err := Errcodes("spec", "errcodes.tsv")
	if err != nil {
		t.Fatal(err)
	}
	want, err := FormatCodes("client", codes)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(codesGo)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Error("client/codes_gen.go is stale: run go generate ./client")
	}
}

// generatedConsts returns the Code* constants of client/codes_gen.go with their values and docs.
func generatedConsts(t *testing.T) (map[string]int, map[string]string) {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), codesGo, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	values, docs := map[string]int{}, map[string]string{}
	for _, decl := range f.Decls {
		d, ok := decl.(*ast.GenDecl)
		if !ok || d.Tok != token.CONST {
			continue
		}
		for _, spec := range d.Specs {
			s := spec.(*ast.ValueSpec)
			lit := s.Values[0]
			sign := ""
			if u, ok := lit.(*ast.UnaryExpr); ok && u.Op == token.SUB {
				sign, lit = "-", u.X
			}
			v, err := strconv.Atoi(sign + lit.(*ast.BasicLit).Value)
			if err != nil {
				t.Fatal(err)
			}
			name := s.Names[0].Name
			if _, dup := values[name]; dup {
				t.Errorf("%s declared twice", name)
			}
			values[name], docs[name] = v, s.Doc.Text()
		}
	}
	return values, docs
}

// TestEveryCodeNamed checks that client/codes_gen.go has one constant, with its meaning in the
// doc comment, for every errcode the spec's tables list, and no two codes share a name.
func TestEveryCodeNamed(t *testing.T) {
	docs, err := DocumentedCodes("spec")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 300 {
		t.Fatalf("only %d errcodes parsed from the spec", len(docs))
	}
	values, comments := generatedConsts(t)
	byCode := map[int]string{}
	for name, v := range values {
		if other, dup := byCode[v]; dup {
			t.Errorf("errcode %d has two names: %s and %s", v, other, name)
		}
		byCode[v] = name
		if _, ok := docs[v]; !ok {
			t.Errorf("%s = %d is in no errcode table", name, v)
		}
	}
	for code, e := range docs {
		name, ok := byCode[code]
		if !ok {
			t.Errorf("errcode %d (%s) has no constant", code, e.Source)
			continue
		}
		doc := strings.Join(strings.Fields(comments[name]), " ")
		if !strings.HasPrefix(doc, name+" ("+strconv.Itoa(code)+"): ") || !strings.Contains(doc, strings.Join(strings.Fields(e.Meaning), " ")) {
			t.Errorf("doc of %s lacks its code or meaning: %q", name, doc)
		}
	}
}

// TestReleasedNamesKept pins the names callers already use; the names file must never rename them.
func TestReleasedNamesKept(t *testing.T) {
	values, _ := generatedConsts(t)
	for name, code := range map[string]int{
		// client
		"CodeBusy": -1, "CodeOK": 0, "CodeDataVersionConflict": 6000, "CodeInvalidCredential": 40001,
		"CodeInvalidUserID": 40003, "CodeInvalidCorpID": 40013, "CodeInvalidAccessToken": 40014,
		"CodeInvalidParameter": 40058, "CodeInvalidPreAuthCode": 40077, "CodeInvalidAuthCode": 40078,
		"CodeInvalidSuiteSecret": 40080, "CodeInvalidSuiteToken": 40082, "CodeInvalidPermanentCode": 40084,
		"CodeInvalidSuiteTicket": 40085, "CodeSecretInvalid": 40091, "CodeMissingAccessToken": 41001,
		"CodeAccessTokenExpired": 42001, "CodeSuiteTokenExpired": 42009, "CodeFrequencyLimit": 45009,
		"CodeConcurrencyLimit": 45033, "CodeAPIForbidden": 48002, "CodeAuthInvalid": 48004,
		"CodeContactsNewIP": 48009, "CodeOutOfScope": 50002, "CodeNoPrivilege": 60011,
		"CodeInsecureIP": 60020, "CodeUserOutOfScope": 60021, "CodeAppNoPrivilege": 301002,
		"CodeNotInShareScope": 670001,
		// customerservice
		"CodeInvalidOpenKfID": 95000, "CodeSendQuotaExceeded": 95001, "CodeSendWindowExceeded": 95002,
		"CodeCustomerCapacity": 95003, "CodeAccountNotFound": 95004, "CodeTooManyAccounts": 95005,
		"CodeInvalidAccountName": 95006, "CodeInvalidSyncToken": 95007, "CodeTooManyMenuItems": 95008,
		"CodeInvalidMenuItemType": 95009, "CodeSessionEnded": 95013, "CodeNotServicer": 95014,
		"CodeTransitionNotAllowed": 95016, "CodeSessionStateNoSend": 95018, "CodeServicerNotReceiving": 95019,
		"CodeServicerLimit": 95020, "CodeUpgradeNotConfigured": 95021, "CodeNoConsultation": 95031,
		"CodeDuplicateMsgID": 95033, "CodeAccountNotAuthorized": 48007, "CodeInvalidExternalUserID": 40096,
		"CodeInvalidMsgType": 40008, "CodeAccountUsageTooLow": 95026, "CodeUnverifiedAccountLimit": 95027,
		// messages
		"CodeInvalidMediaID": 40007, "CodeEmptyContent": 44004, "CodeContentTooLarge": 45002,
		"CodeTooManyArticles": 45008, "CodeInvalidResponseCode": 60140, "CodeAllRecipientsInvalid": 81013,
		"CodeNoRecipients": 82001, "CodeMsgIDExpired": 42052, "CodeUpdateAppMismatch": 42015,
		"CodeUpdateTargetEmpty": 82101, "CodeRobotInvalidWebhook": 93000, "CodeRobotImageTooLarge": 93018,
		"CodeCallbackURLRequired": 43012, "CodeChatNotFound": 86003, "CodeChatNotCreatedByApp": 86008,
		"CodeInvalidMediaFileType": 40004, "CodeInvalidMediaTypeParam": 40005, "CodeMediaTooLarge": 45001,
	} {
		if v, ok := values[name]; !ok || v != code {
			t.Errorf("%s: want errcode %d, generated %d (declared: %v)", name, code, v, ok)
		}
	}
}

// TestErrcodeTables checks how the tables are read: the global table's meaning wins, then a row
// of one code, then a row of several; ranges and annotated cells are summaries and are skipped.
func TestErrcodeTables(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"platform.md": "## 6. Tokens\n\n| errcode | Meaning | Action |\n|---|---|---|\n| 40001 | token-section text | F |\n\n" +
			"## 13. Global error code table\n\n| errcode | Meaning | Action |\n|---|---|---|\n| -1 | busy | R |\n| 40001 | global text | F |\n",
		"messages.md": "## 7. Table\n\n| errcode | Meaning |\n| --- | --- |\n| 86001–86227 | range |\n| 100 / 101 | a / b |\n| `102` | `code` text **bold** |\n" +
			"| 103 (typical) | annotated |\n\n| Item | Limit |\n|---|---|\n| 104 | not an errcode table |\n",
		"customerservice.md":   "## 17. Error codes\n\n| errcode | Class | meaning |\n|---|---|---|\n| 101 | P | single b |\n",
		"contacts-apps.md":     "",
		"errcodes-official.md": "| errcode | meaning |\n|---|---|\n| 105 | 官方页面 |\n",
	}
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := DocumentedCodes(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{
		-1:    "busy",
		40001: "global text",
		100:   "a / b (errcodes 100 / 101 in that order)",
		101:   "single b",
		102:   "code text bold",
		105:   "官方页面",
	}
	if len(docs) != len(want) {
		t.Errorf("parsed %d codes, want %d: %v", len(docs), len(want), docs)
	}
	for code, m := range want {
		if docs[code].Meaning != m {
			t.Errorf("errcode %d: meaning %q, want %q", code, docs[code].Meaning, m)
		}
	}
}

// TestNamesFileRejects checks that the names file cannot name a code twice, reuse a name, or
// leave a documented code unnamed.
func TestNamesFileRejects(t *testing.T) {
	dir := t.TempDir()
	for _, name := range errcodeFiles {
		s := ""
		if name == "platform.md" {
			s = "## 13. Global\n\n| errcode | Meaning |\n|---|---|\n| 1 | one |\n| 2 | two |\n"
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for names, want := range map[string]string{
		"1\tCodeOne\n2\tCodeTwo\thint\n":         "",
		"1\tCodeOne\n":                           "errcode 2",
		"1\tCodeOne\n2\tCodeOne\n":               "already names",
		"1\tCodeOne\n1\tCodeUno\n":               "named twice",
		"1\tCodeOne\n2\tTwo\n":                   "not an exported Go name",
		"1\tCodeOne\n2\tCodeTwo\n3\tCodeThree\n": "no errcode table",
	} {
		path := filepath.Join(dir, "names.tsv")
		if err := os.WriteFile(path, []byte(names), 0o644); err != nil {
			t.Fatal(err)
		}
		codes, err := Errcodes(dir, path)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", names, err)
		case want == "" && (len(codes) != 2 || codes[1].Hint != "hint"):
			t.Errorf("%q: got %+v", names, codes)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v, want one containing %q", names, err, want)
		}
	}
}
