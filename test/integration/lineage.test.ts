import { namesOf, startStoryApi, type Story } from '../fixtures/story/story.js';
import { errorCode, type TestApi } from '../support/api.js';

let api: TestApi;
let story: Story;

beforeAll(async () => ({ api, story } = await startStoryApi()), 60_000);
afterAll(() => api.close());

const WALK = `query($id: ID!, $depth: Int!) {
  datum(id: $id) {
    upstream(depth: $depth) { id kind distance }
    downstream(depth: $depth) { id kind distance }
  }
}`;

async function walk(id: string, depth: number, direction: 'upstream' | 'downstream') {
  const data = await api.ok(WALK, { id, depth });
  return data.datum[direction] as Array<{ id: string; kind: string; distance: number }>;
}

describe('upstream of deploy/endpoint.json, hop by hop', () => {
  const expected: Record<number, string[]> = {
    1: ['deploy', 'modelVersion'],
    2: ['deploy', 'modelPkl', 'modelVersion', 'train'],
    3: ['deploy', 'modelPkl', 'modelVersion', 'preprocess', 'train', 'trainCsv'],
    4: ['deploy', 'modelPkl', 'modelVersion', 'preprocess', 'raw', 'train', 'trainCsv'],
  };
  for (const depth of [1, 2, 3, 4]) {
    it(`depth ${depth}`, async () => {
      const nodes = await walk(story.endpointJson, depth, 'upstream');
      expect(namesOf(story, nodes.map((n) => n.id))).toEqual(expected[depth]);
    });
  }

  it('gives each node its hop distance and kind', async () => {
    const nodes = await walk(story.endpointJson, 4, 'upstream');
    const distance = Object.fromEntries(nodes.map((n) => [namesOf(story, [n.id])[0], n.distance]));
    expect(distance).toEqual({ deploy: 1, modelVersion: 1, modelPkl: 2, train: 2, trainCsv: 3, preprocess: 3, raw: 4 });
    expect(nodes.find((n) => n.id === story.modelVersion)?.kind).toBe('MODEL_VERSION');
    expect(nodes.find((n) => n.id === story.deploy)?.kind).toBe('EXECUTION');
  });
});

describe('downstream of the raw s3:// datum, hop by hop', () => {
  const d1 = ['preprocess', 'testCsv', 'trainCsv'];
  const d2 = [...d1, 'datasetVersion', 'evaluate', 'metricsJson', 'modelPkl', 'reportJson', 'train'];
  const d3 = [...d2, 'deploy', 'modelVersion'];
  const expected: Record<number, string[]> = { 1: d1.sort(), 2: d2.sort(), 3: d3.sort(), 4: [...d3, 'endpointJson'].sort() };
  for (const depth of [1, 2, 3, 4]) {
    it(`depth ${depth}`, async () => {
      const nodes = await walk(story.raw, depth, 'downstream');
      expect(namesOf(story, nodes.map((n) => n.id))).toEqual(expected[depth]);
    });
  }
});

describe('Query.lineage for explorer frontends', () => {
  const LINEAGE = `query($id: ID!, $direction: LineageDirection, $depth: Int, $limit: Int) {
    lineage(id: $id, direction: $direction, depth: $depth, limit: $limit) {
      root { id }
      nodes { id kind distance frontier node { id ... on Datum { path } ... on Execution { name } } }
      edges { from to type inputName }
      depthReached
      truncated
    }
  }`;

  it('returns both directions around an execution with typed edges and input names', async () => {
    const { lineage } = await api.ok(LINEAGE, { id: story.train, direction: 'BOTH', depth: 1 });
    expect(lineage.root.id).toBe(story.train);
    expect(namesOf(story, lineage.nodes.map((n: { id: string }) => n.id))).toEqual(
      ['evaluate', 'metricsJson', 'modelPkl', 'modelVersion', 'preprocess', 'trainCsv'],
    );
    expect(lineage.truncated).toBe(false);
    expect(lineage.depthReached).toBe(1);
    expect(lineage.edges).toEqual(
      expect.arrayContaining([
        { from: story.trainCsv, to: story.train, type: 'CONSUMED_BY', inputName: 'train' },
        { from: story.modelPkl, to: story.train, type: 'PRODUCED_BY', inputName: null },
        { from: story.trainCsv, to: story.preprocess, type: 'PRODUCED_BY', inputName: null },
        { from: story.modelPkl, to: story.evaluate, type: 'CONSUMED_BY', inputName: 'model' },
        { from: story.modelVersion, to: story.modelPkl, type: 'CONTAINS', inputName: null },
      ]),
    );
    // every edge joins two returned nodes (or the root)
    const ids = new Set([story.train, ...lineage.nodes.map((n: { id: string }) => n.id)]);
    for (const e of lineage.edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
    const pkl = lineage.nodes.find((n: { id: string }) => n.id === story.modelPkl);
    expect(pkl.node.path).toBe('model/model.pkl');
  });

  it('marks nodes cut off by the depth as frontier', async () => {
    const { lineage } = await api.ok(LINEAGE, { id: story.endpointJson, direction: 'UPSTREAM', depth: 1 });
    const frontier = lineage.nodes.filter((n: { frontier: boolean }) => n.frontier).map((n: { id: string }) => n.id);
    expect(namesOf(story, frontier)).toEqual(['modelVersion']);
  });

  it('truncates at the limit, nearest first, and says so', async () => {
    const { lineage } = await api.ok(LINEAGE, { id: story.raw, direction: 'DOWNSTREAM', depth: 4, limit: 4 });
    expect(lineage.truncated).toBe(true);
    expect(lineage.nodes).toHaveLength(4);
    expect(lineage.nodes.map((n: { distance: number }) => n.distance)).toEqual([1, 1, 1, 2]);
    const full = await api.ok(LINEAGE, { id: story.raw, direction: 'DOWNSTREAM', depth: 4, limit: 500 });
    expect(full.lineage.truncated).toBe(false);
    expect(full.lineage.nodes).toHaveLength(12);
    expect(full.lineage.depthReached).toBe(4);
  });

  it('rejects a depth past the maximum with the allowed range', async () => {
    const result = await api.gql(LINEAGE, { id: story.raw, depth: 900 });
    expect(errorCode(result)).toBe('LIMIT_EXCEEDED');
    expect(result.errors![0].message).toBe('depth must be 1..50, got 900');
  });

  it('answers NOT_FOUND for an unknown root and BAD_USER_INPUT for a non-lineage node', async () => {
    expect(errorCode(await api.gql(LINEAGE, { id: '00000000-0000-4000-8000-000000000000' }))).toBe('NOT_FOUND');
    const { alias } = await api.ok(`{ alias(project: "story", name: "model-candidate") { id } }`);
    expect(errorCode(await api.gql(LINEAGE, { id: alias.id }))).toBe('BAD_USER_INPUT');
  });
});

describe('the story records what a notebook would read back', () => {
  it('keeps the reproducibility record, the pipeline structure and the alias an input came through', async () => {
    const { execution } = await api.ok(`query($id: ID!) { execution(id: $id) {
      name kind status commit image hardware parameters duration createdBy
      parent { name kind steps { name } }
      reads { inputName alias node { id } }
      outputs { path }
    } }`, { id: story.evaluate });
    expect(execution).toMatchObject({ name: 'evaluate', kind: 'STEP', status: 'COMPLETED', commit: 'a1b2c3d', image: 'python:3.11', parameters: { step: 'evaluate' } });
    expect(execution.duration).toBeGreaterThanOrEqual(0);
    expect(execution.parent.name).toBe('nightly');
    expect(execution.parent.steps.map((s: { name: string }) => s.name)).toEqual(['preprocess', 'train', 'evaluate', 'deploy']);
    expect(execution.reads).toEqual([
      { inputName: 'model', alias: 'model-candidate', node: { id: story.modelPkl } },
      { inputName: 'test', alias: null, node: { id: story.testCsv } },
    ]);
    expect(execution.outputs).toEqual([{ path: 'eval/report.json' }]);
  });

  it('resolves datum://, model:// and dataset:// URIs', async () => {
    const data = await api.ok(`{
      byAlias: datum(uri: "datum://model-candidate") { id }
      external: datum(uri: "s3://acme-raw/transactions/2024-05.csv") { id external path }
      mv: modelVersion(uri: "model://fraud/1") { id status version model { name latestApproved { id } } datums { totalCount edges { node { path } } } consumers { name } }
      dv: datasetVersion(uri: "dataset://transactions/2024-05") { id version datums(first: 1) { totalCount pageInfo { hasNextPage endCursor } edges { node { path } } } }
    }`);
    expect(data.byAlias.id).toBe(story.modelPkl);
    expect(data.external).toEqual({ id: story.raw, external: true, path: 'transactions/2024-05.csv' });
    expect(data.mv).toMatchObject({ id: story.modelVersion, status: 'PENDING', version: 1, model: { name: 'fraud', latestApproved: null } });
    expect(data.mv.datums).toEqual({ totalCount: 1, edges: [{ node: { path: 'model/model.pkl' } }] });
    expect(data.mv.consumers).toEqual([{ name: 'deploy' }]);
    expect(data.dv.datums.totalCount).toBe(2);
    expect(data.dv.datums.pageInfo.hasNextPage).toBe(true);
    const next = await api.ok(`query($after: String) { datasetVersion(uri: "dataset://transactions/2024-05") { datums(first: 1, after: $after) { edges { node { path } } pageInfo { hasNextPage } } } }`, { after: data.dv.datums.pageInfo.endCursor });
    expect([data.dv.datums.edges[0].node.path, next.datasetVersion.datums.edges[0].node.path]).toEqual(['processed/test.csv', 'processed/train.csv']);
    expect(next.datasetVersion.datums.pageInfo.hasNextPage).toBe(false);
  });
});
