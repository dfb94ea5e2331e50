// Command natsd runs an embedded NATS server with JetStream on a free
// loopback port, for the web client's cluster end-to-end test: the nodes
// of a tickroom cluster need one, and the test must not depend on a
// service outside it. It prints the server's client URL on one line of
// standard output once the server takes connections, and shuts down
// cleanly on SIGTERM or SIGINT, or when its standard input closes.
//
//	go run ./clients/web/e2e/natsd
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/tickroom/tickroom/internal/embednats"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "natsd:", err)
		os.Exit(1)
	}
}

func run() error {
	store, err := os.MkdirTemp("", "tickroom-natsd-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(store)
	ns, err := embednats.Start(store, -1)
	if err != nil {
		return err
	}
	fmt.Println(ns.ClientURL())

	done := make(chan os.Signal, 1)
	signal.Notify(done, syscall.SIGTERM, syscall.SIGINT)
	stdin := make(chan struct{})
	go func() { // the parent may end natsd by closing its stdin
		io.Copy(io.Discard, os.Stdin)
		close(stdin)
	}()
	select {
	case <-done:
	case <-stdin:
	}
	ns.Shutdown()
	ns.WaitForShutdown()
	return nil
}
