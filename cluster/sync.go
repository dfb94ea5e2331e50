package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tickroom/tickroom/netcode"
)

// write is the writer goroutine: it sends the recorded changes as they
// come, and every heartbeat it puts this node's entries again, which
// keeps them from expiring and brings back any that a lost connection
// kept from NATS.
func (d *Directory) write(ctx context.Context) {
	beat := time.NewTicker(d.cfg.TTL / 3)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.kick:
			d.flush(ctx, false)
		case <-beat.C:
			d.flush(ctx, true)
		}
	}
}

// flush sends the pending changes, or with all every entry of this node.
// A change that fails stays pending for the next try.
func (d *Directory) flush(ctx context.Context, all bool) {
	d.mu.Lock()
	work := make(map[string]bool, len(d.dirty))
	for id, put := range d.dirty {
		work[id] = put
	}
	if all {
		for id := range d.own {
			work[id] = true
		}
	}
	clear(d.dirty)
	self := d.self
	entries := make(map[string]netcode.RoomInfo, len(work))
	for id, put := range work {
		if put {
			entries[id] = d.own[id]
		}
	}
	d.mu.Unlock()

	if d.lost() {
		d.recreate(ctx)
	}
	var failed error
	for id, put := range work {
		var err error
		if put {
			b, _ := json.Marshal(entries[id]) // a RoomInfo always encodes
			err = d.call(ctx, func(ctx context.Context) error { _, err := d.rooms.Put(ctx, id, b); return err })
		} else {
			err = d.call(ctx, func(ctx context.Context) error { return d.rooms.Delete(ctx, id) })
		}
		if err != nil && ctx.Err() == nil {
			failed = err
			d.mu.Lock()
			if _, newer := d.dirty[id]; !newer {
				d.dirty[id] = put
			}
			d.mu.Unlock()
		}
	}
	b, _ := json.Marshal(self)
	if err := d.call(ctx, func(ctx context.Context) error { _, err := d.nodes.Put(ctx, d.cfg.NodeID, b); return err }); err != nil && ctx.Err() == nil {
		failed = err
	}
	d.mu.Lock()
	was := d.err
	d.err = failed
	if failed != nil {
		d.failures++
	} else {
		d.wrote = time.Now()
	}
	d.mu.Unlock()
	switch {
	case failed != nil && was == nil:
		d.cfg.Log.Warn("cluster directory: writes to NATS failing; retrying every heartbeat", "err", failed)
	case failed == nil && was != nil:
		d.cfg.Log.Info("cluster directory: writes to NATS work again")
	}
}

// lost reports whether the last writes failed for want of the buckets: a
// NATS server that restarted without its JetStream data (the buckets are
// in memory) has none.
func (d *Directory) lost() bool {
	d.mu.Lock()
	err := d.err
	d.mu.Unlock()
	return errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound) ||
		errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders)
}

// recreate makes the buckets again; the heartbeat that follows puts the
// node's entries back, and every other node does the same.
func (d *Directory) recreate(ctx context.Context) {
	for _, name := range []string{d.cfg.RoomsBucket, d.cfg.NodesBucket} {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		_, err := d.js.CreateOrUpdateKeyValue(cctx, bucketConfig(name, d.cfg.TTL))
		cancel()
		if err != nil {
			d.cfg.Log.Debug("cluster directory: bucket not made again yet", "bucket", name, "err", err)
			return
		}
	}
	d.cfg.Log.Info("cluster directory: buckets made again after NATS lost them")
}

// watch keeps the local copy of a bucket current: it applies every
// change the bucket's watcher reports, and starts a new watcher (which
// begins with the whole bucket) when one ends, and after the connection
// to NATS came back, since a watcher may then stay silent for ever (its
// stream may be a new one). ready gets a value once the first view is
// complete.
func (d *Directory) watch(ctx context.Context, kv jetstream.KeyValue, apply func(key string, value []byte, live bool), ready chan<- struct{}) {
	first := true
	check := time.NewTicker(d.cfg.TTL / 3)
	defer check.Stop()
	for wait := 100 * time.Millisecond; ctx.Err() == nil; wait = min(2*wait, 2*time.Second) {
		reconnects := d.nc.Stats().Reconnects
		w, err := kv.WatchAll(ctx)
		if err == nil {
			fresh := make(map[string]bool)
		updates:
			for {
				select {
				case <-ctx.Done():
					break updates
				case <-check.C:
					if d.nc.Stats().Reconnects != reconnects {
						break updates
					}
				case e, ok := <-w.Updates():
					switch {
					case !ok:
						break updates
					case e == nil: // the initial values are all in
						d.forgetAbsent(kv, fresh)
						fresh = nil
						wait = 100 * time.Millisecond
						if first {
							first = false
							ready <- struct{}{}
						}
					default:
						live := e.Operation() == jetstream.KeyValuePut
						if fresh != nil && live {
							fresh[e.Key()] = true
						}
						apply(e.Key(), e.Value(), live)
					}
				}
			}
			w.Stop()
		}
		if ctx.Err() == nil {
			d.cfg.Log.Debug("cluster directory: watching again", "bucket", kv.Bucket(), "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// forgetAbsent drops the entries of a bucket that a new watcher's first
// view did not have: they expired while no watcher was there to hear it.
func (d *Directory) forgetAbsent(kv jetstream.KeyValue, present map[string]bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if kv == d.rooms {
		for id := range d.seen {
			if !present[id] {
				delete(d.seen, id)
			}
		}
		return
	}
	for id := range d.peers {
		if !present[id] {
			delete(d.peers, id)
		}
	}
}

func (d *Directory) roomChanged(id string, value []byte, live bool) {
	var info netcode.RoomInfo
	if live && (json.Unmarshal(value, &info) != nil || info.ID != id) {
		d.cfg.Log.Warn("cluster directory: a room entry that does not decode; ignored", "room", id)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if live {
		d.seen[id] = info
	} else {
		delete(d.seen, id)
	}
}

func (d *Directory) nodeChanged(id string, value []byte, live bool) {
	var n NodeInfo
	if live && (json.Unmarshal(value, &n) != nil || n.ID != id) {
		d.cfg.Log.Warn("cluster directory: a node entry that does not decode; ignored", "node", id)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if live {
		d.peers[id] = n
	} else {
		delete(d.peers, id)
	}
}
