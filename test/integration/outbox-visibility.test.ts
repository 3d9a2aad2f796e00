/**
 * Neo4j reads without snapshots: a statement can see a committing transaction's new event
 * counter before the event it numbers. Here that moment is made to last (the counter moved,
 * the event not there yet), and neither the webhook queue nor the subscriptions' reader may
 * move past the missing event: once it is there, it is queued and heard. Before, both
 * skipped it for good, and the change-event bench saw webhooks lose one event in a few hundred.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { eventCountersQuery } from '../../src/db/cypher/events.js';
import { queueEventsQuery } from '../../src/db/cypher/webhooks.js';
import { createDriver } from '../../src/db/driver.js';
import { Executor } from '../../src/db/executor.js';
import { migrate } from '../../src/db/migrations.js';
import type { StoredEvent } from '../../src/domain/events.js';
import { OutboxReader } from '../../src/services/outbox.js';
import { cypher, resetDatabase } from '../support/api.js';

const config = loadConfig();
const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
const executor = new Executor(driver, { database: config.neo4j.database, txTimeoutMs: 5000 });
const PROJECT = 'visibility';

beforeAll(async () => {
  await resetDatabase();
  await migrate(executor);
  await cypher('CREATE (:EventCounter {project: $p, seq: 0})', { p: PROJECT });
});
afterAll(() => driver.close());

/** Events as a committed transaction leaves them: the counter at `seq`, the events up to it. */
const counterAt = (seq: number) => cypher('MATCH (c:EventCounter {project: $p}) SET c.seq = $seq', { p: PROJECT, seq });
const event = (seq: number) =>
  cypher("CREATE (:OutboxEvent {id: $id, project: $p, seq: $seq, type: 'alias.moved', at: datetime(), by: 'test', data: $data})", {
    id: randomUUID(),
    p: PROJECT,
    seq,
    data: JSON.stringify({ n: seq }),
  });

it('the webhook queue stops before an event its counter already counts, and queues it once it is there', async () => {
  const id = randomUUID();
  await cypher("CREATE (:Webhook {id: $id, project: $p, url: 'http://127.0.0.1/x', types: ['alias.moved'], secret: 's', active: true, cursor: 0})", { id, p: PROJECT });
  await event(1);
  await event(2);
  await counterAt(3); // event 3's transaction: counter seen, event not yet
  await executor.write((tx) => tx.run(queueEventsQuery(id, 100)));
  const queued = async () => (await cypher('MATCH (d:WebhookDelivery {webhookId: $id}) RETURN d.seq AS seq ORDER BY seq', { id })).records.map((r) => Number(r.get('seq')));
  const cursor = async () => Number((await cypher('MATCH (w:Webhook {id: $id}) RETURN w.cursor AS c', { id })).records[0].get('c'));
  expect(await queued()).toEqual([1, 2]);
  expect(await cursor()).toBe(2);

  await event(3);
  await executor.write((tx) => tx.run(queueEventsQuery(id, 100)));
  expect(await queued()).toEqual([1, 2, 3]);
  expect(await cursor()).toBe(3);
});

it("the subscriptions' reader hands out events up to the first it cannot see, and that one at its next poll", async () => {
  const reader = new OutboxReader(executor, 20, (error) => {
    throw error;
  });
  await reader.start(); // from the counter as it is now: 3
  const heard: number[] = [];
  reader.listen((e: StoredEvent) => heard.push(e.seq));
  await event(4);
  await counterAt(5); // event 5 counted, not yet there
  await reader.poke();
  expect(heard).toEqual([4]);

  await event(5);
  await reader.poke();
  await reader.stop();
  expect(heard).toEqual([4, 5]);
});

it('with no listener the reader reads the counters alone, wakes its watchers for a move and the poll after it, and a later listener hears only what follows', async () => {
  const statements: string[] = [];
  const counting = new Executor(driver, { database: config.neo4j.database, txTimeoutMs: 5000, onQuery: (q) => statements.push(q.cypher) });
  const reader = new OutboxReader(counting, 60_000, (error) => {
    throw error;
  });
  await reader.start(); // the counter at 5
  let woken = 0;
  reader.watch(() => woken++);
  await event(6);
  await counterAt(6);
  statements.length = 0;
  await reader.poke();
  expect(statements).toEqual([eventCountersQuery().cypher]);
  expect(woken).toBe(1);
  await reader.poke(); // nothing moved, but the move before may have had an event not visible yet
  expect(woken).toBe(2);
  await reader.poke();
  expect(woken).toBe(2);

  const heard: number[] = [];
  reader.listen((e: StoredEvent) => heard.push(e.seq));
  await event(7);
  await counterAt(7);
  await reader.poke();
  await reader.stop();
  expect(heard).toEqual([7]);
  expect(woken).toBe(3);
});
