// PlaySession is one visit to a room: it connects a TickroomClient, decodes
// Snake snapshots into a buffer, draws the board a little in the past with
// interpolation, and keeps the scoreboard, the log, the death message, the
// colour picker and the connection banner up to date. main.js creates one
// per join.
//
// Colours: a player picks a hue with the colour request; the room tells
// everyone with a colour event, and a page that comes in (or back) asks
// for all of them with the colours request, since the events from before
// its welcome are not sent to it.
//
// Snapshots come as deltas when the server sends them (the client patches
// them with the Snake patch, snakedelta.js), and as views of the board
// around the player's snake when the room has area of interest: then the
// camera follows the snake, the rest of the board is fogged, and players
// out of view keep their last known scores on the scoreboard.
//
// The room's earlier chat (the history the server sends after the first
// welcome, on servers that keep chat) goes in the log before the join
// notice, dimmed; a history after a reconnection is not shown again.
//
// The own snake's turns are predicted (predict.js): a key press turns its
// head at the next frame, from the newest snapshot and the inputs the room
// has not used yet, and each snapshot's ack_seq reconciles the prediction
// with the server. A page opened with ?predict=0 draws the head as the
// snapshots have it, for comparison.

import { SnapshotBuffer } from '../sdk/snapshots.js';
import { TickroomClient } from '../sdk/client.js';
import { crc32 } from '../sdk/crc32.js';
import { bindControls } from './input.js';
import { RENDER_DELAY_TICKS, TickClock, frameAt } from './interp.js';
import { Renderer } from './render.js';
import { RoomState } from './room.js';
import { Status, decodeSnapshot } from './snake.js';
import { patch } from './snakedelta.js';
import { HeadFacing, TurnPredictor, knownAhead, turnsAhead } from './predict.js';

const EFFECT_MS = 700;
const WAITING_OVERLAY_MS = 600;
// Frames and head turns kept for window.__tickroom (tests measure with them).
const TRACE_FRAMES = 240;
const TRACE_TURNS = 64;
// How fast the camera catches up with its target: time constants in ms.
const CAMERA_MOVE_MS = 90;
const CAMERA_ZOOM_MS = 220;

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
   * @param {object} o.ui {status, banner, overlay, scoreboard, chat, colours, roomLabel}
   * @param {HTMLCanvasElement} o.canvas
   * @param {(message: string) => void} o.onExit back to the lobby
   * @param {string} [o.note] a notice to start the log with
   * @param {boolean} [o.predict] show the own snake's turns at once (true)
   */
  constructor({ url, hello, ui, canvas, onExit, note, predict = true }) {
    this.ui = ui;
    this.onExit = onExit;
    this.client = new TickroomClient({ url, hello, patch });
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
    this.disposed = false; // requests still in flight must not touch the next session's UI
    this.coloursSynced = 0; // colours replies applied
    this.welcomes = []; // welcomes: {player, room, resumed, reconnected}
    // The room's earlier chat is shown once, on the first join: after a
    // reconnection the log has the chat already.
    this.historyCame = false;
    this.historyShown = 0; // lines of it shown
    this.joinLine = undefined; // the join notice, which the history goes before
    this.stats = { gaps: 0, badSnapshots: 0, protocolErrors: 0, serverErrors: 0, resyncs: 0 };
    this.latestCrc = undefined; // CRC-32 of the newest snapshot's bytes
    // Area of interest: the side of the square a player sees (the room's
    // config), the last known scores of players out of view, the ticks of
    // recent deaths and spawns (a snake that leaves the view has not died),
    // and the own snake's death while the view cannot show it.
    this.viewSide = 0;
    this.respawnTicks = 20;
    this.known = new Map(); // player -> {score, best, status}
    this.recent = { died: new Map(), spawned: new Map() }; // player -> tick
    this.ownDeath = undefined; // {tick, respawnTick}
    this.camera = undefined; // {cx, cy, span}, eased towards its target
    this.cameraAt = undefined;
    this.ownHead = undefined; // [x, y] of the own snake's head when last seen
    this.raf = 0;
    this.disposers = [];
    // Prediction of the own turns, and how the own head is drawn.
    this.predict = predict;
    this.predictor = new TurnPredictor();
    this.facing = new HeadFacing();
    this.pressed = false; // a turn was sent since the last frame
    this.headShown = false; // the last frame drew the own head
    // What the frames drew, for window.__tickroom: the direction the own
    // head faced (changes only, with when) and the recent frames.
    this.headDir = null;
    this.headTurns = [];
    this.frames = [];

    ui.scoreboard.clear();
    ui.chat.clear();
    ui.overlay.hide();
    ui.banner.hide();
    ui.colours.setSelected(undefined);
    ui.colours.setError('');
    ui.colours.setBusy(false);
    if (note) ui.chat.add({ kind: 'notice', text: note });

    const c = this.client;
    this.disposers.push(
      c.on('state', (s) => ui.status.setState(s)),
      c.on('welcome', (w) => this.#onWelcome(w)),
      c.on('snapshot', (s) => this.#onSnapshot(s)),
      c.on('event', (e) => this.#onEvent(e)),
      c.on('history', ({ lines }) => this.#onHistory(lines)),
      c.on('ping', (p) => ui.status.setPing(p.rttMs)),
      c.on('gap', (g) => {
        this.stats.gaps++;
        console.warn(`tickroom: events ${g.expected}..${g.got - 1} missing`);
      }),
      c.on('serverError', (e) => this.#onServerError(e)),
      c.on('resync', (r) => {
        this.stats.resyncs++;
        console.warn(`tickroom: ${r.reason}; reconnecting for a full state`);
      }),
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
    this.disposed = true;
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
      this.predictor.sent(seq, dir);
      this.pressed = true;
    }
  }

  /** Asks the room for a colour; says why not when it refuses. */
  async pickColour(hue) {
    if (this.room.spectator) return;
    const picker = this.ui.colours;
    picker.setError('');
    picker.setBusy(true);
    try {
      const chosen = await this.client.request('colour', hue);
      if (this.disposed) return;
      // The colour event that follows says the same, to every page.
      this.room.setHue(this.room.self, chosen);
      this.#showColours();
    } catch (err) {
      if (!this.disposed) picker.setError(`Colour not changed: ${err.message}`);
    } finally {
      if (!this.disposed) picker.setBusy(false);
    }
  }

  // syncColours takes every player's colour from the room, after a welcome.
  async #syncColours() {
    try {
      const list = await this.client.request('colours');
      if (this.disposed) return;
      this.room.applyColours(list);
      this.coloursSynced++;
      this.#showColours();
    } catch (err) {
      // A lost connection asks again after its next welcome.
      if (this.disposed || err.code === 'disconnected' || err.code === 'closed') return;
      console.warn(`tickroom: the room's colours: ${err.message}`);
    }
  }

  #showColours() {
    this.ui.colours.setSelected(this.room.hues.get(this.room.self));
    this.#updateScores();
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
    const cfg = w.config && typeof w.config === 'object' ? w.config : {};
    this.viewSide = Number(cfg.view) || 0;
    this.respawnTicks = Number(cfg.respawn_ticks) || 20;
    if (!resumed) {
      this.known.clear();
      this.ownDeath = undefined;
      this.ownHead = undefined;
    }
    this.recent.died.clear();
    this.recent.spawned.clear();
    this.buffer.clear();
    this.clock.reset(w.tickRate);
    this.effects = [];
    this.latest = undefined;
    this.lastSeq = 0;
    this.predictor.reset(this.respawnTicks); // input seqs count per connection
    this.outage = undefined;
    this.ui.overlay.hide('closed');
    this.ui.roomLabel.textContent = w.room;
    this.ui.chat.setEnabled(!w.spectator, w.spectator ? 'Spectators cannot chat' : 'Say something… (Enter to send, Esc to play)');
    this.ui.colours.setEnabled(!w.spectator, 'Spectators have no snake to colour');
    this.ui.colours.setSelected(this.room.hues.get(w.player));
    history.replaceState(null, '', `#room=${encodeURIComponent(w.room)}`);
    const me = this.room.name(w.player);
    if (!reconnected) {
      this.joinLine = this.ui.chat.add({ kind: 'notice', text: w.spectator ? `Watching room ${w.room}` : `You joined room ${w.room} as ${me}` });
      this.ui.banner.hide();
    } else if (resumed) {
      this.ui.chat.add({ kind: 'notice', text: 'Reconnected: you are back on your seat' });
      this.ui.banner.show('Reconnected', 'ok', 2500);
    } else {
      this.ui.chat.add({ kind: 'notice', text: `Reconnected as a new player in room ${w.room}` });
      this.ui.banner.show('Reconnected as a new player: your previous snake could not be kept', 'ok', 4000);
    }
    if (w.game === 'snake') this.#syncColours();
    else {
      this.ui.overlay.show('closed', 'Unknown game', `Room ${w.room} runs “${w.game}”, which this page cannot show.`, [
        { label: 'Back to lobby', primary: true, onClick: () => this.leave() },
      ]);
    }
  }

  #onHistory(lines) {
    if (this.historyCame) return;
    this.historyCame = true;
    this.historyShown = lines.length;
    this.ui.chat.addHistory(lines, this.joinLine);
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
    const item = { tick: s.tick, base: s.base, delta: s.delta, ack: s.ack, receivedAt: s.receivedAt, state };
    if (!this.buffer.push(item)) return;
    this.predictor.snapshot(s.tick, s.ack, this.#own(state));
    this.clock.observe(s.tick, s.receivedAt);
    if (prev) this.#spawnEffects(prev, state, s.tick);
    this.latest = state;
    this.latestCrc = s.bytes ? crc32(s.bytes) : undefined;
    for (const sn of state.snakes) this.known.set(sn.player, { score: sn.score, best: sn.best, status: sn.status });
    this.#updateScores();
  }

  // spawnEffects starts a fading ghost where a snake died and a ring where
  // one (re)spawned. In a view, a snake that comes or goes may only have
  // crossed its edge: the died and spawned events tell.
  #spawnEffects(prev, next, tick) {
    const before = new Map(prev.snakes.map((s) => [s.player, s]));
    const w = next.width;
    const since = (m, player) => (m.get(player) ?? -1) > prev.tick;
    const ghost = (p) => {
      const points = p.cells.map((c) => [c % w, Math.floor(c / w)]);
      this.effects.push({ kind: 'ghost', player: p.player, points, startTick: tick });
    };
    const now = new Set();
    for (const s of next.snakes) {
      now.add(s.player);
      const p = before.get(s.player);
      const wasAlive = p?.status === Status.ALIVE;
      if (wasAlive && s.status !== Status.ALIVE) ghost(p);
      else if (!wasAlive && s.status === Status.ALIVE && (p || since(this.recent.spawned, s.player))) {
        this.effects.push({ kind: 'ring', player: s.player, x: s.head % w, y: Math.floor(s.head / w), startTick: tick });
      }
    }
    for (const p of prev.snakes) {
      if (!now.has(p.player) && p.status === Status.ALIVE && since(this.recent.died, p.player)) ghost(p);
    }
  }

  // updateScores lists every player of the room. A view snapshot lacks the
  // players out of view (and the dead): they keep the scores last seen, as
  // the died and spawned events corrected them, and say they are far.
  #updateScores() {
    const rows = [];
    const seen = new Set();
    const self = this.room.self;
    for (const s of this.latest?.snakes ?? []) {
      seen.add(s.player);
      const p = this.room.players.get(s.player);
      rows.push({
        player: s.player,
        name: this.room.name(s.player),
        color: this.room.color(s.player),
        score: s.score,
        best: s.best,
        status: s.status,
        self: s.player === self,
        away: p?.away ?? false,
        far: false,
      });
    }
    const partial = Boolean(this.latest?.view);
    for (const [player, p] of this.room.players) {
      if (seen.has(player)) continue;
      const k = partial ? this.known.get(player) : undefined;
      rows.push({
        player,
        name: p.name,
        color: this.room.color(player),
        score: k?.score ?? 0,
        best: k?.best ?? 0,
        status: k?.status ?? Status.WAITING,
        self: player === self,
        away: p.away,
        far: partial && player !== self && k?.status === Status.ALIVE,
      });
    }
    this.ui.scoreboard.render(rows);
  }

  #onEvent(e) {
    const line = this.room.applyEvent(e);
    if (line) this.ui.chat.add(line);
    const [player] = Array.isArray(e.data) ? e.data : [];
    switch (e.kind) {
      case 'died': {
        this.recent.died.set(player, e.tick);
        const k = this.known.get(player);
        if (k) k.status = Status.DEAD;
        if (player === this.room.self) this.ownDeath = { tick: e.tick, respawnTick: undefined };
        break;
      }
      case 'spawned':
      case 'respawned': {
        this.recent.spawned.set(player, e.tick);
        const k = this.known.get(player);
        this.known.set(player, { score: 0, best: k?.best ?? 0, status: Status.ALIVE });
        if (player === this.room.self && this.ownDeath) this.ownDeath.respawnTick = e.tick;
        break;
      }
      case 'left':
        this.known.delete(player);
        break;
      case 'colour':
        this.ui.colours.setSelected(this.room.hues.get(this.room.self));
        break;
    }
    if (['joined', 'left', 'dropped', 'reconnected', 'died', 'spawned', 'respawned', 'colour'].includes(e.kind)) this.#updateScores();
  }

  #onServerError(e) {
    this.stats.serverErrors++;
    // An input the connection dropped will never be taken: not a turn to come.
    if (e.seq !== 0) this.predictor.dropped(e.seq);
    // Dropped inputs show in the acks; the player needs no word on them.
    // Other messages over the rate (seq 0: chat, say) are worth a word.
    if (e.seq !== 0 && (e.code === 'rate_limited' || e.code === 'bad_seq')) return;
    this.ui.chat.add({ kind: 'error', text: `Server: ${e.message}` });
  }

  #onDisconnect(d) {
    // A redirect is how a cluster sends the player to the node of its
    // room: not an outage, and the client goes there at once.
    if (d.willReconnect && d.name === 'redirect') return;
    if (d.willReconnect) {
      if (d.name === 'resync') this.ui.chat.add({ kind: 'notice', text: 'Catching up with the server…' });
      else if (!this.outage) this.ui.chat.add({ kind: 'error', text: `${d.message} Reconnecting…` });
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
    const camera = this.#moveCamera(frame, now);
    const headDir = this.#showHead(frame, now);
    this.renderer.draw(frame, {
      self: this.room.self,
      name: (p) => this.room.name(p),
      color: (p) => this.room.color(p),
      effects,
      time: now,
      camera,
    });
    this.#trace(frame, headDir);
    this.#drawOverlay(frame, renderTick, now);
    if (this.outage) {
      const secs = Math.max(0, (this.outage.retryAt - now) / 1000);
      const when = secs > 0.05 ? `in ${secs.toFixed(1)} s` : 'now';
      this.ui.banner.show(`${this.outage.message} Reconnecting ${when} (attempt ${this.outage.attempt})…`, 'warn');
    }
  }

  // showHead sets how the frame draws the own head and returns the
  // direction it faces (-1 while it turns between two; null without one).
  // With prediction the head faces the next turn the snake is known or
  // predicted to take, ahead of the body, with a chevron for it and for
  // the turns after it; it turns at once after a key press and eases
  // otherwise (a prediction taken back). Without, it faces where the body
  // goes, as for the other snakes.
  #showHead(frame, now) {
    const pressed = this.pressed;
    this.pressed = false;
    const me = this.room.spectator ? undefined : frame?.snakes.find((s) => s.player === this.room.self && s.points);
    if (!me) {
      this.headShown = false;
      return null;
    }
    if (!this.predict) return me.dir;
    const ahead = me.status === Status.ALIVE ? knownAhead(this.buffer.items, frame.tick, me.player, this.predictor.plan) : [];
    const [dir = me.dir, ...after] = turnsAhead(me.dir, ahead);
    const shown = this.facing.show(dir, dir !== me.dir, now, pressed || !this.headShown);
    this.headShown = true;
    me.facing = shown.facing;
    me.lead = shown.lead;
    me.after = after;
    return shown.dir;
  }

  // trace records what the frame drew for window.__tickroom: when the own
  // head's direction changed, and per frame the render tick and the heads.
  #trace(frame, dir) {
    const at = performance.now();
    if (dir !== this.headDir) {
      this.headDir = dir;
      this.headTurns.push({ at, dir });
      if (this.headTurns.length > TRACE_TURNS) this.headTurns.shift();
    }
    if (!frame) return;
    const heads = [];
    for (const s of frame.snakes) if (s.points) heads.push([s.player, s.points[0][0], s.points[0][1]]);
    this.frames.push({ at, tick: frame.tick, dir, heads });
    if (this.frames.length > TRACE_FRAMES) this.frames.shift();
  }

  // moveCamera eases the camera towards where it should look and returns
  // it, or undefined for the whole board. A view snapshot (area of
  // interest) is shown around the own snake's head, config.view cells
  // across, or where it was last seen while it is dead; anything else
  // whole.
  #moveCamera(frame, now) {
    if (!frame) return undefined;
    const dt = this.cameraAt === undefined ? Infinity : now - this.cameraAt;
    this.cameraAt = now;
    const whole = this.renderer.fitSpan(frame.width, frame.height);
    let target = { cx: frame.width / 2, cy: frame.height / 2, span: whole };
    const v = frame.view;
    if (v && !this.room.spectator) {
      const me = frame.snakes.find((s) => s.player === this.room.self && s.points);
      if (me) this.ownHead = [me.points[0][0] + 0.5, me.points[0][1] + 0.5];
      const [cx, cy] = this.ownHead ?? [v.x + v.w / 2, v.y + v.h / 2];
      target = { cx, cy, span: Math.min(whole, this.viewSide || Math.max(v.w, v.h, 16)) };
    }
    const c = this.camera;
    if (!c || dt > 500) this.camera = { ...target };
    else {
      const kMove = 1 - Math.exp(-dt / CAMERA_MOVE_MS);
      const kZoom = 1 - Math.exp(-dt / CAMERA_ZOOM_MS);
      c.cx += (target.cx - c.cx) * kMove;
      c.cy += (target.cy - c.cy) * kMove;
      c.span += (target.span - c.span) * kZoom;
    }
    // Close enough to the whole board: draw it as such, crisp and centred.
    return this.camera.span >= whole * 0.995 ? undefined : this.camera;
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
    // In a view the dead snake is not there at all: the died event says it
    // died, and the respawned one when it is back.
    const d = this.ownDeath;
    if (!me && frame?.view && !this.room.spectator && d && renderTick >= d.tick && !(d.respawnTick <= renderTick)) {
      const left = (d.tick + this.respawnTicks - renderTick) / this.room.tickRate;
      overlay.show('death', this.room.deathMessage(), left > 0 ? `Respawning in ${left.toFixed(1)} s` : 'Waiting for a free spot…');
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
      // The own snake's turns as predicted (predict.js), and as drawn: the
      // direction its head faced in the last frame (-1 while turning, null
      // without it), when that changed (performance.now), and the recent
      // frames: when, the render tick, that direction, and every snake's
      // head drawn ([player, x, y] in cells).
      predict: this.predict,
      prediction: {
        pending: this.predictor.pending,
        queued: this.predictor.queued,
        plan: this.predictor.plan,
        mispredictions: this.predictor.mispredictions,
      },
      head: { dir: this.headDir, turns: this.headTurns.map((t) => ({ ...t })) },
      frames: this.frames.map((f) => ({ ...f, heads: f.heads.map((h) => [...h]) })),
      welcomes: this.welcomes.map((w) => ({ ...w })),
      // The stable id of the returning player (0 for a guest), and whether
      // the room's earlier chat came and how many lines of it were shown.
      playerId: this.client.playerId,
      history: { came: this.historyCame, lines: this.historyShown },
      names: Object.fromEntries([...this.room.players].map(([id, p]) => [id, p.name])),
      // Hues players chose, as the renderer draws them, and how many
      // colours replies were applied (one per welcome, when all goes well).
      hues: Object.fromEntries(this.room.hues),
      coloursSynced: this.coloursSynced,
      buffer: { ...this.buffer.stats, size: this.buffer.items.length },
      stats: { ...this.stats },
      // Delta snapshots patched, and full states fetched again after a
      // delta did not apply.
      deltas: this.client.deltas,
      resyncs: this.client.resyncs,
      welcome: this.client.welcome && { deltas: this.client.welcome.deltas, areaOfInterest: this.client.welcome.areaOfInterest },
      camera: this.camera && { ...this.camera },
      geometry: this.renderer.geometry && { cell: this.renderer.geometry.cell, fits: this.renderer.geometry.fits },
      snapshot: snap && {
        tick: snap.tick,
        width: snap.width,
        height: snap.height,
        view: snap.view && { ...snap.view },
        crc: this.latestCrc,
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
