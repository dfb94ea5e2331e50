// PlaySession is one visit to a room: it connects a TickroomClient, decodes
// Snake snapshots into a buffer, draws the board a little in the past with
// interpolation, and keeps the scoreboard, the log, the death message and
// the connection banner up to date. main.js creates one per join.

import { SnapshotBuffer } from '../sdk/snapshots.js';
import { TickroomClient } from '../sdk/client.js';
import { bindControls } from './input.js';
import { RENDER_DELAY_TICKS, TickClock, frameAt } from './interp.js';
import { Renderer } from './render.js';
import { RoomState } from './room.js';
import { Status, decodeSnapshot } from './snake.js';

const EFFECT_MS = 700;
const WAITING_OVERLAY_MS = 600;

const CLOSE_TITLES = {
  room_full: 'Room full',
  room_not_found: 'Room not found',
  room_closed: 'Room closed',
  replaced: 'Playing elsewhere',
  kicked: 'Removed from the room',
  shutting_down: 'Server shut down',
  unauthorized: 'Not allowed in',
  bad_version: 'Page out of date',
};

export class PlaySession {
  /**
   * @param {object} o
   * @param {string} o.url WebSocket URL
   * @param {object} o.hello the hello to join with
   * @param {object} o.ui {status, banner, overlay, scoreboard, chat, roomLabel}
   * @param {HTMLCanvasElement} o.canvas
   * @param {(message: string) => void} o.onExit back to the lobby
   * @param {string} [o.note] a notice to start the log with
   */
  constructor({ url, hello, ui, canvas, onExit, note }) {
    this.ui = ui;
    this.onExit = onExit;
    this.client = new TickroomClient({ url, hello });
    this.buffer = new SnapshotBuffer({ capacity: 32 });
    this.clock = new TickClock(20);
    this.room = new RoomState();
    this.renderer = new Renderer(canvas);
    this.effects = [];
    this.latest = undefined; // newest decoded snapshot
    this.lastSeq = 0;
    this.lastDir = undefined;
    this.waitingSince = undefined;
    this.outage = undefined; // {message, retryAt} while reconnecting
    this.leaving = false;
    this.welcomes = []; // welcomes: {player, room, resumed, reconnected}
    this.stats = { gaps: 0, badSnapshots: 0, protocolErrors: 0, serverErrors: 0 };
    this.raf = 0;
    this.disposers = [];

    ui.scoreboard.clear();
    ui.chat.clear();
    ui.overlay.hide();
    ui.banner.hide();
    if (note) ui.chat.add({ kind: 'notice', text: note });

    const c = this.client;
    this.disposers.push(
      c.on('state', (s) => ui.status.setState(s)),
      c.on('welcome', (w) => this.#onWelcome(w)),
      c.on('snapshot', (s) => this.#onSnapshot(s)),
      c.on('event', (e) => this.#onEvent(e)),
      c.on('ping', (p) => ui.status.setPing(p.rttMs)),
      c.on('gap', (g) => {
        this.stats.gaps++;
        console.warn(`tickroom: events ${g.expected}..${g.got - 1} missing`);
      }),
      c.on('serverError', (e) => this.#onServerError(e)),
      c.on('protocolError', (err) => {
        this.stats.protocolErrors++;
        console.warn(err);
      }),
      c.on('disconnect', (d) => this.#onDisconnect(d)),
      bindControls(window, canvas, (dir) => this.turn(dir)),
    );
    const online = () => this.client.reconnectNow();
    window.addEventListener('online', online);
    this.disposers.push(() => window.removeEventListener('online', online));
  }

  start() {
    this.client.connect();
    const loop = () => {
      this.#draw(performance.now());
      this.raf = requestAnimationFrame(loop);
    };
    this.raf = requestAnimationFrame(loop);
  }

  /** Leaves the room for good and goes back to the lobby. */
  leave() {
    this.leaving = true;
    if (this.client.state === 'closed') this.onExit('');
    else this.client.leave();
  }

  dispose() {
    cancelAnimationFrame(this.raf);
    for (const d of this.disposers) d();
    this.disposers = [];
    if (this.client.state !== 'closed') this.client.close();
    this.ui.banner.hide();
    this.ui.overlay.hide();
  }

  /** Sends a turn, unless it would change nothing. */
  turn(dir) {
    if (this.room.spectator || this.client.state !== 'open') return;
    const me = this.#own(this.latest);
    if (!me || me.status !== Status.ALIVE) return;
    const pending = this.lastSeq > this.client.ack;
    if (dir === (pending ? this.lastDir : me.dir)) return;
    const seq = this.client.sendInput(dir);
    if (seq) {
      this.lastSeq = seq;
      this.lastDir = dir;
    }
  }

  /** Sends a chat line; returns whether it went out. */
  chat(text) {
    if (this.room.spectator) return false;
    if (this.client.sendChat(text)) return true;
    this.ui.chat.add({ kind: 'error', text: 'Not connected: message not sent.' });
    return false;
  }

  #own(state) {
    return state?.snakes.find((s) => s.player === this.room.self);
  }

  #onWelcome({ welcome: w, reconnected, resumed }) {
    this.room.applyWelcome(w, resumed);
    this.welcomes.push({ player: w.player, room: w.room, resumed, reconnected });
    this.buffer.clear();
    this.clock.reset(w.tickRate);
    this.effects = [];
    this.latest = undefined;
    this.lastSeq = 0;
    this.outage = undefined;
    this.ui.overlay.hide('closed');
    this.ui.roomLabel.textContent = w.room;
    this.ui.chat.setEnabled(!w.spectator, w.spectator ? 'Spectators cannot chat' : 'Say something… (Enter to send, Esc to play)');
    history.replaceState(null, '', `#room=${encodeURIComponent(w.room)}`);
    const me = this.room.name(w.player);
    if (!reconnected) {
      this.ui.chat.add({ kind: 'notice', text: w.spectator ? `Watching room ${w.room}` : `You joined room ${w.room} as ${me}` });
      this.ui.banner.hide();
    } else if (resumed) {
      this.ui.chat.add({ kind: 'notice', text: 'Reconnected: you are back on your seat' });
      this.ui.banner.show('Reconnected', 'ok', 2500);
    } else {
      this.ui.chat.add({ kind: 'notice', text: `Reconnected as a new player in room ${w.room}` });
      this.ui.banner.show('Reconnected as a new player: your previous snake could not be kept', 'ok', 4000);
    }
    if (w.game !== 'snake') {
      this.ui.overlay.show('closed', 'Unknown game', `Room ${w.room} runs “${w.game}”, which this page cannot show.`, [
        { label: 'Back to lobby', primary: true, onClick: () => this.leave() },
      ]);
    }
  }

  #onSnapshot(s) {
    let state;
    try {
      state = decodeSnapshot(s.payload);
    } catch (err) {
      this.stats.badSnapshots++;
      console.warn(err);
      return;
    }
    const prev = this.buffer.newest?.state;
    if (!this.buffer.push({ tick: s.tick, base: s.base, ack: s.ack, receivedAt: s.receivedAt, state })) return;
    this.clock.observe(s.tick, s.receivedAt);
    if (prev) this.#spawnEffects(prev, state, s.tick);
    this.latest = state;
    this.#updateScores();
  }

  #spawnEffects(prev, next, tick) {
    const before = new Map(prev.snakes.map((s) => [s.player, s]));
    const w = next.width;
    for (const s of next.snakes) {
      const p = before.get(s.player);
      const wasAlive = p?.status === Status.ALIVE;
      if (wasAlive && s.status !== Status.ALIVE) {
        const points = p.cells.map((c) => [c % w, Math.floor(c / w)]);
        this.effects.push({ kind: 'ghost', player: s.player, points, startTick: tick });
      } else if (!wasAlive && s.status === Status.ALIVE) {
        this.effects.push({ kind: 'ring', player: s.player, x: s.head % w, y: Math.floor(s.head / w), startTick: tick });
      }
    }
  }

  #updateScores() {
    const rows = [];
    const seen = new Set();
    for (const s of this.latest?.snakes ?? []) {
      seen.add(s.player);
      const p = this.room.players.get(s.player);
      rows.push({
        player: s.player,
        name: this.room.name(s.player),
        score: s.score,
        best: s.best,
        status: s.status,
        self: s.player === this.room.self,
        away: p?.away ?? false,
      });
    }
    for (const [player, p] of this.room.players) {
      if (seen.has(player)) continue;
      rows.push({ player, name: p.name, score: 0, best: 0, status: Status.WAITING, self: player === this.room.self, away: p.away });
    }
    this.ui.scoreboard.render(rows);
  }

  #onEvent(e) {
    const line = this.room.applyEvent(e);
    if (line) this.ui.chat.add(line);
    if (['joined', 'left', 'dropped', 'reconnected'].includes(e.kind)) this.#updateScores();
  }

  #onServerError(e) {
    this.stats.serverErrors++;
    // Dropped inputs show in the acks; the player needs no word on them.
    if (e.code === 'rate_limited' || e.code === 'bad_seq') return;
    this.ui.chat.add({ kind: 'error', text: `Server: ${e.message}` });
  }

  #onDisconnect(d) {
    if (d.willReconnect) {
      if (!this.outage) this.ui.chat.add({ kind: 'error', text: `${d.message} Reconnecting…` });
      this.outage = {
        message: this.outage?.message ?? d.message,
        retryAt: performance.now() + d.delayMs,
        attempt: d.attempt,
      };
      return;
    }
    this.outage = undefined;
    this.ui.banner.hide();
    if (this.leaving && d.code === 1000) {
      this.onExit('');
      return;
    }
    this.ui.chat.add({ kind: 'error', text: d.message });
    this.ui.overlay.show('closed', CLOSE_TITLES[d.name] ?? 'Disconnected', d.message, [
      { label: 'Back to lobby', primary: true, onClick: () => this.onExit('') },
    ]);
  }

  #draw(now) {
    const tickNow = this.clock.tickAt(now);
    const renderTick = tickNow === undefined ? 0 : tickNow - RENDER_DELAY_TICKS;
    const frame = frameAt(this.buffer, renderTick);
    const tickMs = this.clock.tickMs;
    this.effects = this.effects.filter((e) => (renderTick - e.startTick) * tickMs < EFFECT_MS);
    const effects = this.effects
      .map((e) => ({ ...e, age: ((renderTick - e.startTick) * tickMs) / EFFECT_MS }))
      .filter((e) => e.age >= 0);
    this.renderer.fit();
    this.renderer.draw(frame, { self: this.room.self, name: (p) => this.room.name(p), effects, time: now });
    this.#drawOverlay(frame, renderTick, now);
    if (this.outage) {
      const secs = Math.max(0, (this.outage.retryAt - now) / 1000);
      const when = secs > 0.05 ? `in ${secs.toFixed(1)} s` : 'now';
      this.ui.banner.show(`${this.outage.message} Reconnecting ${when} (attempt ${this.outage.attempt})…`, 'warn');
    }
  }

  // The death message follows the board as drawn, so it appears when the
  // player sees the crash, not when the event arrives two ticks earlier.
  #drawOverlay(frame, renderTick, now) {
    const overlay = this.ui.overlay;
    if (overlay.kind === 'closed') return;
    const me = this.room.spectator ? undefined : frame?.snakes.find((s) => s.player === this.room.self);
    if (me?.status === Status.DEAD) {
      const to = frame.to.snakes.find((s) => s.player === this.room.self);
      const left = Math.max(0, (to.respawnIn - (renderTick - frame.to.tick)) / this.room.tickRate);
      overlay.show('death', this.room.deathMessage(), `Respawning in ${left.toFixed(1)} s`);
      this.waitingSince = undefined;
      return;
    }
    if (me?.status === Status.WAITING) {
      this.waitingSince ??= now;
      if (now - this.waitingSince > WAITING_OVERLAY_MS) {
        overlay.show('waiting', 'Get ready', 'Waiting for a free spot on the board…');
      }
      return;
    }
    this.waitingSince = undefined;
    overlay.hide('death');
    overlay.hide('waiting');
  }

  /** A read-only summary for tests and curious players (window.__tickroom). */
  debugView() {
    const snap = this.latest;
    return {
      state: this.client.state,
      player: this.client.player,
      room: this.client.room,
      spectator: this.room.spectator,
      lastEvent: this.client.lastEvent,
      rttMs: this.client.rttMs,
      inputSeq: this.client.inputSeq,
      ack: this.client.ack,
      inputLatencyMs: this.client.inputLatencyMs,
      welcomes: this.welcomes.map((w) => ({ ...w })),
      names: Object.fromEntries([...this.room.players].map(([id, p]) => [id, p.name])),
      buffer: { ...this.buffer.stats, size: this.buffer.items.length },
      stats: { ...this.stats },
      snapshot: snap && {
        tick: snap.tick,
        width: snap.width,
        height: snap.height,
        food: [...snap.food],
        snakes: snap.snakes.map((s) => ({
          player: s.player,
          status: s.status,
          score: s.score,
          best: s.best,
          respawnIn: s.respawnIn,
          head: s.head,
          dir: s.dir,
          len: s.len,
          cells: [...s.cells],
        })),
      },
    };
  }
}
