// Smooth movement between snapshots. The page draws the room about two
// ticks in the past, between the two snapshots around that moment, so that
// a late or skipped snapshot does not make the snakes stutter.

import { Status } from './snake.js';

/** How far behind the newest tick the board is drawn, in ticks. */
export const RENDER_DELAY_TICKS = 2;

/**
 * TickClock estimates which server tick it is from when snapshots arrive.
 * It follows the earliest arrivals (the ones least delayed by the network)
 * and lets the estimate drift slowly towards later ones, so that jitter
 * does not shake the board.
 */
export class TickClock {
  constructor(tickRate) {
    this.tickMs = 1000 / tickRate;
    this.offset = undefined; // local time at which tick 0 would have arrived
  }

  reset(tickRate = 1000 / this.tickMs) {
    this.tickMs = 1000 / tickRate;
    this.offset = undefined;
  }

  observe(tick, now) {
    const sample = now - tick * this.tickMs;
    if (this.offset === undefined || sample < this.offset) this.offset = sample;
    else this.offset += (sample - this.offset) * 0.02;
  }

  /** The (fractional) tick it is now, or undefined before any snapshot. */
  tickAt(now) {
    if (this.offset === undefined) return undefined;
    return (now - this.offset) / this.tickMs;
  }
}

/**
 * The polyline of a snake at `alpha` between two snapshots, as points
 * [x, y] in cells (cell centres at +0.5 are the renderer's business),
 * head first; null when there is nothing to draw. `from` and `to` are the
 * player's decoded snake in each snapshot (either may be missing).
 *
 * When the head went k cells forward, the path is the k new cells followed
 * by the old body: the head slides along it from the old head to the new
 * one, and the tail from the old tail to the new tail. A snake that died
 * stays where it was until the snapshot that no longer has it; one that
 * jumped (a respawn) is shown as the nearer snapshot has it.
 */
export function snakePath(from, to, alpha, width) {
  const a = from?.status === Status.ALIVE ? from.cells : null;
  const b = to?.status === Status.ALIVE ? to.cells : null;
  if (!a && !b) return null;
  if (!b) return alpha < 1 ? cellsToPoints(a, width) : null;
  if (!a || a === b) return cellsToPoints(b, width);
  const k = b.indexOf(a[0]);
  if (k < 0 || !continues(b, a, k)) return cellsToPoints(alpha < 0.5 ? a : b, width);
  const path = b.slice(0, k).concat(a);
  const head = k * (1 - alpha);
  const oldTail = path.length - 1;
  const tail = oldTail + alpha * (b.length - 1 - oldTail);
  return slice(path, head, tail, width);
}

// continues reports whether b's cells from index k on are a prefix of a.
function continues(b, a, k) {
  if (b.length - k > a.length) return false;
  for (let i = k; i < b.length; i++) if (b[i] !== a[i - k]) return false;
  return true;
}

function xy(cell, width) {
  return [cell % width, Math.floor(cell / width)];
}

function cellsToPoints(cells, width) {
  return cells.map((c) => xy(c, width));
}

function pointAt(path, f, width) {
  const i = Math.floor(f);
  const frac = f - i;
  const p = xy(path[i], width);
  if (frac === 0 || i + 1 >= path.length) return p;
  const q = xy(path[i + 1], width);
  return [p[0] + (q[0] - p[0]) * frac, p[1] + (q[1] - p[1]) * frac];
}

// slice returns the points of path from fractional index h to t (h <= t).
function slice(path, h, t, width) {
  const out = [pointAt(path, h, width)];
  for (let i = Math.floor(h) + 1; i < t; i++) out.push(xy(path[i], width));
  if (t > h) out.push(pointAt(path, t, width));
  return out;
}

/**
 * The frame to draw at a fractional tick from a SnapshotBuffer whose items
 * carry a decoded Snake snapshot in `state`: {tick, width, height, food,
 * snakes: [{player, points, dir, status}], view, from, to, alpha}. view is
 * the newer snapshot's ({x, y, w, h}, or null for the whole board): a
 * snake that left it is no longer drawn, one that entered it is drawn
 * where it is.
 */
export function frameAt(buffer, tick) {
  const span = buffer.around(tick);
  if (!span) return undefined;
  const { from, to, alpha } = span;
  const a = from.state;
  const b = to.state;
  const before = new Map(a.snakes.map((s) => [s.player, s]));
  const snakes = [];
  for (const s of b.snakes) {
    const prev = before.get(s.player);
    const points = snakePath(prev, s, alpha, b.width);
    const dir = alpha < 0.5 && prev?.status === Status.ALIVE ? prev.dir : s.dir;
    snakes.push({ player: s.player, points, dir, status: s.status });
  }
  return {
    tick: from.tick + alpha * (to.tick - from.tick),
    width: b.width,
    height: b.height,
    // Food eaten during the step disappears when the head arrives.
    food: alpha < 1 ? a.food : b.food,
    snakes,
    view: b.view ?? null,
    from: a,
    to: b,
    alpha,
  };
}
