package inventory

import (
	"bufio"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README coverage table")

const root = "../.."

type endpoint struct {
	method, path, token, spec string
	legacy                    string   // the successor of a legacy path left out on purpose
	pkg                       []string // packages whose directives cover it
}

func loadInventory(t *testing.T) (map[string]*endpoint, []string) {
	t.Helper()
	f, err := os.Open("endpoints.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	eps := map[string]*endpoint{}
	var order []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 && len(cols) != 5 {
			t.Fatalf("endpoints.tsv: bad line %q", line)
		}
		ep := &endpoint{method: cols[0], path: cols[1], token: cols[2], spec: cols[3]}
		if len(cols) == 5 {
			ep.legacy = strings.TrimPrefix(cols[4], "legacy:")
		}
		eps[cols[1]] = ep
		order = append(order, cols[1])
	}
	return eps, order
}

var directive = regexp.MustCompile(`^//wecom:api (GET|POST) (/cgi-bin/\S+)$`)

// TestDirectivesMatchInventory checks every //wecom:api directive in the SDK's packages.
func TestDirectivesMatchInventory(t *testing.T) {
	eps, _ := loadInventory(t)
	n := scan(t, eps)
	if n == 0 {
		t.Fatal("no //wecom:api directives found")
	}
}

func scan(t *testing.T, eps map[string]*endpoint) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == "internal" || rel == "wecomtest" || rel == "examples" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(rel))
		for i, line := range strings.Split(string(b), "\n") {
			m := directive.FindStringSubmatch(strings.TrimSpace(line))
			if m == nil {
				continue
			}
			n++
			ep, ok := eps[m[2]]
			switch {
			case !ok:
				t.Errorf("%s:%d: %s %s is not in endpoints.tsv", rel, i+1, m[1], m[2])
			case ep.method != m[1]:
				t.Errorf("%s:%d: %s is %s in the spec, directive says %s", rel, i+1, m[2], ep.method, m[1])
			case !slices.Contains(ep.pkg, pkg):
				ep.pkg = append(ep.pkg, pkg)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReadmeCoverage keeps the README's coverage table generated from the directives.
func TestReadmeCoverage(t *testing.T) {
	eps, order := loadInventory(t)
	scan(t, eps)
	var b strings.Builder
	done, legacy := 0, 0
	b.WriteString("| Endpoint | Method | Package | Spec |\n|---|---|---|---|\n")
	for _, p := range order {
		ep := eps[p]
		pkg := "—"
		switch {
		case len(ep.pkg) > 0:
			pkg = "`" + strings.Join(ep.pkg, "`, `") + "`"
			done++
		case ep.legacy != "":
			pkg = "legacy: use `" + strings.TrimPrefix(ep.legacy, "/cgi-bin/") + "`"
			legacy++
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", strings.TrimPrefix(ep.path, "/cgi-bin/"), ep.method, pkg, ep.spec)
	}
	table := fmt.Sprintf("%d of %d endpoints in the spec are wrapped; %d legacy paths are left out on purpose (— = not yet).\n\n%s",
		done, len(order), legacy, b.String())
	const start, end = "<!-- coverage:start -->\n", "<!-- coverage:end -->"
	readme := filepath.Join(root, "README.md")
	rb, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	s := string(rb)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md lacks the %q … %q markers", start, end)
	}
	want := s[:i+len(start)] + table + s[j:]
	if want == s {
		return
	}
	if *update {
		if err := os.WriteFile(readme, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README coverage table is stale: run go test ./internal/inventory -update")
}
