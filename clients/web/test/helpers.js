// Test doubles: a WebSocket the test drives by hand and timers it fires.

import { decodeMessage } from '../src/sdk/codec.js';

/** Bytes from hex, ignoring whitespace. */
export function hex(s) {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function toHex(b) {
  return Buffer.from(b).toString('hex');
}

/** A WebSocket that records what is sent and lets the test play the server. */
export class FakeWebSocket {
  static instances = [];

  constructor(url, protocol) {
    this.url = url;
    this.protocol = protocol;
    this.readyState = 0;
    this.binaryType = 'blob';
    this.sent = [];
    this.closed = undefined;
    FakeWebSocket.instances.push(this);
  }

  static reset() {
    FakeWebSocket.instances = [];
  }

  static get last() {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
  }

  send(data) {
    if (this.readyState !== 1) throw new Error(`send in readyState ${this.readyState}`);
    this.sent.push(decodeMessage(data));
  }

  close(code, reason) {
    this.closed = { code, reason };
    this.readyState = 2;
  }

  // The server's side.
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(bytes) {
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    this.onmessage?.({ data: ab });
  }

  serverClose(code, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  sentOf(type) {
    return this.sent.filter((m) => m.type === type);
  }
}

/** setTimeout/clearTimeout that run only when the test says so. */
export class FakeTimers {
  constructor() {
    this.now = 0;
    this.pending = new Map();
    this.nextId = 1;
    this.setTimeout = (fn, ms) => {
      const id = this.nextId++;
      this.pending.set(id, { fn, at: this.now + ms, ms });
      return id;
    };
    this.clearTimeout = (id) => this.pending.delete(id);
    this.clock = () => this.now;
  }

  /** Delays of the timers now pending, in the order they were set. */
  get delays() {
    return [...this.pending.values()].map((t) => t.ms);
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms) {
    const until = this.now + ms;
    for (;;) {
      let next;
      for (const [id, t] of this.pending) if (t.at <= until && (!next || t.at < next[1].at)) next = [id, t];
      if (!next) break;
      this.pending.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = until;
  }
}
