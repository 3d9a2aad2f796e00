import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { parseMetadata } from '../../src/domain/metadata.js';
import { datasetUri, instantOf, stableId, type OpenLineageEvent } from '../../src/openlineage/events.js';
import { facetGroups, packGroups } from '../../src/openlineage/facets.js';
import { datumId, planEvent, type RunPlan } from '../../src/openlineage/plan.js';
import { SPEC_ID, validateEvent } from '../../src/openlineage/validate.js';

/**
 * The OpenLineage mapping without a database: the vendored spec is the one its note names,
 * events are judged by it, and each event becomes the plan section 6.3 of the design asks
 * for. test/e2e/openlineage.test.ts sends the same events through HTTP into Neo4j.
 */

const fixture = (path: string) => JSON.parse(readFileSync(join(packageRoot, 'test', 'fixtures', 'openlineage', path), 'utf8'));
const facet = (path: string) => fixture(`spec/tests/${path}`);

const RUN = '0f6d4c1e-3a52-4d5b-9a31-5a1d0c2b7e10';
const producer = 'https://github.com/OpenLineage/OpenLineage/tree/1.54.0/client/python';
const base = { _producer: producer, _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/X.json' };

function runEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventType: 'START',
    eventTime: '2024-05-01T10:00:00.000Z',
    producer,
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    run: { runId: RUN },
    job: { namespace: 'shop', name: 'orders.extract' },
    ...overrides,
  };
}

/** The message and field of the error `run` throws. */
function refusal(run: () => unknown): { message: string; field: unknown; code: unknown } {
  try {
    run();
  } catch (error) {
    const e = error as { message: string; extensions: Record<string, unknown> };
    return { message: e.message, field: e.extensions.field, code: e.extensions.code };
  }
  throw new Error('expected a refusal');
}

describe('the vendored OpenLineage spec', () => {
  it('is the 2-0-2 core spec byte for byte, as its note says', () => {
    const bytes = readFileSync(join(packageRoot, 'src', 'openlineage', 'spec', 'OpenLineage.json'));
    expect(bytes.length).toBe(9155);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe('69f68bee00b9beac88a87059c0102410e7bb05f3f43c46d02a0409831eceb0d2');
    expect(SPEC_ID).toBe('https://openlineage.io/spec/2-0-2/OpenLineage.json');
  });
});

describe('validateEvent', () => {
  it('accepts the example events of the OpenLineage python client, a naive eventTime included', () => {
    for (const path of ['example_full_event.json', 'serde_example_run_event.json', 'serde_example_dataset_event.json', 'serde_example_job_event.json']) {
      expect(() => validateEvent(fixture(`client/python/tests/${path}`))).not.toThrow();
    }
  });

  it('allows a missing eventType and facets nobody defined', () => {
    const { eventType: _, ...untyped } = runEvent();
    expect(() => validateEvent(untyped)).not.toThrow();
    expect(() => validateEvent(runEvent({ run: { runId: RUN, facets: { acme_costs: { ...base, dollars: 3 } } } }))).not.toThrow();
  });

  it.each([
    ['a missing job name', runEvent({ job: { namespace: 'shop' } }), 'job.name', /job\.name is required/],
    ['a runId that is no UUID', runEvent({ run: { runId: 'run-42' } }), 'run.runId', /run\.runId must be a UUID, got "run-42"/],
    ['an eventTime that is no date-time', runEvent({ eventTime: 'yesterday' }), 'eventTime', /eventTime must be a date-time, got "yesterday"/],
    ['an eventTime on the 31st of February', runEvent({ eventTime: '2024-02-31T10:00:00Z' }), 'eventTime', /date-time/],
    ['an unknown eventType', runEvent({ eventType: 'DONE' }), 'eventType', /must be one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER/],
    ['a producer that is no URI', runEvent({ producer: 'my laptop' }), 'producer', /producer must be a uri/],
    ['a facet without its base fields', runEvent({ run: { runId: RUN, facets: { acme: { dollars: 3 } } } }), 'run.facets.acme._producer', /_producer is required/],
    ['inputs that are not a list', runEvent({ inputs: { namespace: 's3://b', name: 'x' } }), 'inputs', /inputs must be an array/],
  ])('refuses %s, naming the field', (_, event, field, message) => {
    const r = refusal(() => validateEvent(event));
    expect(r).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(r.message).toMatch(/^Not a valid OpenLineage RunEvent \(https:\/\/openlineage\.io\/spec\/2-0-2\/OpenLineage\.json\)/);
    expect(r.message).toMatch(message);
  });

  it('judges an event by the kind its shape asks for', () => {
    const r = refusal(() => validateEvent({ eventTime: '2024-05-01T10:00:00Z', producer, schemaURL: producer, dataset: { namespace: 's3://b' } }));
    expect(r.message).toMatch(/^Not a valid OpenLineage DatasetEvent .*dataset\.name is required/);
  });

  it('refuses what is not one event object, and JSON nested past the limit', () => {
    expect(refusal(() => validateEvent([runEvent()])).message).toMatch(/is a JSON object .* got a list/);
    expect(refusal(() => validateEvent('START')).message).toMatch(/got "START"/);
    const deep = JSON.parse('{"a":'.repeat(150) + '1' + '}'.repeat(150));
    expect(refusal(() => validateEvent(runEvent({ run: { runId: RUN, facets: { deep: { ...base, deep } } } }))).message).toMatch(/at most 100 levels/);
  });
});

describe('instantOf', () => {
  it.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T12:00:00+0200', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01t10:00:00.123456z', '2024-05-01T10:00:00.123Z'],
    ['2021-11-03T10:53:52.427343', '2021-11-03T10:53:52.427Z'],
    ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (input, instant) => {
    expect(instantOf(input)).toBe(instant);
  });
});

describe('datasetUri', () => {
  it.each([
    ['postgres://db:5432', 'shop.public.orders', 'postgres://db:5432/shop.public.orders'],
    ['s3://warehouse', 'marts/orders_daily', 's3://warehouse/marts/orders_daily'],
    ['s3://warehouse/', '/marts/orders_daily', 's3://warehouse/marts/orders_daily'],
    ['arn:aws:glue:us-east-1:123456789012', 'table/shop/orders', 'arn:aws:glue:us-east-1:123456789012/table/shop/orders'],
    ['file', '/data/orders.csv', 'file:///data/orders.csv'],
    ['bigquery', 'project.dataset.table', 'bigquery://project.dataset.table'],
    ['food_delivery', 'orders', 'openlineage:food_delivery/orders'],
    ['s3://bucket', 'reports/q1 sales {final}.csv', 's3://bucket/reports/q1%20sales%20%7Bfinal%7D.csv'],
    ['s3://bucket', '100%.csv', 's3://bucket/100%25.csv'],
  ])('%s + %s is %s', (namespace, name, uri) => {
    expect(datasetUri(namespace, name)).toBe(uri);
  });
});

describe('stableId', () => {
  it('is a version 5 UUID that depends on every part and only on them', () => {
    const id = stableId('datum', 'shop', 's3://b/x', RUN);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableId('datum', 'shop', 's3://b/x', RUN)).toBe(id);
    expect(stableId('datum', 'shop', 's3://b/x', '')).not.toBe(id);
    expect(stableId('datum', 'shop', 's3://b/', 'x' + RUN)).not.toBe(id);
  });
});

/** The values the metadata rules make of some groups, as `name: type value`. */
function values(groups: Record<string, Record<string, unknown>>): string[] {
  const parsed = parseMetadata(groups);
  expect(parsed.problems).toEqual([]);
  return parsed.values.map((v) => `${v.name}: ${v.type} ${JSON.stringify(v.value)}`);
}

describe('facetGroups', () => {
  it('makes one value per column of a schema, typed DType where the type is one, descriptions apart', () => {
    const groups = facetGroups([{ schema: { ...base, fields: [{ name: 'address', type: 'struct', description: 'where', fields: [{ name: 'city', type: 'VARCHAR' }] }] } }]);
    expect(values(groups)).toEqual([
      'schema.address: STRING "struct"',
      'schema.address\\.city: STRING "VARCHAR"',
      'columnDescriptions.address: STRING "where"',
    ]);
    expect(values(facetGroups([facet('SchemaDatasetFacet/1.json')]))).toEqual([
      'schema.user_id: DTYPE "int64"',
      'schema.counterparty_id: DTYPE "int64"',
      'schema.currency: DTYPE "object"',
      'schema.amount: DTYPE "int64"',
    ]);
  });

  it('types outputStatistics, dataQualityMetrics per column, ownership per owner, nominal times', () => {
    expect(values(facetGroups([facet('OutputStatisticsOutputDatasetFacet/1.json')]))).toEqual(['outputStatistics.rowCount: NUMBER 2000', 'outputStatistics.size: STORAGE_SIZE 2097152']);
    expect(values(facetGroups([facet('DataQualityMetricsInputDatasetFacet/1.json')]))).toEqual([
      'dataQualityMetrics.rowCount: NUMBER 10',
      'dataQualityMetrics.fileCount: NUMBER 5',
      'dataQualityMetrics.amount\\.count: NUMBER 10',
      'dataQualityMetrics.amount\\.max: NUMBER 1500',
      'dataQualityMetrics.amount\\.min: NUMBER 100',
      'dataQualityMetrics.amount\\.sum: NUMBER 6600',
      'dataQualityMetrics.counterparty_id\\.nullCount: NUMBER 0',
      'dataQualityMetrics.user_id\\.distinctCount: NUMBER 3',
      'dataQualityMetrics.user_id\\.nullCount: NUMBER 0',
    ]);
    expect(values(facetGroups([{ ownership: { ...base, owners: [{ name: 'user:alice', type: 'MAINTAINER' }, { name: 'team:data' }] } }]))).toEqual([
      'ownership.user:alice: STRING "MAINTAINER"',
      'ownership.team:data: NULL null',
    ]);
    expect(values(facetGroups([{ nominalTime: { ...base, nominalStartTime: '2024-05-01T00:00:00Z', nominalEndTime: '2024-05-02' } }]))).toEqual([
      'nominalTime.nominalStartTime: DATETIME "2024-05-01T00:00:00.000Z"',
      'nominalTime.nominalEndTime: STRING "2024-05-02"',
    ]);
  });

  it('keeps every other facet field by field, columnLineage and facets nobody defined included', () => {
    expect(values(facetGroups([facet('ExtractionErrorRunFacet/1.json'), { acme_costs: { ...base, dollars: 3, cheap: true } }]))).toEqual([
      'extractionError.totalTasks: NUMBER 1',
      'extractionError.failedTasks: NUMBER 1',
      `extractionError.errors: JSON ${JSON.stringify(facet('ExtractionErrorRunFacet/1.json').extractionError.errors)}`,
      'acme_costs.dollars: NUMBER 3',
      'acme_costs.cheap: BOOLEAN true',
    ]);
    const lineage = facet('ColumnLineageDatasetFacet/1.json');
    expect(values(facetGroups([lineage]))).toEqual([`columnLineage.fields: JSON ${JSON.stringify(lineage.columnLineage.fields)}`]);
  });

  it('keeps a facet the rules cannot hold field by field whole, and renames a reserved facet name', () => {
    const odd = { ...base, $ref: 'x', ['k'.repeat(300)]: 1 };
    expect(values(facetGroups([{ odd, system: { ...base, host: 'h' }, 'valohai.tags': { ...base, a: 1 } }]))).toEqual([
      `odd.json: STRING ${JSON.stringify(JSON.stringify(odd))}`,
      'facet_system.host: STRING "h"',
      'facet_valohai\\.tags.a: NUMBER 1',
    ]);
  });

  it('puts a prefix before every key, skips and renames facets as asked, later maps winning', () => {
    const groups = facetGroups([{ documentation: { ...base, description: 'old' } }, { documentation: { ...base, description: 'new' }, parent: { ...base, run: {} } }], {
      keyPrefix: 'orders.extract::',
      skip: ['parent'],
      rename: { documentation: 'job_documentation' },
    });
    expect(values(groups)).toEqual(['job_documentation.orders\\.extract::description: STRING "new"']);
  });

  it('packs groups into objects of at most 1,000 values', () => {
    const wide = { schema: { ...base, fields: Array.from({ length: 2500 }, (_, i) => ({ name: `c${i}`, type: 'int64' })) } };
    const objects = packGroups(facetGroups([wide, { outputStatistics: { ...base, rowCount: 1 } }]));
    expect(objects.map((o) => Object.values(o).reduce((n, g) => n + Object.keys(g).length, 0))).toEqual([1000, 1000, 501]);
    for (const o of objects) expect(parseMetadata(o).problems).toEqual([]);
  });
});

describe('planEvent', () => {
  const plan = (event: Record<string, unknown>, project: string | null = null) => planEvent(validateEvent(event), project);

  it.each([
    ['START', { starting: true, final: null }],
    ['RUNNING', { starting: true, final: null }],
    ['COMPLETE', { starting: false, final: 'COMPLETED' }],
    ['FAIL', { starting: false, final: 'FAILED' }],
    ['ABORT', { starting: false, final: 'STOPPED' }],
    ['OTHER', { starting: false, final: null }],
  ])('maps eventType %s to the run status', (eventType, expected) => {
    expect(plan(runEvent({ eventType }))).toMatchObject({ kind: 'RunEvent', project: 'shop', runId: RUN, name: 'orders.extract', ...expected });
  });

  it('keys an output version by the run, or by its version facet; an input by its version facet, or the unversioned datum', () => {
    const p = plan(
      runEvent({
        run: { runId: RUN.toUpperCase() },
        inputs: [{ namespace: 'postgres://db:5432', name: 'shop.public.orders' }, { namespace: 's3://lake', name: 'fx', facets: { version: { ...base, datasetVersion: '7' } } }],
        outputs: [{ namespace: 's3://warehouse', name: 'raw/orders', outputFacets: { outputStatistics: { ...base, rowCount: 3, size: 2048 } } }, { namespace: 's3://lake', name: 'snap', facets: { version: { ...base, datasetVersion: 'v9' } } }],
      }),
    ) as RunPlan;
    expect(p.runId).toBe(RUN);
    expect(p.inputs.map((d) => [d.uri, d.version, d.id])).toEqual([
      ['postgres://db:5432/shop.public.orders', null, datumId('shop', 'postgres://db:5432/shop.public.orders', '')],
      ['s3://lake/fx', '7', datumId('shop', 's3://lake/fx', '7')],
    ]);
    expect(p.outputs.map((d) => [d.uri, d.version, d.id, d.size, d.path])).toEqual([
      ['s3://warehouse/raw/orders', null, datumId('shop', 's3://warehouse/raw/orders', RUN), 2048, 'raw/orders'],
      ['s3://lake/snap', 'v9', datumId('shop', 's3://lake/snap', 'v9'), null, 'snap'],
    ]);
  });

  it('links the parent run of the same namespace, and says why it does not link another', () => {
    const parent = (namespace: string, runId = '11111111-1111-4111-8111-111111111111') => runEvent({ run: { runId: RUN, facets: { parent: { ...base, run: { runId }, job: { namespace, name: 'orders' } } } } });
    const linked = plan(parent('shop')) as RunPlan;
    expect(linked.parent).toEqual({ runId: '11111111-1111-4111-8111-111111111111', name: 'orders' });
    expect(linked.metadata).toEqual([]);
    const other = plan(parent('elsewhere')) as RunPlan;
    expect(other.parent).toBeNull();
    expect(other.warnings).toEqual([expect.stringMatching(/namespace "elsewhere", not of this project "shop": kept as metadata, no PART_OF/)]);
    expect(other.metadata).toEqual([{ parent: { run: { runId: '11111111-1111-4111-8111-111111111111' }, job: { namespace: 'elsewhere', name: 'orders' } } }]);
    expect((plan(parent('shop', RUN)) as RunPlan).warnings).toEqual([expect.stringMatching(/names the run itself/)]);
  });

  it('reads the source code location, a DAG job type and the job facets of the run', () => {
    const p = plan(
      runEvent({
        run: { runId: RUN, facets: { tags: { ...base, tags: [{ key: 'team', value: 'data' }] } } },
        job: {
          namespace: 'shop',
          name: 'orders',
          facets: {
            sourceCodeLocation: { ...base, type: 'git', url: 'https://github.com/acme/etl/blob/abc123/dags/orders.py', repoUrl: 'https://github.com/acme/etl.git', version: 'abc123' },
            jobType: { ...base, processingType: 'BATCH', integration: 'AIRFLOW', jobType: 'DAG' },
            tags: { ...base, tags: [{ key: 'owner', value: 'alice' }] },
          },
        },
      }),
    ) as RunPlan;
    expect(p).toMatchObject({ repository: 'https://github.com/acme/etl.git', commit: 'abc123', pipeline: true });
    expect(Object.keys(p.metadata[0]).sort()).toEqual(['jobType', 'job_tags', 'sourceCodeLocation', 'tags']);
  });

  it('uses the first mention of a dataset an event lists twice, and says so', () => {
    const p = plan(runEvent({ inputs: [{ namespace: 's3://b', name: 'x' }, { namespace: 's3://b/', name: '/x' }] })) as RunPlan;
    expect(p.inputs).toHaveLength(1);
    expect(p.warnings).toEqual(['inputs.1 names the dataset s3://b/x again (as inputs.0 did); the first mention is used']);
  });

  it('takes a DatasetEvent project from the request, and refuses one without', () => {
    const event = fixture('client/python/tests/serde_example_dataset_event.json');
    expect(plan(event, 'shop')).toMatchObject({ kind: 'DatasetEvent', project: 'shop', at: '2021-11-03T10:53:52.427Z', dataset: { uri: 'openlineage://name' } });
    expect(refusal(() => plan(event))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'project' });
  });

  it('keeps a JobEvent facets for the project, keyed by job, with the datasets it declares', () => {
    const event = fixture('client/python/tests/serde_example_job_event.json');
    event.job.facets = { documentation: { ...base, description: 'loads orders' } };
    const p = planEvent(validateEvent(event), null);
    expect(p).toMatchObject({ kind: 'JobEvent', project: 'openlineage', name: 'name' });
    expect(p.kind === 'JobEvent' && values(p.metadata[0])).toEqual([
      'documentation.name::description: STRING "loads orders"',
      'lineage.name::inputs: JSON ["openlineage://dataset_a"]',
      'lineage.name::outputs: JSON ["openlineage://dataset_b"]',
    ]);
  });

  it('refuses a namespace that cannot be a project name', () => {
    expect(refusal(() => plan(runEvent({ job: { namespace: 'my scheduler', name: 'x' } })))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'job.namespace' });
  });

  it('the same event makes the same plan: ids come from what the event names', () => {
    const event = fixture('client/python/tests/example_full_event.json') as OpenLineageEvent;
    expect(planEvent(validateEvent(event), null)).toEqual(planEvent(validateEvent(JSON.parse(JSON.stringify(event))), null));
  });
});
