import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { runNode } from '../support/cli.js';
import { cliEnv, cypher, errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';
import { fingerprint } from '../support/graph.js';

const fixtures = join(packageRoot, 'test', 'fixtures', 'ingest');
let api: TestApi;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
});
afterAll(() => api.close());

const newExecution = async (project: string) =>
  (await api.ok(`mutation($p: String!) { createExecution(input: {project: $p, name: "step"}) { id } }`, { p: project })).createExecution.id as string;

const pedigree = (args: string[]) => runNode(args, cliEnv(api));

const datumCount = async (project: string) => (await cypher('MATCH (d:Datum {project: $p}) RETURN count(d) AS n', { p: project })).records[0].get('n').toNumber();

describe('pedigree ingest', () => {
  let execution: string;
  beforeAll(async () => {
    execution = await newExecution('ingest');
  });

  it('registers every output with subfolders kept, reads sidecars and the manifest, and applies reserved keys', async () => {
    const run = await pedigree(['ingest', join(fixtures, 'outputs'), '--execution', execution]);
    expect(run.stderr).toContain('hashing: 5/5 files');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Created 5 datum(s), 0 unchanged');
    const { execution: e } = await api.ok(`query($id: ID!) { execution(id: $id) { outputs { path size sha256 } } }`, { id: execution });
    expect(e.outputs.map((o: { path: string }) => o.path)).toEqual(['model/metrics.json', 'model/model.pkl', 'subdir/sub2/file.txt', 'test.csv', 'train.csv']);
    const pkl = e.outputs.find((o: { path: string }) => o.path === 'model/model.pkl');
    expect(pkl).toEqual({ path: 'model/model.pkl', size: 9, sha256: sha256Of('PKL-BYTES') });
    const { datum } = await api.ok(`{ datum(uri: "datum://model-candidate") { path tags { name } modelVersions { uri } metadata { key group value source display } } }`);
    expect(datum.path).toBe('model/model.pkl');
    expect(datum.tags).toEqual([{ name: 'candidate' }]);
    expect(datum.modelVersions).toEqual([{ uri: 'model://churn/1' }]);
    expect(datum.metadata).toEqual([
      { key: 'framework', group: null, value: 'scikit-learn', source: 'MANIFEST', display: 'scikit-learn' },
      { key: 'accuracy', group: 'model_metrics', value: 0.93, source: 'SIDECAR', display: '0.93' },
      { key: 'size', group: 'model_metrics', value: 2400000, source: 'SIDECAR', display: '2.4 MB' },
    ]);
    const { datasetVersion } = await api.ok(`{ datasetVersion(uri: "dataset://churn-data/v1") { datums { edges { node { path } } } } }`);
    expect(datasetVersion.datums.edges.map((x: { node: { path: string } }) => x.node.path)).toEqual(['test.csv', 'train.csv']);
    const nested = await api.ok(`{ datums(filter: {project: "ingest", pathPrefix: "subdir/"}) { edges { node { tags { name } metadata { key type value } } } } }`);
    expect(nested.datums.edges[0].node).toEqual({ tags: [{ name: 'nested' }], metadata: [{ key: 'source', type: 'URI', value: 's3://bucket/raw/file.txt' }] });
  });

  it('changes nothing when the same folder is ingested again, and adds a datum for a changed file', async () => {
    const entries = async () => (await cypher('MATCH (m:MetadataEntry {project: "ingest"}) RETURN count(m) AS n')).records[0].get('n').toNumber();
    const before = await entries();
    const again = await pedigree(['ingest', join(fixtures, 'outputs'), '--execution', execution]);
    expect(again.stdout).toContain('Created 0 datum(s), 5 unchanged, 0 metadata value(s)');
    expect(await entries()).toBe(before);
    expect(await datumCount('ingest')).toBe(5);
    const { alias } = await api.ok(`{ alias(project: "ingest", name: "model-candidate") { history { totalCount } } }`);
    expect(alias.history.totalCount).toBe(1);

    const changed = mkdtempSync(join(tmpdir(), 'pedigree-changed-'));
    cpSync(join(fixtures, 'outputs'), changed, { recursive: true });
    writeFileSync(join(changed, 'test.csv'), 'id,amount\n3,31\n');
    const third = await pedigree(['ingest', changed, '--execution', execution]);
    expect(third.stdout).toContain('Created 1 datum(s), 4 unchanged');
    expect(await datumCount('ingest')).toBe(6);
  });

  it('prints what would change on --dry-run and writes nothing', async () => {
    const id = await newExecution('dry');
    const run = await pedigree(['ingest', join(fixtures, 'outputs'), '--execution', id, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('CREATE          model/model.pkl  [framework, model_metrics.accuracy, model_metrics.size]');
    expect(run.stdout).toContain('Dry run, nothing written: would create 5 datum(s)');
    expect(await datumCount('dry')).toBe(0);
  });

  it('reports every problem of a broken folder with file and line, and by default writes nothing', async () => {
    const id = await newExecution('broken');
    const run = await pedigree(['ingest', join(fixtures, 'broken'), '--execution', id, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.written).toBe(false);
    const expected = JSON.parse(readFileSync(join(fixtures, 'broken.expected.json'), 'utf8'));
    const got = [...report.problems].sort((a: { file: string; line?: number }, b: { file: string; line?: number }) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
    expect(got).toHaveLength(expected.length);
    got.forEach((problem: Record<string, unknown>, i: number) => {
      const want = expected[i];
      expect({ file: problem.file, line: problem.line, field: problem.field }).toEqual({ file: want.file, line: want.line, field: want.field });
      if (want.message.endsWith(': ')) expect(problem.message).toMatch(new RegExp('^' + want.message));
      else expect(problem.message).toBe(want.message);
    });
    expect(await datumCount('broken')).toBe(0);
  });

  it('with --allow-partial writes the files without problems and lists the rest', async () => {
    const id = await newExecution('partial');
    const run = await pedigree(['ingest', join(fixtures, 'broken'), '--execution', id, '--allow-partial']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Created 1 datum(s)');
    expect(run.stdout).toContain('valohai.metadata.jsonl:3: two JSON objects on one line: a newline is missing between them');
    const { datums } = await api.ok(`{ datums(filter: {project: "partial"}) { edges { node { path metadata { key value } } } } }`);
    expect(datums.edges).toEqual([{ node: { path: 'a.txt', metadata: [{ key: 'ok', value: true }] } }]);
  });

  it('explains a missing execution and an unreachable API', async () => {
    const missing = await pedigree(['ingest', join(fixtures, 'outputs'), '--execution', 'no-such-execution']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("NOT_FOUND: Execution 'no-such-execution' not found");
    expect((await pedigree(['ingest', '--help'])).stdout).toContain('--allow-partial');
  });
});

describe('ingestOutputs with a manifest text', () => {
  const INGEST = `mutation($id: ID!, $files: [IngestFile!]!, $manifest: String, $dry: Boolean) {
    ingestOutputs(executionId: $id, files: $files, manifest: $manifest, dryRun: $dry) { dryRun written created changes { path action keys } problems { file line message } }
  }`;
  const files = [{ path: 'a/x.bin', size: 3, sha256: sha('x') }, { path: 'y.bin', size: 4, sha256: sha('y') }];

  it('applies manifest lines by relative path', async () => {
    const id = await newExecution('mut');
    const manifest = '{"file": "a/x.bin", "metadata": {"n": 1}}\n\n{"file": "y.bin", "metadata": {"valohai.tags": ["t"]}}\n';
    const dry = await api.ok(INGEST, { id, files, manifest, dry: true });
    expect(dry.ingestOutputs).toMatchObject({ dryRun: true, written: false, created: 2 });
    expect(await datumCount('mut')).toBe(0);
    const { ingestOutputs } = await api.ok(INGEST, { id, files, manifest });
    expect(ingestOutputs.changes).toEqual([{ path: 'a/x.bin', action: 'CREATE', keys: ['n'] }, { path: 'y.bin', action: 'CREATE', keys: [] }]);
  });

  it('refuses a broken manifest with BAD_USER_INPUT naming the line, and writes nothing', async () => {
    const id = await newExecution('mutbad');
    const result = await api.gql(INGEST, { id, files, manifest: '{"file": "a/x.bin", "metadata": {"n": 1}}\n{"file": "zzz", "metadata": {}}' });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions).toMatchObject({ line: 2, field: 'file' });
    expect(result.errors![0].message).toBe('Nothing was ingested: 1 problem(s), first valohai.metadata.jsonl:2: "file" names no output of this ingestion: "zzz"');
    expect(await datumCount('mutbad')).toBe(0);
  });
});

describe('ingestOutputs with validateOnly', () => {
  const VALIDATE = `mutation($id: ID!, $files: [IngestFile!]!, $manifest: String, $partial: Boolean) {
    ingestOutputs(executionId: $id, files: $files, manifest: $manifest, validateOnly: true, allowPartial: $partial) {
      dryRun written created unchanged valuesWritten changes { path } problems { file line field message output } warnings { file line field output }
    }
  }`;
  const files = [
    { path: 'ok.bin', size: 3, sha256: sha('ok'), sidecar: { loss: 0.2 } },
    { path: 'bad.bin', size: 3, sha256: 'not-a-sha', sidecar: { 'system.host': 'mine' } },
  ];
  const manifest = '{"file": "ok.bin", "metadata": {"loss": 0.1}}\n{"file": "missing.bin", "metadata": {}}';

  it('answers the problems a write refuses, line for line, and the warnings, writing nothing', async () => {
    const id = await newExecution('validate');
    const before = await fingerprint();
    const checked = (await api.ok(VALIDATE, { id, files, manifest })).ingestOutputs;
    expect(await fingerprint()).toEqual(before);
    const refused = await api.gql(`mutation($id: ID!, $files: [IngestFile!]!, $manifest: String) { ingestOutputs(executionId: $id, files: $files, manifest: $manifest) { written } }`, { id, files, manifest });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    const problems = (refused.errors![0].extensions!.problems as Array<Record<string, unknown>>).map(({ file, line, field, message, output }) => ({ file, line: line ?? null, field: field ?? null, message, output: output ?? null }));
    expect(problems.map((p) => p.output)).toEqual(expect.arrayContaining(['bad.bin']));
    expect(checked).toEqual({ dryRun: true, written: false, created: 0, unchanged: 0, valuesWritten: 0, changes: [], problems, warnings: [{ file: 'valohai.metadata.jsonl', line: 1, field: 'loss', output: 'ok.bin' }] });
    expect(await datumCount('validate')).toBe(0);
  });

  it('answers no problem for a good request, and NOT_FOUND for an unknown execution, as a write would', async () => {
    const id = await newExecution('validate-ok');
    expect((await api.ok(VALIDATE, { id, files: files.slice(0, 1) })).ingestOutputs).toMatchObject({ dryRun: true, written: false, changes: [], problems: [], warnings: [] });
    expect(await datumCount('validate-ok')).toBe(0);
    expect(errorCode(await api.gql(VALIDATE, { id: 'no-such-execution', files: files.slice(0, 1) }))).toBe('NOT_FOUND');
  });
});

function sha256Of(text: string) {
  return createHash('sha256').update(text).digest('hex');
}
