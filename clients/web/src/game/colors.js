// Player colours: distinct hues that read well on the dark board, or the
// hue a player chose (Snake's colour request).

export const PALETTE = Object.freeze([
  '#4ade80', // green
  '#60a5fa', // blue
  '#f472b6', // pink
  '#facc15', // yellow
  '#a78bfa', // violet
  '#fb923c', // orange
  '#2dd4bf', // teal
  '#f87171', // red
  '#a3e635', // lime
  '#38bdf8', // sky
  '#e879f9', // fuchsia
  '#fbbf24', // amber
]);

/** The hues the colour picker offers: round the wheel in 30° steps. */
export const HUES = Object.freeze(Array.from({ length: 12 }, (_, i) => i * 30));

/** Whether a value is a hue the server takes: an integer in 0..359. */
export function isHue(v) {
  return Number.isInteger(v) && v >= 0 && v <= 359;
}

/** The CSS colour of a hue, as light and saturated as the palette's. */
export function hueColor(hue) {
  return `hsl(${hue} 70% 55%)`;
}

/**
 * The colour of a player: the hue they chose, else a palette colour
 * stable for the player's id.
 */
export function playerColor(player, hue = undefined) {
  if (hue !== undefined) return hueColor(hue);
  return PALETTE[(Math.max(1, player) - 1) % PALETTE.length];
}
