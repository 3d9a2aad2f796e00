import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { ADMIN_TOKEN, resetDatabase } from '../support/api.js';

/** The API as an operator runs it: `pedigree start` in its own process, its log lines collected. */
let child: ChildProcess;
let url: string;
const lines: Array<Record<string, any>> = [];
let raw = '';

beforeAll(async () => {
  await resetDatabase();
  child = spawn(process.execPath, [join(packageRoot, 'bin', 'pedigree.js'), 'start'], {
    env: { ...process.env, PORT: '0', PEDIGREE_LOG_LEVEL: 'info', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d) => (raw += d));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 30s: ${raw}`)), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      raw += line + '\n';
      const entry = JSON.parse(line);
      lines.push(entry);
      if (entry.msg === 'Pedigree API ready') {
        clearTimeout(timer);
        resolve(entry.graphql.replace(/\/graphql$/, ''));
      }
    });
  });
}, 60_000);

afterAll(async () => {
  // when beforeAll failed before spawning, there is nothing to stop (and a throw here would end the whole run)
  if (!child || child.exitCode !== null) return;
  const exit = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exit;
});

const gql = (query: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN()}`, ...headers },
    body: JSON.stringify({ query }),
  });

/** Log lines are written when the response is finished, which can be just after the client has it. */
async function lineOf(requestId: string): Promise<Record<string, any>> {
  for (let i = 0; i < 50; i++) {
    const found = lines.find((l) => l.requestId === requestId && l.msg === 'request');
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no log line for ${requestId}:\n${raw}`);
}

describe('request ids and logs', () => {
  it("keeps the caller's X-Request-Id, echoes it, and logs the request under it without the token", async () => {
    const response = await gql('{ status { projects } }', { 'x-request-id': 'op-test-1' });
    expect(response.headers.get('x-request-id')).toBe('op-test-1');
    await response.json();
    expect(await lineOf('op-test-1')).toMatchObject({ level: 'info', msg: 'request', method: 'POST', path: '/graphql', status: 200, operation: 'query.status', ms: expect.any(Number) });
    expect(raw).not.toContain(ADMIN_TOKEN());
    expect(raw.toLowerCase()).not.toContain('bearer');
  });

  it("tells caches to keep no answer: each is one token's view", async () => {
    for (const query of ['{ status { projects } }', '{ __typename }']) {
      const response = await gql(query);
      await response.json();
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('makes an id when there is none or it is not a plausible id', async () => {
    for (const headers of [{}, { 'x-request-id': 'two words\u00e9' }, { 'x-request-id': 'x'.repeat(200) }] as Array<Record<string, string>>) {
      const response = await gql('{ __typename }', headers);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('logs refusals with their codes, and a refused token not at all', async () => {
    const refused = await gql('{ status { projects } }', { authorization: 'Bearer pdg_leaked_secret', 'x-request-id': 'op-test-401' });
    expect(refused.status).toBe(401);
    expect(await lineOf('op-test-401')).toMatchObject({ status: 401 });
    await (await gql('{ lineage(id: "x", depth: 900) { truncated } }', { 'x-request-id': 'op-test-400' })).json();
    expect(await lineOf('op-test-400')).toMatchObject({ operation: 'query.lineage', errors: ['LIMIT_EXCEEDED'] });
    expect(raw).not.toContain('pdg_leaked_secret');
  });
});

describe('GET /metrics', () => {
  it('counts requests, latency by operation, Cypher, sessions and errors by code, in the Prometheus format', async () => {
    for (let i = 0; i < 3; i++) await (await gql('{ datums(first: 1) { totalCount } }')).json();
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const value = (series: string) => Number(text.match(new RegExp(`^${series.replace(/[{}"+.]/g, '\\$&')} (\\S+)$`, 'm'))?.[1]);
    expect(value('pedigree_graphql_request_duration_seconds_count{operation="query.datums"}')).toBe(3);
    expect(value('pedigree_graphql_request_duration_seconds_bucket{le="+Inf",operation="query.datums"}')).toBe(3);
    expect(value('pedigree_graphql_request_duration_seconds_sum{operation="query.datums"}')).toBeGreaterThan(0);
    expect(value('pedigree_graphql_errors_total{code="UNAUTHENTICATED",operation="authentication"}')).toBe(1);
    expect(value('pedigree_graphql_errors_total{code="LIMIT_EXCEEDED",operation="query.lineage"}')).toBe(1);
    expect(value('pedigree_http_requests_total{route="/graphql",status="401"}')).toBe(1);
    expect(value('pedigree_http_requests_total{route="/graphql",status="200"}')).toBeGreaterThanOrEqual(8);
    expect(value('pedigree_cypher_duration_seconds_count{outcome="ok"}')).toBeGreaterThanOrEqual(3);
    expect(value('pedigree_neo4j_sessions_in_flight')).toBe(0);
    expect(value('pedigree_neo4j_pool_max_size')).toBe(100);
    expect(text).toContain('# TYPE pedigree_process_cpu_seconds_total counter');
    // no label carries an id, a project or a token
    expect(text).not.toContain(ADMIN_TOKEN());
    const operations = new Set([...text.matchAll(/operation="([^"]*)"/g)].map((m) => m[1]));
    expect([...operations].filter((o) => !/^(query|mutation)\.[A-Za-z_]+$|^authentication$/.test(o))).toEqual([]);
  });
});
