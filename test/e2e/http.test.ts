import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/main.js';
import { packageRoot } from '../../src/paths.js';
import { runNode } from '../support/cli.js';
import { ADMIN_TOKEN, resetDatabase, startApi, type TestApi } from '../support/api.js';

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

/** What a browser sends for a page it navigates to. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('what a browser finds', () => {
  it.each(['/graphql', '/'])('GET %s is a page of its own that says how to call GraphQL, loading nothing from elsewhere', async (path) => {
    const response = await fetch(`${api.url}${path}`, { headers: { accept: BROWSER_ACCEPT } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src 'self'");
    const html = await response.text();
    expect(html).toContain('<code>POST /graphql</code>');
    expect(html).toContain('<code>Authorization: Bearer &lt;token&gt;</code>');
    expect(html).toContain('<a href="/explorer/">lineage explorer</a>');
    expect(html).toContain(`curl -s ${api.url}/graphql -H 'content-type: application/json' -H "authorization: Bearer $PEDIGREE_TOKEN"`);
    // Apollo's landing page pulls its sandbox from a CDN; this one has no address outside the server
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).not.toContain('apollographql');
  });

  it("escapes the Host header it shows in the page's curl example", async () => {
    const html = await new Promise<string>((resolve, reject) => {
      const req = request(`${api.url}/graphql`, { headers: { accept: 'text/html', host: 'evil"><script>x</script>' } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d)).on('end', () => resolve(body));
      });
      req.once('error', reject).end();
    });
    expect(html).toContain('curl -s http://evil&quot;&gt;&lt;script&gt;x&lt;/script&gt;/graphql');
    expect(html).not.toContain('<script>');
  });

  it('GET /graphql without HTML in Accept is still a GraphQL request', async () => {
    const response = await fetch(`${api.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN()}`, 'apollo-require-preflight': 'true' },
    });
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('serves /favicon.ico: a PNG in an ICO container', async () => {
    const response = await fetch(`${api.url}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/x-icon');
    const bytes = Buffer.from(await response.arrayBuffer());
    // ICONDIR (reserved 0, type 1 = icon, 1 image), a 32x32 entry whose data starts at byte 22, and the PNG signature there
    expect([...bytes.subarray(0, 8)]).toEqual([0, 0, 1, 0, 1, 0, 32, 32]);
    expect(bytes.readUInt32LE(14)).toBe(bytes.length - 22);
    expect(bytes.readUInt32LE(18)).toBe(22);
    expect(bytes.subarray(22, 30).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
  });
});

describe('introspection', () => {
  const INTROSPECT = '{ __schema { queryType { name } } }';
  const ask = (url: string, query: string, headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN()}` }) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

  it('is answered to a token in production mode too (NODE_ENV=production, as in the Docker image), and needs the token like any request', async () => {
    const server = await startServer({ ...loadConfig({ ...process.env, NODE_ENV: 'production' }), port: 0, logLevel: 'warn' });
    try {
      expect(await (await ask(server.url, INTROSPECT)).json()).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      const anonymous = await ask(server.url, INTROSPECT, {});
      expect(anonymous.status).toBe(401);
      expect((await anonymous.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    } finally {
      await server.close();
    }
  });

  it('with PEDIGREE_INTROSPECTION=false is refused with a message that names the setting', async () => {
    const server = await startServer({ ...loadConfig({ ...process.env, PEDIGREE_INTROSPECTION: 'false' }), port: 0, logLevel: 'warn' });
    try {
      for (const query of [INTROSPECT, '{ __type(name: "Datum") { name } }']) {
        const response = await ask(server.url, query);
        expect(response.status).toBe(400);
        const { errors } = await response.json();
        expect(errors).toEqual([
          expect.objectContaining({
            message: 'Introspection is turned off on this server (PEDIGREE_INTROSPECTION=false); whoever runs it can allow it with PEDIGREE_INTROSPECTION=true',
            extensions: { code: 'FORBIDDEN' },
          }),
        ]);
      }
      expect(await (await ask(server.url, '{ __typename }')).json()).toEqual({ data: { __typename: 'Query' } });
    } finally {
      await server.close();
    }
  });

  it('refuses a PEDIGREE_INTROSPECTION that is neither true nor false', async () => {
    const out = await run(['start'], { PEDIGREE_INTROSPECTION: 'yes' }, 1);
    expect(out).toContain("pedigree: PEDIGREE_INTROSPECTION must be true or false, got 'yes'");
  });
});
