// Exponential backoff with jitter for reconnecting: attempt n waits
// min(maxMs, baseMs * factor^n) scaled by a random factor in
// [1 - jitter, 1], so that clients dropped together do not return together.

export const DEFAULT_BACKOFF = Object.freeze({ baseMs: 500, factor: 2, maxMs: 10_000, jitter: 0.5 });

/** The delay before reconnect attempt `attempt` (0-based), given r in [0, 1). */
export function backoffDelay(attempt, r, opts = DEFAULT_BACKOFF) {
  const { baseMs, factor, maxMs, jitter } = { ...DEFAULT_BACKOFF, ...opts };
  const ceiling = Math.min(maxMs, baseMs * factor ** attempt);
  return Math.round(ceiling * (1 - jitter + jitter * r));
}

/** Backoff counts attempts; reset it once a connection succeeds. */
export class Backoff {
  /** @param {{baseMs?: number, factor?: number, maxMs?: number, jitter?: number, random?: () => number}} opts */
  constructor(opts = {}) {
    const { random = Math.random, ...rest } = opts;
    this.opts = { ...DEFAULT_BACKOFF, ...rest };
    this.random = random;
    this.attempt = 0;
  }

  /** Returns the delay before the next attempt and counts it. */
  next() {
    return backoffDelay(this.attempt++, this.random(), this.opts);
  }

  reset() {
    this.attempt = 0;
  }
}
