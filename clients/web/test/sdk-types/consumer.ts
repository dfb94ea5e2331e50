// A typed consumer of @tickroom/client. test/package.test.js compiles it
// with tsc --noEmit --strict against the declarations that npm pack
// generates, and e2e/package.test.js again in a fresh project that
// installed the packed tarball. It is only compiled, never run. The line
// after each ts-expect-error directive is a wrong use that must not
// compile: if the declarations let it through, tsc fails on the unused
// directive.

import {
  CloseCode,
  RequestError,
  SnapshotBuffer,
  State,
  SUBPROTOCOL,
  TickroomClient,
  createPlayerKey,
  decodeMessage,
  describeClose,
  encodeHello,
  encodeInput,
  encodeRequest,
  isPlayerKey,
  leaderboard,
  listRooms,
  matchmake,
  playerByKey,
  wsURL,
  type CloseInfo,
  type ConnectionState,
  type Hello,
  type HistoryLine,
  type LeaderboardEntry,
  type PlayerRecord,
  type RoomInfo,
  type Snapshot,
  type Welcome,
} from '@tickroom/client';

const hello: Hello = { name: 'ada', game: 'snake' };
const client = new TickroomClient({ url: 'ws://localhost:8080/ws', hello, WebSocket, backoff: { baseMs: 250 } });
const buffer = new SnapshotBuffer({ capacity: 8 });

client.on('state', (s) => {
  const state: ConnectionState = s;
  if (state === State.OPEN) console.log('open');
});
client.on('welcome', ({ welcome, resumed }) => {
  const w: Welcome = welcome;
  const player: number = w.player;
  const names: string[] = w.players.map((p) => p.name);
  console.log(player, names, resumed, w.tickRate);
});
client.on('snapshot', (s) => {
  const snap: Snapshot = s;
  const tick: number = snap.tick;
  const bytes: Uint8Array = snap.bytes;
  buffer.push(snap);
  console.log(tick, bytes.length, buffer.newest?.tick);
});
client.on('event', (e) => {
  const kind: string = e.kind;
  console.log(e.seq, kind, e.data);
});
client.on('serverError', ({ code, message, seq }) => console.log(code, message, seq));
client.on('disconnect', (d) => {
  const again: boolean = d.willReconnect;
  console.log(d.code, d.name, again, d.delayMs);
});
const off: () => boolean = client.on('closed', (c) => {
  const code: number = c.code;
  console.log(code === CloseCode.NORMAL, c.message);
});
off();

client.connect();
const seq: number = client.sendInput(1);
const sent: boolean = client.sendChat('hi');
console.log(seq, sent, client.player, client.room, client.rttMs, client.state);

async function requests(): Promise<void> {
  const info: RoomInfo = await client.request('room.info');
  const host: number = info.host;
  const seats: number = info.maxPlayers;
  const first: string | undefined = info.players[0]?.[1];
  const locked: boolean = await client.request('room.lock', true);
  const kicked: true = await client.request('room.kick', 2, { timeout: 1000 });
  const colour: unknown = await client.request('colour', 120);
  console.log(host, seats, first, locked, kicked, colour);
  try {
    await client.request('colours');
  } catch (err) {
    if (err instanceof RequestError) {
      const code: string = err.code;
      const id: number = err.id;
      const kind: string = err.kind;
      console.log(code, id, kind, err.message);
    }
  }
  // @ts-expect-error room.info's reply has no such field
  console.log(info.nope);
  // @ts-expect-error room.lock resolves with a boolean, not a RoomInfo
  const wrong: RoomInfo = await client.request('room.lock', false);
  console.log(wrong);
}

// A returning player: a key kept between visits, its stable id, the room's
// earlier chat.
const key: string = createPlayerKey();
const returning = new TickroomClient({ url: 'ws://localhost:8080/ws', key, hello: { name: 'ada', key } });
returning.on('welcome', ({ welcome }) => {
  const id: number = welcome.playerId;
  console.log(id, returning.playerId ?? 0, isPlayerKey(key));
});
returning.on('history', ({ lines }) => {
  const first: HistoryLine | undefined = lines[0];
  const when: Date | undefined = first?.at;
  const from: number | undefined = first?.playerId;
  console.log(first?.name, first?.text, when?.getTime(), from);
});

async function kept(): Promise<void> {
  const board = await leaderboard('http://localhost:8080', { game: 'snake', period: 'day', limit: 10 });
  const top: LeaderboardEntry | undefined = board.entries[0];
  const at: Date | undefined = top?.at;
  const me: PlayerRecord | null = await playerByKey('http://localhost:8080', key);
  const best: number | undefined = me?.best.all?.score;
  console.log(top?.rank, top?.name, at, best, me?.recent[0]?.cause);
  // @ts-expect-error a period is day, week or all
  await leaderboard('http://localhost:8080', { period: 'month' });
}

async function api(): Promise<void> {
  const rooms = await listRooms('http://localhost:8080', { game: 'snake' });
  const free: number = rooms[0] ? rooms[0].maxPlayers - rooms[0].players : 0;
  const seat = await matchmake('http://localhost:8080', { mode: 'quick', game: 'snake' });
  const again = new TickroomClient({ url: wsURL(new URL('http://localhost:8080/')), hello: { reservation: seat.reservation } });
  console.log(free, again.state);
}

const frame: Uint8Array = encodeHello(hello);
const m = decodeMessage(frame);
if (m.type === 'snapshot') {
  const base: number = m.base;
  console.log(base, m.payload.byteLength);
} else if (m.type === 'reply') {
  console.log(m.id, m.code, m.data);
}
const closeInfo: CloseInfo = describeClose(4008, 'full');
const again: boolean = closeInfo.reconnect;
console.log(SUBPROTOCOL, encodeInput(1, 2).length, encodeRequest(1, 'room.info').length, again, requests, api, kept);

// Wrong uses.
// @ts-expect-error a request's kind is a string
client.request(42);
// @ts-expect-error room.lock takes a boolean
client.request('room.lock', 'yes');
// @ts-expect-error room.kick takes a player id
client.request('room.kick', 'bob');
// @ts-expect-error there is no such event
client.on('nope', () => {});
// @ts-expect-error a snapshot's tick is a number
client.on('snapshot', (s: { tick: string }) => console.log(s));
// @ts-expect-error the options need a url
new TickroomClient({ hello });
// @ts-expect-error a player key is a string
new TickroomClient({ url: 'ws://localhost:8080/ws', key: 42 });
// @ts-expect-error a history line's time is a Date
client.on('history', ({ lines }) => lines.map((l): number => l.at));
// @ts-expect-error a hello's spectator is a boolean
new TickroomClient({ url: 'ws://localhost:8080/ws', hello: { spectator: 'yes' } });
// @ts-expect-error chat is text
client.sendChat(5);
// @ts-expect-error a message's type is one of the protocol's
if (m.type === 'nope') console.log(m);
