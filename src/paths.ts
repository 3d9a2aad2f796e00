import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found from this file so it works from `src/` (tests) and `dist/src/` (built). */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot();
export const schemaDir = join(packageRoot, 'schema');
export const neo4jLocalDir = join(packageRoot, 'src', 'neo4j-local');
export const explorerDir = join(packageRoot, 'dist', 'explorer');
