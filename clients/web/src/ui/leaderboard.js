// The lobby's leaderboard: today's and all-time best scores (GET
// /api/leaderboard) and the player's own best across visits (GET
// /api/players/me with the player key). A server that keeps nothing
// answers 503: the card says so and the rest of the lobby goes on.

import { ApiError, ApiUnavailable, leaderboard, playerByKey } from '../sdk/api.js';
import { byId, h, setText } from './dom.js';

const GAME = 'snake';
const LIMIT = 10;
const PERIODS = /** @type {const} */ (['day', 'all']);
const EMPTY = { day: 'No scores yet today: play one!', all: 'No scores yet: play one!' };
const BEST = [
  ['day', 'Today'],
  ['week', 'This week'],
  ['all', 'All time'],
];

export class LeaderboardView {
  /** @param {string} key the player key, '' for a guest */
  constructor(key) {
    this.key = key;
    this.card = byId('leaderboard');
    this.status = byId('leaders-status');
    this.lists = { day: byId('leaders-day'), all: byId('leaders-all') };
    this.mine = byId('my-best');
    this.me = undefined; // the player's id, once the server knows it
    this.loading = false;
  }

  /** Loads the boards and the own best again; never throws. */
  async refresh() {
    if (this.loading) return;
    this.loading = true;
    try {
      const [mine, ...boards] = await Promise.allSettled([
        this.#loadMine(),
        ...PERIODS.map((period) => leaderboard(location.origin, { game: GAME, period, limit: LIMIT })),
      ]);
      const failed = boards.find((b) => b.status === 'rejected');
      if (failed) {
        this.#unavailable(failed.reason);
        return;
      }
      this.card.dataset.state = 'ok';
      this.status.hidden = true;
      if (mine.status === 'fulfilled') this.#showMine(mine.value);
      else this.#mineUnavailable(mine.reason);
      // After the own record: its id marks the own rows.
      PERIODS.forEach((period, i) => this.#render(period, boards[i].value.entries));
    } finally {
      this.loading = false;
    }
  }

  // loadMine is the player's record: null when the server does not know
  // the key yet, undefined for a guest; it throws what the boards would.
  async #loadMine() {
    if (!this.key) return undefined;
    const me = await playerByKey(location.origin, this.key, { game: GAME });
    if (me) this.me = me.id;
    return me;
  }

  #showMine(me) {
    this.mine.hidden = false;
    if (me === undefined) {
      this.mine.dataset.state = 'guest';
      this.mine.replaceChildren(h('p', { class: 'muted', text: 'You play as a guest: this browser does not let the page keep your key, so your scores are not kept.' }));
      return;
    }
    if (me === null || !BEST.some(([p]) => me.best[p])) {
      this.mine.dataset.state = 'none';
      this.mine.replaceChildren(h('p', { class: 'muted', text: 'Your best score shows here once you have played.' }));
      return;
    }
    this.mine.dataset.state = 'ok';
    this.mine.replaceChildren(
      h('h3', {}, 'Your best', h('span', { class: 'muted who', text: ` as ${me.name}` })),
      h(
        'dl',
        { class: 'best-grid' },
        BEST.map(([period, label]) => {
          const e = me.best[period];
          return h(
            'div',
            { class: 'best-cell', dataset: { period } },
            h('dt', { text: label }),
            h('dd', { class: 'best-score', text: e ? String(e.score) : '–' }),
            h('dd', { class: 'best-rank muted', text: e ? `#${e.rank}` : '' }),
          );
        }),
      ),
    );
  }

  #mineUnavailable(err) {
    console.warn(`tickroom: your best score: ${err.message}`);
    this.mine.hidden = false;
    this.mine.dataset.state = 'unavailable';
    this.mine.replaceChildren(h('p', { class: 'muted', text: 'Your best score is unavailable right now.' }));
  }

  #render(period, entries) {
    const list = this.lists[period];
    if (!entries.length) {
      list.replaceChildren(h('li', { class: 'leaders-empty muted', text: EMPTY[period] }));
      return;
    }
    list.replaceChildren(
      ...entries.map((e) => {
        const self = this.me !== undefined && e.player === this.me;
        return h(
          'li',
          { class: `leader${self ? ' self' : ''}`, dataset: { player: String(e.player) }, title: e.at.toLocaleString() },
          h('span', { class: 'leader-rank', text: String(e.rank) }),
          h('span', { class: 'leader-name', text: e.name }, self ? h('span', { class: 'you', text: 'you' }) : null),
          h('span', { class: 'leader-score', text: String(e.score) }),
        );
      }),
    );
  }

  #unavailable(err) {
    this.card.dataset.state = 'unavailable';
    for (const list of Object.values(this.lists)) list.replaceChildren();
    this.mine.hidden = true;
    this.status.hidden = false;
    let text = 'Leaderboard unavailable right now. You can still play.';
    if (err instanceof ApiError && err.status === 503) text = 'Leaderboard unavailable: this server keeps no scores, or cannot reach them now. You can still play.';
    else if (err instanceof ApiUnavailable) text = 'Leaderboard unavailable on this server. You can still play.';
    else console.warn(`tickroom: the leaderboard: ${err.message}`);
    setText(this.status, text);
  }
}
