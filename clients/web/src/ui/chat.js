// The room log: chat lines, notices (joins, leaves, connection news), the
// kill feed and the room's earlier chat (dimmed), with a box to chat.

import { MAX_CHAT_CHARS } from '../sdk/codec.js';
import { byId, h } from './dom.js';

const MAX_LINES = 150;

export class ChatPanel {
  /** @param {(text: string) => boolean} onSend returns whether it was sent */
  constructor(onSend) {
    this.log = byId('log');
    this.form = byId('chat-form');
    this.input = byId('chat-input');
    this.input.maxLength = MAX_CHAT_CHARS;
    // Follow new lines unless the player scrolled up to read. Only a move
    // up stops following: the log also changes size when the scoreboard
    // grows, and a scroll event may report that after the fact.
    this.follow = true;
    this.lastTop = 0;
    this.log.addEventListener('scroll', () => {
      const top = this.log.scrollTop;
      if (this.log.scrollHeight - top - this.log.clientHeight < 24) this.follow = true;
      else if (top < this.lastTop - 1) this.follow = false;
      this.lastTop = top;
    });
    new ResizeObserver(() => {
      if (this.follow) this.#toBottom();
    }).observe(this.log);
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      if (onSend(text)) this.input.value = '';
    });
    // Escape gives the keys back to the game.
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.input.blur();
    });
  }

  /**
   * Adds a line: {kind: 'chat', player, name, color, text} or {kind:
   * 'notice'|'feed'|'error', text}. Returns its element.
   */
  add(line) {
    let li;
    if (line.kind === 'chat') {
      const who = h('span', { class: 'who', text: line.name });
      who.style.color = line.color;
      li = h('li', { class: 'line chat' }, who, h('span', { class: 'text', text: line.text }));
    } else {
      li = h('li', { class: `line ${line.kind}`, text: line.text });
    }
    this.log.append(li);
    this.#trim();
    return li;
  }

  /**
   * Adds the room's chat from before the player joined, [{name, text, at},
   * ...] oldest first, dimmed and with times, before the element before
   * (the join notice) when it is still in the log, else at the end.
   */
  addHistory(lines, before) {
    if (!lines.length) return;
    const items = [
      h('li', { class: 'line history-mark', text: 'Earlier in this room' }),
      ...lines.map((l) =>
        h(
          'li',
          { class: 'line chat history', title: l.at.toLocaleString() },
          h('span', { class: 'at', text: clock(l.at) }),
          h('span', { class: 'who', text: l.name }),
          h('span', { class: 'text', text: l.text }),
        ),
      ),
    ];
    if (before && before.parentNode === this.log) before.before(...items);
    else this.log.append(...items);
    this.#trim();
  }

  #trim() {
    while (this.log.childElementCount > MAX_LINES) this.log.firstElementChild.remove();
    if (this.follow) this.#toBottom();
  }

  #toBottom() {
    this.log.scrollTop = this.log.scrollHeight;
    this.lastTop = this.log.scrollTop;
  }

  clear() {
    this.log.replaceChildren();
    this.follow = true;
    this.lastTop = 0;
  }

  setEnabled(on, placeholder) {
    this.input.disabled = !on;
    this.input.placeholder = placeholder;
  }
}

/** hh:mm in the player's own time, or the date too when not today. */
function clock(at) {
  if (Number.isNaN(at.getTime())) return '';
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return at.toDateString() === new Date().toDateString() ? time : `${at.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`;
}
