#!/usr/bin/env node
// The built CLI: `npm ci` builds it (the `prepare` script), and `npm install -g .` links the
// global `pedigree` command to this file, so it runs from this folder's dist/ wherever it is called.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error(`pedigree: the CLI is not built yet: run \`npm ci\` (or \`npm run build\`) in ${fileURLToPath(new URL('..', import.meta.url))}`);
  process.exit(1);
}
await import(main.href);
