// The scoreboard: every player with colour, name, score and best score,
// best first; the player's own row stands out. With area of interest a
// player out of view shows the score last seen, marked "far".

import { Status } from '../game/snake.js';
import { byId, h } from './dom.js';

export class Scoreboard {
  constructor() {
    this.list = byId('scores');
    this.key = '';
  }

  /** rows: [{player, name, color, score, best, status, self, away, far}] */
  render(rows) {
    const sorted = [...rows].sort((a, b) => b.score - a.score || b.best - a.best || a.player - b.player);
    const key = JSON.stringify(sorted);
    if (key === this.key) return; // nothing changed: leave the DOM alone
    this.key = key;
    this.list.replaceChildren(...sorted.map((r) => this.#row(r)));
  }

  #row(r) {
    const swatch = h('span', { class: 'swatch' });
    swatch.style.background = r.color;
    const state = r.away ? 'away' : r.status === Status.DEAD ? 'dead' : r.status === Status.WAITING ? 'waiting' : r.far ? 'far' : 'alive';
    return h(
      'li',
      { class: `score-row ${r.self ? 'self' : ''} ${state}`, dataset: { player: String(r.player) } },
      swatch,
      h('span', { class: 'score-name', text: r.name }, r.self ? h('span', { class: 'you', text: 'you' }) : null),
      h(
        'span',
        { class: 'state' },
        r.away
          ? h('span', { class: 'pill muted', text: 'away' })
          : state === 'far'
            ? h('span', { class: 'pill muted', text: 'far', title: 'Out of view: the score last seen' })
            : null,
      ),
      h('span', { class: 'score', title: 'score', text: String(r.score) }),
      h('span', { class: 'best', title: 'best score', text: String(r.best) }),
    );
  }

  clear() {
    this.key = '';
    this.list.replaceChildren();
  }
}
