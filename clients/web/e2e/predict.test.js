// End-to-end: the prediction of the own snake's turns (src/game/predict.js),
// in headless Chromium, on a connection that takes DELAY_MS each way (a
// delaying TCP proxy between the page and the real server), so that the
// round trip is what a far player has and prediction matters.
//
// It measures the time from a key press (performance.now in a keydown
// listener of the page) to the first frame that draws the own head turned
// (the page's window.__tickroom.head.turns), with the prediction off
// (?predict=0) and on, and prints the medians. It checks only what holds
// on any machine: with prediction the head turns well within a one-way
// trip and a tick, without it takes at least the round trip. Then it
// checks reconciliation: a reversal, which the rules throw away, is never
// shown; a turn the server never takes (the snake had died before it got
// there) is shown, then eased back; neither moves the board.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
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
  startProxy,
  startServer,
  tempDir,
  webDir,
} from './harness.js';

const ALIVE = 1;
const DIR_KEYS = ['ArrowUp', 'ArrowRight', 'ArrowDown', 'ArrowLeft'];
const W = 64;
const H = 64;
/** The connection's delay, each way, ms. */
const DELAY_MS = 100;
/** A tick at the server's default 20 Hz, ms. */
const TICK_MS = 50;
/** Key presses measured with the prediction off, and on. */
const SAMPLES = 10;
const resultsDir = path.join(webDir, 'test-results');

let tmp;
let bins;
let server;
let proxy;
let browser;
let probe;
let roomId;
const pages = {}; // name -> {page, errors, context}

// The cells left before the wall going in direction d from head.
function roomAhead(head, d) {
  const x = head % W;
  const y = Math.floor(head / W);
  return [y, W - 1 - x, H - 1 - y, x][d];
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Opens the game through the delaying proxy (query: '' or '?predict=0') and joins the room. */
async function join(name, query) {
  const page = await openPageIn(browser, pages, name, `${proxy.http}/${query}`, { strictWarnings: true });
  const d = await quickPlay(page, name);
  // Every key press, as the page sees it, before the game does.
  await page.evaluate(() => {
    window.__keys = [];
    window.addEventListener('keydown', (e) => window.__keys.push({ at: performance.now(), key: e.key }), { capture: true });
  });
  await page.click('#board'); // keys go to the game, not the chat box
  return { page, player: d.player, room: d.room };
}

/**
 * Waits until the own snake lives and nothing of the last turn is in
 * flight: every input taken by the room, and the head drawn the way the
 * newest snapshot has the snake going. Returns the page's debug view and
 * the own snake in its newest snapshot.
 */
function settled(page, label, ms = 10_000) {
  return eventually(
    async () => {
      const d = await debug(page);
      const me = d.snapshot?.snakes.find((s) => s.player === d.player);
      if (me?.status !== ALIVE || d.ack !== d.inputSeq || d.prediction.plan.length || d.head.dir !== me.dir) return null;
      return { d, me };
    },
    ms,
    `${label}: the own snake alive and its head drawn as the server has it`,
  );
}

/** The side turn with the more room before the wall. */
function roomierSide(me) {
  const sides = [(me.dir + 1) % 4, (me.dir + 3) % 4];
  return roomAhead(me.head, sides[0]) >= roomAhead(me.head, sides[1]) ? sides[0] : sides[1];
}

/**
 * Presses the key of a side turn and returns how long after the keydown
 * the page first drew the own head facing it, in ms; undefined when the
 * sample does not count (the snake died, or the server never took it).
 */
async function keyToTurn(page, player, label) {
  const { me } = await settled(page, label);
  const to = roomierSide(me);
  const keys = await page.evaluate(() => window.__keys.length);
  await page.keyboard.press(DIR_KEYS[to]);
  let first;
  try {
    const h = await page.waitForFunction(
      (n) => {
        const k = window.__keys[n];
        const t = k && window.__tickroom.head.turns.find((x) => x.at >= k.at);
        return t ? { ms: t.at - k.at, dir: t.dir } : null;
      },
      keys,
      { timeout: 3000, polling: 20 },
    );
    first = await h.jsonValue();
  } catch {
    return undefined; // never drawn turning: the snake died first
  }
  // The server took the turn (the snake may have died meanwhile: then the
  // sample does not count).
  const took = await probe
    .waitFor((m) => probe.snake(player, m)?.status === ALIVE && probe.snake(player, m).dir === to, 3000, `${label}: the turn on the server`)
    .then(() => true, () => false);
  if (!took || first.dir !== to) return undefined;
  return first.ms;
}

/**
 * Samples key-to-turn times on a page until it has n of them; returns them
 * and how many presses did not count.
 */
async function measure(page, player, n, label) {
  const ms = [];
  let lost = 0;
  while (ms.length < n) {
    assert.ok(lost < n, `${label}: ${lost} presses lost, only ${ms.length} of ${n} samples`);
    const t = await keyToTurn(page, player, `${label} #${ms.length + 1}`);
    if (t === undefined) lost++;
    else ms.push(t);
  }
  return { ms, lost };
}

/**
 * Checks that the frames drew a board that moved on smoothly: the render
 * tick never jumps (nor goes back, but for the clock's slow drift), and no
 * snake's head, the own one included, moves further than the ticks that
 * went by allow.
 */
function assertNoJump(frames, label) {
  assert.ok(frames.length > 10, `${label}: only ${frames.length} frames`);
  for (let i = 1; i < frames.length; i++) {
    const a = frames[i - 1];
    const b = frames[i];
    const dtick = b.tick - a.tick;
    const allowed = (b.at - a.at) / TICK_MS + 1;
    assert.ok(dtick > -0.1 && dtick <= allowed, `${label}: the render tick went from ${a.tick} to ${b.tick} in ${(b.at - a.at).toFixed(1)} ms`);
    const before = new Map(a.heads.map(([p, x, y]) => [p, [x, y]]));
    for (const [p, x, y] of b.heads) {
      const q = before.get(p);
      if (!q) continue;
      const moved = Math.abs(x - q[0]) + Math.abs(y - q[1]);
      assert.ok(moved <= Math.max(0, dtick) + 1.01, `${label}: player ${p}'s head jumped ${moved.toFixed(2)} cells between ticks ${a.tick} and ${b.tick}`);
    }
  }
}

/** The frames the page drew from performance.now() `from` on. */
async function framesSince(page, from) {
  const d = await debug(page);
  return d.frames.filter((f) => f.at >= from);
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: scripts/test.sh installs it (apt-get install chromium)`);
  assert.ok(existsSync(path.join(webDir, 'dist/index.html')), 'dist/index.html missing: npm run e2e builds it first');
  tmp = await tempDir();
  bins = await buildBinaries(tmp.dir);
  server = await startServer(bins.server, ['--respawn-ticks', '10', '--drain-period', '0s']);
  proxy = await startProxy(server.addr, { delayMs: DELAY_MS });
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

describe(`prediction, with ${DELAY_MS} ms each way`, () => {
  let off;
  let on;
  const medians = {};

  test('a page with prediction and one without join a room through the slow connection', async () => {
    off = await join('unpredicted', '?predict=0');
    roomId = off.room;
    on = await join('predicted', '');
    assert.equal(on.room, roomId, 'both pages in one room');
    // Two bots give the board other snakes to watch for jumps.
    probe = await startProbe(bins.probe, server.ws, roomId, { bots: 2 });
    const [a, b] = await Promise.all([debug(off.page), debug(on.page)]);
    assert.equal(a.predict, false);
    assert.equal(b.predict, true);
    // The server's pings measure the round trip through the proxy.
    const rtt = await eventually(async () => (await debug(on.page)).rttMs, 8000, 'a measured round trip');
    assert.ok(rtt >= 2 * DELAY_MS, `round trip ${rtt} ms through a proxy delaying ${DELAY_MS} ms each way`);
  });

  test('key press to the own head turning on screen: without prediction, then with', async (t) => {
    const { ms: unpredicted } = await measure(off.page, off.player, SAMPLES, 'prediction off');
    // The other page no longer plays: leave, so that its snake stops
    // crashing into things.
    await off.page.click('#leave');
    await off.page.waitForSelector('#lobby', { state: 'visible', timeout: 5000 });
    const { ms: predicted, lost } = await measure(on.page, on.player, SAMPLES, 'prediction on');
    medians.off = median(unpredicted);
    medians.on = median(predicted);
    const fmt = (xs) => xs.map((x) => x.toFixed(1)).join(', ');
    t.diagnostic(`key press to the own head turned on screen, ${DELAY_MS} ms each way, ${TICK_MS} ms ticks, ${SAMPLES} presses each:`);
    t.diagnostic(`  prediction off: median ${medians.off.toFixed(1)} ms (${fmt(unpredicted)})`);
    t.diagnostic(`  prediction on:  median ${medians.on.toFixed(1)} ms (${fmt(predicted)})`);
    await writeFile(
      path.join(resultsDir, 'predict.json'),
      JSON.stringify({ delayMs: DELAY_MS, tickMs: TICK_MS, off: { medianMs: medians.off, ms: unpredicted }, on: { medianMs: medians.on, ms: predicted } }, null, 2) + '\n',
    );
    assert.ok(medians.on < DELAY_MS + TICK_MS, `with prediction the head turns within a one-way trip and a tick: median ${medians.on} ms`);
    assert.ok(medians.off >= 2 * DELAY_MS, `without, it waits for the round trip at least: median ${medians.off} ms`);
    // A turn the server took was predicted right; only one that a crash
    // cut short (a press that did not count) may have been taken back.
    const d = await debug(on.page);
    assert.ok(d.prediction.mispredictions <= lost, `${d.prediction.mispredictions} mispredictions, ${lost} presses lost`);
  });

  test('a reversal, which the rules throw away, is never shown; the head ends as the server has it; nothing jumps', async () => {
    const { page, player } = on;
    for (let attempt = 1; ; attempt++) {
      assert.ok(attempt <= 4, 'the snake kept dying');
      // Room ahead, so that the snake does not reach a wall meanwhile.
      let s = await settled(page, 'before the reversal');
      if (roomAhead(s.me.head, s.me.dir) < 20) {
        await page.keyboard.press(DIR_KEYS[roomierSide(s.me)]);
        s = await settled(page, 'before the reversal');
      }
      const { d: before, me } = s;
      const back = (me.dir + 2) % 4;
      const from = await page.evaluate(() => performance.now());
      const seen = []; // the server's snake from the press on
      const watch = (m) => seen.push(probe.snake(player, m));
      probe.waiters.add(watch);
      await page.keyboard.press(DIR_KEYS[back]);
      // The room takes it (its ack comes back), then the board catches up.
      const taken = await eventually(async () => {
        const x = await debug(page);
        return x.inputSeq > before.inputSeq && x.ack === x.inputSeq ? x : null;
      }, 3000, 'the reversal acknowledged');
      await page.waitForTimeout(4 * TICK_MS);
      probe.waiters.delete(watch);
      if (seen.some((x) => x?.status !== ALIVE)) continue; // crashed into a bot: again
      assert.ok(!seen.some((x) => x.dir === back), 'the server never reversed the snake');
      const frames = await framesSince(page, from);
      assert.ok(!frames.some((f) => f.dir === back), `the page drew the head reversed: ${frames.map((f) => f.dir).join(' ')}`);
      assert.equal(taken.prediction.mispredictions, before.prediction.mispredictions, 'nothing to take back');
      // The head as drawn is the server's: the page's newest snapshot, and
      // the probe's at the same tick.
      const end = await settled(page, 'after the reversal', 3000);
      const truth = await probe.at(end.d.snapshot.tick);
      if (truth) assert.equal(probe.snake(player, truth).dir, end.me.dir, 'the page’s snapshot is the server’s');
      assert.equal(end.d.head.dir, end.me.dir);
      assertNoJump(frames, 'the reversal');
      return;
    }
  });

  test('a turn the server never takes (the snake died before it got there) is shown, then eased back; nothing jumps', async () => {
    const { page, player } = on;
    for (let attempt = 1; ; attempt++) {
      assert.ok(attempt <= 4, 'the snake never came to a wall');
      const { d: before } = await settled(page, 'before the wall');
      // Going straight, the snake comes to a wall within 64 cells. Press a
      // turn when the page's newest snapshot has it one cell from the wall:
      // the server, a one-way trip ahead, has already crashed it, and the
      // press gets there a trip later still.
      let at;
      try {
        const h = await page.waitForFunction(
          () => {
            const x = window.__tickroom;
            const me = x?.snapshot?.snakes.find((s) => s.player === x.player);
            if (me?.status !== 1) return null;
            const w = x.snapshot.width;
            const room = [Math.floor(me.head / w), w - 1 - (me.head % w), x.snapshot.height - 1 - Math.floor(me.head / w), me.head % w][me.dir];
            return room <= 1 ? { head: me.head, dir: me.dir, tick: x.snapshot.tick } : null;
          },
          null,
          { polling: 'raf', timeout: 6000 },
        );
        at = await h.jsonValue();
      } catch {
        continue; // it died elsewhere (a bot): again
      }
      const to = roomierSide(at);
      const from = await page.evaluate(() => performance.now());
      await page.keyboard.press(DIR_KEYS[to]);
      // The server: the snake dies going straight, never turned.
      const died = await probe
        .waitFor((m) => m.tick > at.tick && probe.snake(player, m)?.status !== ALIVE, 3000, 'the crash')
        .catch(() => undefined);
      if (!died) continue;
      for (let tick = at.tick; tick <= died.tick; tick++) {
        const m = probe.byTick.get(tick);
        if (m && probe.snake(player, m)?.status === ALIVE) assert.notEqual(probe.snake(player, m).dir, to, `tick ${tick}: the server turned it`);
      }
      // The page: the head turned at once, then turned back, eased over
      // frames, as the snapshot of the crash came; the board went on.
      await eventually(async () => (await debug(page)).prediction.mispredictions > before.prediction.mispredictions, 3000, 'the misprediction noticed');
      await page.waitForTimeout(6 * TICK_MS);
      const frames = await framesSince(page, from);
      const shown = frames.findIndex((f) => f.dir === to);
      assert.ok(shown >= 0, `the predicted turn was never drawn: ${frames.map((f) => f.dir).join(' ')}`);
      assert.ok(frames[shown].at - from < DELAY_MS, `drawn ${(frames[shown].at - from).toFixed(1)} ms after the press`);
      const rest = frames.slice(shown).map((f) => f.dir);
      const easing = rest.indexOf(-1);
      assert.ok(easing > 0, `no eased turn back: ${rest.join(' ')}`);
      assert.ok(!rest.slice(easing).includes(to), `shown again after taken back: ${rest.join(' ')}`);
      assertNoJump(frames, 'the turn taken back');
      // Respawned, the head is drawn as the server has it.
      const end = await settled(page, 'the new snake', 5000);
      assert.equal(end.d.head.dir, probe.snake(player, await probe.at(end.d.snapshot.tick))?.dir ?? end.me.dir);
      return;
    }
  });

  test('no errors in the pages', () => {
    for (const [name, { errors }] of Object.entries(pages)) assert.deepEqual(errors, [], `${name}’s page`);
  });
});
