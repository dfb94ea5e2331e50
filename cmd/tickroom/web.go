package main

import (
	"log/slog"

	web "github.com/tickroom/tickroom/clients/web"
	"github.com/tickroom/tickroom/lobby"
)

// mountWeb serves the browser game (clients/web) at / and /assets/. A binary
// built without the game serves a page saying how to build it.
func mountWeb(srv *lobby.Server, log *slog.Logger) {
	var opts web.Options
	if cl := srv.Cluster(); cl != nil {
		opts.Peers = cl.Origins // the same hosts the nodes' Origin checks take
	}
	web.Mount(srv, opts)
	if !web.Built() {
		log.Warn("the browser game is not built into this binary: / says how to build it (make build)")
	}
}
