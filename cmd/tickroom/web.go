package main

import "net/http"

// webHandler serves the page at /. The browser game replaces it once it is
// built; until then the page says how to play from a program.
func webHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(`<!doctype html><meta charset="utf-8"><title>tickroom</title>
<h1>tickroom</h1><p>The server is running. Clients connect to <code>/ws</code> with the
<code>tickroom.v1</code> WebSocket subprotocol; see the README for the protocol.</p>`))
	})
}
