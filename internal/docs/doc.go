// Package docs holds the test that keeps the repository's references to
// its documentation files working: a Markdown file named in code, help
// text or another document must exist.
package docs
