// Package loopback runs a tickroom server with the Snake game in-process on
// an httptest loopback listener, for the benchmark packages' tests.
package loopback
