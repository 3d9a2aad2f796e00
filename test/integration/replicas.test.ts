import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../../src/cli/client.js';
import { BOOKMARK_HEADER } from '../../src/domain/bookmarks.js';
import { packageRoot } from '../../src/paths.js';
import { ADMIN_TOKEN, cypher, resetDatabase, sha } from '../support/api.js';
import { post, routingUri, startBalancer, startReplicas, type Balancer, type Replica } from '../support/replicas.js';

/**
 * Three API processes over the run's one Neo4j, the third through `neo4j://` (routing: a
 * single server answers it as a cluster of one), behind a round-robin balancer: nothing
 * correct may depend on which replica serves a request. The timings go to
 * test-results/replicas.json.
 */
let replicas: Replica[];
let a: Replica;
let b: Replica;
let c: Replica;
let balancer: Balancer;
const report: Record<string, unknown> = {};

const CREATE = `mutation($p: String!, $n: String!) { createExecution(input: {project: $p, name: $n}) { id } }`;
const OUTPUTS = `mutation($id: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $o) { id } }`;
const READ = `query($id: ID!) { execution(id: $id) { name } }`;
const TOKEN = `mutation($n: String!, $r: Role!, $p: [String!]!) { createToken(name: $n, role: $r, projects: $p) { token record { id } } }`;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  await resetDatabase();
  const uri = process.env.NEO4J_URI!;
  replicas = await startReplicas([uri, uri, routingUri(uri)]);
  [a, b, c] = replicas;
  balancer = await startBalancer(replicas);
}, 180_000);

afterAll(async () => {
  await balancer?.close();
  await Promise.all((replicas ?? []).map((r) => r.stop()));
  mkdirSync(join(packageRoot, 'test-results'), { recursive: true });
  writeFileSync(join(packageRoot, 'test-results', 'replicas.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`replicas: ${JSON.stringify(report)}`);
}, 60_000);

it('runs one replica through neo4j:// and two through bolt://', () => {
  expect(replicas.map((r) => r.neo4jUri.split(':')[0])).toEqual(['bolt', 'bolt', 'neo4j']);
});

describe('read-your-writes across replicas', () => {
  it('reads a write made on one replica back on every other one with its bookmark', async () => {
    for (const [writer, readers] of [[a, [b, c]], [c, [a, b]]] as const) {
      const created = await post(writer.url, CREATE, { p: 'replicas', n: `written-on-${writer.name}` });
      expect(created.bookmark).toMatch(/^FB:/);
      expect(created.body!.extensions).toEqual({ bookmark: created.bookmark });
      for (const reader of readers) {
        const read = await post(reader.url, READ, { id: created.body!.data.createExecution.id }, { [BOOKMARK_HEADER]: created.bookmark! });
        expect({ reader: reader.name, body: read.body }).toEqual({ reader: reader.name, body: { data: { execution: { name: `written-on-${writer.name}` } } } });
      }
    }
  });

  it('has the CLI send back the bookmark of its last write, whichever replica the balancer picks next', async () => {
    const client = createClient({ PEDIGREE_URL: balancer.url, PEDIGREE_TOKEN: ADMIN_TOKEN() });
    const from = balancer.forwarded.length;
    const { createExecution } = await client.request(CREATE, { p: 'replicas', n: 'through-the-cli' });
    const { execution } = await client.request(READ, { id: createExecution.id });
    expect(execution).toEqual({ name: 'through-the-cli' });
    const [write, read] = balancer.forwarded.slice(from);
    expect(write.sent).toBeNull();
    expect(write.answered).toMatch(/^FB:/);
    expect(read.sent).toBe(write.answered);
    expect(read.replica).not.toBe(write.replica);
    expect(client.bookmark).toBe(write.answered);
  });
});

describe('compare-and-set across replicas', () => {
  const MOVE = `mutation($n: String!, $d: ID!, $e: ID) { setAlias(project: "replicas", name: $n, datumId: $d, expectedDatumId: $e) { target { id } } }`;
  const ROUNDS = 4;
  const CONTENDERS = 12;

  it(`lets exactly one of ${CONTENDERS} moves from the same state win, ${ROUNDS} rounds in a row (${ROUNDS * CONTENDERS} moves), spread over every replica, and keeps the whole history`, async () => {
    const execution = (await post(a.url, CREATE, { p: 'replicas', n: 'cas' })).body!.data.createExecution.id;
    const outputs = Array.from({ length: CONTENDERS + 1 }, (_, i) => ({ path: `cas/${i}.bin`, size: 1, sha256: sha(`replicas-cas-${i}`) }));
    const datums: string[] = (await post(a.url, OUTPUTS, { id: execution, o: outputs })).body!.data.recordOutputs.map((d: { id: string }) => d.id);
    await post(a.url, MOVE, { n: 'race', d: datums[0] });

    let current = datums[0];
    const winners: string[] = [];
    const latencies: number[] = [];
    const from = balancer.forwarded.length;
    for (let round = 0; round < ROUNDS; round++) {
      const candidates = datums.filter((d) => d !== current);
      const answers = await Promise.all(
        candidates.slice(0, CONTENDERS).map(async (d) => {
          const started = Date.now();
          const answer = await post(balancer.url, MOVE, { n: 'race', d, e: current });
          latencies.push(Date.now() - started);
          return answer;
        }),
      );
      const won = answers.filter((x) => !x.body!.errors);
      expect({ round, won: won.length, lost: answers.filter((x) => x.body!.errors?.[0]?.extensions?.code === 'CONFLICT').length }).toEqual({ round, won: 1, lost: CONTENDERS - 1 });
      current = won[0].body!.data.setAlias.target.id;
      winners.push(current);
    }
    expect(new Set(balancer.forwarded.slice(from).map((f) => f.replica))).toEqual(new Set(['a', 'b', 'c']));

    const { records } = await cypher("MATCH (:Alias {project: 'replicas', name: 'race'})-[:MOVED]->(m:AliasMove) RETURN m.from AS from, m.to AS to ORDER BY m.seq");
    const history = records.map((r) => ({ from: r.get('from'), to: r.get('to') }));
    expect(history).toEqual([{ from: null, to: datums[0] }, ...winners.map((to, i) => ({ from: i === 0 ? datums[0] : winners[i - 1], to }))]);
    latencies.sort((x, y) => x - y);
    report.compareAndSet = { moves: ROUNDS * CONTENDERS, p50Ms: latencies[Math.floor(latencies.length / 2)], maxMs: latencies.at(-1) };
    // contention stays bounded: each replica queues its own moves, so the alias's lock has at most one waiter per replica
    expect(latencies.at(-1)).toBeLessThan(10_000);
  });
});

describe('tokens across replicas', () => {
  it('refuses a token revoked on one replica on every other one within 5 s', async () => {
    const made = (await post(a.url, TOKEN, { n: 'short-lived', r: 'reader', p: ['replicas'] })).body!.data.createToken;
    // every replica has looked it up, and would go on trusting its cache
    for (const r of replicas) expect((await post(r.url, '{ __typename }', {}, bearer(made.token))).status).toBe(200);
    const revoked = await post(a.url, `mutation($id: ID!) { revokeToken(id: $id) { revokedAt } }`, { id: made.record.id });
    expect(revoked.body!.data.revokeToken.revokedAt).toBeTruthy();
    const started = Date.now();
    expect((await post(a.url, '{ __typename }', {}, bearer(made.token))).status).toBe(401);
    const refusedAfter: Record<string, number> = {};
    await Promise.all(
      [b, c].map(async (r) => {
        while ((await post(r.url, '{ __typename }', {}, bearer(made.token))).status !== 401) {
          if (Date.now() - started > 10_000) throw new Error(`replica ${r.name} still accepts the revoked token after 10 s`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        refusedAfter[r.name] = Date.now() - started;
      }),
    );
    report.revocationRefusedAfterMs = refusedAfter;
    for (const ms of Object.values(refusedAfter)) expect(ms).toBeLessThan(5_000);
  });

  it('writes when a token was last used a few seconds later, whichever replica it authenticated on', async () => {
    const made = (await post(a.url, TOKEN, { n: 'used-on-c', r: 'reader', p: ['replicas'] })).body!.data.createToken;
    const used = Date.now();
    expect((await post(c.url, '{ __typename }', {}, bearer(made.token))).status).toBe(200);
    const lastUsedAt = async () => (await cypher('MATCH (t:Token {id: $id}) RETURN t.lastUsedAt AS at', { id: made.record.id })).records[0].get('at');
    while (!(await lastUsedAt())) {
      if (Date.now() - used > 10_000) throw new Error('lastUsedAt was not written within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    report.lastUsedAtWrittenAfterMs = Date.now() - used;
    expect(Date.now() - used).toBeLessThan(7_000);
    expect(Math.abs(new Date((await lastUsedAt()).toString()).getTime() - used)).toBeLessThan(2_000);
  });
});

describe('project isolation through every replica', () => {
  const SECRET = 'replicas-alpha-secret';
  let reader: string;
  let writer: string;
  let alphaExecution: string;
  let betaDatum: string;

  beforeAll(async () => {
    alphaExecution = (await post(a.url, CREATE, { p: 'alpha', n: `${SECRET}-train` })).body!.data.createExecution.id;
    const [alphaDatum] = (await post(a.url, OUTPUTS, { id: alphaExecution, o: [{ path: `${SECRET}/model.bin`, size: 1, sha256: sha(SECRET) }] })).body!.data.recordOutputs;
    const betaExecution = (await post(b.url, CREATE, { p: 'beta', n: 'beta-eval' })).body!.data.createExecution.id;
    await post(c.url, `mutation($e: ID!, $d: ID!) { recordInputs(executionId: $e, inputs: [{datumId: $d, inputName: "${SECRET}-edge"}]) { id } }`, { e: betaExecution, d: alphaDatum.id });
    [{ id: betaDatum }] = (await post(a.url, OUTPUTS, { id: betaExecution, o: [{ path: 'beta/report.json', size: 1, sha256: sha('beta-report') }] })).body!.data.recordOutputs;
    reader = (await post(b.url, TOKEN, { n: 'beta-reader', r: 'reader', p: ['beta'] })).body!.data.createToken.token;
    writer = (await post(c.url, TOKEN, { n: 'beta-writer', r: 'writer', p: ['beta'] })).body!.data.createToken.token;
  }, 60_000);

  it.each(['a', 'b', 'c'])('shows a beta token nothing of alpha through replica %s', async (name) => {
    const replica = replicas.find((r) => r.name === name)!;
    const lineage = await post(replica.url, `query($id: ID!) { lineage(id: $id, direction: UPSTREAM, depth: 3) { nodes { id redacted node { id } } } }`, { id: betaDatum }, bearer(reader));
    const nodes = lineage.body!.data.lineage.nodes as Array<{ id: string; redacted: boolean; node: unknown }>;
    expect(nodes.find((n) => n.id === alphaExecution)).toEqual({ id: alphaExecution, redacted: true, node: null });
    const direct = await post(replica.url, READ, { id: alphaExecution }, bearer(reader));
    expect(direct.body!.data?.execution ?? null).toBeNull();
    const written = await post(replica.url, CREATE, { p: 'alpha', n: 'intruder' }, bearer(writer));
    expect(written.body!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const answer of [lineage, direct, written]) expect(JSON.stringify(answer.body)).not.toContain(SECRET);
  });
});
