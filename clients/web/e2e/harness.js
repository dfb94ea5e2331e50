// The end-to-end tests' surroundings: the real tickroom binary, a TCP proxy
// that can cut the browser's connections like a lost network would (or
// delay them like a far one), the Go probe that watches a room from the
// server's side, and headless Chromium.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = path.resolve(webDir, '../..');

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Runs a command to completion; rejects with its output when it fails. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: repoDir, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}\n${out}`))));
  });
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tickroom-e2e-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Builds the server (embedding the freshly built dist/) and the probe.
 * Returns their paths.
 */
export async function buildBinaries(dir) {
  const server = path.join(dir, 'tickroom');
  const probe = path.join(dir, 'probe');
  await run('go', ['build', '-o', server, './cmd/tickroom']);
  await run('go', ['build', '-o', probe, './clients/web/e2e/probe']);
  return { server, probe };
}

/** Waits for a line of a child's output that matches re; returns the match. */
function waitForLine(stream, re, ms, what) {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: stream });
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    lines.on('line', (l) => {
      const m = l.match(re);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });
}

/**
 * Starts `tickroom serve` on 127.0.0.1 and a free port; resolves when it
 * logs its address. Its log is kept in .log for failure messages. Its data
 * goes to a temporary directory of its own (TICKROOM_DATA_DIR, removed
 * when it exits), never to ~/.local/share: a test that keeps data across
 * restarts passes --data-dir, which wins over the variable.
 */
export async function startServer(bin, extraArgs = [], env = {}) {
  const data = await tempDir();
  const p = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--log-format', 'text', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, TICKROOM_DATA_DIR: data.dir, ...env },
  });
  const exited = new Promise((r) => p.on('exit', (code, sig) => r({ code, sig })));
  const server = { proc: p, log: [], exited: exited.then(async (r) => { await data.cleanup(); return r; }) };
  readline.createInterface({ input: p.stderr }).on('line', (l) => {
    server.log.push(l);
    if (server.log.length > 500) server.log.shift();
  });
  const [, addr] = await waitForLine(p.stderr, /tickroom serving.*addr=(127\.0\.0\.1:\d+)/, 20_000, 'tickroom serving line');
  server.addr = addr;
  server.http = `http://${addr}`;
  server.ws = `ws://${addr}/ws`;
  server.stop = async (signal = 'SIGTERM') => {
    if (p.exitCode === null && p.signalCode === null) p.kill(signal);
    return server.exited;
  };
  return server;
}

/**
 * A TCP proxy in front of the server. dropAll() cuts every connection
 * through it at once, with no WebSocket close handshake: to the browser and
 * the server alike it looks like a lost network. With delayMs, every byte
 * takes that much longer each way (a fixed one-way latency, in order).
 */
export async function startProxy(target, { delayMs = 0 } = {}) {
  const [host, port] = target.split(':');
  const sockets = new Set();
  const srv = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    for (const s of [client, upstream]) {
      s.setNoDelay(true); // no Nagle: a small write goes now, not with the next
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream, delayMs);
    relay(upstream, client, delayMs);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port: own } = srv.address();
  return {
    http: `http://127.0.0.1:${own}`,
    delayMs,
    get open() {
      return sockets.size;
    },
    dropAll() {
      for (const s of sockets) s.resetAndDestroy?.() ?? s.destroy();
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        srv.close(r);
      }),
  };
}

// relay copies from one socket to the other, each chunk delayMs after it
// came, in order (the end too).
function relay(from, to, delayMs) {
  if (!delayMs) {
    from.pipe(to);
    return;
  }
  const queue = []; // {at, data}; data null for the end
  let timer;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0].at <= now) {
      const { data } = queue.shift();
      if (to.destroyed) continue;
      if (data === null) to.end();
      else to.write(data);
    }
    if (queue.length) timer = setTimeout(flush, queue[0].at - now);
  };
  const push = (data) => {
    queue.push({ at: performance.now() + delayMs, data });
    timer ??= setTimeout(flush, delayMs);
  };
  from.on('data', push);
  from.on('end', () => push(null));
}

/**
 * Starts the probe on a room. It keeps the latest snapshot, the recent ones
 * by tick (at) and every event it prints; waitFor(pred) resolves with the
 * first snapshot (old or new) for which pred holds.
 */
export async function startProbe(bin, wsURL, room, { bots = 0, watch = true } = {}) {
  const p = spawn(bin, ['-url', wsURL, '-room', room, '-bots', String(bots), `-watch=${watch}`], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const probe = { proc: p, latest: undefined, events: [], errors: [], waiters: new Set(), byTick: new Map() };
  let stderr = '';
  p.stderr.on('data', (d) => (stderr += d));
  readline.createInterface({ input: p.stdout }).on('line', (l) => {
    const m = JSON.parse(l);
    if (m.type === 'snapshot') {
      probe.latest = m;
      probe.byTick.set(m.tick, m);
      if (probe.byTick.size > 600) probe.byTick.delete(probe.byTick.keys().next().value);
      for (const w of probe.waiters) w(m);
    } else if (m.type === 'event') probe.events.push(m);
    else if (m.type === 'error') probe.errors.push(m.error);
    else if (m.type === 'welcome') probe.welcome = m;
  });
  probe.exited = new Promise((r) => p.on('exit', (code) => r(code)));
  probe.stderr = () => stderr;
  probe.snake = (player, snap = probe.latest) => snap?.snakes.find((s) => s.player === player);
  // The snapshot of a tick, waiting for the probe to get there if need be
  // (undefined when the probe skipped that tick).
  probe.at = async (tick, ms = 5000) => {
    if (!probe.byTick.has(tick)) await probe.waitFor((m) => m.tick >= tick, ms, `tick ${tick}`);
    return probe.byTick.get(tick);
  };
  probe.waitFor = (pred, ms, what) =>
    new Promise((resolve, reject) => {
      if (probe.latest && pred(probe.latest)) return resolve(probe.latest);
      const timer = setTimeout(() => {
        probe.waiters.delete(check);
        reject(new Error(`probe: ${what} not seen within ${ms} ms (stderr: ${stderr.trim()})`));
      }, ms);
      const check = (m) => {
        if (!pred(m)) return;
        clearTimeout(timer);
        probe.waiters.delete(check);
        resolve(m);
      };
      probe.waiters.add(check);
    });
  probe.stop = async () => {
    p.stdin.end(); // the probe exits when its stdin closes
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    await probe.exited;
    clearTimeout(timer);
  };
  if (watch) await probe.waitFor(() => true, 10_000, 'a first snapshot');
  return probe;
}

/** Polls fn (async) until it returns a truthy value; returns that value. */
export async function eventually(fn, ms, what) {
  const until = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Opens a page of the game in a fresh browser context and records it in
 * pages[name] with the errors it logs. The browser's own notes on lost
 * connections and 404s are expected; with strictWarnings, the client's own
 * warnings (a resync, say) count as errors too. beforeGoto(page), when
 * given, runs before the page loads.
 */
export async function openPage(browser, pages, name, url, { viewport = { width: 1280, height: 800 }, strictWarnings = false, beforeGoto } = {}) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  beforeGoto?.(page); // to listen to the page from its first request
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (m) => {
    const benign = /^WebSocket connection to .* failed|^Failed to load resource/;
    if (m.type() === 'error' && !benign.test(m.text())) errors.push(`console: ${m.text()}`);
    if (strictWarnings && m.type() === 'warning' && /tickroom:/.test(m.text())) errors.push(`console warning: ${m.text()}`);
  });
  await page.goto(url);
  pages[name] = { page, errors, context };
  return page;
}

/** The page's read-only debug hook. */
export const debug = (page) => page.evaluate(() => window.__tickroom);

/** Quick play under name; resolves once the page is in a room with a snapshot. */
export async function quickPlay(page, name) {
  await page.fill('#name', name);
  await page.click('#quick');
  return eventually(
    async () => {
      const d = await debug(page);
      return d?.state === 'open' && d.snapshot ? d : null;
    },
    10_000,
    `${name} in a room with a snapshot`,
  );
}
