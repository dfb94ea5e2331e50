// Package storetest is the contract every store.Store must pass: the
// SQLite and PostgreSQL stores now. Call Run from the implementation's
// tests; StartPostgres gives them a real PostgreSQL server.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tickroom/tickroom/store"
)

// Harness is what Run needs of a backend.
type Harness struct {
	// New opens a fresh, empty store and returns it with the DSN that
	// store.Open takes to open its database again. Run closes it.
	New func(t *testing.T) (store.Store, string)
	// Outage, if set, opens a fresh store and returns it with functions
	// that make its database unreachable and reachable again.
	Outage func(t *testing.T) (s store.Store, down, up func())
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func key(s string) []byte { return store.HashKey([]byte(s)) }

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func open(t *testing.T, h Harness) store.Store {
	s, _ := h.New(t)
	t.Cleanup(func() { s.Close() })
	return s
}

func player(t *testing.T, s store.Store, name string) store.Player {
	t.Helper()
	p, err := s.PlayerByKey(ctxT(t), key("key of "+name), name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want an error wrapping %v", what, err, want)
	}
}

// Run checks the store that h opens against the contract of store.Store
// and store.Writer.
func Run(t *testing.T, h Harness) {
	t.Run("Migrations", func(t *testing.T) {
		ctx := ctxT(t)
		s, dsn := h.New(t)
		defer s.Close()
		v, ok := s.(store.SchemaVersioner)
		if !ok {
			t.Fatalf("%T is not a store.SchemaVersioner", s)
		}
		first, err := v.SchemaVersion(ctx)
		if err != nil || first < 1 {
			t.Fatalf("schema version after Open from empty: %d, %v", first, err)
		}
		p := player(t, s, "ann")
		again, err := store.Open(ctx, dsn) // migrations again: a no-op
		if err != nil {
			t.Fatalf("second Open: %v", err)
		}
		defer again.Close()
		if second, err := again.(store.SchemaVersioner).SchemaVersion(ctx); err != nil || second != first {
			t.Errorf("schema version after a second Open: %d, %v; want %d", second, err, first)
		}
		if got, err := again.Player(ctx, p.ID); err != nil || got.Name != "ann" {
			t.Errorf("player after a second Open: %+v, %v", got, err)
		}
		if err := s.Ping(ctx); err != nil {
			t.Error(err)
		}
	})

	t.Run("ReturningPlayer", func(t *testing.T) {
		s, ctx := open(t, h), ctxT(t)
		a, err := s.PlayerByKey(ctx, key("k1"), "ann")
		if err != nil || a.ID == 0 || a.Name != "ann" {
			t.Fatalf("new player: %+v, %v", a, err)
		}
		if a.Created.IsZero() || a.LastSeen.Before(a.Created) {
			t.Errorf("times of a new player: %+v", a)
		}
		back, err := s.PlayerByKey(ctx, key("k1"), "someone else")
		if err != nil || back.ID != a.ID || back.Name != "ann" || !back.Created.Equal(a.Created) {
			t.Fatalf("returning player: %+v, %v; want id %d named ann", back, err, a.ID)
		}
		b, err := s.PlayerByKey(ctx, key("k2"), "ann")
		if err != nil || b.ID == a.ID {
			t.Fatalf("another key: %+v, %v; want a new id", b, err)
		}
		if err := s.Rename(ctx, a.ID, "anna"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Player(ctx, a.ID); err != nil || got.Name != "anna" || got.ID != a.ID {
			t.Errorf("after Rename: %+v, %v", got, err)
		}
		if got, _ := s.PlayerByKey(ctx, key("k1"), "x"); got.Name != "anna" {
			t.Errorf("returning after Rename: named %q, want anna", got.Name)
		}
		_, err = s.Player(ctx, 1<<40)
		wantErr(t, "Player of an unknown id", err, store.ErrNotFound)
		wantErr(t, "Rename of an unknown id", s.Rename(ctx, 1<<40, "x"), store.ErrNotFound)
		_, err = s.PlayerByKey(ctx, []byte("the raw key, not its hash"), "x")
		wantErr(t, "a key hash that is not 32 bytes", err, store.ErrInvalid)
	})

	t.Run("GuestNotStored", func(t *testing.T) {
		s, ctx := open(t, h), ctxT(t)
		ann := player(t, s, "ann")
		if err := s.AddResults(ctx, []store.Result{{Game: "snake", Player: 0, Score: 99, At: t0}}); err != nil {
			t.Fatalf("a guest's result alone: %v", err)
		}
		if err := s.AddResults(ctx, []store.Result{
			{Game: "snake", Player: 0, Score: 100, At: t0},
			{Game: "snake", Player: ann.ID, Score: 5, At: t0},
		}); err != nil {
			t.Fatal(err)
		}
		board, err := s.Leaderboard(ctx, "snake", time.Time{}, 10)
		if err != nil || len(board) != 1 || board[0].Player != ann.ID || board[0].Score != 5 {
			t.Errorf("board with guests: %+v, %v; want ann's 5 alone", board, err)
		}
		if err := s.AddResults(ctx, nil); err != nil {
			t.Errorf("no results: %v", err)
		}
	})

	t.Run("Leaderboard", func(t *testing.T) {
		s, ctx := open(t, h), ctxT(t)
		a, b, c, d := player(t, s, "a"), player(t, s, "b"), player(t, s, "c"), player(t, s, "d")
		at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
		if err := s.AddResults(ctx, []store.Result{
			{Game: "snake", Player: a.ID, Room: "r1", Score: 10, Kills: 1, Cause: "wall", LifeTicks: 300, At: at(0)},
			{Game: "snake", Player: a.ID, Room: "r1", Score: 30, At: at(10)},  // a's best
			{Game: "snake", Player: b.ID, Room: "r1", Score: 30, At: at(5)},   // ties a, earlier: ahead
			{Game: "snake", Player: c.ID, Room: "r2", Score: 50, At: at(-60)}, // best, an hour earlier
			{Game: "snake", Player: c.ID, Room: "r2", Score: 20, At: at(20)},
			{Game: "snake", Player: d.ID, Room: "r2", Score: -5, At: at(1)},
			{Game: "chess", Player: d.ID, Room: "r3", Score: 1000, At: at(1)}, // another game
		}); err != nil {
			t.Fatal(err)
		}
		board, err := s.Leaderboard(ctx, "snake", time.Time{}, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Entry{
			{Rank: 1, Player: c.ID, Name: "c", Score: 50, At: at(-60)},
			{Rank: 2, Player: b.ID, Name: "b", Score: 30, At: at(5)},
			{Rank: 3, Player: a.ID, Name: "a", Score: 30, At: at(10)},
			{Rank: 4, Player: d.ID, Name: "d", Score: -5, At: at(1)},
		}
		checkBoard(t, "all time", board, want)
		board, _ = s.Leaderboard(ctx, "snake", time.Time{}, 2)
		checkBoard(t, "limit 2", board, want[:2])
		board, _ = s.Leaderboard(ctx, "snake", at(0), 10) // the last hour: c's 50 is out
		checkBoard(t, "since", board, []store.Entry{
			{Rank: 1, Player: b.ID, Name: "b", Score: 30, At: at(5)},
			{Rank: 2, Player: a.ID, Name: "a", Score: 30, At: at(10)},
			{Rank: 3, Player: c.ID, Name: "c", Score: 20, At: at(20)},
			{Rank: 4, Player: d.ID, Name: "d", Score: -5, At: at(1)},
		})
		if board, err := s.Leaderboard(ctx, "snake", at(21), 10); err != nil || len(board) != 0 {
			t.Errorf("an empty period: %+v, %v", board, err)
		}
		if board, _ := s.Leaderboard(ctx, "chess", time.Time{}, 10); len(board) != 1 || board[0].Score != 1000 {
			t.Errorf("chess: %+v", board)
		}
		for i, w := range want {
			if got, err := s.Best(ctx, "snake", w.Player, time.Time{}); err != nil || !sameEntry(got, w) {
				t.Errorf("Best of %s: %+v, %v; want %+v", w.Name, got, err, want[i])
			}
		}
		if got, err := s.Best(ctx, "snake", c.ID, at(0)); err != nil || got.Rank != 3 || got.Score != 20 {
			t.Errorf("Best of c since: %+v, %v; want rank 3 with 20", got, err)
		}
		_, err = s.Best(ctx, "chess", a.ID, time.Time{})
		wantErr(t, "Best without results", err, store.ErrNotFound)
		for _, n := range []int{0, -1, store.MaxLimit + 1} {
			_, err := s.Leaderboard(ctx, "snake", time.Time{}, n)
			wantErr(t, fmt.Sprintf("limit %d", n), err, store.ErrInvalid)
		}
		// All or none: a batch with an unknown player stores nothing.
		err = s.AddResults(ctx, []store.Result{
			{Game: "go", Player: a.ID, Score: 1, At: t0},
			{Game: "go", Player: 1 << 40, Score: 2, At: t0},
		})
		wantErr(t, "a result of an unknown player", err, store.ErrInvalid)
		if board, _ := s.Leaderboard(ctx, "go", time.Time{}, 10); len(board) != 0 {
			t.Errorf("a refused batch was partly stored: %+v", board)
		}
		wantErr(t, "a result without a game", s.AddResults(ctx, []store.Result{{Player: a.ID, At: t0}}), store.ErrInvalid)
		wantErr(t, "a result without a time", s.AddResults(ctx, []store.Result{{Game: "snake", Player: a.ID}}), store.ErrInvalid)
	})

	t.Run("BestsAcrossBatches", func(t *testing.T) { bestsAcrossBatches(t, open(t, h)) })
	t.Run("Matches", func(t *testing.T) { matches(t, open(t, h)) })
	t.Run("PlayerResults", func(t *testing.T) { playerResults(t, open(t, h)) })
	t.Run("HostileText", func(t *testing.T) { hostileText(t, open(t, h)) })
	t.Run("Chat", func(t *testing.T) { chat(t, open(t, h)) })
	t.Run("ManyWriters", func(t *testing.T) { manyWriters(t, open(t, h)) })
	t.Run("Writer", func(t *testing.T) { writer(t, h) })
	if h.Outage != nil {
		t.Run("WriterOutage", func(t *testing.T) { outage(t, h) })
	}
}

func sameMatch(a, b store.Match) bool {
	if a.Game != b.Game || a.Room != b.Room || !a.Started.Equal(b.Started) || !a.Ended.Equal(b.Ended) || len(a.Players) != len(b.Players) {
		return false
	}
	for i := range a.Players {
		if a.Players[i] != b.Players[i] {
			return false
		}
	}
	return true
}

func checkMatches(t *testing.T, what string, got, want []store.Match) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = sameMatch(got[i], want[i])
	}
	if !ok {
		t.Errorf("matches %s:\n got %+v\nwant %+v", what, got, want)
	}
}

func matches(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	ann, bob := player(t, s, "ann"), player(t, s, "bob")
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	m1 := store.Match{Game: "snake", Room: "r1", Started: at(0), Ended: at(5), Players: []store.MatchPlayer{
		{Player: ann.ID, Name: "ann", Score: 40, Kills: 2},
		{Player: 0, Name: "a guest", Score: 10},
		{Player: bob.ID, Name: "bob", Score: -1, Kills: 0},
	}}
	m2 := store.Match{Game: "snake", Room: "r2", Started: at(1), Ended: at(9).Add(123456789 * time.Nanosecond), Players: []store.MatchPlayer{
		{Player: bob.ID, Name: "bob", Score: 7, Kills: 1},
	}}
	m3 := store.Match{Game: "snake", Room: "r1", Started: at(6), Ended: at(7), Players: []store.MatchPlayer{
		{Player: 0, Name: "guest 2", Score: 3},
	}}
	chess := store.Match{Game: "chess", Room: "r3", Started: at(0), Ended: at(60), Players: []store.MatchPlayer{{Player: ann.ID, Name: "ann", Score: 1}}}
	empty := store.Match{Game: "snake", Room: "r4", Started: at(10), Ended: at(11)} // skipped
	if err := s.AddMatches(ctx, []store.Match{m1, m2, chess, empty}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddMatches(ctx, []store.Match{m3}); err != nil {
		t.Fatal(err)
	}
	m2.Ended = m2.Ended.Truncate(time.Microsecond) // kept to the microsecond
	got, err := s.RecentMatches(ctx, "snake", 10)
	if err != nil {
		t.Fatal(err)
	}
	checkMatches(t, "of snake, newest first", got, []store.Match{m2, m3, m1})
	got, _ = s.RecentMatches(ctx, "snake", 2)
	checkMatches(t, "limit 2", got, []store.Match{m2, m3})
	got, _ = s.RecentMatches(ctx, "chess", 10)
	checkMatches(t, "of chess", got, []store.Match{chess})
	if got, err := s.RecentMatches(ctx, "go", 10); err != nil || len(got) != 0 {
		t.Errorf("a game without matches: %+v, %v", got, err)
	}
	for _, n := range []int{0, store.MaxLimit + 1} {
		_, err := s.RecentMatches(ctx, "snake", n)
		wantErr(t, fmt.Sprintf("RecentMatches limit %d", n), err, store.ErrInvalid)
	}
	if err := s.AddMatches(ctx, nil); err != nil {
		t.Errorf("no matches: %v", err)
	}

	// All or none: a batch with an unknown player stores nothing.
	bad := store.Match{Game: "go", Room: "r", Started: at(0), Ended: at(1), Players: []store.MatchPlayer{{Player: 1 << 40, Name: "x"}}}
	good := store.Match{Game: "go", Room: "r", Started: at(0), Ended: at(1), Players: []store.MatchPlayer{{Player: ann.ID, Name: "ann"}}}
	wantErr(t, "a match of an unknown player", s.AddMatches(ctx, []store.Match{good, bad}), store.ErrInvalid)
	if got, _ := s.RecentMatches(ctx, "go", 10); len(got) != 0 {
		t.Errorf("a refused batch was partly stored: %+v", got)
	}
	for what, m := range map[string]store.Match{
		"without a game":         {Room: "r", Started: at(0), Ended: at(1), Players: good.Players},
		"without a start":        {Game: "go", Ended: at(1), Players: good.Players},
		"ending before it began": {Game: "go", Started: at(2), Ended: at(1), Players: good.Players},
		"with an invalid name":   {Game: "go", Started: at(0), Ended: at(1), Players: []store.MatchPlayer{{Name: "bad\xff"}}},
		"with an empty name":     {Game: "go", Started: at(0), Ended: at(1), Players: []store.MatchPlayer{{Name: ""}}},
		"with a negative id":     {Game: "go", Started: at(0), Ended: at(1), Players: []store.MatchPlayer{{Player: -1, Name: "x"}}},
		"of too many players":    {Game: "go", Started: at(0), Ended: at(1), Players: make([]store.MatchPlayer, store.MaxMatchPlayers+1)},
	} {
		wantErr(t, "a match "+what, s.AddMatches(ctx, []store.Match{m}), store.ErrInvalid)
	}
	// A guest's name in a match is hostile text like any other.
	h := store.Match{Game: "hostile", Room: hostile[0], Started: at(0), Ended: at(1), Players: []store.MatchPlayer{{Name: hostile[1]}, {Name: hostile[5]}}}
	if err := s.AddMatches(ctx, []store.Match{h}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.RecentMatches(ctx, "hostile", 1)
	checkMatches(t, "of hostile text", got, []store.Match{h})
}

// bestsAcrossBatches: the all-time board, which a store may keep as
// results come (bests), ranks as the board of a period that holds every
// result, which ranks the results themselves; whatever batches the
// results came in, ties and worse later scores included.
func bestsAcrossBatches(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	ps := players(t, s, 30)
	rng := rand.New(rand.NewPCG(7, 9))
	for range 40 {
		batch := make([]store.Result, rng.IntN(12))
		for i := range batch {
			batch[i] = store.Result{Game: "snake", Player: ps[rng.IntN(len(ps))].ID, Score: int64(rng.IntN(8)),
				At: t0.Add(time.Duration(rng.IntN(5)) * time.Minute)} // many ties, in score and in time
		}
		if err := s.AddResults(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	all, err := s.Leaderboard(ctx, "snake", time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	period, err := s.Leaderboard(ctx, "snake", t0.Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	checkBoard(t, "of all time against a period holding everything", all, period)
	for _, e := range period {
		if got, err := s.Best(ctx, "snake", e.Player, time.Time{}); err != nil || !sameEntry(got, e) {
			t.Errorf("Best of all time of %d: %+v, %v; want %+v", e.Player, got, err, e)
		}
		if got, err := s.Best(ctx, "snake", e.Player, t0.Add(-time.Hour)); err != nil || !sameEntry(got, e) {
			t.Errorf("Best of the period of %d: %+v, %v; want %+v", e.Player, got, err, e)
		}
	}
	// A period that leaves out the first two minutes ranks what is left.
	late := t0.Add(2 * time.Minute)
	board, err := s.Leaderboard(ctx, "snake", late, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range board {
		if got, err := s.Best(ctx, "snake", e.Player, late); err != nil || !sameEntry(got, e) {
			t.Errorf("Best since minute 2 of %d: %+v, %v; want %+v", e.Player, got, err, e)
		}
	}
}

func playerResults(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	ann, bob := player(t, s, "ann"), player(t, s, "bob")
	var rs []store.Result
	for i := range 15 {
		rs = append(rs, store.Result{Game: "snake", Player: ann.ID, Room: fmt.Sprint("r", i%2), Score: int64(i), Kills: int64(i % 3),
			Cause: "wall", LifeTicks: int64(100 * i), At: t0.Add(time.Duration(i) * time.Second)})
	}
	rs = append(rs,
		store.Result{Game: "snake", Player: bob.ID, Score: 99, At: t0.Add(time.Hour)},
		store.Result{Game: "chess", Player: ann.ID, Score: 5, At: t0.Add(time.Hour)},
		// The same time as ann's last: the later one stored comes first.
		store.Result{Game: "snake", Player: ann.ID, Room: "tie", Score: 1, At: t0.Add(14 * time.Second)},
	)
	if err := s.AddResults(ctx, rs); err != nil {
		t.Fatal(err)
	}
	got, err := s.PlayerResults(ctx, ann.ID, "snake", 10)
	if err != nil || len(got) != 10 {
		t.Fatalf("PlayerResults: %d results, %v", len(got), err)
	}
	if got[0].Room != "tie" {
		t.Errorf("first of a tie in time: %+v, want the later stored", got[0])
	}
	for i, r := range got[1:] {
		w := rs[14-i]
		if r != w {
			t.Errorf("result %d: %+v, want %+v", i+1, r, w)
		}
	}
	if got, _ := s.PlayerResults(ctx, ann.ID, "chess", 10); len(got) != 1 || got[0].Score != 5 {
		t.Errorf("ann's chess: %+v", got)
	}
	for _, id := range []int64{0, 1 << 40} {
		if got, err := s.PlayerResults(ctx, id, "snake", 10); err != nil || len(got) != 0 {
			t.Errorf("results of player %d: %+v, %v; want none", id, got, err)
		}
	}
	_, err = s.PlayerResults(ctx, ann.ID, "snake", 0)
	wantErr(t, "PlayerResults limit 0", err, store.ErrInvalid)
}

func sameEntry(a, b store.Entry) bool {
	return a.Rank == b.Rank && a.Player == b.Player && a.Name == b.Name && a.Score == b.Score && a.At.Equal(b.At)
}

func checkBoard(t *testing.T, what string, got, want []store.Entry) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = sameEntry(got[i], want[i])
	}
	if !ok {
		t.Errorf("board %s:\n got %+v\nwant %+v", what, got, want)
	}
}

var hostile = []string{
	`Robert'); DROP TABLE players;--`,
	`"; DELETE FROM results; --`,
	`\' OR 1=1 -- %_*`,
	`$1 ? :name @x`,
	`<script>alert(1)</script>`,
	"日本語のなまえ🐍",
	strings.Repeat("é", store.MaxNameRunes), // 64 bytes, 32 runes
}

func hostileText(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	for i, name := range hostile {
		p, err := s.PlayerByKey(ctx, key(fmt.Sprint("hostile", i)), name)
		if err != nil {
			t.Errorf("name %q: %v", name, err)
			continue
		}
		if got, err := s.Player(ctx, p.ID); err != nil || got.Name != name {
			t.Errorf("name %q came back as %q, %v", name, got.Name, err)
		}
		if err := s.AddChat(ctx, []store.ChatLine{{Room: name, Player: p.ID, Name: name, Text: name, At: t0}}); err != nil {
			t.Errorf("chat %q: %v", name, err)
		}
		if lines, err := s.RecentChat(ctx, name, 10); err != nil || len(lines) != 1 || lines[0].Text != name || lines[0].Room != name {
			t.Errorf("chat %q came back as %+v, %v", name, lines, err)
		}
	}
	// The tables are still there and whole.
	if _, err := s.PlayerByKey(ctx, key("after"), "after"); err != nil {
		t.Fatal(err)
	}
	bad := []string{
		"",
		"bad\xffutf8",
		"\xc3\x28",
		"nul\x00byte",
		"new\nline",
		strings.Repeat("é", store.MaxNameRunes+1),
	}
	for _, name := range bad {
		_, err := s.PlayerByKey(ctx, key("bad "+name), name)
		wantErr(t, fmt.Sprintf("name %q", name), err, store.ErrInvalid)
		if utf8.RuneCountInString(name) > store.MaxNameRunes {
			continue // a long name is a fine chat line
		}
		wantErr(t, fmt.Sprintf("chat %q", name), s.AddChat(ctx, []store.ChatLine{{Room: "r", Name: "n", Text: name, At: t0}}), store.ErrInvalid)
		if name != "" {
			wantErr(t, fmt.Sprintf("game %q", name), s.AddResults(ctx, []store.Result{{Game: name, Player: 1, At: t0}}), store.ErrInvalid)
		}
	}
	p := player(t, s, "ok")
	wantErr(t, "renaming to invalid UTF-8", s.Rename(ctx, p.ID, "\xff"), store.ErrInvalid)
	long := strings.Repeat("日", store.MaxChatRunes)
	if err := s.AddChat(ctx, []store.ChatLine{{Room: "long", Name: "n", Text: long, At: t0}}); err != nil {
		t.Errorf("chat of %d runes: %v", store.MaxChatRunes, err)
	}
	wantErr(t, "chat over the limit", s.AddChat(ctx, []store.ChatLine{{Room: "long", Name: "n", Text: long + "x", At: t0}}), store.ErrInvalid)
	if lines, _ := s.RecentChat(ctx, "long", 10); len(lines) != 1 || lines[0].Text != long {
		t.Errorf("long chat: %d lines", len(lines))
	}
}

func chat(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	ann := player(t, s, "ann")
	at := t0.Add(123456789 * time.Nanosecond) // kept to the microsecond
	var lines []store.ChatLine
	for i := range 30 {
		who, name := ann.ID, "ann"
		if i%3 == 0 {
			who, name = 0, "guest"
		}
		lines = append(lines, store.ChatLine{Room: "r1", Player: who, Name: name, Text: fmt.Sprint("line ", i), At: at.Add(time.Duration(i) * time.Second)})
	}
	if err := s.AddChat(ctx, lines[:10]); err != nil {
		t.Fatal(err)
	}
	if err := s.AddChat(ctx, lines[10:]); err != nil {
		t.Fatal(err)
	}
	if err := s.AddChat(ctx, []store.ChatLine{{Room: "r2", Name: "bob", Text: "elsewhere", At: t0}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.RecentChat(ctx, "r1", 5)
	if err != nil || len(got) != 5 {
		t.Fatalf("RecentChat 5: %d lines, %v", len(got), err)
	}
	for i, c := range got {
		w := lines[25+i]
		if c.Text != w.Text || c.Player != w.Player || c.Name != w.Name || c.Room != "r1" || !c.At.Equal(w.At.Truncate(time.Microsecond)) {
			t.Errorf("line %d: %+v, want %+v", i, c, w)
		}
	}
	if got, _ := s.RecentChat(ctx, "r1", 100); len(got) != 30 || got[0].Text != "line 0" {
		t.Errorf("RecentChat 100: %d lines", len(got))
	}
	if got, _ := s.RecentChat(ctx, "none", 10); len(got) != 0 {
		t.Errorf("an empty room: %+v", got)
	}
	_, err = s.RecentChat(ctx, "r1", 0)
	wantErr(t, "RecentChat 0", err, store.ErrInvalid)
}

func manyWriters(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	const n = 16
	ids := make([]int64, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			shared, err := s.PlayerByKey(ctx, key("shared"), fmt.Sprint("first ", i))
			if err != nil {
				errs <- err
				return
			}
			ids[i] = shared.ID
			own, err := s.PlayerByKey(ctx, key(fmt.Sprint("own ", i)), fmt.Sprint("p", i))
			if err != nil {
				errs <- err
				return
			}
			for j := range 5 {
				if err := s.AddResults(ctx, []store.Result{
					{Game: "snake", Player: own.ID, Score: int64(i*10 + j), At: t0},
					{Game: "snake", Player: shared.ID, Score: int64(j), At: t0},
				}); err != nil {
					errs <- err
					return
				}
				if err := s.AddChat(ctx, []store.ChatLine{{Room: "busy", Player: own.ID, Name: own.Name, Text: "hi", At: t0}}); err != nil {
					errs <- err
					return
				}
				if _, err := s.Leaderboard(ctx, "snake", time.Time{}, 10); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range ids {
		if ids[i] != ids[0] {
			t.Fatalf("one key, several ids: %v", ids)
		}
	}
	board, _ := s.Leaderboard(ctx, "snake", time.Time{}, 100)
	if len(board) != n+1 || board[0].Score != (n-1)*10+4 {
		t.Errorf("board after concurrent writes: %d entries, top %+v", len(board), board[0])
	}
	if lines, _ := s.RecentChat(ctx, "busy", store.MaxLimit); len(lines) != n*5 {
		t.Errorf("%d chat lines, want %d", len(lines), n*5)
	}
}

// gated holds AddResults until released, to fill a Writer's queue.
type gated struct {
	store.Store
	once    sync.Once
	entered chan struct{}
	release chan struct{}
}

func (g *gated) AddResults(ctx context.Context, rs []store.Result) error {
	g.once.Do(func() { close(g.entered) })
	select {
	case <-g.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return g.Store.AddResults(ctx, rs)
}

// countOf returns how many results (one per player) and chat lines s holds
// in game and room.
func countOf(t *testing.T, s store.Store, game, room string) (results, lines int) {
	t.Helper()
	ctx := ctxT(t)
	board, err := s.Leaderboard(ctx, game, time.Time{}, store.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	chat, err := s.RecentChat(ctx, room, store.MaxLimit)
	if err != nil {
		t.Fatal(err)
	}
	return len(board), len(chat)
}

func players(t *testing.T, s store.Store, n int) []store.Player {
	ps := make([]store.Player, n)
	for i := range ps {
		ps[i] = player(t, s, fmt.Sprint("w", i))
	}
	return ps
}

func writer(t *testing.T, h Harness) {
	t.Run("FlushOnClose", func(t *testing.T) {
		s := open(t, h)
		ps := players(t, s, 100)
		w := store.NewWriter(s, store.WriterConfig{Batch: 64})
		for i, p := range ps {
			if !w.Result(store.Result{Game: "snake", Player: p.ID, Score: int64(i), At: t0}) {
				t.Fatal("hand-off refused")
			}
			w.Result(store.Result{Game: "snake", Player: 0, Score: 1, At: t0}) // a guest
			for range 3 {
				w.Chat(store.ChatLine{Room: "r", Player: p.ID, Name: p.Name, Text: "gg", At: t0})
			}
			if i%10 == 0 {
				w.Match(store.Match{Game: "snake", Room: "r", Started: t0, Ended: t0.Add(time.Duration(i) * time.Second),
					Players: []store.MatchPlayer{{Player: p.ID, Name: p.Name, Score: int64(i)}, {Name: "guest"}}})
			}
		}
		if err := w.Close(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		st := w.Stats()
		if st.Written != 510 || st.Lost != 0 || st.Failed != 0 || st.Queued != 0 {
			t.Errorf("stats after Close: %+v; want 510 written", st)
		}
		if st.Result.Written != 200 || st.Chat.Written != 300 || st.Match.Written != 10 || st.ByKind(store.KindMatch) != st.Match {
			t.Errorf("stats by kind after Close: %+v; want 200 results, 300 lines and 10 matches written", st)
		}
		if r, c := countOf(t, s, "snake", "r"); r != 100 || c != 300 {
			t.Errorf("stored %d results and %d lines, want 100 and 300", r, c)
		}
		if ms, err := s.RecentMatches(ctxT(t), "snake", 100); err != nil || len(ms) != 10 || ms[0].Players[0].Score != 90 || len(ms[0].Players) != 2 {
			t.Errorf("stored matches: %+v, %v; want 10, the last with 90", ms, err)
		}
		if w.Result(store.Result{Game: "snake", Player: 1, At: t0}) || w.Stats().Lost != 1 || w.Stats().Result.Lost != 1 {
			t.Error("a hand-off after Close was accepted")
		}
		if w.Match(store.Match{Game: "snake"}) || w.Stats().Match.Lost != 1 {
			t.Error("a match handed off after Close was accepted")
		}
		wantErr(t, "second Close", w.Close(ctxT(t)), store.ErrClosed)
	})

	t.Run("QueueFullCountsLost", func(t *testing.T) {
		base := open(t, h)
		ps := players(t, base, 20)
		g := &gated{Store: base, entered: make(chan struct{}), release: make(chan struct{})}
		const queue = 8
		w := store.NewWriter(g, store.WriterConfig{Queue: queue, Batch: 4})
		w.Result(store.Result{Game: "snake", Player: ps[0].ID, At: t0})
		<-g.entered // the goroutine holds one item, in a write that waits
		accepted := 1
		start := time.Now()
		for _, p := range ps[1:] {
			if w.Result(store.Result{Game: "snake", Player: p.ID, At: t0}) {
				accepted++
			}
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("hand-offs to a full queue took %v: they must not block", d)
		}
		if st := w.Stats(); accepted != 1+queue || st.Lost != int64(len(ps)-accepted) || st.Queued != queue {
			t.Errorf("accepted %d, stats %+v; want %d accepted, %d lost", accepted, st, 1+queue, len(ps)-1-queue)
		}
		close(g.release)
		if err := w.Close(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if st := w.Stats(); st.Written != int64(accepted) {
			t.Errorf("written %d, want every accepted one (%d)", st.Written, accepted)
		}
		if r, _ := countOf(t, base, "snake", "-"); r != accepted {
			t.Errorf("stored %d, want %d", r, accepted)
		}
	})

	t.Run("CloseGivesUp", func(t *testing.T) {
		base := open(t, h)
		p := player(t, base, "x")
		g := &gated{Store: base, entered: make(chan struct{}), release: make(chan struct{})}
		w := store.NewWriter(g, store.WriterConfig{})
		for range 10 {
			w.Result(store.Result{Game: "snake", Player: p.ID, At: t0})
		}
		<-g.entered
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := w.Close(ctx)
		wantErr(t, "Close that runs out of time", err, context.DeadlineExceeded)
		if st := w.Stats(); st.Lost != 10 || st.Written != 0 || st.Queued != 0 {
			t.Errorf("stats: %+v; want the 10 lost", st)
		}
	})

	t.Run("RefusedBatchFails", func(t *testing.T) {
		s := open(t, h)
		p := player(t, s, "x")
		var seen []error
		var mu sync.Mutex
		w := store.NewWriter(s, store.WriterConfig{OnError: func(err error) { mu.Lock(); seen = append(seen, err); mu.Unlock() }})
		w.Result(store.Result{Game: "snake", Player: 1 << 40, At: t0}) // unknown player
		if err := w.Close(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if st := w.Stats(); st.Failed != 1 || st.Result.Failed != 1 || st.Chat != (store.KindStats{}) {
			t.Errorf("stats after a refused batch: %+v; want one result failed", st)
		}
		w = store.NewWriter(s, store.WriterConfig{})
		w.Result(store.Result{Game: "snake", Player: p.ID, At: t0})
		if err := w.Close(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if st := w.Stats(); st.Written != 1 {
			t.Errorf("the Writer after a refused batch: %+v", st)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(seen) != 1 || !errors.Is(seen[0], store.ErrInvalid) {
			t.Errorf("OnError saw %v, want one ErrInvalid", seen)
		}
	})
}

func outage(t *testing.T, h Harness) {
	s, down, up := h.Outage(t)
	defer s.Close()
	ps := players(t, s, 50)
	w := store.NewWriter(s, store.WriterConfig{Batch: 16, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, WriteTimeout: 2 * time.Second})
	for _, p := range ps[:10] {
		w.Result(store.Result{Game: "snake", Player: p.ID, At: t0})
	}
	down()
	for _, p := range ps[10:] {
		if !w.Result(store.Result{Game: "snake", Player: p.ID, At: t0}) {
			t.Fatal("hand-off refused")
		}
		for range 3 {
			if !w.Chat(store.ChatLine{Room: "r", Player: p.ID, Name: p.Name, Text: "gg", At: t0}) {
				t.Fatal("hand-off refused")
			}
		}
		if !w.Match(store.Match{Game: "snake", Room: "r", Started: t0, Ended: t0, Players: []store.MatchPlayer{{Player: p.ID, Name: p.Name}}}) {
			t.Fatal("hand-off refused")
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for w.Stats().Retries < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if w.Stats().Retries < 3 {
		t.Fatalf("no retries while the database is down: %+v", w.Stats())
	}
	up()
	if err := w.Close(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.Written != 50+120+40 || st.Lost != 0 || st.Failed != 0 || st.Match.Written != 40 {
		t.Errorf("stats after the outage: %+v; want all 210 written", st)
	}
	if r, c := countOf(t, s, "snake", "r"); r != 50 || c != 120 {
		t.Errorf("stored %d results and %d lines, want 50 and 120", r, c)
	}
	if ms, err := s.RecentMatches(ctxT(t), "snake", store.MaxLimit); err != nil || len(ms) != 40 {
		t.Errorf("stored %d matches, %v; want 40", len(ms), err)
	}
}
