// Snake delta snapshots (go doc ./game/snake, "Delta wire format"): patch
// applies a delta to the bytes of the snapshot it was taken from and gives
// the bytes of the new snapshot, exactly as the server encoded them, as
// game/snake's Patch does. Byte for byte matters: the next delta carries the
// CRC-32 of the bytes it was taken from, which are these.
//
//   delta  = [base_tick, base_crc, tick, view, gone, added, changed, steps, moves, food]
//   change = [player, mask, value...]
//
// The result is written in the snapshot encoding the server uses (smallest
// integers, bin bodies and food), not by @msgpack/msgpack's encoder, which
// would not always pick the same encodings.

import { Decoder } from '@msgpack/msgpack';
import { crc32 } from '../sdk/crc32.js';

/** A delta that is malformed or does not apply to its base. */
export class DeltaError extends Error {
  constructor(message) {
    super(`snake delta: ${message}`);
    this.name = 'DeltaError';
  }
}

/** A delta taken from another snapshot than the base it was applied to. */
export class WrongBaseError extends DeltaError {
  constructor(message) {
    super(message);
    this.name = 'WrongBaseError';
  }
}

const ALIVE = 1;
const DEAD = 2;
const MIN_SIDE = 8;
const MAX_SIDE = 256;
const U16 = 0xffff;
const U32 = 0xffffffff;

// Bits of a changed entry's mask; bit k sets field ENTRY_FIELDS[k], and the
// entry's values come in bit order.
const F_STATUS = 1;
const F_HEAD = 16;
const F_BODY = 64;
const F_DIR = 128;
const ENTRY_FIELDS = ['status', 'score', 'best', 'respawnIn', 'head', 'len', 'body', 'dir'];

const decoder = new Decoder();

/**
 * Applies delta (bytes) to base (the bytes of the snapshot it was taken
 * from) and returns the bytes of the new snapshot: full, or a view
 * snapshot with its rect. Throws a WrongBaseError when the delta's base
 * tick or CRC-32 are not base's, a DeltaError when base or delta are not
 * valid or do not fit together.
 */
export function patch(base, delta) {
  const b = readSnapshot(base);
  const d = readDelta(delta, b, base);
  const snakes = mergeSnakes(b, d);
  const food = patchFood(b, d);
  return encodeSnapshot({ tick: d.tick, width: b.width, height: b.height, snakes, food, view: d.view });
}

/**
 * Decodes snapshot bytes into the fields of the wire format, as patch
 * reads a base: {tick, width, height, snakes: [{player, status, score,
 * best, respawnIn, head, dir, len, body}], food (bin), view ([x, y, w, h]
 * or null)}. Bodies are checked for length and padding, not walked.
 */
export function readSnapshot(bytes) {
  const v = decode(bytes, 'snapshot');
  if (!Array.isArray(v) || (v.length !== 5 && v.length !== 6)) fail('snapshot is not an array of 5 or 6');
  const [tick, width, height, rawSnakes, food] = v;
  uint(tick, U32, 'tick');
  uint(width, MAX_SIDE, 'width');
  uint(height, MAX_SIDE, 'height');
  if (width < MIN_SIDE || height < MIN_SIDE) fail(`board ${width}x${height} too small`);
  const board = { width, height, cells: width * height };
  if (!Array.isArray(rawSnakes)) fail('snakes is not an array');
  const snakes = rawSnakes.map((s, i) => readSnake(s, board, false, `snake ${i}`));
  ascending(snakes.map((s) => s.player), 'snakes');
  checkFood(food, board, 'food');
  const view = v.length === 6 ? readRect(v[5], board) : null;
  return { tick, width, height, cells: board.cells, snakes, food, view };
}

/** Encodes a snapshot (readSnapshot's form) as the server does. */
export function encodeSnapshot(s) {
  const w = new Writer(64 + s.food.length + 16 * s.snakes.length);
  w.array(s.view ? 6 : 5);
  w.uint(s.tick);
  w.uint(s.width);
  w.uint(s.height);
  w.array(s.snakes.length);
  for (const sn of s.snakes) {
    w.array(9);
    w.uint(sn.player);
    w.uint(sn.status);
    w.uint(sn.score);
    w.uint(sn.best);
    w.uint(sn.respawnIn);
    w.uint(sn.head);
    w.uint(sn.dir);
    w.uint(sn.len);
    w.bin(sn.body);
  }
  w.bin(s.food);
  if (s.view) {
    w.array(4);
    for (const x of s.view) w.uint(x);
  }
  return w.bytes();
}

function readDelta(bytes, b, baseBytes) {
  const v = decode(bytes, 'delta');
  if (!Array.isArray(v) || v.length !== 10) fail('delta is not an array of 10');
  const [baseTick, baseCRC, tick, view, rawGone, rawAdded, rawChanged, steps, moves, food] = v;
  uint(baseTick, U32, 'base tick');
  uint(baseCRC, U32, 'base crc');
  const crc = crc32(baseBytes);
  if (baseTick !== b.tick || baseCRC !== crc) {
    throw new WrongBaseError(
      `delta from tick ${baseTick} (crc ${hex32(baseCRC)}) applied to tick ${b.tick} (crc ${hex32(crc)})`,
    );
  }
  uint(tick, U32, 'tick');
  const board = { width: b.width, height: b.height, cells: b.cells };

  const d = { tick, view: null, gone: [], added: [], changes: [], steps, moves, food: null };
  if (view === null) d.view = b.view;
  else if (Array.isArray(view) && view.length === 0) d.view = null;
  else d.view = readRect(view, board);

  if (!Array.isArray(rawGone)) fail('gone is not an array');
  d.gone = rawGone.map((p) => uint(p, U32, 'gone player'));
  ascending(d.gone, 'gone');

  if (!Array.isArray(rawAdded)) fail('added is not an array');
  d.added = rawAdded.map((s, i) => readSnake(s, board, true, `added snake ${i}`));
  ascending(d.added.map((s) => s.player), 'added');

  if (!Array.isArray(rawChanged)) fail('changed is not an array');
  const limits = [DEAD, U32, U32, U16, b.cells - 1, b.cells, 0, 3];
  d.changes = rawChanged.map((e, i) => readChange(e, limits, `changed entry ${i}`));
  ascending(d.changes.map((e) => e.player), 'changed');

  uint(steps, U32, 'steps');
  if (!(moves instanceof Uint8Array)) fail('moves is not a bin');

  if (food === null) d.food = { kind: 'same' };
  else if (food instanceof Uint8Array) {
    checkFood(food, board, 'food');
    d.food = { kind: 'whole', cells: food };
  } else if (Array.isArray(food)) d.food = readFoodEdit(food, b, board);
  else fail('food is neither nil, a bin nor an edit');
  return d;
}

function readChange(e, limits, what) {
  if (!Array.isArray(e) || e.length < 2) fail(`${what} is not an array`);
  const player = uint(e[0], U32, `${what}: player`);
  const mask = uint(e[1], 0xff, `${what}: mask`);
  let want = 2;
  for (let k = 0; k < 8; k++) if (mask & (1 << k)) want++;
  if (e.length !== want) fail(`${what}: ${e.length} fields for mask ${mask}, want ${want}`);
  const c = { player, mask };
  let i = 2;
  for (let k = 0; k < 8; k++) {
    if (!(mask & (1 << k))) continue;
    const x = e[i++];
    if (1 << k === F_BODY) {
      if (!(x instanceof Uint8Array)) fail(`${what}: body is not a bin`);
      c.body = x;
    } else {
      c[ENTRY_FIELDS[k]] = uint(x, limits[k], `${what}: ${ENTRY_FIELDS[k]}`);
    }
  }
  return c;
}

// readFoodEdit reads [gone, at, cells]: base items to remove, then cells
// to insert at positions of the new list.
function readFoodEdit(v, b, board) {
  if (v.length !== 3) fail(`food edit has ${v.length} fields, want 3`);
  const [gone, at, cells] = v;
  const items = b.food.length / 2;
  indexes(gone, items, 'food gone');
  const result = items - gone.length;
  if (!(cells instanceof Uint8Array)) fail('food cells is not a bin');
  indexes(at, result + cells.length / 2, 'food at');
  if (cells.length !== 2 * at.length) fail(`${cells.length} bytes of food cells for ${at.length} positions`);
  if (at.length > 0 && at[at.length - 1] >= result + at.length) fail(`food position ${at[at.length - 1]} beyond the list`);
  checkFood(cells, board, 'food cells');
  return { kind: 'edit', gone, at, cells };
}

function indexes(v, limit, what) {
  if (!Array.isArray(v)) fail(`${what} is not an array`);
  for (let i = 0; i < v.length; i++) {
    uint(v[i], 0x7fffffff, what);
    if (v[i] >= limit || (i > 0 && v[i] <= v[i - 1])) fail(`${what}: index ${v[i]} out of order or beyond ${limit}`);
  }
}

// mergeSnakes builds the new snakes: the base's in player order, less the
// gone, changed by their entries and moves, with the added slotted in.
function mergeSnakes(b, d) {
  const out = [];
  let gi = 0;
  let ai = 0;
  let ci = 0;
  const bit = { at: 0 }; // next bit of the moves
  const { gone, added, changes } = d;
  for (let i = 0; ; i++) {
    const next = i < b.snakes.length ? b.snakes[i].player : Infinity;
    while (ai < added.length && added[ai].player < next) out.push(added[ai++]);
    if (i === b.snakes.length) break;
    const bs = b.snakes[i];
    if (ai < added.length && added[ai].player === bs.player) fail(`player ${bs.player} added but already in the base`);
    if (gi < gone.length && gone[gi] < bs.player) fail(`player ${gone[gi]} gone but not in the base`);
    if (ci < changes.length && changes[ci].player < bs.player) fail(`player ${changes[ci].player} changed but not in the base`);
    if (gi < gone.length && gone[gi] === bs.player) {
      if (ci < changes.length && changes[ci].player === bs.player) fail(`player ${bs.player} both gone and changed`);
      gi++;
      continue;
    }
    let e;
    if (ci < changes.length && changes[ci].player === bs.player) e = changes[ci++];
    out.push(patchSnake(b, d, bs, e, bit));
  }
  if (gi < gone.length) fail(`player ${gone[gi]} gone but not in the base`);
  if (ci < changes.length) fail(`player ${changes[ci].player} changed but not in the base`);
  if (d.moves.length !== Math.ceil(bit.at / 8)) {
    fail(`moves of ${d.moves.length} bytes, the snakes that lived through take ${bit.at} bits`);
  }
  return out;
}

// patchSnake applies entry e (or none) and, for a snake that lived
// through, the next steps moves.
function patchSnake(b, d, bs, e, bit) {
  const sn = { ...bs };
  const mask = e ? e.mask : 0;
  if (e) {
    for (let k = 0; k < 8; k++) if (mask & (1 << k)) sn[ENTRY_FIELDS[k]] = e[ENTRY_FIELDS[k]];
  }
  const what = `player ${bs.player}`;
  if (bs.status !== ALIVE || mask & (F_STATUS | F_BODY)) {
    if (e) checkSnake(sn, b, true, what);
    return sn;
  }
  // It lived through: its head is where the new moves lead back to from
  // the old head, its body those moves and then the old body.
  if (mask & F_HEAD) fail(`${what}: head given for a snake that lived through`);
  if (sn.len === 0) fail(`${what}: length 0 for a snake that lived through`);
  const steps = d.steps;
  const at = bit.at;
  const moves = d.moves;
  if (at + 2 * steps > 8 * moves.length) fail(`${what}: moves end at bit ${8 * moves.length}, want ${2 * steps} more`);
  let x = bs.head % b.width;
  let y = Math.floor(bs.head / b.width);
  for (let k = steps; k > 0; k--) {
    const m = moveAt(moves, at / 2 + k - 1);
    x -= DX[m];
    y -= DY[m];
    if (x < 0 || x >= b.width || y < 0 || y >= b.height) fail(`${what}: moves lead off the board`);
  }
  sn.head = y * b.width + x;
  if (!(mask & F_DIR) && steps > 0) sn.dir = (moveAt(moves, at / 2) + 2) & 3;
  const n = sn.len - 1;
  if (n > steps + bs.len - 1) fail(`${what}: length ${sn.len} from ${bs.len} after ${steps} moves`);
  const body = new Uint8Array(packedLen(sn.len));
  const fresh = Math.min(steps, n);
  for (let k = 0; k < fresh; k++) body[k >> 2] |= moveAt(moves, at / 2 + k) << ((k & 3) * 2);
  for (let k = fresh; k < n; k++) body[k >> 2] |= moveAt(bs.body, k - steps) << ((k & 3) * 2);
  sn.body = body;
  bit.at = at + 2 * steps;
  checkSnake(sn, b, false, what);
  return sn;
}

function patchFood(b, d) {
  const f = d.food;
  if (f.kind === 'same') return b.food;
  if (f.kind === 'whole') return f.cells;
  const bf = b.food;
  const items = bf.length / 2 - f.gone.length + f.at.length;
  const out = new Uint8Array(2 * items);
  let gi = 0;
  let ai = 0;
  let i = 0; // next base item
  for (let j = 0; j < items; j++) {
    if (ai < f.at.length && f.at[ai] === j) {
      out[2 * j] = f.cells[2 * ai];
      out[2 * j + 1] = f.cells[2 * ai + 1];
      ai++;
      continue;
    }
    while (gi < f.gone.length && f.gone[gi] === i) {
      gi++;
      i++;
    }
    out[2 * j] = bf[2 * i];
    out[2 * j + 1] = bf[2 * i + 1];
    i++;
  }
  return out;
}

const DX = [0, 1, 0, -1];
const DY = [-1, 0, 1, 0];

function moveAt(bytes, k) {
  return (bytes[k >> 2] >> ((k & 3) * 2)) & 3;
}

function packedLen(len) {
  return len <= 1 ? 0 : Math.ceil((len - 1) / 4);
}

function readSnake(v, board, walk, what) {
  if (!Array.isArray(v) || v.length !== 9) fail(`${what} is not an array of 9`);
  const [player, status, score, best, respawnIn, head, dir, len, body] = v;
  uint(player, U32, `${what}: player`);
  uint(status, DEAD, `${what}: status`);
  uint(score, U32, `${what}: score`);
  uint(best, U32, `${what}: best`);
  uint(respawnIn, U16, `${what}: respawn_in`);
  uint(head, board.cells - 1, `${what}: head`);
  uint(dir, 3, `${what}: dir`);
  uint(len, board.cells, `${what}: len`);
  if (!(body instanceof Uint8Array)) fail(`${what}: body is not a bin`);
  const sn = { player, status, score, best, respawnIn, head, dir, len, body };
  checkSnake(sn, board, walk, what);
  return sn;
}

// checkSnake checks what a snake's fields say about each other, that its
// body's unused bits are 0 and, with walk, that the body stays on the board.
function checkSnake(sn, board, walk, what) {
  if ((sn.status === ALIVE) !== sn.len > 0) fail(`${what}: status ${sn.status} with length ${sn.len}`);
  if (sn.body.length !== packedLen(sn.len)) fail(`${what}: body of ${sn.body.length} bytes for length ${sn.len}`);
  const pad = (sn.len - 1) % 4;
  if (sn.len > 1 && pad !== 0 && sn.body[sn.body.length - 1] >> (2 * pad) !== 0) fail(`${what}: body has padding bits set`);
  if (!walk || sn.len === 0) return;
  if (sn.head >= board.cells) fail(`${what}: head off the board`);
  let x = sn.head % board.width;
  let y = Math.floor(sn.head / board.width);
  for (let k = 0; k < sn.len - 1; k++) {
    const m = moveAt(sn.body, k);
    x += DX[m];
    y += DY[m];
    if (x < 0 || x >= board.width || y < 0 || y >= board.height) fail(`${what}: body leaves the board`);
  }
}

function checkFood(food, board, what) {
  if (!(food instanceof Uint8Array) || food.length % 2 !== 0) fail(`${what} is not a bin of 2-byte cells`);
  for (let i = 0; i < food.length; i += 2) {
    if (((food[i] << 8) | food[i + 1]) >= board.cells) fail(`${what}: cell off the board`);
  }
}

// readRect reads a view rect: inside the board, and either not empty or
// [0, 0, 0, 0].
function readRect(v, board) {
  if (!Array.isArray(v) || v.length !== 4) fail('view is not [x, y, w, h]');
  const [x, y, w, h] = v;
  uint(x, board.width, 'view x');
  uint(y, board.height, 'view y');
  uint(w, board.width, 'view w');
  uint(h, board.height, 'view h');
  if (x + w > board.width || y + h > board.height) fail(`view [${v}] not inside the board`);
  if ((w === 0 || h === 0) && (x | y | w | h) !== 0) fail(`empty view [${v}] not at 0,0`);
  return [x, y, w, h];
}

function ascending(ids, what) {
  for (let i = 1; i < ids.length; i++) {
    if (ids[i] <= ids[i - 1]) fail(`${what}: player ${ids[i]} after ${ids[i - 1]}, want ascending`);
  }
}

function uint(v, max, what) {
  if (!Number.isInteger(v) || v < 0 || v > max) fail(`${what} ${v} is not an integer in 0..${max}`);
  return v;
}

function decode(bytes, what) {
  if (!(bytes instanceof Uint8Array)) fail(`${what} is not bytes`);
  try {
    return decoder.decode(bytes);
  } catch (err) {
    return fail(`${what} is not msgpack: ${err.message}`);
  }
}

function fail(message) {
  throw new DeltaError(message);
}

function hex32(v) {
  return Number(v).toString(16).padStart(8, '0');
}

// Writer appends msgpack in the encoding of game/snake: integers, array
// and bin headers in their smallest form.
class Writer {
  constructor(size) {
    this.buf = new Uint8Array(Math.max(16, size));
    this.n = 0;
  }

  #room(k) {
    if (this.n + k <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    next.set(this.buf.subarray(0, this.n));
    this.buf = next;
  }

  #byte(v) {
    this.buf[this.n++] = v;
  }

  #be(v, bytes) {
    for (let i = bytes - 1; i >= 0; i--) this.buf[this.n++] = Math.floor(v / 2 ** (8 * i)) & 0xff;
  }

  uint(v) {
    this.#room(9);
    if (v < 0x80) this.#byte(v);
    else if (v <= 0xff) {
      this.#byte(0xcc);
      this.#byte(v);
    } else if (v <= 0xffff) {
      this.#byte(0xcd);
      this.#be(v, 2);
    } else if (v <= 0xffffffff) {
      this.#byte(0xce);
      this.#be(v, 4);
    } else {
      this.#byte(0xcf);
      this.#be(v, 8);
    }
  }

  array(n) {
    this.#room(5);
    if (n < 16) this.#byte(0x90 | n);
    else if (n <= 0xffff) {
      this.#byte(0xdc);
      this.#be(n, 2);
    } else {
      this.#byte(0xdd);
      this.#be(n, 4);
    }
  }

  bin(bytes) {
    const n = bytes.length;
    this.#room(5 + n);
    if (n <= 0xff) {
      this.#byte(0xc4);
      this.#byte(n);
    } else if (n <= 0xffff) {
      this.#byte(0xc5);
      this.#be(n, 2);
    } else {
      this.#byte(0xc6);
      this.#be(n, 4);
    }
    this.buf.set(bytes, this.n);
    this.n += n;
  }

  bytes() {
    return this.buf.slice(0, this.n);
  }
}
