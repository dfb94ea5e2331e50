package lobby

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/tickroom/tickroom/netcode"
)

// TestEveryErrorIsInTheTable: each exported Err* of the package has its
// one entry in errorCodes, so that /ws and the API cannot disagree about
// it and no error falls through to 1011 or 500 unmapped.
func TestEveryErrorIsInTheTable(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var names []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if n.IsExported() && strings.HasPrefix(n.Name, "Err") {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	if len(names) < 10 {
		t.Fatalf("found only %d exported errors (%v): the parse is wrong", len(names), names)
	}
	inTable := map[string]bool{}
	seen := map[error]string{}
	for _, c := range errorCodes() {
		if other, dup := seen[c.err]; dup {
			t.Errorf("%s and %s are one error", c.name, other)
		}
		seen[c.err], inTable[c.name] = c.name, true
		if c.close < 1000 || c.status < 400 {
			t.Errorf("%s: close %d, status %d", c.name, c.close, c.status)
		}
	}
	for _, n := range names {
		if !inTable[n] {
			t.Errorf("%s is not in errorCodes", n)
		}
	}
}

func TestErrorCodesOfWrappedErrors(t *testing.T) {
	for _, tc := range []struct {
		err    error
		close  websocket.StatusCode
		reason string
		status int
	}{
		{fmt.Errorf("lobby: create room: %w", ErrDraining), netcode.CloseShuttingDown, "server draining: try another server", http.StatusServiceUnavailable},
		{fmt.Errorf("room %q: %w", "x", ErrRoomNotFound), netcode.CloseRoomNotFound, "room not found", http.StatusNotFound},
		{&throttledError{limit: limitLookups, what: "w"}, netcode.CloseThrottled, "too many requests from this address: w; retry in 0s", http.StatusTooManyRequests},
		{errors.New("something else"), websocket.StatusInternalError, "join failed", http.StatusInternalServerError},
	} {
		code, reason := joinCloseCode(tc.err)
		if code != tc.close || reason != tc.reason || errorStatus(tc.err) != tc.status {
			t.Errorf("%v: close %d %q, status %d; want %d %q, %d", tc.err, code, reason, errorStatus(tc.err), tc.close, tc.reason, tc.status)
		}
	}
}

// TestProtocolDocumentsTheTable: docs/protocol.md, which client authors
// read, has a row for every close code the table can send (its number and
// name) and for every error code netcode sends, so that the document and
// the server cannot drift apart.
func TestProtocolDocumentsTheTable(t *testing.T) {
	b, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	closes := []websocket.StatusCode{websocket.StatusInternalError} // an error the table does not know
	for _, c := range errorCodes() {
		closes = append(closes, c.close)
	}
	for _, code := range closes {
		if row := fmt.Sprintf("| %d | %s |", code, netcode.CloseName(code)); !strings.Contains(doc, row) {
			t.Errorf("docs/protocol.md has no close code row starting %q", row)
		}
	}
	for _, code := range []string{netcode.ErrCodeBadMessage, netcode.ErrCodeUnknownType, netcode.ErrCodeBadInput,
		netcode.ErrCodeRateLimited, netcode.ErrCodeBadSeq, netcode.ErrCodeNotAllowed, netcode.ErrCodeUnknownRequest,
		netcode.ErrCodeBadRequest, netcode.ErrCodeFailed} {
		if row := "| `" + code + "` |"; !strings.Contains(doc, row) {
			t.Errorf("docs/protocol.md has no error code row starting %q", row)
		}
	}
}
