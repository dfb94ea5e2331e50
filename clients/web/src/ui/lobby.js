// The lobby: the player's name, quick play, create room, the room list
// from GET /api/rooms and the leaderboard with the player's own best
// (refreshed while the lobby is shown, and at once when the player comes
// back to it).

import { ApiUnavailable, listRooms } from '../sdk/api.js';
import { byId, h, setText } from './dom.js';
import { LeaderboardView } from './leaderboard.js';

const NAME_KEY = 'tickroom.name';
const REFRESH_MS = 4000;
const BOARD_REFRESH_MS = 10_000;
// A result of the game just left may still be on its way to the database
// when the lobby shows: the boards are asked again a moment later.
const BOARD_AGAIN_MS = 1500;

export class LobbyView {
  /**
   * @param {{onQuickPlay: (name: string) => void, onCreate: (name: string) => void,
   *          onJoin: (name: string, room: string, spectator: boolean) => void}} actions
   * @param {string} key the player key ('' for a guest)
   */
  constructor(actions, key) {
    this.actions = actions;
    this.board = new LeaderboardView(key);
    this.boardTimers = [];
    this.root = byId('lobby');
    this.form = byId('join-form');
    this.nameInput = byId('name');
    this.note = byId('lobby-note');
    this.list = byId('rooms');
    this.listStatus = byId('rooms-status');
    this.timer = undefined;
    this.loading = false;

    this.nameInput.value = loadName();
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.actions.onQuickPlay(this.name());
    });
    byId('create').addEventListener('click', () => {
      if (this.form.reportValidity()) this.actions.onCreate(this.name());
    });
    byId('refresh').addEventListener('click', () => this.refresh());
  }

  name() {
    const name = this.nameInput.value.trim().slice(0, 24) || 'guest';
    saveName(name);
    return name;
  }

  show(message = '') {
    this.root.hidden = false;
    this.setNote(message);
    this.refresh();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
    this.#stopBoard();
    this.board.refresh();
    this.boardTimers = [setTimeout(() => this.board.refresh(), BOARD_AGAIN_MS), setInterval(() => this.board.refresh(), BOARD_REFRESH_MS)];
    this.nameInput.focus();
  }

  hide() {
    this.root.hidden = true;
    clearInterval(this.timer);
    this.timer = undefined;
    this.#stopBoard();
  }

  #stopBoard() {
    // clearTimeout and clearInterval clear either kind of timer.
    for (const t of this.boardTimers) clearTimeout(t);
    this.boardTimers = [];
  }

  setNote(text) {
    this.note.hidden = !text;
    setText(this.note, text);
  }

  async refresh() {
    if (this.loading) return;
    this.loading = true;
    try {
      const rooms = await listRooms(location.origin, { game: 'snake' });
      this.#render(rooms);
    } catch (err) {
      this.list.replaceChildren();
      this.listStatus.hidden = false;
      this.listStatus.dataset.kind = 'unavailable';
      setText(
        this.listStatus,
        err instanceof ApiUnavailable
          ? 'Room list unavailable on this server. Quick play still works.'
          : 'Room list unavailable right now. Quick play still works.',
      );
    } finally {
      this.loading = false;
    }
  }

  #render(rooms) {
    const visible = rooms.filter((r) => !r.private);
    this.listStatus.dataset.kind = visible.length ? 'ok' : 'empty';
    this.listStatus.hidden = visible.length > 0;
    setText(this.listStatus, 'No rooms yet. Quick play starts one.');
    visible.sort((a, b) => b.players - a.players || a.id.localeCompare(b.id));
    this.list.replaceChildren(...visible.map((r) => this.#row(r)));
  }

  #row(r) {
    const full = r.maxPlayers > 0 && r.players >= r.maxPlayers;
    const join = () => this.actions.onJoin(this.name(), r.id, false);
    const watch = () => this.actions.onJoin(this.name(), r.id, true);
    let action;
    if (r.locked) action = h('span', { class: 'pill muted', text: 'locked' });
    else if (full) action = h('button', { type: 'button', class: 'small', onclick: watch, text: 'Watch' });
    else action = h('button', { type: 'button', class: 'small primary', onclick: join, text: 'Join' });
    const fill = h('span', { class: 'room-fill' });
    fill.style.width = `${r.maxPlayers ? Math.min(100, Math.round((100 * r.players) / r.maxPlayers)) : 0}%`;
    return h(
      'li',
      { class: 'room', dataset: { room: r.id } },
      h('span', { class: 'room-id', text: r.id }),
      h('span', { class: 'room-players', text: `${r.players}/${r.maxPlayers || '?'} players` }),
      h('span', { class: 'room-bar' }, fill),
      action,
    );
  }
}

function loadName() {
  try {
    const saved = localStorage.getItem(NAME_KEY);
    if (saved) return saved;
  } catch {
    // storage may be disabled
  }
  return `guest${Math.floor(100 + Math.random() * 900)}`;
}

function saveName(name) {
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // storage may be disabled
  }
}
