import { jest } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { createClient } from '../../src/cli/client.js';
import { ingestCommand } from '../../src/cli/ingest.js';
import { runNode } from '../support/cli.js';
import { ADMIN_TOKEN, cliEnv, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

/**
 * What `pedigree ingest` does with the mistakes Valohai's docs warn about, with a broken
 * manifest line under --allow-partial, with the tags and alias a dry run would apply, and
 * how many requests it sends.
 */
let api: TestApi;
beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
});
afterAll(() => api.close());

const pedigree = (args: string[], env: Record<string, string> = {}) => runNode(args, { ...cliEnv(api), ...env });
const newExecution = async (project: string) =>
  (await api.ok(`mutation($p: String!) { createExecution(input: {project: $p, name: "step"}) { id } }`, { p: project })).createExecution.id as string;
const pathsIn = async (project: string) =>
  (await api.ok(`query($p: String) { datums(filter: {project: $p}, first: 100) { edges { node { path } } } }`, { p: project })).datums.edges.map((e: { node: { path: string } }) => e.node.path).sort();

/** A folder from `{relative path: content}`. */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pedigree-ingest-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

describe('names that look like metadata', () => {
  const misnamed = () => folder({ 'model/model.pkl': 'PKL', 'model/metadata.json': '{"accuracy": 0.9}', 'data.csv': 'a,b', 'data.csv.meta.json': '{"rows": 1}' });
  const WARNINGS = [
    'Warnings (ingested all the same; --strict refuses them):',
    '  data.csv.meta.json: ingested as a data file, not read as metadata: sidecars end in .metadata.json; did you mean data.csv.metadata.json?',
    '  model/metadata.json: ingested as a data file, not read as metadata: a sidecar is named after the file it describes (<file>.metadata.json); did you mean model/model.pkl.metadata.json?',
  ];

  it('ingests them as data files, with a warning that says what was meant', async () => {
    const run = await pedigree(['ingest', misnamed(), '--execution', await newExecution('warned')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(WARNINGS.join('\n'));
    expect(run.stdout).toContain('Created 4 datum(s)');
    expect(run.stdout).not.toContain('Warnings');
    expect(await pathsIn('warned')).toEqual(['data.csv', 'data.csv.meta.json', 'model/metadata.json', 'model/model.pkl']);
    const json = JSON.parse((await pedigree(['ingest', misnamed(), '--execution', await newExecution('warned-json'), '--json'])).stdout);
    expect(json.warnings.map((w: { output: string }) => w.output)).toEqual(['data.csv.meta.json', 'model/metadata.json']);
  });

  it('refuses them with --strict, and leaves them out with --strict --allow-partial', async () => {
    const strict = await pedigree(['ingest', misnamed(), '--execution', await newExecution('strict'), '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain(`Nothing was ingested: 2 problem(s)\n${WARNINGS.slice(1).join('\n')}`);
    expect(await pathsIn('strict')).toEqual([]);
    const partial = await pedigree(['ingest', misnamed(), '--execution', await newExecution('strict-partial'), '--strict', '--allow-partial']);
    expect(partial.code).toBe(0);
    expect(partial.stdout).toContain('Created 2 datum(s)');
    expect(await pathsIn('strict-partial')).toEqual(['data.csv', 'model/model.pkl']);
  });

  it("names the file a stem's sidecar meant, and keeps that file out rather than writing it without its metadata", async () => {
    const dir = folder({ 'model.pkl': 'PKL', 'model.metadata.json': '{"accuracy": 0.9}', 'other.txt': 'o' });
    const refused = await pedigree(['ingest', dir, '--execution', await newExecution('stem')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('  model.metadata.json: sidecar for a missing file: no output named "model"; did you mean model.pkl.metadata.json?');
    const partial = await pedigree(['ingest', dir, '--execution', await newExecution('stem-partial'), '--allow-partial']);
    expect(partial.code).toBe(0);
    expect(await pathsIn('stem-partial')).toEqual(['other.txt']);
  });
});

describe('--allow-partial and a manifest line that does not parse', () => {
  const MANIFEST = '{"file": "a.txt", "metadata": {"ok": true}}\n{"file": "b.txt", "metadata": {"ok": true}\n';

  it('leaves out the file the broken line names, and says which', async () => {
    const dir = folder({ 'a.txt': 'a', 'b.txt': 'b', 'valohai.metadata.jsonl': MANIFEST });
    const run = await pedigree(['ingest', dir, '--execution', await newExecution('line'), '--allow-partial']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Left out, with problems:\n {2}valohai\.metadata\.jsonl:2: invalid JSON: .* \[output b\.txt\]\n/);
    expect(await pathsIn('line')).toEqual(['a.txt']);
  });

  it('does the same in ingestOutputs with a manifest text', async () => {
    const files = [{ path: 'a.txt', size: 1, sha256: sha('a') }, { path: 'b.txt', size: 1, sha256: sha('b') }];
    const { ingestOutputs } = await api.ok(
      `mutation($id: ID!, $files: [IngestFile!]!, $manifest: String) { ingestOutputs(executionId: $id, files: $files, manifest: $manifest, allowPartial: true) { changes { path } problems { line output } } }`,
      { id: await newExecution('line-api'), files, manifest: MANIFEST },
    );
    expect(ingestOutputs).toEqual({ changes: [{ path: 'a.txt' }], problems: [{ line: 2, output: 'b.txt' }] });
  });
});

describe('--dry-run', () => {
  it('names the tags, alias and versions each file would get', async () => {
    const run = await pedigree(['ingest', join(packageRoot, 'test', 'fixtures', 'ingest', 'outputs'), '--execution', await newExecution('dry'), '--dry-run']);
    expect(run.code).toBe(0);
    const line = (path: string) => run.stdout.split('\n').find((l) => l.includes(` ${path} `) || l.endsWith(` ${path}`));
    expect(line('model/model.pkl')).toMatch(/^ {2}CREATE {10}model\/model\.pkl {2}\[.*\] {2}tags candidate; alias model-candidate; versions model:\/\/churn\/1$/);
    expect(line('train.csv')).toMatch(/ {2}versions dataset:\/\/churn-data\/v1$/);
    expect(line('subdir/sub2/file.txt')).toMatch(/ {2}tags nested$/);
    expect(await pathsIn('dry')).toEqual([]);
  });
});

/** A pass-through proxy in front of the API that records each ingestOutputs request and can fail chosen ones. */
async function proxy(fail: (call: { mode: string; n: number }) => boolean = () => false) {
  const calls: Array<{ mode: string; files: number }> = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const { query, variables } = JSON.parse(body);
    if (String(query).includes('ingestOutputs')) {
      const mode = variables.validateOnly ? 'validate' : variables.dryRun ? 'dry run' : 'write';
      calls.push({ mode, files: variables.files.length });
      if (fail({ mode, n: calls.filter((c) => c.mode === mode).length })) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: 'the API went away', extensions: { code: 'SERVICE_UNAVAILABLE' } }] }));
        return;
      }
    }
    const answer = await fetch(`${api.url}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: req.headers.authorization! }, body });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('requests', () => {
  it('sends a folder that fits in one request once: that request is all or nothing already', async () => {
    const p = await proxy();
    try {
      const run = await pedigree(['ingest', folder({ 'a.txt': 'a', 'b.txt': 'b' }), '--execution', await newExecution('once')], { PEDIGREE_URL: p.url });
      expect(run.code).toBe(0);
      expect(p.calls).toEqual([{ mode: 'write', files: 2 }]);
    } finally {
      await p.close();
    }
  });

  it('has every chunk validated (not dry-run) before writing any, so each file is written once; a chunk that fails while writing leaves the earlier ones, and a re-run finishes', async () => {
    const dir = folder({ '1.txt': '1', '2.txt': '2', '3.txt': '3', '4.txt': '4', '5.txt': '5' });
    const execution = await newExecution('chunks');
    const [log, error, progress] = [jest.spyOn(console, 'log').mockImplementation(() => undefined), jest.spyOn(console, 'error').mockImplementation(() => undefined), jest.spyOn(process.stderr, 'write').mockImplementation(() => true)];
    // the second write fails, as when the API goes away half-way
    const p = await proxy(({ mode, n }) => mode === 'write' && n === 2);
    try {
      const client = createClient({ PEDIGREE_URL: p.url, PEDIGREE_TOKEN: ADMIN_TOKEN() });
      expect(await ingestCommand(dir, { execution, chunk: 2 }, client)).toBe(1);
      expect(p.calls).toEqual([
        { mode: 'validate', files: 2 }, { mode: 'validate', files: 2 }, { mode: 'validate', files: 1 },
        { mode: 'write', files: 2 }, { mode: 'write', files: 2 },
      ]);
      expect(await pathsIn('chunks')).toEqual(['1.txt', '2.txt']);
      expect(error.mock.calls.flat().join('\n')).toBe(
        'pedigree ingest: SERVICE_UNAVAILABLE: the API went away\n2 of 5 files were written before this (in earlier requests); run the same command again to write the rest: what is written already stays unchanged',
      );
      expect(await ingestCommand(dir, { execution, chunk: 2 }, createClient({ PEDIGREE_URL: api.url, PEDIGREE_TOKEN: ADMIN_TOKEN() }))).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toContain('Created 3 datum(s), 2 unchanged');
      expect(await pathsIn('chunks')).toEqual(['1.txt', '2.txt', '3.txt', '4.txt', '5.txt']);
    } finally {
      [log, error, progress].forEach((spy) => spy.mockRestore());
      await p.close();
    }
  });
});
