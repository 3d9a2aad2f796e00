/**
 * Change events across API processes over one Neo4j: three replicas, each with its own
 * outbox reader and webhook dispatcher. A change made through any replica reaches the
 * subscribers of every replica, and each webhook gets each event once while all three
 * replicas deliver. Then a replica is killed (SIGKILL) in the middle of a delivery and
 * started again: every committed event is still delivered, the interrupted one again with
 * the same webhook-id once the dead replica's claim lapses.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ADMIN_TOKEN, cypher, resetDatabase, sha } from '../support/api.js';
import { Receiver, verify } from '../support/receiver.js';
import { post, startReplicas, type Replica } from '../support/replicas.js';

const SETTINGS = {
  PEDIGREE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  PEDIGREE_WEBHOOK_TIMEOUT_MS: '2000',
  PEDIGREE_WEBHOOK_LEASE_MS: '3000',
  PEDIGREE_WEBHOOK_BACKOFF_MS: '200',
  PEDIGREE_WEBHOOK_POLL_MS: '100',
};

let receiver: Receiver;
let replicas: Replica[] = [];

async function ok(replica: Replica, query: string, variables: Record<string, unknown> = {}) {
  const { body } = await post(replica.url, query, variables);
  if (!body || body.errors) throw new Error(`${replica.name}: ${JSON.stringify(body)}`);
  return body.data;
}

/** Two datums in `project` and an alias moved between them, through whichever replica is given: one alias.moved event per move. */
async function aliasOf(replica: Replica, project: string) {
  const execution = (await ok(replica, `mutation($p: String!) { createExecution(input: {project: $p, name: "train"}) { id } }`, { p: project })).createExecution.id;
  const outputs = (await ok(replica, `mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, {
    e: execution,
    o: [0, 1].map((i) => ({ path: `${project}/${i}.bin`, size: 1, sha256: sha(`${project}${i}`) })),
  })).recordOutputs.map((d: { id: string }) => d.id);
  let moves = 0;
  return async (through: Replica) => {
    await ok(through, `mutation($p: String!, $d: ID!) { setAlias(project: $p, name: "prod", datumId: $d) { id } }`, { p: project, d: outputs[moves++ % 2] });
  };
}

async function webhook(replica: Replica, project: string, path: string) {
  const { createWebhook } = await ok(replica, `mutation($p: String!, $u: String!) { createWebhook(project: $p, url: $u, types: ["alias.moved"]) { secret webhook { id } } }`, { p: project, u: receiver.url(path) });
  return { id: createWebhook.webhook.id as string, secret: createWebhook.secret as string };
}

/** The ids of the project's events of `type` past its `after`th event, in commit order. */
async function eventIds(project: string, type: string, after = 0): Promise<string[]> {
  const { records } = await cypher('MATCH (e:OutboxEvent {project: $p, type: $type}) WHERE e.seq > $after RETURN e.id AS id ORDER BY e.seq', { p: project, type, after });
  return records.map((r) => r.get('id'));
}

async function delivered(replica: Replica): Promise<number> {
  const metrics = await (await fetch(`${replica.url}/metrics`)).text();
  return Number(/^pedigree_webhook_deliveries_total\{outcome="delivered"\} (\d+)/m.exec(metrics)![1]);
}

function subscriber(replica: Replica, project: string) {
  const heard: string[] = [];
  const client: Client = createClient({
    url: `${replica.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${ADMIN_TOKEN()}` },
    retryAttempts: 0,
  });
  const started = new Promise<void>((resolve) => {
    client.on('connected', () => setTimeout(resolve, 300));
  });
  client.subscribe<{ events: { id: string } }>(
    { query: `subscription($p: String!) { events(project: $p, types: ["alias.moved"]) { id } }` , variables: { p: project } },
    { next: (r) => void heard.push(r.data!.events.id), error: () => {}, complete: () => {} },
  );
  return { heard, started, close: () => client.dispose() };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function deliveryStatuses(webhookId: string): Promise<string[]> {
  const { webhookDeliveries } = await ok(replicas[0], `query($id: ID!) { webhookDeliveries(webhookId: $id) { edges { node { status } } } }`, { id: webhookId });
  return webhookDeliveries.edges.map((e: { node: { status: string } }) => e.node.status);
}

beforeAll(async () => {
  await resetDatabase();
  receiver = await Receiver.start();
  const uri = process.env.NEO4J_URI!;
  replicas = await startReplicas([uri, uri, uri], SETTINGS);
}, 180_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await receiver?.close();
}, 60_000);

it('hears on every replica what was changed through any, and delivers each event to each webhook once while all three deliver', async () => {
  const [a, b, c] = replicas;
  const move = await aliasOf(a, 'spread');
  const hooks = [await webhook(b, 'spread', '/spread-1'), await webhook(c, 'spread', '/spread-2')];
  const subscribers = replicas.map((r) => subscriber(r, 'spread'));
  await Promise.all(subscribers.map((s) => s.started));
  let made = 0;
  // round robin over the replicas until each has delivered something (the claim goes to whichever asks first)
  while (made < 12 || (made < 150 && (await Promise.all(replicas.map(delivered))).some((n) => n === 0))) {
    await move(replicas[made % 3]);
    made++;
  }
  const events = await eventIds('spread', 'alias.moved');
  expect(events).toHaveLength(made);
  for (const [i, hook] of hooks.entries()) {
    const got = await receiver.waitFor(`/spread-${i + 1}`, made, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at(`/spread-${i + 1}`).map((r) => r.headers['webhook-id'])).toEqual(events);
    for (const r of got) verify(hook.secret, r);
  }
  const counts = await Promise.all(replicas.map(delivered));
  expect({ counts, all: counts.every((n) => n > 0), total: counts.reduce((x, y) => x + y, 0) }).toEqual({ counts, all: true, total: 2 * made });
  await until('every subscriber hearing every event', () => subscribers.every((s) => s.heard.length >= made));
  for (const s of subscribers) expect(s.heard).toEqual(events);
  await Promise.all(subscribers.map((s) => s.close()));
}, 120_000);

it('delivers every committed event after a replica is killed mid-delivery and started again', async () => {
  for (const r of replicas.splice(1)) await r.stop();
  const [a] = replicas;
  const execution = (await ok(a, `mutation { createExecution(input: {project: "crash", name: "train"}) { id } }`)).createExecution.id;
  const datums = (await ok(a, `mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, {
    e: execution,
    o: [0, 1, 2, 3, 4].map((i) => ({ path: `crash/${i}.bin`, size: 1, sha256: sha(`crash${i}`) })),
  })).recordOutputs.map((d: { id: string }) => d.id);
  const { createWebhook } = await ok(a, `mutation($u: String!) { createWebhook(project: "crash", url: $u, types: ["metadata.logged"]) { secret webhook { id } } }`, { u: receiver.url('/crash') });
  const since = (await cypher("MATCH (c:EventCounter {project: 'crash'}) RETURN c.seq AS seq")).records[0].get('seq');
  // the third event's first delivery hangs, and the replica dies while it does
  const killed = new Promise<void>((resolve) => {
    receiver.rule('/crash', () => {
      if (receiver.at('/crash').length !== 3) return 200;
      void a.stop('SIGKILL').then(resolve);
      return 'hang';
    });
  });
  // five events in one transaction: all committed before the first is delivered
  const LOG_ALL = `mutation($d: [ID!]!, $p: JSONObject!) { applyMetadataAll(datumIds: $d, properties: $p) { target { id } } }`;
  await ok(a, LOG_ALL, { d: datums, p: { round: 1 } });
  await killed;
  const committed = await eventIds('crash', 'metadata.logged', since);
  expect(committed).toHaveLength(5);
  expect(receiver.at('/crash').map((r) => r.headers['webhook-id'])).toEqual(committed.slice(0, 3));
  replicas = await startReplicas([process.env.NEO4J_URI!], SETTINGS);
  await ok(replicas[0], LOG_ALL, { d: [datums[0]], p: { round: 2 } });
  const all = await eventIds('crash', 'metadata.logged', since);
  await receiver.waitFor('/crash', 7, 30_000);
  await until('every delivery recorded', async () => {
    const statuses = await deliveryStatuses(createWebhook.webhook.id);
    return statuses.length === 6 && statuses.every((s) => s === 'DELIVERED');
  });
  const got = receiver.at('/crash');
  for (const r of got) verify(createWebhook.secret, r);
  // at least once: the restarted replica starts over at the oldest delivery whose outcome
  // the dead one had not written yet (the interrupted one at the latest) and goes on in order
  const again = got.slice(3).map((r) => r.headers['webhook-id']);
  expect(again).toEqual(all.slice(all.length - again.length));
  expect(again.length).toBeGreaterThanOrEqual(4);
}, 120_000);
