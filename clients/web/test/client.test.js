import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { decode, encode } from '@msgpack/msgpack';

import { readFileSync } from 'node:fs';

import { Backoff } from '../src/sdk/backoff.js';
import { CLOSE_RESYNC, CLOSE_STALE, REQUEST_TIMEOUT_MS, RequestError, State, TickroomClient } from '../src/sdk/client.js';
import { patch as snakePatch } from '../src/game/snakedelta.js';
import { describeClose } from '../src/sdk/closecodes.js';
import { FakeTimers, FakeWebSocket, hex } from './helpers.js';

const welcome = (over = {}) =>
  encode([
    16,
    {
      player: 3,
      session: 'r1.aaaa',
      room: 'r1',
      game: 'snake',
      tickRate: 20,
      tick: 100,
      players: [
        [1, 'ada'],
        [3, 'bob'],
      ],
      config: { w: 64, h: 64 },
      ...over,
    },
  ]);
const event = (seq, kind = 'chat', data = [1, 'hi']) => encode([17, seq, 100 + seq, kind, data]);
const snapshot = (tick, ack = 0) => encode([20, tick, 0, ack, encode([tick, 8, 8, [], new Uint8Array()])]);
const reply = (id, data, code = '', message = '') => encode([21, id, code, message, code ? null : data]);

// A client wired to fakes, recording what it emits.
function setup(opts = {}) {
  FakeWebSocket.reset();
  const timers = new FakeTimers();
  const rs = opts.random ?? [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
  let i = 0;
  const client = new TickroomClient({
    url: 'ws://example/ws',
    hello: { name: 'bob', game: 'snake' },
    WebSocket: FakeWebSocket,
    backoff: new Backoff({ random: () => rs[i++ % rs.length] }),
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    now: timers.clock,
    ...opts.client,
  });
  const seen = [];
  for (const type of ['state', 'welcome', 'event', 'gap', 'snapshot', 'resync', 'ping', 'serverError', 'protocolError', 'disconnect', 'reconnecting', 'closed']) {
    client.on(type, (v) => seen.push([type, v]));
  }
  const of = (type) => seen.filter(([t]) => t === type).map(([, v]) => v);
  return { client, timers, seen, of };
}

// Connects and takes the welcome; returns the socket.
function join(client, w = welcome()) {
  if (client.state === State.IDLE) client.connect();
  const ws = FakeWebSocket.last;
  ws.open();
  ws.receive(w);
  return ws;
}

describe('TickroomClient', () => {
  beforeEach(() => FakeWebSocket.reset());

  test('connects with the subprotocol, binary frames, and says hello first', () => {
    const { client, of } = setup();
    client.connect();
    const ws = FakeWebSocket.last;
    assert.equal(ws.url, 'ws://example/ws');
    assert.equal(ws.protocol, 'tickroom.v2');
    assert.equal(ws.binaryType, 'arraybuffer');
    assert.equal(client.state, State.CONNECTING);
    ws.open();
    assert.deepEqual(ws.sent, [{ type: 'hello', hello: { name: 'bob', game: 'snake' } }]);
    ws.receive(welcome());
    assert.equal(client.state, State.OPEN);
    assert.equal(client.player, 3);
    assert.equal(client.room, 'r1');
    assert.deepEqual(of('welcome')[0].reconnected, false);
    assert.deepEqual(of('state'), [State.CONNECTING, State.OPEN]);
  });

  test('inputs carry seqs from 1; snapshots ack them', () => {
    const { client, timers, of } = setup();
    assert.equal(client.sendInput(1), 0, 'no input before the welcome');
    const ws = join(client);
    timers.now = 1000;
    assert.equal(client.sendInput(1), 1);
    timers.now = 1010;
    assert.equal(client.sendInput(2), 2);
    assert.deepEqual(ws.sentOf('input'), [
      { type: 'input', seq: 1, payload: 1 },
      { type: 'input', seq: 2, payload: 2 },
    ]);
    timers.now = 1060;
    ws.receive(snapshot(101, 2));
    assert.equal(client.ack, 2);
    assert.equal(client.inputLatencyMs, 50);
    const s = of('snapshot')[0];
    assert.deepEqual([s.tick, s.base, s.ack, s.receivedAt], [101, 0, 2, 1060]);
    assert.deepEqual(s.payload, [101, 8, 8, [], new Uint8Array()]);
    assert.deepEqual(decode(s.bytes), s.payload, 'bytes are the state’s msgpack');
  });

  test('answers pings with pongs and exposes the rtt', () => {
    const { client, of } = setup();
    const ws = join(client);
    ws.receive(encode([18, 7, 1_700_000_000_000, 120, 35]));
    assert.deepEqual(ws.sentOf('pong'), [{ type: 'pong', id: 7 }]);
    assert.equal(client.rttMs, 35);
    assert.equal(of('ping')[0].tick, 120);
  });

  test('tracks the last event and reports gaps', () => {
    const { client, of } = setup();
    const ws = join(client);
    ws.receive(event(1));
    ws.receive(event(2, 'joined', [4, 'eve']));
    ws.receive(event(2)); // a repeat
    ws.receive(event(5));
    assert.equal(client.lastEvent, 5);
    assert.deepEqual(of('event').map((e) => e.seq), [1, 2, 5]);
    assert.deepEqual(of('event')[1], { seq: 2, tick: 102, kind: 'joined', data: [4, 'eve'] });
    assert.deepEqual(of('gap'), [{ expected: 3, got: 5 }]);
  });

  test('server errors and undecodable frames are reported, and the connection stays', () => {
    const { client, of } = setup();
    const ws = join(client);
    ws.receive(encode([19, 'bad_input', 'no', 4]));
    ws.receive(encode([19, 'bad_message', 'not a protocol message', 0]));
    ws.receive(new Uint8Array([0xc1]));
    ws.onmessage({ data: 'text' });
    ws.receive(encode([20, 102, 0, 0, new Uint8Array([0xc1])])); // a state that is not msgpack
    assert.deepEqual(of('serverError'), [
      { code: 'bad_input', message: 'no', seq: 4 },
      { code: 'bad_message', message: 'not a protocol message', seq: 0 },
    ]);
    assert.equal(of('protocolError').length, 3);
    assert.match(of('protocolError')[2].message, /snapshot of tick 102: the state is not msgpack/);
    assert.equal(of('snapshot').length, 0);
    assert.equal(client.state, State.OPEN);
  });

  test('without a WebSocket the constructor says what to do', () => {
    const had = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    Object.defineProperty(globalThis, 'WebSocket', { value: undefined, configurable: true, writable: true });
    try {
      assert.throws(() => new TickroomClient({ url: 'ws://example/ws' }), { name: 'TypeError', message: /pass opts\.WebSocket/ });
    } finally {
      if (had) Object.defineProperty(globalThis, 'WebSocket', had);
      else delete globalThis.WebSocket;
    }
  });

  test('chat and leave', () => {
    const { client, timers, of } = setup();
    assert.equal(client.sendChat('early'), false);
    assert.throws(() => client.sendChat(''), RangeError);
    const ws = join(client);
    assert.equal(client.sendChat('gg'), true);
    client.leave();
    assert.deepEqual(ws.sent.slice(1), [
      { type: 'chat', text: 'gg' },
      { type: 'leave' },
    ]);
    ws.serverClose(1000, 'left');
    assert.equal(client.state, State.CLOSED);
    assert.equal(of('closed')[0].code, 1000);
    assert.equal(FakeWebSocket.instances.length, 1, 'no reconnect after leave');
    assert.deepEqual(timers.delays, [], 'no timer left once closed');
  });

  test('reconnects with backoff and jitter, with session and lastEvent in the hello', () => {
    const { client, timers, of } = setup({ random: [0, 0.5, 1] });
    const ws = join(client);
    ws.receive(event(1));
    ws.receive(event(2));
    ws.serverClose(1006);
    assert.equal(client.state, State.RECONNECTING);
    const d = of('disconnect')[0];
    assert.deepEqual([d.code, d.name, d.willReconnect, d.delayMs, d.attempt], [1006, 'abnormal', true, 250, 1]);
    assert.deepEqual(timers.delays, [250]);

    // The server is down: each attempt fails, and the waits grow.
    timers.advance(250);
    assert.equal(FakeWebSocket.instances.length, 2);
    FakeWebSocket.last.serverClose(1006);
    assert.deepEqual(timers.delays, [750]);
    timers.advance(750);
    FakeWebSocket.last.serverClose(1006);
    assert.deepEqual(timers.delays, [2000]);
    timers.advance(2000);
    assert.deepEqual(of('reconnecting').map((r) => r.attempt), [1, 2, 3]);

    // It is back: the hello asks to resume.
    const ws4 = FakeWebSocket.last;
    ws4.open();
    assert.deepEqual(ws4.sent[0], {
      type: 'hello',
      hello: { name: 'bob', game: 'snake', room: 'r1', session: 'r1.aaaa', lastEvent: 2 },
    });
  });

  test('a redirect sends the same hello to the server it names, at once, a few times at most', () => {
    const { client, timers, of } = setup();
    client.connect();
    const first = FakeWebSocket.last;
    first.open();
    first.serverClose(4016, 'ws://other:8080/ws');
    assert.deepEqual(timers.delays, [0], 'no backoff');
    timers.advance(0);
    assert.equal(FakeWebSocket.instances.length, 2);
    const second = FakeWebSocket.last;
    assert.equal(second.url, 'ws://other:8080/ws');
    assert.equal(client.url, 'ws://other:8080/ws');
    second.open();
    assert.deepEqual(second.sent[0], first.sent[0], 'the same hello');
    second.receive(welcome());
    assert.equal(of('welcome').length, 1);
    // Redirects that go round in circles end after MAX_REDIRECTS in a row.
    second.serverClose(1006);
    const { client: c2, timers: t2, of: of2 } = setup();
    c2.connect();
    for (let i = 0; i <= 3; i++) {
      FakeWebSocket.last.open();
      FakeWebSocket.last.serverClose(4016, `ws://n${i}/ws`);
      t2.advance(0);
    }
    assert.equal(c2.state, State.CLOSED);
    assert.equal(of2('closed')[0].name, 'redirect');
  });

  test('a resume keeps the event count; the server replays what was missed', () => {
    const { client, of } = setup();
    const ws = join(client);
    ws.receive(event(1));
    ws.receive(event(2));
    ws.serverClose(4003);
    const t = of('disconnect')[0];
    assert.equal(t.message, describeClose(4003).message);
    client.reconnectNow();
    const ws2 = join(client, welcome({ session: 'r1.bbbb', resumed: true }));
    assert.equal(ws2, FakeWebSocket.instances[1]);
    const w = of('welcome')[1];
    assert.deepEqual([w.reconnected, w.resumed], [true, true]);
    ws2.receive(event(3));
    assert.deepEqual(of('gap'), []);
    assert.equal(client.lastEvent, 3);
    // The next resume uses the new token.
    ws2.serverClose(1006);
    client.reconnectNow();
    FakeWebSocket.last.open();
    assert.equal(FakeWebSocket.last.sent[0].hello.session, 'r1.bbbb');
  });

  test('a resume whose history was lost goes on from the welcome lastEvent', () => {
    const { client, of } = setup();
    const ws = join(client);
    ws.receive(event(1));
    ws.serverClose(1006);
    client.reconnectNow();
    const ws2 = join(client, welcome({ session: 'r1.bbbb', resumed: true, historyLost: true, lastEvent: 300 }));
    const w = of('welcome')[1];
    assert.deepEqual([w.resumed, w.welcome.historyLost], [true, true]);
    assert.equal(client.lastEvent, 300);
    ws2.receive(event(301));
    assert.deepEqual(of('gap'), []);
    assert.equal(client.lastEvent, 301);
  });

  test('the same player id in the same room counts as a resume without the flag', () => {
    const { client, of } = setup();
    join(client).serverClose(1006);
    client.reconnectNow();
    join(client, welcome({ session: 'r1.cccc' }));
    assert.equal(of('welcome')[1].resumed, true);
  });

  test('a new player after a reconnect starts events again from 1', () => {
    const { client, of } = setup();
    const ws = join(client);
    ws.receive(event(1));
    ws.receive(event(2));
    ws.serverClose(1006);
    client.reconnectNow();
    const ws2 = join(client, welcome({ player: 9, session: 'r1.dddd' }));
    const w = of('welcome')[1];
    assert.deepEqual([w.reconnected, w.resumed], [true, false]);
    assert.equal(client.player, 9);
    assert.equal(client.lastEvent, 0);
    ws2.receive(event(1));
    assert.deepEqual(of('gap'), []);
    assert.equal(client.sendInput(0), 1, 'input seqs restart per connection');
  });

  test('a refused resume is retried at once with the original hello', () => {
    const { client, timers, of } = setup();
    join(client).serverClose(1006);
    client.reconnectNow();
    const ws2 = FakeWebSocket.last;
    ws2.open();
    assert.equal(ws2.sent[0].hello.session, 'r1.aaaa');
    ws2.serverClose(4011, 'unknown or expired session');
    assert.equal(client.state, State.RECONNECTING);
    assert.deepEqual(timers.delays, [0]);
    timers.advance(0);
    const ws3 = FakeWebSocket.last;
    ws3.open();
    assert.deepEqual(ws3.sent[0], { type: 'hello', hello: { name: 'bob', game: 'snake' } });
    ws3.receive(welcome({ player: 4, room: 'r2' }));
    assert.equal(client.room, 'r2');
    assert.equal(of('welcome')[1].resumed, false);
  });

  test('a seat reservation is spent by the first join', () => {
    const { client, timers } = setup({ client: { hello: { name: 'bob', room: 'r9', reservation: 'tok' } } });
    client.connect();
    const ws = FakeWebSocket.last;
    ws.open();
    assert.deepEqual(ws.sent[0].hello, { name: 'bob', room: 'r9', reservation: 'tok' });
    ws.receive(welcome({ room: 'r9' }));
    ws.serverClose(1006);
    client.reconnectNow();
    const ws2 = FakeWebSocket.last;
    ws2.open();
    assert.deepEqual(ws2.sent[0].hello, { name: 'bob', room: 'r9', session: 'r1.aaaa' }); // lastEvent 0 is left out
    ws2.serverClose(4011); // the resume is refused: join the room again as new
    timers.advance(0);
    FakeWebSocket.last.open();
    assert.deepEqual(FakeWebSocket.last.sent[0].hello, { name: 'bob', room: 'r9' });
  });

  for (const code of [1000, 4001, 4005, 4007, 4008, 4010, 4011, 4012, 4013]) {
    test(`close ${code} (${describeClose(code).name}) ends the client`, () => {
      const { client, timers, of } = setup();
      join(client).serverClose(code, 'why');
      assert.equal(client.state, State.CLOSED);
      assert.equal(timers.pending.size, 0, 'no reconnect scheduled');
      const c = of('closed')[0];
      assert.deepEqual([c.code, c.reason], [code, 'why']);
      assert.equal(c.message, describeClose(code).message);
    });
  }

  for (const code of [1001, 1006, 1011, 4002, 4003, 4004, 4006, 4009, 4014]) {
    test(`close ${code} (${describeClose(code).name}) reconnects`, () => {
      const { client } = setup();
      join(client).serverClose(code);
      assert.equal(client.state, State.RECONNECTING);
    });
  }

  test('a refused first join does not retry', () => {
    const { client, of } = setup();
    client.connect();
    FakeWebSocket.last.open();
    FakeWebSocket.last.serverClose(4012, 'room not found');
    assert.equal(client.state, State.CLOSED);
    assert.equal(of('closed')[0].message, 'That room does not exist (any more).');
  });

  test('a server that is down at first is retried', () => {
    const { client, timers } = setup();
    client.connect();
    FakeWebSocket.last.serverClose(1006);
    assert.equal(client.state, State.RECONNECTING);
    timers.advance(375);
    assert.equal(FakeWebSocket.instances.length, 2);
    // A connection attempt that hangs is given up too.
    timers.advance(8000);
    assert.equal(FakeWebSocket.instances[1].closed.code, CLOSE_STALE);
    assert.equal(client.state, State.RECONNECTING);
  });

  test('gives up after maxReconnectAttempts', () => {
    const { client, timers, of } = setup({ client: { maxReconnectAttempts: 3 } });
    join(client).serverClose(1006);
    for (let i = 0; i < 3; i++) {
      timers.advance(20_000);
      FakeWebSocket.last.serverClose(1006);
    }
    assert.equal(FakeWebSocket.instances.length, 4);
    assert.equal(client.state, State.CLOSED);
    assert.match(of('closed')[0].message, /Gave up/);
  });

  test('the backoff restarts after a successful reconnect', () => {
    const { client, timers } = setup({ random: [1] });
    join(client).serverClose(1006);
    timers.advance(500);
    FakeWebSocket.last.serverClose(1006);
    assert.deepEqual(timers.delays, [1000]);
    timers.advance(1000);
    join(client).serverClose(1006);
    assert.deepEqual(timers.delays, [500]);
  });

  test('a silent connection is given up and replaced', () => {
    const { client, timers, of } = setup({ client: { staleAfterMs: 5000 } });
    const ws = join(client);
    timers.advance(4000);
    ws.receive(snapshot(1));
    timers.advance(4000);
    assert.equal(client.state, State.OPEN, 'messages keep it alive');
    timers.advance(1001);
    assert.deepEqual(ws.closed, { code: CLOSE_STALE, reason: 'no message from the server' });
    assert.equal(client.state, State.RECONNECTING);
    assert.equal(of('disconnect')[0].code, 1006);
    ws.serverClose(1006); // the late close event of the old socket changes nothing
    assert.equal(of('disconnect').length, 1);
  });

  test('close() stops for good', () => {
    const { client, timers } = setup();
    const ws = join(client);
    client.close();
    assert.equal(ws.closed.code, 1000);
    assert.equal(client.state, State.CLOSED);
    ws.serverClose(1000);
    timers.advance(60_000);
    assert.equal(FakeWebSocket.instances.length, 1);
  });
});

// Settles a promise into {value} or {error}, to look at after the fact.
const settle = (p) => p.then((value) => ({ value }), (error) => ({ error }));

describe('TickroomClient requests', () => {
  beforeEach(() => FakeWebSocket.reset());

  // The request timers pending: every timer but the stale-connection one.
  const requestTimers = (timers) => timers.delays.filter((ms) => ms !== 8000);

  test('replies are matched to their requests by id, in whatever order they come', async () => {
    const { client, timers } = setup();
    const ws = join(client);
    const info = client.request('room.info');
    const colour = client.request('colour', 120);
    assert.deepEqual(ws.sentOf('request'), [
      { type: 'request', id: 1, kind: 'room.info', data: null },
      { type: 'request', id: 2, kind: 'colour', data: 120 },
    ]);
    assert.deepEqual(requestTimers(timers), [REQUEST_TIMEOUT_MS, REQUEST_TIMEOUT_MS]);
    assert.equal(client.pendingRequests, 2);
    ws.receive(reply(2, 120));
    ws.receive(reply(1, { id: 'r1', locked: false, players: [[3, 'bob']] }));
    assert.equal(await colour, 120);
    assert.deepEqual(await info, { id: 'r1', locked: false, players: [[3, 'bob']] });
    assert.equal(client.pendingRequests, 0);
    assert.deepEqual(requestTimers(timers), [], 'no timer left behind');
  });

  test('an error reply rejects with a RequestError carrying its code', async () => {
    const { client, timers, of } = setup();
    const ws = join(client);
    const p = settle(client.request('colour', 400));
    ws.receive(reply(1, null, 'bad_request', 'hue must be 0..359'));
    const { error } = await p;
    assert.ok(error instanceof RequestError && error instanceof Error);
    assert.deepEqual(
      [error.name, error.code, error.message, error.id, error.kind],
      ['RequestError', 'bad_request', 'hue must be 0..359', 1, 'colour'],
    );
    assert.deepEqual(requestTimers(timers), []);
    assert.deepEqual(of('serverError'), [], 'a refused request is no server error');
  });

  test('a request without a reply in time rejects with timeout; its late reply is dropped', async () => {
    const { client, timers, of } = setup();
    const ws = join(client);
    const p = settle(client.request('colours', null, { timeout: 1000 }));
    timers.advance(999);
    assert.equal(client.pendingRequests, 1);
    timers.advance(1);
    const { error } = await p;
    assert.deepEqual([error.code, error.id, error.message], ['timeout', 1, 'No reply from the server in 1 s.']);
    assert.equal(client.pendingRequests, 0);
    ws.receive(reply(1, []));
    ws.receive(reply(77, [])); // nothing asked under this id either
    assert.deepEqual(of('protocolError'), []);
    assert.equal(client.state, State.OPEN);
  });

  test('a lost connection rejects the requests in flight; ids go on increasing', async () => {
    const { client, timers } = setup();
    const ws = join(client);
    const a = settle(client.request('colours'));
    const b = settle(client.request('colour', 5));
    ws.serverClose(1006);
    const [ra, rb] = await Promise.all([a, b]);
    assert.deepEqual([ra.error.code, ra.error.id, rb.error.code, rb.error.id], ['disconnected', 1, 'disconnected', 2]);
    assert.deepEqual(requestTimers(timers).filter((ms) => ms === REQUEST_TIMEOUT_MS), [], 'request timers cleared');
    // While reconnecting there is no connection to send on.
    const offline = await settle(client.request('colours'));
    assert.equal(offline.error.code, 'disconnected');
    client.reconnectNow();
    const ws2 = join(client, welcome({ resumed: true }));
    const c = client.request('colours');
    assert.deepEqual(ws2.sentOf('request'), [{ type: 'request', id: 4, kind: 'colours', data: null }]);
    ws.receive(reply(1, 'stale')); // the old socket is not listened to any more
    ws2.receive(reply(4, [[3, 200]]));
    assert.deepEqual(await c, [[3, 200]]);
  });

  test('close() rejects what is in flight; a closed client rejects at once', async () => {
    const { client, timers } = setup();
    const ws = join(client);
    const p = settle(client.request('room.info'));
    client.close();
    assert.equal((await p).error.code, 'disconnected');
    const after = await settle(client.request('room.info'));
    assert.deepEqual([after.error.code, after.error.message], ['closed', 'The client is closed.']);
    assert.equal(ws.sentOf('request').length, 1);
    assert.equal(timers.pending.size, 0, 'no timer left on a closed client');
  });

  test('before the welcome, nothing is sent', async () => {
    const { client, timers } = setup();
    assert.equal((await settle(client.request('colours'))).error.code, 'disconnected', 'before connect');
    client.connect();
    FakeWebSocket.last.open();
    assert.equal((await settle(client.request('colours'))).error.code, 'disconnected', 'before the welcome');
    assert.deepEqual(FakeWebSocket.last.sentOf('request'), []);
    assert.deepEqual(requestTimers(timers), []);
  });

  test('a bad kind or timeout rejects without sending anything', async () => {
    const { client, timers } = setup();
    const ws = join(client);
    assert.ok((await settle(client.request(''))).error instanceof TypeError);
    assert.ok((await settle(client.request('colours', null, { timeout: 0 }))).error instanceof RangeError);
    assert.deepEqual(ws.sentOf('request'), []);
    assert.deepEqual(requestTimers(timers), []);
  });
});

// A snapshot frame: the payload bytes (a state's msgpack, or a delta) in a bin.
const frame = (tick, base, ack, payload) => encode([20, tick, base, ack, payload]);

// Consecutive full snapshots of one Go game and the deltas between them.
const chain = (() => {
  const f = JSON.parse(readFileSync(new URL('../../../docs/vectors/snake-deltas.json', import.meta.url), 'utf8'));
  const b64 = (x) => Uint8Array.from(Buffer.from(x, 'base64'));
  return f.entries
    .filter((e) => e.kind === 'full' && e.gap === 1 && /^full \d+ from/.test(e.name))
    .map((e) => {
      const [base, delta, cur] = [b64(e.base), b64(e.delta), b64(e.cur)];
      return { base, delta, cur, baseTick: decode(base)[0], tick: decode(cur)[0] };
    })
    .filter((e) => e.baseTick > 0) // base tick 0 on the wire means a full snapshot
    .slice(0, 8);
})();

describe('TickroomClient with delta snapshots', () => {
  beforeEach(() => FakeWebSocket.reset());

  const withPatch = (patch = snakePatch) => setup({ client: { patch } });

  test('asks for deltas only when it can patch them', () => {
    const a = withPatch();
    join(a.client);
    assert.deepEqual(FakeWebSocket.last.sent[0].hello, { name: 'bob', game: 'snake', deltas: true });
    const b = setup();
    join(b.client);
    assert.deepEqual(FakeWebSocket.last.sent[0].hello, { name: 'bob', game: 'snake' });
  });

  test('patches deltas onto the last full state and hands on full states', () => {
    const { client, of } = withPatch();
    const ws = join(client, welcome({ deltas: true }));
    const [first, second] = chain;
    assert.equal(second.baseTick, first.tick, 'consecutive entries');
    ws.receive(frame(first.baseTick, 0, 0, first.base));
    ws.receive(frame(first.tick, first.baseTick, 1, first.delta));
    ws.receive(frame(second.tick, second.baseTick, 1, second.delta));
    const snaps = of('snapshot');
    assert.deepEqual(
      snaps.map((s) => [s.tick, s.base, s.delta]),
      [
        [first.baseTick, 0, false],
        [first.tick, first.baseTick, true],
        [second.tick, second.baseTick, true],
      ],
    );
    assert.deepEqual(snaps[1].bytes, first.cur, 'the patched bytes are the server’s');
    assert.deepEqual(snaps[2].payload, decode(second.cur), 'the payload is the full state, decoded');
    assert.deepEqual(snaps[0].payload, decode(first.base));
    assert.equal(client.deltas, 2);
    assert.equal(client.resyncs, 0);
    assert.equal(client.state, State.OPEN);
  });

  test('the patch function gets the exact bytes of the held state and of the delta', () => {
    const calls = [];
    const next = encode([9, 8, 8, [], new Uint8Array()]);
    const { client } = withPatch((base, delta) => {
      calls.push([Buffer.from(base).toString('hex'), Buffer.from(delta).toString('hex')]);
      return next;
    });
    const ws = join(client);
    ws.receive(frame(7, 0, 0, hex('95 07 08 08 90 c4 00'))); // [7, 8, 8, [], bin]
    ws.receive(frame(9, 7, 0, hex('c0')));
    ws.receive(frame(10, 9, 0, hex('c3')));
    assert.deepEqual(calls, [
      ['9507080890c400', 'c0'],
      [Buffer.from(next).toString('hex'), 'c3'],
    ]);
  });

  test('a delta against another tick than the one held resyncs: drop, resume at once, full state', () => {
    const { client, timers, of } = withPatch();
    const ws = join(client, welcome({ deltas: true }));
    ws.receive(event(1));
    const [first, second] = chain;
    ws.receive(frame(first.baseTick, 0, 0, first.base));
    // The server thinks the client holds first.tick, which it never got.
    ws.receive(frame(second.tick, second.baseTick, 0, second.delta));
    assert.equal(of('snapshot').length, 1, 'the delta is not handed on');
    assert.equal(of('resync').length, 1);
    assert.match(of('resync')[0].reason, new RegExp(`against tick ${second.baseTick}, but the client holds tick ${first.baseTick}`));
    assert.deepEqual(ws.closed, { code: CLOSE_RESYNC, reason: 'snapshots out of step' });
    assert.equal(client.state, State.RECONNECTING);
    const d = of('disconnect')[0];
    assert.deepEqual([d.code, d.name, d.willReconnect, d.delayMs], [CLOSE_RESYNC, 'resync', true, 0]);
    assert.deepEqual(timers.delays, [0], 'at once');
    timers.advance(0);
    // The new connection resumes the seat and asks for deltas again.
    const ws2 = FakeWebSocket.last;
    assert.notEqual(ws2, ws);
    ws2.open();
    assert.deepEqual(ws2.sent[0].hello, { name: 'bob', game: 'snake', deltas: true, room: 'r1', session: 'r1.aaaa', lastEvent: 1 });
    ws2.receive(welcome({ session: 'r1.bbbb', resumed: true, deltas: true }));
    assert.equal(of('welcome')[1].resumed, true);
    // A delta before the new connection's first full state resyncs too.
    ws2.receive(frame(second.tick, second.baseTick, 0, second.delta));
    assert.equal(of('resync').length, 2);
    assert.match(of('resync')[1].reason, /holds no snapshot/);
    assert.equal(of('disconnect')[1].delayMs, 375, 'a second resync soon after waits for the backoff');
    timers.advance(375);
    const ws3 = FakeWebSocket.last;
    ws3.open();
    ws3.receive(welcome({ session: 'r1.cccc', resumed: true, deltas: true }));
    // The server starts over with a full state; deltas apply again.
    ws3.receive(frame(second.baseTick, 0, 0, second.base));
    ws3.receive(frame(second.tick, second.baseTick, 0, second.delta));
    assert.deepEqual(of('snapshot').at(-1).bytes, second.cur);
    assert.equal(client.deltas, 1);
    assert.equal(client.resyncs, 2);
    ws.serverClose(1006); // the old sockets' late close events change nothing
    ws2.serverClose(1006);
    assert.equal(of('disconnect').length, 2);
    assert.equal(client.state, State.OPEN);
  });

  test('a delta the patch function refuses resyncs', () => {
    const { client, of } = withPatch();
    const ws = join(client);
    const [first, second] = chain;
    ws.receive(frame(first.baseTick, 0, 0, first.base));
    // The tick it holds, but a delta taken from other bytes: the CRC differs.
    ws.receive(frame(second.tick, first.baseTick, 0, second.delta));
    assert.equal(of('resync').length, 1);
    assert.match(of('resync')[0].reason, /did not apply: snake delta: delta from tick/);
    assert.equal(client.state, State.RECONNECTING);
    assert.equal(client.deltas, 0);
  });

  test('without a patch function, states are decoded and deltas pass through unpatched', () => {
    const { client, of } = setup();
    const ws = join(client);
    const [first] = chain;
    ws.receive(frame(first.baseTick, 0, 0, first.base));
    ws.receive(frame(first.tick, first.baseTick, 0, first.delta));
    assert.deepEqual(
      of('snapshot').map((s) => [s.tick, s.base, s.delta, s.payload, s.bytes]),
      [
        [first.baseTick, 0, false, decode(first.base), first.base],
        [first.tick, first.baseTick, false, null, first.delta],
      ],
    );
    assert.equal(client.deltas, 0);
    assert.equal(of('resync').length, 0);
    assert.equal(client.state, State.OPEN);
  });
});

describe('TickroomClient: returning players', () => {
  const KEY = 'Kq3-_ZtVb9Xo1mLr5sPdWnYc7aEfGhIj0uTkQvRwS2M';

  // A client like setup()'s that records history events too.
  function keyed(opts) {
    const s = setup({ client: opts });
    const history = [];
    s.client.on('history', (h) => history.push(h));
    return { ...s, history };
  }

  test('the key goes in every hello, the resume’s too, and the welcome’s playerId is kept', () => {
    const { client } = keyed({ key: KEY });
    client.connect();
    const ws = FakeWebSocket.last;
    ws.open();
    assert.deepEqual(ws.sent[0].hello, { name: 'bob', game: 'snake', key: KEY });
    assert.equal(client.playerId, undefined, 'no welcome yet');
    ws.receive(welcome({ playerId: 12 }));
    assert.equal(client.playerId, 12);
    assert.equal(client.welcome.playerId, 12);
    ws.serverClose(1006);
    client.reconnectNow();
    FakeWebSocket.last.open();
    assert.deepEqual(FakeWebSocket.last.sent[0].hello, { name: 'bob', game: 'snake', key: KEY, room: 'r1', session: 'r1.aaaa' });
  });

  test('hello.key works as the option does; without either the player is a guest', () => {
    const { client } = setup({ client: { hello: { name: 'ann', key: KEY } } });
    join(client, welcome({ playerId: 7 }));
    assert.equal(FakeWebSocket.last.sent[0].hello.key, KEY);
    assert.equal(client.playerId, 7);
    const { client: guest } = setup();
    join(guest);
    assert.equal(FakeWebSocket.last.sent[0].hello.key, undefined);
    assert.equal(guest.playerId, 0, 'a server that sends no playerId: a guest');
  });

  test('a key the server would refuse is refused at once', () => {
    for (const key of ['short', 'x'.repeat(129), `${'x'.repeat(20)}\u00e9`, `${'x'.repeat(20)}\n`]) {
      assert.throws(() => setup({ client: { key } }), { name: 'RangeError', message: /16 to 128 characters of printable ASCII/ }, JSON.stringify(key));
    }
    assert.throws(() => setup({ client: { hello: { key: 'short' } } }), RangeError);
    const { client } = setup({ client: { key: '' } });
    join(client);
    assert.equal(FakeWebSocket.last.sent[0].hello.key, undefined, 'an empty key is no key');
  });

  test('the history message is a history event: lines oldest first, at as a Date', () => {
    const { client, history, of } = keyed({ key: KEY });
    const ws = join(client, welcome({ playerId: 12 }));
    const at = Date.UTC(2026, 11, 2, 10, 0, 0);
    ws.receive(encode([22, [['ann', 'hi <b>all</b>', at, 12], ['guest7', 'yo', at + 1500, 0]]]));
    assert.equal(history.length, 1);
    assert.deepEqual(history[0].lines, [
      { name: 'ann', text: 'hi <b>all</b>', at: new Date(at), playerId: 12 },
      { name: 'guest7', text: 'yo', at: new Date(at + 1500), playerId: 0 },
    ]);
    assert.ok(history[0].lines[0].at instanceof Date);
    // Not an event: no seq is taken, no gap follows.
    ws.receive(event(1));
    assert.deepEqual(of('gap'), []);
    assert.equal(client.lastEvent, 1);
    // Empty history is still said.
    ws.receive(encode([22, []]));
    assert.deepEqual(history[1].lines, []);
  });

  test('a history before the welcome, or one that does not decode, is a protocolError', () => {
    const { client, history, of } = keyed({});
    client.connect();
    const ws = FakeWebSocket.last;
    ws.open();
    ws.receive(encode([22, [['ann', 'hi', 1, 0]]]));
    ws.receive(welcome());
    ws.receive(encode([22, [['ann', 5, 1, 0]]]));
    assert.deepEqual(history, []);
    assert.deepEqual(of('protocolError').map((e) => e.message), [
      'tickroom: history before the welcome',
      'tickroom: history line 0 text is not a string',
    ]);
    assert.equal(client.state, State.OPEN);
  });
});
