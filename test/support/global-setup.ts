import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The global setup runs outside Jest's module mapping, so it uses the built launcher.
import { startLocalNeo4j } from '../../dist/src/neo4j-local/launcher.js';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Testcontainers answers in milliseconds when there is no container engine. */
async function dockerEngine(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * One real Neo4j for the whole run: NEO4J_URI when set; else a Testcontainers Neo4j where
 * a Docker engine answers; else the local embedded launcher on a fresh store. Workers
 * inherit the NEO4J_* variables set here.
 */
export default async function globalSetup() {
  const g = globalThis as { __pedigreeStop?: () => Promise<void> };
  // every API the tests start registers this admin token; the helpers send it
  process.env.PEDIGREE_ADMIN_TOKEN ||= `pdg_test_${Date.now().toString(36)}`;
  if (process.env.NEO4J_URI) {
    console.log(`\nTests use NEO4J_URI=${process.env.NEO4J_URI}`);
    return;
  }
  if (await dockerEngine()) {
    const { Neo4jContainer } = await import('@testcontainers/neo4j');
    const container = await new Neo4jContainer('neo4j:5.26-community').withPassword('pedigree-test').start();
    process.env.NEO4J_URI = container.getBoltUri();
    process.env.NEO4J_USER = container.getUsername();
    process.env.NEO4J_PASSWORD = container.getPassword();
    g.__pedigreeStop = async () => void (await container.stop());
    console.log(`\nTests use a Testcontainers Neo4j at ${process.env.NEO4J_URI}`);
    return;
  }
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'pedigree-test-'));
  const local = await startLocalNeo4j({ dataDir, port: await freePort(), quickJit: true, log: (line) => console.log(line) });
  process.env.NEO4J_URI = local.uri;
  process.env.PEDIGREE_TEST_STORE = dataDir;
  g.__pedigreeStop = local.stop;
  console.log(`\nTests use the local Neo4j at ${local.uri} (started in ${((Date.now() - started) / 1000).toFixed(1)}s)`);
}
