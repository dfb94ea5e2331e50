// Package admin is the operator's live view of a lobby.Server: a read-only
// web page listing rooms, players, tick health and drop counts, and the
// JSON it polls, both behind a token.
//
//	h := admin.Handler(srv, token)
//	srv.Handle("/admin", h)
//	srv.Handle("/admin/", h)
//
// Browsers open /admin and log in with the token through a form (POST
// /admin/login), which sets an HttpOnly, SameSite=Strict session cookie
// scoped to /admin; POST /admin/logout ends the session. Scripts send
// "Authorization: Bearer TOKEN" to /admin or /admin/api/state instead. The
// old /admin?token=TOKEN link still logs in, then redirects to /admin so
// that the token leaves the address bar. Wrong tokens are limited to a
// burst of 10 and then 5 a second, server-wide (429 beyond that). Every
// response carries Referrer-Policy: no-referrer and Cache-Control:
// no-store.
//
// Options add what the server has beyond its rooms: WithStore the store's
// health (backend, up or down with the last error, schema version, the
// Writer's counts) in the state and on the page; WithRecordings the
// --record directory's files, listed at /admin/api/recordings and
// downloaded from /admin/recordings/<name>, behind the same token. Only
// regular .rec files of the directory itself are served (os.Root keeps
// links from leading out of it).
package admin
