// TickroomClient is one player's connection to a tickroom server over the
// tickroom.v2 protocol: hello and welcome, inputs with increasing seqs,
// events with gap detection, snapshots with acks, automatic pongs, chat,
// requests with replies, leave, and automatic reconnection with
// exponential backoff and jitter.
//
//   const c = new TickroomClient({ url: 'ws://localhost:8080/ws', hello: { name: 'ada', game: 'snake' } });
//   c.on('welcome', ({ welcome, resumed }) => ...);
//   c.on('snapshot', (s) => ...);      // {tick, base, ack, payload, bytes, delta, receivedAt}
//   c.on('event', (e) => ...);         // {seq, tick, kind, data}
//   c.on('history', ({lines}) => ...); // the room's earlier chat, on joining
//   c.connect();
//   c.sendInput(1);
//   const info = await c.request('room.info');
//
// Events emitted (on(type, fn)):
//   state        'connecting' | 'open' | 'reconnecting' | 'closed'
//   welcome      {welcome, reconnected, resumed}
//   event        {seq, tick, kind, data}
//   history      {lines: [{name, text, at, playerId}]}: the room's last
//                chat lines from before this player joined, oldest first
//                (at a Date), once after a welcome, on servers that keep
//                chat; not events: no seq, not replayed on a resume
//   gap          {expected, got}: an event seq was skipped (a server bug or
//                a resume that could not replay everything)
//   snapshot     {tick, base, ack, payload, bytes, delta, receivedAt}
//                payload is the decoded state and bytes its msgpack; with
//                a patch function it is always a full state (delta says
//                whether it came as one). Without one, a delta (base > 0,
//                which the server sends only on request) is handed on
//                unpatched: payload null, bytes the delta's.
//   resync       {tick, base, reason}: a delta could not be applied; the
//                client reconnects for a full state
//   ping         {id, serverTimeMs, tick, rttMs}
//   serverError  {code, message, seq}: the connection stays open; seq is
//                the input the error is about (a dropped or refused
//                input), 0 for none
//   protocolError Error: a message this client could not decode; ignored
//   disconnect   {code, name, message, reason, willReconnect, delayMs, attempt}
//   reconnecting {attempt}: a reconnection attempt starts now
//   closed       {code, name, message, reason}: final, no more reconnecting
//
// On reconnect the hello carries the previous welcome's room and session and
// the last event seq, so that a server that supports resume puts the player
// back on its seat (welcome.resumed, or the same player id in the same room);
// otherwise the client is a new player and event seqs start again at 1. When
// the server refuses such a hello (no such room, room full, session
// refused), the client tries once more with the original hello.
//
// Returning players: with a player key (opts.key, a secret the caller keeps,
// e.g. in localStorage; createPlayerKey makes one) every hello carries it,
// and a server that keeps players answers with the same welcome.playerId,
// name and records on every visit. Without one the player is a guest
// (playerId 0), as on a server that keeps nothing.
//
// Requests: request(kind, data) sends [6, id, kind, data] and resolves with
// the data of the reply that carries its id, or rejects with a
// RequestError whose code is the reply's error code, or one of this
// client's: 'timeout' (no reply in time), 'disconnected' (the connection
// ended before the reply, or there was none to send it on: before the
// first welcome, or while reconnecting) and 'closed' (the client is closed
// for good). A request is never sent again: the server does not replay
// replies on a resume, so whether one that was in flight was carried out
// is unknown; the caller decides whether to ask again.
//
// Delta snapshots: given the game's patch function (patch(base, delta) ->
// bytes of the new state, e.g. Snake's in src/game/snakedelta.js), the
// client asks for deltas (hello deltas: true), keeps the bytes of the last
// full state, patches each delta onto it and hands on full states only, as
// the Go client's Options.Patch does. A delta it cannot apply (taken from
// another tick than the one it holds, or refused by patch) means the two
// sides are out of step: it drops the connection and resumes at once, and
// the server starts the new connection with a full snapshot.

import { Decoder } from '@msgpack/msgpack';

import { Backoff } from './backoff.js';
import { CloseCode, describeClose } from './closecodes.js';
import {
  SUBPROTOCOL,
  decodeMessage,
  encodeChat,
  encodeHello,
  encodeInput,
  encodeLeave,
  encodePong,
  encodeRequest,
  isPlayerKey,
  ProtocolError,
} from './codec.js';
import { Emitter } from './emitter.js';
import { InputLog } from './inputs.js';

/**
 * @typedef {import('./codec.js').Hello} Hello
 * @typedef {import('./codec.js').Welcome} Welcome
 * @typedef {import('./codec.js').HistoryEntry} HistoryEntry
 * @typedef {import('./closecodes.js').CloseInfo} CloseInfo
 * @typedef {import('./backoff.js').BackoffOptions} BackoffOptions
 */

/**
 * The part of the WebSocket API the client uses. The browser's WebSocket,
 * Node's global one (Node 22 and later; 20 and 21 with
 * --experimental-websocket) and the ws package's have it. The client sends
 * Uint8Array messages and sets binaryType to 'arraybuffer'.
 *
 * @typedef {{
 *   binaryType: string,
 *   readonly readyState: number,
 *   send(data: any): void,
 *   close(code?: number, reason?: string): void,
 *   onopen: ((ev: any) => void) | null,
 *   onmessage: ((ev: any) => void) | null,
 *   onclose: ((ev: any) => void) | null,
 *   onerror: ((ev: any) => void) | null,
 * }} WebSocketLike
 */

/**
 * A WebSocket constructor, called as new WebSocket(url, 'tickroom.v2').
 *
 * @typedef {new (url: string, protocols?: string | string[]) => WebSocketLike} WebSocketConstructor
 */

/**
 * Options of a TickroomClient.
 *
 * @typedef {object} ClientOptions
 * @property {string} url WebSocket URL of the server's /ws endpoint, e.g. ws://localhost:8080/ws.
 * @property {Hello} [hello] what to join: {name, game, room, spectator, reservation, auth, ...}.
 * @property {string} [key] the player key, sent in every hello (the same as hello.key):
 *   16 to 128 printable ASCII characters (no space), kept secret; see createPlayerKey.
 * @property {WebSocketConstructor} [WebSocket] the WebSocket constructor (globalThis.WebSocket).
 * @property {Backoff | BackoffOptions} [backoff] the reconnection backoff, or its options.
 * @property {number} [maxReconnectAttempts] attempts in a row before giving up (30).
 * @property {number} [staleAfterMs] a connection silent this long is taken as dead, in ms
 *   (8000; the server sends a snapshot every tick and a ping every 2 s).
 * @property {() => number} [now] the clock, in ms (performance.now).
 * @property {(fn: () => void, ms: number) => any} [setTimeout] timers (tests pass fakes).
 * @property {(handle: any) => void} [clearTimeout]
 * @property {(base: Uint8Array, delta: Uint8Array) => Uint8Array} [patch] the game's
 *   delta patcher (bytes of the base state and of the delta, to bytes of the new
 *   state): with it the client asks for delta snapshots and hands on full states.
 */

/**
 * A connection state: one of State's values.
 *
 * @typedef {typeof State[keyof typeof State]} ConnectionState
 */

/**
 * A snapshot, the room's state at a tick.
 *
 * @typedef {object} Snapshot
 * @property {number} tick the room's tick
 * @property {number} base 0 for a full state; the tick a delta was taken against
 * @property {number} ack the last input seq of this connection the room applied
 * @property {unknown} payload the decoded state (the game's: Snake's is an array);
 *   null for a delta handed on unpatched (no patch function)
 * @property {Uint8Array} bytes the state's msgpack (or the unpatched delta's bytes)
 * @property {boolean} delta it came as a delta and was patched
 * @property {number} receivedAt when it arrived, on the client's clock (ms)
 */

/**
 * A reliable event of the room (joined, left, chat, the game's own...).
 *
 * @typedef {object} RoomEvent
 * @property {number} seq 1, 2, 3, ... without gaps
 * @property {number} tick the room's tick when it happened
 * @property {string} kind e.g. 'joined', 'chat', 'died'
 * @property {unknown} data its value (joined: [player, name]; chat: [player, text])
 */

/**
 * A chat line said in the room before this player joined.
 *
 * @typedef {object} HistoryLine
 * @property {string} name the sender's display name when it was said
 * @property {string} text what was said, as sent: show it as text, never as markup
 * @property {Date} at when it was said
 * @property {number} playerId the sender's stable player id (welcome.playerId); 0 for a guest
 */

/**
 * The values of TickroomClient's events, by event type.
 *
 * @typedef {object} ClientEvents
 * @property {ConnectionState} state the connection state changed
 * @property {{welcome: Welcome, reconnected: boolean, resumed: boolean}} welcome
 *   joined (again: reconnected; on the same seat: resumed)
 * @property {RoomEvent} event a reliable event
 * @property {{lines: HistoryLine[]}} history the room's last chat lines from before
 *   this player joined, oldest first: once after a welcome, on servers that keep chat
 * @property {{expected: number, got: number}} gap an event seq was skipped
 * @property {Snapshot} snapshot
 * @property {{tick: number, base: number, reason: string}} resync a delta did not
 *   apply; the client reconnects for a full state
 * @property {{id: number, serverTimeMs: number, tick: number, rttMs: number}} ping
 *   the server's ping, answered already
 * @property {{code: string, message: string, seq: number}} serverError an error
 *   message; the connection stays open; seq is the input it is about, or 0
 * @property {Error} protocolError a message this client could not decode (ignored)
 * @property {CloseInfo & {willReconnect: boolean, delayMs: number, attempt: number}} disconnect
 *   a connection ended; willReconnect: another attempt follows in delayMs
 * @property {{attempt: number}} reconnecting a reconnection attempt starts now
 * @property {{code: number, name: string, message: string, reason: string}} closed
 *   final: no more reconnecting
 */

/**
 * Options of request().
 *
 * @typedef {object} RequestOptions
 * @property {number} [timeout] how long to wait for the reply, in ms (REQUEST_TIMEOUT_MS)
 */

/**
 * The reply of room.info.
 *
 * @typedef {object} RoomInfo
 * @property {string} id the room's id
 * @property {string} game its game type
 * @property {number} maxPlayers its seats
 * @property {number} host the host's player id; 0 when no one is seated
 * @property {boolean} locked the room takes no new players
 * @property {boolean} private the room is not listed
 * @property {number} tick the tick the room is about to step
 * @property {Array<[player: number, name: string]>} players the seated players
 * @property {number} spectators how many spectators are in the room
 */

/**
 * The requests every room answers (docs/protocol.md, "Built-in
 * requests"): for each kind, its data and its reply's.
 *
 * @typedef {{'room.info': {data: null | undefined, reply: RoomInfo}, 'room.lock': {data: boolean, reply: boolean}, 'room.kick': {data: number, reply: true}}} RoomRequests
 */

/**
 * The data a request of kind K takes: a room request's, else anything.
 *
 * @template {string} K
 * @typedef {K extends keyof RoomRequests ? RoomRequests[K]['data'] : unknown} RequestData
 */

/**
 * The data a request of kind K resolves with: a room request's reply,
 * else unknown.
 *
 * @template {string} K
 * @typedef {K extends keyof RoomRequests ? RoomRequests[K]['reply'] : unknown} RequestReply
 */

/**
 * A RequestError's code: the server's reply code or this client's own
 * (timeout, disconnected, closed).
 *
 * @typedef {'unknown_request' | 'bad_request' | 'not_allowed' | 'rate_limited' | 'failed'
 *   | 'timeout' | 'disconnected' | 'closed' | (string & {})} RequestErrorCode
 */

/** Close codes after which a resume hello is retried as the original hello. */
/** @type {Set<number>} */
const RETRY_AS_NEW = new Set([CloseCode.ROOM_FULL, CloseCode.UNAUTHORIZED, CloseCode.ROOM_NOT_FOUND]);

/**
 * The code this client closes a silent connection with. It is not 1000:
 * the server takes 1000 as leaving for good, and this player may resume.
 */
export const CLOSE_STALE = 4999;

/**
 * The code this client closes a connection with when a delta snapshot does
 * not apply, before it resumes for a full state.
 */
export const CLOSE_RESYNC = 4998;

/**
 * How many redirects (close 4016: the room is on another server of the
 * cluster) the client follows in a row before it gives up.
 */
export const MAX_REDIRECTS = 3;

/** Resyncs closer together than this wait for the backoff, not 0 ms. */
const RESYNC_QUIET_MS = 5000;

/** How long request() waits for a reply by default, in ms. */
export const REQUEST_TIMEOUT_MS = 5000;

const payloadDecoder = new Decoder();

/**
 * Why a request got no reply value: the server's error reply (code
 * unknown_request, bad_request, not_allowed, rate_limited, failed, ...
 * and its message) or this client's 'timeout', 'disconnected' or 'closed'.
 */
export class RequestError extends Error {
  /**
   * @param {RequestErrorCode} code
   * @param {string} message
   * @param {number} id the request's id
   * @param {string} kind the request's kind
   */
  constructor(code, message, id, kind) {
    super(message);
    this.name = 'RequestError';
    /** The reply's error code, or timeout, disconnected or closed. */
    this.code = code;
    /** The request's id. */
    this.id = id;
    /** The request's kind. */
    this.kind = kind;
  }
}

/** Connection states. */
export const State = Object.freeze({
  IDLE: 'idle',
  CONNECTING: 'connecting',
  OPEN: 'open',
  RECONNECTING: 'reconnecting',
  CLOSED: 'closed',
});

/**
 * One player's (or spectator's) connection to a tickroom server. Listen
 * with on(type, fn) (see ClientEvents), then connect().
 *
 * @extends {Emitter<ClientEvents>}
 */
export class TickroomClient extends Emitter {
  /** @type {string} */
  #url;
  #redirects = 0; // redirects followed since the last welcome
  /** @type {Hello} */
  #hello;
  /** @type {WebSocketConstructor} */
  #WS;
  /** @type {Backoff} */
  #backoff;
  /** @type {number} */
  #maxAttempts;
  /** @type {number} */
  #staleAfterMs;
  /** @type {() => number} */
  #now;
  /** @type {(fn: () => void, ms: number) => any} */
  #setTimeout;
  /** @type {(handle: any) => void} */
  #clearTimeout;
  /** @type {((base: Uint8Array, delta: Uint8Array) => Uint8Array) | undefined} */
  #patch;

  /** @type {WebSocketLike | null} */
  #ws = null;
  /** @type {ConnectionState} */
  #state = State.IDLE;
  /** @type {Welcome | undefined} */
  #welcome = undefined; // the latest welcome
  #welcomedHere = false; // the current socket got its welcome
  #resumeHello = false; // the current socket's hello asked for a resume
  #forceNew = false; // the next hello is the original one
  #lastEvent = 0;
  #inputs = new InputLog();
  /** @type {number | undefined} */
  #rttMs = undefined;
  #deliberate = false; // leave() or close() was called
  /** @type {any} */
  #retryTimer = undefined;
  /** @type {any} */
  #staleTimer = undefined;
  /** @type {any} */
  #leaveTimer = undefined; // closes the socket if the server does not after a leave
  // Delta snapshots: the bytes and tick of the full state held on this
  // connection, the base of the next delta.
  /** @type {Uint8Array | null} */
  #full = null;
  #fullTick = 0;
  #deltas = 0;
  #resyncs = 0;
  #lastResyncAt = -Infinity;
  // Requests waiting for their reply, by id: {kind, resolve, reject,
  // timer}. Ids go on increasing across connections, so that a reply can
  // never be taken for that of another request.
  /** @type {Map<number, {kind: string, resolve: (data: any) => void, reject: (err: RequestError) => void, timer: any}>} */
  #pending = new Map();
  #lastRequestId = 0;

  /**
   * A client that connects to opts.url, as opts.hello says, when connect()
   * is called.
   *
   * @param {ClientOptions} opts
   * @throws {TypeError} when there is no WebSocket: neither opts.WebSocket nor a global one
   */
  constructor(opts) {
    super();
    this.#url = opts.url;
    this.#hello = { ...(opts.hello ?? {}) };
    if (opts.key !== undefined) this.#hello.key = opts.key;
    // A bad key would only come back as a close (bad_hello) after connecting.
    if (this.#hello.key !== undefined && this.#hello.key !== '' && !isPlayerKey(this.#hello.key)) {
      throw new RangeError('tickroom: a player key must be 16 to 128 characters of printable ASCII, without spaces');
    }
    this.#WS = opts.WebSocket ?? /** @type {WebSocketConstructor} */ (/** @type {unknown} */ (globalThis.WebSocket));
    if (typeof this.#WS !== 'function') {
      throw new TypeError('tickroom: no WebSocket here: pass opts.WebSocket (on Node.js 20, run node with --experimental-websocket, or use the ws package)');
    }
    this.#backoff = opts.backoff instanceof Backoff ? opts.backoff : new Backoff(opts.backoff);
    this.#maxAttempts = opts.maxReconnectAttempts ?? 30;
    this.#staleAfterMs = opts.staleAfterMs ?? 8000;
    this.#now = opts.now ?? (() => performance.now());
    this.#setTimeout = opts.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.#clearTimeout = opts.clearTimeout ?? ((t) => globalThis.clearTimeout(t));
    this.#patch = opts.patch;
    if (this.#patch) this.#hello.deltas = true;
  }

  /**
   * Connection state, one of State.
   *
   * @returns {ConnectionState}
   */
  /**
   * The WebSocket URL the client connects to: the one it was given, or the
   * server of the cluster it was last redirected to.
   *
   * @returns {string}
   */
  get url() {
    return this.#url;
  }

  get state() {
    return this.#state;
  }
  /**
   * The latest welcome, or undefined before the first.
   *
   * @returns {Welcome | undefined}
   */
  get welcome() {
    return this.#welcome;
  }
  /**
   * This client's player id in its room, or undefined.
   *
   * @returns {number | undefined}
   */
  get player() {
    return this.#welcome?.player;
  }
  /**
   * The stable id of the returning player (the key's), 0 for a guest, or
   * undefined before the first welcome.
   *
   * @returns {number | undefined}
   */
  get playerId() {
    return this.#welcome?.playerId;
  }
  /**
   * The id of the room joined, or undefined.
   *
   * @returns {string | undefined}
   */
  get room() {
    return this.#welcome?.room;
  }
  /** Seq of the last event received; sent as lastEvent on reconnect. */
  get lastEvent() {
    return this.#lastEvent;
  }
  /**
   * The round trip the server measured, in ms, from its pings.
   *
   * @returns {number | undefined}
   */
  get rttMs() {
    return this.#rttMs;
  }
  /** Seq of the last input sent on this connection. */
  get inputSeq() {
    return this.#inputs.seq;
  }
  /** Last input seq the room applied (from snapshots). */
  get ack() {
    return this.#inputs.ack;
  }
  /**
   * Input-to-acknowledgement latency of the newest acknowledged input, ms.
   *
   * @returns {number | undefined}
   */
  get inputLatencyMs() {
    return this.#inputs.latencyMs;
  }
  /** Snapshots that came as deltas and were patched. */
  get deltas() {
    return this.#deltas;
  }
  /** Times a delta did not apply and the client reconnected for a full state. */
  get resyncs() {
    return this.#resyncs;
  }
  /** Reconnection attempts since the last welcome. */
  get attempt() {
    return this.#backoff.attempt;
  }

  /** Opens the connection. */
  connect() {
    if (this.#state !== State.IDLE) throw new Error('tickroom: connect called twice');
    this.#setState(State.CONNECTING);
    this.#open();
  }

  /**
   * Sends a game input and returns its seq, or 0 when not connected (inputs
   * are not queued across a reconnect: they would be stale).
   *
   * @param {unknown} payload the game's input (Snake: a direction, 0 up, 1 right, 2 down, 3 left)
   * @returns {number}
   */
  sendInput(payload) {
    if (!this.#isOpen()) return 0;
    const seq = this.#inputs.next(this.#now());
    /** @type {WebSocketLike} */ (this.#ws).send(encodeInput(seq, payload));
    return seq;
  }

  /**
   * Sends a chat message (1..200 characters); false when not connected.
   * Another length throws a RangeError.
   *
   * @param {string} text
   * @returns {boolean}
   */
  sendChat(text) {
    const frame = encodeChat(text); // throws on a bad length, even offline
    if (!this.#isOpen()) return false;
    /** @type {WebSocketLike} */ (this.#ws).send(frame);
    return true;
  }

  /**
   * Sends a request and resolves with its reply's data; rejects with a
   * RequestError whose code is the reply's error code or the client's
   * 'timeout', 'disconnected' or 'closed' (see RequestErrorCode). timeout
   * is in ms. Pending requests are rejected with 'disconnected' when their
   * connection ends, whichever way. A request is never sent again.
   *
   * The room's requests (RoomRequests) are typed: room.info resolves with
   * a RoomInfo, room.lock takes and gives a boolean, room.kick takes a
   * player id. A game's own (Snake: colour, colours) take any data and
   * resolve with unknown.
   *
   * @template {string} K
   * @param {K} kind
   * @param {RequestData<K>} [data] nil when left out
   * @param {RequestOptions} [opts]
   * @returns {Promise<RequestReply<K>>}
   */
  request(kind, data = /** @type {any} */ (null), { timeout = REQUEST_TIMEOUT_MS } = {}) {
    return /** @type {Promise<any>} */ (new Promise((resolve, reject) => {
      if (!(timeout > 0)) throw new RangeError(`request timeout must be positive, got ${timeout}`);
      const id = ++this.#lastRequestId;
      const frame = encodeRequest(id, kind, data); // a bad kind rejects, even offline
      if (!this.#isOpen()) {
        const closed = this.#state === State.CLOSED;
        reject(new RequestError(closed ? 'closed' : 'disconnected', closed ? 'The client is closed.' : 'Not connected.', id, kind));
        return;
      }
      const timer = this.#setTimeout(() => {
        this.#pending.delete(id);
        reject(new RequestError('timeout', `No reply from the server in ${timeout / 1000} s.`, id, kind));
      }, timeout);
      this.#pending.set(id, { kind, resolve, reject, timer });
      /** @type {WebSocketLike} */ (this.#ws).send(frame);
    }));
  }

  /**
   * Requests sent and not answered yet.
   *
   * @returns {number}
   */
  get pendingRequests() {
    return this.#pending.size;
  }

  /** Leaves the room for good; the server confirms by closing with 1000. */
  leave() {
    this.#deliberate = true;
    if (this.#isOpen()) {
      const ws = /** @type {WebSocketLike} */ (this.#ws);
      ws.send(encodeLeave());
      // The server closes; if it does not within a moment, close anyway.
      this.#leaveTimer = this.#setTimeout(() => {
        this.#leaveTimer = undefined;
        if (this.#ws === ws) ws.close(CloseCode.NORMAL, 'left');
      }, 2000);
      return;
    }
    this.#finish(describeClose(CloseCode.NORMAL, 'left'));
  }

  /**
   * Closes the connection normally, without reconnecting. The server takes
   * a normal close as leaving; leave() says so explicitly.
   */
  close() {
    this.#deliberate = true;
    const ws = this.#ws;
    this.#finish(describeClose(CloseCode.NORMAL, 'closed by the client'));
    if (ws) ws.close(CloseCode.NORMAL, 'closed by the client');
  }

  /** Skips the wait before the next reconnection attempt (e.g. back online). */
  reconnectNow() {
    if (this.#state !== State.RECONNECTING || this.#retryTimer === undefined) return;
    this.#clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#attemptReconnect();
  }

  #isOpen() {
    return this.#ws !== null && this.#welcomedHere && this.#ws.readyState === 1;
  }

  /** @param {ConnectionState} s */
  #setState(s) {
    if (this.#state === s) return;
    this.#state = s;
    this.emit('state', s);
  }

  /** @returns {Hello} */
  #helloForAttempt() {
    const prev = this.#welcome;
    if (!prev || this.#forceNew) {
      this.#resumeHello = false;
      return { ...this.#hello };
    }
    this.#resumeHello = true;
    return {
      ...this.#hello,
      room: prev.room,
      session: prev.session,
      lastEvent: this.#lastEvent,
      spectator: prev.spectator,
    };
  }

  #open() {
    const hello = this.#helloForAttempt();
    this.#welcomedHere = false;
    /** @type {WebSocketLike} */
    let ws;
    try {
      ws = new this.#WS(this.#url, SUBPROTOCOL);
    } catch (err) {
      this.#finish({ ...describeClose(CloseCode.ABNORMAL), message: `Cannot connect: ${/** @type {Error} */ (err).message}` });
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    this.#full = null; // a new connection starts with a full snapshot
    ws.onopen = () => {
      if (this.#ws === ws) ws.send(encodeHello(hello));
    };
    ws.onmessage = (e) => {
      if (this.#ws === ws) this.#onMessage(e.data);
    };
    ws.onclose = (e) => {
      if (this.#ws === ws) this.#onClose(e.code, e.reason);
    };
    ws.onerror = () => {}; // a close event follows
    this.#armStaleTimer();
  }

  // A socket can die without a close (a laptop lid, a lost Wi-Fi): when the
  // server has said nothing for staleAfterMs, give up on it.
  #armStaleTimer() {
    if (this.#staleTimer !== undefined) this.#clearTimeout(this.#staleTimer);
    const ws = this.#ws;
    this.#staleTimer = this.#setTimeout(() => {
      this.#staleTimer = undefined;
      if (this.#ws !== ws || !ws) return;
      try {
        ws.close(CLOSE_STALE, 'no message from the server');
      } catch {
        // closing a socket that never opened may throw; it is dropped anyway
      }
      this.#onClose(CloseCode.ABNORMAL, `no message from the server for ${this.#staleAfterMs / 1000} s`);
    }, this.#staleAfterMs);
  }

  /** @param {ArrayBuffer | string} data */
  #onMessage(data) {
    if (typeof data === 'string') {
      this.emit('protocolError', new ProtocolError('the server sent a text frame'));
      return;
    }
    let m;
    const bytes = new Uint8Array(data);
    try {
      m = decodeMessage(bytes);
    } catch (err) {
      this.emit('protocolError', /** @type {Error} */ (err));
      return;
    }
    this.#armStaleTimer();
    switch (m.type) {
      case 'welcome':
        this.#onWelcome(m.welcome);
        break;
      case 'event':
        this.#onEvent(m);
        break;
      case 'ping':
        /** @type {WebSocketLike} */ (this.#ws).send(encodePong(m.id));
        this.#rttMs = m.rttMs;
        this.emit('ping', { id: m.id, serverTimeMs: m.serverTimeMs, tick: m.tick, rttMs: m.rttMs });
        break;
      case 'error':
        this.emit('serverError', { code: m.code, message: m.message, seq: m.seq });
        break;
      case 'reply':
        this.#onReply(m);
        break;
      case 'history':
        // Only a member gets it, after its welcome; before one it means
        // nothing.
        if (!this.#welcomedHere) {
          this.emit('protocolError', new ProtocolError('history before the welcome'));
          break;
        }
        this.emit('history', {
          lines: m.lines.map((l) => ({ name: l.name, text: l.text, at: new Date(l.atMs), playerId: l.playerId })),
        });
        break;
      case 'snapshot': {
        const receivedAt = this.#now();
        this.#inputs.acknowledge(m.ack, receivedAt);
        const full = this.#patch ? this.#rebuild(m) : this.#unpatched(m);
        if (full) this.emit('snapshot', { tick: m.tick, base: m.base, ack: m.ack, ...full, receivedAt });
        break;
      }
      default:
        this.emit('protocolError', new ProtocolError(`unexpected ${m.type} from the server`));
    }
  }

  // unpatched reads a snapshot without a patch function: {payload, bytes,
  // delta} of a full state, a delta as it came (payload null), or
  // undefined when the state does not decode.
  /**
   * @param {import('./codec.js').SnapshotMessage} m
   * @returns {{payload: unknown, bytes: Uint8Array, delta: boolean} | undefined}
   */
  #unpatched(m) {
    if (m.base !== 0) return { payload: null, bytes: m.payload, delta: false };
    const payload = this.#decodeState(m);
    return payload === undefined ? undefined : { payload, bytes: m.payload, delta: false };
  }

  // decodeState decodes a full snapshot's state, or reports it and gives
  // undefined.
  /**
   * @param {import('./codec.js').SnapshotMessage} m
   * @returns {unknown}
   */
  #decodeState(m) {
    try {
      return payloadDecoder.decode(m.payload);
    } catch (err) {
      this.emit('protocolError', new ProtocolError(`snapshot of tick ${m.tick}: the state is not msgpack: ${/** @type {Error} */ (err).message}`));
      return undefined;
    }
  }

  // rebuild turns a snapshot into the full state it stands for and keeps
  // it as the base of the next delta: {payload, bytes, delta}, or
  // undefined when it did not decode, or the delta did not apply and a
  // resync began.
  /**
   * @param {import('./codec.js').SnapshotMessage} m
   * @returns {{payload: unknown, bytes: Uint8Array, delta: boolean} | undefined}
   */
  #rebuild(m) {
    if (m.base === 0) {
      const payload = this.#decodeState(m);
      if (payload === undefined) return undefined;
      // The message's own buffer, which nothing else writes to, holds the
      // bytes the next delta patches.
      this.#full = m.payload;
      this.#fullTick = m.tick;
      return { payload, bytes: m.payload, delta: false };
    }
    if (!this.#full || m.base !== this.#fullTick) {
      const have = this.#full ? `tick ${this.#fullTick}` : 'no snapshot';
      this.#resync(m, `delta snapshot of tick ${m.tick} against tick ${m.base}, but the client holds ${have}`);
      return undefined;
    }
    /** @type {Uint8Array} */
    let full;
    /** @type {unknown} */
    let payload;
    try {
      full = /** @type {NonNullable<ClientOptions['patch']>} */ (this.#patch)(this.#full, m.payload);
      payload = payloadDecoder.decode(full);
    } catch (err) {
      this.#resync(m, `delta snapshot of tick ${m.tick} did not apply: ${/** @type {Error} */ (err).message}`);
      return undefined;
    }
    this.#full = full;
    this.#fullTick = m.tick;
    this.#deltas++;
    return { payload, bytes: full, delta: true };
  }

  // resync drops a connection whose snapshots got out of step and comes
  // back at once (with the backoff, if it keeps happening) on the same
  // seat: the server starts every connection with a full snapshot.
  /**
   * @param {import('./codec.js').SnapshotMessage} m
   * @param {string} reason
   */
  #resync(m, reason) {
    this.#resyncs++;
    this.emit('resync', { tick: m.tick, base: m.base, reason });
    const now = this.#now();
    const quick = now - this.#lastResyncAt >= RESYNC_QUIET_MS;
    this.#lastResyncAt = now;
    const ws = /** @type {WebSocketLike} */ (this.#ws);
    try {
      ws.close(CLOSE_RESYNC, 'snapshots out of step');
    } catch {
      // it is dropped anyway
    }
    this.#onClose(CLOSE_RESYNC, reason, {
      code: CLOSE_RESYNC,
      name: 'resync',
      message: 'The game got out of step with the server.',
      reconnect: true,
      reason,
      immediate: quick,
    });
  }

  /** @param {Welcome} w */
  #onWelcome(w) {
    const prev = this.#welcome;
    const reconnected = prev !== undefined;
    const resumed = reconnected && (w.resumed || (w.player === prev.player && w.room === prev.room));
    // Events go on from the welcome's lastEvent: 0 for a new player, ours
    // on a resume that replays, the newest one on a resume whose history
    // was lost (nothing is replayed then).
    if (!resumed) this.#lastEvent = 0;
    else if (w.historyLost) this.#lastEvent = w.lastEvent;
    if (this.#hello.reservation) {
      // A reservation is good for one join; coming back means its room.
      const { reservation: _spent, ...rest } = this.#hello;
      this.#hello = { ...rest, room: w.room };
    }
    this.#welcome = w;
    this.#welcomedHere = true;
    this.#redirects = 0;
    this.#forceNew = false;
    this.#inputs.reset(); // input seqs count per connection
    this.#backoff.reset();
    this.#setState(State.OPEN);
    this.emit('welcome', { welcome: w, reconnected, resumed });
  }

  /** @param {import('./codec.js').EventMessage} m */
  #onEvent(m) {
    if (m.seq <= this.#lastEvent) return; // already seen (replayed on resume)
    if (m.seq !== this.#lastEvent + 1) this.emit('gap', { expected: this.#lastEvent + 1, got: m.seq });
    this.#lastEvent = m.seq;
    this.emit('event', { seq: m.seq, tick: m.tick, kind: m.kind, data: m.data });
  }

  /** @param {import('./codec.js').ReplyMessage} m */
  #onReply(m) {
    const p = this.#pending.get(m.id);
    // None: the request timed out already, and its late answer is dropped.
    if (!p) return;
    this.#pending.delete(m.id);
    this.#clearTimeout(p.timer);
    if (m.code === '') p.resolve(m.data);
    else p.reject(new RequestError(m.code, m.message, m.id, p.kind));
  }

  // failPending rejects every request in flight: their connection is gone
  // and its replies with it.
  #failPending() {
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [id, p] of pending) {
      this.#clearTimeout(p.timer);
      p.reject(new RequestError('disconnected', 'The connection was lost before the reply.', id, p.kind));
    }
  }

  /**
   * @param {number} code
   * @param {string} reason
   * @param {CloseInfo & {immediate?: boolean}} [why] what to report, when not describeClose(code, reason)
   */
  #onClose(code, reason, why = undefined) {
    this.#ws = null;
    this.#full = null;
    this.#failPending();
    if (this.#staleTimer !== undefined) {
      this.#clearTimeout(this.#staleTimer);
      this.#staleTimer = undefined;
    }
    const { immediate: asked = false, ...info } = /** @type {CloseInfo & {immediate?: boolean}} */ (why ?? describeClose(code, reason));
    if (this.#deliberate) {
      this.#finish(info);
      return;
    }
    // Another server of the cluster hosts the room: the same hello goes
    // there, at once.
    const redirect = code === CloseCode.REDIRECT;
    if (redirect) {
      if (!/^wss?:\/\//.test(reason) || this.#redirects >= MAX_REDIRECTS) {
        this.#finish({ ...info, reconnect: false, message: `${info.message} Too many redirects, or not to a WebSocket URL.` });
        return;
      }
      this.#redirects++;
      this.#url = reason;
    }
    const immediate = asked || redirect;
    // A refused resume: come back as a new player instead, at once.
    const refusedResume = !this.#welcomedHere && this.#resumeHello && RETRY_AS_NEW.has(code);
    if (refusedResume) this.#forceNew = true;
    if (!info.reconnect && !refusedResume) {
      this.#finish(info);
      return;
    }
    if (this.#backoff.attempt >= this.#maxAttempts) {
      this.#finish({ ...info, message: `${info.message} Gave up reconnecting.` });
      return;
    }
    const attempt = this.#backoff.attempt + 1;
    const delayMs = refusedResume || immediate ? 0 : this.#backoff.next();
    if (refusedResume || immediate) this.#backoff.attempt++;
    this.#setState(State.RECONNECTING);
    this.emit('disconnect', { ...info, willReconnect: true, delayMs, attempt });
    this.#retryTimer = this.#setTimeout(() => {
      this.#retryTimer = undefined;
      this.#attemptReconnect();
    }, delayMs);
  }

  #attemptReconnect() {
    if (this.#state !== State.RECONNECTING) return;
    this.emit('reconnecting', { attempt: this.#backoff.attempt });
    this.#open();
  }

  /** @param {CloseInfo} info */
  #finish(info) {
    if (this.#state === State.CLOSED) return;
    if (this.#retryTimer !== undefined) this.#clearTimeout(this.#retryTimer);
    if (this.#staleTimer !== undefined) this.#clearTimeout(this.#staleTimer);
    // Nothing keeps a Node.js process alive once the client is closed.
    if (this.#leaveTimer !== undefined) this.#clearTimeout(this.#leaveTimer);
    this.#retryTimer = this.#staleTimer = this.#leaveTimer = undefined;
    this.#ws = null;
    this.#failPending();
    this.#setState(State.CLOSED);
    this.emit('disconnect', { ...info, willReconnect: false, delayMs: 0, attempt: this.#backoff.attempt });
    this.emit('closed', { code: info.code, name: info.name, message: info.message, reason: info.reason });
  }
}
