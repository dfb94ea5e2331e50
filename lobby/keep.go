package lobby

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/store"
)

// What the server keeps across restarts, with Config.Store and
// Config.Writer: who a hello's player key is (identify, on the
// connection's goroutine), and what rooms hand to the Writer from their
// goroutine without waiting: each result a game reports (report), each
// chat line, and the match summary when the room ends (endMatch).

// keyLookupTimeout bounds the lookup of a hello's player key, and the
// rename that may follow it: a slow database delays a join by at most
// this, after which the player plays as a guest.
const keyLookupTimeout = 2 * time.Second

// historySeedTimeout bounds the load of a new room's chat history. It
// runs as the room is created, which quick play does under its lock, so
// it is short: a database that does not answer in time costs the room its
// old history, not the players their game.
const historySeedTimeout = 500 * time.Millisecond

// unnamed is the name a player key's player is created with when the
// hello has none; it is renamed player-<id> at once.
const unnamed = "player"

// identify looks up the player that h's key stands for and returns its
// stable id, 0 for a guest: a hello without a key, a server without a
// Store, or a lookup that failed (a database outage never stops play).
// It sets h.Name to the name the player joins with: the hello's, which
// renames a returning player whose name differs, or else the stored one.
// A resume keeps the seat's id, so it looks nothing up. The key is never
// logged.
func (s *Server) identify(ctx context.Context, h *netcode.Hello, log connLog) int64 {
	if h.Key == "" || h.Session != "" {
		return 0
	}
	if s.cfg.Store == nil {
		log.Debug("player key ignored: this server keeps no players")
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, keyLookupTimeout)
	defer cancel()
	name := trimName(h.Name)
	create := name
	if create == "" {
		create = unnamed
	}
	p, err := s.cfg.Store.PlayerByKey(ctx, store.HashKey([]byte(h.Key)), create)
	if err != nil {
		log.Warn("player key lookup failed: joining as a guest", "err", err.Error())
		return 0
	}
	switch {
	case name == "" && p.Name == unnamed && p.Created.Equal(p.LastSeen):
		// Just created without a name: one that tells players apart.
		name = fmt.Sprintf("player-%d", p.ID)
		s.rename(ctx, p.ID, name, log)
	case name == "":
		name = p.Name
	case name != p.Name:
		s.rename(ctx, p.ID, name, log)
	}
	h.Name = name
	return p.ID
}

func (s *Server) rename(ctx context.Context, id int64, name string, log connLog) {
	if err := s.cfg.Store.Rename(ctx, id, name); err != nil {
		// The room shows the new name; the records keep the old one.
		log.Warn("player not renamed", "stable_id", id, "err", err.Error())
	}
}

// Warn logs a failure that a client's request met (the database's, say),
// rate-limited with the client-caused lines: clients can cause it at will.
func (l connLog) Warn(msg string, args ...any) {
	l.lim.log(l.log, slog.LevelWarn, msg, l.with(args)...)
}

// chatHistory is a room's last chat lines, oldest first, on the room
// goroutine: a joiner gets the lines said before its welcome as history
// and the later ones as chat events, exactly.
type chatHistory struct {
	lines [netcode.MaxHistory]netcode.HistoryLine
	start int // the oldest line
	n     int
}

func (h *chatHistory) add(l netcode.HistoryLine) {
	if h.n < len(h.lines) {
		h.lines[(h.start+h.n)%len(h.lines)] = l
		h.n++
		return
	}
	h.lines[h.start] = l
	h.start = (h.start + 1) % len(h.lines)
}

// all returns the lines, oldest first, in a new slice.
func (h *chatHistory) all() []netcode.HistoryLine {
	out := make([]netcode.HistoryLine, 0, h.n)
	for i := range h.n {
		out = append(out, h.lines[(h.start+i)%len(h.lines)])
	}
	return out
}

// sendHistory queues the room's chat history for a member who just got
// its welcome, when there is any.
func (r *Room) sendHistory(c *netcode.Conn) {
	if r.history.n == 0 {
		return
	}
	c.QueueHistory(r.history.all())
	r.queued = true
}

// seedHistory loads the room's last stored chat lines, before the room
// starts: a room whose id comes back after a restart keeps its history.
func (r *Room) seedHistory(ctx context.Context, st store.Store) {
	ctx, cancel := context.WithTimeout(ctx, historySeedTimeout)
	defer cancel()
	lines, err := st.RecentChat(ctx, r.id, netcode.MaxHistory)
	if err != nil {
		r.log.Warn("chat history not loaded: the room starts without it", "err", err)
		return
	}
	for _, l := range lines {
		r.history.add(netcode.HistoryLine{Name: l.Name, Text: l.Text, At: l.At.UnixMilli(), PlayerID: l.Player})
	}
}

// keepChat adds a chat line to the room's history and hands it to the
// Writer.
func (r *Room) keepChat(m *member, text string) {
	now := r.clock.Now()
	r.history.add(netcode.HistoryLine{Name: m.name, Text: text, At: now.UnixMilli(), PlayerID: m.stable})
	if r.writer != nil {
		r.writer.Chat(store.ChatLine{Room: r.id, Player: m.stable, Name: m.name, Text: text, At: now})
	}
}

// matchLine is one player's line of the room's match summary: a
// returning player's lines merge by stable id, a guest's by seat.
type matchLine struct {
	player       game.PlayerID
	stable       int64
	name         string
	score, kills int64
}

// report takes the results the game reported since the last call and
// hands those of returning players to the Writer, counting every one in
// the match summary. gone is a member just removed, whose last result may
// be among them. It allocates nothing in steady state: the results go
// through r.results, reused, and the Writer takes them by value.
func (r *Room) report(gone *member) {
	if r.reporter == nil {
		return
	}
	r.results = r.reporter.AppendResults(r.results[:0])
	if len(r.results) == 0 {
		return
	}
	now := r.clock.Now()
	for i := range r.results {
		res := &r.results[i]
		m := gone
		if m == nil || m.player != res.Player {
			m = r.seated(res.Player)
		}
		if m == nil {
			continue // no player of this room
		}
		r.tally(m, res)
		if r.writer == nil || m.stable == 0 {
			continue // guests' results are not kept
		}
		cause := res.Cause
		if !labelOK(cause) {
			// The store would refuse it, and the batch it came in with.
			cause = ""
		}
		r.writer.Result(store.Result{
			Game: r.game, Player: m.stable, Room: r.id,
			Score: res.Score, Kills: res.Kills, Cause: cause, LifeTicks: res.Ticks, At: now,
		})
	}
	clear(r.results) // the causes are the game's strings
}

// tally counts res in the match summary.
func (r *Room) tally(m *member, res *game.Result) {
	for i := range r.match {
		l := &r.match[i]
		if m.stable != 0 && l.stable == m.stable || m.stable == 0 && l.stable == 0 && l.player == m.player {
			l.score = max(l.score, res.Score)
			l.kills += res.Kills
			l.name = m.name
			return
		}
	}
	if len(r.match) >= store.MaxMatchPlayers {
		return // a room that ran for ages: the first players make the summary
	}
	r.match = append(r.match, matchLine{player: m.player, stable: m.stable, name: m.name, score: res.Score, kills: res.Kills})
}

// endMatch ends the room's match, as the room ends: the players still
// seated leave the game (their lives end as if they left) and the match
// summary goes to the Writer. After a game panic the game is not asked
// again.
func (r *Room) endMatch() {
	if !r.panicked && r.reporter != nil {
		r.leaveAll()
	}
	if r.writer == nil || len(r.match) == 0 {
		return
	}
	lines := slices.Clone(r.match)
	// Stable: equal lines stay in the order the players first scored.
	slices.SortStableFunc(lines, func(a, b matchLine) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(b.kills, a.kills)
	})
	players := make([]store.MatchPlayer, len(lines))
	for i, l := range lines {
		players[i] = store.MatchPlayer{Player: l.stable, Name: l.name, Score: l.score, Kills: l.kills}
	}
	ended := r.clock.Now()
	started := r.matchStart
	if started.IsZero() || ended.Before(started) {
		started = ended
	}
	if !r.writer.Match(store.Match{Game: r.game, Room: r.id, Started: started, Ended: ended, Players: players}) {
		r.log.Warn("match summary lost: the store's queue is full or closed")
	}
}

// leaveAll removes the seated players from the game and reports their
// last results. A panic in the game here is logged: the room is ending.
func (r *Room) leaveAll() {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("game panicked as the room ended", LogGame, r.game, "panic", fmt.Sprint(p))
		}
	}()
	for _, m := range r.members {
		if !m.spectator {
			r.sim.Leave(m.player)
			r.report(m)
		}
	}
}

// labelOK reports whether the store takes s as a label (a result's
// cause): at most store.MaxLabelRunes characters of UTF-8 without
// control characters. It allocates nothing.
func labelOK(s string) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= store.MaxLabelRunes &&
		strings.IndexFunc(s, unicode.IsControl) < 0
}
