import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalNeo4j } from '../dist/src/neo4j-local/launcher.js';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * The Neo4j a bench runs against: NEO4J_URI when set, else a local one on a temporary
 * store. `pid` (local only) lets a bench read Neo4j's CPU time; `stop` also removes the store.
 */
export async function benchNeo4j({ heap = '1g', log = () => {} } = {}) {
  if (process.env.NEO4J_URI) return { uri: process.env.NEO4J_URI, pid: null, stop: async () => {} };
  const dataDir = mkdtempSync(join(tmpdir(), 'pedigree-bench-'));
  const remove = () => rmSync(dataDir, { recursive: true, force: true });
  log('starting a local Neo4j on a temporary store');
  try {
    const local = await startLocalNeo4j({ dataDir, port: await freePort(), heap });
    return {
      uri: local.uri,
      pid: local.pid,
      stop: async () => {
        await local.stop();
        remove();
      },
    };
  } catch (error) {
    remove();
    throw error;
  }
}

/** Runs one statement in a session of its own as an auto-commit transaction, as the API sends a single read. */
export const autoCommit = (driver, database) => async (statement, params = {}) => {
  const session = driver.session({ database });
  try {
    return await session.run(statement, params);
  } finally {
    await session.close();
  }
};
