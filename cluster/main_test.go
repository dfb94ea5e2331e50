package cluster_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/tickroom/tickroom/internal/embednats"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// natsServer starts an embedded NATS server with JetStream on a free
// loopback port; cleanup shuts it down.
func natsServer(t testing.TB) *server.Server { return embednats.ForTest(t) }

// connect opens a NATS connection and its JetStream; cleanup closes it.
func connect(t testing.TB, ns *server.Server) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}
