package lobby

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/tickroom/tickroom/netcode"
)

// RoomInfo is what the registry knows of a room: enough to list it and to
// route a client to the process that hosts it. It is the HTTP API's room
// entry, netcode.RoomInfo, so that clients decode the listing with the
// same type.
type RoomInfo = netcode.RoomInfo

// Filter selects rooms in a listing. Zero fields match everything.
type Filter struct {
	Game string
	// MinFree keeps rooms with at least this many free seats.
	MinFree int
	// IncludePrivate lists private rooms too (never for public listings).
	IncludePrivate bool
	// After keeps rooms whose id sorts after it: the cursor of a paged
	// listing, the last id of the page before.
	After string
	// Limit keeps the first Limit matches; 0 keeps all.
	Limit int
}

// Match reports whether a room entry passes the filter: all but Limit,
// which the listing applies.
func (f Filter) Match(r RoomInfo) bool {
	return (f.Game == "" || r.Game == f.Game) &&
		r.MaxPlayers-r.Players >= f.MinFree &&
		(f.IncludePrivate || !r.Private) &&
		r.ID > f.After
}

// Registry is the directory of rooms. Today it serves the listings (GET
// /api/rooms) while routing uses the server's own rooms; its shape is for
// a directory that several servers share (RoomInfo.Node, Get for a room
// hosted elsewhere), so it does not assume that a room lives in this
// process, and since a remote implementation can fail, every call takes a
// context and returns an error. The in-process MemoryRegistry is the
// default.
type Registry interface {
	// Put creates or replaces a room's entry.
	Put(ctx context.Context, info RoomInfo) error
	// Get returns a room's entry, or an error wrapping ErrRoomNotFound.
	Get(ctx context.Context, id string) (RoomInfo, error)
	// List returns the rooms that match f, ordered by id, at most f.Limit
	// of them when it is set.
	List(ctx context.Context, f Filter) ([]RoomInfo, error)
	// Delete removes a room's entry; deleting an absent room is no error.
	Delete(ctx context.Context, id string) error
}

// MemoryRegistry is a Registry for one process.
type MemoryRegistry struct {
	mu    sync.Mutex
	rooms map[string]RoomInfo
}

var _ Registry = (*MemoryRegistry)(nil)

// NewMemoryRegistry returns an empty registry.
func NewMemoryRegistry() *MemoryRegistry {
	return &MemoryRegistry{rooms: make(map[string]RoomInfo)}
}

// Put implements Registry.
func (m *MemoryRegistry) Put(_ context.Context, info RoomInfo) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rooms[info.ID] = info
	return nil
}

// Get implements Registry.
func (m *MemoryRegistry) Get(_ context.Context, id string) (RoomInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	info, ok := m.rooms[id]
	if !ok {
		return RoomInfo{}, fmt.Errorf("lobby: room %q: %w", id, ErrRoomNotFound)
	}
	return info, nil
}

// List implements Registry.
func (m *MemoryRegistry) List(_ context.Context, f Filter) ([]RoomInfo, error) {
	m.mu.Lock()
	out := make([]RoomInfo, 0, len(m.rooms))
	for _, r := range m.rooms {
		if f.Match(r) {
			out = append(out, r)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b RoomInfo) int { return strings.Compare(a.ID, b.ID) })
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// Delete implements Registry.
func (m *MemoryRegistry) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rooms, id)
	return nil
}
