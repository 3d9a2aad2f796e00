import { loadConfig } from '../../src/config.js';
import { createDriver } from '../../src/db/driver.js';
import { cypher, errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

let api: TestApi;
let datums: string[];
let execution: string;

const ENTRY = 'key group type value display source loggedBy';
const LOG = `mutation($t: ID!, $m: JSONObject!, $e: ID) { logMetadata(target: $t, metadata: $m, execution: $e) { target { id } entries { ${ENTRY} } } }`;
const META = `query($id: ID!, $keys: [String!], $history: Boolean) { node(id: $id) { ... on Datum { metadata(keys: $keys, history: $history) { ${ENTRY} supersedes { value } execution { name } } } ... on Execution { metadata(keys: $keys, history: $history) { ${ENTRY} } } } }`;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  execution = (await api.ok(`mutation { createExecution(input: {project: "meta", name: "train", host: "gpu-7", image: "torch:2", hardware: "a100"}) { id } }`)).createExecution.id;
  const outputs = Array.from({ length: 6 }, (_, i) => ({ path: `out/${i}.pkl`, size: 100 + i, sha256: sha(`m${i}`) }));
  datums = (await api.ok(`mutation($id: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $o) { id } }`, { id: execution, o: outputs })).recordOutputs.map((d: { id: string }) => d.id);
});
afterAll(() => api.close());

const metadata = async (id: string, extra: object = {}) => (await api.ok(META, { id, ...extra })).node.metadata;

describe('logMetadata', () => {
  it('stores plain, grouped and typed values and applies the reserved keys in the same transaction', async () => {
    const { logMetadata } = await api.ok(LOG, {
      t: datums[0],
      e: execution,
      m: {
        accuracy: 0.95,
        model_metrics: { f1: 0.91, size: { $type: 'StorageSize', value: 2400000 } },
        source: { $type: 'Uri', value: 's3://bucket/train.csv' },
        'valohai.tags': ['candidate'],
        'valohai.alias': 'model-prod',
        'valohai.dataset-versions': ['dataset://features/v1'],
        'valohai.model-versions': ['model://fraud/3'],
      },
    });
    expect(logMetadata.entries.map((e: { key: string }) => e.key).sort()).toEqual(['accuracy', 'f1', 'size', 'source']);
    const current = await metadata(datums[0]);
    expect(current).toEqual([
      { key: 'accuracy', group: null, type: 'NUMBER', value: 0.95, display: '0.95', source: 'API', loggedBy: 'admin', supersedes: null, execution: { name: 'train' } },
      { key: 'source', group: null, type: 'URI', value: 's3://bucket/train.csv', display: 's3://bucket/train.csv', source: 'API', loggedBy: 'admin', supersedes: null, execution: { name: 'train' } },
      { key: 'f1', group: 'model_metrics', type: 'NUMBER', value: 0.91, display: '0.91', source: 'API', loggedBy: 'admin', supersedes: null, execution: { name: 'train' } },
      { key: 'size', group: 'model_metrics', type: 'STORAGE_SIZE', value: 2400000, display: '2.4 MB', source: 'API', loggedBy: 'admin', supersedes: null, execution: { name: 'train' } },
    ]);
    const { datum } = await api.ok(`query($id: ID!) { datum(id: $id) { tags { name } aliases { name } datasetVersions { uri } modelVersions { uri status } } }`, { id: datums[0] });
    expect(datum).toEqual({ tags: [{ name: 'candidate' }], aliases: [{ name: 'model-prod' }], datasetVersions: [{ uri: 'dataset://features/v1' }], modelVersions: [{ uri: 'model://fraud/3', status: 'PENDING' }] });
    const next = await api.ok(`mutation($d: [ID!]!) { createModelVersion(project: "meta", model: "fraud", datumIds: $d) { version } }`, { d: [datums[0]] });
    expect(next.createModelVersion.version).toBe(4);
  });

  it('keeps history: the latest value by default, every entry newest first on request', async () => {
    await api.ok(LOG, { t: datums[1], m: { accuracy: 0.8 } });
    await api.ok(LOG, { t: datums[1], m: { accuracy: 0.85 } });
    await api.ok(LOG, { t: datums[1], m: { accuracy: 0.9, loss: 0.2 } });
    expect((await metadata(datums[1], { keys: ['accuracy'] })).map((e: { value: number }) => e.value)).toEqual([0.9]);
    const history = await metadata(datums[1], { keys: ['accuracy'], history: true });
    expect(history.map((e: { value: number }) => e.value)).toEqual([0.9, 0.85, 0.8]);
    expect(history[0].supersedes).toEqual({ value: 0.85 });
    const { records } = await cypher('MATCH (:Datum {id: $id})<-[:DESCRIBES]-(m:Current {key: "accuracy"}) RETURN count(m) AS n', { id: datums[1] });
    expect(records[0].get('n').toNumber()).toBe(1);
  });

  it('rejects a reserved key of the wrong type and a bad typed value, naming each, and writes nothing', async () => {
    const result = await api.gql(LOG, { t: datums[2], m: { good: 1, 'valohai.tags': 'gold', size: { $type: 'StorageSize', value: '12 MB' } } });
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].extensions!.problems).toEqual([
      { field: 'metadata.valohai.tags', message: 'valohai.tags must be a list of strings, got "gold"' },
      { field: 'metadata.size', message: 'StorageSize must be a non-negative integer number of bytes (or a string of digits), got "12 MB"' },
    ]);
    expect(await metadata(datums[2])).toEqual([]);
  });

  it('keys what a step logs onto its pipeline run as step_name::key', async () => {
    const run = (await api.ok(`mutation { createExecution(input: {project: "meta", name: "nightly", kind: PIPELINE}) { id } }`)).createExecution.id;
    const step = (await api.ok(`mutation($p: ID!) { createExecution(input: {project: "meta", name: "evaluate", parentId: $p}) { id } }`, { p: run })).createExecution.id;
    await api.ok(LOG, { t: run, e: step, m: { auc: 0.77 } });
    const keys = (await metadata(run)).map((e: { key: string }) => e.key);
    expect(keys).toContain('evaluate::auc');
  });

  it('records the system metadata of every execution', async () => {
    const id = (await api.ok(`mutation { createExecution(input: {project: "meta", name: "sys", host: "h1", image: "img:1", commit: "abc"}) { id } }`)).createExecution.id;
    await api.ok(`mutation($id: ID!) { startExecution(id: $id) { id } }`, { id });
    await api.ok(`mutation($id: ID!) { finishExecution(id: $id, status: COMPLETED) { id } }`, { id });
    const system = (await metadata(id)).filter((e: { group: string }) => e.group === 'system');
    expect(system.map((e: { key: string }) => e.key)).toEqual(['attempt', 'commit', 'duration', 'endedAt', 'host', 'image', 'startedAt']);
    expect(system.every((e: { source: string }) => e.source === 'SYSTEM')).toBe(true);
    expect(system.find((e: { key: string }) => e.key === 'startedAt').type).toBe('DATETIME');
  });
});

describe('logMetadata by URI', () => {
  it('takes datum://<alias>, model://name/n and dataset://name/v as the target, and names the target when none matches', async () => {
    await api.ok(`mutation($d: ID!) { setAlias(project: "meta", name: "by-uri", datumId: $d) { name } }`, { d: datums[2] });
    await api.ok(`mutation($d: [ID!]!) { createModelVersion(project: "meta", model: "uri-model", datumIds: $d) { uri } }`, { d: [datums[2]] });
    await api.ok(`mutation($d: [ID!]!) { createDatasetVersion(project: "meta", dataset: "uri-data", version: "v1", datumIds: $d) { uri } }`, { d: [datums[2]] });
    const byUri = `mutation($t: ID!) { logMetadata(target: $t, metadata: {via: "uri"}) { target { id } } }`;
    expect((await api.ok(byUri, { t: 'datum://by-uri' })).logMetadata.target.id).toBe(datums[2]);
    expect((await api.ok(byUri, { t: `datum://${datums[2]}` })).logMetadata.target.id).toBe(datums[2]);
    const model = (await api.ok(byUri, { t: 'model://uri-model/1' })).logMetadata.target.id;
    const dataset = (await api.ok(byUri, { t: 'dataset://uri-data/v1' })).logMetadata.target.id;
    const { modelVersion, datasetVersion } = await api.ok(`{ modelVersion(uri: "model://uri-model/1") { id metadata { name value } } datasetVersion(uri: "dataset://uri-data/v1") { id metadata { name value } } }`);
    expect([modelVersion.id, modelVersion.metadata]).toEqual([model, [{ name: 'via', value: 'uri' }]]);
    expect([datasetVersion.id, datasetVersion.metadata]).toEqual([dataset, [{ name: 'via', value: 'uri' }]]);
    const missing = await api.gql(byUri, { t: 'model://uri-model/9' });
    expect(errorCode(missing)).toBe('NOT_FOUND');
    expect(missing.errors![0].extensions!.field).toBe('target');
    const noExecution = await api.gql(LOG, { t: datums[2], m: { x: 1 }, e: '00000000-0000-4000-8000-000000000000' });
    expect([errorCode(noExecution), noExecution.errors![0].extensions!.field]).toEqual(['NOT_FOUND', 'execution']);
  });
});

describe("Valohai's three endpoints", () => {
  it('applyMetadata, applyMetadataBatch and applyMetadataAll write in one transaction each', async () => {
    await api.ok(`mutation($d: ID!) { applyMetadata(datumId: $d, properties: {quality: "gold"}) { entries { key } } }`, { d: datums[3] });
    await api.ok(`mutation($items: [DatumProperties!]!) { applyMetadataBatch(items: $items) { target { id } } }`, {
      items: [{ datumId: datums[3], properties: { rows: 10 } }, { datumId: datums[4], properties: { rows: 20 } }],
    });
    const all = await api.ok(`mutation($ids: [ID!]!) { applyMetadataAll(datumIds: $ids, properties: {reviewed: true}) { target { id } entries { key } } }`, { ids: datums.slice(3) });
    expect(all.applyMetadataAll).toHaveLength(3);
    expect((await metadata(datums[3])).map((e: { key: string; value: unknown }) => [e.key, e.value])).toEqual([['quality', 'gold'], ['reviewed', true], ['rows', 10]]);
    const bad = await api.gql(`mutation($ids: [ID!]!) { applyMetadataAll(datumIds: $ids, properties: {x: 1}) { target { id } } }`, { ids: [datums[5], 'missing'] });
    expect(errorCode(bad)).toBe('NOT_FOUND');
    expect((await metadata(datums[5])).map((e: { key: string }) => e.key)).toEqual(['reviewed']);
    const onExecution = await api.gql(`mutation($d: ID!) { applyMetadata(datumId: $d, properties: {x: 1}) { target { id } } }`, { d: execution });
    expect(errorCode(onExecution)).toBe('BAD_USER_INPUT');
  });
});

describe('filters on current metadata values', () => {
  const LIST = `query($m: [MetadataPredicate!]) { datums(filter: {project: "meta", metadata: $m}, first: 100) { totalCount edges { node { id } } } }`;
  const ids = async (m: object[]) => (await api.ok(LIST, { m })).datums.edges.map((e: { node: { id: string } }) => e.node.id).sort();

  it('filters with eq, ne, gt, gte, lt, lte, in and exists', async () => {
    expect(await ids([{ key: 'accuracy', gte: 0.9 }])).toEqual([datums[0], datums[1]].sort());
    expect(await ids([{ key: 'accuracy', gt: 0.9, lte: 0.95 }])).toEqual([datums[0]]);
    expect(await ids([{ key: 'accuracy', lt: 0.9 }])).toEqual([]);
    expect(await ids([{ key: 'rows', in: [10, 30] }])).toEqual([datums[3]]);
    expect(await ids([{ key: 'quality', eq: 'gold' }])).toEqual([datums[3]]);
    expect(await ids([{ key: 'rows', ne: 10 }])).toEqual([datums[4]]);
    expect(await ids([{ key: 'reviewed', eq: true }, { key: 'rows', exists: false }])).toEqual([datums[5]]);
    expect(await ids([{ key: 'model_metrics.size', gt: 1000000 }])).toEqual([datums[0]]);
    expect((await api.ok(LIST, { m: [{ key: 'reviewed', exists: true }] })).datums.totalCount).toBe(3);
  });

  it('starts from the metadata index, not from a scan of datums', async () => {
    const config = loadConfig();
    const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
    try {
      api.resetQueries();
      await api.ok(LIST, { m: [{ key: 'accuracy', gt: 0.5 }] });
      const page = api.queries.find((q) => q.cypher.includes('ORDER BY n.createdAt'))!;
      const { summary } = await driver.executeQuery('PROFILE ' + page.cypher, page.params);
      const ops: string[] = [];
      const walk = (p: any) => {
        ops.push(`${p.operatorType.split('@')[0]} ${JSON.stringify(p.arguments.Details ?? '')}`);
        p.children.forEach(walk);
      };
      walk(summary.profile);
      console.log('PROFILE of a metadata-predicate filter:\n  ' + ops.join('\n  '));
      expect(ops.some((op) => /NodeIndexSeek/.test(op) && /Current/.test(op) && /num/.test(op))).toBe(true);
      expect(ops.some((op) => /NodeByLabelScan|AllNodesScan/.test(op))).toBe(false);
    } finally {
      await driver.close();
    }
  });

  it('rejects a predicate without a comparison and an object to compare with', async () => {
    const none = await api.gql(LIST, { m: [{ key: 'accuracy' }] });
    expect(none.errors![0].message).toBe('filter.metadata.0 needs a comparison (eq, ne, gt, gte, lt, lte, in) or exists');
    const obj = await api.gql(LIST, { m: [{ key: 'accuracy', gt: { a: 1 } }] });
    expect(errorCode(obj)).toBe('BAD_USER_INPUT');
  });
});

describe('compareExecutions', () => {
  it('puts executions side by side with numeric deltas against the first and a differs flag', async () => {
    const make = async (name: string, m: object) => {
      const id = (await api.ok(`mutation($n: String!) { createExecution(input: {project: "meta", name: $n, image: "same:1"}) { id } }`, { n: name })).createExecution.id;
      await api.ok(LOG, { t: id, m });
      return id;
    };
    const a = await make('a', { lr: 0.1, accuracy: 0.8, optimizer: 'adam' });
    const b = await make('b', { lr: 0.01, accuracy: 0.9, optimizer: 'adam' });
    const c = await make('c', { lr: 0.001, optimizer: 'sgd' });
    const { compareExecutions } = await api.ok(`query($ids: [ID!]!) { compareExecutions(ids: $ids, keys: ["lr", "accuracy", "optimizer", "system.image"]) {
      executions { name } rows { key group cells { value } deltas differs } } }`, { ids: [a, b, c] });
    expect(compareExecutions.executions.map((e: { name: string }) => e.name)).toEqual(['a', 'b', 'c']);
    const row = (key: string) => compareExecutions.rows.find((r: { key: string }) => r.key === key);
    expect(row('accuracy')).toEqual({ key: 'accuracy', group: null, cells: [{ value: 0.8 }, { value: 0.9 }, null], deltas: [0, 0.1, null], differs: true });
    expect(row('optimizer').differs).toBe(true);
    expect(row('image')).toMatchObject({ group: 'system', differs: false });
    expect(row('lr').deltas[2]).toBe(-0.099);
  });

  it('refuses more than 20 executions with LIMIT_EXCEEDED', async () => {
    const result = await api.gql(`query($ids: [ID!]!) { compareExecutions(ids: $ids) { rows { key } } }`, { ids: Array.from({ length: 21 }, () => execution) });
    expect(errorCode(result)).toBe('LIMIT_EXCEEDED');
    expect(result.errors![0].message).toBe('compareExecutions takes at most 20 executions, got 21');
  });
});
