// Runs `npm run build` only when something it builds from changed since the last build this
// script ran, so `npm start` (and the other scripts that run the built code) start at once on
// an unchanged tree. The build compiles src/ and resolvers/ and bundles the explorer, which
// imports types from src/, so any change in one rebuilds everything, keeping the two in step.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const INPUTS = ['src', 'resolvers', 'explorer', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
/** Not build inputs: the embedded Neo4j's downloaded jars. */
const SKIPPED = new Set([join(root, 'src', 'neo4j-local', 'lib')]);
/** Its modification time is when the last successful build started. */
const STAMP = join(root, 'dist', '.build-stamp');

/**
 * The newest modification time under `path`. Directories count too: deleting or renaming a
 * file changes its directory's time, so a removed source also means a rebuild.
 */
function newest(path) {
  if (SKIPPED.has(path) || !existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : -1;
if (built >= Math.max(...INPUTS.map((input) => newest(join(root, input))))) process.exit(0);

// A source saved while the build runs is newer than this start time, so the next run builds again.
const started = new Date();
const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (build.status !== 0) process.exit(build.status ?? 1);
writeFileSync(STAMP, '');
utimesSync(STAMP, started, started);
