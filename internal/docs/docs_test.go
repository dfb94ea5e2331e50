package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mdRef matches a mention of a Markdown file: a link target or a bare
// path such as docs/snake.md.
var mdRef = regexp.MustCompile(`[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b`)

// TestReferencedDocsExist fails on every reference to a .md file that
// exists neither next to the file that cites it nor from the repository's
// root.
func TestReferencedDocsExist(t *testing.T) {
	root := repoRoot(t)
	skip := map[string]bool{".git": true, "node_modules": true, "dist": true, "testdata": true, "out": true, "test-results": true}
	checked := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skip[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".md", ".js", ".sh", ".html":
		default:
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(string(b), "\n") {
			for _, ref := range mdRef.FindAllString(line, -1) {
				if isURL(line, ref) {
					continue
				}
				checked++
				if !exists(filepath.Join(filepath.Dir(path), ref)) && !exists(filepath.Join(root, ref)) {
					t.Errorf("%s:%d: %s does not exist", rel, i+1, ref)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 5 {
		t.Fatalf("only %d references checked: the walk is wrong", checked)
	}
}

// isURL reports whether ref is part of a URL on its line.
func isURL(line, ref string) bool {
	i := strings.Index(line, ref)
	start := strings.LastIndexAny(line[:i], " (<\"'`") + 1
	return strings.Contains(line[start:i+len(ref)], "://")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if exists(filepath.Join(dir, "go.mod")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}
