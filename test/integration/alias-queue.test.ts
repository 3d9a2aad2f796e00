import { randomUUID } from 'node:crypto';
import type { Driver } from 'neo4j-driver';
import { loadConfig } from '../../src/config.js';
import { createDriver } from '../../src/db/driver.js';
import { outboxStatements } from '../../src/db/cypher/events.js';
import { Executor } from '../../src/db/executor.js';
import type { Principal } from '../../src/domain/roles.js';
import { AliasService } from '../../src/services/aliases.js';
import { cypher, resetDatabase } from '../support/api.js';
import { recordingSessions } from '../support/sessions.js';

/**
 * Moves of one alias queue inside the process; a move that waited checks its expectation
 * again before it takes the alias's lock. That check reads where writes go: a reader that
 * lags could show an older target and refuse an expectation that is still true, which no
 * later commit would fix.
 */
const config = loadConfig();
let driver: Driver;
const admin: Principal = { name: 'queue-test', role: 'admin', projects: '*', tokenId: null };

beforeAll(async () => {
  await resetDatabase();
  await cypher("UNWIND range(0, 2) AS i CREATE (:Entity:Datum {id: 'queue-' + i, project: 'queue', uri: 'datum://queue-' + i})");
  driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
});
afterAll(() => driver.close());

it('checks a queued move against the latest commit, where writes go, and refuses it without a transaction', async () => {
  const recorded = recordingSessions(driver);
  const aliases = new AliasService(new Executor(recorded.driver, { database: config.neo4j.database, txTimeoutMs: 10_000, scope: null, outbox: (events) => outboxStatements(events, admin.name, randomUUID) }), admin);
  await aliases.set({ project: 'queue', name: 'prod', datumId: 'queue-0' });
  recorded.sessions.splice(0);
  const moves = await Promise.allSettled(['queue-1', 'queue-2'].map((datumId) => aliases.set({ project: 'queue', name: 'prod', datumId, expectedDatumId: 'queue-0' })));
  expect(moves.map((m) => m.status).sort()).toEqual(['fulfilled', 'rejected']);
  expect(moves.find((m) => m.status === 'rejected')).toMatchObject({ reason: { extensions: { code: 'CONFLICT', field: 'expectedDatumId' } } });
  // the first move's transaction, then the queued move's check: both go where writes go
  expect(recorded.sessions.map((s) => s.defaultAccessMode)).toEqual(['WRITE', 'WRITE']);
});
