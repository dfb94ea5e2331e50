package docs_test

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// What the walk reads, and what it leaves alone: version control, installed
// and built files, test fixtures and benchmark output, none of which cite
// the repository's documents.
var (
	scanned  = map[string]bool{".go": true, ".md": true, ".js": true, ".mjs": true, ".sh": true, ".html": true}
	skipDirs = map[string]bool{".git": true, "node_modules": true, "dist": true, "testdata": true, "test-results": true, "bin": true}
	skipRels = map[string]bool{"bench/out": true}
)

var (
	// mdMention is a bare mention of a Markdown file, such as docs/snake.md
	// in a comment, or a path relative to the citing document.
	mdMention = regexp.MustCompile(`[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b`)
	// mdLink is the target of an inline Markdown link, with an optional
	// title: [text](target) or [text](target "title").
	mdLink = regexp.MustCompile(`\]\(([^()\s]+)(?:\s+"[^"]*")?\)`)
	// urlText is a URL in running text; what it names is another site's.
	urlText = regexp.MustCompile("[A-Za-z][A-Za-z0-9+.-]*://[^\\s<>()\"'`\\]]*")
	// scheme starts a link target that is not a path in the repository
	// (https:, mailto:).
	scheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
)

// file is one scanned file of the repository.
type file struct {
	rel   string // slash-separated, from the root
	path  string
	lines []string
}

// TestReferencedDocsExist fails on every reference to a file that exists
// neither next to the file that cites it nor from the repository's root:
// a Markdown file named anywhere (code, help text, scripts, documents),
// and the target of every relative link in a Markdown document.
func TestReferencedDocsExist(t *testing.T) {
	root, files := scan(t)
	checked := 0
	for _, f := range files {
		for i, line := range f.lines {
			refs := map[string]bool{}
			if strings.HasSuffix(f.rel, ".md") {
				for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
					if p, _ := splitTarget(m[1]); p != "" {
						refs[p] = true
					}
				}
			}
			for _, ref := range mdMention.FindAllString(urlText.ReplaceAllString(line, " "), -1) {
				refs[ref] = true
			}
			for ref := range refs {
				checked++
				if resolve(root, f, ref) == "" {
					t.Errorf("%s:%d: %s does not exist (neither from %s/ nor from the repository's root)",
						f.rel, i+1, ref, filepath.ToSlash(filepath.Dir(f.rel)))
				}
			}
		}
	}
	// A walk that found nothing would pass for the wrong reason.
	if checked < 20 {
		t.Fatalf("only %d references checked: the walk is wrong", checked)
	}
}

// TestLinkAnchorsExist fails on every link in a Markdown document to a
// heading (#close-codes, or docs/protocol.md#close-codes) that the target
// document does not have, with anchors made from headings as GitHub makes
// them.
func TestLinkAnchorsExist(t *testing.T) {
	root, files := scan(t)
	anchors := map[string]map[string]bool{} // by absolute path
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		a := headingAnchors(strings.Split(string(b), "\n"))
		anchors[path] = a
		return a
	}
	checked := 0
	for _, f := range files {
		if !strings.HasSuffix(f.rel, ".md") {
			continue
		}
		for i, line := range f.lines {
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				p, frag := splitTarget(m[1])
				if frag == "" {
					continue
				}
				target := f.path
				if p != "" {
					if target = resolve(root, f, p); target == "" || !strings.HasSuffix(target, ".md") {
						continue // missing: the other test says so; not Markdown: no headings
					}
				}
				checked++
				if !anchorsOf(target)[frag] {
					rel, _ := filepath.Rel(root, target)
					t.Errorf("%s:%d: %s has no heading for #%s", f.rel, i+1, filepath.ToSlash(rel), frag)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d anchors checked: the walk is wrong", checked)
	}
}

// scan reads every file the tests check.
func scan(t *testing.T) (root string, files []file) {
	t.Helper()
	root = repoRoot(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if path != root && (skipDirs[d.Name()] || skipRels[rel]) {
				return filepath.SkipDir
			}
			return nil
		}
		if !scanned[filepath.Ext(path)] {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files = append(files, file{rel: rel, path: path, lines: strings.Split(string(b), "\n")})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return root, files
}

// splitTarget splits a link target into its path and its fragment, both
// unescaped; a target with a scheme (https:, mailto:) gives neither.
func splitTarget(target string) (path, frag string) {
	if scheme.MatchString(target) {
		return "", ""
	}
	path, frag, _ = strings.Cut(target, "#")
	if p, err := url.PathUnescape(path); err == nil {
		path = p
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	return path, frag
}

// resolve returns the file or directory ref names, from the citing file's
// directory or else from the root ("/docs/snake.md" only from the root), or ""
// when neither exists.
func resolve(root string, f file, ref string) string {
	ref = filepath.FromSlash(ref)
	var candidates []string
	if strings.HasPrefix(ref, string(filepath.Separator)) {
		candidates = []string{filepath.Join(root, ref)}
	} else {
		candidates = []string{filepath.Join(filepath.Dir(f.path), ref), filepath.Join(root, ref)}
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	return ""
}

var (
	heading = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	// linkText keeps the text of a link in a heading, as the rendered
	// heading does.
	linkText = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// headingAnchors returns the anchors of a document's headings, made as
// GitHub makes them: lower case, letters, digits, '-' and '_' kept, spaces
// turned into '-', everything else dropped, and "-1", "-2" appended to
// repeats. Headings inside fenced code blocks are not headings.
func headingAnchors(lines []string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	fence := ""
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fence = trimmed[:3]
			continue
		}
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var b strings.Builder
		for _, r := range strings.ToLower(linkText.ReplaceAllString(m[1], "$1")) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteByte('-')
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			seen[a]++
			a += "-" + strconv.Itoa(n)
		} else {
			seen[a] = 1
		}
		anchors[a] = true
	}
	return anchors
}

// repoRoot is the directory of go.mod, from the test's directory upwards.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod in the test's directory or above it")
		}
		dir = parent
	}
}
