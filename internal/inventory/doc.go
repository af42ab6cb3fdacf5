// Package inventory holds the SDK's endpoint inventory (endpoints.tsv, built from the API spec
// by gen_endpoints.py) and the test that keeps the code, the inventory and the README's coverage
// table in step: every //wecom:api directive must name an inventoried endpoint with its method,
// and the README table must match what the directives cover.
package inventory
