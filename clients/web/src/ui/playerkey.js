// The player key: the secret that makes this browser the same returning
// player on every visit (its id, name and best scores). It is made on the
// first visit and kept in localStorage; where the page cannot keep it
// (storage disabled, or it does not hold what is written) the player is a
// guest, and nothing is kept about them.

import { isPlayerKey } from '../sdk/codec.js';
import { createPlayerKey } from '../sdk/playerkey.js';

export const PLAYER_KEY_ITEM = 'tickroom.key';

/**
 * The kept key, or a new one, kept; '' when there is nowhere to keep it.
 *
 * @param {() => Storage} storage where to keep it (localStorage: reading
 *   the property may itself throw where storage is disabled)
 */
export function loadPlayerKey(storage = () => globalThis.localStorage) {
  try {
    const store = storage();
    const kept = store.getItem(PLAYER_KEY_ITEM);
    if (isPlayerKey(kept)) return kept;
    const key = createPlayerKey();
    store.setItem(PLAYER_KEY_ITEM, key);
    // A key that would be gone by the next visit makes a new player each
    // time: a guest is the honest answer.
    return store.getItem(PLAYER_KEY_ITEM) === key ? key : '';
  } catch {
    return '';
  }
}
