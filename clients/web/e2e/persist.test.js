// End-to-end: what the server keeps, in the browser. A page plays Snake
// until its snake dies with a score; back in the lobby the leaderboard
// shows that score and the page's own best; a reload (the same
// localStorage, so the same player key) still shows the best; so does the
// server restarted on the same data directory; a page that joins a room
// after chat was said there sees that chat as history; and a server that
// keeps nothing says its leaderboard is unavailable while play goes on.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS, buildBinaries, debug, eventually, openPage as openPageIn, quickPlay, startServer, tempDir, webDir } from './harness.js';

const ALIVE = 1;
const DEAD = 2;
const KEY_ITEM = 'tickroom.key';
const resultsDir = path.join(webDir, 'test-results');
// A short drain on SIGTERM (see game.test.js), so that a restart is quick.
const ENV = { TICKROOM_DRAIN_PERIOD: '1s' };

let tmp;
let bins;
let dataDir;
let server;
let browser;
const pages = {}; // name -> {page, errors, context}

const openPage = (name, url) => openPageIn(browser, pages, name, url);

// startKeeping starts a server that keeps its data in dataDir, on addr
// when given (a restart keeps the page's origin, and so its localStorage).
function startKeeping(addr) {
  return startServer(bins.server, ['--data-dir', dataDir, '--respawn-ticks', '10', ...(addr ? ['--addr', addr] : [])], ENV);
}

/**
 * Steers the page's own snake to food from inside the page (keydown
 * events on window, as the arrows would be), never straight into a wall or
 * a snake, until its score reaches target; then lets it go straight on
 * into the wall. Resolves with the own snake's best once it has died
 * with at least target points.
 */
function playUntilDeath(page, target, ms) {
  return page.evaluate(
    ({ target, ms, ALIVE, DEAD }) =>
      new Promise((resolve, reject) => {
        const KEYS = ['ArrowUp', 'ArrowRight', 'ArrowDown', 'ArrowLeft'];
        const STEP = [
          [0, -1],
          [1, 0],
          [0, 1],
          [-1, 0],
        ];
        const until = performance.now() + ms;
        let last = '';
        const tick = () => {
          const d = window.__tickroom;
          const s = d?.snapshot;
          const me = s?.snakes.find((x) => x.player === d.player);
          if (performance.now() > until) return reject(new Error(`no death with ${target} points in ${ms} ms; last: ${last}`));
          if (me) last = `status ${me.status} score ${me.score} best ${me.best}`;
          if (me?.status === DEAD && me.best >= target) return resolve(me.best);
          // A snake that died short of the target steers again once back.
          if (me?.status === ALIVE && me.score < target) {
            const w = s.width;
            const h = s.height;
            const blocked = new Set();
            for (const o of s.snakes) if (o.status === ALIVE) for (const c of o.cells) blocked.add(c);
            const hx = me.head % w;
            const hy = Math.floor(me.head / w);
            let best;
            for (const dir of [me.dir, (me.dir + 1) % 4, (me.dir + 3) % 4]) {
              const x = hx + STEP[dir][0];
              const y = hy + STEP[dir][1];
              if (x < 0 || y < 0 || x >= w || y >= h || blocked.has(y * w + x)) continue;
              let dist = Infinity;
              for (const f of s.food) dist = Math.min(dist, Math.abs((f % w) - x) + Math.abs(Math.floor(f / w) - y));
              if (!best || dist < best.dist) best = { dir, dist };
            }
            if (best && best.dir !== me.dir) window.dispatchEvent(new KeyboardEvent('keydown', { key: KEYS[best.dir], bubbles: true }));
          }
          setTimeout(tick, 20);
        };
        tick();
      }),
    { target, ms, ALIVE, DEAD },
  );
}

// The lobby's row of a player on the today or all-time board, as text.
const leaderScore = (page, period, player) =>
  page.evaluate(({ period, player }) => document.querySelector(`#leaders-${period} li[data-player="${player}"] .leader-score`)?.textContent ?? null, {
    period,
    player,
  });
const myBest = (page, period) => page.evaluate((period) => document.querySelector(`#my-best [data-period="${period}"] .best-score`)?.textContent ?? null, period);

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: scripts/test.sh installs it (apt-get install chromium)`);
  assert.ok(existsSync(path.join(webDir, 'dist/index.html')), 'dist/index.html missing: npm run e2e builds it first');
  tmp = await tempDir();
  dataDir = path.join(tmp.dir, 'data');
  bins = await buildBinaries(tmp.dir);
  server = await startKeeping();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  await mkdir(resultsDir, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.stop('SIGKILL');
  await tmp?.cleanup();
});

describe('what the server keeps, in the browser', () => {
  let ann;
  let annId;
  let best;
  let key;

  test('a new visitor gets a player key, and the lobby a leaderboard with nothing on it yet', async () => {
    ann = await openPage('ann', server.http + '/');
    await ann.waitForSelector('#lobby', { state: 'visible' });
    key = await ann.evaluate((item) => localStorage.getItem(item), KEY_ITEM);
    assert.match(key ?? '', /^[A-Za-z0-9_-]{43}$/, 'a 32-byte base64url key in localStorage');
    await eventually(async () => (await ann.getAttribute('#leaderboard', 'data-state')) === 'ok', 8000, 'the leaderboard loaded');
    assert.match(await ann.textContent('#leaders-day'), /No scores yet today/);
    assert.match(await ann.textContent('#my-best'), /once you have played/);
  });

  test('a page plays until its snake dies; back in the lobby the boards show its score and its own best', async () => {
    const d = await quickPlay(ann, 'ann');
    annId = d.playerId;
    assert.ok(annId > 0, `the key made ann a returning player (playerId ${annId})`);
    await ann.click('#board'); // keys go to the game
    best = await playUntilDeath(ann, 2, 60_000);
    assert.ok(best >= 2);
    await ann.click('#leave');
    await ann.waitForSelector('#lobby', { state: 'visible', timeout: 5000 });
    await eventually(async () => (await leaderScore(ann, 'all', annId)) === String(best), 15_000, `ann’s ${best} on the all-time board`);
    assert.equal(await leaderScore(ann, 'day', annId), String(best), 'and on today’s');
    assert.match(await ann.textContent(`#leaders-all li[data-player="${annId}"]`), /ann/);
    assert.equal(await ann.locator(`#leaders-all li[data-player="${annId}"].self .you`).count(), 1, 'the own row is marked');
    await eventually(async () => (await myBest(ann, 'all')) === String(best), 5000, 'ann’s own best');
    assert.equal(await myBest(ann, 'day'), String(best));
    assert.match(await ann.textContent('#my-best'), /as ann/);
    await ann.screenshot({ path: path.join(resultsDir, 'lobby-leaderboard.png'), fullPage: true });
  });

  test('a reload keeps the key, and the best is still shown', async () => {
    await ann.reload();
    await ann.waitForSelector('#lobby', { state: 'visible' });
    assert.equal(await ann.evaluate((item) => localStorage.getItem(item), KEY_ITEM), key);
    await eventually(async () => (await myBest(ann, 'all')) === String(best), 8000, 'ann’s best after a reload');
    assert.equal(await leaderScore(ann, 'all', annId), String(best));
  });

  test('after a restart on the same data directory the leaderboard and the best are still there', async () => {
    const addr = server.addr;
    const { code } = await server.stop('SIGTERM');
    assert.equal(code, 0, `the server stopped cleanly: ${server.log.slice(-5).join('\n')}`);
    server = await startKeeping(addr);
    await ann.reload();
    await ann.waitForSelector('#lobby', { state: 'visible' });
    await eventually(async () => (await leaderScore(ann, 'all', annId)) === String(best), 10_000, 'ann on the board after the restart');
    assert.equal(await myBest(ann, 'all'), String(best));
    // And the same player comes back: the key maps to the same id.
    const d = await quickPlay(ann, 'ann');
    assert.equal(d.playerId, annId);
  });

  test('a page that joins a room after chat was said there sees it as earlier chat, as text', async () => {
    const text = `said before <b>you</b> came & <img src=x id=pwned> ${Date.now()}`;
    await ann.fill('#chat-input', text);
    await ann.press('#chat-input', 'Enter');
    await eventually(async () => (await ann.textContent('#log')).includes(text), 5000, 'the chat line on ann’s page');
    const room = (await debug(ann)).room;
    const bob = await openPage('bob', `${server.http}/#room=${room}`);
    const d = await eventually(async () => {
      const x = await debug(bob);
      return x?.state === 'open' && x.history.came ? x : null;
    }, 8000, 'bob in the room with its history');
    assert.ok(d.history.lines >= 1, `history of ${d.history.lines} lines`);
    assert.equal((await debug(bob)).room, room);
    assert.ok((await bob.locator('#log li.history', { hasText: text }).count()) === 1, 'the line is marked as earlier chat');
    assert.equal(await bob.locator('#log img, #log b').count(), 0, 'no element made from chat text');
    // The history stands before the join notice, marked as earlier.
    const order = await bob.$$eval('#log li', (lis) => lis.map((li) => li.className));
    const mark = order.indexOf('line history-mark');
    assert.ok(mark >= 0 && order[mark + 1] === 'line chat history', `earlier chat marked: ${order}`);
    assert.ok(order.findLastIndex((c) => c.includes('history')) < order.findIndex((c) => c === 'line notice'), `history before the join notice: ${order}`);
    await bob.screenshot({ path: path.join(resultsDir, 'chat-history.png') });
    // Live chat after it is not dimmed.
    await ann.fill('#chat-input', 'and now live');
    await ann.press('#chat-input', 'Enter');
    await eventually(async () => (await bob.locator('#log li.chat:not(.history)', { hasText: 'and now live' }).count()) === 1, 5000, 'the live line on bob’s page');
  });

  test('a server that keeps nothing says its leaderboard is unavailable, and the game goes on', async () => {
    const bare = await startServer(bins.server, ['--no-store', '--respawn-ticks', '10'], ENV);
    try {
      const api = await fetch(`${bare.http}/api/leaderboard`);
      assert.equal(api.status, 503, 'the API says there is no store');
      assert.match((await api.json()).error, /./);
      // Another origin: this page makes a key of its own, which the
      // server cannot keep.
      const carol = await openPage('carol', bare.http + '/');
      await eventually(async () => (await carol.getAttribute('#leaderboard', 'data-state')) === 'unavailable', 8000, 'the leaderboard unavailable');
      assert.match(await carol.textContent('#leaders-status'), /Leaderboard unavailable: this server keeps no scores/);
      assert.equal(await carol.isHidden('#my-best'), true);
      const d = await quickPlay(carol, 'carol');
      assert.equal(d.playerId, 0, 'a guest: nothing is kept');
      await carol.click('#leave');
      await carol.waitForSelector('#lobby', { state: 'visible', timeout: 5000 });
      assert.match(await carol.textContent('#leaders-status'), /unavailable/);
      assert.deepEqual(pages.carol.errors, []);
      await pages.carol.context.close();
      delete pages.carol;
    } finally {
      await bare.stop('SIGKILL');
    }
  });

  test('no errors in the pages', () => {
    for (const [name, { errors }] of Object.entries(pages)) assert.deepEqual(errors, [], `${name}’s page`);
  });
});
