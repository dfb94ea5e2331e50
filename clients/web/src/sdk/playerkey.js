// Player keys: the secret a client keeps to come back as the same player.

/** Random bytes in a key that createPlayerKey makes. */
export const PLAYER_KEY_BYTES = 32;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A new player key: 32 random bytes from the platform's cryptographic
 * generator (crypto.getRandomValues, in browsers and Node.js), in
 * base64url without padding (43 characters). Keep it secret, e.g. in
 * localStorage: whoever has it plays as that player.
 *
 * @param {{getRandomValues(array: any): unknown}} [crypto] the generator (globalThis.crypto)
 * @returns {string}
 * @throws {TypeError} when there is no cryptographic generator
 */
export function createPlayerKey(crypto = globalThis.crypto) {
  if (typeof crypto?.getRandomValues !== 'function') {
    throw new TypeError('tickroom: no crypto.getRandomValues here to make a player key with');
  }
  const bytes = new Uint8Array(PLAYER_KEY_BYTES);
  crypto.getRandomValues(bytes); // fills it in place
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += BASE64URL[(acc >> bits) & 63];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE64URL[(acc << (6 - bits)) & 63];
  return out;
}
