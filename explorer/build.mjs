// Bundles the explorer page and its npm libraries into dist/explorer/, which the API serves
// at /explorer: the browser then loads nothing from outside the API.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const out = here('../dist/explorer/');

await mkdir(out, { recursive: true });
await build({
  entryPoints: [here('src/main.ts')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: 'es2022',
  outfile: `${out}explorer.js`,
  logLevel: 'warning',
});
await Promise.all(['index.html', 'style.css', 'favicon.svg'].map((file) => copyFile(here(file), `${out}${file}`)));
