import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../../src/paths.js';
import { ADMIN_TOKEN, cypher, resetDatabase, startApi, type TestApi } from '../support/api.js';
import { canonical, fingerprint } from '../support/graph.js';

/**
 * OpenLineage over HTTP (design section 6.3), as Airflow, Spark or the openlineage-python
 * client send it: the contract (each status, each refusal leaving the graph as it was), the
 * mapping read back through GraphQL, version-exact inputs, retries and reorderings that end
 * in the same graph, the OpenLineage repository's example events, and 10,000 events through
 * the batch endpoint and through 16 concurrent clients.
 */

let api: TestApi;
/** Tokens of project `shop` (writer, reader) and a writer of `elsewhere`. */
const tokens = { writer: '', reader: '', elsewhere: '' };

const PRODUCER = 'https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python';
const base = { _producer: PRODUCER, _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/Facet.json' };
const fixture = (path: string) => JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'openlineage', path), 'utf8'));

type Facets = Record<string, Record<string, unknown>>;
interface DatasetSpec {
  namespace: string;
  name: string;
  facets?: Facets;
  inputFacets?: Facets;
  outputFacets?: Facets;
}
interface EventSpec {
  namespace?: string;
  inputs?: DatasetSpec[];
  outputs?: DatasetSpec[];
  runFacets?: Facets;
  jobFacets?: Facets;
}

/** A RunEvent as the python client builds it (eventType null: none at all). */
function runEvent(eventType: string | null, runId: string, job: string, eventTime: string, spec: EventSpec = {}): Record<string, unknown> {
  return {
    ...(eventType ? { eventType } : {}),
    eventTime,
    producer: PRODUCER,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId, ...(spec.runFacets ? { facets: spec.runFacets } : {}) },
    job: { namespace: spec.namespace ?? 'shop', name: job, ...(spec.jobFacets ? { facets: spec.jobFacets } : {}) },
    inputs: spec.inputs ?? [],
    outputs: spec.outputs ?? [],
  };
}

const parentFacet = (runId: string, name: string, namespace = 'shop') => ({ parent: { ...base, run: { runId }, job: { namespace, name } } });

interface Answer {
  status: number;
  body: any;
  contentType: string | null;
}

/** POSTs to the OpenLineage API; `token` null sends no Authorization header. */
async function send(body: unknown, options: { path?: string; token?: string | null; headers?: Record<string, string>; method?: string } = {}): Promise<Answer> {
  const { path = '/api/v1/lineage', token = tokens.writer, headers = {}, method = 'POST' } = options;
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    body: method === 'GET' ? undefined : typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`not JSON (HTTP ${response.status}): ${text.slice(0, 300)}`);
  }
  return { status: response.status, body: parsed, contentType: response.headers.get('content-type') };
}

/** Sends an event that must be accepted, and returns what it recorded. */
async function record(event: unknown, options: Parameters<typeof send>[1] = {}) {
  const answer = await send(event, options);
  if (answer.status !== 201) throw new Error(`expected 201, got ${answer.status}: ${JSON.stringify(answer.body).slice(0, 600)}`);
  return answer.body;
}

async function gql<T = any>(query: string, variables: Record<string, unknown> = {}, token = tokens.writer): Promise<T> {
  const result = await api.gql(query, variables, `Bearer ${token}`);
  if (result.errors) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data as T;
}

const EXECUTION = `query($id: ID!) { execution(id: $id) {
  id name kind status startedAt endedAt commit repository attempt createdBy
  parent { id name kind status }
  inputs(first: 20) { id uri version: metadata(keys: ["version.datasetVersion"]) { value } producer { id } }
  outputs(first: 20) { id uri path size producer { id } metadata(first: 50) { name type value } }
  metadata(first: 100) { name type value }
} }`;

/** The current metadata of a node as `name -> value`, with the type where it is not a plain JSON one. */
const valuesOf = (metadata: Array<{ name: string; type: string; value: unknown }>) =>
  Object.fromEntries(metadata.map((m) => [m.name, ['STRING', 'NUMBER', 'BOOLEAN', 'JSON', 'NULL'].includes(m.type) ? m.value : { [m.type]: m.value }]));

async function token(name: string, role: string, projects: string[]): Promise<string> {
  const data = await gql('mutation($n: String!, $r: Role!, $p: [String!]!) { createToken(name: $n, role: $r, projects: $p) { token } }', { n: name, r: role, p: projects }, ADMIN_TOKEN());
  return data.createToken.token;
}

/** Deletes a project's nodes (every node carries its project), so a test can start that project again. */
const clearProject = (project: string) => cypher('MATCH (n) WHERE n.project = $project DETACH DELETE n', { project });

/**
 * A project's graph as OpenLineage leaves it, without what the transaction clock decides
 * (createdAt, edge times, entry ids): executions, datums, lineage and PART_OF edges, and the
 * current metadata of every node. Two orders of the same events must give the same.
 */
async function lineageGraph(project: string): Promise<string[]> {
  const rows = await Promise.all([
    cypher('MATCH (e:Execution {project: $project}) RETURN e {.id, .name, .kind, .status, .startedAt, .endedAt, .repository, .commit, .attempt, .sourceAt} AS x', { project }),
    cypher('MATCH (d:Datum {project: $project}) RETURN d {.id, .uri, .version, .writtenAt, .size, .path, .external} AS x', { project }),
    cypher(
      'MATCH (a {project: $project})-[r:PRODUCED_BY|CONSUMED_BY|READ|PART_OF]->(b) RETURN [type(r), a.id, b.id, r.inputName, r.byVersion, r.readAt] AS x',
      { project },
    ),
    cypher('MATCH (m:Current)-[:DESCRIBES]->(n {project: $project}) RETURN [n.id, m.name, m.type, m.value] AS x', { project }),
  ]);
  return rows.flatMap((r) => r.records.map((record) => JSON.stringify(canonical(record.get('x'))))).sort();
}

const minutes = (m: number) => `2024-05-01T10:${String(m).padStart(2, '0')}:00.000Z`;

beforeAll(async () => {
  await resetDatabase();
  api = await startApi();
  tokens.writer = await token('airflow-shop', 'writer', ['shop', 'order-a', 'load-batch', 'load-single', 'my-scheduler-namespace', 'openlineage', 'airflow']);
  tokens.reader = await token('shop-reader', 'reader', ['shop']);
  tokens.elsewhere = await token('elsewhere-bot', 'writer', ['elsewhere']);
}, 60_000);
afterAll(() => api?.close());

describe('POST /api/v1/lineage: the HTTP contract', () => {
  const RUN = randomUUID();
  const good = () => runEvent('START', RUN, 'contract.extract', minutes(0), { inputs: [{ namespace: 'postgres://db:5432', name: 'shop.public.orders' }] });
  let foreignRun: string;

  beforeAll(async () => {
    foreignRun = randomUUID();
    await record(runEvent('START', foreignRun, 'theirs', minutes(0), { namespace: 'elsewhere' }), { token: tokens.elsewhere });
  });

  it('records an event: 201 and what it became in the graph', async () => {
    const answer = await send(good());
    expect(answer.status).toBe(201);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({
      event: 'RunEvent',
      project: 'shop',
      runId: RUN,
      execution: { id: RUN, name: 'contract.extract', kind: 'STEP', status: 'RUNNING' },
      parent: null,
      inputs: [{ uri: 'postgres://db:5432/shop.public.orders', datumId: expect.any(String) }],
      outputs: [],
      changes: { status: { executionId: RUN, from: null, to: 'RUNNING' }, lineage: { executionId: RUN, inputs: [answer.body.inputs[0].datumId], outputs: [] } },
      warnings: [],
    });
  });

  it('takes a gzip-compressed body, as the python client can send it', async () => {
    const run = randomUUID();
    const answer = await send(gzipSync(JSON.stringify(runEvent('START', run, 'contract.gzip', minutes(1)))), { headers: { 'content-encoding': 'gzip' } });
    expect(answer.status).toBe(201);
    expect(answer.body.execution).toMatchObject({ id: run, status: 'RUNNING' });
  });

  it('writes one audit entry per event, naming the token principal, the run and the event', async () => {
    const run = randomUUID();
    await record(runEvent('COMPLETE', run, 'contract.audited', minutes(2)));
    const rows = await cypher('MATCH (a:AuditEntry {targetId: $run}) RETURN a {.principal, .operation, .project, .summary} AS a', { run });
    expect(rows.records.map((r) => r.get('a'))).toEqual([
      { principal: 'airflow-shop', operation: 'recordOpenLineageEvent', project: 'shop', summary: expect.stringContaining('"eventType":"COMPLETE"') },
    ]);
    expect(JSON.parse(rows.records[0].get('a').summary)).toEqual({ project: 'shop', event: 'RunEvent', id: run, job: 'contract.audited', eventType: 'COMPLETE', eventTime: minutes(2), producer: PRODUCER });
  });

  const REFUSALS: Array<{ name: string; body: () => unknown; path?: string; token?: () => string | null; headers?: Record<string, string>; method?: string; status: number; code: string; field?: string; message?: RegExp }> = [
    { name: 'a body that is not JSON', body: () => '{"eventType": "START", "run": ', status: 400, code: 'BAD_USER_INPUT', message: /not valid JSON/ },
    { name: 'a gzip body that is not gzip', body: () => JSON.stringify(good()), headers: { 'content-encoding': 'gzip' }, status: 400, code: 'BAD_REQUEST' },
    { name: 'a body that is not JSON by its content type', body: () => JSON.stringify(good()), headers: { 'content-type': 'text/plain' }, status: 415, code: 'BAD_REQUEST', message: /Content-Type: application\/json/ },
    { name: 'a missing job name', body: () => ({ ...good(), job: { namespace: 'shop' } }), status: 422, code: 'BAD_USER_INPUT', field: 'job.name', message: /job\.name is required/ },
    { name: 'a runId that is no UUID', body: () => ({ ...good(), run: { runId: 'run-42' } }), status: 422, code: 'BAD_USER_INPUT', field: 'run.runId', message: /must be a UUID/ },
    { name: 'an eventTime that is no date-time', body: () => ({ ...good(), eventTime: '1 May 2024' }), status: 422, code: 'BAD_USER_INPUT', field: 'eventTime' },
    { name: 'an eventType the spec does not know', body: () => ({ ...good(), eventType: 'DONE' }), status: 422, code: 'BAD_USER_INPUT', field: 'eventType' },
    { name: 'a list sent to the endpoint of one event', body: () => [good()], status: 422, code: 'BAD_USER_INPUT', message: /lineage\/batch/ },
    { name: 'a job namespace that cannot be a project name', body: () => runEvent('START', randomUUID(), 'x', minutes(0), { namespace: 'my scheduler' }), status: 422, code: 'BAD_USER_INPUT', field: 'job.namespace' },
    { name: 'a DatasetEvent naming no project, from a token of several', body: () => fixture('client/python/tests/serde_example_dataset_event.json'), status: 422, code: 'BAD_USER_INPUT', field: 'project' },
    { name: 'no token', body: good, token: () => null, status: 401, code: 'UNAUTHENTICATED' },
    { name: 'an unknown token', body: good, token: () => 'pdg_not_a_token', status: 401, code: 'UNAUTHENTICATED' },
    { name: "a reader's token", body: good, token: () => tokens.reader, status: 403, code: 'FORBIDDEN', message: /needs the writer role/ },
    { name: "a namespace outside the token's projects", body: () => runEvent('START', randomUUID(), 'x', minutes(0), { namespace: 'elsewhere' }), status: 403, code: 'FORBIDDEN', field: 'project' },
    { name: 'a runId of another project', body: () => runEvent('COMPLETE', foreignRun, 'mine', minutes(3)), status: 409, code: 'CONFLICT', field: 'run.runId' },
    { name: 'a body over the size limit', body: () => JSON.stringify({ ...good(), padding: 'x'.repeat(11 * 1024 * 1024) }), status: 413, code: 'LIMIT_EXCEEDED' },
    { name: 'a batch of 10,001 events', path: '/api/v1/lineage/batch', body: () => Array.from({ length: 10_001 }, () => good()), status: 413, code: 'LIMIT_EXCEEDED', field: 'events' },
    { name: 'a batch that is not a list', path: '/api/v1/lineage/batch', body: good, status: 422, code: 'BAD_USER_INPUT', message: /takes a JSON list of events/ },
    { name: 'a batch whose only event the spec refuses', path: '/api/v1/lineage/batch', body: () => [{ ...good(), run: { runId: 'x' } }], status: 422, code: 'BAD_USER_INPUT', field: 'run.runId' },
    { name: 'GET', method: 'GET', body: () => null, status: 405, code: 'BAD_REQUEST' },
  ];

  for (const c of REFUSALS) {
    it(`refuses ${c.name}: ${c.status} ${c.code}, and writes nothing`, async () => {
      const before = await fingerprint();
      const answer = await send(c.body(), { path: c.path, token: c.token ? c.token() : tokens.writer, headers: c.headers, method: c.method });
      expect({ status: answer.status, contentType: answer.contentType }).toEqual({ status: c.status, contentType: expect.stringMatching(/^application\/json/) });
      const error = c.path?.endsWith('batch') && Array.isArray(answer.body.results) ? answer.body.results[0].errors[0] : answer.body.errors[0];
      expect(error.extensions.code).toBe(c.code);
      if (c.field) expect(error.extensions.field).toBe(c.field);
      if (c.message) expect(error.message).toMatch(c.message);
      expect(JSON.stringify(answer.body)).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
      expect(await fingerprint()).toEqual(before);
    });
  }

  it('applies each event of a batch on its own, and says which were refused', async () => {
    const runs = [randomUUID(), randomUUID()];
    const before = await fingerprint();
    const answer = await send([runEvent('START', runs[0], 'batch.a', minutes(0)), { ...good(), eventTime: 'never' }, runEvent('START', runs[1], 'batch.b', minutes(0), { namespace: 'elsewhere' }), runEvent('COMPLETE', runs[0], 'batch.a', minutes(1))], {
      path: '/api/v1/lineage/batch',
    });
    expect(answer.status).toBe(207);
    expect(answer.body).toMatchObject({ accepted: 2, refused: 2 });
    expect(answer.body.results.map((r: { index: number; status: number }) => [r.index, r.status])).toEqual([[0, 201], [1, 422], [2, 403], [3, 201]]);
    expect(answer.body.results[3].execution).toEqual({ id: runs[0], name: 'batch.a', kind: 'STEP', status: 'COMPLETED' });
    expect(answer.body.results[1].errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'eventTime' });
    // the refused events wrote nothing: the graph grew by the one run, and its two audit entries
    const after = await fingerprint();
    expect(after.auditEntries).toBe(before.auditEntries + 2);
    expect((await cypher('MATCH (e:Execution) WHERE e.id IN $runs RETURN e.id AS id', { runs })).records.map((r) => r.get('id'))).toEqual([runs[0]]);
  });

  it('answers 201 to a batch whose events were all applied, and takes an empty one', async () => {
    const run = randomUUID();
    const answer = await send([runEvent('START', run, 'batch.ok', minutes(0)), runEvent('COMPLETE', run, 'batch.ok', minutes(1))], { path: '/api/v1/lineage/batch' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ accepted: 2, refused: 0 });
    expect(await send([], { path: '/api/v1/lineage/batch' })).toMatchObject({ status: 201, body: { accepted: 0, refused: 0, results: [] } });
  });
});

describe('the mapping: a DAG run with three tasks', () => {
  const dag = randomUUID();
  const [extract, transform, load] = [randomUUID(), randomUUID(), randomUUID()];
  const ORDERS = { namespace: 'postgres://db:5432', name: 'shop.public.orders' };
  const DAILY = { namespace: 's3://warehouse', name: 'marts/orders_daily' };
  const EXPORT = { namespace: 's3://exports', name: 'orders_daily.csv' };
  const schema = { schema: { ...base, fields: [{ name: 'day', type: 'date' }, { name: 'orders', type: 'int64', description: 'orders placed that day' }] } };
  const lineage = { columnLineage: { ...base, fields: { orders: { inputFields: [{ namespace: ORDERS.namespace, name: ORDERS.name, field: 'id' }], transformationType: 'AGGREGATE' } } } };
  const source = {
    sourceCodeLocation: { ...base, type: 'git', url: 'https://github.com/acme/etl/blob/4f2a9c1/dags/orders.py', repoUrl: 'https://github.com/acme/etl.git', path: 'dags/orders.py', version: '4f2a9c1' },
    jobType: { ...base, processingType: 'BATCH', integration: 'AIRFLOW', jobType: 'TASK' },
    ownership: { ...base, owners: [{ name: 'team:data-eng', type: 'MAINTAINER' }] },
  };
  let recorded: Record<string, any> = {};

  beforeAll(async () => {
    const dagFacets = { jobFacets: { jobType: { ...base, processingType: 'BATCH', integration: 'AIRFLOW', jobType: 'DAG' } } };
    const task = (name: string, run: string) => (type: string, at: number, spec: EventSpec = {}) =>
      runEvent(type, run, `orders_daily.${name}`, minutes(at), { ...spec, jobFacets: source, runFacets: { ...parentFacet(dag, 'orders_daily'), ...spec.runFacets } });
    recorded.dagStart = await record(runEvent('START', dag, 'orders_daily', minutes(0), dagFacets));
    recorded.extractStart = await record(task('extract', extract)('START', 1, { inputs: [ORDERS] }));
    recorded.extract = await record(task('extract', extract)('COMPLETE', 2, { inputs: [ORDERS], outputs: [{ ...DAILY, facets: schema, outputFacets: { outputStatistics: { ...base, rowCount: 365, size: 48_000 } } }] }));
    recorded.transform = await record(
      task('transform', transform)('COMPLETE', 4, {
        inputs: [{ ...DAILY, inputFacets: { dataQualityMetrics: { ...base, rowCount: 365, columnMetrics: { orders: { nullCount: 0, min: 3 } } } } }],
        outputs: [{ namespace: 's3://warehouse', name: 'marts/orders_weekly', facets: { ...schema, ...lineage } }],
        runFacets: { acme_costs: { ...base, dollars: 0.42 } },
      }),
    );
    recorded.load = await record(
      task('load', load)('FAIL', 6, {
        inputs: [DAILY],
        outputs: [EXPORT],
        runFacets: { errorMessage: { ...base, message: 'connection reset by peer', programmingLanguage: 'python', stackTrace: 'Traceback (most recent call last): ...' } },
      }),
    );
    recorded.dagEnd = await record(runEvent('FAIL', dag, 'orders_daily', minutes(7), dagFacets));
  }, 60_000);

  it('makes each run an execution named after its job, with its status and times from the events', async () => {
    const { execution } = await gql(EXECUTION, { id: extract });
    expect(execution).toMatchObject({ id: extract, name: 'orders_daily.extract', kind: 'STEP', status: 'COMPLETED', startedAt: minutes(1), endedAt: minutes(2), attempt: 1, createdBy: 'airflow-shop' });
    expect((await gql(EXECUTION, { id: load })).execution).toMatchObject({ status: 'FAILED', startedAt: null, endedAt: minutes(6) });
    expect(valuesOf(execution.metadata)).toMatchObject({ 'system.startedAt': { DATETIME: minutes(1) }, 'system.endedAt': { DATETIME: minutes(2) }, 'system.duration': 60, 'system.attempt': 1 });
  });

  it('makes each task PART_OF the DAG run, a PIPELINE execution', async () => {
    for (const run of [extract, transform, load]) expect((await gql(EXECUTION, { id: run })).execution.parent).toEqual({ id: dag, name: 'orders_daily', kind: 'PIPELINE', status: 'FAILED' });
    const steps = await gql('query($id: ID!) { execution(id: $id) { steps(first: 10) { name } } }', { id: dag });
    expect(steps.execution.steps.map((s: { name: string }) => s.name).sort()).toEqual(['orders_daily.extract', 'orders_daily.load', 'orders_daily.transform']);
  });

  it('makes each dataset a datum with uri = namespace + "/" + name, written by the run that wrote it', async () => {
    const { execution } = await gql(EXECUTION, { id: extract });
    expect(execution.inputs.map((d: { uri: string }) => d.uri)).toEqual(['postgres://db:5432/shop.public.orders']);
    expect(execution.inputs[0].producer).toBeNull();
    expect(execution.outputs).toMatchObject([{ uri: 's3://warehouse/marts/orders_daily', path: 'marts/orders_daily', size: 48_000, producer: { id: extract } }]);
    const read = (await gql(EXECUTION, { id: transform })).execution.inputs;
    expect(read.map((d: { id: string }) => d.id)).toEqual([execution.outputs[0].id]);
  });

  it('turns facets into typed metadata groups: schema, outputStatistics, dataQualityMetrics, columnLineage', async () => {
    const { execution } = await gql(EXECUTION, { id: extract });
    // the version the extract wrote: its schema and statistics, and the quality the transform measured reading it
    expect(valuesOf(execution.outputs[0].metadata)).toEqual({
      'schema.day': { DTYPE: 'date' },
      'schema.orders': { DTYPE: 'int64' },
      'columnDescriptions.orders': 'orders placed that day',
      'outputStatistics.rowCount': 365,
      'outputStatistics.size': { STORAGE_SIZE: 48_000 },
      'dataQualityMetrics.rowCount': 365,
      'dataQualityMetrics.orders\\.nullCount': 0,
      'dataQualityMetrics.orders\\.min': 3,
    });
    const daily = (await gql('query($id: ID!) { node(id: $id) { ... on Datum { metadata(first: 50) { name execution { id } } } } }', { id: execution.outputs[0].id })).node;
    expect(daily.metadata.find((m: { name: string }) => m.name === 'dataQualityMetrics.rowCount').execution).toEqual({ id: transform });
    expect(daily.metadata.find((m: { name: string }) => m.name === 'schema.day').execution).toEqual({ id: extract });
    const weekly = (await gql(EXECUTION, { id: transform })).execution.outputs[0];
    expect(valuesOf(weekly.metadata)['columnLineage.fields']).toEqual(lineage.columnLineage.fields);
  });

  it('puts run and job facets on the execution: errorMessage, sourceCodeLocation (repository and commit), jobType, ownership, unknown facets as they are', async () => {
    const failed = (await gql(EXECUTION, { id: load })).execution;
    expect(failed).toMatchObject({ repository: 'https://github.com/acme/etl.git', commit: '4f2a9c1' });
    expect(valuesOf(failed.metadata)).toMatchObject({
      'errorMessage.message': 'connection reset by peer',
      'errorMessage.programmingLanguage': 'python',
      'sourceCodeLocation.url': { URI: 'https://github.com/acme/etl/blob/4f2a9c1/dags/orders.py' },
      'sourceCodeLocation.version': '4f2a9c1',
      'jobType.jobType': 'TASK',
      'ownership.team:data-eng': 'MAINTAINER',
      'system.commit': '4f2a9c1',
      'system.repository': 'https://github.com/acme/etl.git',
    });
    expect(valuesOf((await gql(EXECUTION, { id: transform })).execution.metadata)['acme_costs.dollars']).toBe(0.42);
    expect(Object.keys(valuesOf(failed.metadata)).filter((name) => name.startsWith('parent'))).toEqual([]);
  });

  it('answers datum(uri, project) with the newest version of a URI, and lineage walks across the jobs', async () => {
    const { datum } = await gql('{ datum(uri: "s3://warehouse/marts/orders_daily", project: "shop") { id producer { name } } }');
    expect(datum.producer.name).toBe('orders_daily.extract');
    const upstream = await gql('query($id: ID!) { lineage(id: $id, direction: UPSTREAM, depth: 5) { nodes { distance kind node { ... on Datum { uri } ... on Execution { name } } } } }', { id: recorded.load.outputs[0].datumId });
    // upstream of what the failed load wrote: the load, the version of the mart it read, the extract that wrote it, what that read
    expect(upstream.lineage.nodes.map((n: any) => `${n.distance} ${n.kind} ${n.node.uri ?? n.node.name}`).sort()).toEqual([
      '1 DATUM s3://warehouse/marts/orders_daily',
      '1 EXECUTION orders_daily.load',
      '2 DATUM postgres://db:5432/shop.public.orders',
      '2 EXECUTION orders_daily.extract',
    ]);
  });

  it('puts a DatasetEvent facets on the newest datum of its URI, and a JobEvent facets on the project', async () => {
    const dataset = await record(
      { eventTime: minutes(8), producer: PRODUCER, schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent', dataset: { ...DAILY, facets: { documentation: { ...base, description: 'orders per day' } } } },
      { path: '/api/v1/lineage?project=shop' },
    );
    expect(dataset).toMatchObject({ event: 'DatasetEvent', project: 'shop', dataset: { uri: 's3://warehouse/marts/orders_daily', datumId: recorded.extract.outputs[0].datumId } });
    const job = await record({ eventTime: minutes(8), producer: PRODUCER, schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent', job: { namespace: 'shop', name: 'orders_daily.extract', facets: { documentation: { ...base, description: 'copies orders out of Postgres' } } }, outputs: [DAILY] });
    expect(job).toMatchObject({ event: 'JobEvent', project: 'shop', job: 'orders_daily.extract', datasets: [{ uri: 's3://warehouse/marts/orders_daily' }] });
    const kept = await cypher("MATCH (m:Current)-[:DESCRIBES]->(p:Project {name: 'shop'}) RETURN m.name AS name, m.value AS value ORDER BY name");
    expect(kept.records.map((r) => [r.get('name'), JSON.parse(r.get('value'))])).toEqual([
      ['documentation.orders_daily\\.extract::description', 'copies orders out of Postgres'],
      ['lineage.orders_daily\\.extract::outputs', ['s3://warehouse/marts/orders_daily']],
    ]);
  });
});

describe('version-exact inputs', () => {
  const RAW = { namespace: 's3://lake', name: 'raw/orders' };
  const write = (run: string, at: number, extra: Partial<DatasetSpec> = {}) => record(runEvent('COMPLETE', run, 'writer', minutes(at), { outputs: [{ ...RAW, ...extra }] }));
  const read = (run: string, at: number, extra: Partial<DatasetSpec> = {}) => record(runEvent('START', run, 'reader', minutes(at), { inputs: [{ ...RAW, ...extra }] }));
  let v1: string;
  let v2: string;

  beforeAll(async () => {
    v1 = (await write(randomUUID(), 10)).outputs[0].datumId;
    v2 = (await write(randomUUID(), 20)).outputs[0].datumId;
  }, 60_000);

  it('gives each run that writes a dataset a new datum with the same uri', async () => {
    expect(v1).not.toBe(v2);
    const uris = await cypher('MATCH (d:Datum {project: "shop", uri: "s3://lake/raw/orders"}) RETURN count(d) AS n');
    expect(Number(uris.records[0].get('n'))).toBe(2);
  });

  it('links an input to the version current at the event time', async () => {
    expect((await read(randomUUID(), 5)).inputs[0].datumId).not.toMatch(new RegExp(`${v1}|${v2}`));
    expect((await read(randomUUID(), 15)).inputs[0].datumId).toBe(v1);
    expect((await read(randomUUID(), 25)).inputs[0].datumId).toBe(v2);
  });

  it('links an input to the version its version facet names, and a writer of that version claims it', async () => {
    const version = { facets: { version: { ...base, datasetVersion: 'snapshot-7' } } };
    const named = (await read(randomUUID(), 30, version)).inputs[0].datumId;
    expect([v1, v2]).not.toContain(named);
    const writer = randomUUID();
    expect((await write(writer, 8, version)).outputs[0].datumId).toBe(named);
    expect((await gql('query($id: ID!) { node(id: $id) { ... on Datum { uri producer { id } } } }', { id: named })).node).toEqual({ uri: 's3://lake/raw/orders', producer: { id: writer } });
    expect((await read(randomUUID(), 40, version)).inputs[0].datumId).toBe(named);
  });

  it('keeps one producer per version, and says so when another run claims it', async () => {
    const version = { facets: { version: { ...base, datasetVersion: 'snapshot-7' } } };
    const answer = await write(randomUUID(), 9, version);
    expect(answer.warnings).toEqual([expect.stringMatching(/version "snapshot-7" of s3:\/\/lake\/raw\/orders was written by run .*; a datum has one producer/)]);
  });

  it('answers recordInputs of the URI through GraphQL with the newest version too', async () => {
    const { createExecution } = await gql('mutation { createExecution(input: {project: "shop", name: "notebook"}) { id } }');
    const { recordInputs } = await gql('mutation($e: ID!) { recordInputs(executionId: $e, inputs: [{uri: "s3://lake/raw/orders"}]) { id } }', { e: createExecution.id });
    const { datum } = await gql('{ datum(uri: "s3://lake/raw/orders", project: "shop") { id } }');
    expect(recordInputs).toEqual([{ id: datum.id }]);
    expect(datum.id).toBe(v2);
  });
});

describe('retries and reorderings', () => {
  const RAW = { namespace: 's3://lake', name: 'orders' };
  const MART = { namespace: 's3://warehouse', name: 'marts/orders' };
  const dag = randomUUID();
  const [extract, transform, late] = [randomUUID(), randomUUID(), randomUUID()];
  const state = (value: string) => ({ airflow_state: { ...base, state: value } });

  /**
   * A story of runs, each with its events in order: the DAG run, an extract, a transform whose
   * START reads the first version of RAW while its COMPLETE (after a second extract wrote a new
   * version) lists RAW again, and facets that change between START and COMPLETE.
   */
  function story(namespace: string): Array<Array<Record<string, unknown>>> {
    const task = (run: string, name: string) => (type: string, at: number, spec: EventSpec = {}) =>
      runEvent(type, run, name, minutes(at), { namespace, ...spec, runFacets: { ...parentFacet(dag, 'dag', namespace), ...spec.runFacets } });
    return [
      [runEvent('START', dag, 'dag', minutes(0), { namespace }), runEvent('COMPLETE', dag, 'dag', minutes(30), { namespace })],
      [task(extract, 'extract')('START', 1, { outputs: [RAW], runFacets: state('running') }), task(extract, 'extract')('COMPLETE', 2, { outputs: [{ ...RAW, outputFacets: { outputStatistics: { ...base, rowCount: 10 } } }], runFacets: state('success') })],
      [task(late, 'extract')('START', 5, { outputs: [RAW] }), task(late, 'extract')('COMPLETE', 6, { outputs: [RAW] })],
      [
        task(transform, 'transform')('START', 3, { inputs: [RAW], runFacets: state('running') }),
        task(transform, 'transform')('RUNNING', 7, { inputs: [RAW] }),
        task(transform, 'transform')('COMPLETE', 8, { inputs: [RAW], outputs: [MART], runFacets: state('success') }),
        task(transform, 'transform')(null as unknown as string, 9, { runFacets: { acme: { ...base, note: 'no eventType' } } }),
      ],
    ];
  }

  async function play(namespace: string, order: (events: Array<Record<string, unknown>>) => Array<Record<string, unknown>>) {
    for (const run of story(namespace)) for (const event of order(run)) await record(event);
    return lineageGraph(namespace);
  }

  /** The same numbers every run, so a failure can be replayed. */
  function shuffled<T>(items: T[], seed: number): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const j = seed % (i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  it('changes nothing when an event comes again: the graph stays as it was, and the answer says so', async () => {
    await play('order-a', (events) => events);
    const before = await fingerprint();
    const again: any[] = [];
    for (const run of story('order-a')) for (const event of run) again.push(await record(event));
    const after = await fingerprint();
    expect(after.graph).toEqual(before.graph);
    // every request is audited, the retries too
    expect(after.auditEntries).toBe(before.auditEntries + again.length);
    expect(again.map((a) => a.changes)).toEqual(again.map(() => ({ status: null, lineage: null })));
  }, 60_000);

  it('never reopens a finished run: a late START or RUNNING leaves it COMPLETED', async () => {
    const answer = await record(runEvent('START', transform, 'transform', minutes(4), { namespace: 'order-a', runFacets: parentFacet(dag, 'dag', 'order-a') }));
    expect(answer.execution.status).toBe('COMPLETED');
    expect(answer.changes.status).toBeNull();
    expect((await gql(EXECUTION, { id: transform })).execution).toMatchObject({ status: 'COMPLETED', startedAt: minutes(3), endedAt: minutes(8) });
  });

  it('ends in the same graph whatever order the events of each run arrive in, repeats included', async () => {
    await clearProject('order-a');
    const inOrder = await play('order-a', (events) => events);
    await clearProject('order-a');
    const reversed = await play('order-a', (events) => [...events].reverse());
    await clearProject('order-a');
    const mixed = await play('order-a', (events) => shuffled([...events, ...events], 7));
    expect(reversed).toEqual(inOrder);
    expect(mixed).toEqual(inOrder);
  }, 120_000);

  it('in that graph, the transform read the version current at its START, and the newer facets are current', async () => {
    const { execution } = await gql(EXECUTION, { id: transform });
    const { execution: first } = await gql(EXECUTION, { id: extract });
    expect(execution.inputs.map((d: { id: string }) => d.id)).toEqual([first.outputs[0].id]);
    expect(valuesOf(execution.metadata)).toMatchObject({ 'airflow_state.state': 'success', 'acme.note': 'no eventType' });
    expect(valuesOf(first.metadata)['airflow_state.state']).toBe('success');
    expect(execution).toMatchObject({ status: 'COMPLETED', startedAt: minutes(3), endedAt: minutes(8) });
  });
});

describe('change events', () => {
  it('records a run\'s status changes and its new lineage in the outbox, and a retried event records none', async () => {
    const runId = '3f1c7f6e-0d1a-4a55-9c5e-2d6a4f7b8e01';
    const input = { namespace: 'postgres://db:5432', name: 'shop.public.customers' };
    const output = { namespace: 's3://warehouse', name: 'marts/customers' };
    const events = async () =>
      (await cypher("MATCH (e:OutboxEvent {project: 'shop'}) WHERE e.data CONTAINS $runId RETURN e.type AS type, e.data AS data ORDER BY e.seq", { runId })).records.map((r) => ({
        type: r.get('type'),
        data: JSON.parse(r.get('data')),
      }));
    await record(runEvent('START', runId, 'customers.load', minutes(1), { inputs: [input] }));
    const complete = runEvent('COMPLETE', runId, 'customers.load', minutes(2), { outputs: [output] });
    await record(complete);
    const recorded = (await events()).filter((e) => e.type !== 'metadata.logged');
    expect(recorded.map((e) => [e.type, e.data.from ?? null, e.data.to ?? null, e.data.inputs?.count ?? null, e.data.outputs?.count ?? null])).toEqual([
      ['execution.status_changed', null, 'RUNNING', null, null],
      ['lineage.recorded', null, null, 1, 0],
      ['execution.status_changed', 'RUNNING', 'COMPLETED', null, null],
      ['lineage.recorded', null, null, 0, 1],
    ]);
    const before = (await events()).length;
    await record(complete);
    expect((await events()).length).toBe(before);
  });
});

describe('the example events of the OpenLineage repository', () => {
  const client = (name: string) => fixture(`client/python/tests/${name}`);
  const spec = (name: string) => fixture(`spec/tests/${name}`);

  it("records the client's full example: a COMPLETE with parent, nominal time, documentation, data quality assertions, schema and statistics", async () => {
    const event = client('example_full_event.json');
    const answer = await record(event);
    expect(answer).toMatchObject({ project: 'my-scheduler-namespace', runId: 'ea041791-68bc-4ae1-bd89-4c8106a157e4', parent: '3f5e83fa-3480-44ff-99c5-ff943904e5e8', warnings: [] });
    const { execution } = await gql(EXECUTION, { id: answer.runId });
    expect(execution).toMatchObject({ name: 'myjob.mytask', status: 'COMPLETED', endedAt: '2020-12-28T19:51:01.641Z', parent: { id: '3f5e83fa-3480-44ff-99c5-ff943904e5e8', kind: 'PIPELINE' } });
    expect(valuesOf(execution.metadata)).toMatchObject({ 'nominalTime.nominalStartTime': { DATETIME: '2020-12-17T03:00:00.001Z' }, 'documentation.description': 'string' });
    // it reads and writes the same table: it read the version before its own, and wrote a new one
    expect(execution.inputs[0].uri).toBe('my-datasource-namespace://instance.schema.table');
    expect(execution.inputs[0].id).not.toBe(execution.outputs[0].id);
    expect(valuesOf(execution.outputs[0].metadata)).toEqual({ 'schema.column1': 'VARCHAR', 'columnDescriptions.column1': 'string', 'outputStatistics.rowCount': 2000, 'outputStatistics.size': { STORAGE_SIZE: 2097152 } });
    const input = (await gql('query($id: ID!) { node(id: $id) { ... on Datum { metadata(first: 20) { name type value } } } }', { id: execution.inputs[0].id })).node;
    expect(valuesOf(input.metadata)).toEqual({ 'dataQualityAssertions.assertions': event.inputs[0].inputFacets.dataQualityAssertions.assertions, 'schema.column1': 'VARCHAR', 'columnDescriptions.column1': 'string' });
  });

  it("records the client's RunEvent, DatasetEvent and JobEvent, whose times carry no offset (read as UTC)", async () => {
    const run = await record(client('serde_example_run_event.json'));
    expect((await gql(EXECUTION, { id: run.runId })).execution).toMatchObject({ status: 'RUNNING', startedAt: '2021-11-03T10:53:52.427Z' });
    const dataset = await record(client('serde_example_dataset_event.json'), { path: '/api/v1/lineage?project=openlineage' });
    const { node } = await gql('query($id: ID!) { node(id: $id) { ... on Datum { uri metadata(first: 10) { name type value } } } }', { id: dataset.dataset.datumId });
    expect(node.uri).toBe('openlineage://name');
    expect(valuesOf(node.metadata)).toEqual({ 'schema.a': { DTYPE: 'string' }, 'schema.b': { DTYPE: 'string' } });
    expect(await record(client('serde_example_job_event.json'))).toMatchObject({ event: 'JobEvent', project: 'openlineage', datasets: [{ uri: 'openlineage://dataset_a' }, { uri: 'openlineage://dataset_b' }] });
  });

  it("records the spec's facet examples where their definitions put them, each as typed metadata", async () => {
    const run = randomUUID();
    const answer = await record({
      ...runEvent('COMPLETE', run, 'my_dag.my_task', minutes(0), {
        namespace: 'airflow',
        runFacets: { ...spec('ParentRunFacet/2.json'), ...spec('ExtractionErrorRunFacet/1.json') },
        jobFacets: spec('JobTypeJobFacet/2.json'),
        inputs: [{ namespace: 'postgres://postgres:5432', name: 'public.top_delivery_times', facets: spec('DatasourceDatasetFacet/1.json'), inputFacets: spec('DataQualityMetricsInputDatasetFacet/1.json') }],
        outputs: [{ namespace: 'postgres://postgres:5432', name: 'public.popular_orders_day_of_week', facets: { ...spec('SchemaDatasetFacet/1.json'), ...spec('ColumnLineageDatasetFacet/1.json') }, outputFacets: spec('OutputStatisticsOutputDatasetFacet/1.json') }],
      }),
    });
    expect(answer).toMatchObject({ project: 'airflow', parent: 'f99310b4-3c3c-1a1a-2b2b-c1b95c24ff11', warnings: [] });
    const { execution } = await gql(EXECUTION, { id: run });
    expect(execution.parent).toMatchObject({ id: 'f99310b4-3c3c-1a1a-2b2b-c1b95c24ff11', name: 'my_dag.my_task', kind: 'PIPELINE' });
    expect(valuesOf(execution.metadata)).toMatchObject({
      'extractionError.failedTasks': 1,
      'jobType.jobType': 'STREAM_PROCESSOR',
      'jobType.emissionPattern': { eventTrigger: 'PERIODIC', eventCompleteness: 'COMPLETE_SNAPSHOT', windowDuration: 300 },
    });
    expect(valuesOf(execution.outputs[0].metadata)).toMatchObject({ 'schema.user_id': { DTYPE: 'int64' }, 'outputStatistics.size': { STORAGE_SIZE: 2097152 }, 'columnLineage.fields': spec('ColumnLineageDatasetFacet/1.json').columnLineage.fields });
    const input = (await gql('query($id: ID!) { node(id: $id) { ... on Datum { metadata(first: 30) { name type value } } } }', { id: execution.inputs[0].id })).node;
    expect(valuesOf(input.metadata)).toMatchObject({ 'dataSource.name': 'datasource_one', 'dataSource.url': 'https://some.location.com/datsource/one', 'dataQualityMetrics.amount\\.sum': 6600, 'dataQualityMetrics.fileCount': 5 });
  });
});

describe('load: 10,000 events (START and COMPLETE of 5,000 runs, 2 inputs and 1 output each)', () => {
  const RUNS = 5_000;
  const eventsOf = (namespace: string) =>
    Array.from({ length: RUNS }, (_, r) => {
      const run = randomUUID();
      const spec = {
        namespace,
        inputs: [{ namespace: 's3://lake', name: `raw/part-${r % 50}` }, { namespace: 'postgres://db:5432', name: 'shop.public.customers' }],
        outputs: [{ namespace: 's3://lake', name: `clean/run-${r}` }],
      };
      return [runEvent('START', run, `load.job-${r % 20}`, minutes(r % 60), spec), runEvent('COMPLETE', run, `load.job-${r % 20}`, minutes(r % 60), spec)];
    }).flat();

  async function expectLoaded(project: string) {
    const counts = await cypher(
      `MATCH (e:Execution {project: $project}) WITH count(e) AS runs, sum(CASE e.status WHEN 'COMPLETED' THEN 1 ELSE 0 END) AS completed
       MATCH (d:Datum {project: $project}) WITH runs, completed, count(d) AS datums
       OPTIONAL MATCH (:Datum {project: $project})-[c:CONSUMED_BY]->() WITH runs, completed, datums, count(c) AS reads
       OPTIONAL MATCH (:Datum {project: $project})-[p:PRODUCED_BY]->() WITH runs, completed, datums, reads, count(p) AS writes
       MATCH (a:AuditEntry {project: $project}) RETURN runs, completed, datums, reads, writes, count(a) AS audited`,
      { project },
    );
    expect(canonical(counts.records[0].toObject())).toEqual({ runs: '5000', completed: '5000', datums: '5051', reads: '10000', writes: '5000', audited: '10000' });
  }

  /**
   * Sends every event of one project through the batch endpoint, 1,000 a request as a client
   * flushing its buffer does (one request of 10,000 waits minutes for its answer on a busy
   * machine, past an HTTP client's patience); answers the answers and the time it took.
   */
  async function throughBatch() {
    const events = eventsOf('load-batch');
    const answers: Answer[] = [];
    const started = performance.now();
    for (let i = 0; i < events.length; i += 1_000) answers.push(await send(events.slice(i, i + 1_000), { path: '/api/v1/lineage/batch' }));
    return { answers, seconds: (performance.now() - started) / 1000 };
  }

  /** Sends every event of one project as single POSTs from 16 clients; answers the refusals and the time it took. */
  async function throughSinglePosts() {
    const events = eventsOf('load-single');
    let next = 0;
    const refused: string[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < events.length) {
          const answer = await send(events[next++]);
          if (answer.status !== 201) refused.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
        }
      }),
    );
    return { refused, seconds: (performance.now() - started) / 1000 };
  }

  // The two loads write projects of their own and run at once: each is paced by its
  // project's commits, one after another (the outbox's order), more than by the machine,
  // so together they take about the time of one. The throughput itself is the bench's.
  let batch: ReturnType<typeof throughBatch>;
  let single: ReturnType<typeof throughSinglePosts>;
  beforeAll(() => {
    batch = throughBatch();
    single = throughSinglePosts();
    // awaited by the tests below; until then a failure must not count as unhandled
    batch.catch(() => {});
    single.catch(() => {});
  });

  it('through the batch endpoint', async () => {
    const { answers, seconds } = await batch;
    expect(answers.map((a) => [a.status, a.body.accepted, a.body.refused])).toEqual(Array.from({ length: 10 }, () => [201, 1_000, 0]));
    console.log(`OpenLineage batch: 10,000 events in ${seconds.toFixed(1)} s (${Math.round(10_000 / seconds)} events/s), beside the single POSTs`);
    await expectLoaded('load-batch');
  }, 600_000);

  it('through single POSTs from 16 concurrent clients', async () => {
    const { refused, seconds } = await single;
    expect(refused).toEqual([]);
    console.log(`OpenLineage single POSTs, 16 clients: 10,000 events in ${seconds.toFixed(1)} s (${Math.round(10_000 / seconds)} events/s), beside the batch`);
    await expectLoaded('load-single');
  }, 600_000);
});

describe('the datum uniqueness migration', () => {
  it('gives the external datums of an older store version "", and trades the (project, uri) constraint for (project, uri, version)', async () => {
    await api.close();
    // the old constraint cannot hold the versions the tests above wrote
    await resetDatabase();
    await cypher('DROP CONSTRAINT datum_uri_version IF EXISTS');
    await cypher('CREATE CONSTRAINT datum_uri IF NOT EXISTS FOR (n:Datum) REQUIRE (n.project, n.uri) IS UNIQUE');
    await cypher("MATCH (m:Migration {id: 'external-datums-unversioned'}) DELETE m");
    await cypher("CREATE (:Entity:Datum {id: $id, project: 'legacy', uri: 's3://old/x', external: true, path: 'x', createdAt: datetime()})", { id: randomUUID() });
    api = await startApi();
    const datum = await cypher("MATCH (d:Datum {project: 'legacy'}) RETURN d.version AS version");
    expect(datum.records.map((r) => r.get('version'))).toEqual(['']);
    const constraints = await cypher("SHOW CONSTRAINTS YIELD name WHERE name STARTS WITH 'datum_uri' RETURN collect(name) AS names");
    expect(constraints.records[0].get('names')).toEqual(['datum_uri_version']);
  }, 120_000);
});
