import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { encode } from '@msgpack/msgpack';

import { Dir, SnapshotError, Status, decodeSnapshot, decodeSnapshotBytes, unpackBody } from '../src/game/snake.js';
import { hex } from './helpers.js';

// A snapshot encoded by the Go game (clients/web/fixture_test.go), with its
// decoding by the Go snake package: both decoders must agree.
const fixture = JSON.parse(readFileSync(new URL('../../../docs/vectors/snake-snapshot.json', import.meta.url), 'utf8'));

describe('snake snapshot', () => {
  test('decodes what the Go server encodes, as the Go package does', () => {
    const s = decodeSnapshotBytes(hex(fixture.hex));
    const got = {
      tick: s.tick,
      width: s.width,
      height: s.height,
      snakes: s.snakes.map(({ body, ...rest }) => rest),
      food: s.food,
    };
    assert.deepEqual(got, fixture.want);
    assert.ok(s.snakes.some((x) => x.status === Status.DEAD && x.respawnIn > 0), 'fixture has a dead snake');
  });

  test('hand-made: packed body and big-endian food', () => {
    // 10x10 board. Player 2: head (5,5) = 55, moving right; body goes
    // left, left, up, up, right: moves 3,3,0,0,1 packed low bits first:
    // byte0 = 3 | 3<<2 | 0<<4 | 0<<6 = 0x0f, byte1 = 1.
    const payload = [
      7,
      10,
      10,
      [
        [2, Status.ALIVE, 4, 9, 0, 55, Dir.RIGHT, 6, new Uint8Array([0x0f, 0x01])],
        [5, Status.DEAD, 0, 3, 12, 0, 0, 0, new Uint8Array()],
        [9, Status.WAITING, 0, 0, 0, 0, 0, 0, new Uint8Array()],
      ],
      new Uint8Array([0x00, 0x63, 0x00, 0x00, 0x00, 0x0a]), // cells 99, 0, 10
    ];
    const s = decodeSnapshotBytes(encode(payload));
    assert.equal(s.tick, 7);
    assert.deepEqual(s.food, [99, 0, 10]);
    assert.deepEqual(s.snakes[0].cells, [55, 54, 53, 43, 33, 34]);
    assert.equal(s.snakes[0].score, 4);
    assert.equal(s.snakes[0].best, 9);
    assert.deepEqual(s.snakes[1].cells, []);
    assert.equal(s.snakes[1].respawnIn, 12);
    assert.equal(s.snakes[2].status, Status.WAITING);
  });

  test('a view snapshot carries its rect; a full one has none', () => {
    const deltas = JSON.parse(readFileSync(new URL('../../../docs/vectors/snake-deltas.json', import.meta.url), 'utf8'));
    const b64 = (x) => Uint8Array.from(Buffer.from(x, 'base64'));
    const view = deltas.entries.find((e) => e.kind === 'view');
    const s = decodeSnapshotBytes(b64(view.cur));
    assert.ok(s.view && s.view.w > 0 && s.view.h > 0, JSON.stringify(s.view));
    assert.ok(s.view.x + s.view.w <= s.width && s.view.y + s.view.h <= s.height);
    assert.equal(decodeSnapshotBytes(hex(fixture.hex)).view, null);
    const base = () => [1, 10, 10, [], new Uint8Array()];
    assert.deepEqual(decodeSnapshot([...base(), [2, 3, 4, 5]]).view, { x: 2, y: 3, w: 4, h: 5 });
    assert.deepEqual(decodeSnapshot([...base(), [0, 0, 0, 0]]).view, { x: 0, y: 0, w: 0, h: 0 });
    assert.throws(() => decodeSnapshot([...base(), [8, 0, 4, 4]]), SnapshotError, 'past the edge');
    assert.throws(() => decodeSnapshot([...base(), [0, 0, 4]]), SnapshotError, 'not a rect');
  });

  test('a snake of one cell has no body bytes', () => {
    assert.deepEqual(unpackBody(12, 1, new Uint8Array(), 10, 10), [12]);
  });

  test('long bodies use every byte, unused high bits zero', () => {
    // 9 cells, 8 moves all down from (0,0): bytes 0xaa 0xaa.
    const cells = unpackBody(0, 9, new Uint8Array([0xaa, 0xaa]), 10, 10);
    assert.deepEqual(cells, [0, 10, 20, 30, 40, 50, 60, 70, 80]);
    // 6 cells, 5 moves right: 0x55 then 0x01.
    assert.deepEqual(unpackBody(0, 6, new Uint8Array([0x55, 0x01]), 10, 10), [0, 1, 2, 3, 4, 5]);
  });

  test('bad snapshots throw SnapshotError', () => {
    const ok = () => [1, 10, 10, [[1, 1, 0, 0, 0, 0, Dir.RIGHT, 2, new Uint8Array([1])]], new Uint8Array()];
    const cases = {
      'not an array': () => 5,
      'board too small': () => [1, 4, 10, [], new Uint8Array()],
      'board too big': () => [1, 257, 10, [], new Uint8Array()],
      'odd food': () => [1, 10, 10, [], new Uint8Array([0])],
      'food off the board': () => [1, 10, 10, [], new Uint8Array([0, 100])],
      'body too short': () => Object.assign(ok(), { 3: [[1, 1, 0, 0, 0, 0, Dir.RIGHT, 6, new Uint8Array([1])]] }),
      'body leaves the board': () => Object.assign(ok(), { 3: [[1, 1, 0, 0, 0, 0, Dir.RIGHT, 2, new Uint8Array([3])]] }),
      'alive with no length': () => Object.assign(ok(), { 3: [[1, 1, 0, 0, 0, 0, 0, 0, new Uint8Array()]] }),
      'players out of order': () =>
        Object.assign(ok(), {
          3: [
            [2, 0, 0, 0, 0, 0, 0, 0, new Uint8Array()],
            [1, 0, 0, 0, 0, 0, 0, 0, new Uint8Array()],
          ],
        }),
      'status out of range': () => Object.assign(ok(), { 3: [[1, 3, 0, 0, 0, 0, 0, 0, new Uint8Array()]] }),
      'head off the board': () => Object.assign(ok(), { 3: [[1, 1, 0, 0, 0, 100, 0, 1, new Uint8Array()]] }),
    };
    assert.doesNotThrow(() => decodeSnapshot(ok()));
    for (const [name, make] of Object.entries(cases)) assert.throws(() => decodeSnapshot(make()), SnapshotError, name);
  });
});
