import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isPlayerKey } from '../src/sdk/codec.js';
import { createPlayerKey, PLAYER_KEY_BYTES } from '../src/sdk/playerkey.js';

test('a player key is 32 random bytes in base64url without padding', () => {
  const key = createPlayerKey();
  assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(isPlayerKey(key), 'the server takes it');
  assert.deepEqual(Buffer.from(key, 'base64url').length, PLAYER_KEY_BYTES);
  assert.notEqual(createPlayerKey(), key, 'two keys differ');
});

test('the key is the generator’s bytes, encoded as Node’s base64url', () => {
  const bytes = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 251) & 255);
  const fixed = { getRandomValues: (a) => (a.set(bytes), a) };
  assert.equal(createPlayerKey(fixed), Buffer.from(bytes).toString('base64url'));
  const ones = { getRandomValues: (a) => a.fill(255) };
  assert.equal(createPlayerKey(ones), `${'_'.repeat(42)}8`);
});

test('without a cryptographic generator it says so, rather than make a guessable key', () => {
  assert.throws(() => createPlayerKey(null), { name: 'TypeError', message: /getRandomValues/ });
  assert.throws(() => createPlayerKey({}), TypeError);
});
