import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

/**
 * scripts/build-if-changed.mjs (what `npm start` runs first) in a package of its own whose
 * `build` only counts its runs: it builds when there is no build yet and after any input
 * changed, added or removed, and skips otherwise.
 */
let root: string;
const builds = () => Number(readFileSync(join(root, 'dist', 'builds'), 'utf8'));

function run() {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-changed.mjs')], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
}

/** Sets a path's time a little into the past, so a later change is newer even on a coarse clock. */
const age = (path: string) => utimesSync(path, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'pedigree-build-'));
  mkdirSync(join(root, 'scripts'));
  copyFileSync(join(packageRoot, 'scripts', 'build-if-changed.mjs'), join(root, 'scripts', 'build-if-changed.mjs'));
  const count = `const fs = require('fs'); fs.mkdirSync('dist', {recursive: true}); let n = 0; try { n = +fs.readFileSync('dist/builds', 'utf8'); } catch {} fs.writeFileSync('dist/builds', String(n + 1));`;
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fixture', private: true, scripts: { build: `node -e "${count}"` } }));
  for (const dir of ['src', 'resolvers', 'explorer']) mkdirSync(join(root, dir));
  for (const file of ['src/main.ts', 'resolvers/index.ts', 'explorer/style.css', 'tsconfig.json']) {
    writeFileSync(join(root, file), '');
    age(join(root, file));
  }
  for (const dir of ['src', 'resolvers', 'explorer']) age(join(root, dir));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('builds once, then only after a source is changed, added or removed', () => {
  run();
  expect(builds()).toBe(1);
  run();
  expect(builds()).toBe(1);

  writeFileSync(join(root, 'explorer', 'style.css'), 'body {}');
  run();
  expect(builds()).toBe(2);
  run();
  expect(builds()).toBe(2);

  writeFileSync(join(root, 'src', 'new.ts'), '');
  run();
  expect(builds()).toBe(3);

  rmSync(join(root, 'src', 'new.ts'));
  run();
  expect(builds()).toBe(4);

  writeFileSync(join(root, 'tsconfig.json'), '{}');
  run();
  expect(builds()).toBe(5);
  run();
  expect(builds()).toBe(5);
});
