// End-to-end: the real server, real headless Chromium, the built page.
// Server state is checked from outside the page, by the Go probe.

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
  eventually,
  startProbe,
  startProxy,
  startServer,
  tempDir,
  webDir,
  debug,
  openPage as openPageIn,
  quickPlay,
} from './harness.js';

const ALIVE = 1;
const DIR_KEYS = [
  ['ArrowUp', 'KeyW'],
  ['ArrowRight', 'KeyD'],
  ['ArrowDown', 'KeyS'],
  ['ArrowLeft', 'KeyA'],
];
const resultsDir = path.join(webDir, 'test-results');

let tmp;
let bins;
let server;
let proxy;
let browser;
let probe;
const pages = {}; // name -> {page, errors}

function openPage(name, url, viewport) {
  return openPageIn(browser, pages, name, url, { viewport });
}

// The cells left before the wall going in direction d from head.
function room(head, d, w, h) {
  const x = head % w;
  const y = Math.floor(head / w);
  return [y, w - 1 - x, h - 1 - y, x][d];
}

/**
 * Presses keys on the page until the probe sees the player's snake take the
 * turn on the server. A snake may die between the press and the next tick
 * (the board is small and nobody steers it), so a few tries are allowed.
 */
async function turnAndObserve(page, player, keySet, label) {
  for (let attempt = 1; attempt <= 8; attempt++) {
    const snap = await probe.waitFor((m) => probe.snake(player, m)?.status === ALIVE, 10_000, `${label}: player ${player} alive`);
    const me = probe.snake(player, snap);
    const w = 64;
    const h = 64;
    // Turn left or right of the way it goes, towards the roomier side.
    const sides = [(me.dir + 1) % 4, (me.dir + 3) % 4];
    const to = room(me.head, sides[0], w, h) >= room(me.head, sides[1], w, h) ? sides[0] : sides[1];
    const pressedAt = probe.latest.tick;
    await page.keyboard.press(DIR_KEYS[to][keySet]);
    try {
      const seen = await probe.waitFor(
        (m) => m.tick > pressedAt && probe.snake(player, m)?.status === ALIVE && probe.snake(player, m).dir === to,
        1500,
        `${label}: player ${player} turning to ${to}`,
      );
      return { to, tick: seen.tick, attempt };
    } catch {
      // died before turning, or the turn was lost with the snake: again
    }
  }
  throw new Error(`${label}: the server never showed player ${player} turning`);
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: scripts/test.sh installs it (apt-get install chromium)`);
  assert.ok(existsSync(path.join(webDir, 'dist/index.html')), 'dist/index.html missing: npm run e2e builds it first');
  tmp = await tempDir();
  bins = await buildBinaries(tmp.dir);
  // A short drain on SIGTERM, through the environment: a server without
  // the setting ignores the variable, where it would refuse the flag.
  server = await startServer(bins.server, ['--respawn-ticks', '10'], { TICKROOM_DRAIN_PERIOD: '1s' });
  proxy = await startProxy(server.addr);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  await mkdir(resultsDir, { recursive: true });
});

after(async () => {
  await probe?.stop();
  await browser?.close();
  await proxy?.close();
  await server?.stop('SIGKILL');
  await tmp?.cleanup();
});

describe('Snake in the browser', () => {
  let alice; // through the proxy, so that its connection can be cut
  let bob;
  let roomId;

  test('the page is the game, not the fallback', async () => {
    const res = await fetch(server.http + '/');
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(html, /<canvas id="board"/);
    assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  });

  test('two players join the same room and see each other', async () => {
    alice = await openPage('alice', proxy.http + '/');
    const a = await quickPlay(alice, 'alice');
    bob = await openPage('bob', server.http + '/');
    const b = await quickPlay(bob, 'bob');
    roomId = a.room;
    assert.equal(b.room, a.room, 'quick play puts bob in alice’s room');
    assert.notEqual(a.player, b.player);

    // Each page decodes a snapshot in which the other's snake is alive.
    for (const [page, other, who] of [
      [alice, b.player, 'alice sees bob'],
      [bob, a.player, 'bob sees alice'],
    ]) {
      await eventually(
        async () => (await debug(page)).snapshot.snakes.some((s) => s.player === other && s.status === ALIVE && s.cells.length >= 3),
        8000,
        who,
      );
    }
    // And the scoreboards name both.
    await eventually(async () => (await alice.textContent('#scores')).includes('bob'), 5000, 'bob on alice’s scoreboard');
    await eventually(async () => (await bob.textContent('#scores')).includes('alice'), 5000, 'alice on bob’s scoreboard');
    assert.match(await alice.textContent('#scores .self'), /alice/);
    assert.equal(await alice.textContent('#room-id'), roomId);
  });

  // Pixels of the board drawn in a colour, give or take antialiasing's
  // rounding: the colour as this browser paints it, from a 1x1 canvas.
  const pixelsOf = (page, css) =>
    page.evaluate((css) => {
      const probe = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
      probe.fillStyle = css;
      probe.fillRect(0, 0, 1, 1);
      const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
      const c = document.getElementById('board');
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i] - r) <= 3 && Math.abs(data[i + 1] - g) <= 3 && Math.abs(data[i + 2] - b) <= 3) n++;
      }
      return n;
    }, css);

  test('a colour picked on one page is drawn on the others, and known to a page that comes later', async () => {
    const HUE = 300;
    const CSS = `hsl(${HUE} 70% 55%)`;
    const me = (await debug(alice)).player;
    // Both pages have asked for the room's colours: from now on only the
    // colour event can tell bob.
    for (const page of [alice, bob]) {
      await eventually(async () => (await debug(page)).coloursSynced >= 1, 5000, 'the colours reply');
    }
    assert.equal((await debug(bob)).hues[me], undefined);
    assert.ok((await pixelsOf(bob, CSS)) < 10, 'the colour is on the board before anyone chose it');

    await alice.click(`#colour-picker button[data-hue="${HUE}"]`);
    await eventually(async () => (await alice.getAttribute(`#colour-picker button[data-hue="${HUE}"]`, 'aria-pressed')) === 'true', 5000, 'alice’s swatch marked');
    assert.equal(await alice.isHidden('#colour-note'), true, 'no refusal shown');
    await eventually(async () => (await debug(bob)).hues[me] === HUE, 5000, 'alice’s hue on bob’s page');
    assert.equal((await debug(bob)).coloursSynced, 1, 'by the event, not by asking again');
    await eventually(async () => (await pixelsOf(bob, CSS)) > 40, 8000, 'alice’s snake drawn in her colour on bob’s board');
    assert.match(await bob.$eval(`#scores li[data-player="${me}"] .swatch`, (el) => el.style.background), /hsl\(300|rgb\(22[01], 6[01], 22[01]\)/);

    const late = await openPage('frank', `${server.http}/#room=${roomId}`);
    const d = await eventually(async () => {
      const x = await debug(late);
      return x?.state === 'open' && x.coloursSynced === 1 ? x : null;
    }, 8000, 'frank in the room with its colours');
    assert.equal(d.room, roomId);
    assert.equal(d.hues[me], HUE, 'the colours reply has alice’s hue');
    assert.deepEqual(pages.frank.errors, []);
    // Leave for good: a dropped seat would be kept for a resume, and the
    // room has seats for eight.
    await late.click('#leave');
    await late.waitForSelector('#lobby', { state: 'visible', timeout: 5000 });
    await pages.frank.context.close();
    delete pages.frank;
  });

  test('the page draws the board', async () => {
    // Pixels of several colours on the canvas: the board, food and snakes.
    const colours = await alice.evaluate(() => {
      const c = document.getElementById('board');
      const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      return seen.size;
    });
    assert.ok(colours > 5, `only ${colours} colours on the canvas`);
  });

  test('chat reaches the other player as text, never markup', async () => {
    const text = '<img src=x id=pwned> & <b>hi</b>';
    await alice.fill('#chat-input', text);
    await alice.press('#chat-input', 'Enter');
    await eventually(async () => (await bob.textContent('#log')).includes(text), 5000, 'chat line on bob’s page');
    assert.equal(await bob.locator('#log img, #log b').count(), 0, 'no element made from chat text');
    assert.equal(await alice.inputValue('#chat-input'), '', 'the box is cleared after sending');
  });

  test('a key press turns the own snake on the server', async () => {
    probe = await startProbe(bins.probe, server.ws, roomId);
    const player = (await debug(alice)).player;
    await alice.click('#board'); // leave the chat box: keys go to the game
    const arrows = await turnAndObserve(alice, player, 0, 'arrow key');
    const wasd = await turnAndObserve(alice, player, 1, 'WASD');
    assert.ok(arrows.tick > 0 && wasd.tick > arrows.tick);
    // The page saw its inputs acknowledged.
    const d = await eventually(async () => {
      const x = await debug(alice);
      return x.inputSeq >= 2 && x.ack === x.inputSeq ? x : null;
    }, 3000, 'inputs acknowledged');
    assert.ok(d.inputLatencyMs >= 0);
  });

  let beforeDrop;
  test('a dropped connection reconnects by itself and plays again', async () => {
    beforeDrop = await debug(alice);
    assert.equal(beforeDrop.welcomes.length, 1);
    assert.ok(proxy.open > 0, 'alice’s socket goes through the proxy');
    proxy.dropAll();

    const after = await eventually(async () => {
      const d = await debug(alice);
      return d.welcomes.length === 2 && d.state === 'open' && d.snapshot ? d : null;
    }, 15_000, 'alice reconnected');
    assert.match(await alice.textContent('#log'), /The connection was lost\. Reconnecting…/);
    assert.match(await alice.textContent('#log'), /Reconnected/);
    assert.equal(after.room, roomId, 'back in the same room');

    // Playing: the server sees alice's (possibly new) snake alive and turning.
    const turned = await turnAndObserve(alice, after.player, 0, 'after reconnecting');
    assert.ok(turned.tick > 0);
    assert.equal(await alice.isHidden('#overlay[data-kind="closed"]'), true);
  });

  // Resuming the same snake needs session resume on the server (issue 5):
  // the page offers its session token and last event on reconnect.
  test('a dropped connection resumes the same player', async () => {
    const d = await debug(alice);
    const w = d.welcomes[1];
    assert.equal(w.player, beforeDrop.player, `reconnected as player ${w.player}, was ${beforeDrop.player}`);
    assert.equal(w.resumed, true);
    assert.equal(d.stats.gaps, 0, 'no event lost across the resume');
    // The resume asked for the colours again, and the player kept theirs.
    await eventually(async () => (await debug(alice)).coloursSynced === 2, 5000, 'the colours asked for again');
    assert.equal((await debug(alice)).hues[w.player], 300);
  });

  test('a link to a room that does not exist says so', async () => {
    const page = await openPage('carol', server.http + '/#room=nosuchroom');
    await page.waitForSelector('#overlay[data-kind="closed"]', { state: 'visible', timeout: 10_000 });
    assert.equal(await page.textContent('#overlay-title'), 'Room not found');
    await page.click('#overlay-actions button');
    await page.waitForSelector('#lobby', { state: 'visible' });
    assert.equal(new URL(page.url()).hash, '');
    await pages.carol.context.close();
    delete pages.carol;
  });

  test('the lobby lists the room, or says the list is unavailable', async () => {
    const page = await openPage('dave', server.http + '/');
    await page.waitForSelector('#lobby', { state: 'visible' });
    const api = await fetch(server.http + '/api/rooms');
    if (api.status === 404) {
      await eventually(async () => /unavailable/.test(await page.textContent('#rooms-status')), 5000, 'unavailable note');
    } else {
      await page.waitForSelector(`#rooms li[data-room="${roomId}"]`, { timeout: 8000 });
      await page.screenshot({ path: path.join(resultsDir, 'lobby.png') });
      await page.fill('#name', 'dave');
      await page.click(`#rooms li[data-room="${roomId}"] button`);
      const d = await eventually(async () => {
        const x = await debug(page);
        return x?.state === 'open' ? x : null;
      }, 8000, 'dave joined from the list');
      assert.equal(d.room, roomId);
    }
    await pages.dave.context.close();
    delete pages.dave;
  });

  test('create room starts a new room (or says why not)', async () => {
    const page = await openPage('erin', server.http + '/');
    await page.fill('#name', 'erin');
    await page.click('#create');
    const d = await eventually(async () => {
      const x = await debug(page);
      return x?.state === 'open' ? x : null;
    }, 8000, 'erin in a room');
    const log = await page.textContent('#log');
    const api = await fetch(server.http + '/api/matchmake', { method: 'POST', body: '{"mode":"nope"}' });
    if (api.status === 404) {
      assert.match(log, /matchmaking API/, 'the note says why it was quick play');
    } else {
      assert.notEqual(d.room, roomId, 'a room of its own');
      assert.match(log, new RegExp(`Room ${d.room} is yours`));
    }
    await pages.erin.context.close();
    delete pages.erin;
  });

  test('screenshot of a running game', async () => {
    const bots = await startProbe(bins.probe, server.ws, roomId, { bots: 4, watch: false });
    try {
      await eventually(async () => (await debug(alice)).snapshot.snakes.length >= 6, 8000, 'bots on alice’s board');
      // Keep alice alive and on screen for the picture.
      await eventually(async () => {
        const d = await debug(alice);
        return d.snapshot.snakes.filter((s) => s.status === ALIVE).length >= 5 && d.snapshot.snakes.find((s) => s.player === d.player)?.status === ALIVE;
      }, 10_000, 'a busy board with alice alive');
      // The log follows new lines though the scoreboard grew beside it.
      await eventually(
        () => alice.evaluate(() => {
          const l = document.getElementById('log');
          return l.scrollHeight - l.scrollTop - l.clientHeight < 2;
        }),
        3000,
        'the room log scrolled to its newest line',
      );
      const file = path.join(resultsDir, 'game.png');
      await alice.screenshot({ path: file });
      assert.ok(existsSync(file));
      const mobile = await openPage('mobile', server.http + `/#room=${roomId}`, { width: 390, height: 844 });
      await eventually(async () => (await debug(mobile))?.snapshot, 8000, 'mobile page playing');
      await mobile.waitForTimeout(1500);
      await mobile.screenshot({ path: path.join(resultsDir, 'game-mobile.png'), fullPage: true });
      await pages.mobile.context.close();
      delete pages.mobile;
    } finally {
      await bots.stop();
    }
  });

  test('leave goes back to the lobby and the others are told', async () => {
    const bobId = (await debug(bob)).player;
    await bob.click('#leave');
    await bob.waitForSelector('#lobby', { state: 'visible', timeout: 5000 });
    await eventually(async () => (await alice.textContent('#log')).includes('bob left'), 5000, '“bob left” on alice’s page');
    await eventually(async () => !(await debug(alice)).snapshot.snakes.some((s) => s.player === bobId), 5000, 'bob off alice’s board');
    // Back in, for the shutdown test.
    await quickPlay(bob, 'bob');
  });

  test('no errors in the pages', () => {
    for (const [name, { errors }] of Object.entries(pages)) assert.deepEqual(errors, [], `${name}’s page`);
  });

  test('a server shutdown is explained to the player', async () => {
    await server.stop('SIGTERM');
    await eventually(async () => /The server is shutting down/.test(await bob.textContent('#log')), 10_000, 'shutdown notice');
    await eventually(async () => (await debug(bob)).state === 'reconnecting', 5000, 'bob trying to reconnect');
    // The banner follows at the next animation frame, which a busy machine
    // may run late.
    await eventually(async () => /The server is shutting down\. Reconnecting/.test(await bob.textContent('#banner')), 3000, 'the reconnecting banner');
  });
});
