// RoomState is what the page knows about the room apart from the board:
// who is in it (from the welcome and the joined/left/dropped/reconnected
// events), the colours players chose (the colours reply and the colour
// events), what to tell the player about each event, and how the player's
// own snake last died. It does no I/O and touches no DOM.

import { isHue, playerColor } from './colors.js';

export const CAUSES = Object.freeze({
  wall: 'hit the wall',
  self: 'ran into their own tail',
  body: 'crashed into',
  'head-on': 'died in a head-on collision',
});

export class RoomState {
  constructor() {
    this.reset();
  }

  reset() {
    /** @type {Map<number, {name: string, away: boolean}>} */
    this.players = new Map();
    /** Hues players chose, by player id. @type {Map<number, number>} */
    this.hues = new Map();
    this.self = undefined;
    this.room = undefined;
    this.spectator = false;
    this.tickRate = 20;
    /** The own snake's last death: {killer, killerName, cause, tick}. */
    this.death = undefined;
  }

  /**
   * Takes the welcome's roster; keeps what it knew on a resume (the hues
   * too, until the colours reply brings them up to date).
   */
  applyWelcome(w, resumed = false) {
    if (!resumed) {
      this.death = undefined;
      this.hues.clear();
    }
    this.self = w.player;
    this.room = w.room;
    this.spectator = w.spectator;
    this.tickRate = w.tickRate;
    const players = new Map();
    for (const p of w.players) players.set(p.player, { name: p.name, away: false });
    this.players = players;
  }

  /** Takes a colours reply, [[player, hue], ...], as the room's hues. */
  applyColours(list) {
    this.hues.clear();
    for (const e of Array.isArray(list) ? list : []) {
      if (Array.isArray(e)) this.setHue(e[0], e[1]);
    }
  }

  /** Sets the hue a player chose; anything but a hue (0..359) is ignored. */
  setHue(player, hue) {
    if (isHue(hue)) this.hues.set(player, hue);
  }

  /** The colour to draw a player in. */
  color(player) {
    return playerColor(player, this.hues.get(player));
  }

  name(player) {
    if (!player) return 'nobody';
    return this.players.get(player)?.name || `player ${player}`;
  }

  /**
   * Applies an event and returns what to show in the room log, or
   * undefined: {kind: 'chat', player, name, text} or {kind: 'notice' |
   * 'feed', text, player}.
   */
  applyEvent(e) {
    const d = Array.isArray(e.data) ? e.data : [];
    switch (e.kind) {
      case 'joined': {
        const [player, name] = d;
        const known = this.players.get(player);
        this.players.set(player, { name: String(name ?? ''), away: false });
        if (known && !known.away) return undefined; // replayed on a resume
        return { kind: 'notice', player, text: `${this.name(player)} joined` };
      }
      case 'left': {
        const [player, name] = d;
        const who = this.players.get(player)?.name || String(name ?? `player ${player}`);
        this.players.delete(player);
        this.hues.delete(player);
        return { kind: 'notice', player, text: `${who} left` };
      }
      case 'dropped': {
        const [player] = d;
        const p = this.players.get(player);
        if (p) p.away = true;
        return { kind: 'notice', player, text: `${this.name(player)} lost their connection` };
      }
      case 'reconnected': {
        const [player] = d;
        const p = this.players.get(player);
        if (p) p.away = false;
        return { kind: 'notice', player, text: `${this.name(player)} is back` };
      }
      case 'chat': {
        const [player, text] = d;
        return { kind: 'chat', player, name: this.name(player), color: this.color(player), text: String(text ?? '') };
      }
      case 'colour': {
        const [player, hue] = d;
        this.setHue(player, hue);
        return undefined;
      }
      case 'died': {
        const [victim, killer, cause] = d;
        if (victim === this.self) {
          this.death = { killer, killerName: killer ? this.name(killer) : '', cause, tick: e.tick };
        }
        return { kind: 'feed', player: victim, text: deathText(this.name(victim), killer ? this.name(killer) : '', cause) };
      }
      case 'draining': {
        const [millis] = d;
        const s = Math.max(0, Math.round((Number(millis) || 0) / 1000));
        return { kind: 'notice', text: `The server is restarting${s ? ` in ${s} s` : ''}` };
      }
      default:
        return undefined; // spawned, respawned, locked and kinds this page does not know
    }
  }

  /** The message for the player's own death. */
  deathMessage() {
    const d = this.death;
    if (!d) return 'You died';
    switch (d.cause) {
      case 'wall':
        return 'You hit the wall';
      case 'self':
        return 'You ran into your own tail';
      case 'body':
        return d.killerName ? `You crashed into ${d.killerName}` : 'You crashed into another snake';
      case 'head-on':
        return d.killerName ? `Head-on collision with ${d.killerName}` : 'Head-on collision';
      default:
        return 'You died';
    }
  }
}

/** A line for the kill feed. */
export function deathText(victim, killer, cause) {
  if (cause === 'body' && killer) return `${victim} crashed into ${killer}`;
  return `${victim} ${CAUSES[cause] ?? 'died'}`;
}
