// Builds the browser game into dist/: index.html, and under assets/ the
// bundled script and stylesheet with content hashes in their names (so the
// server may cache them for good) and the icon. The Go package in this
// directory embeds dist/; dist/.keep stays so that it builds without Node.

import { build } from 'esbuild';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
const assets = path.join(dist, 'assets');

async function clean() {
  await mkdir(dist, { recursive: true });
  for (const name of await readdir(dist)) {
    if (name !== '.keep') await rm(path.join(dist, name), { recursive: true, force: true });
  }
  await mkdir(assets, { recursive: true });
}

async function main() {
  const started = Date.now();
  await clean();
  const result = await build({
    entryPoints: { app: path.join(here, 'src/main.js'), style: path.join(here, 'src/styles.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome100', 'firefox100', 'safari15.4'],
    outdir: assets,
    entryNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) => path.relative(dist, path.resolve(f)));
  const js = outputs.find((f) => f.endsWith('.js'));
  const css = outputs.find((f) => f.endsWith('.css'));
  if (!js || !css) throw new Error(`build: missing outputs in ${outputs.join(', ')}`);
  const html = (await readFile(path.join(here, 'index.html'), 'utf8'))
    .replace('{{APP_JS}}', `/${js}`)
    .replace('{{APP_CSS}}', `/${css}`);
  if (html.includes('{{')) throw new Error('build: index.html has an unfilled placeholder');
  await writeFile(path.join(dist, 'index.html'), html);
  await copyFile(path.join(here, 'favicon.svg'), path.join(assets, 'favicon.svg'));
  const sizes = await Promise.all(
    [js, css].map(async (f) => `${f} ${((await readFile(path.join(dist, f))).length / 1024).toFixed(1)} KiB`),
  );
  console.log(`web: built dist/ in ${Date.now() - started} ms: ${sizes.join(', ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
