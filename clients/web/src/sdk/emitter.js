// A minimal event emitter: on(type, fn) returns a function that removes fn.

/**
 * A typed event emitter. Events maps each event type to the value its
 * listeners get.
 *
 * @template {Record<string, any>} Events
 */
export class Emitter {
  /** @type {Map<string, Set<(value: any) => void>>} */
  #handlers = new Map();

  /**
   * Calls fn with the value of every event of this type, until the
   * returned function is called. A listener that throws does not stop the
   * others (its error is rethrown in a microtask).
   *
   * @template {keyof Events & string} K
   * @param {K} type
   * @param {(value: Events[K]) => void} fn
   * @returns {() => boolean} removes fn; true when it was still there
   */
  on(type, fn) {
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /**
   * Calls the listeners of type with value.
   *
   * @template {keyof Events & string} K
   * @param {K} type
   * @param {Events[K]} value
   */
  emit(type, value) {
    const set = this.#handlers.get(type);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(value);
      } catch (err) {
        // A broken listener must not break the connection.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
