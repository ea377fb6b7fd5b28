package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeSnippets checks that each ```go block of the README appears,
// line for line (indentation aside), in an example_test.go file or
// another test file that holds Example functions.
func TestReadmeSnippets(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("the README has no Go snippet")
	}
	var examples []string
	filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return fs.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), "\nfunc Example") {
				examples = append(examples, path+"\n"+strings.Join(lines(string(b)), "\n"))
			}
		}
		return nil
	})
	for _, b := range blocks {
		want := strings.Join(lines(b[1]), "\n")
		found := false
		for _, ex := range examples {
			found = found || strings.Contains(ex, want)
		}
		if !found {
			t.Errorf("this README snippet is in no example function:\n%s", b[1])
		}
	}
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
