package spec_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// libopenapiImporter reports whether the file at rel (slash-separated, from the module
// root) may import github.com/pb33f/...: only the packages that walk libopenapi's model
// do, because a package that sees its generic types compiles for ~9 s of CPU more
// (docs/PERFORMANCE.md, "Compile time").
func libopenapiImporter(rel string) bool {
	dir, file := path.Split(rel)
	switch strings.TrimSuffix(dir, "/") {
	case "spec", "mock/answer":
		return true
	case "conformance":
		// The request generators; conformance's tests are an importer like any other.
		return strings.HasPrefix(file, "generate") && !strings.HasSuffix(file, "_test.go")
	}
	return false
}

// Outside spec, mock/answer and conformance's generators no Go file of the module imports
// github.com/pb33f/...: each one that does makes its package, and whatever sees its types,
// compile libopenapi's generics again. Parsing the imports only, this costs no compile.
func TestOnlyTheModelWalkersImportLibopenapi(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(ip, "github.com/pb33f/") && !libopenapiImporter(rel) {
				t.Errorf("%s imports %s: only spec, mock/answer and conformance's generate*.go may; reach the model through spec's functions (spec/model.go) or plain methods", rel, ip)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked %d Go files under %s; the module has more: is the walk looking in the right place?", checked, root)
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("no go.mod in %s, the directory above spec: %v", dir, err)
	}
	return dir
}
