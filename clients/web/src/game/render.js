// Renderer draws a frame (see interp.js frameAt) on a canvas that fills its
// box. The canvas has one pixel per device pixel and cells are a whole
// number of pixels, so the board stays square and crisp at any size.

import { playerColor } from './colors.js';
import { DELTAS } from './snake.js';

const BOARD = '#111826';
const BOARD_ALT = '#131c2c';
const BORDER = '#24324a';
const FOOD = '#fff1b8';
const FOOD_GLOW = 'rgba(255, 196, 87, 0.28)';

export class Renderer {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.geom = undefined;
    this.grid = undefined; // cached board background
  }

  /** Matches the canvas to its CSS box and the device pixel ratio. */
  fit() {
    const r = this.canvas.getBoundingClientRect();
    const dpr = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width * dpr));
    const h = Math.max(1, Math.round(r.height * dpr));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.geom = undefined;
    }
  }

  #geometry(width, height) {
    const W = this.canvas.width;
    const H = this.canvas.height;
    const g = this.geom;
    if (g && g.width === width && g.height === height && g.W === W && g.H === H) return g;
    const cell = Math.max(2, Math.floor(Math.min(W / width, H / height)));
    const ox = Math.floor((W - cell * width) / 2);
    const oy = Math.floor((H - cell * height) / 2);
    this.geom = { width, height, W, H, cell, ox, oy };
    this.grid = this.#drawGrid(this.geom);
    return this.geom;
  }

  // The board's background, drawn once per size: a soft glow around it,
  // then a faint checkerboard. It extends pad pixels beyond the board.
  #drawGrid({ width, height, cell }) {
    const pad = cell * 3;
    const c = document.createElement('canvas');
    c.width = cell * width + 2 * pad;
    c.height = cell * height + 2 * pad;
    const g = c.getContext('2d');
    g.save();
    g.shadowColor = 'rgba(74, 222, 128, 0.16)';
    g.shadowBlur = pad;
    g.fillStyle = BOARD;
    g.fillRect(pad, pad, cell * width, cell * height);
    g.restore();
    g.fillStyle = BOARD_ALT;
    for (let y = 0; y < height; y++) {
      for (let x = y & 1; x < width; x += 2) g.fillRect(pad + x * cell, pad + y * cell, cell, cell);
    }
    return { canvas: c, pad };
  }

  /**
   * Draws one frame. opts: {self: own player id, name: player => name,
   * effects: [{kind: 'ghost', points, player, age} | {kind: 'ring', x, y,
   * player, age}], time}.
   */
  draw(frame, { self, name = () => '', effects = [], time = 0 } = {}) {
    const ctx = this.ctx;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!frame) return;
    const g = this.#geometry(frame.width, frame.height);
    const { cell, ox, oy } = g;
    const bw = cell * frame.width;
    const bh = cell * frame.height;
    ctx.drawImage(this.grid.canvas, ox - this.grid.pad, oy - this.grid.pad);
    const lw = Math.max(1, Math.round(cell / 6));
    ctx.strokeStyle = BORDER;
    ctx.lineWidth = lw;
    ctx.strokeRect(ox - lw / 2, oy - lw / 2, bw + lw, bh + lw);

    const cx = (x) => ox + (x + 0.5) * cell;
    const cy = (y) => oy + (y + 0.5) * cell;

    // Food: a warm glow and a bright core, breathing gently.
    for (const c of frame.food) {
      const x = cx(c % frame.width);
      const y = cy(Math.floor(c / frame.width));
      const pulse = 1 + 0.12 * Math.sin(time / 260 + c);
      ctx.fillStyle = FOOD_GLOW;
      ctx.beginPath();
      ctx.arc(x, y, cell * 0.55 * pulse, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = FOOD;
      ctx.beginPath();
      ctx.arc(x, y, cell * 0.26, 0, Math.PI * 2);
      ctx.fill();
    }

    for (const e of effects) {
      if (e.kind === 'ghost') this.#ghost(e, cx, cy, cell);
    }

    // Other snakes first, the player's own on top.
    const ordered = [...frame.snakes].sort((a, b) => (a.player === self) - (b.player === self));
    for (const s of ordered) {
      if (s.points) this.#snake(s, s.player === self, cx, cy, cell);
    }

    for (const e of effects) {
      if (e.kind === 'ring') this.#ring(e, cx, cy, cell);
    }

    // Name tags over the heads, drawn as canvas text (never as HTML).
    for (const s of ordered) {
      if (s.points) this.#tag(name(s.player), s, s.player === self, cx, cy, cell);
    }
  }

  #tag(text, s, own, cx, cy, cell) {
    if (!text) return;
    const ctx = this.ctx;
    const size = Math.max(10, Math.round(cell * 0.95));
    ctx.font = `${own ? 700 : 600} ${size}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    const [hx, hy] = s.points[0];
    const x = cx(hx);
    const y = cy(hy) - cell * 0.75;
    ctx.lineWidth = Math.max(2, size / 4);
    ctx.strokeStyle = 'rgba(8, 12, 20, 0.85)';
    ctx.strokeText(text, x, y);
    ctx.fillStyle = own ? '#ffffff' : playerColor(s.player);
    ctx.fillText(text, x, y);
  }

  #path(points, cx, cy) {
    const ctx = this.ctx;
    ctx.beginPath();
    ctx.moveTo(cx(points[0][0]), cy(points[0][1]));
    for (let i = 1; i < points.length; i++) ctx.lineTo(cx(points[i][0]), cy(points[i][1]));
    if (points.length === 1) ctx.lineTo(cx(points[0][0]) + 0.01, cy(points[0][1]));
  }

  #snake(s, own, cx, cy, cell) {
    const ctx = this.ctx;
    const color = playerColor(s.player);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    // An outline separates touching snakes; the player's own is white.
    this.#path(s.points, cx, cy);
    if (own) {
      ctx.save();
      ctx.shadowColor = 'rgba(255, 255, 255, 0.55)';
      ctx.shadowBlur = cell * 1.2;
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = cell * 1.08;
      ctx.stroke();
      ctx.restore();
    } else {
      ctx.strokeStyle = 'rgba(5, 8, 14, 0.9)';
      ctx.lineWidth = cell * 0.94;
      ctx.stroke();
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = cell * 0.76;
    ctx.stroke();

    // Head and eyes, looking where it goes.
    const [hx, hy] = s.points[0];
    const x = cx(hx);
    const y = cy(hy);
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.arc(x, y, cell * 0.5, 0, Math.PI * 2);
    ctx.fill();
    const [dx, dy] = DELTAS[s.dir] ?? [1, 0];
    const px = -dy;
    const py = dx;
    for (const side of [-1, 1]) {
      const ex = x + dx * cell * 0.16 + px * side * cell * 0.22;
      const ey = y + dy * cell * 0.16 + py * side * cell * 0.22;
      ctx.fillStyle = '#0b0f17';
      ctx.beginPath();
      ctx.arc(ex, ey, Math.max(1, cell * 0.12), 0, Math.PI * 2);
      ctx.fill();
    }
  }

  #ghost(e, cx, cy, cell) {
    if (!e.points?.length) return;
    const ctx = this.ctx;
    ctx.save();
    ctx.globalAlpha = Math.max(0, 1 - e.age) * 0.55;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    this.#path(e.points, cx, cy);
    ctx.strokeStyle = playerColor(e.player);
    ctx.lineWidth = cell * (0.66 + e.age * 0.5);
    ctx.stroke();
    ctx.restore();
  }

  #ring(e, cx, cy, cell) {
    const ctx = this.ctx;
    ctx.save();
    ctx.globalAlpha = Math.max(0, 1 - e.age) * 0.8;
    ctx.strokeStyle = playerColor(e.player);
    ctx.lineWidth = Math.max(1, cell * 0.12);
    ctx.beginPath();
    ctx.arc(cx(e.x), cy(e.y), cell * (0.5 + e.age * 1.3), 0, Math.PI * 2);
    ctx.stroke();
    ctx.restore();
  }
}
