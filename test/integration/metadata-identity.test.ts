/**
 * A metadata value's identity is its group and key together. Every write path (logMetadata,
 * applyMetadata*, sidecars, manifests) must keep every value it is sent, with its own
 * history, and every read path (metadata(keys:), predicates, compare) must address it as
 * `group.key`. These are round trips: what goes in against what comes back.
 */
import { loadConfig } from '../../src/config.js';
import { createDriver } from '../../src/db/driver.js';
import { Executor } from '../../src/db/executor.js';
import { migrate } from '../../src/db/migrations.js';
import { cypher, errorCode, resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

let api: TestApi;
let execution: string;

const ENTRY = 'name key group type value';
const LOG = `mutation($t: ID!, $m: JSONObject!) { logMetadata(target: $t, metadata: $m) { entries { ${ENTRY} } } }`;
const META = `query($id: ID!, $keys: [String!], $history: Boolean) { node(id: $id) {
  ... on Datum { metadata(keys: $keys, history: $history) { ${ENTRY} } }
  ... on Execution { metadata(keys: $keys, history: $history) { ${ENTRY} } } } }`;

/** The user's example that used to lose three values of five. */
const EXAMPLE = { train: { loss: 0.2, accuracy: 0.97 }, val: { loss: 0.3, accuracy: 0.91 }, accuracy: 0.5 };
const EXAMPLE_VALUES = [
  ['accuracy', 0.5],
  ['train.accuracy', 0.97],
  ['train.loss', 0.2],
  ['val.accuracy', 0.91],
  ['val.loss', 0.3],
];

const metadata = async (id: string, extra: object = {}) => (await api.ok(META, { id, ...extra })).node.metadata as Array<{ name: string; key: string; group: string | null; value: unknown }>;
const pairs = (entries: Array<{ name: string; value: unknown }>) => entries.map((e) => [e.name, e.value]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

async function newExecution(name: string, extra = '') {
  return (await api.ok(`mutation($n: String!) { createExecution(input: {project: "ident", name: $n${extra}}) { id } }`, { n: name })).createExecution.id as string;
}

async function newDatums(count: number, seed: string) {
  const outputs = Array.from({ length: count }, (_, i) => ({ path: `${seed}/${i}.bin`, size: 10 + i, sha256: sha(`${seed}${i}`) }));
  return (await api.ok(`mutation($id: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $id, outputs: $o) { id } }`, { id: execution, o: outputs })).recordOutputs.map((d: { id: string }) => d.id) as string[];
}

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  execution = await newExecution('train', ', host: "gpu-7"');
});
afterAll(() => api.close());

describe('every value sent is stored under its own name', () => {
  it('logMetadata keeps train.loss, val.loss, train.accuracy, val.accuracy and accuracy apart', async () => {
    const [datum] = await newDatums(1, 'log');
    const { logMetadata } = await api.ok(LOG, { t: datum, m: EXAMPLE });
    expect(pairs(logMetadata.entries)).toEqual(EXAMPLE_VALUES);
    expect(pairs(await metadata(datum))).toEqual(EXAMPLE_VALUES);
    expect(pairs(await metadata(datum, { history: true }))).toEqual(EXAMPLE_VALUES);
  });

  it('gives each name its own history', async () => {
    const [datum] = await newDatums(1, 'hist');
    await api.ok(LOG, { t: datum, m: EXAMPLE });
    await api.ok(LOG, { t: datum, m: { train: { loss: 0.1 } } });
    expect((await metadata(datum, { keys: ['train.loss'], history: true })).map((e) => e.value)).toEqual([0.1, 0.2]);
    expect((await metadata(datum, { keys: ['val.loss'], history: true })).map((e) => e.value)).toEqual([0.3]);
    const { records } = await cypher('MATCH (:Datum {id: $id})<-[:DESCRIBES]-(m:Current) RETURN m.name AS name ORDER BY name', { id: datum });
    expect(records.map((r) => r.get('name'))).toEqual(['accuracy', 'train.accuracy', 'train.loss', 'val.accuracy', 'val.loss']);
  });

  it('keeps a top-level key and a grouped key of the same name apart', async () => {
    const [datum] = await newDatums(1, 'card');
    await api.ok(LOG, { t: datum, m: { model_metrics: { accuracy: 0.9 } } });
    await api.ok(LOG, { t: datum, m: { accuracy: 0.5 } });
    expect(pairs(await metadata(datum))).toEqual([['accuracy', 0.5], ['model_metrics.accuracy', 0.9]]);
  });

  it('keeps a user key named host apart from system.host, and refuses writes into the system group', async () => {
    await api.ok(LOG, { t: execution, m: { host: 'laptop', duration: 12 } });
    const values = Object.fromEntries((await metadata(execution)).map((e) => [e.name, e.value]));
    expect(values).toMatchObject({ host: 'laptop', duration: 12, 'system.host': 'gpu-7' });
    const refused = await api.gql(LOG, { t: execution, m: { system: { host: 'spoofed' } } });
    expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.errors![0].extensions!.field).toBe('metadata.system');
    expect((await metadata(execution, { keys: ['system.host'] })).map((e) => e.value)).toEqual(['gpu-7']);
  });

  it("keeps every field of Metaflow's {field: {value, type}} shape", async () => {
    const [datum] = await newDatums(1, 'metaflow');
    await api.ok(LOG, { t: datum, m: { accuracy: { value: 0.9, type: 'float' }, epochs: { value: 20, type: 'int' } } });
    expect(pairs(await metadata(datum))).toEqual([['accuracy.type', 'float'], ['accuracy.value', 0.9], ['epochs.type', 'int'], ['epochs.value', 20]]);
  });

  it('addresses a key with a dot in it by escaping the dot', async () => {
    const [datum] = await newDatums(1, 'dots');
    await api.ok(LOG, { t: datum, m: { 'lr.decay': 0.1, lr: { decay: 0.2 } } });
    expect((await metadata(datum, { keys: ['lr\\.decay'] })).map((e) => [e.key, e.group, e.value])).toEqual([['lr.decay', null, 0.1]]);
    expect((await metadata(datum, { keys: ['lr.decay'] })).map((e) => [e.key, e.group, e.value])).toEqual([['decay', 'lr', 0.2]]);
  });

  it('applyMetadataBatch keeps every grouped value, and refuses two different values for one name of one datum', async () => {
    const [a, b] = await newDatums(2, 'batch');
    const BATCH = `mutation($items: [DatumProperties!]!) { applyMetadataBatch(items: $items) { entries { name } } }`;
    await api.ok(BATCH, { items: [{ datumId: a, properties: EXAMPLE }, { datumId: b, properties: { val: { loss: 0.4 } } }] });
    expect(pairs(await metadata(a))).toEqual(EXAMPLE_VALUES);
    expect(pairs(await metadata(b))).toEqual([['val.loss', 0.4]]);
    const twice = await api.gql(BATCH, { items: [{ datumId: a, properties: { train: { loss: 1 } } }, { datumId: a, properties: { train: { loss: 2 } } }] });
    expect(errorCode(twice)).toBe('BAD_USER_INPUT');
    expect(twice.errors![0].extensions!.problems).toEqual([{ field: 'items.1.properties.train.loss', message: `train.loss of '${a}' already gets another value in this call; send one value per name` }]);
    expect((await metadata(a, { keys: ['train.loss'], history: true })).map((e) => e.value)).toEqual([0.2]);
    // the same value twice is one value, not a conflict
    await api.ok(`mutation($ids: [ID!]!) { applyMetadataAll(datumIds: $ids, properties: {reviewed: true}) { target { id } } }`, { ids: [a, a] });
    expect((await metadata(a, { keys: ['reviewed'], history: true })).map((e) => e.value)).toEqual([true]);
  });

  it('names the target argument when the target does not exist', async () => {
    const missing = await api.gql(LOG, { t: '00000000-0000-4000-8000-000000000000', m: { x: 1 } });
    expect(errorCode(missing)).toBe('NOT_FOUND');
    expect(missing.errors![0].extensions!.field).toBe('target');
    const batch = await api.gql(`mutation($items: [DatumProperties!]!) { applyMetadataBatch(items: $items) { target { id } } }`, {
      items: [{ datumId: (await newDatums(1, 'nf'))[0], properties: { x: 1 } }, { datumId: '00000000-0000-4000-8000-000000000000', properties: { x: 1 } }],
    });
    expect(batch.errors![0].extensions!.field).toBe('items.1.datumId');
  });
});

describe('ingestion keeps every value too', () => {
  const INGEST = `mutation($id: ID!, $files: [IngestFile!]!, $manifest: String) {
    ingestOutputs(executionId: $id, files: $files, manifest: $manifest) { changes { path keys datum { id } } warnings { file line field message output } } }`;

  it('through a sidecar and the manifest, and a value given by both is current from the later one, the earlier kept as history', async () => {
    const id = await newExecution('ingest');
    const files = [
      { path: 'side.bin', size: 1, sha256: sha('side'), sidecar: EXAMPLE },
      { path: 'both.bin', size: 2, sha256: sha('both'), sidecar: { train: { loss: 0.9 } } },
    ];
    const manifest = [JSON.stringify({ file: 'both.bin', metadata: EXAMPLE }), JSON.stringify({ file: 'both.bin', metadata: { val: { loss: 0.35 } } })].join('\n');
    const { ingestOutputs } = await api.ok(INGEST, { id, files, manifest });
    const datum = (path: string) => ingestOutputs.changes.find((c: { path: string }) => c.path === path).datum.id as string;
    expect(pairs(await metadata(datum('side.bin')))).toEqual(EXAMPLE_VALUES);
    expect(pairs(await metadata(datum('both.bin')))).toEqual(EXAMPLE_VALUES.map(([k, v]) => [k, k === 'val.loss' ? 0.35 : v]));
    expect((await metadata(datum('both.bin'), { keys: ['train.loss'], history: true })).map((e) => e.value)).toEqual([0.2, 0.9]);
    expect((await metadata(datum('both.bin'), { keys: ['val.loss'], history: true })).map((e) => e.value)).toEqual([0.35, 0.3]);
    expect(ingestOutputs.warnings).toEqual([
      { file: 'valohai.metadata.jsonl', line: 1, field: 'train.loss', output: 'both.bin', message: 'train.loss of both.bin is also set by both.bin.metadata.json; this later value is current and the earlier one is kept as history' },
      { file: 'valohai.metadata.jsonl', line: 2, field: 'val.loss', output: 'both.bin', message: 'val.loss of both.bin is also set by valohai.metadata.jsonl:1; this later value is current and the earlier one is kept as history' },
    ]);
    // ingesting again changes nothing
    const again = await api.ok(INGEST, { id, files, manifest });
    expect(again.ingestOutputs.changes.map((c: { keys: string[] }) => c.keys)).toEqual([[], []]);
  });
});

describe('reading by name', () => {
  let runs: string[];
  beforeAll(async () => {
    runs = [];
    for (const [name, accuracy, top] of [['r1', 0.93, 0.5], ['r2', 0.92, 0.6]] as const) {
      const id = await newExecution(name, `, parameters: {learning_rate: ${accuracy === 0.93 ? 0.01 : 0.03}, epochs: 20}`);
      await api.ok(LOG, { t: id, m: { model_metrics: { accuracy }, accuracy: top } });
      runs.push(id);
    }
  });

  it('filters on a grouped value by group.key and on an ungrouped one by key', async () => {
    const LIST = `query($m: [MetadataPredicate!]) { executions(filter: {project: "ident", metadata: $m}) { edges { node { name } } } }`;
    const names = async (m: object[]) => (await api.ok(LIST, { m })).executions.edges.map((e: { node: { name: string } }) => e.node.name).sort();
    expect(await names([{ key: 'model_metrics.accuracy', gt: 0.925 }])).toEqual(['r1']);
    expect(await names([{ key: 'accuracy', gt: 0.55 }])).toEqual(['r2']);
    expect(await names([{ key: 'model_metrics.accuracy', gte: 0.92 }, { key: 'accuracy', lt: 0.55 }])).toEqual(['r1']);
  });

  it('compares by name, with deltas at the precision of the inputs and the creation parameters', async () => {
    const { compareExecutions } = await api.ok(
      `query($ids: [ID!]!) { compareExecutions(ids: $ids, keys: ["model_metrics.accuracy", "accuracy"]) {
        rows { name key group values deltas differs } parameters { name values deltas differs } } }`,
      { ids: runs },
    );
    expect(compareExecutions.rows).toEqual([
      { name: 'accuracy', key: 'accuracy', group: null, values: [0.5, 0.6], deltas: [0, 0.1], differs: true },
      { name: 'model_metrics.accuracy', key: 'accuracy', group: 'model_metrics', values: [0.93, 0.92], deltas: [0, -0.01], differs: true },
    ]);
    expect(compareExecutions.parameters).toEqual([
      { name: 'epochs', values: [20, 20], deltas: [0, 0], differs: false },
      { name: 'learning_rate', values: [0.01, 0.03], deltas: [0, 0.02], differs: true },
    ]);
  });
});

describe("Valohai's object form of valohai.dataset-versions", () => {
  it('adds the datum to the version, points its version aliases at it and tags it', async () => {
    const [d1, d2] = await newDatums(2, 'dsv');
    await api.ok(LOG, { t: d1, m: { 'valohai.dataset-versions': [{ uri: 'dataset://mydata/v3', targeting_aliases: ['latest'], 'valohai.tags': ['dev'] }] } });
    const VERSION = `query($uri: String!) { datasetVersion(uri: $uri) { uri aliases tags { name } datums { edges { node { id } } } } }`;
    expect((await api.ok(VERSION, { uri: 'dataset://mydata/latest' })).datasetVersion).toEqual({ uri: 'dataset://mydata/v3', aliases: ['latest'], tags: [{ name: 'dev' }], datums: { edges: [{ node: { id: d1 } }] } });
    // the alias moves to a newer version
    await api.ok(LOG, { t: d2, m: { 'valohai.dataset-versions': [{ uri: 'dataset://mydata/v4', targeting_aliases: ['latest'] }] } });
    expect((await api.ok(VERSION, { uri: 'dataset://mydata/latest' })).datasetVersion.uri).toBe('dataset://mydata/v4');
    expect((await api.ok(VERSION, { uri: 'dataset://mydata/v3' })).datasetVersion.aliases).toEqual([]);
    // an execution reading dataset://mydata/latest reads v4, and remembers it came through the alias
    const reader = await newExecution('reader');
    await api.ok(`mutation($id: ID!) { recordInputs(executionId: $id, inputs: [{uri: "dataset://mydata/latest", inputName: "data"}]) { id } }`, { id: reader });
    const { execution: read } = await api.ok(`query($id: ID!) { execution(id: $id) { reads { inputName alias node { ... on DatasetVersion { uri } } } } }`, { id: reader });
    expect(read.reads).toEqual([{ inputName: 'data', alias: 'dataset://mydata/latest', node: { uri: 'dataset://mydata/v4' } }]);
  });
});

describe('the start-up migration to (group, key) identity', () => {
  it('names stored entries and rebuilds each name’s history without losing an entry', async () => {
    const [datum] = await newDatums(1, 'migrate');
    // entries as the old storage left them: keyed by key alone, so the grouped accuracy
    // was superseded by the later ungrouped one and lost its :Current marker
    await cypher(
      `MATCH (d:Datum {id: $id})
       CREATE (g:Entity:MetadataEntry {id: randomUUID(), project: d.project, key: 'accuracy', group: 'model_metrics', type: 'NUMBER', value: '0.9', num: 0.9, loggedAt: datetime('2026-01-01T00:00:00Z'), loggedBy: 'old', source: 'API'})-[:DESCRIBES]->(d)
       CREATE (t:Entity:MetadataEntry:Current {id: randomUUID(), project: d.project, key: 'accuracy', type: 'NUMBER', value: '0.5', num: 0.5, loggedAt: datetime('2026-01-02T00:00:00Z'), loggedBy: 'old', source: 'API'})-[:DESCRIBES]->(d)
       CREATE (t)-[:SUPERSEDES]->(g)
       CREATE (x:Entity:MetadataEntry:Current {id: randomUUID(), project: d.project, key: 'lr.decay', type: 'NUMBER', value: '0.1', num: 0.1, loggedAt: datetime('2026-01-02T00:00:00Z'), loggedBy: 'old', source: 'API'})-[:DESCRIBES]->(d)`,
      { id: datum },
    );
    await cypher("MATCH (m:Migration {id: 'metadata-identity-by-group-and-key'}) DELETE m");
    const config = loadConfig();
    const driver = createDriver({ ...config.neo4j, uri: config.neo4j.uri! });
    try {
      await migrate(new Executor(driver, { database: config.neo4j.database, txTimeoutMs: 60_000 }));
    } finally {
      await driver.close();
    }
    expect(pairs(await metadata(datum))).toEqual([['accuracy', 0.5], ['lr\\.decay', 0.1], ['model_metrics.accuracy', 0.9]]);
    const { records } = await cypher('MATCH (:Datum {id: $id})<-[:DESCRIBES]-(m) OPTIONAL MATCH (m)-[s:SUPERSEDES]->() RETURN count(m) AS entries, count(s) AS links', { id: datum });
    expect([records[0].get('entries').toNumber(), records[0].get('links').toNumber()]).toEqual([3, 0]);
    // logging again supersedes within the name only
    await api.ok(LOG, { t: datum, m: { model_metrics: { accuracy: 0.95 } } });
    expect((await metadata(datum, { keys: ['model_metrics.accuracy'], history: true })).map((e) => e.value)).toEqual([0.95, 0.9]);
    expect((await metadata(datum, { keys: ['accuracy'], history: true })).map((e) => e.value)).toEqual([0.5]);
  });
});
