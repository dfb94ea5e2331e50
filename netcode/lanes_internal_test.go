package netcode

import (
	"sync"
	"testing"
)

func TestReliableQueueFIFO(t *testing.T) {
	t.Parallel()
	q := reliableQueue{limit: 8}
	for i := range 5 {
		if !q.push(outgoing{seq: uint32(i + 1)}) {
			t.Fatalf("push %d refused below the limit", i+1)
		}
	}
	if got, want := q.len(), 5; got != want {
		t.Errorf("len: got %d, want %d", got, want)
	}
	items := q.swap(nil)
	if got, want := len(items), 5; got != want {
		t.Fatalf("swap: got %d items, want %d", got, want)
	}
	for i, m := range items {
		if got, want := m.seq, uint32(i+1); got != want {
			t.Errorf("item %d: got seq %d, want %d", i, got, want)
		}
	}
	if got := q.len(); got != 0 {
		t.Errorf("len after swap: got %d, want 0", got)
	}
	if got := q.swap(nil); len(got) != 0 {
		t.Errorf("second swap: got %d items, want 0", len(got))
	}
}

func TestReliableQueueRefusesAtLimit(t *testing.T) {
	t.Parallel()
	q := reliableQueue{limit: 3}
	for i := range 3 {
		if !q.push(outgoing{seq: uint32(i + 1)}) {
			t.Fatalf("push %d refused below the limit", i+1)
		}
	}
	for range 2 {
		if q.push(outgoing{seq: 99}) {
			t.Fatal("push at the limit: got accepted, want refused")
		}
	}
	items := q.swap(nil)
	if got, want := len(items), 3; got != want {
		t.Fatalf("after refusals: got %d items, want %d", got, want)
	}
	for i, m := range items {
		if got, want := m.seq, uint32(i+1); got != want {
			t.Errorf("item %d: got seq %d, want %d (refusal must keep what was queued)", i, got, want)
		}
	}
	// Swapping frees the room again.
	if !q.push(outgoing{seq: 4}) {
		t.Error("push after swap: refused, want accepted")
	}
}

// TestReliableQueueSwapReusesSpare is not parallel: it counts allocations.
func TestReliableQueueSwapReusesSpare(t *testing.T) {
	q := reliableQueue{limit: 16}
	spare := make([]outgoing, 3, 16)
	spare[0] = outgoing{seq: 77}
	q.push(outgoing{seq: 1})
	first := q.swap(spare)
	if len(first) != 1 || first[0].seq != 1 {
		t.Fatalf("swap: got %+v, want one item with seq 1", first)
	}
	q.push(outgoing{seq: 2})
	q.push(outgoing{seq: 3})
	second := q.swap(first)
	if len(second) != 2 {
		t.Fatalf("second swap: got %d items, want 2", len(second))
	}
	if &second[0] != &spare[0] {
		t.Error("the queue did not reuse the spare array it was given")
	}
	if second[0].seq != 2 || second[1].seq != 3 {
		t.Errorf("second swap: got seqs %d, %d; want 2, 3 (old contents of spare must not leak)", second[0].seq, second[1].seq)
	}
	// Steady state, the writer's pattern, does not allocate.
	spare = second
	cycle := func() {
		q.push(outgoing{seq: 5})
		q.push(outgoing{seq: 6})
		spare = q.swap(spare)
	}
	cycle()
	cycle() // both arrays have grown to size
	if allocs := testing.AllocsPerRun(100, cycle); allocs != 0 {
		t.Errorf("push and swap in steady state: got %v allocations, want 0", allocs)
	}
}

func TestSnapshotSlot(t *testing.T) {
	t.Parallel()
	var s snapshotSlot
	if _, _, ok := s.take(); ok {
		t.Fatal("take from an empty slot: got a snapshot")
	}
	if tick, pending := s.peek(); tick != 0 || pending {
		t.Errorf("peek at an empty slot: got %d, %v; want 0, false", tick, pending)
	}
	s1, s2, s3 := &Snapshot{Tick: 1}, &Snapshot{Tick: 2}, &Snapshot{Tick: 3}
	if s.put(s1, 10) {
		t.Error("first put: reported replaced")
	}
	if !s.put(s2, 20) {
		t.Error("put over an unsent snapshot: did not report replaced")
	}
	if tick, pending := s.peek(); tick != 2 || !pending {
		t.Errorf("peek: got %d, %v; want 2, true", tick, pending)
	}
	snap, ack, ok := s.take()
	if !ok || snap != s2 || ack != 20 {
		t.Errorf("take: got %v, %d, %v; want tick 2, ack 20, true", snap, ack, ok)
	}
	if _, _, ok := s.take(); ok {
		t.Error("second take: got a snapshot, want an empty slot")
	}
	if tick, pending := s.peek(); tick != 2 || pending {
		t.Errorf("peek after take: got %d, %v; want 2, false", tick, pending)
	}
	if s.put(s3, 30) {
		t.Error("put after take: reported replaced, but nothing was pending")
	}
}

// TestSnapshotSlotConcurrent: under -race, a publisher and a writer share
// the slot; every put is either taken or counted as replaced, and the
// writer sees ticks only increase.
func TestSnapshotSlotConcurrent(t *testing.T) {
	t.Parallel()
	const n = 20000
	var s snapshotSlot
	snaps := make([]Snapshot, n)
	for i := range snaps {
		snaps[i].Tick = uint32(i + 1)
	}
	var replaced int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range snaps {
			if s.put(&snaps[i], uint32(i)) {
				replaced++
			}
		}
	}()
	var taken int
	var last uint32
	take := func() {
		if snap, ack, ok := s.take(); ok {
			if snap.Tick <= last {
				t.Errorf("took tick %d after %d", snap.Tick, last)
			}
			if ack != snap.Tick-1 {
				t.Errorf("tick %d came with ack %d, want %d", snap.Tick, ack, snap.Tick-1)
			}
			last = snap.Tick
			taken++
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		take()
	}
	take()
	if got := taken + replaced; got != n {
		t.Errorf("taken %d + replaced %d = %d, want %d", taken, replaced, got, n)
	}
	if last != n {
		t.Errorf("last tick taken: got %d, want %d", last, n)
	}
}

func TestReliableQueueConcurrent(t *testing.T) {
	t.Parallel()
	const producers, each = 4, 2000
	q := reliableQueue{limit: producers * each}
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			for i := range each {
				if !q.push(outgoing{seq: uint32(p*each + i)}) {
					t.Errorf("push refused below the limit")
					return
				}
			}
		})
	}
	next := make([]uint32, producers) // per producer, the next seq expected
	for p := range next {
		next[p] = uint32(p * each)
	}
	var spare []outgoing
	got := 0
	check := func() {
		items := q.swap(spare)
		for _, m := range items {
			p := int(m.seq) / each
			if m.seq != next[p] {
				t.Fatalf("producer %d: got seq %d, want %d (FIFO per producer)", p, m.seq, next[p])
			}
			next[p]++
			got++
		}
		spare = items
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for running := true; running; {
		select {
		case <-finished:
			running = false
		default:
		}
		check()
	}
	check()
	if want := producers * each; got != want {
		t.Errorf("got %d items, want %d", got, want)
	}
}

func BenchmarkReliablePush(b *testing.B) {
	ev := &Event{Tick: 1, Kind: "k"}
	q := reliableQueue{limit: 256}
	var spare []outgoing
	b.ReportAllocs()
	var seq uint32
	for b.Loop() {
		seq++
		if !q.push(outgoing{event: ev, seq: seq}) {
			items := q.swap(spare)
			clear(items)
			spare = items
			q.push(outgoing{event: ev, seq: seq})
		}
	}
}
