// The page's player key in localStorage (src/ui/playerkey.js), with a
// Storage double.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { PLAYER_KEY_ITEM, loadPlayerKey } from '../src/ui/playerkey.js';

class MemoryStorage {
  constructor(items = {}) {
    this.items = new Map(Object.entries(items));
  }
  getItem(k) {
    return this.items.has(k) ? this.items.get(k) : null;
  }
  setItem(k, v) {
    this.items.set(k, String(v));
  }
}

test('the first visit makes a key and keeps it; the next visits get the same', () => {
  const store = new MemoryStorage();
  const key = loadPlayerKey(() => store);
  assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(store.getItem(PLAYER_KEY_ITEM), key);
  assert.equal(loadPlayerKey(() => store), key);
  assert.notEqual(loadPlayerKey(() => new MemoryStorage()), key, 'another browser, another key');
});

test('a kept value that is no key is replaced', () => {
  for (const bad of ['', 'short', 'x'.repeat(200), 'é'.repeat(20)]) {
    const store = new MemoryStorage({ [PLAYER_KEY_ITEM]: bad });
    const key = loadPlayerKey(() => store);
    assert.match(key, /^[A-Za-z0-9_-]{43}$/, JSON.stringify(bad));
    assert.equal(store.getItem(PLAYER_KEY_ITEM), key);
  }
});

test('without storage the player is a guest', () => {
  const throwing = () => {
    throw new DOMException('The operation is insecure.', 'SecurityError');
  };
  assert.equal(loadPlayerKey(throwing), '', 'reading localStorage throws');
  const full = new MemoryStorage();
  full.setItem = () => {
    throw new DOMException('quota', 'QuotaExceededError');
  };
  assert.equal(loadPlayerKey(() => full), '', 'writing throws');
  const forgetful = new MemoryStorage();
  forgetful.setItem = () => {};
  assert.equal(loadPlayerKey(() => forgetful), '', 'writes are dropped');
  assert.equal(loadPlayerKey(() => undefined), '', 'no localStorage at all');
});
