package lobby

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/game"
	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/netcode"
	"github.com/tickroom/tickroom/store"
)

// TestHistorySeededFromStore: a room whose id comes back after a restart
// starts with its stored chat as history.
func TestHistorySeededFromStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.db")
	typ, _ := testgame.Type("count", testgame.Options{})
	run := func(say []string) *netcode.Message {
		st, err := store.Open(t.Context(), path)
		if err != nil {
			t.Fatal(err)
		}
		w := store.NewWriter(st, store.WriterConfig{})
		s := NewServer(Config{Store: st, Writer: w}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := s.Register(typ); err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(s)
		defer func() {
			if err := s.Shutdown(context.Background()); err != nil {
				t.Error(err)
			}
			hs.Close()
			if err := w.Close(context.Background()); err != nil {
				t.Error(err)
			}
			st.Close()
		}()
		if _, err := s.createRoom(t.Context(), "sameroom", "", RoomConfig{}, ""); err != nil {
			t.Fatal(err)
		}
		c, err := client.Dial(t.Context(), "ws"+strings.TrimPrefix(hs.URL, "http")+"/ws", client.Options{Hello: netcode.Hello{Room: "sameroom", Name: "ann"}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		var first *netcode.Message
		for _, text := range say {
			if err := c.SendChat(t.Context(), text); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		for seen := 0; seen < len(say) || first == nil; {
			m, err := c.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = &m
			}
			if m.Type == netcode.MsgEvent && m.Kind == EventChat {
				seen++
			}
		}
		wait.For(t, "the chat in the store", 10*time.Second, func() bool {
			lines, err := st.RecentChat(t.Context(), "sameroom", 20)
			return err == nil && len(lines) >= len(say)
		})
		return first
	}
	if m := run([]string{"one", "two"}); m.Type == netcode.MsgHistory {
		t.Fatalf("a new room sent a history: %v", m.History)
	}
	m := run(nil)
	if m.Type != netcode.MsgHistory || len(m.History) != 2 || m.History[0].Text != "one" || m.History[1].Text != "two" || m.History[0].Name != "ann" {
		t.Fatalf("after the restart the first message is %s %v; want the history of two lines", m.Type, m.History)
	}
}

// reportingGame is the test game reporting n results every step.
type reportingGame struct {
	game.Game
	n       int
	players []game.PlayerID
	pending []game.Result
}

func (g *reportingGame) Join(p game.PlayerID, name string) error {
	g.players = append(g.players, p)
	return g.Game.Join(p, name)
}

func (g *reportingGame) Step(tick uint32) []game.Event {
	for i := range g.n {
		g.pending = append(g.pending, game.Result{Player: g.players[i%len(g.players)], Score: int64(tick % 50), Kills: 1, Cause: "wall", Ticks: 40})
	}
	return g.Game.Step(tick)
}

func (g *reportingGame) AppendResults(dst []game.Result) []game.Result {
	dst = append(dst, g.pending...)
	g.pending = g.pending[:0]
	return dst
}

// discardStore takes every write and keeps nothing; its AddResults can
// be held, so that the Writer's goroutine sleeps while allocations are
// counted.
type discardStore struct {
	store.Store
	entered chan struct{} // closed on the first AddResults
	hold    chan struct{} // AddResults waits for it
}

func newDiscardStore(hold bool) *discardStore {
	d := &discardStore{entered: make(chan struct{}), hold: make(chan struct{})}
	if !hold {
		close(d.hold)
	}
	return d
}

func (d *discardStore) AddResults(ctx context.Context, _ []store.Result) error {
	select {
	case <-d.entered:
	default:
		close(d.entered)
	}
	select {
	case <-d.hold:
	case <-ctx.Done():
	}
	return nil
}
func (*discardStore) AddChat(context.Context, []store.ChatLine) error { return nil }
func (*discardStore) AddMatches(context.Context, []store.Match) error { return nil }
func (*discardStore) Ping(context.Context) error                      { return nil }

// resultsRoom is a room of 8 returning players whose game reports n
// results a tick, stepped by the caller.
func resultsRoom(tb testing.TB, n int, w *store.Writer) *Room {
	tb.Helper()
	base, _ := testgame.Type("count", testgame.Options{})
	typ := game.Type{Name: "count", New: func(s game.Setup) (game.Game, error) {
		g, err := base.New(s)
		return &reportingGame{Game: g, n: n}, err
	}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := NewServer(Config{}, log)
	tb.Cleanup(func() { s.Shutdown(context.Background()) })
	r, err := newRoom("bench", typ, RoomConfig{TickRate: 20, MaxPlayers: 8, Seed: 1}, systemClock{}, log, s.met, func(*Room) {})
	if err != nil {
		tb.Fatal(err)
	}
	r.writer = w
	for i := range 8 {
		m := &member{room: r, player: game.PlayerID(i + 1), stable: int64(100 + i), name: fmt.Sprintf("p%d", i), events: eventLog{limit: DefaultEventLog}}
		if err := r.sim.Join(m.player, m.name); err != nil {
			tb.Fatal(err)
		}
		r.members = append(r.members, m)
	}
	return r
}

// TestResultsHandOffAllocatesNothing: once warm, handing a tick's results
// to the Writer allocates nothing on the room goroutine. The Writer's
// goroutine is held in its first write meanwhile, so that only the
// room's side is counted.
func TestResultsHandOffAllocatesNothing(t *testing.T) {
	d := newDiscardStore(true)
	w := store.NewWriter(d, store.WriterConfig{Queue: 8192})
	defer func() {
		close(d.hold)
		if err := w.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	r := resultsRoom(t, 8, w)
	r.sim.Step(1)
	r.report(nil) // warm: the scratch and the match lines grow once
	<-d.entered
	tick := uint32(1)
	allocs := testing.AllocsPerRun(200, func() {
		tick++
		r.sim.Step(tick)
		r.report(nil)
	})
	if allocs != 0 {
		t.Errorf("handing off a tick's 8 results allocates %v times", allocs)
	}
	if st := w.Stats(); st.Result.Lost != 0 || st.Result.Queued < 8*200 {
		t.Errorf("writer: %+v", st.Result)
	}
	if len(r.match) != 8 || r.match[0].kills != int64(tick) || r.match[0].stable != 100 {
		t.Errorf("match lines %+v", r.match)
	}
}

// BenchmarkResultsHandOff is the cost, on the room goroutine, of taking a
// tick's 8 results from the game and handing them to the Writer (the
// Writer's goroutine, writing to a store that keeps nothing, runs
// meanwhile and its allocations count too).
func BenchmarkResultsHandOff(b *testing.B) {
	w := store.NewWriter(newDiscardStore(false), store.WriterConfig{})
	r := resultsRoom(b, 8, w)
	tick := uint32(0)
	b.ReportAllocs()
	for b.Loop() {
		tick++
		r.sim.Step(tick)
		r.report(nil)
	}
	b.StopTimer()
	if err := w.Close(context.Background()); err != nil {
		b.Fatal(err)
	}
}
