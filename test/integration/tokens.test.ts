import type { Driver } from 'neo4j-driver';
import { loadConfig } from '../../src/config.js';
import { createDriver } from '../../src/db/driver.js';
import { Executor } from '../../src/db/executor.js';
import { migrate } from '../../src/db/migrations.js';
import { EPOCH_MS, TokenStore } from '../../src/services/tokens.js';
import { cypher, resetDatabase } from '../support/api.js';
import { recordingSessions } from '../support/sessions.js';

/**
 * The token store as each replica runs it: authentication only reads (a reader serves it in
 * a cluster), when a token was used is written later in one write, and a revocation made
 * by another process clears this one's cache through the token epoch, well within the
 * cache's own 5 s.
 */
const config = loadConfig();
const drivers: Driver[] = [];
const stores: TokenStore[] = [];
/** A process's token store over a driver of its own; `sessions` lists every session it opened. */
function processStore() {
  const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
  drivers.push(driver);
  const recorded = recordingSessions(driver);
  const store = new TokenStore(new Executor(recorded.driver, { database: config.neo4j.database, txTimeoutMs: 5_000, scope: null }));
  stores.push(store);
  return { store, sessions: recorded.sessions };
}
const lastUsedAt = async (id: string) => (await cypher('MATCH (t:Token {id: $id}) RETURN t.lastUsedAt AS at', { id })).records[0].get('at');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await resetDatabase();
  const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
  drivers.push(driver);
  await migrate(new Executor(driver, { database: config.neo4j.database, txTimeoutMs: 60_000 }));
}, 120_000);
afterAll(async () => {
  for (const store of stores) await store.stop().catch(() => undefined);
  for (const driver of drivers) await driver.close();
});

it('authenticates by reading, and writes when tokens were used later, in one write for all of them', async () => {
  const { store, sessions } = processStore();
  const made = await Promise.all(['one', 'two'].map((name) => store.create({ name, role: 'reader', projects: ['tokens'] })));
  sessions.splice(0);
  for (let i = 0; i < 3; i++) for (const { token, record } of made) expect(await store.authenticate(token)).toMatchObject({ tokenId: record.id, role: 'reader' });
  // one lookup per token, each a read; the cache answers the rest
  expect(sessions.map((s) => s.defaultAccessMode)).toEqual(['READ', 'READ']);
  for (const { record } of made) expect(await lastUsedAt(record.id)).toBeNull();

  const flushed = Date.now();
  await store.stop();
  expect(sessions.slice(2).map((s) => s.defaultAccessMode)).toEqual(['WRITE']);
  for (const { record } of made) expect(Math.abs(new Date(String(await lastUsedAt(record.id))).getTime() - flushed)).toBeLessThan(2_000);
});

it('looks a token the reader does not know up again where writes go before refusing it', async () => {
  const { store, sessions } = processStore();
  expect(await store.authenticate('pdg_nobody')).toBeNull();
  expect(sessions.map((s) => s.defaultAccessMode)).toEqual(['READ', 'WRITE']);
});

it(`refuses a token another process revoked within about ${EPOCH_MS / 1000} s, though it had just cached it for 5 s`, async () => {
  const here = processStore().store;
  const elsewhere = processStore().store;
  const errors: unknown[] = [];
  await here.start((error) => errors.push(error));
  const { token, record } = await elsewhere.create({ name: 'revoked-elsewhere', role: 'reader', projects: ['tokens'] });
  expect(await here.authenticate(token)).not.toBeNull();
  await elsewhere.revoke(record.id);
  const revoked = Date.now();
  while (await here.authenticate(token)) {
    if (Date.now() - revoked > 5_000) throw new Error('the cache outlived the revocation');
    await sleep(20);
  }
  expect(Date.now() - revoked).toBeLessThan(EPOCH_MS * 2.5);
  expect(errors).toEqual([]);
});
