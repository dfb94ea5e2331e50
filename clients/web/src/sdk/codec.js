// Codec of the tickroom.v1 wire protocol (docs/protocol.md): every
// message is one msgpack array whose first element is the message type.
// Encoders build client messages; decodeMessage reads any message, of either
// direction, into a plain object whose `type` names it.

import { Decoder, Encoder } from '@msgpack/msgpack';

/** The WebSocket subprotocol a client must offer. */
export const SUBPROTOCOL = 'tickroom.v1';

/** Message type numbers, the first element of every message. */
export const MsgType = Object.freeze({
  HELLO: 1,
  INPUT: 2,
  PONG: 3,
  CHAT: 4,
  LEAVE: 5,
  WELCOME: 16,
  EVENT: 17,
  PING: 18,
  ERROR: 19,
  SNAPSHOT: 20,
});

/** Largest chat text, in characters (code points). */
export const MAX_CHAT_CHARS = 200;

/** Thrown for bytes that are not a valid protocol message. */
export class ProtocolError extends Error {
  constructor(message) {
    super(`tickroom: ${message}`);
    this.name = 'ProtocolError';
  }
}

// One encoder and decoder for the whole page: they keep their buffers.
const encoder = new Encoder();
const decoder = new Decoder();

// The hello map's keys in the order the Go server writes them; unset,
// empty, zero and false values are left out, as the server's omitempty does.
const HELLO_KEYS = ['name', 'game', 'room', 'reservation', 'session', 'lastEvent', 'spectator', 'auth', 'deltas', 'view'];

/**
 * Encodes hello: [1, {name, game, room, reservation, session, lastEvent,
 * spectator, auth, deltas, view}], every key optional. deltas: true asks
 * for delta snapshots (the client can patch them); view, [x, y, w, h], is
 * a spectator's area of interest.
 */
export function encodeHello(hello = {}) {
  const m = {};
  for (const k of HELLO_KEYS) {
    const v = hello[k];
    if (v === undefined || v === null || v === '' || v === 0 || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    m[k] = v;
  }
  return encoder.encode([MsgType.HELLO, m]);
}

/** Encodes input: [2, seq, payload]; payload is any msgpack-encodable value. */
export function encodeInput(seq, payload) {
  checkU32(seq, 'input seq', 1);
  return encoder.encode([MsgType.INPUT, seq, payload]);
}

/** Encodes pong: [3, pingId]. */
export function encodePong(pingId) {
  checkU32(pingId, 'ping id', 0);
  return encoder.encode([MsgType.PONG, pingId]);
}

/** Encodes chat: [4, text], 1..200 characters. */
export function encodeChat(text) {
  const n = typeof text === 'string' ? [...text].length : 0;
  if (n < 1 || n > MAX_CHAT_CHARS) {
    throw new RangeError(`chat text must be 1..${MAX_CHAT_CHARS} characters, got ${n}`);
  }
  return encoder.encode([MsgType.CHAT, text]);
}

/** Encodes leave: [5]. */
export function encodeLeave() {
  return encoder.encode([MsgType.LEAVE]);
}

/**
 * Decodes one message. Elements beyond the ones this version knows are
 * ignored; anything malformed throws a ProtocolError.
 *
 * Server messages decode to:
 *   {type: 'welcome', welcome: {player, session, room, game, tickRate, tick, spectator, resumed, historyLost, lastEvent, deltas, areaOfInterest, players: [{player, name}], config}}
 *   {type: 'event', seq, tick, kind, data}
 *   {type: 'ping', id, serverTimeMs, tick, rttMs}
 *   {type: 'error', code, message}
 *   {type: 'snapshot', tick, base, ack, payload}
 * and client messages to {type: 'hello', hello}, {type: 'input', seq,
 * payload}, {type: 'pong', id}, {type: 'chat', text}, {type: 'leave'}.
 */
export function decodeMessage(bytes) {
  let v;
  try {
    v = decoder.decode(bytes);
  } catch (err) {
    throw new ProtocolError(`not msgpack: ${err.message}`);
  }
  if (!Array.isArray(v) || v.length < 1) throw new ProtocolError('not a msgpack array');
  const t = v[0];
  const need = (n, name) => {
    if (v.length < n) throw new ProtocolError(`${name} has ${v.length} elements, want ${n}`);
  };
  switch (t) {
    case MsgType.HELLO:
      need(2, 'hello');
      return { type: 'hello', hello: map(v[1], 'hello') };
    case MsgType.INPUT:
      need(3, 'input');
      return { type: 'input', seq: u32(v[1], 'input seq'), payload: v[2] };
    case MsgType.PONG:
      need(2, 'pong');
      return { type: 'pong', id: u32(v[1], 'pong id') };
    case MsgType.CHAT:
      need(2, 'chat');
      return { type: 'chat', text: str(v[1], 'chat text') };
    case MsgType.LEAVE:
      return { type: 'leave' };
    case MsgType.WELCOME:
      need(2, 'welcome');
      return { type: 'welcome', welcome: welcome(v[1]) };
    case MsgType.EVENT:
      need(5, 'event');
      return { type: 'event', seq: u32(v[1], 'event seq'), tick: u32(v[2], 'event tick'), kind: str(v[3], 'event kind'), data: v[4] };
    case MsgType.PING:
      need(5, 'ping');
      return {
        type: 'ping',
        id: u32(v[1], 'ping id'),
        serverTimeMs: uint(v[2], 'ping server time'),
        tick: u32(v[3], 'ping tick'),
        rttMs: u32(v[4], 'ping rtt'),
      };
    case MsgType.ERROR:
      need(3, 'error');
      return { type: 'error', code: str(v[1], 'error code'), message: str(v[2], 'error message') };
    case MsgType.SNAPSHOT:
      need(5, 'snapshot');
      return {
        type: 'snapshot',
        tick: u32(v[1], 'snapshot tick'),
        base: u32(v[2], 'snapshot base tick'),
        ack: u32(v[3], 'snapshot ack'),
        payload: v[4],
      };
    default:
      throw new ProtocolError(`unknown message type ${String(t)}`);
  }
}

/**
 * The payload of a snapshot message as raw msgpack bytes (a view into
 * bytes), as the server spliced it in: a delta must be patched onto, and
 * checked against, the exact bytes of the snapshot it was taken from,
 * which decoding and re-encoding would not always give back. Throws a
 * ProtocolError when bytes are not a snapshot message.
 */
export function snapshotPayload(bytes) {
  const r = { b: bytes, i: 0 };
  const n = arrayHeader(r);
  if (n < 5) throw new ProtocolError(`snapshot has ${n} elements, want 5`);
  for (let k = 0; k < 4; k++) skipValue(r); // type, tick, base tick, ack
  const start = r.i;
  skipValue(r);
  return bytes.subarray(start, r.i);
}

function arrayHeader(r) {
  const c = r.b[r.i];
  if (c >= 0x90 && c <= 0x9f) {
    r.i++;
    return c & 0x0f;
  }
  if (c === 0xdc || c === 0xdd) {
    const size = c === 0xdc ? 2 : 4;
    const n = beUint(r, r.i + 1, size);
    r.i += 1 + size;
    return n;
  }
  throw new ProtocolError('not a msgpack array');
}

function beUint(r, at, size) {
  if (at + size > r.b.length) throw new ProtocolError('msgpack ends early');
  let v = 0;
  for (let k = 0; k < size; k++) v = v * 256 + r.b[at + k];
  return v;
}

// skipValue moves r past one msgpack value.
function skipValue(r) {
  if (r.i >= r.b.length) throw new ProtocolError('msgpack ends early');
  const c = r.b[r.i];
  const skipBytes = (n) => {
    if (r.i + n > r.b.length) throw new ProtocolError('msgpack ends early');
    r.i += n;
  };
  const skipItems = (n) => {
    for (let k = 0; k < n; k++) skipValue(r);
  };
  if (c <= 0x7f || c >= 0xe0 || c === 0xc0 || c === 0xc2 || c === 0xc3) return skipBytes(1);
  if (c >= 0x80 && c <= 0x8f) {
    r.i++;
    return skipItems(2 * (c & 0x0f));
  }
  if (c >= 0x90 && c <= 0x9f) {
    r.i++;
    return skipItems(c & 0x0f);
  }
  if (c >= 0xa0 && c <= 0xbf) return skipBytes(1 + (c & 0x1f));
  const fixed = { 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xca: 4, 0xcb: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17 }[c];
  if (fixed !== undefined) return skipBytes(1 + fixed);
  const sized = { 0xc4: 1, 0xc5: 2, 0xc6: 4, 0xd9: 1, 0xda: 2, 0xdb: 4, 0xc7: 1, 0xc8: 2, 0xc9: 4 }[c];
  if (sized !== undefined) {
    const n = beUint(r, r.i + 1, sized);
    const ext = c >= 0xc7 && c <= 0xc9 ? 1 : 0; // an ext's type byte
    return skipBytes(1 + sized + ext + n);
  }
  if (c === 0xdc || c === 0xdd || c === 0xde || c === 0xdf) {
    const size = c === 0xdc || c === 0xde ? 2 : 4;
    const n = beUint(r, r.i + 1, size);
    r.i += 1 + size;
    return skipItems(c >= 0xde ? 2 * n : n);
  }
  throw new ProtocolError(`not msgpack: byte ${c}`);
}

function welcome(w) {
  map(w, 'welcome');
  const players = w.players ?? [];
  if (!Array.isArray(players)) throw new ProtocolError('welcome players is not an array');
  const tickRate = uint(w.tickRate, 'welcome tickRate');
  if (tickRate < 1) throw new ProtocolError('welcome tickRate is 0');
  return {
    player: u32(w.player, 'welcome player'),
    session: w.session == null ? '' : str(w.session, 'welcome session'),
    room: str(w.room, 'welcome room'),
    game: str(w.game, 'welcome game'),
    tickRate,
    tick: u32(w.tick ?? 0, 'welcome tick'),
    spectator: w.spectator === true,
    // Set by servers that support session resume when this welcome put the
    // player back on its seat.
    resumed: w.resumed === true,
    // On a resume: the events missed could not all be kept, so none are
    // replayed; the roster and the next (full) snapshot are the truth.
    historyLost: w.historyLost === true,
    // The event seq the following events continue from.
    lastEvent: u32(w.lastEvent ?? 0, 'welcome lastEvent'),
    // Snapshots may come as deltas (the hello asked for them).
    deltas: w.deltas === true,
    // Snapshots hold only the part of the world around the player.
    areaOfInterest: w.areaOfInterest === true,
    players: players.map((p) => {
      if (!Array.isArray(p) || p.length < 2) throw new ProtocolError('welcome player entry is not [player, name]');
      return { player: u32(p[0], 'welcome player id'), name: str(p[1], 'welcome player name') };
    }),
    config: w.config ?? null,
  };
}

function map(v, what) {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    throw new ProtocolError(`${what} is not a map`);
  }
  return v;
}

function str(v, what) {
  if (typeof v !== 'string') throw new ProtocolError(`${what} is not a string`);
  return v;
}

function uint(v, what) {
  if (!Number.isInteger(v) || v < 0) throw new ProtocolError(`${what} is not an unsigned integer`);
  return v;
}

function u32(v, what) {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new ProtocolError(`${what} is not a u32`);
  return v;
}

function checkU32(v, what, min) {
  if (!Number.isInteger(v) || v < min || v > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in ${min}..${0xffffffff}, got ${v}`);
  }
}
