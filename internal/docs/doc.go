// Package docs holds the test that keeps the repository's references to
// its documentation files working: a Markdown file named in code, help
// text, a script or another document must exist, and so must the target
// of every relative link in a document, and the heading a link's #anchor
// names.
//
// Run it alone with
//
//	go test -count=1 ./internal/docs/
package docs
