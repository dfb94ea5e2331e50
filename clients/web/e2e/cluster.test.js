// End-to-end: a cluster of two tickroom servers on one NATS (an embedded
// nats-server with JetStream, e2e/natsd), and the browser game served by
// node A playing in a room that node B hosts. A's page says hello to A,
// A closes the socket with 4016 and B's URL, the SDK follows it to B.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';

import {
  CHROMIUM,
  CHROMIUM_ARGS,
  buildBinaries,
  debug,
  eventually,
  openPage,
  run,
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
let natsd;
const nodes = {}; // a, b: {server, port, url (WebSocket), http}
let browser;
let probe;
const pages = {};

/** A loopback port nobody listens on now: a node names its URL before it listens. */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Builds e2e/natsd, starts it and resolves with its client URL. */
async function startNatsd(dir) {
  const bin = path.join(dir, 'natsd');
  await run('go', ['build', '-o', bin, './clients/web/e2e/natsd']);
  // stdin is a pipe: natsd also stops when it closes, so that it never
  // outlives this process.
  const p = spawn(bin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => p.on('exit', (code, sig) => r({ code, sig })));
  const url = await new Promise((resolve, reject) => {
    // natsd that never said where it listens is stopped here: nobody else
    // holds it.
    const fail = (err) => {
      p.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`natsd: no URL within 15 s (stderr: ${stderr.trim()})`)), 15_000);
    exited.then(({ code, sig }) => fail(new Error(`natsd exited (${code ?? sig}): ${stderr.trim()}`)));
    readline.createInterface({ input: p.stdout }).on('line', (l) => {
      if (/^nats:\/\//.test(l)) {
        clearTimeout(timer);
        resolve(l.trim());
      }
    });
  });
  return { proc: p, url, exited, stderr: () => stderr };
}

/** Starts a node of the cluster on a port picked beforehand. */
async function startNode(id, natsURL) {
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const url = `ws://${addr}/ws`;
  // --addr after the harness's own 127.0.0.1:0: the last one counts.
  const server = await startServer(bins.server, [
    '--addr', addr,
    '--nats', natsURL,
    '--public-url', url,
    '--node-id', id,
    '--nats-ttl', '2s',
    '--respawn-ticks', '10',
    '--drain-period', '1s',
  ]);
  assert.equal(server.addr, addr, `node ${id} listens where its public URL says`);
  return { server, url, http: server.http };
}

/** SIGTERM, then SIGKILL if the process is still there after ms. */
async function stopGently(proc, exited, ms = 8000) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return exited;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), ms);
  const r = await exited;
  clearTimeout(timer);
  return r;
}

const rooms = async (node) => {
  const res = await fetch(node.http + '/api/rooms');
  assert.equal(res.status, 200, `GET ${node.http}/api/rooms`);
  return res.json();
};

// A gauge of a node's /metrics (the first sample whose line starts so).
async function metric(node, prefix) {
  const text = await (await fetch(node.http + '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(prefix + ' '));
  return line === undefined ? undefined : Number(line.slice(prefix.length + 1));
}

// The cells left before the wall going in direction d from head.
function space(head, d, w, h) {
  const x = head % w;
  const y = Math.floor(head / w);
  return [y, w - 1 - x, h - 1 - y, x][d];
}

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: scripts/web.sh test installs it`);
  assert.ok(existsSync(path.join(webDir, 'dist/index.html')), 'dist/index.html missing: npm run e2e builds it first');
  tmp = await tempDir();
  await Promise.all([buildBinaries(tmp.dir).then((b) => (bins = b)), startNatsd(tmp.dir).then((n) => (natsd = n))]);
  // Each node kept as soon as it runs: after() stops it though the other failed.
  await Promise.all(['a', 'b'].map(async (id) => (nodes[id] = await startNode(id, natsd.url))));
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await probe?.stop().catch(() => {});
  await browser?.close().catch(() => {});
  // The nodes first, while NATS is there for them to take their entries
  // out of the directory; then NATS.
  const stopped = await Promise.all(Object.entries(nodes).map(async ([id, n]) => [id, await stopGently(n.server.proc, n.server.exited)]));
  if (natsd) {
    const r = await stopGently(natsd.proc, natsd.exited);
    assert.ok(r.code === 0 || r.sig === 'SIGTERM', `natsd ended by SIGTERM: ${JSON.stringify(r)} ${natsd.stderr()}`);
  }
  // The nodes' logs, for a failure's post-mortem.
  await mkdir(resultsDir, { recursive: true });
  for (const [id, n] of Object.entries(nodes)) await writeFile(path.join(resultsDir, `cluster-node-${id}.log`), n.server.log.join('\n') + '\n');
  await tmp?.cleanup();
  for (const [id, r] of stopped) assert.equal(r.code, 0, `node ${id} exited cleanly on SIGTERM: ${JSON.stringify(r)}`);
});

describe('a cluster of two servers in the browser', { timeout: 45_000 }, () => {
  let roomId;

  test('a room created on node B is listed on node A with B’s URL', async () => {
    const res = await fetch(nodes.b.http + '/api/rooms', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 201, await res.clone().text());
    roomId = (await res.json()).id;
    assert.ok(roomId);
    const listed = await eventually(async () => (await rooms(nodes.a)).find((r) => r.id === roomId), 5000, `room ${roomId} listed on A`);
    assert.equal(listed.node, nodes.b.url, 'the listing names the hosting node');
    assert.equal(listed.players, 0);
  });

  /**
   * Opens node A's page on the room's link and waits for it to play: in
   * the room, with a snapshot. Resolves with the page, its debug view and
   * the WebSockets it opened, in order.
   */
  async function joinFromA(name) {
    const sockets = [];
    const page = await openPage(browser, pages, name, `${nodes.a.http}/#room=${roomId}`, {
      // Every WebSocket the page opens, and whether it ended.
      beforeGoto: (p) =>
        p.on('websocket', (ws) => {
          const s = { url: ws.url(), closed: false, received: 0 };
          sockets.push(s);
          ws.on('framereceived', () => s.received++);
          ws.on('close', () => (s.closed = true));
        }),
    });
    const blocked = () => pages[name].errors.some((e) => /Content Security Policy/.test(e));
    const d = await eventually(async () => {
      if (blocked()) return { blocked: true }; // for good: no need to wait on
      const x = await debug(page);
      return x?.state === 'open' && x.snapshot ? x : null;
    }, 10_000, `the page in room ${roomId} with a snapshot`)
      .then((x) => {
        if (x.blocked) throw new Error('the page’s Content-Security-Policy blocked a WebSocket');
        return x;
      })
      .catch(async (err) => {
        const log = await page.textContent('#log').catch(() => '?');
        throw new Error(`${err.message}; sockets ${JSON.stringify(sockets)}; page log: ${log}; page errors: ${pages[name].errors.join(' | ')}`);
      });
    assert.equal(d.room, roomId, 'the welcome names the room on B');
    assert.equal(d.spectator, false);
    assert.equal(d.welcomes.length, 1, 'one welcome: the one from B');
    assert.equal(await page.textContent('#room-id'), roomId);
    assert.match(await page.textContent('#log'), new RegExp(`You joined room ${roomId}`));
    assert.doesNotMatch(await page.textContent('#log'), /Reconnecting/, 'a redirect is not shown as an outage');
    // The SDK went to A as told, was sent on to B, and stays there (the
    // debug view has the room, not the client's url: the sockets tell).
    assert.deepEqual(sockets.map((s) => s.url), [nodes.a.url, nodes.b.url], 'a socket to A, then one to B');
    assert.equal(sockets[0].closed, true, 'A closed its socket (the redirect)');
    assert.equal(sockets[1].closed, false, 'the socket to B stays open');
    assert.ok(sockets[1].received > 0, 'B sends to the page');
    return { name, page, d, sockets };
  }

  let joined; // {name, page, d, sockets} of the page that plays on

  // A page may only connect where its Content-Security-Policy lets it: a
  // node names every node's WebSocket origin in connect-src, so that the
  // browser follows the 4016 redirect.
  test('the page of node A, as served, joins the room on node B by the redirect', async () => {
    const csp = (await fetch(nodes.a.http + '/')).headers.get('content-security-policy') ?? '';
    assert.ok(csp.includes(nodes.b.url.replace(/\/ws$/, '')), `node A's page policy names node B: ${csp}`);
    joined = await joinFromA('a');
  });

  test('the page receives B’s snapshots and its own snake moves', async () => {
    const { page } = joined;
    const first = await debug(page);
    const t0 = first.snapshot.tick;
    const later = await eventually(async () => {
      const x = await debug(page);
      return x.snapshot.tick >= t0 + 10 ? x : null;
    }, 5000, 'ten ticks more');
    assert.ok(later.snapshot.tick > t0);
    const me = later.player;
    // Alive, and its head somewhere else a few ticks on.
    const alive = await eventually(async () => {
      const x = await debug(page);
      const s = x.snapshot.snakes.find((s) => s.player === me);
      return s?.status === ALIVE && s.cells.length >= 2 ? { tick: x.snapshot.tick, head: s.head } : null;
    }, 8000, 'the own snake alive on the page');
    await eventually(async () => {
      const x = await debug(page);
      const s = x.snapshot.snakes.find((s) => s.player === me);
      return x.snapshot.tick > alive.tick && s?.status === ALIVE && s.head !== alive.head;
    }, 3000, 'the own snake moving');
    assert.match((await debug(page)).names[me], /^guest/, 'the page joined under the lobby’s default name');
  });

  test('a key press turns the own snake on B', async () => {
    // The probe watches on B directly: what B holds, not what the page shows.
    probe = await startProbe(bins.probe, nodes.b.url, roomId);
    assert.equal(probe.welcome?.room, roomId);
    const { page } = joined;
    const { player, snapshot } = await debug(page);
    const { width: w, height: h } = snapshot;
    await page.click('#board'); // keys go to the game, not the chat box
    for (let attempt = 1; ; attempt++) {
      const snap = await probe.waitFor((m) => probe.snake(player, m)?.status === ALIVE, 10_000, `player ${player} alive`);
      const me = probe.snake(player, snap);
      const sides = [(me.dir + 1) % 4, (me.dir + 3) % 4];
      const to = space(me.head, sides[0], w, h) >= space(me.head, sides[1], w, h) ? sides[0] : sides[1];
      const pressedAt = probe.latest.tick;
      await page.keyboard.press(DIR_KEYS[to]);
      try {
        await probe.waitFor((m) => m.tick > pressedAt && probe.snake(player, m)?.status === ALIVE && probe.snake(player, m).dir === to, 1500, `turning to ${to}`);
        break;
      } catch (err) {
        // It may die before the next tick on a small board: again.
        if (attempt >= 6) throw err;
      }
    }
    await eventually(async () => {
      const x = await debug(page);
      return x.inputSeq >= 1 && x.ack === x.inputSeq;
    }, 3000, 'the input acknowledged by B');
  });

  test('node B hosts the player, node A hosts nothing', async () => {
    const onB = (await rooms(nodes.b)).find((r) => r.id === roomId);
    assert.equal(onB?.players, 1, 'B’s listing: one player in the room');
    assert.equal(onB.node, nodes.b.url);
    const onA = await eventually(async () => {
      const r = (await rooms(nodes.a)).find((r) => r.id === roomId);
      return r?.players === 1 ? r : null;
    }, 5000, 'A’s listing up to date');
    assert.equal(onA.node, nodes.b.url);
    for (const r of await rooms(nodes.a)) assert.equal(r.node, nodes.b.url, `room ${r.id} in A’s listing is B’s`);
    // What each process itself hosts.
    assert.equal(await metric(nodes.a, 'tickroom_rooms'), 0, 'A hosts no room');
    assert.equal(await metric(nodes.b, 'tickroom_rooms'), 1, 'B hosts the room');
    assert.equal(await metric(nodes.a, 'tickroom_players{state="connected"}') ?? 0, 0, 'no player on A');
    assert.equal(await metric(nodes.b, 'tickroom_players{state="connected"}'), 1, 'the player on B');
  });

  test('no errors in the page', async (t) => {
    const { name, page } = joined;
    assert.deepEqual(pages[name].errors, []);
    // What the page told the player about the redirect.
    const log = await page.textContent('#log');
    t.diagnostic(`page log: ${log}`);
  });
});
