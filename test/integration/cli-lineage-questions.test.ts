/**
 * `pedigree impact`, `pedigree paths` and `pedigree diff` over the story and its second
 * generation (test/fixtures/story, chapter 2), run as processes against a real API: what a
 * terminal shows, --json against the API's own answer, --as-of, errors and --help.
 */
import { DIFF_DEPTH, IMPACT_DEPTH, IMPACT_LIMIT, PATH_HOPS, PATH_LIMIT } from '../../src/domain/lineage.js';
import { DIFF } from '../../src/cli/diff.js';
import { IMPACT } from '../../src/cli/impact.js';
import { PATHS } from '../../src/cli/paths.js';
import { runNode } from '../support/cli.js';
import { cliEnv, type TestApi } from '../support/api.js';
import { buildSecondGeneration, startStoryApi, type SecondGeneration, type Story } from '../fixtures/story/story.js';

let api: TestApi;
let story: Story & SecondGeneration;

beforeAll(async () => {
  const started = await startStoryApi();
  api = started.api;
  story = { ...started.story, ...(await buildSecondGeneration(api, started.story)) };
}, 90_000);
afterAll(() => api.close());

/** The output with every story id (and the time between the generations) replaced by `<name>`. */
const named = (text: string) => Object.entries(story).reduce((t, [name, id]) => t.replaceAll(id, `<${name}>`), text);
const cli = (args: string[]) => runNode(args, cliEnv(api));

/** The lines a command prints, ids as they are. */
async function rawLines(args: string[]): Promise<string[]> {
  const { code, stdout, stderr } = await cli(args);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout.trimEnd().split('\n');
}

/** The lines a command prints, story ids named. */
const lines = async (args: string[]) => (await rawLines(args)).map(named);

/**
 * The table under a step of a diff as named cells, after checking on the printed text that
 * every row's cells start where the header's do (ids are longer than their names, so the
 * columns are checked before naming).
 */
function stepTable(raw: string[], step: string): string[][] {
  const start = raw.findIndex((line) => line.startsWith(`${step}: `)) + 1;
  const rows = raw.slice(start, raw.indexOf('', start));
  const cellsOf = (row: string) => [...row.matchAll(/\S+(?: \S+)*/g)];
  const columns = cellsOf(rows[0]).map((m) => m.index);
  for (const row of rows) expect(cellsOf(row).map((m) => m.index)).toEqual(columns);
  return rows.map((row) => cellsOf(row).map((m) => named(m[0])));
}

async function fails(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await cli(args);
  expect([code, stdout]).toEqual([1, '']);
  return named(stderr);
}

const RAW_URI = 's3://acme-raw/transactions/2024-05.csv';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('pedigree impact', () => {
  it('of train.csv: deployments and pending approvals first, then aliases, then the downstream by kind with distances, then the counts', async () => {
    expect(await lines(['impact', `datum://${story.trainCsv}`])).toEqual([
      'Impact of DATUM processed/train.csv  datum://<trainCsv>',
      '',
      'deployments       deploy  DEPLOYMENT COMPLETED  <deploy>  (2 hops)',
      'pending approval  -',
      'aliases           datum://model-candidate  past     pointed at model/model.pkl  datum://<modelPkl>',
      '',
      'DATUM (4)',
      '   1  model/metrics.json  datum://<metricsJson>',
      '   1  model/model.pkl  datum://<modelPkl>',
      '   2  eval/report.json  datum://<reportJson>',
      '   3  deploy/endpoint.json  datum://<endpointJson>',
      '',
      'EXECUTION (3)',
      '   1  train  STEP COMPLETED  <train>',
      '   2  deploy  DEPLOYMENT COMPLETED  <deploy>',
      '   2  evaluate  STEP COMPLETED  <evaluate>',
      '',
      'MODEL_VERSION (1)',
      '   2  model://fraud/1  APPROVED',
      '',
      'DATASET_VERSION (1)',
      '   1  dataset://transactions/2024-05',
      '',
      '9 nodes downstream within 10 hops (4 datums, 3 executions, 1 model version, 1 dataset version); 1 deployment, 0 pending approvals, 1 alias; complete',
    ]);
  });

  it('of the raw file: the pending fraud/2 on top, the alias current on the new model and past on the old one', async () => {
    const out = await lines(['impact', RAW_URI]);
    expect(out[0]).toBe(`Impact of DATUM transactions/2024-05.csv  ${RAW_URI}`);
    expect(out.slice(2, 6)).toEqual([
      'deployments       deploy  DEPLOYMENT COMPLETED  <deploy>  (3 hops)',
      'pending approval  model://fraud/2  (3 hops)',
      'aliases           datum://model-candidate  current  points at model/model.pkl  datum://<modelPkl2>',
      '                  datum://model-candidate  past     pointed at model/model.pkl  datum://<modelPkl>',
    ]);
    expect(out).toEqual(expect.arrayContaining(['MODEL_VERSION (2)', '   3  model://fraud/1  APPROVED', '   3  model://fraud/2  PENDING', '   2  evaluate  STEP FAILED  <evaluate2>']));
    expect(out.at(-1)).toBe('21 nodes downstream within 10 hops (11 datums, 7 executions, 2 model versions, 1 dataset version); 1 deployment, 1 pending approval, 2 aliases; complete');
  });

  it('says when the answer was cut at --limit, and marks the nodes with more beyond --depth', async () => {
    const cut = await lines(['impact', story.raw, '--limit', '3']);
    // which three of the six nodes at distance 1 is the API's choice
    expect(cut.at(-1)).toMatch(/^3 nodes downstream within 10 hops \(.+\); 0 deployments, 0 pending approvals, 0 aliases; truncated at 3 nodes \(raise --limit\)$/);
    const shallow = await lines(['impact', story.trainCsv, '--depth', '1']);
    expect(shallow).toContain('   1  model/model.pkl  datum://<modelPkl> …');
    expect(shallow.at(-1)).toMatch(/^4 nodes downstream within 1 hop \(/);
  });

  it('--as-of before the second generation: the alias was current on the first model, and an alias root resolves as it stood', async () => {
    const then = await lines(['impact', story.trainCsv, '--as-of', story.betweenGenerations]);
    expect(then[0]).toBe('Impact of DATUM processed/train.csv  datum://<trainCsv>, as of <betweenGenerations>');
    expect(then[4]).toBe('aliases           datum://model-candidate  current  points at model/model.pkl  datum://<modelPkl>');
    expect((await lines(['impact', 'datum://model-candidate']))[0]).toBe('Impact of DATUM model/model.pkl  datum://<modelPkl2>');
    expect((await lines(['impact', 'datum://model-candidate', '--as-of', story.betweenGenerations]))[0]).toBe(
      'Impact of DATUM model/model.pkl  datum://<modelPkl>, as of <betweenGenerations>',
    );
  });

  it('--json prints the API answer, asked with the default depth and limit', async () => {
    const { code, stdout } = await cli(['impact', 'model://fraud/1', '--json']);
    expect(code).toBe(0);
    const { impact } = await api.ok(IMPACT, { id: story.modelVersion, depth: IMPACT_DEPTH.default, limit: IMPACT_LIMIT.default });
    expect(JSON.parse(stdout)).toEqual(impact);
    expect(impact.deployments).toEqual([{ id: story.deploy }]);
    const then = JSON.parse((await cli(['impact', story.trainCsv, '--json', '--as-of', story.betweenGenerations])).stdout);
    expect(then).toEqual((await api.ok(IMPACT, { id: story.trainCsv, depth: IMPACT_DEPTH.default, limit: IMPACT_LIMIT.default, asOf: story.betweenGenerations })).impact);
    expect(then.aliases.map((a: { current: boolean }) => a.current)).toEqual([true]);
  });

  it('an unknown id or URI, or a time in the future: the message and exit code 1', async () => {
    expect(await fails(['impact', UNKNOWN])).toBe(`pedigree impact: NOT_FOUND: Node '${UNKNOWN}' not found\n`);
    expect(await fails(['impact', 'datum://no-such-alias'])).toBe("pedigree impact: nothing found at 'datum://no-such-alias'\n");
    expect(await fails(['impact', story.raw, '--as-of', '2999-01-01T00:00:00Z'])).toMatch(/^pedigree impact: BAD_USER_INPUT: asOf must not be in the future/);
  });
});

describe('pedigree paths', () => {
  it('from the raw file to the first report: downstream, each path as a chain with its inputs, shortest first', async () => {
    expect(await lines(['paths', RAW_URI, story.reportJson])).toEqual([
      `DOWNSTREAM: eval/report.json is downstream of ${RAW_URI}`,
      `  1. 2 hops: ${RAW_URI} ─[raw]→ preprocess → processed/test.csv ─[test]→ evaluate → eval/report.json`,
      `  2. 3 hops: ${RAW_URI} ─[raw]→ preprocess → processed/train.csv ─[train]→ train → model/model.pkl ─[model]→ evaluate → eval/report.json`,
      '2 paths within 10 hops, shortest first',
    ]);
  });

  it('the other way round from the second report: upstream, through the input the second preprocess calls previous', async () => {
    expect(await lines(['paths', `datum://${story.reportJson2}`, RAW_URI])).toEqual([
      `UPSTREAM: ${RAW_URI} is upstream of eval/report.json`,
      `  1. 2 hops: eval/report.json ← evaluate ←[test]─ processed/test.csv ← preprocess ←[previous]─ ${RAW_URI}`,
      `  2. 3 hops: eval/report.json ← evaluate ←[model]─ model/model.pkl ← train ←[train]─ processed/train.csv ← preprocess ←[previous]─ ${RAW_URI}`,
      '2 paths within 10 hops, shortest first',
    ]);
  });

  it('says when paths were left out, and when two nodes are not connected', async () => {
    expect((await lines(['paths', story.raw, story.reportJson, '--limit', '1'])).at(-1)).toBe('1 path within 10 hops, shortest first; truncated: more paths exist (raise --limit)');
    expect(await lines(['paths', story.reportJson, story.reportJson2, '--max-hops', '4'])).toEqual(["'<reportJson>' and '<reportJson2>' are not connected within 4 hops"]);
  });

  it('--as-of: the alias leads to the model it pointed at then, read through the first preprocess', async () => {
    const now = await lines(['paths', RAW_URI, 'datum://model-candidate']);
    expect(now[1]).toBe(`  1. 2 hops: ${RAW_URI} ─[previous]→ preprocess → processed/train.csv ─[train]→ train → model/model.pkl`);
    const then = await lines(['paths', RAW_URI, 'datum://model-candidate', '--as-of', story.betweenGenerations]);
    expect(then).toEqual([
      `DOWNSTREAM: model/model.pkl is downstream of ${RAW_URI} as of <betweenGenerations>`,
      `  1. 2 hops: ${RAW_URI} ─[raw]→ preprocess → processed/train.csv ─[train]→ train → model/model.pkl`,
      '1 path within 10 hops, shortest first',
    ]);
  });

  it('--json prints the API answer, asked with the default hops and limit', async () => {
    const { code, stdout } = await cli(['paths', story.raw, story.reportJson, '--json']);
    expect(code).toBe(0);
    const { lineagePaths } = await api.ok(PATHS, { from: story.raw, to: story.reportJson, maxHops: PATH_HOPS.default, limit: PATH_LIMIT.default });
    expect(JSON.parse(stdout)).toEqual(lineagePaths);
    expect(lineagePaths.paths).toHaveLength(2);
  });

  it('an unknown end, the same node twice, or an end recorded after --as-of: the message and exit code 1', async () => {
    expect(await fails(['paths', UNKNOWN, story.raw])).toMatch(new RegExp(`^pedigree paths: NOT_FOUND: .*${UNKNOWN}`));
    expect(await fails(['paths', story.raw, 'datum://no-such-alias'])).toBe("pedigree paths: nothing found at 'datum://no-such-alias'\n");
    expect(await fails(['paths', story.raw, story.raw])).toBe('pedigree paths: BAD_USER_INPUT: from and to must be different nodes\n');
    expect(await fails(['paths', story.raw, story.reportJson2, '--as-of', story.betweenGenerations])).toMatch(/^pedigree paths: NOT_FOUND: /);
  });
});

describe('pedigree diff', () => {
  it('model://fraud/1 against fraud/2: a table of what changed per step, then the counts', async () => {
    const raw = await rawLines(['diff', 'model://fraud/1', 'model://fraud/2']);
    const out = raw.map(named);
    expect(out.slice(0, 9)).toEqual([
      'Upstreams compared',
      'a  MODEL_VERSION   model://fraud/1  APPROVED',
      'b  MODEL_VERSION   model://fraud/2  PENDING',
      '',
      'preprocess: a <preprocess> (COMPLETED), b <preprocess2> (COMPLETED)',
      '  FIELD           A                                       B',
      '  commit          a1b2c3d                                 e4f5a6b',
      `  input.previous  -                                       ${RAW_URI}`,
      `  input.raw       ${RAW_URI}  s3://acme-raw/transactions/2024-06.csv`,
    ]);
    expect(out.slice(9, 11)).toEqual(['', 'train: a <train> (COMPLETED), b <train2> (COMPLETED)']);
    expect(stepTable(raw, 'train')).toEqual([
      ['FIELD', 'A', 'B'],
      ['parameters.learning_rate', '-', '0.03'],
      ['metadata.accuracy', '0.93', '0.91'],
      ['input.train', 'processed/train.csv (datum://<trainCsv>)', 'processed/train.csv (datum://<trainCsv2>)'],
    ]);
    expect(out.slice(15)).toEqual(['', '1 common, 4 only in a, 5 only in b (upstream nodes within 5 hops)']);
  });

  it('two reports: the failed evaluation paired with the passed one', async () => {
    const raw = await rawLines(['diff', story.reportJson, story.reportJson2, '--depth', '1']);
    const out = raw.map(named);
    expect(out.slice(0, 5)).toEqual([
      'Upstreams compared',
      'a  DATUM           eval/report.json  datum://<reportJson>',
      'b  DATUM           eval/report.json  datum://<reportJson2>',
      '',
      'evaluate: a <evaluate> (COMPLETED), b <evaluate2> (FAILED)',
    ]);
    expect(stepTable(raw, 'evaluate')).toEqual([
      ['FIELD', 'A', 'B'],
      ['input.model', 'model/model.pkl (datum://<modelPkl>)', 'model/model.pkl (datum://<modelPkl2>)'],
      ['input.test', 'processed/test.csv (datum://<testCsv>)', 'processed/test.csv (datum://<testCsv2>)'],
    ]);
    expect(out.at(-1)).toBe('0 common, 3 only in a, 3 only in b (upstream nodes within 1 hop)');
  });

  it('--json prints the API answer, asked with the default depth', async () => {
    const { code, stdout } = await cli(['diff', story.modelVersion, story.modelVersion2, '--json']);
    expect(code).toBe(0);
    const { lineageDiff } = await api.ok(DIFF, { a: story.modelVersion, b: story.modelVersion2, depth: DIFF_DEPTH.default });
    expect(JSON.parse(stdout)).toEqual(lineageDiff);
    expect(lineageDiff.executions.map((e: { name: string }) => e.name)).toEqual(['preprocess', 'train']);
  });

  it('an unknown id, or two nodes that cannot be compared: the message and exit code 1', async () => {
    expect(await fails(['diff', UNKNOWN, story.modelVersion])).toMatch(new RegExp(`^pedigree diff: NOT_FOUND: .*${UNKNOWN}`));
    expect(await fails(['diff', 'model://fraud/1', story.trainCsv])).toBe(
      'pedigree diff: BAD_USER_INPUT: lineageDiff compares two datums, two model versions or two dataset versions; got MODEL_VERSION and DATUM\n',
    );
  });
});

describe('--help', () => {
  it.each([
    ['impact', 'What breaks if a datum, execution, model version or dataset version is wrong', [`--depth <n>`, `(default: ${IMPACT_DEPTH.default})`, `(default: ${IMPACT_LIMIT.default})`, '--as-of <time>', '--project <name>', '--json']],
    ['paths', 'How one node led to another', ['<from> <to>', `--max-hops <n>`, `(default: ${PATH_HOPS.default})`, `(default: ${PATH_LIMIT.default})`, '--as-of <time>', '--json']],
    ['diff', 'Why two datums, model versions or dataset versions differ', ['<a> <b>', `(default: ${DIFF_DEPTH.default})`, '--project <name>', '--json']],
  ])('pedigree %s --help says what it answers and lists its options with their defaults', async (command, answers, options) => {
    const { code, stdout } = await cli([command, '--help']);
    expect(code).toBe(0);
    const text = stdout.replace(/\s+/g, ' ');
    expect(text).toContain(answers);
    for (const option of options) expect(text).toContain(option);
    expect(text).toContain('PEDIGREE_URL');
  });
});
