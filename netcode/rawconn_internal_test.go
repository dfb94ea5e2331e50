package netcode

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// loopbackPair returns the two ends of a TCP connection on loopback.
func loopbackPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// TestRawConnDuplicateEndsWithTheConnection: the direct writes go through a
// duplicate of the socket's descriptor, which would keep the socket open
// on its own. Close must close it too: the client then sees the end of the
// stream, and a later write fails instead of reaching a reused descriptor.
func TestRawConnDuplicateEndsWithTheConnection(t *testing.T) {
	t.Parallel()
	server, client := loopbackPair(t)
	r := newRawConn(server)
	if r.wfd < 0 {
		t.Fatal("a TCP connection got no duplicate descriptor")
	}
	msg := []byte("one write")
	if n, more, err := r.tryWrite(msg); n != len(msg) || more || err != nil {
		t.Fatalf("tryWrite: %d, %v, %v", n, more, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if r.wfd != -1 {
		t.Fatalf("the duplicate %d is still open after Close", r.wfd)
	}
	client.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(client)
	if err != nil {
		t.Fatalf("the client did not see the stream end: %v", err)
	}
	if string(got) != string(msg) {
		t.Fatalf("client read %q, want %q", got, msg)
	}
	if _, _, err := r.tryWrite(msg); !errors.Is(err, errBusy) {
		t.Fatalf("tryWrite after Close: %v, want errBusy (the slow path reports the close)", err)
	}
	if err := r.writeAll(msg, time.Second); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("writeAll after Close: %v, want net.ErrClosed", err)
	}
}

// TestRawConnPartialWriteKeepsTheRest: when the kernel takes only part of
// a batch, the rest is kept and goes first, before anything else written.
func TestRawConnPartialWriteKeepsTheRest(t *testing.T) {
	t.Parallel()
	server, client := loopbackPair(t)
	r := newRawConn(server)
	defer r.Close()
	big := make([]byte, 64<<20) // more than any socket buffer takes at once
	for i := range big {
		big[i] = byte(i)
	}
	n, more, err := r.tryWrite(big)
	if err != nil || !more || n >= len(big) {
		t.Fatalf("tryWrite of %d bytes: took %d, more %v, %v; want a part", len(big), n, more, err)
	}
	tail := []byte("after")
	done := make(chan error, 1)
	go func() { done <- r.writeAll(tail, 10*time.Second) }()
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, len(big)+len(tail))
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for i := range big {
		if got[i] != big[i] {
			t.Fatalf("byte %d: got %d, want %d", i, got[i], big[i])
		}
	}
	if string(got[len(big):]) != "after" {
		t.Fatalf("tail %q", got[len(big):])
	}
}
