// The HTTP API calls against a fake fetch: the URLs and headers they send,
// how they read answers, and how they report a server without the
// endpoint (404 in plain text), one without a store (503) and a player it
// does not know (404 with the API's JSON error).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ApiError, ApiUnavailable, leaderboard, playerById, playerByKey, recentMatches } from '../src/sdk/api.js';

const BASE = 'http://game.example:8080';

// A fetch that records its calls and answers with status, body (JSON
// unless a string) and content type.
function fakeFetch(status, body, type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json') {
  const calls = [];
  const f = async (url, init = {}) => {
    calls.push({ url: String(url), headers: init.headers ?? {} });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': type } });
  };
  return { f, calls };
}

describe('leaderboard', () => {
  test('asks with game, period and limit, and reads the entries with Dates', async () => {
    const { f, calls } = fakeFetch(200, {
      game: 'snake',
      period: 'day',
      entries: [
        { rank: 1, player: 12, name: 'ann', score: 40, at: '2026-12-02T10:00:00Z' },
        { rank: 2, player: 3, name: '<b>bo</b>', score: 7, at: '2026-12-02T09:00:00.5Z' },
      ],
    });
    const b = await leaderboard(BASE, { game: 'snake', period: 'day', limit: 5, fetch: f });
    assert.equal(calls[0].url, `${BASE}/api/leaderboard?game=snake&period=day&limit=5`);
    assert.equal(calls[0].headers.Accept, 'application/json');
    assert.deepEqual(b, {
      game: 'snake',
      period: 'day',
      entries: [
        { rank: 1, player: 12, name: 'ann', score: 40, at: new Date('2026-12-02T10:00:00Z') },
        { rank: 2, player: 3, name: '<b>bo</b>', score: 7, at: new Date('2026-12-02T09:00:00.500Z') },
      ],
    });
  });

  test('without options it asks for the server’s defaults', async () => {
    const { f, calls } = fakeFetch(200, { game: 'snake', period: 'all', entries: [] });
    assert.deepEqual((await leaderboard(BASE, { fetch: f })).entries, []);
    assert.equal(calls[0].url, `${BASE}/api/leaderboard`);
  });

  test('a server without a store answers 503: an ApiError with its message', async () => {
    const { f } = fakeFetch(503, { error: 'this server keeps no scores' });
    await assert.rejects(leaderboard(BASE, { fetch: f }), (err) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 503);
      assert.match(err.message, /keeps no scores/);
      return true;
    });
  });

  test('a server without the endpoint is ApiUnavailable; a bad answer an ApiError', async () => {
    await assert.rejects(leaderboard(BASE, { fetch: fakeFetch(404, '404 page not found\n').f }), ApiUnavailable);
    await assert.rejects(leaderboard(BASE, { fetch: fakeFetch(200, { entries: 3 }).f }), ApiError);
    await assert.rejects(leaderboard(BASE, { fetch: fakeFetch(200, 'not json', 'application/json').f }), /not JSON/);
    await assert.rejects(leaderboard(BASE, { fetch: fakeFetch(400, { error: 'period must be day, week or all' }).f }), {
      name: 'ApiError',
      status: 400,
      message: /period must be/,
    });
  });
});

describe('players', () => {
  const record = {
    id: 12,
    name: 'ann',
    created: '2026-11-30T08:00:00Z',
    lastSeen: '2026-12-02T10:01:00Z',
    best: { day: { rank: 1, score: 40, at: '2026-12-02T10:00:00Z' }, week: { rank: 2, score: 40, at: '2026-12-02T10:00:00Z' }, all: null },
    recent: [{ room: 'r1', score: 40, kills: 1, cause: 'wall', lifeTicks: 900, at: '2026-12-02T10:00:00Z' }],
  };

  test('playerByKey sends the key in X-Player-Key, never in the URL', async () => {
    const { f, calls } = fakeFetch(200, record);
    const key = 'Kq3-_ZtVb9Xo1mLr5sPdWnYc7aEfGhIj0uTkQvRwS2M';
    const me = await playerByKey(BASE, key, { game: 'snake', fetch: f });
    assert.equal(calls[0].url, `${BASE}/api/players/me?game=snake`);
    assert.equal(calls[0].headers['X-Player-Key'], key);
    assert.ok(!calls[0].url.includes(key));
    assert.deepEqual(me, {
      id: 12,
      name: 'ann',
      created: new Date('2026-11-30T08:00:00Z'),
      lastSeen: new Date('2026-12-02T10:01:00Z'),
      best: {
        day: { rank: 1, score: 40, at: new Date('2026-12-02T10:00:00Z') },
        week: { rank: 2, score: 40, at: new Date('2026-12-02T10:00:00Z') },
        all: null,
      },
      recent: [{ room: 'r1', score: 40, kills: 1, cause: 'wall', lifeTicks: 900, at: new Date('2026-12-02T10:00:00Z') }],
    });
  });

  test('an unknown key is null; a server without the endpoint ApiUnavailable; no store 503', async () => {
    assert.equal(await playerByKey(BASE, 'k'.repeat(20), { fetch: fakeFetch(404, { error: 'no such player' }).f }), null);
    await assert.rejects(playerByKey(BASE, 'k'.repeat(20), { fetch: fakeFetch(404, '404 page not found\n').f }), ApiUnavailable);
    await assert.rejects(playerByKey(BASE, 'k'.repeat(20), { fetch: fakeFetch(503, { error: 'no store' }).f }), { status: 503 });
    await assert.rejects(playerByKey(BASE, 'k'.repeat(20), { fetch: fakeFetch(200, [1]).f }), ApiError);
  });

  test('playerById asks by id and has no lastSeen', async () => {
    const { lastSeen: _, ...pub } = record;
    const { f, calls } = fakeFetch(200, pub);
    const p = await playerById(BASE, 12, { fetch: f });
    assert.equal(calls[0].url, `${BASE}/api/players/12`);
    assert.equal(p.lastSeen, null);
    assert.equal(p.best.day.score, 40);
    assert.equal(await playerById(BASE, 99, { fetch: fakeFetch(404, { error: 'no such player' }).f }), null);
  });
});

describe('recentMatches', () => {
  test('reads the matches, players in rank order', async () => {
    const { f, calls } = fakeFetch(200, {
      matches: [
        {
          game: 'snake',
          room: 'r1',
          started: '2026-12-02T09:00:00Z',
          ended: '2026-12-02T10:00:00Z',
          players: [
            { player: 12, name: 'ann', score: 40, kills: 2 },
            { player: 0, name: 'guest7', score: 3, kills: 0 },
          ],
        },
      ],
    });
    const ms = await recentMatches(BASE, { game: 'snake', limit: 3, fetch: f });
    assert.equal(calls[0].url, `${BASE}/api/matches?game=snake&limit=3`);
    assert.deepEqual(ms, [
      {
        game: 'snake',
        room: 'r1',
        started: new Date('2026-12-02T09:00:00Z'),
        ended: new Date('2026-12-02T10:00:00Z'),
        players: [
          { player: 12, name: 'ann', score: 40, kills: 2 },
          { player: 0, name: 'guest7', score: 3, kills: 0 },
        ],
      },
    ]);
    await assert.rejects(recentMatches(BASE, { fetch: fakeFetch(503, { error: 'no store' }).f }), { status: 503 });
  });
});
