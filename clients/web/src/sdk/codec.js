// Codec of the tickroom.v1 wire protocol (README, "Wire protocol"): every
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
const HELLO_KEYS = ['name', 'game', 'room', 'reservation', 'session', 'lastEvent', 'spectator', 'auth'];

/**
 * Encodes hello: [1, {name, game, room, reservation, session, lastEvent,
 * spectator, auth}], every key optional.
 */
export function encodeHello(hello = {}) {
  const m = {};
  for (const k of HELLO_KEYS) {
    const v = hello[k];
    if (v !== undefined && v !== null && v !== '' && v !== 0 && v !== false) m[k] = v;
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
 *   {type: 'welcome', welcome: {player, session, room, game, tickRate, tick, spectator, resumed, players: [{player, name}], config}}
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
