package lobby_test

import (
	"testing"
	"time"

	"github.com/tickroom/tickroom/internal/testgame"
	"github.com/tickroom/tickroom/internal/wait"
	"github.com/tickroom/tickroom/lobby"
	"github.com/tickroom/tickroom/lobby/registrytest"
	"github.com/tickroom/tickroom/netcode"
)

func TestMemoryRegistryContract(t *testing.T) {
	t.Parallel()
	registrytest.Run(t, func(*testing.T) lobby.Registry { return lobby.NewMemoryRegistry() })
}

// TestEmptyRoomIsDisposed: a room left empty for its empty timeout ends and
// leaves the server and the registry; one with members stays.
func TestEmptyRoomIsDisposed(t *testing.T) {
	t.Parallel()
	typ, _ := testgame.Type("count", testgame.Options{})
	clk := fakeTime()
	e := newEnv(t, lobby.Config{Clock: clk}, typ)
	busy := e.dial(netcode.Hello{})
	left := e.dial(netcode.Hello{Room: busy.Welcome().Room})
	other, err := e.srv.CreateRoom(t.Context(), "", lobby.RoomConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := left.Leave(t.Context()); err != nil {
		t.Fatal(err)
	}
	advanceUntil(t, clk, lobby.DefaultEmptyTimeout/4, "the empty room to be disposed of", func() bool {
		select {
		case <-other.Done():
			return true
		default:
			return false
		}
	})
	wait.For(t, "the registry to drop the room", 5*time.Second, func() bool {
		_, err := e.srv.Registry().Get(t.Context(), other.ID())
		return err != nil
	})
	if _, ok := e.srv.Room(other.ID()); ok {
		t.Fatal("the server still lists the disposed room")
	}
	busyRoom, _ := e.srv.Room(busy.Welcome().Room)
	advanceRoom(t, clk, busyRoom, 2*lobby.DefaultEmptyTimeout)
	if _, ok := e.srv.Room(busy.Welcome().Room); !ok {
		t.Fatal("a room with a member was disposed of")
	}
}
