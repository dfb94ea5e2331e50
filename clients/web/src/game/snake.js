// Snake's wire formats (go doc ./game/snake): the input payload is a
// direction 0 up, 1 right, 2 down, 3 left; a snapshot is
//   [tick, width, height, [snake...], food]
//   snake = [player, status, score, best, respawn_in, head, dir, len, body]
// with body the len-1 moves from the head to the tail, 2 bits each, low bits
// first, and food 2 bytes per cell, big-endian. With area of interest a
// player gets view snapshots, [tick, width, height, [snake...], food,
// [x, y, w, h]]: only the snakes with a cell in the rect (whole) and the
// food in it. Deltas between snapshots are snakedelta.js's business.

import { Decoder } from '@msgpack/msgpack';

export const Dir = Object.freeze({ UP: 0, RIGHT: 1, DOWN: 2, LEFT: 3 });
export const DIR_NAMES = Object.freeze(['up', 'right', 'down', 'left']);
/** [dx, dy] of one move in each direction; y grows downwards. */
export const DELTAS = Object.freeze([
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
]);

export const Status = Object.freeze({ WAITING: 0, ALIVE: 1, DEAD: 2 });

export class SnapshotError extends Error {
  constructor(message) {
    super(`snake snapshot: ${message}`);
    this.name = 'SnapshotError';
  }
}

const MIN_SIDE = 8;
const MAX_SIDE = 256;

/**
 * Decodes a snapshot payload (the msgpack value, already decoded by the
 * protocol codec) into
 *   {tick, width, height, snakes: [{player, status, score, best, respawnIn,
 *    head, dir, len, body, cells}], food: [cell...], view}
 * where cells is the snake's cells head first (y*width+x), unpacked from
 * body, and view is null for a full snapshot, or for a view snapshot the
 * part of the board it holds, {x, y, w, h} (all 0 for none of it).
 * Anything out of shape throws a SnapshotError.
 */
export function decodeSnapshot(v) {
  if (!Array.isArray(v) || v.length < 5) throw new SnapshotError('not an array of 5');
  const [tick, width, height, rawSnakes, food] = v;
  uint(tick, 'tick', 0xffffffff);
  uint(width, 'width', MAX_SIDE);
  uint(height, 'height', MAX_SIDE);
  if (width < MIN_SIDE || height < MIN_SIDE) throw new SnapshotError(`board ${width}x${height} too small`);
  if (!Array.isArray(rawSnakes)) throw new SnapshotError('snakes is not an array');
  const cells = width * height;
  const snakes = rawSnakes.map((s, i) => decodeSnake(s, i, width, height));
  for (let i = 1; i < snakes.length; i++) {
    if (snakes[i].player <= snakes[i - 1].player) throw new SnapshotError('players not in ascending order');
  }
  if (!(food instanceof Uint8Array) || food.length % 2 !== 0) throw new SnapshotError('food is not a bin of 2-byte cells');
  const foodCells = [];
  for (let i = 0; i < food.length; i += 2) {
    const c = (food[i] << 8) | food[i + 1];
    if (c >= cells) throw new SnapshotError(`food cell ${c} off the board`);
    foodCells.push(c);
  }
  return { tick, width, height, snakes, food: foodCells, view: v.length >= 6 ? decodeView(v[5], width, height) : null };
}

function decodeView(r, width, height) {
  if (!Array.isArray(r) || r.length !== 4) throw new SnapshotError('view is not [x, y, w, h]');
  const [x, y, w, h] = r;
  uint(x, 'view x', width);
  uint(y, 'view y', height);
  uint(w, 'view w', width);
  uint(h, 'view h', height);
  if (x + w > width || y + h > height) throw new SnapshotError(`view [${r}] not inside the ${width}x${height} board`);
  return { x, y, w, h };
}

const decoder = new Decoder();

/** Decodes a snapshot from its msgpack bytes. */
export function decodeSnapshotBytes(bytes) {
  return decodeSnapshot(decoder.decode(bytes));
}

function decodeSnake(s, i, width, height) {
  if (!Array.isArray(s) || s.length < 9) throw new SnapshotError(`snake ${i} is not an array of 9`);
  const [player, status, score, best, respawnIn, head, dir, len, body] = s;
  uint(player, 'player', 0xffffffff);
  uint(status, 'status', Status.DEAD);
  uint(score, 'score', 0xffffffff);
  uint(best, 'best', 0xffffffff);
  uint(respawnIn, 'respawn_in', 0xffff);
  uint(head, 'head', width * height - 1);
  uint(dir, 'dir', Dir.LEFT);
  uint(len, 'len', width * height);
  if (!(body instanceof Uint8Array)) throw new SnapshotError(`snake ${i}: body is not a bin`);
  if ((status === Status.ALIVE) !== len > 0) throw new SnapshotError(`snake ${i}: status ${status} with length ${len}`);
  return {
    player,
    status,
    score,
    best,
    respawnIn,
    head,
    dir,
    len,
    body,
    cells: unpackBody(head, len, body, width, height),
  };
}

/**
 * Unpacks a snake's cells, head first: move k is
 * (body[k >> 2] >> ((k & 3) * 2)) & 3, the direction from cell k to k+1.
 */
export function unpackBody(head, len, body, width, height) {
  if (len === 0) return [];
  const want = Math.ceil((len - 1) / 4);
  if (body.length !== want) throw new SnapshotError(`body of ${body.length} bytes for length ${len}, want ${want}`);
  let x = head % width;
  let y = Math.floor(head / width);
  const out = [head];
  for (let k = 0; k < len - 1; k++) {
    const [dx, dy] = DELTAS[(body[k >> 2] >> ((k & 3) * 2)) & 3];
    x += dx;
    y += dy;
    if (x < 0 || x >= width || y < 0 || y >= height) throw new SnapshotError(`body leaves the board at move ${k}`);
    out.push(y * width + x);
  }
  return out;
}

function uint(v, what, max) {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new SnapshotError(`${what} ${v} is not an integer in 0..${max}`);
}
