import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { encode } from '@msgpack/msgpack';

import {
  MsgType,
  ProtocolError,
  SUBPROTOCOL,
  decodeMessage,
  encodeChat,
  encodeHello,
  encodeInput,
  encodeLeave,
  encodePong,
  snapshotPayload,
} from '../src/sdk/codec.js';
import { hex, hexFile, toHex } from './helpers.js';

describe('encode client messages (docs/protocol.md layouts)', () => {
  test('subprotocol', () => assert.equal(SUBPROTOCOL, 'tickroom.v1'));

  test('hello is [1, map] with only the keys that are set', () => {
    const b = encodeHello({ name: 'ada', game: 'snake', room: '', spectator: false, lastEvent: 0, session: undefined });
    // 92 array of 2, 01 hello, 82 map of 2, "name" "ada", "game" "snake"
    assert.equal(toHex(b), '920182a46e616d65a3616461a467616d65a5736e616b65');
  });

  test('hello for a resume carries session and lastEvent', () => {
    const m = decodeMessage(encodeHello({ name: 'ada', room: 'r1', session: 'r1.abc', lastEvent: 300, spectator: true }));
    assert.deepEqual(m, { type: 'hello', hello: { name: 'ada', room: 'r1', session: 'r1.abc', lastEvent: 300, spectator: true } });
  });

  test('hello asks for deltas, and a spectator for a view, in the Go key order', () => {
    const m = decodeMessage(encodeHello({ view: [1, 2, 30, 20], deltas: true, spectator: true, name: 'ada' }));
    assert.deepEqual(m.hello, { name: 'ada', spectator: true, deltas: true, view: [1, 2, 30, 20] });
    assert.deepEqual(Object.keys(m.hello), ['name', 'spectator', 'deltas', 'view']);
    assert.deepEqual(decodeMessage(encodeHello({ name: 'ada', deltas: false, view: [] })).hello, { name: 'ada' });
  });

  test('input is [2, seq, payload]', () => {
    assert.equal(toHex(encodeInput(1, 3)), '93020103');
    assert.equal(toHex(encodeInput(300, 2)), '9302cd012c02');
    assert.equal(toHex(encodeInput(70000, 0)), '9302ce0001117000');
  });

  test('input seq must be a u32 from 1', () => {
    for (const bad of [0, -1, 1.5, 2 ** 32, NaN, '1']) assert.throws(() => encodeInput(bad, 1), RangeError, String(bad));
  });

  test('pong is [3, id]', () => {
    assert.equal(toHex(encodePong(2)), '920302');
    assert.equal(toHex(encodePong(70000)), '9203ce00011170');
  });

  test('chat is [4, text] of 1..200 characters', () => {
    assert.equal(toHex(encodeChat('gg wp')), '9204a56767207770');
    assert.equal(decodeMessage(encodeChat('é🐍')).text, 'é🐍');
    assert.doesNotThrow(() => encodeChat('🐍'.repeat(200))); // 200 characters, 400 UTF-16 units
    assert.throws(() => encodeChat(''), RangeError);
    assert.throws(() => encodeChat('x'.repeat(201)), RangeError);
  });

  test('leave is [5]', () => assert.equal(toHex(encodeLeave()), '9105'));
});

describe('decode server messages (docs/protocol.md layouts)', () => {
  test('welcome', () => {
    const b = encode([
      16,
      {
        player: 3,
        session: 'r1.s3',
        room: 'r1',
        game: 'snake',
        tickRate: 20,
        tick: 1000,
        players: [
          [1, 'ada'],
          [3, 'bob'],
        ],
        config: { w: 64, h: 64, food: 16, respawn_ticks: 20, max_players: 8 },
      },
    ]);
    assert.deepEqual(decodeMessage(b), {
      type: 'welcome',
      welcome: {
        player: 3,
        session: 'r1.s3',
        room: 'r1',
        game: 'snake',
        tickRate: 20,
        tick: 1000,
        spectator: false,
        resumed: false,
        historyLost: false,
        lastEvent: 0,
        deltas: false,
        areaOfInterest: false,
        players: [
          { player: 1, name: 'ada' },
          { player: 3, name: 'bob' },
        ],
        config: { w: 64, h: 64, food: 16, respawn_ticks: 20, max_players: 8 },
      },
    });
  });

  test('welcome says whether snapshots come as deltas and as views', () => {
    const w = (extra) => decodeMessage(encode([16, { player: 1, room: 'r', game: 'snake', tickRate: 20, players: [], ...extra }])).welcome;
    assert.equal(w({ deltas: true }).deltas, true);
    assert.equal(w({ areaOfInterest: true }).areaOfInterest, true);
    assert.equal(w({}).deltas, false);
    assert.equal(w({}).areaOfInterest, false);
  });

  test('event: [17, seq, tick, kind, data]', () => {
    // 95 17 05 cd03e8 "died" [2, 1, "body"]
    const m = decodeMessage(hex('95 11 05 cd03e8 a4 64696564 93 02 01 a4 626f6479'));
    assert.deepEqual(m, { type: 'event', seq: 5, tick: 1000, kind: 'died', data: [2, 1, 'body'] });
  });

  test('ping: [18, id, server ms (u64), tick, rtt]', () => {
    const m = decodeMessage(hex('95 12 02 cf 0000018bcfe56800 cd03e8 2a'));
    assert.deepEqual(m, { type: 'ping', id: 2, serverTimeMs: 1_700_000_000_000, tick: 1000, rttMs: 42 });
  });

  test('error: [19, code, message]', () => {
    const m = decodeMessage(encode([19, 'bad_input', 'direction 7 out of range']));
    assert.deepEqual(m, { type: 'error', code: 'bad_input', message: 'direction 7 out of range' });
  });

  test('snapshot: [20, tick, base, ack, payload]', () => {
    const m = decodeMessage(hex('95 14 cd03e8 00 07 93 01 02 c4 02 0102'));
    assert.deepEqual(m, { type: 'snapshot', tick: 1000, base: 0, ack: 7, payload: [1, 2, new Uint8Array([1, 2])] });
  });

  test('snapshotPayload gives the payload’s own bytes', () => {
    assert.equal(toHex(snapshotPayload(hex('95 14 cd03e8 00 07 93 01 02 c4 02 0102'))), '930102c4020102');
    // A delta: any integers, nil, bins, nested arrays; then elements a
    // later protocol version might add.
    const payload = encode([7, 0xdeadbeef, 9, null, [], [[1, 1, 0, 0, 0, 5, 1, 3, new Uint8Array([5])]], [[2, 2, 3]], 2, new Uint8Array([0x0f]), [[1], [0], new Uint8Array([0, 9])]]);
    const frame = Uint8Array.from([0x97, 0x14, 0xcd, 0x03, 0xe8, 0xce, 0, 0, 0, 7, 0x00, ...payload, 0xa3, 0x61, 0x62, 0x63, 0x81, 0x01, 0x02]);
    assert.equal(toHex(snapshotPayload(frame)), toHex(payload));
    // floats, strings, maps and exts are skipped too
    const odd = encode([20, 1, 0, 0, [1.5, 'x'.repeat(40), { a: [1, 2] }, new Uint8Array(300), -5, 2 ** 40]]);
    assert.deepEqual(decodeMessage(odd).payload, [1.5, 'x'.repeat(40), { a: [1, 2] }, new Uint8Array(300), -5, 2 ** 40]);
    assert.equal(toHex(snapshotPayload(odd)), toHex(encode([1.5, 'x'.repeat(40), { a: [1, 2] }, new Uint8Array(300), -5, 2 ** 40])));
    assert.throws(() => snapshotPayload(hex('95 14 01 00 00 c4 05 01')), ProtocolError, 'payload cut short');
    assert.throws(() => snapshotPayload(hex('93 14 01 00')), ProtocolError, 'no payload');
  });

  test('any integer encoding is accepted', () => {
    // seq as uint64, tick as uint32, ack as uint16
    const m = decodeMessage(hex('95 14 cf0000000000000009 ce00000001 cd0000 00'));
    assert.equal(m.tick, 9);
    assert.equal(m.base, 1);
    assert.equal(m.ack, 0);
  });

  test('elements beyond the known ones are ignored', () => {
    const m = decodeMessage(encode([17, 1, 2, 'joined', [4, 'eve'], 'future', { x: 1 }]));
    assert.deepEqual(m, { type: 'event', seq: 1, tick: 2, kind: 'joined', data: [4, 'eve'] });
  });

  test('malformed messages throw ProtocolError', () => {
    const bad = {
      'not msgpack': hex('c1'),
      'not an array': encode({ a: 1 }),
      'empty array': encode([]),
      'unknown type': encode([99, 1]),
      'short event': encode([17, 1, 2]),
      'bytes after the array': hex('9105 00'),
      'negative seq': encode([17, -1, 2, 'x', null]),
      'seq over u32': encode([17, 2 ** 32, 2, 'x', null]),
      'kind not a string': encode([17, 1, 2, 3, null]),
      'welcome without tickRate': encode([16, { player: 1, room: 'r', game: 'snake', players: [] }]),
      'welcome map is an array': encode([16, [1, 2]]),
    };
    for (const [name, b] of Object.entries(bad)) assert.throws(() => decodeMessage(b), ProtocolError, name);
  });
});

// The Go server pins its frames in netcode/testdata/golden; this client must
// read every server frame there and write client frames that mean the same.
describe('netcode golden frames', () => {
  const dir = new URL('../../../netcode/testdata/golden/', import.meta.url);
  const golden = (name) => {
    const url = new URL(`${name}.hex`, dir);
    assert.ok(existsSync(url), `missing ${url.pathname}: the Go side's golden frames`);
    return hexFile(url);
  };
  const same = (mine, theirs) => assert.deepEqual(decodeMessage(mine), decodeMessage(theirs));

  test('server frames decode', () => {
    assert.deepEqual(decodeMessage(golden('welcome')).welcome.players, [
      { player: 1, name: 'ada' },
      { player: 3, name: 'bob' },
    ]);
    assert.deepEqual(decodeMessage(golden('welcome')).welcome.config, { w: 32 });
    assert.deepEqual(decodeMessage(golden('event')), { type: 'event', seq: 5, tick: 1000, kind: 'join', data: [3, 'bob'] });
    assert.deepEqual(decodeMessage(golden('ping')), { type: 'ping', id: 2, serverTimeMs: 1_700_000_000_000, tick: 1000, rttMs: 42 });
    assert.deepEqual(decodeMessage(golden('error')), { type: 'error', code: 'rate_limited', message: 'slow down' });
    assert.deepEqual(decodeMessage(golden('snapshot')), {
      type: 'snapshot',
      tick: 1000,
      base: 998,
      ack: 300,
      payload: new Uint8Array([1, 2, 3]),
    });
  });

  test('client frames match', () => {
    same(encodeHello({ name: 'ada', game: 'snake', lastEvent: 300, spectator: true }), golden('hello'));
    same(encodeInput(300, [1, -1]), golden('input'));
    assert.equal(toHex(encodePong(70000)), toHex(golden('pong')));
    assert.equal(toHex(encodeChat('gg wp')), toHex(golden('chat')));
    assert.equal(toHex(encodeLeave()), toHex(golden('leave')));
  });

  test('message type numbers', () => {
    assert.deepEqual(
      ['hello', 'input', 'pong', 'chat', 'leave', 'welcome', 'event', 'ping', 'error', 'snapshot'].map((n) => golden(n)[1]),
      [MsgType.HELLO, MsgType.INPUT, MsgType.PONG, MsgType.CHAT, MsgType.LEAVE, MsgType.WELCOME, MsgType.EVENT, MsgType.PING, MsgType.ERROR, MsgType.SNAPSHOT],
    );
  });
});
