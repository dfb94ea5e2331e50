import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { Backoff, DEFAULT_BACKOFF, backoffDelay } from '../src/sdk/backoff.js';

describe('backoff', () => {
  test('doubles from 500 ms up to the 10 s cap, with jitter down to half', () => {
    const top = (n) => backoffDelay(n, 1); // r just under 1 would be the ceiling
    const bottom = (n) => backoffDelay(n, 0);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map(top), [500, 1000, 2000, 4000, 8000, 10000, 10000, 10000]);
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map(bottom), [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
    assert.equal(backoffDelay(2, 0.5), 1500);
    assert.equal(DEFAULT_BACKOFF.maxMs, 10000);
  });

  test('a Backoff with injected randomness gives a fixed schedule', () => {
    const rs = [0, 0.5, 1, 0.25, 0.75, 0.1, 0.9];
    let i = 0;
    const b = new Backoff({ random: () => rs[i++] });
    const got = rs.map(() => b.next());
    assert.deepEqual(got, [250, 750, 2000, 2500, 7000, 5500, 9500]);
    assert.equal(b.attempt, 7);
    b.reset();
    assert.equal(b.attempt, 0);
  });

  test('options change the schedule', () => {
    const b = new Backoff({ baseMs: 100, factor: 3, maxMs: 1000, jitter: 0, random: () => 0.3 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [100, 300, 900, 1000]);
  });

  test('jittered delays spread out and stay in range', () => {
    const b = new Backoff({ random: Math.random });
    for (let n = 0; n < 12; n++) {
      const d = b.next();
      const ceiling = Math.min(10000, 500 * 2 ** n);
      assert.ok(d >= ceiling / 2 && d <= ceiling, `attempt ${n}: ${d} outside [${ceiling / 2}, ${ceiling}]`);
    }
  });
});
