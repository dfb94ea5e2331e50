// A user's program, run by e2e/package.test.js in a fresh npm project that
// installed the packed @tickroom/client tarball: it joins a Snake room on
// the real server given as its argument, takes a welcome and a snapshot,
// sends an input and waits for its ack, makes requests, leaves, and prints
// what it saw as one line of JSON. It joins with a player key, as a
// returning player, and asks the HTTP API for its record.
//
//   node app.js ws://127.0.0.1:PORT/ws
import { RequestError, SUBPROTOCOL, TickroomClient, createPlayerKey, isPlayerKey, playerByKey } from '@tickroom/client';

const url = process.argv[2];
const report = { subprotocol: SUBPROTOCOL, states: [], events: [], protocolErrors: [], serverErrors: [] };
const timer = setTimeout(() => {
  console.error(`app: timed out; so far: ${JSON.stringify(report)}`);
  process.exit(1);
}, 20_000);

const key = createPlayerKey();
report.keyOk = isPlayerKey(key);
const client = new TickroomClient({ url, key, hello: { name: 'packed', game: 'snake' } });
client.on('state', (s) => report.states.push(s));
client.on('event', (e) => report.events.push({ kind: e.kind, data: e.data }));
client.on('protocolError', (err) => report.protocolErrors.push(err.message));
client.on('serverError', (e) => report.serverErrors.push(e));
const once = (type, pred = () => true) =>
  new Promise((resolve) => {
    const off = client.on(type, (v) => {
      if (!pred(v)) return;
      off();
      resolve(v);
    });
  });
const welcomed = once('welcome');
const snapshotted = once('snapshot');
const closed = once('closed');

client.connect();
const { welcome } = await welcomed;
report.welcome = { player: welcome.player, playerId: welcome.playerId, room: welcome.room, game: welcome.game, tickRate: welcome.tickRate, players: welcome.players };
const snap = await snapshotted;
report.snapshot = { tick: snap.tick, base: snap.base, bytes: snap.bytes.length, state: Array.isArray(snap.payload) ? snap.payload.slice(0, 3) : null };

// An input (Snake: turn right) and the snapshot that acknowledges it.
const seq = client.sendInput(1);
const acked = await once('snapshot', (s) => s.ack >= seq);
report.input = { seq, ack: acked.ack };

report.info = await client.request('room.info');
const refused = async (kind, data) => {
  try {
    return { resolved: await client.request(kind, data) };
  } catch (err) {
    return err instanceof RequestError ? { error: err.name, code: err.code, kind: err.kind } : { thrown: String(err) };
  }
};
report.kickSelf = await refused('room.kick', welcome.player);
report.unknown = await refused('no.such.request', null);

client.leave();
report.closed = await closed;
// The server knows the key now: the record is the same player's.
const me = await playerByKey(new URL(url.replace(/^ws/, 'http')).origin, key);
report.record = me && { id: me.id, name: me.name, created: me.created instanceof Date };
report.finalState = client.state;
clearTimeout(timer);
console.log(JSON.stringify(report));
