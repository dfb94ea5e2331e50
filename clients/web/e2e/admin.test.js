// End-to-end: the operator's admin view (/admin) in headless Chromium,
// against the real server with an admin token: the login form, the session
// cookie, the live view and the logout.

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

/** Submits the login form on page with token; resolves with the POST's response. */
async function submitLogin(page, token) {
  await page.fill('#token', token);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/admin/login') && r.request().method() === 'POST'),
    page.click('#login button[type=submit]'),
  ]);
  await page.waitForLoadState();
  return res;
}

test('the admin view refuses a missing or wrong token', async () => {
  const page = await browser.newPage();
  // No session: the login form, not the view.
  let res = await page.goto(server.http + '/admin');
  assert.equal(res.status(), 401);
  assert.match(await page.textContent('body'), /unauthorized/);
  assert.ok(await page.$('#login input#token'), 'no login form');
  // A wrong token through the form: 401 and the form again.
  res = await submitLogin(page, 'wrong');
  assert.equal(res.status(), 401);
  assert.match(await page.textContent('#msg'), /wrong token/);
  assert.ok(await page.$('#login input#token'), 'no login form after a wrong token');
  assert.equal((await page.context().cookies()).length, 0, 'a cookie for a wrong token');
  // The old link with a wrong token.
  res = await page.goto(server.http + '/admin?token=wrong');
  assert.equal(res.status(), 401);
  assert.match(await page.textContent('body'), /unauthorized/);
  const api = await fetch(server.http + '/admin/api/state', { headers: { Authorization: 'Bearer wrong' } });
  assert.equal(api.status, 401);
  await page.close();
});

test('the admin view logs in through the form and shows the room and its players, live, names as text', async () => {
  // A player whose name is markup joins the room through the game page.
  const game = await browser.newPage();
  await game.goto(server.http);
  await game.fill('#name', '<b>bold</b>');
  await game.click('#quick');
  await eventually(async () => (await game.evaluate(() => window.__tickroom))?.state === 'open', 10_000, 'the player in a room');

  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.goto(`${server.http}/admin`);
  const login = await submitLogin(page, TOKEN);
  assert.equal(login.status(), 303);
  assert.equal(login.headers()['referrer-policy'], 'no-referrer');
  assert.equal(page.url(), `${server.http}/admin`);
  // The session is an HttpOnly, SameSite=Strict cookie that is not the token.
  const [cookie] = await page.context().cookies();
  assert.equal(cookie?.httpOnly, true);
  assert.equal(cookie?.sameSite, 'Strict');
  assert.equal(cookie?.path, '/admin');
  assert.notEqual(cookie?.value, TOKEN);
  assert.equal(await page.evaluate(() => document.cookie), '', 'the page script can read the session cookie');

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
  // The token went in a POST body only, never in a URL.
  assert.deepEqual(urls.filter((u) => u.includes(TOKEN)), []);

  const dir = path.join(webDir, 'test-results');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, 'admin.png') });

  // Logging out ends the session: the view is gone, the login is back.
  await Promise.all([page.waitForURL(`${server.http}/admin`), page.click('#logout')]);
  await page.waitForSelector('#login input#token');
  assert.equal((await page.context().cookies()).length, 0, 'the session cookie outlived the logout');
  assert.deepEqual(errors, []);
  await game.close();
  await page.close();
});

test('the old /admin?token= link logs in once and drops the token from the address bar', async () => {
  const page = await browser.newPage();
  const res = await page.goto(`${server.http}/admin?token=${TOKEN}`);
  assert.equal(res.status(), 200);
  assert.equal(page.url(), `${server.http}/admin`);
  assert.equal(res.headers()['referrer-policy'], 'no-referrer');
  await page.waitForSelector(`section[data-room="${server.room}"]`, { timeout: 10_000 });
  await page.close();
});
