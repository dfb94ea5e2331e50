package cluster

import (
	"cmp"
	"net/url"
	"slices"

	"github.com/tickroom/tickroom/lobby"
)

var _ lobby.Cluster = (*Directory)(nil)

// PlaceRoom returns the public URL of the node where a room that quick
// play opens should go, or "" when that is this node: the node with the
// fewest players that is not draining, then the fewest rooms. This node
// keeps the room unless another is strictly less loaded, so that two
// nodes whose views of each other lag (loads are a second old) do not
// send a player back and forth.
func (d *Directory) PlaceRoom() string {
	nodes := slices.DeleteFunc(d.Nodes(), func(n NodeInfo) bool { return n.Draining })
	if len(nodes) == 0 {
		return "" // every node drains: this one refuses as a lone server would
	}
	load := func(a, b NodeInfo) int {
		return cmp.Or(cmp.Compare(a.Players, b.Players), cmp.Compare(a.Rooms, b.Rooms), cmp.Compare(a.ID, b.ID))
	}
	best := slices.MinFunc(nodes, load)
	d.mu.Lock()
	self := d.self
	d.mu.Unlock()
	if best.ID == self.ID || (!self.Draining && best.Players == self.Players && best.Rooms == self.Rooms) {
		return ""
	}
	return best.PublicURL
}

// Origins returns the hosts (host:port) of the live nodes' public URLs,
// so that a page one node serves may use the others.
func (d *Directory) Origins() []string {
	var out []string
	for _, n := range d.Nodes() {
		if u, err := url.Parse(n.PublicURL); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}
