// Connection status (top bar), the banner over the board for connection
// news, and the overlay for messages that need the player's attention.

import { byId, h, setText } from './dom.js';

const STATE_TEXT = {
  idle: 'offline',
  connecting: 'connecting…',
  open: 'online',
  reconnecting: 'reconnecting…',
  closed: 'offline',
};

export class StatusBar {
  constructor() {
    this.root = byId('status');
    this.text = byId('status-text');
    this.ping = byId('ping');
  }

  setState(state) {
    this.root.dataset.state = state;
    setText(this.text, STATE_TEXT[state] ?? state);
    if (state !== 'open') setText(this.ping, '');
  }

  setPing(ms) {
    setText(this.ping, ms === undefined ? '' : `${ms} ms`);
  }
}

export class Banner {
  constructor() {
    this.el = byId('banner');
    this.timer = undefined;
  }

  /** Shows text; kind is 'info', 'warn' or 'ok'; ttlMs hides it after a while. */
  show(text, kind = 'info', ttlMs = 0) {
    clearTimeout(this.timer);
    this.el.dataset.kind = kind;
    setText(this.el, text);
    this.el.hidden = false;
    if (ttlMs) this.timer = setTimeout(() => this.hide(), ttlMs);
  }

  hide() {
    clearTimeout(this.timer);
    this.el.hidden = true;
  }
}

export class Overlay {
  constructor() {
    this.el = byId('overlay');
    this.title = byId('overlay-title');
    this.text = byId('overlay-text');
    this.actions = byId('overlay-actions');
    this.kind = '';
  }

  /**
   * Shows a message over the board. kind names it ('death', 'closed', ...)
   * so that callers can tell whether it is theirs; buttons: [{label, onClick, primary}].
   */
  show(kind, title, text = '', buttons = []) {
    const sameButtons = this.kind === kind && this.actions.childElementCount === buttons.length;
    this.kind = kind;
    this.el.dataset.kind = kind;
    setText(this.title, title);
    setText(this.text, text);
    if (!sameButtons) {
      this.actions.replaceChildren(
        ...buttons.map((b) => h('button', { type: 'button', class: b.primary ? 'primary' : '', onclick: b.onClick, text: b.label })),
      );
    }
    this.el.hidden = false;
  }

  hide(kind) {
    if (kind && this.kind !== kind) return;
    this.kind = '';
    this.el.hidden = true;
  }
}
