package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/netcode"
)

// TestServeJoinJWT runs the real binary with --join-jwt-key-file (a key
// file with the newline an editor adds): a valid token plays and is the
// welcome's account, on the WebSocket and the API; an expired one is
// refused with 4011 and its reason; no token appears in the log.
func TestServeJoinJWT(t *testing.T) {
	bin := buildBinary(t)
	key := []byte("0123456789abcdef0123456789abcdef-hmac")
	path := filepath.Join(t.TempDir(), "jwt.key")
	if err := os.WriteFile(path, append(key, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, bin, nil, "--join-jwt-key-file", path, "--drain-period", "0s")
	sign := func(exp time.Time) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "acct-7", "name": "Grace", "exp": exp.Unix()}).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid, expired := sign(time.Now().Add(time.Hour)), sign(time.Now().Add(-time.Hour))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	ws := "ws://" + p.addrs["addr"] + "/ws"

	c, err := client.Dial(ctx, ws, client.Options{Hello: netcode.Hello{Auth: valid}})
	if err != nil {
		t.Fatalf("a valid token: %v", err)
	}
	defer c.CloseNow()
	if w := c.Welcome(); w.Account != "acct-7" || len(w.Players) != 1 || w.Players[0].Name != "Grace" {
		t.Errorf("welcome account %q, roster %v; want acct-7, Grace", w.Account, w.Players)
	}
	_, err = client.Dial(ctx, ws, client.Options{Hello: netcode.Hello{Auth: expired}})
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != netcode.CloseUnauthorized || !strings.Contains(ce.Reason, "expired") {
		t.Errorf("an expired token: %v, want 4011 saying expired", err)
	}
	for tok, want := range map[string]int{valid: http.StatusOK, expired: http.StatusUnauthorized, "": http.StatusUnauthorized} {
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+p.addrs["addr"]+"/api/matchmake", strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("matchmake with a token (valid: %v): status %d, want %d", tok == valid, resp.StatusCode, want)
		}
	}
	log := p.log()
	if !strings.Contains(log, "join_jwt_required=true") {
		t.Errorf("the start line does not say a join JWT is required:\n%s", log)
	}
	for _, s := range []string{valid, expired, string(key)} {
		for _, part := range strings.Split(s, ".") {
			if strings.Contains(log, part) {
				t.Errorf("the log holds part of a token or the key (%q):\n%s", part, log)
			}
		}
	}
}

// TestServeJoinJWTPublicKey: an Ed25519 public key in PEM verifies the
// tokens its private key signs.
func TestServeJoinJWTPublicKey(t *testing.T) {
	bin := buildBinary(t)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwt.pub")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	p := start(t, bin, []string{"TICKROOM_JOIN_JWT_PUBLIC_KEY_FILE=" + path}, "--drain-period", "0s")
	tok, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"sub": "ed", "exp": time.Now().Add(time.Hour).Unix()}).SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "ws://"+p.addrs["addr"]+"/ws", client.Options{Hello: netcode.Hello{Auth: tok}})
	if err != nil {
		t.Fatalf("an EdDSA token: %v", err)
	}
	defer c.CloseNow()
	if c.Welcome().Account != "ed" {
		t.Errorf("account %q, want ed", c.Welcome().Account)
	}
}

// TestServeRejectsBadJWTFlags: a key the server cannot use, or join
// settings that contradict each other, stop it at start with a message
// that names the flag.
func TestServeRejectsBadJWTFlags(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.key", strings.Repeat("k", 32)+"\n")
	short := write("short.key", "too-short\n")
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	pemKey := write("ed.pub", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	garbage := write("garbage.pub", "not a key\n")
	private := write("private.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}})))
	missing := filepath.Join(dir, "missing")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--join-jwt-key-file", short}, "--join-jwt-key-file \"" + short + "\": lobby: JWT HMAC key of 9 bytes: want at least 32"},
		{[]string{"--join-jwt-key-file", missing}, "--join-jwt-key-file: open " + missing},
		{[]string{"--join-jwt-key-file", pemKey}, "a PEM file, where the raw HMAC key belongs"},
		{[]string{"--join-jwt-public-key-file", garbage}, "--join-jwt-public-key-file \"" + garbage + "\": no PEM block"},
		{[]string{"--join-jwt-public-key-file", private}, "never the private one"},
		{[]string{"--join-jwt-public-key-file", good}, "no PEM block"},
		{[]string{"--join-jwt-key-file", good, "--join-jwt-public-key-file", pemKey}, "--join-jwt-key-file and --join-jwt-public-key-file both set"},
		{[]string{"--join-jwt-key-file", good, "--join-secret", "pw"}, "--join-secret and a --join-jwt-* key both set"},
		{[]string{"--join-jwt-key-file", good, "--join-jwt-leeway", "-1s"}, "--join-jwt-leeway -1s"},
	} {
		out, err := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() == 0 {
			t.Errorf("%v: err %v, want a non-zero exit", tc.args, err)
			continue
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("%v: output %q does not mention %q", tc.args, out, tc.want)
		}
		if strings.Contains(string(out), strings.Repeat("k", 32)) {
			t.Errorf("%v: the output holds the key: %q", tc.args, out)
		}
	}
}
