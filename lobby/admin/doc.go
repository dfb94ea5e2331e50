// Package admin is the operator's live view of a lobby.Server: a read-only
// web page listing rooms, players, tick health and drop counts, and the
// JSON it polls, both behind a token.
//
//	srv.Handle("/admin", admin.Handler(srv, token))
//	srv.Handle("/admin/", admin.Handler(srv, token))
//
// The page is at /admin?token=TOKEN; its data at /admin/api/state with the
// header "Authorization: Bearer TOKEN".
package admin
