// Codec of the tickroom.v2 wire protocol (docs/protocol.md): every
// message is one msgpack array whose first element is the message type.
// Encoders build client messages; decodeMessage reads any message, of either
// direction, into a plain object whose `type` names it.

import { Decoder, Encoder } from '@msgpack/msgpack';

/** The WebSocket subprotocol a client must offer. */
export const SUBPROTOCOL = 'tickroom.v2';

/** Message type numbers, the first element of every message. */
export const MsgType = Object.freeze({
  HELLO: 1,
  INPUT: 2,
  PONG: 3,
  CHAT: 4,
  LEAVE: 5,
  REQUEST: 6,
  WELCOME: 16,
  EVENT: 17,
  PING: 18,
  ERROR: 19,
  SNAPSHOT: 20,
  REPLY: 21,
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
 * Encodes request: [6, id, kind, data]. id (from 1) is the client's, to
 * match the reply with; data is any msgpack-encodable value, nil when
 * undefined.
 */
export function encodeRequest(id, kind, data = null) {
  checkU32(id, 'request id', 1);
  if (typeof kind !== 'string' || kind === '') throw new TypeError(`request kind must be a non-empty string, got ${String(kind)}`);
  return encoder.encode([MsgType.REQUEST, id, kind, data]);
}

/**
 * Decodes one message. Elements beyond the ones this version knows are
 * ignored; anything malformed throws a ProtocolError.
 *
 * Server messages decode to:
 *   {type: 'welcome', welcome: {player, session, room, game, tickRate, tick, spectator, resumed, historyLost, lastEvent, deltas, areaOfInterest, players: [{player, name}], config}}
 *   {type: 'event', seq, tick, kind, data}
 *   {type: 'ping', id, serverTimeMs, tick, rttMs}
 *   {type: 'error', code, message, seq}    seq: the input it is about, or 0
 *   {type: 'snapshot', tick, base, ack, payload}
 *   {type: 'reply', id, code, message, data}    code '' is success
 * and client messages to {type: 'hello', hello}, {type: 'input', seq,
 * payload}, {type: 'pong', id}, {type: 'chat', text}, {type: 'leave'},
 * {type: 'request', id, kind, data}.
 *
 * A snapshot's payload is the bytes of its bin (a view into bytes): the
 * state's msgpack when base is 0, else the game's delta, to patch onto the
 * bytes of the state of tick base.
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
    case MsgType.REQUEST:
      need(4, 'request');
      return { type: 'request', id: u32(v[1], 'request id'), kind: str(v[2], 'request kind'), data: v[3] };
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
      need(4, 'error');
      return { type: 'error', code: str(v[1], 'error code'), message: str(v[2], 'error message'), seq: u32(v[3], 'error seq') };
    case MsgType.SNAPSHOT:
      need(5, 'snapshot');
      return {
        type: 'snapshot',
        tick: u32(v[1], 'snapshot tick'),
        base: u32(v[2], 'snapshot base tick'),
        ack: u32(v[3], 'snapshot ack'),
        payload: bin(v[4], 'snapshot payload'),
      };
    case MsgType.REPLY:
      need(5, 'reply');
      return {
        type: 'reply',
        id: u32(v[1], 'reply id'),
        code: str(v[2], 'reply code'),
        message: str(v[3], 'reply message'),
        data: v[4],
      };
    default:
      throw new ProtocolError(`unknown message type ${String(t)}`);
  }
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

function bin(v, what) {
  if (!(v instanceof Uint8Array)) throw new ProtocolError(`${what} is not a bin`);
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
