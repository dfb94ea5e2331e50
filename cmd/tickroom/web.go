package main

import (
	"log/slog"

	web "github.com/tickroom/tickroom/clients/web"
	"github.com/tickroom/tickroom/lobby"
)

// mountWeb serves the browser game (clients/web) at / and /assets/. A binary
// built without the game serves a page saying how to build it.
func mountWeb(srv *lobby.Server, log *slog.Logger) {
	web.Mount(srv)
	if !web.Built() {
		log.Warn("the browser game is not built into this binary: / says how to build it (make build)")
	}
}
