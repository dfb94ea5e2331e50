import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { InputLog } from '../src/sdk/inputs.js';
import { SnapshotBuffer } from '../src/sdk/snapshots.js';

const snap = (tick, extra = {}) => ({ tick, base: 0, ack: 0, ...extra });

describe('SnapshotBuffer', () => {
  test('keeps snapshots in tick order and drops old or repeated ticks', () => {
    const b = new SnapshotBuffer();
    assert.equal(b.push(snap(10)), true);
    assert.equal(b.push(snap(11)), true);
    assert.equal(b.push(snap(11)), false, 'a repeated tick');
    assert.equal(b.push(snap(9)), false, 'an older tick');
    assert.equal(b.push(snap(14)), true, 'skipped ticks are fine');
    assert.deepEqual(b.items.map((s) => s.tick), [10, 11, 14]);
    assert.equal(b.newest.tick, 14);
    assert.deepEqual(b.stats, { accepted: 3, stale: 2, deltas: 0, unpatched: 0, skippedTicks: 2 });
  });

  test('keeps patched deltas and counts them; drops deltas nobody patched', () => {
    const b = new SnapshotBuffer();
    b.push(snap(10));
    assert.equal(b.push(snap(11, { base: 10 })), false, 'a delta, not patched');
    assert.equal(b.stats.unpatched, 1);
    assert.equal(b.newest.tick, 10);
    assert.equal(b.push(snap(12, { base: 10, delta: true })), true, 'a full state patched from a delta');
    assert.equal(b.stats.deltas, 1);
    assert.equal(b.newest.tick, 12);
  });

  test('holds at most capacity snapshots, dropping the oldest', () => {
    const b = new SnapshotBuffer({ capacity: 3 });
    for (let t = 1; t <= 5; t++) b.push(snap(t));
    assert.deepEqual(b.items.map((s) => s.tick), [3, 4, 5]);
  });

  test('around finds the two snapshots and the fraction between them', () => {
    const b = new SnapshotBuffer();
    assert.equal(b.around(5), undefined);
    for (const t of [10, 11, 14]) b.push(snap(t));
    const at = (tick) => {
      const r = b.around(tick);
      return [r.from.tick, r.to.tick, r.alpha];
    };
    assert.deepEqual(at(9), [10, 10, 0], 'before the oldest');
    assert.deepEqual(at(10.25), [10, 11, 0.25]);
    assert.deepEqual(at(11), [11, 14, 0], 'on a snapshot');
    assert.deepEqual(at(12.5), [11, 14, 0.5], 'across skipped ticks');
    assert.deepEqual(at(20), [14, 14, 0], 'after the newest');
  });

  test('clear forgets everything, then accepts any tick', () => {
    const b = new SnapshotBuffer();
    b.push(snap(100));
    b.clear();
    assert.equal(b.push(snap(3)), true);
  });
});

describe('InputLog', () => {
  test('seqs count from 1 and restart on reset', () => {
    const l = new InputLog();
    assert.deepEqual([l.next(0), l.next(0), l.next(0)], [1, 2, 3]);
    l.reset();
    assert.equal(l.next(0), 1);
  });

  test('acks measure latency and never go back', () => {
    const l = new InputLog();
    l.next(100); // seq 1
    l.next(150); // seq 2
    l.next(160); // seq 3
    assert.equal(l.pending, 3);
    assert.equal(l.acknowledge(0, 170), undefined, 'ack 0 acknowledges nothing');
    assert.equal(l.acknowledge(2, 200), 50, 'latency of seq 2');
    assert.equal(l.ack, 2);
    assert.equal(l.pending, 1);
    assert.equal(l.acknowledge(1, 210), undefined, 'an older ack is ignored');
    assert.equal(l.ack, 2);
    assert.equal(l.acknowledge(3, 260), 100);
    assert.equal(l.latencyMs, 100);
    assert.equal(l.pending, 0);
  });
});
