import { loadConfig } from '../../src/config.js';
import { createDriver } from '../../src/db/driver.js';
import { Executor } from '../../src/db/executor.js';
import { isMigrated, migrate } from '../../src/db/migrations.js';
import { PedigreeError } from '../../src/domain/errors.js';
import { cypher, resetDatabase } from '../support/api.js';

const config = loadConfig();
const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
const executor = new Executor(driver, { database: config.neo4j.database, txTimeoutMs: 2000 });

beforeAll(async () => {
  await resetDatabase();
  await migrate(executor);
});
afterAll(() => driver.close());

it('maps a uniqueness violation to CONFLICT and rolls the whole transaction back', async () => {
  await executor.write((tx) => tx.run({ cypher: "CREATE (:Entity:Datum {id: 'same', project: 'x', uri: 'datum://same'})" }));
  const attempt = executor.write(async (tx) => {
    await tx.run({ cypher: "CREATE (:Entity:Datum {id: 'first-of-two', project: 'x', uri: 'datum://a'})" });
    await tx.run({ cypher: "CREATE (:Entity:Datum {id: 'same', project: 'x', uri: 'datum://b'})" });
  });
  await expect(attempt).rejects.toMatchObject({ code: 'CONFLICT' });
  await expect(attempt).rejects.toBeInstanceOf(PedigreeError);
  const { records } = await cypher("MATCH (n {id: 'first-of-two'}) RETURN count(n) AS n");
  expect(records[0].get('n').toNumber()).toBe(0);
});

it('maps a transaction past its time limit to LIMIT_EXCEEDED', async () => {
  const slow = executor.query({ cypher: 'UNWIND range(1, 100000000) AS i WITH i WHERE i % 7 = 100 RETURN count(i) AS n' });
  await expect(slow).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
}, 30_000);

it('applies migrations idempotently: every label has a unique id constraint', async () => {
  await migrate(executor);
  const { records } = await cypher('SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type WHERE type = "UNIQUENESS" RETURN labelsOrTypes[0] AS label, properties');
  const withId = records.filter((r) => r.get('properties').join() === 'id').map((r) => r.get('label')).sort();
  expect(withId).toEqual(['Alias', 'AuditEntry', 'Dataset', 'DatasetVersion', 'Datum', 'Entity', 'Execution', 'MetadataEntry', 'Migration', 'Model', 'ModelVersion', 'OutboxEvent', 'Project', 'Tag', 'Token', 'Webhook']);
});

it('tells whether the schema is in place, for readiness', async () => {
  expect(await isMigrated(executor)).toBe(true);
  await executor.schema('DROP INDEX datum_sha256');
  expect(await isMigrated(executor)).toBe(false);
  await migrate(executor);
  expect(await isMigrated(executor)).toBe(true);
});
