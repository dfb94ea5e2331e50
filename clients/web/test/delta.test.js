import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decode, encode } from '@msgpack/msgpack';

import { crc32 } from '../src/sdk/crc32.js';
import { decodeSnapshotBytes } from '../src/game/snake.js';
import { DeltaError, WrongBaseError, encodeSnapshot, patch, readSnapshot } from '../src/game/snakedelta.js';
import { toHex } from './helpers.js';

// Deltas taken by the Go snake package from seeded games, with their bases
// and the snapshots they stand for (clients/web/delta_fixture_test.go, which
// also checks that this file is what the Go code generates today).
const fixture = JSON.parse(readFileSync(new URL('../../../docs/vectors/snake-deltas.json', import.meta.url), 'utf8'));
const b64 = (s) => Uint8Array.from(Buffer.from(s, 'base64'));
const entries = fixture.entries.map((e) => ({ ...e, base: b64(e.base), delta: b64(e.delta), cur: b64(e.cur) }));

describe('crc32', () => {
  test('is the IEEE CRC-32 of zlib and Go', () => {
    assert.equal(crc32(new Uint8Array()), 0);
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  });

  test('matches the base CRC the Go deltas carry', () => {
    for (const e of entries.slice(0, 50)) assert.equal(decode(e.delta)[1], crc32(e.base), e.name);
  });
});

describe('snake delta patch', () => {
  test('the fixture covers the whole delta format', () => {
    assert.ok(entries.length > 100, `${entries.length} entries`);
    for (const f of ['view:rect', 'view:full', 'view:same', 'gone', 'added', 'food:edit', 'food:whole', 'mask:dir', 'cur:bin16', 'cur:uint32']) {
      assert.ok(fixture.features.includes(f), f);
    }
    const kinds = new Set(entries.map((e) => e.kind));
    assert.deepEqual([...kinds].sort(), ['full', 'mixed', 'view']);
    assert.ok(entries.some((e) => e.gap === 1) && entries.some((e) => e.gap > 5), 'gaps of one and of several ticks');
  });

  test('gives the server’s snapshot byte for byte, for every fixture delta', () => {
    for (const e of entries) {
      let got;
      try {
        got = patch(e.base, e.delta);
      } catch (err) {
        assert.fail(`${e.name}: ${err.message}`);
      }
      if (toHex(got) !== toHex(e.cur)) {
        assert.equal(toHex(got), toHex(e.cur), `${e.name}: patched bytes differ`);
      }
    }
  });

  test('the patched bytes decode as the server’s full snapshot does', () => {
    for (const e of entries.filter((_, i) => i % 7 === 0)) {
      assert.deepEqual(decodeSnapshotBytes(patch(e.base, e.delta)), decodeSnapshotBytes(e.cur), e.name);
    }
  });

  test('view snapshots keep their rect; full ones have none', () => {
    for (const e of entries) {
      const cur = readSnapshot(patch(e.base, e.delta));
      const want = decode(e.cur);
      assert.equal(cur.view === null, want.length === 5, e.name);
      if (cur.view) assert.deepEqual(cur.view, want[5], e.name);
    }
  });

  test('a chain of deltas, each patched onto the last result', () => {
    // Consecutive full snapshots of one game, as one connection gets them.
    const chain = entries.filter((e) => e.kind === 'full' && e.gap === 1 && e.name.startsWith('full ') && Number(e.name.split(' ')[1]) <= 11);
    assert.ok(chain.length >= 10);
    let have = chain[0].base;
    for (const e of chain) {
      have = patch(have, e.delta);
      assert.equal(toHex(have), toHex(e.cur), e.name);
    }
  });

  test('encodes snapshots as the Go server does', () => {
    for (const e of entries.filter((_, i) => i % 5 === 0)) {
      assert.equal(toHex(encodeSnapshot(readSnapshot(e.cur))), toHex(e.cur), e.name);
    }
  });

  test('a delta applied to the wrong base throws WrongBaseError', () => {
    const [a, b] = [entries[5], entries[40]];
    assert.throws(() => patch(b.base, a.delta), WrongBaseError);
    // Same tick, other bytes: the CRC tells them apart.
    const same = entries.find((e) => e.gap === 1 && e.kind === 'view');
    const other = entries.find((e) => e !== same && e.kind === 'view' && decode(e.base)[0] === decode(same.base)[0] && toHex(e.base) !== toHex(same.base));
    assert.ok(other, 'two different views of one tick');
    assert.throws(() => patch(other.base, same.delta), (err) => err instanceof WrongBaseError && /crc/.test(err.message));
    // A flipped byte in the base.
    const bad = Uint8Array.from(same.base);
    bad[bad.length - 1] ^= 1;
    assert.throws(() => patch(bad, same.delta), DeltaError);
  });

  test('a delta claiming another base tick or crc throws WrongBaseError', () => {
    const e = entries.find((x) => x.gap === 1);
    const d = decode(e.delta);
    assert.throws(() => patch(e.base, encode([d[0] + 1, ...d.slice(1)])), WrongBaseError);
    assert.throws(() => patch(e.base, encode([d[0], (d[1] + 1) >>> 0, ...d.slice(2)])), WrongBaseError);
    // The same delta re-encoded by another encoder still applies: any
    // integer encoding is accepted.
    assert.equal(toHex(patch(e.base, encode(d))), toHex(e.cur));
  });

  test('garbled deltas throw DeltaError, never a bad snapshot', () => {
    const e = entries.find((x) => x.gap === 1 && x.kind === 'full' && decode(x.delta)[8].length > 0);
    const d = decode(e.delta);
    const variants = {
      'not an array': encode(5),
      'too short': encode(d.slice(0, 9)),
      'moves cut short': encode([...d.slice(0, 8), d[8].subarray(0, d[8].length - 1), d[9]]),
      'moves too long': encode([...d.slice(0, 8), Uint8Array.from([...d[8], 0]), d[9]]),
      'gone player not in the base': encode([...d.slice(0, 4), [0xfffffff0], ...d.slice(5)]),
      'changed player not in the base': encode([...d.slice(0, 6), [[0xfffffff0, 2, 1]], ...d.slice(7)]),
      'mask and values disagree': encode([...d.slice(0, 6), [[decode(e.base)[3][0][0], 3, 1]], ...d.slice(7)]),
      'food off the board': encode([...d.slice(0, 9), Uint8Array.from([0xff, 0xff])]),
      'food edit out of range': encode([...d.slice(0, 9), [[100], [], new Uint8Array()]]),
      'view outside the board': encode([...d.slice(0, 3), [0, 0, 300, 1], ...d.slice(4)]),
      'not msgpack': Uint8Array.from([0xc1]),
    };
    for (const [name, bytes] of Object.entries(variants)) assert.throws(() => patch(e.base, bytes), DeltaError, name);
  });

  test('rejects a base that is not a snapshot', () => {
    const e = entries[0];
    assert.throws(() => patch(encode([1, 2, 3]), e.delta), DeltaError);
    assert.throws(() => patch(new Uint8Array(), e.delta), DeltaError);
  });
});
