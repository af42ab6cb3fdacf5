// Command endpoints writes the endpoint inventory (endpoints.tsv) from the spec extracts and the
// README's coverage table from the inventory and the //wecom:api directives. It runs from
// internal/inventory's go:generate:
//
//	go run ../gen/endpoints -spec spec -o endpoints.tsv -root ../.. -readme ../../README.md
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wecom-connector/wecom/internal/inventory"
)

func main() {
	spec := flag.String("spec", "", "directory of the spec extracts")
	out := flag.String("o", "", "inventory file to write")
	root := flag.String("root", "", "module root whose packages' //wecom:api directives are read")
	readme := flag.String("readme", "", "README whose coverage table is rewritten")
	flag.Parse()
	if err := run(*spec, *out, *root, *readme); err != nil {
		fmt.Fprintln(os.Stderr, "gen/endpoints:", err)
		os.Exit(1)
	}
}

func run(spec, out, root, readme string) error {
	eps, err := inventory.ParseSpec(spec)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, inventory.FormatTSV(eps), 0o644); err != nil {
		return err
	}
	_, problems, err := inventory.Scan(root, eps)
	if err != nil {
		return err
	}
	// A directive naming an unknown endpoint is left out of the table; the inventory tests fail on it.
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "gen/endpoints: warning:", p)
	}
	b, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	b, err = inventory.ReplaceCoverage(b, inventory.CoverageTable(eps))
	if err != nil {
		return err
	}
	return os.WriteFile(readme, b, 0o644)
}
