import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { TickClock, frameAt, snakePath } from '../src/game/interp.js';
import { Status } from '../src/game/snake.js';
import { SnapshotBuffer } from '../src/sdk/snapshots.js';

const W = 10;
const alive = (cells, extra = {}) => ({ player: 1, status: Status.ALIVE, cells, dir: 1, ...extra });
const dead = { player: 1, status: Status.DEAD, cells: [], dir: 0 };
const round = (pts) => pts.map(([x, y]) => [Math.round(x * 1000) / 1000, Math.round(y * 1000) / 1000]);

describe('snakePath', () => {
  // A snake moving right along row 0: cells 2,1,0 then 3,2,1.
  const a = alive([2, 1, 0]);
  const b = alive([3, 2, 1]);

  test('at the ends it is each snapshot', () => {
    assert.deepEqual(snakePath(a, b, 0, W), [[2, 0], [1, 0], [0, 0]]);
    assert.deepEqual(snakePath(a, b, 1, W), [[3, 0], [2, 0], [1, 0]]);
  });

  test('half way, head and tail have both moved half a cell', () => {
    assert.deepEqual(round(snakePath(a, b, 0.5, W)), [[2.5, 0], [2, 0], [1, 0], [0.5, 0]]);
  });

  test('round a corner', () => {
    // (1,1) heading right, then turns down: 11,10,0 -> 21,11,10
    const p = snakePath(alive([11, 10, 0]), alive([21, 11, 10]), 0.25, W);
    assert.deepEqual(round(p), [[1, 1.25], [1, 1], [0, 1], [0, 0.25]]);
  });

  test('a snake that grew keeps its tail', () => {
    const grown = alive([3, 2, 1, 0]);
    assert.deepEqual(round(snakePath(a, grown, 0.5, W)), [[2.5, 0], [2, 0], [1, 0], [0, 0]]);
  });

  test('across two ticks (a skipped snapshot)', () => {
    const c = alive([4, 3, 2]);
    assert.deepEqual(round(snakePath(a, c, 0.5, W)), [[3, 0], [2, 0], [1, 0]]);
  });

  test('a snake that died stays until the next snapshot, then goes', () => {
    assert.deepEqual(snakePath(a, dead, 0.9, W), [[2, 0], [1, 0], [0, 0]]);
    assert.equal(snakePath(a, dead, 1, W), null);
    assert.equal(snakePath(dead, dead, 0.5, W), null);
  });

  test('a new or respawned snake appears where it is', () => {
    assert.deepEqual(snakePath(undefined, b, 0.1, W), [[3, 0], [2, 0], [1, 0]]);
    const elsewhere = alive([55, 54, 53]);
    assert.deepEqual(snakePath(a, elsewhere, 0.4, W), [[2, 0], [1, 0], [0, 0]]);
    assert.deepEqual(snakePath(a, elsewhere, 0.6, W), [[5, 5], [4, 5], [3, 5]]);
  });
});

describe('TickClock', () => {
  test('follows the earliest arrivals and drifts slowly with later ones', () => {
    const c = new TickClock(20); // 50 ms a tick
    assert.equal(c.tickAt(0), undefined);
    c.observe(100, 10_000); // tick 100 at 10 s
    assert.equal(c.tickAt(10_000), 100);
    assert.equal(c.tickAt(10_025), 100.5);
    c.observe(101, 10_040); // early: adopted at once
    assert.equal(c.tickAt(10_040), 101);
    c.observe(102, 10_140); // 50 ms late: moves only a little
    const t = c.tickAt(10_140);
    assert.ok(t > 102.9 && t < 103, `tick ${t}`);
  });

  test('reset takes a new tick rate', () => {
    const c = new TickClock(20);
    c.observe(1, 0);
    c.reset(10);
    assert.equal(c.tickAt(0), undefined);
    c.observe(10, 1000);
    assert.equal(c.tickAt(1100), 11);
  });
});

describe('frameAt', () => {
  test('interpolates every snake and keeps food until the head gets there', () => {
    const buf = new SnapshotBuffer();
    const state = (tick, snakes, food) => ({ tick, state: { tick, width: W, height: W, snakes, food } });
    buf.push(state(10, [alive([2, 1, 0]), { ...dead, player: 2 }], [3, 50]));
    buf.push(state(11, [alive([3, 2, 1]), alive([40, 41, 42], { player: 2, dir: 3 })], [50, 77]));
    const f = frameAt(buf, 10.5);
    assert.equal(f.tick, 10.5);
    assert.deepEqual(f.food, [3, 50]);
    assert.deepEqual(round(f.snakes[0].points), [[2.5, 0], [2, 0], [1, 0], [0.5, 0]]);
    assert.deepEqual(f.snakes[1].points, [[0, 4], [1, 4], [2, 4]]);
    assert.deepEqual(frameAt(buf, 11).food, [50, 77]);
    assert.equal(frameAt(new SnapshotBuffer(), 3), undefined);
    assert.equal(f.view, null, 'full snapshots: no view');
  });

  test('in views, snakes that enter are drawn where they are and those that left are not', () => {
    const buf = new SnapshotBuffer();
    const state = (tick, snakes, view) => ({ tick, state: { tick, width: W, height: W, snakes, food: [], view } });
    buf.push(state(10, [alive([2, 1, 0]), alive([40, 41, 42], { player: 2 })], { x: 0, y: 0, w: 8, h: 8 }));
    buf.push(state(11, [alive([3, 2, 1]), alive([60, 61, 62], { player: 3 })], { x: 0, y: 0, w: 8, h: 8 }));
    const f = frameAt(buf, 10.5);
    assert.deepEqual(f.view, { x: 0, y: 0, w: 8, h: 8 });
    assert.deepEqual(f.snakes.map((s) => s.player), [1, 3], 'player 2 left the view');
    assert.deepEqual(f.snakes[1].points, [[0, 6], [1, 6], [2, 6]], 'player 3 entered it');
  });
});
