import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decode, encode } from '@msgpack/msgpack';

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
  encodeRequest,
  isPlayerKey,
} from '../src/sdk/codec.js';
import { hex, toHex } from './helpers.js';

describe('encode client messages (docs/protocol.md layouts)', () => {
  test('subprotocol', () => assert.equal(SUBPROTOCOL, 'tickroom.v2'));

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

  test('hello carries the player key, last in the Go key order', () => {
    const key = 'k'.repeat(43);
    const m = decodeMessage(encodeHello({ key, name: 'ada', game: 'snake' }));
    assert.deepEqual(Object.keys(m.hello), ['name', 'game', 'key']);
    assert.equal(m.hello.key, key);
    assert.deepEqual(decodeMessage(encodeHello({ name: 'ada', key: '' })).hello, { name: 'ada' }, 'an empty key is no key');
  });

  test('a player key is 16 to 128 characters of printable ASCII, no space', () => {
    for (const ok of ['a'.repeat(16), 'a'.repeat(128), 'Zx-_09~!'.repeat(4)]) assert.equal(isPlayerKey(ok), true, ok);
    for (const bad of ['', ' '.repeat(16), `${'a'.repeat(16)} `, 'a'.repeat(15), 'a'.repeat(129), 'é'.repeat(16), `${'a'.repeat(16)}\n`, `${'a'.repeat(16)}\x7f`, 16, null, undefined]) {
      assert.equal(isPlayerKey(bad), false, JSON.stringify(bad));
    }
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

  test('request is [6, id, kind, data], data nil when there is none', () => {
    // 94 array of 4, 06 request, 01 id, a6 "colour", cd012c 300
    assert.equal(toHex(encodeRequest(1, 'colour', 300)), '940601a6636f6c6f7572cd012c');
    assert.equal(toHex(encodeRequest(2, 'colours')), '940602a7636f6c6f757273c0');
    assert.equal(toHex(encodeRequest(70000, 'room.lock', true)), '9406ce00011170a9726f6f6d2e6c6f636bc3');
    assert.deepEqual(decodeMessage(encodeRequest(3, 'x', { a: [1, 'b'] })), { type: 'request', id: 3, kind: 'x', data: { a: [1, 'b'] } });
  });

  test('request id must be a u32 from 1, and kind a non-empty string', () => {
    for (const bad of [0, -1, 1.5, 2 ** 32, '1']) assert.throws(() => encodeRequest(bad, 'colours'), RangeError, String(bad));
    for (const bad of ['', undefined, 7]) assert.throws(() => encodeRequest(1, bad), TypeError, String(bad));
  });
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
        playerId: 0,
        session: 'r1.s3',
        account: '',
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

  test('welcome has the returning player’s stable id, 0 for a guest', () => {
    const w = (extra) => decodeMessage(encode([16, { player: 1, room: 'r', game: 'snake', tickRate: 20, players: [], ...extra }])).welcome;
    assert.equal(w({ playerId: 12 }).playerId, 12);
    assert.equal(w({ playerId: 2 ** 40 }).playerId, 2 ** 40, 'an int64 id past u32');
    assert.equal(w({ playerId: 0 }).playerId, 0);
    assert.equal(w({}).playerId, 0, 'a server before player keys');
    assert.throws(() => w({ playerId: -1 }), ProtocolError);
    assert.throws(() => w({ playerId: 'ann' }), ProtocolError);
  });

  test('history: [22, [[name, text, at ms, playerId], ...]], oldest first', () => {
    const at = 1_796_000_000_000; // past u32: sent as an int64
    const m = decodeMessage(encode([22, [['ann', 'hi <b>all</b>', at, 12], ['guest7', 'yo', at + 1500, 0]]]));
    assert.deepEqual(m, {
      type: 'history',
      lines: [
        { name: 'ann', text: 'hi <b>all</b>', atMs: at, playerId: 12 },
        { name: 'guest7', text: 'yo', atMs: at + 1500, playerId: 0 },
      ],
    });
    assert.deepEqual(decodeMessage(hex('92 16 90')), { type: 'history', lines: [] });
    assert.deepEqual(decodeMessage(encode([22, null])).lines, [], 'nil is no lines');
    // A line with more elements than these is read as far as known.
    assert.equal(decodeMessage(encode([22, [['a', 'b', 1, 2, 'future']]])).lines[0].playerId, 2);
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

  test('error: [19, code, message, seq], seq the input it is about or 0', () => {
    const m = decodeMessage(encode([19, 'bad_input', 'direction 7 out of range', 300]));
    assert.deepEqual(m, { type: 'error', code: 'bad_input', message: 'direction 7 out of range', seq: 300 });
    assert.equal(decodeMessage(hex('94 13 a3 626164 a0 00')).seq, 0);
    assert.equal(decodeMessage(hex('94 13 a3 626164 a0 ce ffffffff')).seq, 0xffffffff);
  });

  test('snapshot: [20, tick, base, ack, bin], the payload the bin’s bytes', () => {
    // The state [1, 2, bin(01 02)] as the bin's content: 93 01 02 c4 02 01 02.
    const m = decodeMessage(hex('95 14 cd03e8 00 07 c4 07 930102c4020102'));
    assert.deepEqual(m, { type: 'snapshot', tick: 1000, base: 0, ack: 7, payload: hex('930102c4020102') });
    assert.deepEqual(decode(m.payload), [1, 2, new Uint8Array([1, 2])]);
    // A delta's bytes need not be msgpack; any bin size is read.
    const delta = decodeMessage(encode([20, 1001, 1000, 7, new Uint8Array(300).fill(0xc1)]));
    assert.deepEqual([delta.base, delta.payload.length, delta.payload[299]], [1000, 300, 0xc1]);
    assert.equal(decodeMessage(hex('95 14 01 00 00 c4 00')).payload.length, 0);
  });

  test('reply: [21, id, code, message, data]', () => {
    // 95 15 01 a0 "" a0 "" cd012c 300: request 1 answered with 300
    assert.deepEqual(decodeMessage(hex('95 15 01 a0 a0 cd012c')), { type: 'reply', id: 1, code: '', message: '', data: 300 });
    const refused = decodeMessage(encode([21, 70000, 'not_allowed', 'spectators cannot choose a colour', null]));
    assert.deepEqual(refused, { type: 'reply', id: 70000, code: 'not_allowed', message: 'spectators cannot choose a colour', data: null });
    const info = decodeMessage(encode([21, 2, '', '', { id: 'r1', players: [[1, 'ada']], locked: false }]));
    assert.deepEqual(info.data, { id: 'r1', players: [[1, 'ada']], locked: false });
  });

  test('any integer encoding is accepted', () => {
    // tick as uint64, base as uint32, ack as uint16, and a bin 16 payload
    const m = decodeMessage(hex('95 14 cf0000000000000009 ce00000001 cd0000 c5000100'));
    assert.equal(m.tick, 9);
    assert.equal(m.base, 1);
    assert.equal(m.ack, 0);
    assert.deepEqual(m.payload, new Uint8Array([0]));
  });

  test('elements beyond the known ones are ignored', () => {
    const m = decodeMessage(encode([17, 1, 2, 'joined', [4, 'eve'], 'future', { x: 1 }]));
    assert.deepEqual(m, { type: 'event', seq: 1, tick: 2, kind: 'joined', data: [4, 'eve'] });
    assert.deepEqual(decodeMessage(encode([19, 'c', 'm', 4, 'future'])), { type: 'error', code: 'c', message: 'm', seq: 4 });
    assert.deepEqual(decodeMessage(encode([21, 1, '', '', 5, 'future'])), { type: 'reply', id: 1, code: '', message: '', data: 5 });
    assert.deepEqual(decodeMessage(encode([20, 1, 0, 0, new Uint8Array([0xc0]), 'future'])).payload, new Uint8Array([0xc0]));
    assert.deepEqual(decodeMessage(encode([6, 1, 'k', null, 'future'])), { type: 'request', id: 1, kind: 'k', data: null });
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
      'v1 error without seq': encode([19, 'bad_input', 'no']),
      'error seq not a u32': encode([19, 'bad_input', 'no', -1]),
      'v1 snapshot payload spliced in': hex('95 14 cd03e8 00 07 93 01 02 c4 02 0102'),
      'snapshot payload a string': encode([20, 1, 0, 0, 'abc']),
      'snapshot payload nil': encode([20, 1, 0, 0, null]),
      'short reply': encode([21, 1, '', '']),
      'reply id not a u32': encode([21, 'x', '', '', null]),
      'reply code not a string': encode([21, 1, null, '', null]),
      'reply message not a string': encode([21, 1, 'failed', 3, null]),
      'short request': encode([6, 1, 'colours']),
      'request kind not a string': encode([6, 1, 2, null]),
      'short history': encode([22]),
      'history not an array': encode([22, { a: 1 }]),
      'history line short': encode([22, [['ann', 'hi', 1]]]),
      'history line not an array': encode([22, ['ann']]),
      'history name not a string': encode([22, [[1, 'hi', 1, 0]]]),
      'history text not a string': encode([22, [['ann', null, 1, 0]]]),
      'history time not an integer': encode([22, [['ann', 'hi', 1.5, 0]]]),
      'history playerId negative': encode([22, [['ann', 'hi', 1, -2]]]),
      'welcome playerId a float': encode([16, { player: 1, room: 'r', game: 'snake', tickRate: 20, playerId: 0.5 }]),
    };
    for (const [name, b] of Object.entries(bad)) assert.throws(() => decodeMessage(b), ProtocolError, name);
  });
});


// The Go side pins one message of each type in docs/vectors/messages.json,
// written by its own encoders: this client must read each as the value it
// stands for, and write the client ones byte for byte.
describe('protocol vectors (docs/vectors/messages.json)', () => {
  const url = new URL('../../../docs/vectors/messages.json', import.meta.url);
  assert.ok(existsSync(url), `missing ${url.pathname}: the Go side's protocol vectors`);
  const file = JSON.parse(readFileSync(url, 'utf8'));
  // JSON cannot hold a bin: the file writes one as {"bin": "<hex>"}.
  const fromJSON = (v) => {
    if (Array.isArray(v)) return v.map(fromJSON);
    if (v === null || typeof v !== 'object') return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'bin') return hex(v.bin);
    return Object.fromEntries(keys.map((k) => [k, fromJSON(v[k])]));
  };
  const vectors = file.messages.map((m) => ({ ...m, bytes: hex(m.hex), value: fromJSON(m.value) }));
  const vector = (name) => {
    const v = vectors.find((m) => m.name === name);
    assert.ok(v, `no vector ${name}`);
    return v;
  };
  // What decodeMessage calls each element after the type, by message type.
  const FIELDS = {
    hello: ['hello'],
    input: ['seq', 'payload'],
    pong: ['id'],
    chat: ['text'],
    leave: [],
    request: ['id', 'kind', 'data'],
    welcome: ['welcome'],
    event: ['seq', 'tick', 'kind', 'data'],
    ping: ['id', 'serverTimeMs', 'tick', 'rttMs'],
    error: ['code', 'message', 'seq'],
    snapshot: ['tick', 'base', 'ack', 'payload'],
    reply: ['id', 'code', 'message', 'data'],
    history: ['lines'],
  };
  const CLIENT = ['hello', 'input', 'pong', 'chat', 'leave', 'request'];

  test('the file is this protocol’s and has a message of every type', () => {
    assert.equal(file.protocol, SUBPROTOCOL);
    assert.deepEqual(
      vectors.map((m) => m.name).sort(),
      [...CLIENT, 'hello-key', 'welcome', 'event', 'ping', 'error', 'snapshot', 'snapshot-delta', 'reply', 'reply-error', 'history'].sort(),
    );
    for (const m of vectors) {
      const type = m.name.split('-')[0];
      assert.equal(m.direction, CLIENT.includes(type) ? 'client' : 'server', m.name);
      assert.equal(m.value[0], MsgType[type.toUpperCase()], `${m.name}'s type number`);
    }
  });

  test('each message is the msgpack of its value', () => {
    for (const m of vectors) assert.deepEqual(decode(m.bytes), m.value, m.name);
  });

  test('each message decodes to its value', () => {
    for (const m of vectors) {
      const got = decodeMessage(m.bytes);
      const type = m.name.split('-')[0];
      assert.equal(got.type, type, m.name);
      FIELDS[type].forEach((field, i) => {
        const want = m.value[i + 1];
        // History lines are decoded into objects.
        if (field === 'lines') return assert.deepEqual(got.lines.map((l) => [l.name, l.text, l.atMs, l.playerId]), want, `${m.name} lines`);
        if (field !== 'welcome') return assert.deepEqual(got[field], want, `${m.name} ${field}`);
        // The welcome is decoded into defaults and player objects.
        const w = { ...got.welcome, players: got.welcome.players.map((p) => [p.player, p.name]) };
        for (const k of Object.keys(w)) assert.deepEqual(w[k], want[k], `welcome ${k}`);
      });
    }
    // The snapshots' bins hold a state's msgpack and a delta's bytes.
    assert.deepEqual(decode(decodeMessage(vector('snapshot').bytes).payload), [1, 2, 3]);
    assert.equal(decodeMessage(vector('snapshot-delta').bytes).base, 1000);
    assert.equal(decodeMessage(vector('reply-error').bytes).code, 'unknown_request');
  });

  test('the client messages are encoded byte for byte', () => {
    const [, seq, payload] = vector('input').value;
    assert.equal(toHex(encodeInput(seq, payload)), toHex(vector('input').bytes));
    assert.equal(toHex(encodePong(vector('pong').value[1])), toHex(vector('pong').bytes));
    assert.equal(toHex(encodeChat(vector('chat').value[1])), toHex(vector('chat').bytes));
    assert.equal(toHex(encodeLeave()), toHex(vector('leave').bytes));
    const [, id, kind, data] = vector('request').value;
    assert.equal(toHex(encodeRequest(id, kind, data)), toHex(vector('request').bytes));
    for (const name of ['hello', 'hello-key']) {
      const hello = vector(name);
      assert.equal(toHex(encodeHello(hello.value[1])), toHex(hello.bytes), name);
    }
  });
});
