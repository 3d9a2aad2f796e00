import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { runNode } from '../support/cli.js';
import { ADMIN_TOKEN, cliEnv, resetDatabase, startApi, type TestApi } from '../support/api.js';

let api: TestApi;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
});
afterAll(() => api.close());

describe('HTTP surface', () => {
  it('answers /healthz and /readyz', async () => {
    expect(await (await fetch(`${api.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, migrated: true, neo4j: { ok: true, server: expect.stringMatching(/^Neo4j\/5\.26/) } });
  });

  it('answers an invalid JSON body with BAD_USER_INPUT, not a 500', async () => {
    const response = await api.post('{"query": "{ __typename ');
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers an oversized body with LIMIT_EXCEEDED', async () => {
    const response = await api.post(JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(11 * 1024 * 1024) }));
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body.errors[0].extensions.code).toBe('LIMIT_EXCEEDED');
    expect(body.errors[0].message).toBe('Request body is larger than the limit of 10485760 bytes');
  });

  it('records an execution and reads it back over plain HTTP as a notebook would', async () => {
    const created = await api.ok(`mutation { createExecution(input: {project: "e2e", name: "nb", kind: NOTEBOOK, commands: ["python nb.py"]}) { id status kind commands } }`);
    expect(created.createExecution).toMatchObject({ status: 'QUEUED', kind: 'NOTEBOOK', commands: ['python nb.py'] });
    const { node } = await api.ok(`query($id: ID!) { node(id: $id) { __typename id ... on Execution { project { name } } } }`, { id: created.createExecution.id });
    expect(node).toEqual({ __typename: 'Execution', id: created.createExecution.id, project: { name: 'e2e' } });
  });
});

describe('pedigree start', () => {
  it('prints --help with every configuration variable', async () => {
    const out = await run(['start', '--help']);
    for (const name of ['PORT', 'NEO4J_URI', 'NEO4J_USER', 'NEO4J_PASSWORD', 'NEO4J_DATABASE', 'PEDIGREE_ADMIN_TOKEN', 'PEDIGREE_DATA_DIR', 'PEDIGREE_LOCAL_NEO4J_PORT']) {
      expect(out).toContain(name);
    }
  });

  it('starts the API against NEO4J_URI, serves GraphQL, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [join(packageRoot, 'bin', 'pedigree.js'), 'start'], {
      env: { ...process.env, PORT: '0', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready line within 30s')), 30_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line);
        if (entry.msg === 'Pedigree API ready') {
          clearTimeout(timer);
          resolve(entry.graphql);
        }
      });
    });
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN()}` }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('refuses a bad configuration with a message that says what to fix', async () => {
    const out = await run(['start'], { PORT: 'eighty' }, 1);
    expect(out).toContain("pedigree: PORT must be an integer 0..65535, got 'eighty'");
  });
});

async function run(args: string[], env: Record<string, string> = {}, expectedCode = 0): Promise<string> {
  const result = await runNode(args, { ...process.env, ...env });
  expect(result.code).toBe(expectedCode);
  return result.stdout + result.stderr;
}

describe('the README quickstart', () => {
  it('runs as written against the API', async () => {
    const run = await runNode([], cliEnv(api), join(packageRoot, 'examples', 'quickstart.mjs'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain('Upstream of datum://model-prod:');
    expect(out).toMatch(/1 {2}EXECUTION train/);
    expect(out).toMatch(/2 {2}DATUM {5}raw\/events.csv {2}s3:\/\/demo-bucket\/raw\/events.csv/);
    expect(out).toContain('4 edges');
  });
});
