// Renderer draws a frame (see interp.js frameAt) on a canvas that fills its
// box. The canvas has one pixel per device pixel and cells are a whole
// number of pixels, so the board stays square and crisp at any size.
//
// Without a camera the whole board is shown. With one ({cx, cy, span}: the
// cell to centre on and how many cells to show across the canvas's
// shorter side) the board is drawn around that point, kept from scrolling
// past its edges, with a minimap in a corner. A frame with a view (area of
// interest) has the board outside the view fogged: nothing is known there.

import { playerColor } from './colors.js';
import { DELTAS } from './snake.js';

const BOARD = '#111826';
const BOARD_ALT = '#131c2c';
const BORDER = '#24324a';
const FOOD = '#fff1b8';
const FOOD_GLOW = 'rgba(255, 196, 87, 0.28)';
const FOG = 'rgba(5, 8, 14, 0.62)';
const VIEW_EDGE = 'rgba(148, 163, 184, 0.28)';
// How far past the board's edge, in cells, a camera may look.
const EDGE_MARGIN = 0.75;

export class Renderer {
  #color = playerColor; // player -> CSS colour, for the frame being drawn

  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.geom = undefined;
    this.grid = undefined; // cached board background, when the board fits
    this.checker = undefined; // checkerboard pattern, when it does not
    this.hatch = undefined; // the fog's pattern
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

  /** The camera span that shows the whole board on this canvas. */
  fitSpan(width, height) {
    const W = this.canvas.width;
    const H = this.canvas.height;
    const m = Math.min(W, H);
    return Math.max((width * m) / W, (height * m) / H);
  }

  // geometry places the board: cell size in pixels and where cell (0, 0)
  // is. Along an axis where the board fits the canvas it is centred, else
  // the camera decides.
  #geometry(width, height, camera) {
    const W = this.canvas.width;
    const H = this.canvas.height;
    const fitCell = Math.max(2, Math.floor(Math.min(W / width, H / height)));
    const cell = camera ? Math.max(2, Math.floor(Math.min(W, H) / camera.span)) : fitCell;
    const place = (size, cells, c) => {
      if (cell * cells <= size) return Math.floor((size - cell * cells) / 2);
      const half = size / 2 / cell;
      const centre = Math.min(Math.max(c, half - EDGE_MARGIN), cells - half + EDGE_MARGIN);
      return Math.round(size / 2 - centre * cell);
    };
    const ox = place(W, width, camera?.cx ?? width / 2);
    const oy = place(H, height, camera?.cy ?? height / 2);
    const fits = cell * width <= W && cell * height <= H;
    const g = this.geom;
    if (!g || g.width !== width || g.height !== height || g.cell !== cell || g.W !== W || g.H !== H) {
      this.grid = undefined;
      this.checker = undefined;
    }
    this.geom = { width, height, W, H, cell, ox, oy, fits };
    if (fits) this.grid ??= this.#drawGrid(this.geom);
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

  // The board's background when it does not fit the canvas: drawn each
  // frame, only where it shows, with a checkerboard pattern, and a glow
  // fading out from each edge.
  #drawBoard({ width, height, W, H, cell, ox, oy }) {
    const ctx = this.ctx;
    const bw = cell * width;
    const bh = cell * height;
    const pad = cell * EDGE_MARGIN;
    const glow = (x0, y0, x1, y1, rx, ry, rw, rh) => {
      const g = ctx.createLinearGradient(x0, y0, x1, y1);
      g.addColorStop(0, 'rgba(74, 222, 128, 0.13)');
      g.addColorStop(1, 'rgba(74, 222, 128, 0)');
      ctx.fillStyle = g;
      ctx.fillRect(rx, ry, rw, rh);
    };
    if (oy > 0) glow(0, oy, 0, oy - pad, ox, oy - pad, bw, pad);
    if (oy + bh < H) glow(0, oy + bh, 0, oy + bh + pad, ox, oy + bh, bw, pad);
    if (ox > 0) glow(ox, 0, ox - pad, 0, ox - pad, oy, pad, bh);
    if (ox + bw < W) glow(ox + bw, 0, ox + bw + pad, 0, ox + bw, oy, pad, bh);
    const x0 = Math.max(0, ox);
    const y0 = Math.max(0, oy);
    const x1 = Math.min(W, ox + bw);
    const y1 = Math.min(H, oy + bh);
    if (x1 <= x0 || y1 <= y0) return;
    ctx.fillStyle = BOARD;
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
    if (!this.checker) {
      const tile = document.createElement('canvas');
      tile.width = tile.height = 2 * cell;
      const t = tile.getContext('2d');
      t.fillStyle = BOARD_ALT;
      t.fillRect(0, 0, cell, cell);
      t.fillRect(cell, cell, cell, cell);
      this.checker = ctx.createPattern(tile, 'repeat');
    }
    this.checker.setTransform(new DOMMatrix([1, 0, 0, 1, ox, oy]));
    ctx.fillStyle = this.checker;
    ctx.fillRect(x0, y0, x1 - x0, y1 - y0);
  }

  // fog covers the board outside the view, which the frame knows nothing
  // about, and marks the view's edge.
  #fog(view, { width, height, cell, ox, oy }) {
    const ctx = this.ctx;
    if (!this.hatch) {
      const tile = document.createElement('canvas');
      tile.width = tile.height = 10;
      const t = tile.getContext('2d');
      t.fillStyle = FOG;
      t.fillRect(0, 0, 10, 10);
      t.strokeStyle = 'rgba(148, 163, 184, 0.07)';
      t.lineWidth = 1.5;
      t.beginPath();
      t.moveTo(-1, 11);
      t.lineTo(11, -1);
      t.stroke();
      this.hatch = ctx.createPattern(tile, 'repeat');
    }
    ctx.fillStyle = this.hatch;
    const bw = cell * width;
    const bh = cell * height;
    if (view.w === 0 || view.h === 0) {
      ctx.fillRect(ox, oy, bw, bh);
      return;
    }
    const rx = ox + view.x * cell;
    const ry = oy + view.y * cell;
    const rw = view.w * cell;
    const rh = view.h * cell;
    ctx.fillRect(ox, oy, bw, ry - oy); // above
    ctx.fillRect(ox, ry + rh, bw, oy + bh - ry - rh); // below
    ctx.fillRect(ox, ry, rx - ox, rh); // left
    ctx.fillRect(rx + rw, ry, ox + bw - rx - rw, rh); // right
    // A dashed line along the view's edges that are not the board's.
    ctx.save();
    ctx.strokeStyle = VIEW_EDGE;
    ctx.lineWidth = Math.max(1, Math.round(cell / 10));
    ctx.setLineDash([Math.max(2, cell / 2), Math.max(2, cell / 2)]);
    ctx.beginPath();
    if (view.y > 0) {
      ctx.moveTo(rx, ry);
      ctx.lineTo(rx + rw, ry);
    }
    if (view.y + view.h < height) {
      ctx.moveTo(rx, ry + rh);
      ctx.lineTo(rx + rw, ry + rh);
    }
    if (view.x > 0) {
      ctx.moveTo(rx, ry);
      ctx.lineTo(rx, ry + rh);
    }
    if (view.x + view.w < width) {
      ctx.moveTo(rx + rw, ry);
      ctx.lineTo(rx + rw, ry + rh);
    }
    ctx.stroke();
    ctx.restore();
  }

  // minimap shows the whole board in a corner while the camera shows part
  // of it: the view the frame holds, what the camera shows, the snakes'
  // heads and the food that are known.
  #minimap(frame, { width, height, W, H, cell, ox, oy }, self) {
    const ctx = this.ctx;
    const dpr = globalThis.devicePixelRatio || 1;
    const side = Math.round(Math.min(Math.max(Math.min(W, H) * 0.2, 72 * dpr), 170 * dpr));
    const s = side / Math.max(width, height);
    const mw = width * s;
    const mh = height * s;
    const pad = Math.round(10 * dpr);
    const x = W - mw - pad;
    const y = H - mh - pad;
    ctx.save();
    ctx.fillStyle = 'rgba(6, 9, 15, 0.85)';
    ctx.strokeStyle = BORDER;
    ctx.lineWidth = Math.max(1, dpr);
    ctx.beginPath();
    ctx.roundRect(x - 5 * dpr, y - 5 * dpr, mw + 10 * dpr, mh + 10 * dpr, 7 * dpr);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = '#18223a';
    ctx.fillRect(x, y, mw, mh);
    const v = frame.view;
    ctx.fillStyle = 'rgba(74, 222, 128, 0.13)';
    ctx.strokeStyle = 'rgba(74, 222, 128, 0.45)';
    if (v && v.w > 0) {
      ctx.fillRect(x + v.x * s, y + v.y * s, v.w * s, v.h * s);
      ctx.strokeRect(x + v.x * s + 0.5, y + v.y * s + 0.5, v.w * s - 1, v.h * s - 1);
    } else if (!v) {
      ctx.fillRect(x, y, mw, mh);
    }
    ctx.fillStyle = 'rgba(255, 241, 184, 0.7)';
    const dot = Math.max(1, Math.round(dpr));
    for (const c of frame.food) ctx.fillRect(x + (c % width) * s, y + Math.floor(c / width) * s, dot, dot);
    for (const sn of frame.snakes) {
      if (!sn.points) continue;
      const [hx, hy] = sn.points[0];
      const own = sn.player === self;
      ctx.fillStyle = own ? '#ffffff' : this.#color(sn.player);
      ctx.beginPath();
      ctx.arc(x + (hx + 0.5) * s, y + (hy + 0.5) * s, (own ? 3 : 2) * dpr, 0, Math.PI * 2);
      ctx.fill();
    }
    // What the camera shows.
    const vx0 = Math.max(0, -ox / cell);
    const vy0 = Math.max(0, -oy / cell);
    const vx1 = Math.min(width, (W - ox) / cell);
    const vy1 = Math.min(height, (H - oy) / cell);
    ctx.strokeStyle = 'rgba(255, 255, 255, 0.65)';
    ctx.lineWidth = Math.max(1, dpr);
    ctx.strokeRect(x + vx0 * s, y + vy0 * s, (vx1 - vx0) * s, (vy1 - vy0) * s);
    ctx.restore();
  }

  /**
   * Draws one frame. opts: {self: own player id, name: player => name,
   * color: player => CSS colour (a hue the player chose, say), effects:
   * [{kind: 'ghost', points, player, age} | {kind: 'ring', x, y, player,
   * age}], time, camera: {cx, cy, span} or undefined for the whole board}.
   * The own snake's entry in the frame may have facing, the unit vector its
   * head faces, lead, 0 to 1, how much the chevron of the turn ahead shows,
   * and after, the directions of the turns after it (predict.js).
   */
  draw(frame, { self, name = () => '', color = playerColor, effects = [], time = 0, camera } = {}) {
    const ctx = this.ctx;
    this.#color = color;
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (!frame) return;
    const g = this.#geometry(frame.width, frame.height, camera);
    const { cell, ox, oy } = g;
    const bw = cell * frame.width;
    const bh = cell * frame.height;
    if (g.fits) ctx.drawImage(this.grid.canvas, ox - this.grid.pad, oy - this.grid.pad);
    else this.#drawBoard(g);
    if (frame.view) this.#fog(frame.view, g);
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

    if (!g.fits) this.#minimap(frame, g, self);
  }

  /** Where the last frame put the board: {cell, ox, oy, fits, ...}. */
  get geometry() {
    return this.geom;
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
    ctx.fillStyle = own ? '#ffffff' : this.#color(s.player);
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
    const color = this.#color(s.player);
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
    // The own head may face a predicted turn (s.facing, a unit vector,
    // and s.lead, how much of the chevron marking it shows).
    const [dx, dy] = s.facing ?? DELTAS[s.dir] ?? [1, 0];
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
    if (own && s.lead > 0.01) {
      // The turn ahead in the next cell, then each turn after it one cell
      // further along the way.
      let cx = x + dx * cell;
      let cy = y + dy * cell;
      this.#chevron(cx, cy, dx, dy, 0.85 * s.lead, cell);
      for (const d of s.after ?? []) {
        const [ex, ey] = DELTAS[d];
        cx += ex * cell;
        cy += ey * cell;
        this.#chevron(cx, cy, ex, ey, 0.55 * s.lead, cell);
      }
    }
  }

  // chevron marks a turn the own snake is about to take, pointing its way
  // from the cell centred at (x, y), until the body takes it (predict.js).
  #chevron(x, y, dx, dy, alpha, cell) {
    const ctx = this.ctx;
    const tx = x + dx * cell * 0.05;
    const ty = y + dy * cell * 0.05;
    const back = cell * 0.32;
    const half = cell * 0.3;
    ctx.save();
    ctx.globalAlpha = Math.min(1, alpha);
    ctx.strokeStyle = '#ffffff';
    ctx.lineWidth = Math.max(1.5, cell * 0.16);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(tx - dx * back - dy * half, ty - dy * back + dx * half);
    ctx.lineTo(tx, ty);
    ctx.lineTo(tx - dx * back + dy * half, ty - dy * back - dx * half);
    ctx.stroke();
    ctx.restore();
  }

  #ghost(e, cx, cy, cell) {
    if (!e.points?.length) return;
    const ctx = this.ctx;
    ctx.save();
    ctx.globalAlpha = Math.max(0, 1 - e.age) * 0.55;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    this.#path(e.points, cx, cy);
    ctx.strokeStyle = this.#color(e.player);
    ctx.lineWidth = cell * (0.66 + e.age * 0.5);
    ctx.stroke();
    ctx.restore();
  }

  #ring(e, cx, cy, cell) {
    const ctx = this.ctx;
    ctx.save();
    ctx.globalAlpha = Math.max(0, 1 - e.age) * 0.8;
    ctx.strokeStyle = this.#color(e.player);
    ctx.lineWidth = Math.max(1, cell * 0.12);
    ctx.beginPath();
    ctx.arc(cx(e.x), cy(e.y), cell * (0.5 + e.age * 1.3), 0, Math.PI * 2);
    ctx.stroke();
    ctx.restore();
  }
}
