// Player colours: distinct hues that read well on the dark board.

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

/** The colour of a player, stable for the player's id. */
export function playerColor(player) {
  return PALETTE[(Math.max(1, player) - 1) % PALETTE.length];
}
