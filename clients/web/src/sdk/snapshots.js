// SnapshotBuffer keeps the recent snapshots of one connection in tick order
// for interpolation. Snapshots are volatile: ticks may be skipped, and a
// snapshot not newer than the newest one kept is dropped.

/**
 * What a SnapshotBuffer needs of a snapshot; TickroomClient's snapshot
 * events have it.
 *
 * @typedef {object} BufferedSnapshot
 * @property {number} tick
 * @property {number} [base] the tick a delta was taken against; 0 or none for a full state
 * @property {boolean} [delta] it came as a delta and was patched
 */

/**
 * @template {BufferedSnapshot} [S=import('./client.js').Snapshot]
 */
export class SnapshotBuffer {
  /** @param {{capacity?: number}} [opts] capacity: how many snapshots to keep (16) */
  constructor({ capacity = 16 } = {}) {
    this.capacity = capacity;
    /** @type {S[]} ascending tick */
    this.items = [];
    // deltas: accepted snapshots that came as deltas (and were patched);
    // unpatched: deltas dropped because nobody patched them.
    this.stats = { accepted: 0, stale: 0, deltas: 0, unpatched: 0, skippedTicks: 0 };
  }

  /**
   * The newest snapshot, or undefined.
   *
   * @returns {S | undefined}
   */
  get newest() {
    return this.items[this.items.length - 1];
  }

  /**
   * Adds a snapshot ({tick, base, delta, ...}); returns whether it was
   * kept. A full state that came as a delta (delta set: the client patched
   * it) is counted as one; a delta nobody patched (base != 0, delta not
   * set) cannot be shown, and is dropped and counted.
   *
   * @param {S} snap
   * @returns {boolean}
   */
  push(snap) {
    if (snap.base && !snap.delta) {
      this.stats.unpatched++;
      return false;
    }
    const last = this.newest;
    if (last && snap.tick <= last.tick) {
      this.stats.stale++;
      return false;
    }
    if (last) this.stats.skippedTicks += snap.tick - last.tick - 1;
    this.items.push(snap);
    if (this.items.length > this.capacity) this.items.shift();
    this.stats.accepted++;
    if (snap.delta) this.stats.deltas++;
    return true;
  }

  /** Forgets every snapshot (a new connection, perhaps another room). */
  clear() {
    this.items.length = 0;
  }

  /**
   * Returns the two snapshots around a (fractional) tick and how far
   * between them it is: {from, to, alpha} with alpha in [0, 1]. Before the
   * oldest or after the newest, both are that end's snapshot; undefined
   * when there is none.
   *
   * @param {number} tick
   * @returns {{from: S, to: S, alpha: number} | undefined}
   */
  around(tick) {
    const items = this.items;
    if (!items.length) return undefined;
    const first = items[0];
    const last = items[items.length - 1];
    if (tick <= first.tick) return { from: first, to: first, alpha: 0 };
    if (tick >= last.tick) return { from: last, to: last, alpha: 0 };
    let i = items.length - 1;
    while (items[i - 1].tick > tick) i--;
    const from = items[i - 1];
    const to = items[i];
    return { from, to, alpha: (tick - from.tick) / (to.tick - from.tick) };
  }
}
