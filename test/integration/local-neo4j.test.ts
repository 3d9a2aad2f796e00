import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDriver } from '../../src/db/driver.js';
import { startLocalNeo4j, type LocalNeo4j } from '../../src/neo4j-local/launcher.js';
import { freePort } from '../support/global-setup.js';

/**
 * The launcher itself, on a store of its own: it starts the real engine, refuses a second
 * process on the same store and a taken port with clear errors, and keeps data across a
 * restart. (The run's shared Neo4j may be a container; this always tests the launcher.)
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pedigree-launcher-'));
let neo4j: LocalNeo4j;

beforeAll(async () => {
  neo4j = await startLocalNeo4j({ dataDir, port: await freePort(), heap: '512m' });
}, 120_000);
afterAll(() => neo4j?.stop(), 60_000);

async function count(uri: string) {
  const driver = createDriver({ uri, user: 'neo4j', password: '' });
  try {
    const { records } = await driver.executeQuery('MATCH (n:LauncherProbe) RETURN count(n) AS n');
    return records[0].get('n').toNumber();
  } finally {
    await driver.close();
  }
}

it('refuses a second process on the same store with a clear error, not a hang', async () => {
  const started = Date.now();
  await expect(startLocalNeo4j({ dataDir, port: await freePort(), heap: '512m' })).rejects.toThrow(/store is already used by another Neo4j process/);
  expect(Date.now() - started).toBeLessThan(60_000);
}, 90_000);

it('refuses a taken port at once', async () => {
  const blocker = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    await expect(startLocalNeo4j({ dataDir: mkdtempSync(join(tmpdir(), 'pedigree-port-')), port })).rejects.toThrow(`Port ${port} on 127.0.0.1 is already taken`);
  } finally {
    blocker.close();
  }
});

it('keeps its data across a restart', async () => {
  const driver = createDriver({ uri: neo4j.uri, user: 'neo4j', password: '' });
  await driver.executeQuery('CREATE (:LauncherProbe)');
  await driver.close();
  await neo4j.stop();
  neo4j = await startLocalNeo4j({ dataDir, port: await freePort(), heap: '512m' });
  expect(await count(neo4j.uri)).toBe(1);
}, 120_000);
