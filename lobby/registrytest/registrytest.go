// Package registrytest is the contract every lobby.Registry must pass: the
// in-process MemoryRegistry now, a distributed one later. Call Run from the
// implementation's tests.
package registrytest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tickroom/tickroom/lobby"
)

// Run checks the registry that newRegistry returns (a fresh, empty one per
// call) against the contract of lobby.Registry.
func Run(t *testing.T, newRegistry func(t *testing.T) lobby.Registry) {
	t.Run("PutGetDelete", func(t *testing.T) {
		r, ctx := newRegistry(t), context.Background()
		info := lobby.RoomInfo{ID: "r1", Game: "snake", Players: 2, MaxPlayers: 8, Node: "ws://node-a:8080/ws"}
		if err := r.Put(ctx, info); err != nil {
			t.Fatal(err)
		}
		got, err := r.Get(ctx, "r1")
		if err != nil || got.ID != "r1" || got.Players != 2 || got.Node != info.Node {
			t.Fatalf("Get: %+v, %v; want what was put", got, err)
		}
		info.Players = 3
		if err := r.Put(ctx, info); err != nil {
			t.Fatal(err)
		}
		if got, _ := r.Get(ctx, "r1"); got.Players != 3 {
			t.Fatalf("after a second Put: %d players, want 3", got.Players)
		}
		if err := r.Delete(ctx, "r1"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Get(ctx, "r1"); !errors.Is(err, lobby.ErrRoomNotFound) {
			t.Fatalf("Get after Delete: %v, want ErrRoomNotFound", err)
		}
		if err := r.Delete(ctx, "r1"); err != nil {
			t.Fatalf("deleting an absent room: %v, want no error", err)
		}
	})
	t.Run("ListFiltersAndOrders", func(t *testing.T) {
		r, ctx := newRegistry(t), context.Background()
		for _, info := range []lobby.RoomInfo{
			{ID: "c", Game: "snake", Players: 8, MaxPlayers: 8},
			{ID: "a", Game: "snake", Players: 1, MaxPlayers: 8},
			{ID: "b", Game: "chess", Players: 0, MaxPlayers: 2},
			{ID: "d", Game: "snake", Players: 0, MaxPlayers: 8, Private: true},
		} {
			if err := r.Put(ctx, info); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			f    lobby.Filter
			want string
		}{
			{lobby.Filter{}, "abc"},
			{lobby.Filter{Game: "snake"}, "ac"},
			{lobby.Filter{MinFree: 1}, "ab"},
			{lobby.Filter{MinFree: 3}, "a"},
			{lobby.Filter{IncludePrivate: true, Game: "snake"}, "acd"},
		} {
			rooms, err := r.List(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, x := range rooms {
				got += x.ID
			}
			if got != tc.want {
				t.Errorf("List(%+v) = %q, want %q (ordered by id)", tc.f, got, tc.want)
			}
		}
	})
	t.Run("ListPages", func(t *testing.T) {
		r, ctx := newRegistry(t), context.Background()
		for _, id := range []string{"e", "a", "d", "b", "c"} {
			if err := r.Put(ctx, lobby.RoomInfo{ID: id, Game: "snake", MaxPlayers: 8}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		after := ""
		for range 5 {
			page, err := r.List(ctx, lobby.Filter{After: after, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 2 {
				t.Fatalf("page of %d rooms with Limit 2", len(page))
			}
			if len(page) == 0 {
				break
			}
			for _, info := range page {
				got = append(got, info.ID)
			}
			after = page[len(page)-1].ID
		}
		if fmt.Sprint(got) != "[a b c d e]" {
			t.Fatalf("paging by 2 listed %v, want [a b c d e]", got)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		r, ctx := newRegistry(t), context.Background()
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				id := fmt.Sprint("room", i)
				r.Put(ctx, lobby.RoomInfo{ID: id, Game: "snake", MaxPlayers: 8})
				r.List(ctx, lobby.Filter{})
				if i%2 == 0 {
					r.Delete(ctx, id)
				}
			})
		}
		wg.Wait()
		rooms, err := r.List(ctx, lobby.Filter{})
		if err != nil || len(rooms) != 10 {
			t.Fatalf("%d rooms (%v), want the 10 not deleted", len(rooms), err)
		}
	})
}
