package bot

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tickroom/tickroom/netcode"
)

// dialUpgrade opens a TCP connection to the WebSocket endpoint wsURL
// (ws:// only: the bench runs on loopback) and performs the client's side
// of the opening handshake (RFC 6455 §4.1), offering netcode's
// subprotocol. It returns the connection and the bytes the server sent
// after its answer, which belong to the first frames.
func dialUpgrade(ctx context.Context, wsURL string) (net.Conn, []byte, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: dial %s: %w", wsURL, err)
	}
	if u.Scheme != "ws" {
		return nil, nil, fmt.Errorf("bot: dial %s: the poll transport speaks ws:// only", wsURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, nil, fmt.Errorf("bot: dial %s: %w", wsURL, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	rest, err := handshake(conn, u)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("bot: dial %s: %w", wsURL, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return conn, rest, nil
}

func handshake(conn net.Conn, u *url.URL) ([]byte, error) {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	path := u.RequestURI()
	req := "GET " + path + " HTTP/1.1\r\n" +
		"Host: " + u.Host + "\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Protocol: " + netcode.Subprotocol + "\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(conn, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, fmt.Errorf("handshake: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, fmt.Errorf("handshake: server answered %s", resp.Status)
	}
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		return nil, fmt.Errorf("handshake: Upgrade %q", resp.Header.Get("Upgrade"))
	}
	if got, want := resp.Header.Get("Sec-WebSocket-Accept"), acceptKey(key); got != want {
		return nil, fmt.Errorf("handshake: Sec-WebSocket-Accept %q, want %q", got, want)
	}
	if p := resp.Header.Get("Sec-WebSocket-Protocol"); p != netcode.Subprotocol {
		return nil, fmt.Errorf("handshake: subprotocol %q, want %q", p, netcode.Subprotocol)
	}
	rest := make([]byte, br.Buffered())
	_, _ = br.Read(rest)
	return rest, nil
}

// acceptKey is the Sec-WebSocket-Accept a server answers key with.
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}
