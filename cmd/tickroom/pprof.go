package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
)

// servePprof serves the Go profiler on its own listener, apart from the
// game's address, so that it can stay private: it has no authentication.
// It returns a stop function that shuts the listener down within ctx
// (cutting requests still running when ctx ends) and waits for its
// goroutine.
//
// /debug/pprof/cmdline is not served: it shows the process's arguments,
// --admin-token and --join-secret among them, to whoever can reach the
// port.
func servePprof(addr string, c serveConfig, log *slog.Logger) (stop func(context.Context), err error) {
	mux := http.NewServeMux()
	// Index serves the named runtime profiles (heap, goroutine, ...) under
	// /debug/pprof/NAME; cmdline is not one, so it answers 404.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	// No read or write timeout: /profile and /trace run for ?seconds=N
	// (30 by default), pprof refuses durations beyond the write timeout,
	// and a read deadline passing while a handler runs cancels its
	// request. The header and idle timeouts still bound idle clients.
	hs := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: c.headerTimeout(),
		IdleTimeout:       c.httpIdleTimeout,
		MaxHeaderBytes:    c.httpMaxHeader,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof server failed", "err", err)
		}
	}()
	log.Info("pprof serving", "pprof_addr", ln.Addr().String())
	if !loopback(ln.Addr()) {
		log.Warn("the profiler is reachable from the network, unauthenticated: give --pprof a loopback address such as 127.0.0.1:6060",
			"pprof_addr", ln.Addr().String())
	}
	return func(ctx context.Context) {
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
		<-done
	}, nil
}

// loopback reports whether a listener's address is reachable from this
// host alone. An empty host or 0.0.0.0 or :: listens on every interface.
func loopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}
