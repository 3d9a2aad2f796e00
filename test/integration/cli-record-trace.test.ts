import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from '../support/cli.js';
import { cliEnv, errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

/**
 * A pipeline recorded from a shell, the way a CI job or a Valohai-style step would: the
 * executions with `pedigree execution`, the outputs with `pedigree ingest --new-execution`,
 * and then `pedigree trace` on a copy of the model file someone was handed.
 */
let api: TestApi;
beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
});
afterAll(() => api.close());

const pedigree = (args: string[]) => runNode(args, cliEnv(api));
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1)!;
const EXECUTION = `query($id: ID!) { execution(id: $id) { name kind status commit repository image hardware host parameters parent { id } project { name } outputs { path } } }`;

describe('pedigree execution', () => {
  it('creates an execution with its record and prints the id on the last line', async () => {
    const made = await pedigree([
      'execution', 'create', 'train', '--project', 'shell', '--kind', 'adhoc', '--commit', 'c0ffee', '--repository', 'https://git.example.com/fraud.git',
      '--image', 'python:3.11', '--hardware', 'gpu-1', '--host', 'worker-7',
      '--parameters', '{"layers": [64, 32]}', '--parameters', 'lr=0.01', '--parameters', 'epochs=20', '--parameters', 'optimizer=adam',
    ]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    const id = lastLine(made.stdout);
    expect(made.stdout).toBe(`Created ADHOC execution train (QUEUED) in project shell:\n${id}\n`);
    const { execution } = await api.ok(EXECUTION, { id });
    expect(execution).toEqual({
      name: 'train', kind: 'ADHOC', status: 'QUEUED', commit: 'c0ffee', repository: 'https://git.example.com/fraud.git', image: 'python:3.11', hardware: 'gpu-1', host: 'worker-7',
      parameters: { layers: [64, 32], lr: 0.01, epochs: 20, optimizer: 'adam' }, parent: null, project: { name: 'shell' }, outputs: [],
    });
  });

  it('starts and finishes it, and says why a second finish is refused', async () => {
    const pipeline = lastLine((await pedigree(['execution', 'create', 'nightly', '--project', 'shell', '--kind', 'PIPELINE'])).stdout);
    const id = lastLine((await pedigree(['execution', 'create', 'step', '--project', 'shell', '--parent', pipeline])).stdout);
    expect((await api.ok(EXECUTION, { id })).execution).toMatchObject({ kind: 'STEP', parent: { id: pipeline } });
    const started = await pedigree(['execution', 'start', id]);
    expect(started.stdout).toMatch(new RegExp(`^Started step ${id} at \\d{4}-`));
    const finished = await pedigree(['execution', 'finish', id, '--status', 'completed']);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toMatch(new RegExp(`^Finished step ${id}: COMPLETED at \\S+ after [\\d.]+ s\\n$`));
    expect((await api.ok(EXECUTION, { id })).execution.status).toBe('COMPLETED');
    const again = await pedigree(['execution', 'finish', id, '--status', 'FAILED']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^pedigree execution: CONFLICT: /);
  });

  it('refuses a bad kind, status or parameter before asking the API', async () => {
    const kind = await pedigree(['execution', 'create', 'x', '--project', 'shell', '--kind', 'cron']);
    expect(kind.code).toBe(1);
    expect(kind.stderr).toContain("option '--kind <kind>' argument 'cron' is invalid. expected one of STEP, PIPELINE, NOTEBOOK, ADHOC, DEPLOYMENT");
    const twice = await pedigree(['execution', 'create', 'x', '--project', 'shell', '--parameters', 'lr=1', '--parameters', '{"lr": 2}']);
    expect(twice.stderr).toContain("parameter 'lr' given twice");
    expect((await pedigree(['execution', 'create', 'x', '--project', 'shell', '--parameters', 'lr'])).stderr).toContain("expected key=value or a JSON object, got 'lr'");
    expect((await pedigree(['execution', 'finish', 'x', '--status', 'DONE'])).stderr).toContain('expected one of COMPLETED, FAILED, STOPPED');
    expect((await pedigree(['execution', 'create', 'x'])).stderr).toContain("required option '--project <name>' not specified");
    const { executions } = await api.ok(`{ executions(filter: {project: "shell", name: "x"}) { totalCount } }`);
    expect(executions.totalCount).toBe(0);
  });
});

describe('pedigree ingest --new-execution', () => {
  it('records and starts the execution, ingests into it, and prints its id last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pedigree-new-'));
    writeFileSync(join(dir, 'a.txt'), 'a');
    writeFileSync(join(dir, 'a.txt.metadata.json'), '{"rows": 1}');
    const run = await pedigree(['ingest', dir, '--new-execution', 'export', '--project', 'shell', '--kind', 'step', '--commit', 'abc123', '--parameters', 'limit=5']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Created 1 datum(s), 0 unchanged, 1 metadata value(s)');
    const id = lastLine(run.stdout);
    const { execution } = await api.ok(EXECUTION, { id });
    expect(execution).toMatchObject({ name: 'export', kind: 'STEP', status: 'RUNNING', commit: 'abc123', parameters: { limit: 5 }, outputs: [{ path: 'a.txt' }] });
    const json = await pedigree(['ingest', dir, '--new-execution', 'export', '--project', 'shell', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ execution: expect.any(String), created: 1, written: true });
  });

  it('wants exactly one of --execution and --new-execution, and a project with a new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pedigree-usage-'));
    writeFileSync(join(dir, 'a.txt'), 'a');
    const cases: Array<[string[], string]> = [
      [[], 'pass one of --execution <id> (an existing execution) and --new-execution <name> (records one)'],
      [['--execution', 'x', '--new-execution', 'y', '--project', 'shell'], 'pass one of --execution <id>'],
      [['--new-execution', 'y'], '--new-execution needs --project <name>'],
      [['--execution', 'x', '--commit', 'abc'], '--commit describe(s) a new execution: use with --new-execution <name>, not --execution'],
      [['--new-execution', 'y', '--project', 'shell', '--dry-run'], '--dry-run checks against an existing execution'],
    ];
    for (const [args, message] of cases) {
      const run = await pedigree(['ingest', dir, ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`pedigree ingest: ${message}`);
    }
  });

  it('creates no execution when the folder is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pedigree-refused-'));
    writeFileSync(join(dir, 'a.txt'), 'a');
    writeFileSync(join(dir, 'a.txt.metadata.json'), '{"rows": ');
    const run = await pedigree(['ingest', dir, '--new-execution', 'refused', '--project', 'shell']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Nothing was ingested: 1 problem(s)');
    expect((await api.ok(`{ executions(filter: {name: "refused"}) { totalCount } }`)).executions.totalCount).toBe(0);
  });
});

describe('pedigree trace', () => {
  const MODEL = 'MODEL-BYTES-v1';
  const modelSha = createHash('sha256').update(MODEL).digest('hex');
  let outputs: string;
  let handed: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    outputs = mkdtempSync(join(tmpdir(), 'pedigree-train-'));
    mkdirSync(join(outputs, 'model'));
    writeFileSync(join(outputs, 'model', 'model.pkl'), MODEL);
    writeFileSync(join(outputs, 'model', 'model.pkl.metadata.json'), JSON.stringify({ accuracy: 0.93, 'valohai.alias': 'fraud-prod', 'valohai.tags': ['candidate'], 'valohai.model-versions': ['model://fraud/1'] }));
    writeFileSync(join(outputs, 'metrics.json'), '{}');
    // the file someone hands you: the same bytes, another name, elsewhere
    handed = join(mkdtempSync(join(tmpdir(), 'pedigree-handed-')), 'downloaded-model.bin');
    writeFileSync(handed, MODEL);

    ids.nightly = lastLine((await pedigree(['execution', 'create', 'nightly', '--project', 'trace', '--kind', 'PIPELINE'])).stdout);
    const train = await pedigree(['ingest', outputs, '--new-execution', 'train', '--project', 'trace', '--parent', ids.nightly, '--commit', 'c0ffee', '--image', 'python:3.11', '--repository', 'https://git.example.com/fraud.git']);
    expect(train.code).toBe(0);
    ids.train = lastLine(train.stdout);
    await api.ok(`mutation($id: ID!) { recordInputs(executionId: $id, inputs: [{uri: "s3://raw/transactions.csv", inputName: "raw"}]) { id } }`, { id: ids.train });
    for (const [name, kind, uri] of [['evaluate', 'STEP', 'datum://fraud-prod'], ['serve', 'DEPLOYMENT', 'model://fraud/1']]) {
      ids[name] = lastLine((await pedigree(['execution', 'create', name, '--project', 'trace', '--kind', kind])).stdout);
      await api.ok(`mutation($id: ID!, $uri: String!) { recordInputs(executionId: $id, inputs: [{uri: $uri, inputName: "model"}]) { id } }`, { id: ids[name], uri });
    }
    // the same bytes recorded once more, in another project
    const other = await pedigree(['ingest', outputs, '--new-execution', 'retrain', '--project', 'trace-copy']);
    expect(other.code).toBe(0);
  }, 60_000);

  it('lists datums by sha256 through the API, and refuses a value that is not one', async () => {
    const LIST = `query($sha: String, $project: String) { datums(filter: {sha256: $sha, project: $project}) { totalCount edges { node { path project { name } } } } }`;
    const both = await api.ok(LIST, { sha: modelSha.toUpperCase() });
    expect(both.datums.totalCount).toBe(2);
    expect(both.datums.edges.map((e: { node: { project: { name: string } } }) => e.node.project.name).sort()).toEqual(['trace', 'trace-copy']);
    expect((await api.ok(LIST, { sha: modelSha, project: 'trace' })).datums.edges).toEqual([{ node: { path: 'model/model.pkl', project: { name: 'trace' } } }]);
    expect((await api.ok(LIST, { sha: sha('nothing') })).datums.totalCount).toBe(0);
    for (const bad of ['', 'abc', modelSha.slice(1) + 'g']) {
      const refused = await api.gql(LIST, { sha: bad });
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(refused.errors![0].extensions!.field).toBe('filter.sha256');
      expect(refused.errors![0].message).toMatch(/^filter\.sha256: sha256 must be 64 hexadecimal characters, got /);
    }
  });

  it('shows the producer, its inputs, readers, deployments, aliases, tags and versions of a local file', async () => {
    const run = await pedigree(['trace', handed, '--project', 'trace']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { datums } = await api.ok(`{ datums(filter: {project: "trace", pathPrefix: "model/"}) { edges { node { id createdAt } } } }`);
    const datum = datums.edges[0].node;
    expect(run.stdout).toBe(
      [
        `${handed}  sha256 ${modelSha}`,
        '1 datum(s) with these bytes',
        '',
        `DATUM model/model.pkl  datum://${datum.id}  project trace  recorded ${datum.createdAt}`,
        `  produced by  train  STEP RUNNING  ${ids.train}`,
        '               commit c0ffee',
        '               image python:3.11',
        '               repository https://git.example.com/fraud.git',
        "  its inputs   transactions.csv  s3://raw/transactions.csv  (input 'raw')",
        `  read by      evaluate  STEP QUEUED  ${ids.evaluate}`,
        `  deployments  serve  DEPLOYMENT QUEUED  ${ids.serve}  (1 hop(s) downstream)`,
        '  aliases      datum://fraud-prod',
        '  tags         candidate',
        '  versions     model://fraud/1  PENDING',
        '',
      ].join('\n'),
    );
  });

  it('prints the same as JSON, every project the token reads by default', async () => {
    const run = await pedigree(['trace', handed, '--json']);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ file: handed, sha256: modelSha, total: 2 });
    const byProject = Object.fromEntries(report.datums.map((d: { project: { name: string } }) => [d.project.name, d]));
    expect(byProject.trace).toMatchObject({
      path: 'model/model.pkl',
      producer: { id: ids.train, name: 'train', commit: 'c0ffee', reads: [{ inputName: 'raw', alias: null, node: { uri: 's3://raw/transactions.csv' } }] },
      consumers: [{ id: ids.evaluate, name: 'evaluate' }],
      deployments: [{ id: ids.serve, name: 'serve', kind: 'DEPLOYMENT', distance: 1 }],
      aliases: [{ name: 'fraud-prod' }],
      modelVersions: [{ uri: 'model://fraud/1', status: 'PENDING' }],
      downstreamTruncated: false,
    });
    expect(byProject['trace-copy']).toMatchObject({ producer: { name: 'retrain' }, consumers: [], deployments: [] });
  });

  it('says when no datum has the bytes, and when the path is not a file', async () => {
    const missing = await pedigree(['trace', join(outputs, 'metrics.json'), '--project', 'nowhere']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('No datum with these bytes in the projects this token may read.');
    const folder = await pedigree(['trace', outputs]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toBe(`pedigree trace: ${outputs} is not a file\n`);
  });
});
