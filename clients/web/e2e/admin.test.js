// End-to-end: the operator's admin view (/admin) in headless Chromium,
// against the real server with an admin token.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

import { CHROMIUM, CHROMIUM_ARGS, buildBinaries, eventually, startProbe, startServer, tempDir, webDir } from './harness.js';

const TOKEN = 'e2e-admin-token';
let tmp;
let server;
let probe;
let browser;

before(async () => {
  tmp = await tempDir();
  const bins = await buildBinaries(tmp.dir);
  server = await startServer(bins.server, ['--admin-token', TOKEN, '--drain-period', '0s']);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const res = await fetch(server.http + '/api/rooms', { method: 'POST', body: JSON.stringify({ game: 'snake' }) });
  assert.equal(res.status, 201);
  const room = await res.json();
  probe = await startProbe(bins.probe, server.ws, room.id, { bots: 1 });
  server.room = room.id;
});

after(async () => {
  await probe?.stop();
  await browser?.close();
  await server?.stop('SIGKILL');
  await tmp?.cleanup();
});

test('the admin view refuses a missing or wrong token', async () => {
  const page = await browser.newPage();
  for (const url of ['/admin', '/admin?token=wrong']) {
    const res = await page.goto(server.http + url);
    assert.equal(res.status(), 401, url);
    assert.match(await page.textContent('body'), /unauthorized/);
  }
  const api = await fetch(server.http + '/admin/api/state', { headers: { Authorization: 'Bearer wrong' } });
  assert.equal(api.status, 401);
  await page.close();
});

test('the admin view shows the room and its players, live, names as text', async () => {
  // A player whose name is markup joins the room through the game page.
  const game = await browser.newPage();
  await game.goto(server.http);
  await game.fill('#name', '<b>bold</b>');
  await game.click('#quick');
  await eventually(async () => (await game.evaluate(() => window.__tickroom))?.state === 'open', 10_000, 'the player in a room');

  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const res = await page.goto(`${server.http}/admin?token=${TOKEN}`);
  assert.equal(res.status(), 200);
  const section = `section[data-room="${server.room}"]`;
  await page.waitForSelector(section, { timeout: 10_000 });
  await eventually(async () => (await page.textContent(section)).includes('<b>bold</b>'), 10_000, 'the markup-named player listed');
  const text = await page.textContent(section);
  assert.match(text, /bot-1/);
  // The name is text: no element of the page holds just "bold".
  const injected = await page.evaluate(() => [...document.querySelectorAll('b')].some((b) => b.textContent === 'bold'));
  assert.equal(injected, false, 'a player name was rendered as markup');

  const tick = async () => Number((await page.textContent(`${section} .health b`)).trim());
  const t0 = await tick();
  const t1 = await eventually(async () => {
    const t = await tick();
    return t > t0 ? t : null;
  }, 10_000, 'the tick to move on the admin page');
  assert.ok(t1 > t0);
  assert.match(await page.textContent('#status'), /updated/);

  const dir = path.join(webDir, 'test-results');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, 'admin.png') });
  assert.deepEqual(errors, []);
  await game.close();
  await page.close();
});
