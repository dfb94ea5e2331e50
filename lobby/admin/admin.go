package admin

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tickroom/tickroom/cluster"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/store"
)

//go:embed page.html
var page []byte

//go:embed login.html
var loginHTML string

// State is what /admin/api/state returns.
type State struct {
	Time    time.Time   `json:"time"`
	Uptime  float64     `json:"uptimeSeconds"`
	Rooms   []RoomState `json:"rooms"`
	Players int         `json:"players"`
	// Nodes and Elsewhere are the cluster as this server sees it, when it
	// is one's node: every node with its load, and the other nodes' rooms.
	Nodes     []cluster.NodeInfo `json:"nodes,omitempty"`
	Elsewhere []netcode.RoomInfo `json:"elsewhere,omitempty"`
	// Store is the store's health, when the server has one (WithStore).
	Store *store.Health `json:"store,omitempty"`
	// Recordings is true when the server records (WithRecordings): the
	// page lists them from /admin/api/recordings.
	Recordings bool `json:"recordings,omitempty"`
}

// nodeLister is what the admin view reads of a cluster (cluster.Directory).
type nodeLister interface{ Nodes() []cluster.NodeInfo }

// RoomState is one room's health.
type RoomState struct {
	ID         string `json:"id"`
	Game       string `json:"game"`
	MaxPlayers int    `json:"maxPlayers"`
	Private    bool   `json:"private"`
	TickRate   int    `json:"tickRate"`
	// The room's stats as it last published them (players, tick health,
	// counters), under their own JSON names.
	lobby.RoomStats
	Members []MemberState `json:"members"`
}

// MemberState is one member's connection health.
type MemberState struct {
	Player      uint32  `json:"player"`
	Name        string  `json:"name"`
	Spectator   bool    `json:"spectator"`
	AwaySeconds float64 `json:"awaySeconds"`
	RTTMs       float64 `json:"rttMs"`
	Written     uint64  `json:"snapshotsWritten"`
	Conflated   uint64  `json:"snapshotsConflated"`
	Reliable    uint64  `json:"reliableWritten"`
	Depth       int     `json:"reliableDepth"`
	Bytes       uint64  `json:"bytesWritten"`
	Dropped     uint64  `json:"inputsDropped"`
	BadMessages uint64  `json:"badMessages"`
	Closing     string  `json:"closing,omitempty"`
}

// Handler serves the admin page, its data and its login. An empty token
// disables the view: every request gets 404 with a hint.
//
// A request is let in with the token as "Authorization: Bearer TOKEN"
// (scripts, curl) or with the session cookie that logging in sets
// (browsers). The token never has to be in a URL, where it would land in
// browser history, proxy logs and Referer headers; /admin?token=TOKEN, the
// old way, still logs in once and redirects to /admin.
func Handler(srv *lobby.Server, token string, opts ...Option) http.Handler {
	if token == "" {
		return secured(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "admin view disabled: start the server with --admin-token", http.StatusNotFound)
		}))
	}
	v := &view{
		srv:      srv,
		token:    token,
		start:    time.Now(),
		sessions: newSessions(maxSessions, sessionTTL),
		fails:    newBucket(failRate, failBurst),
	}
	for _, o := range opts {
		o(v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin", v.servePage)
	mux.HandleFunc("POST /admin/login", v.serveLogin)
	mux.HandleFunc("POST /admin/logout", v.serveLogout)
	mux.HandleFunc("GET /admin/api/state", v.serveState)
	mux.HandleFunc("GET /admin/api/recordings", v.serveRecordings)
	mux.HandleFunc("GET /admin/recordings/{name}", v.serveRecording)
	return secured(mux)
}

const (
	// cookieName is the session cookie, scoped to Path=/admin.
	cookieName = "tickroom_admin"
	// sessionTTL bounds how long a leaked cookie is any good.
	sessionTTL = 12 * time.Hour
	// maxSessions bounds the memory sessions take. Only the right token
	// makes one, so this guards against a script logging in in a loop.
	maxSessions = 256
	// maxLoginBody bounds the login form; a token is far shorter.
	maxLoginBody = 4 << 10
	// failRate and failBurst limit wrong tokens, server-wide: a burst of
	// failBurst, then failRate a second. A per-address limit would not
	// stop guessing from many addresses.
	failRate  = 5
	failBurst = 10
)

// csp keeps the page to its own inline script and styles and to requests,
// form posts and framing by its own origin only.
const csp = "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"

// secured sets the headers every admin response carries, errors included:
// no Referer leaves the page (so no admin URL leaks to another site), no
// cache keeps a copy of the live data or of the login, no other site
// frames the page.
func secured(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

// view is the admin view of one server, with its sessions.
type view struct {
	srv      *lobby.Server
	token    string
	start    time.Time
	sessions *sessions
	fails    *bucket

	store     StoreHealth // nil: no store
	recordDir string      // "": not recording
}

// verdict is what a request's credential came to.
type verdict int

const (
	denied    verdict = iota // missing or wrong
	granted                  // the token or a live session
	throttled                // too many wrong tokens lately: not looked at
)

// checkToken compares a presented token with the server's. Each check
// takes a token from the failure bucket first, so that concurrent guesses
// cannot outrun the limit, and gives it back when the token is right: only
// wrong tokens count. When the bucket is empty the token is not even
// compared, or a guesser could tell a right guess from the answer.
func (v *view) checkToken(got string) verdict {
	if !v.fails.take(time.Now()) {
		return throttled
	}
	if subtle.ConstantTimeCompare([]byte(got), []byte(v.token)) != 1 {
		return denied
	}
	v.fails.refund()
	return granted
}

// authorize lets in a live session cookie, or else a bearer token. A
// cookie that is not (or no longer) a session is not charged to the
// failure bucket: its ids are 256 random bits, not worth guessing, and
// every browser left open across a restart would spend the budget.
func (v *view) authorize(r *http.Request) verdict {
	if c, err := r.Cookie(cookieName); err == nil && v.sessions.valid(c.Value, time.Now()) {
		return granted
	}
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return v.checkToken(bearer)
	}
	return denied
}

func (v *view) servePage(w http.ResponseWriter, r *http.Request) {
	// The old link: log in with it once and send the browser to a URL
	// without the token, so that it leaves the address bar and history.
	if q := r.URL.Query(); q.Has("token") {
		switch v.checkToken(q.Get("token")) {
		case granted:
			v.startSession(w, r)
		case throttled:
			loginForm(w, http.StatusTooManyRequests, "too many wrong tokens: wait a few seconds and try again")
		default:
			loginForm(w, http.StatusUnauthorized, "unauthorized: wrong token")
		}
		return
	}
	switch v.authorize(r) {
	case granted:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	case throttled:
		loginForm(w, http.StatusTooManyRequests, "too many wrong tokens: wait a few seconds and try again")
	default:
		loginForm(w, http.StatusUnauthorized, "unauthorized: log in with the server's admin token")
	}
}

// serveLogin takes the token from the login form (POST, form-encoded) and
// answers with a session cookie and a redirect to the page.
func (v *view) serveLogin(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "forbidden: cross-origin login refused (scripts: use Authorization: Bearer)", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad login form", http.StatusBadRequest)
		return
	}
	switch v.checkToken(r.PostForm.Get("token")) {
	case granted:
		v.startSession(w, r)
	case throttled:
		loginForm(w, http.StatusTooManyRequests, "too many wrong tokens: wait a few seconds and try again")
	default:
		loginForm(w, http.StatusUnauthorized, "unauthorized: wrong token")
	}
}

// serveLogout ends the browser's session, here and in its cookie jar.
func (v *view) serveLogout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		http.Error(w, "forbidden: cross-origin logout refused", http.StatusForbidden)
		return
	}
	if c, err := r.Cookie(cookieName); err == nil {
		v.sessions.revoke(c.Value)
	}
	http.SetCookie(w, sessionCookie(r, "", -1))
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

func (v *view) serveState(w http.ResponseWriter, r *http.Request) {
	switch v.authorize(r) {
	case throttled:
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too many wrong tokens"})
		return
	case denied:
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	st := state(ctx, v.srv)
	st.Uptime = time.Since(v.start).Seconds()
	if v.store != nil {
		h := v.store.Health(ctx)
		st.Store = &h
	}
	st.Recordings = v.recordDir != ""
	writeJSON(w, http.StatusOK, st)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// startSession sets a new session's cookie and sends the browser to the
// page: 303, so that a reload does not post the form again.
func (v *view) startSession(w http.ResponseWriter, r *http.Request) {
	id, err := v.sessions.create(time.Now())
	if err != nil {
		http.Error(w, "cannot start a session", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, sessionCookie(r, id, int(sessionTTL/time.Second)))
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// sessionCookie is the session cookie: out of reach of scripts (HttpOnly),
// never sent with a request another site starts (SameSite=Strict), only to
// the admin paths, and only over TLS when the page came over TLS. Behind a
// TLS-terminating proxy, X-Forwarded-Proto says so; a client that forges
// it only makes its own cookie unusable over plain HTTP.
func sessionCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     cookieName,
		Value:    value,
		Path:     "/admin",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https",
		SameSite: http.SameSiteStrictMode,
	}
}

// sameOrigin reports whether r was posted by a page of this server. The
// login must not be driven from another site's page: it could spend the
// wrong-token budget through visitors' browsers and lock the operator out,
// or log a browser into a session it did not ask for.
//
// Browsers send Origin with every POST, but as "null" from a page whose
// Referrer-Policy is no-referrer, as the admin pages' is. Then (or with no
// Origin at all) the request needs Sec-Fetch-Site: same-origin, which
// browsers send and pages cannot forge. A request with neither is not from
// a browser's form, or from one too old to trust with this; scripts have
// Bearer.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return r.Header.Get("Sec-Fetch-Site") == "same-origin"
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// loginTmpl is the login form. It posts the token in the request body, so
// that it is in no URL.
var loginTmpl = template.Must(template.New("login").Parse(loginHTML))

func loginForm(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tickroom admin"`)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	loginTmpl.Execute(w, msg)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func state(ctx context.Context, srv *lobby.Server) State {
	st := State{Time: time.Now(), Rooms: []RoomState{}}
	for _, r := range srv.Rooms() {
		s := r.Stats()
		cfg := r.Config()
		rs := RoomState{
			ID: r.ID(), Game: r.Game(), MaxPlayers: cfg.MaxPlayers, Private: cfg.Private, TickRate: cfg.TickRate,
			RoomStats: s, Members: []MemberState{},
		}
		st.Players += s.Players
		members, err := r.Members(ctx)
		if err != nil {
			continue // the room ended while we looked
		}
		for _, m := range members {
			row := MemberState{
				Player: m.Player, Name: m.Name, Spectator: m.Spectator, AwaySeconds: m.Away.Seconds(),
				RTTMs: ms(m.Conn.RTT), Written: m.Conn.SnapshotsWritten, Conflated: m.Conn.SnapshotsConflated,
				Reliable: m.Conn.ReliableWritten, Depth: m.Conn.ReliableDepth, Bytes: m.Conn.BytesWritten,
				Dropped: m.Conn.InputsDropped, BadMessages: m.Conn.BadMessages,
			}
			if m.CloseCode != 0 {
				row.Closing = m.CloseReason
			}
			rs.Members = append(rs.Members, row)
		}
		st.Rooms = append(st.Rooms, rs)
	}
	if nl, ok := srv.Cluster().(nodeLister); ok {
		st.Nodes = nl.Nodes()
		if all, err := srv.Registry().List(ctx, lobby.Filter{IncludePrivate: true}); err == nil {
			for _, info := range all {
				if _, local := srv.Room(info.ID); !local {
					st.Elsewhere = append(st.Elsewhere, info)
				}
			}
		}
	}
	return st
}
