// Command codes writes the errcode constants (client.Code*), their meanings and hints from the
// errcode tables in the spec extracts and the names file. It runs from client's go:generate:
//
//	go run ../internal/gen/codes -spec ../internal/inventory/spec -names ../internal/inventory/errcodes.tsv -o codes_gen.go
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/wecom-connector/wecom/internal/inventory"
)

func main() {
	spec := flag.String("spec", "", "directory of the spec extracts")
	names := flag.String("names", "", "names file (code, Go name, hint)")
	out := flag.String("o", "", "Go file to write")
	pkg := flag.String("pkg", "client", "package of the Go file")
	flag.Parse()
	if err := run(*spec, *names, *out, *pkg); err != nil {
		fmt.Fprintln(os.Stderr, "gen/codes:", err)
		os.Exit(1)
	}
}

func run(spec, names, out, pkg string) error {
	codes, err := inventory.Errcodes(spec, names)
	if err != nil {
		return err
	}
	src, err := inventory.FormatCodes(pkg, codes)
	if err != nil {
		return err
	}
	return os.WriteFile(out, src, 0o644)
}
