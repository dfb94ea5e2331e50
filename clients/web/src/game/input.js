// Controls: arrow keys and WASD (by key position, so that other keyboard
// layouts get the same square of keys), and swipes on touch screens.

import { Dir } from './snake.js';

const KEYS = new Map([
  ['ArrowUp', Dir.UP],
  ['ArrowRight', Dir.RIGHT],
  ['ArrowDown', Dir.DOWN],
  ['ArrowLeft', Dir.LEFT],
  ['KeyW', Dir.UP],
  ['KeyD', Dir.RIGHT],
  ['KeyS', Dir.DOWN],
  ['KeyA', Dir.LEFT],
]);

/** Swipe length, in CSS pixels, that counts as a turn. */
export const SWIPE_PX = 24;

/**
 * The direction a keydown asks for, or undefined: arrows by key, WASD by
 * position; never while typing in a field or with a modifier held.
 */
export function dirForKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  if (isTyping(e.target)) return undefined;
  return KEYS.get(e.key) ?? KEYS.get(e.code);
}

function isTyping(t) {
  if (!t || typeof t !== 'object') return false;
  const tag = t.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || t.isContentEditable === true;
}

/** The direction of a swipe by (dx, dy) CSS pixels, or undefined if too short. */
export function dirForSwipe(dx, dy, min = SWIPE_PX) {
  if (Math.max(Math.abs(dx), Math.abs(dy)) < min) return undefined;
  if (Math.abs(dx) > Math.abs(dy)) return dx > 0 ? Dir.RIGHT : Dir.LEFT;
  return dy > 0 ? Dir.DOWN : Dir.UP;
}

/**
 * Calls onDir(dir) for key presses on `keys` (usually window) and swipes on
 * `surface` (the board). Returns a function that removes the listeners.
 */
export function bindControls(keys, surface, onDir) {
  const onKey = (e) => {
    const dir = dirForKey(e);
    if (dir === undefined) return;
    e.preventDefault(); // arrows would scroll the page
    if (!e.repeat) onDir(dir);
  };
  // A swipe turns as soon as it is long enough, and a long gesture that
  // changes course turns again.
  let start = null;
  const onDown = (e) => {
    if (e.pointerType === 'mouse') return;
    start = { id: e.pointerId, x: e.clientX, y: e.clientY };
  };
  const onMove = (e) => {
    if (!start || e.pointerId !== start.id) return;
    const dir = dirForSwipe(e.clientX - start.x, e.clientY - start.y);
    if (dir === undefined) return;
    e.preventDefault();
    start.x = e.clientX;
    start.y = e.clientY;
    onDir(dir);
  };
  const onUp = (e) => {
    if (start && e.pointerId === start.id) start = null;
  };
  keys.addEventListener('keydown', onKey);
  surface.addEventListener('pointerdown', onDown);
  surface.addEventListener('pointermove', onMove);
  surface.addEventListener('pointerup', onUp);
  surface.addEventListener('pointercancel', onUp);
  return () => {
    keys.removeEventListener('keydown', onKey);
    surface.removeEventListener('pointerdown', onDown);
    surface.removeEventListener('pointermove', onMove);
    surface.removeEventListener('pointerup', onUp);
    surface.removeEventListener('pointercancel', onUp);
  };
}
