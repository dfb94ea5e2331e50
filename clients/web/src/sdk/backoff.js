// Exponential backoff with jitter for reconnecting: attempt n waits
// min(maxMs, baseMs * factor^n) scaled by a random factor in
// [1 - jitter, 1], so that clients dropped together do not return together.

/**
 * How long reconnection attempts wait: attempt n waits min(maxMs, baseMs *
 * factor^n) ms, scaled by a random factor in [1 - jitter, 1].
 *
 * @typedef {object} BackoffOptions
 * @property {number} [baseMs] the first wait, in ms (500)
 * @property {number} [factor] each wait is this many times the last (2)
 * @property {number} [maxMs] the longest wait, in ms (10000)
 * @property {number} [jitter] the part of a wait that is random, 0 to 1 (0.5)
 * @property {() => number} [random] the random source, values in [0, 1) (Math.random)
 */

/** The defaults of BackoffOptions. */
export const DEFAULT_BACKOFF = Object.freeze({ baseMs: 500, factor: 2, maxMs: 10_000, jitter: 0.5 });

/**
 * The delay before reconnect attempt `attempt` (0-based), given r in [0, 1).
 *
 * @param {number} attempt
 * @param {number} r
 * @param {BackoffOptions} [opts] missing fields take DEFAULT_BACKOFF's
 * @returns {number} ms
 */
export function backoffDelay(attempt, r, opts = DEFAULT_BACKOFF) {
  const { baseMs, factor, maxMs, jitter } = { ...DEFAULT_BACKOFF, ...opts };
  const ceiling = Math.min(maxMs, baseMs * factor ** attempt);
  return Math.round(ceiling * (1 - jitter + jitter * r));
}

/** Backoff counts attempts; reset it once a connection succeeds. */
export class Backoff {
  /** @param {BackoffOptions} [opts] */
  constructor(opts = {}) {
    const { random = Math.random, ...rest } = opts;
    /** @type {Required<Omit<BackoffOptions, 'random'>>} */
    this.opts = { ...DEFAULT_BACKOFF, ...rest };
    /** @type {() => number} */
    this.random = random;
    /** Attempts counted since the last reset. */
    this.attempt = 0;
  }

  /**
   * Returns the delay before the next attempt and counts it.
   *
   * @returns {number} ms
   */
  next() {
    return backoffDelay(this.attempt++, this.random(), this.opts);
  }

  /** Starts counting again from attempt 0. */
  reset() {
    this.attempt = 0;
  }
}
