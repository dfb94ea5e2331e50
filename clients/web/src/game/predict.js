// Prediction of the own snake's turns, so that a key press shows at once.
//
// The board is drawn about two ticks behind the newest snapshot (interp.js),
// and a turn reaches the room a one-way trip later, so the body cannot turn
// before the server says it did without moving the own snake off the
// board's timeline (and then snapping it back). What turns at once is the
// head: its eyes and a chevron in front of it show the next turn the snake
// is going to take (and further chevrons the turns after it), from what is
// known of its future:
//
//   1. the turns the server already made that the board has not drawn yet
//      (the newer snapshots in the buffer: knownAhead);
//   2. then the turns still to come, replayed from the newest snapshot by
//      the rules of docs/snake.md ("One tick", step 1): the turns the room
//      took but the snake has not used yet (at most one useful turn a
//      tick, a queue of 4), then the inputs sent and not yet acknowledged
//      (TurnPredictor.plan).
//
// Reconciliation: each snapshot acknowledges the inputs the room took
// before its step (ack_seq). Those leave the pending list and join the
// model of the room's queue, which is stepped like the room steps it and
// checked against the snapshot's direction; when they disagree, the server
// wins and the model starts again from its state. A turn the rules throw
// away (onto the reverse, or onto the direction the snake already has
// then) is never shown, since the replay throws it away too. When the
// shown turn turns out wrong, the head eases back to where it really goes
// over CORRECTION_MS (HeadFacing); the body and the rest of the board are
// never touched.

import { DELTAS, Status } from './snake.js';

/** How many turns the room holds for a player (docs/snake.md, Input). */
export const MAX_QUEUE = 4;
/** How long the head takes to turn back when a prediction was wrong, ms. */
export const CORRECTION_MS = 100;

/** The opposite direction. */
export const reverse = (dir) => (dir + 2) % 4;

/**
 * One tick's Turn step for a snake going `dir` with `queue` pending: turns
 * onto the direction or its reverse are thrown away, the first other one
 * is taken and the rest wait for the next tick. Returns [dir, rest].
 *
 * @param {number} dir
 * @param {readonly number[]} queue
 * @returns {[number, number[]]}
 */
export function steer(dir, queue) {
  for (let i = 0; i < queue.length; i++) {
    const turn = queue[i];
    if (turn !== dir && turn !== reverse(dir)) return [turn, queue.slice(i + 1)];
  }
  return [dir, []];
}

/**
 * The turns a snake going `dir` makes on the coming ticks with `queue`
 * pending, one a tick, in order: the directions it turns to.
 *
 * @param {number} dir
 * @param {readonly number[]} queue
 * @returns {number[]}
 */
export function replay(dir, queue) {
  const turns = [];
  let q = queue;
  while (q.length) {
    const [next, rest] = steer(dir, q);
    if (next !== dir) turns.push(next); // else nothing useful was left
    dir = next;
    q = rest;
  }
  return turns;
}

/**
 * TurnPredictor keeps the own snake's inputs that the room has not used
 * yet and says which turns the snake is still going to make after the
 * newest snapshot. Feed it every input sent (sent), every input the
 * connection dropped (dropped: a rate_limited or bad_seq error), every
 * snapshot in tick order (snapshot) and reset it with each welcome (input
 * seqs count per connection).
 */
export class TurnPredictor {
  /** @type {{seq: number, dir: number}[]} sent, not yet taken by the room (seq > ack) */
  #sent = [];
  /** @type {number[]} taken by the room and, as far as we can tell, still in the snake's queue */
  #queued = [];
  /** @type {{tick: number, alive: boolean, dir: number} | undefined} the newest snapshot's own snake */
  #server = undefined;
  #respawnTicks = 0;

  constructor() {
    /** Snapshots that took back a shown turn (or showed one not predicted). */
    this.mispredictions = 0;
  }

  /**
   * Forgets the connection's inputs; respawnTicks is the room's
   * (config.respawn_ticks), which dates a death from a dead snake's
   * respawn_in. Unknown (0): a death is taken to be as early as it can be.
   *
   * @param {number} [respawnTicks]
   */
  reset(respawnTicks = 0) {
    this.#sent = [];
    this.#queued = [];
    this.#server = undefined;
    this.#respawnTicks = respawnTicks;
  }

  /** An input sent with seq, turning to dir. */
  sent(seq, dir) {
    this.#sent.push({ seq, dir });
  }

  /** An input the connection dropped: the room never takes it. */
  dropped(seq) {
    this.#sent = this.#sent.filter((s) => s.seq !== seq);
  }

  /** Inputs sent and not yet acknowledged. */
  get pending() {
    return this.#sent.length;
  }

  /** The turns the room took that the snake has not used yet, as modelled. */
  get queued() {
    return [...this.#queued];
  }

  /** The turns to come after the newest snapshot, in order; none without a living snake. */
  get plan() {
    const s = this.#server;
    if (!s?.alive) return [];
    return replay(s.dir, this.#queued.concat(this.#sent.map((x) => x.dir)));
  }

  /** Where the snake goes once the plan is done; undefined without a living snake. */
  get final() {
    const s = this.#server;
    if (!s?.alive) return undefined;
    const p = this.plan;
    return p.length ? p[p.length - 1] : s.dir;
  }

  /**
   * Reconciles with a snapshot: its tick, its ack_seq and the own snake in
   * it ({status, dir, respawnIn}; undefined when it has none). Returns
   * whether the prediction was wrong: the snake goes elsewhere than
   * predicted though no input was sent since, or died with turns shown
   * that it had not made.
   *
   * @param {number} tick
   * @param {number} ack
   * @param {{status: number, dir: number, respawnIn?: number} | undefined} snake
   * @returns {boolean}
   */
  snapshot(tick, ack, snake) {
    const before = this.final;
    const hadPlan = this.plan.length > 0;
    const taken = [];
    while (this.#sent.length && this.#sent[0].seq <= ack) taken.push(this.#sent.shift().dir);
    const alive = snake?.status === Status.ALIVE;
    const died = snake?.status === Status.DEAD;
    const prev = this.#server;
    let leftover = hadPlan;
    if (prev?.alive && (alive || died) && tick > prev.tick) {
      // The ticks between the two snapshots use what was queued; the
      // inputs this snapshot acknowledges joined the queue at the latest
      // before its own step (exactly then when no tick was skipped). A
      // snake that died stepped up to its death, and that step turns
      // before it moves: the turns it had by then were made.
      const last = alive ? tick : this.#deathTick(tick, prev.tick, snake.respawnIn);
      let dir = prev.dir;
      let q = this.#queued;
      for (let t = prev.tick + 1; t < last; t++) [dir, q] = steer(dir, q);
      [dir, q] = steer(dir, q.concat(taken).slice(0, MAX_QUEUE));
      this.#queued = alive && dir === snake.dir ? q : [];
      leftover = replay(dir, q.concat(this.#sent.map((x) => x.dir))).length > 0;
    } else {
      // A snake that was not alive has an empty queue (the room ignores
      // turns then and empties the queue of a new snake).
      this.#queued = [];
    }
    this.#server = { tick, alive, dir: snake?.dir ?? 0 };
    const wrong = prev?.alive === true && (alive ? this.final !== before : leftover);
    if (wrong) this.mispredictions++;
    return wrong;
  }

  /**
   * The tick whose step killed a snake seen dead at tick with respawnIn
   * ticks to go (it was respawnTicks at its death), within the ticks since
   * the last snapshot; the earliest of them when that cannot be told.
   */
  #deathTick(tick, prevTick, respawnIn) {
    if (!this.#respawnTicks || !Number.isInteger(respawnIn)) return prevTick + 1;
    return Math.min(tick, Math.max(prevTick + 1, tick - (this.#respawnTicks - respawnIn)));
  }
}

/**
 * What is known and predicted of the own snake's directions ahead of the
 * board drawn at fractional tick `tick`: its directions in the newer
 * snapshots (a direction shows from half way through its move, as frameAt
 * draws it), oldest first, then `plan`, the turns predicted after the
 * newest one. It stops where the snake does not live.
 *
 * @param {readonly {tick: number, state: {snakes: readonly {player: number, status: number, dir: number}[]}}[]} items a SnapshotBuffer's, ascending tick
 * @param {number} tick
 * @param {number} player
 * @param {readonly number[]} [plan]
 * @returns {number[]}
 */
export function knownAhead(items, tick, player, plan = []) {
  const dirs = [];
  for (const it of items) {
    if (it.tick <= tick + 0.5) continue;
    const s = it.state.snakes.find((x) => x.player === player);
    if (s?.status !== Status.ALIVE) return dirs;
    dirs.push(s.dir);
  }
  return dirs.concat(plan);
}

/**
 * The turns in `ahead` (per move, as knownAhead lists them) for a snake
 * going `dir`: each direction it changes to, in order, at most max. The
 * head faces the first; the others are the turns after it.
 *
 * @param {number} dir
 * @param {readonly number[]} ahead
 * @param {number} [max]
 * @returns {number[]}
 */
export function turnsAhead(dir, ahead, max = 3) {
  const turns = [];
  for (const d of ahead) {
    if (turns.length >= max) break;
    if (d !== dir) turns.push(d);
    dir = d;
  }
  return turns;
}

const ANGLES = DELTAS.map(([dx, dy]) => Math.atan2(dy, dx));

// An eased number: it goes from where it is to a new target over ms, or
// at once when snapped.
class Eased {
  constructor(ms, value = 0) {
    this.ms = ms;
    this.from = value;
    this.to = value;
    this.start = -Infinity;
  }

  value(now) {
    const k = Math.min(1, Math.max(0, (now - this.start) / this.ms));
    const s = k * k * (3 - 2 * k); // smoothstep
    return this.from + (this.to - this.from) * s;
  }

  settled(now) {
    return now - this.start >= this.ms;
  }

  set(to, now, snap) {
    if (snap) {
      this.from = this.to = to;
      this.start = -Infinity;
    } else if (to !== this.to) {
      this.from = this.value(now);
      this.to = to;
      this.start = now;
    }
  }
}

/**
 * HeadFacing is how the own head is drawn: the direction it faces, as a
 * unit vector, and how much of the chevron of an upcoming turn shows
 * (lead, 0 to 1). A key press snaps it to the new prediction; any other
 * change (a prediction taken back, the body catching up with the turn)
 * eases over CORRECTION_MS, the facing turning the shorter way round.
 */
export class HeadFacing {
  #angle = new Eased(CORRECTION_MS);
  #lead = new Eased(CORRECTION_MS);
  #dir = -1; // the direction aimed at

  /**
   * @param {number} dir the direction to face
   * @param {boolean} turning whether it is a turn still ahead of the body (shows the chevron)
   * @param {number} now ms
   * @param {boolean} snap take it at once (a key press, or a head not drawn before)
   * @returns {{facing: [number, number], lead: number, dir: number}} dir: the direction drawn, or -1 while turning between two
   */
  show(dir, turning, now, snap) {
    if (snap || dir !== this.#dir) {
      const from = this.#angle.value(now);
      let to = ANGLES[dir];
      // The nearest way round from the angle drawn now.
      to = from + ((((to - from) % (2 * Math.PI)) + 3 * Math.PI) % (2 * Math.PI)) - Math.PI;
      this.#angle.set(snap ? ANGLES[dir] : to, now, snap);
      this.#dir = dir;
    }
    this.#lead.set(turning ? 1 : 0, now, snap);
    const a = this.#angle.value(now);
    const settled = this.#angle.settled(now);
    return {
      facing: settled ? [...DELTAS[dir]] : [Math.cos(a), Math.sin(a)],
      lead: this.#lead.value(now),
      dir: settled ? dir : -1,
    };
  }
}
