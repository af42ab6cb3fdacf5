package inventory

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestExportedNamesDocumented fails on any exported name of the SDK's packages without a doc
// comment, and on a doc comment that does not start with the name it documents.
func TestExportedNamesDocumented(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == "internal" || rel == "examples" || (strings.HasPrefix(d.Name(), ".") && rel != ".") || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		check := func(name string, doc *ast.CommentGroup, pos token.Pos, group bool) {
			if !ast.IsExported(name) {
				return
			}
			switch {
			case doc == nil && !group:
				t.Errorf("%s: exported %s has no doc comment", fset.Position(pos), name)
			case doc != nil && !group && !startsWith(doc.Text(), name):
				t.Errorf("%s: doc of %s should start with its name", fset.Position(pos), name)
			}
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && !exportedRecv(d.Recv) {
					continue
				}
				check(d.Name.Name, d.Doc, d.Pos(), false)
			case *ast.GenDecl:
				grouped := d.Lparen.IsValid() && d.Doc != nil
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						doc := s.Doc
						if doc == nil && !d.Lparen.IsValid() {
							doc = d.Doc
						}
						check(s.Name.Name, doc, s.Pos(), false)
					case *ast.ValueSpec:
						doc := s.Doc
						if doc == nil {
							doc = s.Comment
						}
						if doc == nil && !d.Lparen.IsValid() {
							doc = d.Doc
						}
						for _, n := range s.Names {
							if doc == nil {
								check(n.Name, nil, n.Pos(), grouped)
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func startsWith(doc, name string) bool {
	doc = strings.TrimSpace(doc)
	for _, p := range []string{"", "A ", "An ", "The "} {
		if strings.HasPrefix(doc, p+name) {
			return true
		}
	}
	return false
}

func exportedRecv(fl *ast.FieldList) bool {
	if len(fl.List) == 0 {
		return false
	}
	typ := fl.List[0].Type
	for {
		switch x := typ.(type) {
		case *ast.StarExpr:
			typ = x.X
		case *ast.IndexExpr:
			typ = x.X
		case *ast.IndexListExpr:
			typ = x.X
		case *ast.Ident:
			return ast.IsExported(x.Name)
		default:
			return false
		}
	}
}
