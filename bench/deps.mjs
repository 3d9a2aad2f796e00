// The benchmark's own packages (bench/package.json: @neo4j/graphql, the peer it is compared
// with, and autocannon), kept out of the project's install: installed here on first use,
// and again when bench/package-lock.json changes. Everything else (graphql, the driver,
// Apollo Server) comes from the project's node_modules, one folder up.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
// npm writes this record of what it installed after every install
const installed = join(benchDir, 'node_modules', '.package-lock.json');
const lock = join(benchDir, 'package-lock.json');
if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) process.exit(0);

console.error("[bench] installing the benchmark's own packages (bench/package.json), once");
const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: benchDir, stdio: 'inherit', shell: process.platform === 'win32' });
process.exit(install.status ?? 1);
