// End-to-end: the SDK as a user gets it. npm pack makes the
// @tickroom/client tarball (its prepack generates the declarations); a
// fresh npm project in a temporary directory installs it, compiles a typed
// consumer against it with tsc --strict, and runs a Node program that joins
// a real tickroom server with it (e2e/packed/app.js).

import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

import { run, startServer, tempDir, webDir } from './harness.js';

const sdkDir = path.join(webDir, 'src/sdk');
const tsc = path.join(webDir, 'node_modules/.bin/tsc');

// npm, run from a test that npm runs, without the outer npm's settings of
// this project (its prefix, its package) in the environment: the fresh
// project must be on its own.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(package|lifecycle|config_(local_)?prefix)/i.test(k)));

let tmp;
let server;
let tarball;
let packedFiles;
let app;

before(async () => {
  tmp = await tempDir();
  const bin = path.join(tmp.dir, 'tickroom');
  await run('go', ['build', '-o', bin, './cmd/tickroom']);
  server = await startServer(bin, ['--drain-period', '0s']);
  const packed = JSON.parse(await run('npm', ['pack', '--json', '--silent', '--pack-destination', tmp.dir], { cwd: sdkDir, env }));
  tarball = path.join(tmp.dir, packed[0].filename);
  packedFiles = packed[0].files.map((f) => f.path).sort();
  app = path.join(tmp.dir, 'app');
  await mkdir(app);
  await writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }, null, 2));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], { cwd: app, env });
});

after(async () => {
  await server?.stop('SIGKILL');
  await tmp?.cleanup();
});

test('npm pack publishes the modules, the declarations, the README and the licence, nothing else', async () => {
  const files = packedFiles;
  for (const f of ['index.js', 'client.js', 'codec.js', 'types/index.d.ts', 'types/client.d.ts', 'README.md', 'LICENSE', 'package.json']) {
    assert.ok(files.includes(f), `${f} not in the tarball: ${files.join(' ')}`);
  }
  assert.deepEqual(
    files.filter((f) => !/^([a-z0-9]+\.js|types\/[a-z0-9]+\.d\.ts|README\.md|LICENSE|package\.json)$/.test(f)),
    [],
    'unexpected files in the tarball',
  );
  // Every module the entry point imports is there (the fresh project's
  // program below imports it for real).
  const index = await readFile(path.join(sdkDir, 'index.js'), 'utf8');
  for (const [, f] of index.matchAll(/from '\.\/([a-z0-9]+\.js)'/g)) assert.ok(files.includes(f), `${f} not in the tarball`);
  // publint on what is published, not on the work tree.
  const buf = await readFile(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) }, strict: true });
  assert.deepEqual(
    messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false })}`),
    [],
  );
});

test('a fresh project type-checks a consumer and the README example against the installed package', async () => {
  // test/sdk-types' consumer and its compiler options, and the README's
  // example, as a TypeScript project of its own.
  await copyFile(path.join(webDir, 'test/sdk-types/consumer.ts'), path.join(app, 'consumer.ts'));
  await copyFile(path.join(webDir, 'test/sdk-types/tsconfig.json'), path.join(app, 'tsconfig.consumer.json'));
  const readme = await readFile(path.join(app, 'node_modules', '@tickroom', 'client', 'README.md'), 'utf8');
  const example = readme.match(/## Example[\s\S]*?```js\n([\s\S]*?)```/);
  assert.ok(example, 'no example in the README');
  await writeFile(path.join(app, 'example.ts'), example[1]);
  await writeFile(path.join(app, 'tsconfig.json'), JSON.stringify({ extends: './tsconfig.consumer.json', files: ['consumer.ts', 'example.ts'] }));
  const out = await run(tsc, ['--noEmit', '--strict', '-p', 'tsconfig.json', '--pretty', 'false'], { cwd: app });
  assert.equal(out.trim(), '');
});

test('a fresh project joins a real server with the installed package', async () => {
  // Node 22 has a global WebSocket; 20 and 21 have it behind a flag.
  const flags = typeof WebSocket === 'undefined' ? ['--experimental-websocket'] : [];
  await copyFile(path.join(webDir, 'e2e/packed/app.js'), path.join(app, 'app.js'));
  const out = await run(process.execPath, [...flags, 'app.js', server.ws], { cwd: app, env });
  const report = JSON.parse(out.trim().split('\n').pop());
  assert.equal(report.subprotocol, 'tickroom.v2');
  assert.deepEqual(report.protocolErrors, []);
  assert.deepEqual(report.serverErrors, []);
  // The welcome, then snapshots of the room.
  const { welcome, snapshot, info } = report;
  assert.equal(welcome.game, 'snake');
  assert.equal(welcome.tickRate, 20);
  assert.ok(welcome.player >= 1 && welcome.room, JSON.stringify(welcome));
  assert.deepEqual(welcome.players.at(-1), { player: welcome.player, name: 'packed' });
  // A returning player: the server keeps its key (the harness gives the
  // server a data directory of its own) and gives it a stable id.
  assert.equal(report.keyOk, true);
  assert.ok(welcome.playerId >= 1, `playerId ${welcome.playerId}`);
  assert.deepEqual(report.record, { id: welcome.playerId, name: 'packed', created: true });
  assert.equal(snapshot.base, 0, 'the first snapshot is a full state');
  assert.ok(snapshot.tick >= 0 && snapshot.bytes > 0, JSON.stringify(snapshot));
  assert.deepEqual(snapshot.state.slice(1), [64, 64], 'Snake state [tick, width, height, ...]');
  assert.deepEqual(report.input, { seq: 1, ack: report.input.ack });
  assert.ok(report.input.ack >= 1, 'the input was acknowledged');
  // room.info describes the room joined; the player is its host.
  assert.equal(info.id, welcome.room);
  assert.equal(info.game, 'snake');
  assert.equal(info.host, welcome.player);
  assert.equal(info.locked, false);
  assert.equal(info.spectators, 0);
  assert.ok(info.maxPlayers >= 1 && info.tick >= snapshot.tick, JSON.stringify(info));
  assert.deepEqual(info.players, [[welcome.player, 'packed']]);
  // Refused requests reject with the package's RequestError.
  assert.deepEqual(report.kickSelf, { error: 'RequestError', code: 'bad_request', kind: 'room.kick' });
  assert.deepEqual(report.unknown, { error: 'RequestError', code: 'unknown_request', kind: 'no.such.request' });
  // The player's own joined event, then a leave the server confirms.
  assert.deepEqual(report.events[0], { kind: 'joined', data: [welcome.player, 'packed'] });
  assert.deepEqual(report.states, ['connecting', 'open', 'closed']);
  assert.equal(report.closed.code, 1000);
  assert.equal(report.closed.name, 'normal');
  assert.equal(report.finalState, 'closed');
});
