package lobby_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/game/snake"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/store"
)

// keepEnv is a server with a Store and a Writer, which it owns: stop shuts
// the server down, then closes the Writer (flushing it) and the Store, as
// tickroom serve does.
type keepEnv struct {
	*env
	st   store.Store
	w    *store.Writer
	api  *client.API
	once sync.Once
}

func openStore(t *testing.T, path string) store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func startKeep(t *testing.T, st store.Store, cfg lobby.Config, types ...game.Type) *keepEnv {
	t.Helper()
	w := store.NewWriter(st, store.WriterConfig{MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	cfg.Store, cfg.Writer = st, w
	var out io.Writer = io.Discard
	if os.Getenv("TICKROOM_TEST_LOG") != "" {
		out = testWriter{t}
	}
	srv := lobby.NewServer(cfg, slog.New(slog.NewTextHandler(out, nil)))
	for _, typ := range types {
		if err := srv.Register(typ); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewServer(srv)
	api, err := client.NewAPI(hs.URL, client.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := &keepEnv{env: &env{t: t, srv: srv, hs: hs, url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"}, st: st, w: w, api: api}
	t.Cleanup(k.stop)
	return k
}

// stop shuts down as tickroom serve does; the Writer must flush in time
// unless its store is down.
func (k *keepEnv) stop() {
	k.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := k.srv.Shutdown(ctx); err != nil {
			k.t.Errorf("shutdown: %v", err)
		}
		k.hs.Close()
		wctx, wcancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer wcancel()
		if err := k.w.Close(wctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			k.t.Errorf("writer close: %v", err)
		}
		k.st.Close()
	})
}

// dialKey joins with hello h and player key key.
func (k *keepEnv) dialKey(h netcode.Hello, key string) *client.Client {
	k.t.Helper()
	c, err := k.dialKeyErr(h, key)
	if err != nil {
		k.t.Fatalf("dial: %v", err)
	}
	return c
}

func (k *keepEnv) dialKeyErr(h netcode.Hello, key string) (*client.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, k.url, client.Options{Hello: h, PlayerKey: key})
	if err == nil {
		k.t.Cleanup(func() { c.CloseNow() })
	}
	return c, err
}

// smallSnake is Snake on the smallest board: a snake that nobody steers
// hits a wall within 8 ticks.
func smallSnake(t *testing.T) game.Type {
	t.Helper()
	typ, err := snake.Type(snake.Config{Width: 8, Height: 8, Food: 2, RespawnTicks: 2, MaxPlayers: 8})
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

// until reads c's messages until ok says one is what the test waits for,
// and returns the messages read before it.
func until(t *testing.T, c *client.Client, what string, ok func(m netcode.Message) bool) []netcode.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var before []netcode.Message
	for {
		m, err := c.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok(m) {
			return before
		}
		m.Payload = slices.Clone(m.Payload)
		before = append(before, m)
	}
}

// isEvent matches an event of kind whose data decodes to want's encoding.
func isEvent(t *testing.T, kind string, data any) func(netcode.Message) bool {
	want, err := msgpack.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return func(m netcode.Message) bool {
		if m.Type != netcode.MsgEvent || m.Kind != kind {
			return false
		}
		var got, exp any
		_ = msgpack.Unmarshal(m.Payload, &got)
		_ = msgpack.Unmarshal(want, &exp)
		return fmt.Sprint(got) == fmt.Sprint(exp)
	}
}

func isChat(t *testing.T, player uint32, text string) func(netcode.Message) bool {
	return isEvent(t, lobby.EventChat, []any{player, text})
}

// diedOf matches Snake's died event of player p.
func diedOf(p uint32) func(netcode.Message) bool {
	return func(m netcode.Message) bool {
		if m.Type != netcode.MsgEvent || m.Kind != snake.KindDied {
			return false
		}
		var d []any
		return msgpack.Unmarshal(m.Payload, &d) == nil && len(d) == 3 && fmt.Sprint(d[0]) == fmt.Sprint(p)
	}
}

func rosterName(w *netcode.Welcome) string {
	for _, m := range w.Players {
		if m.Player == w.Player {
			return m.Name
		}
	}
	return ""
}

const annKey = "ann's-key,0123456789"

// TestReturningPlayer: a player key keeps the player's stable id, name
// and records across connections and across a restart of the server on
// the same database; a death is stored as a result, the room's end as a
// match; a guest gets id 0 and keeps no records.
func TestReturningPlayer(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tickroom.db")
	k := startKeep(t, openStore(t, path), lobby.Config{}, smallSnake(t))
	ctx := t.Context()

	c := k.dialKey(netcode.Hello{Name: "ann"}, annKey)
	id := c.PlayerID()
	if id <= 0 || rosterName(c.Welcome()) != "ann" {
		t.Fatalf("first join: player id %d, name %q", id, rosterName(c.Welcome()))
	}
	until(t, c, "ann's snake to die", diedOf(c.Welcome().Player))
	wait.For(t, "ann's result in the store", 10*time.Second, func() bool {
		rs, err := k.st.PlayerResults(ctx, id, "snake", 10)
		return err == nil && len(rs) > 0
	})
	rs, _ := k.st.PlayerResults(ctx, id, "snake", 10)
	if r := rs[0]; r.Room != c.Welcome().Room || r.LifeTicks < 1 || !slices.Contains([]string{"wall", "self", "body", "head-on"}, r.Cause) {
		t.Errorf("stored result %+v", r)
	}
	if err := c.Leave(ctx); err != nil {
		t.Fatal(err)
	}

	// Without a name, the stored one; another connection, the same id.
	c = k.dialKey(netcode.Hello{}, annKey)
	if c.PlayerID() != id || rosterName(c.Welcome()) != "ann" {
		t.Fatalf("second join: player id %d, name %q; want %d, ann", c.PlayerID(), rosterName(c.Welcome()), id)
	}
	c.Leave(ctx)
	// With another name: renamed.
	c = k.dialKey(netcode.Hello{Name: "anna"}, annKey)
	if c.PlayerID() != id || rosterName(c.Welcome()) != "anna" {
		t.Fatalf("third join: player id %d, name %q", c.PlayerID(), rosterName(c.Welcome()))
	}
	if p, err := k.st.Player(ctx, id); err != nil || p.Name != "anna" {
		t.Fatalf("stored player %+v, %v; want renamed anna", p, err)
	}
	// A resume keeps the stable id.
	w := c.Welcome()
	c.CloseNow()
	back := k.dialKey(netcode.Hello{Session: w.Session, LastEvent: c.LastEvent()}, annKey)
	if !back.Welcome().Resumed || back.PlayerID() != id {
		t.Fatalf("resume: resumed %v, player id %d", back.Welcome().Resumed, back.PlayerID())
	}

	g := k.dialKey(netcode.Hello{Name: "gus"}, "")
	if g.PlayerID() != 0 || g.Welcome().Room != w.Room {
		t.Fatalf("guest: player id %d in room %s (ann's %s)", g.PlayerID(), g.Welcome().Room, w.Room)
	}
	until(t, g, "the guest's snake to die", diedOf(g.Welcome().Player))
	// The seats are held for a resume when the room ends: its match is
	// kept with them.
	back.CloseNow()
	g.CloseNow()
	k.stop()

	k = startKeep(t, openStore(t, path), lobby.Config{}, smallSnake(t))
	c = k.dialKey(netcode.Hello{}, annKey)
	if c.PlayerID() != id || rosterName(c.Welcome()) != "anna" {
		t.Fatalf("after the restart: player id %d, name %q; want %d, anna", c.PlayerID(), rosterName(c.Welcome()), id)
	}
	me, err := k.api.Me(ctx, annKey, "")
	if err != nil {
		t.Fatal(err)
	}
	if me.ID != id || me.Name != "anna" || me.LastSeen == nil || me.Best.All == nil || me.Best.All.Rank != 1 || me.Best.Day == nil || len(me.Recent) == 0 {
		t.Fatalf("players/me: %+v", me)
	}
	pub, err := k.api.Player(ctx, id, "snake")
	if err != nil || pub.ID != id || pub.LastSeen != nil || len(pub.Recent) != len(me.Recent) {
		t.Fatalf("players/%d: %+v, %v (lastSeen must not be public)", id, pub, err)
	}
	board, err := k.api.Leaderboard(ctx, "", "week", 0)
	if err != nil || board.Game != "snake" || board.Period != "week" || len(board.Entries) != 1 || board.Entries[0].Player != id || board.Entries[0].Name != "anna" {
		t.Fatalf("leaderboard: %+v, %v (one entry: the guest's results are not kept)", board, err)
	}
	ms, err := k.api.Matches(ctx, "", 0)
	if err != nil || len(ms.Matches) != 1 {
		t.Fatalf("matches: %+v, %v", ms, err)
	}
	m := ms.Matches[0]
	names := map[string]int64{}
	for _, p := range m.Players {
		names[p.Name] = p.Player
	}
	if m.Room != w.Room || m.Game != "snake" || m.Ended.Before(m.Started) || names["anna"] != id || names["gus"] != 0 || len(m.Players) != 2 {
		t.Fatalf("the match: %+v (want ann's and the guest's lines)", m)
	}
}

// TestGuestKeepsNothing: without a key a player plays, dies and chats,
// and the store keeps no player and no result of it: only the room's chat
// (the history of the room) and its line in the match, by name.
func TestGuestKeepsNothing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tickroom.db")
	k := startKeep(t, openStore(t, path), lobby.Config{}, smallSnake(t))
	g := k.dialKey(netcode.Hello{Name: "gus"}, "")
	until(t, g, "the guest's snake to die", diedOf(g.Welcome().Player))
	g.SendChat(t.Context(), "hello from a guest")
	until(t, g, "the chat", isChat(t, g.Welcome().Player, "hello from a guest"))
	g.CloseNow()
	k.stop()
	if st := k.w.Stats(); st.Result.Queued+st.Result.Written+st.Result.Lost != 0 || st.Chat.Written != 1 || st.Match.Written != 1 {
		t.Errorf("writer: %+v; want no result handed off, one chat line, one match", st)
	}
	st := openStore(t, path)
	defer st.Close()
	ctx := t.Context()
	if _, err := st.Player(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("player 1: %v, want ErrNotFound", err)
	}
	if b, err := st.Leaderboard(ctx, "snake", time.Time{}, 10); err != nil || len(b) != 0 {
		t.Errorf("leaderboard %+v, %v; want empty", b, err)
	}
	lines, err := st.RecentChat(ctx, g.Welcome().Room, 20)
	if err != nil || len(lines) != 1 || lines[0].Player != 0 || lines[0].Name != "gus" {
		t.Errorf("chat %+v, %v", lines, err)
	}
	ms, err := st.RecentMatches(ctx, "snake", 10)
	if err != nil || len(ms) != 1 || len(ms[0].Players) != 1 || ms[0].Players[0].Player != 0 || ms[0].Players[0].Name != "gus" {
		t.Errorf("matches %+v, %v; want the guest's line, by name", ms, err)
	}
}

// TestChatHistory: each chat line is kept in the room's history and the
// store; a member who joins later (player or spectator) gets the last 20
// lines, oldest first, as one history message right after its welcome,
// and the lines said after it as chat events; a resume that replays gets
// no history; nobody outside the room gets any.
func TestChatHistory(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	k := startKeep(t, openStore(t, filepath.Join(t.TempDir(), "t.db")), lobby.Config{}, typ)
	ctx := t.Context()
	room, err := k.srv.CreateRoom(ctx, "", lobby.RoomConfig{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	a := k.dialKey(netcode.Hello{Room: room.ID(), Name: "ann"}, annKey)
	if m := until(t, a, "ann's joined", func(m netcode.Message) bool { return m.Type == netcode.MsgEvent }); len(m) != 0 {
		t.Fatalf("before any chat, ann got %v before her joined event", m)
	}
	b := k.dialKey(netcode.Hello{Room: room.ID(), Name: "bob"}, "")
	var want []netcode.HistoryLine
	for i := range 25 {
		c, name, id := a, "ann", a.PlayerID()
		if i%3 == 2 {
			c, name, id = b, "bob", 0
		}
		text := fmt.Sprintf("line %d", i)
		if err := c.SendChat(ctx, text); err != nil {
			t.Fatal(err)
		}
		until(t, a, text, isChat(t, c.Welcome().Player, text))
		want = append(want, netcode.HistoryLine{Name: name, Text: text, PlayerID: id})
	}
	want = want[5:]
	check := func(who string, lines []netcode.HistoryLine) {
		t.Helper()
		if len(lines) != len(want) {
			t.Fatalf("%s got %d history lines, want %d", who, len(lines), len(want))
		}
		for i, l := range lines {
			if l.Name != want[i].Name || l.Text != want[i].Text || l.PlayerID != want[i].PlayerID || l.At < time.Now().Add(-time.Minute).UnixMilli() || i > 0 && l.At < lines[i-1].At {
				t.Fatalf("%s: history line %d is %+v, want %+v", who, i, l, want[i])
			}
		}
	}
	for _, h := range []netcode.Hello{{Room: room.ID(), Name: "cat"}, {Room: room.ID(), Spectator: true}} {
		c := k.dialKey(h, "")
		m, err := c.Next(ctx)
		if err != nil || m.Type != netcode.MsgHistory {
			t.Fatalf("after the welcome of %+v: %s, %v; want the history", h, m.Type, err)
		}
		check(fmt.Sprintf("%+v", h), m.History)
		a.SendChat(ctx, "after "+h.Name)
		before := until(t, c, "the chat after joining", isChat(t, a.Welcome().Player, "after "+h.Name))
		for _, m := range before {
			if m.Type == netcode.MsgHistory || m.Type == netcode.MsgEvent && m.Kind == lobby.EventChat {
				t.Fatalf("%+v got %s %s before the new chat line", h, m.Type, m.Kind)
			}
		}
		want = append(want[1:], netcode.HistoryLine{Name: "ann", Text: "after " + h.Name, PlayerID: a.PlayerID()})
	}
	wait.For(t, "the chat in the store", 10*time.Second, func() bool {
		lines, err := k.st.RecentChat(ctx, room.ID(), 20)
		return err == nil && len(lines) == 20 && lines[19].Text == want[19].Text
	})
	lines, _ := k.st.RecentChat(ctx, room.ID(), 20)
	for i, l := range lines {
		if l.Text != want[i].Text || l.Name != want[i].Name || l.Player != want[i].PlayerID {
			t.Fatalf("stored line %d: %+v, want %+v", i, l, want[i])
		}
	}

	// A resume that replays gets the events it missed, not the history.
	w := b.Welcome()
	until(t, b, "the last chat", isChat(t, a.Welcome().Player, "after "))
	last := b.LastEvent()
	b.CloseNow()
	b = k.dialKey(netcode.Hello{Session: w.Session, LastEvent: last}, "")
	if !b.Welcome().Resumed || b.Welcome().HistoryLost {
		t.Fatalf("resume: %+v", b.Welcome())
	}
	b.SendChat(ctx, "back")
	for _, m := range until(t, b, "bob's chat after the resume", isChat(t, w.Player, "back")) {
		if m.Type == netcode.MsgHistory {
			t.Fatal("a resume that replays got the history")
		}
	}

	// Another room: no history, no chat of this one.
	d := k.dialKey(netcode.Hello{Name: "dan"}, "")
	if d.Welcome().Room == room.ID() {
		t.Fatal("quick play picked the chat room")
	}
	d.SendChat(ctx, "d")
	for _, m := range until(t, d, "dan's chat", isChat(t, d.Welcome().Player, "d")) {
		if m.Type == netcode.MsgHistory || m.Type == netcode.MsgEvent && m.Kind == lobby.EventChat {
			t.Fatalf("a player of another room got %s %s", m.Type, m.Kind)
		}
	}
}

// TestKeepBadInput: names and chat with SQL metacharacters are kept as
// they are; very long names are cut, control characters and invalid
// UTF-8 removed from names; chat that the protocol refuses (too long,
// invalid UTF-8, control characters) gets bad_message, is neither kept
// nor in the history, and nothing stops; a bad player key closes 4013
// without quoting the key.
func TestKeepBadInput(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	k := startKeep(t, openStore(t, filepath.Join(t.TempDir(), "t.db")), lobby.Config{}, typ)
	ctx := t.Context()
	for i, tc := range []struct{ name, want string }{
		{"Robert'); DROP TABLE players;--", "Robert'); DROP TABLE pla"},
		{strings.Repeat("é", 1000), strings.Repeat("é", 24)},
		{"\xff\xfebob\u0085\x00\u009f", "bob"},
		{"\x01\x02", "player-"},
	} {
		c := k.dialKey(netcode.Hello{Name: tc.name}, fmt.Sprintf("key-number-%d-of-bad-input", i))
		got := rosterName(c.Welcome())
		p, err := k.st.Player(ctx, c.PlayerID())
		if err != nil || p.Name != got || !strings.HasPrefix(got, tc.want) || tc.want != "player-" && got != tc.want {
			t.Errorf("name %q: in the room %q, stored %+v, %v; want %q", tc.name, got, p, err, tc.want)
		}
		c.Leave(ctx)
	}
	room, _ := k.srv.CreateRoom(ctx, "", lobby.RoomConfig{})
	a := k.dialKey(netcode.Hello{Room: room.ID(), Name: "a"}, annKey)
	good := []string{"'; DELETE FROM chat; --", `"); SELECT * FROM players; /*`, strings.Repeat("ü", 200), "a\u00a0b \u2028 ok"}
	for _, text := range []string{good[0], strings.Repeat("x", 201), "\xff\xfe", "two\nlines", good[1], "tab\there", "\x00", good[2], good[3]} {
		if err := a.SendChat(ctx, text); err != nil {
			t.Fatal(err)
		}
		if slices.Contains(good, text) {
			until(t, a, "the chat", isChat(t, a.Welcome().Player, text))
			continue
		}
		until(t, a, "bad_message for "+text, func(m netcode.Message) bool {
			return m.Type == netcode.MsgError && m.Code == netcode.ErrCodeBadMessage
		})
	}
	late := k.dialKey(netcode.Hello{Room: room.ID()}, "")
	m, err := late.Next(ctx)
	if err != nil || m.Type != netcode.MsgHistory || len(m.History) != len(good) {
		t.Fatalf("history: %s %v, %v; want the %d good lines", m.Type, m.History, err, len(good))
	}
	for i, l := range m.History {
		if l.Text != good[i] {
			t.Errorf("history line %d: %q, want %q", i, l.Text, good[i])
		}
	}
	wait.For(t, "the good lines in the store", 10*time.Second, func() bool {
		lines, err := k.st.RecentChat(ctx, room.ID(), 20)
		return err == nil && len(lines) == len(good)
	})
	lines, _ := k.st.RecentChat(ctx, room.ID(), 20)
	for i, l := range lines {
		if l.Text != good[i] {
			t.Errorf("stored line %d: %q, want %q", i, l.Text, good[i])
		}
	}
	if st := k.w.Stats(); st.Failed != 0 {
		t.Errorf("the store refused what the room handed it: %+v", st)
	}

	for _, key := range []string{"short", strings.Repeat("k", 129), "sixteen bytes with spaces", "0123456789abcdef\x7f", "0123456789abcdefé"} {
		_, err := k.dialKeyErr(netcode.Hello{}, key)
		wantClose(t, err, netcode.CloseBadHello)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "player key") || strings.Contains(ce.Reason, key) {
			t.Errorf("key %q: %v; want a reason about the key that does not quote it", key, err)
		}
	}
}

// failingStore is a database that is down: every call fails, and with
// block the key lookups hang until their deadline.
type failingStore struct{ block bool }

var errDown = errors.New("database down")

func (f failingStore) PlayerByKey(ctx context.Context, _ []byte, _ string) (store.Player, error) {
	if f.block {
		<-ctx.Done()
		return store.Player{}, ctx.Err()
	}
	return store.Player{}, errDown
}
func (failingStore) FindPlayerByKey(context.Context, []byte) (store.Player, error) {
	return store.Player{}, errDown
}
func (failingStore) Player(context.Context, int64) (store.Player, error) {
	return store.Player{}, errDown
}
func (failingStore) Rename(context.Context, int64, string) error      { return errDown }
func (failingStore) AddResults(context.Context, []store.Result) error { return errDown }
func (failingStore) AddChat(context.Context, []store.ChatLine) error  { return errDown }
func (failingStore) AddMatches(context.Context, []store.Match) error  { return errDown }
func (failingStore) Ping(context.Context) error                       { return errDown }
func (failingStore) Close() error                                     { return nil }
func (failingStore) RecentChat(context.Context, string, int) ([]store.ChatLine, error) {
	return nil, errDown
}
func (failingStore) Leaderboard(context.Context, string, time.Time, int) ([]store.Entry, error) {
	return nil, errDown
}
func (failingStore) Best(context.Context, string, int64, time.Time) (store.Entry, error) {
	return store.Entry{}, errDown
}
func (failingStore) RecentMatches(context.Context, string, int) ([]store.Match, error) {
	return nil, errDown
}
func (failingStore) PlayerResults(context.Context, int64, string, int) ([]store.Result, error) {
	return nil, errDown
}

// TestFailingStore: with a database that fails every call, or does not
// answer, players with keys join as guests, rooms are created and keep
// ticking, chat works, and the records API answers 503.
func TestFailingStore(t *testing.T) {
	t.Parallel()
	for _, block := range []bool{false, true} {
		t.Run(fmt.Sprintf("block=%v", block), func(t *testing.T) {
			t.Parallel()
			k := startKeep(t, failingStore{block: block}, lobby.Config{}, smallSnake(t))
			ctx := t.Context()
			c := k.dialKey(netcode.Hello{Name: "ann"}, annKey)
			if c.PlayerID() != 0 || rosterName(c.Welcome()) != "ann" {
				t.Fatalf("joined as player id %d, name %q; want a guest named ann", c.PlayerID(), rosterName(c.Welcome()))
			}
			until(t, c, "a death", diedOf(c.Welcome().Player))
			c.SendChat(ctx, "still here")
			until(t, c, "the chat", isChat(t, c.Welcome().Player, "still here"))
			first := next(t, c, netcode.MsgSnapshot).Tick
			if later := next(t, c, netcode.MsgSnapshot).Tick; later <= first {
				t.Fatalf("snapshot ticks %d then %d", first, later)
			}
			for _, path := range []string{"/api/leaderboard", "/api/players/1", "/api/matches"} {
				resp, body := k.call(http.DefaultClient, "GET", path, nil, nil)
				if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "database") {
					t.Errorf("GET %s: %d %s, want 503", path, resp.StatusCode, body)
				}
			}
			resp, body := k.call(http.DefaultClient, "GET", "/api/players/me", nil, http.Header{lobby.PlayerKeyHeader: {annKey}})
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("players/me: %d %s, want 503", resp.StatusCode, body)
			}
		})
	}
}

// TestRecordsWithoutStore: a server without a store takes keys and
// answers the records API with 503.
func TestRecordsWithoutStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, lobby.Config{}, smallSnake(t))
	c, err := client.Dial(t.Context(), e.url, client.Options{Hello: netcode.Hello{Name: "ann"}, PlayerKey: annKey})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if c.PlayerID() != 0 {
		t.Errorf("player id %d without a store", c.PlayerID())
	}
	for _, path := range []string{"/api/leaderboard", "/api/players/me", "/api/players/1", "/api/matches"} {
		resp, body := e.call(http.DefaultClient, "GET", path, nil, http.Header{lobby.PlayerKeyHeader: {annKey}})
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "no records") {
			t.Errorf("GET %s: %d %s, want 503", path, resp.StatusCode, body)
		}
	}
}

// TestRecordsAPIParameters: bad parameters are 400, unknown things 404, a
// missing or malformed key 401, and an address that probes unknown keys
// is throttled; no request creates a player.
func TestRecordsAPIParameters(t *testing.T) {
	t.Parallel()
	k := startKeep(t, openStore(t, filepath.Join(t.TempDir(), "t.db")), lobby.Config{}, smallSnake(t))
	for _, tc := range []struct {
		path string
		key  string
		want int
	}{
		{"/api/leaderboard", "", 200},
		{"/api/leaderboard?period=day&limit=100&game=snake", "", 200},
		{"/api/leaderboard?period=month", "", 400},
		{"/api/leaderboard?period=", "", 200},
		{"/api/leaderboard?limit=0", "", 400},
		{"/api/leaderboard?limit=101", "", 400},
		{"/api/leaderboard?limit=ten", "", 400},
		{"/api/leaderboard?game=chess", "", 404},
		{"/api/matches?limit=50", "", 200},
		{"/api/matches?limit=51", "", 400},
		{"/api/matches?limit=-1", "", 400},
		{"/api/players/abc", "", 400},
		{"/api/players/0", "", 400},
		{"/api/players/99999999999999999999", "", 400},
		{"/api/players/7", "", 404},
		{"/api/players/me", "", 401},
		{"/api/players/me", "short", 401},
		{"/api/players/me", "01234567 89abcdef", 401},
		{"/api/players/me", annKey, 404},
		{"/api/players/me?game=chess", annKey, 404},
	} {
		hdr := http.Header{}
		if tc.key != "" {
			hdr.Set(lobby.PlayerKeyHeader, tc.key)
		}
		resp, body := k.call(http.DefaultClient, "GET", tc.path, nil, hdr)
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s (key %q): %d %s, want %d", tc.path, tc.key, resp.StatusCode, body, tc.want)
		}
		if tc.key != "" && strings.Contains(string(body), tc.key) {
			t.Errorf("GET %s: the answer quotes the key: %s", tc.path, body)
		}
	}
	resp, body := k.call(http.DefaultClient, "GET", "/api/leaderboard", nil, nil)
	if string(body) != `{"game":"snake","period":"all","entries":[]}`+"\n" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("an empty leaderboard: %s", body)
	}
	if _, body = k.call(http.DefaultClient, "GET", "/api/matches", nil, nil); string(body) != `{"matches":[]}`+"\n" {
		t.Errorf("no matches: %s", body)
	}
	throttled := false
	for i := range 40 {
		resp, _ := k.call(http.DefaultClient, "GET", "/api/players/me", nil, http.Header{lobby.PlayerKeyHeader: {fmt.Sprintf("a-guessed-key-%04d", i)}})
		if resp.StatusCode == http.StatusTooManyRequests {
			throttled = resp.Header.Get("Retry-After") != ""
			break
		}
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown key %d: %d", i, resp.StatusCode)
		}
	}
	if !throttled {
		t.Error("40 unknown keys from one address were not throttled (with Retry-After)")
	}
	if _, err := k.st.Player(t.Context(), 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the lookups made a player: %v", err)
	}
}

// TestManyRoomsKeep: many rooms hand chat and results to one Writer at
// once; every line is stored, in each room's order.
func TestManyRoomsKeep(t *testing.T) {
	t.Parallel()
	k := startKeep(t, openStore(t, filepath.Join(t.TempDir(), "t.db")), lobby.Config{}, smallSnake(t))
	ctx := t.Context()
	const rooms, players, lines = 6, 2, 10
	type seat struct {
		c    *client.Client
		room string
	}
	var seats []seat
	for r := range rooms {
		room, err := k.srv.CreateRoom(ctx, "", lobby.RoomConfig{})
		if err != nil {
			t.Fatal(err)
		}
		for p := range players {
			c := k.dialKey(netcode.Hello{Room: room.ID(), Name: fmt.Sprintf("p%d.%d", r, p)}, fmt.Sprintf("the-key-of-player-%d.%d", r, p))
			seats = append(seats, seat{c, room.ID()})
		}
	}
	var wg sync.WaitGroup
	for _, s := range seats {
		wg.Go(func() {
			for i := range lines {
				if err := s.c.SendChat(ctx, fmt.Sprintf("%s says %d", rosterName(s.c.Welcome()), i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, s := range seats {
		wait.For(t, "every line and a result", 20*time.Second, func() bool {
			got, err := k.st.RecentChat(ctx, s.room, 100)
			rs, err2 := k.st.PlayerResults(ctx, s.c.PlayerID(), "snake", 1)
			return err == nil && err2 == nil && len(got) == players*lines && len(rs) == 1
		})
		got, _ := k.st.RecentChat(ctx, s.room, 100)
		n := 0
		for _, l := range got {
			if l.Player == s.c.PlayerID() {
				if want := fmt.Sprintf("%s says %d", rosterName(s.c.Welcome()), n); l.Text != want {
					t.Fatalf("room %s: line %q, want %q", s.room, l.Text, want)
				}
				n++
			}
		}
		if n != lines {
			t.Fatalf("room %s: %d lines of %s", s.room, n, rosterName(s.c.Welcome()))
		}
	}
	if st := k.w.Stats(); st.Lost != 0 || st.Failed != 0 {
		t.Errorf("writer: %+v", st)
	}
}
