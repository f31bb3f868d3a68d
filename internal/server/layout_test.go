package server_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/nubo-dev/nubo/"

// pkg is a package of the repository: its path from the module root, its
// doc comment and what its non-test files import.
type pkg struct {
	dir     string
	doc     string
	imports map[string]bool
}

// packages reads every Go package under the repository root.
func packages(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	byDir := map[string]*pkg{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() && path != root {
			// A module of its own (third_party's copies) is not the
			// repository's package.
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		p := byDir[dir]
		if p == nil {
			p = &pkg{dir: filepath.ToSlash(dir), imports: map[string]bool{}}
			byDir[dir] = p
		}
		if f.Doc != nil && p.doc == "" {
			p.doc = f.Doc.Text()
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			p.imports[strings.TrimPrefix(path, module)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]pkg, 0, len(byDir))
	for _, p := range byDir {
		out = append(out, *p)
	}
	return out
}

// isWire reports whether a package is the wire layer or a service's wire
// package (internal/services/<svc>/<svc>api, and internal/iam/iamapi, IAM's
// and STS's, whose domain is the identity layer under every service).
func isWire(dir string) bool {
	if dir == "internal/wire" || dir == "internal/iam/iamapi" {
		return true
	}
	parts := strings.Split(dir, "/")
	return len(parts) == 4 && parts[1] == "services" && parts[3] == parts[2]+"api"
}

// The dependency rules of docs/architecture.md, enforced.
func TestImportRules(t *testing.T) {
	// Who may import what, beyond the rule itself: the composition root
	// and the programs and benchmarks around it.
	root := map[string]bool{"internal/server": true, "cmd/nubo": true}
	for _, p := range packages(t) {
		// The benchmarks measure floors: a bare JetStream stream, a bare
		// Pebble store answering the same client.
		bench := p.dir == "internal/bench" || strings.HasPrefix(p.dir, "internal/bench/")
		for imp := range p.imports {
			switch {
			case isWire(imp) && !isWire(p.dir) && !root[p.dir]:
				t.Errorf("%s imports the wire package %s: only wire packages and the composition root may", p.dir, imp)
			case isWire(imp) && imp != "internal/wire" && !root[p.dir]:
				t.Errorf("%s imports %s: a service's wire package is used by the composition root only", p.dir, imp)
			case strings.HasPrefix(imp, "github.com/nats-io/") && p.dir != "internal/store/natsstore" && !bench:
				t.Errorf("%s imports NATS (%s): only internal/store/natsstore may", p.dir, imp)
			case strings.HasPrefix(imp, "github.com/cockroachdb/pebble") && p.dir != "internal/store/pebblestore":
				t.Errorf("%s imports Pebble: only internal/store/pebblestore may", p.dir)
			case isImplementation(imp) && !root[p.dir] && !bench && !strings.HasPrefix(p.dir, imp):
				t.Errorf("%s imports the implementation %s: only the composition root knows implementations", p.dir, imp)
			}
		}
	}
}

// isImplementation reports whether a package is a concrete implementation
// of one of nubo's contracts (a store backend, a sandbox driver).
func isImplementation(dir string) bool {
	switch dir {
	case "internal/store/natsstore", "internal/store/pebblestore", "internal/sandbox/linux", "internal/sandbox/process":
		return true
	}
	return false
}

// Every package says what it owns.
func TestPackageDocs(t *testing.T) {
	for _, p := range packages(t) {
		if strings.HasPrefix(p.dir, "examples/") || strings.Contains(p.dir, "/testdata") {
			continue
		}
		if strings.TrimSpace(p.doc) == "" {
			t.Errorf("%s has no package doc comment", p.dir)
		}
	}
}
