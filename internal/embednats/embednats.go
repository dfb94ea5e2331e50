// Package embednats starts a NATS server with JetStream inside the
// process, on loopback, for the tests and the end-to-end harness of the
// cluster: they must not depend on a service outside them.
package embednats

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Start starts a server with JetStream whose data lives in storeDir, on
// port (-1: a free one), and waits until it takes connections. The caller
// shuts it down (Shutdown, WaitForShutdown).
func Start(storeDir string, port int) (*server.Server, error) {
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: storeDir, NoLog: true, NoSigs: true,
	})
	if err != nil {
		return nil, err
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("embednats: the NATS server did not take connections within 10 s")
	}
	return ns, nil
}

// ForTest starts a server for t on a free port with its data in a
// temporary directory; cleanup shuts it down and waits for it.
func ForTest(t testing.TB) *server.Server {
	t.Helper()
	ns, err := Start(t.TempDir(), -1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	})
	return ns
}
