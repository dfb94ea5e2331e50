package lobby_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// jwtKeys are the test's signing keys, made once: an RSA key takes a while.
type jwtKeys struct {
	hmac, otherHMAC []byte
	ed, otherEd     ed25519.PrivateKey
	rsa, otherRSA   *rsa.PrivateKey
	rsaPublicPEM    []byte
}

var testKeys = sync.OnceValue(func() jwtKeys {
	var k jwtKeys
	k.hmac, k.otherHMAC = make([]byte, 32), make([]byte, 48)
	rand.Read(k.hmac)
	rand.Read(k.otherHMAC)
	var err error
	if _, k.ed, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	if _, k.otherEd, err = ed25519.GenerateKey(rand.Reader); err != nil {
		panic(err)
	}
	if k.rsa, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	if k.otherRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		panic(err)
	}
	k.rsaPublicPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return k
})

// claims are a valid token's claims for sub, expiring in an hour, with
// extra merged in (a nil value removes a claim).
func claims(sub string, extra jwt.MapClaims) jwt.MapClaims {
	c := jwt.MapClaims{"sub": sub, "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func jwtAuth(t *testing.T, key any) lobby.AuthFunc {
	t.Helper()
	auth, err := lobby.JWT(lobby.JWTConfig{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return auth
}

// wantRefusal fails unless err is a 4011 close whose reason holds want.
func wantRefusal(t *testing.T, err error, want string) {
	t.Helper()
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != netcode.CloseUnauthorized || !strings.Contains(ce.Reason, want) {
		t.Fatalf("refused with %v, want close %d with a reason holding %q", err, netcode.CloseUnauthorized, want)
	}
}

// bearer is the header of an API request with token.
func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

// apiAs sends an API request with token and returns its status and body.
func (e *env) apiAs(token, method, path string, body any) (int, []byte) {
	e.t.Helper()
	resp, b := e.call(http.DefaultClient, method, path, body, bearer(token))
	return resp.StatusCode, b
}

// wantAPIRefusal fails unless the answer is a 401 whose error holds want.
func wantAPIRefusal(t *testing.T, status int, body []byte, want string) {
	t.Helper()
	var eb netcode.ErrorBody
	if err := json.Unmarshal(body, &eb); err != nil || status != http.StatusUnauthorized || !strings.Contains(eb.Error, want) {
		t.Fatalf("status %d, body %s; want 401 with an error holding %q", status, body, want)
	}
}

// TestJWTValidTokens: a token signed with each kind of key is admitted over
// WebSocket and on the API; its sub is the welcome's account and its name
// the player's.
func TestJWTValidTokens(t *testing.T) {
	t.Parallel()
	k := testKeys()
	typ, _ := testgame.Type("alpha", testgame.Options{})
	for _, tc := range []struct {
		name   string
		key    any
		method jwt.SigningMethod
		signer any
	}{
		{"HS256", k.hmac, jwt.SigningMethodHS256, k.hmac},
		{"HS512", k.hmac, jwt.SigningMethodHS512, k.hmac},
		{"EdDSA", k.ed.Public(), jwt.SigningMethodEdDSA, k.ed},
		{"RS256", &k.rsa.PublicKey, jwt.SigningMethodRS256, k.rsa},
		{"RS384", &k.rsa.PublicKey, jwt.SigningMethodRS384, k.rsa},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, lobby.Config{Authorize: jwtAuth(t, tc.key)}, typ)
			tok := sign(t, tc.method, tc.signer, claims("user-42", jwt.MapClaims{"name": "Ada"}))
			c := e.dial(netcode.Hello{Name: "chosen by the client", Auth: tok})
			w := c.Welcome()
			if w.Account != "user-42" {
				t.Errorf("welcome account %q, want user-42", w.Account)
			}
			if len(w.Players) != 1 || w.Players[0].Name != "Ada" {
				t.Errorf("roster %v, want the token's name Ada", w.Players)
			}
			if status, b := e.apiAs(tok, "POST", "/api/matchmake", lobby.MatchmakeRequest{}); status != http.StatusOK {
				t.Errorf("matchmake with the token: %d %s", status, b)
			}
			if status, b := e.apiAs(tok, "POST", "/api/rooms", lobby.CreateRequest{}); status != http.StatusCreated {
				t.Errorf("create with the token: %d %s", status, b)
			}
		})
	}
}

// TestJWTRefusals: every kind of bad token is refused with 4011 on /ws and
// 401 on the API, with a reason that says what is wrong.
func TestJWTRefusals(t *testing.T) {
	t.Parallel()
	k := testKeys()
	typ, _ := testgame.Type("alpha", testgame.Options{})
	hmacEnv := newEnv(t, lobby.Config{Authorize: jwtAuth(t, k.hmac)}, typ)
	edEnv := newEnv(t, lobby.Config{Authorize: jwtAuth(t, k.ed.Public())}, typ)
	rsaEnv := newEnv(t, lobby.Config{Authorize: jwtAuth(t, &k.rsa.PublicKey)}, typ)
	now := time.Now()
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims("u", nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	// An alg the library does not know: a header and claims, any signature.
	b64 := base64.RawURLEncoding.EncodeToString
	unknownAlg := b64([]byte(`{"alg":"XX512","typ":"JWT"}`)) + "." + b64([]byte(`{"sub":"u","exp":9999999999}`)) + "." + b64([]byte("sig"))
	for _, tc := range []struct {
		name  string
		e     *env
		token string
		want  string
	}{
		{"missing", hmacEnv, "", "missing join token"},
		{"malformed", hmacEnv, "not.a.jwt", "malformed join token"},
		{"expired", hmacEnv, sign(t, jwt.SigningMethodHS256, k.hmac, claims("u", jwt.MapClaims{"exp": now.Add(-time.Hour).Unix()})), "join token expired"},
		{"not yet valid", hmacEnv, sign(t, jwt.SigningMethodHS256, k.hmac, claims("u", jwt.MapClaims{"nbf": now.Add(5 * time.Minute).Unix()})), "not valid yet"},
		{"no exp", hmacEnv, sign(t, jwt.SigningMethodHS256, k.hmac, claims("u", jwt.MapClaims{"exp": nil})), "no exp"},
		{"no sub", hmacEnv, sign(t, jwt.SigningMethodHS256, k.hmac, claims("", nil)), "no sub"},
		{"wrong HMAC key", hmacEnv, sign(t, jwt.SigningMethodHS256, k.otherHMAC, claims("u", nil)), "bad signature"},
		{"wrong Ed25519 key", edEnv, sign(t, jwt.SigningMethodEdDSA, k.otherEd, claims("u", nil)), "bad signature"},
		{"wrong RSA key", rsaEnv, sign(t, jwt.SigningMethodRS256, k.otherRSA, claims("u", nil)), "bad signature"},
		{"alg none", hmacEnv, none, "algorithm none not allowed"},
		{"alg none, RSA server", rsaEnv, none, "algorithm none not allowed"},
		{"unknown alg", hmacEnv, unknownAlg, "algorithm not allowed"},
		// Algorithm confusion: HS256 keyed with the server's RSA public
		// key, which a naive verifier would take as the HMAC secret.
		{"HS256 with the RSA public key", rsaEnv, sign(t, jwt.SigningMethodHS256, k.rsaPublicPEM, claims("u", nil)), "algorithm HS256 not allowed"},
		{"RS256 to an HMAC server", hmacEnv, sign(t, jwt.SigningMethodRS256, k.rsa, claims("u", nil)), "algorithm RS256 not allowed"},
		{"EdDSA to an RSA server", rsaEnv, sign(t, jwt.SigningMethodEdDSA, k.ed, claims("u", nil)), "algorithm EdDSA not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.e.dialErr(netcode.Hello{Auth: tc.token})
			wantRefusal(t, err, tc.want)
			// The header's token on the handshake is refused alike.
			if tc.token != "" {
				_, err = dialHeader(tc.e, netcode.Hello{}, tc.token)
				wantRefusal(t, err, tc.want)
			}
			for _, path := range []string{"/api/matchmake", "/api/rooms"} {
				status, b := tc.e.apiAs(tc.token, "POST", path, map[string]any{})
				wantAPIRefusal(t, status, b, tc.want)
			}
		})
	}
}

// dialHeader joins with the token as the handshake's bearer header.
func dialHeader(e *env, h netcode.Hello, token string) (*client.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, e.url, client.Options{Hello: h, HTTPHeader: bearer(token)})
	if err == nil {
		e.t.Cleanup(func() { c.CloseNow() })
	}
	return c, err
}

// TestJWTLeeway: exp and nbf are allowed the leeway's clock skew, and no
// more.
func TestJWTLeeway(t *testing.T) {
	t.Parallel()
	k := testKeys()
	typ, _ := testgame.Type("alpha", testgame.Options{})
	e := newEnv(t, lobby.Config{Authorize: jwtAuth(t, k.hmac)}, typ) // DefaultJWTLeeway, 30 s
	now := time.Now()
	soon := sign(t, jwt.SigningMethodHS256, k.hmac, claims("u", jwt.MapClaims{"nbf": now.Add(10 * time.Second).Unix()}))
	e.dial(netcode.Hello{Auth: soon})
	if status, b := e.apiAs(soon, "POST", "/api/matchmake", lobby.MatchmakeRequest{}); status != http.StatusOK {
		t.Errorf("matchmake with nbf within the leeway: %d %s", status, b)
	}
	justExpired := sign(t, jwt.SigningMethodHS256, k.hmac, claims("v", jwt.MapClaims{"exp": now.Add(-10 * time.Second).Unix()}))
	e.dial(netcode.Hello{Auth: justExpired})

	strict, err := lobby.JWT(lobby.JWTConfig{Key: k.hmac, Leeway: -1})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, lobby.Config{Authorize: strict}, typ)
	_, err = e2.dialErr(netcode.Hello{Auth: soon})
	wantRefusal(t, err, "not valid yet")
	_, err = e2.dialErr(netcode.Hello{Auth: justExpired})
	wantRefusal(t, err, "expired")
}

// TestJWTRoomRestriction: a token with a room claim joins that room, by id
// or by a reservation for it, and nothing else: not another room, not
// quick play, not a new room.
func TestJWTRoomRestriction(t *testing.T) {
	t.Parallel()
	k := testKeys()
	typ, _ := testgame.Type("alpha", testgame.Options{})
	e := newEnv(t, lobby.Config{Authorize: jwtAuth(t, k.hmac)}, typ)
	allowed, err := e.srv.CreateRoom(t.Context(), "alpha", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.srv.CreateRoom(t.Context(), "alpha", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, jwt.SigningMethodHS256, k.hmac, claims("u1", jwt.MapClaims{"room": allowed.ID()}))

	_, err = e.dialErr(netcode.Hello{Room: other.ID(), Auth: tok})
	wantRefusal(t, err, "room not allowed")
	_, err = e.dialErr(netcode.Hello{Auth: tok})
	wantRefusal(t, err, "the token is for one room")
	// A reservation for the other room, made without a restriction,
	// cannot be spent with this token either.
	open := sign(t, jwt.SigningMethodHS256, k.hmac, claims("u2", nil))
	var res lobby.Reservation
	status, b := e.apiAs(open, "POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: other.ID()})
	if status != http.StatusOK || json.Unmarshal(b, &res) != nil {
		t.Fatalf("matchmake into the other room with an open token: %d %s", status, b)
	}
	_, err = e.dialErr(netcode.Hello{Reservation: res.Token, Auth: tok})
	wantRefusal(t, err, "room not allowed")

	for _, req := range []lobby.MatchmakeRequest{
		{Mode: netcode.MatchmakeJoin, Room: other.ID()},
		{Mode: netcode.MatchmakeQuick},
		{Mode: netcode.MatchmakeCreate},
	} {
		status, b := e.apiAs(tok, "POST", "/api/matchmake", req)
		want := "room not allowed"
		if req.Mode != netcode.MatchmakeJoin {
			want = "the token is for one room"
		}
		wantAPIRefusal(t, status, b, want)
	}
	status, b = e.apiAs(tok, "POST", "/api/rooms", lobby.CreateRequest{})
	wantAPIRefusal(t, status, b, "the token is for one room")

	if w := e.dial(netcode.Hello{Room: allowed.ID(), Auth: tok}).Welcome(); w.Room != allowed.ID() {
		t.Fatalf("joined room %q, want %q", w.Room, allowed.ID())
	}
	// A reservation in the allowed room, made and spent with the token.
	tok3 := sign(t, jwt.SigningMethodHS256, k.hmac, claims("u3", jwt.MapClaims{"room": allowed.ID()}))
	status, b = e.apiAs(tok3, "POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: allowed.ID()})
	if status != http.StatusOK || json.Unmarshal(b, &res) != nil {
		t.Fatalf("matchmake into the allowed room: %d %s", status, b)
	}
	if w := e.dial(netcode.Hello{Reservation: res.Token, Auth: tok3}).Welcome(); w.Room != allowed.ID() || w.Account != "u3" {
		t.Fatalf("reserved seat: room %q account %q, want %q u3", w.Room, w.Account, allowed.ID())
	}
}

// TestJWTGameRestriction: a token with a game claim plays that game only;
// quick play and new rooms without a game get it.
func TestJWTGameRestriction(t *testing.T) {
	t.Parallel()
	k := testKeys()
	alpha, _ := testgame.Type("alpha", testgame.Options{})
	beta, _ := testgame.Type("beta", testgame.Options{})
	e := newEnv(t, lobby.Config{Authorize: jwtAuth(t, k.hmac)}, alpha, beta) // alpha is the default
	alphaRoom, err := e.srv.CreateRoom(t.Context(), "alpha", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tok := sign(t, jwt.SigningMethodHS256, k.hmac, claims("u", jwt.MapClaims{"game": "beta"}))

	if w := e.dial(netcode.Hello{Auth: tok}).Welcome(); w.Game != "beta" {
		t.Fatalf("quick play without a game: %q, want the token's beta", w.Game)
	}
	_, err = e.dialErr(netcode.Hello{Game: "alpha", Auth: tok})
	wantRefusal(t, err, "game not allowed")
	_, err = e.dialErr(netcode.Hello{Room: alphaRoom.ID(), Auth: tok})
	wantRefusal(t, err, "game not allowed")

	status, b := e.apiAs(tok, "POST", "/api/rooms", lobby.CreateRequest{Game: "alpha"})
	wantAPIRefusal(t, status, b, "game not allowed")
	status, b = e.apiAs(tok, "POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: netcode.MatchmakeJoin, Room: alphaRoom.ID()})
	wantAPIRefusal(t, status, b, "game not allowed")
	status, b = e.apiAs(tok, "POST", "/api/matchmake", lobby.MatchmakeRequest{Mode: netcode.MatchmakeQuick, CreateRequest: lobby.CreateRequest{Game: "alpha"}})
	wantAPIRefusal(t, status, b, "game not allowed")
	var info lobby.RoomInfo
	status, b = e.apiAs(tok, "POST", "/api/rooms", lobby.CreateRequest{})
	if status != http.StatusCreated || json.Unmarshal(b, &info) != nil || info.Game != "beta" {
		t.Fatalf("create without a game: %d %s, want a beta room", status, b)
	}
}

// TestJWTOneSeatPerAccount: a second hello of an account in a room where
// it holds a seat takes the seat over (same player id, resumed), and the
// first connection is closed as replaced; another account cannot resume
// the seat with its session token; another room seats the account anew.
func TestJWTOneSeatPerAccount(t *testing.T) {
	t.Parallel()
	k := testKeys()
	typ, _ := testgame.Type("alpha", testgame.Options{})
	e := newEnv(t, lobby.Config{Authorize: jwtAuth(t, k.hmac)}, typ)
	alice := sign(t, jwt.SigningMethodHS256, k.hmac, claims("alice", nil))
	bob := sign(t, jwt.SigningMethodHS256, k.hmac, claims("bob", nil))
	first := e.dial(netcode.Hello{Auth: alice})
	room := first.Welcome().Room
	b := e.dial(netcode.Hello{Room: room, Auth: bob})
	if b.Welcome().Player == first.Welcome().Player {
		t.Fatal("two accounts share a player id")
	}

	_, err := e.dialErr(netcode.Hello{Session: first.Welcome().Session, Auth: bob})
	wantClose(t, err, netcode.CloseUnauthorized)

	second := e.dial(netcode.Hello{Room: room, Auth: alice})
	w := second.Welcome()
	if w.Player != first.Welcome().Player || !w.Resumed || w.Account != "alice" {
		t.Fatalf("second hello of alice: player %d resumed %v account %q; want player %d resumed, alice",
			w.Player, w.Resumed, w.Account, first.Welcome().Player)
	}
	if len(w.Players) != 2 {
		t.Errorf("roster %v, want alice and bob only", w.Players)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		if _, err := first.Next(ctx); err != nil {
			wantClose(t, err, netcode.CloseReplaced)
			break
		}
	}
	// A spectator takes no seat: alice may watch as well.
	if w := e.dial(netcode.Hello{Room: room, Spectator: true, Auth: alice}).Welcome(); !w.Spectator || w.Resumed {
		t.Errorf("alice spectating: spectator %v resumed %v", w.Spectator, w.Resumed)
	}
	other, err := e.srv.CreateRoom(t.Context(), "alpha", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if w := e.dial(netcode.Hello{Room: other.ID(), Auth: alice}).Welcome(); w.Resumed {
		t.Error("alice's hello for another room resumed a seat")
	}
}

// TestWelcomeAccountWithoutJWT: a server without JWTs sends account "".
func TestWelcomeAccountWithoutJWT(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("alpha", testgame.Options{})
	e := newEnv(t, lobby.Config{Authorize: lobby.SharedSecret("pw")}, typ)
	a := e.dial(netcode.Hello{Auth: "pw"})
	b := e.dial(netcode.Hello{Room: a.Welcome().Room, Auth: "pw"})
	if a.Welcome().Account != "" || b.Welcome().Resumed || a.Welcome().Player == b.Welcome().Player {
		t.Fatalf("shared secret: account %q, second resumed %v", a.Welcome().Account, b.Welcome().Resumed)
	}
}

// TestJWTConfigErrors: keys JWT cannot use safely are refused up front.
func TestJWTConfigErrors(t *testing.T) {
	t.Parallel()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  any
		want string
	}{
		{[]byte("short"), "5 bytes: want at least 32"},
		{&small.PublicKey, "1024 bits: want at least 2048"},
		{"a string", "want []byte (HMAC)"},
		{testKeys().ed, "type ed25519.PrivateKey"},
	} {
		if _, err := lobby.JWT(lobby.JWTConfig{Key: tc.key}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("key %T: err %v, want one holding %q", tc.key, err, tc.want)
		}
	}
	edDER, _ := x509.MarshalPKIXPublicKey(testKeys().ed.Public())
	for _, tc := range []struct {
		pem  string
		want string
	}{
		{"", "no PEM block"},
		{string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})), "never the private one"},
		{string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: []byte{1}})), "PKCS #1"},
		{string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})), "PUBLIC KEY"},
	} {
		if _, err := lobby.ParseJWTPublicKey([]byte(tc.pem)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("PEM %q: err %v, want one holding %q", tc.pem, err, tc.want)
		}
	}
	for _, b := range [][]byte{pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edDER}), testKeys().rsaPublicPEM} {
		key, err := lobby.ParseJWTPublicKey(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := lobby.JWT(lobby.JWTConfig{Key: key}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestJWTNotLogged: refusals are logged with their reason, and nothing of
// the token.
func TestJWTNotLogged(t *testing.T) {
	t.Parallel()
	k := testKeys()
	typ, _ := testgame.Type("alpha", testgame.Options{})
	var logBuf syncBuffer
	e := newEnvLog(t, lobby.Config{Authorize: jwtAuth(t, k.hmac)}, 0, &logBuf, typ)
	expired := sign(t, jwt.SigningMethodHS256, k.hmac, claims("secret-subject", jwt.MapClaims{"exp": time.Now().Add(-time.Hour).Unix()}))
	forged := sign(t, jwt.SigningMethodHS256, k.otherHMAC, claims("secret-subject", jwt.MapClaims{"room": "secret-room"}))
	restricted := sign(t, jwt.SigningMethodHS256, k.hmac, claims("secret-subject", jwt.MapClaims{"room": "secret-room"}))
	for _, tok := range []string{expired, forged, restricted} {
		_, err := e.dialErr(netcode.Hello{Auth: tok})
		wantClose(t, err, netcode.CloseUnauthorized)
	}
	log := logBuf.String()
	if !strings.Contains(log, "join token expired") || !strings.Contains(log, "bad signature") {
		t.Errorf("the refusals' reasons are not in the log:\n%s", log)
	}
	for _, tok := range []string{expired, forged, restricted} {
		for _, part := range strings.Split(tok, ".") {
			if strings.Contains(log, part) {
				t.Errorf("the log holds part of a token (%q):\n%s", part, log)
			}
		}
	}
	for _, claim := range []string{"secret-subject", "secret-room"} {
		if strings.Contains(log, claim) {
			t.Errorf("the log holds the claim %q:\n%s", claim, log)
		}
	}
}
