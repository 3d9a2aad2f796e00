import { getNamedType, isLeafType, isObjectType, type GraphQLObjectType } from 'graphql';
import { buildSchema } from '../../src/server.js';
import { KIND_OF_LABEL } from '../../src/domain/labels.js';
import { resetDatabase, sha, startApi, type TestApi } from '../support/api.js';

/**
 * `lineage` fetches only the properties its selection reads (src/graphql/selection.ts).
 * A selection of every field of every lineage node type, written from the schema itself
 * (a field added tomorrow is in it), must answer exactly what the whole nodes answer
 * through `node(id)`, byte for byte: projection never drops a requested field.
 */

let api: TestApi;
let ids: { input: string; model: string; dataset: string; train: string };

/**
 * Every field of a lineage node type, under an alias `Type_field` (types share names of
 * different types): leaves as they are, objects by their typename and id, lists of two.
 */
function everyField(type: GraphQLObjectType): string {
  const fields = Object.values(type.getFields()).map((f) => {
    const named = getNamedType(f.type);
    // small bounds keep the request under the cost limit
    const bounds = f.args.filter((a) => a.name === 'first' || a.name === 'limit').map((a) => `${a.name}: 2`);
    const field = `${type.name}_${f.name}: ${f.name}${bounds.length ? `(${bounds.join(', ')})` : ''}`;
    if (isLeafType(named)) return field;
    const id = isObjectType(named) && named.getFields().id ? ' id' : '';
    return `${field} { __typename${id} }`;
  });
  return `... on ${type.name} { ${fields.join(' ')} }`;
}

const schema = buildSchema();
const EVERY_FIELD = `fragment Every on Node { __typename id ${Object.keys(KIND_OF_LABEL).map((t) => everyField(schema.getType(t) as GraphQLObjectType)).join(' ')} }`;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  const exec = async (name: string, extra: Record<string, unknown> = {}) =>
    (await api.ok(`mutation($i: CreateExecutionInput!) { createExecution(input: $i) { id } }`, { i: { project: 'proj', name, ...extra } })).createExecution.id as string;
  const prep = await exec('prep', { commands: ['python prep.py'], tags: ['t1'] });
  await api.ok(`mutation($e: ID!) { recordInputs(executionId: $e, inputs: [{uri: "s3://raw/events.csv", inputName: "raw"}]) { id } }`, { e: prep });
  const [features] = (await api.ok(`mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, {
    e: prep,
    o: [{ path: 'features.parquet', size: '9007199254740993', sha256: sha('features'), contentType: 'application/parquet' }],
  })).recordOutputs.map((d: { id: string }) => d.id);
  const train = await exec('train', {
    commit: 'abc123', repository: 'git@example.com:ml.git', image: 'python:3.11', hardware: 'gpu', host: 'node-1',
    commands: ['python train.py', '--epochs=3'], parameters: { lr: 0.01, layers: [64, 32], nested: { a: 'b' } }, createdBy: 'ci', costAmount: 1.5, costCurrency: 'EUR', attempt: 2,
  });
  await api.ok(`mutation($e: ID!) { startExecution(id: $e) { id } }`, { e: train });
  await api.ok(`mutation($e: ID!, $d: ID!) { recordInputs(executionId: $e, inputs: [{datumId: $d, inputName: "features"}]) { id } }`, { e: train, d: features });
  const [model] = (await api.ok(`mutation($e: ID!, $o: [OutputInput!]!) { recordOutputs(executionId: $e, outputs: $o) { id } }`, {
    e: train,
    o: [{ path: 'model.pkl', size: 10, sha256: sha('model') }],
  })).recordOutputs.map((d: { id: string }) => d.id);
  await api.ok(`mutation($e: ID!) { finishExecution(id: $e, status: COMPLETED) { id } }`, { e: train });
  await api.ok(`mutation($d: ID!) { logMetadata(target: $d, metadata: {accuracy: 0.9}) { __typename } }`, { d: model });
  await api.ok(`mutation($d: ID!) { setAlias(project: "proj", name: "prod", datumId: $d) { name } }`, { d: model });
  const version = (await api.ok(`mutation($d: [ID!]!) { createModelVersion(project: "proj", model: "churn", datumIds: $d) { id } }`, { d: [model] })).createModelVersion.id;
  const dataset = (await api.ok(`mutation($d: [ID!]!) { createDatasetVersion(project: "proj", dataset: "feats", version: "v1", datumIds: $d) { id } }`, { d: [features] }))
    .createDatasetVersion.id;
  const input = (await api.ok(`{ datum(uri: "s3://raw/events.csv", project: "proj") { id } }`)).datum.id;
  ids = { input, model: version, dataset, train };
}, 120_000);
afterAll(() => api.close());

/** The same nodes, whole, through the node loader: the answer as it was before projection. */
async function wholeNodes(nodeIds: string[]): Promise<Record<string, unknown>> {
  const lookups = nodeIds.map((id, i) => `n${i}: node(id: "${id}") { ...Every }`).join(' ');
  const data = await api.ok(`{ ${lookups} } ${EVERY_FIELD}`);
  return Object.fromEntries(nodeIds.map((id, i) => [id, data[`n${i}`]]));
}

/** Each answered node, byte for byte, is what the node loader answers of it whole. */
async function expectAsWhole(answered: Array<{ id: string }>) {
  const whole = await wholeNodes([...new Set(answered.map((n) => n.id))]);
  for (const n of answered) expect(JSON.stringify(n)).toBe(JSON.stringify(whole[n.id]));
}

const LINEAGE = `query($id: ID!, $direction: LineageDirection, $asOf: DateTime) {
  lineage(id: $id, direction: $direction, depth: 5, limit: 50, asOf: $asOf) { root { ...Every } nodes { id redacted node { ...Every } } }
} ${EVERY_FIELD}`;

describe('a lineage selection of every field of every node type', () => {
  it.each([
    ['upstream of a model version', () => ids.model, 'UPSTREAM', false],
    ['downstream of an external input', () => ids.input, 'DOWNSTREAM', false],
    ['both ways around an execution, as of now', () => ids.train, 'BOTH', true],
    ['upstream of a dataset version', () => ids.dataset, 'UPSTREAM', false],
  ])('answers exactly what the whole nodes answer: %s', async (_, id, direction, now) => {
    api.resetQueries();
    const { lineage } = await api.ok(LINEAGE, { id: id(), direction, asOf: now ? new Date().toISOString() : null });
    // the walk of depth 5 (the nodes' own upstream and downstream fields walk depth 1)
    const walks = api.queries.filter((q) => q.cypher.includes('MATCH p = (root)') && q.cypher.includes('*1..10]'));
    expect(walks.length).toBeGreaterThan(0);
    // the walk returned projected maps, not whole nodes
    for (const walk of walks) expect(walk.cypher).toMatch(/RETURN rootId, n \{\.id, \.project, .*createdAt: n\.createdAt\.epochMillis.*labels: labels\(n\)\} AS node/);
    const kinds = new Set(lineage.nodes.map((n: { node: { __typename: string } }) => n.node.__typename));
    expect(kinds.size).toBeGreaterThanOrEqual(2);
    await expectAsWhole([lineage.root, ...lineage.nodes.map((n: { node: { id: string } }) => n.node)]);
  });

  it('covers every lineage type, with the values that need care (dates, JSON parameters, big sizes)', async () => {
    const all = [];
    for (const [id, direction] of [[ids.train, 'BOTH'], [ids.dataset, 'UPSTREAM']]) {
      const { lineage } = await api.ok(LINEAGE, { id, direction });
      all.push(lineage.root, ...lineage.nodes.map((n: { node: unknown }) => n.node));
    }
    expect(new Set(all.map((n) => n.__typename))).toEqual(new Set(['Datum', 'Execution', 'ModelVersion', 'DatasetVersion']));
    const train = all.find((n) => n.id === ids.train);
    expect(train.Execution_parameters).toEqual({ lr: 0.01, layers: [64, 32], nested: { a: 'b' } });
    expect(train.Execution_createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(train.Execution_startedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(typeof train.Execution_duration).toBe('number');
    expect(train.Execution_commands).toEqual(['python train.py', '--epochs=3']);
    expect(all.find((n) => n.Datum_path === 'features.parquet').Datum_size).toBe('9007199254740993');
  });
});

describe('an impact selection of every field of every node it answers', () => {
  let model: string;
  let deploy: string;
  beforeAll(async () => {
    model = (await api.ok(`{ alias(project: "proj", name: "prod") { target { id } } }`)).alias.target.id;
    deploy = (await api.ok(`mutation($i: CreateExecutionInput!) { createExecution(input: $i) { id } }`, { i: { project: 'proj', name: 'serve', kind: 'DEPLOYMENT' } })).createExecution.id;
    await api.ok(`mutation($e: ID!, $d: ID!) { recordInputs(executionId: $e, inputs: [{datumId: $d, inputName: "model"}]) { id } }`, { e: deploy, d: model });
  });

  it('answers exactly what the whole nodes answer: root, nodes, deployments, versions and aliased datums', async () => {
    api.resetQueries();
    const { impact } = await api.ok(
      `query($id: ID!) { impact(id: $id, depth: 5, limit: 50) {
        root { node { ...Every } } nodes { id node { ...Every } }
        deployments { ...Every } modelVersions { ...Every } datasetVersions { ...Every } aliases { current datum { ...Every } }
      } } ${EVERY_FIELD}`,
      { id: ids.input },
    );
    const walks = api.queries.filter((q) => q.cypher.includes('MATCH p = (root)') && q.cypher.includes('*1..10]'));
    expect(walks.length).toBeGreaterThan(0);
    for (const walk of walks) expect(walk.cypher).toMatch(/RETURN rootId, n \{\.id, \.project, .*labels: labels\(n\)\} AS node/);
    expect(impact.deployments.map((d: { id: string }) => d.id)).toEqual([deploy]);
    expect(impact.modelVersions.map((v: { id: string }) => v.id)).toEqual([ids.model]);
    expect(impact.datasetVersions.map((v: { id: string }) => v.id)).toEqual([ids.dataset]);
    expect(impact.aliases.map((a: { datum: { id: string } }) => a.datum.id)).toEqual([model]);
    const answered = [impact.root.node, ...impact.nodes.map((n: { node: unknown }) => n.node), ...impact.deployments, ...impact.modelVersions, ...impact.datasetVersions, ...impact.aliases.map((a: { datum: unknown }) => a.datum)];
    await expectAsWhole(answered);
  });

  it('fetches only what a small selection reads, and the kind deployments are picked by', async () => {
    api.resetQueries();
    const { impact } = await api.ok(`query($id: ID!) { impact(id: $id, depth: 5, limit: 50) { nodes { node { id } } deployments { name } } }`, { id: ids.input });
    expect(impact.deployments).toEqual([{ name: 'serve' }]);
    const walks = api.queries.filter((q) => q.cypher.includes('MATCH p = (root)'));
    expect(walks.length).toBeGreaterThan(0);
    for (const walk of walks) expect(walk.cypher).toContain('n {.id, .project, .kind, .name, labels: labels(n)} AS node');
  });
});

describe('a paths selection of every field of every node on them', () => {
  it('answers exactly what the whole nodes answer, and the walk from `to` fetches ids and labels only', async () => {
    api.resetQueries();
    const { lineagePaths } = await api.ok(
      `query($from: ID!, $to: ID!) { lineagePaths(from: $from, to: $to, maxHops: 5) { direction paths { nodes { id node { ...Every } } } } } ${EVERY_FIELD}`,
      { from: ids.input, to: ids.model },
    );
    expect(lineagePaths.direction).toBe('DOWNSTREAM');
    expect(lineagePaths.paths.length).toBeGreaterThan(0);
    // the two walks of 5 hops (the nodes' own upstream and downstream fields walk 1)
    const walks = api.queries.filter((q) => q.cypher.includes('MATCH p = (root)') && q.cypher.includes('*1..10]'));
    expect(walks.map((w) => (w.cypher.match(/RETURN rootId, (n \{.*\}) AS node/) ?? [])[1])).toEqual([
      expect.stringMatching(/^n \{\.id, \.project, .*createdAt: n\.createdAt\.epochMillis.*labels: labels\(n\)\}$/),
      'n {.id, .project, labels: labels(n)}',
    ]);
    const answered = lineagePaths.paths.flatMap((p: { nodes: Array<{ node: { id: string } }> }) => p.nodes.map((n) => n.node));
    expect(new Set(answered.map((n: { __typename: string }) => n.__typename))).toEqual(new Set(['Datum', 'Execution', 'ModelVersion']));
    await expectAsWhole(answered);
  });
});

describe("a node's own upstream field, every field selected on its nodes", () => {
  it('answers exactly what the whole nodes answer, from a walk that fetched only that', async () => {
    api.resetQueries();
    const { node } = await api.ok(`query($id: ID!) { node(id: $id) { ... on ModelVersion { upstream(depth: 3) { id node { ...Every } } } } } ${EVERY_FIELD}`, { id: ids.model });
    const walks = api.queries.filter((q) => q.cypher.includes('MATCH p = (root)') && q.cypher.includes('*1..6]'));
    expect(walks).toHaveLength(1);
    expect(walks[0].cypher).toMatch(/RETURN rootId, n \{\.id, \.project, .*createdAt: n\.createdAt\.epochMillis.*labels: labels\(n\)\} AS node/);
    const answered = node.upstream.map((n: { node: { id: string } }) => n.node);
    expect(new Set(answered.map((n: { __typename: string }) => n.__typename))).toEqual(new Set(['Datum', 'Execution']));
    await expectAsWhole(answered);
  });
});
