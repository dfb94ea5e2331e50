package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tickroom/tickroom/bench/bot"
	"github.com/tickroom/tickroom/bench/internal/loopback"
	"github.com/tickroom/tickroom/clients/go/client"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/netcode"
)

// roomSizes lists the players of every public room.
func roomSizes(t *testing.T, wsURL string) []int {
	t.Helper()
	api, err := client.NewAPI(wsURL, client.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	page, err := api.ListRooms(ctx, client.RoomFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range page.Rooms {
		sizes = append(sizes, r.Players)
	}
	return sizes
}

func TestSwarmPlays(t *testing.T) {
	t.Parallel()
	type run struct {
		mode      bot.JoinMode
		transport bot.Transport
		deltas    bool
	}
	runs := []run{{bot.JoinMatchmake, bot.TransportClient, false}, {bot.JoinQuick, bot.TransportClient, false}}
	if bot.DefaultTransport() == bot.TransportPoll {
		runs = append(runs, run{bot.JoinMatchmake, bot.TransportPoll, false}, run{bot.JoinQuick, bot.TransportPoll, true})
	}
	for _, r := range runs {
		mode := r.mode
		t.Run(fmt.Sprintf("%s/%s/deltas=%v", mode, r.transport, r.deltas), func(t *testing.T) {
			t.Parallel()
			url := loopback.Start(t, lobby.Config{Room: lobby.RoomConfig{SendDeltas: r.deltas}})
			s, err := bot.NewSwarm(bot.SwarmConfig{URL: url, Join: mode, RoomsOf: 8, JoinRate: 500, Seed: 1,
				Transport: r.transport, Deltas: r.deltas, ShareStates: r.deltas})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			joined := 0
			if err := s.Grow(ctx, 16, func(n int) { joined = n }); err != nil {
				t.Fatal(err)
			}
			if joined != 16 || s.Started() != 16 {
				t.Fatalf("progress said %d joined, %d started; want 16", joined, s.Started())
			}
			sizes := roomSizes(t, url)
			if len(sizes) != 2 || sizes[0] != 8 || sizes[1] != 8 {
				t.Errorf("rooms of %v players, want two of 8", sizes)
			}
			time.Sleep(1500 * time.Millisecond)
			s.Close()
			// Close is a normal close of every bot: their seats end.
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				seated := 0
				for _, n := range roomSizes(t, url) {
					seated += n
				}
				if seated == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d players still seated 5 s after the swarm closed: rooms of %v", seated, roomSizes(t, url))
				}
			}
			tot := s.Totals().All()
			if r.deltas && tot.Deltas == 0 {
				t.Error("bots asked for deltas and got none")
			}
			if tot.Joined != 16 || tot.JoinFailed != 0 {
				t.Errorf("joined %d, failed %d; want 16 and 0", tot.Joined, tot.JoinFailed)
			}
			if tot.Snapshots < 16*10 {
				t.Errorf("%d snapshots in 1.5 s for 16 bots at 20 Hz", tot.Snapshots)
			}
			if tot.Events == 0 {
				t.Error("no event received (joins, spawns)")
			}
			if tot.Lost != 0 || tot.Duplicated != 0 || tot.Disconnects != 0 || tot.BadSnapshots != 0 {
				t.Errorf("lost %d, duplicated %d, disconnects %d %v, bad snapshots %d; want none",
					tot.Lost, tot.Duplicated, tot.Disconnects, tot.Closes, tot.BadSnapshots)
			}
			if tot.Inputs > 0 && tot.Acked == 0 {
				t.Errorf("%d inputs, none acknowledged", tot.Inputs)
			}
			if tot.Latency.Count() != tot.Acked {
				t.Errorf("%d latencies for %d acks", tot.Latency.Count(), tot.Acked)
			}
		})
	}
}

// TestSwarmDropsAndResumes runs stallers and reconnecters against a server
// with a short heartbeat: stallers are dropped for missing pongs,
// reconnecters drop themselves, and both resume their seat without losing
// an event.
func TestSwarmDropsAndResumes(t *testing.T) {
	t.Parallel()
	url := loopback.Start(t, lobby.Config{
		Room: lobby.RoomConfig{ResumeGrace: 10 * time.Second},
		Conn: netcode.Config{PingInterval: 100 * time.Millisecond, PongTimeout: 400 * time.Millisecond},
	})
	s, err := bot.NewSwarm(bot.SwarmConfig{
		URL: url, RoomsOf: 8, JoinRate: 500, Seed: 2, Stallers: 0.25, Reconnecters: 0.25,
		Behaviour: bot.Behaviour{StallEvery: 1500 * time.Millisecond, StallFor: time.Second, ReconnectEvery: 500 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Grow(ctx, 8, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second)
	s.Close()
	tot := s.Totals()
	stall, rec, all := tot.Role(bot.Staller), tot.Role(bot.Reconnecter), tot.All()
	if stall.Joined != 2 || rec.Joined != 2 {
		t.Fatalf("%d stallers and %d reconnecters, want 2 and 2", stall.Joined, rec.Joined)
	}
	if stall.Stalls == 0 || stall.Planned == 0 || stall.Resumed == 0 {
		t.Errorf("stallers: %d stalls, %d drops, %d resumed; want some of each", stall.Stalls, stall.Planned, stall.Resumed)
	}
	if rec.Planned < 4 || rec.Resumed < 4 {
		t.Errorf("reconnecters: %d drops, %d resumed in 4 s; want at least 4", rec.Planned, rec.Resumed)
	}
	if all.Lost != 0 || all.Disconnects != 0 || all.ResumeFailed != 0 {
		t.Errorf("lost %d, unplanned disconnects %d %v, resumes refused %d; want none",
			all.Lost, all.Disconnects, all.Closes, all.ResumeFailed)
	}
	if keep := tot.KeepingUp(); keep.Snapshots == 0 {
		t.Error("the bots that keep up got no snapshot")
	}
}

func TestSwarmRefusedJoinsCounted(t *testing.T) {
	t.Parallel()
	url := loopback.Start(t, lobby.Config{MaxConns: 3})
	s, err := bot.NewSwarm(bot.SwarmConfig{URL: url, Join: bot.JoinQuick, JoinRate: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Grow(context.Background(), 5, nil); err != nil {
		t.Fatal(err)
	}
	tot := s.Totals().All()
	if tot.Joined != 3 || tot.JoinFailed != 2 {
		t.Errorf("joined %d, failed %d; want 3 and 2", tot.Joined, tot.JoinFailed)
	}
}

func TestSwarmConfigErrors(t *testing.T) {
	t.Parallel()
	for _, cfg := range []bot.SwarmConfig{
		{URL: "http://x/ws"},
		{URL: "ws://x/ws", Join: "teleport"},
		{URL: "ws://x/ws", Stallers: 0.7, Reconnecters: 0.7},
	} {
		if s, err := bot.NewSwarm(cfg); err == nil {
			s.Close()
			t.Errorf("NewSwarm(%+v) succeeded", cfg)
		}
	}
}
