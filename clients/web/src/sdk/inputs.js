// InputLog numbers a connection's inputs (seq 1, 2, 3, ...) and matches the
// acks of snapshots to them, to measure input-to-acknowledgement latency.

export class InputLog {
  /** @type {Array<[seq: number, sentAt: number]>} oldest first, not yet acknowledged */
  #sent = [];

  constructor() {
    /** Seq of the last input sent. */
    this.seq = 0;
    /** The last seq acknowledged. */
    this.ack = 0;
    /**
     * Latency of the newest acknowledged input, in ms; undefined until one.
     * @type {number | undefined}
     */
    this.latencyMs = undefined;
    this.reset();
  }

  /** Starts over for a new connection: seq restarts at 1. */
  reset() {
    this.seq = 0;
    this.ack = 0;
    this.#sent.length = 0;
    this.latencyMs = undefined;
  }

  /**
   * Returns the seq of a new input sent at `now`.
   *
   * @param {number} now ms
   * @returns {number}
   */
  next(now) {
    this.seq++;
    this.#sent.push([this.seq, now]);
    if (this.#sent.length > 256) this.#sent.shift(); // bounded if acks never come
    return this.seq;
  }

  /**
   * Records a snapshot's ack received at `now`. Acks never go backwards;
   * returns the latency of the newest input it acknowledges, if any.
   *
   * @param {number} ack
   * @param {number} now ms
   * @returns {number | undefined} ms
   */
  acknowledge(ack, now) {
    if (ack <= this.ack) return undefined;
    this.ack = ack;
    let latency;
    while (this.#sent.length && this.#sent[0][0] <= ack) {
      const [seq, at] = /** @type {[number, number]} */ (this.#sent.shift());
      if (seq === ack) latency = now - at;
    }
    if (latency !== undefined) this.latencyMs = latency;
    return latency;
  }

  /** Inputs sent but not yet applied by the room. */
  get pending() {
    return this.seq - this.ack;
  }
}
