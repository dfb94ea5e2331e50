// End-to-end: delta snapshots and area of interest, on real servers, in
// headless Chromium. The Go probe, a spectator that gets full snapshots,
// says what the server holds; the page must hold the same.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import {
  CHROMIUM,
  CHROMIUM_ARGS,
  buildBinaries,
  debug,
  eventually,
  openPage as openPageIn,
  quickPlay,
  startProbe,
  startServer,
  tempDir,
  webDir,
} from './harness.js';

const ALIVE = 1;
const DIR_KEYS = ['ArrowUp', 'ArrowRight', 'ArrowDown', 'ArrowLeft'];
const resultsDir = path.join(webDir, 'test-results');

let tmp;
let bins;
let browser;
const servers = [];
const probes = [];
const pages = {}; // name -> {page, errors, context}

function openPage(name, url, viewport) {
  return openPageIn(browser, pages, name, url, { viewport, strictWarnings: true });
}

async function probeOn(server, room, opts) {
  const p = await startProbe(bins.probe, server.ws, room, opts);
  probes.push(p);
  return p;
}

// The cells left before the wall going in direction d from head.
function roomAhead(head, d, w, h) {
  const x = head % w;
  const y = Math.floor(head / w);
  return [y, w - 1 - x, h - 1 - y, x][d];
}

/**
 * Compares what the page holds with what the probe saw at the same tick,
 * a few times: the same snapshot bytes (CRC-32) when both hold the whole
 * board, else the same snakes where the page has them. Returns how many
 * ticks matched.
 */
async function compareWithServer(page, probe, { want = 3, full = true } = {}) {
  let matched = 0;
  for (let i = 0; i < 40 && matched < want; i++) {
    const d = await debug(page);
    const s = d.snapshot;
    const p = await probe.at(s.tick);
    if (!p) continue; // the probe skipped that tick
    if (full) assert.equal(s.crc, p.crc, `tick ${s.tick}: the page's patched state is not the server's snapshot`);
    const bySnake = new Map(p.snakes.map((x) => [x.player, x]));
    if (full) assert.equal(s.snakes.length, p.snakes.length, `tick ${s.tick}: players`);
    for (const sn of s.snakes) {
      const q = bySnake.get(sn.player);
      assert.ok(q, `tick ${s.tick}: player ${sn.player} on the page, not on the server`);
      assert.deepEqual(
        [sn.status, sn.head, sn.len, sn.dir, sn.score],
        [q.status, q.head, q.len, q.dir, q.score],
        `tick ${s.tick}: player ${sn.player}'s snake`,
      );
      assert.equal(sn.cells.length, sn.len);
    }
    if (full) assert.equal(s.food.length, p.food ?? 0, `tick ${s.tick}: food`);
    matched++;
    await new Promise((r) => setTimeout(r, 120));
  }
  assert.ok(matched >= want, `only ${matched} ticks compared`);
  return matched;
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: scripts/test.sh installs it (apt-get install chromium)`);
  assert.ok(existsSync(path.join(webDir, 'dist/index.html')), 'dist/index.html missing: npm run e2e builds it first');
  tmp = await tempDir();
  bins = await buildBinaries(tmp.dir);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  await mkdir(resultsDir, { recursive: true });
});

after(async () => {
  for (const p of probes) await p.stop();
  await browser?.close();
  for (const s of servers) await s.stop('SIGKILL');
  await tmp?.cleanup();
});

describe('delta snapshots, on a server with the default flags', () => {
  let server;
  let page;
  let probe;

  test('the page asks for deltas and patches them', async () => {
    server = await startServer(bins.server, []);
    servers.push(server);
    page = await openPage('dora', server.http + '/');
    const d = await quickPlay(page, 'dora');
    assert.equal(d.welcome.deltas, true, 'the server sends deltas to this page');
    assert.equal(d.welcome.areaOfInterest, false);
    probe = await probeOn(server, d.room, { bots: 3 });
    const later = await eventually(async () => {
      const x = await debug(page);
      return x.deltas > 40 ? x : null;
    }, 10_000, 'deltas patched');
    assert.equal(later.resyncs, 0, 'no delta failed to apply');
    assert.equal(later.stats.badSnapshots, 0);
    assert.equal(later.buffer.unpatched, 0);
    assert.ok(later.buffer.deltas > 0, 'patched states reach the board');
    assert.equal(later.snapshot.view, null, 'full snapshots: no view');
  });

  test('the patched state is the server’s snapshot, byte for byte', async () => {
    await eventually(async () => (await debug(page)).snapshot.snakes.filter((s) => s.status === ALIVE).length >= 3, 8000, 'bots on the board');
    await compareWithServer(page, probe, { want: 5, full: true });
  });
});

describe('area of interest', () => {
  const W = 160;
  const H = 160;
  let server;
  let page;
  let probe;
  let me;

  test('the page gets a view of the board around its snake and follows it', async () => {
    server = await startServer(bins.server, [
      '--area-of-interest',
      '--board-width', String(W),
      '--board-height', String(H),
      '--food', '160',
      '--respawn-ticks', '30',
    ]);
    servers.push(server);
    page = await openPage('vera', server.http + '/');
    const d = await quickPlay(page, 'vera');
    me = d.player;
    assert.equal(d.welcome.areaOfInterest, true);
    assert.equal(d.welcome.deltas, true);
    probe = await probeOn(server, d.room, { bots: 6 });
    const v = await eventually(async () => {
      const x = await debug(page);
      return x.snapshot.view && x.snapshot.snakes.some((s) => s.player === me && s.status === ALIVE) ? x : null;
    }, 10_000, 'a view with the own snake alive');
    const { x, y, w, h } = v.snapshot.view;
    assert.ok(w > 0 && h > 0 && w < W && h < H, `view ${JSON.stringify(v.snapshot.view)} is part of the board`);
    // Every snake the page has touches the view, and every food item is in it.
    const inView = (c) => c % W >= x && c % W < x + w && Math.floor(c / W) >= y && Math.floor(c / W) < y + h;
    for (const s of v.snapshot.snakes) assert.ok(s.cells.some(inView), `player ${s.player} has no cell in the view`);
    for (const c of v.snapshot.food) assert.ok(inView(c), `food at ${c} outside the view`);
    // The camera shows about config.view (48) cells around the snake, not
    // the whole board.
    const after = await eventually(async () => {
      const z = await debug(page);
      return z.camera && Math.abs(z.camera.span - 48) < 1 && z.geometry && !z.geometry.fits ? z : null;
    }, 5000, 'the camera zoomed in on the view');
    assert.ok(after.geometry.cell >= 10, `cells of ${after.geometry.cell} px`);
  });

  test('the view is the server’s board, seen through the view, and deltas apply', async () => {
    // Some bots are out of view on a board this big: the page must not
    // have them, and those it has must be where the server has them.
    await eventually(async () => {
      const d = await debug(page);
      const p = await probe.at(d.snapshot.tick);
      if (!p) return false;
      const mine = new Set(d.snapshot.snakes.map((s) => s.player));
      return p.snakes.some((s) => s.status === ALIVE && !mine.has(s.player));
    }, 10_000, 'a snake the server has and the view does not');
    await compareWithServer(page, probe, { want: 5, full: false });
    const d = await debug(page);
    assert.ok(d.deltas > 10 && d.deltas > d.buffer.accepted / 3, `${d.deltas} deltas patched of ${d.buffer.accepted} snapshots`);
    assert.equal(d.resyncs, 0);
  });

  test('the scoreboard keeps the players out of view, marked far', async () => {
    await eventually(async () => (await page.locator('#scores .score-row').count()) === 7, 8000, 'every player on the scoreboard');
    await eventually(async () => (await page.locator('#scores .score-row.far').count()) > 0, 10_000, 'a player marked far');
    assert.match(await page.textContent('#scores .score-row.far'), /far/);
    assert.match(await page.textContent('#scores .self'), /vera/);
  });

  test('the page still plays: a key press turns the snake on the server', async () => {
    await page.click('#board');
    let turned = false;
    for (let attempt = 1; attempt <= 8 && !turned; attempt++) {
      const snap = await probe.waitFor((m) => probe.snake(me, m)?.status === ALIVE, 10_000, 'own snake alive');
      const s = probe.snake(me, snap);
      const sides = [(s.dir + 1) % 4, (s.dir + 3) % 4];
      const to = roomAhead(s.head, sides[0], W, H) >= roomAhead(s.head, sides[1], W, H) ? sides[0] : sides[1];
      const pressedAt = probe.latest.tick;
      await page.keyboard.press(DIR_KEYS[to]);
      try {
        await probe.waitFor((m) => m.tick > pressedAt && probe.snake(me, m)?.dir === to, 1500, 'the turn');
        turned = true;
      } catch {
        // died before turning: again
      }
    }
    assert.ok(turned, 'the server never showed the snake turning');
  });

  test('screenshot of the view', async () => {
    await eventually(async () => {
      const d = await debug(page);
      const own = d.snapshot.snakes.find((s) => s.player === me);
      return own?.status === ALIVE && d.snapshot.snakes.length >= 2 && !d.geometry.fits;
    }, 15_000, 'the own snake alive with company in view');
    await page.waitForTimeout(300);
    const file = path.join(resultsDir, 'aoi.png');
    await page.screenshot({ path: file });
    assert.ok(existsSync(file));
    // And on a phone.
    const room = (await debug(page)).room;
    const mobile = await openPage('mobile', `${server.http}/#room=${room}`, { width: 390, height: 844 });
    await eventually(async () => {
      const d = await debug(mobile);
      return d?.snapshot?.view && d.snapshot.snakes.some((s) => s.player === d.player && s.status === ALIVE) && d.geometry && !d.geometry.fits;
    }, 10_000, 'the phone following its snake');
    await mobile.waitForTimeout(500);
    await mobile.screenshot({ path: path.join(resultsDir, 'aoi-mobile.png') });
    await pages.mobile.context.close();
    assert.deepEqual(pages.mobile.errors, [], 'the phone’s page');
    delete pages.mobile;
  });

  test('dying out of sight of the view shows the death message, then the new snake', async () => {
    // Head for the nearest wall: the dead snake leaves every view, and only
    // the died event tells the page.
    await page.click('#board');
    const died = probe.events.length;
    const deadline = Date.now() + 15_000;
    let dead;
    while (!dead && Date.now() < deadline) {
      const s = probe.snake(me);
      if (s?.status === ALIVE) {
        const options = [0, 1, 2, 3].filter((d) => d !== (s.dir + 2) % 4);
        const to = options.reduce((a, b) => (roomAhead(s.head, b, W, H) < roomAhead(s.head, a, W, H) ? b : a));
        if (to !== s.dir) await page.keyboard.press(DIR_KEYS[to]);
      }
      await new Promise((r) => setTimeout(r, 100));
      dead = probe.events.slice(died).find((e) => e.kind === 'died' && e.data?.[0] === me);
    }
    assert.ok(dead, 'the own snake never died');
    await page.waitForSelector('#overlay[data-kind="death"]', { state: 'visible', timeout: 5000 });
    assert.match(await page.textContent('#overlay-text'), /Respawning in \d+\.\d s|Waiting for a free spot/);
    await page.screenshot({ path: path.join(resultsDir, 'aoi-death.png') });
    // Back: the overlay goes and the camera follows the new snake.
    await page.waitForSelector('#overlay[data-kind="death"]', { state: 'hidden', timeout: 8000 });
    await eventually(async () => (await debug(page)).snapshot.snakes.some((s) => s.player === me && s.status === ALIVE), 5000, 'the new snake in view');
  });

  test('no errors in the pages', () => {
    for (const [name, { errors }] of Object.entries(pages)) assert.deepEqual(errors, [], `${name}’s page`);
  });
});
