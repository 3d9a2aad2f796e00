import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { createDriver } from '../../src/db/driver.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { startLocalNeo4j, type LocalNeo4j } from '../../src/neo4j-local/launcher.js';
import { packageRoot } from '../../src/paths.js';
import { ADMIN_TOKEN, sha } from '../support/api.js';
import { freePort } from '../support/global-setup.js';
import { routingUri, startBalancer, startReplicas, type Balancer, type Replica } from '../support/replicas.js';

/**
 * Neo4j stopped and started again under a running API, on a Neo4j of this file's own (the
 * run's shared one keeps serving the other files): readiness and requests say
 * SERVICE_UNAVAILABLE at once instead of hanging, the API recovers without a restart, no
 * acknowledged write is lost and none is applied twice. The timings go to
 * test-results/faults.json.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'pedigree-faults-'));
let port: number;
let neo4j: LocalNeo4j | undefined;
const servers: RunningServer[] = [];
/** The background writer of the outage test runs while this is true. */
let writing = false;
const report: Record<string, unknown> = {};

const configFor = (uri: string): Config => {
  const base = loadConfig();
  // this Neo4j runs without authentication, whatever the shared one needs
  return { ...base, port: 0, neo4j: { ...base.neo4j, uri, user: 'neo4j', password: '' } };
};

async function startApiOn(uri: string): Promise<RunningServer> {
  const server = await startServer(configFor(uri));
  servers.push(server);
  return server;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  ms: number;
  body: { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> } | null;
}

/** One POST /graphql with the admin token; a request that takes longer than `limitMs` is a hang. */
async function gql(url: string, query: string, variables: Record<string, unknown> = {}, limitMs = 30_000): Promise<Answer> {
  const started = Date.now();
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN()}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(limitMs),
  });
  const body = await response.json().catch(() => null);
  return { status: response.status, headers: Object.fromEntries(response.headers), ms: Date.now() - started, body };
}

async function readyz(url: string): Promise<{ status: number; ms: number; body: any }> {
  const started = Date.now();
  const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, ms: Date.now() - started, body: await response.json() };
}

async function directQuery(uri: string, cypher: string, params: Record<string, unknown> = {}) {
  const driver = createDriver({ uri, user: 'neo4j', password: '' });
  try {
    return (await driver.executeQuery(cypher, params)).records;
  } finally {
    await driver.close();
  }
}

const CREATE = `mutation($p: String!, $n: String!) { createExecution(input: {project: $p, name: $n}) { id } }`;
const OUTPUTS = `mutation($id: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $o) { id } }`;
const READ = `query($id: ID!) { execution(id: $id) { id name } }`;
const LOG = `mutation($t: ID!, $m: JSONObject!) { logMetadata(target: $t, metadata: $m) { entries { key } } }`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  port = await freePort();
  neo4j = await startLocalNeo4j({ dataDir, port, heap: '512m' });
}, 120_000);

afterAll(async () => {
  writing = false;
  for (const server of servers) await server.close().catch(() => undefined);
  await neo4j?.stop();
  mkdirSync(join(packageRoot, 'test-results'), { recursive: true });
  writeFileSync(join(packageRoot, 'test-results', 'faults.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`faults: ${JSON.stringify(report)}`);
}, 60_000);

it('answers SERVICE_UNAVAILABLE while Neo4j is stopped, recovers by itself when it is back, and loses no acknowledged write', async () => {
  const api = await startApiOn(neo4j!.uri);

  // Acknowledged before the outage: executions with outputs.
  const before: Array<{ id: string; datums: string[] }> = [];
  for (let i = 0; i < 5; i++) {
    const created = await gql(api.url, CREATE, { p: 'faults', n: `before-${i}` });
    const id = created.body!.data.createExecution.id as string;
    const outputs = await gql(api.url, OUTPUTS, { id, o: [{ path: `out/${i}.bin`, size: 10, sha256: sha(`before-${i}`) }] });
    before.push({ id, datums: outputs.body!.data.recordOutputs.map((d: { id: string }) => d.id) });
  }

  // A writer that keeps going through the outage: every name is used once, so a write the
  // driver applied twice would show as two executions with one name.
  const attempts: Array<{ name: string; id?: string; code?: string; message?: string; status: number; ms: number }> = [];
  writing = true;
  const writer = (async () => {
    for (let n = 0; writing; n++) {
      const name = `stream-${n}`;
      // an answer that does not come is recorded as a hang (status 0), not thrown
      const answer = await gql(api.url, CREATE, { p: 'faults', n: name }).catch((): Answer => ({ status: 0, headers: {}, ms: 30_000, body: null }));
      const id = answer.body?.data?.createExecution?.id;
      const error = answer.body?.errors?.[0];
      attempts.push({ name, id, code: error?.extensions?.code, message: error?.message, status: answer.status, ms: answer.ms });
      if (!id) await sleep(100);
    }
  })();
  await sleep(500);

  const stopping = Date.now();
  await neo4j!.stop();
  neo4j = undefined;
  report.neo4jStopMs = Date.now() - stopping;

  const notReady = await readyz(api.url);
  expect(notReady.status).toBe(503);
  expect(notReady.body).toMatchObject({ ready: false, neo4j: { ok: false } });
  expect(notReady.ms).toBeLessThan(3_000);
  report.readyzDownMs = notReady.ms;

  // The first request may still meet the driver's retries; it answers all the same, typed.
  const first = await gql(api.url, READ, { id: before[0].id });
  expect(first.body?.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
  expect(first.ms).toBeLessThan(10_000);
  report.firstRequestDownMs = first.ms;
  report.firstRequestDownStatus = first.status;

  // Once the outage is known (a probe or two later), requests are refused at once.
  const known = Date.now();
  while ((await gql(api.url, READ, { id: before[0].id })).ms > 200 && Date.now() - known < 5_000) await sleep(100);
  for (const query of [READ, CREATE]) {
    const refused = await gql(api.url, query, { id: before[0].id, p: 'faults', n: 'refused' });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body!.errors![0]).toMatchObject({ message: expect.stringMatching(/database is not reachable/), extensions: { code: 'SERVICE_UNAVAILABLE' } });
    expect(refused.body!.errors![0].extensions).not.toHaveProperty('stacktrace');
    expect(refused.ms).toBeLessThan(1_000);
    report.refusedWhileDownMs = Math.max(refused.ms, (report.refusedWhileDownMs as number | undefined) ?? 0);
  }

  // Same store, same port; the API is not restarted.
  const restarting = Date.now();
  neo4j = await startLocalNeo4j({ dataDir, port, heap: '512m' });
  const neo4jUp = Date.now();
  report.neo4jRestartMs = neo4jUp - restarting;
  let ready = await readyz(api.url);
  while (ready.status !== 200 && Date.now() - neo4jUp < 20_000) {
    await sleep(50);
    ready = await readyz(api.url);
  }
  expect(ready.status).toBe(200);
  report.readyAfterNeo4jUpMs = Date.now() - neo4jUp;
  const reads: Answer[] = [await gql(api.url, READ, { id: before[0].id })];
  while (reads.at(-1)!.body?.errors && Date.now() - neo4jUp < 20_000) {
    await sleep(50);
    reads.push(await gql(api.url, READ, { id: before[0].id }));
  }
  const read = reads.at(-1)!;
  report.readsUntilOk = reads.map((r) => ({ ms: r.ms, code: r.body?.errors?.[0]?.extensions?.code ?? 'OK' }));
  expect(read.body).toEqual({ data: { execution: { id: before[0].id, name: 'before-0' } } });
  report.requestOkAfterNeo4jUpMs = Date.now() - neo4jUp;
  report.outageSeenByClientsMs = Date.now() - stopping;

  await sleep(500);
  writing = false;
  await writer;

  const acknowledged = attempts.filter((a) => a.id);
  const failed = attempts.filter((a) => !a.id);
  expect(acknowledged.length).toBeGreaterThan(0);
  // Every failure says why, typed, none is masked as an internal error, and none hangs: a
  // request caught by the outage waits out the driver's retries (6-8 s), no longer. CONFLICT
  // is the answer to a write whose COMMIT answer was lost and which was then retried (see
  // the next test).
  expect(failed.filter((a) => a.code !== 'SERVICE_UNAVAILABLE' && a.code !== 'CONFLICT')).toEqual([]);
  expect(Math.max(...attempts.map((a) => a.ms))).toBeLessThan(15_000);

  const uri = neo4j.uri;
  const ids = [...before.map((b) => b.id), ...acknowledged.map((a) => a.id!)];
  const [found] = await directQuery(uri, 'MATCH (e:Execution) WHERE e.id IN $ids RETURN count(e) AS n', { ids });
  expect(found.get('n').toNumber()).toBe(ids.length);
  const datums = before.flatMap((b) => b.datums);
  const [outputs] = await directQuery(uri, 'MATCH (d:Datum)-[:PRODUCED_BY]->(:Execution) WHERE d.id IN $datums RETURN count(d) AS n', { datums });
  expect(outputs.get('n').toNumber()).toBe(datums.length);
  const twice = await directQuery(uri, "MATCH (e:Execution {project: 'faults'}) WITH e.name AS name, count(*) AS n WHERE n > 1 RETURN name, n");
  expect(twice.map((r) => r.get('name'))).toEqual([]);
  // A failed write may still have committed (its answer was lost with the connection): it
  // is there once or not at all.
  const [landed] = await directQuery(uri, 'MATCH (e:Execution {project: "faults"}) WHERE e.name IN $names RETURN count(e) AS n', { names: failed.map((a) => a.name) });
  Object.assign(report, {
    writerAttempts: attempts.length,
    writerAcknowledged: acknowledged.length,
    writerFailed: failed.length,
    writerFailedButCommitted: landed.get('n').toNumber(),
    writerSlowestMs: Math.max(...attempts.map((a) => a.ms)),
    writerFailureStatuses: [...new Set(failed.map((a) => a.status))],
    writerFailures: [...new Set(failed.map((a) => `${a.status} ${a.code}: ${a.message}`))],
  });
}, 120_000);

/**
 * A TCP proxy in front of Neo4j that, once armed, lets the next COMMIT through on a
 * connection whose statements contained `marker`, then drops Neo4j's answer and the
 * connection: the transaction committed, and the driver cannot know.
 */
async function startLossyProxy(target: number) {
  const COMMIT = Buffer.from([0x00, 0x02, 0xb0, 0x12, 0x00, 0x00]);
  let armed: string | undefined;
  let dropped = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target });
    sockets.add(client).add(upstream);
    let marked = false;
    let swallowing = false;
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes(Buffer.from(armed))) marked = true;
      if (marked && chunk.includes(COMMIT)) {
        armed = undefined;
        marked = false;
        swallowing = true;
        dropped += 1;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => (swallowing ? end() : client.write(chunk)));
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `bolt://127.0.0.1:${(server.address() as { port: number }).port}`,
    arm(marker: string) {
      armed = marker;
    },
    get dropped() {
      return dropped;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a COMMIT whose answer is lost (the driver retries the work)', () => {
  let proxy: Awaited<ReturnType<typeof startLossyProxy>>;
  let url: string;
  let target: string;

  beforeAll(async () => {
    proxy = await startLossyProxy(port);
    url = (await startApiOn(proxy.uri)).url;
    target = (await gql(url, CREATE, { p: 'faults', n: 'lost-commit-target' })).body!.data.createExecution.id;
  }, 60_000);
  afterAll(() => proxy?.close());

  const count = async (cypher: string, params: Record<string, unknown> = {}) => (await directQuery(neo4j!.uri, cypher, params))[0].get('n').toNumber();
  const outcome = (answer: Answer) => ({ status: answer.status, code: answer.body?.errors?.[0]?.extensions?.code ?? 'OK', message: answer.body?.errors?.[0]?.message });

  it('creates an execution once: the retry meets its own audit entry and stops', async () => {
    proxy.arm('CREATE (e:Entity:Execution');
    const created = await gql(url, CREATE, { p: 'faults', n: 'lost-commit' });
    expect(proxy.dropped).toBe(1);
    report.lostCommitCreateExecution = outcome(created);
    const [row] = await directQuery(neo4j!.uri, "MATCH (e:Execution {name: 'lost-commit'}) RETURN collect(e.id) AS ids");
    expect(row.get('ids')).toHaveLength(1);
    expect(created.body?.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_APPLIED' });
  });

  it('records an output once, and says the change was applied', async () => {
    const before = proxy.dropped;
    proxy.arm('PRODUCED_BY');
    const recorded = await gql(url, OUTPUTS, { id: target, o: [{ path: 'lost/commit.bin', size: 3, sha256: sha('lost-commit') }] });
    expect(proxy.dropped).toBe(before + 1);
    report.lostCommitRecordOutputs = outcome(recorded);
    expect(recorded.body?.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_APPLIED' });
    expect(await count("MATCH (d:Datum {path: 'lost/commit.bin'}) RETURN count(d) AS n")).toBe(1);
  });

  // Metadata entry ids are made inside the work, so only the audit entry written first
  // (with an id made before the transaction) stops the retry from logging the value twice.
  it('logs a metadata value once, and says the change was applied', async () => {
    const before = proxy.dropped;
    proxy.arm('MetadataEntry');
    const logged = await gql(url, LOG, { t: target, m: { lostCommitKey: 1 } });
    expect(proxy.dropped).toBe(before + 1);
    const entries = await count("MATCH (m:MetadataEntry {key: 'lostCommitKey'}) RETURN count(m) AS n");
    report.lostCommitLogMetadata = { ...outcome(logged), entries };
    expect(entries).toBe(1);
    expect(logged.body?.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ALREADY_APPLIED' });
    expect(await count("MATCH (a:AuditEntry {operation: 'logMetadata'}) RETURN count(a) AS n")).toBe(1);
  });
});

/**
 * Three replicas over this file's Neo4j behind a round-robin balancer, writers running
 * through it, and one replica killed outright (SIGKILL: no draining, no goodbye): the
 * requests it held fail as the balancer's 502, every later one is served by the others,
 * and every write any replica acknowledged is in the database, once.
 */
describe('a replica killed under load', () => {
  let replicas: Replica[] = [];
  let balancer: Balancer | undefined;
  afterAll(async () => {
    await balancer?.close();
    await Promise.all(replicas.map((r) => r.stop('SIGKILL')));
  }, 30_000);

  it('leaves the other replicas answering, and loses no acknowledged write', async () => {
    const uri = neo4j!.uri;
    replicas = await startReplicas([uri, uri, routingUri(uri)], { NEO4J_USER: 'neo4j', NEO4J_PASSWORD: '' });
    balancer = await startBalancer(replicas);
    const through = balancer.url;
    const WRITERS = 8;
    const attempts: Array<{ name: string; started: number; status: number; id?: string; code?: string }> = [];
    let running = true;
    const writer = async (w: number) => {
      for (let n = 0; running; n++) {
        const name = `kill-${w}-${n}`;
        const started = Date.now();
        const answer = await gql(through, CREATE, { p: 'killed', n: name }).catch((): Answer => ({ status: 0, headers: {}, ms: Date.now() - started, body: null }));
        attempts.push({ name, started, status: answer.status, id: answer.body?.data?.createExecution?.id, code: answer.body?.errors?.[0]?.extensions?.code });
      }
    };
    const writing = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await sleep(2_000);
    const victim = replicas[1];
    await victim.stop('SIGKILL');
    // from here on the balancer's connections to it are refused, and passed over
    const killedAt = Date.now();
    const forwardedAtKill = balancer.forwarded.length;
    await sleep(3_000);
    running = false;
    await writing;

    const acknowledged = attempts.filter((a) => a.id);
    const failed = attempts.filter((a) => !a.id);
    const afterKill = attempts.filter((a) => a.started > killedAt);
    Object.assign(report, {
      replicaKill: {
        attempts: attempts.length,
        acknowledged: acknowledged.length,
        failed: failed.map((a) => `${a.status} ${a.code}`),
        servedAfterKill: afterKill.filter((a) => a.id).length,
        servedAfterKillBy: [...new Set(balancer.forwarded.slice(forwardedAtKill).map((f) => f.replica))].sort(),
      },
    });
    // the killed replica's requests in flight fail as a lost gateway, nothing else fails
    expect(failed.length).toBeLessThanOrEqual(WRITERS);
    // (a request sent in the same instant as the kill may still meet one of its closing connections)
    for (const a of failed) expect({ status: a.status, code: a.code, inFlightAtKill: a.started <= killedAt + 100 }).toEqual({ status: 502, code: 'BAD_GATEWAY', inFlightAtKill: true });
    // the others went on answering
    expect(afterKill.length).toBeGreaterThan(WRITERS);
    expect(afterKill.filter((a) => a.started > killedAt + 100 && !a.id)).toEqual([]);
    expect(new Set(balancer.forwarded.slice(forwardedAtKill).map((f) => f.replica)).has(victim.name)).toBe(false);
    // every acknowledged write is there, once; one lost with its replica is there once or not at all
    const [found] = await directQuery(uri, 'MATCH (e:Execution {project: "killed"}) WHERE e.id IN $ids RETURN count(e) AS n', { ids: acknowledged.map((a) => a.id) });
    expect(found.get('n').toNumber()).toBe(acknowledged.length);
    const twice = await directQuery(uri, "MATCH (e:Execution {project: 'killed'}) WITH e.name AS name, count(*) AS n WHERE n > 1 RETURN name");
    expect(twice).toEqual([]);
  }, 120_000);
});
