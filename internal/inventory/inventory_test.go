package inventory

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README coverage table")

const root = "../.."

func loadInventory(t *testing.T) []*Endpoint {
	t.Helper()
	eps, err := LoadTSV("endpoints.tsv")
	if err != nil {
		t.Fatal(err)
	}
	return eps
}

// TestInventoryCurrent keeps endpoints.tsv generated from the spec extracts.
func TestInventoryCurrent(t *testing.T) {
	eps, err := ParseSpec("spec")
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("endpoints.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, FormatTSV(eps)) {
		t.Error("endpoints.tsv is stale: run go generate ./internal/inventory")
	}
}

// TestDirectivesMatchInventory checks every //wecom:api directive in the SDK's packages.
func TestDirectivesMatchInventory(t *testing.T) {
	n, problems, err := Scan(root, loadInventory(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if n == 0 {
		t.Fatal("no //wecom:api directives found")
	}
}

// TestReadmeCoverage keeps the README's coverage table generated from the directives.
func TestReadmeCoverage(t *testing.T) {
	eps := loadInventory(t)
	if _, _, err := Scan(root, eps); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(root, "README.md")
	have, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	want, err := ReplaceCoverage(have, CoverageTable(eps))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(want, have) {
		return
	}
	if *update {
		if err := os.WriteFile(readme, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README coverage table is stale: run go generate ./internal/inventory")
}
