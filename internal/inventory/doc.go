// Package inventory holds what the SDK knows of the API spec and keeps the code in step with it.
//
// spec/ holds extracts of the spec's markdown files (headings, errcode tables, endpoint index,
// every line naming an endpoint) and doc-index.tsv (the method, token and official page of the
// endpoints beyond them); errcodes.tsv names each documented errcode. From them
// go generate writes endpoints.tsv (the endpoint inventory), the README's coverage table and
// client/codes_gen.go (the Code* constants). The tests check that every //wecom:api directive
// names an inventoried endpoint with its method, and that the generated files are current.
package inventory

//go:generate go run ../gen/endpoints -spec spec -o endpoints.tsv -root ../.. -readme ../../README.md
