package docs

import (
	"go/ast"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the module's root, from this package's folder.
const root = "../.."

// notGo are the code blocks of doc comments that are not Go: the frame
// diagram of RFC 6455 §5.2 in codec's package doc.
var notGo = []string{"+-+-+-+-+-------+-+-------------+-------------------------------+"}

// TestReadmeSnippets checks that each ```go block of the README is the
// text of an example: it appears, line for line (indentation aside), in a
// test file that holds Example functions, which go test compiles and
// runs.
func TestReadmeSnippets(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("the README has no Go snippet")
	}
	examples := exampleFiles(t)
	for _, b := range blocks {
		if !inExamples(examples, b[1]) {
			t.Errorf("this README snippet is in no example:\n%s", b[1])
		}
	}
}

// TestDocSnippets does the same for the code blocks of every doc comment
// in the module's packages: package docs and the docs of every name.
func TestDocSnippets(t *testing.T) {
	examples := exampleFiles(t)
	checked := 0
	walk(t, func(path string) {
		if strings.HasSuffix(path, "_test.go") {
			return
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name == "main" {
			return // a command's doc shows its command line, which its own tests check
		}
		for _, cg := range docComments(f) {
			for _, code := range codeBlocks(cg.Text()) {
				if slicesContainsAny(code, notGo) {
					continue
				}
				checked++
				if !inExamples(examples, code) {
					t.Errorf("%s: this doc snippet is in no example:\n%s", path, code)
				}
			}
		}
	})
	if checked < 5 {
		t.Errorf("only %d doc snippets found", checked)
	}
}

// docComments returns the doc comments of f: the package's and every
// declaration's, and those of struct fields and methods in them.
func docComments(f *ast.File) []*ast.CommentGroup {
	var out []*ast.CommentGroup
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.File:
			out = append(out, n.Doc)
		case *ast.GenDecl:
			out = append(out, n.Doc)
		case *ast.FuncDecl:
			out = append(out, n.Doc)
		case *ast.TypeSpec:
			out = append(out, n.Doc)
		case *ast.ValueSpec:
			out = append(out, n.Doc)
		case *ast.Field:
			out = append(out, n.Doc)
		}
		return true
	})
	var nonNil []*ast.CommentGroup
	for _, cg := range out {
		if cg != nil {
			nonNil = append(nonNil, cg)
		}
	}
	return nonNil
}

// codeBlocks returns the code blocks of a doc comment, as go doc shows
// them.
func codeBlocks(text string) []string {
	var p comment.Parser
	var out []string
	for _, b := range p.Parse(text).Content {
		if c, ok := b.(*comment.Code); ok {
			out = append(out, c.Text)
		}
	}
	return out
}

func slicesContainsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// walk calls f with every .go file of the module, leaving out nested
// modules and folders that go ignores.
func walk(t *testing.T, f func(path string)) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return fs.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".go") {
			f(path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// exampleFiles returns, for each test file that holds Example functions,
// its non-blank lines without indentation.
func exampleFiles(t *testing.T) []string {
	var out []string
	walk(t, func(path string) {
		if !strings.HasSuffix(path, "_test.go") {
			return
		}
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), "\nfunc Example") {
			out = append(out, strings.Join(lines(string(b)), "\n"))
		}
	})
	return out
}

func inExamples(examples []string, snippet string) bool {
	want := strings.Join(lines(snippet), "\n")
	for _, ex := range examples {
		if strings.Contains(ex, want) {
			return true
		}
	}
	return false
}

// lines returns the non-blank lines of s without their indentation.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
