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
  HISTORY: 22,
});

/** Largest chat text, in characters (code points). */
export const MAX_CHAT_CHARS = 200;

/** Shortest and longest player key (hello key), in bytes of printable ASCII. */
export const MIN_KEY_LENGTH = 16;
export const MAX_KEY_LENGTH = 128;

/** Thrown for bytes that are not a valid protocol message. */
export class ProtocolError extends Error {
  /** @param {string} message what is wrong (the message gets a "tickroom: " prefix) */
  constructor(message) {
    super(`tickroom: ${message}`);
    this.name = 'ProtocolError';
  }
}

// One encoder and decoder for the whole page: they keep their buffers.
const encoder = new Encoder();
const decoder = new Decoder();

/**
 * The hello, the first message of a connection (docs/protocol.md, "hello").
 * Every key is optional: {} is quick play of the server's default game.
 *
 * @typedef {object} Hello
 * @property {string} [name] display name
 * @property {string} [game] the game type for quick play, e.g. 'snake'
 * @property {string} [room] join this room by id
 * @property {string} [reservation] spend a seat reservation from matchmake()
 * @property {string} [session] resume a dropped player: the last welcome's session
 * @property {number} [lastEvent] with session: the seq of the last event received
 * @property {boolean} [spectator] join without a seat
 * @property {string} [auth] the server's join secret
 * @property {boolean} [deltas] this client can patch delta snapshots
 * @property {[x: number, y: number, w: number, h: number]} [view] a spectator's area of interest
 * @property {string} [key] the player key: a secret of 16 to 128 printable ASCII (no space)
 *   characters that makes this player the same returning player, with a stable
 *   playerId, name and records, on servers that keep them (see isPlayerKey)
 */

/**
 * The first message on a connection that joined (docs/protocol.md,
 * "welcome").
 *
 * @typedef {object} Welcome
 * @property {number} player this client's player id in the room (spectators get one too)
 * @property {number} playerId the stable id of the returning player the hello's key
 *   stands for; 0 for a guest (no key, or a server that keeps no players)
 * @property {string} session the token to resume with; '' for a spectator
 * @property {string} account the account the server's join token admitted ('' without one)
 * @property {string} room the room's id
 * @property {string} game the game type
 * @property {number} tickRate ticks per second
 * @property {number} tick the room's current tick
 * @property {boolean} spectator this client is a spectator
 * @property {boolean} resumed the hello's session put the player back on its seat
 * @property {boolean} historyLost on a resume: the missed events are not replayed
 * @property {number} lastEvent the event seq the following events continue from
 * @property {boolean} deltas snapshots may come as deltas
 * @property {boolean} areaOfInterest snapshots may hold only a part of the world
 * @property {RosterEntry[]} players every seated player, in join order
 * @property {unknown} config the game's settings (Snake: {w, h, food, respawn_ticks, max_players, ...}), null when none
 */

/**
 * A seated player, as the welcome lists it.
 *
 * @typedef {object} RosterEntry
 * @property {number} player
 * @property {string} name
 */

/**
 * A decoded message, by its type.
 *
 * @typedef {{type: 'welcome', welcome: Welcome}} WelcomeMessage
 * @typedef {{type: 'event', seq: number, tick: number, kind: string, data: unknown}} EventMessage
 * @typedef {{type: 'ping', id: number, serverTimeMs: number, tick: number, rttMs: number}} PingMessage
 * @typedef {{type: 'error', code: string, message: string, seq: number}} ErrorMessage
 * @typedef {{type: 'snapshot', tick: number, base: number, ack: number, payload: Uint8Array}} SnapshotMessage
 * @typedef {{type: 'reply', id: number, code: string, message: string, data: unknown}} ReplyMessage
 * @typedef {{type: 'history', lines: HistoryEntry[]}} HistoryMessage
 * @typedef {{type: 'hello', hello: Record<string, unknown>}} HelloMessage
 * @typedef {{type: 'input', seq: number, payload: unknown}} InputMessage
 * @typedef {{type: 'pong', id: number}} PongMessage
 * @typedef {{type: 'chat', text: string}} ChatMessage
 * @typedef {{type: 'leave'}} LeaveMessage
 * @typedef {{type: 'request', id: number, kind: string, data: unknown}} RequestMessage
 * @typedef {WelcomeMessage | EventMessage | PingMessage | ErrorMessage | SnapshotMessage | ReplyMessage | HistoryMessage} ServerMessage
 * @typedef {HelloMessage | InputMessage | PongMessage | ChatMessage | LeaveMessage | RequestMessage} ClientMessage
 * @typedef {ServerMessage | ClientMessage} Message
 */

/**
 * A chat line of the room's history (the history message), as sent.
 *
 * @typedef {object} HistoryEntry
 * @property {string} name the sender's display name when it was said
 * @property {string} text what was said, as sent: never markup
 * @property {number} atMs when, in Unix milliseconds
 * @property {number} playerId the sender's stable player id; 0 for a guest
 */

// The hello map's keys in the order the Go server writes them; unset,
// empty, zero and false values are left out, as the server's omitempty does.
/** @type {Array<keyof Hello>} */
const HELLO_KEYS = ['name', 'game', 'room', 'reservation', 'session', 'lastEvent', 'spectator', 'auth', 'deltas', 'view', 'key'];

/**
 * Encodes hello: [1, {name, game, room, reservation, session, lastEvent,
 * spectator, auth, deltas, view, key}], every key optional. deltas: true
 * asks for delta snapshots (the client can patch them); view, [x, y, w,
 * h], is a spectator's area of interest; key, the player key.
 *
 * @param {Hello} [hello]
 * @returns {Uint8Array}
 */
export function encodeHello(hello = {}) {
  /** @type {Record<string, unknown>} */
  const m = {};
  for (const k of HELLO_KEYS) {
    const v = /** @type {unknown} */ (hello[k]);
    if (v === undefined || v === null || v === '' || v === 0 || v === false) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    m[k] = v;
  }
  return encoder.encode([MsgType.HELLO, m]);
}

/**
 * Encodes input: [2, seq, payload]; payload is any msgpack-encodable value.
 *
 * @param {number} seq 1 to 2^32-1, increasing on a connection
 * @param {unknown} payload the game's input (Snake: a direction, 0 to 3)
 * @returns {Uint8Array}
 */
export function encodeInput(seq, payload) {
  checkU32(seq, 'input seq', 1);
  return encoder.encode([MsgType.INPUT, seq, payload]);
}

/**
 * Encodes pong: [3, pingId].
 *
 * @param {number} pingId the id of the ping received
 * @returns {Uint8Array}
 */
export function encodePong(pingId) {
  checkU32(pingId, 'ping id', 0);
  return encoder.encode([MsgType.PONG, pingId]);
}

/**
 * Encodes chat: [4, text], 1..200 characters; throws a RangeError for
 * another length.
 *
 * @param {string} text
 * @returns {Uint8Array}
 */
export function encodeChat(text) {
  const n = typeof text === 'string' ? [...text].length : 0;
  if (n < 1 || n > MAX_CHAT_CHARS) {
    throw new RangeError(`chat text must be 1..${MAX_CHAT_CHARS} characters, got ${n}`);
  }
  return encoder.encode([MsgType.CHAT, text]);
}

/**
 * Encodes leave: [5].
 *
 * @returns {Uint8Array}
 */
export function encodeLeave() {
  return encoder.encode([MsgType.LEAVE]);
}

/**
 * Encodes request: [6, id, kind, data]. id (from 1) is the client's, to
 * match the reply with; data is any msgpack-encodable value, nil when
 * undefined.
 *
 * @param {number} id 1 to 2^32-1
 * @param {string} kind non-empty
 * @param {unknown} [data]
 * @returns {Uint8Array}
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
 *   {type: 'welcome', welcome: {player, session, account, room, game, tickRate, tick, spectator, resumed, historyLost, lastEvent, deltas, areaOfInterest, players: [{player, name}], config}}
 *   {type: 'event', seq, tick, kind, data}
 *   {type: 'ping', id, serverTimeMs, tick, rttMs}
 *   {type: 'error', code, message, seq}    seq: the input it is about, or 0
 *   {type: 'snapshot', tick, base, ack, payload}
 *   {type: 'reply', id, code, message, data}    code '' is success
 *   {type: 'history', lines: [{name, text, atMs, playerId}]}    oldest first
 * and client messages to {type: 'hello', hello}, {type: 'input', seq,
 * payload}, {type: 'pong', id}, {type: 'chat', text}, {type: 'leave'},
 * {type: 'request', id, kind, data}.
 *
 * A snapshot's payload is the bytes of its bin (a view into bytes): the
 * state's msgpack when base is 0, else the game's delta, to patch onto the
 * bytes of the state of tick base.
 *
 * @param {ArrayLike<number> | ArrayBufferView | ArrayBufferLike} bytes one message
 * @returns {Message}
 * @throws {ProtocolError}
 */
export function decodeMessage(bytes) {
  /** @type {unknown} */
  let d;
  try {
    d = decoder.decode(bytes);
  } catch (err) {
    throw new ProtocolError(`not msgpack: ${/** @type {Error} */ (err).message}`);
  }
  if (!Array.isArray(d) || d.length < 1) throw new ProtocolError('not a msgpack array');
  /** @type {unknown[]} */
  const v = d;
  const t = v[0];
  /** @type {(n: number, name: string) => void} */
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
    case MsgType.HISTORY:
      need(2, 'history');
      return { type: 'history', lines: history(v[1]) };
    default:
      throw new ProtocolError(`unknown message type ${String(t)}`);
  }
}

/**
 * @param {unknown} v
 * @returns {Welcome}
 */
function welcome(v) {
  const w = map(v, 'welcome');
  const players = w.players ?? [];
  if (!Array.isArray(players)) throw new ProtocolError('welcome players is not an array');
  const tickRate = uint(w.tickRate, 'welcome tickRate');
  if (tickRate < 1) throw new ProtocolError('welcome tickRate is 0');
  return {
    player: u32(w.player, 'welcome player'),
    // The returning player's stable id; servers before it send none.
    playerId: w.playerId == null ? 0 : id(w.playerId, 'welcome playerId'),
    session: w.session == null ? '' : str(w.session, 'welcome session'),
    account: w.account == null ? '' : str(w.account, 'welcome account'),
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

/**
 * @param {unknown} v
 * @returns {HistoryEntry[]}
 */
function history(v) {
  if (v == null) return [];
  if (!Array.isArray(v)) throw new ProtocolError('history lines are not an array');
  return v.map((l, i) => {
    if (!Array.isArray(l) || l.length < 4) throw new ProtocolError(`history line ${i} is not [name, text, at, playerId]`);
    return {
      name: str(l[0], `history line ${i} name`),
      text: str(l[1], `history line ${i} text`),
      atMs: int(l[2], `history line ${i} time`),
      playerId: id(l[3], `history line ${i} playerId`),
    };
  });
}

/**
 * Whether key can be a player key (the hello's key): 16 to 128 characters
 * of printable ASCII without the space (0x21 to 0x7e), as the server
 * takes them.
 *
 * @param {unknown} key
 * @returns {key is string}
 */
export function isPlayerKey(key) {
  return typeof key === 'string' && key.length >= MIN_KEY_LENGTH && key.length <= MAX_KEY_LENGTH && /^[\x21-\x7e]*$/.test(key);
}

/**
 * @param {unknown} v
 * @param {string} what
 * @returns {Record<string, any>}
 */
function map(v, what) {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) {
    throw new ProtocolError(`${what} is not a map`);
  }
  return /** @type {Record<string, any>} */ (v);
}

/**
 * @param {unknown} v
 * @param {string} what
 * @returns {Uint8Array}
 */
function bin(v, what) {
  if (!(v instanceof Uint8Array)) throw new ProtocolError(`${what} is not a bin`);
  return v;
}

/**
 * @param {unknown} v
 * @param {string} what
 * @returns {string}
 */
function str(v, what) {
  if (typeof v !== 'string') throw new ProtocolError(`${what} is not a string`);
  return v;
}

/**
 * @param {unknown} v
 * @param {string} what
 * @returns {number}
 */
function uint(v, what) {
  const n = /** @type {number} */ (v);
  if (!Number.isInteger(n) || n < 0) throw new ProtocolError(`${what} is not an unsigned integer`);
  return n;
}

/**
 * An integer a JavaScript number holds exactly (a time in ms may be before
 * 1970, so negative).
 *
 * @param {unknown} v
 * @param {string} what
 * @returns {number}
 */
function int(v, what) {
  const n = /** @type {number} */ (v);
  if (!Number.isSafeInteger(n)) throw new ProtocolError(`${what} is not an integer`);
  return n;
}

/**
 * A stable id: an unsigned integer a JavaScript number holds exactly.
 *
 * @param {unknown} v
 * @param {string} what
 * @returns {number}
 */
function id(v, what) {
  const n = /** @type {number} */ (v);
  if (!Number.isSafeInteger(n) || n < 0) throw new ProtocolError(`${what} is not an unsigned integer`);
  return n;
}

/**
 * @param {unknown} v
 * @param {string} what
 * @returns {number}
 */
function u32(v, what) {
  const n = /** @type {number} */ (v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ProtocolError(`${what} is not a u32`);
  return n;
}

/**
 * @param {unknown} v
 * @param {string} what
 * @param {number} min
 */
function checkU32(v, what, min) {
  const n = /** @type {number} */ (v);
  if (!Number.isInteger(n) || n < min || n > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in ${min}..${0xffffffff}, got ${v}`);
  }
}
