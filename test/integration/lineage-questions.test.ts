/**
 * The lineage questions over the story and its second generation (test/fixtures/story,
 * chapter 2): filters that hide nodes and keep the graph connected, stop nodes, fan-out
 * caps, counts, the graph as of a time, impact, paths and diffs, each answer spelled out.
 */
import { buildSecondGeneration, namesOf, startStoryApi, type SecondGeneration, type Story } from '../fixtures/story/story.js';
import { errorCode, type TestApi } from '../support/api.js';

let api: TestApi;
let story: Story & SecondGeneration;

beforeAll(async () => {
  const started = await startStoryApi();
  api = started.api;
  story = { ...started.story, ...(await buildSecondGeneration(api, started.story)) };
}, 90_000);
afterAll(() => api.close());

const names = (ids: Iterable<string>) => namesOf(story, ids);
const LINEAGE = `query($id: ID!, $direction: LineageDirection, $depth: Int, $limit: Int, $filter: LineageFilter, $asOf: DateTime) {
  lineage(id: $id, direction: $direction, depth: $depth, limit: $limit, filter: $filter, asOf: $asOf) {
    nodes { id kind distance frontier } edges { from to type inputName via } depthReached truncated } }`;

type Edge = { from: string; to: string; type: string; inputName: string | null; via: string[] | null };
const lineage = async (variables: Record<string, unknown>) => (await api.ok(LINEAGE, variables)).lineage as { nodes: Array<{ id: string; kind: string; distance: number; frontier: boolean }>; edges: Edge[]; depthReached: number; truncated: boolean };
/** Edges as `from > to` in story names, DERIVED ones with their hidden hops. */
const readable = (edges: Edge[]) => edges.map((e) => `${names([e.from])[0]} > ${names([e.to])[0]}${e.type === 'DERIVED' ? ` via ${e.via!.map((v) => names([v])[0]).join(', ')}` : ` ${e.type}`}`).sort();

describe('LineageFilter', () => {
  it('downstream of train.csv to depth 3, unfiltered, for reference', async () => {
    const graph = await lineage({ id: story.trainCsv, direction: 'DOWNSTREAM', depth: 3 });
    expect(names(graph.nodes.map((n) => n.id))).toEqual(['datasetVersion', 'deploy', 'endpointJson', 'evaluate', 'metricsJson', 'modelPkl', 'modelVersion', 'reportJson', 'train']);
  });

  it('kinds: keeps datums only and joins them with DERIVED edges across the hidden executions and versions', async () => {
    const graph = await lineage({ id: story.trainCsv, direction: 'DOWNSTREAM', depth: 3, filter: { kinds: ['DATUM'] } });
    expect(names(graph.nodes.map((n) => n.id))).toEqual(['endpointJson', 'metricsJson', 'modelPkl', 'reportJson']);
    expect(readable(graph.edges)).toEqual([
      'modelPkl > endpointJson via modelVersion, deploy',
      'modelPkl > reportJson via evaluate',
      'trainCsv > metricsJson via train',
      'trainCsv > modelPkl via train',
    ]);
    expect(Object.fromEntries(graph.nodes.map((n) => [names([n.id])[0], n.distance]))).toEqual({ modelPkl: 1, metricsJson: 1, reportJson: 2, endpointJson: 3 });
  });

  it('kinds upstream: the DERIVED edge still points from the upstream node to the one derived from it', async () => {
    const graph = await lineage({ id: story.endpointJson, direction: 'UPSTREAM', depth: 2, filter: { kinds: ['DATUM'] } });
    expect(readable(graph.edges)).toEqual(['modelPkl > endpointJson via modelVersion, deploy']);
  });

  it('tagsAny: keeps the two candidate models, each joined to the raw file through its whole pipeline', async () => {
    const graph = await lineage({ id: story.raw, direction: 'DOWNSTREAM', depth: 3, filter: { tagsAny: ['candidate'] } });
    expect(names(graph.nodes.map((n) => n.id))).toEqual(['modelPkl', 'modelPkl2']);
    expect(readable(graph.edges)).toEqual(['raw > modelPkl via preprocess, trainCsv, train', 'raw > modelPkl2 via preprocess2, trainCsv2, train2']);
  });

  it('executionStatus: hides the failed evaluation', async () => {
    const graph = await lineage({ id: story.testCsv2, direction: 'DOWNSTREAM', depth: 1, filter: { executionStatus: ['COMPLETED'] } });
    expect(names(graph.nodes.map((n) => n.id))).toEqual(['reportJson2']);
    expect(readable(graph.edges)).toEqual(['testCsv2 > reportJson2 via evaluate2']);
  });

  it('metadata: keeps the training run whose accuracy passed, by group.key-free name', async () => {
    const graph = await lineage({ id: story.raw, direction: 'DOWNSTREAM', depth: 2, filter: { kinds: ['EXECUTION'], metadata: [{ key: 'accuracy', gt: 0.92 }] } });
    expect(names(graph.nodes.map((n) => n.id))).toEqual(['train']);
  });

  it('stopAt: answers the stop node, marks it frontier, and walks no further past it', async () => {
    const graph = await lineage({ id: story.trainCsv, direction: 'DOWNSTREAM', depth: 3, filter: { stopAt: [story.modelPkl] } });
    expect(names(graph.nodes.map((n) => n.id))).toEqual(['datasetVersion', 'metricsJson', 'modelPkl', 'train']);
    expect(names(graph.nodes.filter((n) => n.frontier).map((n) => n.id))).toEqual(['modelPkl']);
  });

  it('maxFanOut: follows at most that many neighbours per node and marks the nodes it cut', async () => {
    const graph = await lineage({ id: story.trainCsv, direction: 'DOWNSTREAM', depth: 3, filter: { maxFanOut: 1 } });
    // train.csv is read by train and contained in the dataset version: the newer, train, is followed
    expect(names(graph.nodes.filter((n) => n.distance === 1 && n.kind === 'EXECUTION').map((n) => n.id))).toEqual(['train']);
    expect(graph.nodes.some((n) => n.id === story.datasetVersion)).toBe(false);
    const out = new Map<string, number>();
    for (const e of graph.edges) {
      const walker = e.type === 'CONSUMED_BY' ? e.from : e.to;
      out.set(walker, (out.get(walker) ?? 0) + 1);
    }
    expect(Math.max(...out.values())).toBe(1);
  });

  it('walks hop by hop with the same answer as the single statement when nothing cuts it', async () => {
    const plain = await lineage({ id: story.raw, direction: 'DOWNSTREAM', depth: 4 });
    const stepped = await lineage({ id: story.raw, direction: 'DOWNSTREAM', depth: 4, filter: { maxFanOut: 10_000, stopAt: [story.raw] } });
    expect(stepped.nodes).toEqual(plain.nodes);
    expect(readable(stepped.edges)).toEqual(readable(plain.edges));
  });

  it('refuses maxFanOut < 1 and too many stop nodes, naming the argument', async () => {
    const zero = await api.gql(LINEAGE, { id: story.raw, filter: { maxFanOut: 0 } });
    expect([errorCode(zero), zero.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'filter.maxFanOut']);
    const many = await api.gql(LINEAGE, { id: story.raw, filter: { stopAt: Array.from({ length: 101 }, () => story.train) } });
    expect([errorCode(many), many.errors![0].extensions!.field]).toEqual(['LIMIT_EXCEEDED', 'filter.stopAt']);
  });
});

describe('lineageCount', () => {
  const COUNT = `query($id: ID!, $direction: LineageDirection, $depth: Int, $filter: LineageFilter, $asOf: DateTime) {
    lineageCount(id: $id, direction: $direction, depth: $depth, filter: $filter, asOf: $asOf) { total byKind { kind count } truncated } }`;

  it('counts what lineage would answer, by kind, the root not counted', async () => {
    const { lineageCount } = await api.ok(COUNT, { id: story.trainCsv, direction: 'DOWNSTREAM', depth: 3 });
    expect(lineageCount).toEqual({
      total: 9,
      byKind: [{ kind: 'DATASET_VERSION', count: 1 }, { kind: 'DATUM', count: 4 }, { kind: 'EXECUTION', count: 3 }, { kind: 'MODEL_VERSION', count: 1 }],
      truncated: false,
    });
    const datums = await api.ok(COUNT, { id: story.trainCsv, direction: 'DOWNSTREAM', depth: 3, filter: { kinds: ['DATUM'] } });
    expect(datums.lineageCount.total).toBe(4);
    const stopped = await api.ok(COUNT, { id: story.trainCsv, direction: 'DOWNSTREAM', depth: 3, filter: { stopAt: [story.modelPkl] } });
    expect(stopped.lineageCount.total).toBe(4);
  });

  it('counts both directions once each', async () => {
    const both = (await api.ok(COUNT, { id: story.train, depth: 1 })).lineageCount.total;
    const graph = await lineage({ id: story.train, depth: 1 });
    expect(both).toBe(graph.nodes.length);
  });
});

describe('asOf: the graph as it stood', () => {
  it('leaves out what the second generation recorded', async () => {
    const now = await lineage({ id: story.raw, direction: 'DOWNSTREAM', depth: 4 });
    const then = await lineage({ id: story.raw, direction: 'DOWNSTREAM', depth: 4, asOf: story.betweenGenerations });
    expect(now.nodes).toHaveLength(21);
    expect(names(then.nodes.map((n) => n.id))).toEqual(['datasetVersion', 'deploy', 'endpointJson', 'evaluate', 'metricsJson', 'modelPkl', 'modelVersion', 'preprocess', 'reportJson', 'testCsv', 'train', 'trainCsv']);
    expect(then.nodes.every((n) => !n.frontier || n.id === story.endpointJson)).toBe(true);
  });

  it('refuses a time in the future or before 1970, and a root recorded after the time', async () => {
    const future = await api.gql(LINEAGE, { id: story.raw, asOf: '2999-01-01T00:00:00Z' });
    expect([errorCode(future), future.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'asOf']);
    const ancient = await api.gql(LINEAGE, { id: story.raw, asOf: '1969-12-31T23:59:59Z' });
    expect([errorCode(ancient), ancient.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'asOf']);
    const before = await api.gql(LINEAGE, { id: story.raw2, asOf: story.betweenGenerations });
    expect([errorCode(before), before.errors![0].extensions!.field]).toEqual(['NOT_FOUND', 'id']);
  });
});

describe('impact', () => {
  const IMPACT = `query($id: ID!, $asOf: DateTime) { impact(id: $id, asOf: $asOf) {
    root { id distance } nodes { id kind distance } deployments { id } modelVersions { id uri status } datasetVersions { id uri }
    aliases { alias { name } datum { id } current } truncated } }`;

  it('of train.csv: everything downstream, the deployment, the approved model, the dataset and the alias that pointed at its model', async () => {
    const { impact } = await api.ok(IMPACT, { id: story.trainCsv });
    expect(impact.root).toEqual({ id: story.trainCsv, distance: 0 });
    expect(names(impact.nodes.map((n: { id: string }) => n.id))).toEqual(['datasetVersion', 'deploy', 'endpointJson', 'evaluate', 'metricsJson', 'modelPkl', 'modelVersion', 'reportJson', 'train']);
    expect(names(impact.deployments.map((e: { id: string }) => e.id))).toEqual(['deploy']);
    expect(impact.modelVersions).toEqual([{ id: story.modelVersion, uri: 'model://fraud/1', status: 'APPROVED' }]);
    expect(impact.datasetVersions).toEqual([{ id: story.datasetVersion, uri: 'dataset://transactions/2024-05' }]);
    expect(impact.aliases).toEqual([{ alias: { name: 'model-candidate' }, datum: { id: story.modelPkl }, current: false }]);
    expect(impact.truncated).toBe(false);
  });

  it('of the raw file: both generations, the pending model among them, and both places the alias pointed', async () => {
    const { impact } = await api.ok(IMPACT, { id: story.raw });
    expect(impact.modelVersions.map((v: { uri: string; status: string }) => `${v.uri} ${v.status}`).sort()).toEqual(['model://fraud/1 APPROVED', 'model://fraud/2 PENDING']);
    expect(impact.aliases.map((a: { datum: { id: string }; current: boolean }) => [names([a.datum.id])[0], a.current]).sort()).toEqual([['modelPkl', false], ['modelPkl2', true]]);
  });

  it('as of before the second generation: the alias still pointed at the first model', async () => {
    const { impact } = await api.ok(IMPACT, { id: story.trainCsv, asOf: story.betweenGenerations });
    expect(impact.aliases).toEqual([{ alias: { name: 'model-candidate' }, datum: { id: story.modelPkl }, current: true }]);
  });

  it('as of before the approval: the model version was still PENDING', async () => {
    const { impact } = await api.ok(IMPACT, { id: story.trainCsv, asOf: story.beforeChapterTwo });
    expect(impact.modelVersions).toEqual([{ id: story.modelVersion, uri: 'model://fraud/1', status: 'PENDING' }]);
  });
});

describe('datum(uri, asOf)', () => {
  it('is null for a datum recorded after the time, whatever the URI form', async () => {
    const DATUM = `query($uri: String!, $asOf: DateTime) { datum(uri: $uri, asOf: $asOf) { id } }`;
    expect((await api.ok(DATUM, { uri: 's3://acme-raw/transactions/2024-06.csv' })).datum).toEqual({ id: story.raw2 });
    expect((await api.ok(DATUM, { uri: 's3://acme-raw/transactions/2024-06.csv', asOf: story.betweenGenerations })).datum).toBeNull();
    expect((await api.ok(DATUM, { uri: `datum://${story.modelPkl2}`, asOf: story.betweenGenerations })).datum).toBeNull();
    expect((await api.ok(DATUM, { uri: `datum://${story.modelPkl}`, asOf: story.betweenGenerations })).datum).toEqual({ id: story.modelPkl });
    expect((await api.ok(DATUM, { uri: 'datum://model-candidate', asOf: story.betweenGenerations })).datum).toEqual({ id: story.modelPkl });
  });
});

describe('lineagePaths', () => {
  const PATHS = `query($from: ID!, $to: ID!, $maxHops: Int, $limit: Int, $asOf: DateTime) { lineagePaths(from: $from, to: $to, maxHops: $maxHops, limit: $limit, asOf: $asOf) {
    direction truncated paths { nodes { id distance } edges { from to type inputName } } } }`;
  const pathNames = (result: { paths: Array<{ nodes: Array<{ id: string }> }> }) => result.paths.map((p) => p.nodes.map((n) => names([n.id])[0]).join(' > '));

  it('from the raw file to the first report: both ways, shortest first', async () => {
    const { lineagePaths } = await api.ok(PATHS, { from: story.raw, to: story.reportJson });
    expect(lineagePaths.direction).toBe('DOWNSTREAM');
    expect(pathNames(lineagePaths)).toEqual(['raw > preprocess > testCsv > evaluate > reportJson', 'raw > preprocess > trainCsv > train > modelPkl > evaluate > reportJson']);
    expect(lineagePaths.paths[0].edges).toEqual([
      { from: story.raw, to: story.preprocess, type: 'CONSUMED_BY', inputName: 'raw' },
      { from: story.testCsv, to: story.preprocess, type: 'PRODUCED_BY', inputName: null },
      { from: story.testCsv, to: story.evaluate, type: 'CONSUMED_BY', inputName: 'test' },
      { from: story.reportJson, to: story.evaluate, type: 'PRODUCED_BY', inputName: null },
    ]);
    expect(lineagePaths.paths[1].nodes.map((n: { distance: number }) => n.distance)).toEqual([0, 1, 1, 2, 2, 3, 3]);
    expect(lineagePaths.truncated).toBe(false);
  });

  it('the other way round: UPSTREAM, from first', async () => {
    const { lineagePaths } = await api.ok(PATHS, { from: story.reportJson2, to: story.raw });
    expect(lineagePaths.direction).toBe('UPSTREAM');
    expect(pathNames(lineagePaths)).toEqual(['reportJson2 > evaluate2 > testCsv2 > preprocess2 > raw', 'reportJson2 > evaluate2 > modelPkl2 > train2 > trainCsv2 > preprocess2 > raw']);
  });

  it('within maxHops only, and cut at the limit with truncated', async () => {
    expect(pathNames((await api.ok(PATHS, { from: story.raw, to: story.reportJson, maxHops: 2 })).lineagePaths)).toEqual(['raw > preprocess > testCsv > evaluate > reportJson']);
    const one = (await api.ok(PATHS, { from: story.raw, to: story.reportJson, limit: 1 })).lineagePaths;
    expect([pathNames(one).length, one.truncated]).toEqual([1, true]);
  });

  it('null direction and no paths between nodes that are not connected', async () => {
    expect((await api.ok(PATHS, { from: story.reportJson, to: story.reportJson2 })).lineagePaths).toEqual({ direction: null, truncated: false, paths: [] });
  });

  it('as of before the second generation: its report is not there yet', async () => {
    const result = await api.gql(PATHS, { from: story.raw, to: story.reportJson2, asOf: story.betweenGenerations });
    expect([errorCode(result), result.errors![0].extensions!.field]).toEqual(['NOT_FOUND', 'to']);
  });

  it('refuses from = to and names an unknown end', async () => {
    const same = await api.gql(PATHS, { from: story.raw, to: story.raw });
    expect([errorCode(same), same.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'to']);
    const unknown = await api.gql(PATHS, { from: '00000000-0000-4000-8000-000000000000', to: story.raw });
    expect([errorCode(unknown), unknown.errors![0].extensions!.field]).toEqual(['NOT_FOUND', 'from']);
  });
});

describe('lineageDiff', () => {
  const DIFF = `query($a: ID!, $b: ID!) { lineageDiff(a: $a, b: $b) {
    a { id } b { id } common { id } onlyInA { id } onlyInB { id }
    executions { name a { id } b { id } changes { field a b } } } }`;

  it('model://fraud/1 against fraud/2: what changed, step by step', async () => {
    const { lineageDiff } = await api.ok(DIFF, { a: story.modelVersion, b: story.modelVersion2 });
    expect(names(lineageDiff.common.map((n: { id: string }) => n.id))).toEqual(['raw']);
    expect(names(lineageDiff.onlyInA.map((n: { id: string }) => n.id))).toEqual(['modelPkl', 'preprocess', 'train', 'trainCsv']);
    expect(names(lineageDiff.onlyInB.map((n: { id: string }) => n.id))).toEqual(['modelPkl2', 'preprocess2', 'raw2', 'train2', 'trainCsv2']);
    expect(lineageDiff.executions).toEqual([
      {
        name: 'preprocess',
        a: { id: story.preprocess },
        b: { id: story.preprocess2 },
        changes: [
          { field: 'commit', a: 'a1b2c3d', b: 'e4f5a6b' },
          { field: 'input.previous', a: null, b: story.raw },
          { field: 'input.raw', a: story.raw, b: story.raw2 },
        ],
      },
      {
        name: 'train',
        a: { id: story.train },
        b: { id: story.train2 },
        changes: [
          { field: 'parameters.learning_rate', a: null, b: 0.03 },
          { field: 'metadata.accuracy', a: 0.93, b: 0.91 },
          { field: 'input.train', a: story.trainCsv, b: story.trainCsv2 },
        ],
      },
    ]);
  });

  it('refuses two nodes of kinds that cannot be compared', async () => {
    for (const [a, b] of [[story.modelVersion, story.trainCsv], [story.train, story.train2]]) {
      const result = await api.gql(DIFF, { a, b });
      expect([errorCode(result), result.errors![0].extensions!.field]).toEqual(['BAD_USER_INPUT', 'b']);
    }
  });
});
