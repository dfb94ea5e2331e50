package admin_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/lobby/admin"
	"github.com/tickroom/tickroom/netcode"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newServer(t *testing.T, token string) (*lobby.Server, *httptest.Server) {
	t.Helper()
	srv := lobby.NewServer(lobby.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	typ, _ := testgame.Type("count", testgame.Options{})
	if err := srv.Register(typ); err != nil {
		t.Fatal(err)
	}
	h := admin.Handler(srv, token)
	srv.Handle("/admin", h)
	srv.Handle("/admin/", h)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return srv, hs
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends req without following redirects and returns the response with
// its body read.
func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func get(t *testing.T, url, bearer string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, body := do(t, req)
	return resp.StatusCode, body
}

// getCookie is GET url with the session cookie.
func getCookie(t *testing.T, url string, c *http.Cookie) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	return do(t, req)
}

// loginRequest is the login form's POST as a browser on origin sends it.
func loginRequest(base, origin, token string) *http.Request {
	req, _ := http.NewRequest("POST", base+"/admin/login", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return req
}

// sessionCookie is the admin cookie resp sets, or nil.
func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == "tickroom_admin" {
			return c
		}
	}
	return nil
}

// login logs in through the form and returns the session cookie.
func login(t *testing.T, base, token string) *http.Cookie {
	t.Helper()
	resp, body := do(t, loginRequest(base, base, token))
	c := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" || c == nil {
		t.Fatalf("login: %d Location %q cookie %v (%s), want 303 to /admin with a cookie", resp.StatusCode, resp.Header.Get("Location"), c, body)
	}
	return c
}

func TestAdminRefusesMissingOrWrongToken(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	for _, tc := range []struct {
		path, bearer string
		want         int
	}{
		{"/admin", "", http.StatusUnauthorized},
		{"/admin", "nope", http.StatusUnauthorized},
		{"/admin", "t0ken", http.StatusOK},
		{"/admin?token=nope", "", http.StatusUnauthorized},
		{"/admin?token=t0ken", "", http.StatusSeeOther},
		{"/admin/api/state", "", http.StatusUnauthorized},
		{"/admin/api/state", "nope", http.StatusUnauthorized},
		{"/admin/api/state", "t0ken", http.StatusOK},
	} {
		if got, _ := get(t, hs.URL+tc.path, tc.bearer); got != tc.want {
			t.Errorf("GET %s (bearer %q): %d, want %d", tc.path, tc.bearer, got, tc.want)
		}
	}
}

func TestAdminLoginFormWithoutSession(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	code, body := get(t, hs.URL+"/admin", "")
	if code != http.StatusUnauthorized || !strings.Contains(body, `action="/admin/login"`) || !strings.Contains(body, `name="token"`) {
		t.Fatalf("GET /admin without a session: %d %q, want 401 with the login form", code, body)
	}
	resp, body := do(t, loginRequest(hs.URL, hs.URL, "nope"))
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `action="/admin/login"`) || sessionCookie(resp) != nil {
		t.Fatalf("wrong login: %d cookie %v %q, want 401 with the form again and no cookie", resp.StatusCode, sessionCookie(resp), body)
	}
}

func TestAdminLoginSetsSessionCookie(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	c := login(t, hs.URL, "t0ken")
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin" || c.Secure {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, Path=/admin, not Secure over plain HTTP", c)
	}
	if c.Value == "" || strings.Contains(c.Value, "t0ken") {
		t.Errorf("cookie value %q: want a session id, not the token", c.Value)
	}
	if resp, body := getCookie(t, hs.URL+"/admin", c); resp.StatusCode != http.StatusOK || !strings.Contains(body, "/admin/api/state") {
		t.Errorf("GET /admin with the cookie: %d, want the page", resp.StatusCode)
	}
	resp, body := getCookie(t, hs.URL+"/admin/api/state", c)
	var st admin.State
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil {
		t.Errorf("GET /admin/api/state with the cookie: %d %q, want the state", resp.StatusCode, body)
	}
	// A cookie the server did not hand out is no session.
	forged := &http.Cookie{Name: c.Name, Value: "t0ken"}
	if resp, _ := getCookie(t, hs.URL+"/admin/api/state", forged); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a cookie holding the token: %d, want 401", resp.StatusCode)
	}
}

func TestAdminSessionCookieSecureOverTLS(t *testing.T) {
	t.Parallel()
	srv := lobby.NewServer(lobby.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	hs := httptest.NewTLSServer(admin.Handler(srv, "t0ken"))
	defer hs.Close()
	cl := hs.Client()
	cl.CheckRedirect = noRedirect.CheckRedirect
	resp, err := cl.Do(loginRequest(hs.URL, hs.URL, "t0ken"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := sessionCookie(resp); resp.StatusCode != http.StatusSeeOther || c == nil || !c.Secure {
		t.Fatalf("login over TLS: %d cookie %+v, want 303 with a Secure cookie", resp.StatusCode, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}

func TestAdminTokenInURLRedirectsWithCookie(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	req, _ := http.NewRequest("GET", hs.URL+"/admin?token=t0ken", nil)
	resp, _ := do(t, req)
	c := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" || c == nil {
		t.Fatalf("GET /admin?token=: %d Location %q cookie %v, want 303 to /admin (no token) with a cookie",
			resp.StatusCode, resp.Header.Get("Location"), c)
	}
	if resp, _ := getCookie(t, hs.URL+"/admin", c); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin with the cookie from the URL login: %d, want 200", resp.StatusCode)
	}
}

func TestAdminLogoutEndsSession(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	c := login(t, hs.URL, "t0ken")
	req, _ := http.NewRequest("POST", hs.URL+"/admin/logout", nil)
	req.Header.Set("Origin", hs.URL)
	req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	resp, _ := do(t, req)
	cleared := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || cleared == nil || cleared.MaxAge >= 0 || cleared.Value != "" {
		t.Fatalf("logout: %d cookie %+v, want 303 clearing the cookie", resp.StatusCode, cleared)
	}
	// The old cookie is revoked on the server, not only dropped by the browser.
	if resp, _ := getCookie(t, hs.URL+"/admin/api/state", c); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("state with the logged-out cookie: %d, want 401", resp.StatusCode)
	}
}

func TestAdminLoginRefusesCrossOrigin(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	for _, origin := range []string{"http://evil.example", "null", ""} {
		resp, _ := do(t, loginRequest(hs.URL, origin, "t0ken"))
		if resp.StatusCode != http.StatusForbidden || sessionCookie(resp) != nil {
			t.Errorf("login with Origin %q: %d cookie %v, want 403 and no cookie", origin, resp.StatusCode, sessionCookie(resp))
		}
	}
	// Browsers post "Origin: null" from a no-referrer page (the login form
	// is one): Sec-Fetch-Site, which pages cannot set, decides then.
	for _, tc := range []struct {
		origin, site string
		want         int
	}{
		{"null", "same-origin", http.StatusSeeOther},
		{"", "same-origin", http.StatusSeeOther},
		{"null", "cross-site", http.StatusForbidden},
		{"null", "same-site", http.StatusForbidden},
		{"http://evil.example", "same-origin", http.StatusForbidden},
	} {
		req := loginRequest(hs.URL, tc.origin, "t0ken")
		req.Header.Set("Sec-Fetch-Site", tc.site)
		if resp, _ := do(t, req); resp.StatusCode != tc.want {
			t.Errorf("login with Origin %q, Sec-Fetch-Site %q: %d, want %d", tc.origin, tc.site, resp.StatusCode, tc.want)
		}
	}
}

// TestAdminThrottlesWrongTokens: a burst of 50 wrong logins is cut off
// (the limit is a burst of 10, then 5 a second), and while it is, even the
// right token is not looked at; a browser already logged in stays in.
func TestAdminThrottlesWrongTokens(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	c := login(t, hs.URL, "t0ken")
	var codes []int
	for range 50 {
		resp, _ := do(t, loginRequest(hs.URL, hs.URL, "guess"))
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != http.StatusUnauthorized || codes[49] != http.StatusTooManyRequests {
		t.Fatalf("50 wrong logins in a burst: %v, want 401 first and 429 by the 50th", codes)
	}
	if got, _ := get(t, hs.URL+"/admin/api/state", "guess"); got != http.StatusTooManyRequests {
		t.Errorf("a wrong bearer while throttled: %d, want 429", got)
	}
	if resp, _ := getCookie(t, hs.URL+"/admin/api/state", c); resp.StatusCode != http.StatusOK {
		t.Errorf("the logged-in session while throttled: %d, want 200", resp.StatusCode)
	}
}

// TestAdminHeadersOnEveryResponse: no admin response, error or not, leaks
// its URL as a Referer or lands in a cache.
func TestAdminHeadersOnEveryResponse(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	_, off := newServer(t, "")
	c := login(t, hs.URL, "t0ken")
	withCookie := func(req *http.Request) *http.Request {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		return req
	}
	withBearer := func(req *http.Request) *http.Request {
		req.Header.Set("Authorization", "Bearer t0ken")
		return req
	}
	newReq := func(method, url string) *http.Request {
		req, _ := http.NewRequest(method, url, nil)
		req.Header.Set("Origin", hs.URL)
		return req
	}
	for name, req := range map[string]*http.Request{
		"page":            withCookie(newReq("GET", hs.URL+"/admin")),
		"page bearer":     withBearer(newReq("GET", hs.URL+"/admin")),
		"page 401":        newReq("GET", hs.URL+"/admin"),
		"url login 303":   newReq("GET", hs.URL+"/admin?token=t0ken"),
		"url login 401":   newReq("GET", hs.URL+"/admin?token=nope"),
		"login 303":       loginRequest(hs.URL, hs.URL, "t0ken"),
		"login 401":       loginRequest(hs.URL, hs.URL, "nope"),
		"login 403":       loginRequest(hs.URL, "http://evil.example", "t0ken"),
		"state":           withCookie(newReq("GET", hs.URL+"/admin/api/state")),
		"state 401":       newReq("GET", hs.URL+"/admin/api/state"),
		"logout":          withCookie(newReq("POST", hs.URL+"/admin/logout")),
		"unknown path":    newReq("GET", hs.URL+"/admin/nope"),
		"wrong method":    newReq("DELETE", hs.URL+"/admin"),
		"disabled 404":    newReq("GET", off.URL+"/admin"),
		"disabled state":  newReq("GET", off.URL+"/admin/api/state"),
		"disabled login":  loginRequest(off.URL, off.URL, "x"),
		"login wrong get": newReq("GET", hs.URL+"/admin/login"),
	} {
		resp, _ := do(t, req)
		h := resp.Header
		if h.Get("Referrer-Policy") != "no-referrer" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s (%d): Referrer-Policy %q, Cache-Control %q; want no-referrer, no-store",
				name, resp.StatusCode, h.Get("Referrer-Policy"), h.Get("Cache-Control"))
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "form-action 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s (%d): Content-Security-Policy %q", name, resp.StatusCode, csp)
		}
	}
}

func TestAdminDisabledWithoutToken(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "")
	got, body := get(t, hs.URL+"/admin?token=", "")
	if got != http.StatusNotFound || !strings.Contains(body, "--admin-token") {
		t.Fatalf("GET /admin with no token configured: %d %q, want 404 with a hint", got, body)
	}
}

func TestAdminStateShowsRoomsAndPlayers(t *testing.T) {
	t.Parallel()
	_, hs := newServer(t, "t0ken")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws", client.Options{Hello: netcode.Hello{Name: "<i>ada</i>"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	code, body := get(t, hs.URL+"/admin/api/state", "t0ken")
	if code != http.StatusOK {
		t.Fatalf("state: %d %s", code, body)
	}
	var st admin.State
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Rooms) != 1 || st.Rooms[0].ID != c.Welcome().Room || st.Players != 1 {
		t.Fatalf("state %+v, want the one room with its player", st)
	}
	if m := st.Rooms[0].Members; len(m) != 1 || m[0].Name != "<i>ada</i>" || m[0].Player != c.Welcome().Player {
		t.Fatalf("members %+v, want ada as she named herself", m)
	}
}
