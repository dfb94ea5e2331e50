// A minimal event emitter: on(type, fn) returns a function that removes fn.

export class Emitter {
  #handlers = new Map();

  on(type, fn) {
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

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
