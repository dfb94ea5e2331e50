// The SDK as the npm package @tickroom/client (src/sdk/package.json): its
// declarations, generated from the JSDoc as npm pack's prepack does, type a
// consumer correctly under tsc --strict, and publint finds nothing wrong
// with the package. e2e/package.test.js installs the packed tarball in a
// fresh project and uses it against a real server.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { before, test } from 'node:test';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sdkDir = path.join(webDir, 'src/sdk');
const tsc = path.join(webDir, 'node_modules/.bin/tsc');
const pkg = JSON.parse(readFileSync(path.join(sdkDir, 'package.json'), 'utf8'));

// npm, run from a test that npm runs, without the outer npm's settings of
// this project (its prefix, its package) in the environment.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(package|lifecycle|config_(local_)?prefix)/i.test(k)));

/** Runs a command; resolves with its output, rejects with it on failure. */
async function run(cmd, args, cwd) {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { cwd, env, timeout: 120_000 });
    return stdout + stderr;
  } catch (err) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')}: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

before(async () => {
  await run('npm', ['run', '--silent', 'types'], sdkDir);
});

test('package.json describes the published package', () => {
  assert.equal(pkg.name, '@tickroom/client');
  assert.equal(pkg.private, undefined, 'the package is published');
  assert.equal(pkg.license, 'Apache-2.0');
  assert.equal(pkg.type, 'module');
  assert.match(pkg.description, /tickroom\.v2/);
  assert.equal(pkg.engines.node, '>=20');
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'default'], 'types first, then default');
  assert.equal(pkg.exports['.'].types, './types/index.d.ts');
  assert.equal(pkg.exports['.'].default, './index.js');
  assert.deepEqual(pkg.files, ['*.js', 'types/']);
  assert.equal(pkg.scripts.prepack, 'npm run --silent types', 'npm pack generates the declarations');
  // The browser game bundles the same modules with the same msgpack.
  const web = JSON.parse(readFileSync(path.join(webDir, 'package.json'), 'utf8'));
  assert.deepEqual(web.workspaces, ['src/sdk']);
  assert.equal(pkg.dependencies['@msgpack/msgpack'], web.dependencies['@msgpack/msgpack']);
});

test('tsc --noEmit --strict compiles a typed consumer against the declarations, and refuses wrong uses', async () => {
  // consumer.ts imports @tickroom/client through node_modules (the
  // workspace's link) and its exports' types condition; its
  // ts-expect-error lines fail the compile if a wrong use type-checks.
  const out = await run(tsc, ['--noEmit', '--strict', '-p', path.join(webDir, 'test/sdk-types/tsconfig.json')], webDir);
  assert.equal(out.trim(), '');
});

test('publint finds nothing to report in the package', async () => {
  const { messages, pkg: linted } = await publint({ pkgDir: sdkDir, strict: true, level: 'suggestion' });
  assert.deepEqual(
    messages.map((m) => `${m.type}: ${formatMessage(m, linted, { color: false })}`),
    [],
  );
});
